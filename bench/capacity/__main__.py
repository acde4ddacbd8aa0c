"""`make bench`: every workload against every server, each in its own process; writes
docs/capacity.md and exits non-zero, naming the server and workload, if any failed.

    .venv/bin/python -m bench.capacity [--targets echo,emberfall,evennia]
        [--workloads crowd50,...] [--out docs/capacity.md] [--cache .bench] [--quick]

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

from bench.capacity import report
from bench.capacity.workloads import WORKLOADS

TARGETS = ["emberfall", "evennia", "echo"]
SETUP_TIMEOUT = 600.0  # Evennia's first install from PyPI
RUN_TIMEOUT = 240.0


def run_one(argv: list[str], out: Path, timeout: float) -> dict:
    """One `run_one` process; its JSON, or a failure saying why there is none. Past
    `timeout` it is sent SIGTERM (it then stops its server and writes where it was), and
    its whole process group is killed if it is still there 60 s later."""
    command = [sys.executable, "-m", "bench.capacity.run_one", *argv, "--json", str(out)]
    out.unlink(missing_ok=True)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    timed_out = False
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.terminate()
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            _, stderr = "", ""
        # Whatever is left in its session (a hung `evennia stop`, say) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
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
        result = {**result, "ok": False,
                  "error": f"timed out after {timeout:.0f} s, at {result.get('step', '?')}"}
    elif proc.returncode and result.get("ok"):
        result = {**result, "ok": False, "error": f"run_one exited {proc.returncode}"}
    if not result.get("ok"):
        result["stderr"] = stderr[-3000:]
    return result


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--out", default="docs/capacity.md")
    parser.add_argument("--cache", default=".bench")
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke run")
    parser.add_argument("--timeout", type=float, default=RUN_TIMEOUT,
                        help="seconds each (server, workload) may take")
    args = parser.parse_args(argv)
    keys = [k for k in args.targets.split(",") if k]
    workloads = [w for w in args.workloads.split(",") if w]
    unknown = [k for k in keys if k not in TARGETS] + [w for w in workloads
                                                      if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    cache = Path(args.cache).resolve()
    (cache / "results").mkdir(parents=True, exist_ok=True)
    out = Path(args.out)
    began = time.monotonic()
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
    commands = [f"make bench    # = {Path(sys.executable).name} -m bench.capacity "
                + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))]
    targets: list[dict] = []
    results: dict[tuple[str, str], dict] = {}
    failures: list[str] = []

    def write(status: str) -> None:
        report.write(out, info, targets, workloads, results, commands, status)

    if not pinned:
        print("make bench: one core only: servers and the load generator share it")
    for key in keys:
        print(f"make bench: setting up {key} ...", flush=True)
        result = run_one(["--target", key, "--setup", "--cache", str(args.cache)],
                         cache / "results" / f"{key}-setup.json", SETUP_TIMEOUT)
        entry = {"key": key, "label": result.get("label") or key,
                 "version": result.get("version"), "notes": result.get("notes"),
                 "setup_s": result.get("setup_s")}
        if not result.get("ok"):
            entry["setup_error"] = result.get("error")
            failures.append(f"FAILED: {key} setup: {result.get('error')}")
            print(failures[-1], file=sys.stderr, flush=True)
        targets.append(entry)
        write("running")
    for workload in workloads:
        for entry in targets:
            key = entry["key"]
            argv_one = ["--target", key, "--workload", workload, *common]
            commands.append(f"python -m bench.capacity.run_one {' '.join(argv_one)} "
                            f"--json .bench/results/{key}-{workload}.json")
            if entry.get("setup_error"):
                results[(key, workload)] = {"ok": False,
                                            "error": f"setup failed: {entry['setup_error']}"}
                continue
            print(f"make bench: {key} / {workload} ...", flush=True)
            t0 = time.monotonic()
            result = run_one(argv_one, cache / "results" / f"{key}-{workload}.json",
                             args.timeout)
            results[(key, workload)] = result
            if result.get("warning"):
                print(f"WARNING: {key} / {workload}: {result['warning']}", file=sys.stderr)
            if result.get("ok"):
                print(f"  {time.monotonic() - t0:.0f} s: " + ", ".join(
                    f"{m} {report.fmt(m, v)}" for m, v in result["figures"].items()),
                    flush=True)
            else:
                first = (result.get("error") or "").strip().splitlines()[:1]
                failures.append(f"FAILED: {key} / {workload}: {first[0] if first else '?'}")
                print(failures[-1], file=sys.stderr, flush=True)
            write("running")
    took = time.monotonic() - began
    info["load average at the end"] = loadavg()
    info["the whole run took"] = f"{took / 60:.1f} min"
    status = ("complete" if not failures else
              f"INCOMPLETE: {len(failures)} failed (marked **failed** below)")
    write(status)
    print(f"make bench: {out} written in {took / 60:.1f} min ({status})")
    for line in failures:
        print(line, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
