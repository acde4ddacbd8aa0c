"""Resume tokens: signed, expiring, bound to one character; the secret file."""

from __future__ import annotations

import os
import stat

import pytest

from mud.errors import StartupError
from mud.tokens import TokenSigner, load_or_create_secret


def test_a_token_names_its_character_until_it_expires():
    signer = TokenSigner(b"k" * 32, lifetime=100)
    token = signer.issue("wren", now=1000)
    assert signer.check(token, now=1000) == "wren"
    assert signer.check(token, now=1100) == "wren"
    assert signer.check(token, now=1101) is None


def test_forged_tampered_or_malformed_tokens_are_refused():
    signer = TokenSigner(b"k" * 32)
    token = signer.issue("wren", now=0)
    body, sig = token.split(".")
    other = TokenSigner(b"x" * 32).issue("wren", now=0)
    flipped = body[:-1] + ("A" if body[-1] != "A" else "B")
    for bad in (other, f"{flipped}.{sig}", f"{body}.{sig[:-2]}", "abc", "a.b.c", "", "..",
                None, 42, "x" * 600, f"{body}.!!!"):
        assert signer.check(bad, now=0) is None, bad


def test_the_secret_is_created_once_private_and_reused(tmp_path):
    first = load_or_create_secret(str(tmp_path))
    assert len(first) == 32
    mode = stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode)
    assert mode == 0o600
    assert load_or_create_secret(str(tmp_path)) == first


def test_a_short_secret_file_is_refused(tmp_path):
    (tmp_path / "secret.key").write_bytes(b"short")
    with pytest.raises(StartupError, match="too short"):
        load_or_create_secret(str(tmp_path))
