"""examples/node-hello (Node.js custom handler): function keys, $return, route constraints."""
import json
import shutil
import unittest
import urllib.parse

from harness import SquallTestCase


@unittest.skipIf(shutil.which("node") is None, "node is not installed")
class NodeHelloTest(SquallTestCase):
    def setUp(self):
        self.app = self.start_app("examples/node-hello")

    def test_hello(self):
        status, _, body = self.app.request("GET", "/api/hello/node")
        self.assertEqual((status, body.decode()), (200, "Hello, node!"))
        status, _, body = self.app.request("POST", "/api/hello", body={"name": "posted"})
        self.assertEqual((status, body.decode()), (200, "Hello, posted!"))

    def test_item_needs_function_key(self):
        self.assertEqual(self.app.request("GET", "/api/items/42")[0], 401)
        self.assertEqual(self.app.request("GET", "/api/items/42?code=wrong")[0], 401)
        key = self.app.function_key("item")
        expected = {"id": 42, "name": "item 42", "price": 42.99}
        # ?code=
        status, headers, body = self.app.request(
            "GET", "/api/items/42?code=" + urllib.parse.quote(key, safe=""))
        self.assertEqual(status, 200, body)
        self.assertTrue(headers.get("Content-Type", "").startswith("application/json"))
        self.assertEqual(json.loads(body), expected)
        # x-functions-key header
        status, _, body = self.app.request("GET", "/api/items/42",
                                           headers={"x-functions-key": key})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), expected)

    def test_item_int_constraint(self):
        key = {"x-functions-key": self.app.function_key("item")}
        self.assertEqual(self.app.request("GET", "/api/items/abc", headers=key)[0], 404)
        self.assertEqual(self.app.request("GET", "/api/items/4.5", headers=key)[0], 404)
        self.assertEqual(self.app.request("GET", "/api/items/7", headers=key)[0], 200)

    def test_info_return_binding(self):
        status, _, body = self.app.request("GET", "/api/info")
        self.assertEqual(status, 200, body)
        info = json.loads(body)
        self.assertEqual(info["function"], "info")
        self.assertTrue(info["node"].startswith("v"))
        self.assertTrue(info["workerId"])
        self.assertIn("/api/info", info["url"])


if __name__ == "__main__":
    unittest.main()
