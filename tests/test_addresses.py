"""Per-address keys: IPv4 as it is, IPv6 by its /64, mapped IPv4 as IPv4."""

from __future__ import annotations

import pytest

from mud.protocols.addresses import peer_key


@pytest.mark.parametrize(("host", "key"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("::ffff:198.51.100.4", "198.51.100.4"),
    ("::1", "::/64"),
    ("", ""),
    ("not an address", "not an address"),
])
def test_peer_keys(host, key):
    assert peer_key(host) == key
