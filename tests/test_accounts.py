"""Accounts: rules for names and passwords, and that hashing goes through the thread runner."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import maybeDeferred

from mud import passwords
from mud.accounts import Accounts, display_name, name_problem, password_problem
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


def test_password_rules():
    assert password_problem("secret1") is None
    assert "at least" in password_problem("abc")
    assert "at most" in password_problem("x" * 129)
    assert "spaces" in password_problem("two words")


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


def test_change_password_needs_the_old_one():
    accounts, _ = make()
    result(accounts.create("Wren", "secret1", "a:b"))
    assert result(accounts.change_password("wren", "wrong12", "newpass1")) is False
    assert result(accounts.change_password("wren", "secret1", "newpass1")) is True
    assert result(accounts.authenticate("wren", "newpass1")) == "wren"
    assert result(accounts.authenticate("wren", "secret1")) is None
