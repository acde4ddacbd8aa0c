"""Dice as builders write them: ``2d6+1``, ``1d4``, ``d8-1`` or a plain ``3``.

``parse_dice(text)`` reads one (raising ValueError with words a builder can act on) and
``Dice.roll(rng)`` throws it with the world's random source (``world.scheduler.rng``, which
tests seed), so a fight replays the same way under the same seed. ``str(dice)`` writes it
back as a builder would.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# Bounds that keep a roll cheap and its result sane: at most a hundred dice of a thousand
# sides, and a modifier within a thousand either way.
MAX_COUNT = 100
MAX_SIDES = 1000
MAX_BONUS = 1000

_FORM = re.compile(r"^(?:(\d*)\s*[dD]\s*(\d+))?\s*(?:([+-])\s*(\d+))?$")
_EXAMPLES = "such as 2d6+1, 1d4, d8-1 or 3"


@dataclass(frozen=True)
class Dice:
    """``count`` dice of ``sides`` sides, plus ``bonus`` (count 0: just the bonus)."""

    count: int = 0
    sides: int = 0
    bonus: int = 0

    def roll(self, rng: random.Random) -> int:
        """One throw: never below 0 (a ``1d2-3`` hits for nothing, not for healing)."""
        total = self.bonus
        for _ in range(self.count):
            total += rng.randint(1, self.sides)
        return max(0, total)

    @property
    def least(self) -> int:
        return max(0, self.count + self.bonus)

    @property
    def most(self) -> int:
        return max(0, self.count * self.sides + self.bonus)

    @property
    def average(self) -> float:
        """The mean throw (ignoring the floor at 0), for ``consider`` and balance sums."""
        return self.count * (self.sides + 1) / 2 + self.bonus

    def __str__(self) -> str:
        if not self.count:
            return str(self.bonus)
        text = f"{self.count}d{self.sides}"
        if self.bonus:
            text += f"{self.bonus:+d}"
        return text


def parse_dice(text: object) -> Dice:
    """The dice ``text`` writes (a whole number counts as fixed damage)."""
    if isinstance(text, bool):
        raise ValueError(f"dice must be written {_EXAMPLES}, not true/false")
    if isinstance(text, int):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"dice must be written {_EXAMPLES}")
    if text.strip().isdigit():
        amount = int(text.strip())
        if amount > MAX_BONUS:
            raise ValueError(f"{text.strip()!r}: a fixed amount is at most {MAX_BONUS}")
        return Dice(0, 0, amount)
    found = _FORM.match(text.strip())
    if found is None or not found.group(2):
        raise ValueError(f"{text.strip()[:40]!r} is not dice: write them {_EXAMPLES}")
    count_text, sides_text, sign, bonus_text = found.groups()
    bonus = int(bonus_text or 0) * (-1 if sign == "-" else 1)
    if sides_text is None:
        raise ValueError(f"{text.strip()[:40]!r} is not dice: write them {_EXAMPLES}")
    else:
        count = int(count_text) if count_text else 1
        sides = int(sides_text)
        if not 1 <= count <= MAX_COUNT:
            raise ValueError(f"{text.strip()!r}: throw 1 to {MAX_COUNT} dice, not {count}")
        if not 1 <= sides <= MAX_SIDES:
            raise ValueError(f"{text.strip()!r}: a die has 1 to {MAX_SIDES} sides, "
                             f"not {sides}")
    if abs(bonus) > MAX_BONUS:
        raise ValueError(f"{text.strip()!r}: the amount added is at most {MAX_BONUS} "
                         "either way")
    return Dice(count, sides, bonus)
