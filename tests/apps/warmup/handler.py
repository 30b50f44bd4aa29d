"""warmup: a warmupTrigger function "warmup" that takes WARMUP_MS (default 500) milliseconds and
then appends "<worker pid> <its Data as JSON>" to warmup.log in the app folder; and GET
/api/hello, which answers {"pid": <worker pid>}."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402

ROOT = os.environ.get("FUNCTIONS_APP_ROOT_PATH") or os.path.dirname(os.path.abspath(__file__))


def warmup(inv):
    time.sleep(int(os.environ.get("WARMUP_MS") or 500) / 1000.0)
    with open(os.path.join(ROOT, "warmup.log"), "a") as f:
        f.write(f"{os.getpid()} {json.dumps(inv.data, sort_keys=True)}\n")
    return {"Outputs": {}, "Logs": ["warmed up"], "ReturnValue": None}


def hello(inv):
    return hl.respond(200, {"pid": os.getpid()})


hl.serve({"warmup": warmup, "hello": hello})
