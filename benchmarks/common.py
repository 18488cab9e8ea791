"""Shared pieces of the benchmarks: timing, targets, sections and machine facts."""

from __future__ import annotations

import cProfile
import datetime as _dt
import gc
import io
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"

PASS, MISS, NA = "PASS", "MISS", "n/a"

#: Distributions whose versions the report lists.
PACKAGES = (
    "pandas", "numpy", "altair", "vl-convert-python", "ipywidgets", "ipykernel",
    "jupyter_client", "papermill", "nbval", "nbconvert", "pytest", "dask", "distributed",
    "metrics-workbook",
)


@dataclass
class Check:
    """One target: what was measured, the target, and whether it was met.

    ``ok`` is ``None`` when nothing could be measured (the result reads "n/a").
    """

    section: str
    what: str
    measured: str
    target: str
    ok: bool | None
    note: str = ""

    @property
    def result(self) -> str:
        return NA if self.ok is None else (PASS if self.ok else MISS)


@dataclass
class Section:
    """One part of the report: a table whose rows carry their target and result."""

    key: str
    title: str
    intro: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: (title, text) pairs: profiles of what missed its target, shown in an appendix.
    profiles: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def check(self, what: str, measured: str, target: str, ok: bool | None, note: str = "") -> Check:
        c = Check(self.key, what, measured, target, ok, note)
        self.checks.append(c)
        return c


def median(values: Sequence[float]) -> float:
    vals = [v for v in values if v == v]  # drop NaN
    return statistics.median(vals) if vals else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    vals = sorted(v for v in values if v == v)
    if not vals:
        return float("nan")
    k = min(len(vals) - 1, max(0, round(q / 100 * (len(vals) - 1))))
    return vals[k]


def time_calls(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``fn`` after ``warmup`` untimed ones.

    The garbage collector runs once before the timed calls (not between them: a full
    collection costs ~0.1 s once Altair is loaded) and stays on, as in a kernel.
    """
    for _ in range(warmup):
        fn()
    gc.collect()
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def profile_call(fn: Callable[[], Any], top: int = 14, sort: str = "cumulative") -> str:
    """cProfile one call of ``fn``; the ``top`` entries by ``sort`` as text."""
    prof = cProfile.Profile()
    prof.enable()
    try:
        fn()
    finally:
        prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    lines = buf.getvalue().splitlines()
    # keep the header line with the total and the table itself
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    total = next((line.strip() for line in lines if "function calls" in line), "")
    return "\n".join([total, ""] + [line.rstrip() for line in lines[start:] if line.strip()])


def fmt_s(seconds: float, digits: int = 2) -> str:
    return "-" if seconds != seconds else f"{seconds:.{digits}f} s"


def fmt_ms(seconds: float) -> str:
    if seconds != seconds:
        return "-"
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def fmt_auto(seconds: float) -> str:
    """Milliseconds below one second, seconds above."""
    if seconds != seconds:
        return "-"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    return fmt_ms(seconds) if seconds < 1 else fmt_s(seconds)


def fmt_rows(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:g}M"
    if n >= 1000:
        return f"{n / 1e3:g}k"
    return str(n)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return "unknown"


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_info() -> dict[str, str]:
    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    return {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{_cpu_model()}, {cores} cores ({usable} usable), {_memory_gb()} RAM",
        "system": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "commit": _git_commit(),
        "load average at start (1/5/15 min)": load_average(),
    }


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def notebooks() -> list[Path]:
    """The lesson notebooks that exist now, in order."""
    return sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
