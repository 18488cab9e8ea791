"""Benchmark the workbook and write a Markdown report (``make bench``).

    python benchmarks/run.py --out docs/benchmarks.md
    python benchmarks/run.py --only callbacks,metrics --out /tmp/b.md
    python benchmarks/run.py --quick --out /tmp/smoke.md      # seconds: the smoke test

Parts (``--only``, comma-separated; default all):

- ``notebooks`` - each notebook headless (papermill, ``interactive=False``) against the
  kernel-start floor measured in the same run, and the total (target <= 1.5x floor);
- ``callbacks`` - each widget callback, chart drawing included (target <= 100 ms);
- ``metrics``   - metric and generator functions at 10k/100k/1M rows (targets <= 1 s,
  generator <= 5 s for 1M rows) and their growth;
- ``batch``     - batch throughput for 1 and 2 workers (target >= 85 % efficiency);
- ``sizes``     - every notebook's file size (target <= 1 MB);
- ``nbval``     - the nbval suite's duration (target <= 60 s);
- ``review``    - the class review reading 500 submissions of the whole workbook (target < 30 s).

``--quick`` shrinks everything for a smoke test: tiny sizes, two calls per callback,
the floor notebook only, no batch and no nbval. The exit status is 0 whatever the
results (a benchmark is a report, not a test); 2 for bad options.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import callbacks, common, notebooks, report, scaling  # noqa: E402
from benchmarks import review as review_bench  # noqa: E402

PARTS = ("notebooks", "callbacks", "metrics", "batch", "sizes", "nbval", "review")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=common.ROOT / "docs" / "benchmarks.md",
                   help="report file (default docs/benchmarks.md); '-' prints it")
    p.add_argument("--only", default=",".join(PARTS),
                   help=f"comma-separated parts to run: {','.join(PARTS)} (default all)")
    p.add_argument("--repeat", type=int, default=None,
                   help="runs per notebook, per batch size and of nbval (default 3; quick 1)")
    p.add_argument("--callback-repeat", type=int, default=None, help="timed calls per callback (default 20; quick 2)")
    p.add_argument("--metric-repeat", type=int, default=None, help="timed calls per function and size (default 5; quick 1)")
    p.add_argument("--batch-runs", type=int, default=20, help="notebook runs per batch (default 20)")
    p.add_argument("--sizes", default=None,
                   help="row counts for the metrics part, comma-separated (default 10000,100000,1000000)")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: tiny sizes, few repeats, floor notebook only, no batch or nbval")
    p.add_argument("--profile", dest="profile", action="store_true", default=None,
                   help="cProfile each in-process miss (callbacks, metrics) into the report (default on; off with --quick)")
    p.add_argument("--no-profile", dest="profile", action="store_false")
    return p


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = [x for x in only if x not in PARTS]
    if unknown or not only:
        parser.error(f"--only: unknown part(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(PARTS)}")
    for name in ("repeat", "callback_repeat", "metric_repeat", "batch_runs"):
        v = getattr(args, name)
        if v is not None and v < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    quick = args.quick
    repeat = args.repeat or (1 if quick else 3)
    cb_repeat = args.callback_repeat or (2 if quick else 20)
    metric_repeat = args.metric_repeat or (1 if quick else 5)
    profile = (not quick) if args.profile is None else args.profile
    if args.sizes:
        try:
            sizes = tuple(int(s) for s in args.sizes.split(","))
        except ValueError:
            parser.error("--sizes: comma-separated whole numbers, e.g. 10000,100000,1000000")
        if any(s < 100 for s in sizes):
            parser.error("--sizes: each size must be at least 100 rows")
    else:
        sizes = scaling.QUICK_SIZES if quick else scaling.SIZES

    options = " ".join(["benchmarks/run.py"] + (list(argv) if argv is not None else sys.argv[1:]))
    machine = common.machine_info()
    versions = common.versions()
    sections: list[common.Section] = []
    skipped: list[tuple[str, str]] = []
    t_all = time.perf_counter()
    for part in PARTS:  # always in this order
        if part not in only:
            continue
        if quick and part in ("batch", "nbval"):
            skipped.append((part, "skipped in quick mode"))
            continue
        _log(f"[bench] {part} ...")
        t0 = time.perf_counter()
        if part == "notebooks":
            sections.append(notebooks.run_notebooks(repeat, floor_only=quick))
        elif part == "callbacks":
            sections.append(callbacks.run(cb_repeat, profile=profile))
        elif part == "metrics":
            sections.append(scaling.run(metric_repeat, sizes=sizes, profile=profile))
        elif part == "batch":
            sections.append(notebooks.run_batch(repeat, n_runs=args.batch_runs))
        elif part == "sizes":
            sections.append(notebooks.run_sizes())
        elif part == "nbval":
            sections.append(notebooks.run_nbval(repeat))
        elif part == "review":
            sections.append(review_bench.run(5 if quick else 50))
        s = sections[-1]
        misses = [c.what for c in s.checks if c.result == common.MISS]
        _log(f"[bench] {part}: {time.perf_counter() - t0:.0f} s, {len(s.checks)} checks, {len(misses)} MISS")
    for part in PARTS:
        if part not in only:
            skipped.append((part, "not selected with --only"))
    text = report.render(sections, machine, versions, options, common.load_average(), skipped)
    if str(args.out) == "-":
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        _log(f"[bench] wrote {args.out} in {time.perf_counter() - t_all:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
