"""Small private helpers shared by the modules of this package."""
from __future__ import annotations

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


