"""Finding things by what players type: keywords, prefixes, ``2.lantern`` and ``all``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar


class Named(Protocol):
    @property
    def keywords(self) -> tuple[str, ...]: ...


T = TypeVar("T", bound=Named)


def _matches(words: Sequence[str], keywords: tuple[str, ...]) -> bool:
    # Every word typed must start some keyword: "brass lan" finds "a brass lantern".
    return all(any(k.startswith(w) for k in keywords) for w in words)


def parse_query(query: str) -> tuple[int, list[str]]:
    """Split ``"2.rusty key"`` into (2, ["rusty", "key"]); the index defaults to 1."""
    query = query.strip().lower()
    index = 1
    head, dot, rest = query.partition(".")
    if dot and head.isdigit() and rest:
        index = max(1, int(head))
        query = rest
    return index, query.split()


def find(query: str, candidates: Iterable[T]) -> T | None:
    """The ``n``-th candidate matching ``query``, exact keyword matches first."""
    index, words = parse_query(query)
    if not words:
        return None
    pool = list(candidates)
    exact = [c for c in pool if all(w in c.keywords for w in words)]
    loose = [c for c in pool if c not in exact and _matches(words, c.keywords)]
    ordered = exact + loose
    return ordered[index - 1] if index <= len(ordered) else None


def find_all(query: str, candidates: Iterable[T]) -> list[T]:
    """Everything matching ``query``; ``all`` matches everything, ``all.bread`` all bread."""
    query = query.strip().lower()
    pool = list(candidates)
    if query == "all":
        return pool
    if query.startswith("all."):
        words = query[4:].split()
        return [c for c in pool if words and _matches(words, c.keywords)]
    found = find(query, pool)
    return [found] if found is not None else []


def keywords_from_name(name: str) -> tuple[str, ...]:
    """Default keywords for a name: its words, lower-case, without articles."""
    words = [w.strip(".,;:!?'\"()").lower() for w in name.split()]
    return tuple(w for w in words if w and w not in ("a", "an", "the", "some", "of"))
