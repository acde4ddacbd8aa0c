"""The channels' commands: ``channels``, ``channel on|off <name>``, and each channel's own
words (``ooc hello``, ``ooc`` alone), which are the world's command words (``world.words``)
because they come from its files, not from the server's code."""

from __future__ import annotations

from mud.commands.registry import Command, Context
from mud.engine.actions import Refusal
from mud.engine.events import Message
from mud.systems.channels import events as ev
from mud.systems.channels.definitions import Channel
from mud.systems.channels.hub import channels_of


def channels(ctx: Context, args: str) -> None:
    """channels

    The game's chat channels you may use: whether you hear each, its other names, and
    whether you may speak there. Type a channel's name and your words to speak on it
    (ooc hello), its name alone to see its last lines.
    """
    hub = channels_of(ctx.world)
    # A character promoted while playing joins the channels its new role hears.
    hub.rejoin(ctx.actor)
    ctx.send(ev.ChannelList(hub.rows(ctx.actor)))


def channel(ctx: Context, args: str) -> None:
    """channel on|off <name>

    Hear a channel again, or stop hearing it; remembered with your character.
    Example: channel off gossip
    """
    hub = channels_of(ctx.world)
    words = args.lower().split()
    switch = [w for w in words if w in ("on", "off")]
    names = [w for w in words if w not in ("on", "off")]
    if len(switch) != 1 or len(names) != 1:
        raise Refusal("Type channel on <name> or channel off <name>, for example: channel "
                      "off gossip. 'channels' lists them.")
    found = hub.find(names[0])
    if found is None or found not in hub.usable(ctx.actor):
        shown = names[0][:30]
        raise Refusal(f"There is no channel called '{shown}'. Type 'channels' to see "
                      "those there are.")
    ctx.send(Message(hub.turn(ctx.actor, found, switch[0] == "on")))


def channel_command(spec: Channel) -> Command:
    """The command a channel's words run (its help built from its definition)."""
    name = spec.name

    def speak(ctx: Context, args: str) -> None:
        channels_of(ctx.world).use(ctx.actor, name, args)

    who = []
    if spec.speak != "player":
        who.append(f"Only {spec.speak}s may speak here.")
    if spec.listen != "player":
        who.append(f"Only {spec.listen}s hear it.")
    about = f"{spec.label}: {spec.description}" if spec.description else \
        f"The {spec.label} channel."
    help_text = (f"{name} [words]\n\n{about} {' '.join(who)}".rstrip() +
                 f"\n{name} <words> speaks on it; {name} alone shows its last lines. "
                 f"'channel off {name}' stops you hearing it; 'channels' lists every "
                 "channel.")
    return Command(name, speak, "talk", spec.aliases, help_text)


def install() -> None:
    from mud.commands.registry import command_set

    player = command_set("player")
    if "channels" not in player.commands:
        player.register("channels", family="talk")(channels)
        player.register("channel", family="talk")(channel)
