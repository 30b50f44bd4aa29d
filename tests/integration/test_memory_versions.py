"""Memory tracking across host versions (issue 6), on the real platform: three builds of this
squall are installed side by side under other version names (`squall versions install --as`),
the app setting SQUALL_HOST_VERSION moves the app between them (instances roll over one at a
time), and tests/apps/memory-versions holds 50 MiB more when it runs under 2.0.0. The platform
samples every 200 ms and counts samples as steady after 1 s, so a baseline is ready (6 steady
samples) about 2.5 s after an instance starts."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import SQUALL_BIN, SquallTestCase, patch_json, run_squall, wait_until

MIB = 1 << 20
FAST = ["--plan", "dedicated", "--instances", "1", "--decision-interval", "200ms",
        "--memory-interval", "200ms", "--memory-warmup", "1s"]


class MemoryVersionsTest(SquallTestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = tempfile.mkdtemp(prefix="squall-home-")
        cls.env = {"SQUALL_HOME": cls.home}
        for version in ("1.0.0", "1.0.1", "2.0.0"):
            r = run_squall("versions", "install", SQUALL_BIN, "--as", version, env=cls.env)
            if r.returncode != 0:
                raise AssertionError(f"versions install --as {version}: {r.stderr}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, ignore_errors=True)

    # ---- helpers ------------------------------------------------------------------------

    def pin(self, app, version):
        patch_json(app.path("local.settings.json"),
                   lambda d: d.setdefault("Values", {}).__setitem__("SQUALL_HOST_VERSION", version))

    def memory(self, app):
        r = run_squall("memory", "--app", app.dir, "--json", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def baseline(self, report, version):
        for b in report["baselines"]:
            if b["hostVersion"] == version:
                return b
        return None

    def wait_baseline(self, app, version, more_than=0, timeout=30):
        """Waits until the version's baseline is ready with more than `more_than` steady
        samples; returns the report."""
        def ready():
            report = self.memory(app)
            b = self.baseline(report, version)
            return report if b and b["ready"] and b["steadySamples"] > more_than else None
        report = wait_until(ready, timeout, interval=0.3)
        if not report:
            self.fail(f"no ready baseline for {version}: {self.memory(app)}\n{app.diagnostics()}")
        return report

    def wait_running(self, app, version, timeout=30):
        """Waits until the only live instance runs `version` and its worker says so."""
        def done():
            live = [i for i in app.get_json("/admin/platform/instances", headers=app.master())
                    if i["state"] != "draining"]
            if len(live) != 1 or live[0]["hostVersion"] != version or live[0]["state"] != "ready":
                return None
            status, _, body = app.request("GET", "/api/version")
            seen = json.loads(body) if status == 200 else {}
            return seen if seen.get("runningVersion") == version else None
        seen = wait_until(done, timeout, interval=0.1)
        if not seen:
            self.fail(f"the app did not move to host version {version}\n{app.diagnostics()}")
        return seen

    def regression_logs(self, app):
        return app.find_logs(category="Platform.Memory", contains="memory regression")

    # ---- tests --------------------------------------------------------------------------

    def test_fifty_mib_more_under_a_new_version_is_reported_a_flat_move_is_not(self):
        app = self.make_app("tests/apps/memory-versions")
        self.pin(app, "1.0.0")
        app.start(*FAST, env=self.env)
        seen = self.wait_running(app, "1.0.0")
        self.assertEqual((seen["headerVersion"], seen["ballastMiB"]), ("1.0.0", 0))
        self.wait_baseline(app, "1.0.0")

        # A flat move: another version, the same memory. A change, not a regression.
        self.pin(app, "1.0.1")
        self.wait_running(app, "1.0.1")
        report = self.wait_baseline(app, "1.0.1")
        self.assertEqual(len(report["changes"]), 1, report)
        flat = report["changes"][0]
        self.assertEqual((flat["from"]["hostVersion"], flat["to"]["hostVersion"]), ("1.0.0", "1.0.1"))
        self.assertFalse(flat["regression"], flat)
        self.assertLess(abs(flat["deltaBytes"]), 20 * MIB, flat)
        self.assertEqual(report["regressions"], 0)
        self.assertEqual(self.regression_logs(app), [])

        # 2.0.0: the worker holds 50 MiB more.
        self.pin(app, "2.0.0")
        seen = self.wait_running(app, "2.0.0")
        self.assertEqual((seen["headerVersion"], seen["ballastMiB"]), ("2.0.0", 50))
        report = self.wait_baseline(app, "2.0.0")
        self.assertEqual(report["regressions"], 1, report)
        step = report["changes"][-1]
        self.assertTrue(step["regression"], step)
        self.assertEqual((step["from"]["hostVersion"], step["to"]["hostVersion"]), ("1.0.1", "2.0.0"))
        self.assertEqual(step["cause"], "host version")
        self.assertGreater(step["deltaBytes"], 40 * MIB, step)
        self.assertLess(step["deltaBytes"], 70 * MIB, step)
        self.assertEqual(step["pinBack"][0], {"hostVersion": "1.0.1", "installed": True}, step)
        before, after = self.baseline(report, "1.0.1"), self.baseline(report, "2.0.0")
        self.assertGreater(after["workerBytes"] - before["workerBytes"], 40 * MIB)  # the worker
        self.assertLess(abs(after["hostBytes"] - before["hostBytes"]), 20 * MIB)    # not the host

        # The platform log says it once, however many samples follow.
        app.wait_log(category="Platform.Memory", contains="memory regression", timeout=10)
        self.wait_baseline(app, "2.0.0", more_than=after["steadySamples"] + 5)
        logs = self.regression_logs(app)
        self.assertEqual(len(logs), 1, logs)
        self.assertIn("from host version 1.0.1 to 2.0.0", logs[0]["message"])
        self.assertIn("SQUALL_HOST_VERSION=1.0.1", logs[0]["message"])
        self.assertEqual(logs[0]["level"], "warning")

        # Each move was a rollover: a replacement on the new version, then the old one drained.
        reasons = [d["reason"] for d in app.get_json("/admin/platform/scale", headers=app.master())]
        self.assertTrue(any("(2.0.0) is ready; draining" in r for r in reasons), reasons)

        status, _, body = app.request("GET", "/metrics")
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertIn("squall_memory_regressions 1", text)
        self.assertIn('process="worker",kind="rss",host_version="2.0.0"', text)
        check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                               timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        app.stop()

        text = run_squall("memory", "--app", app.dir, env=self.env).stdout
        self.assertIn("REGRESSION: working set rose by", text)
        self.assertIn("to 1.0.1 (installed)", text)

    def test_two_runs_of_the_same_version_are_one_baseline_and_no_alarm(self):
        app = self.make_app("tests/apps/memory-versions")
        self.pin(app, "1.0.0")
        app.start(*FAST, env=self.env)
        self.wait_running(app, "1.0.0")
        first = self.baseline(self.wait_baseline(app, "1.0.0"), "1.0.0")
        app.stop()
        app.start(*FAST, env=self.env)  # the same app copy: its stored samples are kept
        self.wait_running(app, "1.0.0")
        report = self.wait_baseline(app, "1.0.0", more_than=first["steadySamples"] + 6)
        self.assertEqual(len(report["baselines"]), 1, report)
        self.assertEqual(report["changes"], [])
        self.assertEqual(report["regressions"], 0)
        self.assertEqual(self.regression_logs(app), [])
        app.stop()

    def test_one_host_without_a_plan_keeps_the_record_too(self):
        # `squall start APP` without --plan samples its own process and its worker. The host
        # runs under the version name SQUALL_HOST_RUNNING_VERSION gives it (what `squall versions`
        # sets for the builds it starts), so two runs stand for an upgrade of squall between them.
        app = self.make_app("tests/apps/memory-versions")
        one_host = ["--memory-interval", "200ms", "--memory-warmup", "1s"]
        app.start(*one_host, env={**self.env, "SQUALL_HOST_RUNNING_VERSION": "1.0.0"})
        first = self.baseline(self.wait_baseline(app, "1.0.0"), "1.0.0")
        self.assertGreater(first["hostBytes"], 0, first)
        self.assertGreater(first["workerBytes"], 0, first)
        app.stop()
        app.start(*one_host, env={**self.env, "SQUALL_HOST_RUNNING_VERSION": "2.0.0"})
        report = self.wait_baseline(app, "2.0.0")
        self.assertEqual(report["regressions"], 1, report)
        step = report["changes"][-1]
        self.assertEqual((step["from"]["hostVersion"], step["to"]["hostVersion"]), ("1.0.0", "2.0.0"))
        self.assertGreater(step["deltaBytes"], 40 * MIB, step)
        self.assertLess(step["deltaBytes"], 70 * MIB, step)
        app.wait_log(category="Platform.Memory", contains="memory regression", timeout=10)
        app.stop()

    def test_a_pin_that_is_not_installed_is_a_config_error(self):
        app = self.make_app("tests/apps/memory-versions")
        self.pin(app, "9.9.9")
        r = run_squall("start", app.dir, *FAST, "--port", "0", env=self.env)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("local.settings.json: /Values/SQUALL_HOST_VERSION: host version 9.9.9 is "
                      "not installed", r.stderr)


if __name__ == "__main__":
    unittest.main()
