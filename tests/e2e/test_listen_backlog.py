"""A real twistd's telnet listener holds a storm of connections while it is busy.

After a restart thousands of players reconnect at once. While the server is stopped (here:
SIGSTOP, as a process busy elsewhere) the kernel queues the connections up to the listen
backlog; past it, connections hang unanswered. The listener now asks for 1,024 when the
endpoint names no backlog (Twisted's default is 50), and every queued player is greeted once
the server runs again."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.e2e.processes import Server, telnet_server, until

CROWD = 300


def accept_queue(port: int) -> tuple[int, int]:
    """(connections waiting to be accepted, backlog) of the listener on ``port``: for a
    listening socket ``ss`` reports them as Recv-Q and Send-Q."""
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                         text=True, check=True).stdout.split()
    return int(out[1]), int(out[2])


def test_a_stopped_server_queues_a_storm_and_greets_it_after(tmp_path: Path,
                                                            servers: list[Server]) -> None:
    server = telnet_server(tmp_path, servers)
    port = server.port()
    assert accept_queue(port) == (0, 1024)
    server.proc.send_signal(signal.SIGSTOP)
    socks = []
    try:
        for i in range(CROWD):
            sock = socket.socket()
            sock.setblocking(False)
            # One loopback address each, as the per-address limits expect of real players.
            sock.bind((f"127.0.11.{1 + i % 250}", 0))
            sock.connect_ex(("127.0.0.1", port))
            socks.append(sock)
        # With Twisted's backlog of 50 the queue stops at 51 and the rest hang in SYN_SENT.
        until(lambda: accept_queue(port)[0] == CROWD, timeout=10,
              what=f"{CROWD} connections queued")
    finally:
        server.proc.send_signal(signal.SIGCONT)
    greeted = [b""] * CROWD
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(b"What name" in g for g in greeted):
        for i, sock in enumerate(socks):
            if b"What name" in greeted[i]:
                continue
            with contextlib.suppress(BlockingIOError):
                greeted[i] += sock.recv(4096)
        time.sleep(0.02)
    missing = [i for i, g in enumerate(greeted) if b"What name" not in g]
    for sock in socks:
        sock.close()
    assert not missing, f"{len(missing)} of {CROWD} queued players never greeted"
