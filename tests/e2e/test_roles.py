"""Roles over real sockets with a real twistd (issue 12): the sysadmin makes the first admin
from the shell while the server runs, and the promoted player uses an admin command at once,
over telnet and the web; a player cannot reach a builder's or admin's command by any path
(telnet word, prefix, JSON ``command``), and the shell tool's errors are clear."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.trial import unittest

from tests.e2e.client import connect
from tests.e2e.processes import telnet_server
from tests.e2e.wsclient import connect_web
from tests.support import world_copy


class ShellRoleCase(unittest.TestCase):
    """A real twistd beside which the ``mud-role`` tool runs (no tests of its own)."""

    timeout = 120

    def setUp(self) -> None:
        self.tmp = Path(self.mktemp()).absolute()
        self.tmp.mkdir(parents=True)
        self.servers: list = []
        self.addCleanup(lambda: [server.stop() for server in self.servers])

    def role_tool(self, *args: str):
        """``python -m mud.role_tool ARGS`` (what the mud-role script runs), in a thread."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith("MUD_")}
        return threads.deferToThread(
            subprocess.run, [sys.executable, "-m", "mud.role_tool", *args],
            capture_output=True, text=True, timeout=60, cwd=str(self.tmp), env=environ)

    @inlineCallbacks
    def web_player(self, port: int, name: str):
        web = yield connect_web(port)
        yield web.wait("hello")
        web.send(type="register", name=name, password="secret1")
        ok = yield web.wait("login_ok", name=name)
        yield web.wait("room")
        return web, ok


class FirstAdminTests(ShellRoleCase):
    @inlineCallbacks
    def test_the_shell_promotes_a_player_of_a_running_server_who_then_promotes_another(self):
        server = telnet_server(self.tmp, self.servers)
        data = str(self.tmp / "var")
        telnet_port, web_port = server.port(), server.port("web")
        rowan = yield connect(telnet_port)
        yield rowan.ask("create Rowan secret1", "Village Square")
        wynn, ok = yield self.web_player(web_port, "Wynn")
        self.assertNotIn("promote", ok["commands"])
        # A player reaches no admin command: not by its word, a prefix, or a JSON command.
        yield rowan.ask("promote Wynn admin", "'promote' needs the admin role.")
        yield rowan.ask("promo Wynn admin", "Unknown command 'promo'")
        yield rowan.ask("help promote", "'promote' needs the admin role.")
        wynn.command("promote Wynn admin")
        refused = yield wynn.wait("error")
        self.assertEqual(refused["message"], "'promote' needs the admin role.")
        wynn.command("demo Rowan")
        refused = yield wynn.wait("error")
        self.assertIn("Unknown command 'demo'", refused["message"])

        # The shell's errors, while the server runs.
        done = yield self.role_tool("promote", "Nobody", "--data", data)
        self.assertEqual(done.returncode, 1)
        self.assertIn("There is no character called 'Nobody'.", done.stderr)
        done = yield self.role_tool("promote", "Rowan", "god", "--data", data)
        self.assertEqual(done.returncode, 1)
        self.assertIn("There is no role 'god'", done.stderr)
        done = yield self.role_tool("--data", str(self.tmp / "empty"), "promote", "Rowan")
        self.assertEqual(done.returncode, 1)
        self.assertIn("holds no mud.sqlite3", done.stderr)

        # The first admin, made from the shell while Rowan plays: the next admin command works.
        done = yield self.role_tool("promote", "Rowan", "--data", data)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("Rowan is now an admin (was a player).", done.stdout)
        self.assertIn("role change: Rowan player -> admin, by the sysadmin (from the shell",
                      done.stderr)
        done = yield self.role_tool("promote", "rowan", "admin", "--data", data)
        self.assertIn("Rowan is already an admin.", done.stderr)
        yield rowan.ask("promote Wynn admin", "Wynn is now an admin (was a player).")
        told = yield wynn.wait("role")
        self.assertIn("Rowan made you an admin.", told["text"])
        # The web client's Tab completion learns the new words with it.
        self.assertIn("promote", told["commands"])
        self.assertIn("dig", told["commands"])
        # Now Wynn, over the web, uses the admin commands at once.
        wynn.command("demote Rowan")
        yield rowan.wait_for("Wynn made you a player.")
        yield rowan.ask("promote Wynn builder", "'promote' needs the admin role.")
        wynn.command("demote Wynn")
        last = yield wynn.wait("error")
        self.assertIn("Wynn is the last admin", last["message"])
        # Who changed whom, from where, is in the server's log.
        log = server.output()
        self.assertIn("Rowan's role in the store is admin (changed outside this game)", log)
        self.assertIn("role change: Wynn player -> admin, by Rowan (in game, telnet from "
                      "127.0.0.1)", log)
        self.assertIn("role change: Rowan admin -> player, by Wynn (in game, web from "
                      "127.0.0.1)", log)
        wynn.sendClose()
        yield wynn.closed
        rowan.transport.loseConnection()

    @inlineCallbacks
    def test_a_stopped_server_finds_the_role_given_from_the_shell_at_the_next_start(self):
        server = telnet_server(self.tmp, self.servers)
        data = str(self.tmp / "var")
        rowan = yield connect(server.port())
        yield rowan.ask("create Rowan secret1", "Village Square")
        yield rowan.ask("quit", "Farewell")
        server.stop()
        config = self.tmp / "mud.yaml"
        config.write_text(f"data: {data}\n")
        done = yield self.role_tool("promote", "Rowan", "builder", "--config", str(config))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("Rowan is now a builder (was a player).", done.stdout)
        again = telnet_server(self.tmp, self.servers)
        web_port = again.port("web")
        web = yield connect_web(web_port)
        yield web.wait("hello")
        web.send(type="login", name="Rowan", password="secret1")
        ok = yield web.wait("login_ok", name="Rowan")
        self.assertNotIn("promote", ok["commands"])
        yield web.wait("room")
        web.command("promote Rowan admin")
        refused = yield web.wait("error")
        self.assertEqual(refused["message"], "'promote' needs the admin role.")
        web.sendClose()
        yield web.closed


class ShellDemotionTests(ShellRoleCase):
    """A role taken away from the shell while its character plays takes effect before the
    character's next builder's or admin's command (issue 12: it used to wait for a
    refused command, which a builder never met)."""

    @inlineCallbacks
    def test_a_builder_and_a_web_admin_demoted_from_the_shell_lose_their_commands(self):
        world = world_copy(self.tmp)
        files = {p: p.read_bytes() for p in world.rglob("*.yaml")}
        server = telnet_server(self.tmp, self.servers, "--world", str(world),
                               "--area-autosave", "0")
        data = str(self.tmp / "var")
        bram = yield connect(server.port())
        yield bram.ask("create Bram secret1", "Village Square")
        cora = yield connect(server.port())
        yield cora.ask("create Cora secret1", "Village Square")
        wynn, _ = yield self.web_player(server.port("web"), "Wynn")
        for name, role in (("Bram", "builder"), ("Wynn", "admin")):
            done = yield self.role_tool("promote", name, role, "--data", data)
            self.assertEqual(done.returncode, 0, done.stderr)

        # Promoted from the shell: the commands work at once.
        yield bram.ask("rname Bram's Square", "This room is now called Bram's Square.")
        wynn.command("users")
        yield wynn.wait("users")
        yield bram.ask("rdesc", "a line with only . ends it")
        bram.send("Someone scrawled HACKED on every wall.")

        # Demoted from the shell halfway through the description.
        for name in ("Bram", "Wynn"):
            done = yield self.role_tool("demote", name, "--data", data)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn(f"{name} is now a player", done.stdout)
        bram.send(".")
        yield bram.wait_for("You are now a player.")
        yield bram.wait_for("'rdesc' needs the builder role.")
        yield bram.ask("rname Hacked", "'rname' needs the builder role.")
        yield bram.ask("save area", "'save area' needs the builder role.")
        seen = yield bram.ask("look", "Bram's Square")
        self.assertNotIn("HACKED", seen)
        self.assertNotIn("Hacked", seen)

        wynn.command("kick Cora")
        told = yield wynn.wait("role")
        self.assertEqual(told["text"], "You are now a player.")
        self.assertNotIn("kick", told["commands"])
        self.assertNotIn("rname", told["commands"])
        refused = yield wynn.wait("error")
        self.assertEqual(refused["message"], "'kick' needs the admin role.")
        # Cora was not kicked; no world file was written.
        yield cora.ask("look", "Bram's Square")
        self.assertEqual({p: p.read_bytes() for p in world.rglob("*.yaml")}, files)
        log = server.output()
        self.assertIn("Bram's role in the store is player (changed outside this game)", log)
        self.assertNotIn("audit kick", log)
        wynn.sendClose()
        yield wynn.closed
        for player in (bram, cora):
            player.transport.loseConnection()
