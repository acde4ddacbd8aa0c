"""The combat benches run (their --quick mode) and print sane figures.

The budgets themselves (500 fights under 20% of a core, p99 echo under 50 ms in a crowded
fight) are the benches' to measure on a quiet machine (bench/README.md,
docs/capacity-combat.md), not a test's: here only that each bench drives real fights to
the end of its window and reports numbers that hang together.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.support import ROOT


def run_bench(module: str, tmp_path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUD_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", module, "--quick"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"no {pattern!r} in:\n{text}"
    return float(found.group(1).replace(",", ""))


def test_combat_fights_quick_counts_rounds_timers_and_cpu(tmp_path):
    out = run_bench("bench.combat_fights", tmp_path)
    assert "50 fights" in out
    # One timer per fight, added when the fights start, and nothing else.
    assert number(r"timers: \d+ live before the fights, \d+ after \(\+(\d+)\)", out) == 50
    share = number(r"= ([\d.]+)% of one core", out)
    assert 0 < share < 100
    # Fights went on through the window: about one round per fight every 3 s.
    done = number(r"([\d,]+) rounds in the window", out)
    expected = number(r"([\d,]+) expected", out)
    assert 0.8 * expected <= done <= 1.2 * expected + 50
    # The tables: a row per number of fights, timers equal to the fights each time.
    rows = re.findall(r"(\d+) fights?\s*: +([\d.]+) us per fight-round .*timers (\d+) "
                      r"\(= fights (\d+)\)", out)
    assert [int(r[0]) for r in rows] == [1, 10, 50]
    assert all(int(n) == int(t) == int(f) for n, _, t, f in rows)
    assert all(float(us) > 0 for _, us, _, _ in rows)
    sizes = re.findall(r"(\d+) fighters \((\d+) players\): +([\d.]+) us per round", out)
    assert [(int(f), int(p)) for f, p, _ in sizes] == [(2, 1), (8, 4)]


def test_crowded_combat_quick_times_every_players_score(tmp_path):
    out = run_bench("bench.crowded_combat", tmp_path)
    assert "50 players and 20 brutes" in out
    for label in ("quiet room", "in combat"):
        line = next(x for x in out.splitlines() if label in x)
        replies = number(r"(\d+) replies", line)
        p50, p99 = number(r"p50 ([\d.]+) ms", line), number(r"p99 ([\d.]+) ms", line)
        worst = number(r"worst ([\d.]+) ms", line)
        assert replies >= 50  # every player answered, at least once
        assert 0 < p50 <= p99 <= worst < 10_000
    # The room really fought: every player read at least a blow per brute a round.
    assert number(r"each player saw (\d+)-", out) >= 20
    # The server's own metrics counted the same commands, and one fight holds one timer
    # (beside the metrics' lag probe) on the world's scheduler.
    fighting = next(x for x in out.splitlines() if "in combat" in x)
    assert number(r"metrics over the window: (\d+) commands", out) >= \
        number(r"(\d+) replies", fighting)
    assert number(r"(\d+) timers on the world's scheduler", out) == 2
    assert re.search(r"budget: p99 under 50 ms: (OK|OVER)", out)
