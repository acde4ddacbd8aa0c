"""The metrics listener's Site: ``/metrics`` in the Prometheus text format.

    /          one line saying where the metrics are
    /metrics   prometheus_client's own Twisted resource (``MetricsResource``) over this
               server's registry (mud/metrics.py); ``?name[]=...`` picks metrics by name

It is a Site of its own on its own listener (the ``metrics`` setting: loopback only by
default), never a page of the players' web listener, so what the server reveals about
itself is reachable only where the admin chose. Its connections get the web listener's
HTTP defences (bounded request heads and bodies, http_guard.py) and plain security
headers. ``MetricsResource`` renders in twisted.web's WSGI thread pool; the game is read
on the reactor thread all the same (see mud/metrics.py).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry
from twisted.web.resource import Resource
from twisted.web.server import Request, Site

from mud.protocols.http_guard import HEAD_TIMEOUT, GuardedChannel, GuardedRequest

INDEX = b"Emberfall metrics: GET /metrics (Prometheus text format)\n"
HEADERS = {
    b"content-security-policy": b"default-src 'none'; frame-ancestors 'none'",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"cache-control": b"no-store",
}


class MetricsIndex(Resource):
    """``/``: where to look. Any other path but ``/metrics`` is a 404."""

    def getChild(self, path: bytes, request: Request) -> Any:
        if path == b"":
            return self
        return super().getChild(path, request)

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return INDEX


class MetricsSite(Site):
    """The metrics listener's Site, with the web listener's HTTP defences."""

    protocol = GuardedChannel
    requestFactory = GuardedRequest
    security_headers = HEADERS
    head_timeout = HEAD_TIMEOUT
    noisy = False

    def buildProtocol(self, addr: Any) -> Any:
        channel = super().buildProtocol(addr)
        channel.head_timeout = self.head_timeout
        return channel


def make_metrics_site(registry: CollectorRegistry) -> MetricsSite:
    """A Site serving ``registry`` at ``/metrics``."""
    # Imported here: it imports (so installs) the global reactor, which twistd's
    # --reactor must get to choose first.
    from prometheus_client.twisted import MetricsResource

    root = MetricsIndex()
    root.putChild(b"metrics", MetricsResource(registry))
    return MetricsSite(root)
