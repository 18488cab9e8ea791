"""The class review at scale: reading 500 submissions of the whole workbook.

A synthetic class is written to a temporary folder: every committed lesson
notebook once per participant (50 participants x 10 notebooks = 500 saved
notebooks of real size), each check's outcome record set at random to
correct, a known mistake of that exercise, another wrong answer or not
attempted, and some checks removed (never reached). Then the review reads
them all and writes exercises.csv, class.html and every feedback page, as
``python -m helpers.batch review`` does (no code of the submissions runs).
Target: under 30 s.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.common import Section, fmt_s, notebooks

TARGET_S = 30.0
RECORD_MIME = "application/vnd.metrics-workbook.check+json"


def build_class(folder: Path, participants: int, seed: int = 0) -> int:
    """Write ``participants`` x every lesson notebook under ``folder``; return the count."""
    from helpers.batch.exercise_registry import exercise_info

    rng = random.Random(seed)
    sources = [(p, json.loads(p.read_text(encoding="utf-8"))) for p in notebooks()]
    mistakes = {p.name[:2]: {k: v.mistakes for k, v in exercise_info(p.name[:2])[0].items()} for p, _ in sources}
    n = 0
    for i in range(participants):
        person = folder / f"Participant {i:03d}"
        person.mkdir(parents=True)
        for path, nb in sources:
            nn = path.name[:2]
            for cell in nb["cells"]:
                for out in cell.get("outputs", []):
                    rec = out.get("data", {}).get(RECORD_MIME)
                    if not rec or rec.get("kind") != "check":
                        continue
                    roll = rng.random()
                    labels = mistakes.get(nn, {}).get(rec["exercise"], ())
                    if roll < 0.5:
                        rec.update(status="correct", mistake="")
                    elif roll < 0.75 and labels:
                        rec.update(status="incorrect", mistake=rng.choice(labels))
                    elif roll < 0.85:
                        rec.update(status="incorrect", mistake="")
                    else:
                        rec.update(status="not attempted", mistake="")
            (person / path.name).write_text(json.dumps(nb), encoding="utf-8")
            n += 1
    return n


def run(participants: int = 50) -> Section:
    from helpers.batch import exercise_registry, review

    section = Section(
        "review",
        "Class review: reading a class's saved notebooks",
        intro=("A synthetic class of saved lesson notebooks (every lesson once per participant, outcome records set at "
               "random); the review reads them all and writes exercises.csv, class.html and every feedback page. "
               "No submission's code runs; the time includes building each notebook's exercises once for the hints."),
        headers=["submissions", "participants", "size on disk", "review time", "target", "result"],
    )
    tmp = Path(tempfile.mkdtemp(prefix="mw-bench-review-"))
    try:
        n = build_class(tmp / "class", participants)
        size = sum(p.stat().st_size for p in (tmp / "class").rglob("*.ipynb"))
        exercise_registry._INFO_CACHE.clear()  # building every notebook's hints is part of the review
        t0 = time.perf_counter()
        read = review.review(tmp / "class", tmp / "out", log=lambda line: None)
        seconds = time.perf_counter() - t0
        ok = len(read.submissions) == n
        what = f"reading {n} submissions of the whole workbook"
        c = section.check(what, fmt_s(seconds), f"< {TARGET_S:.0f} s", ok and seconds < TARGET_S,
                          "" if ok else f"only {len(read.submissions)} of {n} read")
        section.rows.append([str(n), str(participants), f"{size / 1e6:.0f} MB", fmt_s(seconds), f"< {TARGET_S:.0f} s",
                             c.result])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return section
