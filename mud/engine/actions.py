"""What characters can do, as game rules: each action changes the world and emits events.

Actions raise ``Refusal`` with a player-facing explanation when something cannot be done;
the command layer turns that into an error event. Commands parse; actions decide.
"""

from __future__ import annotations

import math
from typing import Any

from mud.engine import directions, hooks, matching, tells
from mud.engine.events import (
    Arrive,
    Depart,
    Emote,
    Examine,
    ExitList,
    Inventory,
    ItemAction,
    Message,
    RoomView,
    Say,
    Tell,
    WhoList,
)
from mud.engine.grouping import group_items
from mud.engine.model import NOBODY, NPC, Character, Exit, Item, Room
from mud.engine.scheduler import log_failure
from mud.engine.world import World

MAX_SPEECH = 2000
# A character's own description (``describe``): a few sentences, read by whoever looks.
MAX_DESCRIPTION = 400


class Refusal(Exception):
    """An action that cannot be done; the message tells the player why and what to try."""

    @property
    def message(self) -> str:
        return str(self.args[0])


def _speech(text: str, what: str, example: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise Refusal(f"{what} what? Type it after the command, for example: {example}")
    if len(text) > MAX_SPEECH:
        raise Refusal(f"That is too long to {what.lower()} at once ({MAX_SPEECH} characters "
                      "at most). Break it up.")
    return text


def _room(actor: Character) -> Room:
    if actor.room is None:
        raise Refusal("You are nowhere at all.")
    return actor.room


# -- looking ----------------------------------------------------------------------------------

def room_view(world: World, actor: Character) -> RoomView:
    room = _room(actor)
    exits = tuple(sorted(visible_exits(room), key=directions.sort_key))
    people = [c for c in room.characters if c is not actor]
    # Names stay names; which of them are link-dead is a field of its own, for every renderer.
    return RoomView(room.id, room.area, room.name, room.description, exits,
                    tuple(c.name for c in people),
                    tuple(n.name for n in room.npcs), group_items(room.items),
                    room.num, room.environment, world.area_names.get(room.area, room.area),
                    tuple(room.exits[x].target.num for x in exits),
                    linkdead=tuple(c.name for c in people if c.link is NOBODY),
                    doors={x: (d.name, bool(d.closed), bool(d.locked)) for x in exits
                           if (d := room.exits[x].door) is not None})


def visible_exits(room: Room) -> dict[str, Exit]:
    """The room's exits that players can see now (not a secret way, shut: ``Exit.hidden``)."""
    exits = room.exits
    if not any(e.hidden for e in exits.values()):
        return exits
    return {name: e for name, e in exits.items() if not e.hidden}


def look(world: World, actor: Character) -> None:
    actor.send(room_view(world, actor))


def look_at(world: World, actor: Character, query: str) -> None:
    """Look at something: carried item, item here, NPC, player or exit, in that order."""
    room = _room(actor)
    query = query.strip()
    if query.lower() in ("me", "self", "myself"):
        actor.send(Examine("character", actor.name, actor.description or
                           "You look much as you always do.", details(world, actor, actor)))
        return
    # A direction ("n", "west") means the exit, not an item whose keyword starts with it.
    direction = directions.canonical(query)
    if direction is not None and direction in visible_exits(room):
        _examine_exit(actor, room.exits[direction])
        return
    item = matching.find(query, actor.inventory) or matching.find(query, room.items)
    if item is not None:
        actor.send(Examine("item", item.name, item.description, details(world, item, actor)))
        return
    npc = matching.find(query, room.npcs)
    if npc is not None:
        actor.send(Examine("npc", npc.name, npc.description, details(world, npc, actor)))
        return
    other = matching.find(query, room.characters)
    if other is not None:
        actor.send(Examine("character", other.name, other.description or
                           f"{other.name} looks back at you.", details(world, other, actor)))
        return
    exit_ = find_exit(room, query)
    if exit_ is not None:
        _examine_exit(actor, exit_)
        return
    raise Refusal(f"You see no '{query}' here. Type 'look' to see what is around you.")


def details(world: World, thing: object, looker: Character) -> tuple[str, ...]:
    """What systems add under a close look at ``thing`` (``World.detailers``): what it
    wears, how hurt it is. A detailer that raises is reported and adds nothing."""
    lines: list[str] = []
    for detailer in world.detailers:
        try:
            lines.extend(detailer(thing, looker))
        except Exception as exc:  # one broken system must not spoil a look
            world.hooks.report(hooks.entity_id(thing), f"detailer {detailer!r}", exc)
    return tuple(lines)


DESCRIBE_EXAMPLE = "describe A tall woman in a travel-stained green cloak."
CLEAR_WORDS = ("clear", "none", "reset")


def describe(world: World, actor: Character, text: str) -> None:
    """Set the actor's own description (what ``look <name>`` shows others), show it (no
    text), or clear it ("clear"). Player text, so cleaned as speech is, and saved."""
    text = " ".join(text.split())
    if not text:
        if actor.description:
            actor.send(Message(f"Others who look at you see: {actor.description}\n"
                               "Type 'describe <text>' to change it or 'describe clear' "
                               "to remove it."))
        else:
            actor.send(Message("You have no description yet: others who look at you see "
                               f"only that you look back. Type, for example: {DESCRIBE_EXAMPLE}"))
        return
    if text.lower() in CLEAR_WORDS:
        actor.description = ""
        world.changed(actor)
        actor.send(Message("Your description is cleared."))
        return
    if len(text) > MAX_DESCRIPTION:
        raise Refusal(f"That description is too long ({len(text)} characters; "
                      f"{MAX_DESCRIPTION} at most). Shorten it.")
    actor.description = text
    world.changed(actor)
    actor.send(Message(f"Your description is set. Others who look at you see: {text}"))


def _examine_exit(actor: Character, exit_: Exit) -> None:
    text = exit_.description or f"The way {exit_.name} leads to {exit_.target.name}."
    if exit_.closed:
        # A closed door stops the eye: its description is of the way beyond.
        text = f"The {exit_.door.name} is closed. Type 'open {exit_.name}' to open it."
    actor.send(Examine("exit", exit_.name, text))


def list_exits(world: World, actor: Character) -> None:
    room = _room(actor)
    names = sorted(visible_exits(room), key=directions.sort_key)
    actor.send(ExitList(tuple((n, room.exits[n].target.name) for n in names)))


# -- moving -----------------------------------------------------------------------------------

def find_exit(room: Room, word: str) -> Exit | None:
    """The exit called ``word``: a direction, its abbreviation, or a named exit (or prefix).
    A hidden exit is not found: players cannot name a way they cannot see."""
    word = word.strip().lower()
    if not word:
        return None
    exits = visible_exits(room)
    direction = directions.canonical(word)
    if direction is not None:
        return exits.get(direction)
    if word in exits:
        return exits[word]
    named = [e for name, e in exits.items() if name.startswith(word)
             and name not in directions.OPPOSITES]
    return named[0] if len(named) == 1 else None


def go(world: World, actor: Character, word: str) -> None:
    room = _room(actor)
    exit_ = find_exit(room, word)
    if exit_ is None:
        raise Refusal(f"You cannot go '{word}' from here. Type 'exits' to see the ways out.")
    why = stopped(actor, exit_, world)
    if why is not None:
        raise Refusal(why)
    _walk(world, actor, room, exit_)


def stopped(who: Character | NPC | None, exit_: Exit,
            world: World | None = None) -> str | None:
    """Why ``who`` cannot walk through ``exit_`` now (told to a player), or None if it can.

    The one seam for refusing movement: first the world's ``restraints`` (systems that hold
    someone wherever they are: a fight), then a closed door (``Exit.door``) stops everyone; then
    each of the exit's ``barriers`` (hung there by systems: a guard) is asked in turn, and
    may react as it refuses (a guard speaks). Players' ``go`` and NPCs' moves both ask it.
    A barrier that raises is reported (through ``world``'s hook reporter, with the
    barrier's ``owner_id``: the NPC) and counts as no objection: one broken guard must not
    turn every step through its exit into an error.
    """
    if world is not None and who is not None:
        # A broken system must not pin everyone in place.
        why = first_objection(world, world.restraints, "restraint", who, exit_)
        if why is not None:
            return why
    if getattr(exit_, "closed", False):
        return f"The {exit_.door.name} is closed. Type 'open {exit_.name}' to open it."
    for barrier in getattr(exit_, "barriers", ()):
        try:
            why = barrier.refuse(who, exit_)
        except Exception as exc:
            report = world.hooks.report if world is not None else log_failure
            owner = getattr(barrier, "owner_id", None)
            report(owner if isinstance(owner, str) else hooks.entity_id(barrier),
                   f"barrier {type(barrier).__name__} on exit {exit_.name!r}", exc)
            continue
        if why is not None:
            return why
    return None


def passable(exit_: Exit, who: Character | NPC | None = None,
             world: World | None = None) -> bool:
    """Whether ``who`` (anyone, if None) can walk through an exit now (a closed door
    stops everyone, a system's barrier may stop some; ``world`` reports a broken one)."""
    return stopped(who, exit_, world) is None


def npc_go(world: World, npc: NPC, exit_: Exit) -> None:
    """Move an NPC through ``exit_``, seen leaving and arriving as a player is."""
    room = npc.room
    if room is None:
        return
    _walk(world, npc, room, exit_)


def _walk(world: World, who: Character | NPC, room: Room, exit_: Exit) -> None:
    """Take a player or an NPC from ``room`` through ``exit_``: the room sees it leave, the
    hooks hear leave then enter, the new room sees it arrive (a player also sees the room)."""
    is_npc = isinstance(who, NPC)
    # A player is told of its own move by the room it sees, not by depart/arrive lines.
    exclude = None if is_npc else who
    target = exit_.target
    leaving = f"leaves {exit_.name}" if exit_.name in directions.OPPOSITES else \
        f"leaves through the {exit_.name}"
    world.tell_room(room, Depart(who.name, leaving, npc=is_npc), exclude=exclude)
    world.hooks.emit(hooks.LEAVE, who=who, room=room, to=target)
    if is_npc:
        room.npcs.remove(who)
        who.room = target
        target.npcs.append(who)
    else:
        world.move(who, target)
    world.tell_room(target, Arrive(who.name, directions.arrival_phrase(exit_.name),
                                   npc=is_npc), exclude=exclude)
    if not is_npc:
        look(world, who)
    # After the look, so whatever greets the newcomer is read after the room.
    world.hooks.emit(hooks.ENTER, who=who, room=target, came_from=room)


def announce_arrival(world: World, actor: Character, phrase: str = "has entered the game") -> None:
    world.tell_room(_room(actor), Arrive(actor.name, phrase), exclude=actor)


def announce_departure(world: World, actor: Character, phrase: str = "has left the game") -> None:
    world.tell_room(_room(actor), Depart(actor.name, phrase), exclude=actor)


# -- talking ----------------------------------------------------------------------------------

def say(world: World, actor: Character, text: str) -> None:
    text = _speech(text, "Say", "say hello")
    actor.send(Say(actor.name, text, own=True))
    room = _room(actor)
    world.tell_room(room, Say(actor.name, text), exclude=actor)
    world.hooks.emit(hooks.SAY, speaker=actor, room=room, text=text)


def emote(world: World, actor: Character, text: str) -> None:
    text = _speech(text, "Emote", "emote waves")
    event = Emote(actor.name, text)
    actor.send(event)
    world.tell_room(_room(actor), event, exclude=actor)


def tell(world: World, actor: Character, name: str, text: str) -> None:
    """A private message to the player ``name``: in this world, or (``name@realm``, or a
    name nobody here has) in another realm through the realms directory."""
    text = _speech(text, "Tell", f"tell {name} hello")
    who, _, realm = name.partition("@")
    _tell_to(world, actor, who.strip(), realm.strip(), text)


def reply(world: World, actor: Character, text: str) -> None:
    """Tell the last player who told ``actor`` something, wherever they are."""
    last = tells.of(world).last.get(actor.key)
    if last is None:
        raise Refusal("Nobody has told you anything to reply to yet. Type 'tell <name> "
                      "<words>' to start.")
    name, realm = last
    text = _speech(text, "Reply", "reply thank you")
    _tell_to(world, actor, name, realm, text)


def _tell_to(world: World, actor: Character, name: str, realm: str, text: str) -> None:
    if not name:
        raise Refusal("Tell whom what? For example: tell Bram meet me at the inn")
    elsewhere: tells.Elsewhere | None = world.parts.get(tells.DIRECTORY)
    if realm and realm.lower() != world.bus.realm.lower():
        if elsewhere is None:
            raise Refusal(f"There are no other realms to reach from here ('{realm[:30]}'): "
                          f"this server runs alone. Type 'tell {name[:20]} <words>' for "
                          "someone here.")
        elsewhere.send_tell(actor, name, realm, text)
        return
    target = world.find_online(name)
    if target is None:
        found = elsewhere.realms_of(name.lower()) if elsewhere is not None and not realm \
            else []
        if len(found) == 1:
            elsewhere.send_tell(actor, name, found[0], text)  # type: ignore[union-attr]
            return
        shown = name[:30]
        if found:
            raise Refusal(f"More than one player called '{shown}' is online, in realms "
                          f"{', '.join(found)}: say which, for example: tell "
                          f"{shown}@{found[0]} hello")
        if world.bus.clustered and not world.bus.up:
            # The other realms are forgotten while the link is down: they may hold them.
            raise Refusal(f"Nobody called '{shown}' is in this realm, and the other realms "
                          "cannot be reached just now, so your tell was not sent. Try "
                          "again in a moment.")
        raise Refusal(f"Nobody called '{shown}' is online. Type 'who' to see who is.")
    if target is actor:
        raise Refusal("Talking to yourself? Try 'say' instead.")
    away = tells.of(world).hear(target, actor.name, "", text)
    actor.send(Tell(actor.name, target.name, text, own=True))
    if away is not None:
        actor.send(Message(tells.away_text(target.name, away)))


def afk(world: World, actor: Character, message: str) -> None:
    """Mark ``actor`` away (``message``: what tellers are told); its next command other
    than afk marks it back."""
    message = " ".join(message.split())
    if len(message) > tells.MAX_AWAY:
        raise Refusal(f"That afk message is too long ({len(message)} characters; "
                      f"{tells.MAX_AWAY} at most). Shorten it.")
    part = tells.of(world)
    wait = part.afk_wait(actor)
    if wait:
        raise Refusal(f"You have used afk too often just now: wait {math.ceil(wait)} s, "
                      "then try again.")
    part.mark_away(actor, message)
    said = f": {message}" if message else ""
    if said and said[-1:] not in ".!?":
        said += "."
    actor.send(Message(f"You are marked away (afk){said or '.'} Whoever tells you "
                       "something is told so, once; your next command marks you back."))


def who_list(world: World) -> WhoList:
    """Everyone in the world, as the ``who`` command, ``/api/who`` and ``/presence`` show
    it, and the players of the other realms when the server runs with others."""
    now = world.clock.seconds()
    players = sorted(world.online.values(), key=lambda c: c.key)
    part: tells.Tells | None = world.parts.get(tells.PART)
    away = {world.online[key].name: spell.message for key, spell in part.away.items()
            if key in world.online} if part is not None and part.away else None
    elsewhere: tells.Elsewhere | None = world.parts.get(tells.DIRECTORY)
    bus = world.bus
    return WhoList(tuple((c.name, int(max(0.0, now - c.last_active)), c.via)
                         for c in players),
                   linkdead=tuple(c.name for c in players if c.link is NOBODY), away=away,
                   others=elsewhere.players() if elsewhere is not None and bus.up else (),
                   cut_off=bus.clustered and not bus.up)


def who(world: World, actor: Character) -> None:
    actor.send(who_list(world))


# -- items ------------------------------------------------------------------------------------

def inventory(world: World, actor: Character) -> None:
    actor.send(Inventory(group_items(loose(world, actor))))


def kept(world: World, actor: Character, item: Item) -> str | None:
    """Why ``actor`` cannot let go of the carried ``item`` now (a system's keeper: it is
    worn), or None. A keeper that raises is reported and keeps nothing (a broken system
    must not glue items to hands)."""
    return first_objection(world, world.keepers, "keeper", actor, item)


def first_objection(world: World, asked: list[Any], what: str, who: Any,
                    thing: Any) -> str | None:
    """The first answer other than None of ``ask(who, thing)`` for each of a world's
    systems ``asked`` (its keepers, its restraints): why not, in the player's words. One
    that raises is reported (as ``what``, with ``who``'s id) and counts as no objection."""
    for ask in asked:
        try:
            why = ask(who, thing)
        except Exception as exc:
            world.hooks.report(hooks.entity_id(who), f"{what} {ask!r}", exc)
            continue
        if why is not None:
            return why
    return None


def loose(world: World, actor: Character) -> list[Item]:
    """The carried items ``actor`` may let go of (drop, give, put away, sell): those no
    keeper keeps. The inventory itself when no system keeps anything."""
    if not world.keepers or not actor.inventory:
        return actor.inventory
    return [item for item in actor.inventory if kept(world, actor, item) is None]


def pick_loose(world: World, actor: Character, query: str, where: str) -> list[Item]:
    """The loose carried items ``query`` names, for ``where`` (drop, give, put...); if it
    names only kept ones, the keeper's reason is the refusal."""
    pool = loose(world, actor)
    if pool is actor.inventory or not query.strip():
        return _pick(query, pool, where)
    found = matching.find_all(query, pool)
    if found:
        return found
    held = matching.find_all(query, actor.inventory)
    if held:
        why = kept(world, actor, held[0])
        if why is not None:
            raise Refusal(why)
    return _pick(query, pool, where)


def _pick(query: str, pool: list[Item], where: str) -> list[Item]:
    if not query.strip():
        raise Refusal(f"Which item? Name it, for example: {where} lantern (or: {where} all)")
    found = matching.find_all(query, pool)
    if not found:
        hint = _inside_hint(query, pool) if where != "get" else None
        raise Refusal(hint or f"You see no '{query.strip()}' "
                      f"{'on you' if where != 'get' else 'here'}.")
    return found


def _inside_hint(query: str, carried: list[Item]) -> str | None:
    """What to do when ``query`` names nothing carried loose but something inside a
    carried container (``Item.contents``, at any depth): the first step to take it out.
    The engine only reads contents; getting things out is the containers system's."""
    nested: list[tuple[Item, Item, Item]] = []  # (item, carried container, its part)
    for top in carried:
        for part in top.contents or ():
            stack = [part]
            while stack:
                thing = stack.pop()
                nested.append((thing, top, part))
                stack.extend(reversed(thing.contents or ()))
    found = matching.find_all(query, [thing for thing, _, _ in nested])
    if not found:
        return None
    item = found[0]
    top, part = next((t, p) for thing, t, p in nested if thing is item)
    where = f"your {_bare(top.name)}"
    if part is not item:
        where = f"{part.name} in {where}"  # a pouch in the satchel: that comes out first
    name = item.name
    return (f"{name[:1].upper()}{name[1:]} is in {where}: "
            f"get {_handle(part)} from {_handle(top)} first.")


def _bare(name: str) -> str:
    # "a herb satchel" -> "herb satchel", to read "your herb satchel".
    for article in ("a ", "an ", "the ", "some "):
        if name.lower().startswith(article) and len(name) > len(article):
            return name[len(article):]
    return name


def _handle(item: Item) -> str:
    # The word a player would type for it: the last word of its name that is one of its
    # keywords (the noun, usually: "satchel" of "a herb satchel"), else its first keyword.
    words = [w for w in matching.keywords_from_name(item.name) if w in item.keywords]
    return words[-1] if words else (item.keywords[0] if item.keywords else item.name)


def get(world: World, actor: Character, query: str) -> None:
    room = _room(actor)
    items = _pick(query, room.items, "get")
    takeable = [i for i in items if not i.template.fixed]
    if not takeable:
        raise Refusal(f"You cannot take {items[0].name}: it is fixed in place.")
    for item in takeable:
        world.transfer(item, actor)
        actor.send(ItemAction(actor.name, "get", item.name, own=True))
        world.tell_room(room, ItemAction(actor.name, "get", item.name), exclude=actor)
        world.hooks.emit(hooks.GET, who=actor, item=item, room=room)


def drop(world: World, actor: Character, query: str) -> None:
    room = _room(actor)
    if not actor.inventory:
        raise Refusal("You are not carrying anything.")
    for item in pick_loose(world, actor, query, "drop"):
        world.transfer(item, room)
        actor.send(ItemAction(actor.name, "drop", item.name, own=True))
        world.tell_room(room, ItemAction(actor.name, "drop", item.name), exclude=actor)
        world.hooks.emit(hooks.DROP, who=actor, item=item, room=room)


def give(world: World, actor: Character, query: str, name: str) -> None:
    room = _room(actor)
    target = matching.find(name, [c for c in room.characters if c is not actor])
    if target is None:
        npc = matching.find(name, room.npcs)
        if npc is not None:
            give_npc(world, actor, query, npc)
            return
        raise Refusal(f"There is nobody called '{name}' here to give it to.")
    if not actor.inventory:
        raise Refusal("You are not carrying anything.")
    for item in pick_loose(world, actor, query, "give"):
        world.transfer(item, target)
        actor.send(ItemAction(actor.name, "give", item.name, target.name, own=True))
        target.send(ItemAction(actor.name, "give", item.name, "you"))
        shared = ItemAction(actor.name, "give", item.name, target.name)
        for other in room.characters:
            if other is not actor and other is not target:
                other.send(shared)
        world.hooks.emit(hooks.GIVE, giver=actor, item=item, receiver=target, room=room)


def give_npc(world: World, actor: Character, query: str, npc: NPC) -> None:
    """Offer items to an NPC. The engine does not know who wants what: a system claims the
    give (hooks.claim), and only a claimed item changes hands. Everyone reads the give
    first, then whatever the claimer does (the NPC's thanks, a reward, a way opened)."""
    room = _room(actor)
    if not actor.inventory:
        raise Refusal("You are not carrying anything.")
    offered = pick_loose(world, actor, query, "give")
    claimed = []
    for item in offered:
        finish = world.hooks.claim(hooks.GIVE, giver=actor, item=item, receiver=npc, room=room)
        if finish is not None:
            claimed.append((item, finish))
    if not claimed:
        raise Refusal(f"{npc.name} does not want {offered[0].name}.")
    for item, finish in claimed:
        actor.send(ItemAction(actor.name, "give", item.name, npc.name, own=True))
        world.tell_room(room, ItemAction(actor.name, "give", item.name, npc.name),
                        exclude=actor)
        try:
            finish()  # takes the item, answers, rewards: the claimer's part
        except Exception as exc:  # a broken system must not turn a give into a traceback
            world.hooks.report(npc.id, f"give claim for {item.id}", exc)
    wanted = {item for item, _ in claimed}
    for item in offered:
        if item not in wanted:
            actor.send(Message(f"{npc.name} does not want {item.name}."))
