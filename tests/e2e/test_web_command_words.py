"""``login_ok`` carries the command words the web client completes with Tab, over a real
loopback WebSocket, on register and on resume alike (docs/protocol.md)."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web


class CommandWordsTests(ServerTestCase):
    @inlineCallbacks
    def test_login_ok_lists_the_command_words_on_register_and_resume(self):
        self.start()
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        ok = yield web.wait("login_ok", name="Wynn")
        words = ok["commands"]
        self.assertEqual(words, sorted(words))
        for word in ("look", "go", "up", "get", "say", "help", "examine", "inventory", "quit"):
            self.assertIn(word, words)
        # Abbreviations and punctuation are not completions.
        for word in ("n", "ne", "x", "'", ":", "?"):
            self.assertNotIn(word, words)
        yield web.wait("room")
        again = yield connect_web(self.web_port)
        yield again.wait("hello")
        again.send(type="resume", token=ok["token"])
        resumed = yield again.wait("login_ok", name="Wynn")
        self.assertEqual(resumed["commands"], words)

