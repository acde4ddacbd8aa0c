"""One world's channels: who hears each, what was said lately, and the other realms.

``channels_of(world)`` is the world's ``Channels`` (made once, with the world's hooks).
Listeners are kept as characters come and go and as they turn channels on and off (the
``login``, ``logout`` hooks and ``channel on|off``), so a message costs one send per
listener and no scan of the players. Who may listen by role is asked again as each line
is handed out on a channel above players (``wiz``): a demoted admin stops hearing it at
once. The ``refresh`` hook (a role changed in the game: roles.apply_role; a connection
taking the body over) puts the character on the channels its role now hears and takes it
off those it no longer may; so do its next channel command and its next login.

A line said here is rendered once per style for every listener (one event object), kept
in the channel's history, and published once on the world's bus (topic ``channel``:
``{"channel", "talker", "text"}``) for the other realms; what they publish is handed to
our listeners with its realm, and kept in the history too. While the link to the other
realms is down a speaker is told once (per outage) that only this realm heard.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from mud.engine import hooks
from mud.engine.actions import Refusal
from mud.engine.events import Message
from mud.engine.model import Character
from mud.engine.state import of
from mud.engine.world import World
from mud.player_text import clean
from mud.ratelimit import TokenBucket
from mud.systems.channels import events as ev
from mud.systems.channels.definitions import Channel, merged, role_rank

PART = "channels"
STATE_NAME = "channels"
TOPIC = "channel"
# The longest line one may say on a channel (characters): everyone on it reads it.
MAX_TEXT = 500
# Channel lines a second one character may say on average, and at once.
RATE = 0.5
BURST = 5
# A talker's name from another realm is cut to this (ours are 20 letters at most).
MAX_TALKER = 40
# Channel choices kept per character (on/off by name); more are dropped.
MAX_CHOICES = 64
DOWN_NOTICE = ("Only players on this realm heard you: the link to the other realms is "
               "down.")


def may(character: Character, role: str) -> bool:
    """Whether ``character`` has ``role`` or one above it: a role grants the sets of those
    below it too (commands.registry.ROLE_SETS), so its own set is there."""
    return role in character.command_sets


def choices(character: Character) -> dict[str, bool]:
    """The character's own on/off choices by channel name (saved, declared state)."""
    data = of(character, STATE_NAME)
    if not isinstance(data, dict) or len(data) > MAX_CHOICES or \
            not all(isinstance(k, str) and isinstance(v, bool) for k, v in data.items()):
        # A damaged save: what can be read is kept.
        data = character.state[STATE_NAME] = dict(list(
            (k, v) for k, v in (data.items() if isinstance(data, dict) else ())
            if isinstance(k, str) and isinstance(v, bool))[:MAX_CHOICES])
    return data


def default_state() -> dict[str, bool]:
    return {}


class Channels:
    """The channels of one world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.defined: dict[str, Channel] = {}
        # Channel words (names and aliases) -> the channel's name.
        self.by_word: dict[str, str] = {}
        self._from_world: tuple[Channel, ...] = ()
        self._from_config: tuple[Channel, ...] = ()
        # Who hears each channel now (insertion-ordered: lines go out in login order).
        self.listeners: dict[str, dict[Character, None]] = {}
        # Each channel's last lines: (talker, words, realm, when).
        self.history: dict[str, deque[tuple[str, str, str, float]]] = {}
        # Each speaker's rate limit by character key. A speaker who leaves keeps theirs
        # until it would be full again (quitting and logging in again must not buy a
        # fresh burst): ``_left`` holds when each leaver's bucket may go, ``_leaving``
        # the same in the order they left, swept from the front as lines are said and
        # characters leave (no walk over every bucket).
        self._buckets: dict[str, TokenBucket] = {}
        self._left: dict[str, float] = {}
        self._leaving: deque[tuple[float, str]] = deque()
        # Each speaker's lines a second and burst (a benchmark lifts them).
        self.rate, self.burst = RATE, BURST
        # Speakers told, during this outage of the link, that only this realm heard.
        self._told_down: set[str] = set()
        world.hooks.on(hooks.LOGIN, self._login, owner="channels")
        world.hooks.on(hooks.LOGOUT, self._logout, owner="channels")
        world.hooks.on(hooks.REFRESH, self._refresh, owner="channels")
        world.hooks.on(hooks.REQUEST, self._request, owner="channels")
        world.bus.subscribe(TOPIC, self.received)
        world.bus.watch(self._link_changed)

    # -- definitions ----------------------------------------------------------------------

    def define(self, from_world: tuple[Channel, ...] | None = None,
               from_config: tuple[Channel, ...] | None = None) -> None:
        """Set the world's channels and/or the config's (which win by name), and the
        world's command words for them; who hears what is worked out again."""
        from mud.systems.channels import commands

        if from_world is not None:
            self._from_world = from_world
        if from_config is not None:
            self._from_config = from_config
        for word in self.by_word:
            self.world.words.pop(word, None)
        self.defined = {c.name: c for c in merged(self._from_world, self._from_config)}
        self.by_word = {w: c.name for c in self.defined.values() for w in c.words}
        for channel in self.defined.values():
            command = commands.channel_command(channel)
            for word in channel.words:
                self.world.words[word] = command
        old = self.history
        self.history = {name: deque(old.get(name, ()), maxlen=c.history)
                        for name, c in self.defined.items()}
        self.listeners = {name: {} for name in self.defined}
        for character in self.world.online.values():
            self.rejoin(character)

    @property
    def world_channels(self) -> tuple[Channel, ...]:
        """The channels the world's files define (before the config file's)."""
        return self._from_world

    def find(self, word: str) -> Channel | None:
        name = self.by_word.get(word.strip().lower())
        return self.defined.get(name) if name is not None else None

    def usable(self, character: Character) -> list[Channel]:
        """The channels ``character`` may listen to or speak on."""
        return [c for c in self.defined.values() if may(character, c.listen) or
                may(character, c.speak)]

    def hears(self, character: Character, channel: Channel) -> bool:
        return character in self.listeners.get(channel.name, {})

    def rows(self, character: Character) -> tuple[ev.Row, ...]:
        return tuple((c.name, c.label, c.aliases, c.description,
                      self.hears(character, c), may(character, c.speak))
                     for c in self.usable(character))

    # -- listeners ------------------------------------------------------------------------

    def rejoin(self, character: Character) -> None:
        """Put ``character`` on every channel it may hear and has not turned off, and take
        it off those its role no longer lets it hear (demoted while playing)."""
        chosen = choices(character)
        for channel in self.defined.values():
            if may(character, channel.listen) and chosen.get(channel.name, channel.default):
                self.listeners[channel.name][character] = None
            else:
                self.listeners[channel.name].pop(character, None)

    def _login(self, who: Any, room: Any) -> None:
        if isinstance(who, Character):
            self._left.pop(who.key, None)   # back: the bucket it left with is its own
            self.rejoin(who)
            self.send_state(who)

    def _logout(self, who: Any, room: Any) -> None:
        for heard in self.listeners.values():
            heard.pop(who, None)
        key = getattr(who, "key", "")
        self._told_down.discard(key)
        now = self.world.clock.seconds()
        self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is not None:
            # Kept until it would have filled again: the longest that takes is a whole
            # burst's worth of time.
            until = now + bucket.burst / bucket.rate
            self._left[key] = until
            self._leaving.append((until, key))

    def _sweep(self, now: float) -> None:
        """Forget the buckets of speakers who left and whose bucket is full again (those
        who came back keep theirs)."""
        leaving = self._leaving
        while leaving and leaving[0][0] <= now:
            until, key = leaving.popleft()
            if self._left.get(key) == until:   # not back, nor left again since
                del self._left[key]
                self._buckets.pop(key, None)

    def _refresh(self, who: Any, room: Any) -> None:
        # A new connection took the body over, or the client asked again: it learns the
        # channels anew (and a role granted meanwhile brings its channels in).
        if isinstance(who, Character):
            self.rejoin(who)
            self.send_state(who)

    def _request(self, who: Any, room: Any, what: str, data: Any) -> None:
        if not isinstance(who, Character):
            return
        if what == "comm.channel.list":
            self.send_state(who, always=True)
        elif what == "comm.channel.players":
            who.send(self.players(who))

    def send_state(self, character: Character, always: bool = False) -> None:
        """The character's channel list as silent state (web tabs, Comm.Channel.List);
        nothing in a world without channels unless asked (``always``)."""
        if self.defined or always:
            character.send(ev.ChannelsState(self.rows(character)))

    def players(self, asker: Character) -> ev.ChannelPlayers:
        """Who here hears which of the channels ``asker`` may hear."""
        mine = [c for c in self.defined.values() if may(asker, c.listen)]
        found = []
        for character in sorted(self.world.online.values(), key=lambda c: c.key):
            names = tuple(c.name for c in mine if character in self.listeners[c.name] and
                          may(character, c.listen))
            if names:
                found.append((character.name, names))
        return ev.ChannelPlayers(tuple(found))

    def turn(self, character: Character, channel: Channel, on: bool) -> str:
        """Turn ``channel`` on or off for ``character`` (saved); what to tell it."""
        if on and not may(character, channel.listen):
            raise Refusal(f"Only {channel.listen}s hear {channel.label}.")
        chosen = choices(character)
        if on == self.hears(character, channel):
            return (f"You already hear {channel.label}." if on else
                    f"{channel.label} is already off for you.")
        if on == channel.default:
            chosen.pop(channel.name, None)  # the default again: nothing to keep
        else:
            chosen[channel.name] = on
        if len(chosen) > MAX_CHOICES:
            # Choices of channels long gone go first.
            for stale in sorted(chosen, key=lambda n: n in self.defined)[:len(chosen) -
                                                                         MAX_CHOICES]:
                del chosen[stale]
        self.world.changed(character)
        heard = self.listeners[channel.name]
        if on:
            heard[character] = None
        else:
            heard.pop(character, None)
        self.send_state(character)
        return (f"You now hear {channel.label}. Type {channel.name} and your words to "
                "speak there." if on else
                f"You no longer hear {channel.label}. Type 'channel on {channel.name}' to "
                "hear it again.")

    # -- speaking -------------------------------------------------------------------------

    def use(self, character: Character, name: str, args: str) -> None:
        """``<channel> <words>``: speak; ``<channel>`` alone: its recent lines."""
        channel = self.defined.get(name)
        if channel is None:
            raise Refusal("That channel is gone. Type 'channels' to see those there are.")
        text = " ".join(clean(args).split())
        listens, speaks = may(character, channel.listen), may(character, channel.speak)
        if not listens and not speaks:
            raise Refusal(f"Only {channel.listen}s may use {channel.label}.")
        if not text:
            if not listens:
                raise Refusal(f"Only {channel.listen}s hear {channel.label}; say something "
                              f"there with {channel.name} <words>.")
            character.send(self.recent(channel))
            return
        if not speaks:
            raise Refusal(f"Only {channel.speak}s may speak on {channel.label}; you may "
                          "listen.")
        if listens and not self.hears(character, channel):
            if not choices(character).get(channel.name, channel.default):
                raise Refusal(f"You have {channel.label} turned off. Type 'channel on "
                              f"{channel.name}' first.")
            self.rejoin(character)  # promoted while playing: it hears the channel now
        if len(text) > MAX_TEXT:
            raise Refusal(f"That is too long for a channel ({len(text)} characters; "
                          f"{MAX_TEXT} at most). Break it up.")
        now = self.world.clock.seconds()
        self._sweep(now)
        bucket = self._buckets.get(character.key)
        if bucket is None:
            bucket = self._buckets[character.key] = TokenBucket(self.rate, self.burst, now)
        if not bucket.take(now):
            wait = max(1, math.ceil(bucket.wait(now)))
            raise Refusal(f"You are talking on channels too fast: wait {wait} second"
                          f"{'' if wait == 1 else 's'} and say it again.")
        self.deliver(channel, character.name, text, "", exclude=character)
        character.send(ev.ChannelMessage(channel.name, channel.label, character.name, text,
                                         own=True))
        sent = self.world.bus.publish(TOPIC, {"channel": channel.name,
                                              "talker": character.name, "text": text})
        if not sent and character.key not in self._told_down:
            self._told_down.add(character.key)
            character.send(Message(DOWN_NOTICE))

    def deliver(self, channel: Channel, talker: str, text: str, realm: str,
                exclude: Character | None = None) -> int:
        """Hand one line to everyone hearing ``channel`` (one event for all) and keep it
        in the history; how many it was handed to."""
        event = ev.ChannelMessage(channel.name, channel.label, talker, text, realm=realm)
        heard = self.listeners[channel.name]
        # A send may end a connection (a full buffer) and with it a listener: go over a
        # copy. Channels open to players skip the role check.
        check = role_rank(channel.listen) > 0
        count = 0
        for character in list(heard):
            if character is exclude or (check and not may(character, channel.listen)):
                continue
            character.link.send(event)
            count += 1
        if channel.history:
            self.history[channel.name].append((talker, text, realm,
                                               self.world.clock.seconds()))
        return count

    def recent(self, channel: Channel) -> ev.ChannelHistory:
        now = self.world.clock.seconds()
        lines = tuple((talker, text, realm, int(max(0.0, now - when)))
                      for talker, text, realm, when in self.history[channel.name])
        return ev.ChannelHistory(channel.name, channel.label, lines, channel.history)

    # -- the other realms -----------------------------------------------------------------

    def received(self, data: dict[str, Any], realm: str) -> None:
        """A line another realm published: checked as anything from outside is, then
        handed to our listeners (a channel we do not have is ignored)."""
        if not isinstance(data, dict):
            return
        name, talker, text = data.get("channel"), data.get("talker"), data.get("text")
        if not isinstance(name, str) or not isinstance(talker, str) or \
                not isinstance(text, str):
            return
        channel = self.defined.get(name)
        talker = " ".join(clean(talker).split())[:MAX_TALKER]
        text = " ".join(clean(text).split())[:MAX_TEXT]
        if channel is None or not talker or not text:
            return
        self.deliver(channel, talker, text, " ".join(clean(str(realm)).split())[:MAX_TALKER])

    def _link_changed(self, up: bool) -> None:
        # A new outage (or its end): speakers may be told again next time.
        self._told_down.clear()


def channels_of(world: World) -> Channels:
    """The world's channels (made, with its hooks, the first time they are asked for)."""
    return world.part(PART, Channels)
