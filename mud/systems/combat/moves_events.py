"""What resting and mending say: the ``rest`` and ``mend`` events and how each reads.

``Rest``: someone sat down to rest, stood up, was woken by an attack, or (``score``) is
resting now; ``role`` "self" is the player's own copy, "room" everyone else's. ``Mend``:
someone spent mana to close wounds (their own or another player's); ``role`` "healer",
"target" (the one mended, when it is not the healer) or "room". Web clients get the
fields and the same sentence as ``text`` (docs/protocol.md); the new numbers follow in
the vitals part's silent ``vitals`` frame.
"""

from __future__ import annotations

from typing import Any

from mud.engine.events import Event
from mud.systems.combat.fight_events import cap

# What ``Rest.action`` may be (docs/protocol.md lists them for clients).
REST_ACTIONS = ("rest", "stand", "woken", "resting")


class Rest(Event):
    """``name`` sat down (``rest``), got up (``stand``), was made to get up by an attack
    (``woken``), or is resting now (``resting``, the player's own ``score``)."""

    __slots__ = ("action", "name", "role")
    kind = "rest"

    def __init__(self, action: str, name: str, role: str = "self") -> None:
        super().__init__()
        self.action = action
        self.name = name
        self.role = role


class Mend(Event):
    """``healer`` mended ``target`` (the same name: their own wounds) for ``amount``
    health, spending ``cost`` mana."""

    __slots__ = ("amount", "cost", "healer", "role", "target")
    kind = "mend"

    def __init__(self, healer: str, target: str, amount: int, cost: int,
                 role: str = "healer") -> None:
        super().__init__()
        self.healer = healer
        self.target = target
        self.amount = amount
        self.cost = cost
        self.role = role


def rest_text(e: Rest) -> str:
    own = e.role == "self"
    n = cap(e.name)
    if e.action == "rest":
        return "You sit down to rest." if own else f"{n} sits down to rest."
    if e.action == "stand":
        return "You stand up." if own else f"{n} stands up."
    if e.action == "woken":
        return "You leap to your feet!" if own else f"{n} leaps up!"
    return "You are resting." if own else f"{n} is resting."


def mend_text(e: Mend) -> str:
    h, t = cap(e.healer), e.target
    gain = f" (+{e.amount} health)"
    if e.healer == e.target:
        if e.role == "healer":
            return "You murmur a word of mending and your wounds close." + gain
        return f"{h} murmurs a word of mending and looks better."
    if e.role == "healer":
        return f"You murmur a word of mending over {t}." + gain
    if e.role == "target":
        return f"{h} murmurs a word of mending over you, and your wounds close." + gain
    return f"{h} murmurs a word of mending over {t}."


def _rest_json(e: Rest) -> dict[str, Any]:
    return {"action": e.action, "name": e.name, "role": e.role}


def _mend_json(e: Mend) -> dict[str, Any]:
    return {"healer": e.healer, "target": e.target, "amount": e.amount, "cost": e.cost,
            "role": e.role}


def install() -> None:
    """Register the events' text and JSON looks."""
    from mud.render import json_events, text

    text.register(Rest, lambda e, p: p.wrap(rest_text(e)))
    text.register(Mend, lambda e, p: p.wrap(mend_text(e)))
    json_events.register(Rest, _rest_json)
    json_events.register(Mend, _mend_json)
