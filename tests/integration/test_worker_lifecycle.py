"""The worker's life: crash mid-invocation, dying at start (backoff), never ready
(initializationTimeout), hanging past functionTimeout, malformed replies, unsupported triggers."""
import json
import os
import threading
import time
import unittest

from harness import SquallTestCase, pid_alive, wait_until


def restart_logs(app):
    return app.find_logs(category="Host.Worker", contains="restarting")


class CrashWorkerTest(SquallTestCase):
    def test_crash_then_recover(self):
        app = self.start_app("tests/apps/crash-worker")
        first = app.get_json("/api/ok")
        self.assertTrue(first["ok"])
        old_pid = first["pid"]
        self.assertEqual(app.status()["worker"]["pid"], old_pid)

        status, _, body = app.request("GET", "/api/crash")
        self.assertEqual(status, 500, body)
        self.assertIn("crash", body.decode())
        app.wait_log(category="Function.crash", function="crash", status=500)

        # The next request waits for the restarted worker (1 s backoff) instead of failing.
        t0 = time.monotonic()
        status, _, body = app.request("GET", "/api/ok")
        elapsed = time.monotonic() - t0
        self.assertEqual(status, 200, body)
        new_pid = json.loads(body)["pid"]
        self.assertNotEqual(new_pid, old_pid)
        self.assertLess(elapsed, 15)
        self.assertFalse(pid_alive(old_pid))
        st = app.status()
        self.assertEqual(st["state"], "Running")
        self.assertGreaterEqual(st["worker"]["restarts"], 1)
        self.assertEqual(st["worker"]["pid"], new_pid)
        self.assertTrue(restart_logs(app), app.diagnostics())
        app.wait_log(category="Worker", contains="crash-worker: exiting on purpose")

    def test_post_crash(self):
        app = self.start_app("tests/apps/crash-worker")
        status, _, body = app.request("POST", "/api/crash", body=b"x" * 1000)
        self.assertEqual(status, 500, body)
        self.assertIn("crash", body.decode())
        self.assertEqual(app.request("GET", "/api/ok")[0], 200)


class DiesAtStartTest(SquallTestCase):
    def test_backoff_and_503(self):
        app = self.make_app("tests/apps/dies-at-start")
        # Requests wait (at most customHandler.initializationTimeout, 30 s by default) for a
        # worker; one that dies during start-up fails them at once. Shorten the timeout so that
        # the test's time stays bounded whatever the host does.
        app.patch_host_json(lambda h: h["customHandler"].update(initializationTimeout="00:00:03"))
        start_log = os.path.join(app.tmp, "starts.log")
        app.start(env={"SQUALL_TEST_START_LOG": start_log}, wait_ready=False)

        def starts():
            try:
                with open(start_log) as f:
                    return [float(l) for l in f.read().split()]
            except FileNotFoundError:
                return []

        # Starts at about t, t+1, t+3 (1 s doubling backoff).
        self.assertTrue(wait_until(lambda: len(starts()) >= 3, 12), f"starts: {starts()}\n"
                        + app.diagnostics())
        s = starts()
        gap1, gap2 = s[1] - s[0], s[2] - s[1]
        self.assertGreaterEqual(gap1, 0.8, s)
        self.assertGreaterEqual(gap2, 1.6, s)
        self.assertGreaterEqual(gap2 - gap1, 0.5, s)  # doubling: ~1 s then ~2 s
        self.assertGreaterEqual(len(restart_logs(app)), 2, app.diagnostics())
        app.wait_log(category="Worker", contains="dies-at-start: exiting at")

        # The host keeps running.
        self.assertEqual(app.request("GET", "/admin/host/ping")[0], 200)
        st = app.status()
        self.assertNotEqual(st["state"], "Running")
        self.assertGreaterEqual(st["worker"]["restarts"], 2)

        # A request gets 503 (after waiting, bounded, for the next start attempt), never hangs.
        for _ in range(2):
            t0 = time.monotonic()
            status, headers, body = app.request("GET", "/api/ok")
            elapsed = time.monotonic() - t0
            self.assertEqual(status, 503, body)
            self.assertIn("worker", body.decode())
            self.assertLess(elapsed, 10)
        self.assertEqual(app.find_logs(category="Function.ok", status=200), [])


class NeverReadyTest(SquallTestCase):
    def test_initialization_timeout(self):
        app = self.start_app("tests/apps/never-ready", wait_ready=False)
        app.wait_log(category="Worker", contains="never-ready: started, not listening")
        first_pid = app.status()["worker"]["pid"]
        self.assertGreater(first_pid, 0)
        line = app.wait_log(timeout=15, category="Host.Worker",
                            contains="did not accept HTTP")[0]
        self.assertIn("initializationTimeout", line["message"])
        self.assertIn(line["level"], ("error", "err"))
        # The worker that never became ready is stopped (and a new one started later).
        self.assertTrue(wait_until(lambda: not pid_alive(first_pid), 5),
                        f"worker {first_pid} still alive\n{app.diagnostics()}")
        self.assertNotEqual(app.status()["state"], "Running")
        t0 = time.monotonic()
        status, _, body = app.request("GET", "/api/ok")
        self.assertEqual(status, 503, body)
        self.assertLess(time.monotonic() - t0, 15)


class HangTest(SquallTestCase):
    def test_function_timeout_restarts_worker(self):
        app = self.start_app("tests/apps/hang")
        old_pid = app.get_json("/api/ok")["pid"]
        t0 = time.monotonic()
        status, _, body = app.request("GET", "/api/hang")
        elapsed = time.monotonic() - t0
        self.assertEqual(status, 500, body)
        text = body.decode()
        self.assertIn("Timeout value of", text)
        self.assertIn("00:00:02", text)
        self.assertIn("hang", text)
        self.assertGreaterEqual(elapsed, 1.9)
        self.assertLess(elapsed, 6)
        end = app.wait_log(category="Function.hang", function="hang")[0]
        self.assertEqual(str(end["status"]), "500")
        # The stuck worker was replaced; the next request works (no backoff for a timeout).
        t0 = time.monotonic()
        got = app.get_json("/api/ok")
        self.assertLess(time.monotonic() - t0, 10)
        self.assertNotEqual(got["pid"], old_pid)
        self.assertTrue(wait_until(lambda: not pid_alive(old_pid), 5))

    def test_other_requests_unaffected_while_hanging(self):
        app = self.start_app("tests/apps/hang")
        result = {}
        t = threading.Thread(target=lambda: result.update(r=app.request("GET", "/api/hang")))
        t.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        self.assertEqual(app.request("GET", "/api/ok")[0], 200)
        self.assertLess(time.monotonic() - t0, 1.5)
        t.join(15)
        self.assertEqual(result["r"][0], 500)


class MalformedTest(SquallTestCase):
    def test_host_survives_bad_replies(self):
        app = self.start_app("tests/apps/malformed")
        pid = app.status()["worker"]["pid"]
        for fn in ("bad", "wrongshape", "status500"):
            with self.subTest(function=fn):
                status, _, body = app.request("GET", f"/api/{fn}")
                self.assertEqual(status, 500, body)
                self.assertIn(f"'{fn}'", body.decode())
                end = app.wait_log(category=f"Function.{fn}", function=fn)[0]
                self.assertEqual(str(end["status"]), "500")
                self.assertIn(end["level"], ("error", "err"))
                status, _, body = app.request("GET", "/api/good")
                self.assertEqual((status, body), (200, b"good"))
        st = app.status()
        self.assertEqual(st["state"], "Running")
        self.assertEqual(st["worker"]["pid"], pid)  # a bad reply is no reason to restart


class MixedBindingsTest(SquallTestCase):
    def test_http_beside_other_triggers(self):
        app = self.start_app("tests/apps/mixed-bindings")
        got = app.get_json("/api/ping?x=1")
        self.assertEqual(got["function"], "ping")
        functions = {f["name"]: f for f in app.get_json("/admin/functions", headers=app.master())}
        self.assertEqual(set(functions), {"ping", "workitem", "tick", "upload"})
        self.assertTrue(functions["ping"]["supported"])
        self.assertIs(functions["workitem"]["supported"], True)
        self.assertEqual(functions["workitem"]["trigger"], "queueTrigger")
        self.assertIs(functions["tick"]["supported"], True)
        self.assertEqual(functions["tick"]["trigger"], "timerTrigger")
        self.assertIs(functions["upload"]["supported"], False)
        out = app.stdout()
        self.assertRegex(out, r"workitem: queueTrigger\n")
        self.assertRegex(out, r"tick: timerTrigger\n")
        self.assertRegex(out, r"upload: blobTrigger \(not yet supported\)")
        self.assertIn("/api/ping", out)
        warns = app.find_logs(category="Host", level=("warning", "warn"), contains="not yet supported")
        self.assertEqual(len(warns), 1, app.diagnostics())
        # Non-http functions have no URL.
        self.assertEqual(app.request("GET", "/api/workitem")[0], 404)
        self.assertEqual(app.request("GET", "/api/tick")[0], 404)


if __name__ == "__main__":
    unittest.main()
