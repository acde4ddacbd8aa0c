"""Tells between players: who last told whom (``reply``) and who is away (``afk``).

The rules of a tell itself are in mud/engine/actions.py (``tell``, ``reply``); this module
keeps what they remember for each player of a world, in the world's ``tells`` part:

- the last teller of each player, as (name, realm), so ``reply`` answers them wherever
  they are ("" is this realm);
- who is away: ``afk [message]`` marks a player (AFK_BURST uses at once, then one every
  AFK_EVERY seconds: each change goes to the /presence feeds and the other realms); a
  tell to them is still delivered, and its teller is answered with the message, once
  per teller in each spell away; the player's next command other than ``afk`` ends the
  spell (``World.waiting``, called from ``World.touch``), so nothing watches the clock
  for it.

Both are forgotten when the player leaves the game: being away is a state of a player at
the keyboard, not of the character, and is not saved.

Realms on several daemons: a tell for someone in another realm goes through the world's
realms directory (``world.parts[DIRECTORY]``: mud/cluster/directory.py), which the engine
knows only as the ``Elsewhere`` interface below; a tell that comes from another realm is
handed to ``hear`` as a local one is. ``watchers`` hear each change of a player's being
away (the directory tells the other realms, the /presence feed its listeners).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from mud.engine import hooks
from mud.engine.events import Message, Tell
from mud.engine.model import Character

PART = "tells"
# The world part holding the realms directory (there only on a clustered server), and the
# one holding the observers of other realms' players coming and going (the /presence
# feeds: ``observer(what, realm, name, fields)``, mud/cluster/directory.py).
DIRECTORY = "directory"
REMOTE_PRESENCE = "remote_presence"
# Longest afk message (characters): a line, not a letter.
MAX_AWAY = 120
# Uses of ``afk`` a player may make at once, then one more every AFK_EVERY seconds: each
# use (and the command that ends the spell) is told to the /presence feeds and to every
# other realm, so a player typing afk over and over must not flood them. The count is
# kept across a quit and a login (forgotten once it is full again).
AFK_BURST = 3
AFK_EVERY = 20.0
# Tellers remembered as answered in one spell away: past it, a new one is still told the
# player is away, but no longer remembered (so a flood of tellers costs bounded memory).
MAX_ANSWERED = 200

Watcher = Callable[[Character, "str | None"], None]


class Elsewhere(Protocol):
    """What the engine asks of the realms directory (mud/cluster/directory.py)."""

    def realms_of(self, key: str) -> list[str]:
        """The other realms where a player called ``key`` (lower case) is in the game."""
        ...

    def send_tell(self, actor: Character, name: str, realm: str, text: str) -> None:
        """Send ``actor``'s tell to ``name`` in ``realm`` and give the actor its own copy;
        raises actions.Refusal (no such realm or player, the link down) in the player's
        words."""
        ...

    def players(self) -> tuple[tuple[str, str, str, bool, str | None], ...]:
        """Every player of the other realms: (name, via, realm, link-dead, afk message or
        None), by realm then name."""
        ...


class Away:
    """One spell away: the message, and the tellers already answered with it."""

    __slots__ = ("answered", "heard", "message")

    def __init__(self, message: str) -> None:
        self.message = message
        self.answered: set[tuple[str, str]] = set()
        # Tells that came during the spell (told to the player on return).
        self.heard = 0


class Tells:
    """A world's memory of tells: last tellers and players away (see the module)."""

    def __init__(self, world: Any) -> None:
        self.world = world
        # Character key -> (teller's name, teller's realm: "" for this one).
        self.last: dict[str, tuple[str, str]] = {}
        # Character key -> its spell away.
        self.away: dict[str, Away] = {}
        self.watchers: list[Watcher] = []
        # Character key -> (afk uses left, when counted): see AFK_BURST. Those whose count
        # is full again are dropped at most once every AFK_BURST * AFK_EVERY seconds, by
        # the next afk, so the dict holds only players who used afk lately.
        self.afk_uses: dict[str, tuple[float, float]] = {}
        self._swept = 0.0
        world.hooks.on(hooks.LOGOUT, self._logged_out)

    def _logged_out(self, who: Any, room: Any) -> None:
        self.last.pop(who.key, None)
        if self.away.pop(who.key, None) is not None:
            self.world.waiting.pop(who, None)
            # Gone from the game: the directory says it with the leave itself.

    # -- being away -----------------------------------------------------------------------

    def afk_wait(self, character: Character) -> float:
        """Count a use of ``afk`` by ``character``: 0.0 when it may go ahead, else the
        seconds until it may (nothing counted then). See AFK_BURST."""
        now = self.world.clock.seconds()
        full = AFK_BURST * AFK_EVERY
        if now - self._swept >= full:
            self._swept = now
            for key, (left, at) in list(self.afk_uses.items()):
                if left + (now - at) / AFK_EVERY >= AFK_BURST:
                    del self.afk_uses[key]
        left, at = self.afk_uses.get(character.key, (float(AFK_BURST), now))
        left = min(float(AFK_BURST), left + (now - at) / AFK_EVERY)
        if left < 1.0:
            self.afk_uses[character.key] = (left, now)
            return (1.0 - left) * AFK_EVERY
        self.afk_uses[character.key] = (left - 1.0, now)
        return 0.0

    def mark_away(self, character: Character, message: str) -> None:
        """Mark ``character`` away with ``message`` (again: the message changes, the
        spell and who has been answered stay; the same message again tells nobody)."""
        spell = self.away.get(character.key)
        if spell is None:
            self.away[character.key] = Away(message)
            self.world.waiting[character] = self._acted
        elif spell.message == message:
            return
        else:
            spell.message = message
        self._tell_watchers(character, message)

    def back(self, character: Character) -> Away | None:
        """End ``character``'s spell away (None if it was not away)."""
        spell = self.away.pop(character.key, None)
        if spell is not None:
            self.world.waiting.pop(character, None)
            self._tell_watchers(character, None)
        return spell

    def message_of(self, character: Character) -> str | None:
        """The afk message of ``character`` ("" for none), or None when it is not away."""
        spell = self.away.get(character.key)
        return None if spell is None else spell.message

    def _acted(self, character: Character, word: str) -> None:
        # The player typed a command: any but afk itself ends the spell. Taking a body
        # back (word "") is no command: a player away stays away through a reconnect.
        if not word or word == "afk":
            return
        spell = self.back(character)
        if spell is None:
            return
        heard = (f" {spell.heard} tell{'s' if spell.heard != 1 else ''} came while you were "
                 "away; type 'reply <words>' to answer the last.") if spell.heard else ""
        character.send(Message(f"You are back: no longer marked away.{heard}"))

    def _tell_watchers(self, character: Character, message: str | None) -> None:
        for watcher in list(self.watchers):
            try:
                watcher(character, message)
            except Exception as exc:  # a broken watcher must not stop afk
                self.world.hooks.report(character.key, f"afk watcher {watcher!r}", exc)

    # -- hearing a tell ---------------------------------------------------------------------

    def hear(self, target: Character, sender: str, realm: str, text: str) -> str | None:
        """Give ``target`` a tell from ``sender`` of ``realm`` ("" for this one) and
        remember the teller for ``reply``. Returns the target's afk message when the
        teller is to be answered with it (the first tell from them in this spell), else
        None."""
        target.send(Tell(sender, target.name, text, realm=realm))
        self.last[target.key] = (sender, realm)
        spell = self.away.get(target.key)
        if spell is None:
            return None
        spell.heard += 1
        teller = (realm.lower(), sender.lower())
        if teller in spell.answered:
            return None
        if len(spell.answered) < MAX_ANSWERED:
            spell.answered.add(teller)
        return spell.message


def of(world: Any) -> Tells:
    """The ``tells`` part of ``world``, made the first time it is asked for."""
    part: Tells = world.part(PART, Tells)
    return part


def away_text(name: str, message: str) -> str:
    """What a teller is told of a player who is away."""
    if message:
        said = message if message[-1:] in ".!?" else message + "."
        return f"{name} is away (afk): {said} They will see your tell when they are back."
    return f"{name} is away (afk) and will see your tell when they are back."
