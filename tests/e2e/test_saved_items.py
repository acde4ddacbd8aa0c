"""A real twistd restarted on a save that no longer fits its world: the silver ring a
character carried under its old id (on the magpies' branch, before the nest held it) is
back in his hands, and every row that fits nowhere is named in the log (item id, kind of
place, place) instead of vanishing unsaid."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.processes import log_in, stop_saved, telnet_server

ROWS = [
    ("woods:canopy/woods:ring#1", "char", "rowan"),
    ("village:square/village:unicorn#1", "room", "village:square"),
    ("village:market/village:apple#1", "room", "village:atlantis"),
]


def test_an_old_ring_comes_back_and_what_fits_nowhere_is_logged(tmp_path: Path, servers):
    data = tmp_path / "var"
    server = telnet_server(tmp_path, servers, data=data)
    player = log_in(server, "create Rowan secret1", "Village Square")
    stop_saved(server, player)
    # As a save from before the ring moved into the nest would have it, plus rows for an
    # item whose template is gone and a room that is gone.
    with sqlite3.connect(data / "mud.sqlite3") as db:
        db.executemany("INSERT OR REPLACE INTO item_places VALUES (?, ?, ?)", ROWS)
    db.close()

    server = telnet_server(tmp_path, servers, data=data)
    player = log_in(server, "connect Rowan secret1", "Village Square")
    player.ask("inventory", "a silver ring")
    out = server.output()
    assert "saved item village:square/village:unicorn#1 (in room village:square) no " \
        "longer fits the world" in out, out
    assert "saved item village:market/village:apple#1 (in room village:atlantis) no " \
        "longer fits the world" in out, out
    assert out.count("no longer fits the world") == 2, out
    # The market's first apple is where the world puts it: not taken away by the bad row.
    player.ask("east", "red apples")
    stop_saved(server, player)
