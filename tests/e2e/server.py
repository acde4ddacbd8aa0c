"""A real MudService on loopback ports for in-process end-to-end tests (trial)."""

from __future__ import annotations

from pathlib import Path

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater
from twisted.trial import unittest

from mud.config import Settings
from mud.service import MudService
from mud.tap import build_service
from tests.support import BUNDLED_WORLD, CHEAP, grant_role, world_copy

LOOPBACK = "tcp:0:interface=127.0.0.1"


class ServerTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.data = self.mktemp()
        self.services: list[MudService] = []

    def copy_world(self) -> Path:
        """A copy of the bundled world in this test's temporary folder (to build on)."""
        folder = Path(self.mktemp())
        folder.mkdir(parents=True)
        return world_copy(folder)

    @inlineCallbacks
    def telnet_builder(self, service: MudService, name: str) -> object:
        """A telnet player who made ``name`` and stands in the square as a builder (the role
        stored, as mud-role or an admin's promote would)."""
        from tests.e2e.client import connect
        player = yield connect(self.telnet_port)
        yield player.ask(f"create {name} secret1", "Village Square")
        yield grant_role(service.game, name.lower(), "builder")
        return player

    def start(self, **overrides: object) -> MudService:
        # No /metrics unless a test asks (metrics=(LOOPBACK,)): never the default port.
        settings = Settings(telnet=(LOOPBACK,), web=(LOOPBACK,), metrics=(),
                            world=str(BUNDLED_WORLD),
                            data=self.data, autosave=3600).with_values(overrides, "test")
        service = build_service(settings, reactor=reactor, password_cost=CHEAP)
        service.privilegedStartService()
        service.startService()
        self.services.append(service)
        self.telnet_port = service.ports("telnet")[0]
        self.web_port = service.ports("web")[0]
        return service

    @inlineCallbacks
    def tearDown(self):
        for service in self.services:
            if service.running:
                yield service.stopService()


@inlineCallbacks
def eventually(condition, timeout=5.0):
    waited = 0.0
    while not condition():
        if waited > timeout:
            raise AssertionError("condition never became true")
        yield deferLater(reactor, 0.02, lambda: None)
        waited += 0.02
