"""The command line: ``python -m helpers.batch COMMAND ...``.

Each subcommand is registered with :func:`command`; a module adding a
command defines ``add_arguments(parser)`` and a handler returning the exit
status, and registers them here (see ``COMMANDS``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from .common import CELL_TIMEOUT, INDEX_FILE, SUMMARY_FILE, ConfigError
from .config import _config_title, load_config
from .execute import execute_in_place
from .params import validate_runs
from .runner import run_batch

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


def _cmd_run(args: argparse.Namespace) -> int:
    def refuse(problems: Sequence[str]) -> int:
        for line in problems:
            print(f"error: {line}", file=sys.stderr)
        n = len(problems)
        print(f"refused: {n} problem{'s' if n != 1 else ''}; no run started", file=sys.stderr)
        return 2

    if args.workers is not None and args.workers < 1:
        return refuse([f"--workers must be at least 1, got {args.workers}"])
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        return refuse([f"--out {out_dir}: exists and is not a folder"])
    try:
        runs = load_config(args.config)
        title = _config_title(Path(args.config))
        problems = validate_runs(runs)
        if problems:
            return refuse(problems)
        if args.scheduler:
            try:
                import distributed  # noqa: F401
            except ImportError:
                return refuse(["--scheduler needs Dask: install the optional extra with pip install -e \".[dask]\""])
        result = run_batch(
            runs,
            out_dir,
            workers=args.workers,
            only_failed=args.only_failed,
            scheduler=args.scheduler,
            timeout=args.timeout,
            progress=not args.quiet,
            title=title,
        )
    except ConfigError as exc:
        return refuse(exc.problems)
    if not result.executed:
        print(f"nothing to re-run: all {len(result.records)} runs in {out_dir} succeeded")
    n_ok, n_failed = len(result.ok), len(result.failed)
    print(f"{n_ok} ok, {n_failed} not ok of {len(result.records)} runs; "
          f"summary: {out_dir / SUMMARY_FILE}, reports: {out_dir / INDEX_FILE}")
    if result.interrupted:
        print("interrupted: finished runs are saved; run again with --only-failed to finish the rest", file=sys.stderr)
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


register("execute-in-place", "re-execute notebooks with default parameters and save them",
         _args_execute_in_place, _cmd_execute_in_place)
register("run", "run a batch of notebooks described by a YAML config", _args_run, _cmd_run,
         "Run one notebook per participant, cohort or organisation, as CONFIG describes. "
         "Exit status: 0 all ok, 1 some run failed, 2 config refused (nothing run), 130 interrupted.")


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
