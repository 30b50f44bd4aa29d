"""The same queue and timer behaviour on Azure Storage (Azurite from tools/node_modules, on free
loopback ports, in memory): squall's trigger consumes what Microsoft's SDK enqueued, outputs go
back to Azurite, a timer's lock is a blob lease, and a wrong account key is a clear error. Over
HTTPS too (Azurite with a certificate from a throwaway CA made with the openssl CLI, reached as
`localhost`, trusted through SSL_CERT_FILE), and an untrusted certificate is a clear error."""
import json
import os
import sqlite3
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import REPO, SQUALL_BIN, SquallTestCase, wait_until

WELL_KNOWN_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
                  "KBHBeksoGMGw==")


def make_test_pki(directory, name="squall test CA"):
    """A throwaway CA (DIR/ca.pem) and a server certificate it signed for localhost and
    127.0.0.1 (DIR/server.pem, DIR/server.key), made with the openssl CLI."""
    def openssl(*args):
        proc = subprocess.run(["openssl", *args], cwd=directory, capture_output=True, timeout=60)
        if proc.returncode != 0:
            raise AssertionError(f"openssl {' '.join(args)}: {proc.stderr.decode()}")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost")
    with open(os.path.join(directory, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", "1", "-days", "2", "-extfile", "server.ext", "-out", "server.pem")
    return {k: os.path.join(directory, f) for k, f in
            (("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"))}



def assert_not_embedded(test, app):
    """The triggers used Azure Storage: nothing of theirs is in the embedded file (which holds
    squall's own memory record, `squall memory`, whatever storage the app uses)."""
    db = app.path(".squall", "storage.db")
    if os.path.exists(db):
        with sqlite3.connect(db) as c:
            test.assertEqual(c.execute("SELECT count(*) FROM messages").fetchone()[0], 0)
            test.assertEqual(c.execute("SELECT count(*) FROM locks").fetchone()[0], 0)

class Azurite:
    def __init__(self, tls=None):
        """tls: {"cert": PEM, "key": PEM} serves HTTPS with that certificate."""
        script = os.path.join(REPO, "tools", "node_modules", "azurite", "dist", "src",
                              "azurite.js")
        if not os.path.exists(script):
            raise AssertionError("Azurite is not installed (tools/node_modules): run "
                                 "scripts/install-deps.sh")
        self.scheme = "https" if tls else "http"
        self.proc = subprocess.Popen(
            ["node", script, "--blobHost", "127.0.0.1", "--blobPort", "0", "--queueHost",
             "127.0.0.1", "--queuePort", "0", "--tableHost", "127.0.0.1", "--tablePort", "0",
             "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
             "--silent", *(["--cert", tls["cert"], "--key", tls["key"]] if tls else [])],
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
                          rb"https?://127.0.0.1:(\d+)", line)
            if m:
                setattr(self, m.group(1).decode().lower(), int(m.group(2)))
        if self.blob is None or self.queue is None:
            self.stop()
            raise AssertionError(f"Azurite did not start:\n{out.decode(errors='replace')}")
        # Keep reading its output so a full pipe never blocks it.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def connection(self, key=WELL_KNOWN_KEY, host="127.0.0.1"):
        p = self.scheme
        return (f"DefaultEndpointsProtocol={p};AccountName=devstoreaccount1;AccountKey={key};"
                f"QueueEndpoint={p}://{host}:{self.queue}/devstoreaccount1;"
                f"BlobEndpoint={p}://{host}:{self.blob}/devstoreaccount1")

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
        assert_not_embedded(self, app)

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


class AzuriteHttpsTest(SquallTestCase):
    """Azure Storage over TLS, as a real account is reached: https, a host name (localhost goes
    through the resolver), the server's certificate verified against the CAs OpenSSL's default
    verify paths give - here SSL_CERT_FILE, pointing at a throwaway CA."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="squall-tls-")
        self.addCleanup(tmp.cleanup)
        self.pki = make_test_pki(tmp.name)
        other = os.path.join(tmp.name, "other")
        os.mkdir(other)
        self.other_ca = make_test_pki(other, name="another CA")["ca"]
        self.azurite = Azurite(tls=self.pki)
        self.addCleanup(self.azurite.stop)
        self.connection = self.azurite.connection(host="localhost")
        self.trusted = {"AzureWebJobsStorage": self.connection, "SSL_CERT_FILE": self.pki["ca"]}

    def queue_cli(self, app, *args, env, check=True):
        proc = subprocess.run([SQUALL_BIN, "queue", *args, "--app", app.dir], capture_output=True,
                              timeout=60, env={**os.environ, **env})
        if check and proc.returncode != 0:
            raise AssertionError(proc.stderr.decode(errors="replace"))
        return proc

    def length(self, app, queue):
        return self.queue_cli(app, "length", queue, env=self.trusted).stdout.strip()

    def test_queue_trigger_over_https_with_a_trusted_ca(self):
        self.assertTrue(self.connection.startswith("DefaultEndpointsProtocol=https;"))
        app = self.make_app("tests/apps/queues")
        app.start(env={**self.trusted, "SQUALL_TEST_RESULTS": app.path("results.jsonl")})
        self.queue_cli(app, "put", "work-items", "over tls", env=self.trusted)
        self.queue_cli(app, "put", "work-items", "forward:via https", env=self.trusted)
        self.assertTrue(wait_until(lambda: len(app.results()) == 2, 30), app.diagnostics())
        self.assertEqual(sorted(r["text"] for r in app.results()),
                         ["forward:via https", "over tls"])
        # The output went back to Azurite over TLS, and the trigger deleted what it ran.
        self.assertTrue(wait_until(lambda: self.length(app, "forwarded") == b"1", 20),
                        app.diagnostics())
        self.assertTrue(wait_until(lambda: self.length(app, "work-items") == b"0", 20))
        self.assertEqual(app.find_logs(contains="certificate"), [])
        assert_not_embedded(self, app)

    def test_an_untrusted_certificate_is_a_clear_error_and_loses_nothing(self):
        app = self.make_app("tests/apps/queues")
        untrusted = {"AzureWebJobsStorage": self.connection, "SSL_CERT_FILE": self.other_ca}
        endpoint = f"https://localhost:{self.azurite.queue}/devstoreaccount1"
        proc = self.queue_cli(app, "put", "work-items", "x", env=untrusted, check=False)
        self.assertEqual(proc.returncode, 1)
        err = proc.stderr.decode()
        self.assertIn(endpoint, err)
        self.assertIn("certificate verification failed", err)
        self.assertIn("SSL_CERT_FILE", err)
        self.assertNotIn(WELL_KNOWN_KEY, err)
        # A message put by a trusting client stays there while a host that cannot verify the
        # server keeps running, says why in its log, and takes nothing.
        self.queue_cli(app, "put", "work-items", "kept", env=self.trusted)
        app.start(env={**untrusted, "SQUALL_TEST_RESULTS": app.path("results.jsonl")})
        self.assertTrue(app.wait_log(contains="polling queue 'work-items' failed", timeout=15),
                        app.diagnostics())
        line = app.find_logs(contains="polling queue 'work-items' failed")[0]["message"]
        self.assertIn("certificate verification failed", line)
        self.assertIn(endpoint, line)
        self.assertNotIn(WELL_KNOWN_KEY, json.dumps(app.logs()))
        self.assertEqual(app.status()["state"], "Running")
        self.assertEqual(app.results(), [])
        self.assertEqual(self.length(app, "work-items"), b"1")
        app.stop()
        # The same app trusting the CA then runs it.
        app.start(env={**self.trusted, "SQUALL_TEST_RESULTS": app.path("results.jsonl")})
        self.assertTrue(wait_until(lambda: len(app.results()) == 1, 30), app.diagnostics())
        self.assertEqual(app.results()[0]["text"], "kept")

    def test_a_sas_connection_string_over_https(self):
        sas = subprocess.run(
            ["node", os.path.join(REPO, "tests", "integration", "azurite_sas.js"), WELL_KNOWN_KEY],
            check=True, capture_output=True, timeout=60,
            env={**os.environ, "SQUALL_REPO": REPO}).stdout.decode().strip()
        self.assertIn("sig=", sas)
        endpoints = (f"QueueEndpoint=https://localhost:{self.azurite.queue}/devstoreaccount1;"
                     f"BlobEndpoint=https://localhost:{self.azurite.blob}/devstoreaccount1;")
        env = {"AzureWebJobsStorage": endpoints + "SharedAccessSignature=" + sas,
               "SSL_CERT_FILE": self.pki["ca"]}
        app = self.make_app("tests/apps/queues")
        app.start(env={**env, "SQUALL_TEST_RESULTS": app.path("results.jsonl")})
        self.queue_cli(app, "put", "work-items", "forward:by sas", env=env)
        self.assertTrue(wait_until(lambda: len(app.results()) == 1, 30), app.diagnostics())
        self.assertTrue(wait_until(lambda: self.queue_cli(app, "length", "forwarded", env=env)
                                   .stdout.strip() == b"1", 20), app.diagnostics())
        # A token whose signature does not match is refused, and the message says what to check.
        signature = re.search(r"sig=([^&]+)", sas).group(1)
        forged = sas.replace(signature, "QUJD" + signature[4:])
        proc = self.queue_cli(app, "put", "work-items", "x",
                              env={**env, "AzureWebJobsStorage":
                                   endpoints + "SharedAccessSignature=" + forged}, check=False)
        self.assertEqual(proc.returncode, 1)
        err = proc.stderr.decode()
        self.assertIn("check the SharedAccessSignature", err)
        self.assertNotIn(signature[4:], err)
        self.assertNotIn(signature[4:], json.dumps(app.logs()))


if __name__ == "__main__":
    unittest.main()
