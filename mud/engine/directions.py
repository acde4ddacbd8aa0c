"""Compass directions: canonical names, abbreviations and opposites."""

from __future__ import annotations

DIRECTIONS: tuple[str, ...] = (
    "north", "south", "east", "west", "up", "down",
    "northeast", "northwest", "southeast", "southwest",
)

ABBREVIATIONS: dict[str, str] = {
    "n": "north", "s": "south", "e": "east", "w": "west", "u": "up", "d": "down",
    "ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest",
}

OPPOSITES: dict[str, str] = {
    "north": "south", "south": "north", "east": "west", "west": "east",
    "up": "down", "down": "up",
    "northeast": "southwest", "southwest": "northeast",
    "northwest": "southeast", "southeast": "northwest",
}

SHORT: dict[str, str] = {full: short for short, full in ABBREVIATIONS.items()}


def canonical(word: str) -> str | None:
    """Return the full direction name for ``word`` (``"ne"`` -> ``"northeast"``), or None."""
    word = word.lower()
    if word in OPPOSITES:
        return word
    return ABBREVIATIONS.get(word)


def exit_name(written: str) -> str:
    """The name an exit written as ``written`` goes by, as rooms key their exits: the full
    direction (``n`` -> ``north``), else the word in lower case (``Gate`` -> ``gate``)."""
    word = written.strip()
    return canonical(word) or word.lower()


def sort_key(exit_name: str) -> tuple[int, str]:
    """Order exits compass-first, then named exits alphabetically."""
    try:
        return (DIRECTIONS.index(exit_name), exit_name)
    except ValueError:
        return (len(DIRECTIONS), exit_name)


def arrival_phrase(direction: str) -> str:
    """How others see someone come in by way of ``direction`` (the exit they left through)."""
    opposite = OPPOSITES.get(direction)
    if opposite is None:
        return "arrives"
    if opposite == "up":
        return "arrives from above"
    if opposite == "down":
        return "arrives from below"
    return f"arrives from the {opposite}"
