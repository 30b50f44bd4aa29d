"""forwarding: a custom handler that serves plain HTTP (Python 3 stdlib only).

host.json sets customHandler.enableForwardingHttpRequest, so for these http-only functions
the host forwards each client request unchanged (same method, path, query, headers and body)
to http://127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT and relays this handler's response as is:
no JSON invocation envelope either way.

  /api/echo          any method: the request, described as JSON
  /api/hello/{name}  GET: "Hello, {name}!"
"""
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

SHOWN_HEADERS = ("host", "content-type", "content-length", "user-agent", "accept")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the second waits for the host's
    # delayed ACK (40 ms) on every keep-alive response.
    disable_nagle_algorithm = True

    def handle_any(self):
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path == "/api/echo":
            headers = {
                k.lower(): v
                for k, v in self.headers.items()
                if k.lower() in SHOWN_HEADERS or k.lower().startswith("x-")
            }
            self.reply(200, "application/json", json.dumps({
                "method": self.command,
                "path": url.path,
                "query": {k: v if len(v) > 1 else v[0] for k, v in parse_qs(url.query).items()},
                "headers": headers,
                "body": body.decode("utf-8", "replace"),
            }))
        elif url.path.startswith("/api/hello/") and self.command == "GET":
            name = unquote(url.path[len("/api/hello/"):])
            self.reply(200, "text/plain; charset=utf-8", f"Hello, {name}!")
        else:
            self.reply(404, "text/plain", f"not found: {url.path}")

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def reply(self, status, content_type, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


def main():
    port = int(os.environ["FUNCTIONS_CUSTOMHANDLER_PORT"])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    stop = lambda signum, frame: threading.Thread(target=server.shutdown).start()  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"forwarding: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
