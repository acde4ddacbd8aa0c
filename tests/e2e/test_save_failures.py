"""A data directory that stops taking writes, under a real twistd: saves fail loudly, the
game goes on, and everything is written once the directory is writable again.

The directory and its files are made immutable (``chattr +i``), which stops writes even by
root and even through files SQLite already has open, much as a filesystem remounted
read-only after an error would. All but SQLite's shared-memory index (``-shm``): SQLite
maps that file into memory, and a write to a mapped page of an immutable file kills the
process with SIGBUS, which is chattr's doing, not what a full or failing disk does.
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
    paths = [str(p) for p in sorted(directory.iterdir()) if not p.name.endswith("-shm")]
    paths.append(str(directory))
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


def test_with_saves_failing_quit_and_the_stop_tell_the_truth_and_nothing_is_lost(tmp_path,
                                                                                  servers):
    import re
    import signal
    import sys

    from mud.process import UNSAVED
    from tests.support import ROOT

    data = tmp_path / "var"
    args = ["mud", "--telnet", "tcp:0:interface=127.0.0.1", "--data", str(data),
            "--save-grace", "2", "--stop-timeout", "8"]
    server = Server(args, tmp_path)
    servers.append(server)
    player = Player(server.port())
    player.ask("create Kit secret1", "Village Square")
    frozen = chattr("+i", data)
    if frozen.returncode != 0:
        pytest.skip(f"cannot make the data directory read-only here: {frozen.stderr.strip()}")
    try:
        player.ask("n", "High Street")
        out = player.ask("quit", "Farewell")
        assert "could not be saved just now" in out and "Your character is saved" not in out
        again = Player(server.port())
        # Logging back in meanwhile finds the unsaved state.
        again.ask("connect kit secret1", "High Street")
        east = load_world(BUNDLED_WORLD, Clock()).rooms["village:high_street"].exits["east"]
        again.ask("e", east.target.name)
        server.proc.send_signal(signal.SIGTERM)
        out = again.wait_for("The server is going down")
        assert "could not be saved" in out and "Your character is saved" not in out
        assert server.finish(timeout=30) == UNSAVED
        log = server.output()
        # Retried for --save-grace seconds first, once a second.
        assert log.count("SAVE FAILED") >= 3 and "Traceback" not in log
        found = re.search(r"could not be saved are in (\S+\.json)\. .*restore them: (.+)", log)
        assert found, log[-3000:]
        path, command = found.group(1), found.group(2).split()
        # The data directory took nothing: the file went to the working directory.
        assert Path(path).parent == tmp_path and Path(path).stat().st_mode & 0o777 == 0o600
        assert command[1:] == ["-m", "mud.unsaved", path]
    finally:
        chattr("-i", data)

    assert saved_room(data, "kit") == "village:square"
    restored = subprocess.run([sys.executable, *command[1:]], capture_output=True, text=True,
                              cwd=ROOT)
    assert restored.returncode == 0, restored.stderr
    again = Server(args, tmp_path)
    servers.append(again)
    player = Player(again.port())
    player.wait_for("What name do you go by?")
    assert player.ask("connect kit secret1", "[Exits:").count(east.target.name) == 1
    assert saved_room(data, "kit") == east.target.id
