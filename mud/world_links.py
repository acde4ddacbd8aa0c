"""The world loader's second pass: each room's exits resolved to the rooms they lead to,
and what each room places checked against the items and NPCs the files declare.

A mixin of the loader (mud/world_loader.py ``_Loader``), kept apart so each module holds
one pass; it works on the loader's own state (its report, rooms, templates, NPCs and the
keys systems add to exits).
"""

from __future__ import annotations

import re
from typing import Any

from mud import world_keys
from mud.engine import directions
from mud.engine.model import Exit, Room
from mud.world_refs import full_id, unknown
from mud.world_schema import Context, Report, kind
from mud.world_yaml import Map, shown

# Matched with fullmatch: "$" alone would let a trailing newline through.
EXIT_RE = re.compile(r"[a-z][a-z0-9-]{0,31}")
EXIT_KEYS = {"to": True, "description": False}


def written_exits(entry: Any) -> dict[str, Any]:
    """The exits a room's entry writes (a room id, or a mapping with ``to`` and keys such
    as ``door``), by the name the room keys each under (``n:`` is ``north``); what is not
    an exit's shape is left out (the loader reports it)."""
    exits = entry.get("exits") if isinstance(entry, dict) else None
    if not isinstance(exits, dict):
        return {}
    return {directions.exit_name(written): spec for written, spec in exits.items()
            if isinstance(written, str)}


class Linking:
    """Exits and placements, once every file of the world is read."""

    report: Report
    rooms: dict[str, Room]
    templates: dict[str, Any]
    npc_defs: dict[str, Any]
    extras: list[Any]

    def _link_exits(self, room: Room, ctx: Context, data: Map) -> None:
        if "exits" not in data:
            return
        raw = data["exits"]
        if raw is None:
            ctx.error("'exits' is empty: list the exits under it (north: hall) or remove "
                      "the line", data.line_of("exits"))
            return
        if not isinstance(raw, dict):
            ctx.error(f"'exits' must be a mapping of exit names to rooms (north: hall), not "
                      f"{kind(raw)}", data.line_of("exits"))
            return
        for name, spec in raw.items():
            line = raw.line_of(name) if isinstance(raw, Map) else None
            if not isinstance(name, str) or not EXIT_RE.fullmatch(name.lower()):
                ctx.error(f"exit name {shown(name)} is not valid (a direction or one "
                          "lowercase word)", line)
                continue
            canonical = directions.exit_name(name)
            if canonical in room.exits:
                ctx.error(f'exit "{canonical}" is given twice', line)
                continue
            description = ""
            extra: list[tuple[world_keys.KeySpec, Any, int | None, Context]] = []
            what = f'exit "{canonical}" target'
            if isinstance(spec, dict):
                ectx = ctx.at(f'{ctx.entry}: exit "{canonical}"', line)
                with self.report.collecting():
                    spec = ectx.check_keys(spec, {**EXIT_KEYS, **world_keys.allowed("exit")},
                                           "an exit")
                    description = ectx.text(spec, "description").strip()
                if "to" not in spec:
                    continue
                # Keys systems add to exits (door:), checked and attached as the others.
                extra = [(s, spec[w], spec.line_of(w) if isinstance(spec, Map) else line, ectx)
                         for w, s in world_keys.present("exit", spec)]
                line = spec.line_of("to") if isinstance(spec, Map) else line
                spec = spec["to"]
            target_id = full_id(ctx, room.area, spec, what, line)
            if target_id is None:
                continue
            target = self.rooms.get(target_id)
            if target is None:
                why = unknown(self, "room", target_id)
                if why is not None:
                    ctx.error(f'exit "{canonical}" leads to {why}', line)
                continue
            room.exits[canonical] = Exit(canonical, target, description)
            for key_spec, value, at, ectx in extra:
                self.extras.append(("exit", f"{room.id} {canonical}", key_spec, value, ectx, at))

    def _place(self, room: Room, ctx: Context, item_refs: list[Any],
               npc_refs: list[Any]) -> None:
        # Unknown ones are reported and dropped, so the lists hold only good references.
        for refs, what, known in ((item_refs, "item", self.templates),
                                  (npc_refs, "npc", self.npc_defs)):
            for ref, line in list(refs):
                if ref not in known:
                    refs.remove((ref, line))
                    why = unknown(self, what, ref)
                    if why is not None:
                        ctx.error(f"places {why}", line)

