"""The listener's default backlog: added to TCP and TLS endpoint descriptions naming none."""

from __future__ import annotations

import pytest

from mud.listener import LISTEN_BACKLOG, with_backlog


@pytest.mark.parametrize("given, expected", [
    ("tcp:4000", f"tcp:4000:backlog={LISTEN_BACKLOG}"),
    ("TCP:0:interface=127.0.0.1", f"TCP:0:interface=127.0.0.1:backlog={LISTEN_BACKLOG}"),
    ("tcp6:4000:interface=\\:\\:1", f"tcp6:4000:interface=\\:\\:1:backlog={LISTEN_BACKLOG}"),
    ("ssl:4443:privateKey=k.pem", f"ssl:4443:privateKey=k.pem:backlog={LISTEN_BACKLOG}"),
    ("ssl:4443:k.pem", f"ssl:4443:k.pem:backlog={LISTEN_BACKLOG}"),
    # tcp's second positional argument is the interface, not the backlog.
    ("tcp:4000:127.0.0.1", f"tcp:4000:127.0.0.1:backlog={LISTEN_BACKLOG}"),
])
def test_stream_listeners_get_the_backlog(given: str, expected: str) -> None:
    assert with_backlog(given) == expected


@pytest.mark.parametrize("given", [
    "tcp:4000:backlog=50",           # the admin's own choice stands
    "tcp:4000:interface=127.0.0.1:backlog=8",
    "tcp:4000:127.0.0.1:70",         # tcp:PORT:INTERFACE:BACKLOG
    "tcp6:4000:70",                  # tcp6:PORT:BACKLOG
    "ssl:4443:k.pem:c.pem:TLS:127.0.0.1:70",
    "unix:/run/mud.sock",            # not TCP
    "systemd:domain=INET:index=0",   # the socket is made by systemd
])
def test_an_admin_backlog_or_another_kind_is_left_alone(given: str) -> None:
    assert with_backlog(given) == given


@pytest.mark.parametrize("description", [
    "tcp:0:127.0.0.1", "tcp:0:interface=127.0.0.1", "tcp6:0:interface=\\:\\:1",
    "tcp:0:127.0.0.1:70", "tcp6:0:70",
])
def test_twisted_reads_the_backlog_we_meant(description: str) -> None:
    # The backlog Twisted's own parser takes from what with_backlog gives it: ours where
    # the admin named none, the admin's where they did.
    from twisted.internet import endpoints
    from twisted.internet.testing import MemoryReactor
    endpoint = endpoints.serverFromString(MemoryReactor(), with_backlog(description))
    expected = 70 if description.endswith(":70") else LISTEN_BACKLOG
    assert endpoint._backlog == expected  # no public accessor; pins Twisted's parsing


def test_an_escaped_colon_is_not_a_field() -> None:
    # "backlog=" inside an escaped value is not an argument of its own.
    assert with_backlog("tcp:4000:interface=a\\:backlog=1") == \
        f"tcp:4000:interface=a\\:backlog=1:backlog={LISTEN_BACKLOG}"
