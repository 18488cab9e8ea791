"""Educator satisfaction (notebook 08): TALIS-style scales, reliability, non-response,
school comparisons and the ecological fallacy."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .. import charts, metrics
from ..validate import TALIS_ITEMS, TALIS_REVERSED
from ..validate import require_columns as _require
from ._common import _flag, correlation
from .enrollment import _fill

# ======================================================================================
# 08 Educator survey: reverse coding, scales, reliability
# ======================================================================================

#: TALIS 2018 job-satisfaction scales (OECD TALIS 2018 technical report, teacher
#: questionnaire): satisfaction with the profession and with the current work environment.
SCALES: dict[str, tuple[str, ...]] = {
    "profession": ("prof_advantages", "prof_choose_again", "prof_regret", "prof_other_profession"),
    "school": ("school_change", "school_enjoy", "school_recommend", "job_satisfied_overall"),
}
SCALE_LABELS = {"profession": "satisfaction with the profession", "school": "satisfaction with the work environment"}
#: Short labels of the TALIS-style items (R = negatively worded, reversed before scoring).
ITEM_LABELS: dict[str, str] = {
    "prof_advantages": "Advantages outweigh disadvantages",
    "prof_choose_again": "Would choose teaching again",
    "prof_regret": "Regret becoming a teacher (R)",
    "prof_other_profession": "Wonder if another job were better (R)",
    "school_change": "Would like to change school (R)",
    "school_enjoy": "Enjoy working at this school",
    "school_recommend": "Would recommend this school",
    "job_satisfied_overall": "All in all satisfied with my job",
}
LIKERT_LEVELS = ("strongly disagree", "disagree", "agree", "strongly agree")


def _respondents(survey: pd.DataFrame) -> pd.DataFrame:
    _require(survey, ["responded"], "the survey data")
    return survey[_flag(survey, "responded")]


def reverse_items(survey: pd.DataFrame, items: Sequence[str] = TALIS_REVERSED, low: int = 1, high: int = 4) -> pd.DataFrame:
    """A copy of ``survey`` with negatively worded ``items`` reverse-coded (x -> low + high - x,
    :func:`metrics.reverse_code`), so that a higher value always means more satisfied."""
    _require(survey, items, "the survey data")
    out = survey.copy()
    for item in items:
        out[item] = metrics.reverse_code(survey[item].astype("float64"), low, high)
    return out


def scale_scores(survey: pd.DataFrame, min_share: float = 0.5) -> pd.DataFrame:
    """Respondents with one score per TALIS scale: the mean of its reverse-coded items.

    A score needs at least ``min_share`` of the scale's items answered (otherwise NaN);
    missing items are skipped in the mean. Scores run from 1 (low satisfaction) to 4.
    Adds one column per scale of :data:`SCALES`.
    """
    r = reverse_items(_respondents(survey))
    for scale, items in SCALES.items():
        block = r[list(items)].astype("float64")
        answered = block.notna().sum(axis=1)
        r[scale] = block.mean(axis=1).where(answered >= min_share * len(items))
    return r


def scale_reliability(survey: pd.DataFrame) -> pd.DataFrame:
    """Cronbach's alpha per scale, with and without reverse coding (respondents only).

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the total)
    (:func:`metrics.cronbach_alpha`, Cronbach 1951). Forgetting to reverse the negatively
    worded items makes them pull against the others: alpha drops, often below zero.
    """
    resp = _respondents(survey)
    rev = reverse_items(resp)
    rows = []
    for scale, items in SCALES.items():
        rows.append({"scale": scale, "items": len(items),
                     "alpha": metrics.cronbach_alpha(rev[list(items)].astype("float64")),
                     "alpha_not_reversed": metrics.cronbach_alpha(resp[list(items)].astype("float64"))})
    return pd.DataFrame(rows)


def agreement_shares(survey: pd.DataFrame, items: Sequence[str] = TALIS_ITEMS, reverse: bool = False) -> pd.DataFrame:
    """Percent of respondents who agree (3) or strongly agree (4) with each item.

    As worded: for a reversed item, agreeing means *less* satisfied. With ``reverse=True``
    the reversed items are flipped first, so every share reads "percent satisfied".
    Missing answers are left out of each item's denominator (:func:`metrics.top_box_share`).
    """
    r = _respondents(survey)
    if reverse:
        r = reverse_items(r, [i for i in items if i in TALIS_REVERSED])
    rows = [{"item": i, "label": ITEM_LABELS.get(i, i), "reversed": i in TALIS_REVERSED,
             "answered": int(r[i].notna().sum()), "agree_pct": metrics.top_box_share(r[i].astype("float64"), 3)} for i in items]
    return pd.DataFrame(rows)


def likert_frame(survey: pd.DataFrame, items: Sequence[str] = TALIS_ITEMS) -> pd.DataFrame:
    """Segments of a diverging stacked bar chart of 1-4 agree-scale items, as worded.

    For each item and response level: ``percent`` of the item's respondents, and
    ``start`` / ``end`` on an axis centred on 0 - the two disagree levels to the left,
    the two agree levels to the right (a 4-point scale has no neutral middle). Reversed
    items are *not* flipped: the chart shows what teachers answered.
    """
    r = _respondents(survey)
    rows = []
    for item in items:
        v = r[item].astype("float64").dropna().to_numpy()
        if v.size == 0:
            continue
        pct = 100.0 * np.bincount(v.astype("int64"), minlength=5)[1:5] / v.size
        starts = [-(pct[0] + pct[1]), -pct[1], 0.0, pct[2]]
        for level in range(4):
            rows.append({"item": item, "label": ITEM_LABELS.get(item, item), "level": level + 1,
                         "response": LIKERT_LEVELS[level], "percent": pct[level],
                         "start": starts[level], "end": starts[level] + pct[level]})
    return pd.DataFrame(rows)


def likert_chart(frame: pd.DataFrame, *, title: str = "How teachers answered (as worded)", width: int = 420, height: int = 260) -> alt.LayerChart | alt.FacetChart:
    """Diverging stacked bars: disagreement to the left of 0, agreement to the right.

    Items are sorted by the share agreeing; reversed items are marked (R) in the label.
    """
    agree = frame[frame["level"] >= 3].groupby("label", sort=False)["percent"].sum().sort_values(ascending=False)
    order = list(agree.index)
    desc = "Diverging stacked bars of the eight job-satisfaction items, disagreement left of zero and agreement right: " + "; ".join(
        f"{lab} {a:.0f}% agree" for lab, a in agree.items()) + ". Items marked R are negatively worded: agreeing means less satisfied."
    colors = ["#b2182b", "#ef8a62", "#67a9cf", "#2166ac"]
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("start:Q", title="percent of respondents (disagree | agree)", scale=alt.Scale(domain=[-100, 100]),
                axis=alt.Axis(format="d", labelExpr="abs(datum.value)")),
        x2="end:Q",
        color=alt.Color("response:N", sort=list(LIKERT_LEVELS), title="response",
                        scale=alt.Scale(domain=list(LIKERT_LEVELS), range=colors), legend=alt.Legend(orient="bottom")),
        tooltip=["label", "response", alt.Tooltip("percent:Q", format=".1f")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#333").encode(x="x:Q")
    return alt.layer(bars, zero).properties(title=title, description=desc, width=width, height=height)


# ======================================================================================
# 08 Response rates, non-response, professional development
# ======================================================================================


def response_rates(survey: pd.DataFrame, by: str = "school_id") -> pd.DataFrame:
    """Invited, responded and the response rate (percent) per ``by`` group.

    The overall response rate is the pooled rate (:func:`metrics.pooled_rate`), not the
    mean of the group rates: use :func:`overall_from_groups` with ``count="responded"``,
    ``n="invited"``.
    """
    _require(survey, [by, "responded"], "the survey data")
    g = pd.DataFrame({by: survey[by].to_numpy(), "r": _flag(survey, "responded").astype("int64")}).groupby(by, sort=True)["r"]
    t = pd.DataFrame({"invited": g.size(), "responded": g.sum()}).reset_index()
    t["response_rate"] = 100.0 * t["responded"] / t["invited"]
    return t


def nonresponse_check(survey: pd.DataFrame) -> pd.DataFrame:
    """Compare respondents and non-respondents on what is known for everyone invited.

    Non-response bias: if the less satisfied answer less often, the survey overstates
    satisfaction. The survey cannot show it directly; administrative data can. Per group
    (responded / did not respond): ``teachers``, ``left_pct`` (percent who left the school
    the next year, a behavioural sign of dissatisfaction), ``mean_class_score`` and
    ``mean_low_income_pct`` of their schools.
    """
    _require(survey, ["responded", "left_next_year", "class_mean_score", "school_low_income_pct"], "the survey data")
    r = _flag(survey, "responded")
    left = _flag(survey, "left_next_year")
    rows = []
    for name, m in (("responded", r), ("did not respond", ~r)):
        rows.append({"group": name, "teachers": int(m.sum()),
                     "left_pct": metrics.pooled_rate([int(left[m].sum())], [int(m.sum())]) if m.any() else float("nan"),
                     "mean_class_score": float(survey["class_mean_score"].to_numpy()[m].mean()) if m.any() else float("nan"),
                     "mean_low_income_pct": float(survey["school_low_income_pct"].to_numpy()[m].mean()) if m.any() else float("nan")})
    return pd.DataFrame(rows)


def pd_participation(survey: pd.DataFrame, scale: str = "school") -> dict[str, float]:
    """Professional development among respondents: participation and hours.

    ``participation`` - percent with any PD hours in the last 12 months
    (:func:`metrics.participation_rate`); ``median_hours`` and ``mean_hours``;
    ``r_hours_satisfaction`` - correlation of hours with the ``scale`` score. PD hours are
    only known for respondents, so all of this inherits the survey's non-response.
    """
    s = scale_scores(survey)
    hours = s["pd_hours"].astype("float64")
    known = hours.notna().to_numpy()
    h = hours.to_numpy()[known]
    return {"respondents": len(s), "with_hours": int(known.sum()),
            "participation": float(metrics.participation_rate(h > 0)) if h.size else float("nan"),
            "median_hours": float(np.median(h)) if h.size else float("nan"),
            "mean_hours": float(h.mean()) if h.size else float("nan"),
            "r_hours_satisfaction": correlation(h, s[scale].to_numpy(dtype="float64")[known])}


# ======================================================================================
# 08 School comparison with uncertainty
# ======================================================================================


def _t_cdf_integer(t: float, df: int) -> float:
    """P(T <= t) for Student's t with a whole number of degrees of freedom, exactly
    (the finite series of Abramowitz & Stegun 26.7.3 and 26.7.4)."""
    theta = math.atan(abs(t) / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2:  # odd df: A = 2/pi * (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        a = 2.0 / math.pi * (theta + s * math.cos(theta) * total)
    else:  # even df: A = sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
        term, total = 1.0, 1.0
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        a = s * total
    return 0.5 + math.copysign(a / 2.0, t)


def _t_pdf(t: float, df: float) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


def t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t distribution with ``df`` degrees of freedom.

    Exact closed forms for df = 1 (tan(pi (p - 1/2)), the Cauchy distribution) and df = 2
    ((2p - 1) / sqrt(2 p (1 - p))). For larger whole-number df, Newton's method on the exact
    cumulative distribution (the finite series of Abramowitz & Stegun 26.7.3-4), started
    from the Cornish-Fisher expansion (A&S 26.7.5); accurate to about 1e-9 (t_0.975 with
    3 df: 3.182, with 10 df: 2.228). A fractional df uses the Cornish-Fisher expansion
    alone (within 0.01 for df >= 3 at the usual levels). Used for confidence intervals of
    school means without a SciPy dependency.
    """
    if not 0 < p < 1:
        raise ValueError(f"p must be in (0, 1); got {p!r}")
    if df < 1:
        raise ValueError(f"df must be >= 1; got {df!r}")
    if df == 1:
        return float(math.tan(math.pi * (p - 0.5)))
    if df == 2:
        return float((2 * p - 1) / math.sqrt(2 * p * (1 - p)))
    z = NormalDist().inv_cdf(p)
    t = float(z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
              + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))
    if float(df) != int(df):
        return t
    for _ in range(50):
        step = (_t_cdf_integer(t, int(df)) - p) / _t_pdf(t, df)
        t -= step
        if abs(step) < 1e-12 * max(1.0, abs(t)):
            break
    if not (math.isfinite(t) and abs(_t_cdf_integer(t, int(df)) - p) < 1e-10):  # Newton strayed: bisect
        lo, hi = -1e6, 1e6
        for _ in range(200):
            t = (lo + hi) / 2
            lo, hi = (t, hi) if _t_cdf_integer(t, int(df)) < p else (lo, t)
    return float(t)


def _school_stats(scored: pd.DataFrame, scale: str) -> tuple[pd.DataFrame, float]:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
    _require(scored, ["school_id", scale], "the scored survey")
    v = scored[["school_id", scale]].dropna()
    if len(v) < 2:
        raise ValueError("fewer than 2 scored respondents")
    g = v.groupby("school_id", sort=True)[scale]
    stats = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std(ddof=1)}).reset_index()
    return stats, float(v[scale].mean())


def _school_ci(stats: pd.DataFrame, overall: float, min_respondents: int, level: float, adjust: str = "none") -> pd.DataFrame:
    if isinstance(min_respondents, bool) or int(min_respondents) != min_respondents or min_respondents < 2:
        raise ValueError(f"min_respondents must be a whole number >= 2; got {min_respondents!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    if adjust not in ("none", "bonferroni"):
        raise ValueError(f"adjust must be 'none' or 'bonferroni'; got {adjust!r}")
    t = stats[stats["n"].to_numpy() >= min_respondents].copy()
    if adjust == "bonferroni" and len(t):
        level = 1 - (1 - level) / len(t)  # each of the m intervals at 1 - alpha / m
    t["se"] = t["sd"] / np.sqrt(t["n"])
    sizes = np.unique(t["n"].to_numpy())
    q = dict(zip(sizes.tolist(), (t_quantile(0.5 + level / 2, int(k) - 1) for k in sizes)))  # one per distinct size
    half = t["n"].map(q).to_numpy(dtype="float64") * t["se"].to_numpy()
    t["low"] = t["mean"] - half
    t["high"] = t["mean"] + half
    ref = t["reference"].to_numpy(dtype="float64") if "reference" in t.columns else np.full(len(t), overall)
    t["position"] = np.where(t["low"] > ref, "above", np.where(t["high"] < ref, "below", "cannot tell"))
    t["overall"] = overall
    t["level"] = level
    t = t.sort_values("mean", kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    return t


def school_comparison(scored: pd.DataFrame, scale: str = "school", min_respondents: int = 5, level: float = 0.95,
                      adjust: str = "none") -> pd.DataFrame:
    """Mean scale score per school with a confidence interval, against the overall mean.

    ``scored`` comes from :func:`scale_scores`. Per school with at least
    ``min_respondents`` scores: ``n``, ``mean``, ``sd``, ``se`` = sd / sqrt(n), the
    t-interval ``low`` - ``high`` (:func:`t_quantile`, n - 1 degrees of freedom), and
    ``position``: "above" or "below" when the whole interval lies on one side of the
    overall mean of all scored teachers, else "cannot tell". Sorted by mean (``rank`` 1 =
    lowest). ``level`` applies to each school; with ``adjust="bonferroni"`` each interval
    is widened to 1 - (1 - level) / m for m schools, so that the chance of calling *any*
    school different by luck alone stays at most 1 - level (``level`` column: the level
    used). Small schools get wide intervals: a league table of their means is mostly noise
    (notebook 02).
    """
    stats, overall = _school_stats(scored, scale)
    return _school_ci(stats, overall, min_respondents, level, adjust)


def similar_schools(scored: pd.DataFrame, scale: str = "school", min_respondents: int = 5, level: float = 0.95,
                    adjust: str = "none") -> pd.DataFrame:
    """Each school compared with schools serving a similar share of low-income students.

    A straight line fitted by least squares through the school means (one point per school
    with at least ``min_respondents`` scores) against ``school_low_income_pct`` gives each
    school's ``expected`` score; ``difference`` = mean - expected; ``position`` is "above"
    or "below" when the school's whole t-interval (as in :func:`school_comparison`, with
    the same ``adjust``) lies on one side of its expected score. Adds ``low_income_pct``,
    ``slope`` (points per percentage point of low-income students) and ``r_squared`` of
    the line. The line's own uncertainty is ignored, so the intervals are a little narrow.
    """
    stats, overall = _school_stats(scored, scale)
    _require(scored, ["school_low_income_pct"], "the scored survey")
    share = scored.groupby("school_id", sort=True)["school_low_income_pct"].first()
    stats["low_income_pct"] = stats["school_id"].map(share).to_numpy(dtype="float64")
    keep = stats["n"].to_numpy() >= min_respondents
    x, y = stats.loc[keep, "low_income_pct"].to_numpy(), stats.loc[keep, "mean"].to_numpy()
    if x.size < 3 or np.ptp(x) == 0:
        raise ValueError("need at least 3 schools with different low-income shares to compare similar schools")
    slope, intercept = np.polyfit(x, y, 1)
    stats["reference"] = intercept + slope * stats["low_income_pct"]
    t = _school_ci(stats, overall, min_respondents, level, adjust).rename(columns={"reference": "expected"})
    t["difference"] = t["mean"] - t["expected"]
    t["slope"] = float(slope)
    t["r_squared"] = correlation(x, y) ** 2
    return t


def nonresponse_within_schools(survey: pd.DataFrame) -> pd.DataFrame:
    """Turnover of respondents and non-respondents inside each school.

    Per school with both groups: ``invited``, ``left_responded`` and
    ``left_not_responded`` (percent who left the next year) and ``gap`` = the second minus
    the first (percentage points). Each school's gap rests on a handful of leavers, so judge
    the mean gap across schools with its interval (schools as the units, a t-interval on the
    ``gap`` column), not the count of positive gaps: when that interval lies above zero,
    non-response bias is not only a matter of which schools answered - within a school, too,
    the teachers who answered are the ones more likely to stay.
    """
    _require(survey, ["school_id", "responded", "left_next_year"], "the survey data")
    f = pd.DataFrame({"school_id": survey["school_id"].to_numpy(), "responded": _flag(survey, "responded"),
                      "left": _flag(survey, "left_next_year").astype("float64")})
    rate = 100.0 * f.groupby(["school_id", "responded"], sort=True)["left"].mean().unstack()
    rate = rate.reindex(columns=[True, False]).dropna()
    out = pd.DataFrame({"left_responded": rate[True], "left_not_responded": rate[False]})
    out.insert(0, "invited", f.groupby("school_id", sort=True).size().reindex(out.index))
    out["gap"] = out["left_not_responded"] - out["left_responded"]
    return out.reset_index()


#: Charts with one mark per school draw at most this many schools (every k-th along the
#: sorted order beyond it), so that a notebook for a large district stays small.
MAX_SCHOOLS_DRAWN = 150


def _thin(frame: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, str]:
    """Every k-th row of an already sorted frame when it has more than ``limit`` rows, and a
    note saying so (empty when nothing was left out)."""
    if len(frame) <= limit:
        return frame, ""
    step = math.ceil(len(frame) / limit)
    return frame.iloc[::step], f" (every {step}th of {len(frame)} schools drawn)"


def _school_parts(table: pd.DataFrame, scale: str, what: str = "the overall mean") -> tuple[pd.DataFrame, pd.DataFrame, str]:
    overall = float(table["overall"].iloc[0]) if len(table) else float("nan")
    counts = table["position"].value_counts()
    cols = ["school_id", "rank", "n", "mean", "low", "high", "position"]
    drawn, note = _thin(table[cols], MAX_SCHOOLS_DRAWN)
    level = float(table["level"].iloc[0]) if len(table) and "level" in table.columns else 0.95
    kind = "95% intervals" if abs(level - 0.95) < 1e-12 else f"Bonferroni-adjusted intervals ({100 * level:.2f}% each)"
    sizes = f"; respondents per school {int(table['n'].min())} to {int(table['n'].max())} (lower panel)" if len(table) else ""
    above, below, unclear = (int(counts.get(k, 0)) for k in ("above", "below", "cannot tell"))
    desc = (f"Mean {SCALE_LABELS.get(scale, scale)} score (1-4) of {len(table)} school{'' if len(table) == 1 else 's'} with {kind}, "
            f"sorted{note}{sizes}; overall mean {overall:.2f}. {above} school{' is' if above == 1 else 's are'} clearly above, "
            f"{below} clearly below, {unclear} cannot be told apart from {what}.")
    if not len(table):
        desc = (f"No school has enough respondents for a comparison of its mean {SCALE_LABELS.get(scale, scale)} score: "
                "lower the minimum number of respondents.")
    ref = pd.DataFrame({"value": [overall], "label": [f"dashed line: overall mean {overall:.2f}"]})
    return drawn, ref, desc


def _school_layers(schools: Any, ref: Any, width: int, height: int, title: str = "School means with their intervals") -> alt.VConcatChart:
    colors = alt.Scale(domain=["below", "cannot tell", "above"], range=[charts.PALETTE[5], "#999999", charts.PALETTE[0]])
    x = alt.X("rank:O", title=None, axis=alt.Axis(labels=False, ticks=False))
    base = alt.Chart(schools).encode(x=x)
    # the whole 1-4 answer scale, so that gaps between schools are not magnified; an interval
    # wider than the scale (very few respondents) is clipped at its ends
    bars = base.mark_rule(strokeWidth=2, clip=True).encode(
        y=alt.Y("low:Q", title="mean score (1 low - 4 high)", scale=alt.Scale(domain=[1, 4])), y2="high:Q",
        color=alt.Color("position:N", scale=colors, title="vs overall mean"))
    tooltip = ["school_id:N", "n:Q", alt.Tooltip("mean:Q", format=".2f"), alt.Tooltip("low:Q", format=".2f"), alt.Tooltip("high:Q", format=".2f")]
    pts = base.mark_point(filled=True, size=30).encode(y="mean:Q", color=alt.Color("position:N", scale=colors), tooltip=tooltip)
    rule = alt.Chart(ref).mark_rule(strokeDash=[6, 4], color="#444").encode(y="value:Q")
    # top left: the lowest schools are drawn there, so no interval reaches that corner
    text = alt.Chart(ref).mark_text(align="left", x=4, y=8, color="#444").encode(text="label:N")
    top = alt.layer(bars, pts, rule, text).properties(title=title, width=width, height=height)
    counts = alt.Chart(schools).mark_bar(color="#999999").encode(
        x=alt.X("rank:O", title="schools, sorted by mean", axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("n:Q", title="respondents", scale=alt.Scale(zero=True)), tooltip=tooltip,
    ).properties(width=width, height=max(40, height // 4))
    return alt.vconcat(top, counts, spacing=4)


def school_chart(table: pd.DataFrame, *, scale: str = "school", width: int = 440, height: int = 240) -> alt.VConcatChart:
    """A caterpillar plot: each school's mean with its interval, sorted, and the overall mean;
    below it, the number of respondents behind each mean."""
    schools, ref, desc = _school_parts(table, scale)
    return _school_layers(schools, ref, width, height).properties(description=desc)


def school_comparison_view(scored: pd.DataFrame, level: float = 0.95, width: int = 440, height: int = 240) -> Callable[..., dict[str, Any]]:
    """Widget callback factory of notebook 08: ``view(scale, min_respondents, adjust="none") -> spec``.

    Computes each school's n, mean and SD per scale once; each call applies the minimum
    number of respondents, the t-intervals (Bonferroni-adjusted with ``adjust="bonferroni"``)
    and the comparison with the overall mean (:func:`school_comparison`) and returns the
    spec of :func:`school_chart`.
    """
    stats = {s: _school_stats(scored, s) for s in SCALES}
    spec = _school_layers(alt.NamedData(name="schools"), alt.NamedData(name="ref"), width, height).properties(description="schools").to_dict()

    def view(scale: str = "school", min_respondents: int = 5, adjust: str = "none") -> dict[str, Any]:
        if scale not in stats:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
        st, overall = stats[scale]
        schools, ref, desc = _school_parts(_school_ci(st, overall, min_respondents, level, adjust), scale)
        return _fill(spec, desc, schools=schools, ref=ref)

    return view


def similar_schools_chart(table: pd.DataFrame, *, scale: str = "school", width: int = 420, height: int = 260) -> alt.LayerChart | alt.FacetChart:
    """Each school's mean and interval against its share of low-income students, with the
    fitted line of similar schools' expected score."""
    counts = table["position"].value_counts()
    level = float(table["level"].iloc[0])
    kind = "95% intervals" if abs(level - 0.95) < 1e-12 else f"Bonferroni-adjusted intervals ({100 * level:.2f}% each)"
    drawn, note = _thin(table.sort_values("low_income_pct", kind="stable"), MAX_SCHOOLS_DRAWN)
    desc = (f"Mean {SCALE_LABELS.get(scale, scale)} score of {len(table)} schools{note} with {kind}, against the share of low-income "
            f"students; the line is the score expected from that share (slope {table['slope'].iloc[0]:.3f} per percentage point). "
            f"Compared with similar schools, {int(counts.get('above', 0))} are clearly above, {int(counts.get('below', 0))} clearly "
            f"below and {int(counts.get('cannot tell', 0))} cannot be told apart.")
    colors = alt.Scale(domain=["below", "cannot tell", "above"], range=[charts.PALETTE[5], "#999999", charts.PALETTE[0]])
    base = alt.Chart(drawn).encode(x=alt.X("low_income_pct:Q", title="low-income students (%)", scale=alt.Scale(zero=False)))
    rules = base.mark_rule(strokeWidth=2, opacity=0.7, clip=True).encode(
        y=alt.Y("low:Q", title="mean score (1 low - 4 high)", scale=alt.Scale(domain=[1, 4])), y2="high:Q",
        color=alt.Color("position:N", scale=colors, title="vs similar schools"))
    pts = base.mark_point(filled=True, size=30).encode(
        y="mean:Q", color=alt.Color("position:N", scale=colors),
        tooltip=["school_id:N", "n:Q", alt.Tooltip("low_income_pct:Q", format=".1f"), alt.Tooltip("mean:Q", format=".2f"),
                 alt.Tooltip("expected:Q", format=".2f"), alt.Tooltip("low:Q", format=".2f"), alt.Tooltip("high:Q", format=".2f")])
    line = alt.Chart(drawn).mark_line(color="#444", strokeDash=[6, 4]).encode(x="low_income_pct:Q", y="expected:Q")
    return alt.layer(rules, pts, line).properties(title="Compared with schools of similar poverty", description=desc, width=width, height=height)


# ======================================================================================
# 08 Linking educator support to outcomes: the ecological fallacy
# ======================================================================================


def school_level_frame(scored: pd.DataFrame, scale: str = "school", survey: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per school: ``satisfaction`` (mean ``scale`` score of the respondents),
    ``respondents``, ``class_mean_score`` and ``low_income_pct``, and ``response_rate``.

    ``scored`` comes from :func:`scale_scores`. With ``survey`` (every invited teacher) the
    class score is averaged over all invited teachers and the response rate is added;
    without it, over the respondents only.
    """
    _require(scored, ["school_id", scale, "class_mean_score", "school_low_income_pct"], "the scored survey")
    base = scored if survey is None else survey
    sat = scored.dropna(subset=[scale]).groupby("school_id", sort=True)[scale].agg(["mean", "size"])
    sat = sat.rename(columns={"mean": "satisfaction", "size": "respondents"})
    adm = base.groupby("school_id", sort=True).agg(class_mean_score=("class_mean_score", "mean"),
                                                   low_income_pct=("school_low_income_pct", "first"))
    if survey is not None:
        adm = adm.join(response_rates(survey).set_index("school_id")["response_rate"])
    return adm.join(sat, how="inner").reset_index()


def ecological_comparison(scored: pd.DataFrame, scale: str = "school", survey: pd.DataFrame | None = None) -> dict[str, float]:
    """Satisfaction and class scores, measured between schools and within schools.

    * ``between_r`` - correlation of school mean satisfaction with school mean class score,
      one point per school (:func:`school_level_frame`, with ``survey`` the class score of
      every invited teacher): what a school-level chart shows;
    * ``teacher_r`` - correlation over all scored teachers of the district, one point per
      teacher, without regard to school: it mixes the between-school and the within-school
      pattern, so it usually lies between the two;
    * ``within_r`` - correlation of respondents' deviations from their school's mean
      satisfaction with their class score's deviation from the school's mean: whether,
      *inside* a school, more satisfied teachers have higher-scoring classes;
    * ``r_low_income_satisfaction`` / ``r_low_income_outcome`` - school level, with the
      share of low-income students, the common-cause candidate.

    Reading a between-school correlation as a fact about individual teachers is the
    ecological fallacy (Robinson 1950).
    """
    lvl = school_level_frame(scored, scale, survey)
    s = scored[["school_id", scale, "class_mean_score"]].dropna()
    means = s.groupby("school_id")[[scale, "class_mean_score"]].transform("mean")
    return {"schools": len(lvl), "teachers": len(s),
            "between_r": correlation(lvl["satisfaction"], lvl["class_mean_score"]),
            "teacher_r": correlation(s[scale], s["class_mean_score"]),
            "within_r": correlation(s[scale] - means[scale], s["class_mean_score"] - means["class_mean_score"]),
            "r_low_income_satisfaction": correlation(lvl["low_income_pct"], lvl["satisfaction"]),
            "r_low_income_outcome": correlation(lvl["low_income_pct"], lvl["class_mean_score"])}


def ecological_chart(schools: pd.DataFrame, *, scale_label: str = "mean satisfaction with the work environment (1-4)",
                     width: int = 380, height: int = 260) -> alt.Chart:
    """One point per school: satisfaction against the mean class score, coloured by low-income share."""
    r = correlation(schools["satisfaction"], schools["class_mean_score"])
    r_sat = correlation(schools["low_income_pct"], schools["satisfaction"])
    r_out = correlation(schools["low_income_pct"], schools["class_mean_score"])
    drawn, note = _thin(schools.sort_values("satisfaction", kind="stable"), 2 * MAX_SCHOOLS_DRAWN)
    desc = (f"Scatter of {len(schools)} schools{note}: mean teacher satisfaction (x) against mean class score (y), coloured by the "
            f"share of low-income students; school-level correlation {r:.2f}. The low-income share correlates {r_sat:.2f} with "
            f"satisfaction and {r_out:.2f} with the class score.")
    title = ("Schools: satisfaction and scores move together" if r >= 0.3 else
             "Schools: satisfaction and scores move in opposite directions" if r <= -0.3 else
             "Schools: satisfaction and scores barely move together")
    return (
        alt.Chart(drawn)
        .mark_circle(size=60, opacity=0.85)
        .encode(
            x=alt.X("satisfaction:Q", title=scale_label, scale=alt.Scale(zero=False)),
            y=alt.Y("class_mean_score:Q", title="mean class score", scale=alt.Scale(zero=False)),
            color=alt.Color("low_income_pct:Q", title="low-income %", scale=alt.Scale(scheme=charts.SEQUENTIAL)),  # type: ignore[arg-type]
            tooltip=["school_id", alt.Tooltip("satisfaction:Q", format=".2f"), alt.Tooltip("class_mean_score:Q", format=".1f"), "low_income_pct"],
        )
        .properties(title=title, description=desc, width=width, height=height)
    )
