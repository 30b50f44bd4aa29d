"""Harness for squall's integration tests: runs the REAL `squall` binary on a copy of an app.

    app = SquallApp("examples/hello")        # copies the app into a fresh temp dir
    app.start()                                # squall start COPY --port 0 --log-format json
    status, headers, body = app.request("GET", "/api/hello/bob")
    app.stop()                                 # SIGTERM; asserts exit 0 and no worker left

Everything is on loopback (squall listens on 127.0.0.1 by default; we connect to 127.0.0.1
with http.client, never through a proxy). Each app copy lives in its own temp dir, so tests
can run in parallel and never write into the repository. `cleanup()` (registered by
SquallTestCase) kills whatever is left, even when a test fails half way.

Environment: SQUALL_BIN (the binary; default build-integ/bin/squall, then build/bin/squall)
and SQUALL_REPO (the source tree; default: two levels up from this file).
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.environ.get("SQUALL_REPO") or os.path.join(HERE, "..", ".."))


def _default_bin():
    for d in ("build-integ", "build"):
        p = os.path.join(REPO, d, "bin", "squall")
        if os.path.exists(p):
            return p
    return os.path.join(REPO, "build", "bin", "squall")


SQUALL_BIN = os.environ.get("SQUALL_BIN") or _default_bin()

# Bounds (seconds). The ASan build starts slower than a release one.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 30.0

_PORT_RE = re.compile(r"on http://[^\s:/]+:(\d+)")


# --------------------------------------------------------------------------------------------
# processes (/proc)


def pid_alive(pid):
    """True if pid exists and is not a zombie (a zombie has ended; it only waits to be reaped)."""
    if not pid or pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        return True
    # state is the field after "(comm)"; comm may contain spaces and parentheses.
    rest = stat[stat.rfind(b")") + 2:]
    state = rest[:1]
    return state not in (b"Z", b"X", b"x")


def _environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read()
    except OSError:  # gone, or not ours (permission): ignore
        return None


def children_of(pid):
    """Live processes whose parent is pid (from /proc/*/stat)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()
        if int(rest[1]) == pid and pid_alive(int(entry)):
            out.append(int(entry))
    return out


def environ_names(pid):
    """The names in pid's environment (empty when it is gone)."""
    env = _environ(pid) or b""
    return [e.split(b"=", 1)[0] for e in env.split(b"\0") if e]


def processes_with_env(name, value):
    """Live pids whose environment has name=value exactly (read from /proc/*/environ)."""
    want = f"{name}={value}".encode()
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if pid == me:
            continue
        env = _environ(pid)
        if env is None:
            continue
        if want in env.split(b"\0") and pid_alive(pid):
            found.append(pid)
    return found


def wait_until(predicate, timeout, interval=0.05):
    """Polls predicate until it returns a truthy value (returned) or timeout passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


# --------------------------------------------------------------------------------------------
# apps


def write_files(root, files):
    """Writes {relative path: str | bytes | dict (as JSON)} under root."""
    for rel, content in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, (dict, list)):
            content = json.dumps(content, indent=2)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode) as f:
            f.write(content)


def patch_json(path, update):
    """Loads a JSON file, applies update(dict) (or merges a dict into it), writes it back."""
    with open(path) as f:
        data = json.load(f)
    if callable(update):
        update(data)
    else:
        data.update(update)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


def http_function_json(route, methods=("get",), auth="anonymous", out="res", name="req"):
    return {
        "bindings": [
            {"type": "httpTrigger", "direction": "in", "name": name, "authLevel": auth,
             "methods": list(methods), "route": route},
            {"type": "http", "direction": "out", "name": out},
        ]
    }


class SquallApp:
    """One app copy and (at most) one running `squall start` on it."""

    def __init__(self, app, *, files=None, name=None):
        """app: a path relative to the repo ("examples/hello", "tests/apps/slow"), an absolute
        path, or None for an app made only of `files`. `files` are written into the copy after
        it is made (overriding files of the app)."""
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="squall-it-"))
        src = None
        if app is not None:
            src = app if os.path.isabs(app) else os.path.join(REPO, app)
            src = os.path.abspath(src)
        self.name = name or (os.path.basename(src) if src else "app")
        self.dir = os.path.join(self.tmp, self.name)
        ignore = shutil.ignore_patterns(".squall", "__pycache__", "node_modules")
        if src:
            shutil.copytree(src, self.dir, ignore=ignore, symlinks=True)
            # tests/apps/* import ../_lib/handler_lib.py: copy it beside the app.
            lib = os.path.join(os.path.dirname(src), "_lib")
            if os.path.isdir(lib):
                shutil.copytree(lib, os.path.join(self.tmp, "_lib"), ignore=ignore)
        else:
            os.makedirs(self.dir)
            shutil.copytree(os.path.join(REPO, "tests", "apps", "_lib"),
                            os.path.join(self.tmp, "_lib"),
                            ignore=ignore)
        if files:
            write_files(self.dir, files)
        self.stdout_path = os.path.join(self.tmp, "squall.stdout")
        self.stderr_path = os.path.join(self.tmp, "squall.stderr")
        self.proc = None
        self.port = None
        self.returncode = None
        self.worker_pids = set()
        self._keys = None
        self._readers = []
        self._stdout_lines = []
        self._stdout_cv = threading.Condition()
        self._stderr_lock = threading.Lock()
        self._stopped = False
        self.runs = 1

    # ---- files --------------------------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def results(self):
        """The JSON lines a test app's worker appended to $SQUALL_TEST_RESULTS when that was set
        to path("results.jsonl") (tests/apps/queues, timers), oldest first; [] before any."""
        path = self.path("results.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def patch_host_json(self, update):
        patch_json(self.path("host.json"), update)

    # ---- running squall -----------------------------------------------------------------

    def launch(self, *extra_args, env=None, app_arg=None):
        """Starts `squall start` and returns at once (no waiting). After stop(), starts a new
        run on the same app copy (its .squall state kept); output files start afresh."""
        if self.proc is not None:
            assert self._stopped, "already running"
            self._reset_run()
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        args = [SQUALL_BIN, "start", app_arg or self.dir, "--port", "0", "--log-format", "json",
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

    def _reset_run(self):
        for f in (self._out_f, self._err_f):
            f.close()
        self.runs += 1
        self.stdout_path = os.path.join(self.tmp, f"squall.{self.runs}.stdout")
        self.stderr_path = os.path.join(self.tmp, f"squall.{self.runs}.stderr")
        self.proc = None
        self.port = None
        self.returncode = None
        self._readers = []
        self._stdout_lines = []
        self._stopped = False

    def _pump(self, stream, sink, is_stdout):
        for line in iter(stream.readline, b""):
            if is_stdout:
                sink.write(line)
                sink.flush()
                with self._stdout_cv:
                    self._stdout_lines.append(line.decode("utf-8", "replace"))
                    self._stdout_cv.notify_all()
            else:
                with self._stderr_lock:
                    sink.write(line)
                    sink.flush()
        with self._stdout_cv:
            self._stdout_cv.notify_all()
        stream.close()

    def start(self, *extra_args, env=None, wait_ready=True, timeout=START_TIMEOUT):
        """Starts squall and waits for its port, then /admin/host/ping, then (wait_ready) the
        worker: /admin/host/status state "Running"."""
        self.launch(*extra_args, env=env)
        deadline = time.monotonic() + timeout
        self.port = self._wait_port(deadline)
        ok = wait_until(lambda: self._ping_ok(), max(0.1, deadline - time.monotonic()))
        if not ok:
            raise AssertionError(f"squall did not answer /admin/host/ping\n{self.diagnostics()}")
        if wait_ready:
            self.wait_running(max(0.1, deadline - time.monotonic()))
        return self

    def _wait_port(self, deadline):
        with self._stdout_cv:
            while True:
                for line in self._stdout_lines:
                    m = _PORT_RE.search(line)
                    if m:
                        return int(m.group(1))
                if self.proc.poll() is not None and not any(t.is_alive() for t in self._readers[:1]):
                    raise AssertionError(f"squall exited with {self.proc.returncode} before "
                                         f"printing its URL\n{self.diagnostics()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"squall printed no URL within the start timeout\n"
                                         f"{self.diagnostics()}")
                self._stdout_cv.wait(min(left, 0.2))

    def _ping_ok(self):
        try:
            status, _, _ = self.request("GET", "/admin/host/ping", timeout=2)
            return status == 200
        except OSError:
            return False

    def wait_running(self, timeout=START_TIMEOUT):
        """Polls /admin/host/status (master key) until state is "Running"; records the worker."""
        last = {}

        def running():
            nonlocal last
            try:
                last = self.status()
            except (OSError, ValueError):
                return False
            pid = (last.get("worker") or {}).get("pid")
            if isinstance(pid, int) and pid > 0:
                self.worker_pids.add(pid)
            return last.get("state") == "Running"

        if not wait_until(running, timeout, interval=0.05):
            raise AssertionError(f"the host did not reach state Running: last status {last}\n"
                                 f"{self.diagnostics()}")
        return last

    def status(self):
        status, _, body = self.request("GET", "/admin/host/status", headers=self.master())
        if status != 200:
            raise ValueError(f"/admin/host/status answered {status}: {body!r}")
        st = json.loads(body)
        pid = (st.get("worker") or {}).get("pid")
        if isinstance(pid, int) and pid > 0:
            self.worker_pids.add(pid)
        return st

    # ---- keys ---------------------------------------------------------------------------

    def keys(self, refresh=False):
        """`squall keys list APP --json`, parsed (cached)."""
        if self._keys is None or refresh:
            r = run_squall("keys", "list", self.dir, "--json")
            if r.returncode != 0:
                raise AssertionError(f"keys list failed ({r.returncode}): {r.stderr}")
            self._keys = json.loads(r.stdout)
        return self._keys

    def master(self):
        return {"x-functions-key": self.keys()["masterKey"]}

    def function_key(self, function):
        return self.keys()["functionKeys"][function]["default"]

    def host_key(self):
        return self.keys()["hostKeys"]["default"]

    # ---- HTTP ---------------------------------------------------------------------------

    def request(self, method, path, headers=None, body=None, timeout=REQUEST_TIMEOUT):
        """One request on a fresh connection: (status, headers, body bytes). headers is an
        http.client.HTTPMessage (case-insensitive .get())."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        elif isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.headers, data
        finally:
            conn.close()

    def get_json(self, path, headers=None, expect=200):
        status, _, body = self.request("GET", path, headers=headers)
        if status != expect:
            raise AssertionError(f"GET {path}: expected {expect}, got {status}: {body!r}")
        return json.loads(body)

    def connect(self, timeout=10):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    # ---- output -------------------------------------------------------------------------

    def stdout(self):
        with self._stdout_cv:
            return "".join(self._stdout_lines)

    def stderr(self):
        with self._stderr_lock:
            try:
                with open(self.stderr_path, "rb") as f:
                    return f.read().decode("utf-8", "replace")
            except FileNotFoundError:
                return ""

    def log_lines(self):
        """The raw stderr lines that look like JSON log lines (start with '{')."""
        return [l for l in self.stderr().splitlines() if l.startswith("{")]

    def logs(self):
        """Parsed JSON log lines. Lenient: a line with trailing junk after its object still
        yields the object (test_hello checks strictly that every line is valid JSON)."""
        out = []
        dec = json.JSONDecoder()
        for line in self.log_lines():
            try:
                obj, _ = dec.raw_decode(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out

    def find_logs(self, category=None, contains=None, level=None, **fields):
        out = []
        for e in self.logs():
            if category is not None:
                cat = e.get("category", "")
                if callable(category):
                    if not category(cat):
                        continue
                elif cat != category:
                    continue
            if contains is not None and contains not in e.get("message", ""):
                continue
            if level is not None and e.get("level") not in (level if isinstance(level, tuple) else (level,)):
                continue
            if any(str(e.get(k)) != str(v) for k, v in fields.items()):
                continue
            out.append(e)
        return out

    def wait_log(self, timeout=10, **criteria):
        """Waits until find_logs(**criteria) is non-empty; returns the matches."""
        found = wait_until(lambda: self.find_logs(**criteria), timeout, interval=0.05)
        if not found:
            raise AssertionError(f"no log line matching {criteria} within {timeout}s\n"
                                 f"{self.diagnostics()}")
        return found

    def diagnostics(self, lines=40):
        err = self.stderr().splitlines()
        rc = self.proc.poll() if self.proc else None
        text = (f"[squall {self.dir} port={self.port} rc={rc}]\n--- stdout:\n{self.stdout()}")
        # A sanitizer report: show its start (the first stack), which the tail would cut off.
        for i, line in enumerate(err):
            if "ERROR: AddressSanitizer" in line or "ERROR: LeakSanitizer" in line \
                    or "runtime error:" in line:
                text += "--- sanitizer report (start):\n" + "\n".join(err[i:i + 16]) + "\n"
                summary = [l for l in err if l.startswith("SUMMARY:")]
                text += "\n".join(summary) + "\n"
                err = err[:i]
                break
        return text + f"--- stderr (last {lines} lines):\n" + "\n".join(err[-lines:])

    # ---- processes ----------------------------------------------------------------------

    def app_processes(self):
        """Live processes started for this app copy (env FUNCTIONS_APP_ROOT_PATH == its dir)."""
        return processes_with_env("FUNCTIONS_APP_ROOT_PATH", self.dir)

    def record_workers(self):
        for pid in self.app_processes():
            self.worker_pids.add(pid)
        return set(self.worker_pids)

    def leftovers(self):
        """Processes of this app still alive: recorded worker pids (if they still carry this
        app's environment or it cannot be read) and any process found by the /proc scan."""
        left = set(self.app_processes())
        want = f"FUNCTIONS_APP_ROOT_PATH={self.dir}".encode()
        for pid in self.worker_pids:
            if not pid_alive(pid):
                continue
            env = _environ(pid)
            if env is None or want in env.split(b"\0"):
                left.add(pid)
        return left

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        for t in self._readers:
            t.join(timeout=5)
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT, check=True):
        """Stops squall with sig; asserts (check) that it exits 0 within timeout and that no
        process of the app is left. Returns the exit code."""
        if self.proc is None:
            return None
        if self._stopped:
            return self.returncode
        self._stopped = True
        self.record_workers()
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
        rc = self.wait_exit(timeout)
        if rc is None:
            self.kill()
            raise AssertionError(f"squall did not exit within {timeout}s of signal {sig}\n"
                                 f"{self.diagnostics()}")
        # The worker is killed by squall before it exits; give the kernel a moment to report.
        left = wait_until(lambda: not self.leftovers(), 3.0)
        leftovers = self.leftovers()
        if check:
            if rc != 0:
                raise AssertionError(f"squall exited with {rc}, expected 0\n"
                                     f"{self.diagnostics(80)}")
            if leftovers:
                raise AssertionError(f"processes left behind after squall stopped: "
                                     f"{sorted(leftovers)}\n{self.diagnostics()}")
        del left
        return rc

    def kill(self):
        """SIGKILL squall's process group and every process of the app (no checks)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for pid in self.leftovers():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def cleanup(self):
        """Never fails: kills what is left, closes files, removes the temp dir."""
        try:
            self.kill()
            for t in self._readers:
                t.join(timeout=2)
        finally:
            for f in (getattr(self, "_out_f", None), getattr(self, "_err_f", None)):
                if f:
                    try:
                        f.close()
                    except OSError:
                        pass
            if os.environ.get("SQUALL_KEEP_TMP"):
                print(f"kept {self.tmp}")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)


def run_squall(*args, timeout=60, env=None, cwd=None):
    """Runs squall to completion (keys list, start with a bad config...): CompletedProcess
    with text stdout/stderr."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([SQUALL_BIN, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=cwd,
                          start_new_session=True)


class SquallTestCase(unittest.TestCase):
    """Base class: `self.app(...)` makes an app copy that is always cleaned up; a running
    squall that the test did not stop is stopped (and checked) at the end of the test."""

    def make_app(self, app, **kwargs):
        a = SquallApp(app, **kwargs)
        self.addCleanup(a.cleanup)
        self.addCleanup(self._stop_if_running, a)
        return a

    def start_app(self, app, *extra_args, files=None, env=None, wait_ready=True):
        a = self.make_app(app, files=files)
        a.start(*extra_args, env=env, wait_ready=wait_ready)
        return a

    def _stop_if_running(self, a):
        if a.proc is not None and not a._stopped:
            a.stop()

    def assertStatus(self, result, expected, msg=None):
        status, _, body = result
        if status != expected:
            self.fail(f"expected HTTP {expected}, got {status}: {body[:500]!r}"
                      + (f" ({msg})" if msg else ""))
