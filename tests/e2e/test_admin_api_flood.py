"""The admin API under a flood of refused requests, over real sockets (a reviewer's finding:
3,000 tokenless ``GET /api/admin/who`` pipelined on one keep-alive connection made 3,000
``api_refused`` audit lines and 3,000 reads of the token table in the store's threads,
which character saves also use). Now such a flood, without a token or with a wrong one of
a token's form, leaves one audit line per address (and one summary with the count when the
server stops), reads the store at most a couple of times, and is answered 429 once the
address has been refused ten times; a token made with the real console script still works
from another address (127.0.0.2: all of 127/8 is loopback on Linux). A real twistd stopped
with SIGTERM after a flood writes the pending summary to its audit file."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import threading
from pathlib import Path
from typing import Any

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.logger import globalLogPublisher

from mud import api_refusals
from tests.e2e.processes import telnet_server
from tests.e2e.server import ServerTestCase
from tests.e2e.test_admin_api import make_token

FLOOD = 3000
STATUS = re.compile(rb"HTTP/1\.1 (\d{3}) ")


def flood(port: int, count: int, authorization: str | None = None,
          source: str = "127.0.0.1") -> list[int]:
    """``count`` requests pipelined on one connection from ``source``; the statuses of the
    answers, in order (blocking: run it in a thread)."""
    head = "GET /api/admin/who HTTP/1.1\r\nHost: localhost\r\n"
    if authorization is not None:
        head += f"Authorization: {authorization}\r\n"
    data = (head + "\r\n").encode() * count
    sock = socket.create_connection(("127.0.0.1", port), timeout=30,
                                    source_address=(source, 0))
    # Sent from a thread of its own: the answers must be read while the requests go out.
    sender = threading.Thread(target=sock.sendall, args=(data,), daemon=True)
    sender.start()
    received = b""
    try:
        while len(STATUS.findall(received)) < count:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    finally:
        sender.join(30)
        sock.close()
    return [int(code) for code in STATUS.findall(received)]


def refusal_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [line for line in lines if line["event"] == "api_refused"]


class AdminApiFloodTests(ServerTestCase):
    timeout = 120

    def assert_held_back(self, statuses: list[int]) -> None:
        """The first refusals are 401s; then 429s, but for one more 401 each time the wait
        (1 s, then 2, 4 ...) ends while the flood goes on (a slow machine's flood lasts)."""
        free = api_refusals.FREE_FAILURES
        self.assertEqual(len(statuses), FLOOD)
        self.assertEqual(statuses[:free], [401] * free)
        self.assertEqual(set(statuses), {401, 429})
        self.assertLessEqual(statuses.count(401), free + 4)

    @inlineCallbacks
    def test_a_pipelined_flood_leaves_two_audit_lines_and_almost_no_store_reads(self):
        audit_file = Path(os.path.abspath(self.mktemp()))
        audit_file.parent.mkdir(parents=True, exist_ok=True)
        service = self.start(audit_file=str(audit_file))
        token = yield threads.deferToThread(make_token, os.path.abspath(self.data), "ops")
        store = service.game.store
        reads: list[int] = []
        real_read = store.api_tokens

        def counted() -> Any:
            reads.append(1)
            return real_read()
        store.api_tokens = counted

        # The site's access log: one line per request it logs.
        access: list[str] = []

        def observe(event: dict[str, Any]) -> None:
            # The site writes to twisted's log file object: an event with ``log_io``.
            text = str(event.get("log_io", ""))
            if "/api/admin/" in text:
                access.append(text)
        globalLogPublisher.addObserver(observe)
        self.addCleanup(globalLogPublisher.removeObserver, observe)

        # No token at all: the first ten are 401s, then 429s; nothing reads the store.
        statuses = first = yield threads.deferToThread(flood, self.web_port, FLOOD)
        self.assertEqual(len(statuses), FLOOD)
        self.assertEqual(len(refusal_lines(audit_file)), 1)
        self.assertEqual(reads, [])
        self.assert_held_back(statuses)
        # Nor is each refusal an access-log line (the flood would grow the log unbounded).
        self.assertEqual(access, [])

        # Wrong tokens of a token's form, from another address: the store is read once
        # (twice if the flood outlasts the cached copy), one audit line more.
        wrong = "Bearer mud_admin_" + "x" * 43
        statuses = yield threads.deferToThread(flood, self.web_port, FLOOD, wrong,
                                               "127.0.0.3")
        self.assertLessEqual(len(reads), 2)
        self.assert_held_back(statuses)
        lines = refusal_lines(audit_file)
        self.assertEqual([(line["address"], line["why"]) for line in lines],
                         [("127.0.0.1", "no token"), ("127.0.0.3", "wrong token")])

        # The token works from an address that was not refused. (That it gets 429 from a
        # flooding one while it waits: tests/test_admin_api_throttle.py, on a task.Clock.)
        status, _, body = yield threads.deferToThread(
            request_from, self.web_port, "127.0.0.2", token)
        self.assertEqual(status, 200)
        self.assertIn("users", body)
        # A request served is an access-log line as ever.
        yield threads.deferToThread(lambda: None)
        self.assertEqual(len(access), 1, access)
        self.assertIn('"GET /api/admin/who HTTP/1.1" 200', access[0])

        # The stop writes each address's summary: the refusals after its first line.
        yield service.stopService()
        summaries = refusal_lines(audit_file)[2:]
        self.assertEqual([(s["address"], s["count"]) for s in summaries],
                         [("127.0.0.1", str(FLOOD - 1)), ("127.0.0.3", str(FLOOD - 1))])
        self.assertEqual(summaries[0]["why"], f"{first.count(429)} throttled, "
                         f"{first.count(401) - 1} no token")
        self.assertLessEqual(len(reads), 2)


def request_from(port: int, source: str, token: str) -> tuple[int, dict[str, str], Any]:
    """One GET /api/admin/who with ``token`` on a fresh connection from ``source``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                      source_address=(source, 0))
    try:
        conn.request("GET", "/api/admin/who", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        fields = {k.lower(): v for k, v in response.getheaders()}
        return response.status, fields, json.loads(response.read())
    finally:
        conn.close()


def test_a_real_twistd_writes_the_pending_summary_to_the_audit_file_at_its_stop(
        tmp_path, servers):
    """A flood on a real twistd, then SIGTERM: the summary reaches the audit file before it
    closes (the refusals' service stops before the audit file's)."""
    audit_file = tmp_path / "audit.jsonl"
    server = telnet_server(tmp_path, servers, "--web", "tcp:0:interface=127.0.0.1",
                           "--audit-file", str(audit_file))
    statuses = flood(server.port("web"), 500)
    assert len(statuses) == 500 and 429 in statuses
    assert len(refusal_lines(audit_file)) == 1
    server.proc.send_signal(signal.SIGTERM)
    assert server.finish() == 0
    lines = refusal_lines(audit_file)
    assert [(line["address"], line.get("count")) for line in lines] == [
        ("127.0.0.1", None), ("127.0.0.1", "499")]
