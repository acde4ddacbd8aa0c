"""The two-realm bench (bench/realms.py) runs in its --quick mode and prints figures that
hang together: two daemon processes, a private redis-server, every line heard by every
listener of the other realm, and latencies and CPU that make sense.

The figures themselves (lines a second, the bus' added p50/p99) are the bench's to measure
on a quiet machine (bench/README.md), not a test's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.e2e.test_bench_combat import number
from tests.redis_service import available
from tests.support import ROOT

pytestmark = pytest.mark.skipif(not available(), reason="redis-server is not installed "
                                "(make test installs it)")


def run_bench(tmp_path, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUD_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "bench.realms", "--quick", *extra],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def check(out: str, listeners: int, style: str) -> None:
    assert f"two daemons, {listeners} {style} listeners each on ooc" in out
    runs = re.findall(r"offered ([\d,]+/s|flat out): (\d+) lines, heard (\d+) \(missing "
                      r"(\d+), refused (\d+)\)", out)
    # latency (1 run and its best), the ramp's one rate, flat out (1 run and its best)
    assert len(runs) == 5, out
    for _, lines, heard, missing, refused in runs:
        # Every line crossed, to every listener (the bench checks the bytes each had).
        assert int(heard) == int(lines) and int(missing) == int(refused) == 0, out
    rows = re.findall(r"local p50 ([\d.]+) ms p99 ([\d.]+) ms; speaker to south p50 "
                      r"([\d.]+) ms p99 ([\d.]+) ms; bus added p50 (-?[\d.]+) ms p99 "
                      r"(-?[\d.]+) ms", out)
    assert len(rows) == len(runs), out
    for row in rows:
        local50, local99, whole50, whole99, added50, added99 = map(float, row)
        assert 0 < local50 <= local99 and 0 < whole50 <= whole99, row
        # South hears a line after north's own listeners did: the bus adds time.
        assert 0 < added50 <= added99 < 10_000, row
    for row in re.findall(r"CPU per line: .*", out):
        assert number(r"north ([\d.]+) us", row) > 0 and number(r"south ([\d.]+) us", row) > 0
        # Each south listener was handed a rendered line (a telnet line or a JSON frame).
        assert number(r"; (\d+) bytes a line per south listener", row) >= 40
    assert number(r"south delivered ([\d,]+)/s", out.split("\nflat out:")[1]) > 0


def test_realms_bench_quick_telnet(tmp_path):
    check(run_bench(tmp_path), 20, "telnet")


def test_realms_bench_quick_web(tmp_path):
    check(run_bench(tmp_path, "--web"), 20, "web")
