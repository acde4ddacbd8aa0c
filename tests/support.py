"""Shared test helpers: a whole game without sockets, and a player on the telnet wire.

``MemoryStore`` answers like the SQLite store but synchronously (fired Deferreds), so login,
session and protocol tests run without a reactor. The real store has its own tests.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from twisted.conch.telnet import IAC, WONT
from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.internet.testing import StringTransport

from mud import passwords
from mud.accounts import Accounts
from mud.engine.model import Character
from mud.engine.world import CharacterRecord, Snapshot
from mud.game import Game
from mud.persistence.store import AccountRow, LastAdmin, StoreUnavailable
from mud.protocols.options.codes import NAWS
from mud.protocols.telnet import TelnetFactory
from mud.tokens import ResumeTokens, TokenSigner
from mud.world_loader import load_world

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_WORLD = ROOT / "worlds" / "emberfall"
CHEAP = passwords.Cost(n=2**8, r=8, p=1)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_IAC = re.compile(rb"\xff[\xfb-\xfe].|\xff\xfa.*?\xff\xf0|\xff[\xf0-\xfa]", re.S)


def run_now(fn: Any, *args: Any, **kwargs: Any) -> Deferred[Any]:
    """A stand-in for deferToThread that runs at once (tests only)."""
    return maybeDeferred(fn, *args, **kwargs)


class MemoryStore:
    def __init__(self) -> None:
        self.accounts: dict[str, AccountRow] = {}
        self.characters: dict[str, CharacterRecord] = {}
        self.items: dict[str, tuple[str, str, str]] = {}
        self.saves: list[Snapshot] = []
        self.fail_saves = 0
        self.closed = False
        # Where a stop's fallback file goes first (tests run in a temporary directory).
        self.data_dir = "."
        # Bans (mud/bans.py) as the SQLite store keeps them: (kind, target) -> row.
        self.bans: dict[tuple[str, str], tuple[Any, ...]] = {}
        # Admin API tokens (mud/api_tokens.py): label -> (label, hash, created, last_used).
        self.api_token_rows: dict[str, tuple[str, str, float, float | None]] = {}

    @property
    def ban_rows(self) -> list[tuple[Any, ...]]:
        return list(self.bans.values())

    def add_ban(self, row: tuple[Any, ...]) -> Deferred[None]:
        self.bans[(row[0], row[1])] = tuple(row)
        return succeed(None)

    def remove_ban(self, kind: str, target: str) -> Deferred[None]:
        self.bans.pop((kind, target), None)
        return succeed(None)

    def add_api_token(self, label: str, digest: str, created: float) -> Deferred[bool]:
        if label in self.api_token_rows or any(r[1] == digest
                                               for r in self.api_token_rows.values()):
            return succeed(False)
        self.api_token_rows[label] = (label, digest, created, None)
        return succeed(True)

    def api_tokens(self) -> Deferred[list[tuple[str, str, float, float | None]]]:
        return succeed(sorted(self.api_token_rows.values(), key=lambda r: (r[2], r[0])))

    def remove_api_token(self, label: str) -> Deferred[bool]:
        return succeed(self.api_token_rows.pop(label, None) is not None)

    def touch_api_token(self, label: str, when: float) -> Deferred[None]:
        row = self.api_token_rows.get(label)
        if row is not None:
            self.api_token_rows[label] = (*row[:3], when)
        return succeed(None)

    def get_account(self, key: str) -> Deferred[AccountRow | None]:
        return succeed(self.accounts.get(key))

    def get_character(self, key: str) -> Deferred[CharacterRecord | None]:
        return succeed(self.characters.get(key))

    def create_account(self, name: str, password_hash: str, record: CharacterRecord,
                       now: float) -> Deferred[bool]:
        if record.key in self.accounts:
            return succeed(False)
        self.accounts[record.key] = AccountRow(record.key, name, password_hash)
        self.characters[record.key] = record
        return succeed(True)

    def set_password(self, key: str, password_hash: str) -> Deferred[None]:
        row = self.accounts[key]
        self.accounts[key] = replace(row, password=password_hash,
                                     token_generation=row.token_generation + 1)
        return succeed(None)

    def revoke_tokens(self, key: str) -> Deferred[int | None]:
        row = self.accounts.get(key)
        if row is None:
            return succeed(None)
        self.accounts[key] = replace(row, token_generation=row.token_generation + 1)
        return succeed(row.token_generation + 1)

    def set_role(self, key: str, role: str, keep_an_admin: bool = False
                 ) -> Deferred[str | None]:
        row = self.accounts.get(key)
        if row is None:
            return succeed(None)
        admins = sum(1 for r in self.accounts.values() if r.role == "admin")
        if keep_an_admin and row.role == "admin" and role != "admin" and admins <= 1:
            return fail(LastAdmin(key))
        self.accounts[key] = replace(row, role=role)
        return succeed(row.role)

    def set_login_addresses(self, key: str, addresses: tuple[str, ...]) -> Deferred[None]:
        row = self.accounts.get(key)
        if row is not None:
            self.accounts[key] = replace(row, login_addresses=tuple(addresses))
        return succeed(None)

    def save(self, snapshot: Snapshot) -> Deferred[None]:
        if self.fail_saves:
            self.fail_saves -= 1
            return fail(StoreUnavailable("memory: database or disk is full"))
        self.saves.append(snapshot)
        for record in snapshot.characters:
            self.characters[record.key] = record
        for row in snapshot.items:
            self.items[row[0]] = row
        return succeed(None)

    def close(self) -> None:
        self.closed = True


class LateStore(MemoryStore):
    """A MemoryStore whose writes (and, with ``hold_reads``, reads) end when a test says.

    A held read answers with the row as it was when the read was asked for, as a store
    that answered out of order would."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_saves = True
        self.hold_reads = False
        self.held_saves: list[tuple[Snapshot, Deferred[None]]] = []
        self.held_reads: list[tuple[Deferred[CharacterRecord | None], Any]] = []

    def save(self, snapshot: Snapshot) -> Deferred[None]:
        if not self.hold_saves:
            return super().save(snapshot)
        d: Deferred[None] = Deferred()
        self.held_saves.append((snapshot, d))
        return d

    def finish_save(self, ok: bool = True) -> None:
        """End the oldest held write: it lands, or fails as a full disk would."""
        snapshot, d = self.held_saves.pop(0)
        if ok:
            MemoryStore.save(self, snapshot).chainDeferred(d)
        else:
            d.errback(StoreUnavailable("late: database or disk is full"))

    def get_character(self, key: str) -> Deferred[CharacterRecord | None]:
        row = self.characters.get(key)
        if not self.hold_reads:
            return succeed(row)
        d: Deferred[CharacterRecord | None] = Deferred()
        self.held_reads.append((d, row))
        return d

    def answer_read(self) -> None:
        d, row = self.held_reads.pop(0)
        d.callback(row)


def make_game(world_path: Path = BUNDLED_WORLD, clock: task.Clock | None = None,
              store: Any = None) -> Game:
    clock = clock or task.Clock()
    world = load_world(world_path, clock)
    store = store or MemoryStore()
    accounts = Accounts(store, run_in_thread=run_now, cost=CHEAP, clock_seconds=clock.seconds)
    game = Game(world, store, accounts)
    game.tokens = ResumeTokens(TokenSigner(b"k" * 32), store, clock.seconds)
    return game


def gmcp_messages(data: bytes) -> list[tuple[str, object]]:
    """Every GMCP message in raw telnet bytes, as (package, decoded JSON or None)."""
    out = []
    start = 0
    while (at := data.find(b"\xff\xfa\xc9", start)) >= 0:   # IAC SB GMCP
        end = data.find(b"\xff\xf0", at)                    # IAC SE
        if end < 0:
            break
        body = data[at + 3:end].replace(b"\xff\xff", b"\xff").decode()
        package, _, text = body.partition(" ")
        out.append((package, json.loads(text) if text else None))
        start = end + 2
    return out


def plain(data: bytes) -> str:
    """Wire bytes as readable text: telnet commands and ANSI colour removed, CRLF -> LF."""
    text = _IAC.sub(b"", data).decode("utf-8", errors="replace")
    return _ANSI.sub("", text).replace("\r\n", "\n")


_PEERS = itertools.count(1)


class WirePlayer:
    """A telnet client on a StringTransport: type lines in, read what came out."""

    def __init__(self, game: Game, peer: str | None = None, refuse_naws: bool = True) -> None:
        self.game = game
        if peer is None:
            # Each player its own address unless a test says otherwise, as real players
            # mostly are, so per-address limits (new characters an hour, failed logins)
            # meet many players only where a test means them to.
            n = next(_PEERS)
            peer = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        self.wire = StringTransport(peerAddress=IPv4Address("TCP", peer, 54321))
        self.telnet = TelnetFactory(game).buildProtocol(None)
        self.telnet.makeConnection(self.wire)
        if refuse_naws:
            # The greeting waits for the window size: say at once there is none to give,
            # as a client without NAWS does, so tests see it without advancing the clock.
            self.send_bytes(IAC + WONT + NAWS)

    @property
    def protocol(self) -> Any:
        return self.telnet.protocol

    def send_bytes(self, data: bytes) -> None:
        self.telnet.dataReceived(data)

    def type(self, line: str) -> str:
        """Send one line and return (and consume) everything output since the last read."""
        self.send_bytes(line.encode("utf-8") + b"\r\n")
        return self.read()

    def read_bytes(self) -> bytes:
        data = self.wire.value()
        self.wire.clear()
        return data

    def read(self) -> str:
        return plain(self.read_bytes())

    @property
    def closed(self) -> bool:
        return self.wire.disconnecting

    def drop(self) -> None:
        """The connection dies (as if the network went away)."""
        from twisted.internet.error import ConnectionLost
        from twisted.python.failure import Failure
        self.telnet.connectionLost(Failure(ConnectionLost()))

    def create(self, name: str, password: str = "secret1") -> str:
        self.read()
        return self.type(f"create {name} {password}")

TINY = ROOT / "tests" / "worlds" / "tiny"


def join(world: Any, name: str, room_id: str | None = None, quiet: bool = False,
         state: bool = False) -> Character:
    """A character called ``name`` entering ``world`` (at ``room_id``, else the world's
    start), what it is sent kept by a Probe; ``quiet``: without what entering told it;
    ``state``: with the silent state events too (vitals, equipment)."""
    character = Character(name, world.rooms[room_id] if room_id else world.start)
    character.link = Probe(silent=state)
    world.enter(character)
    if quiet:
        character.link.take()
    return character


def joined_player(game: Game, name: str, peer: str | None = None) -> WirePlayer:
    """A player who made ``name`` and is in the game, what the login said read."""
    player = WirePlayer(game, peer=peer)
    player.create(name)
    player.read()
    return player


def grant_role(game: Game, name: str, role: str) -> Deferred[Any]:
    """Give character ``name`` the role ``role`` in the store and its sets at once, as an
    admin's promote does (the stored role counts: builders' and admins' commands read it
    again before they run). Fires once the store has it (at once with a MemoryStore)."""
    key = name.lower()

    def stored(_: object) -> None:
        from mud.commands import sets_for_role
        character = game.world.online.get(key)
        if character is not None:
            character.command_sets = sets_for_role(role)
    return game.store.set_role(key, role).addCallback(stored)


def builder_player(game: Game, name: str = "Bram") -> WirePlayer:
    """As ``joined_player``, with the builder role (stored, and its sets granted)."""
    player = joined_player(game, name)
    grant_role(game, name, "builder")
    return player


def world_copy(folder: Path) -> Path:
    """A copy of the bundled world in ``folder`` (``folder/world``), for tests that build
    on it or save it: the checkout's world files are never written."""
    target = folder / "world"
    shutil.copytree(BUNDLED_WORLD, target)
    return target


def building_game(folder: Path) -> Game:
    """A game on a copy of the bundled world in ``folder``, whose players may type as fast
    as a script does: for builders' commands, which edit (and may save) the world."""
    game = make_game(world_copy(folder))
    game.command_rate, game.command_burst = 1e12, 10**12
    return game


def hold_building_checks(monkeypatch: Any) -> list[tuple[Deferred[Any], Any, tuple[Any, ...]]]:
    """Builders' checks (mud.systems.building.edits.run_in_thread) held until
    ``release_checks``, so several edits are checked against the same sources at once."""
    from mud.systems.building import edits
    held: list[tuple[Deferred[Any], Any, tuple[Any, ...]]] = []

    def later(f: Any, *args: Any) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        held.append((d, f, args))
        return d
    monkeypatch.setattr(edits, "run_in_thread", later)
    return held


def release_checks(held: list[tuple[Deferred[Any], Any, tuple[Any, ...]]]) -> None:
    """Let held checks finish in order (a check asked again meanwhile is held and run too)."""
    while held:
        d, f, args = held.pop(0)
        d.callback(f(*args))


def load_errors(game: Game) -> list[str]:
    """What the loader would say of the world's sources as they are now (empty: it loads)."""
    from mud.world_check import check_documents
    sources = game.world.sources
    return check_documents(sources.root, sources.documents())


def admin_player(game: Game, name: str = "Ada", peer: str | None = None) -> WirePlayer:
    """As ``joined_player``, with the admin role (stored, and its sets granted)."""
    player = WirePlayer(game, peer=peer)
    player.create(name)
    grant_role(game, name, "admin")
    player.read()
    return player


def npc_of(world: Any, npc_id: str) -> Any:
    """The NPC ``npc_id`` (``village:cat``) in ``world``."""
    return next(n for n in world.npcs if n.id == npc_id)


class Probe:
    """A listener that keeps the events it is sent (``silent``: the silent ones too: the
    state clients show in bars and panels, sent at login and after each change)."""

    def __init__(self, silent: bool = True) -> None:
        self.events: list[Any] = []
        self.silent = silent

    def send(self, event: Any) -> None:
        if self.silent or not event.silent:
            self.events.append(event)

    def take(self) -> list[Any]:
        events, self.events = self.events, []
        return events


# A store as schema 5 made it (roles, world state), with Ann the admin in the woods; schema
# 6 adds the bans table with one ban. For the tests of each migration after them.
_SCHEMA_5 = (
    "CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "password TEXT NOT NULL, created REAL NOT NULL, token_generation INTEGER NOT "
    "NULL DEFAULT 0, login_addresses TEXT NOT NULL DEFAULT '', role TEXT NOT NULL "
    "DEFAULT 'player');"
    "CREATE TABLE characters (key TEXT PRIMARY KEY REFERENCES accounts(key), "
    "room TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', colour TEXT NOT "
    "NULL DEFAULT 'auto', state TEXT NOT NULL DEFAULT '{}');"
    "CREATE TABLE item_places (item TEXT PRIMARY KEY, kind TEXT NOT NULL, "
    "place TEXT NOT NULL);"
    "CREATE TABLE world_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO accounts VALUES ('ann', 'Ann', 'h', 0, 2, '', 'admin');"
    "INSERT INTO characters VALUES ('ann', 'woods:edge', 'tall', 'auto', '{}');")
_SCHEMA_6 = (
    "CREATE TABLE bans (kind TEXT NOT NULL, target TEXT NOT NULL, until REAL, "
    "reason TEXT NOT NULL, by TEXT NOT NULL, created REAL NOT NULL, "
    "PRIMARY KEY (kind, target));"
    "INSERT INTO bans VALUES ('name', 'bram', NULL, 'spam', 'Ann', 5.0);")


def old_database(path: str, version: int) -> None:
    """A data directory at ``path`` holding a store as schema ``version`` (5 or 6) left it."""
    import sqlite3
    os.makedirs(path)
    script = _SCHEMA_5 + (_SCHEMA_6 if version >= 6 else "")
    with sqlite3.connect(os.path.join(path, "mud.sqlite3")) as db:
        db.executescript(script + f"PRAGMA user_version={version};")
