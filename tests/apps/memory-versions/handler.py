"""memory-versions: a worker whose memory depends on the host version it runs under. At start it
reads SQUALL_HOST_RUNNING_VERSION (set by the platform for every instance, inherited from the
host); when that version is listed in the app setting MEMORY_HOG_VERSIONS (comma-separated) it
holds MEMORY_HOG_MIB (default 50) MiB more, touched so that it is resident. /api/version answers
what it saw (the environment and the X-Azure-Functions-HostVersion header) and what it holds."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl  # noqa: E402

RUNNING = os.environ.get("SQUALL_HOST_RUNNING_VERSION", "")
HOG = [v.strip() for v in os.environ.get("MEMORY_HOG_VERSIONS", "").split(",") if v.strip()]
MIB = int(os.environ.get("MEMORY_HOG_MIB", "50"))
# b"\x01" * n writes every byte: the pages are resident, not just reserved.
BALLAST = b"\x01" * (MIB << 20) if RUNNING in HOG else b""


def version(inv):
    return hl.respond(200, {"runningVersion": RUNNING,
                            "headerVersion": inv.host_version,
                            "ballastMiB": len(BALLAST) >> 20,
                            "pid": os.getpid()})


hl.serve({"version": version})
