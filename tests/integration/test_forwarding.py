"""examples/forwarding (enableForwardingHttpRequest): the request reaches the handler unchanged
and its reply comes back as is."""
import json
import os
import unittest

from harness import SQUALL_BIN, SquallTestCase

BENCH_HANDLER = os.environ.get("BENCH_HANDLER") or os.path.join(
    os.path.dirname(SQUALL_BIN), "bench-handler")


class ForwardingTest(SquallTestCase):
    def setUp(self):
        self.app = self.start_app("examples/forwarding")

    def echo(self, method, target, body=None, headers=None):
        status, resp_headers, data = self.app.request(method, target, body=body, headers=headers)
        self.assertEqual(status, 200, data)
        self.assertTrue(resp_headers.get("Content-Type", "").startswith("application/json"))
        return json.loads(data)

    def test_post_forwarded_unchanged(self):
        body = '{"hello": "world", "n": [1, 2, 3]}'
        got = self.echo("POST", "/api/echo?x=1&y=two%20words", body=body,
                        headers={"Content-Type": "application/json", "X-Custom": "abc"})
        self.assertEqual(got["method"], "POST")
        self.assertEqual(got["path"], "/api/echo")
        self.assertEqual(got["query"], {"x": "1", "y": "two words"})
        self.assertEqual(got["body"], body)
        self.assertEqual(got["headers"].get("x-custom"), "abc")
        self.assertEqual(got["headers"].get("content-type"), "application/json")
        self.assertEqual(got["headers"].get("content-length"), str(len(body)))

    def test_methods_and_repeated_query(self):
        for method in ("GET", "PUT", "DELETE"):
            with self.subTest(method=method):
                body = None if method == "GET" else f"{method} body"
                got = self.echo(method, "/api/echo?a=1&a=2", body=body)
                self.assertEqual(got["method"], method)
                self.assertEqual(got["query"], {"a": ["1", "2"]})
                self.assertEqual(got["body"], body or "")

    def test_large_body(self):
        body = ("0123456789abcdef" * 65536)  # 1 MiB
        got = self.echo("PUT", "/api/echo", body=body)
        self.assertEqual(len(got["body"]), len(body))
        self.assertEqual(got["body"], body)

    def test_hello(self):
        status, headers, body = self.app.request("GET", "/api/hello/forwarded")
        self.assertEqual((status, body.decode()), (200, "Hello, forwarded!"))
        self.assertTrue(headers.get("Content-Type", "").startswith("text/plain"))

    def test_method_not_in_function_json(self):
        status, headers, _ = self.app.request("PATCH", "/api/echo", body="x")
        self.assertEqual(status, 405)
        allow = {m.strip().upper() for m in (headers.get("Allow") or "").split(",")}
        self.assertEqual(allow, {"GET", "POST", "PUT", "DELETE"})

    def test_invocation_logged(self):
        self.echo("GET", "/api/echo")
        ends = self.app.wait_log(category="Function.echo", function="echo")
        self.assertEqual(str(ends[0]["status"]), "200")


@unittest.skipUnless(os.access(BENCH_HANDLER, os.X_OK), f"no bench-handler at {BENCH_HANDLER}")
class BenchHandlerTest(SquallTestCase):
    """examples/bench-handler: a C++ worker, JSON protocol (app/) and forwarding (app-forwarding/).
    host.json names the worker "bench-handler", relative to the app folder."""

    def run_app(self, path):
        app = self.make_app(path)
        link = app.path("bench-handler")
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(BENCH_HANDLER, link)
        app.start()
        for method in ("GET", "POST"):
            status, _, body = app.request(method, "/api/bench", body=None if method == "GET" else "x")
            self.assertEqual((status, body), (200, b"ok"), method)
        fns = app.get_json("/admin/functions", headers=app.master())
        return fns[0]

    def test_json_protocol(self):
        self.assertIs(self.run_app("examples/bench-handler/app")["forwarding"], False)

    def test_forwarding(self):
        self.assertIs(self.run_app("examples/bench-handler/app-forwarding")["forwarding"], True)


if __name__ == "__main__":
    unittest.main()
