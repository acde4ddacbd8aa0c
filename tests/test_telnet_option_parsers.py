"""The small telnet option modules on their own: NAWS, TTYPE/MTTS, CHARSET, GMCP, MSSP, MCCP."""

from __future__ import annotations

import zlib

import pytest
from twisted.logger import formatEvent, globalLogPublisher

from mud.engine import events as ev
from mud.protocols import bounded_json
from mud.protocols.options import charset, gmcp, mssp
from mud.protocols.options.mccp import Compressor
from mud.protocols.options.naws import parse_naws
from mud.protocols.options.ttype import MAX_ROUNDS, TerminalType
from mud.render.text import TRUECOLOR


@pytest.mark.parametrize(("payload", "expected"), [
    (bytes([0, 80, 0, 24]), (80, 24)),
    (bytes([1, 44, 0, 50]), (300, 50)),
    (bytes([0, 5, 0, 10]), (20, 10)),        # clamped up
    (bytes([255, 255, 0, 10]), (500, 10)),   # clamped down
    (bytes([0, 0, 0, 24]), None),            # unknown width
    (bytes([0, 80, 0]), None),               # malformed
])
def test_naws(payload, expected):
    assert parse_naws(payload) == expected


def answers(*values: str) -> TerminalType:
    ttype = TerminalType()
    for value in values:
        ttype.answer(b"\x00" + value.encode())
    return ttype


@pytest.mark.parametrize(("names", "depth", "utf8", "reader"), [
    (("MUDLET", "ANSI-TRUECOLOR", "MTTS 2829"), TRUECOLOR, True, False),
    (("TINTIN++", "XTERM", "MTTS 137"), 256, False, False),
    (("X", "Y", "MTTS 69"), 16, True, True),
    (("MUSHCLIENT", "MUSHCLIENT"), 256, None, False),
    (("XTERM-256COLOR",), 256, None, False),
    (("DUMB", "DUMB"), 0, None, False),
    ((), None, None, False),
])
def test_ttype_capabilities(names, depth, utf8, reader):
    ttype = answers(*names)
    assert ttype.colour_depth() == depth
    assert ttype.utf8() == utf8
    assert ttype.screen_reader() == reader


def test_ttype_stops_after_a_repeat_mtts_or_too_many_rounds():
    ttype = TerminalType()
    assert ttype.answer(b"\x00A") and not ttype.answer(b"\x00A") and ttype.done
    endless = TerminalType()
    more = [endless.answer(b"\x00" + str(i).encode()) for i in range(10)]
    assert more.count(True) == MAX_ROUNDS - 1 and endless.done
    assert not TerminalType().answer(b"\x01junk")  # not an IS reply
    long = TerminalType()
    long.answer(b"\x00" + b"x" * 10_000)
    assert len(long.client) == 64


def test_charset_replies_and_requests():
    assert charset.parse_reply(b"\x02UTF-8") is True
    assert charset.parse_reply(b"\x02ISO-8859-1") is False
    assert charset.parse_reply(b"\x03") is False
    assert charset.parse_reply(b"\x07") is None
    assert charset.answer_request(b"\x01 US-ASCII UTF-8") == (b"\x02UTF-8", True)
    assert charset.answer_request(b"\x01;ISO-8859-1") == (b"\x03", False)
    assert charset.answer_request(b"\x01[TTABLE]\x01;UTF8") == (b"\x02UTF-8", True)
    assert charset.answer_request(b"\x02UTF-8") is None


def test_gmcp_parse_and_supports():
    assert gmcp.parse(b'Core.Hello {"client":"Mudlet"}') == ("Core.Hello", {"client": "Mudlet"})
    assert gmcp.parse(b"Core.Ping") == ("Core.Ping", None)
    assert gmcp.parse(b"Room.Info {bad") == ("Room.Info", None)
    assert gmcp.parse(b"\xff\xfe") is None and gmcp.parse(b"  ") is None
    supports = gmcp.Supports()
    supports.handle("Core.Supports.Set", ["Room 1", "char.vitals 1", 7, "Comm.Channel x"])
    assert supports.wants("Room.Info") and supports.wants("room.players")
    assert supports.wants("Char.Vitals") and not supports.wants("Char.Name")
    assert supports.modules["comm.channel"] == 1
    supports.handle("core.supports.add", ["Char 1"])
    supports.handle("Core.Supports.Remove", ["Room"])
    assert supports.wants("Char.Name") and not supports.wants("Room.Info")
    assert not supports.handle("Core.Hello", {})
    supports.handle("Core.Supports.Set", [f"M{i} 1" for i in range(1000)])
    assert len(supports.modules) == gmcp.MAX_PACKAGES


def test_gmcp_json_nested_too_deep_is_ignored_with_one_log_line():
    events: list[dict] = []
    globalLogPublisher.addObserver(events.append)
    try:
        deep = b"Core.Hello " + b"[" * 1900 + b"]" * 1900
        assert gmcp.parse(deep) is None
        # At the bound it is still decoded; brackets inside strings do not count.
        depth = bounded_json.MAX_DEPTH
        assert gmcp.parse(b"Core.Hello " + b"[" * depth + b"]" * depth)[0] == "Core.Hello"
        assert gmcp.parse(b'Core.Hello {"client":"' + b"[" * 3000 + b'"}') == \
            ("Core.Hello", {"client": "[" * 3000})
    finally:
        globalLogPublisher.removeObserver(events.append)
    lines = [formatEvent(e) for e in events if e.get("log_namespace") == gmcp.__name__]
    assert lines == ["ignored a GMCP 'Core.Hello' message from ?: its JSON nested deeper "
                     "than 32 levels"]


def test_gmcp_messages_are_built_once_per_event():
    event = ev.Say("Ann", "hi")
    first = gmcp.for_event(event)
    assert first is gmcp.for_event(event)
    ((package, wire),) = first
    assert package == "Comm.Channel.Text"
    assert wire.startswith(b"\xff\xfa\xc9Comm.Channel.Text {") and wire.endswith(b"\xff\xf0")
    assert gmcp.for_event(ev.Message("nothing for GMCP")) == []


def test_mssp_encodings_and_overrides():
    variables = mssp.variables({"genre": "Horror", "PLAYERS": 99, "LANGUAGE": ["English", "Welsh"]},
                               lambda: {"NAME": "Ember", "PLAYERS": 2, "GENRE": "Fantasy",
                                        "ANSI": True})
    assert variables == [("NAME", ["Ember"]), ("PLAYERS", ["2"]), ("GENRE", ["Horror"]),
                         ("ANSI", ["1"]), ("LANGUAGE", ["English", "Welsh"])]
    wire = mssp.telnet(variables)
    assert wire.startswith(b"\xff\xfaF\x01NAME\x02Ember\x01PLAYERS\x022")
    assert b"\x01LANGUAGE\x02English\x02Welsh\xff\xf0" in wire
    assert mssp.plain(variables).splitlines()[-2:] == ["LANGUAGE\tWelsh", "MSSP-REPLY-END"]


def test_mccp_stream_decompresses_after_every_write_and_ends_cleanly():
    compressor, reader = Compressor(), zlib.decompressobj()
    for chunk in (b"Village Square\r\n", b"x" * 5000, b"> "):
        assert reader.decompress(compressor.compress(chunk)) == chunk  # flushed each write
    reader.decompress(compressor.finish())
    assert reader.eof
