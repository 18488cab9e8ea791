"""Engagement and learning (notebook 07): LMS participation, activity, the early-warning flag,
normalized gains, effect sizes and teaching to the test."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .. import charts, metrics
from ..validate import require_columns as _require
from ._common import _codes, _flag
from .enrollment import _fill

# ======================================================================================
# 07 Engagement from LMS activity
# ======================================================================================

_LMS_COLUMNS = ("student_id", "course_id", "week", "clicks", "sessions", "posts", "submissions", "active", "final_result", "withdrawal_week")


def weekly_participation(lms: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Weekly participation rate: share of enrolled students active in the week.

    Per week (and per ``by`` group, e.g. ``course_id``): ``enrolled`` (students with a row
    that week - rows stop after a student withdraws), ``active`` (students with any
    clicks), ``started`` (students who began the course), and two rates from
    :func:`metrics.participation_rate`:

    * ``participation`` = active / enrolled - the usual definition;
    * ``participation_of_starters`` = active / started - the same activity over everyone
      who began. The first drifts *up* when disengaged students withdraw (survivorship);
      the second does not.
    """
    _require(lms, ["student_id", "week", "active", *( [by] if by else [])], "the LMS data")
    week = lms["week"].to_numpy().astype("int64")
    active = _flag(lms, "active")
    scodes, sids = _codes(lms["student_id"])
    if by is None:
        gcodes, gnames = np.zeros(len(lms), dtype="int64"), pd.Index(["all"])
    else:
        gcodes, gnames = _codes(lms[by])
    ng = len(gnames)
    wmin, wmax = int(week.min()), int(week.max())
    nw = wmax - wmin + 1
    key = gcodes * nw + (week - wmin)
    enrolled = np.bincount(key, minlength=ng * nw)
    act = np.bincount(key, weights=active, minlength=ng * nw).astype("int64")
    # the group of each student (first row), to count starters per group
    first = np.zeros(len(sids), dtype="int64")
    first[scodes[::-1]] = gcodes[::-1]
    started = np.bincount(first, minlength=ng)
    frame = pd.DataFrame({
        "group": np.repeat(np.asarray(gnames, dtype=object), nw),
        "week": np.tile(np.arange(wmin, wmax + 1), ng),
        "enrolled": enrolled,
        "active": act,
        "started": np.repeat(started, nw),
    })
    frame = frame[frame["enrolled"] > 0].reset_index(drop=True)
    frame["participation"] = metrics.participation_rate(frame["active"].to_numpy(), frame["enrolled"].to_numpy())
    frame["participation_of_starters"] = metrics.participation_rate(frame["active"].to_numpy(), frame["started"].to_numpy())
    if by is not None:
        frame = frame.rename(columns={"group": by})
    else:
        frame = frame.drop(columns="group")
    return frame


def participation_chart(weekly: pd.DataFrame, *, width: int = 440, height: int = 220) -> alt.Chart:
    """Two lines over the weeks: participation of the enrolled and of everyone who started."""
    long = weekly.melt(id_vars=["week"], value_vars=["participation", "participation_of_starters"], var_name="denominator", value_name="percent")
    long["denominator"] = long["denominator"].map({"participation": "of students still enrolled", "participation_of_starters": "of everyone who started"})
    first, last = weekly.iloc[0], weekly.iloc[-1]
    desc = (f"Weekly participation rate. Of students still enrolled: week {int(first['week'])} {first['participation']:.0f}%, "
            f"week {int(last['week'])} {last['participation']:.0f}%. Of everyone who started: week {int(last['week'])} "
            f"{last['participation_of_starters']:.0f}%.")
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:O", title="week", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("percent:Q", title="active students (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("denominator:N", title="share", legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash("denominator:N", title="share", legend=alt.Legend(orient="bottom")),
            tooltip=["week", "denominator", alt.Tooltip("percent:Q", format=".1f")],
        )
        .properties(title="Weekly participation: which denominator?", description=desc, width=width, height=height)
    )


def activity_per_student(lms: pd.DataFrame) -> pd.DataFrame:
    """One row per student: totals and rates of activity while enrolled, and the outcome.

    Columns: ``student_id``, ``course_id``, ``final_result``, ``weeks`` (weeks enrolled),
    ``clicks``, ``sessions``, ``posts``, ``submissions`` (totals), ``active_weeks``,
    ``clicks_per_week`` (clicks / weeks enrolled, so early leavers are comparable),
    ``withdrawn`` and ``passed`` (Pass or Distinction).
    """
    _require(lms, _LMS_COLUMNS, "the LMS data")
    codes, ids = _codes(lms["student_id"])
    n = len(ids)
    first_row = np.full(n, -1, dtype="int64")
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    out = pd.DataFrame({
        "student_id": np.asarray(ids, dtype=object),
        "course_id": lms["course_id"].to_numpy()[first_row],
        "final_result": lms["final_result"].astype(object).to_numpy()[first_row],
        "weeks": np.bincount(codes, minlength=n),
    })
    for col in ("clicks", "sessions", "posts", "submissions"):
        out[col] = np.bincount(codes, weights=lms[col].to_numpy(dtype="float64"), minlength=n).astype("int64")
    out["active_weeks"] = np.bincount(codes, weights=_flag(lms, "active"), minlength=n).astype("int64")
    out["clicks_per_week"] = out["clicks"] / out["weeks"]
    out["withdrawn"] = out["final_result"].to_numpy() == "Withdrawn"
    out["passed"] = np.isin(out["final_result"].to_numpy(), ["Pass", "Distinction"])
    return out


def activity_summary(values: Sequence[float] | np.ndarray | pd.Series) -> dict[str, float]:
    """Why the mean misleads for right-skewed activity: mean, median, deciles, skewness.

    Returns ``n``, ``mean``, ``median``, ``p10``, ``p90``, ``mean_over_median``,
    ``top_decile_share`` (percent of the sum of ``values`` held by the top 10 % of them,
    :func:`metrics.top_decile_share`: pass per-student *totals* for a share of all activity;
    over per-week rates it is a share of summed rates, not of clicks) and ``skewness`` (the moment coefficient
    g1 = m3 / m2^1.5; > 0 means a long right tail). Missing values are dropped.
    """
    v = np.asarray(pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce"), dtype="float64")
    v = v[~np.isnan(v)]
    if v.size < 2:
        raise ValueError("need at least 2 values")
    d = v - v.mean()
    m2 = float(np.mean(d**2))
    med = float(np.median(v))
    return {
        "n": int(v.size),
        "mean": float(v.mean()),
        "median": med,
        "p10": float(np.quantile(v, 0.1)),
        "p90": float(np.quantile(v, 0.9)),
        "mean_over_median": float(v.mean() / med) if med > 0 else float("nan"),
        "top_decile_share": metrics.top_decile_share(v) if v.sum() > 0 else float("nan"),
        "skewness": float(np.mean(d**3) / m2**1.5) if m2 > 0 else 0.0,
    }


def activity_histogram(values: Sequence[float] | np.ndarray | pd.Series, bins: int = 20) -> pd.DataFrame:
    """Counts of ``values`` in ``bins`` equal-width bins from 0 to the 99th percentile, for a
    histogram chart.

    The last bin is open-ended: it also holds every value above the 99th percentile, so no
    student is dropped. Its row has ``open_ended`` True and ``above`` = how many of its
    students lie beyond ``bin_end`` (0 in the other rows); charts and text should say so.
    """
    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    top = float(np.quantile(v, 0.99)) if v.size else 1.0
    top = top if top > 0 else 1.0
    edges = np.linspace(0, top, bins + 1)
    idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, bins - 1)
    counts = np.bincount(idx, minlength=bins)
    open_ended = np.arange(bins) == bins - 1
    above = np.where(open_ended, int((v > top).sum()), 0)
    return pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "students": counts,
                         "open_ended": open_ended, "above": above})


def activity_histogram_chart(hist: pd.DataFrame, summary: Mapping[str, float], *, what: str = "clicks per enrolled week",
                             width: int = 440, height: int = 200) -> alt.LayerChart | alt.FacetChart:
    """Histogram bars with the mean and the median marked; the open last bar is named in the
    axis title and the description."""
    last = hist.iloc[-1]
    top, above = float(last["bin_end"]), int(last.get("above", 0))
    desc = (f"Histogram of {what} per student: right-skewed; median {summary['median']:.0f}, mean {summary['mean']:.0f}, "
            f"90th percentile {summary['p90']:.0f}. The last bar also counts the {above} students above {top:.0f}.")
    bars = alt.Chart(hist).mark_bar(color=charts.PALETTE[4]).encode(
        x=alt.X("bin_start:Q", title=f"{what} (last bar: {float(last['bin_start']):.0f} and more)", bin="binned"),
        x2="bin_end:Q",
        # head-room above the tallest bar so that the median and mean labels never sit on a bar
        y=alt.Y("students:Q", title="students", scale=alt.Scale(domain=[0, max(1.0, float(hist["students"].max()) * 1.2)])),
        tooltip=["bin_start", "bin_end", "students", alt.Tooltip("above:Q", title="of them above the bar's end")],
    )
    marks = pd.DataFrame({"value": [summary["median"], summary["mean"]], "label": [f"median {summary['median']:.0f}", f"mean {summary['mean']:.0f}"]})
    rule = alt.Chart(marks).mark_rule(strokeDash=[5, 3], color="#333").encode(x="value:Q")
    left = alt.Chart(marks.iloc[[0]]).mark_text(align="right", dx=-4, color="#333").encode(x="value:Q", y=alt.value(8), text="label:N")
    right = alt.Chart(marks.iloc[[1]]).mark_text(align="left", dx=4, color="#333").encode(x="value:Q", y=alt.value(8), text="label:N")
    return alt.layer(bars, rule, left, right).properties(
        title=f"Activity is right-skewed: {what}", description=desc, width=width, height=height)


def weekly_activity_profile(lms: pd.DataFrame, min_submission_rate: float = 0.3) -> pd.DataFrame:
    """Mean clicks per enrolled student in each course and week, with deadline weeks found
    from the data.

    A week counts as a deadline week when at least ``min_submission_rate`` of the enrolled
    students submit something in it (the data do not list deadlines; submissions reveal
    them). ``relative`` = the week's mean clicks / the course's median weekly mean: values
    well above 1 are the deadline spikes typical of LMS data (as in the Open University
    Learning Analytics Dataset, OULAD).
    """
    _require(lms, ["course_id", "week", "clicks", "submissions"], "the LMS data")
    g = lms.groupby(["course_id", "week"], sort=True, observed=True).agg(
        enrolled=("clicks", "size"), clicks=("clicks", "sum"), submitted=("submissions", lambda s: int((s > 0).sum()))
    ).reset_index()
    g["mean_clicks"] = g["clicks"] / g["enrolled"]
    g["submission_rate"] = g["submitted"] / g["enrolled"]
    g["deadline"] = g["submission_rate"] >= min_submission_rate
    g["relative"] = g["mean_clicks"] / g.groupby("course_id")["mean_clicks"].transform("median")
    return g


def deadline_weeks(profile: pd.DataFrame) -> dict[str, list[int]]:
    """Course -> its deadline weeks, from :func:`weekly_activity_profile`."""
    d = profile[profile["deadline"]]
    return {str(c): sorted(int(w) for w in g["week"]) for c, g in d.groupby("course_id", sort=True)}


def weekly_profile_chart(profile: pd.DataFrame, *, width: int = 440, height: int = 220) -> alt.LayerChart | alt.FacetChart:
    """Mean clicks per enrolled student by week, one line per course, deadline weeks as large points."""
    dl = deadline_weeks(profile)
    ratio = profile.loc[profile["deadline"], "relative"].mean() / profile.loc[~profile["deadline"], "relative"].mean()
    desc = ("Mean clicks per enrolled student by week, one line per course; deadline weeks are marked: "
            + "; ".join(f"{c}: weeks {', '.join(map(str, w))}" for c, w in dl.items())
            + f". Deadline weeks average {ratio:.1f} times the clicks of other weeks.")
    lines = alt.Chart(profile).mark_line().encode(
        x=alt.X("week:O", title="week", axis=alt.Axis(labelAngle=0)), y=alt.Y("mean_clicks:Q", title="mean clicks per enrolled student"),
        color=alt.Color("course_id:N", title="course"), strokeDash=alt.StrokeDash("course_id:N", legend=None),
    )
    points = alt.Chart(profile[profile["deadline"]]).mark_point(size=90, filled=True).encode(
        x="week:O", y="mean_clicks:Q", color=alt.Color("course_id:N"), shape=alt.value("diamond"),
        tooltip=["course_id", "week", alt.Tooltip("mean_clicks:Q", format=".0f"), alt.Tooltip("submission_rate:Q", format=".0%")],
    )
    return alt.layer(lines, points).properties(title="Clicks spike in deadline weeks (diamonds)", description=desc, width=width, height=height)


@dataclass(frozen=True)
class _Weeks:
    """Per-student, per-week activity as matrices (students x weeks), week 1 in column 0."""

    ids: np.ndarray
    course: np.ndarray
    active: np.ndarray
    clicks: np.ndarray
    submissions: np.ndarray
    last_week: np.ndarray
    withdrawn: np.ndarray


def _weeks(lms: pd.DataFrame) -> _Weeks:
    _require(lms, _LMS_COLUMNS, "the LMS data")
    codes, ids = _codes(lms["student_id"])
    n = len(ids)
    week = lms["week"].to_numpy().astype("int64")
    if (week < 1).any():
        raise ValueError("week must start at 1")
    nw = int(week.max())
    flat = codes * nw + (week - 1)

    def matrix(values: np.ndarray) -> np.ndarray:
        return np.bincount(flat, weights=values, minlength=n * nw).reshape(n, nw)

    last = np.zeros(n, dtype="int64")
    np.maximum.at(last, codes, week)
    first_row = np.full(n, -1, dtype="int64")
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    return _Weeks(
        ids=np.asarray(ids, dtype=object),
        course=lms["course_id"].to_numpy()[first_row],
        active=matrix(_flag(lms, "active").astype("float64")) > 0,
        clicks=matrix(lms["clicks"].to_numpy(dtype="float64")),
        submissions=matrix(lms["submissions"].to_numpy(dtype="float64")),
        last_week=last,
        withdrawn=lms["final_result"].astype(object).to_numpy()[first_row] == "Withdrawn",
    )


def _check_window(window: int, min_active_weeks: int, weeks: int) -> None:
    if not 1 <= window < weeks:
        raise ValueError(f"window must be between 1 and {weeks - 1} weeks; got {window!r}")
    if not 0 <= min_active_weeks <= window:
        raise ValueError(f"min_active_weeks must be between 0 and window={window}; got {min_active_weeks!r}")


def early_warning(lms: pd.DataFrame, window: int = 4, min_active_weeks: int = 3) -> pd.DataFrame:
    """A simple early-warning flag from the first ``window`` weeks, and who withdrew later.

    Only students still enrolled after the window are scored (a flag raised after a
    student has left warns nobody). ``flagged`` = active in fewer than
    ``min_active_weeks`` of the first ``window`` weeks; ``withdrew_later`` = withdrew after
    the window. Also the window's ``active_weeks``, ``clicks`` and ``submissions``.
    """
    w = _weeks(lms)
    _check_window(window, min_active_weeks, w.active.shape[1])
    active_w = w.active[:, :window].sum(axis=1)
    keep = w.last_week > window
    return pd.DataFrame({
        "student_id": w.ids[keep],
        "course_id": w.course[keep],
        "active_weeks": active_w[keep],
        "clicks": w.clicks[keep, :window].sum(axis=1).astype("int64"),
        "submissions": w.submissions[keep, :window].sum(axis=1).astype("int64"),
        "flagged": active_w[keep] < min_active_weeks,
        "withdrew_later": w.withdrawn[keep],
    })


def _ew_summary(flagged: np.ndarray, withdrew: np.ndarray) -> dict[str, float]:
    f, w = np.asarray(flagged, dtype=bool), np.asarray(withdrew, dtype=bool)
    n, nf, nw = int(f.size), int(f.sum()), int(w.sum())
    tp = int((f & w).sum())
    rf = 100.0 * tp / nf if nf else float("nan")
    rn = 100.0 * int((~f & w).sum()) / (n - nf) if n - nf else float("nan")
    base = 100.0 * nw / n if n else float("nan")
    return {
        "students": n,
        "flagged": nf,
        "withdrew_later": nw,
        "flag_share": 100.0 * nf / n if n else float("nan"),
        "base_rate": base,
        "rate_flagged": rf,
        "rate_not_flagged": rn,
        "lift": rf / base if nf and base > 0 else float("nan"),
        "risk_ratio": float(metrics.relative_lift(rf, rn)) if nf and rn > 0 else float("nan"),
        "recall": 100.0 * tp / nw if nw else float("nan"),
        "precision": rf,
    }


def early_warning_summary(ew: pd.DataFrame) -> dict[str, float]:
    """How useful the flag of :func:`early_warning` is.

    ``base_rate`` - percent of scored students who withdrew later; ``precision`` - percent
    of flagged students who withdrew (= ``rate_flagged``); ``recall`` - percent of later
    withdrawals that were flagged; ``lift`` = precision / base rate (how many times the
    average student's risk a flagged student has); ``risk_ratio`` = rate_flagged /
    rate_not_flagged (:func:`metrics.relative_lift`; flagged against the *unflagged*, so
    larger than the lift whenever flagged students withdraw more often than the average
    student); ``flag_share`` - percent flagged; the counts
    ``students``, ``flagged`` and ``withdrew_later``. Rates of an empty group are NaN.
    """
    return _ew_summary(ew["flagged"].to_numpy(), ew["withdrew_later"].to_numpy())


def _tradeoff(w: _Weeks, window: int) -> pd.DataFrame:
    active_w = w.active[:, :window].sum(axis=1)
    keep = w.last_week > window
    rows = [{"min_active_weeks": t, **_ew_summary(active_w[keep] < t, w.withdrawn[keep])} for t in range(1, window + 1)]
    return pd.DataFrame(rows)


def early_warning_tradeoff(lms: pd.DataFrame, window: int = 4) -> pd.DataFrame:
    """Recall, precision and share flagged for every threshold 1..window of :func:`early_warning`."""
    w = _weeks(lms)
    _check_window(window, 0, w.active.shape[1])
    return _tradeoff(w, window)


def _ew_parts(summary: Mapping[str, float], tradeoff: pd.DataFrame, min_active_weeks: int, window: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    bars = pd.DataFrame({"group": ["flagged", "not flagged"], "percent": [summary["rate_flagged"], summary["rate_not_flagged"]]}).dropna()
    long = tradeoff.melt(id_vars=["min_active_weeks", "flagged"], value_vars=["recall", "precision", "flag_share"], var_name="measure", value_name="percent")
    long["measure"] = long["measure"].map({"recall": "recall", "precision": "precision", "flag_share": "share flagged"})
    long = long.dropna()
    mark = pd.DataFrame({"x": [int(min_active_weeks)], "base": [summary["base_rate"]], "label": [f"base rate {summary['base_rate']:.0f}%"]})

    def pct(v: float) -> str:
        return "n/a" if v != v else f"{v:.0f}%"

    first = tradeoff.iloc[0]
    k, nf = int(first["min_active_weeks"]), int(first["flagged"])
    rests = ("no student is flagged, so it has no precision" if nf == 0 else
             f"the precision rests on {nf} flagged student{'' if nf == 1 else 's'}")
    rule = ("not active in week 1" if window == 1 and min_active_weeks == 1 else
            f"active in fewer than {min_active_weeks} of them")
    desc = (f"Early warning from the first {window} week{'' if window == 1 else 's'}, flag = {rule}. "
            f"{pct(summary['flag_share'])} of students flagged; {pct(summary['rate_flagged'])} of flagged students withdrew later "
            f"versus {pct(summary['rate_not_flagged'])} of the others (base rate {pct(summary['base_rate'])}, dashed line); the flag "
            f"catches {pct(summary['recall'])} of later withdrawals. At the strictest threshold (fewer than {k} active "
            f"week{'' if k == 1 else 's'}) {rests}.")
    return bars, long, mark, desc


def _ew_layout(bars: Any, long: Any, mark: Any, width: int, height: int) -> alt.HConcatChart:
    left = alt.Chart(bars).mark_bar().encode(
        x=alt.X("group:N", title=None, axis=alt.Axis(labelAngle=0), sort=["flagged", "not flagged"]),
        y=alt.Y("percent:Q", title="withdrew later (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("group:N", legend=None, scale=alt.Scale(domain=["flagged", "not flagged"], range=[charts.PALETTE[5], charts.PALETTE[0]])),
        tooltip=["group:N", alt.Tooltip("percent:Q", format=".1f")],
    ).properties(width=int(width * 0.6), height=height, title="Who withdrew later")
    lines = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("min_active_weeks:O", title="flag if active weeks below", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("percent:Q", title="percent", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["recall", "precision", "share flagged"], range=[charts.PALETTE[2], charts.PALETTE[3], "#999999"])),
        tooltip=["min_active_weeks:O", "measure:N", alt.Tooltip("percent:Q", format=".1f"), alt.Tooltip("flagged:Q", title="students flagged")],
    )
    rule = alt.Chart(mark).mark_rule(strokeDash=[4, 3], color="#444").encode(x="x:O")
    base = alt.Chart(mark).mark_rule(strokeDash=[2, 2], color="#777").encode(y="base:Q")
    base_text = alt.Chart(mark).mark_text(align="left", x=4, dy=-6, color="#555").encode(y="base:Q", text="label:N")
    right = alt.layer(lines, rule, base, base_text).properties(width=width, height=height, title="Catch more, warn more")
    return alt.hconcat(left, right).resolve_scale(color="independent").properties(title="An early-warning flag from the first weeks")


def early_warning_chart(summary: Mapping[str, float], tradeoff: pd.DataFrame, min_active_weeks: int, window: int,
                        *, width: int = 220, height: int = 200) -> alt.HConcatChart:
    """Left: withdrawal rate of flagged vs not flagged; right: recall and precision by threshold."""
    bars, long, mark, desc = _ew_parts(summary, tradeoff, min_active_weeks, window)
    return _ew_layout(bars, long, mark, width, height).properties(description=desc)


def early_warning_view(lms: pd.DataFrame, width: int = 220, height: int = 200) -> Callable[[int, int], dict[str, Any]]:
    """Widget callback factory of notebook 07: ``view(window, min_active_weeks) -> spec``.

    Builds the student-by-week activity matrices once; each call scores the flag, computes
    the threshold trade-off and returns the spec of :func:`early_warning_chart`.
    """
    w = _weeks(lms)
    template = _ew_layout(alt.NamedData(name="bars"), alt.NamedData(name="tradeoff"), alt.NamedData(name="mark"), width, height)
    spec = template.properties(description="early warning").to_dict()

    def view(window: int = 4, min_active_weeks: int = 3) -> dict[str, Any]:
        window, min_active_weeks = int(window), int(min(min_active_weeks, window))
        _check_window(window, min_active_weeks, w.active.shape[1])
        tradeoff = _tradeoff(w, window)
        active_w = w.active[:, :window].sum(axis=1)
        keep = w.last_week > window
        summary = _ew_summary(active_w[keep] < min_active_weeks, w.withdrawn[keep])
        bars, long, mark, desc = _ew_parts(summary, tradeoff, min_active_weeks, window)
        return _fill(spec, desc, bars=bars, tradeoff=long, mark=mark)

    return view


def engagement_outcome(per_student: pd.DataFrame, groups: int = 5, column: str = "clicks_per_week") -> pd.DataFrame:
    """Pass rate (Pass or Distinction, percent) by engagement group (quantiles of ``column``).

    A correlation, not an effect: motivation, time and prior knowledge drive both the
    clicks and the result. Groups are equal-size quantile groups (1 = least active).
    """
    v = per_student[column].to_numpy(dtype="float64")
    ranks = pd.Series(v).rank(method="first").to_numpy()
    grp = np.minimum((ranks - 1) * groups // len(v), groups - 1).astype("int64") + 1
    passed = per_student["passed"].to_numpy()
    rows = []
    for g in range(1, groups + 1):
        m = grp == g
        rows.append({"group": g, "students": int(m.sum()), "low": float(v[m].min()), "high": float(v[m].max()),
                     "pass_rate": metrics.pooled_rate([int(passed[m].sum())], [int(m.sum())])})
    return pd.DataFrame(rows)


def engagement_outcome_chart(table: pd.DataFrame, *, width: int = 380, height: int = 200) -> alt.Chart:
    """Bars: pass rate per engagement group."""
    # one decimal: whole numbers would print overlapping ranges such as 8-15 and 15-26
    t = table.assign(label=[f"{g}: {lo:.1f}-{hi:.1f}" for g, lo, hi in zip(table["group"], table["low"], table["high"])])
    desc = "Pass rate by engagement group (clicks per enrolled week, lowest to highest): " + "; ".join(
        f"{lab} {p:.0f}%" for lab, p in zip(t["label"], t["pass_rate"]))
    return charts.bar_chart(t, "label:N", "pass_rate:Q", title="More active students pass more often (a correlation)",
                            description=desc, x_title="engagement group (clicks per week)", y_title="passed (%)",
                            sort=list(t["label"]), width=width, height=height)
