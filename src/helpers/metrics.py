"""Metric formulas used by the workbook, each with its definition and source.

Conventions used throughout this module
---------------------------------------
* **Inputs** may be a scalar, a list, a NumPy array or a pandas Series (or Index).
  Arrays are compared *by position*, never aligned by pandas index.
* **Missing values** (``None``, ``NaN``, ``pd.NA``) are dropped only where a function's
  docstring says so (survey scores, effect-size groups, profit lists, Cronbach's alpha,
  top-box shares). Everywhere else - counts, cohort flags, paired pre/post scores - a missing
  value raises ``ValueError``: silently dropping a student or a customer there changes the
  metric (see the survivorship warning in :func:`hake_gain`).
* **Percent or fraction.** Rates that a dashboard would show (NPS, CSAT, CES shares, churn,
  retention, graduation, yield, ...) are returned in **percent** (0-100). Quantities that
  enter further formulas are **fractions**: ``annual_retention`` / ``naive_annual_retention``
  / ``expected_lifetime`` take churn as a fraction (2 % -> ``0.02``), ``clv`` takes the
  retention and discount rates as fractions, ``funnel_limits`` works with proportions
  (``p0 = 0.8``), and learning gains are fractions (0.48, not 48).
* **Return types.** Summary metrics return a Python ``float``. Element-wise metrics
  (``retention_rate``, ``churn_rate``, ``annual_retention``, ``clv``, ``yield_rate``, ...)
  return a ``float`` when every argument is a scalar, a pandas Series (index of the first
  Series argument) when an argument is a Series, and a NumPy array otherwise.
* **Invalid input** raises ``ValueError`` whose message names the argument, the rule it
  broke, the first offending value and its position.

Everything is vectorized with NumPy; no function loops over rows in Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any, Literal, TypeAlias, overload

import numpy as np
import pandas as pd

__all__ = [
    # constants
    "NPS_PROMOTER_MIN",
    "NPS_DETRACTOR_MAX",
    "IPEDS_ALLOWED_EXCLUSIONS",
    "HAKE_LOW_MAX",
    "HAKE_HIGH_MIN",
    # customer metrics
    "nps",
    "nps_breakdown",
    "nps_from_counts",
    "nps_standard_error",
    "nps_confidence_interval",
    "csat",
    "ces",
    "top_box_share",
    "retention_rate",
    "churn_rate",
    "annual_retention",
    "naive_annual_retention",
    "expected_lifetime",
    "clv",
    "customer_profit_summary",
    "top_decile_share",
    "relative_lift",
    # rates and comparisons
    "pooled_rate",
    "mean_of_rates",
    "funnel_limits",
    "outside_funnel",
    # education metrics
    "ipeds_retention",
    "persistence_rate",
    "graduation_rate_150",
    "participation_rate",
    "yield_rate",
    "admit_rate",
    "summer_melt_rate",
    "hake_gain",
    "mean_individual_gain",
    "hake_category",
    "cohens_d",
    "hedges_correction",
    "hedges_g",
    "effect_size_label",
    "cronbach_alpha",
    "reverse_code",
]

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

#: Lowest score (0-10 scale) that counts as a promoter (Reichheld 2003).
NPS_PROMOTER_MIN: int = 9
#: Highest score (0-10 scale) that counts as a detractor (Reichheld 2003).
NPS_DETRACTOR_MAX: int = 6

#: Exclusions IPEDS allows to be removed from a first-time cohort before retention and
#: graduation rates are computed (NCES/IPEDS): death, permanent disability, service in the
#: armed forces, service with a foreign aid service of the federal government, official
#: church mission. Transfers-out are *not* an allowed exclusion.
IPEDS_ALLOWED_EXCLUSIONS: frozenset[str] = frozenset(
    {"death", "permanent_disability", "military", "foreign_aid", "church_mission"}
)
_NO_EXCLUSION_LABELS: frozenset[str] = frozenset({"", "none"})

#: Hake (1998): a class gain below this is "low".
HAKE_LOW_MAX: float = 0.3
#: Hake (1998): a class gain above this is "high".
HAKE_HIGH_MIN: float = 0.7

# --------------------------------------------------------------------------------------
# Input handling (private)
# --------------------------------------------------------------------------------------

#: What the public functions accept for a one-dimensional argument.
Values: TypeAlias = float | int | Sequence[Any] | np.ndarray | pd.Series | pd.Index
#: What the element-wise functions return.
Result: TypeAlias = float | np.ndarray | pd.Series

_MissingPolicy = Literal["raise", "drop", "keep"]


def _fmt(value: float) -> str:
    """Format a number for an error message (``11``, ``7.5``, ``0.02``)."""
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return "NaN"
    if isinstance(value, (float, np.floating, int, np.integer)):
        return np.format_float_positional(float(value), trim="-")
    return repr(value)


def _is_scalar(x: Any) -> bool:
    return not isinstance(x, (pd.Series, pd.Index, pd.DataFrame)) and np.ndim(x) == 0


def _to_1d(values: Any, name: str, missing: _MissingPolicy = "raise") -> np.ndarray:
    """Convert ``values`` to a 1-D float64 array; check finiteness and missing values.

    missing="raise": any missing value is an error; "drop": missing values are removed;
    "keep": missing values stay as NaN.
    """
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"{name} must be one-dimensional; got a DataFrame with shape {values.shape}")
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        try:
            arr = np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric; could not convert it to numbers ({exc})") from None
    elif values is None or values is pd.NA:
        arr = np.array([np.nan])
    else:
        raw = np.asarray(values)
        if raw.dtype.kind in "biuf":
            arr = raw.astype(np.float64, copy=False)
        elif raw.dtype.kind == "O":
            try:
                flat = pd.Series(raw.ravel(), dtype=object).to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name} must be numeric; could not convert it to numbers ({exc})") from None
            arr = flat.reshape(raw.shape)
        else:
            raise ValueError(f"{name} must be numeric; got an array of dtype {raw.dtype}")
    if arr.ndim == 0:
        arr = arr.reshape(1)
    elif arr.ndim > 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
    if np.isinf(arr).any():
        _fail_if(np.isinf(arr), arr, name, "must be finite")
    if missing != "keep":
        nan = np.isnan(arr)
        if nan.any():
            if missing == "raise":
                raise ValueError(
                    f"{name} contains {int(nan.sum())} missing value(s) (first at position "
                    f"{int(np.flatnonzero(nan)[0])}); this metric does not ignore missing "
                    f"values - drop or fill them explicitly first"
                )
            arr = arr[~nan]
    return arr


def _fail_if(bad: np.ndarray, arr: np.ndarray, name: str, rule: str) -> None:
    """Raise ValueError naming ``name``, ``rule`` and the first value where ``bad`` holds."""
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        count = int(np.count_nonzero(bad))
        where = f" at position {i}" if arr.size > 1 else ""
        more = f" ({count} offending values)" if count > 1 else ""
        raise ValueError(f"{name} {rule}; got {_fmt(arr[i])}{where}{more}")


def _fail_pair(
    bad: np.ndarray, a: np.ndarray, a_name: str, b: np.ndarray, b_name: str, rule: str
) -> None:
    """Like :func:`_fail_if` for a rule linking two arguments."""
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        count = int(np.count_nonzero(bad))
        where = f" at position {i}" if bad.size > 1 else ""
        more = f" ({count} offending values)" if count > 1 else ""
        raise ValueError(
            f"{rule}; got {a_name}={_fmt(a[i])} and {b_name}={_fmt(b[i])}{where}{more}"
        )


def _pct(count: int | np.integer, total: int | np.integer) -> float:
    """100 * count / total as a Python float."""
    return 100.0 * int(count) / int(total)


def _nonempty(arr: np.ndarray, name: str, what: str = "valid (non-missing) value") -> None:
    if arr.size == 0:
        raise ValueError(f"{name} has no {what}")


def _rating_scores(scores: Any, low: int, high: int, scale_desc: str) -> np.ndarray:
    """Validate whole-number ratings in [low, high]; return them with missing values dropped.

    Checks run before missing values are dropped, so an error reports the position in the
    caller's data.
    """
    v = _to_1d(scores, "scores", missing="keep")
    present = ~np.isnan(v)
    _fail_if((v < low) | (v > high), v, "scores", f"must be between {low} and {high} {scale_desc}")
    _fail_if(present & (v != np.floor(v)), v, "scores", f"must be whole numbers {low}, {low + 1}, ..., {high} {scale_desc}")
    v = v[present]
    _nonempty(v, "scores", "valid (non-missing) response")
    return v


def _broadcast(arrays: list[np.ndarray], names: list[str]) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        lengths = ", ".join(f"{n}={a.size}" for n, a in zip(names, arrays))
        raise ValueError(f"{' and '.join(names)} must have equal lengths (or be scalars); got {lengths}") from None


def _elementwise_inputs(args: dict[str, Any]) -> tuple[list[np.ndarray], bool, pd.Index | None]:
    """Convert element-wise arguments: arrays, all-scalar flag, index of the first Series."""
    names = list(args)
    arrays = [_to_1d(args[n], n, missing="raise") for n in names]
    all_scalar = all(_is_scalar(args[n]) for n in names)
    index = next((v.index for v in args.values() if isinstance(v, pd.Series)), None)
    return _broadcast(arrays, names), all_scalar, index


def _wrap(result: np.ndarray, all_scalar: bool, index: pd.Index | None) -> Result:
    if all_scalar:
        return float(result[0])
    if index is not None and len(index) == result.size:
        return pd.Series(result, index=index)
    return result


def _flags(values: Any, name: str) -> np.ndarray:
    """Validate a 1-D array of yes/no flags (bool or 0/1) and return it as bool."""
    arr = _to_1d(values, name, missing="raise")
    _fail_if((arr != 0) & (arr != 1), arr, name, "must contain only booleans or 0/1 flags")
    return arr.astype(bool)


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


def relative_lift(rate_fail: Values, rate_pass: Values) -> Result:
    """Relative lift = rate_fail / rate_pass.

    How many times more likely the outcome (e.g. churn) is for customers who had a failed
    "moment of truth" than for those whose moment went well (Seybold's moments of truth,
    domain brief section 3); 2.0 means twice as likely. Both rates in the same unit
    (percent or fraction). Element-wise. Raises ValueError for negative rates or
    ``rate_pass == 0``.
    """
    (f, p), all_scalar, index = _elementwise_inputs({"rate_fail": rate_fail, "rate_pass": rate_pass})
    _fail_if(f < 0, f, "rate_fail", "must be >= 0")
    _fail_if(p <= 0, p, "rate_pass", "must be > 0 (the lift divides by it)")
    return _wrap(f / p, all_scalar, index)


# --------------------------------------------------------------------------------------
# Pooling and funnel plots
# --------------------------------------------------------------------------------------


def _num_den(numerators: Values, denominators: Values) -> tuple[np.ndarray, np.ndarray]:
    num = _to_1d(numerators, "numerators", missing="raise")
    den = _to_1d(denominators, "denominators", missing="raise")
    if num.size != den.size:
        raise ValueError(
            f"numerators and denominators must have equal lengths; got {num.size} and {den.size}"
        )
    _nonempty(num, "numerators", "group")
    _fail_if(num < 0, num, "numerators", "must be >= 0")
    _fail_if(den <= 0, den, "denominators", "must be > 0")
    return num, den


def pooled_rate(numerators: Values, denominators: Values) -> float:
    """Pooled rate over groups, in percent: 100 * sum(numerators) / sum(denominators).

    This is the rate of the whole population - each group weighted by its size. It is *not*
    :func:`mean_of_rates` (domain brief, section 4: averaging ratios; Simpson's paradox,
    Bickel, Hammel & O'Connell 1975). It always lies between the smallest and largest group
    rate. Raises ValueError for unequal lengths, no groups, negative numerators or
    non-positive denominators.
    """
    num, den = _num_den(numerators, denominators)
    return 100.0 * float(num.sum()) / float(den.sum())


def mean_of_rates(numerators: Values, denominators: Values) -> float:
    """Unweighted mean of the group rates, in percent: 100 * mean(numerators / denominators).

    Gives a group of 5 the same weight as a group of 5,000, so it differs from
    :func:`pooled_rate` whenever group sizes and rates differ - shown as the trap of
    averaging ratios. Validation as in :func:`pooled_rate`.
    """
    num, den = _num_den(numerators, denominators)
    return 100.0 * float(np.mean(num / den))


FunnelMethod = Literal["exact", "normal"]


def _tail(z: Any) -> float:
    """One-sided tail probability beyond a standard-normal z (z = 1.96 -> 0.025)."""
    zz = _to_1d(z, "z", missing="raise")
    if zz.size != 1:
        raise ValueError(f"z must be a single number; got {zz.size} values")
    _fail_if(zz <= 0, zz, "z", "must be > 0")
    return 1.0 - NormalDist().cdf(float(zz[0]))


def _check_p0(p0: Any) -> float:
    p = _to_1d(p0, "p0", missing="raise")
    if p.size != 1:
        raise ValueError(f"p0 must be a single proportion; got {p.size} values")
    _fail_if((p < 0) | (p > 1), p, "p0", "must be a proportion in [0, 1] (write 80% as 0.8)")
    return float(p[0])


def _whole_n(n: Any) -> np.ndarray:
    nn = _to_1d(n, "n", missing="raise")
    _fail_if(nn <= 0, nn, "n", "must be > 0 (sample size)")
    _fail_if(nn != np.round(nn), nn, "n", "must be a whole number for exact binomial limits (method='normal' takes any n)")
    return nn.astype(np.int64)


def _binom_cdf(n: int, p: float) -> np.ndarray:
    """P(Y <= k) for k = 0..n, Y ~ Binomial(n, p), from log-factorials (no SciPy)."""
    k = np.arange(n + 1)
    if p <= 0.0:
        return np.ones(n + 1)
    if p >= 1.0:
        return (k == n).astype(float)
    logfact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    logpmf = logfact[n] - logfact[k] - logfact[n - k] + k * math.log(p) + (n - k) * math.log1p(-p)
    return np.minimum(np.cumsum(np.exp(logpmf)), 1.0)


def _exact_lower(p: float, n: int, tail: float) -> float:
    """Spiegelhalter's (2005, appendix) interpolated lower limit, as a proportion.

    r = the smallest count with P(Y <= r) >= tail; alpha = (P(Y <= r) - tail) /
    P(Y = r); limit = (r - alpha) / n. A count y lies below it exactly when
    P(Y <= y) < tail.
    """
    cdf = _binom_cdf(n, p)
    r = int(np.searchsorted(cdf, tail, side="left"))
    r = min(r, n)
    below = cdf[r - 1] if r > 0 else 0.0
    alpha = (cdf[r] - tail) / (cdf[r] - below) if cdf[r] > below else 0.0
    return (r - alpha) / n


def _exact_limits(p: float, nn: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    sizes, where = np.unique(nn, return_inverse=True)
    lower = np.array([_exact_lower(p, int(n), tail) for n in sizes])
    # the upper limit is the lower limit of the failures, mirrored: a count y lies above
    # it exactly when P(Y >= y) < tail
    upper = np.array([1.0 - _exact_lower(1.0 - p, int(n), tail) for n in sizes])
    return np.clip(lower[where], 0.0, 1.0), np.clip(upper[where], 0.0, 1.0)


def funnel_limits(
    p0: float, n: Values, z: float = 1.96, method: FunnelMethod = "exact"
) -> tuple[np.ndarray, np.ndarray]:
    """Control limits of a funnel plot for a proportion (Spiegelhalter 2005).

    p0 is the target or overall proportion (a **fraction**), n the sample size(s). z sets
    the coverage through its two-sided normal tail: z = 1.96 gives 95 % limits (2.5 % in
    each tail), z = 3.09 gives 99.8 % (0.1 % in each tail).

    ``method="exact"`` (the default) gives exact binomial limits, interpolated between
    counts as in Spiegelhalter (2005, appendix A.1.1): with Y ~ Binomial(n, p0) and tail
    probability t, r is the smallest count with P(Y <= r) >= t, alpha =
    (P(Y <= r) - t) / P(Y = r), and the lower limit is (r - alpha) / n. The upper limit is
    the same construction on the failures, mirrored, so that a unit with y successes lies
    outside exactly when its exact one-sided tail probability, P(Y <= y) or P(Y >= y), is
    below t. n must be whole numbers. (Spiegelhalter's appendix instead interpolates the
    1 - t quantile for the upper limit; that line sits lower at small n, flags some counts
    whose tail probability is above t, and is not symmetric in successes and failures.)

    ``method="normal"`` gives p0 +/- z * sqrt(p0 (1 - p0) / n), clipped to [0, 1]. It is
    only an approximation, poor when n * p0 or n * (1 - p0) is below about 10: at p0 = 0.8
    and n = 13 its upper 95 % limit is already clipped at 100 %, so no unit can ever lie
    above it. Use it for large n or to show why the exact limits are needed.

    Returns ``(lower, upper)`` as 1-D arrays of fractions, one entry per n. Raises
    ValueError for p0 outside [0, 1], n <= 0, a fractional n with the exact method,
    z <= 0 or an unknown method.
    """
    p = _check_p0(p0)
    tail = _tail(z)
    if method == "exact":
        return _exact_limits(p, _whole_n(n), tail)
    if method != "normal":
        raise ValueError(f"method must be 'exact' or 'normal'; got {method!r}")
    nn = _to_1d(n, "n", missing="raise")
    _fail_if(nn <= 0, nn, "n", "must be > 0 (sample size)")
    half = float(np.asarray(z, dtype=float)) * np.sqrt(p * (1.0 - p) / nn)
    return np.clip(p - half, 0.0, 1.0), np.clip(p + half, 0.0, 1.0)


def outside_funnel(
    successes: Values, n: Values, p0: float | None = None, z: float = 1.96, method: FunnelMethod = "exact"
) -> np.ndarray:
    """Which units fall outside the funnel-plot limits (Spiegelhalter 2005).

    Unit i has observed proportion successes_i / n_i. With ``method="exact"`` (default)
    it is flagged when its exact one-sided binomial tail probability under p0,
    P(Y <= successes_i) or P(Y >= successes_i) with Y ~ Binomial(n_i, p0), is below the
    tail of z (0.025 for z = 1.96): the same units that lie strictly outside the exact
    limits of :func:`funnel_limits`. With ``method="normal"`` it is flagged when strictly
    below the lower or above the upper normal-approximation limit (see the caveat there).
    ``p0`` (fraction) defaults to the pooled proportion sum(successes) / sum(n).
    Returns a boolean array. Raises ValueError for unequal lengths, negative successes,
    successes > n, n <= 0, or the errors of :func:`funnel_limits`.
    """
    s = _to_1d(successes, "successes", missing="raise")
    nn = _to_1d(n, "n", missing="raise")
    if s.size != nn.size:
        raise ValueError(f"successes and n must have equal lengths; got {s.size} and {nn.size}")
    _fail_if(nn <= 0, nn, "n", "must be > 0 (sample size)")
    _fail_if(s < 0, s, "successes", "must be >= 0")
    _fail_pair(s > nn, s, "successes", nn, "n", "successes must not exceed n")
    target = float(s.sum() / nn.sum()) if p0 is None else p0
    if method == "exact":
        p = _check_p0(target)
        tail = _tail(z)
        ni = _whole_n(nn)
        _fail_if(s != np.round(s), s, "successes", "must be whole numbers for the exact method")
        si = s.astype(np.int64)
        out = np.zeros(s.size, dtype=bool)
        sizes, where = np.unique(ni, return_inverse=True)
        order = np.argsort(where, kind="stable")
        bounds = np.searchsorted(where[order], np.arange(sizes.size + 1))
        for j, size in enumerate(sizes):
            at = order[bounds[j]:bounds[j + 1]]
            cdf = _binom_cdf(int(size), p)
            k = si[at]
            p_low = cdf[k]
            p_high = 1.0 - np.where(k > 0, cdf[np.maximum(k - 1, 0)], 0.0)
            out[at] = (p_low < tail) | (p_high < tail)
        return out
    lower, upper = funnel_limits(target, nn, z, method=method)
    observed = s / nn
    return (observed < lower) | (observed > upper)


# --------------------------------------------------------------------------------------
# Education: cohort rates (IPEDS, National Student Clearinghouse)
# --------------------------------------------------------------------------------------


def _exclusion_mask(exclusion: Any, size: int) -> np.ndarray:
    """True where a cohort member has an allowed IPEDS exclusion."""
    if exclusion is None:
        return np.zeros(size, dtype=bool)
    if isinstance(exclusion, str) or np.ndim(exclusion) != 1:
        raise ValueError("exclusion must be a one-dimensional array of labels, one per student")
    codes, uniques = pd.factorize(
        exclusion if isinstance(exclusion, (pd.Series, pd.Index)) else np.asarray(exclusion, dtype=object),
        use_na_sentinel=True,
    )
    if codes.size != size:
        raise ValueError(f"exclusion must have one label per student; got {codes.size} labels for {size} students")
    excluded_label = np.zeros(len(uniques), dtype=bool)
    for j, label in enumerate(uniques):  # loops over the few distinct labels, not the rows
        if not isinstance(label, str):
            raise ValueError(f"exclusion labels must be strings or missing; got {label!r}")
        key = label.strip().lower()
        if key in _NO_EXCLUSION_LABELS:
            continue
        if key not in IPEDS_ALLOWED_EXCLUSIONS:
            allowed = ", ".join(sorted(IPEDS_ALLOWED_EXCLUSIONS))
            raise ValueError(
                f"exclusion has an unknown label {label!r}; allowed: {allowed} "
                f"(or ''/'none'/missing for no exclusion). Transfers-out are not an exclusion."
            )
        excluded_label[j] = True
    # missing labels have code -1, which picks the trailing False
    return np.append(excluded_label, False)[codes]


def _cohort_rate(flags: Values, exclusion: Any, flag_name: str) -> float:
    f = _flags(flags, flag_name)
    _nonempty(f, flag_name, "students (empty cohort)")
    keep = ~_exclusion_mask(exclusion, f.size)
    adjusted = int(np.count_nonzero(keep))
    if adjusted == 0:
        raise ValueError("the adjusted cohort is empty: every student has an allowed exclusion")
    return _pct(np.count_nonzero(f & keep), adjusted)


def ipeds_retention(enrolled_next_fall: Values, exclusion: Any = None) -> float:
    """IPEDS fall-to-fall retention rate of a first-time cohort, in percent.

    retention = 100 * #(enrolled again at the *same* institution next fall) / adjusted
    cohort, where the adjusted cohort removes students with an allowed exclusion (death,
    permanent disability, military service, foreign aid service, official church mission -
    :data:`IPEDS_ALLOWED_EXCLUSIONS`). Students who transferred out count as not retained.
    Source: NCES/IPEDS Fall Enrollment retention-rate definitions (domain brief, section 5).

    ``enrolled_next_fall`` holds one boolean (or 0/1) per cohort student; ``exclusion`` one
    label per student, where ""/None/NaN/"none" means no exclusion (labels are matched after
    trimming and lower-casing). An excluded student leaves the cohort even if enrolled.
    Raises ValueError for missing or non-0/1 flags, an unknown exclusion label, unequal
    lengths or an empty adjusted cohort.
    """
    return _cohort_rate(enrolled_next_fall, exclusion, "enrolled_next_fall")


def persistence_rate(enrolled_anywhere: Values, exclusion: Any = None) -> float:
    """Persistence rate, in percent: share of the cohort enrolled at *any* institution.

    Same as :func:`ipeds_retention` except that a student enrolled anywhere next fall (the
    National Student Clearinghouse "persistence" measure) counts, so persistence >=
    retention. Deviation: the Clearinghouse does not apply the IPEDS exclusions; they are
    accepted here (default: none) so both rates can be computed on the same cohort.
    """
    return _cohort_rate(enrolled_anywhere, exclusion, "enrolled_anywhere")


def graduation_rate_150(completed_within_150: Values, exclusion: Any = None) -> float:
    """Graduation rate at 150 % of normal time, in percent (IPEDS Graduation Rates).

    100 * #(completed at the same institution within 150 % of normal time, e.g. 6 years for
    a 4-year degree) / adjusted cohort of full-time, first-time, degree-seeking students.
    Once in the cohort, always in it: transfers-out and dropouts stay in the denominator;
    only the allowed IPEDS exclusions leave it (:data:`IPEDS_ALLOWED_EXCLUSIONS`).
    Validation as in :func:`ipeds_retention`.
    """
    return _cohort_rate(completed_within_150, exclusion, "completed_within_150")


def participation_rate(active: Values, enrolled: Values | None = None) -> Result:
    """Participation rate, in percent: share of enrolled students active (e.g. in a week).

    Two forms:

    * ``participation_rate(active)`` - ``active`` is one boolean/0-1 flag per enrolled
      student; returns 100 * mean(active) as a float. Missing flags raise ValueError (an
      unknown student is not an inactive one; decide explicitly).
    * ``participation_rate(active, enrolled)`` - counts: 100 * active / enrolled,
      element-wise (e.g. one value per week). Raises ValueError for negative counts,
      ``enrolled <= 0`` or ``active > enrolled``.
    """
    if enrolled is None:
        f = _flags(active, "active")
        _nonempty(f, "active", "students")
        return _pct(np.count_nonzero(f), f.size)
    (a, e), all_scalar, index = _elementwise_inputs({"active": active, "enrolled": enrolled})
    _fail_if(e <= 0, e, "enrolled", "must be > 0")
    _fail_if(a < 0, a, "active", "must be a non-negative count")
    _fail_pair(a > e, a, "active", e, "enrolled", "active must not exceed enrolled")
    return _wrap(100.0 * a / e, all_scalar, index)


def _ratio_pct(num: Values, den: Values, num_name: str, den_name: str, rule: str) -> Result:
    (a, b), all_scalar, index = _elementwise_inputs({num_name: num, den_name: den})
    _fail_if(b <= 0, b, den_name, "must be > 0")
    _fail_if(a < 0, a, num_name, "must be a non-negative count")
    _fail_pair(a > b, a, num_name, b, den_name, rule)
    return _wrap(100.0 * a / b, all_scalar, index)


def yield_rate(enrolled: Values, admitted: Values) -> Result:
    """Yield rate, in percent: 100 * enrolled / admitted.

    The share of admitted students who enrol (NACAC State of College Admission; about 34 %
    in fall 2017 per the brief). Element-wise. Raises ValueError for negative counts,
    ``admitted <= 0`` or ``enrolled > admitted``.
    """
    return _ratio_pct(enrolled, admitted, "enrolled", "admitted", "enrolled must not exceed admitted")


def admit_rate(admitted: Values, applied: Values) -> Result:
    """Admit (acceptance) rate, in percent: 100 * admitted / applied.

    NACAC State of College Admission (about 67 % in fall 2017 per the brief). Element-wise.
    Raises ValueError for negative counts, ``applied <= 0`` or ``admitted > applied``.
    """
    return _ratio_pct(admitted, applied, "admitted", "applied", "admitted must not exceed applied")


def summer_melt_rate(deposited: Values, enrolled_census: Values) -> Result:
    """Summer melt, in percent: 100 * (deposited - enrolled_census) / deposited.

    Students who committed (paid a deposit) but are not enrolled on the census date in the
    fall (Castleman & Page, "Summer Melt", 2014: about 10 % nationally, up to 40 % in some
    districts). ``enrolled_census`` counts depositors enrolled at census, so it cannot
    exceed ``deposited``. Element-wise. Raises ValueError for negative counts,
    ``deposited <= 0`` or ``enrolled_census > deposited``.
    """
    (d, e), all_scalar, index = _elementwise_inputs({"deposited": deposited, "enrolled_census": enrolled_census})
    _fail_if(d <= 0, d, "deposited", "must be > 0")
    _fail_if(e < 0, e, "enrolled_census", "must be a non-negative count")
    _fail_pair(
        e > d, e, "enrolled_census", d, "deposited",
        "enrolled_census (depositors enrolled at census) must not exceed deposited",
    )
    return _wrap(100.0 * (d - e) / d, all_scalar, index)


# --------------------------------------------------------------------------------------
# Education: learning gains and effect sizes
# --------------------------------------------------------------------------------------


def _max_score(max_score: float) -> float:
    m = _to_1d(max_score, "max_score", missing="raise")
    if m.size != 1:
        raise ValueError(f"max_score must be a single number; got {m.size} values")
    _fail_if(m <= 0, m, "max_score", "must be > 0")
    return float(m[0])


def _pre_post(pre: Values, post: Values, max_score: float) -> tuple[np.ndarray, np.ndarray, float]:
    top = _max_score(max_score)
    a = _to_1d(pre, "pre", missing="raise")
    b = _to_1d(post, "post", missing="raise")
    if a.size != b.size:
        raise ValueError(
            f"pre and post must have equal lengths (matched students); got {a.size} and {b.size}"
        )
    _nonempty(a, "pre", "students")
    _fail_if((a < 0) | (a > top), a, "pre", f"must be between 0 and max_score={_fmt(top)}")
    _fail_if((b < 0) | (b > top), b, "post", f"must be between 0 and max_score={_fmt(top)}")
    return a, b, top


def hake_gain(pre: Values, post: Values, max_score: float = 100) -> float:
    """Hake's class-average normalized gain <g> = (<post> - <pre>) / (max_score - <pre>).

    The gain achieved as a fraction of the gain possible, computed on the class averages
    (Hake, "Interactive-engagement versus traditional methods", Am. J. Phys. 66, 1998;
    there with percentages, max_score = 100). Low < 0.3, medium 0.3-0.7, high > 0.7; see
    :func:`hake_category`. Example: class means 40 -> 70 give 30 / 60 = 0.5.

    ``pre`` and ``post`` are scalars (class means) or equal-length arrays of matched
    students. Missing values raise ValueError rather than being dropped: dropping students
    without a post-test inflates the gain (survivorship). Also raises for scores outside
    [0, max_score], unequal lengths, or mean(pre) == max_score (no room to gain).
    """
    a, b, top = _pre_post(pre, post, max_score)
    mean_pre, mean_post = float(a.mean()), float(b.mean())
    if mean_pre >= top:
        raise ValueError(f"mean(pre) equals max_score={_fmt(top)}: the normalized gain is undefined")
    return (mean_post - mean_pre) / (top - mean_pre)


def mean_individual_gain(pre: Values, post: Values, max_score: float = 100) -> float:
    """Average of per-student normalized gains, g_i = (post_i - pre_i) / (max_score - pre_i).

    Bao, "Theoretical comparisons of average normalized gain calculations", Am. J. Phys. 74
    (2006): this average generally differs from Hake's gain of the class averages
    (:func:`hake_gain`). Rule for students with pre_i == max_score (g_i undefined): they
    are **excluded** from the average (the brief fixes no rule; this is the common
    practice, stated here so the count is visible). Missing values raise ValueError;
    also raises for scores outside [0, max_score], unequal lengths, or when every student
    is excluded.
    """
    a, b, top = _pre_post(pre, post, max_score)
    room = top - a
    usable = room > 0
    if not usable.any():
        raise ValueError(f"every student has pre == max_score={_fmt(top)}: no individual gain is defined")
    return float(np.mean((b[usable] - a[usable]) / room[usable]))


@overload
def hake_category(g: float) -> str: ...
@overload
def hake_category(g: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray: ...
def hake_category(g: Any) -> str | np.ndarray:
    """Hake's (1998) label for a normalized gain: "low" (< 0.3), "medium" (0.3-0.7), "high" (> 0.7).

    Both boundaries belong to "medium". Negative gains (scores fell) are "low". A scalar
    gives a str, an array-like gives a NumPy array of str. Raises ValueError for missing
    values or g > 1 (impossible for a normalized gain).
    """
    v = _to_1d(g, "g", missing="raise")
    _fail_if(v > 1, v, "g", "must be <= 1 (a normalized gain cannot exceed 1)")
    labels = np.where(v < HAKE_LOW_MAX, "low", np.where(v > HAKE_HIGH_MIN, "high", "medium"))
    return str(labels[0]) if _is_scalar(g) else labels


def _two_groups(a: Values, b: Values) -> tuple[np.ndarray, np.ndarray]:
    x = _to_1d(a, "a", missing="drop")
    y = _to_1d(b, "b", missing="drop")
    for arr, name in ((x, "a"), (y, "b")):
        if arr.size < 2:
            raise ValueError(f"group {name} needs at least 2 non-missing values; got {arr.size}")
    return x, y


def _effectively_zero(sd: float, *data: np.ndarray) -> bool:
    """True if a standard deviation is 0 up to floating-point noise relative to the data.

    Identical values such as [0.1, 0.1, 0.1] can give a variance of ~1e-34 instead of 0;
    dividing by it would produce a meaningless huge effect size.
    """
    scale = max(float(np.max(np.abs(d))) for d in data)
    return not sd > 1e-12 * scale


def cohens_d(a: Values, b: Values) -> float:
    """Cohen's d = (mean(a) - mean(b)) / s_pooled for two independent groups.

    s_pooled = sqrt(((n1 - 1) s1^2 + (n2 - 1) s2^2) / (n1 + n2 - 2)), s^2 with ddof = 1.
    Benchmarks 0.2 / 0.5 / 0.8 = small / medium / large (Cohen, Statistical Power Analysis
    for the Behavioral Sciences, 2nd ed., 1988); see :func:`effect_size_label`. Positive
    when a has the higher mean; cohens_d(b, a) == -cohens_d(a, b). Missing values are
    ignored within each group (an addition to the brief). Raises ValueError if a group has
    fewer than 2 values or the pooled SD is 0.
    """
    x, y = _two_groups(a, b)
    n1, n2 = x.size, y.size
    pooled_var = ((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2)
    if _effectively_zero(math.sqrt(pooled_var), x, y):
        raise ValueError("the pooled standard deviation is 0 (every value within each group is equal); d is undefined")
    return float((x.mean() - y.mean()) / math.sqrt(pooled_var))


def hedges_correction(n1: int, n2: int) -> float:
    """Small-sample correction J = 1 - 3 / (4 (n1 + n2) - 9) (Hedges 1981; Hedges & Olkin 1985).

    For n1 = n2 = 10: J = 1 - 3/71 = 0.9577. Raises ValueError unless both sizes are
    integers >= 2.
    """
    for value, name in ((n1, "n1"), (n2, "n2")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
            raise ValueError(f"{name} must be an integer >= 2 (group size); got {value!r}")
    return 1.0 - 3.0 / (4.0 * (int(n1) + int(n2)) - 9.0)


def hedges_g(a: Values, b: Values) -> float:
    """Hedges' g = d * J, Cohen's d corrected for small-sample bias.

    J = 1 - 3 / (4 (n1 + n2) - 9) (Hedges, J. Educational Statistics 6, 1981; Hedges &
    Olkin, Statistical Methods for Meta-Analysis, 1985), the usual approximation to the exact
    gamma-function factor. Same input rules as :func:`cohens_d`.
    """
    x, y = _two_groups(a, b)
    return cohens_d(x, y) * hedges_correction(x.size, y.size)


@overload
def effect_size_label(d: float) -> str: ...
@overload
def effect_size_label(d: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray: ...
def effect_size_label(d: Any) -> str | np.ndarray:
    """Cohen's (1988) rough label for |d|: < 0.2 "negligible", < 0.5 "small", < 0.8 "medium", else "large".

    Cohen offered these only as a fallback when no field-specific benchmark exists. A scalar
    gives a str, an array-like a NumPy array of str. Raises ValueError for missing values.
    """
    v = np.abs(_to_1d(d, "d", missing="raise"))
    labels = np.select([v < 0.2, v < 0.5, v < 0.8], ["negligible", "small", "medium"], default="large")
    return str(labels[0]) if _is_scalar(d) else labels


# --------------------------------------------------------------------------------------
# Survey scales
# --------------------------------------------------------------------------------------


def cronbach_alpha(items: pd.DataFrame | np.ndarray | Sequence[Sequence[float]]) -> float:
    """Cronbach's alpha = k / (k - 1) * (1 - sum(item variances) / variance(total score)).

    ``items`` is 2-D: rows are respondents, columns are the k items (Cronbach,
    "Coefficient alpha and the internal structure of tests", Psychometrika 16, 1951).
    Variances use ddof = 1. Rows with any missing item are dropped (listwise deletion), so
    every variance comes from the same respondents. Alpha is at most 1 and can be negative.
    Reverse-code negatively worded items first (:func:`reverse_code`). Raises ValueError for
    fewer than 2 items, fewer than 2 complete rows, non-numeric data or zero variance of the
    total score.
    """
    if isinstance(items, pd.DataFrame):
        try:
            data = items.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"items must be numeric; could not convert it to numbers ({exc})") from None
    else:
        raw = np.asarray(items)
        if raw.dtype.kind == "O":
            try:
                data = pd.DataFrame(raw).to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"items must be numeric; could not convert it to numbers ({exc})") from None
        elif raw.dtype.kind in "biuf":
            data = raw.astype(np.float64, copy=False)
        else:
            raise ValueError(f"items must be numeric; got an array of dtype {raw.dtype}")
    if data.ndim != 2:
        raise ValueError(f"items must be 2-D (rows = respondents, columns = items); got shape {data.shape}")
    k = data.shape[1]
    if k < 2:
        raise ValueError(f"items needs at least 2 items (columns); got {k}")
    if np.isinf(data).any():
        raise ValueError("items must be finite; got an infinite value")
    complete = data[~np.isnan(data).any(axis=1)]
    if complete.shape[0] < 2:
        raise ValueError(
            f"items needs at least 2 complete rows (respondents with no missing item); got {complete.shape[0]}"
        )
    totals = complete.sum(axis=1)
    total_var = totals.var(ddof=1)
    if _effectively_zero(math.sqrt(total_var), totals):
        raise ValueError("the variance of the total score is 0 (every respondent has the same total); alpha is undefined")
    item_var = complete.var(axis=0, ddof=1).sum()
    return float(k / (k - 1) * (1.0 - item_var / total_var))


def reverse_code(values: Values, low: float, high: float) -> Result:
    """Reverse-code a rating: x -> low + high - x (e.g. 1..4 becomes 4..1).

    Used for negatively worded items such as the TALIS 2018 "I regret that I decided to
    become a teacher" (domain brief, section 5) before items are summed or averaged.
    Missing values stay missing. A scalar gives a float, a Series a Series with the same
    index, anything else a NumPy array. Raises ValueError unless low < high and every
    non-missing value is within [low, high].
    """
    lo = _to_1d(low, "low", missing="raise")
    hi = _to_1d(high, "high", missing="raise")
    if lo.size != 1 or hi.size != 1:
        raise ValueError("low and high must be single numbers")
    if not lo[0] < hi[0]:
        raise ValueError(f"low must be < high; got low={_fmt(lo[0])}, high={_fmt(hi[0])}")
    v = _to_1d(values, "values", missing="keep")
    _fail_if((v < lo[0]) | (v > hi[0]), v, "values", f"must be between low={_fmt(lo[0])} and high={_fmt(hi[0])}")
    out = lo[0] + hi[0] - v
    if _is_scalar(values):
        return float(out[0])
    if isinstance(values, pd.Series):
        return pd.Series(out, index=values.index, name=values.name)
    return out
