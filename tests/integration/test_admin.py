"""The admin API: host status, functions, drain/resume, and its key (master only)."""
import json
import re
import threading
import time
import unittest
import urllib.parse

from harness import SquallTestCase, pid_alive, run_squall, wait_until


class AdminTest(SquallTestCase):
    def setUp(self):
        self.app = self.start_app("examples/hello")

    def test_status(self):
        st = self.app.status()
        self.assertEqual(st["state"], "Running")
        self.assertIsInstance(st["id"], str)
        self.assertTrue(st["id"])
        version = run_squall("--version").stdout.strip()
        self.assertIn(st["version"], version)
        self.assertRegex(st["version"], r"^\d+\.\d+\.\d+")
        self.assertIsInstance(st["processUptime"], (int, float))
        self.assertGreaterEqual(st["processUptime"], 0)
        worker = st["worker"]
        self.assertIsInstance(worker["pid"], int)
        self.assertTrue(pid_alive(worker["pid"]))
        self.assertIn(worker["pid"], self.app.app_processes())
        self.assertEqual(worker["restarts"], 0)
        self.assertEqual(worker["state"], "Ready")
        time.sleep(0.2)
        self.assertGreater(self.app.status()["processUptime"], st["processUptime"])

    def test_functions(self):
        fns = {f["name"]: f for f in self.app.get_json("/admin/functions",
                                                      headers=self.app.master())}
        self.assertEqual(set(fns), {"hello", "health"})
        hello = fns["hello"]
        self.assertEqual(hello["route"], "api/hello/{name?}")
        self.assertEqual({m.lower() for m in hello["methods"]}, {"get", "post"})
        self.assertEqual(hello["authLevel"], "anonymous")
        self.assertEqual(hello["trigger"], "httpTrigger")
        self.assertIs(hello["supported"], True)
        self.assertIs(hello["forwarding"], False)
        self.assertEqual(fns["health"]["route"], "api/health")

    def test_keys_required(self):
        k = self.app.keys()
        master = k["masterKey"]
        for path in ("/admin/host/status", "/admin/functions", "/admin/host/drain/status"):
            with self.subTest(path=path):
                self.assertEqual(self.app.request("GET", path)[0], 401)
                self.assertEqual(self.app.request("GET", path, headers={
                    "x-functions-key": "wrong"})[0], 401)
                self.assertEqual(self.app.request("GET", path, headers={
                    "x-functions-key": k["functionKeys"]["hello"]["default"]})[0], 401)
                self.assertEqual(self.app.request("GET", path, headers={
                    "x-functions-key": k["hostKeys"]["default"]})[0], 401)
                self.assertEqual(self.app.request(
                    "GET", path + "?code=" + urllib.parse.quote(master, safe=""))[0], 200)
        # Drain without the master key changes nothing.
        self.assertEqual(self.app.request("POST", "/admin/host/drain")[0], 401)
        self.assertEqual(self.app.status()["state"], "Running")
        self.assertEqual(self.app.request("GET", "/api/hello/x")[0], 200)
        # The liveness ping needs no key.
        self.assertEqual(self.app.request("GET", "/admin/host/ping")[0], 200)

    def test_wrong_method_and_unknown(self):
        m = self.app.master()
        status, headers, _ = self.app.request("POST", "/admin/host/status", headers=m)
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("Allow"), "GET")
        status, headers, _ = self.app.request("GET", "/admin/host/drain", headers=m)
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("Allow"), "POST")
        self.assertEqual(self.app.request("GET", "/admin/nothing", headers=m)[0], 404)
        self.assertEqual(self.app.status()["state"], "Running")  # the GET did not drain


class DrainTest(SquallTestCase):
    def test_drain_and_resume(self):
        app = self.start_app("tests/apps/slow")
        m = app.master()
        self.assertEqual(app.get_json("/admin/host/drain/status", headers=m),
                         {"state": "Disabled", "outstandingInvocations": 0,
                          # the platform's usage meter reads these at a scale-in's stop
                          "triggerExecutions": {"count": 0, "seconds": 0.0}})

        def drain_state():
            d = app.get_json("/admin/host/drain/status", headers=m)
            return {k: d[k] for k in ("state", "outstandingInvocations")}
        inflight = {}

        def slow():
            inflight["r"] = app.request("GET", "/api/sleep?ms=2500")

        t = threading.Thread(target=slow)
        t.start()
        self.addCleanup(t.join, 30)
        ok = wait_until(lambda: app.get_json("/admin/host/drain/status", headers=m)
                        ["outstandingInvocations"] == 1, 5)
        self.assertTrue(ok, "the slow request never became outstanding")

        status, _, body = app.request("POST", "/admin/host/drain", headers=m)
        self.assertEqual(status, 202, body)
        self.assertEqual(drain_state(), {"state": "InProgress", "outstandingInvocations": 1})
        self.assertEqual(app.status()["state"], "Draining")
        status, headers, body = app.request("GET", "/api/sleep?ms=1")
        self.assertEqual(status, 503, body)
        # Draining twice is harmless.
        self.assertEqual(app.request("POST", "/admin/host/drain", headers=m)[0], 202)

        t.join(15)
        self.assertFalse(t.is_alive())
        status, _, body = inflight["r"]
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["slept_ms"], 2500)
        # squall answers the client a moment before it counts the invocation as done.
        completed = {"state": "Completed", "outstandingInvocations": 0}
        wait_until(lambda: drain_state() == completed, 2)
        self.assertEqual(drain_state(), completed)

        status, _, body = app.request("POST", "/admin/host/resume", headers=m)
        self.assertEqual(status, 200, body)
        self.assertEqual(app.get_json("/admin/host/drain/status", headers=m)["state"], "Disabled")
        self.assertEqual(app.status()["state"], "Running")
        self.assertEqual(app.request("GET", "/api/sleep?ms=1")[0], 200)


if __name__ == "__main__":
    unittest.main()
