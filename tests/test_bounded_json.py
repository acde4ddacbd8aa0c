"""Bounded JSON decoding: nesting past the bound is refused before the decoder recurses."""

from __future__ import annotations

import json
import random

import pytest

from mud.protocols.bounded_json import MAX_DEPTH, TooDeep, loads, too_deep


def nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


def test_plain_json_decodes_as_json_does():
    text = '{"type": "login", "name": "Ann", "list": [1, [2, {"a": null}]], "s": "[{"}'
    assert loads(text) == json.loads(text)


def test_nesting_up_to_the_bound_is_fine_and_past_it_refused():
    assert loads(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))
    with pytest.raises(TooDeep) as raised:
        loads(nested(MAX_DEPTH + 1))
    assert raised.value.limit == MAX_DEPTH and isinstance(raised.value, ValueError)


def test_what_made_the_decoder_recurse_out_is_refused_instead():
    for text in (nested(1900), nested(100_000), '{"a":' * 5000 + "1" + "}" * 5000,
                 "[" * 30_000):  # unclosed: still too deep, never decoded
        with pytest.raises(TooDeep):
            loads(text)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"type": "command", "text": "[" * 5000 + "{" * 5000})
    assert not too_deep(text)
    assert loads(text)["text"].startswith("[[[")
    # Escaped quotes do not end a string early.
    tricky = json.dumps(["\\\"[[[[" * 200, {"k": "\\\\"}])
    assert loads(tricky) == json.loads(tricky)


def test_many_brackets_side_by_side_are_not_deep():
    text = "[" + ",".join(["[]"] * 10_000) + "]"
    assert not too_deep(text)
    assert len(loads(text)) == 10_000


def test_broken_json_still_raises_valueerror():
    for text in ("]]]]" * 20 + "[", '"unterminated [[[' + "[" * 40, "{bad"):
        with pytest.raises(ValueError):
            loads(text)


def depth_of(value) -> int:
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list):
        return 0
    return 1 + max((depth_of(child) for child in children), default=0)


def random_value(rng: random.Random, depth: int):
    if depth == 0:
        return rng.choice([1, "x", "[{", '"]}\\', None, True])
    # One child reaches the full depth; its siblings stay shallow (and the value small).
    children = [random_value(rng, rng.randrange(min(depth, 3))) for _ in range(rng.randrange(3))]
    children.insert(rng.randrange(len(children) + 1), random_value(rng, depth - 1))
    if rng.random() < 0.5:
        return children
    return {f"k{i}[": child for i, child in enumerate(children)}


def test_the_check_agrees_with_the_real_depth():
    rng = random.Random(8)
    for _ in range(400):
        value = random_value(rng, rng.randrange(1, 2 * MAX_DEPTH))
        assert depth_of(value) > 0
        text = json.dumps(value)
        assert too_deep(text) == (depth_of(value) > MAX_DEPTH), text[:200]
        assert too_deep(text, 4) == (depth_of(value) > 4)
