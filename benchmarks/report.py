"""The Markdown report: machine and versions, a summary of every target, one section per part."""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from .common import MISS, NA, PASS, Section

TITLE = "# Benchmarks"


def _cell(text: object) -> str:
    return str(text).replace("\n", " ").replace("|", "\\|")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _busiest(*loads: str) -> float | None:
    values = []
    for text in loads:
        try:
            values.append(float(text.split("/")[0]))
        except (ValueError, IndexError):
            pass
    return max(values) if values else None


def _cores(machine: str) -> int | None:
    m = re.search(r"(\d+) cores", machine)
    return int(m.group(1)) if m else None


def render(
    sections: Sequence[Section],
    machine: Mapping[str, str],
    versions: Mapping[str, str],
    options: str,
    end_load: str,
    skipped: Sequence[tuple[str, str]] = (),
) -> str:
    lines = [
        TITLE,
        "",
        "Written by `make bench` (`python benchmarks/run.py --out docs/benchmarks.md`); regenerate it "
        "rather than editing it. Every time is a median of several runs; every line names its target "
        "and says PASS or MISS (n/a: not measurable yet).",
        "",
    ]
    facts = dict(machine)
    facts["load average at end (1/5/15 min)"] = end_load
    facts["options"] = f"`{options}`"
    lines += table(["", ""], list(facts.items()))
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".", ""]
    busy = _busiest(machine.get("load average at start (1/5/15 min)", ""), end_load)
    cores = _cores(machine.get("machine", ""))
    if busy is not None and cores and busy > cores:
        lines += [f"**The machine was busy during this run** (1-minute load average up to {busy:.1f} on {cores} cores): "
                  "other work competed for the CPU, so treat every MISS below as provisional and re-run on a quiet machine.", ""]
    lines += [
        "Times are wall-clock on a machine that may be shared: a load average well above the number "
        "of cores means other work competed for the CPU and every number here is pessimistic. Compare "
        "ratios measured in the same run (notebook vs floor, 1 vs 2 workers) rather than absolute times.",
        "",
    ]

    checks = [c for s in sections for c in s.checks]
    counts = {r: sum(1 for c in checks if c.result == r) for r in (PASS, MISS, NA)}
    lines += ["## Summary", "", f"{counts[PASS]} PASS, {counts[MISS]} MISS, {counts[NA]} n/a.", ""]
    lines += table(["check", "measured", "target", "result"],
                   [[c.what, c.measured, c.target, f"**{c.result}**" if c.result == MISS else c.result] for c in checks])
    if skipped:
        lines += ["", "Not run: " + "; ".join(f"{name} ({why})" for name, why in skipped) + "."]
    lines.append("")

    for n, s in enumerate(sections, 1):
        lines += [f"## {n}. {s.title}", ""]
        if s.intro:
            lines += [s.intro, ""]
        if s.rows:
            lines += table(s.headers, s.rows)
            lines.append("")
        for note in s.notes:
            lines.append(f"- {note}")
        if s.notes:
            lines.append("")
        lines += [f"_Section time: {s.seconds:.0f} s._", ""]

    profiles = [(t, p) for s in sections for t, p in s.profiles]
    if profiles:
        lines += ["## Profiles of what missed its target", "",
                  "cProfile of one call, top entries by cumulative time (run with `--profile`).", ""]
        for title, text in profiles:
            lines += [f"### {title}", "", "```", text.rstrip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"
