"""Whole-notebook benchmarks: headless runs against the kernel-start floor, batch
throughput, notebook sizes and the nbval suite's duration."""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Sequence

from .common import NOTEBOOKS_DIR, ROOT, Section, fmt_s, median, notebooks

KERNEL = "python3"
RATIO_TARGET = 1.5
BATCH_TARGET = 0.85
SIZE_TARGET = 1_000_000  # bytes, as tests/test_notebooks.py checks
NBVAL_TARGET_S = 60.0
START_TIMEOUT = 180

#: The floor: a one-cell notebook importing what every lesson's setup cell imports.
FLOOR_SOURCE = """\
import pandas, altair, ipywidgets
from helpers import charts, data, metrics
charts.setup()
"""


def floor_notebook(folder: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


@contextlib.contextmanager
def _quiet() -> Any:
    loggers = [logging.getLogger(n) for n in ("papermill", "traitlets", "nbclient")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def execute(path: Path, out: Path, parameters: dict[str, Any]) -> float:
    """Run ``path`` headless with papermill (kernel python3, cwd notebooks/); wall seconds."""
    import papermill

    t0 = time.perf_counter()
    with _quiet():
        papermill.execute_notebook(
            str(path), str(out), parameters=parameters, kernel_name=KERNEL, progress_bar=False,
            log_output=False, cwd=str(NOTEBOOKS_DIR), start_timeout=START_TIMEOUT,
        )
    return time.perf_counter() - t0


def _cell_times(out: Path) -> list[tuple[float, int, str]]:
    """(seconds, cell index, first line) of each executed code cell, from papermill's metadata."""
    import nbformat

    nb = nbformat.read(out, as_version=4)
    rows = []
    for i, cell in enumerate(nb.cells):
        d = (cell.metadata.get("papermill") or {}).get("duration")
        if cell.cell_type == "code" and isinstance(d, (int, float)):
            first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")), "")
            rows.append((float(d), i, first[:60]))
    return rows


def _error(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).splitlines()
    cell = getattr(exc, "exec_count", None)
    return f"{ename}: {evalue[0] if evalue else ''}" + (f" (In [{cell}])" if cell else "")


def run_notebooks(repeat: int = 3, *, floor_only: bool = False, paths: Sequence[Path] | None = None) -> Section:
    """Headless time of each notebook (interactive=False) next to the floor, same run."""
    paths = list(notebooks() if paths is None else paths)
    if floor_only:
        paths = []
    section = Section(
        "notebooks",
        "Notebooks: headless run against the kernel-start floor",
        intro=(
            f"papermill, kernel `{KERNEL}`, cwd `notebooks/`, parameters `interactive=False`, output to a "
            f"temporary folder. *Floor* = the same on a one-cell notebook that imports pandas, altair, "
            f"ipywidgets and helpers (kernel start and imports). Floor and notebooks alternate in each of "
            f"{repeat} rounds; medians. *Cells* = sum of papermill's per-cell durations (the rest is kernel "
            f"start and papermill). Per-notebook ratios are a guide; the target is the total."
        ),
        headers=["notebook", "median", "floor", "ratio", "cells", "slowest cells", "target", "result"],
    )
    t_section = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mw-bench-") as tmp:
        tmpdir = Path(tmp)
        floor = floor_notebook(tmpdir)
        params = {"interactive": False}
        with contextlib.suppress(Exception):
            execute(floor, tmpdir / "warm.ipynb", params)  # warm-up: imports, disk cache
        floor_times: list[float] = []
        times: dict[Path, list[float]] = {p: [] for p in paths}
        cells: dict[Path, list[list[tuple[float, int, str]]]] = {p: [] for p in paths}
        errors: dict[Path, str] = {}
        floor_error = ""
        floor_cells: list[float] = []
        for r in range(max(1, repeat)):
            try:
                floor_times.append(execute(floor, tmpdir / f"floor-{r}.ipynb", params))
                floor_cells.append(sum(d for d, _, _ in _cell_times(tmpdir / f"floor-{r}.ipynb")))
            except Exception as exc:
                floor_error = _error(exc)
            for p in paths:
                if p in errors:
                    continue
                out = tmpdir / f"{p.stem}-{r}.ipynb"
                try:
                    times[p].append(execute(p, out, params))
                    cells[p].append(_cell_times(out))
                except Exception as exc:  # a notebook being written: report and go on
                    errors[p] = _error(exc)
    f = median(floor_times)
    section.rows.append(["floor (one cell: imports)", fmt_s(f), fmt_s(f), "1.00", fmt_s(median(floor_cells)), "-", "-", "-"])
    if floor_error:
        section.notes.append(f"The floor notebook failed: {floor_error}.")
    total = 0.0
    counted = 0
    for p in paths:
        label = p.stem
        if p in errors:
            section.rows.append([label, "-", fmt_s(f), "-", "-", "-", f"<= {RATIO_TARGET:g}x floor", "n/a: error"])
            section.check(f"notebook {label} (ratio to floor)", "error", f"<= {RATIO_TARGET:g}x floor", None, errors[p])
            section.notes.append(f"`{p.name}` failed under papermill: {errors[p]}.")
            continue
        m = median(times[p])
        ratio = m / f if f == f and f > 0 else float("nan")
        total += m
        counted += 1
        per_cell: dict[int, list[float]] = {}
        first_line: dict[int, str] = {}
        for run_cells in cells[p]:
            for d, i, line in run_cells:
                per_cell.setdefault(i, []).append(d)
                first_line[i] = line
        cell_sum = sum(median(v) for v in per_cell.values())
        slow = sorted(((median(v), i) for i, v in per_cell.items()), reverse=True)[:3]
        slow_txt = "; ".join(f"[{i}] {d:.2f} s `{first_line[i].replace('|', '/')}`" for d, i in slow if d >= 0.05) or "-"
        c = section.check(f"notebook {label} (ratio to floor)", f"{ratio:.2f}x", f"<= {RATIO_TARGET:g}x floor", ratio <= RATIO_TARGET)
        section.rows.append([label, fmt_s(m), fmt_s(f), f"{ratio:.2f}", fmt_s(cell_sum), slow_txt, f"<= {RATIO_TARGET:g}x floor", c.result])
    if counted:
        budget = f * counted
        ratio = total / budget if budget > 0 else float("nan")
        c = section.check(f"whole workbook ({counted} notebooks) vs {counted} x floor", f"{ratio:.2f}x ({fmt_s(total)} vs {fmt_s(budget)})",
                          f"<= {RATIO_TARGET:g}x", ratio <= RATIO_TARGET)
        section.rows.append([f"**total ({counted} notebooks)**", fmt_s(total), fmt_s(budget), f"{ratio:.2f}", "-", "-",
                             f"<= {RATIO_TARGET:g}x", c.result])
    elif not paths:
        section.notes.append("Floor only (quick mode or no notebooks): no notebook was run.")
    section.seconds = time.perf_counter() - t_section
    return section


# ----------------------------------------------------------------------------- batch


def _batch_notebook() -> Path:
    capstone = NOTEBOOKS_DIR / "09_capstone_scorecard.ipynb"
    return capstone if capstone.exists() else NOTEBOOKS_DIR / "00_start_here.ipynb"


def _declared(path: Path) -> set[str]:
    try:
        import papermill

        with _quiet():
            return set(papermill.inspect_notebook(str(path)))
    except Exception:
        return set()


def _pool_job(args: tuple[str, str, dict[str, Any]]) -> float:
    path, out, params = args
    return execute(Path(path), Path(out), params)


def _batch_api() -> tuple[Any, str]:
    """The batch runner's API (``run_batch`` and ``RunSpec``), or None and why not."""
    try:
        from helpers import batch
    except Exception as exc:
        return None, f"helpers.batch cannot be imported ({type(exc).__name__}: {exc})"
    missing = [n for n in ("run_batch", "RunSpec") if not hasattr(batch, n)]
    if missing:
        return None, f"helpers.batch has no {', '.join(missing)}"
    sig = inspect.signature(batch.run_batch)
    if "workers" not in sig.parameters:
        return None, "helpers.batch.run_batch takes no `workers` argument"
    return batch, ""


def _batch_once(batch: Any, path: Path, runs: list[dict[str, Any]], workers: int, out: Path) -> tuple[float, int]:
    """One batch through the runner's API: (wall seconds, failed runs)."""
    specs = [batch.RunSpec(name=r["name"], notebook=path, parameters=r["parameters"]) for r in runs]
    kwargs: dict[str, Any] = {"workers": workers}
    if "progress" in inspect.signature(batch.run_batch).parameters:
        kwargs["progress"] = False
    t0 = time.perf_counter()
    with _quiet():
        result = batch.run_batch(specs, out, **kwargs)
    wall = time.perf_counter() - t0
    failed = len(getattr(result, "failed", []) or [])
    return wall, failed


def _pool_once(path: Path, runs: list[dict[str, Any]], workers: int, out: Path) -> tuple[float, int]:
    """Fallback: papermill in a process pool (no HTML reports)."""
    import multiprocessing

    jobs = [(str(path), str(out / f"{r['name']}.ipynb"), r["parameters"]) for r in runs]
    failed = 0
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for fut in [pool.submit(_pool_job, j) for j in jobs]:
            try:
                fut.result()
            except Exception:
                failed += 1
    return time.perf_counter() - t0, failed


def run_batch(repeat: int = 3, *, n_runs: int = 20, workers: Sequence[int] = (1, 2)) -> Section:
    """Batch throughput for 1 and 2 workers and the parallel efficiency."""
    path = _batch_notebook()
    declared = _declared(path)
    runs = []
    for i in range(n_runs):
        params: dict[str, Any] = {"interactive": False}
        if "seed" in declared:
            params["seed"] = 1000 + i  # one participant each
        runs.append({"name": f"bench-{i:02d}", "parameters": params})
    batch, why_not = _batch_api()
    how = ("the batch runner's Python API (`helpers.batch.run_batch`: one process and kernel per run, "
           "executed notebook and offline HTML report written per run)" if batch else
           f"FALLBACK: papermill in a process pool, because {why_not}")
    section = Section(
        "batch",
        "Batch throughput",
        intro=(
            f"{n_runs} runs of `{path.name}` (`interactive=False`"
            + (", a different `seed` per run" if "seed" in declared else "")
            + f") through {how}; median wall time of {repeat} batches per worker count. "
            f"Efficiency = time(1 worker) / (workers x time(n workers)). Cores on this machine: {os.cpu_count()}."
        ),
        headers=["workers", "median wall", "runs/min", "wall s/run", "CPU s/run", "failed runs", "efficiency", "target", "result"],
    )
    t_section = time.perf_counter()
    walls: dict[int, float] = {}
    cpu: dict[int, float] = {}
    for w in workers:
        times = []
        cpu_per_run: list[float] = []
        failed = 0
        for r in range(max(1, repeat)):
            with tempfile.TemporaryDirectory(prefix="mw-bench-batch-") as tmp:
                try:
                    with _CpuMeter() as meter:
                        wall, bad = _batch_once(batch, path, runs, w, Path(tmp)) if batch else _pool_once(path, runs, w, Path(tmp))
                except Exception as exc:
                    section.notes.append(f"{w} worker(s), batch {r + 1}: {_error(exc)}.")
                    continue
                cpu_per_run.append(meter.seconds / n_runs)
                times.append(wall)
                failed += bad
        walls[w] = median(times)
        cpu[w] = median(cpu_per_run)
        if failed:
            section.notes.append(f"{w} worker(s): {failed} failed run(s) over {len(times)} batch(es).")
        rate = n_runs / walls[w] * 60 if walls[w] == walls[w] else float("nan")
        row = [str(w), fmt_s(walls[w]), f"{rate:.1f}", f"{walls[w] / n_runs:.2f}", f"{cpu[w]:.2f}", str(failed)]
        if w == workers[0]:
            section.rows.append(row + ["(baseline)", "-", "-"])
        else:
            eff = walls[workers[0]] * workers[0] / (w * walls[w]) if walls[w] == walls[w] and walls[w] > 0 else float("nan")
            c = section.check(f"batch parallel efficiency on {w} workers", f"{eff:.0%}", f">= {BATCH_TARGET:.0%}",
                              (eff >= BATCH_TARGET) if eff == eff else None)
            section.rows.append(row + [f"{eff:.0%}", f">= {BATCH_TARGET:.0%}", c.result])
    cores = os.cpu_count() or 1
    base = workers[0] if workers else 1
    if workers and cpu.get(base) == cpu.get(base) and walls.get(base) == walls.get(base):
        t1 = walls[base]
        for w in workers[1:]:
            floor_w = n_runs * cpu[base] / min(w, cores)  # the 1-worker CPU work spread over the cores
            ceiling = t1 * base / (w * floor_w) if floor_w > 0 else float("nan")
            section.notes.append(
                f"*CPU s/run* = CPU time of the kernels, the worker processes and this process, sampled, per run. "
                f"With {base} worker a run costs {cpu[base]:.2f} CPU-s in {t1 / n_runs:.2f} s of wall time, so "
                f"{n_runs} runs need {n_runs * cpu[base]:.0f} CPU-s and {w} workers on {cores} cores cannot finish in "
                f"less than {floor_w:.1f} s: efficiency ceiling about {min(ceiling, 1.0):.0%} on an otherwise idle machine. "
                f"More CPU per run with {w} workers ({cpu[w]:.2f} s) means contention inside the runs; a longer wall time "
                f"at the same CPU means the cores were busy with other work."
            )
    section.seconds = time.perf_counter() - t_section
    return section


class _CpuMeter:
    """CPU seconds used by this process and all its descendants while active.

    Batch workers fork from a forkserver and their kernels from them, so the OS's
    child-usage counters miss them; a thread samples every descendant's CPU times
    instead (a process that ends between two samples loses at most one interval).
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.seen: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.start_self = 0.0

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        for proc in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                self.seen[(proc.pid, proc.create_time())] = t.user + t.system

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "_CpuMeter":
        import psutil

        t = psutil.Process().cpu_times()
        self.start_self = t.user + t.system
        self._sample()
        self.before = dict(self.seen)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        import psutil

        self._stop.set()
        if self._thread:
            self._thread.join()
        t = psutil.Process().cpu_times()
        own = t.user + t.system - self.start_self
        kids = sum(v - self.before.get(k, 0.0) for k, v in self.seen.items())
        self.seconds = own + kids


# ----------------------------------------------------------------------------- sizes


def run_sizes() -> Section:
    """Every notebook's file size and its largest cell output."""
    import nbformat

    section = Section(
        "sizes",
        "Notebook file sizes",
        intro="Committed notebooks as they are on disk. *Largest output* = the cell whose saved outputs take the most bytes.",
        headers=["notebook", "size", "largest output", "target", "result"],
    )
    for p in notebooks():
        size = p.stat().st_size
        largest = "-"
        with contextlib.suppress(Exception):
            nb = nbformat.read(p, as_version=4)
            sizes = [(len(json.dumps(c.get("outputs", [])).encode()), i) for i, c in enumerate(nb.cells)]
            b, i = max(sizes) if sizes else (0, 0)
            if b:
                largest = f"cell [{i}] {b / 1024:.0f} KB"
        c = section.check(f"notebook {p.stem} file size", f"{size / 1024:.0f} KB", "<= 1 MB", size <= SIZE_TARGET)
        section.rows.append([p.stem, f"{size / 1024:.0f} KB", largest, "<= 1 MB", c.result])
    if not section.rows:
        section.notes.append("No notebooks found.")
    return section


# ----------------------------------------------------------------------------- nbval

_SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors|skipped)")


def run_nbval(repeat: int = 3) -> Section:
    """Wall time of `pytest --nbval-lax --nbval-current-env notebooks` (median)."""
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "notebooks",
           "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    section = Section(
        "nbval",
        "nbval suite",
        intro=f"`{' '.join(['python'] + cmd[1:])}` from the repository root; median wall time of {repeat} runs.",
        headers=["runs", "median", "min", "max", "outcome", "target", "result"],
    )
    t_section = time.perf_counter()
    times = []
    outcome = ""
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        times.append(time.perf_counter() - t0)
        last = [ln for ln in proc.stdout.splitlines() if ln.strip()][-1:] or [""]
        counts = ", ".join(f"{n} {w}" for n, w in _SUMMARY.findall(last[0]))
        outcome = counts or f"exit {proc.returncode}"
        if proc.returncode not in (0, 5):
            failed = [ln for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
            note = "; ".join(failed[:5]) or last[0]
            if note not in section.notes:
                section.notes.append(f"nbval reported failures: {note}")
    m = median(times)
    c = section.check("nbval suite duration", fmt_s(m, 1), f"<= {NBVAL_TARGET_S:g} s", m <= NBVAL_TARGET_S)
    section.rows.append([str(len(times)), fmt_s(m, 1), fmt_s(min(times), 1), fmt_s(max(times), 1), outcome,
                         f"<= {NBVAL_TARGET_S:g} s", c.result])
    section.seconds = time.perf_counter() - t_section
    return section
