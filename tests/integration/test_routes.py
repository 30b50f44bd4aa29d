"""tests/apps/routes: route templates as Azure has them (literal beats parameter, constraints,
optional and catch-all parameters) and what reaches the worker in Params."""
import json
import unittest

from harness import SquallTestCase


class RoutesTest(SquallTestCase):
    def setUp(self):
        self.app = self.start_app("tests/apps/routes")

    def call(self, method, path, expect=200, body=None):
        status, headers, data = self.app.request(method, path, body=body)
        self.assertEqual(status, expect, f"{method} {path}: {data!r}")
        return json.loads(data) if expect == 200 else (headers, data)

    def test_literal_wins_over_parameter(self):
        got = self.call("GET", "/api/products/new")
        self.assertEqual(got["function"], "newproduct")
        self.assertEqual(got["params"], {})
        got = self.call("POST", "/api/products/new", body="{}")
        self.assertEqual(got["function"], "newproduct")
        self.assertEqual(got["method"], "POST")

    def test_parameters_and_constraints(self):
        got = self.call("GET", "/api/products/books/7")
        self.assertEqual(got["function"], "product")
        self.assertEqual(got["params"], {"category": "books", "id": "7"})
        # {id:int?} is optional
        got = self.call("GET", "/api/products/books")
        self.assertEqual(got["function"], "product")
        self.assertEqual(got["params"].get("category"), "books")
        self.assertIn(got["params"].get("id"), (None, ""))
        # constraint violations do not match any route
        self.call("GET", "/api/products/books/abc", expect=404)
        self.call("GET", "/api/products/123", expect=404)  # {category:alpha}
        self.call("GET", "/api/products/books/7/extra", expect=404)

    def test_catch_all(self):
        got = self.call("GET", "/api/files/a/b/c.txt?x=1")
        self.assertEqual(got["function"], "files")
        self.assertEqual(got["params"], {"rest": "a/b/c.txt"})
        self.assertEqual(got["query"], {"x": "1"})
        got = self.call("GET", "/api/files/single")
        self.assertEqual(got["params"], {"rest": "single"})

    def test_request_reaches_worker(self):
        got = self.call("GET", "/api/products/toys/3?color=red&size=L")
        self.assertEqual(got["query"], {"color": "red", "size": "L"})
        self.assertEqual(got["method"], "GET")
        self.assertTrue(got["url"].endswith("/api/products/toys/3?color=red&size=L"), got["url"])
        self.assertTrue(got["invocationId"])
        self.assertTrue(got["hostVersion"])
        self.assertIn("req", got["dataKeys"])
        self.assertEqual(got["metadata"].get("sys", {}).get("MethodName"), "product")

    def test_wrong_method_405(self):
        headers, _ = self.call("POST", "/api/products/books/7", expect=405, body="x")
        self.assertEqual({m.strip().upper() for m in headers.get("Allow", "").split(",")}, {"GET"})
        headers, _ = self.call("DELETE", "/api/products/new", expect=405)
        self.assertIn("POST", headers.get("Allow", "").upper())
        self.assertIn("GET", headers.get("Allow", "").upper())
        headers, _ = self.call("PUT", "/api/files/x", expect=405, body="x")
        self.assertEqual(headers.get("Allow", "").strip().upper(), "GET")
        self.call("GET", "/api/nope", expect=404)


if __name__ == "__main__":
    unittest.main()
