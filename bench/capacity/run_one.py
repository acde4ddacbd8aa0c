"""One (target, workload) of `make bench`, in a process of its own (a reactor runs once).

    python -m bench.capacity.run_one --target emberfall --workload crowd50 --json OUT \
        [--cache .bench] [--server-cpu 0] [--load-cpu 1] [--quick]
    python -m bench.capacity.run_one --target evennia --setup --json OUT

Sets the target up (idempotent), seeds its accounts when it can, starts it pinned to
`--server-cpu` (this process pins itself to `--load-cpu`), runs the workload, stops it, and
writes {"ok", "figures", "params", "error", ...} to OUT. The exit status is 0 only when the
workload ran; a failure's JSON says which step failed and why.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from bench.capacity.targets import BenchFailed, Target, tail
from bench.capacity.workloads import WORKLOADS, Run, first_error, name, parameters, rooms_needed

MODULES = {"echo": "bench.capacity.servers", "emberfall": "bench.capacity.servers",
           "evennia": "bench.capacity.evennia"}


def make_target(key: str) -> Target:
    """The Target subclass in the key's module whose `key` is `key`."""
    try:
        module = importlib.import_module(MODULES[key])
    except ImportError as error:
        raise BenchFailed(f"cannot import {MODULES[key]}: {error}") from error
    for value in vars(module).values():
        if (isinstance(value, type) and issubclass(value, Target) and value is not Target
                and getattr(value, "key", None) == key):
            return value()
    raise BenchFailed(f"{MODULES[key]} has no Target subclass with key {key!r}")


def describe(target: Target) -> dict:
    """What the report says about the target: its label, version, set-up notes and, for a
    server in a venv of its own, the Twisted and Django that venv really has."""
    return {"label": target.label, "version": target.version(), "notes": target.notes(),
            "stack": own_stack(target)}


def own_stack(target: Target) -> str | None:
    """"Twisted X, Django Y" as the target's own venv reports them (Evennia's is not ours),
    or None for a target that runs on this checkout's interpreter."""
    home = getattr(target, "home", None)
    python = Path(home) / "venv" / "bin" / "python" if home else None
    if python is None or not python.exists():
        return None
    try:
        done = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m\n"
             "for p in ('Twisted', 'Django'):\n"
             "    try: print(p, m.version(p))\n"
             "    except m.PackageNotFoundError: print(p, 'not installed')"],
            capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"(could not ask its venv: {error})"
    return ", ".join(done.stdout.split("\n")[:2]).strip(", ") or None


# A file that exists once a target's set-up is complete (relative to the cache): its
# set-up was then cached, not cold. Targets not listed run on this checkout's .venv.
SETUP_STAMPS = {"evennia": "evennia-{version}/template/ready"}


def setup_state(key: str, version: str, cache: Path) -> str:
    """"cold" / "cached" / "nothing to set up", as found before the set-up runs."""
    stamp = SETUP_STAMPS.get(key)
    if stamp is None:
        return "nothing to set up (runs on this checkout's .venv)"
    return "cached" if (cache / stamp.format(version=version)).exists() else "cold"


def log_tail(target: Target, lines: int = 15) -> str:
    """The last lines of the server's log, for a run that had to be ended."""
    if hasattr(target, "_log_tail"):
        return "\n".join(str(target._log_tail()).splitlines()[-lines:])
    log = getattr(target, "log", None)
    return tail(Path(log), lines) if log else ""


def progress(out: dict, step: str) -> None:
    """The step now running, in the JSON and on stderr (the runner shows the last one if
    this process has to be ended)."""
    out["step"] = step
    say(f"run_one {out['target']}/{out['workload']}: {step}")


def say(line: str) -> None:
    """A line on stderr, if anyone still reads it: the runner may be gone (Ctrl-C, a CI
    cancel), and a write to its dead pipe (EPIPE) must not stop us from stopping the
    server."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def on_signal(args: argparse.Namespace, out: dict, running: list[Target],
              work: list[Path]) -> Callable[[int, FrameType | None], None]:
    """SIGTERM (the runner's timeout or its own interruption) or SIGINT: stop the server we
    started (its processes must not outlive us and load the next run's core, or run on for
    good), say where we were, remove its work dir once it is stopped, and exit 2."""
    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one stop, not one per signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        out["error"] = f"{out.get('step')}: ended by {signal.Signals(signum).name}"
        for target in running:
            with contextlib.suppress(Exception):
                out["log_tail"] = log_tail(target)
        with contextlib.suppress(OSError):
            Path(args.json).write_text(json.dumps(out, indent=1))
        for target in running:
            with contextlib.suppress(Exception):
                target.stop()
        if not args.keep:
            for path in work:
                shutil.rmtree(path, ignore_errors=True)
        os._exit(2)
    return handler


def run(args: argparse.Namespace, out: dict, running: list[Target],
        workdirs: list[Path]) -> None:
    """Set the target up, then (unless --setup) start it, run the workload and stop it;
    fills `out`. The server is stopped on every way out, before its work dir goes."""
    cache = Path(args.cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    progress(out, "import")
    target = make_target(args.target)
    running.append(target)
    progress(out, "setup")
    out["setup_state"] = setup_state(args.target, target.version(), cache)
    began = time.perf_counter()
    target.setup(cache)
    out["setup_s"] = time.perf_counter() - began
    out.update(describe(target))
    if args.setup:
        return
    params = parameters(args.workload, args.target, args.quick)
    out["params"] = params
    rooms = rooms_needed(args.workload, params)
    function, _, _, real_hash = WORKLOADS[args.workload]
    players = params.get("players", 1) + params.get("stalled", 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2 * players + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 2 * players + 200), hard))
    (cache / "work").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{args.target}-{args.workload}-", dir=cache / "work"))
    workdirs.append(work)
    stopped = False
    try:
        progress(out, "seed accounts")
        seeded = getattr(target, "seed_accounts", lambda *a: False)(
            work, [name(i) for i in range(players)], "benchpass1", real_hash)
        out["seeded"] = bool(seeded)
        progress(out, "start")
        began = time.perf_counter()
        host, port = target.start(work, args.server_cpu, rooms)
        listening = time.perf_counter() - began
        out["pids"] = target.pids()
        if args.load_cpu is not None and args.load_cpu in os.sched_getaffinity(0):
            os.sched_setaffinity(0, {args.load_cpu})
        progress(out, "workload")
        from twisted.internet import reactor
        figures: dict = {}
        out["figures"] = figures  # filled in as soon as the workload ends, before the stop

        def go(reactor):
            job = Run(reactor, target, host, port, params, bool(seeded), rooms)
            d = function(job)
            d.addCallback(figures.update)
            return watched(reactor, d, target)

        try:
            _react(go, reactor)
        except BaseException as error:
            failed_at = out["step"]  # the stop below must not take the blame
            said = ""
            with contextlib.suppress(Exception):
                said = target.troubles()
            stopped = True
            with contextlib.suppress(Exception):
                target.stop()
            out["step"] = failed_at
            if said and isinstance(error, Exception) and BROKE not in str(error):
                raise with_logs(error, said) from error
            raise
        progress(out, "stop")
        stopped = True
        target.stop()
        timings = dict(getattr(target, "timings", {}) or {})
        out["timings"] = timings
        if args.workload == "startup":
            # A target that seeds its accounts inside start (Evennia: `evennia shell`) says
            # how long that took; it is set-up for the bench, not the server starting.
            seeding = float(timings.get("seed shell", 0.0))
            figures["listening_s"] = listening - seeding
            figures["start_to_login_s"] = figures["listening_s"] + figures["first_login_s"]
        out["figures"] = figures
        out["step"] = "done"
    finally:
        # Whatever happened (a failed start, an error reading stderr, ...), the server we
        # may have started stops before its work dir is removed under it.
        if not stopped:
            with contextlib.suppress(Exception):
                target.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


BROKE = "the server broke mid-run"


def with_logs(error: Exception, said: str) -> RuntimeError:
    """``error`` with what the server's logs said after its first line (the one the
    runner's FAILED line and the document show)."""
    first, _, rest = str(error).partition("\n")
    return RuntimeError(f"{first}; the server's logs say: {said}" + (f"\n{rest}" if rest else ""))


def watched(reactor: Any, work: Deferred, target: Target, every: float = 1.0) -> Deferred:
    """``work``'s result, or a failure as soon as the target says it broke (Target.broken,
    checked every ``every`` seconds): a run whose server can no longer answer fails now,
    not when a step's or the warm-up's time runs out."""
    done: Deferred = Deferred()

    def check() -> None:
        try:
            said = target.broken()
        except Exception as error:
            # Reading the logs failed: keep watching (the run itself says how it went).
            said = ""
            say(f"run_one: could not read the server's logs: {error}")
        if said and not done.called:
            loop.stop()
            done.errback(RuntimeError(f"{BROKE}: its logs say: {said}"))

    def finish(result: object) -> None:
        if loop.running:
            loop.stop()
        if done.called:
            return  # already failed by check (the rest of the work is abandoned)
        if isinstance(result, Failure):
            done.errback(result)
        else:
            done.callback(result)

    loop = task.LoopingCall(check)
    loop.clock = reactor
    loop.start(every, now=False)
    work.addBoth(finish)
    return done


def _react(go: Callable[[Any], Deferred], reactor: Any) -> None:
    """Run `go(reactor)` to its end on the reactor; re-raise its failure here."""
    failures = []

    def main():
        d = go(reactor)
        d.addErrback(failures.append)
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(main)
    reactor.run(installSignalHandlers=False)
    if failures:
        failure = failures[0]
        message = first_error(failure)
        raise RuntimeError(message + "\n" + failure.getTraceback()[-2000:])


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run, write the JSON; 0 only when the workload (or set-up) ran.
    SIGTERM/SIGINT stop the server first (see on_signal)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, choices=sorted(MODULES))
    parser.add_argument("--workload", choices=sorted(WORKLOADS))
    parser.add_argument("--setup", action="store_true", help="only set the target up")
    parser.add_argument("--json", required=True)
    parser.add_argument("--cache", default=".bench")
    parser.add_argument("--server-cpu", type=int)
    parser.add_argument("--load-cpu", type=int)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the server's work dir")
    args = parser.parse_args(argv)
    if not args.setup and not args.workload:
        parser.error("--workload or --setup")
    out: dict = {"target": args.target, "workload": args.workload or "setup", "ok": False}
    status = 1
    running: list[Target] = []
    workdirs: list[Path] = []
    handler = on_signal(args, out, running, workdirs)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    try:
        run(args, out, running, workdirs)
        out["ok"] = True
        status = 0
    except BenchFailed as error:
        out["error"] = f"{out.get('step')}: {error}"
    except Exception as error:
        out["error"] = f"{out.get('step')}: {error}"
        out["traceback"] = traceback.format_exc()[-3000:]
    Path(args.json).write_text(json.dumps(out, indent=1))
    if not out["ok"]:
        say(f"run_one {args.target}/{out['workload']} FAILED at {out['error']}")
    return status


if __name__ == "__main__":
    sys.exit(main())
