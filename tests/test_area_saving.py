"""``save area`` and the area autosave (mud/systems/building/saving.py) on a game without
sockets, over a temporary copy of the bundled world: what the builder is told, what lands
on disk, when entries stop counting as changed, one write per area at a time, audit lines,
and the saves a service makes on its timer and at its stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from mud.systems.building import saving
from mud.systems.building.saving import AreaSaver, saver_for
from mud.world_loader import load_world
from tests.support import WirePlayer, builder_player, make_game, run_now, world_copy


@pytest.fixture
def world_dir(tmp_path: Path) -> Path:
    return world_copy(tmp_path)


@pytest.fixture
def game(world_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(saving, "run_in_thread", run_now)
    return make_game(world_dir)


def said(player: WirePlayer, line: str) -> str:
    """What ``line`` got back, as one line (the window wraps it)."""
    return " ".join(player.type(line).split())


def builder(game: Any, name: str = "Bea") -> WirePlayer:
    return builder_player(game, name)


def rename(game: Any, area: str, key: str, name: str) -> None:
    sources = game.world.sources
    entry = dict(sources.get(area, "room", key))
    entry["name"] = name
    sources.put(area, "room", key, entry)


class Held:
    """A stand-in thread: runs the write when the test says."""

    def __init__(self) -> None:
        self.calls: list[tuple[Deferred[Any], Any, tuple[Any, ...]]] = []

    def __call__(self, fn: Any, *args: Any) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.calls.append((d, fn, args))
        return d

    def finish(self) -> None:
        d, fn, args = self.calls.pop(0)
        d.callback(fn(*args))


def test_save_area_writes_the_changed_room_and_says_so(game: Any, world_dir: Path,
                                                       audit_lines: list[Any]) -> None:
    bea = builder(game)
    rename(game, "village", "square", "The Old Square")
    out = said(bea, "save area")
    assert "Saved village: rooms.yaml (1 entry changed)." in out
    assert yaml.safe_load((world_dir / "village" / "rooms.yaml").read_text())["square"][
        "name"] == "The Old Square"
    assert game.world.sources.changed_areas() == []
    assert load_world(world_dir, Clock()).rooms["village:square"].name == "The Old Square"
    (line,) = [a for a in audit_lines if a["event"] == "area_saved"]
    assert (line["name"], line["area"], line["files"], line["entries"]) == \
        ("Bea", "village", "rooms.yaml", "1")
    assert line["transport"] == "telnet"


def test_save_area_names_every_file_it_wrote(game: Any, world_dir: Path) -> None:
    bea = builder(game)
    rename(game, "woods", "edge", "Edge")
    rename(game, "woods", "path", "Path")
    sources = game.world.sources
    sources.put("woods", "item", "lantern2", {"name": "a lantern", "description": "Tin.\n"})
    out = said(bea, "save area woods")
    assert "Saved woods: items.yaml (1 entry changed), rooms.yaml (2 entries)." in out
    assert "lantern2:\n  name: a lantern\n" in (world_dir / "woods" / "items.yaml").read_text()


def test_nothing_to_save(game: Any, world_dir: Path, audit_lines: list[Any]) -> None:
    bea = builder(game)
    before = {p: p.read_bytes() for p in world_dir.rglob("*.yaml")}
    assert "Nothing to save in village." in said(bea, "save area")
    assert "No area has changes to save." in said(bea, "save area all")
    assert {p: p.read_bytes() for p in world_dir.rglob("*.yaml")} == before
    assert not [a for a in audit_lines if a["event"].startswith("area_save")]


def test_save_area_all_and_bad_words(game: Any, world_dir: Path) -> None:
    bea = builder(game)
    rename(game, "mine", "entrance", "Mine Mouth")
    rename(game, "village", "inn", "The Inn")
    out = said(bea, "save areas")
    assert "Saved mine: rooms.yaml (1 entry changed)." in out
    assert "Saved village: rooms.yaml (1 entry changed)." in out
    assert "There is no area 'nowhere'. Areas: mine, village, woods." in \
        said(bea, "save area nowhere")
    assert "Save what?" in said(bea, "save area village now")


def test_save_alone_saves_a_builders_character_not_the_area(game: Any, world_dir: Path) -> None:
    bea = builder(game)
    rename(game, "village", "square", "Changed")
    bea.type("north")
    assert "Your character is saved." in said(bea, "save")
    assert game.store.characters["bea"].room == "village:high_street"
    assert game.world.sources.changed_areas() == ["village"]
    assert "save area" in said(bea, "help save")


def test_a_player_cannot_save_an_area(game: Any, world_dir: Path) -> None:
    player = WirePlayer(game)
    player.create("Pip")
    player.read()
    rename(game, "village", "square", "Changed")
    before = (world_dir / "village" / "rooms.yaml").read_bytes()
    # A player's save is their character's.
    assert "Saved village" not in said(player, "save area")
    assert "Saved village" not in said(player, "save area all")
    assert game.world.sources.changed_areas() == ["village"]
    assert (world_dir / "village" / "rooms.yaml").read_bytes() == before


def test_a_failed_save_keeps_the_changes_marked_and_says_why(
        game: Any, world_dir: Path, audit_lines: list[Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    bea = builder(game)
    rename(game, "village", "square", "The Old Square")
    before = (world_dir / "village" / "rooms.yaml").read_bytes()

    def full(shot: Any) -> bool:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(saving, "write_file", full)
    out = said(bea, "save area")
    assert "Could not save village: village/rooms.yaml: No space left on device." in out
    assert "The changes are kept in memory" in out
    assert (world_dir / "village" / "rooms.yaml").read_bytes() == before
    assert game.world.sources.changed_areas() == ["village"]
    (line,) = [a for a in audit_lines if a["event"] == "area_save_failed"]
    assert line["area"] == "village" and "No space left" in line["error"]
    monkeypatch.undo()
    monkeypatch.setattr(saving, "run_in_thread", run_now)
    assert "Saved village: rooms.yaml (1 entry changed)." in said(bea, "save area")
    assert game.world.sources.changed_areas() == []


def test_a_real_read_only_file_fails_cleanly(game: Any, world_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    bea = builder(game)
    rename(game, "village", "square", "X")
    # A path the disk refuses whoever we are: the area folder is replaced by a file.
    snapshot = game.world.sources.snapshot

    def elsewhere(area: str) -> Any:
        from dataclasses import replace
        return [replace(s, path=world_dir / "world.yaml" / "rooms.yaml")
                for s in snapshot(area)]
    monkeypatch.setattr(game.world.sources, "snapshot", elsewhere)
    out = said(bea, "save area")
    assert "Could not save village: village/rooms.yaml: Not a directory." in out
    assert game.world.sources.changed_areas() == ["village"]


def test_one_write_per_area_at_a_time_and_edits_meanwhile_stay_changed(
        world_dir: Path) -> None:
    world = load_world(world_dir, Clock())
    held = Held()
    saver = AreaSaver(world.sources, held)
    rename_world(world, "square", "First")
    first = saver.save("village")
    # Edited again while the write runs: that edit is not in this write.
    rename_world(world, "square", "Second")
    second = saver.save("village")
    third = saver.save("village")
    assert len(held.calls) == 1  # the later saves wait for the running one
    held.finish()
    assert first.result.files == [("village/rooms.yaml", 1)]
    assert world.sources.changed_areas() == ["village"]
    assert len(held.calls) == 1  # one more write, for both waiting saves
    held.finish()
    assert second.result is third.result
    assert world.sources.changed_areas() == []
    text = (world_dir / "village" / "rooms.yaml").read_text()
    assert "  name: Second\n" in text and "First" not in text


def rename_world(world: Any, key: str, name: str) -> None:
    entry = dict(world.sources.get("village", "room", key))
    entry["name"] = name
    world.sources.put("village", "room", key, entry)


def test_the_service_autosaves_changed_areas_and_saves_them_at_a_stop(
        world_dir: Path, tmp_path: Path, audit_lines: list[Any]) -> None:
    from mud.service import MudService
    clock = Clock()
    game = make_game(world_dir, clock=clock)
    service = MudService(game, clock, autosave=60, run_blocking=run_now)
    saver = saving.attach(service, 300)
    assert saver is saver_for(game.world.sources)
    service.startService()
    rename_world(game.world, "square", "Autosaved")
    clock.advance(299)
    assert game.world.sources.changed_areas() == ["village"]
    clock.advance(1)
    assert game.world.sources.changed_areas() == []
    rooms = world_dir / "village" / "rooms.yaml"
    assert "  name: Autosaved\n" in rooms.read_text()
    rename_world(game.world, "inn", "Saved At The Stop")
    done: list[object] = []
    service.stopService().addBoth(done.append)
    clock.pump([0.1] * 100)
    assert done == [None]
    assert "  name: Saved At The Stop\n" in rooms.read_text()
    names = [(a["event"], a["name"]) for a in audit_lines if a["event"] == "area_saved"]
    assert names == [("area_saved", "autosave"), ("area_saved", "stop")]


def test_autosave_off_still_saves_at_the_stop(world_dir: Path) -> None:
    from mud.service import MudService
    clock = Clock()
    game = make_game(world_dir, clock=clock)
    service = MudService(game, clock, autosave=60, run_blocking=run_now)
    saving.attach(service, 0)
    assert service.getServiceNamed("autosave") is not None
    assert "area autosave" not in [s.name for s in service]
    service.startService()
    rename_world(game.world, "square", "At The Stop")
    clock.advance(3600)
    assert game.world.sources.changed_areas() == ["village"]
    done: list[object] = []
    service.stopService().addBoth(done.append)
    clock.pump([0.1] * 100)
    assert done == [None] and game.world.sources.changed_areas() == []


def test_a_stop_does_not_wait_past_its_time_for_a_hung_area_write(world_dir: Path) -> None:
    from mud.service import MudService
    clock = Clock()
    game = make_game(world_dir, clock=clock)
    hung = Held()
    service = MudService(game, clock, autosave=60, stop_timeout=10,
                         run_blocking=lambda fn, *a: hung(fn, *a) if fn is saving._write_all
                         else succeed(fn(*a)))
    saving.attach(service, 0)
    service.startService()
    rename_world(game.world, "square", "Never")
    done: list[object] = []
    service.stopService().addBoth(done.append)
    clock.pump([0.1] * 50)
    assert not done
    clock.pump([0.1] * 60)
    assert done == [None]  # within the stop's time, the write still hung
    assert game.world.sources.changed_areas() == ["village"]


def test_the_setting_reaches_the_options() -> None:
    from mud.config import Settings
    from mud.tap import Options
    assert Settings().area_autosave == 300
    options = Options()
    options.parseOptions(["--area-autosave", "0"])
    assert options.settings.area_autosave == 0


def test_what_builders_make_saves_and_loads_back_as_the_same_world(
        game: Any, world_dir: Path) -> None:
    """Builders' own commands, then save: a fresh load of the files holds exactly the
    sources the running world has (values and key order), and its rooms."""
    from mud.world_render import plain, same
    game.command_rate, game.command_burst = 1e12, 10**12
    bea = builder(game)
    for line in ["dig up attic The Attic", "up", "rname The Dusty Attic",
                 "rdesc", "Dust lies thick on the boards: yes, really.", "",
                 "  An indented line, and a # that is no comment.", ".",
                 "create item lamp2", "set lamp2 name a brass lamp",
                 "set lamp2 description It says \"on\" and 'off': 1.0",
                 "set lamp2 keywords [lamp, brass, \"yes\"]",
                 "create npc owl", "set owl name a barn owl",
                 "spawn lamp2", "spawn owl", "down", "dig east shed Garden Shed",
                 "save area all"]:
        out = said(bea, line)
        assert "would not load" not in out and "Unknown" not in out, (line, out)
    assert "Saved village:" in out
    assert game.world.sources.changed_areas() == []
    fresh = load_world(world_dir, Clock())
    live = game.world.sources
    for rel, source in live.files.items():
        loaded = fresh.sources.files[rel].entries
        assert same(plain(dict(loaded)), plain(dict(source.entries))), rel
    assert fresh.rooms["village:attic"].description == \
        game.world.rooms["village:attic"].description
    assert set(fresh.rooms) == set(game.world.rooms)
    assert sorted(fresh.rooms["village:square"].exits) == \
        sorted(game.world.rooms["village:square"].exits)


def test_the_interpreter_switches_threads_every_millisecond_while_a_write_runs(
        world_dir: Path) -> None:
    # With Python's 5 ms the reactor's thread waited up to 5 ms each time it wanted the
    # interpreter lock back from the writer's (bench/area_save.py: stalls of 6-20 ms).
    import sys
    world = load_world(world_dir, Clock())
    held = Held()
    saver = AreaSaver(world.sources, held)
    before = sys.getswitchinterval()
    rename_world(world, "square", "First")
    saver.save("village")
    assert sys.getswitchinterval() == min(saving.SWITCH_INTERVAL, before)
    held.finish()
    assert sys.getswitchinterval() == before
