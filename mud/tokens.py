"""Resume tokens: standard JWTs (RFC 7519, HS256, made and checked by PyJWT), revocable.

A web player who logs in gets a token; the browser keeps it in sessionStorage and sends it
back (``resume``) to pick the character up after a reload or a dropped connection, without
the password. Claims:

    sub        the character's key            iat   when this token was made
    exp        when it stops working          gen   the account's token generation
    auth_time  when the player last typed the password (RFC 7519 leaves it to us; OpenID
               Connect gives it this meaning)

Every resume renews the token for ``lifetime`` seconds, but never past ``max_age`` after
``auth_time``: a stolen token dies at the latest ``max_age`` after the password was last
used, however often it is renewed. Revoking bumps the account's generation in the store
(``Store.revoke_tokens``; a password change does it in the same transaction), so every
token issued before is refused. That happens on ``quit``, on a password change, and
when an admin runs ``python -m mud.revoke_tokens NAME`` (mud/revoke_tokens.py). If the
store cannot record a revocation (a failing disk), it is kept in memory for as long as
the server runs.

PyJWT checks the signature, the algorithm and the claims' presence and types; expiry is
checked here against the server's injected clock (PyJWT would read the wall clock). The
secret lives in ``<data>/secret.key`` (created on first start, readable by the owner only),
so tokens survive restarts and a stolen database alone cannot forge them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.atomic_file import write_atomically
from mud.errors import StartupError

log = Logger()

SECRET_FILE = "secret.key"
SECRET_BYTES = 32
DEFAULT_LIFETIME = 12 * 3600.0
DEFAULT_MAX_AGE = 7 * 24 * 3600.0
MAX_TOKEN_LENGTH = 1024
ALGORITHM = "HS256"
CLAIMS = ("sub", "iat", "exp", "gen", "auth_time")


def load_or_create_secret(data_dir: str) -> bytes:
    """Read the server secret, creating it (mode 0600) if missing. Start-up only."""
    path = os.path.join(data_dir, SECRET_FILE)
    try:
        with open(path, "rb") as handle:
            secret = handle.read()
    except FileNotFoundError:
        secret = os.urandom(SECRET_BYTES)
        try:
            # A crash mid-write must not leave a short key behind; a server that made the
            # file first wins.
            if not write_atomically(path, secret, 0o600, replace=False):
                return load_or_create_secret(data_dir)
        except OSError as exc:
            raise StartupError(f"{path}: cannot create the server secret ({exc})") from None
    except OSError as exc:
        raise StartupError(f"{path}: cannot read the server secret ({exc})") from None
    if len(secret) < SECRET_BYTES:
        raise StartupError(f"{path}: the server secret is too short (fewer than "
                           f"{SECRET_BYTES} bytes); delete it to make a new one (players "
                           "then log in again)")
    return secret


@dataclass(frozen=True)
class Claims:
    """What a valid token says."""

    key: str
    generation: int
    auth_time: float
    issued: float


class TokenSigner:
    """Makes and checks the JWTs themselves (no store, no revocation)."""

    def __init__(self, secret: bytes, lifetime: float = DEFAULT_LIFETIME,
                 max_age: float = DEFAULT_MAX_AGE) -> None:
        self.secret = secret
        self.lifetime = lifetime
        self.max_age = max_age

    def issue(self, key: str, generation: int, auth_time: float, now: float) -> str:
        expires = min(now + self.lifetime, auth_time + self.max_age)
        claims = {"sub": key, "iat": now, "exp": expires, "gen": generation,
                  "auth_time": auth_time}
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def check(self, token: object, now: float) -> Claims | None:
        """The claims of a token we made that has not expired, else None (forged,
        tampered, malformed, another algorithm, expired, or older than ``max_age``)."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            claims = jwt.decode(token, self.secret, algorithms=[ALGORITHM],
                                options={"require": list(CLAIMS), "verify_exp": False,
                                         "verify_iat": False, "verify_nbf": False})
        except jwt.PyJWTError:
            return None
        key, generation = claims["sub"], claims["gen"]
        expires, auth_time, issued = claims["exp"], claims["auth_time"], claims["iat"]
        if not isinstance(key, str) or type(generation) is not int or not all(
                isinstance(v, int | float) and not isinstance(v, bool)
                for v in (expires, auth_time, issued)):
            return None
        if now >= expires or now >= auth_time + self.max_age:
            return None
        return Claims(key, generation, float(auth_time), float(issued))


class ResumeTokens:
    """Tokens against the store: issued with the account's generation, redeemed only while
    that generation stands, revoked by bumping it."""

    def __init__(self, signer: TokenSigner, store: Any, clock: Callable[[], float]) -> None:
        self.signer = signer
        self.store = store
        self.clock = clock
        # key -> time before which every token is void: revocations the store failed to
        # record (kept until the tokens they void have expired).
        self._revoked_before: dict[str, float] = {}

    def generation(self, key: str) -> Deferred[int]:
        """The account's current generation, to issue a token in."""
        return self.store.get_account(key).addCallback(
            lambda row: row.token_generation if row is not None else 0)

    def issue(self, key: str, generation: int, auth_time: float) -> str:
        return self.signer.issue(key, generation, auth_time, self.clock())

    def redeem(self, token: object) -> Deferred[Claims | None]:
        """The token's claims if it is valid and not revoked, else None."""
        claims = self.signer.check(token, self.clock())
        if claims is None:
            return succeed(None)
        if claims.issued <= self._revoked_before.get(claims.key, float("-inf")):
            return succeed(None)

        def current(row: Any) -> Claims | None:
            if row is None or row.token_generation != claims.generation:
                return None
            return claims
        return self.store.get_account(claims.key).addCallback(current)

    def revoke(self, key: str) -> Deferred[None]:
        """Void every token issued for ``key`` so far."""
        now = self.clock()

        def failed(failure: Failure) -> None:
            log.error("could not record that {key}'s resume tokens are revoked ({why}); "
                      "they are refused until the server restarts", key=key,
                      why=failure.value)
            self._forget_old(now)
            self._revoked_before[key] = now
        return self.store.revoke_tokens(key).addCallbacks(lambda _: None, failed)

    def _forget_old(self, now: float) -> None:
        # Tokens issued before then have expired anyway.
        horizon = now - self.signer.lifetime
        for key in [k for k, t in self._revoked_before.items() if t < horizon]:
            del self._revoked_before[key]
