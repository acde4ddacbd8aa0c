"""What fights say: the ``combat`` and ``consider`` events and how each reads.

One ``Combat`` event per thing that happened in a fight (someone attacked, hit, missed,
killed, fled or failed to), made up to three times: the attacker's copy (``role``
"attacker"), the victim's ("victim") and one shared by everyone else in the room
("room"), so each reads it in their own words. Text clients get a sentence; web clients
the fields (``action``, ``attacker``, ``victim``, ``amount``, ``weapon``, ``role``,
``direction``) and the same sentence as ``text`` (docs/protocol.md). A fighter's health
after a blow goes separately, as the vitals part's silent vitals event.
"""

from __future__ import annotations

from typing import Any

from mud.engine.events import Event

# What ``action`` may be (docs/protocol.md lists them for clients).
ACTIONS = ("engage", "hit", "miss", "kill", "flee", "stuck")
ROLES = ("attacker", "victim", "room")


def cap(name: str) -> str:
    """A name at the start of a sentence: "a grey wolf" -> "A grey wolf"."""
    return name[:1].upper() + name[1:]


class Combat(Event):
    """One thing that happened in a fight, as ``role`` sees it. ``amount``: the damage a
    hit did (0 otherwise); ``weapon``: what the attacker hit with ("" bare-handed, or an
    NPC's own teeth and claws); ``direction``: where a fleeing fighter ran."""

    __slots__ = ("action", "amount", "attacker", "direction", "role", "victim", "weapon")
    kind = "combat"

    def __init__(self, action: str, attacker: str, victim: str = "", role: str = "room",
                 amount: int = 0, weapon: str = "", direction: str = "") -> None:
        super().__init__()
        self.action = action
        self.attacker = attacker
        self.victim = victim
        self.role = role
        self.amount = amount
        self.weapon = weapon
        self.direction = direction


class Consider(Event):
    """How a fight with ``target`` would go (``consider``): ``difference`` is its level
    less the player's; ``verdict`` says it in words."""

    __slots__ = ("difference", "target", "verdict")
    kind = "consider"

    def __init__(self, target: str, difference: int, verdict: str) -> None:
        super().__init__()
        self.target = target
        self.difference = difference
        self.verdict = verdict


# -- how a blow reads ------------------------------------------------------------------------

# Damage -> (the attacker's verb, everyone else's): a harder blow reads harder.
_BLOWS = ((2, "graze", "grazes"), (5, "hit", "hits"), (9, "strike", "strikes"),
          (14, "maul", "mauls"), (None, "devastate", "devastates"))


def blow_words(amount: int) -> tuple[str, str]:
    """The verb for a blow of ``amount`` damage: ("hit", "hits")."""
    for most, own, other in _BLOWS:
        if most is None or amount <= most:
            return own, other
    return _BLOWS[-1][1], _BLOWS[-1][2]


def _with(e: Combat, own: bool) -> str:
    if not e.weapon:
        return ""
    return f" with your {_bare(e.weapon)}" if own else f" with {e.weapon}"


def _bare(name: str) -> str:
    for article in ("a ", "an ", "the ", "some "):
        if name.lower().startswith(article) and len(name) > len(article):
            return name[len(article):]
    return name


def combat_text(e: Combat) -> str:
    """The sentence ``e`` is for whoever it was made for (no colour, unwrapped)."""
    a, v, role = e.attacker, e.victim, e.role
    if e.action == "engage":
        return {"attacker": f"You attack {v}!", "victim": f"{cap(a)} attacks you!"}.get(
            role, f"{cap(a)} attacks {v}!")
    if e.action == "hit":
        own, other = blow_words(e.amount)
        if role == "attacker":
            return f"You {own} {v}{_with(e, True)}. ({e.amount})"
        if role == "victim":
            return f"{cap(a)} {other} you{_with(e, False)}. ({e.amount})"
        return f"{cap(a)} {other} {v}{_with(e, False)}."
    if e.action == "miss":
        return {"attacker": f"You miss {v}.", "victim": f"{cap(a)} misses you."}.get(
            role, f"{cap(a)} misses {v}.")
    if e.action == "kill":
        if role == "attacker":
            return f"You have killed {v}!"
        if role == "victim":
            return f"You have been killed by {a}! You are dead."
        return f"{cap(v)} is dead! R.I.P."
    if e.action == "flee":
        way = f" {e.direction}" if e.direction else ""
        return "You flee head over heels" + way + "!" if role == "attacker" else \
            f"{cap(a)} panics and flees{way}!"
    if e.action == "stuck":
        return "You try to flee, but cannot get away!" if role == "attacker" else \
            f"{cap(a)} tries to flee, but cannot get away!"
    return f"{cap(a)} fights {v}."


# Colour roles (mud/render/text.py PALETTE): your blows bright, blows at you red.
_PAINT = {"attacker": "notice", "victim": "error"}


def _text(e: Combat, p: Any) -> str:
    line = combat_text(e)
    role = _PAINT.get(e.role)
    if e.action in ("miss", "engage") and e.role == "room":
        role = None
    return p.wrap(p(role, line) if role else line)


def _json(e: Combat) -> dict[str, Any]:
    return {"action": e.action, "attacker": e.attacker, "victim": e.victim, "role": e.role,
            "amount": e.amount, "weapon": e.weapon, "direction": e.direction}


def _consider_json(e: Consider) -> dict[str, Any]:
    return {"target": e.target, "difference": e.difference, "verdict": e.verdict}


def install() -> None:
    """Register the events' text and JSON looks."""
    from mud.render import json_events, text

    text.register(Combat, _text)
    text.register(Consider, lambda e, p: p.wrap(e.verdict))
    json_events.register(Combat, _json)
    json_events.register(Consider, _consider_json)
