"""Salted, slow password hashes (scrypt). Pure functions: callers run them off the reactor."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    """scrypt work factors. ``DEFAULT`` takes tens of milliseconds; tests may go cheaper."""

    n: int = 2**14
    r: int = 8
    p: int = 1


DEFAULT = Cost()
MAX_PASSWORD_BYTES = 1024


def _scrypt(password: str, salt: bytes, cost: Cost) -> bytes:
    return hashlib.scrypt(password.encode("utf-8")[:MAX_PASSWORD_BYTES], salt=salt,
                          n=cost.n, r=cost.r, p=cost.p, maxmem=256 * 1024 * 1024, dklen=32)


def hash_password(password: str, cost: Cost = DEFAULT) -> str:
    """``scrypt$n$r$p$salt$hash``, base64 parts: self-describing so costs can change later."""
    salt = os.urandom(16)
    digest = _scrypt(password, salt, cost)
    parts = [base64.b64encode(x).decode("ascii") for x in (salt, digest)]
    return f"scrypt${cost.n}${cost.r}${cost.p}${parts[0]}${parts[1]}"


def verify_password(password: str, stored: str) -> bool:
    """True if ``password`` matches ``stored``; False for a mismatch or a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        cost = Cost(int(n), int(r), int(p))
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), cost)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
