"""malformed: replies the host must survive.
  bad         200 with a body that is not JSON
  wrongshape  200 with JSON that is not an invocation response
  status500   the worker itself answers HTTP 500
  good        a proper response"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402


hl.serve({
    "bad": lambda inv: hl.Raw(b"this is {not json"),
    "wrongshape": lambda inv: hl.Raw(b'{"Outputs": 5, "Logs": "nope"}'),
    "status500": lambda inv: hl.Raw(b"worker failed", status=500, content_type="text/plain"),
    "good": lambda inv: hl.respond(200, "good"),
})
