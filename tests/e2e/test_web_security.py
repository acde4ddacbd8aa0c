"""The web listener against hostile pages and clients, over real loopback sockets: Origin
checks on both WebSockets, security headers on every response, odd paths, slow request
heads, large bodies, and a presence reader that stops reading."""

from __future__ import annotations

import socket
import time

from twisted.internet import reactor, threads
from twisted.internet.defer import inlineCallbacks
from twisted.web.client import Agent, readBody

from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web


def raw_http(port: int, chunks: list[bytes], pause: float = 0.0,
             timeout: float = 10.0) -> tuple[bytes, float]:
    """Send ``chunks`` (``pause`` seconds apart) on a plain socket; return everything the
    server sent until it closed, and how long after the first chunk it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        started = time.monotonic()
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server hung up meanwhile
            time.sleep(pause)
        data = b""
        while True:
            try:
                piece = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not piece:
                break
            data += piece
        return data, time.monotonic() - started


class OriginTests(ServerTestCase):
    @inlineCallbacks
    def test_pages_from_other_sites_cannot_open_either_websocket(self):
        self.start()
        own = f"http://127.0.0.1:{self.web_port}"
        for path in ("/ws", "/presence"):
            for origin in ("http://evil.example", "null", f"https://127.0.0.1:{self.web_port}",
                           f"http://127.0.0.1:{self.web_port + 1}"):
                with self.assertRaises(AssertionError) as refused:
                    yield connect_web(self.web_port, path, origin=origin)
                # "null" (sandboxed pages, file: URLs) Autobahn already refuses itself.
                expected = "handshake failed" if origin == "null" else "403"
                self.assertIn(expected, str(refused.exception), (path, origin))
            # The page's own origin, and programs that send none, get in.
            for origin in (own, None):
                web = yield connect_web(self.web_port, path, origin=origin)
                web.sendClose()
                yield web.closed

    @inlineCallbacks
    def test_an_admin_can_allow_another_origin(self):
        self.start(allowed_origins=["https://mud.example.org"])
        web = yield connect_web(self.web_port, origin="https://mud.example.org")
        yield web.wait("hello")
        web.sendClose()
        with self.assertRaises(AssertionError):
            yield connect_web(self.web_port, origin="https://evil.example.org")


class HeaderTests(ServerTestCase):
    @inlineCallbacks
    def request(self, method: bytes, path: str):
        response = yield Agent(reactor).request(
            method, f"http://127.0.0.1:{self.web_port}{path}".encode())
        body = yield readBody(response)
        return response, body

    @inlineCallbacks
    def test_every_response_carries_the_security_headers(self):
        self.start()
        for method, path, code in ((b"GET", "/", 200), (b"HEAD", "/", 200),
                                   (b"GET", "/nope", 404), (b"GET", "/api/who", 200),
                                   (b"HEAD", "/api/who", 200), (b"GET", "/client.js", 200),
                                   (b"POST", "/api/who", 405)):
            response, _ = yield self.request(method, path)
            self.assertEqual(response.code, code, (method, path))
            headers = response.headers
            csp = headers.getRawHeaders(b"content-security-policy", [b""])[0]
            self.assertIn(b"frame-ancestors 'none'", csp, (method, path))
            self.assertIn(b"default-src 'self'", csp)
            self.assertEqual(headers.getRawHeaders(b"x-frame-options"), [b"DENY"])
            self.assertEqual(headers.getRawHeaders(b"x-content-type-options"), [b"nosniff"])

    @inlineCallbacks
    def test_allowed_origins_may_frame_the_client(self):
        self.start(allowed_origins=["https://mud.example.org", "http://portal.example:8080"])
        response, _ = yield self.request(b"GET", "/")
        csp = response.headers.getRawHeaders(b"content-security-policy")[0]
        self.assertIn(b"frame-ancestors http://portal.example:8080 https://mud.example.org",
                      csp)
        self.assertIsNone(response.headers.getRawHeaders(b"x-frame-options"))

    @inlineCallbacks
    def test_a_nul_in_the_path_is_not_found_without_a_traceback(self):
        # trial fails a test that logs an unhandled error, so a traceback would fail here.
        self.start()
        for path in ("/index.html%00.js", "/%00", "/api/%00who"):
            response, body = yield self.request(b"GET", path)
            self.assertEqual(response.code, 404, path)
            self.assertNotIn(b"Traceback", body)


class RequestBoundsTests(ServerTestCase):
    def site(self, service):
        return next(listener.factory for listener in service.listeners
                    if listener.what == "web")

    @inlineCallbacks
    def test_a_request_head_trickled_slowly_is_cut_off(self):
        service = self.start()
        self.site(service).head_timeout = 1.0
        trickle = [b"GET / HTTP/1.1\r\n"] + [b"X-Slow: %d\r\n" % i for i in range(12)]
        data, took = yield threads.deferToThread(raw_http, self.web_port, trickle, 0.3)
        self.assertTrue(data.startswith(b"HTTP/1.1 408"), data[:80])
        self.assertLess(took, 3.5)  # cut at about 1 s, long before the trickle would end
        # A client that sends its head promptly, then idles between requests, is served.
        data, _ = yield threads.deferToThread(
            raw_http, self.web_port,
            [b"GET /api/who HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET /api/who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"], 1.5)
        self.assertEqual(data.count(b"HTTP/1.1 200"), 2, data)

    @inlineCallbacks
    def test_large_bodies_are_refused(self):
        self.start()
        data, _ = yield threads.deferToThread(
            raw_http, self.web_port,
            [b"POST /api/who HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n",
             b"x" * 65536])
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:80])
        data, _ = yield threads.deferToThread(
            raw_http, self.web_port,
            [b"POST /api/who HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"]
            + [b"4000\r\n" + b"y" * 0x4000 + b"\r\n"] * 4)
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:80])
        # An oversized head is refused by twisted.web's own cap (a 400, or a bare close
        # when one line alone is over it), and never served.
        for head in (b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"z" * 20000 + b"\r\n\r\n",
                     b"GET / HTTP/1.1\r\n" + b"X-Many: zzzzzzzz\r\n" * 1200 + b"\r\n"):
            data, took = yield threads.deferToThread(raw_http, self.web_port, [head])
            self.assertNotIn(b"200 OK", data)
            self.assertTrue(data == b"" or data.startswith(b"HTTP/1.1 400"), data[:80])
            self.assertLess(took, 5)


class PresenceCapTests(ServerTestCase):
    @inlineCallbacks
    def test_a_presence_reader_that_stops_reading_is_dropped_at_the_cap(self):
        service = self.start(output_buffer=64 * 1024)
        site = next(listener.factory for listener in service.listeners
                    if listener.what == "web")
        slow = yield connect_web(self.web_port, "/presence")
        slow.transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        yield slow.wait("snapshot")
        fine = yield connect_web(self.web_port, "/presence")
        yield fine.wait("snapshot")
        (listener,) = [p for p in site.presence.listeners if p.peer == slow_peer(slow)]
        slow.transport.pauseProducing()
        name = "N" * 1000
        sent = 0
        while listener.output is not None and not listener.output.closed and sent < 20000:
            # Bursts well under the cap, so a listener that reads keeps up.
            for _ in range(20):
                site.presence.changed("join", name, "web")
            sent += 20
            self.assertLessEqual(listener.output.queued, 64 * 1024 + 2 * 1100)
            yield eventually(lambda sent=sent: len(fine.frames) >= sent + 1)
        self.assertTrue(listener.output.closed, f"not dropped after {sent} changes")
        yield eventually(lambda: listener not in site.presence.listeners)
        # The other listener heard every change.
        self.assertEqual(len(fine.frames), sent + 1)
        slow.transport.resumeProducing()
        yield slow.closed
        fine.sendClose()
        yield fine.closed


def slow_peer(web) -> str:
    host = web.transport.getHost()
    return f"tcp4:{host.host}:{host.port}"
