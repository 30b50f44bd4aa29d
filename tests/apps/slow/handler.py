"""slow: /api/sleep?ms=N sleeps N milliseconds before answering (default 1000). host.json
limits http to 2 concurrent and 4 outstanding requests."""
import time
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402


def sleep(inv):
    ms = int(inv.query.get("ms") or 1000)
    time.sleep(ms / 1000.0)
    return hl.respond(200, {"slept_ms": ms, "pid": os.getpid()})


hl.serve({"sleep": sleep})
