"""Limits: HTTP throttling (maxConcurrentRequests / maxOutstandingRequests -> 429), the 100 MB
body limit (413) and --request-timeout for clients that stall."""
import socket
import threading
import time
import unittest

from harness import SquallTestCase, wait_until


def read_until_close(sock, deadline):
    """Reads until EOF (returns data) or deadline (returns None). A reset counts as closed."""
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return None
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


class ThrottleTest(SquallTestCase):
    def test_429_beyond_outstanding(self):
        # slow: maxConcurrentRequests 2, maxOutstandingRequests 4. Eight requests of 1.5 s sent
        # at once: 2 run, 2 wait, 4 are refused at once.
        app = self.start_app("tests/apps/slow")
        n = 8
        barrier = threading.Barrier(n)
        results = [None] * n

        def one(i):
            barrier.wait()
            t0 = time.monotonic()
            status, headers, body = app.request("GET", "/api/sleep?ms=1500")
            results[i] = (status, headers, body, time.monotonic() - t0)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        statuses = sorted(r[0] for r in results)
        self.assertEqual(statuses, [200] * 4 + [429] * 4, [(r[0], r[2]) for r in results])
        for status, headers, body, elapsed in results:
            if status == 429:
                self.assertEqual(headers.get("X-FUNCTION-SCALEOUT"), "1")
                self.assertLess(elapsed, 1.4, "a refused request must not wait")
        # At most 2 at a time: the second pair finishes about 3 s after the first started.
        ok_times = sorted(r[3] for r in results if r[0] == 200)
        self.assertGreaterEqual(ok_times[0], 1.4)
        self.assertGreaterEqual(ok_times[2], 2.8, ok_times)
        self.assertGreaterEqual(ok_times[3], 2.8, ok_times)
        # Capacity is back.
        self.assertEqual(app.request("GET", "/api/sleep?ms=1")[0], 200)
        # One end line per invocation that ran (the line may follow the response a little).
        wait_until(lambda: len(app.find_logs(category="Function.sleep", status=200)) >= 5, 5)
        self.assertEqual(len(app.find_logs(category="Function.sleep", function="sleep",
                                           status=200)), 5, app.diagnostics())


class BodyLimitTest(SquallTestCase):
    def test_413_without_reading_the_body(self):
        app = self.start_app("examples/hello")
        sock = app.connect()
        self.addCleanup(sock.close)
        sock.sendall(b"POST /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: 209715200\r\n\r\n" + b"{" + b" " * 4095)
        t0 = time.monotonic()
        data = read_until_close(sock, time.monotonic() + 10)
        self.assertIsNotNone(data, "no answer within 10 s: the server waits for the 200 MB body")
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:200])
        self.assertLess(time.monotonic() - t0, 10)
        # Nothing was invoked, and the server still serves.
        self.assertEqual(app.find_logs(category="Function.hello", function="hello"), [])
        self.assertEqual(app.request("GET", "/api/hello/after")[0], 200)

    def test_body_under_limit_is_fine(self):
        app = self.start_app("examples/hello")
        body = b'{"name": "big", "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        status, _, data = app.request("POST", "/api/hello", body=body,
                                      headers={"Content-Type": "application/json"})
        self.assertEqual((status, data), (200, b"Hello, big!"))


class RequestTimeoutTest(SquallTestCase):
    def setUp(self):
        self.app = self.start_app("tests/apps/slow", "--request-timeout", "1")

    def test_half_sent_headers_are_cut_off(self):
        sock = self.app.connect()
        self.addCleanup(sock.close)
        sock.sendall(b"GET /api/sleep?ms=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: yes\r\n")
        t0 = time.monotonic()
        # Meanwhile other clients are served.
        self.assertEqual(self.app.request("GET", "/api/sleep?ms=1")[0], 200)
        data = read_until_close(sock, t0 + 6)
        elapsed = time.monotonic() - t0
        self.assertIsNotNone(data, "the stalled connection was not closed within 6 s")
        self.assertFalse(data.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertGreaterEqual(elapsed, 0.8)
        self.assertLess(elapsed, 6)
        self.assertEqual(self.app.request("GET", "/api/sleep?ms=1")[0], 200)

    def test_half_sent_body_is_cut_off(self):
        sock = self.app.connect()
        self.addCleanup(sock.close)
        sock.sendall(b"GET /api/sleep?ms=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Length: 100\r\n\r\n0123456789")
        t0 = time.monotonic()
        data = read_until_close(sock, t0 + 6)
        self.assertIsNotNone(data, "the stalled connection was not closed within 6 s")
        self.assertFalse(data.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertLess(time.monotonic() - t0, 6)
        self.assertEqual(self.app.find_logs(category="Function.sleep"), [])
        self.assertEqual(self.app.request("GET", "/api/sleep?ms=1")[0], 200)

    def test_trickled_headers_are_cut_off(self):
        # A byte every 0.2 s keeps the connection busy, but the whole header must arrive within
        # the timeout (slowloris).
        sock = self.app.connect()
        self.addCleanup(sock.close)
        request = b"GET /api/sleep?ms=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 100
        t0 = time.monotonic()
        closed_at = None
        for i in range(len(request)):
            try:
                sock.sendall(request[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.monotonic()
                break
            sock.settimeout(0.2)
            try:
                if sock.recv(4096) == b"":
                    closed_at = time.monotonic()
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed_at = time.monotonic()
                break
            if time.monotonic() - t0 > 8:
                break
        self.assertIsNotNone(closed_at, "a client trickling its headers was never cut off")
        self.assertLess(closed_at - t0, 5)
        self.assertEqual(self.app.request("GET", "/api/sleep?ms=1")[0], 200)

    def test_idle_keepalive_connection_closed(self):
        sock = self.app.connect()
        self.addCleanup(sock.close)
        sock.sendall(b"GET /api/sleep?ms=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        t0 = time.monotonic()
        data = read_until_close(sock, t0 + 8)
        self.assertIsNotNone(data, "an idle keep-alive connection was not closed within 8 s")
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])


if __name__ == "__main__":
    unittest.main()
