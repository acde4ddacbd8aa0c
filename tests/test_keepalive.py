"""Keepalive: socket tuning for dead-peer detection, and the per-connection heartbeat."""

from __future__ import annotations

import socket
from itertools import pairwise

import pytest
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from mud.protocols.keepalive import KEEPALIVE_PROBES, Heartbeats, Keepalive, socket_of


class Wrapper:
    """Stands in for a transport such as TLS: its handle is not a socket."""

    def __init__(self, inner: object) -> None:
        self.transport = inner

    def getHandle(self) -> object:
        return object()


class TCP:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def getHandle(self) -> socket.socket:
        return self.sock


@pytest.fixture
def accepted():
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    conn, _ = server.accept()
    yield conn
    for s in (conn, client, server):
        s.close()


def test_socket_of_looks_through_wrappers(accepted):
    assert socket_of(TCP(accepted)) is accepted
    assert socket_of(Wrapper(Wrapper(TCP(accepted)))) is accepted
    assert socket_of(StringTransport()) is None
    assert socket_of(None) is None


def test_tune_sets_keepalive_and_user_timeout_on_the_socket(accepted):
    assert accepted.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0
    assert Keepalive(interval=7, timeout=10).tune(Wrapper(TCP(accepted)))
    assert accepted.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    tcp = socket.IPPROTO_TCP
    assert accepted.getsockopt(tcp, socket.TCP_KEEPIDLE) == 7
    assert accepted.getsockopt(tcp, socket.TCP_KEEPINTVL) == 3  # ceil(10 / 4)
    assert accepted.getsockopt(tcp, socket.TCP_KEEPCNT) == KEEPALIVE_PROBES
    assert accepted.getsockopt(tcp, socket.TCP_USER_TIMEOUT) == 10_000


def test_fractional_times_round_up_to_what_the_kernel_takes(accepted):
    assert Keepalive(interval=1.5, timeout=1.5).tune(TCP(accepted))
    assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 2
    assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 1
    assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 1500


def test_tune_without_a_tcp_socket_does_nothing():
    assert not Keepalive().tune(StringTransport())
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
        assert not Keepalive().tune(TCP(unix))


def test_tune_on_a_closed_socket_reports_failure_instead_of_raising():
    sock = socket.socket()
    sock.close()
    assert not Keepalive().tune(TCP(sock))


def test_heartbeats_beat_each_member_every_interval_until_it_leaves():
    clock, beats = Clock(), []
    wheel = Heartbeats(clock, 30, slots=3)
    first = wheel.join(lambda: beats.append(("a", clock.seconds())))
    clock.advance(4)

    def b() -> None:
        beats.append(("b", clock.seconds()))
    second = wheel.join(b)
    assert wheel.join(b) == second and wheel.size == 2  # joining twice: one beat
    clock.pump([1] * 95)
    # a joined an idle wheel: exactly 30 s apart from its join; b joined at 4 s, between
    # ticks (every 10 s): its first beat within one tick of 30 s later, then 30 s apart.
    assert [t for who, t in beats if who == "a"] == [30, 60, 90]
    assert [t for who, t in beats if who == "b"] == [30, 60, 90]
    wheel.leave(b, second)
    wheel.leave(b, second)  # leaving twice is nothing
    clock.pump([1] * 30)
    assert [t for who, t in beats if who == "b"] == [30, 60, 90] and wheel.size == 1
    assert beats[-1] == ("a", 120)
    wheel.leave(beats.append, first)  # not a member: nothing
    assert wheel.size == 1 and len(clock.getDelayedCalls()) == 1


def test_heartbeats_keep_to_their_times_when_the_clock_jumps():
    # A late tick (a busy or stopped process) does not push every later beat back.
    clock, beats = Clock(), []
    wheel = Heartbeats(clock, 30, slots=30)
    wheel.join(lambda: beats.append(clock.seconds()))
    clock.advance(29.5)
    assert beats == []
    clock.pump([0.5] * 121)
    assert beats == [30, 60, 90]
    # Over a whole turn late: no burst of the beats missed, and a beat every interval
    # again within one turn.
    clock.advance(100)
    assert beats == [30, 60, 90]
    clock.pump([1] * 60)
    assert len(beats) == 5 and beats[4] - beats[3] == 30 and beats[3] <= 190 + 30


def test_a_beat_joining_between_ticks_is_never_beaten_late():
    clock, beats = Clock(), []
    wheel = Heartbeats(clock, 30, slots=30)
    wheel.join(lambda: None)
    clock.advance(7.5)
    wheel.join(lambda: beats.append(clock.seconds()))
    clock.pump([0.5] * 200)
    assert 29 < beats[0] - 7.5 <= 30 and all(b - a == 30 for a, b in pairwise(beats))


def test_an_empty_wheel_does_not_tick():
    clock = Clock()
    wheel = Heartbeats(clock, 30)

    def beat() -> None:
        pass
    slot = wheel.join(beat)
    assert len(clock.getDelayedCalls()) == 1
    wheel.leave(beat, slot)
    assert clock.getDelayedCalls() == [] and wheel.size == 0


def test_a_failing_beat_leaves_and_the_others_keep_beating():
    clock, beats = Clock(), []

    def broken() -> None:
        raise RuntimeError("boom")
    wheel = Heartbeats(clock, 1, slots=1)
    wheel.join(broken)
    wheel.join(lambda: beats.append(clock.seconds()))
    clock.pump([1] * 3)
    assert beats == [1, 2, 3] and wheel.size == 1


def test_a_beat_that_ends_another_in_its_slot_spares_it_the_beat():
    clock, beats = Clock(), []
    wheel = Heartbeats(clock, 1, slots=1)

    def second() -> None:
        beats.append("second")

    def first() -> None:
        beats.append("first")
        wheel.leave(second, slot)
    slot = wheel.join(first)
    wheel.join(second)
    clock.advance(1)
    assert beats == ["first"] and wheel.size == 1
