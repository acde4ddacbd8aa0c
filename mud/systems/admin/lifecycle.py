"""Admin commands that stop the server or report on it: shutdown, reboot, stats.

- ``shutdown [seconds|now] [reason]`` and ``reboot [seconds|now] [reason]`` start a
  countdown (60 seconds when none is given) on the world's scheduler. Every player in the
  game, telnet and web, gets a ``shutdown`` event when it starts and at each mark
  (MARKS) inside it; when it ends, the service stops as on SIGTERM (players told,
  everything saved) and the process exits 0 for a shutdown or process.REBOOT (75) for a
  reboot, which the service manager restarts on (docs/emberfall.service).
- ``shutdown cancel`` (or ``reboot cancel``, ``abort``) ends a pending countdown and
  tells the players. A second shutdown or reboot while one is pending is refused: cancel
  the first (so nobody changes a reboot into a shutdown by accident).
- ``stats``: players, link-dead, connections by transport, uptime, world size, timers,
  saves and the process's peak RSS, as text and as a ``stats`` JSON frame.

Each shutdown, reboot and cancel leaves an audit line and a log line.
"""

from __future__ import annotations

import resource
import sys
from typing import Any

from twisted.logger import Logger

from mud.audit import audit
from mud.commands.registry import Context, command_set
from mud.engine.actions import Refusal
from mud.engine.events import Event
from mud.engine.model import NOBODY
from mud.process import REBOOT
from mud.systems.admin import MAX_REASON, _duration, _game, _words

log = Logger()

# A countdown's length when none is given, and the longest allowed (seconds).
DEFAULT_SECONDS = 60
MAX_SECONDS = 24 * 3600
# Seconds left at which players are warned again (those inside the countdown).
MARKS = (3600, 1800, 900, 600, 300, 120, 60, 30, 10, 5, 4, 3, 2, 1)
CANCEL_WORDS = ("cancel", "abort")


class ShutdownNotice(Event):
    """The server stops in ``seconds`` (a reboot: it comes back); ``cancelled`` when a
    pending stop was called off."""

    __slots__ = ("by", "cancelled", "reason", "reboot", "seconds")
    kind = "shutdown"

    def __init__(self, seconds: int, reason: str, reboot: bool, by: str,
                 cancelled: bool = False) -> None:
        super().__init__()
        self.seconds = seconds
        self.reason = reason
        self.reboot = reboot
        self.by = by
        self.cancelled = cancelled


class Stats(Event):
    """The server's figures, as (label, value) pairs in display order."""

    __slots__ = ("figures",)
    kind = "stats"

    def __init__(self, figures: dict[str, Any]) -> None:
        super().__init__()
        self.figures = figures


class Countdown:
    """One pending shutdown or reboot on the world's scheduler."""

    def __init__(self, game: Any, seconds: int, reason: str, reboot: bool, by: str) -> None:
        self.game = game
        self.reason = reason
        self.reboot = reboot
        self.by = by
        scheduler = game.world.scheduler
        self.ends = scheduler.clock.seconds() + seconds
        self.timers = [scheduler.call_later(seconds - mark, self._warn, mark)
                       for mark in MARKS if mark < seconds]
        self.timers.append(scheduler.call_later(seconds, self._fire))
        self._warn(seconds)

    def left(self) -> int:
        return max(0, round(self.ends - self.game.world.scheduler.clock.seconds()))

    def _warn(self, seconds: int) -> None:
        self.game.connections.tell_players(
            ShutdownNotice(seconds, self.reason, self.reboot, self.by))

    def cancel(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers = []

    def _fire(self) -> None:
        self.timers = []
        if getattr(self.game, "countdown", None) is self:
            self.game.countdown = None
        what = "reboot" if self.reboot else "shutdown"
        service = getattr(self.game, "service", None)
        if service is None or not service.request_stop(REBOOT if self.reboot else 0):
            log.warn("The {what} by {by} came due, but this server has no process to stop.",
                     what=what, by=self.by)
            return
        log.info("The {what} by {by} is due: stopping (exit status {status}).", what=what,
                 by=self.by, status=REBOOT if self.reboot else 0)


def _seconds(word: str) -> int:
    if word == "now":
        return 0
    try:
        seconds = int(word)
    except ValueError:
        raise Refusal(f"'{word[:20]}' is not a number of seconds. For example: shutdown 300 "
                      "new areas, or shutdown cancel") from None
    if seconds < 0 or seconds > MAX_SECONDS:
        raise Refusal(f"Seconds must be from 0 to {MAX_SECONDS} (a day).")
    return seconds


def _stop(ctx: Context, args: str, reboot: bool) -> None:
    game = _game(ctx)
    word, _, rest = args.strip().partition(" ")
    session = ctx.account
    peer, via = getattr(session, "peer", ""), getattr(session, "via", "")
    if word.lower() in CANCEL_WORDS:
        cancel_stop(game, ctx.actor.name, peer, via)
        return
    seconds = None if not word else _seconds(word.lower())
    start_stop(game, seconds, rest, reboot, ctx.actor.name, peer, via)


def cancel_stop(game: Any, by: str, peer: str, via: str) -> Countdown:
    """Call off the pending shutdown or reboot (players told, audited as ``by`` from
    ``peer`` over ``via``); the countdown cancelled. Raises Refusal when none is pending.
    Also the admin API's."""
    pending: Countdown | None = getattr(game, "countdown", None)
    if pending is None:
        raise Refusal("No shutdown or reboot is pending.")
    pending.cancel()
    game.countdown = None
    pending_what = "reboot" if pending.reboot else "shutdown"
    game.connections.tell_players(ShutdownNotice(0, pending.reason, pending.reboot, by,
                                                 cancelled=True))
    audit("cancel", by, peer, via, what=pending_what)
    log.info("{by} cancelled the pending {what}.", by=by, what=pending_what)
    return pending


def start_stop(game: Any, seconds: int | None, reason: str, reboot: bool, by: str,
               peer: str, via: str) -> Countdown:
    """Start a shutdown (or reboot) countdown of ``seconds`` (None: DEFAULT_SECONDS, at
    most MAX_SECONDS) as ``by``, audited with ``peer`` and ``via``. Raises Refusal when
    one is pending, the server is stopping, or the reason is too long. Also the admin
    API's."""
    what = "reboot" if reboot else "shutdown"
    pending: Countdown | None = getattr(game, "countdown", None)
    if pending is not None:
        raise Refusal(f"A {'reboot' if pending.reboot else 'shutdown'} is already pending "
                      f"(in {_duration(pending.left())}); type '{what} cancel' first.")
    if game.shutting_down:
        raise Refusal("The server is already stopping.")
    seconds = DEFAULT_SECONDS if seconds is None else seconds
    if seconds < 0 or seconds > MAX_SECONDS:
        raise Refusal(f"Seconds must be from 0 to {MAX_SECONDS} (a day).")
    reason = _words(reason, MAX_REASON, "reason")
    audit(what, by, peer, via, seconds=seconds, reason=reason or "-")
    log.info("{by} asked for a {what} in {seconds} s ({reason}).", by=by,
             what=what, seconds=seconds, reason=reason or "no reason given")
    countdown = Countdown(game, seconds, reason, reboot, by)
    game.countdown = countdown
    return countdown


def shutdown(ctx: Context, args: str) -> None:
    """shutdown [seconds|now] [reason]

    Stop the server after a countdown (60 seconds unless given) that every player sees;
    everything is saved. 'shutdown cancel' calls it off. Example: shutdown 300 new areas
    """
    _stop(ctx, args, reboot=False)


def reboot(ctx: Context, args: str) -> None:
    """reboot [seconds|now] [reason]

    As shutdown, but the service manager starts the server again (exit status 75).
    'reboot cancel' calls it off. Example: reboot 120 a new release
    """
    _stop(ctx, args, reboot=True)


def figures(game: Any) -> dict[str, Any]:
    """The figures ``stats`` shows (also its JSON frame)."""
    world = game.world
    now = world.clock.seconds()
    transports: dict[str, int] = {}
    for session in game.connections.sessions:
        transports[session.via] = transports.get(session.via, 0) + 1
    online = list(world.online.values())
    timers = world.scheduler.live()
    service = getattr(game, "service", None)
    last = getattr(service, "last_save", None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak_mib = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    pending: Countdown | None = getattr(game, "countdown", None)
    return {
        "players": len(online),
        "linkdead": sum(1 for c in online if c.link is NOBODY),
        "connections": transports,
        "uptime": round(now - service.started) if service is not None else None,
        "rooms": len(world.rooms), "npcs": len(world.npcs), "items": len(world.items),
        "timers": timers,
        "last_save_ago": round(now - last[0]) if last else None,
        "last_save_ms": round(last[1] * 1000, 1) if last else None,
        "save_failures": game.saves_failed,
        "peak_rss_mib": round(peak_mib, 1),
        "pending": (None if pending is None else
                    {"reboot": pending.reboot, "seconds": pending.left()}),
    }


def stats(ctx: Context, args: str) -> None:
    """stats

    The server's figures: players, link-dead, connections by transport, uptime, rooms,
    NPCs, items, timers, saves and memory.
    """
    ctx.send(Stats(figures(_game(ctx))))


def _notice_text(e: ShutdownNotice, p: Any) -> str:
    what = "reboot" if e.reboot else "shutdown"
    if e.cancelled:
        return p.wrap(p("notice", f"[{e.by} cancelled the {what}.]") + " The server stays up.")
    when = "now" if e.seconds <= 0 else f"in {_duration(e.seconds)}"
    verb = "restarts" if e.reboot else "shuts down"
    why = f" ({e.reason})" if e.reason else ""
    back = " It will be back shortly." if e.reboot else ""
    return p.wrap(p("notice", f"[The server {verb} {when}{why}.]") + back
                  + " Your character will be saved.")


def _stats_text(e: Stats, p: Any) -> str:
    f = e.figures
    conns = ", ".join(f"{n} {via}" for via, n in sorted(f["connections"].items())) or "none"
    uptime = "?" if f["uptime"] is None else _duration(f["uptime"])
    save = ("none yet" if f["last_save_ago"] is None else
            f"{_duration(f['last_save_ago'])} ago, {f['last_save_ms']} ms")
    rows = [("Players", f"{f['players']} in game, {f['linkdead']} link-dead"),
            ("Connections", conns), ("Uptime", uptime),
            ("World", f"{f['rooms']} rooms, {f['npcs']} NPCs, {f['items']} items"),
            ("Timers", str(f["timers"])),
            ("Last save", f"{save}; {f['save_failures']} failed"),
            ("Peak RSS", f"{f['peak_rss_mib']} MiB")]
    if f["pending"]:
        rows.append(("Pending", f"{'reboot' if f['pending']['reboot'] else 'shutdown'} in "
                                f"{_duration(f['pending']['seconds'])}"))
    lines = [p("notice", "Server stats")]
    lines += [p.wrap(f"  {label + ':':<13}{value}") for label, value in rows]
    return "\n".join(lines)


def _notice_json(e: ShutdownNotice) -> dict[str, Any]:
    return {"seconds": e.seconds, "reason": e.reason, "reboot": e.reboot, "by": e.by,
            "cancelled": e.cancelled}


def _stats_json(e: Stats) -> dict[str, Any]:
    return dict(e.figures)


def install() -> None:
    from mud.render import json_events, text

    admin = command_set("admin")
    if "shutdown" not in admin.commands:
        admin.register("shutdown", family="admin")(shutdown)
        admin.register("reboot", family="admin")(reboot)
        admin.register("stats", family="admin")(stats)
    text.register(ShutdownNotice, _notice_text)
    text.register(Stats, _stats_text)
    json_events.register(ShutdownNotice, _notice_json)
    json_events.register(Stats, _stats_json)
