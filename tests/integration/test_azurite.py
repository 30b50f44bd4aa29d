"""The same queue and timer behaviour on Azure Storage (Azurite from tools/node_modules, on free
loopback ports, in memory): squall's trigger consumes what Microsoft's SDK enqueued, outputs go
back to Azurite, a timer's lock is a blob lease, and a wrong account key is a clear error."""
import json
import os
import re
import signal
import subprocess
import threading
import time
import unittest

from harness import REPO, SQUALL_BIN, SquallTestCase, wait_until

WELL_KNOWN_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
                  "KBHBeksoGMGw==")


class Azurite:
    def __init__(self):
        script = os.path.join(REPO, "tools", "node_modules", "azurite", "dist", "src",
                              "azurite.js")
        if not os.path.exists(script):
            raise AssertionError("Azurite is not installed (tools/node_modules): run "
                                 "scripts/install-deps.sh")
        self.proc = subprocess.Popen(
            ["node", script, "--blobHost", "127.0.0.1", "--blobPort", "0", "--queueHost",
             "127.0.0.1", "--queuePort", "0", "--tableHost", "127.0.0.1", "--tablePort", "0",
             "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
             "--silent"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        out = b""
        deadline = time.monotonic() + 60
        self.blob = self.queue = None
        while time.monotonic() < deadline and (self.blob is None or self.queue is None):
            line = self.proc.stdout.readline()
            if not line:
                break
            out += line
            m = re.search(rb"Azurite (Blob|Queue) service is successfully listening at "
                          rb"http://127.0.0.1:(\d+)", line)
            if m:
                setattr(self, m.group(1).decode().lower(), int(m.group(2)))
        if self.blob is None or self.queue is None:
            self.stop()
            raise AssertionError(f"Azurite did not start:\n{out.decode(errors='replace')}")
        # Keep reading its output so a full pipe never blocks it.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def connection(self, key=WELL_KNOWN_KEY):
        return (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};"
                f"QueueEndpoint=http://127.0.0.1:{self.queue}/devstoreaccount1;"
                f"BlobEndpoint=http://127.0.0.1:{self.blob}/devstoreaccount1")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc.stdout.close()


class AzuriteTest(SquallTestCase):
    def setUp(self):
        self.azurite = Azurite()
        self.addCleanup(self.azurite.stop)

    def queue_cli(self, app, *args, env=None, check=True):
        proc = subprocess.run([SQUALL_BIN, "queue", *args, "--app", app.dir], capture_output=True,
                              timeout=60, env={**os.environ, **(env or {})})
        if check and proc.returncode != 0:
            raise AssertionError(proc.stderr.decode(errors="replace"))
        return proc

    def test_sdk_enqueued_message_is_consumed_and_outputs_go_to_azurite(self):
        app = self.make_app("tests/apps/queues")
        env = {"AzureWebJobsStorage": self.azurite.connection(),
               "SQUALL_TEST_RESULTS": app.path("results.jsonl")}
        app.start(env=env)
        subprocess.run(["node", os.path.join(REPO, "tests", "integration", "azurite_put.js"),
                        self.azurite.connection(), "work-items", "from the sdk",
                        "forward:via azurite"],
                       check=True, timeout=60, env={**os.environ, "SQUALL_REPO": REPO})
        self.assertTrue(wait_until(lambda: len(app.results()) == 2, 30), app.diagnostics())
        self.assertEqual(sorted(r["text"] for r in app.results()),
                         ["forward:via azurite", "from the sdk"])
        # The output binding wrote to Azurite, and the CLI reads it from there.
        self.assertTrue(wait_until(lambda: self.queue_cli(app, "length", "forwarded", env=env)
                                   .stdout.strip() == b"1", 20), app.diagnostics())
        peeked = json.loads(self.queue_cli(app, "peek", "forwarded", "--json", env=env).stdout)
        self.assertEqual(peeked[0]["text"], "via azurite")
        self.assertTrue(wait_until(lambda: self.queue_cli(app, "length", "work-items", env=env)
                                   .stdout.strip() == b"0", 20))
        self.assertFalse(os.path.exists(app.path(".squall", "storage.db")))  # not embedded

    def test_failures_poison_on_azurite_too(self):
        app = self.make_app("tests/apps/queues")
        env = {"AzureWebJobsStorage": self.azurite.connection(),
               "SQUALL_TEST_RESULTS": app.path("results.jsonl")}
        app.start(env=env)
        self.queue_cli(app, "put", "work-items", "fail-here", env=env)
        self.assertTrue(wait_until(lambda: self.queue_cli(
            app, "length", "work-items-poison", env=env).stdout.strip() == b"1", 45),
            app.diagnostics())
        self.assertEqual([r["dequeueCount"] for r in app.results()], [1, 2, 3])

    def test_timer_runs_on_azurite_with_a_blob_lease(self):
        app = self.make_app("tests/apps/timers")
        app.start("--plan", "dedicated", "--instances", "2", "--decision-interval", "200ms",
                  env={"AzureWebJobsStorage": self.azurite.connection(),
                       "SQUALL_TEST_RESULTS": app.path("results.jsonl")})
        self.assertTrue(wait_until(lambda: len(app.results()) >= 3, 30), app.diagnostics())
        time.sleep(4.5)
        r = app.results()
        times = sorted(x["time"] for x in r)
        for a, b in zip(times, times[1:]):
            self.assertGreater(b - a, 1.2, r)  # one run per occurrence across both instances

    def test_wrong_account_key_is_a_clear_error_naming_the_account(self):
        app = self.make_app("tests/apps/queues")
        wrong = self.azurite.connection(key="d3Jvbmcga2V5IGZvciB0ZXN0aW5nIHB1cnBvc2VzIG9ubHk=")
        proc = self.queue_cli(app, "put", "work-items", "x",
                              env={"AzureWebJobsStorage": wrong}, check=False)
        self.assertEqual(proc.returncode, 1)
        err = proc.stderr.decode()
        self.assertIn("devstoreaccount1", err)
        self.assertIn("403", err) if "403" in err else self.assertIn("AuthenticationFailed", err)
        self.assertNotIn("d3Jvbmcga2V5", err)  # the key is never printed
        # The host keeps running and says why its listener cannot poll.
        app.start(env={"AzureWebJobsStorage": wrong})
        self.assertTrue(app.wait_log(contains="polling queue 'work-items' failed", timeout=15),
                        app.diagnostics())
        line = app.find_logs(contains="polling queue 'work-items' failed")[0]
        self.assertIn("devstoreaccount1", line["message"])
        self.assertNotIn("d3Jvbmcga2V5", json.dumps(app.logs()))
        self.assertEqual(app.status()["state"], "Running")


if __name__ == "__main__":
    unittest.main()
