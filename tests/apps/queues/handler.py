"""queues: a queue-triggered test app.

work (queueTrigger work-items): records each message as a JSON line in the file named by env
  SQUALL_TEST_RESULTS: {"id", "text", "dequeueCount", "pid", "metadata"}. The text decides:
    "fail..."      -> the worker answers HTTP 500 (the host retries, then poisons)
    "crash..."     -> the worker exits mid-invocation (first attempt only)
    "sleep:N"      -> records a "start" event, then sleeps N ms
    "forward:X"    -> puts X on queue "forwarded" (queue output binding "forward")
enqueue (POST /api/enqueue): the request body goes to work-items via a "$return" queue output.
stats (GET /api/stats): {"pid"}.
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


def record(entry):
    if not RESULTS:
        return
    with _lock, open(RESULTS, "a") as f:
        f.write(json.dumps(entry) + "\n")
        f.flush()


def work(inv):
    item = inv.data.get("item")
    text = item if isinstance(item, str) else json.dumps(item, sort_keys=True)
    meta = inv.metadata
    dequeue = meta.get("DequeueCount")
    if text.startswith("sleep:"):
        record({"id": meta.get("Id"), "text": text, "dequeueCount": dequeue, "pid": os.getpid(),
                "event": "start"})
        time.sleep(int(text.split(":", 1)[1]) / 1000.0)
    if text.startswith("crash") and dequeue == 1:
        record({"id": meta.get("Id"), "text": text, "dequeueCount": dequeue, "pid": os.getpid(),
                "event": "crash"})
        os._exit(1)
    if text.startswith("fail"):
        record({"id": meta.get("Id"), "text": text, "dequeueCount": dequeue, "pid": os.getpid(),
                "event": "fail"})
        return hl.Raw("failing on purpose", status=500, content_type="text/plain")
    record({"id": meta.get("Id"), "text": text, "dequeueCount": dequeue, "pid": os.getpid(),
            "event": "ok", "metadata": meta})
    outputs = {}
    if text.startswith("forward:"):
        outputs["forward"] = text.split(":", 1)[1]
    return {"Outputs": outputs, "Logs": [f"work: {text[:40]}"], "ReturnValue": None}


def enqueue(inv):
    body = inv.body or ""
    response = {"statusCode": 202, "body": "queued", "headers": {"Content-Type": "text/plain"}}
    return {"Outputs": {"res": response}, "Logs": [], "ReturnValue": body}


def stats(inv):
    return hl.respond(200, {"pid": os.getpid()})


hl.serve({"work": work, "enqueue": enqueue, "stats": stats})
