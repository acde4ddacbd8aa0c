"""Signed, expiring resume tokens: HMAC-SHA256 over the character key and an expiry time.

The secret lives in ``<data>/secret.key`` (created on first start, readable by the owner
only), so tokens survive restarts and a stolen database alone cannot forge them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from mud.atomic_file import write_atomically
from mud.errors import StartupError

SECRET_FILE = "secret.key"
DEFAULT_LIFETIME = 12 * 3600.0
MAX_TOKEN_LENGTH = 512


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_or_create_secret(data_dir: str) -> bytes:
    """Read the server secret, creating it (mode 0600) if missing. Start-up only."""
    path = os.path.join(data_dir, SECRET_FILE)
    try:
        with open(path, "rb") as handle:
            secret = handle.read()
    except FileNotFoundError:
        secret = os.urandom(32)
        try:
            # A crash mid-write must not leave a short key behind; a server that made the
            # file first wins.
            if not write_atomically(path, secret, 0o600, replace=False):
                return load_or_create_secret(data_dir)
        except OSError as exc:
            raise StartupError(f"{path}: cannot create the server secret ({exc})") from None
    except OSError as exc:
        raise StartupError(f"{path}: cannot read the server secret ({exc})") from None
    if len(secret) < 16:
        raise StartupError(f"{path}: the server secret is too short; delete it to make a new one")
    return secret


class TokenSigner:
    def __init__(self, secret: bytes, lifetime: float = DEFAULT_LIFETIME) -> None:
        self.secret = secret
        self.lifetime = lifetime

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, payload, hashlib.sha256).digest()

    def issue(self, key: str, now: float) -> str:
        payload = json.dumps({"k": key, "e": int(now + self.lifetime)},
                             separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def check(self, token: object, now: float) -> str | None:
        """The character key the token was issued for, or None if forged/malformed/expired."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            return None
        body, _, signature = token.partition(".")
        try:
            payload = _unb64(body)
            given = _unb64(signature)
        except (ValueError, TypeError):
            return None
        if not hmac.compare_digest(given, self._sign(payload)):
            return None
        try:
            claims = json.loads(payload)
            key, expires = claims["k"], claims["e"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(key, str) or not isinstance(expires, int) or expires < now:
            return None
        return key
