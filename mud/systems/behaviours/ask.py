"""The ``ask <npc> about <topic>`` command, brought by the behaviours system."""

from __future__ import annotations

from mud.commands.registry import COMMANDS, Context
from mud.engine import actions, matching
from mud.engine.events import Emote


def ask(ctx: Context, args: str) -> None:
    """ask <someone> about <topic>

    Ask someone here about something; those who know answer aloud.
    Example: ask marta about the mine
    """
    who, sep, topic = args.strip().partition(" about ")
    who, topic = who.strip(), " ".join(topic.split())
    if not sep or not who or not topic:
        raise actions.Refusal("Ask whom about what? For example: ask marta about the mine")
    room = ctx.actor.room
    if room is None:
        raise actions.Refusal("You are nowhere at all.")
    npc = matching.find(who, room.npcs)
    if npc is None:
        if matching.find(who, [c for c in room.characters if c is not ctx.actor]):
            raise actions.Refusal("Players answer for themselves: try 'say' or 'tell'.")
        raise actions.Refusal(f"There is nobody called '{who}' here to ask. "
                              "Type 'look' to see who is here.")
    if len(topic) > 200:
        raise actions.Refusal("That is a long question: ask about a word or two.")
    # Today's speech events, so every client shows the question without a new event.
    question = Emote(ctx.actor.name, f"asks {npc.name} about {topic}.")
    ctx.world.tell_room(room, question)
    if not any(one.on_ask(ctx.actor, topic) for one in npc.behaviours):
        ctx.world.tell_room(room, Emote(npc.name, "has nothing to say about that."))


def register() -> None:
    """Add ``ask`` to the player commands (once)."""
    if "ask" not in COMMANDS.commands:
        COMMANDS.register("ask", family="talk")(ask)
