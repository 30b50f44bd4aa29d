"""Stopping: SIGTERM/SIGINT end squall with exit 0 and take the worker along; if squall is
killed outright (SIGKILL) the worker dies too (PR_SET_PDEATHSIG)."""
import signal
import socket
import threading
import time
import unittest

from harness import SquallTestCase, pid_alive, wait_until


class ShutdownTest(SquallTestCase):
    def check_signal(self, sig, app_path="examples/hello"):
        app = self.start_app(app_path)
        self.assertEqual(app.request("GET", "/api/hello/bye")[0], 200)
        worker = app.status()["worker"]["pid"]
        port = app.port
        t0 = time.monotonic()
        app.stop(sig=sig)  # asserts exit 0 and no process of the app left
        self.assertLess(time.monotonic() - t0, 5)
        self.assertFalse(pid_alive(worker))
        self.assertEqual(app.app_processes(), [])
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        self.assertTrue(app.find_logs(category="Host", contains="stopped"), app.diagnostics())

    def test_sigterm(self):
        self.check_signal(signal.SIGTERM)

    def test_sigint(self):
        self.check_signal(signal.SIGINT)

    def test_sigterm_node_worker(self):
        import shutil
        if shutil.which("node") is None:
            self.skipTest("node is not installed")
        app = self.start_app("examples/node-hello")
        worker = app.status()["worker"]["pid"]
        app.stop()
        self.assertFalse(pid_alive(worker))

    def test_sigterm_with_request_in_flight(self):
        app = self.start_app("tests/apps/slow")
        worker = app.status()["worker"]["pid"]
        result = {}

        def slow():
            try:
                result["r"] = app.request("GET", "/api/sleep?ms=20000", timeout=20)
            except OSError as e:
                result["e"] = e

        t = threading.Thread(target=slow)
        t.start()
        wait_until(lambda: app.get_json("/admin/host/drain/status", headers=app.master())
                   ["outstandingInvocations"] == 1, 5)
        t0 = time.monotonic()
        app.stop()
        self.assertLess(time.monotonic() - t0, 10)
        self.assertFalse(pid_alive(worker))
        t.join(20)
        self.assertFalse(t.is_alive(), "the in-flight client hung after squall exited")
        if "r" in result:  # an answer is fine as long as it is not a success
            self.assertNotEqual(result["r"][0], 200)

    def test_stop_during_backoff(self):
        # Stopping while the worker is between restarts (dies-at-start) still exits cleanly.
        app = self.start_app("tests/apps/dies-at-start", wait_ready=False)
        app.wait_log(category="Host.Worker", contains="restarting")
        app.stop()

    def test_sigkill_takes_worker_along(self):
        app = self.start_app("examples/hello")
        worker = app.status()["worker"]["pid"]
        self.assertTrue(pid_alive(worker))
        app.proc.send_signal(signal.SIGKILL)
        app.proc.wait(5)
        gone = wait_until(lambda: not pid_alive(worker), 3)
        self.assertTrue(gone, f"worker {worker} outlived squall's SIGKILL by 3 s")
        self.assertEqual(app.app_processes(), [])
        app._stopped = True  # nothing left to stop; cleanup removes the copy


if __name__ == "__main__":
    unittest.main()
