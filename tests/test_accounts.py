"""Accounts: rules for names and passwords, and that hashing goes through the thread runner."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import fail, maybeDeferred

from mud import passwords
from mud.accounts import (
    BUILT_IN_RESERVED,
    DEFAULT_RESERVED,
    KNOWN_ADDRESSES,
    Accounts,
    NameRules,
    display_name,
    name_problem,
    password_problem,
    spelling_problem,
)
from mud.engine.model import NPC
from mud.persistence.store import StoreUnavailable
from tests.support import CHEAP, MemoryStore


class RecordingRunner:
    """Stands in for deferToThread and records what was sent off the reactor thread."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, fn: Any, *args: Any, **kwargs: Any):
        self.calls.append(fn.__name__)
        return maybeDeferred(fn, *args, **kwargs)


def result(d):
    out = []
    d.addBoth(out.append)
    assert out, "Deferred did not fire"
    return out[0]


def make():
    runner = RecordingRunner()
    return Accounts(MemoryStore(), run_in_thread=runner, cost=CHEAP), runner


def test_name_rules():
    assert name_problem("Wren") is None
    assert name_problem("Bo") and name_problem("A" * 21) and name_problem("R2") \
        and name_problem("Jo Ann") and name_problem("Zoë")
    assert "reserved" in name_problem("Admin")
    assert display_name("wREN") == "Wren"


def test_names_match_whole_so_a_trailing_newline_is_no_way_round():
    # "^...$" with .match once let "Victim\n" through as a second Victim.
    for sneaky in ("Victim\n", "Victim\r", "\nVictim", "Vic\ntim", "Victim\x00"):
        problem = spelling_problem(sneaky)
        assert problem and "control" in problem, sneaky
        assert "\n" not in problem and "\x00" not in problem  # never echoed back raw
    assert "a line break" in spelling_problem("Victim\n")
    assert "a tab" in spelling_problem("Vic\ttim")


def test_each_kind_of_bad_name_is_named():
    cases = {
        "Vic\u202etim": "U+202E RIGHT-TO-LEFT OVERRIDE",        # bidi control
        "Vic\u200btim": "invisible",                            # zero-width space
        "V\u0456ctim": "mixes scripts",                         # Cyrillic i among Latin
        "Vict\u0456m": "Cyrillic",
        "\u0412ictor": "looks like the Latin 'B'",              # Cyrillic Ve
        "\u0391lex": "Greek",                                   # Greek Alpha
        "\u0410\u0412\u0421": "Cyrillic letters that look like Latin",  # whole-script
        "\u0418\u0432\u0430\u043d": "written in Cyrillic",         # a Cyrillic name
        "\uff36ictim": "look-alike of the letter 'V'",          # fullwidth V
        "\U0001d415ictim": "look-alike",                        # mathematical bold V
        "V\u0131ctim": "look-alike of the letter 'i'",          # dotless i
        "\u24cbictim": "look-alike",                            # circled V
        "Zo\u00eb": "try 'Zoe'",                                # accented
        "Vi\u0301ctim": "accent or mark",                       # combining accent
        "\u674e\u5c0f\u9f99": "CJK",
        "Star\u2605": "U+2605 BLACK STAR",
        "Jo\u00a0Ann": "single word",
        "R2D2": "no spaces, digits or punctuation ('R2D2' has '2')",
        "Al": "3 to 20 letters",
        "": "Type a name",
    }
    for name, expected in cases.items():
        problem = spelling_problem(name)
        assert problem and expected in problem, (name, problem)
        assert "A to Z" in problem, name


def test_plain_names_pass_and_the_rule_is_unchanged():
    for name in ("Ann", "Wren", "ZED", "abcdefghijklmnopqrst"):
        assert spelling_problem(name) is None
    assert spelling_problem("a" * 21)


def test_reserved_words_and_npc_names_are_for_new_characters():
    defaults = {"admin", "administrator", "sysop", "someone", "somebody", "you", "me", "self",
                "all", "nobody", "server", "system", "god", "staff", "moderator", "guest",
                "new", "create", "connect", "quit", "who", "help", "look"}
    assert defaults <= set(DEFAULT_RESERVED)
    rules = NameRules(npcs=[NPC("village:keeper", "Marta Wren", ("marta", "innkeeper"), ""),
                            NPC("woods:fox", "a red fox", ("fox", "vixen"), "")])
    assert "reserved" in rules.problem("SysOp")
    assert "Marta Wren" in rules.problem("Marta") and "a name of" in rules.problem("Wren")
    assert "what people here call Marta Wren" in rules.problem("innkeeper")
    assert "a red fox" in rules.problem("Vixen")
    assert rules.problem("Bram") is None
    # A configured list replaces the default, but the game's own words stay reserved.
    custom = NameRules(reserved=["Boss"])
    assert custom.problem("Admin") is None and "reserved" in custom.problem("boss")
    for word in BUILT_IN_RESERVED:
        if spelling_problem(word) is None:
            assert "reserved" in custom.problem(word), word
    # Spelling alone decides who may log in: existing rows are not touched.
    assert spelling_problem("Admin") is None and spelling_problem("Wren") is None


def test_password_rules():
    assert password_problem("secret1") is None
    assert "at least" in password_problem("abc")
    assert "at most" in password_problem("x" * 129)
    assert "spaces" in password_problem("two words")
    assert "control" in password_problem("secret\x1b[1")
    assert "control" in password_problem("secret\u202e1")


def test_create_hashes_in_the_thread_runner_and_stores_no_plain_password():
    accounts, runner = make()
    assert result(accounts.create("wren", "secret1", "village:square")) is True
    assert runner.calls == ["hash_password"]
    row = accounts.store.accounts["wren"]
    assert row.name == "Wren" and "secret1" not in row.password
    assert passwords.verify_password("secret1", row.password)
    assert accounts.store.characters["wren"].room == "village:square"
    assert result(accounts.create("WREN", "other12", "village:square")) is False


def test_authenticate_verifies_in_the_thread_runner():
    accounts, runner = make()
    result(accounts.create("Wren", "secret1", "a:b"))
    runner.calls.clear()
    assert result(accounts.authenticate("wren", "secret1")) == "wren"
    assert result(accounts.authenticate("Wren", "wrong12")) is None
    assert runner.calls == ["verify_password", "verify_password"]


def test_unknown_names_cost_a_verification_too():
    accounts, runner = make()
    assert result(accounts.authenticate("Nobody", "secret1")) is None
    assert "verify_password" in runner.calls


def test_absurd_input_is_refused_before_any_hashing():
    accounts, runner = make()
    assert result(accounts.authenticate("Wren", "p" * 5000)) is None
    assert result(accounts.authenticate("x" * 5000, "secret1")) is None
    assert runner.calls == []


def test_set_password_replaces_the_old_one():
    accounts, _ = make()
    result(accounts.create("Wren", "secret1", "a:b"))
    result(accounts.set_password("wren", "newpass1"))
    assert result(accounts.authenticate("wren", "newpass1")) == "wren"
    assert result(accounts.authenticate("wren", "secret1")) is None


def test_logins_remember_a_few_recent_addresses_most_recent_first():
    accounts, _ = make()
    assert result(accounts.create("Wren", "secret1", "a:b", "10.0.0.1")) is True
    store = accounts.store
    assert store.accounts["wren"].login_addresses == ("10.0.0.1",)
    for n in range(2, 8):
        result(accounts.remember_address("wren", f"10.0.0.{n}"))
    assert store.accounts["wren"].login_addresses == \
        tuple(f"10.0.0.{n}" for n in range(7, 7 - KNOWN_ADDRESSES, -1))
    result(accounts.remember_address("wren", "10.0.0.5"))
    assert store.accounts["wren"].login_addresses[:2] == ("10.0.0.5", "10.0.0.7")
    assert len(store.accounts["wren"].login_addresses) == KNOWN_ADDRESSES
    # Already first: nothing is written.
    writes = []
    store.set_login_addresses = lambda *args: writes.append(args)
    result(accounts.remember_address("wren", "10.0.0.5"))
    assert writes == []


def test_a_failed_address_write_is_logged_not_the_players_problem():
    accounts, _ = make()
    result(accounts.create("Wren", "secret1", "a:b"))
    accounts.store.set_login_addresses = lambda *a: fail(StoreUnavailable("disk full"))
    assert result(accounts.remember_address("wren", "10.0.0.9")) is None
    assert result(accounts.create("Bram", "secret1", "a:b", "10.0.0.9")) is True


def test_lookup_of_a_name_that_cannot_exist_asks_nobody():
    accounts, _ = make()
    asked = []
    accounts.store.get_account = lambda key: asked.append(key)
    assert result(accounts.lookup("Victim\n")) is None
    assert result(accounts.exists("Vi\u0441tim")) is False
    assert asked == []
