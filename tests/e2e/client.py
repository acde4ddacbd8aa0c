"""A scripted telnet player over a real TCP connection, for end-to-end tests."""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol

from tests.support import plain

TIMEOUT = 10.0


IAC_DO_NAWS = b"\xff\xfd\x1f"


class TelnetPlayer(Protocol):
    def __init__(self, naws: int | None = None, silent: bool = False) -> None:
        # naws: the window width to report when the server asks (IAC DO NAWS), 24 rows.
        # silent: answer no negotiation at all, as netcat does.
        self.naws = naws
        self._answered_naws = silent
        self.received = b""
        self.mark = 0
        self.closed: Deferred[None] = Deferred()
        self._waiting: list[tuple[str, Deferred[str]]] = []

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if not self._answered_naws and IAC_DO_NAWS in self.received:
            self._answered_naws = True
            if self.naws is None:
                # A client without NAWS says so, as telnet clients do (the greeting waits
                # for the window size until then).
                self.transport.write(b"\xff\xfc\x1f")  # WONT NAWS
            else:
                self.transport.write(b"\xff\xfb\x1f\xff\xfa\x1f" +
                                     self.naws.to_bytes(2, "big") +
                                     b"\x00\x18\xff\xf0")  # WILL NAWS, SB NAWS width 24 SE
        self._check()

    def connectionLost(self, reason: object) -> None:
        self.closed.callback(None)
        for text, d in self._waiting:
            d.errback(AssertionError(f"connection closed before {text!r} arrived; got "
                                     f"{self.text()[-400:]!r}"))
        self._waiting = []

    def text(self) -> str:
        return plain(self.received)

    def _check(self) -> None:
        current = self.text()
        for entry in list(self._waiting):
            text, d = entry
            at = current.find(text, self.mark)
            if at >= 0:
                self._waiting.remove(entry)
                self.mark = at + len(text)
                d.callback(current)

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> Deferred[str]:
        """Fires with all text so far once ``text`` appears after the last thing waited for."""
        d: Deferred[str] = Deferred()
        self._waiting.append((text, d))
        timer = reactor.callLater(timeout, self._timeout, text, d)
        d.addBoth(lambda result: (timer.active() and timer.cancel(), result)[1])
        self._check()
        return d

    def _timeout(self, text: str, d: Deferred[str]) -> None:
        if (text, d) in self._waiting:
            self._waiting.remove((text, d))
            d.errback(AssertionError(f"timed out waiting for {text!r}; got "
                                     f"{self.text()[-400:]!r}"))

    def send(self, line: str) -> None:
        self.transport.write(line.encode("utf-8") + b"\r\n")

    def ask(self, line: str, expect: str) -> Deferred[str]:
        self.send(line)
        return self.wait_for(expect)


def connect(port: int, host: str = "127.0.0.1", naws: int | None = None,
            silent: bool = False) -> Deferred[TelnetPlayer]:
    return connectProtocol(TCP4ClientEndpoint(reactor, host, port), TelnetPlayer(naws, silent))
