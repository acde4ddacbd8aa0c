"""A private PostgreSQL cluster for tests: initdb'd in a temporary directory under /tmp,
listening on a free loopback port, stopped (and removed) at the end of the session.

PostgreSQL refuses to run as root; as root the cluster is made and run as the ``postgres``
user Debian's package creates (``runuser -u postgres --``), in a directory it owns. initdb
takes seconds, so one cluster serves the whole session (``postgres_cluster``) and each test
gets a fresh database in it (``pg_url``), dropped after the test. A test may stop and start
the cluster (the same port and data) to see how the server copes with PostgreSQL going
away; ``pg_url`` starts it again if a test left it stopped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator

import pytest

# The user tests connect as (initdb's superuser; trust authentication on loopback only).
USER = "postgres"


def bin_dir() -> str | None:
    """Debian keeps PostgreSQL's programs off PATH, in /usr/lib/postgresql/<version>/bin:
    the newest found there, else the one on PATH, else None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """One private cluster: ``start()``, ``stop()``, ``start()`` again on the same port."""

    def __init__(self) -> None:
        found = bin_dir()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (make test installs Debian's "
                               "postgresql package)")
        self.bin = found
        self.port = free_port()
        self.root = tempfile.mkdtemp(prefix="emberfall-pg-", dir="/tmp")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "server.log")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            # The cluster's files must belong to the user that runs it.
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", self.data, "-U", USER, "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")

    def _run(self, program: str, *args: str, check: bool = True
             ) -> subprocess.CompletedProcess[str]:
        command = [os.path.join(self.bin, program), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check,
                              cwd=self.root, timeout=120)

    @property
    def running(self) -> bool:
        return self._run("pg_ctl", "-D", self.data, "status", check=False).returncode == 0

    def start(self) -> None:
        # Loopback TCP only, its socket in its own directory. No flushes to disk (tests),
        # but commits still reach the WAL before they return, so a crash (an immediate
        # stop) keeps what was committed, as a real server's would.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c fsync=off -c full_page_writes=off")
        done = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w",
                         "-t", "60", "start", check=False)
        if done.returncode:
            with open(self.log, encoding="utf-8", errors="replace") as handle:
                tail = handle.read()[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {done.stdout}{done.stderr}{tail}")

    def stop(self, mode: str = "fast") -> None:
        """Stop it (fast: connections are ended at once, as an admin's restart does;
        immediate: as a crash)."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:16]
        self.admin(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            if self.running:
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    try:
        cluster = PostgresCluster()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def pg_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """The URL of a new, empty database of the session's cluster (dropped afterwards)."""
    if not postgres_cluster.running:
        postgres_cluster.start()
    name = postgres_cluster.create_database()
    yield postgres_cluster.url(name)
    if not postgres_cluster.running:
        postgres_cluster.start()
    postgres_cluster.drop_database(name)
