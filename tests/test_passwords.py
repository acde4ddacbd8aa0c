"""Password hashing: salted scrypt strings that verify, and malformed ones that do not."""

from __future__ import annotations

import pytest

from mud import passwords
from mud.passwords import hash_password, verify_password

CHEAP = passwords.Cost(n=2**8, r=8, p=1)


@pytest.fixture(scope="module")
def stored():
    return hash_password("correct horse", CHEAP)


def test_hash_format_names_scheme_and_cost(stored):
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "256", "8", "1")
    assert salt and digest
    assert "correct horse" not in stored


def test_each_hash_has_its_own_salt():
    first, second = hash_password("same", CHEAP), hash_password("same", CHEAP)
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert verify_password("same", first)
    assert verify_password("same", second)


def test_right_password_verifies(stored):
    assert verify_password("correct horse", stored) is True


@pytest.mark.parametrize("attempt", ["correct horse ", "Correct horse", "", "correct"])
def test_wrong_password_does_not(stored, attempt):
    assert verify_password(attempt, stored) is False


def test_unicode_passwords():
    stored = hash_password("pässwörd-🔑", CHEAP)
    assert verify_password("pässwörd-🔑", stored)
    assert not verify_password("passwörd-🔑", stored)


def test_cost_is_read_from_the_stored_string():
    other = passwords.Cost(n=2**9, r=4, p=2)
    stored = hash_password("pw", other)
    assert stored.startswith("scrypt$512$4$2$")
    assert verify_password("pw", stored)
    # The same salt and digest under different cost numbers no longer match.
    assert not verify_password("pw", stored.replace("$512$", "$256$", 1))


def test_tampered_digest_fails(stored):
    head, digest = stored.rsplit("$", 1)
    flipped = ("A" if digest[0] != "A" else "B") + digest[1:]
    assert not verify_password("correct horse", f"{head}${flipped}")


@pytest.mark.parametrize("bad", [
    "",
    "plaintext",
    "scrypt$256$8$1$c2FsdA==",
    "scrypt$256$8$1$c2FsdA==$ZGln$extra",
    "bcrypt$256$8$1$c2FsdA==$ZGlnZXN0",
    "scrypt$many$8$1$c2FsdA==$ZGlnZXN0",
    "scrypt$255$8$1$c2FsdA==$ZGlnZXN0",
    "scrypt$256$8$0$c2FsdA==$ZGlnZXN0",
    "scrypt$256$8$1$not base64!$ZGlnZXN0",
    "scrypt$256$8$1$c2FsdA==$%%%",
    "scrypt$256$8$1$c2FsdA==$",
    "scrypt$256$8$1$c2FsdA==$ZGlnZXN0é",
    "scrypt$1048576$8$1$c2FsdA==$ZGlnZXN0",
])
def test_malformed_stored_strings_return_false(bad):
    assert verify_password("anything", bad) is False
