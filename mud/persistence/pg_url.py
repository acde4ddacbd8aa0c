"""PostgreSQL URLs for the store: checked, and shown without their password.

The store's URL (``--store``, ``MUD_STORE``) may carry a password, in the user part or as a
``password=`` parameter. Every message and log line names the store by ``redact(url)``, and
error text from psycopg (which may quote the URL whole) goes through ``scrub``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import conninfo


def parse_url(url: str) -> dict[str, Any]:
    """The connection parameters in ``url``; ValueError (without the password) saying what
    to write when it is not a PostgreSQL URL."""
    if not url.lower().startswith(("postgresql://", "postgres://")):
        raise ValueError(f"{redact(url)} is not a PostgreSQL URL: write "
                         "postgresql://user:password@host:5432/database")
    try:
        return conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        # psycopg quotes the whole URL, password and all, in its message.
        raise ValueError(f"{redact(url)} is not a usable PostgreSQL URL "
                         f"({scrub(str(exc), url)}): write "
                         "postgresql://user:password@host:5432/database") from None


def redact(url: str) -> str:
    """``url`` as it may be shown: any password (in the user part or the query) as ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@]*@", "//***@", url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secrets(url: str) -> list[str]:
    # The user part's password as written and as decoded, and any password= parameter.
    found = re.findall(r"//[^/@:]*:([^/@]*)@", url)
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        found += [password, quote(password, safe="")]
    found += re.findall(r"(?i)(?:^|[?&])password=([^&]*)", url)
    return sorted({s for s in found if s}, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` (an error message) on one line, with the URL's password taken out."""
    text = text.replace(url, redact(url))
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return " ".join(text.split())
