"""Resume tokens: signed, expiring, bound to one character; the secret file."""

from __future__ import annotations

import os
import stat

import jwt
import pytest
from twisted.internet.defer import fail
from twisted.internet.task import Clock

from mud.errors import StartupError
from mud.persistence.store import AccountRow, StoreUnavailable
from mud.tokens import Claims, ResumeTokens, TokenSigner, load_or_create_secret
from tests.support import MemoryStore


def test_a_token_is_a_standard_jwt_naming_its_character_until_it_expires():
    signer = TokenSigner(b"k" * 32, lifetime=100)
    token = signer.issue("wren", generation=3, auth_time=900, now=1000)
    # Any JWT library with the secret can read it (a game's website, say).
    claims = jwt.decode(token, b"k" * 32, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"sub": "wren", "iat": 1000, "exp": 1100, "gen": 3, "auth_time": 900}
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert signer.check(token, now=1000) == Claims("wren", 3, 900.0, 1000.0)
    assert signer.check(token, now=1099.5) is not None
    assert signer.check(token, now=1100) is None


def test_renewal_never_reaches_past_the_maximum_age_from_the_password_login():
    signer = TokenSigner(b"k" * 32, lifetime=100, max_age=250)
    token = signer.issue("wren", 0, auth_time=0, now=0)
    now = 0
    for _ in range(10):  # a thief renewing a stolen token as often as it likes
        now += 90
        claims = signer.check(token, now)
        if claims is None:
            break
        token = signer.issue(claims.key, claims.generation, claims.auth_time, now)
    assert now == 270  # renewed at 90 and 180, refused at 270 (past 250)
    assert jwt.decode(signer.issue("wren", 0, auth_time=0, now=200), b"k" * 32,
                      algorithms=["HS256"], options={"verify_exp": False})["exp"] == 250


def test_forged_tampered_or_malformed_tokens_are_refused():
    signer = TokenSigner(b"k" * 32)
    token = signer.issue("wren", 0, 0, now=0)
    head, body, sig = token.split(".")
    other = TokenSigner(b"x" * 32).issue("wren", 0, 0, now=0)
    flipped = body[:-1] + ("A" if body[-1] != "A" else "B")
    unsigned = jwt.encode({"sub": "wren", "iat": 0, "exp": 99, "gen": 0, "auth_time": 0},
                          None, algorithm="none")
    no_generation = jwt.encode({"sub": "wren", "iat": 0, "exp": 99, "auth_time": 0},
                               b"k" * 32, algorithm="HS256")
    wrong_types = jwt.encode({"sub": 7, "iat": 0, "exp": 99, "gen": "0", "auth_time": 0},
                             b"k" * 32, algorithm="HS256")
    for bad in (other, f"{head}.{flipped}.{sig}", f"{head}.{body}.{sig[:-2]}", "abc", "a.b.c",
                "", "..", None, 42, "x" * 2000, f"{head}.{body}.!!!", unsigned,
                no_generation, wrong_types):
        assert signer.check(bad, now=0) is None, bad


@pytest.fixture
def tokens():
    store = MemoryStore()
    store.accounts["wren"] = AccountRow("wren", "Wren", "hash")
    clock = Clock()
    clock.advance(1000)
    return ResumeTokens(TokenSigner(b"k" * 32), store, clock.seconds), store, clock


def redeemed(d):
    results = []
    d.addCallback(results.append)
    return results[0]


def test_a_token_is_redeemed_while_its_generation_stands(tokens):
    tokens, store, clock = tokens
    token = tokens.issue("wren", redeemed(tokens.generation("wren")), clock.seconds())
    assert redeemed(tokens.redeem(token)).key == "wren"
    store.set_password("wren", "new hash")  # bumps the generation
    assert redeemed(tokens.redeem(token)) is None
    fresh = tokens.issue("wren", redeemed(tokens.generation("wren")), clock.seconds())
    assert redeemed(tokens.redeem(fresh)).generation == 1


def test_revoking_voids_every_earlier_token_even_when_the_store_fails(tokens):
    tokens, store, clock = tokens
    first = tokens.issue("wren", 0, clock.seconds())
    tokens.revoke("wren")
    assert redeemed(tokens.redeem(first)) is None
    clock.advance(1)
    second = tokens.issue("wren", redeemed(tokens.generation("wren")), clock.seconds())
    store.revoke_tokens = lambda key: fail(StoreUnavailable("disk full"))
    clock.advance(1)
    tokens.revoke("wren")  # not recorded in the store: held in memory instead
    assert redeemed(tokens.redeem(second)) is None
    clock.advance(1)
    third = tokens.issue("wren", redeemed(tokens.generation("wren")), clock.seconds())
    assert redeemed(tokens.redeem(third)).key == "wren"


def test_the_secret_is_created_once_private_and_reused(tmp_path):
    first = load_or_create_secret(str(tmp_path))
    assert len(first) == 32
    mode = stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode)
    assert mode == 0o600
    assert load_or_create_secret(str(tmp_path)) == first


def test_a_short_secret_file_is_refused(tmp_path):
    (tmp_path / "secret.key").write_bytes(b"s" * 31)
    with pytest.raises(StartupError, match="too short"):
        load_or_create_secret(str(tmp_path))
