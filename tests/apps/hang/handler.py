"""hang: /api/hang never answers (the host's functionTimeout of 2 s must fire);
/api/ok answers at once."""
import threading
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402


def hang(inv):
    threading.Event().wait()  # forever


def ok(inv):
    return hl.respond(200, {"ok": True, "pid": os.getpid()})


hl.serve({"hang": hang, "ok": ok})
