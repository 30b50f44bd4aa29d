"""auth: open (anonymous), secure (authLevel function), adminonly (authLevel admin).
Each echoes its invocation, so a test can also check that keys are not leaked to it."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402


hl.serve({"open": hl.echo, "secure": hl.echo, "adminonly": hl.echo})
