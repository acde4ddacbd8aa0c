"""Bans: by character name, by address or by network (CIDR), until a time or forever.

The ban list lives in the store (table ``bans``, schema 6) and, while the server runs, in
memory (``BanList``), so the check made at every connection and login is a dict lookup
for a name or an address and a walk over the (few) banned networks: no disk on the
reactor. ``bans_of(game)`` gives a game's list, read from the rows the store loaded at
start-up the first time it is asked for. Expiry reads the injected clock: a ban whose
``until`` has passed is ignored (and dropped from memory when next met).

The connect-time check (``refuse_address``) and the login check (``name_ban``) are used by
the telnet and WebSocket protocols and by mud/login.py.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mud.audit import audit

# Longest ban reason (characters).
MAX_REASON = 200
# Most bans held at once: each network ban costs a comparison at every connection.
MAX_BANS = 1000
# Longest ban that is not "forever": ten years, in seconds.
MAX_DURATION = 10 * 365 * 86400

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^(\d{1,6})([smhdw])$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z'-]{0,29}$")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BanError(ValueError):
    """Bad ban input; the message is for the admin."""


@dataclass(frozen=True)
class Ban:
    """One ban: ``kind`` is name, address or network; ``target`` is the lower-case name,
    the address, or the network in CIDR form; ``until`` is None for forever."""

    kind: str
    target: str
    until: float | None
    reason: str
    by: str
    created: float

    def active(self, now: float) -> bool:
        return self.until is None or now < self.until

    def row(self) -> tuple[str, str, float | None, str, str, float]:
        return (self.kind, self.target, self.until, self.reason, self.by, self.created)


def parse_duration(text: str) -> float | None:
    """``30m``, ``2h``, ``7d``, ``2w``, ``45s`` in seconds; ``forever`` (or ``permanent``)
    is None. Raises BanError for anything else."""
    word = text.strip().lower()
    if word in ("forever", "permanent"):
        return None
    match = _DURATION.match(word)
    if match is None:
        raise BanError(f"'{text[:20]}' is not a duration: use a number and a unit (30m, 2h, "
                       "7d, 2w) or forever.")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise BanError("A ban must last more than no time at all.")
    if seconds > MAX_DURATION:
        raise BanError("That is longer than ten years; use forever.")
    return float(seconds)


def parse_target(text: str) -> tuple[str, str]:
    """(kind, target) for a name, an IPv4/IPv6 address or a network in CIDR form."""
    word = text.strip()
    if "/" in word:
        try:
            network = ipaddress.ip_network(word, strict=False)
        except ValueError:
            raise BanError(f"'{word[:50]}' is not a network: write it as 203.0.113.0/24 or "
                           "2001:db8::/32.") from None
        if network.num_addresses == 1:
            return "address", str(network.network_address)
        return "network", str(network)
    if ":" in word or word[:1].isdigit():
        try:
            return "address", str(ipaddress.ip_address(word))
        except ValueError:
            raise BanError(f"'{word[:50]}' is not an address: write it as 203.0.113.5 or "
                           "2001:db8::5.") from None
    if not _NAME.match(word):
        raise BanError(f"'{word[:30]}' is neither a character name, an address nor a "
                       "network.")
    return "name", word.lower()


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d: match it as IPv4.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


class BanList:
    """The bans in force, in memory: by name, by address, and a list of networks."""

    def __init__(self, clock: Callable[[], float] = time.time,
                 bans: Iterable[Ban] = ()) -> None:
        self.clock = clock
        self._by_key: dict[tuple[str, str], Ban] = {}
        self._networks: list[tuple[Network, Ban]] = []
        for ban in bans:
            self.add(ban)

    def __len__(self) -> int:
        return len(self._by_key)

    def add(self, ban: Ban) -> None:
        """Put ``ban`` in force (replacing one on the same target)."""
        self.remove(ban.kind, ban.target)
        self._by_key[(ban.kind, ban.target)] = ban
        if ban.kind == "network":
            self._networks.append((ipaddress.ip_network(ban.target), ban))

    def remove(self, kind: str, target: str) -> Ban | None:
        ban = self._by_key.pop((kind, target), None)
        if ban is not None and kind == "network":
            self._networks = [(n, b) for n, b in self._networks if b is not ban]
        return ban

    def get(self, kind: str, target: str) -> Ban | None:
        return self._live(self._by_key.get((kind, target)))

    def _live(self, ban: Ban | None) -> Ban | None:
        if ban is None:
            return None
        if not ban.active(self.clock()):
            self.remove(ban.kind, ban.target)
            return None
        return ban

    def for_name(self, name: str) -> Ban | None:
        """The ban on character ``name`` in force, if any."""
        return self.get("name", name.lower())

    def for_address(self, address: str) -> Ban | None:
        """The ban covering ``address`` (itself or a banned network holding it), if any."""
        if not address:
            return None
        ip = _address(address)
        if ip is None:
            return None
        ban = self.get("address", str(ip))
        if ban is not None:
            return ban
        for network, held in list(self._networks):
            if ip.version == network.version and ip in network:
                found = self._live(held)
                if found is not None:
                    return found
        return None

    @staticmethod
    def covers(kind: str, target: str, address: str) -> bool:
        """Whether a ban (kind, target) would hold ``address``: an address, or a session's
        per-address key (an IPv6 peer's /64, mud/protocols/addresses.py), which counts as
        held when the ban and the /64 overlap."""
        if kind not in ("address", "network") or not address:
            return False
        ip = _address(address)
        try:
            place = ipaddress.ip_network(ip if ip is not None else address, strict=False)
        except ValueError:
            return False
        banned = ipaddress.ip_network(target, strict=False)
        return place.version == banned.version and place.overlaps(banned)

    def active(self) -> list[Ban]:
        """Every ban in force, oldest first."""
        now = self.clock()
        return sorted((b for b in self._by_key.values() if b.active(now)),
                      key=lambda b: b.created)


def bans_of(game: Any) -> BanList:
    """The game's ban list, made from the rows its store read at start-up when first
    asked for."""
    bans = getattr(game, "bans", None)
    if bans is None:
        clock = game.world.clock.seconds
        rows = getattr(game.store, "ban_rows", ())
        bans = BanList(clock, (Ban(*row) for row in rows))
        game.bans = bans
    return bans


def when(ban: Ban) -> str:
    """When a ban ends, for people: 'forever' or a UTC date and time."""
    if ban.until is None:
        return "forever"
    return "until " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ban.until))


def refusal(ban: Ban, what: str) -> str:
    """What a banned connection or login is told."""
    return f"{what} is banned {when(ban)}: {ban.reason}"


def address_ban(game: Any, address: str, via: str) -> Ban | None:
    """The ban refusing a new connection from ``address`` (audited), if any."""
    ban = bans_of(game).for_address(address)
    if ban is not None:
        audit("connect_refused", "", address, via, ban=ban.target, reason=ban.reason)
    return ban


def name_ban(game: Any, name: str, address: str, via: str) -> Ban | None:
    """The ban refusing a login or registration as ``name`` (audited), if any."""
    ban = bans_of(game).for_name(name)
    if ban is not None:
        audit("login_refused", name.capitalize(), address, via, ban=ban.target,
              reason=ban.reason)
    return ban
