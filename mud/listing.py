"""What the server tells MUD listing sites (MSSP): measured figures plus the config's.

NAME, PLAYERS (characters in the game with a live connection: a crawler that connects
and leaves never counts), UPTIME (the Unix time the server started, an integer) and the
world's size are measured; everything else has a sensible default that the config file's
``mssp:`` mapping can override or extend (CONTACT, WEBSITE, HOSTNAME, GENRE...).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping

from mud.engine.model import NOBODY
from mud.game import Game
from mud.protocols.options import mssp

CODEBASE = "Emberfall MUD (Python, Twisted)"


class Listing:
    def __init__(self, game: Game, configured: Mapping[str, object], started: float,
                 ports: Callable[[str], list[int]]) -> None:
        self.game = game
        self.configured = dict(configured)
        self.started = int(started)
        self.ports = ports

    def measured(self) -> dict[str, object]:
        world = self.game.world
        telnet = self.ports("telnet")
        return {
            "NAME": world.name,
            "PLAYERS": sum(1 for c in world.online.values() if c.link is not NOBODY),
            "UPTIME": self.started,
            "CODEBASE": CODEBASE,
            "CONTACT": "",
            "CRAWL DELAY": "-1",
            "HOSTNAME": socket.gethostname(),
            "PORT": telnet[:1] or ["-1"],
            "WEBSITE": "",
            "LANGUAGE": "English",
            "GENRE": "Fantasy",
            "GAMEPLAY": "Adventure",
            "STATUS": "Alpha",
            "FAMILY": "Custom",
            "AREAS": len(world.area_names),
            "ROOMS": len(world.rooms),
            "MOBILES": len(world.npcs),
            "OBJECTS": len(world.templates),
            "ANSI": 1,
            "UTF-8": 1,
            "VT100": 0,
            "XTERM 256 COLORS": 1,
            "XTERM TRUE COLORS": 1,
            "MCCP": 1,
            "GMCP": 1,
            "MSDP": 0,
            "MXP": 0,
            "PUEBLO": 0,
            "SSL": "-1",
            "PAY TO PLAY": 0,
            "PAY FOR PERKS": 0,
        }

    def __call__(self) -> mssp.Variables:
        return mssp.variables(self.configured, self.measured)
