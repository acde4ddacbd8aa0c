"""Equipment's events, how they read (text, JSON, GMCP), and when they are sent.

- ``Equipment`` (kind ``"equipment"``): what a character is using, every slot of the world
  in its order (empty ones too, for clients' panels); the ``equipment`` command's answer.
- ``EquipmentState``: the same, silent (telnet prints nothing; web clients get the frame,
  marked ``"silent": true``), with the carried items for GMCP ``Char.Items.List``
  (location ``"inv"``; ``attrib`` letters: ``w`` worn, ``W`` wearable, ``c`` container),
  sent to clients that asked for ``Char.Items``. Sent at login, when a client asks again
  (``refresh``), after ``wear``/``remove``, and whenever what the character carries
  changes (the engine's ``carried`` happening: got, dropped, given to a player or an NPC,
  put into a container, a quest's reward, bought, sold, looted, used up), once per
  command however many things moved: ``get all`` sends one.
- ``WearAction`` (kind ``"wear"``): someone wore, wielded, held or removed something; the
  actor's copy (``own``) and the room's.
"""

from __future__ import annotations

import weakref
from typing import Any

from mud.engine import hooks
from mud.engine.events import Event
from mud.engine.model import Character, Item
from mud.engine.world import World
from mud.systems.combat import equipment as eq


class Equipment(Event):
    """What ``name`` is using: ``slots`` holds (slot, label, item name, keyword) for every
    slot of the world in its order; an empty slot has "" for the name and keyword."""

    __slots__ = ("name", "slots")
    kind = "equipment"

    def __init__(self, name: str, slots: tuple[tuple[str, str, str, str], ...]) -> None:
        super().__init__()
        self.name = name
        self.slots = slots


class EquipmentState(Equipment):
    """``Equipment`` as data only (the web panel, GMCP ``Char.Items.List``); ``items`` are
    the carried things as (id, name, attrib letters)."""

    __slots__ = ("items",)
    silent = True

    def __init__(self, name: str, slots: tuple[tuple[str, str, str, str], ...],
                 items: tuple[tuple[str, str, str], ...] = ()) -> None:
        super().__init__(name, slots)
        self.items = items


class WearAction(Event):
    """``actor`` started using ``item`` (``verb`` wear, wield or hold) in ``slot``, or
    stopped (``verb`` remove). ``own``: the actor's copy."""

    __slots__ = ("actor", "item", "own", "slot", "verb")
    kind = "wear"

    def __init__(self, actor: str, verb: str, item: str, slot: str, own: bool = False) -> None:
        super().__init__()
        self.actor = actor
        self.verb = verb
        self.item = item
        self.slot = slot
        self.own = own


# -- making them -----------------------------------------------------------------------------


def _rows(world: World, who: Any) -> tuple[tuple[str, str, str, str], ...]:
    gear = eq.worn(world, who)
    rows = []
    for slot in eq.slots_of(world):
        thing = gear.get(slot)
        rows.append((slot, eq.label(slot), thing.name if thing is not None else "",
                     eq.handle(thing) if thing is not None else ""))
    return tuple(rows)


def view(world: World, who: Any) -> Equipment:
    """What ``who`` is using, as the ``equipment`` command shows it."""
    return Equipment(who.name, _rows(world, who))


def attrib(character: Character, item: Item, worn_ids: set[str]) -> str:
    """GMCP ``Char.Items`` attribute letters of a carried ``item``."""
    letters = ""
    if item.id in worn_ids:
        letters += "w"
    elif eq.spec_of(item) is not None:
        letters += "W"
    if item.template.props.get("container") is not None:
        letters += "c"
    return letters


def state_of(world: World, character: Character) -> EquipmentState:
    """The silent state event for ``character``: slots, and carried items for GMCP."""
    rows = _rows(world, character)
    worn_ids = {i.id for i in eq.worn(world, character).values() if isinstance(i, Item)}
    items = tuple((i.id, i.name, attrib(character, i, worn_ids)) for i in character.inventory)
    return EquipmentState(character.name, rows, items)


def send_state(world: World, character: Character) -> None:
    """Send ``character`` its equipment and carried things now (a silent event)."""
    character.send(state_of(world, character))


# Characters whose state is to be sent once the command that moved their things is done:
# per world, with the one pending timer that sends them.
_PENDING: weakref.WeakKeyDictionary[World, dict[Character, None]] = \
    weakref.WeakKeyDictionary()


def send_soon(world: World, character: Character) -> None:
    """Send ``character`` its state once the current command is done (on the scheduler,
    at once): a ``drop all`` of twenty things sends it once, not twenty times."""
    pending = _PENDING.get(world)
    if pending is None:
        pending = _PENDING[world] = {}
    if not pending:
        world.scheduler.call_later(0, _flush, world, owner="equipment")
    pending[character] = None


def _flush(world: World) -> None:
    pending = _PENDING.pop(world, {})
    for character in pending:
        # Only to whoever is still here (not gone between the command and now).
        if world.online.get(character.key) is character:
            send_state(world, character)


# -- the hooks --------------------------------------------------------------------------------


def join(world: World) -> None:
    """Subscribe ``world``'s hooks (equipment.join calls this once per world)."""
    def login(who: Any, **_: Any) -> None:
        if isinstance(who, Character):
            eq.restore(world, who)
            send_state(world, who)

    def refresh(who: Any, **_: Any) -> None:
        if isinstance(who, Character):
            send_state(world, who)

    def got(who: Any, item: Item, **_: Any) -> None:
        if isinstance(who, Character):
            # A thing picked up is never worn, whatever an old entry says.
            eq.take_off(world, who, item)

    def carried(who: Any, **_: Any) -> None:
        # Whatever changed what a character holds (got, dropped, given to a player or an
        # NPC, put into a container, a quest's reward, bought, sold, looted, used up): one
        # list once the command is done, however many things moved.
        if isinstance(who, Character):
            send_soon(world, who)

    owner = "equipment"
    world.hooks.on(hooks.LOGIN, login, owner=owner)
    world.hooks.on(hooks.REFRESH, refresh, owner=owner)
    world.hooks.on(hooks.GET, got, owner=owner)
    world.hooks.on(hooks.CARRIED, carried, owner=owner)


# -- how they read -----------------------------------------------------------------------------


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _equipment_text(e: Equipment, p: Any) -> str:
    used = [(label, name) for _, label, name, _ in e.slots if name]
    if not used:
        return p.wrap("You are using nothing. Type 'wear <item>' to put on something you "
                      "carry ('wear all' for everything you can).")
    width = max(len(label) for label, _ in used) + 1
    rows = [f"  {(label + ':').ljust(width)} {name}" for label, name in used]
    return "You are using:\n" + "\n".join(rows)


def _wear_text(e: WearAction, p: Any) -> str:
    if e.own:
        if e.verb == "remove":
            return p.wrap(f"You stop using {e.item}.")
        if e.verb == "wear":
            return p.wrap(f"You wear {e.item} {eq.phrase(e.slot)}.")
        return p.wrap(f"You {e.verb} {e.item}.")
    if e.verb == "remove":
        return p.wrap(f"{e.actor} stops using {e.item}.")
    return p.wrap(f"{e.actor} {e.verb}s {e.item}.")


def _equipment_json(e: Equipment) -> dict[str, Any]:
    return {"name": e.name,
            "slots": [{"slot": slot, "label": label, "item": name or None,
                       "keyword": word or None} for slot, label, name, word in e.slots]}


def _wear_json(e: WearAction) -> dict[str, Any]:
    return {"actor": e.actor, "verb": e.verb, "item": e.item, "slot": e.slot,
            "label": eq.label(e.slot), "own": e.own}


def _items_gmcp(e: EquipmentState) -> list[tuple[str, Any]]:
    return [("Char.Items.List",
             {"location": "inv",
              "items": [{"id": i, "name": n, "attrib": a} for i, n, a in e.items]})]


def install() -> None:
    """Register the events' text, JSON and GMCP."""
    from mud.protocols.options import gmcp
    from mud.render import json_events, text

    for event_type in (Equipment, EquipmentState):
        text.register(event_type, _equipment_text)
        json_events.register(event_type, _equipment_json)
    text.register(WearAction, _wear_text)
    json_events.register(WearAction, _wear_json)
    gmcp.register(EquipmentState, _items_gmcp)
