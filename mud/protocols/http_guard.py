"""The web listener's HTTP defences: headers on every response, bounded request heads and
bodies.

- Every response (pages, HEAD, 404s, ``/api/who``, errors) carries the security headers:
  a Content-Security-Policy that runs only our own scripts and lets nobody frame the client
  (``frame-ancestors``, widened only to the admin's ``allowed_origins``), ``nosniff`` and
  ``no-referrer``.
- A request head (request line and headers) must arrive whole within ``HEAD_TIMEOUT``
  seconds of its first byte (of the connection, for the first request): twisted.web's idle
  timer restarts with every byte, so a client trickling a header line every few seconds
  would otherwise hold a connection for ever. Heads are also capped in size by twisted.web
  (``totalHeadersSize``, 16 KiB, then a 400).
- Nothing here takes a request body, so bodies are capped at ``MAX_BODY`` bytes (413) and
  kept in memory, instead of twisted.web's temporary file for large or chunked ones.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from twisted.logger import Logger
from twisted.web.http import HTTPChannel
from twisted.web.server import Request

from mud.protocols.origins import OriginPolicy

log = Logger()

HEAD_TIMEOUT = 20.0
MAX_BODY = 16 * 1024
# Seconds a refused client has to read its answer before the connection is aborted.
ABORT_AFTER = 15.0



def plain_response(status: str, text: str, extra: str = "") -> bytes:
    """A whole HTTP response with a short text body, for answers given before (or instead
    of) twisted.web's request handling."""
    body = f"{text}\n".encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"X-Content-Type-Options: nosniff\r\n{extra}Connection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def security_headers(origins: OriginPolicy) -> dict[bytes, bytes]:
    """The headers every response carries."""
    ancestors = origins.frame_ancestors()
    headers = {
        b"content-security-policy": (
            "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
            f"object-src 'none'; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {ancestors}").encode("ascii"),
        b"x-content-type-options": b"nosniff",
        b"referrer-policy": b"no-referrer",
    }
    if ancestors == "'none'":
        # For browsers that predate frame-ancestors; it cannot name several origins.
        headers[b"x-frame-options"] = b"DENY"
    return headers


class GuardedRequest(Request):
    """A Request that sends the site's security headers and refuses large bodies."""

    _body_bytes = 0
    # Set by a resource that accounts for this request itself (the admin API's refusals:
    # one audit line and a summary a minute per address): the site's access log skips it.
    quiet = False

    def process(self) -> None:
        for name, value in self.channel.site.security_headers.items():
            self.setHeader(name, value)
        super().process()

    def gotLength(self, length: int | None) -> None:
        # twisted.web spools bodies of unknown or large length to a temporary file; ours
        # are small or refused.
        self.content = BytesIO()
        if length is not None and length > MAX_BODY:
            self._refuse_body()

    def handleContentChunk(self, data: bytes) -> None:
        self._body_bytes += len(data)
        if self._body_bytes > MAX_BODY:
            self._refuse_body()
            return
        super().handleContentChunk(data)

    def _refuse_body(self) -> None:
        if isinstance(self.channel, GuardedChannel):
            self.channel.refuse(plain_response(
                "413 Content Too Large", f"Request bodies are limited to {MAX_BODY} bytes."))


class GuardedChannel(HTTPChannel):
    """An HTTPChannel that gives each request head ``HEAD_TIMEOUT`` seconds to arrive."""

    head_timeout = HEAD_TIMEOUT
    _head_call: Any = None
    _abort_call: Any = None
    # Whether the current request's head is complete (then the body or the response is
    # what we wait for, under twisted.web's own timers).
    _head_done = False
    # Set once we answered on our own and are closing: whatever else comes is dropped.
    _refused = False

    def connectionMade(self) -> None:
        super().connectionMade()
        self._start_head_clock()

    def dataReceived(self, data: bytes) -> None:
        if self._refused:
            return
        if self._head_call is None and not self._head_done:
            self._start_head_clock()
        super().dataReceived(data)

    def allHeadersReceived(self) -> None:
        self._stop_head_clock()
        self._head_done = True
        super().allHeadersReceived()

    def requestDone(self, request: Any) -> None:
        # The next request's head is timed from its first byte (data the client already
        # sent is replayed inside requestDone, and starts the clock).
        self._head_done = False
        super().requestDone(request)

    def connectionLost(self, reason: Any) -> None:
        self._stop_head_clock()
        if self._abort_call is not None and self._abort_call.active():
            self._abort_call.cancel()
        super().connectionLost(reason)

    def _start_head_clock(self) -> None:
        self._head_call = self.callLater(self.head_timeout, self._head_timed_out)

    def _stop_head_clock(self) -> None:
        call, self._head_call = self._head_call, None
        if call is not None and call.active():
            call.cancel()

    def refuse(self, response: bytes) -> None:
        """Answer with ``response`` and close, ignoring whatever else arrives."""
        if self._refused or self.transport is None:
            return
        self._refused = True
        self._stop_head_clock()
        self.setTimeout(None)  # twisted.web's idle timer: our abort below takes over
        self.transport.write(response)
        self.loseConnection()
        # A peer that does not read its answer is cut off, as twisted.web does after its
        # own timeouts.
        self._abort_call = self.callLater(ABORT_AFTER, self.transport.abortConnection)

    def _head_timed_out(self) -> None:
        self._head_call = None
        if self.transport is None:
            return
        log.info("closing an HTTP connection from {peer}: no complete request head in "
                 "{limit:g} s", peer=self.transport.getPeer(), limit=self.head_timeout)
        self.refuse(plain_response("408 Request Timeout",
                                   "The request took too long to arrive."))
