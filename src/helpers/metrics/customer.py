"""Customer metrics: NPS, CSAT, CES, top-box shares, retention, churn, customer lifetime value and
profit concentration.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import pandas as pd

from helpers.metrics.rates import (
    Result,
    Values,
    _elementwise_inputs,
    _fail_if,
    _fail_pair,
    _fmt,
    _nonempty,
    _pct,
    _rating_scores,
    _to_1d,
    _wrap,
)


# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

#: Lowest score (0-10 scale) that counts as a promoter (Reichheld 2003).
NPS_PROMOTER_MIN: int = 9
#: Highest score (0-10 scale) that counts as a detractor (Reichheld 2003).
NPS_DETRACTOR_MAX: int = 6


# --------------------------------------------------------------------------------------
# Net Promoter Score
# --------------------------------------------------------------------------------------


def _nps_counts(scores: Values) -> tuple[int, int, int, int]:
    """Validated (n, promoters, passives, detractors) counts for 0-10 scores."""
    v = _rating_scores(scores, 0, 10, "(NPS 0-10 scale)")
    n = int(v.size)
    promoters = int(np.count_nonzero(v >= NPS_PROMOTER_MIN))
    detractors = int(np.count_nonzero(v <= NPS_DETRACTOR_MAX))
    return n, promoters, n - promoters - detractors, detractors


def nps(scores: Values) -> float:
    """Net Promoter Score of 0-10 "how likely are you to recommend" responses.

    NPS = %promoters (9-10) - %detractors (0-6); passives (7-8) count only in the
    denominator. Range -100 to +100. Source: Reichheld, "The One Number You Need to Grow",
    Harvard Business Review, December 2003.

    Missing responses (None/NaN/pd.NA) are ignored. Raises ValueError for a score outside
    0-10, a non-integer score (e.g. 7.5) or when no valid response is left.
    """
    n, promoters, _, detractors = _nps_counts(scores)
    return 100.0 * (promoters - detractors) / n


def nps_breakdown(scores: Values) -> dict[str, float]:
    """Number of valid responses, the three group shares (in %) and the NPS.

    Returns ``{"n", "promoters", "passives", "detractors", "nps"}``; the shares add up to 100
    and ``nps == promoters - detractors``. Groups as in Reichheld (HBR 2003): promoters 9-10,
    passives 7-8, detractors 0-6. Missing responses are ignored; validation as in :func:`nps`.
    """
    n, promoters, passives, detractors = _nps_counts(scores)
    return {
        "n": n,
        "promoters": 100.0 * promoters / n,
        "passives": 100.0 * passives / n,
        "detractors": 100.0 * detractors / n,
        "nps": 100.0 * (promoters - detractors) / n,
    }


def nps_from_counts(promoters: Values, passives: Values, detractors: Values) -> Result:
    """NPS from group counts: 100 * (P - D) / (P + passives + D).

    Use it to pool segments correctly: add the counts first, then compute one NPS (the
    average of segment NPS values is not the NPS of the whole). Reichheld (HBR 2003).
    Element-wise over arrays. Raises ValueError for negative counts or a zero total.
    """
    (p, pa, d), all_scalar, index = _elementwise_inputs(
        {"promoters": promoters, "passives": passives, "detractors": detractors}
    )
    for arr, name in ((p, "promoters"), (pa, "passives"), (d, "detractors")):
        _fail_if(arr < 0, arr, name, "must be a non-negative count")
    total = p + pa + d
    _fail_if(total == 0, total, "promoters + passives + detractors", "must be > 0 (no responses)")
    return _wrap(100.0 * (p - d) / total, all_scalar, index)


def nps_standard_error(scores: Values) -> float:
    """Standard error of the NPS, in NPS points.

    Each response is scored +1 (promoter), 0 (passive) or -1 (detractor); the NPS (as a
    fraction) is the mean of those scores and its variance is pP + pD - NPS^2, so
    SE = sqrt((pP + pD - NPS^2) / n) * 100. This is the formula in the domain brief (the
    population variance over n; the usual large-sample approximation). Missing responses are
    ignored; validation as in :func:`nps`.
    """
    n, promoters, _, detractors = _nps_counts(scores)
    p_p, p_d = promoters / n, detractors / n
    variance = max(p_p + p_d - (p_p - p_d) ** 2, 0.0)
    return 100.0 * math.sqrt(variance / n)


def nps_confidence_interval(scores: Values, level: float = 0.95) -> tuple[float, float]:
    """Normal-approximation confidence interval for the NPS, clipped to [-100, 100].

    NPS +/- z * SE with z the two-sided standard-normal quantile for ``level`` (1.96 for
    0.95) and SE from :func:`nps_standard_error`. Worked case from the brief: n = 100, 40 %
    promoters, 20 % detractors -> NPS 20 +/- about 15 points. The approximation is poor for
    small n or an NPS near +/-100; treat such intervals as rough.
    """
    if isinstance(level, bool) or not isinstance(level, (int, float, np.number)) or not 0 < level < 1:
        raise ValueError(f"level must be a number strictly between 0 and 1; got {level!r}")
    z = NormalDist().inv_cdf(0.5 + float(level) / 2)
    centre = nps(scores)
    half = z * nps_standard_error(scores)
    return max(-100.0, centre - half), min(100.0, centre + half)


# --------------------------------------------------------------------------------------
# CSAT, CES, top-box shares
# --------------------------------------------------------------------------------------


def csat(scores: Values, scale: int = 5) -> float:
    """Customer satisfaction: percent of valid responses in the top two boxes.

    CSAT = 100 * #(score >= scale - 1) / #valid, i.e. 4 or 5 on the usual 1-5 scale
    ("top-2-box"); it is a share, not a mean (domain brief, section 4). Missing responses are
    ignored. Raises ValueError for a score outside 1..scale or no valid response.

    Stricter than the brief in two places: non-integer scores (4.5) are rejected, since a
    rating scale has no half points, and ``scale`` must be an integer >= 3 (with 2 points
    the "top two" would be every answer).
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 3:
        raise ValueError(f"scale must be an integer >= 3 (number of points on the scale); got {scale!r}")
    v = _rating_scores(scores, 1, scale, f"(scale={scale})")
    return _pct(np.count_nonzero(v >= scale - 1), v.size)


_CES_VARIANTS = {
    # variant: (low, high, {summary: (low_cut, high_cut) of the share counted}) ; mean is separate
    "effort5": (1, 5, {"low_effort_share": (1, 2)}),
    "ease7": (1, 7, {"top3": (5, 7)}),
}


def ces(
    scores: Values,
    variant: Literal["ease7", "effort5"] = "ease7",
    summary: Literal["mean", "top3", "low_effort_share"] = "mean",
) -> float:
    """Customer Effort Score, in one of its two published versions.

    * ``variant="effort5"`` - CES 1.0 (Dixon, Freeman & Toman, "Stop Trying to Delight Your
      Customers", HBR 2010): "How much effort did you personally have to put forth to handle
      your request?", 1 = very low effort ... 5 = very high effort. **Lower is better.**
      ``summary="mean"`` gives the mean score (lower is better);
      ``summary="low_effort_share"`` gives the percent of answers 1-2 (higher is better).
    * ``variant="ease7"`` - CES 2.0 (CEB 2013; Dixon, Toman & DeLisi, The Effortless
      Experience, 2013): "The company made it easy for me to handle
      my issue", 1 = strongly disagree ... 7 = strongly agree. **Higher is better.**
      ``summary="mean"`` gives the mean (higher is better); ``summary="top3"`` gives the
      percent of answers 5-7 (higher is better).

    Always state which variant is reported: the two scales run in opposite directions.
    Missing responses are ignored. Raises ValueError for an unknown variant or summary, a
    summary that does not belong to the variant, a score outside the variant's range, a
    non-integer score, or no valid response.
    """
    if variant not in _CES_VARIANTS:
        raise ValueError(f"variant must be 'ease7' (CES 2.0) or 'effort5' (CES 1.0); got {variant!r}")
    low, high, shares = _CES_VARIANTS[variant]
    if summary != "mean" and summary not in shares:
        allowed = ", ".join(repr(s) for s in ["mean", *shares])
        raise ValueError(f"summary for variant {variant!r} must be one of {allowed}; got {summary!r}")
    v = _rating_scores(scores, low, high, f"(variant {variant!r})")
    if summary == "mean":
        return float(v.mean())
    lo, hi = shares[summary]
    return _pct(np.count_nonzero((v >= lo) & (v <= hi)), v.size)


def top_box_share(values: Values, threshold: float) -> float:
    """Percent of valid values at or above ``threshold`` (a generic "top-box" share).

    100 * #(value >= threshold) / #valid. Missing values are ignored; no range is checked
    (use :func:`csat` or :func:`ces` for validated survey scales). Raises ValueError when no
    valid value is left or the threshold is not a finite number.
    """
    t = _to_1d(threshold, "threshold", missing="raise")
    if t.size != 1:
        raise ValueError(f"threshold must be a single number; got {t.size} values")
    v = _to_1d(values, "values", missing="drop")
    _nonempty(v, "values")
    return _pct(np.count_nonzero(v >= t[0]), v.size)


# --------------------------------------------------------------------------------------
# Retention, churn, lifetime value
# --------------------------------------------------------------------------------------


def retention_rate(start: Values, end: Values, new: Values) -> Result:
    """Customer retention rate, CRR = (E - N) / S * 100, in percent.

    E = customers at the end of the period, N = new customers gained during the period,
    S = customers at the start (domain brief, section 4). Element-wise over equal-length
    arrays (scalars broadcast).

    Raises ValueError if ``start <= 0``, a count is negative or missing, or ``new > end``.
    One check beyond the brief: ``end - new`` (customers kept) may not exceed ``start``, as
    a period cannot keep more customers than it started with; so the result is <= 100.
    """
    (s, e, n), all_scalar, index = _elementwise_inputs({"start": start, "end": end, "new": new})
    _fail_if(s <= 0, s, "start", "must be > 0 (customers at the start of the period)")
    _fail_if(e < 0, e, "end", "must be a non-negative count")
    _fail_if(n < 0, n, "new", "must be a non-negative count")
    _fail_pair(n > e, n, "new", e, "end", "new must not exceed end (new customers are part of the end count)")
    _fail_pair(
        e - n > s, e - n, "end - new", s, "start",
        "end - new (customers kept) must not exceed start",
    )
    return _wrap((e - n) / s * 100.0, all_scalar, index)


def churn_rate(lost: Values, start: Values) -> Result:
    """Churn rate = customers lost / customers at the start * 100, in percent.

    Customers gained during the period are excluded from both counts (domain brief,
    section 4). Element-wise over equal-length arrays. Raises ValueError if ``start <= 0``,
    ``lost`` is negative, or ``lost > start``. Note the unit: pass ``churn_rate(...) / 100``
    to :func:`annual_retention`, which expects a fraction.
    """
    (lo, s), all_scalar, index = _elementwise_inputs({"lost": lost, "start": start})
    _fail_if(s <= 0, s, "start", "must be > 0 (customers at the start of the period)")
    _fail_if(lo < 0, lo, "lost", "must be a non-negative count")
    _fail_pair(lo > s, lo, "lost", s, "start", "lost must not exceed start (only existing customers can be lost)")
    return _wrap(lo / s * 100.0, all_scalar, index)


def _churn_fraction(churn: Values, name: str, allow_zero: bool = True) -> tuple[np.ndarray, bool, pd.Index | None]:
    (c,), all_scalar, index = _elementwise_inputs({name: churn})
    hint = "must be a fraction in [0, 1] (write 2% as 0.02)"
    _fail_if((c < 0) | (c > 1), c, name, hint)
    if not allow_zero:
        _fail_if(c == 0, c, name, "must be > 0 (with zero churn the expected lifetime is infinite)")
    return c, all_scalar, index


def annual_retention(monthly_churn: Values, periods: int = 12) -> Result:
    """Share of customers still there after a year at a constant monthly churn: (1 - c)^12.

    ``monthly_churn`` is a **fraction** in [0, 1] (2 % -> 0.02) and so is the result
    (0.98^12 = 0.7847). Compounding, not 1 - 12c: each month's churn applies only to those
    still left (domain brief, section 4). ``periods`` generalises the 12 months.
    Element-wise over arrays. Raises ValueError for churn outside [0, 1] or periods < 1.
    """
    _check_periods(periods)
    c, all_scalar, index = _churn_fraction(monthly_churn, "monthly_churn")
    return _wrap((1.0 - c) ** periods, all_scalar, index)


def naive_annual_retention(monthly_churn: Values, periods: int = 12) -> Result:
    """The *wrong* annualisation 1 - 12c, kept only to show the mistake.

    Subtracting twelve monthly churns counts customers who already left again; the result
    understates retention (0.76 instead of 0.7847 at 2 % monthly churn) and turns negative
    for c > 1/12. ``monthly_churn`` is a fraction in [0, 1]; the result is a fraction that
    may be negative. Use :func:`annual_retention` for the real value.
    """
    _check_periods(periods)
    c, all_scalar, index = _churn_fraction(monthly_churn, "monthly_churn")
    return _wrap(1.0 - periods * c, all_scalar, index)


def _check_periods(periods: int) -> None:
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 1:
        raise ValueError(f"periods must be a positive integer; got {periods!r}")


def expected_lifetime(churn: Values) -> Result:
    """Expected customer lifetime, in periods, at a constant churn rate: 1 / churn.

    With a constant per-period churn c (a **fraction** in (0, 1]) the lifetime is geometric
    with mean 1/c: 2 % monthly churn -> 50 months (domain brief, section 4). Element-wise.
    Raises ValueError for churn outside (0, 1].
    """
    c, all_scalar, index = _churn_fraction(churn, "churn", allow_zero=False)
    return _wrap(1.0 / c, all_scalar, index)


def clv(
    margin: Values,
    retention: Values,
    discount_rate: Values,
    acquisition_cost: Values = 0.0,
) -> Result:
    """Customer lifetime value, Gupta & Lehmann: CLV = m * r / (1 + i - r) - AC.

    m = margin per customer per period, r = retention rate per period (fraction),
    i = discount rate per period (fraction), AC = acquisition cost. The formula assumes an
    infinite horizon, constant margin and retention, and margins received at the end of
    each period (Gupta & Lehmann, "Customers as Assets", J. Interactive Marketing 2003;
    "Managing Customers as Investments", 2005). Element-wise over arrays.

    Raises ValueError unless 0 <= r <= 1, i >= 0, r < 1 + i and AC >= 0. The brief asks
    for 0 <= r < 1 + i; r > 1 is refused too, since a retention rate is a probability.
    """
    (m, r, i, ac), all_scalar, index = _elementwise_inputs(
        {"margin": margin, "retention": retention, "discount_rate": discount_rate, "acquisition_cost": acquisition_cost}
    )
    _fail_if((r < 0) | (r > 1), r, "retention", "must be a fraction in [0, 1] (write 80% as 0.8)")
    _fail_if(i < 0, i, "discount_rate", "must be >= 0 (a fraction: 10% -> 0.1)")
    _fail_pair(
        r >= 1 + i, r, "retention", i, "discount_rate",
        "retention must be < 1 + discount_rate (otherwise the lifetime value is infinite)",
    )
    _fail_if(ac < 0, ac, "acquisition_cost", "must be >= 0")
    return _wrap(m * r / (1.0 + i - r) - ac, all_scalar, index)


def top_decile_share(profit: Values, fraction: float = 0.1) -> float:
    """Percent of total profit earned by the most profitable ``fraction`` of customers.

    share = 100 * sum(top k profits) / sum(all profits), k = ceil(fraction * n) (at least
    one customer). With unprofitable customers the share can exceed 100 %: the best decile
    earns more than the whole, and the rest destroy part of it (domain brief, section 4:
    customer profit is skewed). Missing values are ignored. Raises ValueError when total
    profit is <= 0 (the share is undefined) or fraction is not in (0, 1].
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.number)) or not 0 < fraction <= 1:
        raise ValueError(f"fraction must be a number in (0, 1]; got {fraction!r}")
    v = _to_1d(profit, "profit", missing="drop")
    _nonempty(v, "profit")
    total = float(v.sum())
    if total <= 0:
        raise ValueError(f"total profit must be > 0 for a share of it to be defined; got total={_fmt(total)}")
    k = max(1, math.ceil(fraction * v.size - 1e-9))
    top = np.partition(v, v.size - k)[v.size - k:]
    return 100.0 * float(top.sum()) / total


def customer_profit_summary(profit: Values) -> dict[str, Any]:
    """Summary of a per-customer profit distribution: why the average alone misleads.

    Returns a dict with ``n``, ``total``, ``mean`` (= total / customers, the "average
    customer profit" of the domain brief), ``median``, ``share_unprofitable`` (percent of
    customers with profit < 0; zero profit is not counted), ``deciles`` (a pandas Series
    indexed 0.1, 0.2, ..., 0.9, linear interpolation as in ``numpy.quantile``) and
    ``top_decile_share`` (percent of total profit from the top 10 % of customers, see
    :func:`top_decile_share`; NaN when total profit is <= 0). Missing values are ignored.
    Raises ValueError when no valid value is given.
    """
    v = _to_1d(profit, "profit", missing="drop")
    _nonempty(v, "profit")
    probs = np.arange(1, 10) / 10
    total = float(v.sum())
    return {
        "n": int(v.size),
        "total": total,
        "mean": float(v.mean()),
        "median": float(np.median(v)),
        "share_unprofitable": _pct(np.count_nonzero(v < 0), v.size),
        "deciles": pd.Series(np.quantile(v, probs), index=pd.Index(probs, name="quantile"), name="profit"),
        "top_decile_share": top_decile_share(v) if total > 0 else float("nan"),
    }
