"""Shops' events and how they read: ``ShopList`` (kind ``shop``: a keeper's wares with
their numbers, prices and stock) and ``Trade`` (kind ``trade``: a purchase or a sale, to
the player and the room; a valuation, to the player only), in text and JSON."""

from __future__ import annotations

from typing import Any

from mud.engine.events import Event
from mud.engine.grouping import ItemGroup


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def _label(groups: tuple[ItemGroup, ...]) -> str:
    labels = [g.label for g in groups]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


class ShopList(Event):
    """What a shopkeeper sells: ``wares`` rows (number, name, price, stock left or -1 for
    no limit, price in words such as "12 coins"); whether it ``buys`` anything."""

    __slots__ = ("buys", "keeper", "message", "wares")
    kind = "shop"

    def __init__(self, keeper: str, message: str,
                 wares: tuple[tuple[int, str, int, int, str], ...], buys: bool) -> None:
        super().__init__()
        self.keeper = keeper
        self.message = message
        self.wares = wares
        self.buys = buys


class Trade(Event):
    """``actor`` bought (``verb`` buy) or sold (sell) ``items`` from or to ``keeper`` for
    ``price`` (``cost`` in words: "12 coins"); ``value``: what the keeper would pay for
    them (told only to the actor). ``own``: the actor's copy."""

    __slots__ = ("actor", "cost", "items", "keeper", "own", "price", "verb")
    kind = "trade"

    def __init__(self, actor: str, verb: str, items: tuple[ItemGroup, ...], keeper: str,
                 price: int, cost: str, own: bool = False) -> None:
        super().__init__()
        self.actor = actor
        self.verb = verb
        self.items = items
        self.keeper = keeper
        self.price = price
        self.cost = cost
        self.own = own

# -- how the events look --------------------------------------------------------------------------


def _list_text(e: ShopList, p: Any) -> str:
    lines = [p.wrap(p("emote", e.message))] if e.message else []
    if not e.wares:
        lines.append(p.wrap(f"{_cap(e.keeper)} has nothing for sale"
                            f"{', but buys things: try value <item>' if e.buys else ''}."))
        return "\n".join(lines)
    lines.append(p("notice", f"{_cap(e.keeper)} sells:"))
    names = max(len(name) for _, name, *_ in e.wares)
    costs = max(len(cost) for *_, cost in e.wares)
    # Columns (prices lined up on the right) while they fit the window; past that, one
    # "name: price" row each, which the window's fitting wraps under its number.
    columns = 5 + names + 2 + costs + 12 <= p.width
    for number, name, _, left, cost in e.wares:
        stock_word = "" if left < 0 else "  sold out" if left == 0 else f"  ({left} left)"
        if columns:
            lines.append(f"{number:>3}. {name.ljust(names)}  {cost.rjust(costs)}{stock_word}")
        else:
            lines.append(f"{number}. {name}: {cost}{stock_word}")
    if e.buys:
        lines.append(p.wrap(f"{_cap(e.keeper)} buys things too: 'value <item>' to ask a "
                            "price."))
    return "\n".join(lines)


def _trade_text(e: Trade, p: Any) -> str:
    what = _label(e.items)
    if e.verb == "value":
        return p.wrap(f"{_cap(e.keeper)} would give you {e.cost} for {what}.")
    if e.verb == "buy":
        if e.own:
            return p.wrap(f"You buy {what} from {e.keeper} for {e.cost}.")
        return p.wrap(f"{e.actor} buys {what} from {e.keeper}.")
    if e.own:
        return p.wrap(f"You sell {what} to {e.keeper} for {e.cost}.")
    return p.wrap(f"{e.actor} sells {what} to {e.keeper}.")


def _groups(groups: tuple[ItemGroup, ...]) -> list[dict[str, Any]]:
    return [{"name": g.name, "count": g.count, "label": g.label} for g in groups]


def _list_json(e: ShopList) -> dict[str, Any]:
    return {"keeper": e.keeper, "message": e.message, "buys": e.buys,
            "wares": [{"number": n, "name": name, "price": each,
                       "stock": None if left < 0 else left, "cost": cost}
                      for n, name, each, left, cost in e.wares]}


def _trade_json(e: Trade) -> dict[str, Any]:
    # Others in the room are not told the price (the text does not say it either).
    fields = {"actor": e.actor, "verb": e.verb, "items": _groups(e.items),
              "keeper": e.keeper, "own": e.own}
    if e.own:
        fields.update(price=e.price, cost=e.cost)
    return fields

def install() -> None:
    """Register the events' looks."""
    from mud.render import json_events, text

    text.register(ShopList, _list_text)
    text.register(Trade, _trade_text)
    json_events.register(ShopList, _list_json)
    json_events.register(Trade, _trade_json)
