"""The realms directory: who is in the game in the other realms, and tells between realms.

Each daemon (a realm) keeps a view of every other realm's players, built from what they
publish on the bus (mud/engine/bus.py), and publishes its own changes. Nothing on a
timer looks at players: the beat says only "still here" and how many players the realm
has, so a realm whose view went wrong (a message lost while a link reconnected) asks for
the whole list again; a realm that stops beating is forgotten after ``MISSED_BEATS``
beats. When this daemon's link comes up (at start, after a broker outage) it says hello
with its list and every other realm answers with its own; when the link goes down, every
other realm is forgotten (they cannot be reached: ``who`` says so).

Topic ``presence`` (every message from realm R, the bus envelope naming R):

    {"op": "hello", "players": [PLAYER, ...]}  R's link came up: its whole list; answer
                                               with a "list"
    {"op": "list", "players": [PLAYER, ...]}   R's whole list (answering hello or ask)
    {"op": "ask", "realm": "north"}            the realm named, send your "list" again
    {"op": "join", "player": PLAYER}           someone came into R's game
    {"op": "leave", "name": "Bram"}            ... left it
    {"op": "linkdead", "name": "Bram"}         ... lost the connection (the body waits)
    {"op": "relinked", "name": "Bram", "via": "web"}   ... came back (or another way)
    {"op": "afk", "name": "Bram", "afk": "lunch" | null}   marked away / back
    {"op": "beat", "count": 12}                every BEAT seconds: R's number of players
    {"op": "bye"}                              R is stopping: forget it now

    PLAYER = {"name": "Bram", "via": "telnet", "linkdead": false, "afk": null | "msg"}

Topic ``tell``:

    {"op": "tell", "realm": "north", "to": "bram", "from": "Wynn", "text": "..."}
        a tell for the player ``to`` of realm ``realm`` (the others ignore it)
    {"op": "gone", "realm": "south", "to": "wynn", "name": "bram"}
        answer to realm ``realm``'s player ``to``: nobody called that is here any more
    {"op": "away", "realm": "south", "to": "wynn", "name": "Bram", "afk": "lunch"}
        answer: Bram is away (the first tell from wynn in this spell)

What another realm sends is checked (types, lengths, control characters cleaned) and a
message of the wrong shape is ignored; a realm is trusted as far as its players go (it
could name anyone), as a daemon sharing the broker is the admin's own.

Plain data only: the engine's events and the bus, no Twisted, no JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mud.engine import tells
from mud.engine.actions import MAX_SPEECH, Refusal
from mud.engine.events import Message, Tell
from mud.engine.model import NOBODY, Character
from mud.player_text import clean

PRESENCE = "presence"
TELL = "tell"
# Seconds between beats, and how many a realm may miss before it is forgotten.
BEAT = 30.0
MISSED_BEATS = 3
# Bounds on what other realms send: a name (a player named longer is ignored, not cut:
# no name is valid that long, and a cut one could be someone else's), how someone is
# connected (longer: shown as "?"), players in one list (more: the list is ignored).
# An afk message is cut at tells.MAX_AWAY.
MAX_NAME = 40
MAX_VIA = 20
MAX_PLAYERS = 100_000

# (what, realm, name, fields) for /presence: what is join, leave, linkdead, relinked,
# afk or back; fields are the player's (via, linkdead, afk) as now known.
Observer = Callable[[str, str, str, dict[str, Any]], None]


def bus_text(value: Any, limit: int) -> str | None:
    """``value`` as text another realm may put on players' screens, or None when it is
    not a string or is empty or longer than ``limit``."""
    if not isinstance(value, str):
        return None
    value = " ".join(clean(value).split())
    return value if 0 < len(value) <= limit else None


class Remote:
    """A player of another realm as this one knows it."""

    __slots__ = ("afk", "linkdead", "name", "via")

    def __init__(self, name: str, via: str, linkdead: bool = False,
                 afk: str | None = None) -> None:
        self.name = name
        self.via = via
        self.linkdead = linkdead
        self.afk = afk

    def fields(self) -> dict[str, Any]:
        return {"name": self.name, "via": self.via, "linkdead": self.linkdead,
                "afk": self.afk}


def _player(value: Any) -> Remote | None:
    """A PLAYER object from the bus, checked; None if it is not one."""
    if not isinstance(value, dict):
        return None
    name = bus_text(value.get("name"), MAX_NAME)
    via = bus_text(value.get("via"), MAX_VIA) or "?"
    afk = value.get("afk")
    if name is None or (afk is not None and not isinstance(afk, str)):
        return None
    if afk is not None:
        afk = " ".join(clean(afk).split())[:tells.MAX_AWAY]
    return Remote(name, via, value.get("linkdead") is True, afk)


class RealmView:
    """One other realm: its name as it spells it, its players by key, when last heard."""

    __slots__ = ("heard", "name", "players")

    def __init__(self, name: str, heard: float) -> None:
        self.name = name
        self.heard = heard
        self.players: dict[str, Remote] = {}


class Directory:
    """This realm's view of the others, and its voice to them (see the module)."""

    def __init__(self, world: Any, beat: float = BEAT) -> None:
        self.world = world
        self.bus = world.bus
        self.beat = beat
        # Other realms by lower-case name, and the realms each player key is in.
        self.realms: dict[str, RealmView] = {}
        self._where: dict[str, set[str]] = {}
        # Every remote player, sorted for who (made again only after a change).
        self._listed: tuple[tuple[str, str, str, bool, str | None], ...] | None = None
        # Told of each change of another realm's players (the /presence feeds): a list
        # kept in the world's parts, so a feed made before the directory finds it too.
        self.observers: list[Observer] = world.parts.setdefault(tells.REMOTE_PRESENCE, [])
        self.bus.subscribe(PRESENCE, self._presence)
        self.bus.subscribe(TELL, self._tell)
        self.bus.watch(self._link)
        tells.of(world).watchers.append(self._away)
        self._timer = world.scheduler.every(beat, self._beat, owner="realms")
        if self.bus.up:
            self._hello()

    @property
    def here(self) -> str:
        return str(self.bus.realm)

    # -- what the engine asks (tells.Elsewhere) ----------------------------------------------

    def realms_of(self, key: str) -> list[str]:
        return sorted(self.realms[r].name for r in self._where.get(key, ()))

    def players(self) -> tuple[tuple[str, str, str, bool, str | None], ...]:
        if self._listed is None:
            self._listed = tuple(
                (p.name, p.via, view.name, p.linkdead, p.afk)
                for _, view in sorted(self.realms.items())
                for _, p in sorted(view.players.items()))
        return self._listed

    def send_tell(self, actor: Character, name: str, realm: str, text: str) -> None:
        view = self.realms.get(realm.lower())
        if not self.bus.up:
            raise Refusal("The other realms cannot be reached just now, so your tell was "
                          "not sent. Try again in a moment.")
        if view is None:
            known = ", ".join(sorted(v.name for v in self.realms.values())) or "none just now"
            raise Refusal(f"There is no realm called '{realm[:30]}' (realms: {known}). "
                          "Type 'who' to see who is where.")
        player = view.players.get(name.lower())
        if player is None:
            raise Refusal(f"Nobody called '{name[:30]}' is online in realm {view.name}. "
                          "Type 'who' to see who is where.")
        if not self.bus.publish(TELL, {"op": "tell", "realm": view.name, "to": name.lower(),
                                       "from": actor.name, "text": text}):
            raise Refusal("The other realms cannot be reached just now, so your tell was "
                          "not sent. Try again in a moment.")
        actor.send(Tell(actor.name, player.name, text, own=True, realm=view.name))

    # -- this realm's changes, told to the others -------------------------------------------

    def local_changed(self, what: str, name: str, via: str) -> None:
        """A presence change here (game.Game.presence): join, leave, linkdead, relinked."""
        if what == "join":
            character = self.world.online.get(name.lower())
            if character is not None:
                self.bus.publish(PRESENCE, {"op": "join", "player": self._ours(character)})
        elif what in ("leave", "linkdead"):
            self.bus.publish(PRESENCE, {"op": what, "name": name})
        elif what == "relinked":
            self.bus.publish(PRESENCE, {"op": what, "name": name, "via": via})

    def _away(self, character: Character, message: str | None) -> None:
        if self.world.online.get(character.key) is character:
            self.bus.publish(PRESENCE, {"op": "afk", "name": character.name, "afk": message})

    def _ours(self, character: Character) -> dict[str, Any]:
        return {"name": character.name, "via": character.via,
                "linkdead": character.link is NOBODY,
                "afk": tells.of(self.world).message_of(character)}

    def _our_list(self) -> list[dict[str, Any]]:
        return [self._ours(c) for c in self.world.online.values()]

    def _hello(self) -> None:
        self.bus.publish(PRESENCE, {"op": "hello", "players": self._our_list()})

    def _beat(self) -> None:
        if self.bus.up:
            self.bus.publish(PRESENCE, {"op": "beat", "count": len(self.world.online)})
        # A realm silent for MISSED_BEATS beats has stopped (or lost its link): forget it.
        now = self.world.clock.seconds()
        for key, view in list(self.realms.items()):
            if now - view.heard > MISSED_BEATS * self.beat:
                self._forget(key)

    def stop(self) -> None:
        """This realm is stopping: tell the others to forget it now, and stop beating."""
        self._timer.cancel()
        if self.bus.up:
            self.bus.publish(PRESENCE, {"op": "bye"})

    def _link(self, up: bool) -> None:
        if up:
            self._hello()
            return
        # Nobody elsewhere can be reached; they are learnt again when the link is back.
        for key in list(self.realms):
            self._forget(key)

    # -- what the other realms say ------------------------------------------------------------

    def _presence(self, data: dict[str, Any], realm: str) -> None:
        op = data.get("op")
        if not isinstance(realm, str) or not realm or not isinstance(op, str):
            return
        key = realm.lower()
        if op == "bye":
            self._forget(key)
            return
        view = self.realms.get(key)
        known = view is not None
        if view is None:
            if op not in ("hello", "list", "join", "beat", "ask"):
                return  # news of a realm we do not know (one that just said bye)
            view = self.realms[key] = RealmView(realm, 0.0)
        view.heard = self.world.clock.seconds()
        if op in ("hello", "list"):
            self._replace(view, data.get("players"))
            if op == "hello":
                self.bus.publish(PRESENCE, {"op": "list", "players": self._our_list()})
        elif op == "ask":
            if isinstance(data.get("realm"), str) and data["realm"].lower() == \
                    self.here.lower():
                self.bus.publish(PRESENCE, {"op": "list", "players": self._our_list()})
        elif op == "beat":
            count = data.get("count")
            if not known or (isinstance(count, int) and count != len(view.players)):
                # Our view of that realm went wrong (or we never had one): ask for it.
                self.bus.publish(PRESENCE, {"op": "ask", "realm": view.name})
        elif op == "join":
            player = _player(data.get("player"))
            if player is not None:
                self._set(view, player.name.lower(), player)
        else:
            self._update(view, op, data)

    def _update(self, view: RealmView, op: str, data: dict[str, Any]) -> None:
        name = bus_text(data.get("name"), MAX_NAME)
        if name is None:
            return
        key = name.lower()
        old = view.players.get(key)
        if op == "leave":
            self._set(view, key, None)
        elif old is None:
            return
        elif op == "linkdead":
            self._set(view, key, Remote(old.name, old.via, True, old.afk))
        elif op == "relinked":
            via = bus_text(data.get("via"), MAX_VIA) or old.via
            self._set(view, key, Remote(old.name, via, False, old.afk))
        elif op == "afk":
            afk = data.get("afk")
            afk = " ".join(clean(afk).split())[:tells.MAX_AWAY] if isinstance(afk, str) \
                else None
            self._set(view, key, Remote(old.name, old.via, old.linkdead, afk))

    def _replace(self, view: RealmView, players: Any) -> None:
        if not isinstance(players, list) or len(players) > MAX_PLAYERS:
            return
        fresh: dict[str, Remote] = {}
        for value in players:
            player = _player(value)
            if player is not None:
                fresh[player.name.lower()] = player
        for key in [k for k in view.players if k not in fresh]:
            self._set(view, key, None)
        for key, player in fresh.items():
            self._set(view, key, player)

    def _set(self, view: RealmView, key: str, player: Remote | None) -> None:
        """Put ``player`` (None: nobody) under ``key`` in ``view``, telling observers."""
        old = view.players.get(key)
        realm = view.name.lower()
        if player is None:
            if old is None:
                return
            del view.players[key]
            where = self._where.get(key)
            if where is not None:
                where.discard(realm)
                if not where:
                    del self._where[key]
            self._listed = None
            self._observe("leave", view, old)
            return
        view.players[key] = player
        self._where.setdefault(key, set()).add(realm)
        if old is not None and old.fields() == player.fields():
            return
        self._listed = None
        if old is None:
            self._observe("join", view, player)
            return
        if old.linkdead != player.linkdead:
            self._observe("linkdead" if player.linkdead else "relinked", view, player)
        elif old.via != player.via:
            self._observe("relinked", view, player)
        if old.afk != player.afk:
            self._observe("back" if player.afk is None else "afk", view, player)

    def _forget(self, key: str) -> None:
        view = self.realms.get(key)
        if view is None:
            return
        for name in list(view.players):
            self._set(view, name, None)
        del self.realms[key]

    def _observe(self, what: str, view: RealmView, player: Remote) -> None:
        for observer in list(self.observers):
            try:
                observer(what, view.name, player.name, player.fields())
            except Exception as exc:  # one broken feed must not stop the directory
                self.world.hooks.report(player.name.lower(), f"realm observer {observer!r}",
                                        exc)

    # -- tells from and answers to the other realms -----------------------------------------

    def _tell(self, data: dict[str, Any], realm: str) -> None:
        op = data.get("op")
        to = bus_text(data.get("to"), MAX_NAME)
        ours = data.get("realm")
        if not isinstance(ours, str) or ours.lower() != self.here.lower() or to is None:
            return  # for another realm, or of the wrong shape
        if op == "tell":
            sender = bus_text(data.get("from"), MAX_NAME)
            text = bus_text(data.get("text"), MAX_SPEECH)
            if sender is None or text is None:
                return
            target = self.world.find_online(to)
            if target is None:
                self.bus.publish(TELL, {"op": "gone", "realm": realm, "to": sender.lower(),
                                        "name": to})
                return
            away = tells.of(self.world).hear(target, sender, realm, text)
            if away is not None:
                self.bus.publish(TELL, {"op": "away", "realm": realm, "to": sender.lower(),
                                        "name": target.name, "afk": away})
            return
        teller = self.world.find_online(to)
        name = bus_text(data.get("name"), MAX_NAME)
        if teller is None or name is None:
            return
        if op == "gone":
            view = self.realms.get(realm.lower())
            if view is not None:
                self._set(view, name.lower(), None)  # what we knew was out of date
            teller.send(Message(f"Nobody called '{name}' is in realm {realm} any more: your "
                                "tell was not delivered."))
        elif op == "away":
            afk = data.get("afk")
            message = " ".join(clean(afk).split())[:tells.MAX_AWAY] \
                if isinstance(afk, str) else ""
            teller.send(Message(tells.away_text(f"{name}@{realm}", message)))
