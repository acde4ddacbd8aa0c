"""Real MUD clients against a running server: TinTin++ and telnetlib3 (with MCCP2), and
telnetlib3-fingerprint reading MSSP the way listing sites' crawlers do."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

from twisted.internet.defer import inlineCallbacks
from twisted.internet.utils import getProcessOutputAndValue
from twisted.trial.unittest import SkipTest

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.support import ROOT

TINTIN = shutil.which("tt++") or "/usr/games/tt++"
BIN = Path(sys.executable).parent
_ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>]")

SUPPORTS = r'#send {\xFF\xFA\xC9Core.Supports.Set ["Room 1", "Char 1"]\xFF\xF0\}'
TINTIN_SCRIPT = r"""
#config {debug telnet} {on}
#event {IAC WILL GMCP} {#send {\xFF\xFD\xC9\};@GMCP_SUPPORTS@}
#event {IAC SB GMCP} {#showme {GMCP <%0> <%1>}}
#event {SESSION CONNECTED} {#delay {1} {create Tinny secret1}; #delay {2} {look}; #delay {3} {quit}}
#event {SESSION DISCONNECTED} {#end}
#session mud 127.0.0.1 @PORT@
"""


# TinTin++ reports its terminal's size through NAWS: run it on a pseudo-terminal of 40
# columns (without a terminal it says 80). argv: tt++, its script; output is not needed.
IN_A_40_COLUMN_PTY = r"""
import fcntl, os, pty, select, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    os.execv(sys.argv[1], [sys.argv[1], "-G", sys.argv[2]])
while True:  # drain the screen until TinTin++ ends
    select.select([fd], [], [], 1.0)
    try:
        if not os.read(fd, 65536):
            break
    except OSError:
        break
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""
NARROW_SCRIPT = r"""
#config {debug telnet} {on}
#event {SESSION CONNECTED} {@ON_CONNECT@}
#event {SESSION DISCONNECTED} {#end}
#session mud 127.0.0.1 @PORT@
"""


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env


class TinTinTests(ServerTestCase):
    @inlineCallbacks
    def test_tintin_logs_in_looks_and_gets_gmcp_room_info_compressed(self):
        if not os.path.exists(TINTIN):
            raise SkipTest("TinTin++ is not installed (make test installs tintin++)")
        service = self.start()
        script = Path(self.mktemp()).resolve()
        script.write_text(TINTIN_SCRIPT.lstrip().replace("@PORT@", str(self.telnet_port))
                          .replace("@GMCP_SUPPORTS@", SUPPORTS))
        # TinTin++ wants a closed stdin without a terminal; timeout(1) guards a hang.
        out, _err, code = yield getProcessOutputAndValue(
            "/bin/sh", ["-c", f'exec timeout 30 "{TINTIN}" -H -G "{script}" </dev/null'],
            env=environment(), path=str(script.parent))
        text = _ESC.sub("", out.decode("utf-8", errors="replace"))
        self.assertEqual(code, 0, text[-2000:])
        square = service.game.world.rooms["village:square"]
        self.assertIn("Welcome to Emberfall, Tinny!", text)
        self.assertIn("SENT IAC SB TTYPE MTTS", text)
        self.assertIn("MCCP2 INITIALIZED", text)  # the room text below came compressed
        self.assertIn("RCVD IAC EOR", text)
        self.assertIn("GMCP <Char.Name> <{name}{Tinny}", text)
        self.assertIn(f"GMCP <Room.Info> <{{num}}{{{square.num}}}{{name}}{{Village Square}}",
                      text)
        self.assertGreaterEqual(text.count("[Exits: n s e w ne nw]"), 2)  # create, then look
        self.assertIn("Your character is saved", text)


    @inlineCallbacks
    def test_tintin_at_forty_columns_gets_no_line_wider_than_its_window(self):
        if not os.path.exists(TINTIN):
            raise SkipTest("TinTin++ is not installed (make test installs tintin++)")
        from mud.commands.info import TOPICS
        from mud.commands.registry import COMMANDS
        from mud.render.wrapping import visible_width
        self.start(command_rate=1000.0, command_burst=1000)
        commands = ["look", "who", "help", *(f"help {name}" for name in COMMANDS.commands),
                    *(f"help {name}" for name in TOPICS)]
        script = Path(self.mktemp()).resolve()
        log = script.parent / "tintin.log"
        script.parent.mkdir(parents=True, exist_ok=True)
        on_connect = (f"#log {{overwrite}} {{{log}}}; #delay {{1}} {{create Tinny secret1}}; "
                      f"#delay {{2}} {{{';'.join(commands)}}}; #delay {{4}} {{quit}}")
        script.write_text(NARROW_SCRIPT.lstrip().replace("@PORT@", str(self.telnet_port))
                          .replace("@ON_CONNECT@", on_connect))
        out, err, code = yield getProcessOutputAndValue(
            "/bin/sh", ["-c", f'exec timeout 30 "{sys.executable}" -c "$0" "{TINTIN}" '
                              f'"{script}" </dev/null', IN_A_40_COLUMN_PTY],
            env=environment(), path=str(script.parent))
        self.assertEqual(code, 0, (out + err).decode(errors="replace")[-2000:])
        text = _ESC.sub("", log.read_text(errors="replace")).replace("\r", "")
        self.assertIn("SENT IAC SB NAWS 0 40 0 24", text)  # the pty's width reached the server
        self.assertIn("Your character is saved", " ".join(text.split()))
        # Everything, the greeting too (it waits for the client's window size).
        played = text
        for marker in ("E M B E R F A L L", "What name do you go by?", "Village Square",
                       "Players online", "Commands (", "Getting started",
                       "Save your character"):
            self.assertIn(marker, played)
        # TinTin++'s own telnet debugging lines (RCVD/SENT IAC ...) are not the server's.
        lines = [re.sub(r"^(?:> |What name do you go by\? )+", "", line)
                 for line in played.split("\n")
                 if not line.startswith(("RCVD IAC", "SENT IAC"))]
        wide = [line for line in lines if visible_width(line) > 39 and " " in line.strip()]
        self.assertEqual(wide, [])


class Telnetlib3Tests(ServerTestCase):
    @inlineCallbacks
    def test_telnetlib3_logs_in_with_mccp2_and_reads_the_decompressed_text(self):
        service = self.start()
        watcher = yield connect(self.telnet_port)  # another player, to catch the newcomer
        yield watcher.ask("create Watcher secret1", "Village Square")
        out, err, code = yield getProcessOutputAndValue(
            sys.executable, ["-m", "tests.e2e.telnetlib3_peer", str(self.telnet_port), "Libby"],
            env=environment(), path=str(ROOT))
        self.assertEqual(code, 0, err.decode(errors="replace")[-2000:])
        result = json.loads(out.decode().strip().splitlines()[-1])
        self.assertTrue(result["mccp2"])
        self.assertIn("Welcome to Emberfall, Libby!", result["text"])
        self.assertEqual(result["text"].count("Village Square"), 2)
        yield watcher.wait_for("Libby has entered the game")
        yield watcher.wait_for("Libby has left the game")
        self.assertNotIn("libby", service.game.world.online)

    @inlineCallbacks
    def test_the_fingerprint_crawler_reads_mssp_and_is_not_a_player(self):
        self.start(mssp={"CONTACT": "admin@example.org", "WEBSITE": "https://example.org/"})
        player = yield connect(self.telnet_port)
        yield player.ask("create Ann secret1", "Village Square")
        saved = Path(self.mktemp()).resolve()
        out, err, code = yield getProcessOutputAndValue(
            str(BIN / "telnetlib3-fingerprint"),
            ["--save-json", str(saved), "--data-dir", str(saved.parent / "fp"),
             "--connect-timeout", "10", "127.0.0.1", str(self.telnet_port)],
            env=environment(), path=str(ROOT))
        self.assertEqual(code, 0, (out + err).decode(errors="replace")[-2000:])
        probe = json.loads(saved.read_text())["server-probe"]
        mssp = probe["session_data"]["mssp"]
        self.assertEqual(mssp["NAME"], "Emberfall")
        self.assertEqual(mssp["PLAYERS"], "1")  # Ann; the crawler itself never counts
        self.assertTrue(mssp["UPTIME"].isdigit() and int(mssp["UPTIME"]) > 1_600_000_000)
        self.assertEqual(mssp["CONTACT"], "admin@example.org")
        self.assertEqual(mssp["PORT"], str(self.telnet_port))
        offered = set(probe["fingerprint-data"]["offered-options"])
        self.assertLessEqual({"EOR", "GMCP", "MCCP2", "MSSP", "SGA"}, offered)
        self.assertEqual(probe["fingerprint-data"]["looped-negotiation"], [])
