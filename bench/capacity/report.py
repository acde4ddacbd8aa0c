"""docs/capacity.md from `make bench`'s results: the machine, each workload's figures side
by side with the ratios, the exact commands, how each server was set up, and what failed.

Written again after every (target, workload), so an interrupted or failed run still leaves
a document saying what was measured and, cell by cell, what failed or was not run.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

TIMES, NONE = "\u00d7", "\u2013"  # the multiplication sign, an en dash (no figure)

# key -> (what it is, "higher"/"lower" is better or "" for no ratio, format)
METRICS: dict[str, tuple[str, str, str]] = {
    "commands_per_s": ("commands/s", "higher", "{:,.0f}"),
    "deliveries_per_s": ("deliveries/s (lines reaching a player)", "higher", "{:,.0f}"),
    "cpu_us_per_delivery": ("server CPU per delivery, µs", "lower", "{:.3f}"),
    "echo_p50_ms": ("echo p50, ms", "lower", "{:.2f}"),
    "echo_p99_ms": ("echo p99, ms", "lower", "{:.2f}"),
    "server_cores": ("server CPU, cores busy", "", "{:.2f}"),
    "loadgen_cores": ("load generator CPU, cores busy", "", "{:.2f}"),
    "cpu_pressure": ("the machine: share of the window some task waited for a CPU (PSI)",
                     "", "{:.0%}"),
    "deliveries_per_command": ("deliveries per command (seen by the players)", "", "{:.1f}"),
    "offered_per_s": ("says offered/s", "", "{:.1f}"),
    "answered_per_s": ("says answered/s", "higher", "{:.1f}"),
    "unanswered": ("says not answered within 10 s", "lower", "{:,.0f}"),
    "rss_start_mib": ("server RSS at the start, MiB", "", "{:.1f}"),
    "rss_growth_mib": ("server RSS growth over the window, MiB", "lower", "{:.1f}"),
    "rss_late_growth_mib": ("of which in its last third, MiB", "lower", "{:.1f}"),
    "stalled_still_connected": ("stalled players still connected at the end", "", "{:,.0f}"),
    "rss_before_mib": ("server RSS before the players, MiB", "", "{:.1f}"),
    "rss_after_mib": ("server RSS with them idle, MiB", "", "{:.1f}"),
    "kib_per_connection": ("RSS per idle logged-in connection, KiB", "lower", "{:.1f}"),
    "listening_s": ("process start to listening, s", "lower", "{:.2f}"),
    "first_login_s": ("then to the first login in game, s", "lower", "{:.3f}"),
    "start_to_login_s": ("process start to first login in game, s", "lower", "{:.2f}"),
    "all_in_s": ("time until all are in game, s", "lower", "{:.1f}"),
    "logins_per_s": ("logins/s", "higher", "{:.1f}"),
    "login_p50_s": ("login p50 from connect, s", "lower", "{:.2f}"),
}

TITLES: dict[str, tuple[str, str]] = {
    "crowd50": ("Crowded room, 50 players (closed loop)",
                "Everyone in one room; each player says a line as soon as its own last say "
                "came back. A say reaches everyone in the room, the speaker included."),
    "crowd200": ("Crowded room, 200 players (closed loop)", "The same with 200 players."),
    "spread": ("Players spread over rooms (closed loop)",
               "The players in rooms of `per_room`, each room its own closed loop."),
    "openloop": ("Open loop at a fixed offered rate",
                 "Each player says a line every 1/`rate` s (jittered ±20%, its own phase) "
                 "whatever the answers; the latency of each say to its echo. Players in "
                 "rooms of `per_room`."),
    "stalled": ("Stalled readers",
                "`stalled` players stop reading their sockets (never again) while "
                "`players` others talk in the same room in a closed loop: the talkers' "
                "figures and the server's RSS, sampled every second (bounded if the last "
                "third of the window adds nothing much)."),
    "memory": ("Memory per idle connection",
               "Server RSS (all its processes) before any player and with `players` "
               "logged in and idle 3 s, divided by `players`."),
    "startup": ("Start-up time", "From starting the server process to the first player "
                "logged in and in game (accounts already made)."),
    "storm": ("Login storm",
              "`players` players with existing accounts (the server's default password "
              "cost) connect at once and log in: the time until all are in game. The "
              "server is pinned to one core, so its hashing is too: issue 15's 2,000 "
              "players in 60 s with hashing on both cores is `bench.login_storm`'s. "
              "Evennia's storm is smaller (its per-login PBKDF2 check on one core would "
              "take 2,000 players past the 15 minutes): compare the logins/s."),
}


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import twisted
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"CPU": model, "cores": str(os.cpu_count()), "kernel": platform.release(),
            "Python": platform.python_version(), "Twisted": twisted.__version__,
            "commit": commit or "unknown",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def fmt(key: str, value) -> str:
    if value is None:
        return NONE
    spec = METRICS.get(key, (key, "", "{}"))[2]
    return spec.format(value)


def ratio(key: str, ours, theirs) -> str:
    """How Emberfall compares with another server on one metric: "161x better" (with the
    multiplication sign), "2.0x worse"."""
    better = METRICS.get(key, ("", "", ""))[1]
    if not better or ours is None or theirs is None or not ours or not theirs:
        return NONE
    r = ours / theirs if better == "higher" else theirs / ours
    if r >= 1:
        return f"{r:,.1f}{TIMES} better" if r < 100 else f"{r:,.0f}{TIMES} better"
    return f"{1 / r:,.1f}{TIMES} worse"


# Figures that compare across runs of different sizes (per login, per connection, per
# delivery); the others (times until all are in, totals) only when the parameters match.
PER_UNIT = {"logins_per_s", "kib_per_connection", "cpu_us_per_delivery", "first_login_s",
            "listening_s", "start_to_login_s"}


def cell(result: dict | None, key: str) -> str:
    if result is None:
        return "not run"
    if not result.get("ok"):
        return "**failed**"
    return fmt(key, result.get("figures", {}).get(key))


def render(info: dict[str, str], targets: list[dict], workloads: list[str],
           results: dict[tuple[str, str], dict], commands: list[str],
           status: str) -> str:
    """The whole document. `targets`: [{"key", "label", "version", "notes", "setup"}];
    `results[(target, workload)]`: run_one's JSON."""
    keys = [t["key"] for t in targets]
    labels = {t["key"]: t.get("label") or t["key"] for t in targets}
    out = ["# Capacity: Emberfall side by side with Evennia and a bare-Twisted echo server",
           "",
           "Generated by `make bench` (`python -m bench.capacity`); do not edit by hand. "
           "Every figure below was measured in the run described here, on this machine; "
           "rerun `make bench` to reproduce them.", "",
           f"**Status: {status}**", "", "## The machine", "", "| | |", "|---|---|"]
    for what, value in info.items():
        out.append(f"| {what} | {value} |")
    for t in targets:
        out.append(f"| {labels[t['key']]} | {t.get('version') or '?'} |")
    out += ["", "A delivery is one line reaching one player. CPU is the server's own "
            "(user + system time of all its processes from /proc, over the measured "
            "window), not wall time, so it holds whatever the load generator can take. "
            "Ratios are Emberfall's figure against the other server's, in the direction "
            "that is better (more commands, less CPU or latency).", ""]
    for workload in workloads:
        title, about = TITLES.get(workload, (workload, ""))
        out += [f"## {title}", "", about, ""]
        params = {k: (results.get((k, workload)) or {}).get("params") for k in keys}
        shown = {k: p for k, p in params.items() if p}
        if shown:
            distinct = {repr(sorted(p.items())) for p in shown.values()}
            if len(distinct) == 1:
                out.append("Parameters: " + ", ".join(
                    f"`{a}` {b}" for a, b in next(iter(shown.values())).items()) + ".")
            else:
                for k, p in shown.items():
                    out.append(f"Parameters for {labels[k]}: " + ", ".join(
                        f"`{a}` {b}" for a, b in p.items()) + ".")
            out.append("")
        metrics = []
        for k in keys:
            figures = (results.get((k, workload)) or {}).get("figures") or {}
            metrics += [m for m in figures if m not in metrics and m != "window_s"]
        metrics.sort(key=lambda m: list(METRICS).index(m) if m in METRICS else 99)
        others = [k for k in keys if k != "emberfall"]
        head = ["", *(labels[k] for k in keys)]
        if "emberfall" in keys:
            head += [f"Emberfall vs {labels[k]}" for k in others]
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        if not metrics:
            metrics = ["(no figures)"]
        for m in metrics:
            row = [METRICS.get(m, (m,))[0], *(cell(results.get((k, workload)), m)
                                              for k in keys)]
            if "emberfall" in keys:
                ours = ((results.get(("emberfall", workload)) or {}).get("figures") or {})
                for k in others:
                    theirs = (results.get((k, workload)) or {}).get("figures") or {}
                    if params.get(k) and params.get("emberfall") \
                            and params[k] != params["emberfall"] and m not in PER_UNIT \
                            and METRICS.get(m, ("", ""))[1]:
                        row.append(f"{NONE} (other size)")
                    else:
                        row.append(ratio(m, ours.get(m), theirs.get(m)))
            out.append("| " + " | ".join(row) + " |")
        failed = [(k, results[(k, workload)]) for k in keys
                  if (k, workload) in results and not results[(k, workload)].get("ok")]
        for k, r in failed:
            reason = (r.get("error") or "no reason given").strip().splitlines()
            first = reason[0] if reason else ""
            first = first if len(first) <= 400 else first[:400] + " ..."
            out += ["", f"**{labels[k]} failed**: {first}"]
        for k in keys:
            warning = (results.get((k, workload)) or {}).get("warning")
            if warning:
                out += ["", f"**{labels[k]}**: {warning}"]
        out.append("")
    out += ["## The exact commands", "", "```", *commands, "```", "",
            "## How each server was set up", ""]
    for t in targets:
        out += [f"### {labels[t['key']]}", ""]
        if t.get("setup_error"):
            out += [f"**Setup failed**: {t['setup_error']}", ""]
        if t.get("setup_s") is not None:
            out += [f"Set-up in this run took {t['setup_s']:.1f} s.", ""]
        out += [t.get("notes") or "(no notes)", ""]
    return "\n".join(out).rstrip() + "\n"


def write(path: Path, *args, **kwargs) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(render(*args, **kwargs))
    temporary.replace(path)
