"""The prompt command: a player's own prompt, with fields the game's systems fill in."""

from __future__ import annotations

from mud.commands.registry import Context, command
from mud.engine import prompts
from mud.engine.actions import Refusal
from mud.engine.events import Message

CLEAR_WORDS = ("default", "clear", "reset", "none")
EXAMPLE = "prompt <%h/%Hhp %m/%Mmp %v/%Vmv> "


def _fields() -> str:
    if not prompts.FIELDS:
        return "This world has no fields to show yet."
    return "Fields: " + "; ".join(f"%{f.code} {f.meaning}"
                                  for f in sorted(prompts.FIELDS.values(),
                                                  key=lambda f: f.code)) + "; %% a percent sign."


@command("prompt", family="account")
def prompt(ctx: Context, args: str) -> None:
    """prompt [format|default]

    Set what you see when the game waits for your next command. Each %-field is filled
    in as it is now, for example: prompt <%h/%Hhp %m/%Mmp %v/%Vmv>  (type 'prompt' alone to
    see yours and every field, 'prompt default' to go back to '> '). Your prompt is saved.
    """
    actor = ctx.actor
    text = args.strip("\r\n")
    if not text.strip():
        mine = prompts.format_of(actor)
        shown = f"Your prompt is: {mine}" if mine else "You have the default prompt: > "
        ctx.send(Message(f"{shown}\n{_fields()}\nType, for example: {EXAMPLE}"))
        return
    if text.strip().lower() in CLEAR_WORDS:
        actor.state[prompts.STATE_NAME] = ""
        ctx.world.changed(actor)
        ctx.send(Message("Your prompt is back to the default: > "))
        return
    text = text.lstrip()
    if len(text) > prompts.MAX_FORMAT:
        raise Refusal(f"That prompt is too long ({len(text)} characters; "
                      f"{prompts.MAX_FORMAT} at most). Shorten it.")
    if not text.endswith(" "):
        text += " "  # what is typed next is not glued to the prompt
    actor.state[prompts.STATE_NAME] = text
    ctx.world.changed(actor)
    ctx.send(Message(f"Your prompt is set. It reads now: "
                     f"{prompts.expand(ctx.world, actor, text)}"))
