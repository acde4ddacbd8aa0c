"""A service that listens on one Twisted endpoint description and keeps its port.

Like ``strports.service`` but it remembers the listening port (tests and logs want the
real port number when asked for port 0) and turns a bind failure into a StartupError.

A TCP or TLS listener given no backlog gets ``LISTEN_BACKLOG`` instead of Twisted's 50:
after a restart thousands of clients reconnect at once, and past the backlog the kernel
leaves their connections hanging unanswered in its accept queue.
"""

from __future__ import annotations

from typing import Any

from twisted.application.service import Service
from twisted.internet import endpoints
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IListeningPort
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.errors import StartupError

log = Logger()

# The kernel caps it at net.core.somaxconn (4096 on current Linux kernels).
LISTEN_BACKLOG = 1024
# Where each kind's parser takes the backlog among its positional arguments (the port is 0):
# tcp:PORT:INTERFACE:BACKLOG, tcp6:PORT:BACKLOG:INTERFACE, ssl:PORT:KEY:CERT:METHOD:IFACE:BACKLOG.
_BACKLOG_AT = {"tcp": 2, "tcp6": 1, "ssl": 5}


def with_backlog(description: str, backlog: int = LISTEN_BACKLOG) -> str:
    """The endpoint description with ``backlog=`` added when it is a TCP or TLS listener
    that names none (neither as ``backlog=`` nor in its parser's backlog position)."""
    parts = _fields(description)
    at = _BACKLOG_AT.get(parts[0].strip().lower())
    if at is None:
        return description
    if any(part.startswith("backlog=") for part in parts[1:]):
        return description
    positional = [part for part in parts[1:] if "=" not in part]
    if len(positional) > at:
        return description
    return f"{description}:backlog={backlog}"


def _fields(description: str) -> list[str]:
    """Split on the colons Twisted splits on (a backslash escapes the next character)."""
    fields, current, escaped = [], [], False
    for char in description:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


class ListenerService(Service):
    def __init__(self, reactor: Any, description: str, factory: Factory, what: str) -> None:
        self.description = description
        self.what = what
        self.factory = factory
        self.port: IListeningPort | None = None
        try:
            self.endpoint = endpoints.serverFromString(reactor, with_backlog(description))
        except (ValueError, TypeError, KeyError, OSError) as exc:
            raise StartupError(f"--{what} {description!r}: not a usable endpoint ({exc}); "
                               "write it like tcp:4000 or tcp:4000:interface=127.0.0.1") from None

    def privilegedStartService(self) -> None:
        super().privilegedStartService()
        outcome: list[Any] = []
        self.endpoint.listen(self.factory).addBoth(outcome.append)
        if not outcome:
            raise StartupError(f"--{self.what} {self.description!r}: the endpoint did not "
                               "start listening at once")
        result = outcome[0]
        if isinstance(result, Failure):
            reason = result.value
            detail = getattr(reason, "socketError", None) or reason
            raise StartupError(f"--{self.what} {self.description!r}: cannot listen "
                               f"({detail})")
        self.port = result
        host = result.getHost()
        log.info("{what} listening on {host}:{port}", what=self.what,
                 host=getattr(host, "host", "?"), port=getattr(host, "port", "?"))

    def startService(self) -> None:
        if self.port is None:
            self.privilegedStartService()
        super().startService()

    def stopService(self) -> Deferred[None]:
        super().stopService()
        port, self.port = self.port, None
        if port is None:
            return succeed(None)
        return maybeDeferred(port.stopListening)
