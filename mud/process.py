"""How the twistd process stops: which signals stop it, its exit status, and a last bound.

- SIGTERM, SIGINT (Ctrl-C) and SIGHUP (the terminal of a foreground server closing) all
  start the same graceful stop: players are told, everything is saved, connections close.
  A SIGHUP that was ignored when the server started (``nohup``) stays ignored. twistd's
  own handlers record the signal and re-raise it at exit, so a clean stop looked like a
  death by SIGTERM (status -15); ours stop the reactor without that, and a clean stop
  exits 0.
- ``status`` is the exit status: 0, or UNSAVED when the stop could not save everything to
  the store (what was left went to a fallback file; the log says where). twistd offers
  no way to choose the status, so an ``atexit`` hook, the last thing the interpreter
  runs, ends the process with it when it is not 0.
- A watchdog thread ends the process if a stop is still going ``stop_timeout`` seconds
  after it began, whatever holds it (a thread pool that will not join, a hung disk).

Only ``makeService`` (the twistd path) installs this; tests build servers without it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from twisted.logger import Logger

log = Logger()

UNSAVED = 3
# The admin's ``reboot``: EX_TEMPFAIL from sysexits.h, "try again"; docs/emberfall.service
# restarts on it (RestartForceExitStatus=75) while a shutdown's 0 stays stopped.
REBOOT = 75
STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")


class ProcessControl:
    def __init__(self, reactor: Any, exit_now: Callable[[int], None] = os._exit) -> None:
        self.reactor = reactor
        self.status = 0
        self.stopping = False
        self._exit_now = exit_now
        self._watchdog: threading.Thread | None = None
        # Said in the log by the watchdog if it has to end the process (what is unsaved),
        # and whether anything is unsaved then (the exit status says so too).
        self.last_words: Callable[[], str] = lambda: ""
        self.unsaved: Callable[[], bool] = lambda: False

    def install(self) -> None:
        """Take over the stop signals once the reactor runs (after twistd set its own),
        and hand the exit status over at exit."""
        self.reactor.callWhenRunning(self._install_signals)
        atexit.register(self._exit_with_status)

    def _install_signals(self) -> None:
        for name in STOP_SIGNALS:
            number = getattr(signal, name, None)
            if number is None:
                continue
            if number == signal.SIGHUP and signal.getsignal(number) == signal.SIG_IGN:
                continue  # nohup asked for the server to outlive its terminal
            signal.signal(number, self.on_signal)

    def on_signal(self, number: int, frame: object = None) -> None:
        name = signal.Signals(number).name
        if self.stopping:
            log.info("Received {name} while stopping; the stop is under way.", name=name)
            return
        self.stopping = True
        log.info("Received {name}: stopping (players are told and everything is saved).",
                 name=name)
        # Safe from a signal handler: it only queues the call and wakes the reactor.
        self.reactor.callFromThread(self.reactor.stop)

    # -- the last bound -------------------------------------------------------------------------

    def start_watchdog(self, seconds: float) -> None:
        """End the process ``seconds`` from now if it has not ended by itself."""
        if self._watchdog is not None:
            return
        # A daemon thread on the wall clock: the reactor may be the thing that is stuck.
        self._watchdog = threading.Thread(target=self._watch, args=(seconds,), daemon=True,
                                          name="mud-stop-watchdog")
        self._watchdog.start()

    def _watch(self, seconds: float) -> None:
        threading.Event().wait(seconds)
        try:
            words = self.last_words()
            unsaved = self.unsaved()
        except Exception:
            words, unsaved = "(what is unsaved could not be listed)", True
        log.critical("The stop did not finish within --stop-timeout ({s:g} s); ending the "
                     "process now. {words}", s=seconds, words=words)
        self._flush_and_exit(self.status or (UNSAVED if unsaved else 0))

    # -- the exit status --------------------------------------------------------------------------

    def _exit_with_status(self) -> None:
        if self.status:
            self._flush_and_exit(self.status)

    def _flush_and_exit(self, status: int) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        self._exit_now(status)
