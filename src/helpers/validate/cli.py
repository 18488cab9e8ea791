"""Command line of :mod:`helpers.validate`: ``python -m helpers.validate FILE [--kind K]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from helpers.validate.core import DataValidationError, UnknownKindError
from helpers.validate.reading import validate_file
from helpers.validate.schemas import SCHEMAS, _schema, infer_kind


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message} (usage: {self.prog} PATH [--kind KIND])",
              file=sys.stderr)
        raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.validate PATH [--kind KIND]``; returns the exit code."""
    parser = _Parser(
        prog="python -m helpers.validate",
        description="Validate a workbook CSV file against its schema.",
    )
    parser.add_argument("path", help="CSV file to check")
    parser.add_argument("--kind", help=f"dataset kind (default: the file's stem); one of "
                        f"{', '.join(SCHEMAS)}")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        kind = args.kind if args.kind is not None else infer_kind(args.path)
        _schema(kind)
    except UnknownKindError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        df = validate_file(args.path, kind)
    except DataValidationError as e:
        print(str(e), file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - the CLI never shows a traceback
        print(f"{args.path}: cannot validate: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"ok: {args.path} ({kind}, {len(df)} rows)")
    return 0
