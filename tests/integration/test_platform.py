"""The platform (`squall start --plan ...`): instances are `squall host` processes started and
stopped by the scale controller; requests go through the front door."""
import json
import os
import signal
import subprocess
import threading
import time
import unittest

from harness import (SQUALL_BIN, SquallTestCase, children_of, environ_names, pid_alive,
                     wait_until)

FAST = ["--decision-interval", "200ms", "--scale-in-delay", "1s"]


class PlatformTest(SquallTestCase):
    def instances(self, app):
        return app.get_json("/admin/platform/instances", headers=app.master())

    def decisions(self, app):
        return app.get_json("/admin/platform/scale", headers=app.master())

    def states(self, app):
        return sorted(i["state"] for i in self.instances(app))

    def one_instance(self, app):
        """(host pid, worker pid) of a one-instance app, once the instance is ready."""
        self.assertTrue(wait_until(lambda: self.states(app) == ["ready"], 20), app.diagnostics())
        host = self.instances(app)[0]["pid"]
        workers = children_of(host)
        self.assertEqual(len(workers), 1, workers)
        return host, workers[0]

    def test_consumption_cold_start_then_scale_to_zero(self):
        app = self.start_app("examples/hello", "--plan", "consumption", "--idle-timeout", "3s",
                             *FAST)
        self.assertEqual(self.instances(app), [])  # consumption starts at zero
        status, _, body = app.request("GET", "/api/hello/cold")
        self.assertEqual((status, body), (200, b"Hello, cold!"), app.diagnostics())
        self.assertEqual(self.states(app), ["ready"])
        reasons = [d["reason"] for d in self.decisions(app)]
        self.assertTrue(any("cold start" in r for r in reasons), reasons)
        self.assertTrue(wait_until(lambda: self.instances(app) == [], 15),
                        f"still running: {self.instances(app)}\n{app.diagnostics()}")
        reasons = [d["reason"] for d in self.decisions(app)]
        self.assertTrue(any("scale to zero" in r for r in reasons), reasons)
        # And back: the first request after zero is served.
        self.assertEqual(app.request("GET", "/api/hello/again")[0], 200)

    def test_killed_instance_is_replaced(self):
        app = self.start_app("examples/hello", "--plan", "dedicated", "--instances", "1", *FAST)
        self.assertTrue(wait_until(lambda: self.states(app) == ["ready"], 20), app.diagnostics())
        victim = self.instances(app)[0]
        os.kill(victim["pid"], signal.SIGKILL)
        self.assertTrue(wait_until(
            lambda: [i["id"] for i in self.instances(app) if i["state"] == "ready"]
            not in ([], [victim["id"]]), 20), app.diagnostics())
        for _ in range(5):
            self.assertEqual(app.request("GET", "/api/hello/after")[0], 200)

    def test_premium_always_ready_keeps_one_ready_and_one_prewarmed(self):
        app = self.start_app("examples/hello", "--plan", "premium", "--sku", "EP1",
                             "--always-ready", "1", *FAST)
        self.assertTrue(wait_until(lambda: self.states(app) == ["prewarmed", "ready"], 20),
                        f"{self.instances(app)}\n{app.diagnostics()}")
        self.assertEqual(app.request("GET", "/api/hello/warm")[0], 200)

    def test_load_raises_the_instance_count(self):
        # tests/apps/slow sets maxConcurrentRequests 2: the HTTP target is 2 in flight per
        # instance, so 6 concurrent slow requests want 3 instances.
        app = self.start_app("tests/apps/slow", "--plan", "consumption", "--http-rate-limit",
                             "100ms", *FAST)
        results = []

        def call():
            results.append(app.request("GET", "/api/sleep?ms=3000", timeout=30)[0])

        threads = [threading.Thread(target=call) for _ in range(6)]
        for t in threads:
            t.start()
        grew = wait_until(lambda: len(self.instances(app)) >= 2, 15)
        for t in threads:
            t.join()
        self.assertTrue(grew, f"{self.decisions(app)}\n{app.diagnostics()}")
        self.assertEqual(len(results), 6)

    def scaled_out_app(self):
        """tests/apps/slow on consumption, scaled out by a burst of 6 slow requests (its target
        is 2 per instance) that has ended: the extra instances are about to be scaled in."""
        app = self.start_app("tests/apps/slow", "--plan", "consumption", "--http-rate-limit",
                             "100ms", *FAST)
        burst = [threading.Thread(target=app.request, args=("GET", "/api/sleep?ms=2500"),
                                  kwargs={"timeout": 30}) for _ in range(6)]
        for t in burst:
            t.start()
        self.assertTrue(wait_until(lambda: len(self.instances(app)) >= 2, 15), app.diagnostics())
        for t in burst:
            t.join()  # (alongside it, the app's maxOutstandingRequests would answer 429)
        return app

    def test_scale_in_under_steady_load_fails_no_request(self):
        app = self.scaled_out_app()
        # Steady light load: one client, short requests. The extra instances drain one at a
        # time; every request must still succeed.
        statuses = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            statuses.append(app.request("GET", "/api/sleep?ms=20", timeout=30)[0])
        self.assertTrue(statuses)
        self.assertEqual(set(statuses), {200}, statuses)
        decisions = self.decisions(app)
        peak = max(d["to"] for d in decisions)
        live = [i for i in self.instances(app) if i["state"] != "draining"]
        self.assertGreaterEqual(peak, 2, decisions)
        self.assertLess(len(live), peak, decisions)
        self.assertTrue(any("scale-in" in d["reason"] for d in decisions), decisions)

    def test_scale_in_under_kept_alive_load_fails_no_request(self):
        # The same with clients that keep their connections: direct ones are handed back by the
        # instance that drains, between two requests, and served on.
        import http.client
        app = self.scaled_out_app()
        statuses, errors = [], []

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
            deadline = time.monotonic() + 8
            try:
                while time.monotonic() < deadline:
                    conn.request("GET", "/api/sleep?ms=20")
                    r = conn.getresponse()
                    r.read()
                    statuses.append(r.status)
            except Exception as e:  # noqa: BLE001 - any failure is the test's
                errors.append(repr(e))
            finally:
                conn.close()

        clients = [threading.Thread(target=client) for _ in range(2)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        self.assertEqual(errors, [], app.diagnostics())
        self.assertTrue(statuses)
        self.assertEqual(set(statuses), {200}, statuses)
        decisions = self.decisions(app)
        self.assertTrue(any("scale-in" in d["reason"] for d in decisions), decisions)
        returned = app.find_logs(category="Platform.Direct")
        self.assertTrue(returned, "no direct connections at all")

    def test_metrics_pass_promtool(self):
        app = self.start_app("examples/hello", "--plan", "consumption", *FAST)
        self.assertEqual(app.request("GET", "/api/hello/m")[0], 200)
        status, _, body = app.request("GET", "/metrics")
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertIn('squall_http_requests_total{function="hello",code="200"} 1', text)
        self.assertIn('squall_http_request_duration_seconds_count{function="hello"} 1', text)
        self.assertIn("squall_cold_start_wait_seconds_count 1", text)
        self.assertIn("squall_cold_start_worker_seconds_count 1", text)
        self.assertIn("squall_cold_start_platform_seconds_count 1", text)
        self.assertIn('squall_instances{state="ready"} 1', text)
        check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                               timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_drain_and_resume_apply_to_every_instance(self):
        app = self.start_app("tests/apps/slow", "--plan", "dedicated", "--instances", "2", *FAST)
        self.assertTrue(wait_until(lambda: self.states(app) == ["ready", "ready"], 20),
                        app.diagnostics())
        result = []
        slow = threading.Thread(target=lambda: result.append(
            app.request("GET", "/api/sleep?ms=2000", timeout=30)[0]))
        slow.start()
        self.assertTrue(wait_until(
            lambda: sum(i["inflight"] for i in self.instances(app)) == 1, 10))
        self.assertEqual(app.request("POST", "/admin/host/drain", headers=app.master())[0], 202)
        self.assertEqual(app.request("GET", "/api/sleep?ms=10")[0], 503)
        st = app.get_json("/admin/host/drain/status", headers=app.master())
        self.assertEqual((st["state"], st["outstandingInvocations"]), ("InProgress", 1), st)
        slow.join()
        self.assertEqual(result, [200])
        self.assertTrue(wait_until(lambda: app.get_json(
            "/admin/host/drain/status", headers=app.master())["state"] == "Completed", 10))
        self.assertEqual(app.request("POST", "/admin/host/resume", headers=app.master())[0], 200)
        self.assertTrue(wait_until(lambda: app.request("GET", "/api/sleep?ms=10")[0] == 200, 10))

    def test_usage_is_metered_and_priced(self):
        prices = os.path.join(os.environ.get("SQUALL_REPO", ""), "examples", "prices",
                              "azure-example.json")
        app = self.start_app("examples/hello", "--plan", "premium", "--sku", "EP1",
                             "--prices", prices, *FAST)
        self.assertTrue(wait_until(lambda: self.states(app) == ["prewarmed", "ready"], 20))
        self.assertEqual(app.request("GET", "/api/hello/u")[0], 200)
        time.sleep(1.0)  # instance time accrues on the real clock

        def meter(text, name):
            for line in text.splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[-1])
            return None

        text = app.request("GET", "/metrics")[2].decode()
        self.assertEqual(meter(text, 'squall_usage_total{meter="executions"}'), 1.0, text)
        cores = meter(text, 'squall_usage_total{meter="instance_core_seconds"}')
        gbs = meter(text, 'squall_usage_total{meter="instance_gb_seconds"}')
        # EP1: 1 core, 3.5 GB per instance; two instances (ready + pre-warmed) are billed.
        self.assertGreater(cores, 1.0, text)
        self.assertAlmostEqual(gbs / cores, 3.5, places=3)
        cost = meter(text, 'squall_usage_cost{item="total"}')
        self.assertGreater(cost, 0.0, text)

    def test_bad_prices_file_exits_2(self):
        app = self.make_app("examples/hello")
        bad = os.path.join(app.tmp, "prices.json")
        with open(bad, "w") as f:
            f.write('{"perCoreSecond": "cheap"}')
        proc = subprocess.run([SQUALL_BIN, "start", app.dir, "--port", "0", "--plan", "premium",
                               "--prices", bad], capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("prices.json: /perCoreSecond", proc.stderr)

    def test_status_command(self):
        app = self.start_app("examples/hello", "--plan", "dedicated", "--instances", "1", *FAST)
        self.assertTrue(wait_until(lambda: self.states(app) == ["ready"], 20), app.diagnostics())
        self.assertEqual(app.request("GET", "/api/hello/s")[0], 200)
        # The instance served it on a direct connection and reports it within milliseconds.
        self.assertTrue(wait_until(
            lambda: 'code="200"} 1' in app.request("GET", "/metrics")[2].decode(), 5))
        proc = subprocess.run([SQUALL_BIN, "status", "--app", app.dir, "--port", str(app.port),
                               "--json"], capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        import json
        out = json.loads(proc.stdout)
        self.assertEqual(out["status"]["plan"], "dedicated")
        self.assertEqual([i["state"] for i in out["instances"]], ["ready"])
        self.assertEqual(out["requests"].get("200"), 1)
        self.assertTrue(out["scale"])
        text = subprocess.run([SQUALL_BIN, "status", "--app", app.dir, "--port", str(app.port)],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("plan dedicated", text.stdout)
        self.assertIn("i-1", text.stdout)

    def test_direct_connections_leave_the_front_door_out_and_come_back(self):
        # A kept-alive client connection goes to the instance after its first request; the
        # instance answers the rest itself, hands the connection back for a platform path,
        # and when it is scaled in; the client notices nothing.
        import http.client
        import json
        app = self.start_app("examples/hello", "--plan", "consumption", "--idle-timeout", "2s",
                             *FAST)
        conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)

        def get(path, headers=None):
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read()

        for i in range(3):
            self.assertEqual(get(f"/api/hello/d{i}"), (200, f"Hello, d{i}!".encode()))
        [inst] = self.instances(app)
        self.assertEqual(inst["directConnections"], 1, inst)
        app.wait_log(category="Platform.Direct", contains="direct connections on")
        # The instance reports what it answered: the platform's metrics count all three.
        self.assertTrue(wait_until(lambda: 'squall_http_requests_total{function="hello",code="200"} 3'
                                   in app.request("GET", "/metrics")[2].decode(), 5))
        # A platform path on the direct connection: answered by the platform, not the instance.
        status, body = get("/admin/platform/instances", headers=app.master())
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)[0]["id"], inst["id"])
        self.assertTrue(wait_until(lambda: self.instances(app)[0]["directConnections"] == 0, 5))
        self.assertEqual(get("/api/hello/back"), (200, b"Hello, back!"))

        # A new kept-alive connection, left idle: not load. The app scales to zero (the idle
        # connection is handed back when its instance drains), and the connection still works.
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
        self.assertEqual(get("/api/hello/idle"), (200, b"Hello, idle!"))
        self.assertTrue(wait_until(lambda: self.instances(app) == [], 20),
                        f"still running: {self.instances(app)}\n{app.diagnostics()}")
        self.assertEqual(get("/api/hello/after"), (200, b"Hello, after!"))
        conn.close()

    def test_without_direct_connections_every_request_goes_through_the_front_door(self):
        import http.client
        app = self.start_app("examples/hello", "--plan", "dedicated", "--instances", "1",
                             "--no-direct-connections", *FAST)
        self.assertTrue(wait_until(lambda: self.states(app) == ["ready"], 20), app.diagnostics())
        conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
        for i in range(3):
            conn.request("GET", f"/api/hello/p{i}")
            self.assertEqual(conn.getresponse().read(), f"Hello, p{i}!".encode())
        self.assertEqual(self.instances(app)[0]["directConnections"], 0)
        conn.close()

    def test_premium_runs_the_warmup_function_on_the_prewarmed_instance_before_it_is_ready(self):
        app = self.start_app("tests/apps/warmup", "--plan", "premium", "--sku", "EP1",
                             "--always-ready", "1", *FAST)
        self.assertTrue(wait_until(lambda: self.states(app) == ["prewarmed", "ready"], 20),
                        f"{self.instances(app)}\n{app.diagnostics()}")
        log = app.path("warmup.log")
        self.assertTrue(wait_until(lambda: os.path.exists(log), 20), app.diagnostics())
        prewarmed = next(i for i in self.instances(app) if i["state"] == "prewarmed")
        # Ready only after its warmup (500 ms) returned: the platform probes "Running".
        ready = app.wait_log(contains=f"instance {prewarmed['id']} ready in", timeout=20)[0]
        seconds = float(ready["message"].split("ready in ")[1].rstrip("s"))
        self.assertGreaterEqual(seconds, 0.5, ready)
        # Run once, on the pre-warmed instance's worker, with the trigger's binding in Data; the
        # always-ready instance (the plan's floor, not a scale-out) never ran it.
        time.sleep(0.5)
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 1, lines)
        pid, data = lines[0].split(" ", 1)
        self.assertEqual(json.loads(data), {"warmupContext": {}})
        self.assertEqual(children_of(prewarmed["pid"]), [int(pid)])
        self.assertEqual(app.request("GET", "/api/hello")[0], 200)

    def test_consumption_never_runs_the_warmup_function(self):
        app = self.start_app("tests/apps/warmup", "--plan", "consumption", *FAST)
        self.assertEqual(app.request("GET", "/api/hello")[0], 200)
        self.assertIn("not on this plan", app.stdout())
        time.sleep(1)
        self.assertFalse(os.path.exists(app.path("warmup.log")))

    def test_the_worker_does_not_inherit_the_exchange_token(self):
        app = self.start_app("examples/hello", "--plan", "dedicated", "--instances", "1", *FAST)
        host, worker = self.one_instance(app)
        # The exchange token is the host's: its worker (the user's code) does not inherit it.
        self.assertIn(b"SQUALL_PLATFORM_EXCHANGE_TOKEN", environ_names(host))
        self.assertNotIn(b"SQUALL_PLATFORM_EXCHANGE_TOKEN", environ_names(worker))
        self.assertNotIn(b"SQUALL_PLATFORM_EXCHANGE", environ_names(worker))

    def test_instance_hosts_take_the_cpu_slice_and_workers_keep_the_default(self):
        def slice_ns(pid):
            with open(f"/proc/{pid}/sched") as f:
                for line in f:
                    if line.startswith("se.slice"):
                        return int(line.split(":")[1])
            return None
        app = self.start_app("examples/hello", "--plan", "dedicated", "--instances", "1",
                             "--cpu-slice", "0.3ms", *FAST)
        if slice_ns(app.proc.pid) != 300000:
            self.skipTest("this kernel has no custom slices (Linux 6.12+) or hides them")
        host, worker = self.one_instance(app)
        self.assertEqual(slice_ns(host), 300000)
        self.assertNotEqual(slice_ns(worker), 300000)

    def test_bad_plan_combination_exits_2(self):
        app = self.make_app("examples/hello")
        proc = subprocess.run([SQUALL_BIN, "start", app.dir, "--port", "0", "--plan",
                               "consumption", "--sku", "EP1"], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--sku", proc.stderr)
        proc = subprocess.run([SQUALL_BIN, "start", app.dir, "--port", "0", "--instances", "2"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--plan", proc.stderr)
        for bad in ("200ms", "5us"):
            proc = subprocess.run([SQUALL_BIN, "start", app.dir, "--port", "0", "--plan",
                                   "premium", "--cpu-slice", bad], capture_output=True, text=True,
                                  timeout=30)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("--cpu-slice", proc.stderr)


if __name__ == "__main__":
    unittest.main()
