"""Accounts: name and password rules, creation, authentication, password changes.

Hashing runs in a worker thread (``run_in_thread``, by default Twisted's deferToThread);
the store runs its own queries off the reactor. Everything returns Deferreds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread

from mud import passwords
from mud.engine.world import CharacterRecord
from mud.persistence.store import Store

NAME_RE = re.compile(r"^[A-Za-z]{3,20}$")
MIN_PASSWORD = 6
MAX_PASSWORD = 128
RESERVED = {"new", "create", "connect", "quit", "who", "help", "admin", "guest", "look",
            "someone", "nobody", "you", "self", "me", "all", "server", "system"}

RunInThread = Callable[..., "Deferred[Any]"]


class Refused(Exception):
    """An account could not be made: ``code`` for programs, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a character name, or None if it can."""
    if not NAME_RE.match(name):
        return "Names are 3 to 20 letters, A to Z, with no spaces, digits or punctuation."
    if name.lower() in RESERVED:
        return f"'{name}' is reserved. Please choose another name."
    return None


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None if it is."""
    if len(password) < MIN_PASSWORD:
        return f"Passwords must be at least {MIN_PASSWORD} characters long."
    if len(password) > MAX_PASSWORD:
        return f"Passwords must be at most {MAX_PASSWORD} characters long."
    if any(c.isspace() for c in password):
        return "Passwords cannot contain spaces."
    return None


def display_name(name: str) -> str:
    return name[:1].upper() + name[1:].lower()


class Accounts:
    def __init__(self, store: Store, run_in_thread: RunInThread = deferToThread,
                 cost: passwords.Cost = passwords.DEFAULT,
                 clock_seconds: Callable[[], float] | None = None) -> None:
        self.store = store
        self.run_in_thread = run_in_thread
        self.cost = cost
        self.clock_seconds = clock_seconds or (lambda: 0.0)
        # Verified against when the name does not exist, so a miss costs what a hit does.
        self._decoy: str | None = None

    def exists(self, name: str) -> Deferred[bool]:
        return self.store.get_account(name.lower()).addCallback(lambda row: row is not None)

    def _decoy_hash(self) -> Deferred[str]:
        if self._decoy is not None:
            return succeed(self._decoy)

        def keep(value: str) -> str:
            self._decoy = value
            return value
        return self.run_in_thread(passwords.hash_password, "decoy-password", self.cost) \
            .addCallback(keep)

    def authenticate(self, name: str, password: str) -> Deferred[str | None]:
        """Fires with the account's key if the password is right, else None."""
        if len(password) > MAX_PASSWORD or not NAME_RE.match(name):
            return succeed(None)

        def check(row: Any) -> Deferred[str | None]:
            if row is None:
                return self._decoy_hash().addCallback(
                    lambda decoy: self.run_in_thread(passwords.verify_password, password, decoy)
                ).addCallback(lambda _: None)
            d = self.run_in_thread(passwords.verify_password, password, row.password)
            return d.addCallback(lambda ok: row.key if ok else None)
        return self.store.get_account(name.lower()).addCallback(check)

    def create(self, name: str, password: str, start_room: str) -> Deferred[bool]:
        """Fires True once the account exists, False if the name was taken meanwhile."""
        name = display_name(name)
        record = CharacterRecord(name.lower(), name, start_room)
        d = self.run_in_thread(passwords.hash_password, password, self.cost)
        return d.addCallback(
            lambda hashed: self.store.create_account(name, hashed, record, self.clock_seconds()))

    def change_password(self, key: str, old: str, new: str) -> Deferred[bool]:
        """Fires True when changed, False when ``old`` was wrong."""
        def verified(account_key: str | None) -> Deferred[bool] | bool:
            if account_key is None:
                return False
            d = self.run_in_thread(passwords.hash_password, new, self.cost)
            d.addCallback(lambda hashed: self.store.set_password(key, hashed))
            return d.addCallback(lambda _: True)
        return self.authenticate(key, old).addCallback(verified)
