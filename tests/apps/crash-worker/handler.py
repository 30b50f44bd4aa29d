"""crash-worker: /api/crash kills the worker process (exit 1) mid-invocation; /api/ok
answers with the worker's pid, so a test can see that the host started a new worker."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402


def crash(inv):
    sys.stderr.write("crash-worker: exiting on purpose\n")
    sys.stderr.flush()
    os._exit(1)


def ok(inv):
    return hl.respond(200, {"ok": True, "pid": os.getpid()})


hl.serve({"crash": crash, "ok": ok})
