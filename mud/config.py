"""Server settings: defaults, a YAML config file, MUD_* environment variables, command line.

Later sources win: defaults < config file < environment < command line. Every value is
checked here, so a bad setting stops start-up with one message naming where it came from.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from mud.accounts import DEFAULT_RESERVED
from mud.engine.bus import MAX_REALM
from mud.errors import StartupError
from mud.protocols.origins import origin_problem

ENV_PREFIX = "MUD_"


def bundled_world() -> str:
    """The world shipped with the server: the checkout's worlds/, else the installed copy."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "worlds" / "emberfall",
                      package / "bundled_worlds" / "emberfall"):
        if (candidate / "world.yaml").is_file():
            return str(candidate)
    return str(package.parent / "worlds" / "emberfall")


@dataclass(frozen=True)
class Settings:
    telnet: tuple[str, ...] = ("tcp:4000",)
    web: tuple[str, ...] = ("tcp:4080",)
    # Where /metrics (Prometheus, mud/metrics.py) is served: loopback only unless the admin
    # says otherwise; () (the word "none" in the config, environment or command line): off.
    metrics: tuple[str, ...] = ("tcp:4090:interface=127.0.0.1",)
    world: str = field(default_factory=bundled_world)
    data: str = "./var"
    autosave: float = 60.0
    max_line: int = 4096
    # Bytes of output a connection may leave unread before it is dropped.
    output_buffer: int = 256 * 1024
    # Commands a second per connection, and how many may come at once.
    command_rate: float = 10.0
    command_burst: int = 30
    # Seconds a character whose connection died waits in the world for its player (0: none).
    linkdead: float = 600.0
    # Connections one address may hold at once, and open in a minute (telnet and web together).
    connections_per_ip: int = 20
    new_connections_per_minute: int = 60
    # Dead peers: ping (WebSocket ping, telnet IAC NOP and TCP keepalive) every ping_interval
    # seconds; a peer that leaves it unanswered for ping_timeout seconds is dropped.
    ping_interval: float = 30.0
    ping_timeout: float = 20.0
    # Seconds without input before a connection is closed: at the login screen, and in the
    # game (0: never).
    login_timeout: float = 120.0
    idle_timeout: float = 0.0
    # New characters one address may create in any hour (telnet and web together).
    registrations_per_hour: int = 5
    # Names no new character may take (existing accounts keep theirs); replaces the
    # default list, and the words the game itself reads (create, me, all...) stay reserved.
    reserved_names: tuple[str, ...] = DEFAULT_RESERVED
    # MSSP variables for MUD listing sites (CONTACT, WEBSITE, HOSTNAME...): config file only.
    mssp: tuple[tuple[str, object], ...] = ()
    # Web pages other than our own that may open the WebSockets and frame the client
    # (https://host[:port] each).
    allowed_origins: tuple[str, ...] = ()
    # Seconds after the last password login past which no resume token is renewed.
    token_max_age: float = 7 * 24 * 3600.0
    # Stopping: the longest a stop may take; how long failing saves are retried within it;
    # where what still could not be saved is written ("": the data directory, else the
    # working directory, else the temporary directory; see mud/unsaved.py).
    stop_timeout: float = 10.0
    save_grace: float = 5.0
    fallback_dir: str = ""
    # Threads that hash passwords (each scrypt hash works in 16 MiB while it runs).
    hashing_threads: int = 2
    # Password checks that may wait for a hashing thread; past it a login is refused as
    # busy (mud/hashing.py).
    hashing_queue: int = 4000
    # A file the audit log (mud/audit.py) is also written to as JSON lines ("": none).
    audit_file: str = ""
    # Seconds between saves of the areas builders changed to their YAML files (0: only by
    # `save area` and at a stop; mud/systems/building/saving.py).
    area_autosave: float = 300.0
    # Realms (docs/scale-out.md): this daemon's realm name, the Redis server that carries
    # channels, tells and who between realms ("": none, a lone daemon), and where accounts
    # and characters are kept ("": SQLite in the data directory; postgresql://... to share
    # them between realms).
    realm: str = ""
    redis: str = ""
    store: str = ""
    # Chat channels over the world's (config file only; docs/channels.md): the same
    # mapping as world.yaml's channels:, each adding a channel or replacing the world's of
    # that name. Checked into mud.systems.channels.definitions.Channel objects.
    channels: tuple[Any, ...] = ()

    def with_values(self, values: Mapping[str, Any], source: str) -> Settings:
        """A copy with ``values`` (already raw strings/YAML values) checked and applied."""
        checked = {key: _check(key, value, source) for key, value in values.items()
                   if value is not None}
        return replace(self, **checked)


KEYS = {f.name for f in fields(Settings)}
LISTS = {"telnet", "web", "metrics", "reserved_names", "allowed_origins"}
# What turns a listener setting off (the metrics listener: "none").
OFF_WORDS = {"none", "off"}
# Numeric settings and their smallest allowed value.
NUMBERS = {"registrations_per_hour": 1,
           "autosave": 1, "max_line": 256, "output_buffer": 4096, "command_rate": 0.1,
           "command_burst": 1, "linkdead": 0,
           "connections_per_ip": 1, "new_connections_per_minute": 1,
           "ping_interval": 1, "ping_timeout": 1, "login_timeout": 0, "idle_timeout": 0,
           "token_max_age": 60, "stop_timeout": 1, "save_grace": 0, "hashing_threads": 1,
           "hashing_queue": 1,
           "area_autosave": 0}
FRACTIONAL = {"autosave", "command_rate", "linkdead", "ping_interval", "ping_timeout",
              "login_timeout", "idle_timeout", "token_max_age", "stop_timeout", "save_grace",
              "area_autosave"}


def _check(key: str, value: Any, source: str) -> Any:
    if key not in KEYS:
        raise StartupError(f"{source}: unknown setting {key!r} (known: {', '.join(sorted(KEYS))})")
    if key == "reserved_names":
        return _check_names(value, source)
    if key == "mssp":
        return _check_mssp(value, source)
    if key == "channels":
        return _check_channels(value, source)
    if key == "allowed_origins":
        return _check_origins(value, source)
    if key == "metrics":
        return _check_metrics(value, source)
    if key in ("realm", "redis", "store"):
        return _check_realm_setting(key, value, source)
    if key in LISTS:
        items = value if isinstance(value, list | tuple) else [value]
        if not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise StartupError(f"{source}: {key!r} must be an endpoint string such as "
                               "'tcp:4000', or a list of them")
        return tuple(v.strip() for v in items)
    if key in NUMBERS:
        try:
            if isinstance(value, bool):
                raise ValueError(value)
            number = float(value) if key in FRACTIONAL else _whole(value)
        except (TypeError, ValueError):
            kind = "a number" if key in FRACTIONAL else "a whole number"
            raise StartupError(f"{source}: {key!r} must be {kind}, not {value!r}") from None
        if not math.isfinite(number):
            raise StartupError(f"{source}: {key!r} must be a finite number, not {value!r}")
        low = NUMBERS[key]
        if number < low:
            raise StartupError(f"{source}: {key!r} must be at least {low}, not {value!r}")
        return number
    if not isinstance(value, str) or not value.strip():
        raise StartupError(f"{source}: {key!r} must be a path, not {value!r}")
    return value




def _check_realm_setting(key: str, value: Any, source: str) -> str:
    """realm: a short name of letters, digits, - and _; redis: a redis:// URL; store: a
    postgresql:// URL. An empty value (or none) turns it off."""
    if not isinstance(value, str):
        raise StartupError(f"{source}: {key!r} must be text, not {value!r}")
    value = value.strip()
    if value.lower() in OFF_WORDS or not value:
        return ""
    if key == "realm":
        if len(value) > MAX_REALM or not value.isascii() or \
                not value.replace("-", "").replace("_", "").isalnum():
            raise StartupError(f"{source}: 'realm' must be a short name (letters, digits, - "
                               f"and _; {MAX_REALM} at most), such as north, not {value!r}")
        return value.lower()
    if key == "redis":
        # The link's own reading of it (redis:// or unix:), its message never showing a
        # password; a module of plain parsing, no Redis client is loaded for it.
        from mud.cluster.redis_url import parse_redis_url
        try:
            parse_redis_url(value)
        except ValueError as exc:
            raise StartupError(f"{source}: 'redis': {exc} (or none)") from None
        return value
    if not value.lower().startswith(("postgresql://", "postgres://")):
        raise StartupError(f"{source}: 'store' must be a PostgreSQL URL such as "
                           "postgresql://mud:secret@127.0.0.1:5432/mud, or none for SQLite "
                           "in the data directory")
    return value


def _check_metrics(value: Any, source: str) -> tuple[str, ...]:
    if value is False:
        return ()  # YAML reads an unquoted off or no as false
    items = value if isinstance(value, list | tuple) else [value]
    if not all(isinstance(v, str) for v in items):
        raise StartupError(f"{source}: 'metrics' must be an endpoint string such as "
                           "'tcp:4090:interface=127.0.0.1', a list of them, or none")
    words = [v.strip() for v in items if v.strip()]
    if all(word.lower() in OFF_WORDS for word in words):
        return ()
    if any(word.lower() in OFF_WORDS for word in words):
        raise StartupError(f"{source}: 'metrics' is either none or endpoints, not both: "
                           f"{', '.join(words)}")
    return tuple(words)


def _check_names(value: Any, source: str) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if not isinstance(item, str) or not item.strip().isascii() \
                or not item.strip().isalpha():
            raise StartupError(f"{source}: 'reserved_names' must be a list of names (letters "
                               f"A to Z), not {item!r}")
    return tuple(item.strip().lower() for item in items)


def _check_mssp(value: Any, source: str) -> tuple[tuple[str, object], ...]:
    if not isinstance(value, dict):
        raise StartupError(f"{source}: 'mssp' must be a mapping of MSSP variable names to "
                           "values, such as CONTACT: admin@example.org")
    checked = []
    for name, item in value.items():
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise StartupError(f"{source}: mssp: {name!r} is not a variable name")
        items = item if isinstance(item, list) else [item]
        if not items or not all(isinstance(v, str | int | float) for v in items):
            raise StartupError(f"{source}: mssp: {name} must be a string, a number or a "
                               "list of them")
        if any(isinstance(v, str) and len(v) > 1024 for v in items):
            raise StartupError(f"{source}: mssp: {name} is too long (1024 characters at most)")
        checked.append((name.strip().upper(), item))
    return tuple(checked)


def _check_channels(value: Any, source: str) -> tuple[Any, ...]:
    from mud.systems.channels.definitions import check_config
    try:
        return check_config(value, source)
    except ValueError as exc:
        raise StartupError(str(exc)) from None


def _check_origins(value: Any, source: str) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        problem = origin_problem(item if isinstance(item, str) else repr(item))
        if problem:
            raise StartupError(f"{source}: 'allowed_origins': {problem}")
    return tuple(item.strip() for item in items)


def _whole(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    if isinstance(value, str) and not value.strip().lstrip("+-").isdigit():
        raise ValueError(value)
    return int(value)


def read_config_file(path: str) -> dict[str, Any]:
    """The settings in a YAML config file; relative paths in it are relative to the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise StartupError(f"{path}: cannot read the config file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise StartupError(f"{path}:{where}: not valid YAML: "
                           f"{getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StartupError(f"{path}: must be a mapping of setting names to values")
    base = os.path.dirname(os.path.abspath(path))
    for key in ("world", "data", "fallback_dir"):
        value = data.get(key)
        if isinstance(value, str) and value and not os.path.isabs(value):
            data[key] = os.path.join(base, value)
    return data


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """``MUD_TELNET``, ``MUD_WORLD``... Endpoint lists may be comma- or space-separated."""
    values: dict[str, Any] = {}
    for key in KEYS:
        if key in ("mssp", "channels"):
            continue  # a mapping: config file only
        raw = environ.get(ENV_PREFIX + key.upper())
        if raw is None or not raw.strip():
            continue
        values[key] = raw.replace(",", " ").split() if key in LISTS else raw.strip()
    return values


def load_settings(config_file: str | None = None, environ: Mapping[str, str] | None = None,
                  command_line: Mapping[str, Any] | None = None) -> Settings:
    """Settings from every source, later ones winning."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    config_file = config_file or environ.get(ENV_PREFIX + "CONFIG") or None
    if config_file:
        settings = settings.with_values(read_config_file(config_file), config_file)
    settings = settings.with_values(from_environment(environ), "environment")
    if command_line:
        settings = settings.with_values(command_line, "command line")
    return settings
