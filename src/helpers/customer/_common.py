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
#: Name of the extra row of :func:`moment_churn_lift` that treats a satisfied onboarding
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
