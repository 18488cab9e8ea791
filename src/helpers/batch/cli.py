"""The command line: ``python -m helpers.batch COMMAND ...``.

Each subcommand is registered with :func:`register`; a module adding a
command defines ``add_arguments(parser)`` and a handler returning the exit
status, and registers them here (see ``COMMANDS``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

import json
import math
import os
from collections import Counter

from .common import CELL_TIMEOUT, INDEX_FILE, RUN_FILE, SUMMARY_FILE, ConfigError
from .config import MAX_RUNS, Checked, check_config
from .execute import execute_in_place
from .runner import out_problems, run_batch


def _cmd_execute_in_place(args: argparse.Namespace) -> int:
    status = 0
    for name in args.notebooks:
        try:
            seconds = execute_in_place(name)
        except Exception as exc:  # report and go on with the others
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            print(f"FAILED {name}: {first}", file=sys.stderr)
            status = 1
        else:
            size = Path(name).stat().st_size
            print(f"ok {name} ({seconds:.1f} s, {size / 1024:.0f} KB)")
    return status


def _refuse(problems: Sequence[str], what: str = "no run started") -> int:
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    n = len(problems)
    print(f"refused: {n} problem{'s' if n != 1 else ''}; {what}", file=sys.stderr)
    return 2


#: Seconds one run takes when nothing better is known (a lesson notebook
#: plus its report on one core; see docs/benchmarks.md).
TYPICAL_RUN_SECONDS = 6.0


def estimate_seconds(checked: Checked, workers: int, out_dir: Path | None = None) -> tuple[float, str]:
    """Rough wall time of a batch, and where the per-run time comes from: the
    median duration of earlier runs in ``out_dir`` if any, else
    :data:`TYPICAL_RUN_SECONDS`."""
    import statistics

    durations = []
    if out_dir is not None and out_dir.is_dir():
        for run_file in out_dir.glob(f"*/{RUN_FILE}"):
            try:
                value = json.loads(run_file.read_text(encoding="utf-8")).get("duration_s")
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(value, (int, float)) and value > 0:
                durations.append(float(value))
    per_run, source = (
        (statistics.median(durations), f"median of {len(durations)} earlier runs in {out_dir}")
        if durations else (TYPICAL_RUN_SECONDS, "a typical lesson notebook")
    )
    waves = math.ceil(checked.n_runs / max(1, workers))
    return waves * per_run, f"{per_run:.0f} s per run ({source}), {workers} at a time"


def _describe_runs(checked: Checked) -> str:
    counts = Counter(Path(r.notebook).name if r.notebook else r.notebook_ref for r in checked.runs)
    what = ", ".join(f"{n} of {nb}" for nb, n in counts.most_common())
    return f"{checked.n_runs} run{'s' if checked.n_runs != 1 else ''}" + (f" ({what})" if what else "")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def _args_check(c: argparse.ArgumentParser) -> None:
    c.add_argument("config", help="YAML batch config (see batches/ and docs/instructors.md)")
    c.add_argument("--out", default=None, help="the folder the batch would write (checked too; nothing is written)")
    c.add_argument("--workers", type=int, default=None, help="runs at the same time, for the time estimate")
    c.add_argument("--max-runs", type=int, default=MAX_RUNS, help=f"refuse a config making more runs (default {MAX_RUNS})")
    c.add_argument("--force", action="store_true", help="as for run: accept a non-empty --out or another batch there")


def _cmd_check(args: argparse.Namespace) -> int:
    """Every check ``run`` makes, the run count and a time estimate; nothing runs."""
    if args.workers is not None and args.workers < 1:
        return _refuse([f"--workers must be at least 1, got {args.workers}"], "nothing checked")
    try:
        checked = check_config(args.config, max_runs=args.max_runs)
    except ConfigError as exc:
        return _refuse(exc.problems, "nothing run")
    problems = list(checked.problems)
    if not problems and args.out:
        problems += out_problems(checked.runs, Path(args.out), checked.title, force=args.force)
    for line in checked.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if problems:
        return _refuse(problems, "nothing run")
    workers = args.workers or os.cpu_count() or 1
    seconds, how = estimate_seconds(checked, workers, Path(args.out) if args.out else None)
    print(f"ok: {_describe_runs(checked)}; about {_duration(seconds)} ({how}); nothing was run")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        return _refuse([f"--workers must be at least 1, got {args.workers}"])
    out_dir = Path(args.out)
    try:
        checked = check_config(args.config, max_runs=args.max_runs)
        problems = list(checked.problems)
        if out_dir.exists() and not out_dir.is_dir():
            problems.append(f"--out {out_dir}: exists and is not a folder")
        if problems:
            return _refuse(problems)
        for line in checked.warnings:
            print(f"warning: {line}", file=sys.stderr)
        if not args.quiet:
            print(f"{_describe_runs(checked)} into {out_dir}", file=sys.stderr)
        result = run_batch(
            checked.runs,
            out_dir,
            workers=args.workers,
            only_failed=args.only_failed,
            scheduler=args.scheduler,
            timeout=args.timeout,
            progress=not args.quiet,
            title=checked.title,
            force=args.force,
        )
    except ConfigError as exc:
        return _refuse(exc.problems)
    if not result.executed:
        print(f"nothing to re-run: all {len(result.records)} runs in {out_dir} succeeded")
    n_ok, n_failed, n_not = len(result.ok), len(result.failed), len(result.not_run)
    print(f"{n_ok} ok, {n_failed} failed" + (f", {n_not} not run" if n_not else "")
          + f" of {len(result.records)} runs; summary: {out_dir / SUMMARY_FILE}, reports: {out_dir / INDEX_FILE}")
    if result.interrupted:
        name = {1: "SIGHUP", 2: "Ctrl-C", 15: "SIGTERM"}.get(int(result.signal or 2), f"signal {result.signal}")
        print(f"interrupted ({name}): finished runs are saved, {n_not} not run; "
              "run again with --only-failed to finish the rest", file=sys.stderr)
    return result.exit_code


#: Registered subcommands: name -> (help, add_arguments, handler). A module
#: adding a command calls :func:`register` at import time (and is imported
#: below), e.g. ``register("review", "...", add_arguments, handler)``.
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]] = {}


def register(
    name: str,
    help: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    handler: Callable[[argparse.Namespace], int],
    description: str = "",
) -> None:
    """Add a subcommand ``python -m helpers.batch NAME``."""
    COMMANDS[name] = (help, add_arguments, handler, description)


def _args_execute_in_place(p: argparse.ArgumentParser) -> None:
    p.add_argument("notebooks", nargs="+")


def _args_run(r: argparse.ArgumentParser) -> None:
    r.add_argument("config", help="YAML batch config (see batches/ and docs/instructors.md)")
    r.add_argument("--out", required=True, help="output folder (one sub-folder per run, summary.csv, index.html)")
    r.add_argument("--workers", type=int, default=None, help="runs at the same time (default: number of cores)")
    r.add_argument("--only-failed", action="store_true",
                   help="re-run only the runs that failed (or never finished) in an earlier batch in --out")
    r.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on a Dask distributed cluster (e.g. tcp://10.0.0.5:8786); needs the 'dask' extra")
    r.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds a cell may take (default {CELL_TIMEOUT})")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--max-runs", type=int, default=MAX_RUNS,
                   help=f"refuse a config making more runs than this (default {MAX_RUNS})")
    r.add_argument("--force", action="store_true",
                   help="write into a non-empty --out that holds no earlier batch, or beside another config's batch "
                   "(files the runner did not write are still never replaced or deleted)")


register("execute-in-place", "re-execute notebooks with default parameters and save them",
         _args_execute_in_place, _cmd_execute_in_place)
register("run", "run a batch of notebooks described by a YAML config", _args_run, _cmd_run,
         "Run one notebook per participant, cohort or organisation, as CONFIG describes. "
         "Exit status: 0 all ok, 1 some run failed, 2 refused (nothing run, --out untouched), "
         "130 Ctrl-C, 143 SIGTERM, 129 SIGHUP.")
register("check", "check a batch config: every check of run, the run count and a time estimate; nothing runs",
         _args_check, _cmd_check)


def _args_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="write it to this file instead of printing it")


def _cmd_schema(args: argparse.Namespace) -> int:
    """Print (or write) the JSON Schema of a batch config, for editors."""
    from .common import atomic_write
    from .config import CONFIG_SCHEMA

    text = json.dumps(CONFIG_SCHEMA, indent=2) + "\n"
    if args.out:
        atomic_write(args.out, text)
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


register("schema", "print the JSON Schema of a batch config (for an editor's YAML support)", _args_schema, _cmd_schema)

# the class review, answer keys and hand-out copies (their own modules)
from . import answers as _answers, prepare as _prepare, review as _review  # noqa: E402

for _module in (_review, _answers, _prepare):
    _module.register_command(register)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.batch",
        description="Running notebooks: in place for the committed copies, and in batches for a class.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, handler, description) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=description or help_text)
        add_arguments(p)
        p.set_defaults(func=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
