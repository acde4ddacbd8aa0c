"""Chat channels: ``ooc hello`` heard by everyone on ``ooc``, here and on other realms.

``install()`` (called once by mud.systems.install_all) registers, without an edit
anywhere else:

- world.yaml's ``channels:`` key (mud/systems/channels/definitions.py: name, label,
  aliases, description, who may speak and listen by role, on or off by default, history
  length; each checked and bounded, errors naming the file, the line and the channel);
  the config file's ``channels:`` setting adds to or replaces them by name (``configure``);
- each channel's name and aliases as the world's own command words (``ooc <words>``,
  ``ooc`` alone for its last lines), and the ``channels`` and ``channel on|off <name>``
  commands (mud/systems/channels/commands.py);
- the saved choices (declared character state ``channels``: ``{name: on}`` where a player
  chose other than the channel's default);
- the events and their text, JSON and GMCP (``Comm.Channel.Text``, ``Comm.Channel.List``,
  ``Comm.Channel.Players``; the last two also when a client asks);
- per world (mud/systems/channels/hub.py): listeners kept at login, logout and on/off;
  history; a rate limit per speaker; the bus topic ``channel`` to and from other realms.
"""

from __future__ import annotations

from typing import Any

from mud.systems.channels.definitions import Channel

KEY = "channels"


def _command_words() -> dict[str, Any]:
    """Every command word of every command set (a channel's words may take none)."""
    from mud.commands.registry import SETS

    return {word: cmd for table in SETS.values() for word, cmd in table.by_word.items()}


def check_key(ctx: Any, value: Any, line: int | None, lookup: Any) -> tuple[Channel, ...]:
    """world.yaml's ``channels:``: each channel checked, and none of its words may be a
    command's or a direction's."""
    from mud.systems.channels.definitions import check

    return check(ctx, value, line, lookup, _command_words())


def attach_key(world: Any, entity: Any, channels: tuple[Channel, ...]) -> None:
    from mud.systems.channels.hub import channels_of

    channels_of(world).define(from_world=channels)


def configure(world: Any, channels: tuple[Channel, ...]) -> None:
    """Put the config file's channels over the world's (by name). Raises ValueError
    naming each channel whose words would hide a command or a direction, or take a word
    of a world channel it does not replace (a config channel named as a world channel
    replaces it, words and all), and when there would be more than MAX_CHANNELS in all."""
    from mud import systems
    from mud.systems.channels.definitions import MAX_CHANNELS, clashes, merged
    from mud.systems.channels.hub import channels_of

    systems.install_all()
    hub = channels_of(world)
    words = _command_words()
    problems = [f"the config file's channels: channel {channel.name!r}: {problem}: pick "
                "another word for the channel"
                for channel in channels for problem in clashes(channel, words)]
    # The world's channels that stay (not replaced by name) keep their words.
    replaced = {channel.name for channel in channels}
    kept = {word: channel.name for channel in hub.world_channels
            if channel.name not in replaced for word in channel.words}
    problems += [f"the config file's channels: channel {channel.name!r}: {word!r} is "
                 f"already a word of the world's channel {kept[word]!r}: pick another word, "
                 f"or name the channel {kept[word]} to replace the world's"
                 for channel in channels for word in channel.words if word in kept]
    total = len(merged(hub.world_channels, channels))
    if total > MAX_CHANNELS:
        problems.append(f"the config file's channels: with the world's there would be "
                        f"{total} channels; {MAX_CHANNELS} at most (a config channel named "
                        "as a world channel replaces it and does not count twice)")
    if problems:
        raise ValueError("\n".join(problems))
    channels_of(world).define(from_config=channels)


def install() -> None:
    from mud import systems, world_keys
    from mud.engine.state import STATE
    from mud.systems.channels import commands, events, hub

    world_keys.register_key(KEY, ("world",), check_key, attach_key)
    STATE.declare_character(hub.STATE_NAME, hub.default_state)
    commands.install()
    events.install()
    # Every world gets its hooks and bus subscription, channels or not (the config file
    # may add some).
    systems.on_world(hub.channels_of)
