"""The registry of connections: who is connected, who is link-dead, and bodies changing hands.

Every Session registers here when its connection opens and leaves when it ends. A player
whose connection dies leaves a link-dead body in the world, saved, for ``linkdead`` seconds
(or until the player logs in again and takes it back); a login to a character that is
already connected takes the body over and closes the old connection. Presence observers
(the /presence feed) are told of each of these changes. Saving goes through the game's
save queue (mud/saving.py); loading a character to enter the game is the Game's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger

from mud.audit import audit
from mud.engine import actions
from mud.engine.events import Event, Goodbye, LinkChange, Message
from mud.engine.model import NOBODY, Character
from mud.engine.world import World
from mud.saving import SaveQueue
from mud.session import Session

log = Logger()

TAKEOVER_TEXT = "You take over your body where you left it."
CLAIM_LOST = ("Your character was taken up in another realm while this one could not reach "
              "its storage, so it leaves the game here and what you did since is not saved. "
              "Log in again to play on.")

Observer = Callable[[str, str, str], None]


class Connections:
    def __init__(self, world: World, saves: SaveQueue, linkdead: float = 600.0) -> None:
        self.world = world
        self.saves = saves
        # Seconds a character whose connection died stays in the world, waiting for its player.
        self.linkdead = linkdead
        self.sessions: set[Session] = set()
        # Told (what, name, via) as characters enter and leave the world ("join", "leave"),
        # as a connection dies and leaves its body waiting ("linkdead"), and as a body is
        # taken back or taken over by another connection ("relinked").
        self.presence: list[Observer] = []
        # The server is stopping: a connection that ends takes its body out at once.
        self.closing = False
        self._linkdead_timers: dict[str, Any] = {}
        # Realms sharing a store (mud/cluster/claims.py): this realm's claims on characters,
        # given back once a leaving character's save lands; and the keys whose save failed
        # as they left, given back after the next save that lands.
        self.claims: Any = None
        self._unreleased: set[str] = set()

    def announce(self, what: str, character: Character) -> None:
        for observer in list(self.presence):
            try:
                observer(what, character.name, character.via)
            except Exception:
                log.failure("presence observer failed")

    # -- connections opening and ending ---------------------------------------------------------

    def connect(self, session: Session) -> None:
        self.sessions.add(session)

    def disconnect(self, session: Session) -> None:
        """A connection is gone: its character goes link-dead, staying where it stands (and
        saved) until its player comes back or ``linkdead`` seconds pass."""
        self.sessions.discard(session)
        character = session.character
        if character is None or character.link is not session:
            return
        session.character = None
        character.link = NOBODY
        if self.closing or self.linkdead <= 0:
            audit("logout", character.name, session.peer, session.via, reason="disconnected")
            self.remove(character)
            return
        room = character.room
        if room is not None:
            self.world.tell_room(room, LinkChange(character.name, True), exclude=character)
        self.saves.save(self.world.snapshot_character(character))
        clock: Any = self.world.clock
        self._linkdead_timers[character.key] = clock.callLater(
            self.linkdead, self._linkdead_expired, character)
        self.announce("linkdead", character)
        audit("linkdead", character.name, session.peer, session.via, waits=f"{self.linkdead:g}s")

    def _linkdead_expired(self, character: Character) -> None:
        self._linkdead_timers.pop(character.key, None)
        if character.link is NOBODY and self.world.online.get(character.key) is character:
            audit("logout", character.name, transport=character.via, reason="linkdead_expired")
            self.remove(character)

    def cancel_linkdead(self, key: str) -> None:
        timer = self._linkdead_timers.pop(key, None)
        if timer is not None and timer.active():
            timer.cancel()

    def cancel_all_linkdead(self) -> None:
        for key in list(self._linkdead_timers):
            self.cancel_linkdead(key)

    # -- bodies changing hands ------------------------------------------------------------------

    def take_over(self, session: Session, character: Character) -> None:
        """Put ``session`` in control of ``character``, already in the world: a link-dead
        body taken back, or a connected one taken from its old connection (closed)."""
        self.cancel_linkdead(character.key)
        old = character.link
        was_via = character.via
        character.link = session
        character.via = session.via
        session.character = character
        self.world.touch(character)
        if isinstance(old, Session) and old is not session:
            audit("takeover", character.name, session.peer, session.via,
                  old_address=old.peer, old_transport=old.via)
            old.taken_over()
        session.entered(character)
        session.send(Message(TAKEOVER_TEXT))
        if old is NOBODY and character.room is not None:
            self.world.tell_room(character.room, LinkChange(character.name, False),
                                 exclude=character)
        actions.look(self.world, character)
        # The new connection knows nothing of the character's state: systems send it again.
        session.refresh()
        # Listeners saw the body go link-dead (or connected another way): tell them it is back.
        if old is NOBODY or was_via != character.via:
            self.announce("relinked", character)

    def leave(self, session: Session) -> Deferred[bool]:
        """Save the session's character and take it out of the world; fires True once it
        is written, False if the write failed (it is kept and retried)."""
        character = session.character
        session.character = None
        if character is None or character.key not in self.world.online:
            return succeed(True)
        return self.remove(character)

    def remove(self, character: Character) -> Deferred[bool]:
        """Save a character and take it out of the world, telling the room."""
        self.cancel_linkdead(character.key)
        actions.announce_departure(self.world, character)
        snapshot = self.world.snapshot_character(character)
        self._out(character)
        saved = self.saves.save(snapshot)
        if self.claims is not None:
            saved.addCallback(self._give_back, character.key)
        return saved

    def _give_back(self, ok: bool, key: str) -> bool:
        # Another realm must load what this one wrote: a save that failed keeps the claim.
        if ok:
            self._unreleased.discard(key)
            self.release_if_free(key)
        else:
            self._unreleased.add(key)
        return ok

    def release_if_free(self, key: str) -> None:
        """Give back this realm's claim on ``key`` unless something here still holds it:
        the character in the game, a login of it loading, or a save of it not landed. The
        store runs calls in order, so a login that claims after this goes in keeps its
        claim."""
        claims = self.claims
        if claims is None or key in self.world.online or claims.loading.get(key) or \
                key in self._unreleased:
            return
        claims.release(key).addCallback(self._released, key)

    def claim_lost(self, key: str) -> None:
        """Another realm took over the claim on ``key`` (this realm's store was away for
        longer than a claim lasts): the character leaves the game here without a save,
        its player told why; the other realm's body is the one that counts now."""
        character = self.world.online.get(key)
        if character is None:
            return
        self.cancel_linkdead(key)
        session = character.link
        audit("logout", character.name, getattr(session, "peer", ""), character.via,
              reason="claim_lost")
        actions.announce_departure(self.world, character)
        self._out(character)
        if isinstance(session, Session):
            session.character = None
            session.close(Goodbye(CLAIM_LOST, "claim_lost"))

    def _released(self, ok: bool, key: str) -> None:
        if not ok:
            # The store went away between the save and the release: try with the next save.
            self._unreleased.add(key)

    def saved_everything(self, ok: bool) -> bool:
        """A save of everything waiting landed (``ok``): give back the claims on those
        who left while saves were failing."""
        if ok and self._unreleased and self.claims is not None:
            for key in list(self._unreleased):
                self._give_back(True, key)
        return ok

    # -- shutdown -------------------------------------------------------------------------------

    def tell_players(self, event: Event) -> None:
        """Send ``event`` to every connection with a character in the game."""
        for session in list(self.sessions):
            if session.character is not None:
                session.send(event)

    def take_everyone_out(self) -> None:
        """Take every character, connected or link-dead, out of the world without saving
        each on its own (the caller saves them all at once)."""
        for character in list(self.world.online.values()):
            self._out(character)

    def _out(self, character: Character) -> None:
        """Take ``character`` out of the world, its body no one's, the observers told."""
        self.world.leave(character)
        character.link = NOBODY
        self.announce("leave", character)

    def close_all(self, in_game: str, at_login: str, reason: str) -> None:
        """Close every connection with a goodbye: ``in_game`` for those that had a
        character, ``at_login`` for those still at the login screen."""
        for session in list(self.sessions):
            text = in_game if session.character is not None else at_login
            session.character = None
            session.close(Goodbye(text, reason))
