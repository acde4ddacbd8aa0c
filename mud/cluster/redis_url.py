"""Where the Redis broker is: ``--redis URL`` read into a ``RedisAddress``.

Two forms are taken, the ones redis-cli and most clients take:

- ``redis://[[user]:password@]host[:port][/db]`` (TCP; host defaults to localhost, port
  to 6379, db to none, i.e. Redis' own 0), IPv6 hosts in brackets (``redis://[::1]:6380``);
- ``unix:///path/to/redis.sock[?db=N&password=P&user=U]`` (a Unix socket on this host).

Anything else (a bare ``host:port``, ``rediss://`` for TLS, unknown query fields) is a
ValueError whose message says what to write. A password is never repeated back: errors
and ``describe()`` (what the log says) show the address without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_PORT = 6379
FORMS = ("redis://[[user]:password@]host[:port][/db] or "
         "unix:///path/to/redis.sock[?db=N&password=...]")


@dataclass(frozen=True)
class RedisAddress:
    """A Redis server to connect to: a TCP host and port, or a Unix socket path."""

    host: str | None = None
    port: int = DEFAULT_PORT
    path: str | None = None
    db: int | None = None
    username: str | None = None
    # Kept out of repr() so a logged or printed address never shows it.
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """The address as the log shows it: no password, ever."""
        where = f"unix:{self.path}" if self.path else (
            f"[{self.host}]:{self.port}" if self.host and ":" in self.host
            else f"{self.host}:{self.port}")
        return where if self.db is None else f"{where} db {self.db}"


def _fail(url: str, why: str) -> ValueError:
    return ValueError(f"--redis {_redacted(url)!r}: {why}; write {FORMS}")


def _redacted(url: str) -> str:
    # Everything between :// and the LAST @ may be a password (one with / or @ in it
    # included: a malformed URL is exactly when it must not be echoed); a query's
    # password= (unix: URLs) likewise. What is left can be shown.
    url = re.sub(r"(?i)(password=)[^&#]*", r"\1***", url)
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    userinfo, _, tail = rest.rpartition("@")
    user = userinfo.split(":", 1)[0] if ":" in userinfo else ""
    return f"{scheme}://{user}:***@{tail}" if ":" in userinfo else f"{scheme}://***@{tail}"


def _db(url: str, text: str) -> int | None:
    if text == "":
        return None
    if not text.isdigit() or len(text) > 6:
        raise _fail(url, f"the database must be a number (0, 1, ...), not {text!r}")
    return int(text)


def parse_redis_url(url: str) -> RedisAddress:
    """Read ``url`` (see the module's docstring); ValueError naming what to write."""
    if not isinstance(url, str) or not url.strip():
        raise _fail(str(url), "no address given")
    url = url.strip()
    scheme = url.partition("://")[0].lower() if "://" in url else url.partition(":")[0].lower()
    if scheme == "unix":
        return _parse_unix(url)
    if scheme == "rediss":
        raise _fail(url, "TLS (rediss://) is not supported: reach Redis over a private "
                         "network, a tunnel or a Unix socket")
    if scheme != "redis" or "://" not in url:
        raise _fail(url, "not a Redis URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _fail(url, f"bad host or port ({exc})") from None
    if parts.query or parts.fragment:
        raise _fail(url, "redis:// takes no ?query or #fragment")
    if port == 0:
        raise _fail(url, "port 0 is not a port to connect to")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if username and password is None:
        # redis://secret@host is ambiguous (a user or a password?): Redis' own URLs say
        # redis://:secret@host for a password alone.
        raise _fail(url, "a user without a password (for a password alone, put a colon "
                         "before it: redis://:PASSWORD@host)")
    return RedisAddress(host=parts.hostname or "localhost", port=port or DEFAULT_PORT,
                        db=_db(url, parts.path.lstrip("/")), username=username or None,
                        password=password or None)


def _parse_unix(url: str) -> RedisAddress:
    rest = url.split(":", 1)[1]
    if rest.startswith("//"):
        rest = rest[2:]
    path, _, query = rest.partition("?")
    path = unquote(path)
    if not path.startswith("/"):
        raise _fail(url, "a Unix socket needs an absolute path (unix:///run/redis.sock)")
    fields: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in ("db", "password", "user"):
            raise _fail(url, f"unknown field {key!r} (db, password and user are known)")
        fields[key] = value
    if fields.get("user") and not fields.get("password"):
        raise _fail(url, "a user without a password")
    return RedisAddress(path=path, db=_db(url, fields.get("db", "")),
                        username=fields.get("user") or None,
                        password=fields.get("password") or None)
