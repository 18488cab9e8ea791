"""Metric and generator functions at 10k, 100k and 1M rows: time and growth.

Inputs come from the student-term generator (``helpers.data.make_student_terms``) sized
to about the nominal row count, so retention-style metrics run on real student-term
columns; survey-style metrics (NPS, CSAT, gains, effect sizes ...) get seeded synthetic
columns of the same length (there is no million-row survey generator). The education
module's retention and engagement functions, where present, run on the same student-term
frame and on an LMS-activity frame of the same size.

Targets: each metric on the 1M-row frame <= 1 s; the generator makes 1M rows in <= 5 s.
The growth ratios (time at 100k / time at 10k, time at 1M / time at 100k) should be
about 10 for linear work; below 10 at small sizes means fixed overhead dominates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .common import Section, fmt_auto, fmt_rows, median, profile_call, time_calls
from .callbacks import NotAvailable, need

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 3_000)
METRIC_TARGET_S = 1.0
GENERATOR_TARGET_S = 5.0


@dataclass
class Frames:
    """Inputs of one size: the student-term frame, LMS frame and derived columns."""

    rows: int
    terms: Any
    lms: Any
    cols: dict[str, Any]
    outcomes: Any = None


# Each case: (label, builder). The builder gets Frames and returns the zero-argument call
# to time; it raises NotAvailable when the helpers function does not exist (yet). Every
# case has the metric target (<= 1 s at the largest size).
Case = tuple[str, Callable[[Frames], Callable[[], Any]]]


def _m(name: str, *cols: str, **kw: Any) -> Callable[[Frames], Callable[[], Any]]:
    def build(f: Frames) -> Callable[[], Any]:
        fn = getattr(need("metrics", name), name)
        args = [f.cols[c] for c in cols]
        return lambda: fn(*args, **kw)
    return build


def _edu(name: str, frame: str, **kw: Any) -> Callable[[Frames], Callable[[], Any]]:
    def build(f: Frames) -> Callable[[], Any]:
        fn = getattr(need("education", name), name)
        if frame == "outcomes" and f.outcomes is None:
            f.outcomes = need("education", "cohort_outcomes").cohort_outcomes(f.terms)
        data = {"terms": f.terms, "lms": f.lms, "outcomes": f.outcomes}[frame]
        extra = {k: (v(f) if callable(v) else v) for k, v in kw.items()}
        return lambda: fn(data, **extra)
    return build


def _first_cohort(f: Frames) -> int:
    return int(f.terms["cohort_year"].min())


CASES: list[Case] = [
    ("metrics.ipeds_retention(enrolled, exclusion)", _m("ipeds_retention", "enrolled", "exclusion")),
    ("metrics.persistence_rate(enrolled anywhere, exclusion)", _m("persistence_rate", "anywhere", "exclusion")),
    ("metrics.graduation_rate_150(completed, exclusion)", _m("graduation_rate_150", "completed", "exclusion")),
    ("metrics.participation_rate(active)", _m("participation_rate", "enrolled")),
    ("metrics.pooled_rate(completed, ones)", _m("pooled_rate", "completed", "ones")),
    ("metrics.mean_of_rates(completed, ones)", _m("mean_of_rates", "completed", "ones")),
    ("metrics.nps(0-10 scores)", _m("nps", "nps")),
    ("metrics.nps_confidence_interval(0-10 scores)", _m("nps_confidence_interval", "nps")),
    ("metrics.csat(1-5 scores)", _m("csat", "csat")),
    ("metrics.ces(1-7 scores)", _m("ces", "ces")),
    ("metrics.top_box_share(values, 4)", _m("top_box_share", "csat", threshold=4)),
    ("metrics.hake_gain(pre, post)", _m("hake_gain", "pre", "post")),
    ("metrics.mean_individual_gain(pre, post)", _m("mean_individual_gain", "pre", "post")),
    ("metrics.cohens_d(a, b)", _m("cohens_d", "a", "b")),
    ("metrics.hedges_g(a, b)", _m("hedges_g", "a", "b")),
    ("metrics.cronbach_alpha(5 items)", _m("cronbach_alpha", "items")),
    ("metrics.retention_rate(start, end, new) elementwise", _m("retention_rate", "start", "end", "new")),
    ("metrics.churn_rate(lost, start) elementwise", _m("churn_rate", "lost", "start")),
    ("metrics.top_decile_share(profit)", _m("top_decile_share", "profit")),
    ("metrics.funnel_limits(p0, n)", _m("funnel_limits", "p0", "start")),
    ("education.cohort_outcomes(student_terms)", _edu("cohort_outcomes", "terms")),
    ("education.cohort_survival(student_terms, first cohort)", _edu("cohort_survival", "terms", cohort_year=_first_cohort)),
    ("education.cohort_rates(outcomes)", _edu("cohort_rates", "outcomes")),
    ("education.equity_gaps(outcomes)", _edu("equity_gaps", "outcomes")),
    ("education.cohort_shaping_table(outcomes)", _edu("cohort_shaping_table", "outcomes")),
    ("education.weekly_participation(lms)", _edu("weekly_participation", "lms")),
    ("education.activity_per_student(lms)", _edu("activity_per_student", "lms")),
    ("education.weekly_activity_profile(lms)", _edu("weekly_activity_profile", "lms")),
    ("education.early_warning(lms)", _edu("early_warning", "lms")),
]


def _rows_per(make: Callable[..., Any], probe: int, **kw: Any) -> float:
    return len(make(n_students=probe, **kw)) / probe


def _columns(terms: Any, seed: int = 7) -> dict[str, Any]:
    """Metric inputs: real student-term columns plus seeded synthetic survey columns."""
    import pandas as pd

    n = len(terms)
    rng = np.random.default_rng(seed)
    idx = terms.index
    enrolled = terms["enrolled"]
    post = pd.Series(np.clip(rng.normal(62, 15, n), 0, 100), index=idx)
    first_gen = terms["first_generation"].to_numpy().astype(bool)
    start = pd.Series(rng.integers(50, 500, n), index=idx)
    new = pd.Series(rng.integers(0, 30, n), index=idx)
    return {
        "enrolled": enrolled,
        "anywhere": (enrolled.astype(bool) | terms["enrolled_elsewhere"].astype(bool)).astype("int64"),
        "completed": terms["completed"],
        "exclusion": terms["exclusion"],
        "p0": 0.3,
        "ones": pd.Series(np.ones(n, dtype="int64"), index=idx),
        "nps": pd.Series(rng.integers(0, 11, n), index=idx),
        "csat": pd.Series(rng.integers(1, 6, n), index=idx),
        "ces": pd.Series(rng.integers(1, 8, n), index=idx),
        "pre": pd.Series(np.clip(rng.normal(40, 12, n), 0, 100), index=idx),
        "post": post,
        "a": post[first_gen],
        "b": post[~first_gen],
        "items": pd.DataFrame(np.clip(np.round(rng.normal(2.8, 0.7, (n, 1)) + rng.normal(0, 0.6, (n, 5))), 1, 4),
                              columns=[f"item{i}" for i in range(1, 6)], index=idx),
        "start": start,
        "end": (start * rng.uniform(0.7, 1.0, n)).round().astype("int64") + new,
        "new": new,
        "lost": pd.Series((start * rng.uniform(0.0, 0.3, n)).round().astype("int64"), index=idx),
        "profit": pd.Series(rng.lognormal(4, 1.2, n) - 80, index=idx),
    }


def _growth(a: float, b: float) -> str:
    return "-" if not (a == a and b == b) or a <= 0 else f"x{b / a:.1f}"


def run(repeat: int = 5, *, sizes: Sequence[int] = SIZES, profile: bool = False, seed: int = 42,
        cases: Sequence[Case] | None = None) -> Section:
    """Time the generators and every case (default :data:`CASES`) at each size; returns the report section."""
    data = need("data", "make_student_terms", "make_lms_activity", "load")
    sizes = tuple(sizes)
    big = fmt_rows(sizes[-1])
    growth_headers = [f"{fmt_rows(a)}->{fmt_rows(b)}" for a, b in zip(sizes, sizes[1:])]
    section = Section(
        "metrics",
        f"Metrics and generators at {', '.join(fmt_rows(s) for s in sizes)} rows",
        intro=(
            f"Median of {repeat} calls after one warm-up. Retention-style metrics use the "
            f"student-term frame's own columns; survey-style metrics get seeded synthetic columns "
            f"of the same length; the education functions get the student-term frame, the "
            f"per-student outcomes derived from it, or an LMS-activity frame of about the same row "
            f"count. Growth = ratio of times between sizes (about x10 when linear; lower when "
            f"fixed overhead dominates). Targets apply at {big} rows."
        ),
        headers=["function"] + [fmt_rows(s) for s in sizes] + [f"growth {g}" for g in growth_headers] + ["target", "result"],
    )
    t_section = time.perf_counter()
    probe = max(1000, min(20_000, sizes[0]))
    per_student = _rows_per(data.make_student_terms, probe, seed=seed)
    per_lms = _rows_per(data.make_lms_activity, max(100, probe // 10), seed=seed)

    # generators (and data.load, which adds CSV round trip and validation)
    gen_times: dict[str, list[float]] = {"make_student_terms": [], "make_lms_activity": [], "load('student_terms')": []}
    frames: list[Frames] = []
    actual_rows: list[tuple[int, int]] = []
    for rows in sizes:
        n_st = max(30, round(rows / per_student))
        n_lms = max(10, round(rows / per_lms))
        holder: dict[str, Any] = {}
        gen_times["make_student_terms"].append(median(time_calls(
            lambda: holder.__setitem__("terms", data.make_student_terms(seed=seed, n_students=n_st)), repeat, warmup=0)))
        gen_times["make_lms_activity"].append(median(time_calls(
            lambda: holder.__setitem__("lms", data.make_lms_activity(seed=seed, n_students=n_lms)), repeat, warmup=0)))
        # data.load caches small frames in memory: a new seed per call measures the real work
        seeds = iter(range(10_000, 20_000))
        gen_times["load('student_terms')"].append(median(time_calls(
            lambda: data.load("student_terms", seed=next(seeds), n_students=n_st), max(1, min(3, repeat)), warmup=0)))
        terms = data.load("student_terms", seed=seed, n_students=n_st)  # validated dtypes, as notebooks see them
        lms = data.load("lms_activity", seed=seed, n_students=n_lms)
        actual_rows.append((len(terms), len(lms)))
        frames.append(Frames(rows, terms, lms, _columns(terms)))

    def add_row(label: str, times: list[float], target_s: float | None, target_text: str, note_fn: Callable[[], Any] | None) -> None:
        growth = [_growth(a, b) for a, b in zip(times, times[1:])]
        last = times[-1]
        if target_s is None:
            ok = None
        else:
            ok = last <= target_s if last == last else None
        c = section.check(f"{label} at {big} rows", fmt_auto(last), target_text, ok)
        result = c.result if target_s is not None else "-"
        section.rows.append([f"`{label}`"] + [fmt_auto(t) for t in times] + growth + [target_text if target_s is not None else "(info)", result])
        if profile and ok is False and note_fn is not None:
            section.profiles.append((f"{label} at {big} rows: one call, by cumulative time", profile_call(note_fn)))

    big_frame = frames[-1]
    n_st_big = max(30, round(sizes[-1] / per_student))
    n_lms_big = max(10, round(sizes[-1] / per_lms))
    add_row("data.make_student_terms", gen_times["make_student_terms"], GENERATOR_TARGET_S, f"<= {GENERATOR_TARGET_S:g} s",
            lambda: data.make_student_terms(seed=seed, n_students=n_st_big))
    add_row("data.make_lms_activity", gen_times["make_lms_activity"], GENERATOR_TARGET_S, f"<= {GENERATOR_TARGET_S:g} s",
            lambda: data.make_lms_activity(seed=seed, n_students=n_lms_big))
    # data.load is not a target; informational (CSV round trip + validation of a generated frame)
    times = gen_times["load('student_terms')"]
    section.rows.append(["`data.load('student_terms')` (generate, CSV, validate)"] + [fmt_auto(t) for t in times]
                        + [_growth(a, b) for a, b in zip(times, times[1:])] + ["(info)", "-"])

    for label, build in CASES if cases is None else cases:
        times = []
        failure = ""
        for f in frames:
            try:
                call = build(f)
                times.append(median(time_calls(call, repeat, warmup=1)))
            except NotAvailable as exc:
                failure = f"not available: {exc}"
                break
            except Exception as exc:  # a module being written: report, do not crash
                failure = f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:160]
                break
        if failure:
            section.rows.append([f"`{label}`"] + ["-"] * (2 * len(sizes) - 1) + [f"<= {METRIC_TARGET_S:g} s", "n/a"])
            section.check(f"{label} at {big} rows", failure.split(":")[0], f"<= {METRIC_TARGET_S:g} s", None, failure)
            section.notes.append(f"`{label}`: {failure}.")
            continue
        add_row(label, times, METRIC_TARGET_S, f"<= {METRIC_TARGET_S:g} s", build(big_frame))
        superlinear = [i for i, (a, b) in enumerate(zip(times, times[1:])) if a > 0.005 and b / a > 20 * (sizes[i + 1] / sizes[i]) / 10]
        if superlinear:
            section.notes.append(f"`{label}` grows faster than linear ({', '.join(_growth(times[i], times[i + 1]) for i in superlinear)}).")

    section.notes.insert(0, "Actual rows per size: " + "; ".join(
        f"{fmt_rows(s)}: {st:,} student-term rows, {lm:,} LMS rows" for s, (st, lm) in zip(sizes, actual_rows)) + ".")
    section.seconds = time.perf_counter() - t_section
    return section
