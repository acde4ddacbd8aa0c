"""A data directory that stops taking writes, under a real twistd: saves fail loudly, the
game goes on, and everything is written once the directory is writable again.

The directory and its files are made immutable (``chattr +i``), which stops writes even by
root and even through files SQLite already has open, much as a filesystem remounted
read-only after an error would.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from twisted.internet.task import Clock

from mud.world_loader import load_world
from tests.e2e.processes import Player, Server, kill_9, saved_room, until
from tests.support import BUNDLED_WORLD


def chattr(flag: str, directory: Path) -> subprocess.CompletedProcess[str]:
    paths = [str(p) for p in sorted(directory.iterdir())] + [str(directory)]
    return subprocess.run(["chattr", flag, *paths], capture_output=True, text=True)


def test_saves_into_a_read_only_data_directory_fail_loudly_and_recover(tmp_path, servers):
    data = tmp_path / "var"
    args = ["mud", "--telnet", "tcp:0:interface=127.0.0.1", "--data", str(data),
            "--autosave", "1"]
    server = Server(args, tmp_path)
    servers.append(server)
    player = Player(server.port())
    player.ask("create Kit secret1", "Village Square")
    player.ask("n", "High Street")
    until(lambda: saved_room(data, "kit") == "village:high_street", what="the first autosave")

    frozen = chattr("+i", data)
    if frozen.returncode != 0:
        pytest.skip(f"cannot make the data directory read-only here: {frozen.stderr.strip()}")
    try:
        player.ask("n", "[Exits:")
        until(lambda: server.output().count("SAVE FAILED") >= 2, what="two failed autosaves")
        # The game goes on meanwhile, for those playing and for newcomers.
        player.ask("say still here", "You say")
        other = Player(server.port())
        other.ask("create Ada secret1", "cannot write to its storage just now")
        assert saved_room(data, "kit") == "village:high_street"
        assert server.proc.poll() is None
    finally:
        chattr("-i", data)

    until(lambda: "Saving works again" in server.output(), what="a save after recovery")
    log = server.output()
    assert "SAVE FAILED (attempt 1): " in log and "disk I/O error" in log
    assert "Traceback" not in log  # a failing disk is news for the admin, not a bug
    other.ask("create Ada secret1", "Village Square")  # accounts can be made again
    room = saved_room(data, "kit")
    assert room not in (None, "village:high_street")
    # Nothing half-written: kill the server and start it again on the same data.
    kill_9(server, data)
    again = Server(args, tmp_path)
    servers.append(again)
    player = Player(again.port())
    player.wait_for("What name do you go by?")
    out = player.ask("connect kit secret1", "[Exits:")
    assert load_world(BUNDLED_WORLD, Clock()).rooms[room].name in out
