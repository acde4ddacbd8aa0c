"""Declared saved state: what systems keep per character and per world, with defaults.

A system declares a name once, at install time, with a factory for its default value, a
version, and a function that brings an older saved value up to that version::

    STATE.declare_character("readables", set_of_read, version=1)
    STATE.declare_world("resets", dict)

``Character.state`` then holds ``{"readables": <value>}`` (``of(character, name)``
gives it, making the default on first use); after changing it the system calls
``world.changed(character)`` so autosave writes it, as with any other change. World state
lives in ``world.state`` and is marked with ``world.changed_state(name)``.

Saved, each value sits in an envelope ``{"v": version, "value": value}`` inside one JSON
object per character (the store's ``characters.state`` column) or one row per name (the
``world_state`` table), so a new system never means a hand-edited schema. Values must be
JSON data (dicts, lists, strings, numbers, true/false, null).

Nothing saved is lost by a server that does not know it: a name no system declares (a
system removed, or not installed on this server) is kept as it was and written back.
A value that cannot be read (a failed migration, a version newer than the declaration:
an older server started on newer saves) gives the system its default to work with, but
the saved value is shelved beside it and written back unless the system changes the
default, so rolling a server back and forth loses nothing. Whatever is wrong is returned
for the caller to log, so a damaged row never stops a login.

World state is restored at start-up after the world is built (the store is opened after
the world loads): a system reads ``world.state[name]`` when it needs it rather than keeping
the value it saw when it was attached. This module is stdlib-only (the engine's rule).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Migrate = Callable[[Any, int], Any]


@dataclass(frozen=True)
class Declaration:
    """One declared piece of state: its default and how to read older saves of it."""

    name: str
    default: Callable[[], Any]
    version: int = 1
    # (saved value, saved version) -> value at ``version``; None: older saves are unreadable.
    migrate: Migrate | None = None


class Kept:
    """Saved state of a name nobody declared: carried along unread and written back."""

    __slots__ = ("envelope",)

    def __init__(self, envelope: Any) -> None:
        self.envelope = envelope

    def __repr__(self) -> str:
        return f"Kept({self.envelope!r})"


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# Under this key (no declared name can be empty) a state dict keeps the saved envelopes it
# could not read: {name: (envelope, the default given instead, as JSON)}.
SHELF = ""


class StateRegistry:
    """The state declarations of one server (``STATE``); tests may make their own."""

    def __init__(self) -> None:
        self.character: dict[str, Declaration] = {}
        self.world: dict[str, Declaration] = {}

    # -- declaring ----------------------------------------------------------------------------

    def declare_character(self, name: str, default: Callable[[], Any], version: int = 1,
                          migrate: Migrate | None = None) -> Declaration:
        """Declare per-character state ``name`` (a system's name, or ``system.part``)."""
        return self._declare(self.character, "character", name, default, version, migrate)

    def declare_world(self, name: str, default: Callable[[], Any], version: int = 1,
                      migrate: Migrate | None = None) -> Declaration:
        """Declare per-world state ``name``."""
        return self._declare(self.world, "world", name, default, version, migrate)

    @staticmethod
    def _declare(table: dict[str, Declaration], what: str, name: str,
                 default: Callable[[], Any], version: int,
                 migrate: Migrate | None) -> Declaration:
        if not name or not isinstance(name, str):
            raise ValueError(f"{what} state needs a name")
        if not isinstance(version, int) or version < 1:
            raise ValueError(f"{what} state {name!r}: version must be a whole number >= 1")
        declaration = Declaration(name, default, version, migrate)
        old = table.get(name)
        # Installing a system twice (tests build many games) declares the same thing again.
        if old is not None and (old.default is not default or old.version != version):
            raise ValueError(f"{what} state {name!r} is declared twice")
        table[name] = declaration
        return declaration

    # -- characters ---------------------------------------------------------------------------

    def fresh_character(self) -> dict[str, Any]:
        """A new character's state: every declaration's default."""
        return {name: d.default() for name, d in self.character.items()}

    def load_character(self, text: str) -> tuple[dict[str, Any], list[str]]:
        """A character's state from its saved JSON: (state, problems). Problems (each one
        sentence) are for the log; the state always comes back usable."""
        return self._load(self.character, text)

    def dump_character(self, state: dict[str, Any]) -> str:
        """A character's state as saved JSON (raises TypeError/ValueError for a value that
        is not JSON data: a system's bug, which the caller logs)."""
        shelf = state.get(SHELF, {})
        return _encode({name: self._envelope(self.character, name, value, shelf)
                        for name, value in state.items() if name != SHELF})

    # -- the world ----------------------------------------------------------------------------

    def load_world(self, rows: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
        """World state from ``world_state`` rows (name, JSON envelope): (state, problems).
        Every declaration is present (its default where nothing usable was saved)."""
        state: dict[str, Any] = {}
        problems: list[str] = []
        for name, text in rows:
            try:
                envelope = json.loads(text)
            except ValueError as exc:
                problems.append(f"world state {name!r} is not JSON ({exc}); using its default")
                continue
            self._take(state, self.world, name, envelope, problems)
        for name, declaration in self.world.items():
            if name not in state:
                state[name] = declaration.default()
        return state, problems

    def dump_world(self, state: dict[str, Any], name: str) -> str:
        """One world state row's value as saved JSON."""
        return _encode(self._envelope(self.world, name, state[name], state.get(SHELF, {})))

    # -- shared -------------------------------------------------------------------------------

    def _load(self, table: dict[str, Declaration],
              text: str) -> tuple[dict[str, Any], list[str]]:
        problems: list[str] = []
        saved: Any = {}
        if text and text != "{}":
            try:
                saved = json.loads(text)
            except ValueError as exc:
                problems.append(f"saved state is not JSON ({exc}); using the defaults")
                saved = {}
            if not isinstance(saved, dict):
                problems.append("saved state is not a JSON object; using the defaults")
                saved = {}
        state: dict[str, Any] = {}
        for name, envelope in saved.items():
            if name != SHELF:
                self._take(state, table, name, envelope, problems)
        for name, declaration in table.items():
            if name not in state:
                state[name] = declaration.default()
        return state, problems

    def _take(self, state: dict[str, Any], table: dict[str, Declaration], name: str,
              envelope: Any, problems: list[str]) -> None:
        """Read one saved value into ``state``; shelve the envelope if it is unreadable
        for a reason a newer (or older) server would not share."""
        before = len(problems)
        value = self._read(table, name, envelope, problems)
        state[name] = value
        if len(problems) > before and isinstance(envelope, dict) and \
                isinstance(envelope.get("v"), int) and "value" in envelope:
            state.setdefault(SHELF, {})[name] = (envelope, _encode(value))

    @staticmethod
    def _read(table: dict[str, Declaration], name: str, envelope: Any,
              problems: list[str]) -> Any:
        declaration = table.get(name)
        if declaration is None:
            return Kept(envelope)
        if not isinstance(envelope, dict) or "value" not in envelope or \
                not isinstance(envelope.get("v"), int):
            problems.append(f"state {name!r} is not a saved value ({{\"v\": version, "
                            f"\"value\": ...}}); using its default")
            return declaration.default()
        version, value = envelope["v"], envelope["value"]
        if version == declaration.version:
            return value
        if version > declaration.version:
            problems.append(f"state {name!r} was saved as version {version}, newer than this "
                            f"server's {declaration.version}; using its default")
            return declaration.default()
        if declaration.migrate is None:
            problems.append(f"state {name!r} was saved as version {version} and nothing "
                            f"migrates it to {declaration.version}; using its default")
            return declaration.default()
        try:
            return declaration.migrate(value, version)
        except Exception as exc:
            problems.append(f"state {name!r}: migrating version {version} to "
                            f"{declaration.version} failed ({exc!r}); using its default")
            return declaration.default()

    @staticmethod
    def _envelope(table: dict[str, Declaration], name: str, value: Any,
                  shelf: dict[str, tuple[Any, str]]) -> Any:
        if isinstance(value, Kept):
            return value.envelope
        shelved = shelf.get(name)
        if shelved is not None and _encode(value) == shelved[1]:
            return shelved[0]   # still the default given for an unreadable save: keep it
        declaration = table.get(name)
        return {"v": declaration.version if declaration is not None else 1, "value": value}


# The server's declarations: systems add theirs when installed (mud/systems).
STATE = StateRegistry()
declare_character_state = STATE.declare_character
declare_world_state = STATE.declare_world


def of(character: Any, name: str, registry: StateRegistry = STATE) -> Any:
    """``character.state[name]``, made from its declared default if absent (a character
    built without going through a login, as tests and tools do)."""
    state = character.state
    if name not in state:
        state[name] = registry.character[name].default()
    return state[name]
