"""A real twistd started on the bundled world with containers added: the check of contents
loops sees what every file declares (each loop reported in the same start-up, no
traceback), and a long chain of containers holding containers starts."""

from __future__ import annotations

import shutil
from pathlib import Path

from mud.systems.containers import MAX_DEPTH
from tests.e2e.processes import Server
from tests.support import BUNDLED_WORLD


def start(tmp_path: Path, extra_items: str) -> Server:
    world = tmp_path / "world"
    shutil.copytree(BUNDLED_WORLD, world)
    items = world / "village" / "items.yaml"
    items.write_text(items.read_text() + extra_items)
    return Server(["mud", "--world", str(world), "--telnet", "tcp:0:interface=127.0.0.1",
                   "--data", str(tmp_path / "var")], tmp_path)


def box(name: str, contents: str) -> str:
    return (f"{name}:\n  name: a box\n  description: Wooden.\n"
            f"  container: {{contents: [{contents}]}}\n")


def test_every_contents_loop_is_listed_in_one_start_up(tmp_path):
    server = start(tmp_path, box("boxa", "boxb") + box("boxb", "boxa, boxc")
                   + box("boxc", "boxb"))
    assert server.finish() == 1
    out = server.output()
    assert "Traceback" not in out, out
    said = [line for line in out.splitlines() if "inside itself" in line]
    # Before, the second loop (boxc and boxb) only showed once the first was fixed.
    assert len(said) == 2, out
    assert any("village:boxb inside itself (village:boxb holds village:boxa holds "
               "village:boxb)" in line for line in said), out
    assert any("village:boxc inside itself (village:boxc holds village:boxb holds "
               "village:boxc)" in line for line in said), out


def test_a_long_chain_of_containers_holding_containers_is_refused_without_a_traceback(
        tmp_path, servers):
    # Each holds the one before it, 1,500 deep: the loop check walked it by recursion (the
    # start-up died with a RecursionError traceback), and placing it would recurse. Now
    # nesting deeper than MAX_DEPTH is a world error like any other.
    chain = "".join(box(f"crate{i}", f"crate{i - 1}") for i in range(1, 1500))
    server = start(tmp_path, box("crate0", "apple") + chain)
    servers.append(server)
    assert server.finish() != 0
    out = server.output()
    assert f'item "village:crate{MAX_DEPTH}": \'container\' contents nest ' \
        f"{MAX_DEPTH + 1} containers deep" in out
    assert "Traceback" not in out
