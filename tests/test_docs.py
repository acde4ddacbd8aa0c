"""docs/limits.md states the limits the code enforces: a changed default fails here."""

from __future__ import annotations

from mud import accounts, login, tokens, world_loader
from mud.config import Settings
from mud.engine import actions
from mud.login_throttle import LoginThrottle
from mud.protocols import websocket
from mud.session import MAX_QUEUED_LINES
from tests.support import ROOT

LIMITS = (ROOT / "docs" / "limits.md").read_text()


def row(name: str) -> str:
    lines = [line for line in LIMITS.splitlines() if line.startswith(f"| {name}")]
    assert lines, f"no row for {name!r} in docs/limits.md"
    return lines[0]


def test_per_connection_limits_match_the_defaults():
    defaults = Settings()
    assert f"{defaults.output_buffer // 1024} KiB" in row("unread output")
    assert f"{defaults.max_line} bytes" in row("a line of telnet input")
    assert f"| {defaults.command_rate:g} |" in row("commands a second")
    assert f"| {defaults.command_burst} |" in row("commands at once")
    assert f"{MAX_QUEUED_LINES} lines" in row("commands waiting")
    assert f"{defaults.linkdead:g} s" in row("a link-dead body")
    assert f"| {defaults.connections_per_ip} |" in row("connections open at once")
    assert f"| {defaults.new_connections_per_minute} |" in row("new connections in any minute")
    assert f"{websocket.MAX_FRAME // 1024} KiB" in row("a WebSocket frame")
    assert f"every {defaults.ping_interval:g} s" in row("keepalive ping")
    assert f"| {defaults.ping_timeout:g} s |" in row("time to answer a ping")
    assert f"{defaults.ping_interval + defaults.ping_timeout:g} s by default" in \
        row("time to answer a ping")
    assert f"| {defaults.login_timeout:g} s |" in row("silence at the login screen")
    assert defaults.idle_timeout == 0 and "| never (0) |" in row("silence in the game")
    assert f"{websocket.MAX_COMMAND} characters" in row("a `command` frame")


def test_account_and_world_limits_match_the_code():
    assert f"{accounts.MIN_PASSWORD} to {accounts.MAX_PASSWORD} characters" in row("passwords")
    assert f"| {login.MAX_FAILURES} |" in row("wrong passwords")
    throttle = LoginThrottle(None)
    assert f"| {throttle.free} free |" in row("failed logins")
    assert f"up to {throttle.max_wait:g} s" in row("failed logins")
    assert f"{int(tokens.DEFAULT_LIFETIME // 3600)} hours" in row("resume tokens")
    assert f"up to {int(Settings().token_max_age // 86400)} days" in row("resume tokens")
    assert f"{world_loader.MAX_FILE_BYTES // 1048576} MiB" in row("a YAML file")
    assert f"| {world_loader.MAX_SHOWN} characters |" in row("a value quoted in a world error")
    assert f"| {world_loader.MAX_ERRORS} |" in row("errors reported by one start-up")
    assert f"{actions.MAX_SPEECH} characters" in row("speech")
    from mud.systems.channels import definitions as channels
    from mud.systems.channels import hub
    assert f"| {hub.MAX_TEXT} characters; {hub.BURST} lines at once, then one every " \
        f"{1 / hub.RATE:g} s per speaker" in row("a line on a channel")
    assert f"| {channels.MAX_CHANNELS} channels; a name or alias {channels.MIN_NAME} to " \
        f"{channels.MAX_NAME} letters, {channels.MAX_ALIASES} aliases, a label of " \
        f"{channels.MAX_LABEL} characters, a description of {channels.MAX_DESCRIPTION}, " \
        f"history 0 to {channels.MAX_HISTORY} lines ({channels.DEFAULT_HISTORY} unless" \
        in row("channels (world.yaml")
    assert f"| {actions.MAX_DESCRIPTION} characters |" in row("a character's own description")
    from mud.systems import readables
    assert f"| {readables.MAX_TEXT} characters |" in row("the words on a readable thing")
    from mud.systems import resets
    assert f"{resets.MIN_EVERY:g} s to {resets.MAX_EVERY:g} s" in row("an area's `reset:")
    assert f"up to {resets.MAX_MESSAGE} characters" in row("an area's `reset:")
    from mud.systems import containers
    assert f"| {containers.DEFAULT_CAPACITY} things unless its `capacity` says otherwise, 1 " \
        f"to {containers.MAX_CAPACITY} |" in row("what a container holds")
    assert f"| {containers.MAX_DEPTH} deep |" in row("how deep containers' declared")
    from mud.systems.quests import declared as quests
    assert f"its `name` up to {quests.MAX_NAME} characters; its `active` and `done` words " \
        f"up to {quests.MAX_WORDS} each" in row("a quest (an area's `quests:`)")
    from mud.engine.activity import QUIET_GRACE
    from mud.systems.behaviours.base import MAX_NUMBER, MAX_SECONDS, MIN_INTERVAL
    assert f"| {MIN_INTERVAL:g} s at the least, {MAX_SECONDS:.0f} s (a week) at the most; " \
        f"other numbers {MAX_NUMBER:.0f} at the most" in row("a behaviour's interval")
    from mud.systems.behaviours.guard import SPEAK_AGAIN
    assert f"| said again {SPEAK_AGAIN:g} s apart at the soonest" in row("a `guard`'s message")
    assert f"sleep {QUIET_GRACE:g} s after" in row("an area with no player in it")


def test_name_registration_and_player_text_limits_match_the_code():
    from mud.player_text import MAX_STRING_COMMAND
    assert f"{accounts.MIN_NAME} to {accounts.MAX_NAME} letters" in row("character names")
    reserved = row("names of new characters")
    assert all(word in reserved for word in accounts.DEFAULT_RESERVED)
    assert all(word in reserved.split("stay reserved")[0].split("replaces")[1]
               for word in accounts.BUILT_IN_RESERVED)
    assert f"| {Settings().registrations_per_hour} an hour |" in row("new characters per")
    assert f"| {accounts.KNOWN_ADDRESSES} most recent |" in row("addresses an account")
    assert f"within {MAX_STRING_COMMAND} characters" in row("escape sequences and control")
    readme = (ROOT / "README.md").read_text()
    assert f"| `{Settings().registrations_per_hour}` |" in \
        next(line for line in readme.splitlines() if "--registrations-per-hour" in line)
    assert "`too_many_registrations`" in (ROOT / "docs" / "protocol.md").read_text()


def test_saving_limits_match_the_defaults():
    from mud import process, service, session
    defaults = Settings()
    assert f"every {defaults.autosave:g} s" in row("changes lost to a `kill -9`")
    assert f"| {session.QUIT_SAVE_WAIT:g} s |" in row("`quit` waiting")
    assert f"past {session.QUIT_SAVE_WAIT:g} s" in row("`quit` waiting")
    assert f"| {defaults.stop_timeout:g} s | `--stop-timeout` |" in row("a stop (SIGTERM")
    assert f"up to {service.CLOSE_GRACE_SECONDS:g} s" in row("a stop (SIGTERM")
    assert f"| {defaults.save_grace:g} s, within" in row("retrying failed saves")
    assert f"exits {process.UNSAVED}" in row("retrying failed saves")
    assert defaults.fallback_dir == "" and "`--fallback-dir`" in row("where the fallback")
    readme = (ROOT / "README.md").read_text()
    for option, default in [("stop-timeout", defaults.stop_timeout),
                            ("save-grace", defaults.save_grace)]:
        (line,) = [row for row in readme.splitlines() if row.startswith(f"| `--{option} ")]
        assert f"`{default:g}`" in line
    assert f"exits with status {process.UNSAVED}" in readme and "SIGHUP" in readme
    from mud import tap
    assert f"up to {tap.LEFT_OUT_ONE_BY_ONE} at a start-up" in row("saved items that no longer")
    assert f"past {tap.LEFT_OUT_ONE_BY_ONE}, one line per kind of place with their count " \
        f"and the first {tap.LEFT_OUT_NAMED} ids" in row("saved items that no longer")


def test_hashing_threads_match_the_default():
    threads = Settings().hashing_threads
    assert f"in {threads} threads at most | `--hashing-threads` |" in row("password hashing")
    readme = (ROOT / "README.md").read_text()
    (line,) = [row for row in readme.splitlines() if row.startswith("| `--hashing-threads ")]
    assert f"| `{threads}` |" in line


def test_hashing_queue_matches_the_default():
    from mud import hashing
    waiting = Settings().hashing_queue
    assert waiting == hashing.DEFAULT_MAX_WAITING
    assert f"| {waiting} | `--hashing-queue` |" in row("password checks waiting")
    assert f"(nice +{hashing.NICENESS})" in row("password checks waiting")
    readme = (ROOT / "README.md").read_text()
    (line,) = [row for row in readme.splitlines() if row.startswith("| `--hashing-queue ")]
    assert f"| `{waiting}` |" in line


def test_listen_backlog_matches_the_code():
    from mud.listener import LISTEN_BACKLOG
    assert row("connections waiting to be accepted").startswith(
        f"| connections waiting to be accepted (a listener's backlog) | {LISTEN_BACKLOG} ")
    readme = (ROOT / "README.md").read_text()
    (line,) = [row for row in readme.splitlines() if row.startswith("| `--telnet ")]
    assert f"gets {LISTEN_BACKLOG} (a login storm" in line


def test_telnet_option_limits_match_the_code():
    from mud.protocols.options import gmcp, mccp, naws, ttype
    assert f"| {ttype.MAX_ROUNDS} |" in row("terminal type answers")
    from mud.protocols.options.negotiator import OFFER_WAIT
    assert f"| {OFFER_WAIT:g} s after connect |" in row("telnet offers a client leaves")
    assert f"| {gmcp.MAX_PACKAGES} |" in row("GMCP packages")
    assert f"{naws.MIN_WIDTH} to {naws.MAX_WIDTH} columns" in row("window width")
    assert f"window 2^{mccp.WINDOW_BITS}, memLevel {mccp.MEM_LEVEL}" in row("MCCP2")


def test_json_nesting_limit_matches_the_code():
    from mud.protocols import bounded_json
    assert f"| {bounded_json.MAX_DEPTH} levels" in row("JSON nesting")


def test_web_listener_limits_match_the_code():
    from mud.protocols import http_guard
    assert f"{http_guard.HEAD_TIMEOUT:g} s from its first byte" in row("time to send a request")
    assert f"{http_guard.MAX_BODY // 1024} KiB" in row("a request body")
    from twisted.web.http import HTTPChannel
    assert f"{HTTPChannel.totalHeadersSize // 1024} KiB" in row("size of a request head")
    assert Settings().allowed_origins == () and "own origin" in row("pages that may open")


def test_web_command_id_memory_matches_the_code():
    from mud.protocols import command_ids
    assert (f"{command_ids.PER_CHARACTER} a character, for {command_ids.CHARACTERS:,} "
            "characters") in row("web command ids")


def test_the_audit_file_and_admin_limits_match_the_code():
    from mud import audit
    from mud.systems import admin
    assert Settings().audit_file == ""
    assert f"rotated past {audit.ROTATE_BYTES // 1024 // 1024} MiB" in row("the audit file")
    assert f"at most {audit.MAX_FIELD} characters" in row("the audit file")
    assert "`--audit-file`" in row("the audit file")
    doc = (ROOT / "docs" / "audit.md").read_text()
    assert f"at most {audit.MAX_FIELD} characters" in doc
    assert f"past {audit.ROTATE_BYTES // 1024 // 1024} MiB" in doc
    for word in audit.SECRET_WORDS:
        assert f"`{word}`" in doc
    for event in ("register", "login", "login_failed", "takeover", "linkdead", "logout",
                  "kick", "revoke", "announce", "role"):
        assert f"| `{event}` |" in doc
    assert f"| {admin.MAX_ANNOUNCE} characters," in row("an admin's announcement")
    assert f"{admin.MAX_ANNOUNCE} at most" in row("an admin's announcement")
    assert f"reason: {admin.MAX_REASON} at most" in row("an admin's announcement")
    readme = (ROOT / "README.md").read_text()
    assert "| `--audit-file FILE` | `MUD_AUDIT_FILE` | none |" in readme


def test_the_ban_limits_and_events_match_the_code():
    from mud import bans
    assert f"at most {bans.MAX_BANS} held at once" in row("bans")
    assert f"There are {bans.MAX_BANS} bans already" in row("bans")
    assert f"a reason of at most {bans.MAX_REASON} characters" in row("bans")
    assert f"{bans.MAX_REASON} at most" in row("bans")
    assert bans.MAX_DURATION == 10 * 365 * 86400 and "ten years" in row("bans")
    doc = (ROOT / "docs" / "audit.md").read_text()
    for event in ("ban", "unban", "connect_refused", "login_refused"):
        assert f"| `{event}` |" in doc
    assert "| `banned` |" in (ROOT / "docs" / "protocol.md").read_text()


def test_the_area_saving_docs_match_the_code():
    """Area saving (mud/systems/building/saving.py): the setting's default in limits.md,
    README's option table and the example config; its audit events in audit.md."""
    seconds = Settings().area_autosave
    assert f"saved every {seconds:g} s" in row("areas builders changed online")
    assert "`--area-autosave`" in row("areas builders changed online")
    readme = (ROOT / "README.md").read_text()
    (line,) = [r for r in readme.splitlines() if r.startswith("| `--area-autosave ")]
    assert f"| `MUD_AREA_AUTOSAVE` | `{seconds:g}` |" in line
    assert f"\narea_autosave: {seconds:g}\n" in (ROOT / "docs" / "mud.example.yaml").read_text()
    doc = (ROOT / "docs" / "audit.md").read_text()
    for event in ("area_saved", "area_save_failed"):
        assert f"| `{event}` |" in doc


def test_the_admin_api_limits_events_and_endpoints_match_the_code():
    from mud import api_tokens
    from mud.persistence.store import SCHEMA_VERSION
    from mud.protocols import admin_api
    assert f"{admin_api.MAX_BODY // 1024} KiB of JSON, nested at most {admin_api.MAX_DEPTH} " \
        "levels" in row("an admin API request body")
    assert f"at most {api_tokens.MAX_TOKENS} held" in row("admin API tokens")
    assert f"There are {api_tokens.MAX_TOKENS} tokens already" in row("admin API tokens")
    assert "1 to 40 letters" in row("admin API tokens") and api_tokens.label_problem("x" * 40) \
        is None and api_tokens.label_problem("x" * 41)
    doc = (ROOT / "docs" / "admin-api.md").read_text()
    for path, (method, _) in admin_api.ROUTES.items():
        assert f"`{method.decode()} /api/admin/{path}`" in doc
        assert f"$API/{path}" in doc  # a curl example for each
    assert f"store schema {SCHEMA_VERSION}" in doc
    assert f"over {admin_api.MAX_BODY // 1024} KiB" in doc
    assert f"At most {api_tokens.MAX_TOKENS} tokens" in doc
    from mud import api_refusals as refusals
    throttled = row("refused admin API requests from one address")
    assert f"{refusals.FREE_FAILURES} refusals (401), then a wait of 1 s" in throttled
    assert f"up to {refusals.MAX_WAIT:g} s; forgotten after {refusals.FORGET:g} s" in throttled
    assert f"refused (401) {refusals.FREE_FAILURES} times" in doc
    assert f"up to {refusals.MAX_WAIT:g} seconds" in doc
    assert f"{refusals.FORGET / 60:g} minutes without a refusal" in doc
    assert refusals.AUDIT_WINDOW == 60 and "one summary a minute" in row(
        "audit lines for refused admin API requests")
    assert f"read again after {api_tokens.CACHE_SECONDS:g} s" in row("stored admin API tokens")
    assert f"keeps them for {api_tokens.CACHE_SECONDS:g} seconds" in doc
    audit_doc = (ROOT / "docs" / "audit.md").read_text()
    for event in ("api", "api_refused"):
        assert f"| `{event}` |" in audit_doc
    readme = (ROOT / "README.md").read_text()
    assert f"schema {SCHEMA_VERSION}, older ones are upgraded" in readme
    assert "mud-admin-token create LABEL" in readme
    assert f"refused {refusals.FREE_FAILURES} times is answered 429" in readme
    assert f"takes a new token within {api_tokens.CACHE_SECONDS:g} seconds" in readme


def test_the_builders_set_limits_match_the_code():
    """create/set/spawn/destroy (mud/systems/building/things.py): set's bounds."""
    from mud.systems.building import values

    line = row("a builder's `set <item or npc> <field> <value>`")
    assert f"a name or plural {values.MAX_NAME} characters" in line
    assert f"a description {values.MAX_DESCRIPTION}" in line
    assert f"any other value {values.MAX_VALUE}" in line
    assert f"nests at most {values.MAX_DEPTH} deep" in line
    (audit_row,) = [r for r in (ROOT / "docs" / "audit.md").read_text().splitlines()
                    if r.startswith("| `build` |")]
    for action in ("create item", "create npc", "set item", "set npc", "spawn item",
                   "spawn npc", "destroy", "destroy item", "destroy npc"):
        assert f"`{action}`" in audit_row


def test_the_room_edit_limits_and_the_builders_guide_match_the_code():
    """dig/rname/rdesc/rexit limits (docs/limits.md), and docs/building.md names every
    command of the builder set."""
    from mud import systems
    from mud.commands.registry import command_set
    from mud.systems.building import edits, rooms, values

    line = row("a builder's room edits")
    assert f"a room name {values.MAX_NAME} characters" in line
    assert f"a description {values.MAX_DESCRIPTION} characters or {rooms.MAX_LINES} lines" \
        in line
    assert f"an exit's YAML value {values.MAX_VALUE} characters" in line
    assert f"at most {edits.MAX_SHOWN_ERRORS} of the loader's messages" in line
    assert f"up to {edits.MAX_RETRIES} times" in line
    systems.install_all()
    guide = (ROOT / "docs" / "building.md").read_text()
    for name in command_set("builder").commands:
        assert f"| `{name}" in guide or f"/ `{name}" in guide, name


def test_the_metrics_docs_match_the_code():
    """docs/metrics.md lists every metric a scrape gives; the default listener and the
    scrape's wait are what the code has (README, limits, example config too)."""
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from mud import metrics
    from tests.support import make_game

    game = make_game()
    text = generate_latest(metrics.Metrics(game, game.world.clock).registry).decode()
    doc = (ROOT / "docs" / "metrics.md").read_text()
    names = {family.name for family in text_string_to_metric_families(text)}
    assert "mud_players" in names and "process_resident_memory_bytes" in names
    for family in text_string_to_metric_families(text):
        name = family.name + ("_total" if family.type == "counter" else "")
        assert f"`{name}`" in doc, f"docs/metrics.md does not describe {name}"
    default = Settings().metrics[0]
    assert f"| `{default}` |" in doc
    assert f"| `{default}`: loopback only" in row("where `/metrics` is served")
    assert f"| {metrics.READ_TIMEOUT:g} s |" in row("a scrape waiting for the game")
    assert f"waits at most {metrics.READ_TIMEOUT:g} s" in doc
    assert f"| `--metrics ENDPOINT` | `MUD_METRICS` | `{default}` |" in \
        (ROOT / "README.md").read_text()
    assert f"\nmetrics: {default}\n" in (ROOT / "docs" / "mud.example.yaml").read_text()


def test_the_prompt_and_state_request_limits_match_the_code():
    from mud import session
    from mud.engine import prompts
    assert f"at most once every {session.REFRESH_GAP:g} s" in row("a client asking for its")
    assert f"{prompts.MAX_FORMAT} characters; each field fills in at most " \
        f"{prompts.MAX_FIELD}" in row("a player's own prompt")


def test_the_web_request_limit_matches_the_code():
    from mud.protocols import websocket
    assert f"at most once every {websocket.REQUEST_GAP:g} s per connection" in \
        row("a web client asking for a channel's")


def test_the_shop_limits_match_the_code():
    """Shops (mud/systems/combat/shops*.py): the bounds a shop: and value: may hold, and
    how many things one buy makes, as docs/limits.md, docs/shops.md and worlds/README say."""
    from mud.systems.combat import shops, shops_trade
    shop_row = row("a shop (an NPC's `shop:`)")
    assert f"at most {shops.MAX_WARES} wares; a counted ware 1 to {shops.MAX_STOCK}; " \
        f"`markup` {shops.MIN_MARKUP:g} to {shops.MAX_MARKUP:g}, `pays` 0 to 1" in shop_row
    assert f"`message` up to {shops.MAX_MESSAGE} characters; an item's `value:` 0 to " \
        f"{shops.MAX_VALUE}" in shop_row
    assert f"| {shops_trade.MAX_BUY} |" in row("things bought at once")
    guide = (ROOT / "docs" / "shops.md").read_text()
    assert f"| things bought at once | {shops_trade.MAX_BUY} " in guide
    assert f"| wares in one shop | {shops.MAX_WARES} |" in guide
    assert f"| {shops.DEFAULT_MARKUP:g}: it charges" in (ROOT / "worlds" / "README.md").read_text()


def test_the_combat_rules_and_creature_limits_match_the_code():
    from mud.systems.combat import dice, npc_vitals, rules
    world = row("the world's combat numbers")
    assert f"0 to {rules.MAX_POINTS} each; at most {rules.MAX_LEVELS} `levels`, each 0 to " \
        f"{rules.MAX_XP} xp; `regen.every` {rules.MIN_TICK:g} s to {rules.MAX_TICK:g} s; " \
        f"`corpse_decay` {rules.MIN_DECAY:g} s to {rules.MAX_DECAY:g} s" in world
    assert f"`start_gold` and `npc_xp` up to {rules.MAX_GOLD}" in world
    assert f"`titles` one a level, each up to {rules.MAX_TITLE} characters" in world
    assert f"coins a character holds up to {rules.MAX_GOLD}" in world
    from mud.systems.combat import moves_rules
    moves = row("walking, fleeing, resting and mending")
    assert f"cost 0 to {moves_rules.MAX_COST} points; `move_cost` names at most " \
        f"{moves_rules.MAX_PLACES} environments; `regen.resting` multiplies a tick 1 to " \
        f"{moves_rules.MAX_RESTING} times" in moves
    npc = row("a creature's fighting numbers")
    assert f"`level` 1 to {npc_vitals.MAX_LEVEL}; `hp` 1 to {rules.MAX_POINTS}" in npc
    assert f"`armour` -{npc_vitals.MAX_ARMOUR} to {npc_vitals.MAX_ARMOUR}; `hitroll` " \
        f"-{npc_vitals.MAX_HITROLL} to {npc_vitals.MAX_HITROLL}" in npc
    assert f"1 to {dice.MAX_COUNT} dice of 1 to {dice.MAX_SIDES} sides, plus or minus up " \
        f"to {dice.MAX_BONUS}" in row("what a thing worn adds")


def test_the_fight_and_death_limits_match_the_code():
    """Fights, loot and corpses (mud/systems/combat/fight.py, death_loot.py, corpses.py) as
    docs/limits.md and docs/combat.md say."""
    from mud.systems.combat import corpses, death_loot, fight
    fights = row("a fight and what a death leaves")
    assert f"a round every {fight.ROUND:g} s, one timer per fight; a flee fails 1 time in " \
        f"{round(1 / fight.FLEE_FAILS)}" in fights
    assert f"`coins` 0 to {death_loot.MAX_COINS} and at most {death_loot.MAX_ITEMS} `items`; " \
        f"a corpse takes up to {corpses.CAPACITY} things" in fights
    guide = (ROOT / "docs" / "combat.md").read_text()
    assert f"**rounds every {fight.ROUND:g} seconds**" in guide
    assert f"Rounds**: every {fight.ROUND:g} seconds" in guide


def test_the_shared_store_limits_match_the_code():
    from mud.persistence import pg_schema, pg_store
    assert f"{pg_store.CONNECT_TIMEOUT} s" in row("connecting to PostgreSQL")
    tcp = pg_store.TCP_OPTIONS
    assert (f"after {tcp['keepalives_idle']} s idle, every {tcp['keepalives_interval']} s, "
            f"{tcp['keepalives_count']} missed; data unacknowledged for "
            f"{tcp['tcp_user_timeout'] // 1000} s") in row("PostgreSQL that stops answering")
    assert f"schema version {pg_schema.SCHEMA_VERSION} known" in row(
        "a database written by a newer server")
    assert f"| {pg_store.STATEMENT_TIMEOUT_MS // 1000} s |" in row(
        "a statement that does not finish")
    from mud.cluster import claims
    assert (f"one UPDATE every {claims.BEAT:g} s for all of the realm's claims; lapses "
            f"{claims.STALE_AFTER:g} s after") in row("one body per account")


def test_the_afk_and_realms_directory_limits_match_the_code():
    from mud.cluster import directory
    from mud.engine import tells
    assert f"| {tells.MAX_AWAY} characters; `afk` {tells.AFK_BURST} times at once, then " \
        f"once every {tells.AFK_EVERY:g} s per player" in row("an afk message")
    assert f"{tells.MAX_ANSWERED} remembered a spell" in row("tellers answered")
    realms = row("who is in the other realms")
    assert f"a beat every {directory.BEAT:g} s carrying only the realm's player count" in realms
    assert f"not heard for {directory.MISSED_BEATS} beats is forgotten" in realms
    # What the code does with each (tests/test_directory.py checks it): names dropped,
    # not cut; a long via shown as ?; afk cut; a long list dropped whole.
    assert f"whose name is longer than {directory.MAX_NAME} characters is ignored, not " \
        "cut" in realms
    assert f"longer than {directory.MAX_VIA} characters, shows as `?`; afk messages are " \
        f"cut at {tells.MAX_AWAY}; a list of more than {directory.MAX_PLAYERS:,} players " \
        "is ignored whole" in realms
