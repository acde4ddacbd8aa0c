"""The prompt a player sees after each command: their own format, with fields systems fill.

A player sets a format with the ``prompt`` command (``<%h/%Hhp %m/%Mmp> ``); each ``%x`` is a
field a system registered (``register_field("h", current_health, "your health")``) and
``%%`` is a percent sign. Fields nobody registered stay as typed, so a typo shows. The
format is declared character state ``prompt`` (saved); empty means the game's ``> ``.

The prompt is an ordinary ``Prompt`` event, so the telnet side ends it with EOR or GA as
it always has. A character's last prompt is kept and sent again while its text is the
same, so its rendering (cached per style on the event) is reused. Stdlib only.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mud.engine.events import Prompt
from mud.engine.state import STATE

STATE_NAME = "prompt"
# The game's prompt, shared by everyone who has not set one.
DEFAULT = Prompt("> ")
# The longest format a player may set (characters), and so the longest prompt but fields.
MAX_FORMAT = 120
# The longest text one field may put into a prompt.
MAX_FIELD = 40


@dataclass(frozen=True)
class Field:
    """One ``%code``: what fills it (``fill(world, character) -> str``) and what it means,
    for the ``prompt`` command's help."""

    code: str
    fill: Callable[[Any, Any], str]
    meaning: str


FIELDS: dict[str, Field] = {}
_last: weakref.WeakKeyDictionary[Any, Prompt] = weakref.WeakKeyDictionary()


def register_field(code: str, fill: Callable[[Any, Any], str], meaning: str) -> None:
    """Let ``%code`` in a player's prompt show ``fill(world, character)``."""
    if len(code) != 1 or not code.isalpha():
        raise ValueError(f"a prompt field is one letter, not {code!r}")
    known = FIELDS.get(code)
    if known is not None and known.fill is not fill:
        raise ValueError(f"prompt field %{code} is registered twice")
    FIELDS[code] = Field(code, fill, meaning)


def declare() -> None:
    """Declare the saved format (called at import; harmless again)."""
    STATE.declare_character(STATE_NAME, str)


declare()


def format_of(character: Any) -> str:
    value = character.state.get(STATE_NAME)
    return value if isinstance(value, str) else ""


def expand(world: Any, character: Any, text: str, report: Callable[[str, BaseException],
                                                                   None] | None = None) -> str:
    """``text`` with each known ``%x`` filled in and ``%%`` made ``%``. A field that
    raises shows ``?`` (and is reported), so a broken system never costs the prompt."""
    if "%" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "%" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        code = text[i + 1]
        if code == "%":
            out.append("%")
        elif code in FIELDS:
            try:
                out.append(str(FIELDS[code].fill(world, character))[:MAX_FIELD])
            except Exception as exc:  # one broken field must not cost the prompt
                out.append("?")
                if report is not None:
                    report(f"prompt field %{code}", exc)
        else:
            out.append(text[i:i + 2])
        i += 2
    return "".join(out)


def prompt_for(world: Any, character: Any) -> Prompt:
    """The prompt to send ``character`` now: the shared default, or its own format filled
    in (the same event as last time while the text has not changed)."""
    text = character.state.get(STATE_NAME)  # after every command: the short way first
    if not text or not isinstance(text, str):
        return DEFAULT
    hooks = getattr(world, "hooks", None)
    report = None if hooks is None else \
        (lambda what, exc: hooks.report(getattr(character, "key", "?"), what, exc))
    filled = expand(world, character, text, report)
    last = _last.get(character)
    if last is not None and last.text == filled:
        return last
    prompt = _last[character] = Prompt(filled)
    return prompt
