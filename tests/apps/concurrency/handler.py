"""concurrency: a queue-triggered app whose worker is CPU-bound beyond some parallelism, or leaks.

work (queueTrigger work-items); the message text decides:
  "cpu"      -> waits 80 ms (I/O), then burns 20 ms of CPU. One Python worker (one GIL) uses
                about level x 20 % of a core: a host told it has 1 CPU (--cpus 1) is CPU-throttled
                from about 4 at once.
  "leak:N"   -> allocates N MB, touches it and keeps it (the working set grows).
  anything   -> nothing.
Each invocation is appended as a JSON line {"text", "t", "inFlight"} to $SQUALL_TEST_RESULTS.
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402

RESULTS = os.environ.get("SQUALL_TEST_RESULTS")
_lock = threading.Lock()
_in_flight = 0
_leaks = []


def record(entry):
    if not RESULTS:
        return
    with _lock, open(RESULTS, "a") as f:
        f.write(json.dumps(entry) + "\n")


def work(inv):
    global _in_flight
    item = inv.data.get("item")
    text = item if isinstance(item, str) else json.dumps(item)
    with _lock:
        _in_flight += 1
        now_in_flight = _in_flight
    try:
        if text == "cpu":
            time.sleep(0.08)
            end = time.thread_time() + 0.02  # this thread's CPU, not the process's
            while time.thread_time() < end:
                pass
        elif text.startswith("leak:"):
            _leaks.append(b"\x01" * (int(text.split(":", 1)[1]) << 20))
    finally:
        with _lock:
            _in_flight -= 1
    record({"text": text, "t": time.time(), "inFlight": now_in_flight})
    return {"Outputs": {}, "Logs": [], "ReturnValue": None}


hl.serve({"work": work})
