"""The audit log (mud/audit.py) without sockets: which happenings make a line, their
fields, no secrets, and the JSON lines file. (Real sockets: tests/e2e/test_admin_commands.py.)"""

from __future__ import annotations

import json

import pytest
from twisted.logger import LogPublisher, globalLogPublisher

from mud.audit import FIELDS_KEY, AuditFile, audit, audit_fields
from mud.errors import StartupError
from tests.support import WirePlayer, make_game


def events(seen):
    return [(line["event"], line["name"]) for line in seen]


def test_fields_name_the_event_name_address_and_transport_and_drop_secret_details():
    fields = audit_fields("login", "Ann", "10.0.0.1", "telnet", method="password",
                          password="hunter22", resume_token="abc", old_secret="x")
    assert fields == {"event": "login", "name": "Ann", "address": "10.0.0.1",
                      "transport": "telnet", "method": "password"}


def test_a_field_is_one_short_printable_line():
    fields = audit_fields("login_failed", "Ann\x1b[31m\nfake=line " + "x" * 500)
    assert "\n" not in fields["name"] and "\x1b" not in fields["name"]
    assert len(fields["name"]) <= 125


def test_login_register_failed_login_takeover_linkdead_and_logouts_are_audited(audit_lines):
    game = make_game()
    ann = WirePlayer(game, peer="10.1.1.1")
    ann.create("Ann", "sesame99")
    assert events(audit_lines) == [("register", "Ann"), ("login", "Ann")]
    assert audit_lines[0]["address"] == "10.1.1.1" and audit_lines[0]["transport"] == "telnet"
    assert audit_lines[1]["method"] == "new"
    wrong = WirePlayer(game, peer="10.2.2.2")
    wrong.type("connect Ann wrongpass1")
    assert audit_lines[-1] == {"event": "login_failed", "name": "Ann", "address": "10.2.2.2",
                         "transport": "telnet", "reason": "bad_credentials"}
    thief = WirePlayer(game, peer="10.3.3.3")
    thief.type("connect Ann sesame99")
    assert events(audit_lines[-2:]) == [("login", "Ann"), ("takeover", "Ann")]
    assert audit_lines[-1]["address"] == "10.3.3.3" and audit_lines[-1]["old_address"] == "10.1.1.1"
    thief.drop()
    assert audit_lines[-1]["event"] == "linkdead" and audit_lines[-1]["address"] == "10.3.3.3"
    game.world.clock.advance(game.linkdead)
    assert audit_lines[-1]["event"] == "logout" and audit_lines[-1]["reason"] == "linkdead_expired"
    back = WirePlayer(game, peer="10.4.4.4")
    back.type("connect Ann sesame99")
    back.type("quit")
    assert audit_lines[-1] == {"event": "logout", "name": "Ann", "address": "10.4.4.4",
                         "transport": "telnet", "reason": "quit"}
    assert not any("sesame99" in value or "wrongpass1" in value
                   for line in audit_lines for value in line.values())


def test_the_text_line_carries_the_fields_and_not_a_format(audit_lines):
    seen = []
    publisher = globalLogPublisher
    publisher.addObserver(seen.append)
    try:
        audit("login_failed", "{evil}", "10.0.0.9", "web", reason="bad_credentials")
    finally:
        publisher.removeObserver(seen.append)
    from twisted.logger import formatEvent
    (event,) = [e for e in seen if FIELDS_KEY in e]
    assert formatEvent(event) == ("audit login_failed name={evil} address=10.0.0.9 "
                                  "transport=web reason=bad_credentials")


def test_the_audit_file_gets_one_json_object_a_line_while_running(tmp_path):
    publisher = LogPublisher()
    path = tmp_path / "audit.jsonl"
    service = AuditFile(str(path), publisher)
    service.startService()
    publisher({FIELDS_KEY: audit_fields("login", "Ann", "10.0.0.1", "web"),
               "log_time": 1000.0})
    publisher({"log_format": "not an audit line", "log_time": 1001.0})
    service.stopService()
    publisher({FIELDS_KEY: audit_fields("logout", "Ann"), "log_time": 1002.0})
    (line,) = path.read_text().splitlines()
    assert json.loads(line) == {"time": 1000.0, "event": "login", "name": "Ann",
                                "address": "10.0.0.1", "transport": "web"}


def test_an_audit_file_in_a_missing_folder_is_a_startup_error(tmp_path):
    with pytest.raises(StartupError, match="does not exist"):
        AuditFile(str(tmp_path / "nowhere" / "audit.jsonl"))


def test_the_option_and_the_environment_set_the_audit_file(tmp_path):
    from mud.config import load_settings
    from mud.tap import Options
    options = Options()
    options.parseOptions(["--audit-file", str(tmp_path / "a.jsonl")])
    assert options.settings.audit_file == str(tmp_path / "a.jsonl")
    assert load_settings(environ={"MUD_AUDIT_FILE": "b.jsonl"}).audit_file == "b.jsonl"
