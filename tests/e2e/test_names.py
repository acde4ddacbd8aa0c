"""Look-alike names over real sockets: "Victim\n", a Cyrillic letter in a Latin name and the
like are refused over the web and telnet with the problem named, and no second Victim
appears; reserved words and the world's NPCs are refused as new names only."""

from __future__ import annotations

import sqlite3

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web

# name sent -> what the refusal must say
LOOK_ALIKES = {
    "Victim\n": "a line break",
    "Victim\r\n": "control",
    "\nVictim": "a line break",
    "Vict\u0456m": "mixes scripts",                 # Cyrillic i
    "V\u0456ctim": "Cyrillic",
    "\uff36ictim": "look-alike of the letter 'V'",  # fullwidth V
    "V\u0131ctim": "look-alike of the letter 'i'",  # dotless i
    "Vic\u202etim": "RIGHT-TO-LEFT OVERRIDE",
    "Victim\u200b": "ZERO WIDTH SPACE",
    "V\u00edctim": "try 'Victim'",                  # an accent
}


class NameTests(ServerTestCase):
    def account_names(self, service):
        db = sqlite3.connect(service.game.store.path)
        try:
            return sorted(row[0] for row in db.execute("SELECT name FROM accounts"))
        finally:
            db.close()

    @inlineCallbacks
    def test_look_alike_names_are_refused_on_the_web_and_no_second_victim_appears(self):
        service = self.start()
        victim = yield connect_web(self.web_port)
        yield victim.wait("hello")
        victim.send(type="register", name="Victim", password="secret1")
        yield victim.wait("login_ok", name="Victim")
        impostor = yield connect_web(self.web_port)
        yield impostor.wait("hello")
        for name, problem in LOOK_ALIKES.items():
            impostor.send(type="register", name=name, password="secret1")
            refused = yield impostor.wait("error", code="invalid_name")
            self.assertIn(problem, refused["message"], repr(name))
            self.assertNotIn("\n", refused["message"])
        # Nor does a look-alike log in to anything.
        impostor.send(type="login", name="Victim\n", password="secret1")
        yield impostor.wait("error", code="bad_credentials")
        self.assertEqual(self.account_names(service), ["Victim"])
        victim.command("who")
        who = yield victim.wait("who")
        self.assertEqual([p["name"] for p in who["players"]], ["Victim"])

    @inlineCallbacks
    def test_look_alike_reserved_and_npc_names_are_refused_over_telnet(self):
        service = self.start()
        victim = yield connect(self.telnet_port)
        yield victim.ask("create Victim secret1", "Village Square")
        impostor = yield connect(self.telnet_port)
        yield impostor.wait_for("What name do you go by?")
        for line, said in (("create Vict\u0456m secret1", "mixes scripts: '\u0456' is a "
                                                          "Cyrillic letter"),
                           ("create \uff36ictim secret1", "a look-alike of the letter 'V'"),
                           ("V\u0131ctim", "a look-alike of the letter 'i'"),  # name prompt
                           ("create Sysop secret1", "'Sysop' is reserved"),
                           ("Someone", "'Someone' is reserved"),
                           ("create Ambrose secret1", "Old Ambrose"),
                           ("Innkeeper", "what people here call Marta Wren"),
                           # Controls are cleaned from telnet lines before anything reads
                           # them, so this is plain "Victim": taken.
                           ("create Vic\u0085tim\u202e secret1", "The name Victim is taken")):
            start = len(impostor.text())
            impostor.send(line)
            # Telnet text is wrapped to the window: compare with the line breaks undone.
            yield eventually(lambda said=said, start=start:
                             said in " ".join(impostor.text()[start:].split())
                             and impostor.text().rstrip().endswith("What name do you go by?"))
        self.assertEqual(self.account_names(service), ["Victim"])
