"""What bench/capacity/evennia.py writes into an Evennia game dir: settings.py (THROTTLES
raised), the `evennia shell` script that makes the spread rooms and seeded accounts through
Evennia's own API (SEED), and an at_server_start hook that tells the bench each server start
(STARTED_HOOK). Text templates only: nothing here imports Evennia.
"""

from __future__ import annotations

# Settings raised for the benchmark: (name, value as Python source, Evennia's default, why).
THROTTLES: list[tuple[str, str, str, str]] = [
    ("MAX_CONNECTION_RATE", "100000", "2",
     "new connections are queued to 2 per second: 200 players would need 100 s to get in"),
    ("MAX_COMMAND_RATE", "1000000000", "80",
     "commands over 80/s per session are dropped with a warning (0 cannot switch it off in "
     "5.0.1: the portal divides by it)"),
    ("MAX_CHAR_LIMIT", "1000000", "6000", "longest input line accepted"),
    ("CREATION_THROTTLE_LIMIT", "None", "2 per 10 min per IP",
     "every bench player connects from 127.0.0.1"),
    ("LOGIN_THROTTLE_LIMIT", "None", "5 per 5 min per IP", "the same, for the login storm"),
    ("IDLE_TIMEOUT", "-1", "-1", "kept off: idle players must stay connected"),
    ("AUTH_PASSWORD_VALIDATORS", "[]", "length >= 8, not common, not numeric",
     "the runner's passwords are short; hashing cost is unchanged"),
    ("WEBSERVER_ENABLED", "False", "True", "telnet only: no web server or webclient in the way"),
    ("WEBSOCKET_CLIENT_ENABLED", "False", "True", "the same"),
    ("IDMAPPER_CACHE_MAXSIZE", "None", "400 MB",
     "no cache flush in the middle of a run"),
    ("IN_GAME_ERRORS", "False", "True", "tracebacks go to the log, not to every player"),
]

SETTINGS = '''\
"""Written by Emberfall's bench/capacity/evennia.py for one benchmark run."""
from evennia.settings_default import *  # noqa

SERVERNAME = "bench"
TELNET_PORTS = [{telnet}]
TELNET_INTERFACES = ["127.0.0.1"]
AMP_PORT = {amp}
AMP_INTERFACE = "127.0.0.1"
WEBSERVER_PORTS = [({web}, {web_internal})]
WEBSERVER_INTERFACES = ["127.0.0.1"]
WEBSOCKET_CLIENT_PORT = {websocket}
WEBSOCKET_CLIENT_INTERFACE = "127.0.0.1"
{throttles}
{hashers}
'''

# Cheap hashing for seeded accounts when the workload does not measure logins (real_hash
# False): MD5 first, so a login neither pays PBKDF2 nor re-hashes the password.
CHEAP_HASHERS = 'PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]'

SEED = '''\
"""Written by Emberfall's bench/capacity/evennia.py: rooms and accounts for a benchmark run.
Run by `evennia shell` before the server starts, through Evennia's own API."""
import json
import time
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from evennia import create_object, search_object
from typeclasses.accounts import Account

plan = json.loads(Path("server/conf/bench_plan.json").read_text())
began = time.monotonic()
limbo = search_object("#2")[0]
for i in range(plan["rooms"]):
    room = create_object("typeclasses.rooms.Room", key="Spread%04d" % i)
    create_object("typeclasses.exits.Exit", key="r%d" % i, location=limbo, destination=room)
rooms_done = time.monotonic()
if plan["names"]:
    # One hash for all (the same password), made with the preferred hasher of these
    # settings: every login then verifies exactly what a normal account would need.
    stored = make_password(plan["password"])
    # One transaction: SQLite would otherwise sync to disk for every row of every account.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]), \
            transaction.atomic():
        for name in plan["names"]:
            account, errors = Account.create(username=name, password=plan["password"])
            if account is None:
                raise SystemExit("account %s: %s" % (name, errors))
            account.password = stored
            account.save(update_fields=["password"])
Path("server/bench_seeded.json").write_text(json.dumps(
    {"rooms_s": rooms_done - began, "accounts_s": time.monotonic() - rooms_done}))
'''

# Each server process appends its pid here once it has started (Evennia's first start of a
# new database restarts its server process once, after the initial setup).
STARTED_HOOK = '''\
"""Written by Emberfall's bench/capacity/evennia.py: tell the bench each server start."""
import os
from pathlib import Path


def at_server_start():
    with open(Path(__file__).parent.parent / "bench_started", "a") as started:
        started.write("%d\\n" % os.getpid())
'''
