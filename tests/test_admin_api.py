"""The admin HTTP API and its tokens without sockets: requests written into the real Site
(make_site) over a StringTransport, the game on a MemoryStore and a task.Clock. Tokens:
made, listed, revoked, stored only as a hash, compared in constant time; a schema-6
database gains the table. (Real sockets and the real console script:
tests/e2e/test_admin_api.py.)"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from typing import Any

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from mud import api_tokens, bans
from mud.api_tokens import ApiTokens
from mud.persistence.store import SCHEMA_VERSION, Store
from mud.protocols import admin_api
from mud.protocols.web import make_site
from tests.support import MemoryStore, joined_player, make_game, old_database

PEER = "192.0.2.7"


def token_for(game: Any, label: str = "ops") -> str:
    outcome: list[Any] = []
    api_tokens.create(game.store, label, 100.0).addBoth(outcome.append)
    assert isinstance(outcome[0], str), outcome
    return outcome[0]


class Api:
    """The web Site of ``game``, asked one HTTP request per call on a fresh connection."""

    def __init__(self, game: Any, clock: Clock) -> None:
        self.site = make_site(game)
        self.site.reactor = clock

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             raw: bytes | None = None, headers: dict[str, str] | None = None
             ) -> tuple[int, dict[str, str], Any]:
        protocol = self.site.buildProtocol(IPv4Address("TCP", PEER, 5555))
        transport = StringTransport(peerAddress=IPv4Address("TCP", PEER, 5555))
        protocol.makeConnection(transport)
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        head = {"Host": "localhost", "Content-Length": str(len(data)), **(headers or {})}
        if data and "Content-Type" not in head:
            head["Content-Type"] = "application/json"
        if token is not None:
            head["Authorization"] = f"Bearer {token}"
        request = f"{method} {path} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n"
        protocol.dataReceived(request.encode() + data)
        response = transport.value()
        protocol.connectionLost(None)
        head_bytes, _, content = response.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        if fields.get("transfer-encoding") == "chunked":
            content = _unchunk(content)
        payload = json.loads(content) if content.strip().startswith(b"{") else content
        return status, fields, payload


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size, _, rest = data.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            break
        out += rest[:n]
        data = rest[n + 2:]
    return out


@pytest.fixture
def world():
    clock = Clock()
    clock.advance(1000)
    game = make_game(clock=clock)
    return game, Api(game, clock), clock


# -- refusing who holds no token ------------------------------------------------------------

def test_no_token_a_wrong_one_and_a_players_secrets_are_all_refused_alike(world, audit_lines):
    game, api, _ = world
    token_for(game)
    bob = joined_player(game, "Bob")
    resume = game.tokens.issue("bob", 0, 1000.0)  # a web player's resume token (a JWT)
    for token in (None, "wrong", "mud_admin_" + "A" * 43, resume, "secret1", ""):
        status, headers, body = api.call("POST", "/api/admin/announce", {"text": "hi"},
                                         token=token)
        assert status == 401, token
        assert headers["www-authenticate"].startswith('Bearer realm="emberfall-admin"')
        assert body["error"] == "unauthorized" and "token" in body["message"]
    # A wrong token says so to the client (RFC 6750); no token at all does not.
    _, headers, _ = api.call("GET", "/api/admin/who", token="wrong")
    assert 'error="invalid_token"' in headers["www-authenticate"]
    _, headers, _ = api.call("GET", "/api/admin/who")
    assert "error=" not in headers["www-authenticate"]
    assert "Announcement" not in bob.read()
    # The first refusal is a line; the other seven are summed up (at the minute's end, or
    # here a flush) in one more (tests/test_admin_api_throttle.py has the details).
    refused = [line for line in audit_lines if line["event"] == "api_refused"]
    assert len(refused) == 1 and refused[0]["why"] == "no token"
    assert refused[0]["address"] == PEER and refused[0]["transport"] == "http"
    api.site.admin_api.guard.flush()
    summary = [line for line in audit_lines if line["event"] == "api_refused"][-1]
    assert summary["count"] == "7" and summary["why"] == "5 wrong token, 2 no token"


def test_an_unknown_path_or_other_schemes_are_refused_before_saying_anything(world):
    game, api, _ = world
    token_for(game)
    status, _, body = api.call("GET", "/api/admin/nothing-here")
    assert status == 401 and "nothing-here" not in json.dumps(body)
    status, _, _ = api.call("GET", "/api/admin/who", headers={"Authorization": "Basic b3BzOng="})
    assert status == 401


def test_a_revoked_token_is_refused_and_one_made_later_is_taken(world):
    game, api, _ = world
    first = token_for(game, "first")
    assert api.call("GET", "/api/admin/who", token=first)[0] == 200
    api_tokens.revoke(game.store, "first")
    assert api.call("GET", "/api/admin/who", token=first)[0] == 401
    later = token_for(game, "later")
    assert api.call("GET", "/api/admin/who", token=later)[0] == 200


# -- the actions ------------------------------------------------------------------------------

def test_announce_reaches_players_and_is_audited_with_the_label_and_address(world,
                                                                            audit_lines):
    game, api, clock = world
    token = token_for(game, "deploy-bot")
    bob = joined_player(game, "Bob")
    status, headers, body = api.call("POST", "/api/admin/announce",
                                     {"text": "  Restart   at noon. \x1b[31m"}, token=token)
    assert status == 200 and body == {"ok": True, "text": "Restart at noon.", "players": 1}
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert "[Announcement from deploy-bot] Restart at noon." in bob.read()
    said = [line for line in audit_lines if line["event"] == "announce"][-1]
    assert (said["name"], said["address"], said["transport"]) == ("deploy-bot", PEER, "http")
    call = [line for line in audit_lines if line["event"] == "api"][-1]
    assert (call["name"], call["address"], call["transport"], call["path"], call["status"]) \
        == ("deploy-bot", PEER, "http", "announce", "200")
    # The token's last use is noted.
    assert game.store.api_token_rows["deploy-bot"][3] == clock.seconds()


def test_who_lists_connections_with_addresses_and_link_dead_bodies(world):
    game, api, clock = world
    token = token_for(game)
    bob = joined_player(game, "Bob", peer="198.51.100.4")
    joined_player(game, "Cleo", peer="198.51.100.5").drop()
    clock.advance(30)
    status, _, body = api.call("GET", "/api/admin/who", token=token)
    assert status == 200
    rows = {row["name"]: row for row in body["users"]}
    assert rows["Bob"] == {"name": "Bob", "transport": "telnet", "client": None,
                           "address": "198.51.100.4", "seconds": 30, "linkdead": False}
    assert rows["Cleo"]["linkdead"] is True and rows["Cleo"]["address"] is None
    assert not bob.closed


def test_kick_disconnects_with_the_reason_and_an_absent_name_is_404(world, audit_lines):
    game, api, _ = world
    token = token_for(game)
    bob = joined_player(game, "Bob")
    status, _, body = api.call("POST", "/api/admin/kick",
                               {"name": "bob", "reason": "spamming"}, token=token)
    assert status == 200 and body == {"ok": True, "messages": ["Bob is kicked (spamming)."]}
    assert "You have been disconnected by ops: spamming" in bob.read()
    assert bob.closed and "bob" not in game.world.online
    kick = [line for line in audit_lines if line["event"] == "kick"][-1]
    assert kick["by"] == "ops" and kick["name"] == "Bob"
    status, _, body = api.call("POST", "/api/admin/kick", {"name": "Bob"}, token=token)
    assert status == 404 and body["error"] == "not_found"


def test_ban_uses_the_games_parsing_and_refusals_and_holds_at_login(world, audit_lines):
    game, api, _ = world
    token = token_for(game)
    bob = joined_player(game, "Bob")
    status, _, body = api.call("POST", "/api/admin/ban",
                               {"target": "Bob", "duration": "7d", "reason": "spam"},
                               token=token)
    assert status == 200 and body["messages"][0].startswith("Bob is banned until ")
    assert bob.closed and bans.bans_of(game).for_name("bob") is not None
    assert game.store.bans[("name", "bob")][4] == "ops"
    # The in-game refusals, word for word.
    for fields, message in (
            ({"target": "Bob", "duration": "soon", "reason": "x"}, "'soon' is not a duration"),
            ({"target": "Bob", "duration": "7d", "reason": "   "}, "Say why"),
            ({"target": "10.0.0.999", "duration": "7d", "reason": "x"}, "is not an address"),
            ({"target": PEER, "duration": "1h", "reason": "x"}, "your own connection")):
        status, _, body = api.call("POST", "/api/admin/ban", fields, token=token)
        assert status == 409 and body["error"] == "refused", body
        assert message in body["message"]
    ban = [line for line in audit_lines if line["event"] == "ban"][-1]
    assert (ban["by"], ban["transport"], ban["address"]) == ("ops", "http", PEER)
    # And lifted again.
    status, _, body = api.call("POST", "/api/admin/unban", {"target": "bob"}, token=token)
    assert status == 200 and body["messages"] == ["Bob is no longer banned."]
    assert bans.bans_of(game).for_name("bob") is None


def test_shutdown_counts_down_to_players_refuses_a_second_and_is_cancelled(world):
    game, api, clock = world
    token = token_for(game)
    bob = joined_player(game, "Bob")
    status, _, body = api.call("POST", "/api/admin/shutdown",
                               {"seconds": 120, "reason": "new areas"}, token=token)
    assert status == 200 and body == {"ok": True, "seconds": 120, "reboot": False,
                                      "reason": "new areas"}
    assert "[The server shuts down in 2m00s (new areas).]" in bob.read()
    clock.advance(60)
    assert "shuts down in 1m00s" in bob.read()
    status, _, body = api.call("POST", "/api/admin/shutdown", {"reboot": True}, token=token)
    assert status == 409 and "already pending" in body["message"]
    status, _, body = api.call("POST", "/api/admin/shutdown/cancel", token=token)
    assert status == 200 and body == {"ok": True, "cancelled": "shutdown"}
    assert "[ops cancelled the shutdown.]" in bob.read()
    assert game.countdown is None
    status, _, body = api.call("POST", "/api/admin/shutdown/cancel", token=token)
    assert status == 409 and body["message"] == "No shutdown or reboot is pending."
    status, _, body = api.call("POST", "/api/admin/shutdown", {"seconds": 90000},
                               token=token)
    assert status == 409 and "from 0 to 86400" in body["message"]


# -- bad requests: clear JSON errors, never a traceback --------------------------------------

@pytest.mark.parametrize("method,path,kwargs,status,code", [
    ("GET", "/api/admin/announce", {}, 405, "method_not_allowed"),
    ("POST", "/api/admin/who", {}, 405, "method_not_allowed"),
    ("DELETE", "/api/admin/kick", {}, 405, "method_not_allowed"),
    ("GET", "/api/admin/nothing", {}, 404, "not_found"),
    ("GET", "/api/admin", {}, 404, "not_found"),
    ("POST", "/api/admin/announce", {"raw": b"{not json"}, 400, "bad_json"),
    ("POST", "/api/admin/announce", {"raw": b"\xff\xfe{}"}, 400, "bad_json"),
    ("POST", "/api/admin/announce", {"raw": b"[1, 2]"}, 400, "bad_json"),
    ("POST", "/api/admin/announce", {"raw": b"[" * 50 + b"]" * 50}, 400, "bad_json"),
    ("POST", "/api/admin/announce", {"body": {}}, 400, "bad_field"),
    ("POST", "/api/admin/announce", {"body": {"text": 5}}, 400, "bad_field"),
    ("POST", "/api/admin/announce", {"body": {"text": "hi", "colour": "red"}}, 400,
     "bad_field"),
    ("POST", "/api/admin/shutdown", {"body": {"seconds": True}}, 400, "bad_field"),
    ("POST", "/api/admin/shutdown", {"body": {"seconds": "soon"}}, 400, "bad_field"),
    ("POST", "/api/admin/kick", {"body": {"name": ["Bob"]}}, 400, "bad_field"),
    ("POST", "/api/admin/announce", {"body": {"text": "x" * 501}}, 409, "refused"),
    ("POST", "/api/admin/announce",
     {"raw": b'{"text": "hi"}', "headers": {"Content-Type": "text/plain"}}, 415,
     "unsupported_media_type"),
    ("POST", "/api/admin/announce", {"raw": b'{"text": "' + b"x" * 9000 + b'"}'}, 413,
     "too_large"),
])
def test_bad_requests_get_a_clear_json_error(world, method, path, kwargs, status, code):
    game, api, _ = world
    token = token_for(game)
    got, headers, body = api.call(method, path, token=token, **kwargs)
    assert (got, body["error"]) == (status, code), body
    assert body["message"] and "Traceback" not in body["message"]
    if status == 405:
        assert headers["allow"] in ("GET", "POST")


def test_a_body_past_the_listeners_cap_is_refused_before_it_is_read(world):
    game, api, _ = world
    token = token_for(game)
    status, _, body = api.call("POST", "/api/admin/announce", token=token,
                               raw=b'{"text": "' + b"x" * 20000 + b'"}')
    assert status == 413 and b"limited to 16384 bytes" in body


def test_a_failing_store_is_a_503_not_a_traceback(world):
    _, api, _ = world

    class Broken(MemoryStore):
        def api_tokens(self):
            from twisted.internet.defer import fail

            from mud.persistence.store import StoreUnavailable
            return fail(StoreUnavailable("disk on fire"))
    api.site.resource.children[b"api"].children[b"admin"].tokens.store = Broken()
    # (A value of a token's form: any other is refused without asking the store.)
    status, _, body = api.call("GET", "/api/admin/who", token="mud_admin_" + "x" * 43)
    assert status == 503 and body["error"] == "unavailable"


def test_an_unexpected_error_is_a_500_with_no_traceback(world, monkeypatch):
    game, api, _ = world
    token = token_for(game)

    def broken(*args):
        raise RuntimeError("bug")
    monkeypatch.setitem(admin_api.ROUTES, "who", (b"GET", broken))
    status, _, body = api.call("GET", "/api/admin/who", token=token)
    assert status == 500 and body["error"] == "internal" and "bug" not in body["message"]


# -- tokens ------------------------------------------------------------------------------------

def test_tokens_are_random_stored_only_as_a_hash_and_labels_checked():
    store = MemoryStore()
    first = token_for_store(store, "ci")
    second = token_for_store(store, "deploy.bot_2")
    assert first != second and first.startswith(api_tokens.PREFIX)
    assert len(first) >= len(api_tokens.PREFIX) + 43
    stored = store.api_token_rows["ci"]
    assert first not in repr(store.api_token_rows)
    assert stored[1] == api_tokens.digest(first) and len(stored[1]) == 64
    for label, problem in (("ci", "already a token called 'ci'"),
                           ("-dash", "cannot name a token"), ("a b", "cannot name a token"),
                           ("x" * 41, "cannot name a token"), ("", "cannot name a token")):
        failed: list[Any] = []
        api_tokens.create(store, label, 1.0).addErrback(failed.append)
        assert problem in str(failed[0].value)
    listed: list[Any] = []
    api_tokens.listing(store).addCallback(listed.append)
    assert [t.label for t in listed[0]] == ["ci", "deploy.bot_2"]
    failed = []
    api_tokens.revoke(store, "nobody").addErrback(failed.append)
    assert "There is no token called 'nobody'" in str(failed[0].value)


def token_for_store(store: Any, label: str) -> str:
    outcome: list[Any] = []
    api_tokens.create(store, label, 1.0).addBoth(outcome.append)
    return outcome[0]


def test_matching_compares_every_hash_in_constant_time(monkeypatch):
    compared: list[tuple[bytes, bytes]] = []
    real = api_tokens.hmac.compare_digest
    monkeypatch.setattr(api_tokens.hmac, "compare_digest",
                        lambda a, b: compared.append((a, b)) or real(a, b))
    rows = [("a", api_tokens.digest("one")), ("b", api_tokens.digest("two")),
            ("c", api_tokens.digest("three"))]
    assert api_tokens.match("one", rows) == "a"
    assert len(compared) == 3  # it went on past the match
    assert api_tokens.match("four", rows) is None
    assert len(compared) == 6


@pytest.mark.parametrize("header,token", [
    (b"Bearer abc", "abc"), (b"bearer  abc ", "abc"), (None, None), (b"", None),
    (b"Basic abc", None), (b"Bearer", None), (b"Bearer a b", None),
    (b"Bearer " + b"x" * 300, None)])
def test_the_bearer_header_is_read_strictly(header, token):
    assert api_tokens.bearer(header) == token


def tool(*args: str, cwd: Any = None) -> subprocess.CompletedProcess[str]:
    """``python -m mud.admin_token_tool ARGS`` (what the mud-admin-token script runs): a
    process of its own, as the tool runs a reactor of its own."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MUD_")}
    return subprocess.run([sys.executable, "-m", "mud.admin_token_tool", *args],
                          capture_output=True, text=True, timeout=60, env=environ, cwd=cwd)


def test_the_shell_tool_creates_lists_and_revokes_on_a_store(tmp_path):
    data = tmp_path / "var"
    Store(str(data)).prepare()
    done = tool("--data", str(data), "list")
    assert done.returncode == 0 and "No admin API tokens" in done.stdout
    done = tool("create", "ci", "--data", str(data))
    assert done.returncode == 0, done.stderr
    token = done.stdout.splitlines()[0]
    assert token.startswith(api_tokens.PREFIX) and "not stored" in done.stdout
    with sqlite3.connect(data / "mud.sqlite3") as db:
        rows = db.execute("SELECT label, hash, last_used FROM api_tokens").fetchall()
    assert rows == [("ci", api_tokens.digest(token), None)]
    assert token.encode() not in b"".join(p.read_bytes() for p in data.iterdir())
    done = tool("create", "ci", "--data", str(data))
    assert done.returncode == 1 and "already a token called 'ci'" in done.stderr
    done = tool("create", "no good", "--data", str(data))
    assert done.returncode == 1 and "cannot name a token" in done.stderr
    done = tool("--data", str(data), "list")
    assert done.stdout.startswith("ci  created ") and "last used never" in done.stdout
    assert token not in done.stdout
    assert tool("--data", str(data), "revoke", "ci").returncode == 0
    done = tool("--data", str(data), "revoke", "ci")
    assert done.returncode == 1 and "no token called 'ci'" in done.stderr
    done = tool("--data", str(tmp_path / "none"), "list")
    assert done.returncode == 1 and "holds no mud.sqlite3" in done.stderr
    # The data directory is found in the config file, as the server finds it.
    config = tmp_path / "mud.yaml"
    config.write_text(f"data: {data}\n")
    done = tool("create", "from-config", "--config", str(config))
    assert done.returncode == 0 and "from-config" in tool("--data", str(data), "list").stdout


class SchemaSixTests(unittest.TestCase):
    @inlineCallbacks
    def test_a_schema_6_database_gains_the_token_table_and_keeps_its_rows(self):
        path = os.path.abspath(self.mktemp())
        old_database(path, 6)
        store = Store(path)
        store.prepare()
        self.addCleanup(store.close)
        self.assertEqual(store.ban_rows, [("name", "bram", None, "spam", "Ann", 5.0)])
        token = yield api_tokens.create(store, "ci", 5.0)
        self.assertEqual((yield ApiTokens(store, lambda: 9.0).check(token)), "ci")
        self.assertEqual((yield ApiTokens(store, lambda: 9.0).check("nope")), None)
        rows = yield store.api_tokens()
        self.assertEqual(rows, [("ci", api_tokens.digest(token), 5.0, 9.0)])
        with sqlite3.connect(store.path) as db:
            self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], 7)
            self.assertEqual(SCHEMA_VERSION, 7)
            self.assertEqual(db.execute("SELECT key, role, token_generation FROM accounts")
                             .fetchall(), [("ann", "admin", 2)])
        self.assertTrue((yield store.remove_api_token("ci")))
        self.assertFalse((yield store.remove_api_token("ci")))
