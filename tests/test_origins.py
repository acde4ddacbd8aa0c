"""Origin policy: parsing origins, the site's own origin, allowed ones, frame-ancestors."""

from __future__ import annotations

import pytest

from mud.protocols.origins import OriginPolicy, origin_problem, parse_origin


@pytest.mark.parametrize("text, parsed", [
    ("http://localhost:4080", ("http", "localhost", 4080)),
    ("HTTPS://Mud.Example.org", ("https", "mud.example.org", 443)),
    ("http://mud.example.org/", ("http", "mud.example.org", 80)),
    ("http://[::1]:8080", ("http", "::1", 8080)),
    ("null", None), ("", None), ("ftp://x", None), ("http://", None),
    ("http://x/path", None), ("http://user@x", None), ("http://x:99999", None),
    ("http://x?q", None), ("javascript:alert(1)", None),
])
def test_origins_are_parsed_strictly(text, parsed):
    assert parse_origin(text) == parsed


def test_only_the_sites_own_origin_is_allowed_by_default():
    policy = OriginPolicy()
    assert policy.allows(None, "localhost:4080", secure=False)  # not a browser
    assert policy.allows("http://localhost:4080", "localhost:4080", secure=False)
    assert policy.allows("http://LOCALHOST:4080", "localhost:4080", secure=False)
    assert policy.allows("https://mud.example.org", "mud.example.org", secure=True)
    assert policy.allows("https://mud.example.org", "mud.example.org:443", secure=True)
    assert not policy.allows("http://evil.example", "localhost:4080", secure=False)
    assert not policy.allows("https://localhost:4080", "localhost:4080", secure=False)
    assert not policy.allows("http://localhost:4081", "localhost:4080", secure=False)
    assert not policy.allows("null", "localhost:4080", secure=False)
    assert not policy.allows("http://localhost:4080", None, secure=False)
    assert not policy.allows("http://localhost:4080", "", secure=False)


def test_allowed_origins_are_let_in_and_may_frame_the_client():
    policy = OriginPolicy(["https://mud.example.org", "http://portal.example:8080/"])
    assert policy.allows("https://mud.example.org", "127.0.0.1:4080", secure=False)
    assert policy.allows("http://portal.example:8080", "127.0.0.1:4080", secure=False)
    assert not policy.allows("http://portal.example", "127.0.0.1:4080", secure=False)
    assert policy.frame_ancestors() == "http://portal.example:8080 https://mud.example.org"
    assert OriginPolicy().frame_ancestors() == "'none'"


def test_a_bad_allowed_origin_is_explained():
    assert origin_problem("https://mud.example.org") is None
    assert "write it like https://" in origin_problem("mud.example.org")
