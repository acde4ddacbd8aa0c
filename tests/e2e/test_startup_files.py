"""What a real twistd start-up reads and writes on disk: world files stay inside the world
folder (and errors never print their contents), the data directory and database are private."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from mud.persistence.store import Store
from tests.e2e.processes import Player, Server, log_in, stop_saved, telnet_server
from tests.support import BUNDLED_WORLD

SECRET = "Hunter2 Secret Line: root's password is hunter2\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("target", ["secret", "/etc/passwd"])
def test_a_world_file_linked_to_one_outside_stops_startup_without_showing_it(tmp_path,
                                                                             target):
    if target == "secret":
        outside = tmp_path / "secret.txt"
        outside.write_text(SECRET)
    else:
        outside = Path(target)
        if not outside.is_file():
            pytest.skip("no /etc/passwd here")
    world = tmp_path / "world"
    shutil.copytree(BUNDLED_WORLD, world)
    (world / "village" / "items.yaml").unlink()
    (world / "village" / "items.yaml").symlink_to(outside)
    server = Server(["mud", "--world", str(world), "--telnet", "tcp:0:interface=127.0.0.1",
                     "--data", str(tmp_path / "var")], tmp_path)
    assert server.finish() != 0
    out = server.output()
    errors = [line for line in out.splitlines() if line.startswith("mud: ")]
    assert len(errors) == 1, out
    assert "village/items.yaml: refused: it resolves to a file outside the world folder" in \
        errors[0]
    assert "Traceback" not in out
    first_line = outside.read_text().splitlines()[0]
    for shown in (first_line, first_line.split(":")[0], "hunter2"):
        assert shown not in out, out


def test_the_data_directory_and_database_are_private(tmp_path, servers):
    data = tmp_path / "var"
    server = telnet_server(tmp_path, servers)
    player = log_in(server, "create Zorvath secret1", "Village Square")
    # Zorvath is in the game, so the database, its WAL and shared memory, and secret.key
    # exist.
    names = {"mud.sqlite3", "mud.sqlite3-wal", "mud.sqlite3-shm", "secret.key"}
    assert names <= set(os.listdir(data))
    assert mode(data) == 0o700
    assert {name: mode(data / name) for name in names} == dict.fromkeys(names, 0o600)
    stop_saved(server, player)


def test_loose_permissions_from_an_older_server_are_tightened_at_startup(tmp_path, servers):
    data = tmp_path / "var"
    Store(str(data)).prepare()
    (data / "secret.key").write_bytes(os.urandom(32))
    os.chmod(data, 0o755)
    for name in ("mud.sqlite3", "secret.key"):
        os.chmod(data / name, 0o644)
    server = telnet_server(tmp_path, servers)
    Player(server.port()).wait_for("What name do you go by?")
    assert mode(data) == 0o700
    assert mode(data / "mud.sqlite3") == mode(data / "secret.key") == 0o600
    lines = [line for line in server.output().splitlines() if "tightened permissions" in line]
    assert len(lines) == 1, server.output()
    assert f"{data} 0755 -> 0700" in lines[0] and "mud.sqlite3 0644 -> 0600" in lines[0]
    assert "secret.key 0644 -> 0600" in lines[0]
