"""Keepalive: socket tuning for dead-peer detection, and the per-connection heartbeat."""

from __future__ import annotations

import socket

import pytest
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from mud.protocols.keepalive import KEEPALIVE_PROBES, Heartbeat, Keepalive, socket_of


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


def test_heartbeat_beats_every_interval_until_stopped():
    clock, beats = Clock(), []
    heart = Heartbeat(clock, 30, lambda: beats.append(clock.seconds()))
    heart.start()
    heart.start()  # a second start does not double the beat
    clock.pump([10] * 9)
    assert beats == [30, 60, 90]
    heart.stop()
    clock.advance(300)
    assert beats == [30, 60, 90] and not heart.running
    assert clock.getDelayedCalls() == []


def test_a_failing_beat_stops_the_heartbeat_instead_of_raising():
    clock = Clock()

    def broken() -> None:
        raise RuntimeError("boom")
    heart = Heartbeat(clock, 1, broken)
    heart.start()
    clock.advance(1)
    assert not heart.running and clock.getDelayedCalls() == []
