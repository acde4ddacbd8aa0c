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
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.capacity.targets import BenchFailed, Target
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
    return {"label": target.label, "version": target.version(), "notes": target.notes()}


def progress(out: dict, step: str) -> None:
    """The step now running, in the JSON and on stderr (the runner shows the last one if
    this process has to be ended)."""
    out["step"] = step
    print(f"run_one {out['target']}/{out['workload']}: {step}", file=sys.stderr, flush=True)


def on_sigterm(args: argparse.Namespace, out: dict, running: list[Target]):
    """The runner's timeout: stop the server we started (its processes must not outlive
    us and load the next run's core), say where we were, and exit."""
    def handler(signum, frame) -> None:
        out["error"] = f"{out.get('step')}: ended by the runner (took too long)"
        with contextlib.suppress(OSError):
            Path(args.json).write_text(json.dumps(out, indent=1))
        for target in running:
            with contextlib.suppress(Exception):
                target.stop()
        os._exit(2)
    return handler


def run(args: argparse.Namespace, out: dict, running: list[Target]) -> None:
    cache = Path(args.cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    progress(out, "import")
    target = make_target(args.target)
    running.append(target)
    progress(out, "setup")
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
            return d

        try:
            _react(go, reactor)
        except BaseException:
            failed_at = out["step"]  # the stop below must not take the blame
            with contextlib.suppress(Exception):
                progress(out, "stop")
                target.stop()
            out["step"] = failed_at
            raise
        progress(out, "stop")
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
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _react(go, reactor) -> None:
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
    signal.signal(signal.SIGTERM, on_sigterm(args, out, running))
    try:
        run(args, out, running)
        out["ok"] = True
        status = 0
    except BenchFailed as error:
        out["error"] = f"{out.get('step')}: {error}"
    except Exception as error:
        out["error"] = f"{out.get('step')}: {error}"
        out["traceback"] = traceback.format_exc()[-3000:]
    Path(args.json).write_text(json.dumps(out, indent=1))
    if not out["ok"]:
        print(f"run_one {args.target}/{out['workload']} FAILED at {out['error']}",
              file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
