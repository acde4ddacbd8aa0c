"""The scheduler on task.Clock: once, every, cancel, groups suspended and resumed, failures."""

from __future__ import annotations

import itertools
import random

from twisted.internet import task

from mud.engine.scheduler import Scheduler


def make() -> tuple[task.Clock, Scheduler, list[tuple[str, str]]]:
    clock = task.Clock()
    failures: list[tuple[str, str]] = []
    scheduler = Scheduler(clock, report=lambda owner, what, exc: failures.append((owner,
                                                                                  str(exc))),
                          rng=random.Random(3))
    return clock, scheduler, failures


def test_call_later_fires_once_and_cancel_stops_it() -> None:
    clock, s, _ = make()
    seen: list[int] = []
    s.call_later(5, seen.append, 1)
    gone = s.call_later(5, seen.append, 2)
    gone.cancel()
    clock.advance(4.9)
    assert seen == []
    clock.advance(0.1)
    assert seen == [1]
    clock.advance(100)
    assert seen == [1]
    assert clock.getDelayedCalls() == []


def test_every_repeats_until_cancelled() -> None:
    clock, s, _ = make()
    seen: list[float] = []
    timer = s.every(10, lambda: seen.append(clock.seconds()))
    clock.pump([10, 10, 10])
    assert seen == [10, 20, 30]
    timer.cancel()
    clock.advance(50)
    assert len(seen) == 3
    assert clock.getDelayedCalls() == []


def test_every_with_jitter_varies_within_bounds() -> None:
    clock, s, _ = make()
    times: list[float] = []
    s.every(10, lambda: times.append(clock.seconds()), jitter=3)
    for _ in range(400):
        clock.advance(0.5)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) > 10
    assert all(6.5 <= g <= 13.5 for g in gaps)
    assert len(set(gaps)) > 1


def test_a_failing_callback_is_reported_and_nothing_else_stops() -> None:
    clock, s, failures = make()
    seen: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    s.every(1, broken, owner="village:cat")
    s.every(1, seen.append, "ok")
    clock.pump([1, 1, 1])
    assert seen == ["ok"] * 3
    assert failures == [("village:cat", "boom")] * 3


def test_suspended_group_holds_no_calls_and_resumes_where_it_was() -> None:
    clock, s, _ = make()
    seen: list[float] = []
    s.every(10, lambda: seen.append(clock.seconds()), group="village")
    s.every(10, lambda: None, group="woods")
    clock.advance(4)
    s.suspend("village")
    assert s.pending("village") == 0
    assert len(clock.getDelayedCalls()) == 1  # only the woods' timer
    clock.advance(1000)
    assert seen == []
    s.resume("village")
    clock.advance(5.9)
    assert seen == []
    clock.advance(0.1)  # the 6 seconds it had left
    assert seen == [1010]


def test_a_due_every_fires_once_on_resume_not_once_per_missed_interval() -> None:
    clock, s, _ = make()
    seen: list[int] = []
    s.every(1, seen.append, 1, group="a")
    s.suspend("a")
    clock.advance(100)
    s.resume("a")
    clock.advance(1)
    assert seen == [1]


def test_timers_added_to_a_suspended_group_wait_for_resume() -> None:
    clock, s, _ = make()
    s.suspend("mine")
    seen: list[int] = []
    s.call_later(2, seen.append, 7, group="mine")
    assert clock.getDelayedCalls() == []
    clock.advance(10)
    s.resume("mine")
    clock.advance(2)
    assert seen == [7]


def test_cancel_group_and_stop_leave_nothing_on_the_clock() -> None:
    clock, s, _ = make()
    for _ in range(5):
        s.every(3, lambda: None, group="a")
    s.every(3, lambda: None, group="b")
    s.call_later(3, lambda: None)
    s.cancel_group("a")
    assert len(clock.getDelayedCalls()) == 2
    s.stop()
    assert clock.getDelayedCalls() == []


def test_a_callback_may_cancel_its_own_every() -> None:
    clock, s, _ = make()
    seen: list[int] = []
    timer = s.every(1, lambda: (seen.append(1), timer.cancel()))
    clock.pump([1, 1, 1])
    assert seen == [1]
    assert clock.getDelayedCalls() == []


def test_regroup_keeps_the_time_left_and_takes_the_new_groups_state_at_once() -> None:
    clock, s, _ = make()
    seen: list[float] = []
    timer = s.every(10, lambda: seen.append(clock.seconds()), group="old", owner="npc cat")
    s.suspend("asleep")
    clock.advance(4)
    s.regroup(timer, "awake")  # awake to awake: still due at 10
    assert timer.group == "awake" and not s.has_timers("old")
    clock.advance(6)
    assert seen == [10]
    clock.advance(3)
    s.regroup(timer, "asleep")  # 7 s left, kept while it sleeps
    assert s.pending() == 0 and timer.suspended
    clock.advance(100)
    assert seen == [10]
    s.regroup(timer, "awake")  # back on the clock at once, with its 7 s
    assert s.pending("awake") == 1
    clock.advance(6.9)
    assert seen == [10]
    clock.advance(0.1)
    assert seen == [10, 120]
    s.resume("asleep")
    assert s.pending() == 1


def test_a_timer_regrouped_while_it_fires_reschedules_in_its_new_group() -> None:
    clock, s, _ = make()
    s.suspend("b")
    seen: list[float] = []
    timer = None

    def move() -> None:
        seen.append(clock.seconds())
        s.regroup(timer, "b")

    timer = s.every(5, move, group="a", owner="npc walker")
    clock.advance(5)
    assert seen == [5] and timer.group == "b" and s.pending() == 0
    s.resume("b")
    clock.advance(5)
    assert seen == [5, 10]


def test_owned_lists_an_owners_live_timers() -> None:
    clock, s, _ = make()
    a = s.every(5, lambda: None, group="x", owner="npc cat")
    b = s.call_later(5, lambda: None, owner="npc cat")
    s.every(5, lambda: None, group="x", owner="npc dog")
    assert set(s.owned("npc cat")) == {a, b}
    clock.advance(5)  # the one-off is done
    assert s.owned("npc cat") == (a,)
    a.cancel()
    assert s.owned("npc cat") == ()


def test_live_counts_timers_asleep_or_awake() -> None:
    clock, s, _ = make()
    once = s.call_later(5, lambda: None)
    s.every(10, lambda: None, group="village")
    s.every(10, lambda: None, group="woods")
    s.suspend("woods")
    assert s.live() == 3 and s.pending() == 2  # the woods' timer sleeps: no call held
    once.cancel()
    clock.advance(20)
    assert s.live() == 2  # the everys stay live; the cancelled one is gone
