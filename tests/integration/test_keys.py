"""Keys: `squall keys list --json`, the secrets folder's permissions, stability across restarts,
and authLevel anonymous / function / admin with the x-functions-key header and ?code=."""
import json
import os
import stat
import unittest
import urllib.parse

from harness import SquallTestCase, run_squall


def q(key):
    return urllib.parse.quote(key, safe="")


class KeysListTest(SquallTestCase):
    def test_json_shape_and_permissions(self):
        app = self.make_app("tests/apps/auth")
        self.assertFalse(os.path.exists(app.path(".squall")))
        r = run_squall("keys", "list", app.dir, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        keys = json.loads(r.stdout)
        self.assertEqual(set(keys), {"masterKey", "hostKeys", "functionKeys"})
        self.assertIsInstance(keys["masterKey"], str)
        self.assertGreaterEqual(len(keys["masterKey"]), 32)
        self.assertEqual(set(keys["hostKeys"]), {"default"})
        self.assertEqual(set(keys["functionKeys"]), {"open", "secure", "adminonly"})
        values = [keys["masterKey"], keys["hostKeys"]["default"]]
        for fn, fkeys in keys["functionKeys"].items():
            self.assertIn("default", fkeys, fn)
            values.append(fkeys["default"])
        for v in values:
            self.assertIsInstance(v, str)
            self.assertGreaterEqual(len(v), 32)
            self.assertRegex(v, r"^[A-Za-z0-9_\-=]+$")  # URL- and header-safe
        self.assertEqual(len(set(values)), len(values), "keys are not distinct")

        secrets = app.path(".squall", "secrets")
        self.assertEqual(stat.S_IMODE(os.stat(secrets).st_mode), 0o700)
        files = os.listdir(secrets)
        self.assertTrue(files)
        for name in files:
            mode = stat.S_IMODE(os.stat(os.path.join(secrets, name)).st_mode)
            self.assertEqual(mode, 0o600, f"{name}: {oct(mode)}")

        # A second call reads the same keys; the text format prints them too.
        r2 = run_squall("keys", "list", app.dir, "--json")
        self.assertEqual(json.loads(r2.stdout), keys)
        r3 = run_squall("keys", "list", app.dir)
        self.assertEqual(r3.returncode, 0, r3.stderr)
        self.assertIn(keys["masterKey"], r3.stdout)

    def test_keys_stable_across_restarts(self):
        app = self.make_app("tests/apps/auth")
        app.start()  # squall creates the keys on first use
        keys = app.keys()
        secure = {"x-functions-key": keys["functionKeys"]["secure"]["default"]}
        self.assertEqual(app.request("GET", "/api/secure", headers=secure)[0], 200)
        app.stop()
        self.assertEqual(app.keys(refresh=True), keys)

        # A second run on the same folder uses the same keys.
        app.start()
        self.assertEqual(app.keys(refresh=True), keys)
        self.assertEqual(app.request("GET", "/api/secure", headers=secure)[0], 200)
        app.stop()


class AuthLevelTest(SquallTestCase):
    def setUp(self):
        self.app = self.start_app("tests/apps/auth")
        k = self.app.keys()
        self.master = k["masterKey"]
        self.host = k["hostKeys"]["default"]
        self.secure = k["functionKeys"]["secure"]["default"]
        self.other_fn = k["functionKeys"]["open"]["default"]

    def get(self, path, key=None, via="header"):
        headers = {}
        if key is not None and via == "header":
            headers["x-functions-key"] = key
        elif key is not None:
            path += ("&" if "?" in path else "?") + "code=" + q(key)
        return self.app.request("GET", path, headers=headers)

    def test_anonymous(self):
        status, _, body = self.get("/api/open")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["function"], "open")

    def test_function_level(self):
        self.assertEqual(self.get("/api/secure")[0], 401)
        self.assertEqual(self.get("/api/secure", "wrong-key")[0], 401)
        self.assertEqual(self.get("/api/secure", "wrong-key", via="code")[0], 401)
        self.assertEqual(self.get("/api/secure", "")[0], 401)
        # Another function's key is not this function's key.
        self.assertEqual(self.get("/api/secure", self.other_fn)[0], 401)
        for name, key in (("function", self.secure), ("host", self.host), ("master", self.master)):
            for via in ("header", "code"):
                with self.subTest(key=name, via=via):
                    status, _, body = self.get("/api/secure", key, via)
                    self.assertEqual(status, 200, body)
                    self.assertEqual(json.loads(body)["function"], "secure")

    def test_admin_level(self):
        self.assertEqual(self.get("/api/adminonly")[0], 401)
        self.assertEqual(self.get("/api/adminonly", "wrong-key")[0], 401)
        self.assertEqual(self.get("/api/adminonly", self.secure)[0], 401)
        self.assertEqual(self.get("/api/adminonly",
                                  self.app.keys()["functionKeys"]["adminonly"]["default"])[0], 401)
        self.assertEqual(self.get("/api/adminonly", self.host)[0], 401)
        for via in ("header", "code"):
            with self.subTest(via=via):
                status, _, body = self.get("/api/adminonly", self.master, via)
                self.assertEqual(status, 200, body)
                self.assertEqual(json.loads(body)["function"], "adminonly")

    def test_keys_never_logged(self):
        self.get("/api/secure", self.secure)
        self.get("/api/secure", self.master, via="code")
        self.get("/api/adminonly", self.master)
        self.app.wait_log(category="Function.adminonly", function="adminonly")
        everything = self.app.stderr() + self.app.stdout()
        for key in (self.master, self.host, self.secure):
            self.assertNotIn(key, everything)


if __name__ == "__main__":
    unittest.main()
