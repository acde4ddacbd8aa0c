"""How long a new character takes to reach levels 2 and 3 in the bundled world: a simulation
(not a speed benchmark) of one player, played on ``task.Clock`` through the real engine and
systems, every command typed over a telnet wire as a player would type it.

The scripted player: sets a prompt showing its numbers and a wimpy, buys Dunstan's oak
cudgel with its starting coins and wields it, walks out to the Thornwood and goes round its
hunting grounds (Foxglove Dell first; the Bramble Thicket and the Foot of the Hills from
level 2), ``consider``-ing each creature it meets and attacking those no higher than its
own level (one level higher too once it is level 2 and whole), resting (``rest``) until
nearly whole between fights and when too exhausted to walk on, waiting for the woods'
reset when nothing is left, and buying Dunstan's next weapon (hatchet, then sword)
whenever the coins allow. It types one command every ``PACE`` seconds of game time; fight
rounds, regeneration, resets and wandering NPCs run on the scheduler as they would on a
server.

    .venv/bin/python -m bench.progression [--seeds 5] [--limit 90] [--pace 2]

The issue's target: level 3 in about twenty minutes of play.
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from twisted.internet import task

from tests.support import BUNDLED_WORLD, WirePlayer, make_game

# Seconds of game time per command typed (reading the answer, typing the next one).
PACE = 2.0
# How finely game time is stepped: fight rounds and timers each fire at their own moment.
STEP = 0.25
# Rest until health is at least this share of the most (then hunt again).
WHOLE = 0.9
# How long a player waits when the hunting grounds are empty before going round again.
IDLE = 30.0
PROMPT = re.compile(r"\[(\d+)/(\d+)hp L(\d+) (\d+)xp (\d+)c\]")
# Movement, after the bracket (walking costs it; an exhausted player rests).
MOVES = re.compile(r"\] (\d+)mv")
# Rest until movement is at least this much again, once too exhausted to walk on.
RESTED_MV = 30
HERE = re.compile(r"^(?:An?|The) (.+?) is here\.$", re.MULTILINE)
# Where the player hunts, from which level, in the order it goes round them.
GROUNDS = (("woods:dell", 1), ("woods:thicket", 2), ("woods:hill_foot", 2))
WEAPONS = (("cudgel", 10), ("hatchet", 20), ("sword", 50))
# consider's verdicts (mud/systems/combat/fight_commands.py) -> level difference.
VERDICTS = {"chicken": -5, "needle": -2, "Fairly easy": -1, "perfect match": 0,
            "some luck": 1, "a lot of luck": 2, "Are you mad": 4}
# How many times a player follows a creature that ran away.
CHASE = 3
FIGHT_OVER = ("You have killed", "You have been killed", "You flee", "panics and flees")


@dataclass
class Result:
    """What one run came to (times in seconds of game time)."""

    seed: int
    level_at: dict[int, float] = field(default_factory=dict)
    kills: Counter[str] = field(default_factory=Counter)
    deaths: int = 0
    flights: int = 0
    commands: int = 0
    resting: float = 0.0
    waiting: float = 0.0
    bought: list[tuple[str, float]] = field(default_factory=list)
    ended: float = 0.0


class Player:
    """One scripted player on a fresh game of ``world``."""

    def __init__(self, seed: int, world: Path = BUNDLED_WORLD, pace: float = PACE) -> None:
        self.pace = pace
        self.clock = task.Clock()
        self.game = make_game(world, self.clock)
        self.world = self.game.world
        self.world.scheduler.rng.seed(seed)
        self.wire = WirePlayer(self.game)
        self.result = Result(seed)
        self.hp = self.max_hp = self.level = 1
        self.mv = RESTED_MV
        self.xp = self.gold = 0
        self.weapon = -1
        self.wire.create("Tamsin")
        self.elapse(pace)
        self.wire.read()

    # -- time and typing ----------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.seconds()

    def elapse(self, seconds: float) -> str:
        """Let ``seconds`` of game time pass; what the player was sent meanwhile."""
        end = self.now() + seconds
        while self.now() < end - 1e-9:
            self.clock.advance(min(STEP, end - self.now()))
        return self.see(self.wire.read())

    def type(self, line: str) -> str:
        """Type ``line``; what came back within the typing pace."""
        self.result.commands += 1
        out = self.see(self.wire.type(line))
        return out + self.elapse(self.pace)

    def see(self, out: str) -> str:
        """Read the prompt's numbers and the levels gained from ``out``."""
        for m in PROMPT.finditer(out):
            self.hp, self.max_hp, self.level, self.xp, self.gold = map(int, m.groups())
        for m in MOVES.finditer(out):
            self.mv = int(m.group(1))
        for level in map(int, re.findall(r"You are now level (\d+)!", out)):
            self.result.level_at.setdefault(level, self.now())
            self.level = max(self.level, level)
        if "You have been killed" in out:
            self.result.deaths += 1
        return out

    # -- moving ---------------------------------------------------------------------------

    def room(self):
        return self.world.online["tamsin"].room

    def route(self, target: str) -> list[str]:
        """The exits to type from here to room ``target`` (the map a player learns)."""
        start = self.room()
        came: dict = {start: None}
        todo = deque([start])
        while todo:
            here = todo.popleft()
            if here.id == target:
                break
            for name, way in here.exits.items():
                if way.door is None and way.target not in came:
                    came[way.target] = (here, name)
                    todo.append(way.target)
        steps: list[str] = []
        here = self.world.rooms[target]
        while came.get(here):
            here, name = came[here]
            steps.append(name)
        return steps[::-1]

    def go(self, target: str) -> str:
        out = ""
        for way in self.route(target):
            out = self.type(way)
            if "too exhausted" in out:
                self.rest(moves=RESTED_MV)
                out = self.type(way)
            if "attacks you!" in out:
                self.fight()
            if self.room().id != target and self.dead_since(out):
                return out
        return out

    def dead_since(self, out: str) -> bool:
        return "You have been killed" in out

    # -- fighting and resting -------------------------------------------------------------

    def fight(self, start: str = "") -> str:
        """Watch a fight until it ends (rounds run on the scheduler); what was seen."""
        out, quiet = start, 0.0
        while not any(word in out for word in FIGHT_OVER) and quiet < 7.0:
            seen = self.elapse(1.0)
            out += seen
            quiet = 0.0 if seen.strip() else quiet + 1.0
        if "You have been killed" in out:
            return out
        if "You flee" in out:
            self.result.flights += 1
        for name in re.findall(r"You have killed (.+?)!", out):
            self.result.kills[name] += 1
        self.type("")  # a glance at the prompt
        return out

    def rest(self, moves: int = 0) -> None:
        """Sit down ('rest': regeneration doubles) until nearly whole (and, after a walk
        refused for exhaustion, until ``moves`` movement is back); walking gets it up."""
        if self.hp < WHOLE * self.max_hp or self.mv < moves:
            self.type("rest")
        while self.hp < WHOLE * self.max_hp or self.mv < moves:
            begun = self.now()
            self.elapse(10.0)
            self.type("")
            self.result.resting += self.now() - begun

    def targets(self) -> list[str]:
        """Words to attack the creatures here by, worth fighting at this level."""
        look = self.type("look")
        if "the corpse of Tamsin" in " ".join(look.split()):
            # Back where it died: take back what the corpse holds, weapon in hand again.
            self.type("get all from tamsin")
            if self.weapon >= 0:
                self.type(f"wield {WEAPONS[self.weapon][0]}")
        words = []
        for name in HERE.findall(look):
            word = name.split()[-1].lower()
            verdict = self.type(f"consider {word}")
            if "size up" not in verdict:
                continue
            difference = next((d for key, d in VERDICTS.items() if key in verdict), 9)
            if difference <= 0 or (difference == 1 and self.level >= 2
                                   and self.hp >= self.max_hp):
                words.append(word)
        return words

    def hunt_here(self) -> bool:
        """Fight what is worth it in this room; whether anything was fought."""
        fought = False
        for word in self.targets():
            self.rest()
            out = self.type(f"kill {word}")
            if "You attack" not in out and "attacks you" not in out:
                continue
            fought = True
            out = self.fight(out)
            # A creature that runs (a wimpy fox, a poacher) is chased a few rooms.
            for _ in range(CHASE):
                fled = re.search(r"panics and flees (\w+)!", out)
                if fled is None or "You have been killed" in out:
                    break
                self.type(fled.group(1))
                self.rest()
                out = self.type(f"kill {word}")
                if "You attack" not in out:
                    break
                out = self.fight(out)
            if self.room().id == "village:chapel":
                return fought
        return fought

    # -- shopping ---------------------------------------------------------------------------

    def shop(self) -> None:
        nxt = self.weapon + 1
        if nxt >= len(WEAPONS) or self.gold < WEAPONS[nxt][1]:
            return
        item = WEAPONS[nxt][0]
        self.go("village:smithy")
        if "You buy" in self.type(f"buy {item}"):
            self.type(f"wield {item}")
            self.weapon = nxt
            self.result.bought.append((item, self.now()))

    # -- the whole game ---------------------------------------------------------------------

    def play(self, goal: int = 3, limit: float = 90 * 60.0) -> Result:
        self.type("prompt [%h/%Hhp L%l %xxp %gc] %vmv ")
        self.type("wimpy 5")
        self.shop()
        while self.level < goal and self.now() < limit:
            found = False
            for ground, level in GROUNDS:
                if self.level < level:
                    continue
                self.shop()
                self.rest()
                self.go(ground)
                found = self.hunt_here() or found
                if self.level >= goal:
                    break
            if not found and self.level < goal:
                begun = self.now()
                self.elapse(IDLE)
                self.result.waiting += self.now() - begun
        self.result.ended = self.now()
        return self.result


def simulate(seed: int, goal: int = 3, limit_minutes: float = 90.0,
             world: Path = BUNDLED_WORLD, pace: float = PACE) -> Result:
    """One scripted player from creation until level ``goal`` (or the limit), typing a
    command every ``pace`` seconds."""
    return Player(seed, world, pace).play(goal, limit_minutes * 60.0)


def minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--limit", type=float, default=90.0, help="minutes of game time")
    parser.add_argument("--pace", type=float, default=PACE,
                        help="seconds of game time per command typed")
    args = parser.parse_args()
    results = [simulate(seed, 3, args.limit, pace=args.pace)
               for seed in range(1, args.seeds + 1)]
    print(f"{args.seeds} runs, a command every {args.pace:g} s of game time")
    print("seed  level 2  level 3  kills  deaths  fled  resting  waiting  commands  bought")
    for r in results:
        print(f"{r.seed:4}  {minutes(r.level_at.get(2)):>7}  {minutes(r.level_at.get(3)):>7}"
              f"  {sum(r.kills.values()):5}  {r.deaths:6}  {r.flights:4}"
              f"  {minutes(r.resting):>7}  {minutes(r.waiting):>7}  {r.commands:8}  "
              + ", ".join(f"{item} at {minutes(t)}" for item, t in r.bought))
    for level in (2, 3):
        times = [r.level_at[level] for r in results if level in r.level_at]
        if times:
            print(f"level {level}: median {minutes(statistics.median(times))} min of game "
                  f"time (from {minutes(min(times))} to {minutes(max(times))}), "
                  f"{len(times)} of {len(results)} runs")
        else:
            print(f"level {level}: never reached within {args.limit:g} min")
    kills = Counter()
    for r in results:
        kills.update(r.kills)
    print("kills:", ", ".join(f"{name} {n}" for name, n in kills.most_common()))


if __name__ == "__main__":
    main()
