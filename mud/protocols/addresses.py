"""Which connections count as coming from one place, for the per-address limits.

An IPv4 address is one place. An IPv6 host is usually given a whole /64 by its network,
and picks addresses from it at will (privacy addresses change by the hour), so per-address
limits keyed on the full IPv6 address would give one attacker 2^64 fresh "addresses":
IPv6 peers are keyed on their /64. An IPv4 address written as IPv6 (``::ffff:1.2.3.4``,
on a dual-stack listener) is that IPv4 address. Anything else (a Unix socket's empty
name) is kept as it is.
"""

from __future__ import annotations

import functools
import ipaddress

IPV6_PREFIX = 64


@functools.lru_cache(maxsize=4096)
def peer_key(host: str) -> str:
    """The key per-address limits count ``host`` under."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False)
        return str(network)
    return str(address)
