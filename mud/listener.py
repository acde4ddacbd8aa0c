"""A service that listens on one Twisted endpoint description and keeps its port.

Like ``strports.service`` but it remembers the listening port (tests and logs want the
real port number when asked for port 0) and turns a bind failure into a StartupError.
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


class ListenerService(Service):
    def __init__(self, reactor: Any, description: str, factory: Factory, what: str) -> None:
        self.description = description
        self.what = what
        self.factory = factory
        self.port: IListeningPort | None = None
        try:
            self.endpoint = endpoints.serverFromString(reactor, description)
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
