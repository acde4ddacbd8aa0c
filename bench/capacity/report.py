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
from typing import Any

TIMES, NONE = "\u00d7", "\u2013"  # the multiplication sign, an en dash (no figure)

# key -> (what it is, "higher"/"lower" is better or "" for no ratio, format)
METRICS: dict[str, tuple[str, str, str]] = {
    "commands_per_s": ("commands/s", "higher", "{:,.0f}"),
    "deliveries_per_s": ("deliveries/s (lines reaching a player)", "higher", "{:,.0f}"),
    "cpu_us_per_delivery": ("server CPU per delivery, µs", "lower", "{:.3f}"),
    "echo_p50_ms": ("echo p50, ms", "lower", "{:.2f}"),
    "echo_p99_ms": ("echo p99, ms", "lower", "{:.2f}"),
    "warmup_s": ("warm-up before the measured window, s", "", "{:.1f}"),
    "slowest_talker_commands": ("commands by the slowest player in the window", "",
                                "{:,.0f}"),
    "server_cores": ("server CPU, cores busy", "", "{:.2f}"),
    "loadgen_cores": ("load generator CPU, cores busy", "", "{:.2f}"),
    "cpu_pressure": ("the machine: share of the window some task waited for a CPU (PSI)",
                     "", "{:.0%}"),
    "deliveries_per_command": ("deliveries per command (seen by the players)", "", "{:.1f}"),
    "offered_per_s": ("says offered/s", "", "{:.1f}"),
    "answered_per_s": ("says answered/s", "higher", "{:.1f}"),
    "answered_after_window": ("says answered after the window, within the grace", "",
                              "{:,.0f}"),
    "unanswered": ("says not answered within {grace} s after the window", "lower",
                   "{:,.0f}"),
    "grace_s": ("grace after the window for the last answers, s", "", "{:g}"),
    "rss_start_mib": ("server RSS at the start, MiB", "", "{:.1f}"),
    "rss_growth_mib": ("server RSS growth over the window, MiB", "lower", "{:.1f}"),
    "rss_peak_growth_mib": ("server RSS peak over the start, MiB", "lower", "{:.1f}"),
    "rss_late_growth_mib": ("of which in its last third, MiB", "lower", "{:.1f}"),
    "stalled_still_connected": ("stalled players still connected at the end", "", "{:,.0f}"),
    "stalled_filled": ("stalled players whose kernel buffers filled (or were dropped)", "",
                       "{:,.0f}"),
    "stalled_sent_kib": ("say output meant for each stalled player, KiB", "", "{:,.0f}"),
    "stalled_kernel_kib": ("of which held in the kernel's socket buffers, KiB (mean)", "",
                           "{:,.0f}"),
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
               "logged in and idle `idle` s, divided by `players`."),
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


# Below these, a figure is noise (RSS moves by a page or an allocator arena on its own): no
# ratio is drawn when either side is under it, since 2.2 MiB against 0.004 MiB is no "564x".
NOISE: dict[str, float] = {"rss_growth_mib": 1.0, "rss_peak_growth_mib": 1.0,
                           "rss_late_growth_mib": 1.0}


def machine() -> dict[str, str]:
    """The machine and the checkout the run measured: CPU, cores, kernel, Python, our
    Twisted, the commit (with "-dirty" and the changed files when the tree has local edits:
    the figures are then not the commit's), the date."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import twisted
    return {"CPU": model, "cores": str(os.cpu_count()), "kernel": platform.release(),
            "Python": platform.python_version(),
            "Twisted (Emberfall and the echo server)": twisted.__version__,
            "commit": commit(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def commit(cwd: Path | None = None) -> str:
    """HEAD's short hash; "-dirty" and up to 8 changed tracked files when there are local
    edits (untracked files are not the code measured unless imported, so not counted)."""
    def git(*args: str) -> str:
        try:
            # not strip(): a porcelain line starts with a space (" M a.py")
            return subprocess.run(["git", *args], capture_output=True, text=True,
                                  check=False, cwd=cwd).stdout.rstrip("\n")
        except OSError:
            return ""
    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain",
                                        "--untracked-files=no").splitlines() if line]
    if not changed:
        return head
    more = f" and {len(changed) - 8} more" if len(changed) > 8 else ""
    return f"{head}-dirty (local edits to {', '.join(changed[:8])}{more})"


def fmt(key: str, value: float | None) -> str:
    """One figure as the document shows it."""
    if value is None:
        return NONE
    spec = METRICS.get(key, (key, "", "{}"))[2]
    return spec.format(value)


def ratio(key: str, ours: float | None, theirs: float | None) -> str:
    """How Emberfall compares with another server on one metric: "161x better" (with the
    multiplication sign), "2.0x worse"."""
    better = METRICS.get(key, ("", "", ""))[1]
    if not better or ours is None or theirs is None or not ours or not theirs:
        return NONE
    floor = NOISE.get(key)
    if floor is not None and (abs(ours) < floor or abs(theirs) < floor):
        return f"{NONE} (noise level)"
    r = ours / theirs if better == "higher" else theirs / ours
    if r < 0:
        return NONE
    word, r = ("better", r) if r >= 1 else ("worse", 1 / r)
    if r < 1.05:
        return f"1.0{TIMES} (the same)"  # "1.0x worse" would claim a difference
    return f"{r:,.1f}{TIMES} {word}" if r < 100 else f"{r:,.0f}{TIMES} {word}"


# Figures that compare across runs of different sizes (per login, per connection, per
# delivery); the others (times until all are in, totals) only when the parameters match.
PER_UNIT = {"logins_per_s", "kib_per_connection", "cpu_us_per_delivery", "first_login_s",
            "listening_s", "start_to_login_s"}


def cell(result: dict | None, key: str) -> str:
    """One server's figure in a table, or why there is none."""
    if result is None or result.get("skipped"):
        return "not run"
    if not result.get("ok"):
        return "**failed**"
    return fmt(key, result.get("figures", {}).get(key))


def label(key: str, params: dict | None, figures: list[dict] | None = None) -> str:
    """A metric's row label; the open loop's grace is the run's own (its grace_s figure,
    else its `grace` parameter)."""
    text = METRICS.get(key, (key,))[0]
    graces = [f["grace_s"] for f in figures or [] if f.get("grace_s") is not None]
    graces += [p["grace"] for p in (params or {}).values() if p and "grace" in p]
    return text.replace("{grace}", f"{graces[0]:g}" if graces else "the grace")


def reason(error: str | None, lines: int = 12) -> list[str]:
    """A failure's whole reason as the document shows it: the first line, then the last
    `lines` lines (pip's ERROR lines, the server's log tail) indented as a block."""
    text = (error or "no reason given").strip().splitlines() or ["no reason given"]
    first, rest = text[0][:400], text[1:]
    block = (["    ..."] if len(rest) > lines else []) + [f"    {x}" for x in rest[-lines:]]
    return [first, *(["", *block] if block else [])]


def render(info: dict[str, str], targets: list[dict], workloads: list[str],
           results: dict[tuple[str, str], dict], commands: list[str],
           status: str, took: dict[str, float] | None = None) -> str:
    """The whole document. `targets`: [{"key", "label", "version", "notes", "setup_s",
    "setup_state", "stack", "setup_error"}]; `results[(target, workload)]`: run_one's JSON;
    `took`: seconds each part (a set-up, a (server, workload) run) took."""
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
        stack = f" (its own venv: {t['stack']})" if t.get("stack") else ""
        out.append(f"| {labels[t['key']]} | {t.get('version') or '?'}{stack} |")
    out += ["", "A delivery is one line reaching one player. CPU is the server's own "
            "(user + system time of all its processes from /proc, over the measured "
            "window), not wall time, so it holds whatever the load generator can take. "
            "Ratios are Emberfall's figure against the other server's, in the direction "
            "that is better (more commands, less CPU or latency).", ""]
    quick = status.startswith("QUICK")
    for workload in workloads:
        title, about = TITLES.get(workload, (workload, ""))
        out += [f"## {title}" + (" (QUICK: tiny numbers, not comparable)" if quick else ""),
                "", about, ""]
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
            row = [label(m, params, [(results.get((k, workload)) or {}).get("figures") or {}
                                     for k in keys]),
                   *(cell(results.get((k, workload)), m)
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
            why = reason(r.get("error"))
            verb = "not run" if r.get("skipped") else "failed"
            out += ["", f"**{labels[k]} {verb}**: {why[0]}", *why[1:]]
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
            why = reason(t["setup_error"])
            out += [f"**Setup failed**: {why[0]}", *why[1:], ""]
        if t.get("setup_s") is not None:
            state = t.get("setup_state") or "?"
            out += [f"Set-up in this run: {state}, {t['setup_s']:.1f} s.", ""]
        out += [t.get("notes") or "(no notes)", ""]
    if took:
        out += ["## How long each part took", "", "| part | s |", "|---|---|",
                *(f"| {part} | {seconds:.1f} |" for part, seconds in took.items()),
                f"| all parts | {sum(took.values()):.1f} |", ""]
    return "\n".join(out).rstrip() + "\n"


def write(path: Path, *args: Any, **kwargs: Any) -> None:
    """render()'s document into `path`, replaced whole (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(render(*args, **kwargs))
    temporary.replace(path)
