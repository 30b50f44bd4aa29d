"""Platform instances: `squall host` (one functions host = one instance) and the local
InstanceManager (src/platform/local_instance_manager.*), which starts `squall host` processes in
cgroups; the latter is driven through tests/integration/instance_driver.cpp (INSTANCE_DRIVER)."""
import json
import os
import signal
import socket
import subprocess
import threading
import time
import unittest

from harness import (SQUALL_BIN, SquallApp, SquallTestCase, children_of, pid_alive, run_squall,
                     wait_until, START_TIMEOUT, STOP_TIMEOUT)

INSTANCE_DRIVER = os.environ.get("INSTANCE_DRIVER")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port):
    import http.client
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/admin/host/ping")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def get(port, path):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class HostApp(SquallApp):
    """SquallApp running `squall host` instead of `squall start`."""

    def __init__(self, app, instance_id, port, host_args=(), log_format="json", **kwargs):
        super().__init__(app, **kwargs)
        self.log_format = log_format
        self.instance_id = instance_id
        self.chosen_port = port
        self.host_args = list(host_args)

    def launch(self, *extra_args, env=None, app_arg=None):
        # As SquallApp.launch, with the `host` command line.
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        args = [SQUALL_BIN, "host", app_arg or self.dir, "--port", str(self.chosen_port),
                "--instance-id", self.instance_id, "--log-format", self.log_format, *self.host_args,
                *extra_args]
        self._out_f = open(self.stdout_path, "wb")
        self._err_f = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=full_env,
                                     start_new_session=True, cwd=self.tmp)
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._out_f, True),
                             daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err_f, False),
                             daemon=True),
        ]
        for t in self._readers:
            t.start()
        return self


class HostCommandTest(SquallTestCase):
    def start_host(self, instance_id="i-7", host_args=()):
        port = free_port()
        app = HostApp("examples/hello", instance_id, port, host_args)
        self.addCleanup(app.cleanup)
        self.addCleanup(self._stop_if_running, app)
        app.start()
        self.assertEqual(app.port, port, "the host must serve on the port it was given")
        return app

    def test_serves_the_app_and_stops_on_sigterm(self):
        app = self.start_host("i-7")
        status, _, body = app.request("GET", "/api/hello/x")
        self.assertEqual((status, body.decode()), (200, "Hello, x!"))
        self.assertEqual(app.request("GET", "/api/health")[0], 200)
        st = app.status()
        self.assertEqual(st["id"], "i-7")
        worker = st["worker"]["pid"]
        self.assertTrue(pid_alive(worker))
        app.stop(signal.SIGTERM)  # asserts exit 0 and nothing of the app left
        self.assertFalse(pid_alive(worker))
        self.assertTrue(app.find_logs(category="Host", contains="stopped"))

    def test_functions_limits_what_is_served(self):
        app = self.start_host("i-8", ["--group", "http", "--functions", "hello"])
        self.assertEqual(app.request("GET", "/api/hello/x")[0], 200)
        self.assertEqual(app.request("GET", "/api/health")[0], 404)
        names = [f["name"] for f in app.get_json("/admin/functions", headers=app.master())]
        self.assertEqual(names, ["hello"])
        app.wait_log(category="Host", contains="group 'http', serving functions hello")
        self.assertNotIn("health", app.stdout())
        app.stop()

    def test_the_plans_share_is_what_the_host_measures_and_limits(self):
        # What the platform passes a Flex HTTP instance: its CPU, memory and per-instance HTTP
        # concurrency (Azure's perInstanceConcurrency), shown by /admin/host/concurrency.
        app = self.start_host("i-10", ["--cpus", "1", "--memory-mb", "2048",
                                       "--http-concurrency", "16"])
        self.assertEqual(app.request("GET", "/api/hello/x")[0], 200)
        c = app.get_json("/admin/host/concurrency", headers=app.master())
        self.assertEqual(c["http"]["maxConcurrentRequests"], 16, c)
        self.assertEqual(c["http"]["perInstanceConcurrency"], 16, c)
        self.assertFalse(c["dynamicConcurrencyEnabled"])
        self.assertIsNone(c["functions"]["hello"]["level"])
        app.stop()

    def test_functions_list_and_case(self):
        app = self.start_host("i-9", ["--functions", "HEALTH,hello"])
        self.assertEqual(app.request("GET", "/api/hello/x")[0], 200)
        self.assertEqual(app.request("GET", "/api/health")[0], 200)
        app.stop()

    def test_instance_id_in_every_log_line(self):
        app = self.start_host("i-42")
        self.assertEqual(app.request("GET", "/api/hello/logs")[0], 200)
        app.wait_log(category="Function.hello", function="hello")
        app.stop()
        lines = app.log_lines()
        self.assertTrue(lines)
        categories = set()
        for line in lines:
            entry = json.loads(line)  # strictly one JSON object a line
            self.assertEqual(entry.get("instance"), "i-42", line)
            categories.add(entry["category"])
        # The worker's own output and the host's lines alike.
        self.assertIn("Worker", categories)
        self.assertIn("Host", categories)

    def test_text_log_lines_carry_the_id(self):
        port = free_port()
        app = HostApp("examples/hello", "i-text", port, log_format="text")
        self.addCleanup(app.cleanup)
        self.addCleanup(self._stop_if_running, app)
        app.launch()
        app.port = app._wait_port(time.monotonic() + START_TIMEOUT)
        self.assertTrue(wait_until(lambda: ping(port), START_TIMEOUT), app.diagnostics())
        app.stop()
        lines = [l for l in app.stderr().splitlines() if " [" in l]
        self.assertTrue(lines)
        for line in lines:
            self.assertTrue(line.endswith(" instance=i-text"), line)

    def test_bad_arguments(self):
        app = self.make_app("examples/hello")
        r = run_squall("host", app.dir, "--port", "0", "--instance-id", "i-1",
                       "--functions", "hello,nope")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("'nope' is not a function of the app", r.stderr)
        self.assertIn("health", r.stderr)  # names what there is
        r = run_squall("host", app.dir, "--port", "0", "--instance-id", "../x")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--instance-id", r.stderr)
        r = run_squall("host", app.dir, "--port", "0")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--instance-id", r.stderr)


class Driver:
    """instance-driver: commands on stdin, JSON events on stdout."""

    def __init__(self, app_dir, tmp, *args):
        self.err_path = os.path.join(tmp, "driver.stderr")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen([INSTANCE_DRIVER, SQUALL_BIN, app_dir, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._err, start_new_session=True, cwd=tmp)
        self.events = []
        self._cv = threading.Condition()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self):
        for line in iter(self.proc.stdout.readline, b""):
            with self._cv:
                self.events.append(json.loads(line))
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def wait_event(self, timeout=START_TIMEOUT, **fields):
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for e in self.events:
                    if all(e.get(k) == v for k, v in fields.items()):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no driver event {fields} within {timeout}s; events: "
                                         f"{self.events}\n{self.stderr()[-3000:]}")
                self._cv.wait(min(left, 0.2))

    def request(self, line, timeout=10, **fields):
        """Sends a command and waits for its (next) answer event."""
        with self._cv:
            seen = len(self.events)
        self.send(line)
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for e in self.events[seen:]:
                    if all(e.get(k) == v for k, v in fields.items()):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no answer {fields} to {line!r}: {self.events}")
                self._cv.wait(min(left, 0.2))

    def stderr(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.stdin.close()
            except OSError:
                pass
        rc = self.proc.wait(timeout=STOP_TIMEOUT)
        self._reader.join(5)
        return rc

    def close(self):
        """quit (the manager cleans up: processes, cgroups), else SIGKILL."""
        try:
            self.quit()
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)
        self._reader.join(5)
        for f in (self.proc.stdin, self.proc.stdout, self._err):
            try:
                f.close()
            except OSError:
                pass


def cgroup_dir(pid, controller):
    """The directory of pid's cgroup for a controller ("memory", "cpu"), v1 or v2; None if
    it cannot be found."""
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            lines = f.read().splitlines()
        with open("/proc/self/mountinfo") as f:
            mounts = f.read().splitlines()
    except OSError:
        return None
    v1 = {}
    unified = None
    for line in lines:
        hid, ctrls, path = line.split(":", 2)
        if hid == "0" and ctrls == "":
            unified = path
        for c in ctrls.split(","):
            v1[c] = path
    for m in mounts:
        left, right = m.split(" - ")
        f = left.split()
        fstype, _, opts = right.split()[:3]
        root, point = f[3], f[4]
        if fstype == "cgroup" and controller in opts.split(",") and controller in v1:
            rel = v1[controller] if root == "/" else v1[controller][len(root):]
            return point + rel
    for m in mounts:
        left, right = m.split(" - ")
        f = left.split()
        if right.split()[0] == "cgroup2" and unified is not None:
            root, point = f[3], f[4]
            rel = unified if root == "/" else unified[len(root):]
            return point + rel
    return None


def read(path):
    with open(path) as f:
        return f.read().strip()


@unittest.skipUnless(INSTANCE_DRIVER and os.path.exists(INSTANCE_DRIVER or ""),
                     "INSTANCE_DRIVER (tests/integration/instance-driver) not set")
class LocalInstanceManagerTest(SquallTestCase):
    def setUp(self):
        self.app = self.make_app("examples/hello")
        # Keys are created by the first host; make them now so instances never race for them.
        self.app.keys()
        self.driver = Driver(self.app.dir, self.app.tmp)
        self.addCleanup(self.driver.close)
        self.limits = self.driver.wait_event(event="limits")

    def start(self, line):
        iid = line.split()[1]
        ev = self.driver.request(line, id=iid)
        self.assertEqual(ev["event"], "started", ev)
        self.assertTrue(wait_until(lambda: ping(ev["port"]), START_TIMEOUT),
                        f"instance {iid} never answered ping\n{self.driver.stderr()[-3000:]}")
        return ev

    def test_start_serve_limits_usage_stop(self):
        ev = self.start("start i-1 http hello 256 0.5")
        port, host = ev["port"], ev["pid"]
        self.assertEqual(ev["endpoint"], f"127.0.0.1:{port}")
        self.assertEqual(get(port, "/api/hello/x"), (200, b"Hello, x!"))
        self.assertEqual(get(port, "/api/health")[0], 404)
        self.assertEqual(self.driver.request("list", event="list")["ids"], ["i-1"])
        workers = wait_until(lambda: children_of(host), 10)
        self.assertTrue(workers, "the host has no worker")
        worker = workers[0]

        if self.limits["ok"]:
            # Host and worker share the instance's group, which carries the plan's limits.
            suffix = f"/squall-{self.driver.proc.pid}/i-1"
            mem = cgroup_dir(host, "memory")
            self.assertTrue(mem and mem.endswith(suffix), mem)
            self.assertEqual(cgroup_dir(worker, "memory"), mem)
            if os.path.exists(os.path.join(mem, "memory.max")):
                self.assertEqual(read(os.path.join(mem, "memory.max")), str(256 << 20))
                self.assertEqual(read(os.path.join(mem, "cpu.max")), "50000 100000")
            else:
                self.assertEqual(read(os.path.join(mem, "memory.limit_in_bytes")), str(256 << 20))
                cpu = cgroup_dir(host, "cpu")
                self.assertEqual(cgroup_dir(worker, "cpu"), cpu)
                self.assertEqual(read(os.path.join(cpu, "cpu.cfs_quota_us")), "50000")
                self.assertEqual(read(os.path.join(cpu, "cpu.cfs_period_us")), "100000")
        else:
            mem = None
            self.assertIn("instances run without", self.limits["message"])

        usage = self.driver.request("usage i-1", event="usage")
        self.assertTrue(usage["measured"], usage)
        self.assertGreater(usage["memoryBytes"], 1 << 20)
        self.assertGreater(usage["cpuSeconds"], 0)

        self.driver.send("stop i-1 10000")
        ex = self.driver.wait_event(event="exit", id="i-1", timeout=STOP_TIMEOUT)
        self.assertEqual(ex["how"], "stopped: exited with code 0")
        self.assertFalse(pid_alive(host))
        self.assertTrue(wait_until(lambda: not pid_alive(worker), 3), "the worker outlived it")
        if mem:
            self.assertFalse(os.path.exists(mem), "the instance's cgroup was not removed")
        self.assertEqual(self.driver.request("list", event="list")["ids"], [])
        self.assertEqual(self.driver.request("usage i-1", event="usage")["measured"], False)

        self.assertEqual(self.driver.quit(), 0)
        if mem:
            self.assertFalse(os.path.exists(os.path.dirname(mem)), "squall-<pid> was left")

    def test_crash_is_reported_and_worker_goes_too(self):
        ev = self.start("start i-2 - - 512 1")
        host = ev["pid"]
        self.assertEqual(get(ev["port"], "/api/health")[0], 200)
        worker = wait_until(lambda: children_of(host), 10)[0]
        os.kill(host, signal.SIGKILL)
        ex = self.driver.wait_event(event="exit", id="i-2", timeout=STOP_TIMEOUT)
        self.assertTrue(ex["how"].startswith("exited unexpectedly: killed by signal 9"), ex)
        self.assertTrue(wait_until(lambda: not pid_alive(worker), 3), "the worker outlived it")
        # The id is free again.
        self.start("start i-2 - - 512 1")

    def test_stop_after_grace_kills(self):
        ev = self.start("start i-3 - - 0 0")
        self.driver.send("stop i-3 0")
        ex = self.driver.wait_event(event="exit", id="i-3", timeout=STOP_TIMEOUT)
        self.assertTrue(ex["how"].startswith("stopped: "), ex)
        self.assertFalse(pid_alive(ev["pid"]))

    def test_ids(self):
        self.assertEqual(self.driver.request("start ../x - - 0 0", id="../x")["event"], "error")
        self.start("start i-4 - - 0 0")
        dup = self.driver.request("start i-4 - - 0 0", id="i-4", event="error")
        self.assertIn("already running", dup["message"])

    def test_out_of_memory_is_named(self):
        if not self.limits["ok"]:
            self.skipTest("no cgroup limits here: " + self.limits["message"])
        ev = self.driver.request("start i-5 - - 4 1", id="i-5")
        self.assertEqual(ev["event"], "started", ev)
        try:
            ex = self.driver.wait_event(event="exit", id="i-5", timeout=20)
        except AssertionError:
            self.skipTest("the instance fit in 4 MiB")
        self.assertIn("out of memory (memory limit 4 MiB reached", ex["how"])

    def test_quit_leaves_nothing(self):
        hosts = [self.start(f"start q-{n} - - 256 1")["pid"] for n in range(2)]
        workers = [wait_until(lambda h=h: children_of(h), 10)[0] for h in hosts]
        groups = [cgroup_dir(h, "memory") for h in hosts] if self.limits["ok"] else []
        self.assertEqual(self.driver.quit(), 0)
        for pid in hosts + workers:
            self.assertTrue(wait_until(lambda p=pid: not pid_alive(p), 3), f"{pid} left behind")
        for g in groups:
            self.assertFalse(os.path.exists(g), f"cgroup {g} left behind")
            self.assertFalse(os.path.exists(os.path.dirname(g)), "squall-<pid> left behind")


if __name__ == "__main__":
    unittest.main()
