"""What a stop could not save: a JSON fallback file, and putting it back into the store.

When the store keeps failing at shutdown (disk full, read-only, I/O errors), every record
not confirmed written (characters, item places) is written as JSON to a fallback file so
nothing is lost. The data directory is tried first, but it may well be the failing disk,
so the working directory (where twistd.log is kept by default) and the system's temporary
directory are tried after it, each with an atomic write. An admin who set ``fallback_dir``
has it tried before all of them.

Restore with the server stopped (it would write its own state over the restored one)::

    python -m mud.unsaved FILE [--data DIR]

which writes the records into ``DIR/mud.sqlite3`` (by default the data directory the file
names) in one transaction, as a save would have.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from typing import Any

from mud.atomic_file import write_atomically
from mud.engine.world import PLACE_KINDS, CharacterRecord, Snapshot

FORMAT = "emberfall-unsaved"
# Version 2 added systems' declared state (a character's "state", the "world" rows);
# version 1 files, which have neither, are still read.
VERSION = 2
READABLE_VERSIONS = (1, 2)


class BadFallbackFile(Exception):
    """The file is not a fallback file this server can read; the message says why."""


def encode(snapshot: Snapshot, data_dir: str, written: float) -> bytes:
    """``snapshot`` as the fallback file's JSON."""
    body = {
        "format": FORMAT,
        "version": VERSION,
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(written)),
        "data": os.path.abspath(data_dir),
        "characters": [{"key": c.key, "name": c.name, "room": c.room,
                        "description": c.description, "colour": c.colour, "state": c.state}
                       for c in snapshot.characters],
        "items": [{"item": item, "kind": kind, "place": place}
                  for item, kind, place in snapshot.items],
        "world": [{"key": key, "value": value} for key, value in snapshot.world],
    }
    return json.dumps(body, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


def decode(data: bytes) -> tuple[Snapshot, str]:
    """The snapshot in a fallback file, and the data directory it was meant for."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadFallbackFile(f"not JSON ({exc})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise BadFallbackFile(f"not a fallback file (no \"format\": \"{FORMAT}\")")
    if body.get("version") not in READABLE_VERSIONS:
        raise BadFallbackFile(f"version {body.get('version')!r}; this server reads "
                              f"versions {', '.join(map(str, READABLE_VERSIONS))}")
    try:
        characters = [CharacterRecord(_text(c, "key"), _text(c, "name"), _text(c, "room"),
                                      _text(c, "description"), _text(c, "colour"),
                                      _text(c, "state") if "state" in c else "")
                      for c in _list(body, "characters")]
        items = [(_text(i, "item"), _text(i, "kind"), _text(i, "place"))
                 for i in _list(body, "items")]
        world = [(_text(w, "key"), _text(w, "value"))
                 for w in (_list(body, "world") if "world" in body else [])]
    except (TypeError, KeyError) as exc:
        raise BadFallbackFile(f"a record is malformed ({exc})") from None
    bad = [item for item, kind, _ in items if kind not in PLACE_KINDS]
    if bad:
        raise BadFallbackFile(f"item {bad[0]!r} has an unknown kind of place")
    data_dir = body.get("data")
    return Snapshot(characters, items, world), data_dir if isinstance(data_dir, str) else ""


def _list(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError(f"{key!r} must be a list of objects")
    return value


def _text(record: dict[str, Any], key: str) -> str:
    value = record[key]
    if not isinstance(value, str):
        raise TypeError(f"{key!r} must be a string")
    return value


def places(fallback_dir: str | None, data_dir: str) -> list[str]:
    """Directories to try, in order, without repeats."""
    found: list[str] = []
    for candidate in (fallback_dir, data_dir, os.getcwd(), tempfile.gettempdir()):
        if candidate and os.path.realpath(candidate) not in map(os.path.realpath, found):
            found.append(candidate)
    return found


def write(data: bytes, directories: Iterable[str], written: float) -> str:
    """Write ``data`` to a new file in the first directory that takes it; its path.

    Blocking (run it in a thread). Raises OSError naming every directory tried."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(written))
    problems = []
    for directory in directories:
        for n in range(100):
            suffix = f"-{n}" if n else ""
            path = os.path.abspath(os.path.join(
                directory, f"mud-unsaved-{stamp}-{os.getpid()}{suffix}.json"))
            try:
                if write_atomically(path, data, replace=False):
                    return path
            except OSError as exc:
                problems.append(f"{directory}: {exc.strerror or exc}")
                break
    raise OSError("no directory took the fallback file (" + "; ".join(problems) + ")")


def restore_command(path: str, realm: str | None = None) -> str:
    """How an admin puts ``path`` back, as a shell command; ``realm`` (not None) for a
    server on a PostgreSQL store, whose URL (and password) the command leaves to the
    MUD_STORE environment variable rather than the log."""
    if realm is None:
        return f"{sys.executable} -m mud.unsaved {path}"
    return (f"MUD_STORE=<the server's store URL> {sys.executable} -m mud.unsaved {path} "
            f"--realm {realm}")


# -- restoring ----------------------------------------------------------------------------------


def restore(path: str, data_dir: str | None = None, store_url: str = "",
            realm: str = "") -> tuple[Snapshot, str]:
    """Write the records in ``path`` into the store (SQLite in the data directory, or the
    PostgreSQL store at ``store_url``, as realm ``realm``); the snapshot and the data
    directory.

    Raises BadFallbackFile, OSError or StoreError (from mud.persistence.store)."""
    from mud.persistence.offline import run_store_call

    with open(path, "rb") as handle:
        snapshot, meant_for = decode(handle.read())
    data_dir = data_dir or meant_for
    if not data_dir:
        raise BadFallbackFile("it names no data directory; give one with --data")
    run_store_call(data_dir, lambda store: store.save(snapshot), store_url, realm)
    return snapshot, data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mud.unsaved",
        description="Put what a stopped server could not save (its fallback JSON file) back "
                    "into the store. Run it with the server stopped.")
    parser.add_argument("file", help="the fallback file the server's log named")
    parser.add_argument("--data", help="the data directory (default: the one the file names)")
    parser.add_argument("--store", default=os.environ.get("MUD_STORE", ""),
                        help="the server's PostgreSQL store URL (default: MUD_STORE; none: "
                             "SQLite in the data directory)")
    parser.add_argument("--realm", default=os.environ.get("MUD_REALM", ""),
                        help="the server's realm, whose item places and world state these "
                             "are (default: MUD_REALM)")
    args = parser.parse_args(argv)
    if args.store and not args.realm:
        print("mud.unsaved: with a PostgreSQL store, name the server's realm (--realm)",
              file=sys.stderr)
        return 1
    from mud.persistence.store import StoreError
    try:
        snapshot, data_dir = restore(args.file, args.data, args.store, args.realm)
    except (BadFallbackFile, StoreError) as exc:
        print(f"mud.unsaved: {args.file}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"mud.unsaved: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Restored {len(snapshot.characters)} characters, {len(snapshot.items)} item "
          f"places and {len(snapshot.world)} pieces of world state into "
          + (f"the PostgreSQL store (realm {args.realm})" if args.store else
             os.path.join(data_dir, 'mud.sqlite3'))
          + f"; {args.file} can be deleted.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
