"""Which web pages may use the game's WebSockets and frame its client.

A browser names the page that opens a WebSocket in the handshake's ``Origin`` header, and
sends the visitor's cookies and network position along whatever page it is. So ``/ws`` and
``/presence`` accept only the site's own origin (the scheme and ``Host`` the request came
to, which is where the browser client was served from) and the origins an admin lists in
``allowed_origins`` (a client embedded in another site, or a TLS proxy in front of us whose
public address differs from ours). Programs that are not browsers send no Origin and are
let in: an Origin check protects browsers' visitors, not the server.

The same list says who may put the client in a frame (``frame-ancestors``): nobody else,
unless the admin allowed them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


def parse_origin(text: str) -> Origin | None:
    """``scheme://host[:port]`` as (scheme, lower-case host, port), or None if it is not
    an http(s) origin (``null``, a path, credentials, junk)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.username is not None or parts.query or parts.fragment \
            or parts.path not in ("", "/"):
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _host_origin(host_header: str, secure: bool) -> Origin | None:
    scheme = "https" if secure else "http"
    return parse_origin(f"{scheme}://{host_header.strip()}") if host_header else None


def origin_problem(text: str) -> str | None:
    """Why ``text`` cannot be an allowed origin, or None if it can (for settings)."""
    if parse_origin(text) is None:
        return (f"{text[:80]!r} is not an origin; write it like https://mud.example.org "
                "or http://mud.example.org:8080 (scheme, host and port only)")
    return None


def _spelled(origin: Origin) -> str:
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")


class OriginPolicy:
    """The site's own origin plus ``allowed``; see the module docstring."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed: frozenset[Origin] = frozenset(
            origin for origin in map(parse_origin, allowed) if origin is not None)

    def allows(self, origin: str | None, host_header: str | None, secure: bool) -> bool:
        """Whether a handshake with this Origin header (None: none sent), sent to this
        Host header over TLS or not, may open a WebSocket."""
        if origin is None:
            return True
        parsed = parse_origin(origin)
        if parsed is None:
            return False
        return parsed in self.allowed or parsed == _host_origin(host_header or "", secure)

    def frame_ancestors(self) -> str:
        """The CSP ``frame-ancestors`` source list: none, or exactly the allowed origins."""
        if not self.allowed:
            return "'none'"
        return " ".join(sorted(_spelled(origin) for origin in self.allowed))
