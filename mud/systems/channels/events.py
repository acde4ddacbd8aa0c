"""The channels' events and how each reads: text, JSON frames and GMCP messages.

- ``ChannelMessage`` (kind ``channel``): a line said on a channel, here or (``realm``) on
  another realm: "[OOC] Ann: hello", "[OOC] You: hello", "[OOC] Ann@north: hello". JSON
  fields ``channel``, ``label``, ``talker``, ``message`` (the words), ``own``, ``realm``;
  GMCP ``Comm.Channel.Text`` ``{"channel", "talker", "text"}`` (``text`` the plain line).
- ``ChannelHistory`` (kind ``channel_history``): a channel's last lines, for ``ooc`` typed
  alone; ``lines`` are ``(talker, words, realm, seconds ago)``.
- ``ChannelList`` (kind ``channels``): the channels a character may use, whether it hears
  each and may speak there (the ``channels`` command); ``ChannelsState`` is the same data,
  silent (sent at login, after ``channel on|off`` and when a client asks): a web client's
  tabs, GMCP ``Comm.Channel.List``.
- ``ChannelPlayers`` (kind ``channel_players``, silent): who here hears which channels,
  for GMCP ``Comm.Channel.Players`` when a client asks.
"""

from __future__ import annotations

from typing import Any

from mud.engine.events import Event

# (name, label, aliases, description, on, may speak)
Row = tuple[str, str, tuple[str, ...], str, bool, bool]


class ChannelMessage(Event):
    """``talker`` said ``text`` on ``channel`` (``own``: the talker's copy; ``realm``: the
    realm it was said on, "" for this one)."""

    __slots__ = ("channel", "label", "own", "realm", "talker", "text")
    kind = "channel"

    def __init__(self, channel: str, label: str, talker: str, text: str, own: bool = False,
                 realm: str = "") -> None:
        super().__init__()
        self.channel = channel
        self.label = label
        self.talker = talker
        self.text = text
        self.own = own
        self.realm = realm


class ChannelHistory(Event):
    """The last lines of ``channel``, oldest first: (talker, words, realm, seconds ago);
    ``kept``: how many lines the channel keeps (0: it keeps none)."""

    __slots__ = ("channel", "kept", "label", "lines")
    kind = "channel_history"

    def __init__(self, channel: str, label: str,
                 lines: tuple[tuple[str, str, str, int], ...], kept: int) -> None:
        super().__init__()
        self.channel = channel
        self.label = label
        self.lines = lines
        self.kept = kept


class ChannelList(Event):
    """The channels a character may use, as rows (see ``Row``)."""

    __slots__ = ("channels",)
    kind = "channels"

    def __init__(self, channels: tuple[Row, ...]) -> None:
        super().__init__()
        self.channels = channels


class ChannelsState(ChannelList):
    """The channel list as state for a client's tabs (no line of text)."""

    __slots__ = ()
    silent = True


class ChannelPlayers(Event):
    """Who here hears which channels: (name, channel names) each."""

    __slots__ = ("players",)
    kind = "channel_players"
    silent = True

    def __init__(self, players: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        super().__init__()
        self.players = players


def shown_talker(e: ChannelMessage) -> str:
    """Who said it, as a line shows it: "You", "Ann", or "Ann@north" from another realm."""
    if e.own:
        return "You"
    return f"{e.talker}@{e.realm}" if e.realm else e.talker


def ago(seconds: int) -> str:
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"


def whole_line(e: ChannelMessage) -> str:
    """The line as said, unwrapped and plain: "[OOC] Ann@north: hello"."""
    return f"[{e.label}] {shown_talker(e)}: {e.text}"


def _message_text(e: ChannelMessage, p: Any) -> str:
    # Continuation lines hang under the talker's name: a long line's wrapped tail can
    # never start at the margin, so words cannot pass for a line of their own (a fake
    # "[Announcement from Ada]" after 70 x's reads as part of the channel line).
    from mud.render.wrapping import wrap_line

    hang = len(e.label) + 3
    line = f"{p('emote', f'[{e.label}]')} {shown_talker(e)}: {e.text}"
    return "\n".join(wrap_line(line, p.width, hang))


def _history_text(e: ChannelHistory, p: Any) -> str:
    if not e.kept:
        return f"{e.label} keeps no history: what is said there is heard only as it is said."
    if not e.lines:
        return (f"Nothing has been said on {e.label} lately. Type {e.channel} and your "
                f"words to be the first.")
    count = len(e.lines)
    head = p("emote", f"[{e.label}]") + (" the last line:" if count == 1 else
                                         f" the last {count} lines:")
    rows = [p.wrap(f"  {f'{talker}@{realm}' if realm else talker} ({ago(seconds)}): {words}")
            for talker, words, realm, seconds in e.lines]
    return "\n".join([head, *rows])


def _list_text(e: ChannelList, p: Any) -> str:
    if not e.channels:
        return "This game has no channels."
    lines = [p("notice", "Channels") + " (type a channel's name and your words to speak):"]
    for name, label, aliases, description, on, speak in e.channels:
        also = f" (also {', '.join(aliases)})" if aliases else ""
        mode = "" if speak else ", listen only"
        about = f": {description}" if description else ""
        lines.append(p.wrap(f"  {name:<8} {'on ' if on else 'off'}  {label}{also}{mode}"
                            f"{about}"))
    lines.append("Turn one on or off with 'channel on <name>' or 'channel off <name>'.")
    return "\n".join(lines)


def _message_json(e: ChannelMessage) -> dict[str, Any]:
    return {"channel": e.channel, "label": e.label, "talker": e.talker, "message": e.text,
            "own": e.own, "realm": e.realm}


def _history_json(e: ChannelHistory) -> dict[str, Any]:
    return {"channel": e.channel, "label": e.label, "kept": e.kept,
            "lines": [{"talker": talker, "text": words, "realm": realm, "ago": seconds}
                      for talker, words, realm, seconds in e.lines]}


def _list_json(e: ChannelList) -> dict[str, Any]:
    return {"channels": [{"name": name, "label": label, "aliases": list(aliases),
                          "description": description, "on": on, "speak": speak}
                         for name, label, aliases, description, on, speak in e.channels]}


def _players_json(e: ChannelPlayers) -> dict[str, Any]:
    return {"players": [{"name": name, "channels": list(channels)}
                        for name, channels in e.players]}


def _message_gmcp(e: ChannelMessage) -> list[tuple[str, Any]]:
    # The whole line: a client wraps it to its own window (or shows it in a pane).
    return [("Comm.Channel.Text", {"channel": e.channel, "talker": e.talker,
                                   "text": whole_line(e)})]


def _list_gmcp(e: ChannelList) -> list[tuple[str, Any]]:
    return [("Comm.Channel.List", [{"name": name, "caption": label, "command": name}
                                   for name, label, *_ in e.channels])]


def _players_gmcp(e: ChannelPlayers) -> list[tuple[str, Any]]:
    return [("Comm.Channel.Players", _players_json(e)["players"])]


def install() -> None:
    """Register each event's text, JSON and GMCP."""
    from mud.protocols.options import gmcp
    from mud.render import json_events, text

    text.register(ChannelMessage, _message_text)
    json_events.register(ChannelMessage, _message_json)
    gmcp.register(ChannelMessage, _message_gmcp)
    text.register(ChannelHistory, _history_text)
    json_events.register(ChannelHistory, _history_json)
    text.register(ChannelList, _list_text)
    json_events.register(ChannelList, _list_json)
    gmcp.register(ChannelList, _list_gmcp)
    json_events.register(ChannelsState, _list_json)
    gmcp.register(ChannelsState, _list_gmcp)
    json_events.register(ChannelPlayers, _players_json)
    gmcp.register(ChannelPlayers, _players_gmcp)
    # What a client may ask for by name (answered through the hooks' ``request``).
    gmcp.answer("Comm.Channel.List")
    gmcp.answer("Comm.Channel.Players")
