"""The class review: where a class found the exercises hard, for the
instructor, without grading anyone.

``python -m helpers.batch review SUBMISSIONS --out DIR`` reads every saved
notebook under SUBMISSIONS (recursively) and writes, each atomically:

- ``DIR/exercises.csv``: one row per participant x notebook x exercise,
  columns ``participant,notebook,exercise,status,mistake``;
- ``DIR/class.html``: what to teach again (known mistakes by how many
  participants made them, with the exercise's hints), then per notebook and
  exercise the share correct, incorrect and not attempted and the known
  mistakes; it names and ranks no one;
- ``DIR/feedback/<participant>.html``: each participant's own page.

By default it **reads** the outcome records the checks saved (no code
runs). ``--rerun`` executes each submission again, with its own saved
parameters, in its own kernel, through the batch runner (so it **runs the
participants' code**), and reads what the checks say now.

A file that cannot be used (not a notebook, corrupt, another course's,
saved before any check ran, empty, an older duplicate) never stops the
review: one line each on stderr and in class.html. Exit status 0 when at
least one submission was read, 2 when none was.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

from .common import CELL_TIMEOUT
from .exercise_registry import ExerciseInfo, exercise_info
from .review_read import NAME_FROM, ClassRead, Submission, Unreadable, read_class, read_submission, saved_parameters
from .review_report import CLASS_FILE, CSV_FILE, FEEDBACK_DIR, unreadable_line, write_pages

#: Seconds a cell may take when a submission is re-run (a lesson cell needs a few).
RERUN_TIMEOUT = 300
_BEFORE_CHECKS = "saved before any check ran"


def hints_for(submissions: Sequence[Submission]) -> tuple[dict[str, dict[str, ExerciseInfo]], dict[str, str]]:
    """The exercise texts of every notebook in the class (built once per
    notebook, at the workbook's default parameters), and for a notebook
    whose exercises could not be built, why."""
    infos: dict[str, dict[str, ExerciseInfo]] = {}
    notes: dict[str, str] = {}
    for nn in sorted({s.notebook for s in submissions}):
        found, why = exercise_info(nn)
        infos[nn] = found
        if why:
            notes[nn] = why
    return infos, notes


def _first_error(nb_file: Path) -> str:
    """``cell 3: RuntimeError: ...`` for the first cell of a re-run notebook
    that raised (papermill names the last one), or empty."""
    try:
        nb = json.loads(nb_file.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb.get("cells", [])):
            for out in cell.get("outputs") or []:
                if out.get("output_type") == "error":
                    value = str(out.get("evalue") or "").strip().splitlines()
                    return f"cell {i}: {out.get('ename', 'Error')}" + (f": {value[0][:160]}" if value else "")
    except (OSError, ValueError, AttributeError):
        pass
    return ""


class RerunInterrupted(Exception):
    """Ctrl-C, SIGTERM or SIGHUP during ``--rerun``: nothing of the review is written."""

    def __init__(self, exit_code: int):
        super().__init__(exit_code)
        self.exit_code = exit_code


def _rerun(read: ClassRead, root: Path, out_dir: Path, *, workers: int | None, timeout: int,
           scheduler: str | None, progress: bool) -> ClassRead:
    """Execute again every notebook of the class (the newest copy of each
    participant's notebook, and those saved before any check ran) and read
    the re-executed copies. Runs go through :func:`run_batch` into
    ``DIR/rerun/`` (one folder and an HTML report each)."""
    import nbformat

    from .common import ConfigError, error_text
    from .config import RunSpec
    from .params import notebook_parameters, validate_runs
    from .runner import run_batch

    todo: list[tuple[Path, str, str]] = [(s.path, s.participant, s.notebook) for s in read.submissions]
    keep: list[Unreadable] = []
    for u in read.unreadable:
        taken = {(p.casefold(), nn or path.stem) for path, p, nn in todo}
        if _BEFORE_CHECKS in u.reason and (u.participant.casefold(), u.notebook or u.path.stem) not in taken:
            todo.append((u.path, u.participant, u.notebook))
        else:
            keep.append(u)
    if not todo:
        return read
    specs: list[RunSpec] = []
    origin: dict[str, tuple[Path, str]] = {}
    with tempfile.TemporaryDirectory(prefix="mw-review-") as tmp:
        for i, (path, person, nn) in enumerate(todo):
            name = f"{person} {nn or path.stem}"
            try:
                nb = nbformat.read(str(path), as_version=4)
            except Exception as exc:  # it was read as JSON a moment ago; keep going whatever happens
                keep.append(Unreadable(path, f"cannot be re-run: {type(exc).__name__}", person, nn))
                continue
            for cell in nb.cells:
                if cell.cell_type == "code":  # a participant's error must not stop the later checks
                    tags = list(cell.metadata.get("tags", []))
                    if "raises-exception" not in tags:
                        cell.metadata["tags"] = [*tags, "raises-exception"]
            copy = Path(tmp) / f"{i:04d}" / path.name
            copy.parent.mkdir(parents=True)
            nbformat.write(nb, str(copy))
            declared = notebook_parameters(copy)
            injected = {k: v for k, v in saved_parameters(json.loads(copy.read_text(encoding="utf-8"))).items()
                        if k in declared and v is not None and v != declared[k].default}
            if "data_dir" in injected and isinstance(injected["data_dir"], str) and injected["data_dir"]:
                d = Path(injected["data_dir"]).expanduser()
                injected["data_dir"] = str(d if d.is_absolute() else (path.parent / d).resolve())
            if "interactive" in declared:
                injected["interactive"] = False
            spec = RunSpec(name=name, notebook=copy, parameters=injected, notebook_ref=str(path))
            problems = validate_runs([spec])
            if problems:
                keep.append(Unreadable(path, "cannot be re-run: " + problems[0].split(": ", 1)[-1], person, nn))
                continue
            specs.append(spec)
            origin[name] = (path, person)
        fresh: list[Submission] = []
        if specs:
            try:
                result = run_batch(specs, out_dir / "rerun", workers=workers, timeout=timeout, scheduler=scheduler,
                                   progress=progress, title="Class review: re-run", force=True)
            except ConfigError as exc:
                for line in exc.problems:
                    print(f"error: {line}", file=sys.stderr)
                raise
            if result.interrupted:
                raise RerunInterrupted(result.exit_code)
            for rec in result.records:
                path, person = origin[rec.name]
                nb_file = out_dir / "rerun" / rec.folder / Path(rec.notebook).name
                if not nb_file.is_file():
                    keep.append(Unreadable(path, f"the re-run wrote no notebook ({rec.status}: {error_text(rec.error)})",
                                           person))
                    continue
                item = read_submission(nb_file, person)
                if isinstance(item, Unreadable):
                    why = _first_error(nb_file) or error_text(rec.error) or item.reason
                    keep.append(replace(item, path=path, reason=f"the re-run recorded no check: {why}"))
                    continue
                if rec.status != "ok" and (rec.error or {}).get("exception") == "timeout":
                    print(f"note: re-run of {path.relative_to(root)} stopped ({error_text(rec.error)}); "
                          "exercises after that cell count as not attempted", file=sys.stderr)
                fresh.append(replace(item, path=path))
    fresh.sort(key=lambda s: (s.participant.casefold(), s.notebook))
    keep.sort(key=lambda u: str(u.path))
    return ClassRead(fresh, keep, read.files_seen)


def review(submissions: str | Path, out: str | Path, *, name_from: str = "folder", pseudonymize: bool = False,
           rerun: bool = False, workers: int | None = None, timeout: int = RERUN_TIMEOUT,
           scheduler: str | None = None, progress: bool = False, own_data: bool = False,
           log: Callable[[str], None] | None = None) -> ClassRead:
    """Run the class review (the Python API of the ``review`` command) and
    return what was read. Writes nothing when no submission could be read."""
    root = Path(submissions)
    out_dir = Path(out)
    say = log or (lambda line: print(line, file=sys.stderr))
    read = read_class(root, name_from=name_from, pseudonymize=pseudonymize, skip=out_dir)
    if rerun:
        read = _rerun(read, root, out_dir, workers=workers, timeout=timeout, scheduler=scheduler, progress=progress)
    for u in read.unreadable:
        say(unreadable_line(u, root))
    if not read.submissions:
        return read
    infos, notes = hints_for(read.submissions)
    for nn, why in notes.items():
        say(f"note: no hints for notebook {nn}: {why}")
    mode = ("Outcomes from re-executing each submission with its own parameters (participants' code was run)"
            if rerun else "Outcomes read from the saved notebooks (no code was run)")
    own = None
    if own_data:  # each participant's hints and solutions on their own data: one build per notebook and person
        own = {}
        for sub in read.submissions:
            found, why = exercise_info(sub.notebook, sub.parameters, with_solutions=True)
            if why:
                say(f"note: {sub.path.relative_to(root)}: hints on the default data ({why})")
            own[(sub.participant, sub.notebook)] = found
    write_pages(out_dir, read, infos, notes, mode=mode, source=root.name or str(root), own=own)
    return read


# --------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", help="folder of participants' saved notebooks (searched recursively)")
    p.add_argument("--out", required=True, help=f"output folder ({CSV_FILE}, {CLASS_FILE}, {FEEDBACK_DIR}/)")
    p.add_argument("--name-from", choices=NAME_FROM, default="folder",
                   help="participant's name from the folder directly inside SUBMISSIONS (default; a file lying "
                   "directly in SUBMISSIONS uses its file name) or from the file name (LMS downloads)")
    p.add_argument("--pseudonymize", action="store_true",
                   help="replace every name by a stable code (P-XXXXXX) in every output")
    p.add_argument("--rerun", action="store_true",
                   help="execute every submission again with its own saved parameters (RUNS PARTICIPANTS' CODE)")
    p.add_argument("--own-data", action="store_true",
                   help="feedback pages: hints and solutions computed on each participant's own data (their saved "
                   "parameters; slower: one build per participant and notebook)")
    p.add_argument("--workers", type=int, default=None, help="--rerun: notebooks at the same time (default: cores)")
    p.add_argument("--timeout", type=int, default=RERUN_TIMEOUT, help=f"--rerun: seconds a cell may take "
                   f"(default {RERUN_TIMEOUT}; the batch default is {CELL_TIMEOUT})")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None, help="--rerun: on a Dask cluster")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def command(args: argparse.Namespace) -> int:
    from .common import ConfigError

    root = Path(args.submissions)
    if not root.is_dir():
        print(f"error: {root}: not a folder of submissions", file=sys.stderr)
        return 2
    out_dir = Path(args.out)
    if out_dir.resolve() == root.resolve():
        print(f"error: --out {out_dir}: is SUBMISSIONS itself; choose another folder", file=sys.stderr)
        return 2
    if out_dir.exists() and not out_dir.is_dir():
        print(f"error: --out {out_dir}: exists and is not a folder", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print(f"error: --workers must be at least 1, got {args.workers}", file=sys.stderr)
        return 2
    try:
        read = review(root, out_dir, name_from=args.name_from, pseudonymize=args.pseudonymize, rerun=args.rerun,
                      workers=args.workers, timeout=args.timeout, scheduler=args.scheduler,
                      progress=args.rerun and not args.quiet, own_data=args.own_data)
    except ConfigError:
        return 2
    except RerunInterrupted as exc:
        print(f"interrupted: the re-run stopped; nothing of the review was written (finished re-runs are in "
              f"{out_dir / 'rerun'})", file=sys.stderr)
        return exc.exit_code
    if not read.submissions:
        print(f"no submission read in {root} ({read.files_seen} files, {len(read.unreadable)} not readable); "
              "nothing written", file=sys.stderr)
        return 2
    n_people = len(read.participants)
    print(f"{len(read.submissions)} notebooks of {n_people} participant{'s' if n_people != 1 else ''} read, "
          f"{len(read.unreadable)} files not read; class report: {out_dir / CLASS_FILE}, "
          f"table: {out_dir / CSV_FILE}, pages to send back: {out_dir / FEEDBACK_DIR}/")
    return 0


DESCRIPTION = (
    "Read the outcomes the exercise checks saved in participants' notebooks and write what the class found hard: "
    f"{CSV_FILE}, {CLASS_FILE} (no one named or ranked) and one feedback page per participant. No code runs "
    "unless --rerun, which executes every submission again (participants' code). Exit status: 0 when at least "
    "one submission was read, 2 when none."
)


def register_command(register: Callable[..., Any]) -> None:
    register("review", "the class review: what a class found hard, from participants' saved notebooks",
             add_arguments, command, DESCRIPTION)
