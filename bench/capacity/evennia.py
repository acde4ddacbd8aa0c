"""Evennia 5.0.1 from PyPI as a `make bench` target (the Target interface in targets.py).

Evennia is only driven, never copied or imported here: it lives in its own virtual
environment under the bench cache (`<cache>/evennia-5.0.1/venv`, `python3 -m venv` then
`pip install evennia==5.0.1`, reused when the version is right). `setup` also makes one
template game dir there once: `evennia --init`, settings.py, `evennia migrate`, and one start
and stop (the first start of a new database makes the superuser and Limbo, then restarts its
server). Each `start` copies the template (a fresh SQLite database per run), writes settings.py
with free loopback ports and every throttle that would cut a benchmark short raised
(THROTTLES; `notes()` lists them), and runs `evennia start` (portal + server, two twistd
processes) pinned to one core. The spread rooms and any seeded accounts are made in `evennia
shell` through Evennia's own API (SEED) on a copy of the template that is kept in the cache
under a hash of what it holds, so only the first run with those accounts pays for them.
Spread room i is reached from Limbo, where every character starts, by the exit `r<i>`.

A smoke run of this target alone: `.venv/bin/python -m bench.capacity.evennia_smoke`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.capacity.evennia_settings import CHEAP_HASHERS, SEED, SETTINGS, STARTED_HOOK, THROTTLES
from bench.capacity.targets import BenchFailed, Step, Target, free_port, pin, tail, wait_for_port

VERSION = "5.0.1"
HOST = "127.0.0.1"
ADMIN = ("benchadmin", "benchadmin-pass-1")  # account #1; Evennia's first start requires one
START_TIMEOUT = 300.0  # first start: initial setup plus the seeded accounts

class EvenniaTarget(Target):
    """Evennia 5.0.1 (portal + server) in its own venv, throttles raised."""

    key = "evennia"
    label = f"Evennia {VERSION}"
    echo = b'You say, "'
    heard = b' says, "'

    def __init__(self) -> None:
        self.home: Path | None = None  # <cache>/evennia-5.0.1
        self.game: Path | None = None
        self._pids: list[int] = []
        self._seed: dict | None = None
        self.timings: dict[str, float] = {}  # step -> seconds, for the report and notes
        # The game's logs read so far (bytes, by log), and the lines of them that held one
        # of TROUBLE_MARKS: broken() is asked every second, so each read takes what is new.
        self._log_read: dict[str, int] = {}
        self._log_noted: list[str] = []

    # -- setup ------------------------------------------------------------------------------

    def version(self) -> str:
        return VERSION

    def _bin(self, program: str) -> Path:
        assert self.home is not None
        return self.home / "venv" / "bin" / program

    def _run(self, args: list[str], cwd: Path, what: str, timeout: float = 600.0,
             env: dict[str, str] | None = None, cpu: int | None = None) -> str:
        """Run an Evennia command to completion; BenchFailed with its output if it fails."""
        affinity = None
        if cpu is not None and hasattr(os, "sched_setaffinity") \
                and cpu in os.sched_getaffinity(0):
            # the launcher's children (portal, then server) inherit the pinning
            def affinity() -> None:
                os.sched_setaffinity(0, {cpu})
        try:
            done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                                  env=env or self._env(), preexec_fn=affinity)
        except subprocess.TimeoutExpired as error:
            raise BenchFailed(f"Evennia: {what} took over {timeout:.0f} s: "
                              f"{(error.stdout or '')[-2000:]}") from error
        except OSError as error:
            raise BenchFailed(f"Evennia: {what} could not run {args[0]}: {error}") from error
        if done.returncode != 0:
            raise BenchFailed(f"Evennia: {what} failed (exit {done.returncode}):\n"
                              f"{(done.stdout + done.stderr)[-3000:]}")
        return done.stdout

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{self._bin('python').parent}{os.pathsep}{env.get('PATH', '')}"
        for leak in ("PYTHONPATH", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE"):
            env.pop(leak, None)  # our own venv's must not reach Evennia's
        env["EVENNIA_SUPERUSER_USERNAME"], env["EVENNIA_SUPERUSER_PASSWORD"] = ADMIN
        env["EVENNIA_SUPERUSER_EMAIL"] = ""
        return env

    def _installed(self) -> bool:
        python = self._bin("python")
        if not python.exists():
            return False
        check = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('evennia'))"],
            capture_output=True, text=True)
        return check.returncode == 0 and check.stdout.strip() == VERSION

    def setup(self, cache: Path) -> None:
        """Venv with evennia==5.0.1 and a migrated template game dir, both reused."""
        self.home = Path(cache).resolve() / f"evennia-{VERSION}"
        self.home.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        if not self._installed():
            shutil.rmtree(self.home / "venv", ignore_errors=True)
            shutil.rmtree(self.home / "template", ignore_errors=True)
            # Evennia 5 needs Python >= 3.11; the bench's own interpreter is what we have
            self._run([sys.executable, "-m", "venv", str(self.home / "venv")], self.home,
                      "python -m venv")
            self._run([str(self._bin("pip")), "install", "--quiet", "--disable-pip-version-check",
                       f"evennia=={VERSION}"], self.home, f"pip install evennia=={VERSION}")
            if not self._installed():
                raise BenchFailed(f"Evennia: pip installed something other than {VERSION}")
        self.timings["install"] = time.monotonic() - began
        template = self.home / "template"
        if not (template / "ready").exists():
            self._make_template(template)

    def _make_template(self, template: Path) -> None:
        """`evennia --init`, `evennia migrate`, then one start and stop: the first start of
        a new database creates the superuser (from EVENNIA_SUPERUSER_* in the environment)
        and Limbo and restarts its server once; every run then starts a copy the way an
        existing game starts."""
        shutil.rmtree(template, ignore_errors=True)
        template.mkdir()
        began = time.monotonic()
        self._run([str(self._bin("evennia")), "--init", "game"], template, "evennia --init")
        self.timings["init"] = time.monotonic() - began
        self.game = game = template / "game"
        self._write_settings(game, _free_ports(), cheap=False)
        (game / "server" / "conf" / "at_server_startstop.py").write_text(STARTED_HOOK)
        began = time.monotonic()
        self._run([str(self._bin("evennia")), "migrate"], game, "evennia migrate")
        self.timings["migrate"] = time.monotonic() - began
        began = time.monotonic()
        try:
            self._run([str(self._bin("evennia")), "start"], game, "evennia start (first)",
                      timeout=START_TIMEOUT)
            self._pids = self._read_pids()
            self._wait_started(2, time.monotonic() + START_TIMEOUT, "its first start")
        finally:
            self.stop()
        self.timings["first start"] = time.monotonic() - began
        for leftover in ("bench_started", "server.pid", "portal.pid"):
            (game / "server" / leftover).unlink(missing_ok=True)
        shutil.rmtree(game / "server" / "logs", ignore_errors=True)
        (template / "ready").write_text(VERSION)
        self.game = None

    def _wait_started(self, starts: int, deadline: float, what: str) -> None:
        """Until `starts` server processes have reported at_server_start."""
        started = self.game / "server" / "bench_started"
        while True:
            with contextlib.suppress(OSError):
                if len(started.read_text().split()) >= starts:
                    return
            if time.monotonic() > deadline or not self._alive():
                self.stop()
                raise BenchFailed(f"Evennia: the server did not finish {what}:\n"
                                  f"{self._log_tail()}")
            time.sleep(0.05)

    def _write_settings(self, game: Path, ports: dict[str, int], cheap: bool) -> None:
        throttles = "\n".join(f"{name} = {value}" for name, value, _, _ in THROTTLES)
        text = SETTINGS.format(throttles=throttles, hashers=CHEAP_HASHERS if cheap else "",
                               **ports)
        (game / "server" / "conf" / "settings.py").write_text(text)

    # -- accounts made before start ---------------------------------------------------------

    def seed_accounts(self, work: Path, names: list[str], password: str,
                      real_hash: bool) -> bool:
        """Made by `start` before the server runs, in `evennia shell`, through Evennia's own
        Account.create (so each gets its character in Limbo). One password hash is made and
        stored in all of them (the same password): with real_hash it is Django's default
        PBKDF2 (what a login then verifies), otherwise MD5 and the server prefers MD5."""
        self._seed = {"names": list(names), "password": password, "real_hash": real_hash}
        return True

    # -- start / stop -----------------------------------------------------------------------

    def start(self, work: Path, cpu: int | None, rooms: int) -> tuple[str, int]:
        if self.home is None:
            raise BenchFailed("Evennia: start before setup")
        work = Path(work).resolve()
        seed = self._seed or {"names": [], "password": "", "real_hash": True}
        self._seed = None  # for this start only
        source = self.home / "template" / "game"
        if rooms or seed["names"]:
            source = self._seeded(rooms, seed)
        self.game = work / "evennia-game"
        self._log_read, self._log_noted = {}, []
        began = time.monotonic()
        shutil.rmtree(self.game, ignore_errors=True)
        shutil.copytree(source, self.game, ignore=shutil.ignore_patterns("__pycache__"))
        (self.game / "server" / "logs").mkdir(exist_ok=True)
        ports = _free_ports()
        self._write_settings(self.game, ports, cheap=not seed["real_hash"])
        self.timings["copy"] = time.monotonic() - began

        began = time.monotonic()
        self._run([str(self._bin("evennia")), "start"], self.game, "evennia start",
                  timeout=START_TIMEOUT, cpu=cpu)
        self._pids = self._read_pids()
        self.timings["launcher"] = time.monotonic() - began
        self._wait_started(1, time.monotonic() + START_TIMEOUT, "starting")
        self._pids = self._read_pids()
        for pid in self._pids:
            pin(pid, cpu)  # inherited from the launcher already; made sure of
        if not wait_for_port(HOST, ports["telnet"], 60.0, self._alive):
            self.stop()
            raise BenchFailed(f"Evennia: telnet port {ports['telnet']} never accepted:\n"
                              f"{self._log_tail()}")
        self.timings["start"] = time.monotonic() - began
        return HOST, ports["telnet"]

    def _seeded(self, rooms: int, seed: dict) -> Path:
        """A copy of the template with the spread rooms and the seeded accounts, made in
        `evennia shell` (Evennia's own API, server not running) and kept in the cache under
        a hash of the plan: Account.create costs Evennia tens of ms per account (1,000 take
        over a minute), so only the first `make bench` pays it."""
        plan = {"rooms": rooms, "names": seed["names"], "password": seed["password"],
                "real_hash": seed["real_hash"]}
        key = hashlib.sha256(json.dumps(plan).encode()).hexdigest()[:16]
        home = self.home / "seeded" / key
        if (home / "ready").exists():
            self.timings["seed cached"] = 1
            return home / "game"
        began = time.monotonic()
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        game = home / "game"
        shutil.copytree(self.home / "template" / "game", game,
                        ignore=shutil.ignore_patterns("__pycache__"))
        (game / "server" / "logs").mkdir(exist_ok=True)
        self._write_settings(game, _free_ports(), cheap=not seed["real_hash"])
        conf = game / "server" / "conf"
        (conf / "bench_seed.py").write_text(SEED)
        (conf / "bench_plan.json").write_text(json.dumps(plan))
        self._run([str(self._bin("evennia")), "shell", "-c",
                   "import runpy; runpy.run_path('server/conf/bench_seed.py')"],
                  game, "evennia shell (rooms, accounts)", timeout=START_TIMEOUT)
        done = json.loads((game / "server" / "bench_seeded.json").read_text())
        shutil.rmtree(game / "server" / "logs", ignore_errors=True)
        self.timings["seed shell"] = time.monotonic() - began
        self.timings["seed rooms"] = done["rooms_s"]
        self.timings["seed accounts"] = done["accounts_s"]
        self.timings["seeded"] = len(seed["names"])
        (home / "ready").write_text(key)
        return game

    def _read_pids(self) -> list[int]:
        found = []
        for which in ("portal", "server"):
            with contextlib.suppress(OSError, ValueError):
                found.append(int((self.game / "server" / f"{which}.pid").read_text().strip()))
        return found

    def _alive(self) -> bool:
        return any(_running(pid) for pid in self._pids) if self._pids else True

    def _log_tail(self) -> str:
        logs = self.game / "server" / "logs" if self.game else Path(".")
        return "\n".join(f"--- {name}\n{tail(logs / name)}"
                         for name in ("portal.log", "server.log"))

    def troubles(self) -> str:
        """The last lines of its portal's and server's logs that say something broke: the
        AMP link between them dropped ("HTTP received ..."), a restart, a traceback."""
        return self._logged(TROUBLE_MARKS)

    def broken(self) -> str:
        """Its server dropped the AMP link to the portal: players' input no longer reaches
        the game (in testing nothing came back after it; see notes)."""
        return self._logged(BROKEN_MARKS)

    def _logged(self, marks: tuple[str, ...]) -> str:
        """The last four lines of the portal's and server's logs holding one of ``marks``
        (a subset of TROUBLE_MARKS)."""
        if self.game is None:
            return ""
        for log in ("portal.log", "server.log"):
            start = self._log_read.get(log, 0)
            try:
                with (self.game / "server" / "logs" / log).open("rb") as file:
                    file.seek(start)
                    data = file.read()
            except OSError:
                continue  # not written yet
            whole = data.rfind(b"\n") + 1  # a line still being written is read next time
            self._log_read[log] = start + whole
            for line in data[:whole].decode(errors="replace").splitlines():
                if any(mark in line.lower() for mark in TROUBLE_MARKS):
                    self._log_noted.append(f"{log}: {line.strip()[:160]}")
        found = [line for line in self._log_noted if any(m in line.lower() for m in marks)]
        return " | ".join(found[-4:])

    def _launched(self, pid: int) -> bool:
        """Whether `pid` is still a process of this game dir (its twistd command line names
        the game's pid file), not some later process that reused the number."""
        try:
            return str(self.game).encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    def pids(self) -> list[int]:
        # the server's pid file is rewritten if the portal ever restarts it
        current = self._read_pids() if self.game else []
        return current or list(self._pids)

    def stop(self) -> None:
        """`evennia stop`, then SIGKILL whatever of our two processes is left."""
        if self.game is None:
            return
        began = time.monotonic()
        ours = set(self._pids) | set(self._read_pids())
        if any(_running(pid) for pid in ours):
            with contextlib.suppress(subprocess.TimeoutExpired):
                subprocess.run([str(self._bin("evennia")), "stop"], cwd=self.game,
                               env=self._env(), capture_output=True, timeout=30)
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in ours) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in ours:
            if _running(pid) and self._launched(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._pids = []
        self.timings["stop"] = time.monotonic() - began

    # -- what players type ------------------------------------------------------------------

    def create_steps(self, name: str, password: str) -> list[Step]:
        return [(b"", b"connect"),  # the connection screen
                # Evennia asks to confirm the name and password before creating
                (f"create {name} {password}\r\n".encode(), b"[Y]/N?"),
                (b"Y\r\n", b"was created"),
                *self.login_steps(name, password)[1:]]

    def login_steps(self, name: str, password: str) -> list[Step]:
        # "You become <name>." then the look at Limbo, whose exits line ends the login
        return [(b"", b"connect"), (f"connect {name} {password}\r\n".encode(), b"You become")]

    def goto_steps(self, room: int) -> list[Step]:
        # from Limbo, where every character starts; the room's name closes its look
        return [(f"r{room}\r\n".encode(), f"Spread{room:04d}".encode())]

    def say(self, text: str) -> bytes:
        return f"say {text}\r\n".encode()

    def notes(self) -> str:
        rows = "\n".join(f"| `{name}` | {default} | `{value}` | {why} |"
                         for name, value, default, why in THROTTLES)
        return f"""\
Evennia {VERSION} from PyPI in its own virtual environment (`.bench` cache); one game dir made
by `evennia --init`, `evennia migrate` and a first start and stop (superuser and Limbo), then
copied fresh for every run (SQLite, Evennia's default database) and started with `evennia
start` (portal and server: two twistd processes, both pinned to the server core; CPU and RSS
figures add the two). Telnet only, on a free loopback port. Settings changed from Evennia's
defaults so that no throttle cuts a run short:

| setting | Evennia default | bench | why |
| --- | --- | --- | --- |
{rows}

Password hashing is Django's default (PBKDF2-SHA256) wherever logins are measured. Accounts
for the larger workloads are made before the server starts, in `evennia shell`, by Evennia's
own `Account.create` (each with its character in Limbo; the database is cached between runs),
one hash computed once and stored in all of them (the same password); where logins are not
measured, that hash is MD5 and MD5 is the preferred hasher, so logging in costs no PBKDF2.
A new account made over telnet (`create`, then `Y` to Evennia's confirmation, then
`connect`) hashes twice. Spread rooms are made in the same `evennia shell` run, each
reached from Limbo by an exit `r<i>`.

Kept as Evennia ships them: the password cost (Django 5.2's PBKDF2-SHA256 at 1,000,000
iterations, about 0.22 CPU-seconds per login check on this machine, done by the server
process in its own reactor thread), and `DELAY_CMD_LOGINSTART` (the connection screen
comes 0.3 s after connecting, to let telnet negotiation settle). Seen once in testing:
with 1,000 players logging in 100 at a time, Evennia's server dropped its AMP link to the
portal ("HTTP received (the AMP port should not receive http, only AMP!)" in server.log:
its framing check took a TCP read that began inside a message for HTTP) and logins
stopped; the same run again passed. No setting changes that check.
"""


# What, in its logs, says Evennia's portal or server broke (see troubles).
TROUBLE_MARKS = ("http received", "server disconnected", "restart", "traceback", "error")
# What says its server lost the AMP link to the portal (see broken).
BROKEN_MARKS = ("http received", "server disconnected from the portal")


def _free_ports() -> dict[str, int]:
    return {"telnet": free_port(), "amp": free_port(), "web": free_port(),
            "web_internal": free_port(), "websocket": free_port()}


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
