"""Timer triggers: NCRONTAB schedules from app settings, one run per occurrence however many
instances run, the schedule monitor's past-due run after a restart, and schedule errors."""
import json
import os
import subprocess
import time
import unittest

from harness import SQUALL_BIN, SquallTestCase, wait_until


class TimerTest(SquallTestCase):
    def start(self, *args):
        app = self.make_app("tests/apps/timers")
        app.start(*args, env={"SQUALL_TEST_RESULTS": app.path("results.jsonl")})
        return app

    def test_runs_every_two_seconds_with_azures_payload(self):
        app = self.start()
        self.assertTrue(wait_until(lambda: len(app.results()) >= 3, 15), app.diagnostics())
        r = app.results()
        gaps = [b["time"] - a["time"] for a, b in zip(r, r[1:])]
        for g in gaps:
            self.assertAlmostEqual(g, 2.0, delta=0.6)
        self.assertFalse(r[-1]["isPastDue"])
        self.assertTrue(r[-1]["next"].endswith("Z"))
        self.assertEqual(r[-1]["schedule"], {"AdjustForDST": True})

    def test_each_occurrence_runs_on_one_instance_only(self):
        app = self.start("--plan", "dedicated", "--instances", "3", "--decision-interval",
                         "200ms")
        self.assertTrue(wait_until(
            lambda: len([i for i in app.get_json("/admin/platform/instances",
                                                 headers=app.master())
                         if i["state"] == "ready"]) == 3, 30), app.diagnostics())
        before = len(app.results())
        time.sleep(8.5)
        r = app.results()[before:]
        self.assertGreaterEqual(len(r), 3)
        self.assertLessEqual(len(r), 5)  # 8.5 s at one run per 2 s: never one per instance
        times = sorted(x["time"] for x in r)
        for a, b in zip(times, times[1:]):
            self.assertGreater(b - a, 1.2, r)

    def test_missed_occurrence_runs_once_past_due_after_restart(self):
        app = self.start()
        self.assertTrue(wait_until(lambda: len(app.results()) >= 1, 10), app.diagnostics())
        app.stop()
        time.sleep(5)  # two occurrences pass while nothing runs
        n = len(app.results())
        app.start(env={"SQUALL_TEST_RESULTS": app.path("results.jsonl")})
        self.assertTrue(wait_until(lambda: len(app.results()) >= n + 2, 15), app.diagnostics())
        after = app.results()[n:]
        self.assertTrue(after[0]["isPastDue"], after)
        self.assertEqual(sum(1 for x in after if x["isPastDue"]), 1, after)

    def test_admin_runs_a_timer_function(self):
        app = self.make_app("tests/apps/timers",
                            files={"local.settings.json": json.dumps(
                                {"Values": {"TICK_SCHEDULE": "0 0 0 1 1 *"}})})
        app.start(env={"SQUALL_TEST_RESULTS": app.path("results.jsonl")})
        status, _, _ = app.request("POST", "/admin/functions/tick", headers=app.master(),
                                   body=b'{"input": ""}')
        self.assertEqual(status, 202)
        self.assertTrue(wait_until(lambda: len(app.results()) == 1, 10), app.diagnostics())


class TimerConfigErrorTest(SquallTestCase):
    def run_squall(self, app):
        return subprocess.run([SQUALL_BIN, "start", app.dir, "--port", "0"],
                              capture_output=True, timeout=30)

    def test_bad_schedule_names_file_field_and_position(self):
        app = self.make_app("tests/apps/timers",
                            files={"local.settings.json": json.dumps(
                                {"Values": {"TICK_SCHEDULE": "0 0 25 * * *"}})})
        proc = self.run_squall(app)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        err = proc.stderr.decode()
        self.assertIn(os.path.join("tick", "function.json"), err)
        self.assertIn("/bindings/0/schedule", err)
        self.assertIn("hour", err)
        self.assertIn("position", err)

    def test_missing_setting_is_named(self):
        app = self.make_app("tests/apps/timers",
                            files={"local.settings.json": json.dumps({"Values": {}})})
        proc = self.run_squall(app)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("TICK_SCHEDULE", proc.stderr.decode())


if __name__ == "__main__":
    unittest.main()
