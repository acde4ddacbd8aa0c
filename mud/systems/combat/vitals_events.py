"""The vitals part's events and how each reads: text, JSON frames and GMCP messages.

- ``Vitals`` (kind ``vitals``, silent): a character's points after each change, at login
  and when the client asks again (``refresh``). Telnet prints nothing for it; GMCP clients
  get ``Char.Vitals`` (numbers, plus Mudlet's ``string``); web clients a ``vitals`` frame.
- ``Status`` (kind ``status``, silent): name, level, experience and coins: GMCP
  ``Char.Status`` (and ``Char.StatusVars``, the fields' labels, at login and refresh).
- ``LevelUp`` (kind ``level``): "You are now level 3!", with what the level added.
- ``Experience`` (kind ``xp``): "You gain 20 experience." (or lose, at a death).
- ``Score`` (kind ``score``): the ``score`` command's sheet.
"""

from __future__ import annotations

from typing import Any

from mud.engine.events import Event

# Char.StatusVars: the Char.Status fields this game sends, with their labels.
STATUS_VARS = {"name": "Name", "level": "Level", "xp": "Experience",
               "maxxp": "Experience for the next level", "gold": "Coins"}


class Vitals(Event):
    """A character's points now (``xp_next`` None: the top level)."""

    __slots__ = ("gold", "hp", "level", "maxhp", "maxmp", "maxmv", "mp", "mv", "xp",
                 "xp_next")
    kind = "vitals"
    silent = True

    def __init__(self, hp: int, maxhp: int, mp: int, maxmp: int, mv: int, maxmv: int,
                 level: int, xp: int, xp_next: int | None, gold: int) -> None:
        super().__init__()
        self.hp, self.maxhp = hp, maxhp
        self.mp, self.maxmp = mp, maxmp
        self.mv, self.maxmv = mv, maxmv
        self.level = level
        self.xp = xp
        self.xp_next = xp_next
        self.gold = gold


class Status(Event):
    """Who the character is in the game's terms (``labels``: send Char.StatusVars too)."""

    __slots__ = ("currency", "currency_plural", "gold", "labels", "level", "name", "title",
                 "xp", "xp_next")
    kind = "status"
    silent = True

    def __init__(self, name: str, level: int, xp: int, xp_next: int | None, gold: int,
                 currency: str, labels: bool = False, currency_plural: str = "",
                 title: str = "") -> None:
        super().__init__()
        self.name = name
        # What the world's titles call this level ("" when it has none).
        self.title = title
        self.level = level
        self.xp = xp
        self.xp_next = xp_next
        self.gold = gold
        self.currency = currency
        # The server's own plural ("silver pence"), so a client never makes its own.
        self.currency_plural = currency_plural or _plural(currency)
        self.labels = labels


class LevelUp(Event):
    """The character reached ``level``; its maxima grew by ``hp``, ``mp`` and ``mv``."""

    __slots__ = ("hp", "level", "mp", "mv")
    kind = "level"

    def __init__(self, level: int, hp: int, mp: int, mv: int) -> None:
        super().__init__()
        self.level = level
        self.hp, self.mp, self.mv = hp, mp, mv


class Experience(Event):
    """Experience gained (``amount`` > 0) or lost (< 0)."""

    __slots__ = ("amount", "xp")
    kind = "xp"

    def __init__(self, amount: int, xp: int) -> None:
        super().__init__()
        self.amount = amount
        self.xp = xp


class Score(Event):
    """The ``score`` sheet: ``vitals`` as in the Vitals event, plus the fighting numbers."""

    __slots__ = ("armour", "currency", "damage", "hitroll", "name", "title", "vitals",
                 "weapon")
    kind = "score"

    def __init__(self, name: str, vitals: Vitals, armour: int, hitroll: int, damage: str,
                 weapon: str, currency: str, title: str = "") -> None:
        super().__init__()
        self.name = name
        self.title = title
        self.vitals = vitals
        self.armour = armour
        self.hitroll = hitroll
        self.damage = damage
        self.weapon = weapon
        self.currency = currency


def _plural(currency: str) -> str:
    from mud.engine.grouping import pluralise
    return pluralise(currency)


def _coins(amount: int, currency: str) -> str:
    return f"{amount} {currency if amount == 1 else _plural(currency)}"


def vitals_string(e: Vitals) -> str:
    """Mudlet's one-line summary: "H:20/20 M:10/10 V:60/60"."""
    return f"H:{e.hp}/{e.maxhp} M:{e.mp}/{e.maxmp} V:{e.mv}/{e.maxmv}"


def vitals_fields(e: Vitals) -> dict[str, Any]:
    return {"hp": e.hp, "maxhp": e.maxhp, "mp": e.mp, "maxmp": e.maxmp, "mv": e.mv,
            "maxmv": e.maxmv, "level": e.level, "xp": e.xp, "xp_next": e.xp_next,
            "gold": e.gold}


def _vitals_gmcp(e: Vitals) -> list[tuple[str, Any]]:
    return [("Char.Vitals", {"hp": e.hp, "maxhp": e.maxhp, "mp": e.mp, "maxmp": e.maxmp,
                             "mv": e.mv, "maxmv": e.maxmv, "xp": e.xp,
                             # At the top level the bar is simply full.
                             "maxxp": e.xp_next if e.xp_next is not None else e.xp,
                             "string": vitals_string(e)})]


def _status_fields(e: Status) -> dict[str, Any]:
    return {"name": e.name, "level": e.level, "xp": e.xp, "xp_next": e.xp_next,
            "gold": e.gold, "currency": e.currency, "currency_plural": e.currency_plural,
            "title": e.title}


def _status_gmcp(e: Status) -> list[tuple[str, Any]]:
    fields: dict[str, Any] = {"name": e.name, "level": e.level, "xp": e.xp,
                              "maxxp": e.xp_next if e.xp_next is not None else e.xp,
                              "gold": e.gold}
    labels = STATUS_VARS
    if e.title:  # the class-like field a world with titles defines
        fields["title"] = e.title
        labels = {**STATUS_VARS, "title": "Title"}
    status = ("Char.Status", fields)
    return [("Char.StatusVars", labels), status] if e.labels else [status]


def _level_text(e: LevelUp, p: Any) -> str:
    gains = [f"+{n} {word}" for n, word in ((e.hp, "health"), (e.mp, "mana"),
                                            (e.mv, "movement")) if n]
    extra = f" ({', '.join(gains)})" if gains else ""
    return p("notice", f"You are now level {e.level}!{extra}")


def _xp_text(e: Experience, p: Any) -> str:
    if e.amount >= 0:
        return p("notice", f"You gain {e.amount} experience.")
    return f"You lose {-e.amount} experience."


def _score_text(e: Score, p: Any) -> str:
    v = e.vitals
    if v.xp_next is None:
        progress = f"Experience: {v.xp} (the highest level)"
    else:
        progress = f"Experience: {v.xp} ({v.xp_next - v.xp} to level {v.level + 1})"
    weapon = e.weapon or "bare hands"
    who = f"{e.name} the {e.title}" if e.title else e.name
    lines = [p("people", f"{who}, level {v.level}"),
             f"Health: {v.hp}/{v.maxhp}  Mana: {v.mp}/{v.maxmp}  Movement: {v.mv}/{v.maxmv}",
             progress,
             f"Armour: {e.armour}  Hitroll: {e.hitroll:+d}  Damage: {e.damage} ({weapon})",
             f"You carry {_coins(v.gold, e.currency)}."]
    return "\n".join(lines)


def _level_json(e: LevelUp) -> dict[str, Any]:
    return {"level": e.level, "hp": e.hp, "mp": e.mp, "mv": e.mv}


def _xp_json(e: Experience) -> dict[str, Any]:
    return {"amount": e.amount, "xp": e.xp}


def _score_json(e: Score) -> dict[str, Any]:
    return {"name": e.name, **vitals_fields(e.vitals), "armour": e.armour,
            "hitroll": e.hitroll, "damage": e.damage, "weapon": e.weapon,
            "currency": e.currency, "title": e.title}


def install() -> None:
    """Register each event's text, JSON and GMCP."""
    from mud.protocols.options import gmcp
    from mud.render import json_events, text

    json_events.register(Vitals, vitals_fields)
    gmcp.register(Vitals, _vitals_gmcp)
    json_events.register(Status, _status_fields)
    gmcp.register(Status, _status_gmcp)
    text.register(LevelUp, _level_text)
    json_events.register(LevelUp, _level_json)
    text.register(Experience, _xp_text)
    json_events.register(Experience, _xp_json)
    text.register(Score, _score_text)
    json_events.register(Score, _score_json)
