"""`make bench`'s harness (bench/capacity) with tiny numbers: the report writer, the echo
ceiling over a real socket, the bots' pattern counting, and one tiny workload end to end
against a real Emberfall twistd and the echo server through the runner."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.capacity import report
from bench.capacity.load import count, percentile
from bench.capacity.servers import EchoTarget, EmberfallTarget, write_world
from bench.capacity.targets import BenchFailed, Target
from bench.capacity.workloads import WORKLOADS, parameters, rooms_needed

ROOT = Path(__file__).resolve().parents[1]

INFO = {"CPU": "Test CPU", "cores": "2", "kernel": "k", "Python": "3", "Twisted": "t",
        "commit": "abc", "date": "2026-11-30"}
TARGETS = [{"key": "emberfall", "label": "Emberfall 0.1", "version": "0.1",
            "notes": "ours", "setup_s": 0.1},
           {"key": "evennia", "label": "Evennia 5.0.1", "version": "5.0.1",
            "notes": "Raised `COMMAND_RATE_WARNING`.", "setup_s": 2.0},
           {"key": "echo", "label": "echo", "version": "t", "notes": "ceiling"}]


def ok(**figures) -> dict:
    return {"ok": True, "figures": figures, "params": {"players": 3}}


def test_report_puts_figures_side_by_side_with_ratios() -> None:
    results = {("emberfall", "crowd50"): ok(commands_per_s=1500.0, cpu_us_per_delivery=1.0),
               ("evennia", "crowd50"): ok(commands_per_s=10.0, cpu_us_per_delivery=200.0),
               ("echo", "crowd50"): ok(commands_per_s=3000.0, cpu_us_per_delivery=0.5)}
    text = report.render(INFO, TARGETS, ["crowd50"], results, ["make bench"], "complete")
    row = next(line for line in text.splitlines() if line.startswith("| commands/s"))
    assert row == "| commands/s | 1,500 | 10 | 3,000 | 150\u00d7 better | 2.0\u00d7 worse |"
    cpu = next(line for line in text.splitlines() if line.startswith("| server CPU per"))
    # Lower is better for CPU: Evennia's 200 against our 1.0 is 200x better for us.
    assert cpu.endswith("| 200\u00d7 better | 2.0\u00d7 worse |")
    assert "| CPU | Test CPU |" in text and "| Evennia 5.0.1 | 5.0.1 |" in text
    assert "Raised `COMMAND_RATE_WARNING`." in text  # the set-up notes, throttles and all
    assert "```\nmake bench\n```" in text
    assert "**Status: complete**" in text


def test_report_marks_failed_and_missing_cells_instead_of_leaving_them_out() -> None:
    results = {("emberfall", "crowd50"): ok(commands_per_s=1500.0),
               ("evennia", "crowd50"): {"ok": False, "error": "start: portal never listened\n"
                                                               "log tail..."}}
    text = report.render(INFO, TARGETS, ["crowd50", "storm"], results, [], "INCOMPLETE")
    row = next(line for line in text.splitlines() if line.startswith("| commands/s"))
    assert row == "| commands/s | 1,500 | **failed** | not run | \u2013 | \u2013 |"
    assert "**Evennia 5.0.1 failed**: start: portal never listened" in text
    assert "## Login storm" in text and "| (no figures) | not run | not run | not run |" in text


def test_report_says_when_a_server_ran_with_other_parameters() -> None:
    small = {**ok(logins_per_s=2.0), "params": {"players": 100}}
    results = {("emberfall", "storm"): {**ok(logins_per_s=30.0), "params": {"players": 2000}},
               ("evennia", "storm"): small}
    text = report.render(INFO, TARGETS[:2], ["storm"], results, [], "complete")
    assert "Parameters for Emberfall 0.1: `players` 2000." in text
    assert "Parameters for Evennia 5.0.1: `players` 100." in text


def test_report_write_replaces_the_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "docs" / "capacity.md"
    report.write(out, INFO, TARGETS, ["crowd50"], {}, [], "running")
    assert out.read_text().startswith("# Capacity")
    assert not list(out.parent.glob("*.tmp"))


def test_count_finds_patterns_split_across_reads() -> None:
    found, tail = count(b"", b"xx You s", b"You say")
    assert found == 0 and tail == b" You s"  # len("You say") - 1 bytes kept
    found, tail = count(tail, b"ay hi You say yo", b"You say")
    assert found == 2 and b"You say" not in tail
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0 and percentile([], 0.99) == 0.0


def test_parameters_take_per_server_and_quick_changes() -> None:
    assert parameters("storm", "emberfall")["players"] == 500
    assert parameters("storm", "evennia")["players"] < 500
    assert parameters("crowd50", "echo", quick=True)["players"] == 5
    assert rooms_needed("spread", parameters("spread", "echo")) == 20
    assert set(WORKLOADS) == {"crowd50", "crowd200", "spread", "openloop", "stalled",
                              "memory", "startup", "storm"}


def test_echo_server_broadcasts_a_say_to_the_room_only(tmp_path: Path) -> None:
    target = EchoTarget()
    host, port = target.start(tmp_path, None, 2)
    try:
        def player(name: str) -> socket.socket:
            sock = socket.create_connection((host, port), timeout=5)
            for send, expect in target.create_steps(name, "pw"):
                sock.sendall(send)
                assert expect in read_until(sock, expect)
            return sock

        alice, bob, carol = player("Alice"), player("Bob"), player("Carol")
        for send, expect in target.goto_steps(1):
            carol.sendall(send)
            read_until(carol, expect)
        alice.sendall(target.say("hello"))
        assert target.echo in read_until(alice, target.echo)
        heard = read_until(bob, b"\n")
        assert heard == b'Alice says "hello"\r\n' and target.heard in heard
        carol.settimeout(0.3)
        with pytest.raises(TimeoutError):
            carol.recv(100)  # another room hears nothing
        assert target.pids() and target.pids()[0] > 0
    finally:
        target.stop()
    assert target.proc.poll() is not None


def read_until(sock: socket.socket, pattern: bytes, timeout: float = 5.0) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while pattern not in seen and time.monotonic() < deadline:
        seen += sock.recv(4096)
    return seen


def test_emberfall_world_has_a_named_exit_to_each_spread_room(tmp_path: Path) -> None:
    write_world(tmp_path / "world", 3)
    rooms = (tmp_path / "world" / "hall" / "rooms.yaml").read_text()
    assert "hall2: r2" in rooms and "Spread Hall 002" in rooms
    assert EmberfallTarget().goto_steps(2) == [(b"go hall2\r\n", b"Spread Hall 002")]


def test_run_one_says_which_step_failed_and_why(tmp_path: Path, monkeypatch,
                                              capsys) -> None:
    """A server whose adapter cannot even be imported: exit 1, a FAILED line naming the
    server, the JSON saying the step and the reason."""
    from bench.capacity import run_one
    monkeypatch.setitem(run_one.MODULES, "evennia", "bench.capacity.no_such_adapter")
    out = tmp_path / "out.json"
    status = run_one.main(["--target", "evennia", "--setup", "--json", str(out),
                           "--cache", str(tmp_path / "cache")])
    result = json.loads(out.read_text())
    assert status == 1 and result["ok"] is False
    assert result["error"].startswith("import: cannot import bench.capacity.no_such_adapter")
    assert "run_one evennia/setup FAILED at import" in capsys.readouterr().err


def test_evennias_troubles_are_the_lines_of_its_logs_that_say_something_broke(
        tmp_path: Path) -> None:
    from bench.capacity.evennia import EvenniaTarget
    target = EvenniaTarget()
    assert target.troubles() == ""  # not started
    target.game = tmp_path
    logs = tmp_path / "server" / "logs"
    logs.mkdir(parents=True)
    assert target.troubles() == ""  # no logs yet: nothing broke (not "no log" taken as one)
    (logs / "portal.log").write_text("2026 [..] Portal started.\n2026 [..] Server "
                                     "disconnected from the portal.\n")
    (logs / "server.log").write_text("2026 [..] Loaded.\nHTTP received (the AMP port should "
                                     "not receive http, only AMP!) b'x'\n2026 [..] ok\n")
    said = target.troubles()
    assert said == ("portal.log: 2026 [..] Server disconnected from the portal. | server.log: "
                    "HTTP received (the AMP port should not receive http, only AMP!) b'x'")
    # Broken (the run fails at once): the AMP link dropped.
    assert target.broken() == said


def test_evennias_logs_are_read_as_they_grow_and_a_restart_alone_is_not_broken(
        tmp_path: Path) -> None:
    from bench.capacity.evennia import EvenniaTarget
    target = EvenniaTarget()
    target.game = tmp_path
    logs = tmp_path / "server" / "logs"
    logs.mkdir(parents=True)
    log = logs / "portal.log"
    log.write_text("2026 [..] Portal started.\n2026 [..] Server restar")
    assert target.troubles() == ""  # half a line: read once it is whole
    with log.open("a") as more:
        more.write("ted.\n2026 [..] a client disconnected\n")
    assert target.troubles() == "portal.log: 2026 [..] Server restarted."
    assert target.broken() == ""  # a restart alone: its link may still be up
    with log.open("a") as more:
        more.write("2026 [..] Server disconnected from the portal.\n")
    assert target.broken() == "portal.log: 2026 [..] Server disconnected from the portal."


def test_a_failed_workload_says_what_the_servers_logs_said() -> None:
    from bench.capacity.run_one import with_logs
    error = with_logs(RuntimeError("the server stopped answering\nTraceback ..."),
                      "server.log: HTTP received")
    assert str(error) == ("the server stopped answering; the server's logs say: server.log: "
                          "HTTP received\nTraceback ...")
    assert str(with_logs(RuntimeError("no echo"), "x")) == "no echo; the server's logs say: x"


def test_a_server_that_says_it_broke_fails_the_run_at_once() -> None:
    from twisted.internet import defer, task

    from bench.capacity.run_one import watched

    class Breaks(Target):
        said = ""

        def broken(self) -> str:
            return self.said
    clock, target = task.Clock(), Breaks()
    work: defer.Deferred = defer.Deferred()
    done = watched(clock, work, target)
    failures: list = []
    done.addErrback(failures.append)
    clock.advance(5)
    assert not done.called  # nothing said: it waits for the work
    target.said = "server.log: HTTP received"
    clock.advance(1)
    assert failures and "the server broke mid-run: its logs say: server.log: HTTP received" \
        in failures[0].getErrorMessage()
    work.callback({"late": 1})  # the abandoned work ending later changes nothing
    assert clock.getDelayedCalls() == []
    # A run that ends well is its result, and the watch stops.
    work2: defer.Deferred = defer.Deferred()
    results: list = []
    watched(clock, work2, Breaks()).addCallback(results.append)
    work2.callback({"ok": 1})
    assert results == [{"ok": 1}] and clock.getDelayedCalls() == []


def test_target_defaults_seed_nothing() -> None:
    assert Target().seed_accounts(Path("."), ["a"], "pw", False) is False
    assert Target().troubles() == "" and Target().broken() == ""
    assert issubclass(BenchFailed, Exception)


def test_runner_end_to_end_tiny_against_emberfall_and_echo(tmp_path: Path) -> None:
    """One tiny workload through `python -m bench.capacity`, a real twistd and the echo
    server: the document has both columns filled and the runner exits 0."""
    out = tmp_path / "capacity.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.capacity", "--targets", "emberfall,echo",
         "--workloads", "crowd50", "--quick", "--out", str(out),
         "--cache", str(tmp_path / "cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| commands/s"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1][0].isdigit() and cells[2][0].isdigit(), row
    per_command = next(line for line in text.splitlines() if "deliveries per command" in line)
    # 5 players: each say reaches all five (the speaker's echo and four who hear it).
    assert "| 5.0 | 5.0 |" in per_command


def test_runner_fails_loudly_and_marks_the_cell(tmp_path: Path) -> None:
    """A server that cannot be run: non-zero exit, a FAILED line naming it, the doc still
    written with its cells marked failed."""
    out = tmp_path / "capacity.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.capacity", "--targets", "echo", "--workloads",
         "startup", "--quick", "--out", str(out), "--cache", str(tmp_path / "cache"),
         "--timeout", "0.01"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "FAILED: echo / startup: timed out" in done.stderr
    text = out.read_text()
    assert "INCOMPLETE" in text and "**failed**" in text


def test_runner_timeout_stops_the_server_it_started(tmp_path: Path) -> None:
    """A run past its time is ended by the runner: its server does not outlive it (it
    would load the core the next run measures), and the failure says where it was."""
    out = tmp_path / "capacity.md"
    cache = tmp_path / "cache"
    done = subprocess.run(
        [sys.executable, "-m", "bench.capacity", "--targets", "echo", "--workloads",
         "memory", "--quick", "--out", str(out), "--cache", str(cache), "--timeout", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "FAILED: echo / memory: timed out after 4 s, at workload" in done.stderr
    result = json.loads((cache / "results" / "echo-memory.json").read_text())
    (pid,) = result["pids"]
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(
        f"/proc/{pid}/status").read_text()


def test_report_keeps_figures_whose_stop_hung_with_a_warning() -> None:
    results = {("evennia", "memory"): {**ok(kib_per_connection=200.0),
                                       "warning": "its stop took over the 240 s"}}
    text = report.render(INFO, TARGETS[1:2], ["memory"], results, [], "complete")
    assert "| 200.0 |" in text and "**Evennia 5.0.1**: its stop took over the 240 s" in text


def test_report_compares_only_per_unit_figures_across_different_sizes() -> None:
    results = {("emberfall", "storm"): {**ok(logins_per_s=20.0, all_in_s=25.0),
                                        "params": {"players": 500}},
               ("evennia", "storm"): {**ok(logins_per_s=2.0, all_in_s=50.0),
                                      "params": {"players": 100}}}
    text = report.render(INFO, TARGETS[:2], ["storm"], results, [], "complete")
    assert "| logins/s | 20.0 | 2.0 | 10.0\u00d7 better |" in text
    assert "| time until all are in game, s | 25.0 | 50.0 | \u2013 (other size) |" in text


def end_leftovers(directory: Path) -> list[int]:
    """SIGKILL what this test's bench left running under its own tmp dir (only when the
    fix is broken), so that a failing test does not leave servers loading the machine."""
    left = servers_under(directory)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


@contextlib.contextmanager
def bench_process(argv: list[str], work: Path,
                  **popen: Any) -> Iterator[tuple[subprocess.Popen, int]]:
    """Run ``argv`` (a bench process) from the checkout; yield it and the pid of the one
    server it started under ``work``, once there is one (60 s at most). Whatever happens,
    what is left running under ``work`` is killed, and the process too."""
    proc = subprocess.Popen(argv, cwd=ROOT, **popen)
    try:
        deadline = time.monotonic() + 60
        while not servers_under(work):
            assert proc.poll() is None and time.monotonic() < deadline, "no server started"
            time.sleep(0.05)
        (server,) = servers_under(work)
        yield proc, server
    finally:
        end_leftovers(work)
        if proc.poll() is None:
            proc.kill()


def gone(pid: int) -> bool:
    """The process ``pid`` has ended (or is a zombie nobody reaped yet)."""
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" in status.read_text()


def servers_under(directory: Path) -> list[int]:
    """Processes whose working directory is under `directory` (the bench's servers run in
    their work dirs there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = (entry / "cwd").resolve()
            state = (entry / "status").read_text()
        except OSError:
            continue
        if "zombie" not in state and str(cwd).startswith(str(directory.resolve())):
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_runner_stops_its_server_and_marks_the_document(
        tmp_path: Path, signum: int) -> None:
    """Ctrl-C (SIGINT) or a CI cancel (SIGTERM) while a server runs, with nobody reading
    the runner's output any more: the server is stopped, the runner exits non-zero and the
    document says INTERRUPTED (it used to stay "running" with the server left for good)."""
    out, cache = tmp_path / "capacity.md", tmp_path / "cache"
    with bench_process([sys.executable, "-m", "bench.capacity", "--targets", "echo",
                        "--workloads", "crowd50", "--out", str(out), "--cache", str(cache)],
                       cache / "work", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE) as (runner, server):
        runner.stdout.close()  # the terminal / CI log reader is gone: EPIPE from here on
        runner.stderr.close()
        runner.send_signal(signum)
        status = runner.wait(90)
        left = end_leftovers(cache / "work")
    assert not left, "a server outlived the interrupted bench"
    assert status == 128 + signum
    assert gone(server)
    text = out.read_text()
    assert "**Status: PARTIAL" in text and f"INTERRUPTED by {signal.Signals(signum).name}" \
        in text, text[:600]
    assert "interrupted by" in text and "its server was stopped" in text


def test_a_quick_run_goes_elsewhere_and_says_quick_with_the_exact_commands(
        tmp_path: Path) -> None:
    """--quick writes <cache>/capacity-quick.md (not docs/capacity.md) and its status and
    headings say QUICK; the commands shown are the ones run: this interpreter, the real
    --cache, the set-up commands."""
    cache = tmp_path / "cache"
    done = subprocess.run(
        [sys.executable, "-m", "bench.capacity", "--targets", "echo", "--workloads",
         "startup", "--quick", "--cache", str(cache)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = (cache / "capacity-quick.md").read_text()
    assert "**Status: QUICK" in text and "**Status: complete**" not in text
    assert "## Start-up time (QUICK" in text
    python = str(Path(sys.executable).relative_to(ROOT)) if Path(
        sys.executable).is_relative_to(ROOT) else sys.executable
    assert (f"{python} -m bench.capacity.run_one --target echo --setup --cache {cache} "
            f"--json {cache}/results/echo-setup.json") in text
    assert f"--json {cache}/results/echo-startup.json" in text
    assert ".bench/results" not in text


def test_past_the_deadline_the_rest_is_marked_not_run_loudly(tmp_path: Path) -> None:
    out = tmp_path / "capacity.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.capacity", "--targets", "echo", "--workloads",
         "startup,memory", "--quick", "--out", str(out), "--cache", str(tmp_path / "c"),
         "--deadline", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "NOT RUN: echo / startup: past the 0-minute deadline" in done.stderr
    text = out.read_text()
    assert "INCOMPLETE: 2 not run: past the 0-minute deadline" in text
    assert "**bare Twisted echo not run**: not run: past the run's 0-minute deadline" in text
    assert "## How long each part took" in text and "| echo set-up |" in text


def test_no_ratio_against_a_noise_level_figure_and_worse_like_better() -> None:
    assert report.ratio("rss_growth_mib", 2.2, 0.0039) == "\u2013 (noise level)"
    assert report.ratio("rss_growth_mib", 266.0, 1.0) == "266\u00d7 worse"
    assert report.ratio("commands_per_s", 1.0, 150.0) == "150\u00d7 worse"
    assert report.ratio("commands_per_s", 1.0, 2.0) == "2.0\u00d7 worse"
    assert report.ratio("answered_per_s", 19.49, 19.5) == "1.0\u00d7 (the same)"


def test_every_stalled_and_open_loop_figure_is_labelled_with_its_grace() -> None:
    results = {("emberfall", "stalled"): ok(rss_peak_growth_mib=2.17, rss_growth_mib=2.2),
               ("emberfall", "openloop"): {**ok(unanswered=0, grace_s=3.0),
                                           "params": {"players": 3, "grace": 3.0}}}
    text = report.render(INFO, TARGETS[:1], ["stalled", "openloop"], results, [], "complete")
    assert "| server RSS peak over the start, MiB | 2.2 |" in text
    assert "rss_peak_growth_mib" not in text
    assert "| says not answered within 3 s after the window | 0 |" in text


def test_commit_says_dirty_and_what_changed(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       cwd=tmp_path, check=True, capture_output=True)
    git("init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git("add", "a.py")
    git("commit", "-q", "-m", "a")
    clean = report.commit(tmp_path)
    assert clean and "dirty" not in clean
    (tmp_path / "a.py").write_text("x = 2\n")
    assert report.commit(tmp_path) == f"{clean}-dirty (local edits to a.py)"


def test_failure_keeps_the_whole_reason_without_a_doubled_setup() -> None:
    from bench.capacity.__main__ import summary
    pip = ("Evennia: pip install evennia==5.0.1 failed (exit 1):\n"
           "WARNING: Location 'file:///opt/pypi/simple/evennia/' is ignored\n"
           "ERROR: Could not find a version that satisfies the requirement evennia==5.0.1\n"
           "ERROR: No matching distribution found for evennia==5.0.1")
    line = summary(pip)
    assert line.startswith("Evennia: pip install evennia==5.0.1 failed (exit 1): | ")
    assert line.endswith("ERROR: No matching distribution found for evennia==5.0.1")
    targets = [{**TARGETS[1], "setup_error": pip, "setup_s": None}]
    text = report.render(INFO, targets, ["crowd50"],
                         {("evennia", "crowd50"): {"ok": False, "error": "not run: its "
                                                   "set-up failed (see FAILED ... / setup)"}},
                         [], "INCOMPLETE")
    assert "**Setup failed**: Evennia: pip install evennia==5.0.1 failed (exit 1):" in text
    assert "    ERROR: No matching distribution found for evennia==5.0.1" in text
    assert "setup: setup" not in text and "setup failed: setup" not in text


def test_a_server_in_its_own_venv_reports_its_own_twisted_and_django(tmp_path: Path) -> None:
    import twisted
    from bench.capacity.run_one import own_stack, setup_state
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    python = tmp_path / "venv" / "bin" / "python"  # stands for Evennia's venv: ours
    python.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    python.chmod(0o755)

    class Fake(Target):
        home = tmp_path
    stack = own_stack(Fake())
    assert stack is not None and stack.startswith(f"Twisted {twisted.__version__}, Django ")
    assert own_stack(EchoTarget()) is None
    assert setup_state("evennia", "5.0.1", tmp_path) == "cold"
    (tmp_path / "evennia-5.0.1" / "template").mkdir(parents=True)
    (tmp_path / "evennia-5.0.1" / "template" / "ready").write_text("")
    assert setup_state("evennia", "5.0.1", tmp_path) == "cached"
    text = report.render(INFO, [{**TARGETS[1], "stack": stack, "setup_state": "cached"}],
                         [], {}, [], "complete")
    assert f"| Evennia 5.0.1 | 5.0.1 (its own venv: {stack}) |" in text
    assert "Set-up in this run: cached, 2.0 s." in text


def test_run_one_whose_reader_is_gone_still_stops_its_server(tmp_path: Path) -> None:
    """The runner killed outright (SIGKILL: it cannot pass anything on): run_one's progress
    lines then meet a dead pipe (EPIPE), which used to fail it before its server's stop and
    leave the server running on a deleted work dir."""
    cache, result = tmp_path / "cache", tmp_path / "echo.json"
    with bench_process([sys.executable, "-m", "bench.capacity.run_one", "--target", "echo",
                        "--workload", "crowd50", "--quick", "--cache", str(cache), "--json",
                        str(result)], cache / "work", stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE) as (one, server):
        one.stderr.close()
        status = one.wait(90)
        left = end_leftovers(cache / "work")
    assert not left, "its server outlived it"
    assert gone(server)
    assert status == 0 and json.loads(result.read_text())["ok"]


def test_a_run_past_its_time_fails_with_the_servers_log_tail(tmp_path: Path) -> None:
    """A timeout's FAILED line and the document carry the last lines of the server's log
    (what it was doing), not only "timed out at workload"."""
    out = tmp_path / "capacity.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.capacity", "--targets", "emberfall", "--workloads",
         "crowd50", "--out", str(out), "--cache", str(tmp_path / "cache"), "--timeout", "8"],
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 1
    line = next(x for x in done.stderr.splitlines() if x.startswith("FAILED: emberfall"))
    assert "timed out after 8 s, at " in line and "the server's log ends:" in line, line
    text = out.read_text()
    block = text[text.index("**Emberfall"):]
    assert "the server's log ends:" in block and "\n    " in block, block[:800]


def test_interrupted_during_a_set_up_says_so(tmp_path: Path, monkeypatch) -> None:
    from bench.capacity import __main__ as runner

    def interrupted(argv: list[str], out: Path, timeout: float) -> dict:
        raise runner.Interrupted(signal.SIGINT)
    monkeypatch.setattr(runner, "run_one", interrupted)
    out = tmp_path / "capacity.md"
    status = runner.main(["--targets", "echo", "--workloads", "startup", "--out", str(out),
                          "--cache", str(tmp_path / "cache")])
    assert status == 128 + signal.SIGINT
    text = out.read_text()
    assert "INTERRUPTED by SIGINT" in text and "interrupted by SIGINT during its set-up" in text
    assert signal.getsignal(signal.SIGINT) is not runner.on_signal  # handlers given back


def test_a_run_that_fails_once_is_run_again_and_the_doc_says_so(tmp_path: Path,
                                                                 monkeypatch) -> None:
    from bench.capacity import __main__ as runner
    tries: list[list[str]] = []

    def flaky(argv: list[str], out: Path, timeout: float) -> dict:
        if "--setup" in argv:
            return {"ok": True, "label": "echo", "version": "1"}
        tries.append(argv)
        if len(tries) == 1:
            return {"ok": False, "error": "workload: Server restarted.\nmore"}
        return {"ok": True, "figures": {"listening_s": 0.25}}
    monkeypatch.setattr(runner, "run_one", flaky)
    out = tmp_path / "capacity.md"
    status = runner.main(["--targets", "echo", "--workloads", "startup", "--out", str(out),
                          "--cache", str(tmp_path / "cache")])
    assert status == 0 and len(tries) == 2
    text = out.read_text()
    assert "the first try failed (workload: Server restarted." in text and "0.25" in text
    # --retries 0: a failure stands.
    tries.clear()
    status = runner.main(["--targets", "echo", "--workloads", "startup", "--out", str(out),
                          "--cache", str(tmp_path / "cache"), "--retries", "0"])
    assert status == 1 and len(tries) == 1 and "**failed**" in out.read_text()


def test_a_run_is_tried_at_most_three_times_and_the_doc_says_each_failure(
        tmp_path: Path, monkeypatch) -> None:
    from bench.capacity import __main__ as runner
    tries: list[list[str]] = []
    good_at = [3]

    def flaky(argv: list[str], out: Path, timeout: float) -> dict:
        if "--setup" in argv:
            return {"ok": True, "label": "echo", "version": "1"}
        tries.append(argv)
        if len(tries) < good_at[0]:
            return {"ok": False, "error": f"workload: the server stopped answering ({len(tries)})"}
        return {"ok": True, "figures": {"listening_s": 0.25}}
    monkeypatch.setattr(runner, "run_one", flaky)
    out = tmp_path / "capacity.md"
    argv = ["--targets", "echo", "--workloads", "startup", "--out", str(out),
            "--cache", str(tmp_path / "cache")]
    assert runner.main(argv) == 0 and len(tries) == 3
    text = out.read_text()
    assert ("the first 2 tries failed (workload: the server stopped answering (1); "
            "workload: the server stopped answering (2)); these figures are the third's") \
        in text and "0.25" in text
    # Failing every try: a failure, with every earlier reason.
    tries.clear()
    good_at[0] = 99
    assert runner.main(argv) == 1 and len(tries) == 3
    text = out.read_text()
    assert "**failed**" in text and "it failed all 3 tries (before: workload: the server " \
        "stopped answering (1); workload: the server stopped answering (2))" in text
    # --retries 1: two tries at most.
    tries.clear()
    assert runner.main([*argv, "--retries", "1"]) == 1 and len(tries) == 2
