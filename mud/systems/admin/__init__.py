"""Admin commands: announce, kick, users, revoke (the ``admin`` command set).

``install()`` (called once by mud.systems.install_all) registers, without an edit anywhere
else:

- ``announce``, ``kick``, ``users`` and ``revoke`` in the ``admin`` command set, which is
  granted by role (a character's ``command_sets``), never to every player;
- two events with their text and JSON renderings: ``announce`` (an admin's message to
  every player, in a style of its own) and ``users`` (who is connected, from where, how
  long, with which client);
- an audit line (mud/audit.py) for each kick, revocation and announcement.

The commands reach the running server through the session that typed them
(``ctx.account`` is a mud.session.Session, whose ``game`` holds the connections).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, succeed

from mud.audit import audit
from mud.commands.registry import Context, command_set
from mud.engine.actions import Refusal
from mud.engine.events import Event, Goodbye, Message
from mud.engine.model import NOBODY
from mud.engine.tells import DIRECTORY
from mud.player_text import clean

# Longest announcement (characters): a few lines on everyone's screen, not a page.
MAX_ANNOUNCE = 500
# Longest kick reason (characters).
MAX_REASON = 200
# Shown for a web connection (the browser client) in ``users``.
WEB_CLIENT = "browser"


class Announcement(Event):
    """An admin's message to every player: ``message``, from ``by`` (of ``realm``, when
    it came from another realm's admin)."""

    __slots__ = ("by", "message", "realm")
    kind = "announce"

    def __init__(self, message: str, by: str, realm: str = "") -> None:
        super().__init__()
        self.message = message
        self.by = by
        self.realm = realm


class UserList(Event):
    """Who is connected: (name, transport, client, address, seconds connected) each;
    name is "" for a connection still at the login screen."""

    __slots__ = ("users",)
    kind = "users"

    def __init__(self, users: tuple[tuple[str, str, str, str, float], ...]) -> None:
        super().__init__()
        self.users = users


def _game(ctx: Context) -> Any:
    game = getattr(ctx.account, "game", None)
    if game is None:
        raise Refusal("That command works only on a running server.")
    return game


def _words(text: str, limit: int, what: str) -> str:
    """Player text as speech is: control characters cleaned, whitespace collapsed, at
    most ``limit`` characters."""
    text = " ".join(clean(text).split())
    if len(text) > limit:
        raise Refusal(f"That {what} is too long ({len(text)} characters; {limit} at most).")
    return text


def announce(ctx: Context, args: str) -> None:
    """announce <text>

    Tell every player in the game something, telnet and web alike, in a style of its own.
    Example: announce The server restarts at noon for ten minutes.
    """
    game = _game(ctx)
    session = ctx.account
    text = announce_to_all(game, args, ctx.actor.name, getattr(session, "peer", ""),
                           getattr(session, "via", ""))
    if not announce_elsewhere(game, text, ctx.actor.name):
        ctx.send(Message(UNREACHABLE))


def announce_elsewhere(game: Any, text: str, by: str) -> bool:
    """Send an announcement made here to every other realm; False when they cannot be
    reached (True on a server with no other realms)."""
    return bool(game.world.bus.publish(ADMIN_TOPIC, {"op": "announce", "text": text,
                                                     "by": by}))


# The bus topic of admin actions reaching every realm (mud/cluster/admin.py hears it).
ADMIN_TOPIC = "admin"
UNREACHABLE = ("The other realms cannot be reached just now: only this realm's players "
               "were told.")


def announce_to_all(game: Any, text: str, by: str, peer: str, via: str,
                    realm: str = "") -> str:
    """Tell every player ``text`` from ``by`` (of another ``realm``, when it came over
    the bus; audited with ``peer`` and ``via``: where it was asked from); the text as
    sent. Raises Refusal. Also the admin API's, which then tells the other realms itself."""
    text = _words(text, MAX_ANNOUNCE, "announcement")
    if not text:
        raise Refusal("Announce what? For example: announce The server restarts at noon.")
    game.connections.tell_players(Announcement(text, by, realm))
    audit("announce", by, peer, via, text=text, realm=realm or None)
    return text


def kick(ctx: Context, args: str) -> Deferred[Any] | None:
    """kick <name> [reason]

    Disconnect a player, telling them why; their character is saved and leaves the game.
    A link-dead body is saved and taken out. Example: kick Bram shouting in the square
    """
    game = _game(ctx)
    name, _, rest = args.strip().partition(" ")
    if not name:
        raise Refusal("Kick whom? For example: kick Bram spamming the square")
    return kick_player(game, name, rest, ctx.actor.name,
                       lambda text: ctx.send(Message(text)), actor=ctx.actor)


def kick_player(game: Any, name: str, reason: str, by: str, tell: Callable[[str], None],
                actor: Any = None) -> Deferred[None]:
    """Disconnect the character ``name`` (told why, saved), as ``by``; ``tell`` gets what
    the admin is told. Fires when the character is saved. Raises Refusal (nobody of that
    name; ``actor``, the admin's own character, kicking itself). Also the admin API's.

    On a server linked to other realms, ``name@realm``, or a name nobody here has but
    one other realm has, asks that realm to kick them: fires at once, and the realm's
    answer reaches ``actor`` (if a player) when it comes."""
    reason = _words(reason, MAX_REASON, "reason")
    name, _, realm = name.partition("@")
    here = game.world.bus.realm
    character = game.world.online.get(name.lower()) \
        if not realm or realm.lower() == here.lower() else None
    if character is None:
        elsewhere = game.world.parts.get(DIRECTORY)
        found = [realm] if realm else \
            elsewhere.realms_of(name.lower()) if elsewhere is not None else []
        if elsewhere is not None and len(found) == 1:
            return kick_elsewhere(game, name, found[0], reason, by, tell, actor)
        if found:
            raise Refusal(f"More than one player called '{name[:30]}' is in the game, in "
                          f"realms {', '.join(found)}: say which, for example: kick "
                          f"{name[:30]}@{found[0]}")
        raise Refusal(f"Nobody called '{name[:30]}' is in the game. Type 'users' to see "
                      "who is.")
    if character is actor:
        raise Refusal("You cannot kick yourself; type 'quit' to leave.")
    target = character.link
    peer = getattr(target, "peer", "")
    via = getattr(target, "via", "") or character.via
    audit("kick", character.name, peer, via, by=by, reason=reason or "-",
          linkdead="yes" if target is NOBODY else None)
    if target is NOBODY or not hasattr(target, "close"):
        saved: Deferred[bool] = game.connections.remove(character)
    else:
        saved = game.leave(target)
        why = f": {reason}" if reason else "."
        target.close(Goodbye(f"You have been disconnected by {by}{why} Your character is "
                             "saved.", "kicked"))
    tell(f"{character.name} is kicked" + (f" ({reason})." if reason else "."))
    return saved.addCallback(lambda _: None)


def kick_elsewhere(game: Any, name: str, realm: str, reason: str, by: str,
                   tell: Callable[[str], None], actor: Any = None) -> Deferred[None]:
    """Ask ``realm`` to kick its player ``name`` (see kick_player). Raises Refusal when no
    such realm or player is known there, or the realms cannot be reached."""
    elsewhere = game.world.parts.get(DIRECTORY)
    view = elsewhere.realms.get(realm.lower()) if elsewhere is not None else None
    if view is None or name.lower() not in view.players:
        raise Refusal(f"Nobody called '{name[:30]}' is in the game in realm '{realm[:30]}'. "
                      "Type 'who' to see who is where.")
    shown = view.players[name.lower()].name
    asked = game.world.bus.publish(ADMIN_TOPIC, {
        "op": "kick", "realm": view.name, "name": name.lower(), "reason": reason, "by": by,
        "to": actor.key if actor is not None else ""})
    if not asked:
        raise Refusal("The other realms cannot be reached just now: nobody was kicked. "
                      "Try again in a moment.")
    audit("kick", shown, by=by, reason=reason or "-", realm=view.name, asked="yes")
    tell(f"{shown} is in realm {view.name}: that realm is asked to kick them.")
    return succeed(None)


def users(ctx: Context, args: str) -> None:
    """users

    Who is connected: name (or "(logging in)"), transport and client (a telnet client's
    name, or browser), how long, and from which address.
    """
    ctx.send(UserList(connection_rows(_game(ctx))))


def connection_rows(game: Any) -> tuple[tuple[str, str, str, str, float], ...]:
    """Each connection, oldest first: (name or "" at the login screen, transport, client,
    address, seconds connected). Also the admin API's ``who``."""
    now = game.world.clock.seconds()
    rows = []
    for session in sorted(game.connections.sessions, key=lambda s: s.opened):
        character = session.character
        rows.append((character.name if character is not None else "", session.via,
                     client_of(session), session.peer, max(0.0, now - session.opened)))
    return tuple(rows)


def client_of(session: Any) -> str:
    """A connection's client: the telnet client's name (TTYPE, MNES or GMCP), or the
    browser for the web."""
    if session.via == "web":
        return WEB_CLIENT
    options = getattr(session.connection, "options", None)
    return str(getattr(options, "client", "") or "")


def revoke(ctx: Context, args: str) -> Deferred[Any]:
    """revoke <name>

    End every resume token a character's web client holds: it must log in with the
    password again (a lost or shared device). Those playing now stay connected.
    """
    game = _game(ctx)
    name = args.strip()
    if not name or " " in name:
        raise Refusal("Revoke whose resume tokens? For example: revoke Bram")
    if game.tokens is None:
        raise Refusal("This server issues no resume tokens.")
    shown = name[:30]

    def known(exists: bool) -> Deferred[None]:
        if not exists:
            raise Refusal(f"There is no character called '{shown}'.")
        session = ctx.account
        audit("revoke", shown.capitalize(), getattr(session, "peer", ""),
              getattr(session, "via", ""), by=ctx.actor.name)
        return game.tokens.revoke(name.lower()).addCallback(lambda _: ctx.send(Message(
            f"{shown.capitalize()}'s resume tokens are revoked: the web client must log in "
            "with the password again."))).addCallback(
                lambda _: revoke_elsewhere(game, name.lower(), ctx.actor.name, ctx.send))
    result: Deferred[Any] = game.accounts.exists(name).addCallback(known)
    return result


def revoke_elsewhere(game: Any, key: str, by: str,
                    send: Callable[[Event], None] | None = None) -> Deferred[None]:
    """Tell the other realms (if any) that ``key``'s tokens are revoked, with the token
    generation now stored here: a realm sharing the store finds it there already and
    does nothing; one with a store of its own revokes them in it too."""
    bus = game.world.bus
    if not bus.clustered:
        return succeed(None)

    def publish(generation: int) -> None:
        if not bus.publish(ADMIN_TOPIC, {"op": "revoke", "name": key, "by": by,
                                         "generation": generation}) and send is not None:
            send(Message("The other realms cannot be reached just now: their servers "
                         "still take the tokens they issued."))
    d: Deferred[None] = game.tokens.generation(key).addCallback(publish)
    return d


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _announce_text(e: Announcement, p: Any) -> str:
    by = f"{e.by}@{e.realm}" if e.realm else e.by
    return p.wrap(f"{p('notice', f'[Announcement from {by}]')} {e.message}")


def _users_text(e: UserList, p: Any) -> str:
    lines = [p("notice", f"Connections: {len(e.users)}")]
    for name, via, client, address, seconds in e.users:
        shown = name or "(logging in)"
        how = f"{via} ({client[:20]})" if client else via
        row = f"  {shown:<16} {how:<24} {_duration(seconds):>7}  {address or '?'}"
        # A narrow window gets the address on a line of its own rather than a row wrapped
        # at some column of the table.
        lines.append(row if len(row) <= p.width else
                     f"  {shown} {how} {_duration(seconds)}\n    from {address or '?'}")
    return "\n".join(lines)


def _announce_json(e: Announcement) -> dict[str, Any]:
    return {"message": e.message, "by": e.by, "realm": e.realm}


def _users_json(e: UserList) -> dict[str, Any]:
    return {"users": [{"name": name, "transport": via, "client": client, "address": address,
                       "seconds": round(seconds)}
                      for name, via, client, address, seconds in e.users]}


def install() -> None:
    from mud.render import json_events, text

    admin = command_set("admin")
    if "announce" not in admin.commands:
        admin.register("announce", family="admin")(announce)
        admin.register("kick", family="admin")(kick)
        admin.register("users", family="admin")(users)
        admin.register("revoke", family="admin")(revoke)
    text.register(Announcement, _announce_text)
    text.register(UserList, _users_text)
    json_events.register(Announcement, _announce_json)
    json_events.register(UserList, _users_json)
    # shutdown, reboot and stats (mud/systems/admin/lifecycle.py).
    from mud.systems.admin import lifecycle
    lifecycle.install()
    # ban, unban and bans (mud/systems/admin/bans.py).
    from mud.systems.admin import bans
    bans.install()
