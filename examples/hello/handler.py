"""hello: an Azure Functions custom handler in plain Python 3 (stdlib only).

The functions host starts this process with FUNCTIONS_CUSTOMHANDLER_PORT set and POSTs
each invocation to http://127.0.0.1:{port}/{FunctionName} as JSON:
    {"Data": {"req": {"Url", "Method", "Query", "Headers", "Params", "Body", ...}},
     "Metadata": {...}}
and expects {"Outputs": {"res": {"statusCode", "body", "headers"}}, "Logs": [...],
"ReturnValue": null} back, where "req" and "res" are the binding names in function.json.
"""
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# App settings (local.settings.json "Values") arrive as environment variables.
GREETING = os.environ.get("GREETING", "Hi")


def hello(req):
    body = req.get("Body")
    if isinstance(body, str) and body:
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    name = (
        (req.get("Params") or {}).get("name")
        or (req.get("Query") or {}).get("name")
        or (body.get("name") if isinstance(body, dict) else None)
        or "world"
    )
    return {
        "Outputs": {
            "res": {
                "statusCode": 200,
                "body": f"{GREETING}, {name}!",
                "headers": {"Content-Type": "text/plain; charset=utf-8"},
            }
        },
        "Logs": [f"hello: greeted {name} ({req.get('Method')} {req.get('Url')})"],
        "ReturnValue": None,
    }


def health(req):
    status = {
        "status": "ok",
        "greeting": GREETING,
        "workerId": os.environ.get("FUNCTIONS_CUSTOMHANDLER_WORKER_ID"),
        "appRoot": os.environ.get("FUNCTIONS_APP_ROOT_PATH"),
        "pid": os.getpid(),
    }
    return {
        "Outputs": {
            "res": {
                "statusCode": 200,
                "body": json.dumps(status),
                "headers": {"Content-Type": "application/json"},
            }
        },
        "Logs": [],
        "ReturnValue": None,
    }


FUNCTIONS = {"hello": hello, "health": health}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the host reuses its connections
    # Headers and body go out in two writes: with Nagle on, the second waits for the host's
    # delayed ACK (40 ms) on every keep-alive response.
    disable_nagle_algorithm = True

    def do_POST(self):
        function = self.path.split("?", 1)[0].strip("/")
        length = int(self.headers.get("Content-Length") or 0)
        invocation = json.loads(self.rfile.read(length) or b"{}")
        if function not in FUNCTIONS:
            self.reply(404, {"Outputs": {}, "Logs": [f"unknown function {function}"], "ReturnValue": None})
            return
        req = (invocation.get("Data") or {}).get("req") or {}
        self.reply(200, FUNCTIONS[function](req))

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass  # the host logs every invocation already


def main():
    port = int(os.environ["FUNCTIONS_CUSTOMHANDLER_PORT"])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        # serve_forever() runs on this thread; shutdown() waits for it, so call it elsewhere.
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"hello: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
