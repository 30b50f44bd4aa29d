"""Tiny custom-handler framework for squall's integration-test apps (Python stdlib only).

A test app's handler.py does:

    import os, sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
    import handler_lib as hl

    def hello(inv):
        return hl.respond(200, f"hello {inv.query.get('name', 'world')}")

    hl.serve({"hello": hello})

The host POSTs each invocation to /{FunctionName} with a JSON body
{"Data": {...}, "Metadata": {...}}; the function gets an Invocation and returns one of:
  - a dict: the full invocation response ({"Outputs": ..., "Logs": ..., "ReturnValue": ...}),
    usually built with respond();
  - a str: shorthand for respond(200, text);
  - a Raw: bytes sent back as is (to test how the host copes with garbage).
Unknown functions get a 404. The server speaks HTTP/1.1 with keep-alive, one thread per
connection, and exits cleanly on SIGTERM/SIGINT.
"""
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Raw:
    """A worker reply sent verbatim: status, body bytes and content type."""

    def __init__(self, body, status=200, content_type="application/json"):
        self.body = body if isinstance(body, bytes) else body.encode()
        self.status = status
        self.content_type = content_type


class Invocation:
    """One invocation as the host sent it."""

    def __init__(self, function, payload, headers):
        self.function = function
        self.payload = payload
        self.data = payload.get("Data") or {}
        self.metadata = payload.get("Metadata") or {}
        self.invocation_id = headers.get("X-Azure-Functions-InvocationId")
        self.host_version = headers.get("X-Azure-Functions-HostVersion")
        # The http trigger's binding is the Data entry that looks like a request.
        self.req = {}
        for value in self.data.values():
            if isinstance(value, dict) and "Method" in value:
                self.req = value
                break
        self.params = self.req.get("Params") or {}
        self.query = self.req.get("Query") or {}
        self.headers = self.req.get("Headers") or {}
        self.body = self.req.get("Body")
        self.method = self.req.get("Method")
        self.url = self.req.get("Url")

    def describe(self):
        """Everything the host sent, for tests that check the protocol."""
        return {
            "function": self.function,
            "invocationId": self.invocation_id,
            "hostVersion": self.host_version,
            "method": self.method,
            "url": self.url,
            "params": self.params,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "dataKeys": sorted(self.data.keys()),
            "metadata": self.metadata,
            "pid": os.getpid(),
        }


def respond(status=200, body="", headers=None, logs=None, out="res"):
    """An invocation response whose http output binding `out` carries the given response."""
    if not isinstance(body, str):
        body = json.dumps(body)
        headers = {"Content-Type": "application/json", **(headers or {})}
    res = {"statusCode": status, "body": body, "headers": headers or {"Content-Type": "text/plain"}}
    if out == "$return":
        return {"Outputs": {}, "Logs": logs or [], "ReturnValue": res}
    return {"Outputs": {out: res}, "Logs": logs or [], "ReturnValue": None}


def echo(inv):
    """A function that answers with a JSON description of its invocation."""
    return respond(200, inv.describe(), logs=[f"echo {inv.function}"])


def serve(functions, port=None):
    port = int(port or os.environ["FUNCTIONS_CUSTOMHANDLER_PORT"])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle on, the second waits for the host's
        # delayed ACK (40 ms) on every keep-alive response.
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):  # keep the worker's stderr quiet
            pass

        def _send(self, status, body, content_type):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            name = self.path.split("?", 1)[0].strip("/")
            fn = functions.get(name)
            if fn is None:
                self._send(404, f"no function {name!r}".encode(), "text/plain")
                return
            try:
                payload = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, b"invocation body is not JSON", "text/plain")
                return
            try:
                result = fn(Invocation(name, payload, self.headers))
            except Exception as e:  # a bug in a test app: tell the host plainly
                self._send(500, f"{type(e).__name__}: {e}".encode(), "text/plain")
                return
            if isinstance(result, Raw):
                self._send(result.status, result.body, result.content_type)
                return
            if isinstance(result, str):
                result = respond(200, result)
            self._send(200, json.dumps(result).encode(), "application/json")

        def do_GET(self):
            self._send(405, b"custom handler expects POST /{FunctionName}", "text/plain")

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return, so it must not run on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app = os.path.basename(os.path.dirname(os.path.abspath(sys.argv[0])))
    print(f"{app}: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()
