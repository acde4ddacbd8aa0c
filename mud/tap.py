"""The twistd entry point: ``Options`` and ``makeService``, shared by the plugin and mud.tac.

``build_service`` does the work and takes its dependencies (reactor, password cost,
thread runner) as arguments so tests can build a whole server without patching;
``makeService`` turns start-up errors into one clean line and a non-zero exit.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.logger import Logger
from twisted.python import usage

from mud import passwords
from mud.accounts import Accounts
from mud.audit import AuditFile
from mud.cluster.claims import attach as attach_claims
from mud.config import Settings, load_settings
from mud.engine.world import World
from mud.errors import StartupError
from mud.game import Game
from mud.hashing import HashingPool, release_large_allocations
from mud.listing import Listing
from mud.metrics import Metrics
from mud.persistence import open_store
from mud.persistence.store import StoreError
from mud.protocols.keepalive import Keepalive
from mud.protocols.metrics_web import make_metrics_site
from mud.protocols.origins import OriginPolicy
from mud.protocols.peer_limits import PeerLimits, http_refusal, telnet_refusal
from mud.protocols.telnet import TelnetFactory
from mud.protocols.turn_flush import TurnFlusher
from mud.protocols.web import make_site
from mud.service import MudService
from mud.systems.building import saving as building_saving
from mud.tokens import ResumeTokens, TokenSigner, load_or_create_secret
from mud.world_loader import WorldError, load_world

log = Logger()

# Saved items that no longer fit the world logged one line each at start-up; past this
# many, one summary line per kind of place (a big world edit may orphan thousands).
LEFT_OUT_ONE_BY_ONE = 20
# Item ids a summary line names (the rest are counted).
LEFT_OUT_NAMED = 10
_PLACES = {"room": "in room {}", "char": "carried by {}", "in": "inside {}"}
_PLACES_SUMMED = {"room": "in rooms", "char": "carried by characters",
                  "in": "inside containers"}


class Options(usage.Options):
    synopsis = "[options]"
    longdesc = ("Run the MUD: telnet and web players in one YAML world. "
                "Settings come from defaults, then --config, then MUD_* environment "
                "variables, then these options.")
    optParameters = [
        ["world", "w", None, "World folder to serve (default: the bundled Emberfall)."],
        ["data", "d", None, "Directory where accounts and game state are kept "
                            "(default: ./var)."],
        ["autosave", None, None, "Seconds between autosaves (default: 60)."],
        ["area-autosave", None, None, "Seconds between saves of the areas builders changed "
                                      "to their YAML files (default: 300; 0: only by "
                                      "'save area' and at a stop)."],
        ["config", "c", None, "YAML file with the same settings (command line wins)."],
        ["command-rate", None, None, "Commands a second each connection may send "
                                     "(default: 10)."],
        ["command-burst", None, None, "Commands a connection may send at once before the "
                                      "rate applies (default: 30)."],
        ["linkdead", None, None, "Seconds a character whose connection died stays in the "
                                 "world for its player to come back (default: 600; 0: none)."],
        ["connections-per-ip", None, None, "Connections one address may hold at once, "
                                           "telnet and web together (default: 20)."],
        ["new-connections-per-minute", None, None, "New connections one address may open "
                                                   "in a minute (default: 60)."],
        ["registrations-per-hour", None, None, "New characters one address may create in "
                                               "an hour, telnet and web together "
                                               "(default: 5)."],
        ["output-buffer", None, None, "Bytes of unread output a connection may pile up "
                                      "before it is dropped (default: 262144)."],
        ["ping-interval", None, None, "Seconds between keepalive pings: WebSocket ping, "
                                      "telnet IAC NOP, TCP keepalive (default: 30)."],
        ["ping-timeout", None, None, "Seconds a peer has to answer a ping or acknowledge "
                                     "data before it is taken for dead (default: 20)."],
        ["login-timeout", None, None, "Seconds a connection may sit at the login screen "
                                      "without sending anything (default: 120; 0: forever)."],
        ["idle-timeout", None, None, "Seconds a player in the game may send nothing before "
                                     "being saved and disconnected (default: 0: never)."],
        ["token-max-age", None, None, "Seconds after a web player's last password login "
                                      "that their resume token stops being renewed "
                                      "(default: 604800, 7 days)."],
        ["hashing-threads", None, None, "Threads that hash passwords at logins; each "
                                        "works in 16 MiB while it runs (default: 2)."],
        ["hashing-queue", None, None, "Password checks that may wait for a hashing thread; "
                                      "past it a login is told the server is busy "
                                      "(default: 4000)."],
        ["stop-timeout", None, None, "Seconds a stop (SIGTERM, SIGINT, SIGHUP) may take in "
                                     "all; then connections are cut and the process exits "
                                     "(default: 10)."],
        ["save-grace", None, None, "Seconds a stop keeps retrying saves that fail, within "
                                   "the stop timeout, before writing what is unsaved to a "
                                   "fallback file (default: 5)."],
        ["fallback-dir", None, None, "Where a stop that cannot save writes what is unsaved, "
                                     "as JSON (default: the data directory, else the "
                                     "working directory, else the temporary directory)."],
        ["realm", None, None, "This daemon's realm name, shown beside its players in "
                                "other realms' who (needed with --redis or a "
                                "PostgreSQL --store)."],
        ["redis", None, None, "Redis URL (redis://host:port/db) carrying channels, tells, "
                              "who and admin actions between realms (default: none)."],
        ["store", None, None, "PostgreSQL URL (postgresql://user:password@host/db) keeping "
                              "accounts and characters shared between realms (default: "
                              "SQLite in the data directory)."],
        ["audit-file", None, None, "Also write the audit log (logins, failed logins, "
                                   "logouts, takeovers, kicks...) to this file as JSON "
                                   "lines (default: none; twistd's log has it always)."],
    ]

    def __init__(self) -> None:
        super().__init__()
        self["telnet"] = []
        self["web"] = []
        self["metrics"] = []
        self["allowed-origins"] = []

    def opt_telnet(self, endpoint: str) -> None:
        """Telnet listener endpoint: tcp:4000, ssl:4443:privateKey=k.pem... (repeatable)."""
        self["telnet"].append(endpoint)

    def opt_web(self, endpoint: str) -> None:
        """Web listener endpoint: the browser client, /ws, /api/who (tcp:4080; repeatable)."""
        self["web"].append(endpoint)

    def opt_metrics(self, endpoint: str) -> None:
        """Where /metrics (Prometheus) is served: tcp:4090:interface=127.0.0.1 by default
        (loopback only); none turns it off (repeatable)."""
        self["metrics"].append(endpoint)

    def opt_allowed_origins(self, origins: str) -> None:
        """Other sites' pages that may use the WebSockets and frame the client:
        https://host[:port], comma-separated or repeated (default: only this site)."""
        self["allowed-origins"].extend(origins.replace(",", " ").split())

    def postOptions(self) -> None:
        # Every declared option is a setting of the same name (with _), but --config.
        given = {option.replace("-", "_"): self[option]
                 for option, *_ in self.optParameters if option != "config"}
        given["telnet"] = self["telnet"] or None
        given["web"] = self["web"] or None
        given["metrics"] = self["metrics"] or None
        given["allowed_origins"] = self["allowed-origins"] or None
        try:
            self.settings = load_settings(self["config"], command_line=given)
        except StartupError as exc:
            raise usage.UsageError(str(exc)) from None


def restore_items(world: World, rows: list[tuple[str, str, str]]) -> int:
    """Put each saved item where the save says; log the rows that no longer fit the world
    (an item, room or container a builder took out), so nothing vanishes unsaid. Returns
    how many were left out."""
    left_out: dict[str, list[tuple[str, str]]] = {}
    for item_id, kind, place in rows:
        if not world.restore_item(item_id, kind, place):
            left_out.setdefault(kind, []).append((item_id, place))
    count = sum(len(rows) for rows in left_out.values())
    for kind, dropped in left_out.items():
        where = _PLACES.get(kind, f"in a place of unknown kind {kind!r} ({{}})")
        if count <= LEFT_OUT_ONE_BY_ONE:
            for item_id, place in dropped:
                log.warn("saved item {item} ({where}) no longer fits the world (its item, "
                         "room or container is gone): left out",
                         item=item_id, where=where.format(place))
            continue
        named = ", ".join(f"{item_id} ({where.format(place)})"
                          for item_id, place in dropped[:LEFT_OUT_NAMED])
        more = len(dropped) - LEFT_OUT_NAMED
        log.warn("{count} saved {items} {kind} no longer {fit} the world (item, room or "
                 "container gone): left out: {named}{more}", count=len(dropped),
                 items="item" if len(dropped) == 1 else "items",
                 fit="fits" if len(dropped) == 1 else "fit",
                 kind=_PLACES_SUMMED.get(kind, f"in places of unknown kind {kind!r}"),
                 named=named, more=f" and {more} more" if more > 0 else "")
    return count


def build_service(settings: Settings, reactor: Any = None,
                  run_in_thread: Callable[..., Any] | None = None,
                  password_cost: passwords.Cost = passwords.DEFAULT) -> MudService:
    """Load the world and the store and assemble the service. Raises StartupError."""
    if reactor is None:
        from twisted.internet import reactor as default_reactor
        reactor = default_reactor
    try:
        world = load_world(settings.world, reactor)
    except WorldError as exc:
        raise StartupError(str(exc)) from None
    if settings.channels:
        # The config file's channels over the world's (docs/channels.md).
        from mud.systems.channels import configure
        try:
            configure(world, settings.channels)
        except ValueError as exc:
            raise StartupError(str(exc)) from None
    if (settings.redis or settings.store) and not settings.realm:
        raise StartupError("a daemon with --redis or a PostgreSQL --store needs a realm name "
                           "of its own (--realm north, MUD_REALM, or realm: in the config): "
                           "each realm's players are shown with it, and its items and world "
                           "state are kept apart by it")
    world.bus.realm = settings.realm
    try:
        store = open_store(settings.data, settings.store, settings.realm)
    except StoreError as exc:
        raise StartupError(str(exc)) from None
    try:
        restore_items(world, store.prepare())
        for problem in world.restore_state(store.world_rows):
            log.error("saved world state: {problem}", problem=problem)
        world.state_problem = lambda problem: log.error("saving: {problem}", problem=problem)
    except StoreError as exc:
        raise StartupError(str(exc)) from None
    if run_in_thread is None:
        # Hashing in threads of its own, its memory given back after use (mud/hashing.py).
        release_large_allocations()
        run_in_thread = HashingPool(reactor, settings.hashing_threads,
                                    max_waiting=settings.hashing_queue)
    accounts = Accounts(store, run_in_thread=run_in_thread, cost=password_cost,
                        clock_seconds=reactor.seconds)
    game = Game(world, store, accounts, settings.command_rate, settings.command_burst,
                settings.linkdead, settings.login_timeout, settings.idle_timeout,
                reserved_names=settings.reserved_names,
                registrations_per_hour=settings.registrations_per_hour)
    service = MudService(game, reactor, settings.autosave, settings.stop_timeout,
                         settings.save_grace, settings.fallback_dir or None)
    limits = PeerLimits(reactor, settings.connections_per_ip,
                        settings.new_connections_per_minute)
    keepalive = Keepalive(settings.ping_interval, settings.ping_timeout)
    listing = Listing(game, dict(settings.mssp), reactor.seconds(), service.ports)
    service.peer_limits = limits
    # Each connection's output of one reactor turn leaves in one write (turn_flush.py).
    flusher = TurnFlusher(reactor)
    factory = TelnetFactory(game, settings.max_line, settings.output_buffer, keepalive, listing,
                            flusher)
    for endpoint in settings.telnet:
        service.listen(limits.reactor(reactor, telnet_refusal), endpoint, factory, "telnet")
    signer = TokenSigner(load_or_create_secret(settings.data), max_age=settings.token_max_age)
    game.tokens = ResumeTokens(signer, store, reactor.seconds)
    site = make_site(game, keepalive, settings.output_buffer,
                     OriginPolicy(settings.allowed_origins), flusher)
    for endpoint in settings.web:
        service.listen(limits.reactor(reactor, http_refusal), endpoint, site, "web")
    service.closers.append(site.presence.close_all)
    if settings.metrics:
        # /metrics on a listener of its own (loopback only by default), never on the web one.
        metrics = Metrics(game, reactor, site.presence)
        metrics.setServiceParent(service)
        metrics_site = make_metrics_site(metrics.registry)
        for endpoint in settings.metrics:
            service.listen(limits.reactor(reactor, http_refusal), endpoint, metrics_site,
                           "metrics")
    join_realms(service, settings, reactor)
    # Areas builders changed: saved every area_autosave seconds and at a stop.
    building_saving.attach(service, settings.area_autosave)
    if settings.audit_file:
        AuditFile(settings.audit_file).setServiceParent(service)
    # The admin API's pending summaries of refused requests are written when it stops. Added
    # after the audit file on purpose: a MultiService stops its children last-added first,
    # so the summaries still reach the file.
    site.admin_api.guard.setServiceParent(service)
    return service


class _StartsWithServer(Service):
    """Calls ``start`` when the server starts, and nothing when it stops."""

    def __init__(self, start: Callable[[], object]) -> None:
        self._start = start

    def startService(self) -> None:
        super().startService()
        self._start()


def join_realms(service: MudService, settings: Settings, reactor: Any) -> None:
    """A daemon of a cluster (docs/scale-out.md): with a shared store, its claims on
    characters (one body per account across realms); with Redis, the link that carries
    channels, tells, who and admin actions between realms, and the directory of the other
    realms' players. A lone daemon gets neither."""
    game = service.game
    if settings.store:
        claims = attach_claims(game, settings.realm, reactor)
        claims.setServiceParent(service)
        # Given back once the final save has landed: not if it failed (the data is only
        # in this daemon's memory and fallback file, and another realm must not load the
        # older row meanwhile; the claims lapse STALE_AFTER seconds after the stop).
        service.closers.append(lambda: None if game.unsaved else claims.give_back_all())
    if settings.redis:
        # Imported here: a lone daemon never loads the Redis client.
        from mud.cluster import realms
        from mud.cluster.redis_link import RedisLink
        try:
            link = RedisLink(settings.redis, game.world.bus, reactor)
        except ValueError as exc:
            raise StartupError(f"redis: {exc}") from None
        realms.attach(game)
        # Started with the server, but not stopped with its listeners: the link carries
        # the players' leaving during the stop, then this realm's goodbye (so the others
        # forget it at once rather than after missed beats), and only then closes.
        _StartsWithServer(link.start).setServiceParent(service)
        service.closers.append(lambda: realms.detach(game))
        service.closers.append(link.stop)


def makeService(options: Options | dict[str, Any]) -> MudService:
    """Build the server from parsed options; a bad setup exits with one clear line."""
    settings = getattr(options, "settings", None) or load_settings(None)
    try:
        service = build_service(settings)
    except StartupError as exc:
        # One "mud: " line per fault (a broken world lists several).
        for line in str(exc).splitlines() or [""]:
            print(f"mud: {line}", file=sys.stderr)
        raise SystemExit(1) from None
    # The world loaded at start lives as long as the process: keep it out of the
    # collector's full collections, which otherwise walk every room, item and NPC on the
    # reactor thread (34-38 ms for a 2,000-room world here; 0.01 ms once frozen).
    gc.collect()
    gc.freeze()
    # twistd runs it: SIGTERM/SIGINT/SIGHUP stop it gracefully, exit 0 (or not: unsaved).
    service.control_process()
    return service
