"""Accounts: name and password rules, creation, authentication, password changes.

Hashing runs in a worker thread (``run_in_thread``, by default Twisted's deferToThread);
the store runs its own queries off the reactor. Everything returns Deferreds.

Names are 3 to 20 letters A to Z, matched whole (a ``$`` once let "Victim\\n" through as a
second Victim). A name that breaks the rule is refused with the reason spelled out:
control characters, letters from another script or a mix of scripts (a Cyrillic a, U+0430, among
Latin letters), look-alikes of Latin letters (fullwidth, mathematical, dotless i...),
accented letters. New names are also checked against reserved words and the world's NPCs
(``NameRules``); that check is for creating characters only, so an existing account whose
name became reserved still logs in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud import passwords
from mud.engine.model import NPC
from mud.engine.world import CharacterRecord
from mud.persistence.store import AccountRow, Store
from mud.player_text import clean

# Always used with fullmatch: the whole name, nothing before or after.
NAME_RE = re.compile(r"[A-Za-z]{3,20}")
MIN_NAME = 3
MAX_NAME = 20
NAME_RULE = f"Names are {MIN_NAME} to {MAX_NAME} letters, A to Z"
MIN_PASSWORD = 6
MAX_PASSWORD = 128
# Addresses remembered per account as having logged in with its password.
KNOWN_ADDRESSES = 4
# Words the game itself reads where a name could go (the login screen's verbs, 'look me',
# 'get all'): reserved whatever the configured list says.
BUILT_IN_RESERVED = frozenset({"new", "create", "connect", "quit", "me", "self", "myself",
                               "all"})
# The default for the ``reserved_names`` setting: names that would pass for the staff, the
# server or a pronoun in what others read.
DEFAULT_RESERVED = ("admin", "administrator", "sysop", "root", "god", "staff", "moderator",
                    "wizard", "immortal", "owner", "someone", "somebody", "anyone", "anybody",
                    "everyone", "everybody", "nobody", "you", "me", "self", "myself", "all",
                    "server", "system", "guest", "new", "create", "connect", "quit", "who",
                    "help", "look")
RESERVED = BUILT_IN_RESERVED | frozenset(DEFAULT_RESERVED)

# Letters of other scripts (and Latin letters beyond ASCII) that pass for a Latin letter
# at a glance. Fullwidth, mathematical, circled and similar forms are found by NFKC.
LOOK_ALIKES: dict[str, str] = {}
for _look, _like in (
    # Cyrillic
    ("\u0430\u0432\u0435\u043a\u043c\u043d\u043e\u0440\u0441\u0442\u0443\u0445", "abekmhopctyx"),
    ("\u0455\u0456\u0458\u04bb\u0501\u051b\u051d\u04cf\u04af\u0410\u0412\u0415", "sijhdqwlyABE"),
    ("\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0405\u0406\u0408\u04ae", "KMHOPCTXSIJY"),
    ("\u051a\u051c\u04c0", "QWI"),
    # Greek
    ("\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4", "ABEZHIKMNOPT"),
    ("\u03a5\u03a7\u03b1\u03b9\u03ba\u03bd\u03bf\u03c1\u03c5", "YXaikvopu"),
    # Armenian
    ("\u0585\u057d\u0570\u0578\u0566\u0581", "ouhnqg"),
    # Cherokee
    ("\u13aa\u13f4\u13df\u13ac\u13bb\u13ab\u13e6\u13b7\u13e2\u13da\u13a2\u13b3", "ABCEHJKMPSTW"),
    ("\u13c3", "Z"),
    # Latin letters beyond A to Z (dotless i, small capitals...)
    ("\u0261\u0131\u0237\u0251\u0269\u026a\u029f\u0280\u028f\u1d00\u1d04\u1d05", "gijaiILRYACD"),
    ("\u1d07\u1d0a\u1d0b\u1d0d\u1d0f\u1d18\u1d1b\u1d1c\u1d20\u1d21\u1d22\ua731", "EJKMOPTUVWZS"),
):
    LOOK_ALIKES.update(zip(_look, _like, strict=True))
_CONTROL_NAMES = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab",
                  "\x1b": "an escape character", "\x00": "a NUL character",
                  "\x7f": "a delete character"}
# Unicode name prefixes that are not scripts: the letter's script comes after them.
_FORM_PREFIXES = ("FULLWIDTH ", "HALFWIDTH ", "MATHEMATICAL ", "CIRCLED ", "PARENTHESIZED ",
                  "SQUARED ", "NEGATIVE ", "MODIFIER ", "SMALL ")

RunInThread = Callable[..., "Deferred[Any]"]
log = Logger()


class Refused(Exception):
    """An account could not be made: ``code`` for programs, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _codepoint(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


def _shown(name: str) -> str:
    """A name as it may be echoed back: no controls, cut short."""
    text = clean(name)
    return text if len(text) <= 24 else text[:24] + "..."


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name ('Cyrillic', 'Greek', 'Latin'...)."""
    name = unicodedata.name(ch, "")
    for prefix in _FORM_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
    word = name.split(" ", 1)[0]
    if word == "CJK":
        return "CJK (Chinese, Japanese, Korean)"
    return word.title() if word else "unknown"


def _look_alike(ch: str) -> str | None:
    """The ASCII letter(s) ``ch`` passes for, if it is a look-alike of one."""
    if ch in LOOK_ALIKES:
        return LOOK_ALIKES[ch]
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and folded.isascii() and folded.isalpha():
        return folded
    return None


def _unaccented(ch: str) -> str | None:
    """The plain letter under an accented Latin one (é -> e), if there is one."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return bare if bare and bare.isascii() and bare.isalpha() else None


def _foreign_problem(name: str) -> str:
    """Why a name with characters beyond ASCII is refused, naming the first culprit."""
    shown = _shown(name)
    has_latin = any(c.isascii() and c.isalpha() for c in name)
    for ch in name:
        if ch.isascii():
            continue
        if unicodedata.combining(ch):
            return (f"'{shown}' has an accent or mark ({_codepoint(ch)}); names use only "
                    "the plain letters A to Z.")
        script = _script(ch)
        alike = _look_alike(ch)
        if alike is not None and script not in ("Latin", "unknown") and ch in LOOK_ALIKES:
            if has_latin:
                return (f"'{shown}' mixes scripts: '{ch}' is a {script} letter "
                        f"({_codepoint(ch)}) that looks like the Latin '{alike}'. "
                        "Names use only the letters A to Z.")
            return (f"'{shown}' is written in {script} letters that look like Latin ones "
                    f"('{ch}' looks like '{alike}'). Names use only the letters A to Z.")
        if alike is not None:
            return (f"'{shown}' uses '{ch}' ({_codepoint(ch)}), a look-alike of the letter "
                    f"'{alike}'. Names use only the plain letters A to Z.")
        bare = _unaccented(ch)
        if bare is not None:
            plain = "".join(_unaccented(c) or c for c in name)
            suggestion = f" (try '{plain}')" if plain.isascii() and plain.isalpha() else ""
            return (f"'{shown}' has '{ch}', a letter with an accent or mark; names use only "
                    f"the plain letters A to Z{suggestion}.")
        if ch.isalpha():
            if has_latin:
                return (f"'{shown}' mixes scripts: '{ch}' is a {script} letter among Latin "
                        "ones. Names use only the letters A to Z.")
            return (f"'{shown}' is written in {script} letters; names use only the letters "
                    "A to Z.")
        return (f"{NAME_RULE}, with no digits, punctuation or symbols ('{shown}' has "
                f"{_codepoint(ch)}).")
    raise AssertionError("no character beyond ASCII")  # pragma: no cover


def spelling_problem(name: str) -> str | None:
    """Why ``name`` is not spelled like a character name, or None if it is. Logging in to
    an existing account needs only this."""
    if NAME_RE.fullmatch(name):
        return None
    if not name:
        return f"Type a name. {NAME_RULE}."
    for ch in name:
        category = unicodedata.category(ch)
        if category[0] == "C" or category in ("Zl", "Zp"):
            what = _CONTROL_NAMES.get(ch, _codepoint(ch))
            return (f"Names cannot contain control or invisible characters, and that one "
                    f"has {what}. {NAME_RULE}.")
    if any(ch.isspace() for ch in name):
        return f"A name is a single word, with no spaces. {NAME_RULE}."
    if not name.isascii():
        return _foreign_problem(name)
    if not name.isalpha():
        odd = next(ch for ch in name if not ch.isalpha())
        return (f"{NAME_RULE}, with no spaces, digits or punctuation ('{_shown(name)}' has "
                f"'{odd}').")
    return f"{NAME_RULE}; '{_shown(name)}' is {len(name)} letters long."


def name_problem(name: str, reserved: Iterable[str] = RESERVED) -> str | None:
    """Why ``name`` cannot be a new character's name (spelling, reserved words), or None."""
    problem = spelling_problem(name)
    if problem:
        return problem
    key = name.lower()
    if key in BUILT_IN_RESERVED or key in reserved:
        return f"'{display_name(name)}' is reserved. Please choose another name."
    return None


class NameRules:
    """The checks for a new character's name on this server: spelling, the configured
    reserved words, and the names and keywords of the world's NPCs."""

    def __init__(self, reserved: Iterable[str] = DEFAULT_RESERVED,
                 npcs: Iterable[NPC] = ()) -> None:
        self.reserved = frozenset(word.lower() for word in reserved) | BUILT_IN_RESERVED
        # word -> (the NPC's name, whether the word is part of that name)
        self.npc_words: dict[str, tuple[str, bool]] = {}
        for npc in npcs:
            for word in re.findall(r"[A-Za-z]+", npc.name):
                self.npc_words.setdefault(word.lower(), (npc.name, True))
            for word in npc.keywords:
                self.npc_words.setdefault(word.lower(), (npc.name, False))

    def problem(self, name: str) -> str | None:
        problem = name_problem(name, self.reserved)
        if problem:
            return problem
        npc = self.npc_words.get(name.lower())
        if npc is None:
            return None
        who, in_name = npc
        shown = display_name(name)
        if in_name:
            return (f"'{shown}' is a name of {who}, who lives in this world. Please choose "
                    "a name of your own.")
        return (f"'{shown}' is what people here call {who}. Please choose a name of your "
                "own.")


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None if it is."""
    if len(password) < MIN_PASSWORD:
        return f"Passwords must be at least {MIN_PASSWORD} characters long."
    if len(password) > MAX_PASSWORD:
        return f"Passwords must be at most {MAX_PASSWORD} characters long."
    if any(c.isspace() for c in password):
        return "Passwords cannot contain spaces."
    if clean(password) != password:
        # Telnet input loses these on the way in, so such a password could not be typed.
        return "Passwords cannot contain control characters."
    return None


def display_name(name: str) -> str:
    return name[:1].upper() + name[1:].lower()


def _address_not_kept(failure: Failure, key: str) -> None:
    log.warn("could not note the address {key} logged in from: {why}", key=key,
             why=failure.value)


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
        return self.lookup(name).addCallback(lambda row: row is not None)

    def lookup(self, name: str) -> Deferred[AccountRow | None]:
        """The account called ``name``; None, without asking the store, for a name that is
        not spelled like one."""
        if not NAME_RE.fullmatch(name):
            return succeed(None)
        return self.store.get_account(name.lower())

    def _decoy_hash(self) -> Deferred[str]:
        if self._decoy is not None:
            return succeed(self._decoy)

        def keep(value: str) -> str:
            self._decoy = value
            return value
        return self.run_in_thread(passwords.hash_password, "decoy-password", self.cost) \
            .addCallback(keep)

    def verify(self, row: AccountRow | None, password: str) -> Deferred[str | None]:
        """Fires with ``row``'s key if ``password`` is its password, else None. No row
        costs a verification all the same, so a miss takes as long as a hit."""
        if len(password) > MAX_PASSWORD:
            return succeed(None)
        if row is None:
            return self._decoy_hash().addCallback(
                lambda decoy: self.run_in_thread(passwords.verify_password, password, decoy)
            ).addCallback(lambda _: None)
        d = self.run_in_thread(passwords.verify_password, password, row.password)
        return d.addCallback(lambda ok: row.key if ok else None)

    def authenticate(self, name: str, password: str) -> Deferred[str | None]:
        """Fires with the account's key if the password is right, else None."""
        if len(password) > MAX_PASSWORD or not NAME_RE.fullmatch(name):
            return succeed(None)
        return self.lookup(name).addCallback(self.verify, password)

    def remember_address(self, key: str, address: str) -> Deferred[None]:
        """Note that ``address`` just logged in to ``key`` with its password: the login
        throttle does not hold back the ``KNOWN_ADDRESSES`` most recent such addresses.
        A failed read or write is logged, never the player's problem."""
        if not address:
            return succeed(None)

        def update(row: AccountRow | None) -> Deferred[None] | None:
            if row is None:
                return None
            recent = (address, *(a for a in row.login_addresses if a != address))
            recent = recent[:KNOWN_ADDRESSES]
            if recent == row.login_addresses:
                return None
            return self.store.set_login_addresses(key, recent)
        return self.store.get_account(key).addCallback(update).addErrback(
            _address_not_kept, key)

    def create(self, name: str, password: str, start_room: str,
               address: str = "") -> Deferred[bool]:
        """Fires True once the account exists, False if the name was taken meanwhile. The
        creator's ``address`` counts as one that logged in with the password."""
        name = display_name(name)
        record = CharacterRecord(name.lower(), name, start_room)
        d = self.run_in_thread(passwords.hash_password, password, self.cost)
        d.addCallback(
            lambda hashed: self.store.create_account(name, hashed, record, self.clock_seconds()))

        def made(ok: bool) -> Deferred[bool] | bool:
            if not ok or not address:
                return ok
            return self.store.set_login_addresses(record.key, (address,)).addErrback(
                _address_not_kept, record.key).addCallback(lambda _: ok)
        return d.addCallback(made)

    def set_password(self, key: str, new: str) -> Deferred[None]:
        """Hash ``new`` and make it ``key``'s password (which also revokes every resume
        token). Checking the old one is the caller's business (Game.change_password, which
        throttles it like a login)."""
        d = self.run_in_thread(passwords.hash_password, new, self.cost)
        return d.addCallback(lambda hashed: self.store.set_password(key, hashed))
