"""bad-config: the app's configuration is wrong (host.json version "3.0" and functionTimeout
"banana"; broken/function.json has authLevel "superuser"), so the host must refuse to load
it with errors naming file and field. The handler itself would work."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402


hl.serve({"broken": hl.echo, "fine": hl.echo})
