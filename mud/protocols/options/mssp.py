"""MSSP: the variables MUD listing sites crawl, over telnet or as plain text.

Sent as ``IAC SB MSSP (VAR name VAL value)... IAC SE`` when a client says ``DO MSSP``,
and as ``MSSP-REPLY-START`` ... ``MSSP-REPLY-END`` lines to ``MSSP-REQUEST`` typed at the
login prompt. A crawler never logs in, so it is never counted in PLAYERS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mud.protocols.options.codes import MSSP, MSSP_VAL, MSSP_VAR, subnegotiation

REQUEST = "MSSP-REQUEST"

Variables = list[tuple[str, list[str]]]


def _values(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, bool):
        return ["1" if value else "0"]
    return [str(value)]


def variables(fixed: Mapping[str, object], live: Callable[[], Mapping[str, object]]) -> Variables:
    """Variables in a stable order: the live ones (NAME, PLAYERS, UPTIME...) first, then
    the configured ones; a configured value overrides a default of the same name."""
    merged: dict[str, object] = dict(live())
    for key, value in fixed.items():
        if key.upper() in ("PLAYERS", "UPTIME"):
            continue  # always measured, never configured
        merged[key.upper()] = value
    # An empty value tells a listing site nothing: leave the variable out.
    return [(key, values) for key, value in merged.items()
            if (values := [v for v in _values(value) if v != ""])]


def telnet(vars: Variables) -> bytes:
    payload = bytearray()
    for key, values in vars:
        payload += bytes([MSSP_VAR]) + key.encode("utf-8")
        for value in values:
            payload += bytes([MSSP_VAL]) + value.encode("utf-8")
    return subnegotiation(MSSP, bytes(payload))


def plain(vars: Variables) -> str:
    lines = ["MSSP-REPLY-START"]
    for key, values in vars:
        lines.extend(f"{key}\t{value}" for value in values)
    lines.append("MSSP-REPLY-END")
    return "\n".join(lines)
