"""Queue triggers on embedded storage (SQLite under APP/.squall/): `squall queue`, the queue
trigger's Azure semantics (metadata, outputs, retry, poison), and no loss when processes die."""
import json
import os
import signal
import subprocess
import time
import unittest

from harness import SQUALL_BIN, SquallTestCase, wait_until


def queue_cli(app, *args, stdin=None, check=True):
    proc = subprocess.run([SQUALL_BIN, "queue", *args, "--app", app.dir], input=stdin,
                          capture_output=True, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"squall queue {args}: exit {proc.returncode}: "
                             f"{proc.stderr.decode(errors='replace')}")
    return proc


class QueueCliTest(SquallTestCase):
    def test_put_peek_length_clear_without_the_app_running(self):
        app = self.make_app("tests/apps/queues")
        queue_cli(app, "put", "work-items", "hello")
        queue_cli(app, "put", "work-items", "-", stdin=b'{"from": "stdin"}')
        self.assertEqual(queue_cli(app, "length", "work-items").stdout.strip(), b"2")
        peeked = json.loads(queue_cli(app, "peek", "work-items", "--json").stdout)
        self.assertEqual([m["text"] for m in peeked], ["hello", '{"from": "stdin"}'])
        self.assertEqual(json.loads(queue_cli(app, "length", "work-items", "--json").stdout),
                         {"queue": "work-items", "length": 2})
        queue_cli(app, "clear", "work-items")
        self.assertEqual(queue_cli(app, "length", "work-items").stdout.strip(), b"0")
        queue_cli(app, "put", "work-items", "again", "--repeat", "250")
        self.assertEqual(queue_cli(app, "length", "work-items").stdout.strip(), b"250")
        peeked = json.loads(queue_cli(app, "peek", "work-items", "--json").stdout)
        self.assertEqual({m["text"] for m in peeked}, {"again"})
        # The database is the app's, durable, under .squall/.
        self.assertTrue(os.path.exists(app.path(".squall", "storage.db")))

    def test_oversized_message_and_bad_queue_name_are_refused(self):
        app = self.make_app("tests/apps/queues")
        big = b"x" * 50_000  # 66 668 bytes once base64-encoded: over Azure's 64 KB
        proc = queue_cli(app, "put", "work-items", "-", stdin=big, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(b"64 KB", proc.stderr)
        self.assertEqual(queue_cli(app, "length", "work-items").stdout.strip(), b"0")
        proc = queue_cli(app, "put", "Bad_Name", "x", check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"not a valid queue name", proc.stderr)


class QueueTriggerTest(SquallTestCase):
    def start(self, extra_env=None, *args):
        app = self.make_app("tests/apps/queues")
        env = {"SQUALL_TEST_RESULTS": app.path("results.jsonl")}
        env.update(extra_env or {})
        app.start(*args, env=env)
        return app

    def test_message_runs_with_azures_metadata_and_is_deleted(self):
        app = self.start()
        queue_cli(app, "put", "work-items", '{"order": 42}')
        self.assertTrue(wait_until(lambda: len(app.results()) == 1, 20), app.diagnostics())
        r = app.results()[0]
        self.assertEqual(r["text"], '{"order": 42}')  # arrived as JSON
        self.assertEqual(r["dequeueCount"], 1)
        meta = r["metadata"]
        for key in ("Id", "DequeueCount", "ExpirationTime", "InsertionTime", "NextVisibleTime",
                    "PopReceipt"):
            self.assertIn(key, meta)
        self.assertTrue(wait_until(
            lambda: queue_cli(app, "length", "work-items").stdout.strip() == b"0", 10))
        self.assertTrue(app.wait_log(category="Function.work",
                                     contains="Executed 'Functions.work' (Succeeded)"),
                        app.diagnostics())

    def test_put_to_invocation_is_fast_when_idle(self):
        # The listener has backed off (maxPollingInterval 2 s) but the store's change wakes it.
        app = self.start()
        time.sleep(3)
        start = time.time()
        queue_cli(app, "put", "work-items", "wake")
        self.assertTrue(wait_until(lambda: len(app.results()) == 1, 10), app.diagnostics())
        self.assertLess(time.time() - start, 1.5)

    def test_http_and_queue_outputs(self):
        app = self.start()
        status, _, body = app.request("POST", "/api/enqueue", body=b"forward:onward")
        self.assertEqual((status, body), (202, b"queued"), app.diagnostics())
        self.assertTrue(wait_until(lambda: len(app.results()) == 1, 20), app.diagnostics())
        self.assertEqual(app.results()[0]["text"], "forward:onward")
        # work's output binding put "onward" on "forwarded" (base64, as the app encodes).
        self.assertTrue(wait_until(
            lambda: queue_cli(app, "length", "forwarded").stdout.strip() == b"1", 10))
        peeked = json.loads(queue_cli(app, "peek", "forwarded", "--json").stdout)
        self.assertEqual(peeked[0]["text"], "onward")

    def test_failing_message_is_retried_then_poisoned(self):
        app = self.start()
        queue_cli(app, "put", "work-items", "fail-always")
        self.assertTrue(wait_until(
            lambda: queue_cli(app, "length", "work-items-poison").stdout.strip() == b"1", 30),
            app.diagnostics())
        attempts = [r["dequeueCount"] for r in app.results() if r["event"] == "fail"]
        self.assertEqual(attempts, [1, 2, 3])  # maxDequeueCount 3
        self.assertEqual(queue_cli(app, "length", "work-items").stdout.strip(), b"0")
        self.assertTrue(app.wait_log(contains="moved to queue 'work-items-poison'"),
                        app.diagnostics())

    def test_invalid_base64_goes_to_poison_with_a_reason(self):
        app = self.start()
        # Write the raw text past the CLI's encoding: an app with messageEncoding none puts it.
        with open(app.path("host.json")) as f:
            host = json.load(f)
        other = self.make_app("tests/apps/queues")
        host["extensions"]["queues"]["messageEncoding"] = "none"
        with open(other.path("host.json"), "w") as f:
            json.dump(host, f)
        os.makedirs(other.path(".squall"), exist_ok=True)
        # Same database: point the other app copy's .squall at this one's.
        os.rmdir(other.path(".squall"))
        os.symlink(app.path(".squall"), other.path(".squall"))
        queue_cli(other, "put", "work-items", "not base64!")
        self.assertTrue(wait_until(
            lambda: queue_cli(app, "length", "work-items-poison").stdout.strip() == b"1", 20),
            app.diagnostics())
        self.assertEqual(app.results(), [])
        self.assertTrue(app.wait_log(contains="not valid base64"), app.diagnostics())

    def test_worker_crash_mid_batch_loses_nothing(self):
        app = self.start()
        texts = [f"m{i}" for i in range(20)] + ["crash-once"] + [f"n{i}" for i in range(20)]
        for t in texts:
            queue_cli(app, "put", "work-items", t)

        def done():
            ok = {r["text"] for r in app.results() if r["event"] == "ok"}
            return ok == set(texts)

        self.assertTrue(wait_until(done, 60), app.diagnostics())
        self.assertTrue(wait_until(
            lambda: queue_cli(app, "length", "work-items").stdout.strip() == b"0", 20))

    def test_admin_runs_a_queue_function_once(self):
        app = self.start()
        status, _, _ = app.request("POST", "/admin/functions/work", headers=app.master(),
                                   body=json.dumps({"input": "by admin"}).encode())
        self.assertEqual(status, 202)
        self.assertTrue(wait_until(lambda: len(app.results()) == 1, 10), app.diagnostics())
        self.assertEqual(app.results()[0]["text"], "by admin")
        status, _, _ = app.request("POST", "/admin/functions/nope", headers=app.master(),
                                   body=b"{}")
        self.assertEqual(status, 404)
        status, _, _ = app.request("POST", "/admin/functions/work", body=b"{}")
        self.assertEqual(status, 401)


class QueueRecoveryTest(SquallTestCase):
    """A dead instance's messages run again at once on embedded storage, not after their
    10-minute lease (the default lease is used here)."""

    def starts(self, app):
        return [r for r in app.results() if r["event"] == "start"]

    def test_killed_instances_message_comes_back_at_once(self):
        app = self.make_app("tests/apps/queues")
        env = {"SQUALL_TEST_RESULTS": app.path("results.jsonl")}
        app.start("--plan", "dedicated", "--instances", "1", "--decision-interval", "200ms",
                  env=env)
        queue_cli(app, "put", "work-items", "sleep:60000")
        self.assertTrue(wait_until(lambda: len(self.starts(app)) == 1, 20), app.diagnostics())
        # The one instance (its queue listener runs as soon as its host does, so it may still
        # show "starting" while the platform's readiness probe catches up).
        self.assertTrue(wait_until(lambda: any(
            i["pid"] > 0 for i in app.get_json("/admin/platform/instances",
                                               headers=app.master())), 10), app.diagnostics())
        victim = [i for i in app.get_json("/admin/platform/instances", headers=app.master())
                  if i["pid"] > 0][0]
        os.kill(victim["pid"], signal.SIGKILL)
        # The replacement takes it again long before the 10-minute lease would end.
        self.assertTrue(wait_until(lambda: len(self.starts(app)) == 2, 30), app.diagnostics())
        self.assertEqual(self.starts(app)[1]["dequeueCount"], 2)
        self.assertTrue(app.wait_log(contains="visible again", timeout=10), app.diagnostics())

    def test_restarted_host_reclaims_a_killed_hosts_messages(self):
        app = self.make_app("tests/apps/queues")
        env = {"SQUALL_TEST_RESULTS": app.path("results.jsonl")}
        app.start(env=env)
        queue_cli(app, "put", "work-items", "sleep:60000")
        self.assertTrue(wait_until(lambda: len(self.starts(app)) == 1, 20), app.diagnostics())
        os.kill(app.proc.pid, signal.SIGKILL)
        app.wait_exit()
        app._stopped = True
        app.start(env=env)
        self.assertTrue(wait_until(lambda: len(self.starts(app)) == 2, 20), app.diagnostics())
        self.assertTrue(app.wait_log(contains="no longer run are visible again", timeout=10),
                        app.diagnostics())


class QueueScalingTest(SquallTestCase):
    def test_queue_length_raises_the_instance_count_then_zero(self):
        app = self.make_app("tests/apps/queues")
        env = {"SQUALL_TEST_RESULTS": app.path("results.jsonl")}
        # batchSize 8 + newBatchThreshold 4 = 12 per instance: 60 slow messages want 5.
        # (Put before the start: the CLI of a sanitizer build is slower than the app drains.)
        for i in range(60):
            queue_cli(app, "put", "work-items", f"sleep:{1500 + i}")
        app.start("--plan", "consumption", "--decision-interval", "200ms", "--other-rate-limit",
                  "500ms", "--scale-in-delay", "1s", "--idle-timeout", "2s", env=env,
                  wait_ready=False)

        def instances():
            return app.get_json("/admin/platform/instances", headers=app.master())

        self.assertTrue(wait_until(lambda: len(instances()) >= 3, 30), app.diagnostics())
        reasons = [d["reason"] for d in app.get_json("/admin/platform/scale",
                                                      headers=app.master())]
        self.assertTrue(any("queue 'work-items' length" in r for r in reasons), reasons)
        self.assertTrue(wait_until(
            lambda: len([r for r in app.results() if r["event"] == "ok"]) == 60, 90),
            app.diagnostics())

        def executions():
            text = app.request("GET", "/metrics")[2].decode()
            for line in text.splitlines():
                if line.startswith('squall_usage_total{meter="executions"} '):
                    return float(line.split()[-1])
            return None

        # Consumption bills queue executions too: the platform reads them from its instances.
        self.assertTrue(wait_until(lambda: (executions() or 0) >= 60, 10), executions())
        self.assertTrue(wait_until(lambda: instances() == [], 40),
                        f"{instances()}\n{app.diagnostics()}")
        # Every run counted once: the last ones of each instance from its final drain status.
        starts = len([r for r in app.results() if r["event"] == "start"])
        self.assertEqual(executions(), starts)
