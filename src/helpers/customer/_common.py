"""Small private helpers shared by the modules of this package."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

#: The five moments of truth in ``customer_journey``, in the order a customer meets them.
JOURNEY_MOMENTS: tuple[str, ...] = (
    "onboarding_complete",
    "first_value_within_14d",
    "first_support_case_resolved",
    "admin_trained",
    "renewal_review_held",
)
#: Name of the extra row of :func:`moment_churn_risk` that treats a satisfied onboarding
#: survey (CSAT 4-5) as if it were a moment of truth.
SATISFACTION_ROW = "satisfied_with_onboarding (CSAT 4-5)"

_DATE_FMT = "%Y-%m-%d"


# --------------------------------------------------------------------------------------
# Small private helpers
# --------------------------------------------------------------------------------------



def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den == 0."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _week(value: Any) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"week must be a date such as '2024-03-04'; got {value!r}") from None


def _log_binomial_coefficients(n: int) -> np.ndarray:
    """log C(n, j) for j = 0..n, from cumulative sums of logs (no Python loop)."""
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype="float64")))))
    return log_fact[n] - log_fact - log_fact[::-1]


def _log_pmf(log_coef: np.ndarray, p: float) -> np.ndarray:
    n = log_coef.size - 1
    j = np.arange(n + 1, dtype="float64")
    return log_coef + j * math.log(p) + (n - j) * math.log1p(-p)


def _bisect(f: Callable[[float], float], target: float) -> float:
    """p in (0, 1) with f(p) = target for an increasing f (60 halvings: 1e-18 wide)."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def exact_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson ("exact") interval for a proportion k / n, in percent.

    The lower end is the p at which P(X >= k) = (1 - level) / 2 for X ~ Binomial(n, p), the
    upper end the p at which P(X <= k) = (1 - level) / 2 (Clopper & Pearson, Biometrika,
    1934). It never falls outside 0-100 % and keeps its coverage for small n or k near 0,
    where the normal approximation fails. Raises ValueError unless 0 <= k <= n and n >= 1.
    """
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1; got k={k}, n={n}")
    tail = (1.0 - level) / 2.0
    coef = _log_binomial_coefficients(n)

    def at_least_k(p: float) -> float:  # increasing in p
        return float(np.exp(_log_pmf(coef, p)[k:]).sum())

    def more_than_k(p: float) -> float:  # 1 - P(X <= k), increasing in p
        return float(np.exp(_log_pmf(coef, p)[k + 1:]).sum())

    low = 0.0 if k == 0 else _bisect(at_least_k, tail)
    high = 1.0 if k == n else _bisect(more_than_k, 1.0 - tail)
    return 100.0 * low, 100.0 * high


def _t_cdf_abs(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer ``df`` (closed-form series, Abramowitz &
    Stegun 26.7.3-26.7.4), t >= 0."""
    theta = math.atan(t / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2 == 1:  # odd: 2/pi [theta + sin cos (1 + 2/3 cos^2 + 2.4/(3.5) cos^4 + ...)]
        total, term = 0.0, math.cos(theta)
        for k in range(1, (df - 1) // 2 + 1):
            total += term
            term *= c2 * (2 * k) / (2 * k + 1)
        return (2.0 / math.pi) * (theta + s * total) if df > 1 else 2.0 * theta / math.pi
    total, term = 0.0, 1.0  # even: sin [1 + 1/2 cos^2 + 1.3/(2.4) cos^4 + ...]
    for k in range(1, df // 2 + 1):
        total += term
        term *= c2 * (2 * k - 1) / (2 * k)
    return s * total


def t_quantile(level: float, df: int) -> float:
    """The t with P(|T| <= t) = ``level`` for Student's t distribution with ``df`` degrees of
    freedom (two-sided critical value: 2.365 for level 0.95 and df 7; 1.96 as df grows).

    Student, "The probable error of a mean", *Biometrika* 6 (1908). Exact for whole-number
    df (closed-form CDF, solved by halving the interval). Raises ValueError for df < 1 or a
    level outside (0, 1).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (95% -> 0.95); got {level!r}")
    if isinstance(df, bool) or int(df) != df or df < 1:
        raise ValueError(f"degrees of freedom must be a whole number >= 1; got {df!r}")
    lo, hi = 0.0, 1.0
    while _t_cdf_abs(hi, int(df)) < level:
        hi *= 2.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if _t_cdf_abs(mid, int(df)) < level:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def difference_interval(k1: int, n1: int, k2: int, n2: int, level: float = 0.95) -> tuple[float, float, float]:
    """The difference of two proportions k1/n1 - k2/n2, in percentage points, with its
    interval: ``(difference, low, high)``.

    Newcombe's hybrid score interval (method 10 of R. G. Newcombe, "Interval estimation for
    the difference between independent proportions: comparison of eleven methods",
    *Statistics in Medicine* 17, 1998), built from the two Wilson intervals; it keeps its
    coverage for small counts, where the plain normal interval does not. Two separate 95 %
    intervals that overlap do not show that the difference is unclear: this interval does.
    Raises ValueError unless 0 <= k <= n and n >= 1 for both groups.
    """
    for k, n in ((k1, n1), (k2, n2)):
        if int(n) < 1 or not 0 <= int(k) <= int(n):
            raise ValueError(f"need 0 <= k <= n and n >= 1; got k={k}, n={n}")
    z = _z(level)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = _wilson(int(k1), int(n1), z)
    l2, u2 = _wilson(int(k2), int(n2), z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return 100.0 * d, 100.0 * low, 100.0 * high


def ratio_interval(k1: int, n1: int, k2: int, n2: int, level: float = 0.95) -> tuple[float, float]:
    """Interval for the risk ratio (k1/n1) / (k2/n2) on the log scale (Katz et al., 1978):
    exp(ln RR -/+ z sqrt(1/k1 - 1/n1 + 1/k2 - 1/n2)). (NaN, NaN) when a count is 0."""
    if min(k1, k2) <= 0 or min(n1, n2) <= 0:
        return float("nan"), float("nan")
    rr = (k1 / n1) / (k2 / n2)
    se = math.sqrt(1 / k1 - 1 / n1 + 1 / k2 - 1 / n2)
    z = _z(level)
    return rr * math.exp(-z * se), rr * math.exp(z * se)


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (95% -> 0.95); got {level!r}")
    from statistics import NormalDist
    return NormalDist().inv_cdf(0.5 + level / 2)
