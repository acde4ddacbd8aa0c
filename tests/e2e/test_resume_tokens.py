"""Resume tokens over real sockets: standard JWTs, killed by quit and by a password change,
and never renewed past the maximum age after the last password login."""

from __future__ import annotations

import os
import subprocess
import sys

import jwt
from twisted.internet import reactor, threads
from twisted.internet.defer import inlineCallbacks

from mud.engine.model import NOBODY
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.support import ROOT


class ResumeTokenTests(ServerTestCase):
    @inlineCallbacks
    def logged_in(self, how="register", name="Tamsin", password="secret1"):
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type=how, name=name, password=password)
        ok = yield web.wait("login_ok", name=name)
        yield web.wait("room")
        return web, ok["token"]

    @inlineCallbacks
    def resume(self, token):
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="resume", token=token)
        answer = yield web.wait_any("login_ok", "error")
        return web, answer

    def secret(self) -> bytes:
        with open(os.path.join(self.data, "secret.key"), "rb") as handle:
            return handle.read()

    @inlineCallbacks
    def test_the_token_is_a_jwt_any_library_can_check_with_the_secret(self):
        self.start()
        web, token = yield self.logged_in()
        claims = jwt.decode(token, self.secret(), algorithms=["HS256"])
        self.assertEqual(claims["sub"], "tamsin")
        self.assertEqual(claims["gen"], 0)
        now = reactor.seconds()
        self.assertLess(abs(claims["iat"] - now), 5)
        self.assertLess(abs(claims["exp"] - (now + 12 * 3600)), 5)
        self.assertLess(abs(claims["auth_time"] - claims["iat"]), 5)
        web.sendClose()
        yield web.closed

    @inlineCallbacks
    def test_quit_kills_the_token(self):
        self.start()
        web, token = yield self.logged_in()
        web.command("quit")
        yield web.closed
        again, answer = yield self.resume(token)
        self.assertEqual((answer["type"], answer["code"]), ("error", "bad_token"))
        again.sendClose()
        yield again.closed

    @inlineCallbacks
    def test_a_telnet_quit_kills_the_web_token_too(self):
        service = self.start()
        web, token = yield self.logged_in()
        web.transport.abortConnection()  # the browser vanishes: the body waits link-dead
        yield web.closed
        yield eventually(lambda: service.game.world.online["tamsin"].link is NOBODY)
        telnet = yield connect(self.telnet_port)
        yield telnet.ask("connect Tamsin secret1", "You take over your body")
        yield telnet.ask("quit", "Farewell")
        again, answer = yield self.resume(token)
        self.assertEqual(answer.get("code"), "bad_token")
        again.sendClose()
        yield again.closed

    @inlineCallbacks
    def test_a_password_change_kills_every_token_of_that_character(self):
        service = self.start()
        first, old_token = yield self.logged_in()
        first.transport.abortConnection()
        yield first.closed
        yield eventually(lambda: service.game.world.online["tamsin"].link is NOBODY)
        second, other_token = yield self.logged_in("login")
        second.command("password secret1 secret2")
        yield second.wait("system", text="Your password has been changed.")
        for token in (old_token, other_token):
            again, answer = yield self.resume(token)
            self.assertEqual(answer.get("code"), "bad_token")
            again.sendClose()
            yield again.closed
        # The new password works, and its token resumes.
        second.sendClose()
        yield second.closed
        third, token = yield self.logged_in("login", password="secret2")
        third.transport.abortConnection()
        yield third.closed
        fourth, answer = yield self.resume(token)
        self.assertEqual(answer["type"], "login_ok")
        fourth.sendClose()
        yield fourth.closed

    @inlineCallbacks
    def test_renewal_stops_at_the_maximum_age_after_the_password_login(self):
        service = self.start(token_max_age=3600)
        web, token = yield self.logged_in()
        web.command("quit")
        yield web.closed
        # Tokens as the server would have issued them for a login long ago (signed with the
        # server's own secret, in the account's current generation).
        signer = service.game.tokens.signer
        generation = jwt.decode(token, self.secret(), algorithms=["HS256"])["gen"] + 1
        now = reactor.seconds()
        recent = signer.issue("tamsin", generation, auth_time=now - 3000, now=now - 60)
        stale = signer.issue("tamsin", generation, auth_time=now - 3700, now=now - 60)
        renewed, answer = yield self.resume(recent)
        self.assertEqual(answer["type"], "login_ok")
        claims = jwt.decode(answer["token"], self.secret(), algorithms=["HS256"])
        # Renewed, but only up to an hour after that login, not twelve hours from now.
        self.assertEqual(claims["auth_time"], now - 3000)
        self.assertLessEqual(claims["exp"], now - 3000 + 3600)
        renewed.sendClose()
        yield renewed.closed
        again, answer = yield self.resume(stale)
        self.assertEqual(answer.get("code"), "bad_token")
        again.sendClose()
        yield again.closed

    @inlineCallbacks
    def test_an_admin_revokes_a_characters_tokens_while_the_server_runs(self):
        service = self.start()
        web, token = yield self.logged_in()
        web.transport.abortConnection()  # link-dead: the token would bring it back
        yield web.closed
        yield eventually(lambda: service.game.world.online["tamsin"].link is NOBODY)
        done = yield threads.deferToThread(
            subprocess.run, [sys.executable, "-m", "mud.revoke_tokens", "Tamsin", "Nobody",
                             "--data", os.path.abspath(self.data)], capture_output=True,
            text=True, cwd=ROOT)
        self.assertIn("Tamsin: every resume token issued so far is revoked.", done.stdout)
        self.assertIn("no character called 'Nobody'", done.stderr)
        self.assertEqual(done.returncode, 1)
        again, answer = yield self.resume(token)
        self.assertEqual(answer.get("code"), "bad_token")
        again.sendClose()
        yield again.closed
        # The password still works, and gives a token that resumes.
        fresh, token = yield self.logged_in("login")
        fresh.transport.abortConnection()
        yield fresh.closed
        last, answer = yield self.resume(token)
        self.assertEqual(answer["type"], "login_ok")
        last.sendClose()
        yield last.closed
