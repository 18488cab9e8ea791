"""Hand-out copies: ``python -m helpers.batch prepare CONFIG --out DIR [--zip]``.

For every run of a batch config (one participant, cohort or organisation),
write ``DIR/<run folder>/<notebook>.ipynb``: the notebook with the run's
parameters filled in the way papermill does it (an ``injected-parameters``
cell after the ``parameters`` cell; papermill's prepare-only), its outputs
cleared and nothing executed, so each participant opens their own notebook
on their own data. ``--zip`` adds ``DIR/<run folder>.zip`` for a learning
platform that takes one file per participant.

The config gets every check ``run`` makes, all at once, before anything is
written. A file in DIR that an earlier ``prepare`` did not write (listed in
``DIR/prepare.json``) is never replaced: the command refuses, naming it.
Every file is written atomically.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable, Sequence

from .common import KERNEL_NAME, ConfigError, atomic_write
from .config import MAX_RUNS, RunSpec, check_config

MANIFEST = "prepare.json"


def _parameters(run: RunSpec) -> dict[str, Any]:
    """The run's values cast to what the notebook declares (ints given for a
    float become floats); ``interactive`` is left as the notebook has it
    (participants get their widgets)."""
    from .params import _check_value, notebook_parameters

    assert run.notebook is not None
    declared = notebook_parameters(run.notebook)
    out: dict[str, Any] = {}
    for name, value in run.parameters.items():
        out[name] = _check_value(value, declared[name].type if name in declared else None)[1]
    return out


def handout(run: RunSpec) -> bytes:
    """The run's notebook with its parameters injected and no outputs."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    from .params import _quiet_papermill

    assert run.notebook is not None
    from papermill.iorw import load_notebook_node

    nb = load_notebook_node(str(run.notebook))  # with the metadata papermill expects
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    with _quiet_papermill():
        nb = parameterize_notebook(nb, _parameters(run), report_mode=False, kernel_name=KERNEL_NAME)
    for cell in nb.cells:
        if not cell.metadata.get("tags"):
            cell.metadata.pop("tags", None)
    nb.metadata.pop("papermill", None)  # papermill's bookkeeping; the injected cell says it all
    nb.metadata.setdefault("metrics_workbook", {})["parameters"] = _parameters(run)
    return nbformat.writes(nb).encode("utf-8")


def _zip(files: dict[str, bytes], folder: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(f"{folder}/{name}", data)
    return buf.getvalue()


def _read_manifest(out_dir: Path) -> set[str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    files = data.get("files") if isinstance(data, dict) else None
    return {str(f) for f in files} if isinstance(files, list) else set()


def plan(runs: Sequence[RunSpec], make_zip: bool) -> dict[str, list[tuple[str, RunSpec]]]:
    """Run folder -> [(file name, run)], in config order."""
    from .runner import assign_folders

    folders = assign_folders(r.name for r in runs)
    out: dict[str, list[tuple[str, RunSpec]]] = {}
    for run in runs:
        assert run.notebook is not None
        out.setdefault(folders[run.name], []).append((Path(run.notebook).name, run))
    return out


def prepare(runs: Sequence[RunSpec], out_dir: str | Path, *, make_zip: bool = False) -> list[Path]:
    """Write every run's hand-out copy (and zip); return the paths written.
    Raises :class:`ConfigError` before writing anything when a file in
    ``out_dir`` that an earlier prepare did not write would be replaced."""
    out_dir = Path(out_dir)
    layout = plan(runs, make_zip)
    targets = [f"{folder}/{name}" for folder, items in layout.items() for name, _ in items]
    targets += [f"{folder}.zip" for folder in layout] if make_zip else []
    ours = _read_manifest(out_dir)
    problems = [
        f"--out {out_dir}: {t} exists and was not written by prepare; move it away first"
        for t in targets if (out_dir / t).exists() and t not in ours
    ]
    if problems:
        raise ConfigError(problems)
    written: list[Path] = []
    done = sorted(ours)
    for folder, items in layout.items():
        files = {name: handout(run) for name, run in items}
        for name, data in files.items():
            written.append(atomic_write(out_dir / folder / name, data))
        if make_zip:
            written.append(atomic_write(out_dir / f"{folder}.zip", _zip(files, folder)))
        done = sorted(set(done) | {f"{folder}/{n}" for n in files} | ({f"{folder}.zip"} if make_zip else set()))
        atomic_write(out_dir / MANIFEST, json.dumps({"format": 1, "files": done}, indent=2, ensure_ascii=False) + "\n")
    return written


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="YAML batch config (the same as for run)")
    p.add_argument("--out", required=True, help="output folder: one folder per run with its notebook")
    p.add_argument("--zip", action="store_true", help="also one zip per run (DIR/<run>.zip)")
    p.add_argument("--max-runs", type=int, default=MAX_RUNS, help=f"refuse a config making more runs (default {MAX_RUNS})")


def _refuse(problems: Sequence[str]) -> int:
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    print(f"refused: {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing written", file=sys.stderr)
    return 2


def command(args: argparse.Namespace) -> int:
    try:
        checked = check_config(args.config, max_runs=args.max_runs)
    except ConfigError as exc:
        return _refuse(exc.problems)
    out_dir = Path(args.out)
    problems = list(checked.problems)
    if out_dir.exists() and not out_dir.is_dir():
        problems.append(f"--out {out_dir}: exists and is not a folder")
    if problems:
        return _refuse(problems)
    for line in checked.warnings:
        print(f"warning: {line}", file=sys.stderr)
    try:
        written = prepare(checked.runs, out_dir, make_zip=args.zip)
    except ConfigError as exc:
        return _refuse(exc.problems)
    n = len(checked.runs)
    print(f"{n} hand-out cop{'ies' if n != 1 else 'y'} in {out_dir} ({len(written)} files; nothing was executed)")
    return 0


def register_command(register: Callable[..., Any]) -> None:
    register("prepare", "hand-out copies: each run's notebook with its parameters filled in, nothing executed",
             add_arguments, command,
             "Write DIR/<run>/<notebook>.ipynb for every run of CONFIG: parameters injected as papermill does, "
             "outputs cleared, nothing executed (and DIR/<run>.zip with --zip). Exit status: 0 written, "
             "2 refused (nothing written).")
