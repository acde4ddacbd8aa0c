"""Looking around and getting help: look, help."""

from __future__ import annotations

from typing import Any

from mud.commands.registry import COMMANDS, Context, command, needed_role, refused_message
from mud.engine import actions
from mud.engine.directions import DIRECTIONS
from mud.engine.events import HelpText

FAMILIES = {"movement": "Moving", "info": "Looking", "talk": "Talking", "items": "Things",
            "account": "Your account"}

TOPICS: dict[str, str] = {
    "start": (
        "Getting started\n\n"
        "Type 'look' to see where you are and 'exits' for the ways out. Walk with directions "
        "(north or n, up or u, northeast or ne) or by an exit's name (gate). "
        "'say hello' talks to the room, 'who' shows who is online, 'i' lists what you carry. "
        "'help <command>' explains any command."
    ),
}


@command("look", "l", "examine", "x", family="info")
def look(ctx: Context, args: str) -> None:
    """look [thing]

    Without a word: describe the room, its exits, who and what is here.
    With one: look closely at an item, a person, or an exit. Example: look lantern
    """
    if args.strip():
        word = args.strip()
        if word.lower().startswith("at "):
            word = word[3:]
        actions.look_at(ctx.world, ctx.actor, word)
    else:
        actions.look(ctx.world, ctx.actor)


def _group(commands: Any, topic: str) -> list[str]:
    """The help lines of the family ``topic`` names (by id or title), as this character's
    commands hold it; empty when it names none of them."""
    for family in {cmd.family for cmd in commands.commands.values()}:
        title = FAMILIES.get(family, family.capitalize())
        if topic in (family, title.lower()):
            cmds = sorted((c for c in commands.commands.values()
                           if c.family == family and c.name not in DIRECTIONS),
                          key=lambda c: c.name)
            return [f"{title} (help <command> for more):",
                    *(f"  {cmd.index_line}" for cmd in cmds)]
    return []


@command("help", "?", family="info")
def help_(ctx: Context, args: str) -> None:
    """help [topic]

    Without a topic: list every command. With one: explain that command or topic.
    Example: help give
    """
    topic = args.strip().lower()
    # What this character may use (its granted sets), not every command there is.
    commands = ctx.commands or COMMANDS
    if not topic:
        # Every line short enough for a 40-column window as it stands; the renderer
        # still wraps whatever grows past the player's width (summaries, topics).
        lines = ["Commands (help <command> for more):"]
        # A system's commands of a family of its own come after the game's families.
        families = dict(FAMILIES)
        for cmd in commands.commands.values():
            families.setdefault(cmd.family, cmd.family.capitalize())
        for family, title in families.items():
            cmds = sorted((c for c in commands.commands.values()
                           if c.family == family and c.name not in DIRECTIONS),
                          key=lambda c: c.name)
            if not cmds and family != "movement":
                continue
            lines.append(f"{title}:")
            if family == "movement":
                lines.append("  n s e w u d ne nw se sw")
                lines.append("  or an exit's name (gate)")
            lines.extend(f"  {cmd.index_line}" for cmd in cmds)
        lines.append("Topics: " + ", ".join(sorted(TOPICS)))
        names = tuple(sorted(commands.commands)) + tuple(sorted(TOPICS))
        ctx.send(HelpText("", "\n".join(lines), names))
        return
    if topic in TOPICS:
        ctx.send(HelpText(topic, TOPICS[topic]))
        return
    # A group by its name or title ("help building", "help moving"): its commands here.
    group = _group(commands, topic)
    if group:
        ctx.send(HelpText(topic, "\n".join(group)))
        return
    # Help may be asked by a prefix even of a command that must be typed in full (quit).
    cmd = commands.lookup(topic) or commands.cut_short(topic) or ctx.world.words.get(topic)
    role = needed_role(topic) if cmd is None else None
    if role is not None:
        raise actions.Refusal(refused_message(topic, role))
    if cmd is None:
        raise actions.Refusal(f"There is no help on '{topic[:30]}'. Type 'help' for the list "
                              "of commands.")
    ctx.send(HelpText(cmd.name, cmd.full_help))

