"""Per-connection state kept lean (issue 15): what a WebSocket keeps after its handshake,
Autobahn's delayed-write queue made only when used, the request limiter made at the
first request."""

from __future__ import annotations

import json
import sys
from collections import deque

import pytest
import txaio

from mud.protocols.buffered_websocket import HANDSHAKE_LEFTOVERS
from mud.protocols.websocket import GameWebSocketFactory
from tests.support import make_game

# Autobahn's timers on a test clock, not the real reactor (an autouse fixture, used here too).
from tests.test_websocket import _autobahn_timers_on_a_test_clock, open_protocol  # noqa: F401


def opened():
    protocol, transport = open_protocol(GameWebSocketFactory(make_game()))
    return protocol, transport


def test_the_handshake_leftovers_are_let_go_once_open():
    protocol, _ = opened()
    assert not set(HANDSHAKE_LEFTOVERS) & set(vars(protocol))
    # Still there to anything that looks: None.
    assert {name: getattr(protocol, name) for name in HANDSHAKE_LEFTOVERS} == \
        dict.fromkeys(HANDSHAKE_LEFTOVERS)


def test_the_factorys_settings_are_read_from_the_factory_not_copied_per_connection():
    protocol, _ = opened()
    factory = protocol.factory
    assert not set(protocol.CONFIG_ATTRS) & set(vars(protocol))
    for name in protocol.CONFIG_ATTRS:
        assert getattr(protocol, name) == getattr(factory, name), name
    assert protocol.maxMessagePayloadSize == 64 * 1024
    # The instance dict was built again at its new size (a dict never shrinks).
    assert sys.getsizeof(vars(protocol)) < 2000
    with pytest.raises(AttributeError):
        protocol.no_such_thing  # noqa: B018


def test_autobahns_send_queue_is_no_deque_until_something_is_queued():
    protocol, transport = opened()
    assert protocol._send_queue is None
    assert len(protocol.send_queue) == 0
    # Autobahn's own immediate writes (a pong, a ping) go straight through.
    protocol.sendData(b"now")
    assert transport.value() == b"now" and protocol._send_queue is None


def test_a_delayed_write_still_goes_out_in_order_through_a_real_queue(monkeypatch):
    # Autobahn schedules the next chunk on the global reactor: recorded here instead.
    later = []
    monkeypatch.setattr(txaio, "call_later", lambda delay, f, *a: later.append(f))
    protocol, transport = opened()
    protocol.triggered = True  # hold Autobahn's sender so the queue can be looked at
    protocol.sendData(b"abcdef", chopsize=2)
    assert isinstance(protocol.send_queue, deque)
    assert [chunk for chunk, _ in protocol.send_queue] == [b"ab", b"cd", b"ef"]
    protocol._send()
    while later:
        later.pop()()  # what Autobahn's call_later does, one chunk at a time
    assert transport.value() == b"abcdef"
    assert protocol.triggered is False


def test_the_request_limiter_is_made_at_the_first_request_only():
    protocol, _ = opened()
    assert protocol._asks is None
    protocol.onMessage(json.dumps({"type": "register", "name": "Ann",
                                   "password": "secret1"}).encode(), False)
    assert protocol._asks is None
    protocol.onMessage(json.dumps({"type": "request", "what": "channel_history",
                                   "channel": "ooc"}).encode(), False)
    assert protocol._asks is not None
    protocol.onClose(True, 1000, None)
