"""never-ready: a worker that starts but never listens on FUNCTIONS_CUSTOMHANDLER_PORT.
The host must give up after customHandler.initializationTimeout (2 s) and stop it."""
import signal
import sys
import threading

signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
sys.stderr.write("never-ready: started, not listening\n")
sys.stderr.flush()
while True:
    threading.Event().wait(3600)
