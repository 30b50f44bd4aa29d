"""mixed-bindings: one http function (ping) beside a queueTrigger (workitem) and a
timerTrigger (tick). The http function must work whether or not the others are supported;
the non-http ones answer with an empty output when invoked."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402


def other(inv):
    return {"Outputs": {}, "Logs": [f"{inv.function} ran"], "ReturnValue": None}


hl.serve({"ping": hl.echo, "workitem": other, "tick": other})
