"""examples/hello (Python JSON-protocol custom handler) under the real squall binary."""
import json
import os
import unittest

from harness import SquallTestCase, http_function_json


class HelloTest(SquallTestCase):
    def setUp(self):
        self.app = self.start_app("examples/hello")

    def test_get_route_param(self):
        status, headers, body = self.app.request("GET", "/api/hello/squall")
        self.assertEqual(status, 200, body)
        self.assertEqual(body.decode(), "Hello, squall!")
        self.assertTrue(headers.get("Content-Type", "").startswith("text/plain"), headers)

    def test_default_and_query_param(self):
        self.assertEqual(self.app.request("GET", "/api/hello")[2].decode(), "Hello, world!")
        status, _, body = self.app.request("GET", "/api/hello?name=bob")
        self.assertEqual((status, body.decode()), (200, "Hello, bob!"))
        # The route parameter wins over the query.
        status, _, body = self.app.request("GET", "/api/hello/alice?name=bob")
        self.assertEqual((status, body.decode()), (200, "Hello, alice!"))

    def test_post_json_body(self):
        status, _, body = self.app.request("POST", "/api/hello", body={"name": "json"})
        self.assertEqual((status, body.decode()), (200, "Hello, json!"))

    def test_settings_reach_worker(self):
        health = self.app.get_json("/api/health")
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["greeting"], "Hello")  # local.settings.json Values.GREETING
        self.assertEqual(health["appRoot"], self.app.dir)  # FUNCTIONS_APP_ROOT_PATH
        self.assertTrue(health["workerId"])  # FUNCTIONS_CUSTOMHANDLER_WORKER_ID
        self.assertEqual(health["pid"], self.app.status()["worker"]["pid"])

    def test_not_found_and_wrong_method(self):
        status, _, _ = self.app.request("GET", "/api/nothing-here")
        self.assertEqual(status, 404)
        status, _, _ = self.app.request("GET", "/elsewhere/hello/x")  # outside the route prefix
        self.assertEqual(status, 404)
        status, headers, _ = self.app.request("PUT", "/api/hello/x", body="x")
        self.assertEqual(status, 405)
        allow = {m.strip().upper() for m in (headers.get("Allow") or "").split(",")}
        self.assertEqual(allow, {"GET", "POST"})

    def test_invocation_log_line(self):
        status, _, _ = self.app.request("GET", "/api/hello/logtest")
        self.assertEqual(status, 200)
        ends = self.app.wait_log(category="Function.hello", function="hello")
        self.assertEqual(len(ends), 1, ends)
        end = ends[0]
        self.assertEqual(str(end["status"]), "200")
        self.assertGreaterEqual(float(end["durationMs"]), 0.0)
        self.assertTrue(end["invocationId"])
        self.assertIn(end["level"], ("info", "information", "Information"))
        for key in ("time", "level", "category", "message"):
            self.assertIn(key, end)
        # The worker's Logs entry is logged under the function, with the same invocation id.
        worker_logs = self.app.find_logs(category="Function.hello", contains="greeted logtest")
        self.assertEqual(len(worker_logs), 1, self.app.diagnostics())
        self.assertEqual(worker_logs[0].get("invocationId"), end["invocationId"])

    def test_worker_output_logged(self):
        # handler.py prints "hello: listening on 127.0.0.1:PORT" to its stderr at start.
        lines = self.app.wait_log(category="Worker", contains="hello: listening on 127.0.0.1:")
        self.assertEqual(lines[0].get("stream"), "stderr")

    def test_log_lines_are_valid_json(self):
        self.app.request("GET", "/api/hello/json")
        self.app.wait_log(category="Function.hello", function="hello")
        lines = self.app.log_lines()
        self.assertTrue(lines)
        bad = []
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError as e:
                bad.append(f"{e}: {line}")
                continue
            if not isinstance(obj, dict) or not {"time", "level", "category", "message"} <= obj.keys():
                bad.append(f"missing keys: {line}")
        self.assertEqual(bad, [], "log lines that are not one JSON object each:\n" + "\n".join(bad[:5]))


class SettingsTest(SquallTestCase):
    def test_changed_setting_reaches_worker(self):
        app = self.make_app("examples/hello")
        with open(app.path("local.settings.json")) as f:
            settings = json.load(f)
        settings["Values"]["GREETING"] = "Ahoy"
        with open(app.path("local.settings.json"), "w") as f:
            json.dump(settings, f)
        app.start()
        status, _, body = app.request("GET", "/api/hello/squall")
        self.assertEqual((status, body.decode()), (200, "Ahoy, squall!"))


STDOUT_HANDLER = r'''
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import handler_lib as hl
print("stdout-marker: worker says hi on stdout", flush=True)
print("stderr-marker: worker says hi on stderr", file=sys.stderr, flush=True)
def chatty(inv):
    print(f"stdout-marker: invoked {inv.invocation_id}", flush=True)
    return hl.respond(200, "chatty")
hl.serve({"chatty": chatty})
'''


class WorkerOutputTest(SquallTestCase):
    def test_worker_stdout_and_stderr_in_log(self):
        app = self.start_app(None, files={
            "host.json": {"version": "2.0", "customHandler": {"description": {
                "defaultExecutablePath": "python3", "arguments": ["handler.py"]}}},
            "chatty/function.json": http_function_json("chatty"),
            "handler.py": STDOUT_HANDLER,
        })
        out = app.wait_log(category="Worker", contains="stdout-marker: worker says hi on stdout")
        self.assertEqual(out[0].get("stream"), "stdout")
        err = app.wait_log(category="Worker", contains="stderr-marker: worker says hi on stderr")
        self.assertEqual(err[0].get("stream"), "stderr")
        status, _, body = app.request("GET", "/api/chatty")
        self.assertEqual((status, body), (200, b"chatty"))
        app.wait_log(category="Worker", contains="stdout-marker: invoked ")


if __name__ == "__main__":
    unittest.main()
