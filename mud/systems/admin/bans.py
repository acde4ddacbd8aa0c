"""Admin commands ``ban``, ``unban`` and ``bans`` (the ``admin`` command set).

A ban is stored first (through the store's worker thread, as a Deferred) and put in force
in memory once stored, so what players see always matches what a restart would load.
Banning a name or an address disconnects the players it holds at once, the way ``kick``
does (told why, saved, disconnected). Every ban and unban is an audit line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred

from mud.audit import audit
from mud.bans import (
    MAX_BANS,
    MAX_REASON,
    Ban,
    BanError,
    bans_of,
    parse_duration,
    parse_target,
    when,
)
from mud.commands.registry import Context, command_set
from mud.engine.actions import Refusal
from mud.engine.events import Goodbye, Message
from mud.player_text import clean


def _game(ctx: Context) -> Any:
    game = getattr(ctx.account, "game", None)
    if game is None:
        raise Refusal("That command works only on a running server.")
    return game


def _target(text: str) -> tuple[str, str]:
    try:
        return parse_target(text)
    except BanError as exc:
        raise Refusal(str(exc)) from None


def ban(ctx: Context, args: str) -> Deferred[Any]:
    """ban <name|address|CIDR> <duration|forever> <reason>

    Keep a character, an address or a network out: durations like 30m, 2h, 7d, 2w, or
    forever. Players it holds are disconnected at once. Example: ban Bram 7d spamming
    """
    game = _game(ctx)
    words = args.split(None, 2)
    if len(words) < 3:
        raise Refusal("Type: ban <name|address|CIDR> <duration|forever> <reason>, for "
                      "example: ban Bram 7d spamming the square")
    session = ctx.account
    return ban_target(game, words[0], words[1], words[2], ctx.actor.name,
                      getattr(session, "peer", ""), getattr(session, "via", ""),
                      lambda text: ctx.send(Message(text)), own_name=ctx.actor.name)


def ban_target(game: Any, what: str, duration: str, reason: str, by: str, peer: str,
               via: str, tell: Callable[[str], None], own_name: str = "") -> Deferred[Any]:
    """Ban ``what`` (a name, an address or a network) for ``duration`` (30m, 7d, forever)
    because of ``reason``, as ``by`` asking from ``peer`` over ``via`` (who may not ban
    their own address, nor ``own_name``, their character); ``tell`` gets what the admin
    is told. Raises Refusal for bad input, fires once the ban is stored and in force.
    Also the admin API's."""
    kind, target = _target(what)
    try:
        seconds = parse_duration(duration)
    except BanError as exc:
        raise Refusal(str(exc)) from None
    reason = " ".join(clean(reason).split())
    if not reason:
        raise Refusal("Say why: the banned player is told the reason.")
    if len(reason) > MAX_REASON:
        raise Refusal(f"That reason is too long ({len(reason)} characters; {MAX_REASON} "
                      "at most).")
    bans = bans_of(game)
    if kind == "name" and own_name and target == own_name.lower():
        raise Refusal("You cannot ban yourself.")
    own = peer
    if kind != "name" and bans.covers(kind, target, own):
        raise Refusal(f"That would ban your own connection ({own}); ban a narrower "
                      "address or network.")
    if bans.get(kind, target) is None and len(bans) >= MAX_BANS:
        raise Refusal(f"There are {MAX_BANS} bans already; unban some first.")
    now = game.world.clock.seconds()
    entry = Ban(kind, target, None if seconds is None else now + seconds, reason, by, now)
    shown = target.capitalize() if kind == "name" else target

    def stored(_: object) -> Deferred[Any] | None:
        bans.add(entry)
        audit("ban", shown if kind == "name" else "", peer, via, target=target, kind=kind,
              by=by, until=when(entry), reason=reason)
        tell(f"{shown} is banned {when(entry)}: {reason}")
        _tell_realms(game, {"op": "ban", "kind": kind, "target": target,
                            "until": entry.until, "reason": reason, "by": by,
                            "created": now}, tell)
        kicked = disconnect_banned(game, entry, by)
        if kind == "name":
            return game.accounts.exists(target).addCallback(told_unknown)
        return kicked

    def told_unknown(exists: bool) -> None:
        if not exists:
            tell(f"No character is called {shown} yet: the ban keeps anyone from creating "
                 "one with that name.")
    result: Deferred[Any] = game.store.add_ban(entry.row()).addCallback(stored)
    return result


def _tell_realms(game: Any, data: dict[str, Any], tell: Callable[[str], None]) -> None:
    """Other realms (mud/cluster/admin.py) put a ban in force, or lift it, too; the
    admin hears when they cannot be reached."""
    from mud.systems.admin import ADMIN_TOPIC
    bus = game.world.bus
    if bus.clustered and not bus.publish(ADMIN_TOPIC, data):
        tell("The other realms cannot be reached just now: there it takes effect when "
             "they restart, if they share this store.")


def disconnect_banned(game: Any, entry: Ban, by: str) -> Deferred[Any] | None:
    """Disconnect every connection ``entry`` holds, the way kick does: told why, the
    character saved and out of the game."""
    bans = bans_of(game)
    goodbye = f"You have been banned by {by} {when(entry)}: {entry.reason}"
    saves = []
    for session in list(game.connections.sessions):
        character = session.character
        if entry.kind == "name":
            held = character is not None and character.name.lower() == entry.target
        else:
            held = bans.covers(entry.kind, entry.target, session.peer)
        if not held:
            continue
        audit("kick", character.name if character is not None else "", session.peer,
              session.via, by=by, reason=f"banned: {entry.reason}")
        if character is not None:
            saves.append(game.leave(session))
        session.close(Goodbye(goodbye + (" Your character is saved." if character else ""),
                              "banned"))
    if entry.kind == "name":
        # A link-dead body of the banned character leaves the game too.
        character = game.world.online.get(entry.target)
        if character is not None and not hasattr(character.link, "close"):
            saves.append(game.connections.remove(character))
    if not saves:
        return None
    from twisted.internet.defer import gatherResults
    return gatherResults(saves).addCallback(lambda _: None)


def unban(ctx: Context, args: str) -> Deferred[Any]:
    """unban <name|address|CIDR>

    Lift a ban (as it was given: a network ban is lifted by its network).
    """
    game = _game(ctx)
    if not args.strip() or len(args.split()) != 1:
        raise Refusal("Type: unban <name|address|CIDR>, for example: unban Bram")
    session = ctx.account
    return unban_target(game, args, ctx.actor.name, getattr(session, "peer", ""),
                        getattr(session, "via", ""), lambda text: ctx.send(Message(text)))


def unban_target(game: Any, what: str, by: str, peer: str, via: str,
                 tell: Callable[[str], None]) -> Deferred[Any]:
    """Lift the ban on ``what`` as ``by`` (from ``peer`` over ``via``); ``tell`` gets what
    the admin is told. Raises Refusal when it is not banned. Also the admin API's."""
    kind, target = _target(what)
    bans = bans_of(game)
    if bans.get(kind, target) is None:
        raise Refusal(f"{target} is not banned. Type 'bans' to see the list.")
    shown = target.capitalize() if kind == "name" else target

    def removed(_: object) -> None:
        bans.remove(kind, target)
        audit("unban", shown if kind == "name" else "", peer, via, target=target, kind=kind,
              by=by)
        tell(f"{shown} is no longer banned.")
        _tell_realms(game, {"op": "unban", "kind": kind, "target": target, "by": by}, tell)
    result: Deferred[Any] = game.store.remove_ban(kind, target).addCallback(removed)
    return result


def bans_list(ctx: Context, args: str) -> None:
    """bans

    Every ban in force: what, until when, why, who banned and when.
    """
    game = _game(ctx)
    entries = bans_of(game).active()
    if not entries:
        ctx.send(Message("Nobody is banned."))
        return
    import time
    lines = [f"Bans: {len(entries)}"]
    for entry in entries:
        shown = entry.target.capitalize() if entry.kind == "name" else entry.target
        made = time.strftime("%Y-%m-%d %H:%M", time.gmtime(entry.created))
        lines.append(f"  {shown} ({entry.kind}) {when(entry)}\n"
                     f"    by {entry.by} at {made}: {entry.reason}")
    ctx.send(Message("\n".join(lines)))


def install() -> None:
    admin = command_set("admin")
    if "ban" not in admin.commands:
        admin.register("ban", family="admin")(ban)
        admin.register("unban", family="admin")(unban)
        admin.register("bans", family="admin")(bans_list)
