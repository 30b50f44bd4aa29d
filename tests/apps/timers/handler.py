"""timers: tick (timerTrigger, schedule from app setting TICK_SCHEDULE) records each run as a
JSON line {"time", "isPastDue", "last", "next", "pid"} in the file named by env
SQUALL_TEST_RESULTS."""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402

RESULTS = os.environ.get("SQUALL_TEST_RESULTS")
_lock = threading.Lock()


def tick(inv):
    timer = inv.data.get("myTimer") or {}
    status = timer.get("ScheduleStatus") or {}
    entry = {"time": time.time(), "isPastDue": timer.get("IsPastDue"), "last": status.get("Last"),
             "next": status.get("Next"), "pid": os.getpid(), "schedule": timer.get("Schedule")}
    if RESULTS:
        with _lock, open(RESULTS, "a") as f:
            f.write(json.dumps(entry) + "\n")
    return {"Outputs": {}, "Logs": ["tick"], "ReturnValue": None}


hl.serve({"tick": tick})
