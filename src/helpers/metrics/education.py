"""Education metrics: IPEDS retention, persistence and graduation, participation, admissions yield and
summer melt, learning gains, effect sizes, Cronbach's alpha and reverse coding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from helpers.metrics.rates import (
    Result,
    Values,
    _elementwise_inputs,
    _fail_if,
    _fail_pair,
    _flags,
    _fmt,
    _is_scalar,
    _nonempty,
    _pct,
    _to_1d,
    _wrap,
)


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
