"""The worker of bench/concurrency.sh and bench/concurrency_http.sh (issue 6): an I/O-bound and
a CPU-bound function, each queue- and HTTP-triggered.

  io   (queue io-items)    hio   (GET /api/hio)   sleep 50 ms: wait on something else, no CPU
  cpu  (queue cpu-items)   hcpu  (GET /api/hcpu)  burn 20 ms of this thread's CPU (thread_time)

One Python process, so one GIL: `cpu` invocations share at most one core however many run at
once, as they would in a Python app on Azure. Each invocation of a message "<seq>:<send ns>"
(bench/queue_fill), and each HTTP invocation (seq and send time 0), adds a line
"<function> <seq> <send ns> <start ns> <end ns> <in flight at start>" to $BENCH_CONCURRENCY_LOG
(CLOCK_REALTIME, the sender's clock: same machine), written when it ends. Standard library
only; HTTP/1.1 keep-alive, one thread per connection (the host opens as many connections as it
has invocations running).
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = os.environ.get("BENCH_CONCURRENCY_LOG")
_log = open(LOG, "a", buffering=1) if LOG else None  # line-buffered: one write per invocation
_lock = threading.Lock()
_in_flight = 0
REPLY = b'{"Outputs":{},"Logs":[],"ReturnValue":null}'
HTTP_REPLY = b'{"Outputs":{"res":{"statusCode":200,"body":"ok"}},"Logs":[],"ReturnValue":null}'


def io_work():
    time.sleep(0.05)


def cpu_work():
    end = time.thread_time() + 0.02  # this thread's CPU, not the process's
    while time.thread_time() < end:
        pass


FUNCTIONS = {"io": io_work, "cpu": cpu_work, "hio": io_work, "hcpu": cpu_work}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes

    def log_message(self, fmt, *args):
        pass

    def _reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        global _in_flight
        start = time.time_ns()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        name = self.path.split("?", 1)[0].strip("/")
        work = FUNCTIONS.get(name)
        if work is None:
            self._reply(404, b'"no such function"')
            return
        with _lock:
            _in_flight += 1
            now_in_flight = _in_flight
        try:
            work()
        finally:
            with _lock:
                _in_flight -= 1
        end = time.time_ns()
        http = name.startswith("h")
        if _log is not None:
            if http:
                seq, sent = "0", "0"
            else:
                text = (json.loads(raw or b"{}").get("Data") or {}).get("msg")
                seq, _, sent = text.partition(":") if isinstance(text, str) else ("", "", "")
            if seq.isdigit() and sent.isdigit():
                with _lock:
                    _log.write(f"{name} {seq} {sent} {start} {end} {now_in_flight}\n")
        self._reply(200, HTTP_REPLY if http else REPLY)

    def do_GET(self):
        self._reply(405, b'"POST /{function}"')


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["FUNCTIONS_CUSTOMHANDLER_PORT"])),
                                 Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("concurrency-app: listening", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
