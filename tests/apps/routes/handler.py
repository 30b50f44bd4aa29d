"""routes: every function echoes what it received (function name, Params, Query...)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402


hl.serve({"product": hl.echo, "files": hl.echo, "newproduct": hl.echo})
