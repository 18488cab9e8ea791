"""Answer keys: ``python -m helpers.batch answers CONFIG --out DIR``.

Every participant works on their own seed, so each has their own right
answers. For every run of a batch config this writes the expected answer of
every checked exercise, computed from the same exercise definitions the
notebook uses (:mod:`.exercise_registry`: the run's data loaded with the
run's parameters, then ``nbNN.exercises(...)``); no notebook is executed.

- ``DIR/answers.csv``: ``run,notebook,exercise,expected`` (UTF-8; numbers at
  the precision the check asks for; a code exercise gives what the right
  function returns on the run's data);
- ``DIR/<run folder>.html``: one page per run (question, expected answer,
  solution), to have at hand during a session.

Exit status: 0 all keys written, 1 some run's exercises could not be built
(one line each; the other runs are written), 2 config refused.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from .common import ConfigError, atomic_write
from .config import MAX_RUNS, RunSpec, check_config

ANSWERS_FILE = "answers.csv"
COLUMNS = ["run", "notebook", "exercise", "expected"]


def notebook_number(run: RunSpec) -> str:
    name = Path(run.notebook or run.notebook_ref).name
    return name[:2] if name[:2].isdigit() else ""


def show(item: Any) -> str:
    """The expected answer of a checked exercise as one line of text."""
    import pandas as pd

    from helpers.exercises import to_number
    from helpers.exercises.core import _show

    value = item.expected_value()
    decimals = 0 if getattr(getattr(item, "compare", None), "kind", "") == "year" else item._decimals()
    number = None if isinstance(value, pd.Series | pd.DataFrame | bool) else to_number(value)
    if number is not None:  # plain digits, no thousands separator (a spreadsheet reads it as a number)
        return f"{int(number)}" if decimals == 0 and float(number).is_integer() else f"{number:.{decimals}f}"
    text = _show(value, decimals).strip()
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())


def keys_for(run: RunSpec) -> list[tuple[str, str, str, str]]:
    """(exercise, question, expected, solution code) of every checked exercise of ``run``."""
    from .exercise_registry import EXTRA, build_exercises

    nn = notebook_number(run)
    ex_set = EXTRA[nn](dict(run.parameters)) if nn in EXTRA else build_exercises(nn, run.parameters)
    return [(item.name, item.question, show(item), item.solution_code) for item in ex_set.exercises]


_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:1.5rem;color:#1a1a1a;background:#fff;line-height:1.4}
main{max-width:72rem} h1{font-size:1.4rem} table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #c8c8c8;padding:.35rem .5rem;text-align:left;vertical-align:top} th{background:#f0f0f0}
pre{background:#f4f4f4;color:#1a1a1a;padding:.4rem;white-space:pre-wrap;margin:0} p.meta{color:#3b3b3b}
header.mw-run{border:2px solid #1d4f91;border-radius:6px;padding:.6rem 1rem;margin:0 0 1rem 0;background:#f6f8fb}
header.mw-run dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.3rem 0 0 0}
header.mw-run dt{font-weight:bold} header.mw-run dd{margin:0;overflow-wrap:anywhere}
"""


def page(run: RunSpec, keys: Sequence[tuple[str, str, str, str]]) -> str:
    from .report import run_header, tidy_html

    esc = html.escape
    nb_name = Path(run.notebook or run.notebook_ref).name
    rows = "".join(
        f"<tr><th scope=\"row\">{esc(name)}</th><td>{esc(question)}</td><td><strong>{esc(expected)}</strong></td>"
        f"<td><pre><code>{esc(code.strip())}</code></pre></td></tr>"
        for name, question, expected, code in keys
    )
    body = (
        f"<h1>Answer key: {esc(run.name)}</h1>\n{run_header(run.name, nb_name, run.parameters)}\n"
        "<p class=\"meta\">Computed from the exercise definitions on this run's own data; the notebook was not "
        "executed. Numbers are shown at the precision the check asks for; a check accepts small rounding "
        "differences.</p>\n<table><caption class=\"meta\" style=\"text-align:left\">Expected answers</caption>"
        "<thead><tr><th scope=\"col\">exercise</th><th scope=\"col\">question</th><th scope=\"col\">expected</th>"
        f"<th scope=\"col\">solution</th></tr></thead><tbody>{rows}</tbody></table>\n"
    )
    doc = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Answer key: {esc(run.name)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}</main>\n"
        "</body>\n</html>\n"
    )
    return tidy_html(doc, set())


def write_answers(runs: Sequence[RunSpec], out_dir: str | Path,
                  log: Callable[[str], None] | None = None) -> tuple[list[Path], list[str]]:
    """Write ``answers.csv`` and a page per run; return (paths written, one line per run that failed)."""
    from .runner import assign_folders

    out_dir = Path(out_dir)
    folders = assign_folders(r.name for r in runs)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    written: list[Path] = []
    failed: list[str] = []
    for run in runs:
        try:
            keys = keys_for(run)
        except Exception as exc:  # one run's problem never stops the others
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            failed.append(f"run {run.name!r} ({Path(run.notebook or run.notebook_ref).name}): "
                          f"{type(exc).__name__}: {first}")
            if log:
                log(f"FAILED {failed[-1]}")
            continue
        for name, _, expected, _ in keys:
            writer.writerow([run.name, notebook_number(run), name, expected])
        written.append(atomic_write(out_dir / f"{folders[run.name]}.html", page(run, keys)))
    written.insert(0, atomic_write(out_dir / ANSWERS_FILE, buf.getvalue()))
    return written, failed


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="YAML batch config (the same as for run)")
    p.add_argument("--out", required=True, help=f"output folder ({ANSWERS_FILE} and one page per run)")
    p.add_argument("--max-runs", type=int, default=MAX_RUNS, help=f"refuse a config making more runs (default {MAX_RUNS})")


def command(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    try:
        checked = check_config(args.config, max_runs=args.max_runs)
        problems = list(checked.problems)
    except ConfigError as exc:
        problems = list(exc.problems)
    if out_dir.exists() and not out_dir.is_dir():
        problems.append(f"--out {out_dir}: exists and is not a folder")
    if problems:
        for line in problems:
            print(f"error: {line}", file=sys.stderr)
        print(f"refused: {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing written", file=sys.stderr)
        return 2
    written, failed = write_answers(checked.runs, out_dir, log=lambda line: print(line, file=sys.stderr))
    n = len(checked.runs) - len(failed)
    print(f"answer keys for {n} of {len(checked.runs)} runs: {out_dir / ANSWERS_FILE} and {len(written) - 1} pages")
    return 1 if failed else 0


def register_command(register: Callable[..., Any]) -> None:
    register("answers", "answer keys: every run's expected answers, from the exercise definitions on its own data",
             add_arguments, command,
             f"Write DIR/{ANSWERS_FILE} (run,notebook,exercise,expected) and one page per run, computed from the "
             "exercise definitions on each run's own data without executing any notebook. Exit status: 0 written, "
             "1 some run failed (the others are written), 2 refused.")
