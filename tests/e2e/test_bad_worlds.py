"""A real twistd started on a broken world: every fault on its own "mud: file:line: ..." line,
no traceback, a non-zero exit; and a world folder left out of areas: is a logged warning."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from tests.e2e.processes import CLEAN_EXIT, Player, Server
from tests.support import BUNDLED_WORLD, ROOT


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` holding ``text``."""
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def broken_world(tmp_path: Path) -> tuple[Path, list[str]]:
    """The bundled world with four kinds of fault; and the lines start-up must print."""
    world = tmp_path / "world"
    shutil.copytree(BUNDLED_WORLD, world)
    rooms, items = world / "village" / "rooms.yaml", world / "village" / "items.yaml"
    # A number for a name; an empty folded description (the fountain's text taken out).
    edit(rooms, "  name: Village Square\n", "  name: 42\n")
    fountain = items.read_text().split("  fixed: true", 1)[0]
    edit(items, fountain, fountain.split("    A round basin", 1)[0])
    # A tab in the mine's indentation.
    mine = world / "mine" / "rooms.yaml"
    edit(mine, "\n  name: ", "\n\tname: ")
    tab_line = line_of(mine, "\tname: ")
    # The woods folder left out of areas: the gatehouse's gate leads into it.
    edit(world / "world.yaml", "areas: [village, woods, mine]", "areas: [village, mine]")
    expected = [
        f"mud: world/village/items.yaml:{line_of(items, 'description: >')}: item "
        "\"village:fountain\": 'description' is empty: write the text after 'description:' "
        "(a long text: 'description: >' with the text on the lines below, indented)",
        f"mud: world/village/rooms.yaml:{line_of(rooms, 'name: 42')}: room \"village:square\": "
        "'name' must be text, not a number (42): put it in quotes, name: \"42\"",
        f"mud: world/mine/rooms.yaml:{tab_line}:1: a tab in the indentation (line {tab_line}, "
        "column 1); YAML forbids tabs for indentation: indent with spaces instead",
        "area 'woods' exists on disk (world/woods) but is not listed in world.yaml's areas:; "
        "add it there",
    ]
    return world, expected


def start(tmp_path: Path, world: Path, how: str) -> Server:
    if how == "plugin":
        return Server(["mud", "--world", str(world), "--telnet", "tcp:0:interface=127.0.0.1",
                       "--data", str(tmp_path / "var")], tmp_path)
    return Server(["-y", str(ROOT / "mud.tac")], tmp_path,
                  env={"MUD_WORLD": str(world), "MUD_TELNET": "tcp:0:interface=127.0.0.1",
                       "MUD_WEB": "tcp:0:interface=127.0.0.1",
                       "MUD_DATA": str(tmp_path / "var")})


@pytest.mark.parametrize("how", ["plugin", "tac"])
def test_a_broken_world_lists_every_fault_and_exits_non_zero(tmp_path, how):
    world, expected = broken_world(tmp_path)
    server = start(tmp_path, world, how)
    assert server.finish() == 1
    out = server.output()
    assert "Traceback" not in out and "Error" not in out, out
    lines = out.splitlines()
    said = [line for line in lines if line.startswith("mud: ")]
    # Nothing but the faults: no twistd noise around them.
    assert said == lines, out
    for line in expected[:3]:
        assert line in said, out
    unlisted = [line for line in said if expected[3] in line]
    assert unlisted and all(line.startswith("mud: world/") for line in unlisted), out
    assert any('exit "gate" leads to room "woods:edge"' in line for line in unlisted), out
    assert said[-1] == f"mud: ({len(said) - 1} errors in the world; fix them and start again)"
    # Each fault names a file and a line in it.
    for line in said[:-1]:
        assert line.startswith("mud: world/") and ".yaml:" in line, line
        assert line.split(".yaml:", 1)[1].split(":", 1)[0].isdigit(), line


def test_an_area_folder_left_out_of_areas_is_a_warning_and_the_server_runs(tmp_path, servers):
    world = tmp_path / "world"
    shutil.copytree(BUNDLED_WORLD, world)
    (world / "caves").mkdir()
    (world / "caves" / "area.yaml").write_text("name: The Caves\n")
    (world / "caves" / "rooms.yaml").write_text("mouth:\n  name: Cave Mouth\n  description: "
                                                "Dark.\n")
    server = start(tmp_path, world, "plugin")
    servers.append(server)
    Player(server.port()).wait_for("What name do you go by?")
    out = server.output()
    warnings = [line for line in out.splitlines() if "area 'caves' exists on disk" in line]
    assert len(warnings) == 1, out
    assert f"world/world.yaml:{line_of(world / 'world.yaml', 'areas:')}: area 'caves' exists " \
        "on disk (world/caves) but is not listed in world.yaml's areas:, so it is not " \
        "loaded; add it there to load it" in warnings[0]
    server.proc.send_signal(signal.SIGTERM)
    assert server.finish() in CLEAN_EXIT
