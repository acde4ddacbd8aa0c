"""A player on another host (run inside a network namespace) for the half-open tests.

``python -m tests.e2e.netns_peer telnet|web HOST PORT NAME``: creates the character, prints
READY, then stays connected, answering WebSocket pings, until it is killed.
"""

from __future__ import annotations

import sys

from twisted.internet import task
from twisted.internet.defer import Deferred, inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.wsclient import connect_web


@inlineCallbacks
def main(reactor, kind: str, host: str, port: str, name: str):
    if kind == "telnet":
        player = yield connect(int(port), host)
        player.send(f"create {name} secret1")
        yield player.wait_for(f"{name}")
        yield player.wait_for("> ")
    else:
        player = yield connect_web(int(port), host=host)
        player.send(type="register", name=name, password="secret1")
        yield player.wait("login_ok")
    print("READY", flush=True)
    yield Deferred()  # until killed


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
