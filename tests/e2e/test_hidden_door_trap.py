"""A real twistd on a world whose hidden door is the only way out of the room declaring it
(the barrow's steps up, hidden from below while shut: a reset would shut players in) does
not start: one "mud: file:line: ..." line names the room and the exit, exit status 1."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e.processes import Server
from tests.e2e.test_bad_worlds import edit, line_of
from tests.support import BUNDLED_WORLD

SLAB = "      door: {name: stone slab, closed: true, hidden: true}\n"


def test_a_hidden_door_that_is_the_only_way_out_stops_start_up(tmp_path: Path, servers):
    world = tmp_path / "world"
    shutil.copytree(BUNDLED_WORLD, world)
    rooms = world / "woods" / "rooms.yaml"
    # The slab declared from the barrow's side instead of the stones'.
    edit(rooms, SLAB, "")
    edit(rooms, "  exits:\n    up: stones\n", "  exits:\n    up:\n      to: stones\n" + SLAB)
    server = Server(["mud", "--world", str(world), "--telnet", "tcp:0:interface=127.0.0.1",
                     "--data", str(tmp_path / "var")], tmp_path)
    servers.append(server)
    assert server.finish() == 1
    out = server.output()
    line = line_of(rooms, SLAB.strip())
    assert f'mud: world/woods/rooms.yaml:{line}: room "woods:barrow": exit "up": a hidden ' \
        "door cannot be the only way out of woods:barrow" in out, out
    assert "Traceback" not in out, out
