"""`make bench`: every workload against every server, each in its own process; writes
docs/capacity.md and exits non-zero, naming the server and workload, if any failed.

    .venv/bin/python -m bench.capacity [--targets echo,emberfall,evennia]
        [--workloads crowd50,...] [--out docs/capacity.md] [--cache .bench] [--quick]
        [--timeout 240] [--deadline 14] [--retries 2]

A --quick run (tiny numbers) writes <cache>/capacity-quick.md unless --out says otherwise,
and its status and headings say QUICK; a subset of servers or workloads says PARTIAL. Past
--deadline minutes the runs left are not started, marked "not run" and the exit status is 1.
A run that fails is run again from a fresh server, up to --retries times (2; 0: never),
while the deadline allows; the document says so beside its figures, and a run that failed
every try is a failure.
SIGINT (Ctrl-C) or SIGTERM (a CI cancel) stops the running server, marks the document
INTERRUPTED and exits 128 + the signal.

The servers run on core 0 and this runner's load generator (run_one) on core 1; with one
core nothing is pinned and the document says so. Set-up (Evennia's venv under the cache
dir) happens first and once; a server that cannot be set up fails all its workloads, loudly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from bench.capacity import report
from bench.capacity.workloads import WORKLOADS

TARGETS = ["emberfall", "evennia", "echo"]
SETUP_TIMEOUT = 600.0  # Evennia's first install from PyPI
RUN_TIMEOUT = 240.0
DEADLINE_MIN = 14.0  # issue 15: the whole `make bench` in under 15 minutes
MIN_RUN_S = 20.0  # a run with less than this left before the deadline is not started
FULL_OUT = "docs/capacity.md"
QUICK_OUT = "capacity-quick.md"


class Interrupted(Exception):
    """SIGINT (Ctrl-C) or SIGTERM (a CI cancel, `kill`) reached the runner."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def on_signal(signum: int, frame: FrameType | None) -> None:
    """The first SIGINT/SIGTERM interrupts whatever runs; later ones are ignored, so that
    the stop of the running server (bounded: 60 s, then SIGKILL) is not cut short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def end(proc: subprocess.Popen) -> str:
    """SIGTERM to run_one (it stops its server and writes where it was), up to 60 s for
    it, then SIGKILL to whatever is left in its session (a hung `evennia stop`, say).
    Its stderr, or "" when it had to be killed."""
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        stderr = ""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return stderr or ""


def run_one(argv: list[str], out: Path, timeout: float) -> dict:
    """One `run_one` process; its JSON, or a failure saying why there is none. Past
    `timeout` it is ended (see `end`). If the runner is interrupted meanwhile, it is ended
    the same way before Interrupted goes on up."""
    command = [sys.executable, "-m", "bench.capacity.run_one", *argv, "--json", str(out)]
    out.unlink(missing_ok=True)
    # Its own session: Ctrl-C on the terminal reaches the runner only, which then ends it
    # (and its server) in order rather than all at once.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    timed_out = False
    try:
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            stderr = end(proc)
    except BaseException:
        # Interrupted, maybe halfway through ending a timed-out run: end it (again; the
        # signals are ignored from here on, so this one finishes).
        end(proc)
        raise
    try:
        result = json.loads(out.read_text())
    except (OSError, ValueError):
        result = {"ok": False, "error": f"run_one exited {proc.returncode} without a "
                                        f"result: {stderr.strip()[-500:]}"}
    if timed_out and result.get("step") == "stop" and result.get("figures"):
        # Measured in full; only the server's stop hung (and was ended): keep the figures.
        result = {**result, "ok": True,
                  "warning": f"its stop took over the {timeout:.0f} s of the run and was "
                             "ended (the figures were measured before it)"}
    elif timed_out:
        log = (result.get("log_tail") or "").strip()
        result = {**result, "ok": False,
                  "error": f"timed out after {timeout:.0f} s, at {result.get('step', '?')}"
                           + (f"; the server's log ends:\n{log}" if log else "")}
    elif proc.returncode and result.get("ok"):
        result = {**result, "ok": False, "error": f"run_one exited {proc.returncode}"}
    if not result.get("ok"):
        result["stderr"] = stderr[-3000:]
    return result


def loadavg() -> str:
    """The load averages, so that a reader can tell a busy machine's figures."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


def say(line: str, err: bool = False) -> None:
    """Print unless nobody reads us any more (a cancelled CI job's closed pipe): the
    servers must still be stopped and the document written."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr if err else sys.stdout, flush=True)


ORDINALS = {1: "second", 2: "third"}  # the try after so many failed ones


def summary(error: str | None, lines: int = 4) -> str:
    """A failure's reason for the one-line FAILED message: its first line and, when there
    is more (pip's ERROR lines, a log tail), its last `lines` lines, joined by " | "."""
    text = [line.strip() for line in (error or "").strip().splitlines() if line.strip()]
    if not text:
        return "no reason given"
    return " | ".join(text[:1] + (["..."] if len(text) > lines + 1 else [])
                      + text[1:][-lines:])


def shown_python() -> str:
    """This interpreter as the reader would type it (.venv/bin/python from the checkout)."""
    executable = Path(sys.executable)
    with contextlib.suppress(ValueError):
        return str(executable.relative_to(Path.cwd()))
    return str(executable)


def main(argv: list[str] | None = None) -> int:
    """Set every target up, run every (workload, target) in turn, write the document after
    each; 0 only when everything ran, 1 if anything failed or was not run, 128+signal if
    interrupted (the running server stopped first)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--out", help=f"default {FULL_OUT}, or <cache>/{QUICK_OUT} with "
                                      "--quick (a smoke run never replaces the published one)")
    parser.add_argument("--cache", default=".bench")
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke run")
    parser.add_argument("--timeout", type=float, default=RUN_TIMEOUT,
                        help="seconds each (server, workload) may take")
    parser.add_argument("--retries", type=int, default=2, choices=(0, 1, 2),
                        help="run a failed (server, workload) again up to this many times, "
                             "said in the doc")
    parser.add_argument("--deadline", type=float, default=DEADLINE_MIN,
                        help="minutes for the whole run: past it the runs left are not "
                             "started, marked so, and the exit status is 1")
    args = parser.parse_args(argv)
    keys = [k for k in args.targets.split(",") if k]
    workloads = [w for w in args.workloads.split(",") if w]
    unknown = [k for k in keys if k not in TARGETS] + [w for w in workloads
                                                      if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    cache = Path(args.cache).resolve()
    (cache / "results").mkdir(parents=True, exist_ok=True)
    out = Path(args.out) if args.out else (cache / QUICK_OUT if args.quick else Path(FULL_OUT))
    began = time.monotonic()
    deadline = began + args.deadline * 60
    info = report.machine()
    cores = sorted(os.sched_getaffinity(0))
    pinned = len(cores) >= 2
    server_cpu, load_cpu = (cores[0], cores[1]) if pinned else (None, None)
    info["cores"] += (f" (servers pinned to core {server_cpu}, the load generator to core "
                      f"{load_cpu}, by sched_setaffinity)" if pinned
                      else " (one core: servers and load generator share it, nothing pinned)")
    info["load average at start"] = loadavg()
    pins = (["--server-cpu", str(server_cpu), "--load-cpu", str(load_cpu)] if pinned else [])
    common = ["--cache", str(args.cache), *pins, *(["--quick"] if args.quick else [])]
    python = shown_python()
    given = argv if argv is not None else sys.argv[1:]
    commands = [("make bench    # = " if not given else "")
                + f"{python} -m bench.capacity " + " ".join(shlex.quote(a) for a in given)]
    # What kind of run this is goes into the status line, so that a smoke run or a subset
    # is never taken for the published comparison.
    kind = []
    if args.quick:
        kind.append("QUICK (a smoke run with tiny numbers: not comparable)")
    if set(keys) != set(TARGETS) or set(workloads) != set(WORKLOADS):
        kind.append(f"PARTIAL (servers: {', '.join(keys)}; workloads: {', '.join(workloads)})")
    targets: list[dict] = []
    results: dict[tuple[str, str], dict] = {}
    failures: list[str] = []
    skipped: list[str] = []
    took: dict[str, float] = {}

    def write(status: str) -> None:
        report.write(out, info, targets, workloads, results, commands,
                     "; ".join([*kind, status]), took)

    def result_path(key: str, what: str) -> str:
        return str(Path(args.cache) / "results" / f"{key}-{what}.json")

    previous = (signal.signal(signal.SIGINT, on_signal),
                signal.signal(signal.SIGTERM, on_signal))
    current: tuple[str, str] | None = None
    try:
        if not pinned:
            say("make bench: one core only: servers and the load generator share it")
        for key in keys:
            say(f"make bench: setting up {key} ...")
            argv_setup = ["--target", key, "--setup", "--cache", str(args.cache)]
            commands.append(f"{python} -m bench.capacity.run_one {' '.join(argv_setup)} "
                            f"--json {result_path(key, 'setup')}")
            current, t0 = (key, "setup"), time.monotonic()
            result = run_one(argv_setup, cache / "results" / f"{key}-setup.json",
                             SETUP_TIMEOUT)  # counts against the deadline, not cut by it
            took[f"{key} set-up"] = time.monotonic() - t0
            current = None
            entry = {"key": key, "label": result.get("label") or key,
                     "version": result.get("version"), "notes": result.get("notes"),
                     "setup_s": result.get("setup_s"), "setup_state": result.get("setup_state"),
                     "stack": result.get("stack")}
            if not result.get("ok"):
                # run_one says "setup: <why>"; the FAILED line says "/ setup" already
                entry["setup_error"] = (result.get("error") or "").removeprefix("setup: ")
                failures.append(f"FAILED: {key} / setup: {summary(entry['setup_error'])}")
                say(failures[-1], err=True)
            targets.append(entry)
            write("running")
        for workload in workloads:
            for entry in targets:
                key = entry["key"]
                argv_one = ["--target", key, "--workload", workload, *common]
                commands.append(f"{python} -m bench.capacity.run_one {' '.join(argv_one)} "
                                f"--json {result_path(key, workload)}")
                if entry.get("setup_error"):
                    results[(key, workload)] = {"ok": False, "error": "not run: its set-up "
                                                "failed (see FAILED ... / setup)"}
                    continue
                left = deadline - time.monotonic()
                if left < MIN_RUN_S:
                    results[(key, workload)] = {
                        "ok": False, "skipped": True,
                        "error": f"not run: past the run's {args.deadline:g}-minute deadline"}
                    skipped.append(f"{key} / {workload}")
                    say(f"NOT RUN: {key} / {workload}: past the {args.deadline:g}-minute "
                        "deadline", err=True)
                    continue
                say(f"make bench: {key} / {workload} ...")
                current, t0 = (key, workload), time.monotonic()
                result = run_one(argv_one, cache / "results" / f"{key}-{workload}.json",
                                 min(args.timeout, left))
                left = deadline - time.monotonic()
                failed: list[str] = []
                while not result.get("ok") and len(failed) < args.retries \
                        and left >= MIN_RUN_S:
                    # Again, from a fresh server: a server that fell over under the load
                    # (Evennia's portal and server losing their AMP link in a crowded room
                    # of 200) gets another chance, and the doc says so.
                    failed.append(summary(result.get("error"), lines=1))
                    say(f"RETRY: {key} / {workload}: try {len(failed)} failed: {failed[-1]}",
                        err=True)
                    result = run_one(argv_one, cache / "results" / f"{key}-{workload}.json",
                                     min(args.timeout, left))
                    left = deadline - time.monotonic()
                if failed:
                    earlier = "; ".join(failed)
                    if not result.get("ok"):
                        note = f"it failed all {len(failed) + 1} tries (before: {earlier})"
                    elif len(failed) == 1:
                        note = f"the first try failed ({earlier}); these figures are the second's"
                    else:
                        note = (f"the first {len(failed)} tries failed ({earlier}); these "
                                f"figures are the {ORDINALS[len(failed)]}'s")
                    result["warning"] = "; ".join(filter(None, (result.get("warning"), note)))
                took[f"{key} / {workload}"] = time.monotonic() - t0
                current = None
                results[(key, workload)] = result
                if result.get("warning"):
                    say(f"WARNING: {key} / {workload}: {result['warning']}", err=True)
                if result.get("ok"):
                    say(f"  {took[f'{key} / {workload}']:.0f} s: " + ", ".join(
                        f"{m} {report.fmt(m, v)}" for m, v in result["figures"].items()))
                else:
                    failures.append(f"FAILED: {key} / {workload}: "
                                    f"{summary(result.get('error'))}")
                    say(failures[-1], err=True)
                write("running")
    except Interrupted as stop:
        if current is not None and current[1] == "setup":
            targets.append({"key": current[0], "label": current[0],
                            "setup_error": f"interrupted by {stop} during its set-up"})
        elif current is not None:
            results[current] = {"ok": False, "error": f"interrupted by {stop}: its server "
                                                      "was stopped"}
        total = time.monotonic() - began
        info["load average at the end"] = loadavg()
        info["the whole run took"] = f"{total / 60:.1f} min (interrupted)"
        status = (f"INTERRUPTED by {stop} after {total / 60:.1f} min: what was not "
                  "measured is marked not run or **failed** below")
        write(status)
        say(f"make bench: INTERRUPTED by {stop}; every server it started was stopped; "
            f"{out} marked INTERRUPTED", err=True)
        return 128 + stop.signum
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
    total = time.monotonic() - began
    info["load average at the end"] = loadavg()
    info["the whole run took"] = f"{total / 60:.1f} min (deadline {args.deadline:g} min)"
    problems = []
    if failures:
        problems.append(f"{len(failures)} failed (marked **failed** below)")
    if skipped:
        problems.append(f"{len(skipped)} not run: past the {args.deadline:g}-minute deadline")
    status = "complete" if not problems else "INCOMPLETE: " + "; ".join(problems)
    write(status)
    say(f"make bench: {out} written in {total / 60:.1f} min ({'; '.join([*kind, status])})")
    for line in failures:
        say(line, err=True)
    if skipped:
        say(f"NOT RUN (past the {args.deadline:g}-minute deadline): {', '.join(skipped)}",
            err=True)
    return 1 if failures or skipped else 0


if __name__ == "__main__":
    sys.exit(main())
