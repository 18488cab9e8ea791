"""Check scorecard design files before a class: ``python -m helpers.scorecard FILE...``.

Prints one line per file: ``ok <file>: <name> (<sector>, <n> drivers)`` or the file's one-line
refusal (the same as notebook 09 gives). Exits with 1 when any file is refused, so a script
can stop before a batch runs.
"""

from __future__ import annotations

import sys

from .design import DesignError, load_design


def main(argv: list[str] | None = None) -> int:
    files = list(sys.argv[1:] if argv is None else argv)
    if not files or files[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if files else 2
    refused = 0
    for path in files:
        try:
            design = load_design(path)
        except DesignError as exc:
            refused += 1
            print(f"refused: {exc}")
        else:
            print(f"ok {path}: {design.name or '(unnamed)'} ({design.sector}, {len(design.drivers)} drivers)")
    if len(files) > 1:
        print(f"{len(files) - refused} of {len(files)} design files ok")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
