"""Running notebooks: in place for the committed copies, and in batches.

``python -m helpers.batch execute-in-place NOTEBOOK...`` re-executes notebooks
top to bottom with their default parameters and saves them where they are
(``make notebooks``). The kernel runs in the notebook's own folder, as in
JupyterLab and nbval, so relative paths behave the same everywhere.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence

KERNEL_NAME = "python3"
CELL_TIMEOUT = 600

__all__ = ["execute_in_place", "main"]


def execute_in_place(path: str | Path, timeout: int = CELL_TIMEOUT) -> float:
    """Execute one notebook with default parameters and save it in place.

    Returns the time taken in seconds. The saved notebook has kernel name
    ``python3`` and execution counts from 1, top to bottom.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        store_widget_state=True,
    )
    client.execute()
    elapsed = time.perf_counter() - start
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)
    return elapsed


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers.batch", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("execute-in-place", help="re-execute notebooks with default parameters and save them")
    p.add_argument("notebooks", nargs="+")
    p.set_defaults(func=_cmd_execute_in_place)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
