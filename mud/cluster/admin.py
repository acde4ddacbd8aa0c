"""Admin actions reaching every realm: what this realm does when another one's admin
announces, kicks one of our players, or revokes a character's resume tokens.

Topic ``admin`` (the bus envelope names the realm it came from):

    {"op": "announce", "text": "...", "by": "Ada"}
        every realm tells its players ("[Announcement from Ada@north] ...")
    {"op": "kick", "realm": "south", "name": "bram", "reason": "...", "by": "Ada",
     "to": "ada"}
        realm ``realm`` kicks its player ``name`` and answers with "told"
    {"op": "told", "realm": "north", "to": "ada", "text": "Bram is kicked."}
        the answer, for realm ``realm``'s player ``to`` (the admin who asked)
    {"op": "revoke", "name": "bram", "by": "Ada", "generation": 4}
        every realm: if its store holds an older token generation for ``name`` (a store
        of its own, not one shared with the sender's realm), revoke the tokens in it too

    {"op": "role", "name": "Cleo", "role": "player", "by": "Ada"}
        an admin of the sending realm changed Cleo's role (in that realm's store): a
        realm where Cleo plays reads her role from its own store and gives her that one
        at once (told "Ada@north made you a player."). With a shared store it is the new
        role; a realm with a store of its own keeps its own (its Cleo is another account),
        so the message alone grants nothing

    {"op": "ban", "kind": "name", "target": "bram", "until": 1.7e9 | null,
     "reason": "...", "by": "Ada", "created": 1.7e9}
        every realm stores the ban (the same row again when the store is shared), puts it
        in force and disconnects the players it holds
    {"op": "unban", "kind": "name", "target": "bram", "by": "Ada"}
        every realm lifts it

The actions are the admin commands' own helpers (mud/systems/admin), so the limits,
refusals and audit lines are the same as for a local admin's; the admin is named
``Ada@north`` in them, and the transport is ``bus``.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.audit import audit
from mud.bans import MAX_BANS, Ban, BanError, bans_of, parse_target, when
from mud.bans import MAX_REASON as MAX_BAN_REASON
from mud.cluster.directory import MAX_NAME, bus_text
from mud.engine.actions import Refusal
from mud.engine.events import Message
from mud.persistence.store import ROLES, AccountRow
from mud.roles import apply_role, article
from mud.systems.admin import (
    ADMIN_TOPIC,
    MAX_ANNOUNCE,
    MAX_REASON,
    announce_to_all,
    kick_player,
)
from mud.systems.admin.bans import disconnect_banned

log = Logger()

TRANSPORT = "bus"


class AdminRelay:
    """Hears the ``admin`` topic for one game (see the module)."""

    def __init__(self, game: Any) -> None:
        self.game = game
        self.bus = game.world.bus
        self.bus.subscribe(ADMIN_TOPIC, self.heard)

    def heard(self, data: dict[str, Any], realm: str) -> None:
        op = data.get("op")
        by = bus_text(data.get("by"), MAX_NAME)
        if op == "told":
            self._told(data, realm)
            return
        if by is None:
            return
        by = f"{by}@{realm}"
        if op == "announce":
            text = data.get("text")
            if isinstance(text, str) and len(text) <= MAX_ANNOUNCE * 2:
                # Empty or too long once cleaned: nothing to say.
                with suppress(Refusal):
                    announce_to_all(self.game, text, by.partition("@")[0], "", TRANSPORT,
                                    realm)
        elif op == "kick":
            self._kick(data, realm, by)
        elif op == "revoke":
            self._revoke(data, by)
        elif op in ("ban", "unban"):
            self._ban(data, by, op == "ban")
        elif op == "role":
            self._role(data, by)

    def _role(self, data: dict[str, Any], by: str) -> None:
        """Another realm's admin changed someone's role: if they play here, give them the
        role this realm's store holds now (see the module)."""
        name, role = bus_text(data.get("name"), MAX_NAME), data.get("role")
        if name is None or role not in ROLES:
            return
        key = name.lower()
        if key not in self.game.world.online:
            return  # not here: a login reads the stored role anyway

        def found(row: AccountRow | None) -> None:
            if row is None or row.role not in ROLES:
                return
            told = f"{by} made you {article(row.role)}. Type 'help' to see the commands " \
                "you may use." if row.role == role else f"You are now {article(row.role)}."
            character = self.game.world.online.get(key)
            before = character.command_sets if character is not None else None
            apply_role(self.game.world, key, row.role, told)
            if character is not None and character.command_sets != before:
                # The realm that changed it logged and audited the change; this says
                # where it took effect.
                log.info("{name} plays here as {role} now (changed by {by})",
                         name=row.name, role=row.role, by=by)
        self.game.store.get_account(key).addCallback(found).addErrback(self._failed,
                                                                        "role change")

    def _ban(self, data: dict[str, Any], by: str, banned: bool) -> None:
        """Another realm's admin banned (or unbanned) someone: the same here, stored
        (the same row again when the store is shared) and in force, the players it holds
        disconnected as a local ban does."""
        kind, target = data.get("kind"), data.get("target")
        if not isinstance(kind, str) or not isinstance(target, str) or len(target) > 64:
            return
        try:
            if parse_target(target) != (kind, target):
                return
        except BanError:
            return
        bans = bans_of(self.game)
        shown = target.capitalize() if kind == "name" else target
        if not banned:
            if bans.get(kind, target) is None:
                return
            audit("unban", shown if kind == "name" else "", "", TRANSPORT, target=target,
                  kind=kind, by=by)
            self.game.store.remove_ban(kind, target).addCallback(
                lambda _: bans.remove(kind, target)).addErrback(self._failed, "unban")
            return
        until, created = data.get("until"), data.get("created")
        reason = bus_text(data.get("reason"), MAX_BAN_REASON)
        number = (int, float)
        if reason is None or not reason or not isinstance(created, number) or \
                isinstance(created, bool) or (until is not None and (
                    not isinstance(until, number) or isinstance(until, bool))):
            return
        if bans.get(kind, target) is None and len(bans) >= MAX_BANS:
            log.warn("a ban from another realm ({target}) is not kept here: {count} bans "
                     "are held already", target=target, count=len(bans))
            return
        entry = Ban(kind, target, None if until is None else float(until), reason, by,
                    float(created))

        def stored(_: object) -> Deferred[Any] | None:
            bans.add(entry)
            audit("ban", shown if kind == "name" else "", "", TRANSPORT, target=target,
                  kind=kind, by=by, until=when(entry), reason=reason)
            return disconnect_banned(self.game, entry, by)
        self.game.store.add_ban(entry.row()).addCallback(stored).addErrback(
            self._failed, "ban")

    def _kick(self, data: dict[str, Any], realm: str, by: str) -> None:
        ours = data.get("realm")
        name = bus_text(data.get("name"), MAX_NAME)
        if not isinstance(ours, str) or ours.lower() != self.bus.realm.lower() or \
                name is None or "@" in name:
            return
        reason = data.get("reason")
        reason = reason if isinstance(reason, str) and len(reason) <= MAX_REASON * 2 else ""
        asker = data.get("to") if isinstance(data.get("to"), str) else ""

        def answer(text: str) -> None:
            self.bus.publish(ADMIN_TOPIC, {"op": "told", "realm": realm, "to": asker,
                                           "text": text})
        try:
            saved = kick_player(self.game, name, reason, by, answer)
        except Refusal as refusal:
            answer(refusal.message)
            return
        saved.addErrback(self._failed, "kick")

    def _told(self, data: dict[str, Any], realm: str) -> None:
        ours, to = data.get("realm"), bus_text(data.get("to"), MAX_NAME)
        text = bus_text(data.get("text"), MAX_REASON + 200)
        if not isinstance(ours, str) or ours.lower() != self.bus.realm.lower() or \
                to is None or text is None:
            return
        admin = self.game.world.find_online(to)
        if admin is not None:
            admin.send(Message(f"Realm {realm}: {text}"))

    def _revoke(self, data: dict[str, Any], by: str) -> None:
        name = bus_text(data.get("name"), MAX_NAME)
        generation = data.get("generation")
        tokens = self.game.tokens
        if name is None or tokens is None or type(generation) is not int:
            return
        key = name.lower()

        def compare(ours: int) -> Deferred[None] | None:
            if ours >= generation:
                return None  # the store is shared with that realm: it is done already
            audit("revoke", name.capitalize(), "", TRANSPORT, by=by)
            d: Deferred[None] = tokens.revoke(key)
            return d
        tokens.generation(key).addCallback(compare).addErrback(self._failed, "revoke")

    def _failed(self, failure: Failure, what: str) -> None:
        log.error("a {what} asked by another realm failed: {why}", what=what,
                  why=failure.getErrorMessage())
