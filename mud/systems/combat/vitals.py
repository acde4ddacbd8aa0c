"""Vitals and progression: health, mana, movement, levels, experience and coins.

Characters keep theirs in declared state ``combat`` (``{"hp", "mp", "mv", "level", "xp",
"gold"}``, saved with the character; missing or damaged fields are filled from the world's
rules the first time they are read: a new character starts at level 1 with full points and
the rules' ``start_gold``). NPCs get theirs from the ``combat:`` key on npcs.yaml entries
(mud/systems/combat/npc_vitals.py), kept in ``npc.props["vitals"]`` while they are in the
world.

``vitals_of(world, who)`` gives one live view (``Vitals``) of either: current points,
maxima (the rules' start plus a level's worth per level, plus what registered bonuses add:
equipment registers one), level, experience, damage dice, armour and hitroll. Every change
made through this module (``hurt``, ``heal``, ``spend``, ``restore``, ``gain_xp``,
``add_gold``, ``take_gold``) marks the character for saving and sends it a silent
``Vitals`` event (GMCP ``Char.Vitals``, the web's ``vitals`` frame).

Regeneration and the fighting flag live in mud/systems/combat/regen.py (``set_fighting``
here hands over to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mud import systems
from mud.engine.model import NPC, Character
from mud.engine.state import STATE, of
from mud.engine.world import World
from mud.systems.combat import vitals_events as events
from mud.systems.combat.dice import Dice
from mud.systems.combat.npc_vitals import NpcState
from mud.systems.combat.rules import MAX_GOLD, MAX_LEVELS, MAX_POINTS, MAX_XP, rules_of

STATE_NAME = "combat"
POINTS = ("hp", "mp", "mv")
# Bare hands, for a character no bonus arms.
FISTS = Dice(1, 3, 0)
# The numbers a bonus may add to (and ``damage``/``weapon``, which replace).
BONUS_NUMBERS = ("max_hp", "max_mp", "max_mv", "armour", "hitroll")

Bonus = Callable[[World, Any], dict[str, Any]]
BONUSES: list[Bonus] = []


def default_state() -> dict[str, Any]:
    # Empty: filled from the world's rules on first use (the default cannot see a world).
    return {}


def register_bonus(fn: Bonus) -> None:
    """Let ``fn(world, who) -> dict`` add to anyone's numbers: ints under ``max_hp``,
    ``max_mp``, ``max_mv``, ``armour``, ``hitroll``; ``damage`` (Dice) and ``weapon``
    (its name) replace bare hands. Called for characters and NPCs alike."""
    if fn not in BONUSES:
        BONUSES.append(fn)


def _bonuses(world: World, who: Any) -> dict[str, Any]:
    total: dict[str, Any] = dict.fromkeys(BONUS_NUMBERS, 0)
    for fn in BONUSES:
        try:
            extra = fn(world, who)
        except Exception as exc:  # a broken bonus costs its own numbers, not the game
            world.hooks.report(getattr(who, "key", getattr(who, "id", "?")),
                               f"vitals bonus {getattr(fn, '__qualname__', fn)}", exc)
            continue
        for name, value in (extra or {}).items():
            if name in BONUS_NUMBERS and isinstance(value, int) and \
                    not isinstance(value, bool):
                total[name] += value
            elif name == "damage" and isinstance(value, Dice):
                total["damage"] = value
            elif name == "weapon" and isinstance(value, str):
                total["weapon"] = value
    return total


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def record(world: World, character: Character) -> dict[str, Any]:
    """The character's saved ``combat`` state, filled in and put right where missing or
    damaged (marked for saving if anything changed)."""
    data = of(character, STATE_NAME)
    if not isinstance(data, dict):
        data = character.state[STATE_NAME] = {}
    rules = rules_of(world)
    if len(data) == 6 and all(_whole(data.get(k), 0, MAX_POINTS * MAX_LEVELS)
                              for k in POINTS) and \
            _whole(data.get("xp"), 0, MAX_XP) and _whole(data.get("gold"), 0, MAX_GOLD) and \
            data.get("level") == rules.level_for(data["xp"]):
        return data  # the usual case: all there
    fixed = False
    if not _whole(data.get("xp"), 0, MAX_XP):
        data["xp"], fixed = 0, True
    # The level is the one the experience makes: a builder who shrank or moved the world's
    # levels brings a saved level to its place (never above the last level), so the next
    # gain_xp adds what it says rather than jumping up to an old level's floor.
    if data.get("level") != rules.level_for(data["xp"]):
        data["level"], fixed = rules.level_for(data["xp"]), True
    if not _whole(data.get("gold"), 0, MAX_GOLD):
        data["gold"], fixed = rules.start_gold, True
    missing = [k for k in POINTS if not _whole(data.get(k), 0, MAX_POINTS * MAX_LEVELS)]
    if missing:
        view = Vitals(world, character, data)
        for name in missing:
            data[name] = getattr(view, f"max_{name}")
        fixed = True
    for extra in [k for k in data if k not in (*POINTS, "level", "xp", "gold")]:
        del data[extra]
        fixed = True
    if fixed:
        world.changed(character)
    return data


class Vitals:
    """One live view of a character's or an NPC's vitals: reading a point reads its state,
    setting one sets it (clamped to 0..max; callers go through ``hurt``/``heal`` so the
    player is told). Bonuses are asked once per view: make a new view after a change of
    equipment."""

    __slots__ = ("_bonus", "_data", "_spec", "rules", "who", "world")

    def __init__(self, world: World, who: Character | NPC, data: dict[str, Any],
                 spec: Any = None) -> None:
        self.world = world
        self.who = who
        self.rules = rules_of(world)
        self._data = data
        self._spec = spec
        self._bonus = _bonuses(world, who)

    @property
    def is_npc(self) -> bool:
        return self._spec is not None

    def _get(self, name: str) -> int:
        return int(self._data[name])

    def _set(self, name: str, value: int) -> None:
        self._data[name] = max(0, min(int(value), getattr(self, f"max_{name}")))

    hp = property(lambda self: self._get("hp"), lambda self, v: self._set("hp", v))
    mp = property(lambda self: self._get("mp"), lambda self, v: self._set("mp", v))
    mv = property(lambda self: self._get("mv"), lambda self, v: self._set("mv", v))

    @property
    def level(self) -> int:
        return int(self._spec.level if self._spec is not None else self._data["level"])

    @property
    def xp(self) -> int:
        """A character's experience; an NPC's: what killing it is worth."""
        if self._spec is not None:
            return int(self._spec.worth(self.rules))
        return int(self._data["xp"])

    @property
    def xp_next(self) -> int | None:
        return None if self._spec is not None else self.rules.xp_next(self.level)

    @property
    def gold(self) -> int:
        return 0 if self._spec is not None else int(self._data["gold"])

    def _max(self, name: str) -> int:
        if self._spec is not None:
            base = {"hp": self._spec.hp, "mp": self._spec.max_mp(self.rules),
                    "mv": self._spec.max_mv(self.rules)}[name]
        else:
            base = getattr(self.rules.maxima(self.level), name)
        return max(1 if name == "hp" else 0, base + self._bonus[f"max_{name}"])

    max_hp = property(lambda self: self._max("hp"))
    max_mp = property(lambda self: self._max("mp"))
    max_mv = property(lambda self: self._max("mv"))

    @property
    def damage(self) -> Dice:
        given = self._bonus.get("damage")
        if isinstance(given, Dice):
            return given
        return self._spec.damage if self._spec is not None else FISTS

    @property
    def weapon(self) -> str:
        """The name of what is wielded ("" bare-handed or an NPC's own attack)."""
        return str(self._bonus.get("weapon", ""))

    @property
    def armour(self) -> int:
        return int((self._spec.armour if self._spec is not None else 0) +
                   self._bonus["armour"])

    @property
    def hitroll(self) -> int:
        return int((self._spec.hitroll if self._spec is not None else 0) +
                   self._bonus["hitroll"])

    @property
    def full(self) -> bool:
        return self.hp >= self.max_hp and self.mp >= self.max_mp and self.mv >= self.max_mv

    def event(self) -> events.Vitals:
        return events.Vitals(self.hp, self.max_hp, self.mp, self.max_mp, self.mv,
                             self.max_mv, self.level, self.xp, self.xp_next, self.gold)


def vitals_of(world: World, who: Any) -> Vitals | None:
    """``who``'s vitals (None: an NPC without ``combat:``, which cannot fight)."""
    live_of(world)  # the world's hooks (login, logout) from its first use on
    if isinstance(who, Character):
        return Vitals(world, who, record(world, who))
    if isinstance(who, NPC):
        state = who.props.get("vitals")
        if isinstance(state, NpcState):
            view = Vitals(world, who, state.points, state.spec)
            if state.fresh:
                state.fresh = False
                view.hp, view.mp, view.mv = view.max_hp, view.max_mp, view.max_mv
            return view
    return None


# -- changes ---------------------------------------------------------------------------------


def _changed(world: World, who: Any, view: Vitals) -> None:
    """After any change: saved, told, and regenerating if below a maximum."""
    if isinstance(who, Character):
        world.changed(who)
        who.send(view.event())
    live_of(world).wake(who, view)


def hurt(world: World, who: Any, amount: int, view: Vitals | None = None) -> bool:
    """Take ``amount`` health from ``who``; True when it fell to 0 (the caller handles
    the death). Nothing happens to someone without vitals (False). ``view``: ``who``'s
    vitals, made this moment by the caller (a blow has them already), so they are not
    made again."""
    if view is None or view.who is not who:
        view = vitals_of(world, who)
    if view is None:
        return False
    view.hp = view.hp - max(0, int(amount))
    _changed(world, who, view)
    return view.hp <= 0


def heal(world: World, who: Any, amount: int) -> None:
    """Give ``who`` up to ``amount`` health back (never above the maximum)."""
    view = vitals_of(world, who)
    if view is not None:
        view.hp = view.hp + max(0, int(amount))
        _changed(world, who, view)


def spend(world: World, who: Any, point: str, amount: int) -> bool:
    """Use ``amount`` of ``point`` ("mp" or "mv"); False (nothing spent) if too little is
    left. Someone without vitals spends freely (True)."""
    if point not in ("mp", "mv"):
        raise ValueError(f"spend mp or mv, not {point!r}")
    view = vitals_of(world, who)
    if view is None:
        return True
    amount = max(0, int(amount))
    if getattr(view, point) < amount:
        return False
    setattr(view, point, getattr(view, point) - amount)
    _changed(world, who, view)
    return True


def restore(world: World, who: Any) -> None:
    """Every point full (after a death's recall, a respawn, a healer's prayer)."""
    view = vitals_of(world, who)
    if view is not None:
        view.hp, view.mp, view.mv = view.max_hp, view.max_mp, view.max_mv
        _changed(world, who, view)


def send_vitals(world: World, character: Character) -> None:
    """Tell ``character`` its vitals now (points above a maximum that fell, when
    equipment came off, are brought down to it first)."""
    view = vitals_of(world, character)
    if view is None:
        return
    for name in POINTS:
        if getattr(view, name) > getattr(view, f"max_{name}"):
            setattr(view, name, getattr(view, name))  # the setter clamps
            world.changed(character)
    character.send(view.event())
    live_of(world).wake(character, view)


def send_status(world: World, character: Character, labels: bool = False) -> None:
    """Tell ``character`` its status (GMCP Char.Status; ``labels``: Char.StatusVars too)."""
    view = vitals_of(world, character)
    if view is not None:
        rules = view.rules
        character.send(events.Status(character.name, view.level, view.xp, view.xp_next,
                                     view.gold, rules.currency, labels,
                                     rules.currency_plural, rules.title(view.level)))


# -- experience and coins --------------------------------------------------------------------


def gain_xp(world: World, character: Character, amount: int, tell: bool = True) -> int:
    """Add ``amount`` experience (negative: take it away, as a death does) and return the
    levels gained. Experience never falls below what the character's level needs: a
    character never loses a level. ``tell``: say "You gain N experience." too."""
    data = record(world, character)
    rules = rules_of(world)
    before_level = data["level"]
    floor = rules.xp_for(before_level)
    xp = max(floor, min(MAX_XP, data["xp"] + int(amount)))
    moved = xp - data["xp"]
    data["xp"] = xp
    if tell and moved:
        character.send(events.Experience(moved, xp))
    gained = 0
    while data["level"] < rules.max_level and xp >= rules.levels[data["level"]]:
        data["level"] += 1
        gained += 1
        extra = rules.per_level
        # What the new level adds comes at once, as in the Diku family.
        for name in POINTS:
            data[name] += getattr(extra, name)
        character.send(events.LevelUp(data["level"], extra.hp, extra.mp, extra.mv))
    view = Vitals(world, character, data)
    _changed(world, character, view)
    if moved or gained:
        send_status(world, character)
    return gained


def gold(world_or_character: Any, character: Character | None = None) -> int:
    """The coins ``character`` carries: ``gold(character)`` or ``gold(world, character)``."""
    who = character if character is not None else world_or_character
    data = of(who, STATE_NAME)
    value = data.get("gold") if isinstance(data, dict) else None
    return value if _whole(value, 0, MAX_GOLD) else 0


def add_gold(world: World, character: Character, amount: int) -> None:
    """Give ``character`` ``amount`` coins (kept within the most a purse holds)."""
    data = record(world, character)
    data["gold"] = min(MAX_GOLD, data["gold"] + max(0, int(amount)))
    _changed(world, character, Vitals(world, character, data))
    send_status(world, character)


def take_gold(world: World, character: Character, amount: int) -> bool:
    """Take ``amount`` coins from ``character``; False (nothing taken) if it has fewer."""
    data = record(world, character)
    amount = max(0, int(amount))
    if data["gold"] < amount:
        return False
    data["gold"] -= amount
    _changed(world, character, Vitals(world, character, data))
    send_status(world, character)
    return True


# -- fighting and regeneration (mud/systems/combat/regen.py) ---------------------------------


def live_of(world: World) -> Any:
    """The world's regeneration timers and fighting flags (regen.Live, made on first use)."""
    from mud.systems.combat import regen

    return regen.live_of(world)


def set_fighting(world: World, who: Any, flag: bool) -> None:
    """``who`` is (True) or is no longer (False) in a fight: nothing regenerates while
    fighting; after, regeneration starts again if anything is below its maximum."""
    from mud.systems.combat import regen

    regen.set_fighting(world, who, flag)


def is_fighting(world: World, who: Any) -> bool:
    from mud.systems.combat import regen

    return regen.is_fighting(world, who)


def install() -> None:
    """Declare the saved state and register the events' looks and the NPC key."""
    from mud.systems.combat import npc_vitals, score

    STATE.declare_character(STATE_NAME, default_state)
    # Every world's login, logout and refresh hooks, whether or not its files name a
    # combat key: a world without one still has vitals (the defaults).
    systems.on_world(live_of)
    events.install()
    npc_vitals.install()
    score.install()
