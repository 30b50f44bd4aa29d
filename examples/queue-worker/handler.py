"""queue-worker: HTTP -> queue -> worker, plus a timer, as an Azure Functions custom handler in
plain Python 3 (stdlib only).

  POST /api/orders      the body is put on queue "orders" (a queue output via $return)
  process               runs for each message of "orders"
  heartbeat             runs on the schedule in app setting HEARTBEAT_SCHEDULE

Try it:  squall start examples/queue-worker
         curl -d '{"item": "tea"}' localhost:7071/api/orders
         squall queue put orders 'hello' --app examples/queue-worker
"""
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def enqueue(data, metadata):
    req = data.get("req") or {}
    body = req.get("Body") or ""
    return {
        "Outputs": {"res": {"statusCode": 202, "body": "queued\n",
                            "headers": {"Content-Type": "text/plain"}}},
        "Logs": [f"enqueue: {len(body)} bytes"],
        "ReturnValue": body,
    }


def process(data, metadata):
    order = data.get("order")
    return {
        "Outputs": {},
        "Logs": [f"process: message {metadata.get('Id')} (attempt {metadata.get('DequeueCount')}): "
                 f"{json.dumps(order)}"],
        "ReturnValue": None,
    }


def heartbeat(data, metadata):
    timer = data.get("timer") or {}
    status = timer.get("ScheduleStatus") or {}
    return {
        "Outputs": {},
        "Logs": [f"heartbeat: next at {status.get('Next')}, past due: {timer.get('IsPastDue')}"],
        "ReturnValue": None,
    }


FUNCTIONS = {"enqueue": enqueue, "process": process, "heartbeat": heartbeat}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the second waits for the host's
    # delayed ACK (40 ms) on every keep-alive response.
    disable_nagle_algorithm = True

    def do_POST(self):
        name = self.path.split("?", 1)[0].strip("/")
        length = int(self.headers.get("Content-Length") or 0)
        invocation = json.loads(self.rfile.read(length) or b"{}")
        fn = FUNCTIONS.get(name)
        if fn is None:
            return self.reply(404, {"Outputs": {}, "Logs": [f"unknown function {name}"]})
        self.reply(200, fn(invocation.get("Data") or {}, invocation.get("Metadata") or {}))

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["FUNCTIONS_CUSTOMHANDLER_PORT"])),
                                 Handler)
    server.daemon_threads = True
    stop = lambda *_: threading.Thread(target=server.shutdown).start()  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("queue-worker: ready", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
