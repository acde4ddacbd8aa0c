"""Bearer tokens for the admin HTTP API (mud/protocols/admin_api.py).

The sysadmin makes a token from the shell (``mud-admin-token create LABEL``, see
mud/admin_token_tool.py); it is printed once and never stored: the store keeps only its
SHA-256 (table ``api_tokens``, schema 7) with the label, when it was made and when it was
last used. A token is 32 random bytes (``secrets``), so a plain SHA-256 is enough: there is
no password to guess behind it, and no salt or slow hash would make a 256-bit secret harder
to find.

A running server looks the tokens up in the store at each API request (a query in the
store's worker thread, as a Deferred), so a token made or revoked from the shell while it
runs counts at once. The hash a request presents is compared with every stored hash with
``hmac.compare_digest``, never stopping at the first that matches, so how long a refusal
takes says nothing about how much of a hash was right.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.logger import Logger

log = Logger()

# What a token starts with, so one found in a file or a log is recognisable for what it is.
PREFIX = "mud_admin_"
# Random bytes in a token (base64url: 43 characters after the prefix).
TOKEN_BYTES = 32
# Tokens held at once: each API request compares against all of them.
MAX_TOKENS = 100
# A label: what the audit log names as the actor of each API call.
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
# The longest Authorization header value looked at (anything longer is no token of ours).
MAX_PRESENTED = 200


class TokenProblem(Exception):
    """A token request the sysadmin must change (bad label, label taken, no such token)."""


@dataclass(frozen=True)
class TokenInfo:
    """A stored token, without the token: its label, when made and last used (or None)."""

    label: str
    created: float
    last_used: float | None


def new_token() -> str:
    """A fresh high-entropy token."""
    return PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """The hash stored for ``token`` (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot name a token, or None."""
    if not LABEL.match(label):
        return (f"'{label[:40]}' cannot name a token: use 1 to 40 letters, digits, '.', '_' "
                "or '-', starting with a letter or digit (for example: deploy-bot).")
    return None


def match(presented: str, rows: list[tuple[Any, ...]]) -> str | None:
    """The label of the stored row (label, hash, ...) whose hash is ``presented``'s, or
    None. Every row is compared, in constant time each."""
    wanted = digest(presented).encode("ascii")
    found = None
    for row in rows:
        if hmac.compare_digest(wanted, str(row[1]).encode("ascii", "replace")):
            found = str(row[0])
    return found


def bearer(header: bytes | None) -> str | None:
    """The token in an ``Authorization: Bearer TOKEN`` header value, or None."""
    if not header or len(header) > MAX_PRESENTED:
        return None
    scheme, _, token = header.decode("latin-1").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


class ApiTokens:
    """A running server's token check, reading the store at each request."""

    def __init__(self, store: Any, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock

    def check(self, presented: str | None) -> Deferred[str | None]:
        """Fires with the label of the token ``presented`` matches, or None; a match's
        last use is written (not waited for)."""
        def compare(rows: list[tuple[Any, ...]]) -> str | None:
            # A missing token still costs one comparison round, like a wrong one.
            label = match(presented or "", rows)
            if presented is None:
                return None
            if label is not None:
                self.store.touch_api_token(label, self.clock()).addErrback(
                    lambda f: log.failure("could not note the use of API token {label}", f,
                                          label=label))
            return label
        result: Deferred[str | None] = self.store.api_tokens().addCallback(compare)
        return result


# -- the sysadmin's side (mud/admin_token_tool.py), each a call on a store -----------------

def create(store: Any, label: str, now: float) -> Deferred[str]:
    """Make a token called ``label``; fires with the token (the only time it is seen).
    Fails with TokenProblem for a bad or taken label, or too many tokens."""
    problem = label_problem(label)
    if problem:
        return fail(TokenProblem(problem))
    token = new_token()

    def counted(rows: list[tuple[Any, ...]]) -> Deferred[bool]:
        if any(row[0] == label for row in rows):
            raise TokenProblem(f"There is already a token called '{label}'; revoke it first "
                               "or choose another label.")
        if len(rows) >= MAX_TOKENS:
            raise TokenProblem(f"There are {MAX_TOKENS} tokens already; revoke some first.")
        return store.add_api_token(label, digest(token), now)

    def added(ok: bool) -> str:
        if not ok:
            raise TokenProblem(f"There is already a token called '{label}'.")
        return token
    result: Deferred[str] = store.api_tokens().addCallback(counted).addCallback(added)
    return result


def listing(store: Any) -> Deferred[list[TokenInfo]]:
    """Every token's label, creation and last use (never the token or its hash)."""
    result: Deferred[list[TokenInfo]] = store.api_tokens().addCallback(
        lambda rows: [TokenInfo(str(r[0]), float(r[2]), r[3]) for r in rows])
    return result


def revoke(store: Any, label: str) -> Deferred[None]:
    """Forget the token ``label``: requests bearing it are refused from then on. Fails
    with TokenProblem when there is none."""
    def removed(ok: bool) -> None:
        if not ok:
            raise TokenProblem(f"There is no token called '{label[:40]}'. "
                               "'mud-admin-token list' shows them.")
    result: Deferred[None] = store.remove_api_token(label).addCallback(removed)
    return result
