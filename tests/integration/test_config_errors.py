"""Configuration errors: exit code 2, every problem named by file and JSON pointer on stderr,
and nothing started (no port, no worker)."""
import os
import subprocess
import threading
import time
import unittest

from harness import SquallApp, SquallTestCase, processes_with_env, run_squall, REPO

# A handler that leaves a mark when it is started: a config error must never get that far.
MARKER_HANDLER = r'''
import os
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "WORKER_STARTED"), "w").close()
import time
time.sleep(60)
'''


class ConfigErrorTest(SquallTestCase):
    def run_start(self, app):
        """Runs `squall start` to completion while scanning /proc for a worker of the app."""
        seen = set()
        done = threading.Event()

        def scan():
            while not done.is_set():
                seen.update(processes_with_env("FUNCTIONS_APP_ROOT_PATH", app.dir))
                time.sleep(0.01)

        t = threading.Thread(target=scan, daemon=True)
        t.start()
        try:
            r = run_squall("start", app.dir, "--port", "0", timeout=30)
        finally:
            done.set()
            t.join()
        seen.update(processes_with_env("FUNCTIONS_APP_ROOT_PATH", app.dir))
        return r, seen

    def assertNothingStarted(self, app, result, seen):
        self.assertEqual(seen, set(), "a worker process was started")
        self.assertFalse(os.path.exists(app.path("WORKER_STARTED")), "the worker was started")
        self.assertNotIn("Functions:", result.stdout)
        self.assertNotIn("worker started", result.stderr)

    def test_bad_config_app(self):
        app = self.make_app("tests/apps/bad-config", files={"handler.py": MARKER_HANDLER})
        r, seen = self.run_start(app)
        self.assertEqual(r.returncode, 2, r.stderr)
        err = r.stderr
        host_json = app.path("host.json")
        broken = app.path("broken", "function.json")
        lines = err.splitlines()

        def line_with(*parts):
            return [l for l in lines if all(p in l for p in parts)]

        self.assertTrue(line_with(host_json, "/version", "3.0"), err)
        self.assertTrue(line_with(host_json, "/functionTimeout", "banana"), err)
        self.assertTrue(line_with(broken, "/bindings/0/authLevel", "superuser"), err)
        self.assertNothingStarted(app, r, seen)

    def test_invalid_json_names_line_and_column(self):
        app = self.make_app("examples/hello", files={
            "host.json": '{\n  "version": "2.0",\n  oops\n}\n',
            "handler.py": MARKER_HANDLER,
        })
        r, seen = self.run_start(app)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(app.path("host.json"), r.stderr)
        self.assertIn("line 3, column 3", r.stderr)
        self.assertNothingStarted(app, r, seen)

    def test_invalid_function_json(self):
        app = self.make_app("examples/hello", files={
            "hello/function.json": '{"bindings": [\n  {"type": "httpTrigger",,}\n]}\n',
            "handler.py": MARKER_HANDLER,
        })
        r, seen = self.run_start(app)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(app.path("hello", "function.json"), r.stderr)
        self.assertIn("line 2", r.stderr)
        self.assertNothingStarted(app, r, seen)

    def test_missing_host_json(self):
        app = self.make_app("examples/hello", files={"handler.py": MARKER_HANDLER})
        os.remove(app.path("host.json"))
        r, seen = self.run_start(app)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("host.json", r.stderr)
        self.assertNothingStarted(app, r, seen)

    def test_missing_app_folder(self):
        app = self.make_app("examples/hello")
        missing = os.path.join(app.tmp, "no-such-app")
        r = run_squall("start", missing, "--port", "0", timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(missing, r.stderr)
        self.assertNotIn("Functions:", r.stdout)
        r = run_squall("keys", "list", missing, "--json", timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertFalse(os.path.exists(missing), "keys list created the missing app folder")

    def test_bad_usage_exit_2(self):
        r = run_squall("start", os.path.join(REPO, "examples", "hello"), "--port", "notaport")
        self.assertEqual(r.returncode, 2, r.stderr)
        r = run_squall("frobnicate")
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_unknown_field_is_a_warning(self):
        app = self.make_app("examples/hello")

        def update(host):
            host["fooBar"] = 1
            host["extensions"]["http"]["zapField"] = True

        app.patch_host_json(update)
        app.start()
        warnings = app.find_logs(category="Config", level=("warning", "warn"))
        text = "\n".join(w["message"] for w in warnings)
        self.assertIn("/fooBar", text)
        self.assertIn("/extensions/http/zapField", text)
        self.assertIn(app.path("host.json"), text)
        status, _, body = app.request("GET", "/api/hello/still-works")
        self.assertEqual((status, body.decode()), (200, "Hello, still-works!"))


if __name__ == "__main__":
    unittest.main()
