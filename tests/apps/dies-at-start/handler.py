"""dies-at-start: the worker exits with status 1 as soon as it starts, so the host's
restart backoff can be observed. Each start is written to stderr and, when the env var
SQUALL_TEST_START_LOG names a file, appended to it as a UNIX timestamp."""
import os
import sys
import time

now = time.time()
log = os.environ.get("SQUALL_TEST_START_LOG")
if log:
    with open(log, "a") as f:
        f.write(f"{now:.3f}\n")
sys.stderr.write(f"dies-at-start: exiting at {now:.3f}\n")
sys.exit(1)
