"""Small private helpers shared by the modules of this package."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

# ======================================================================================
# Shared small helpers (private)
# ======================================================================================



def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A 0/1 (or boolean) column as a NumPy bool array (missing values are False)."""
    s = frame[column]
    if s.dtype == bool:
        return s.to_numpy()
    return s.to_numpy(dtype="float64", na_value=0.0) == 1


def _rate_or_nan(fn: Any, a: Any, b: Any, denominator: str = "b") -> np.ndarray:
    """Apply an element-wise metric ``fn(a, b)`` where its denominator (argument ``a`` or
    ``b``) is positive; NaN elsewhere (an empty group has no rate)."""
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    out = np.full(a.shape, np.nan)
    ok = (b if denominator == "b" else a) > 0
    if ok.any():
        out[ok] = np.asarray(fn(a[ok], b[ok]), dtype="float64")
    return out


def _codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and unique values (in order of appearance)."""
    codes, uniques = pd.factorize(values, sort=False)
    return codes, pd.Index(uniques)


def correlation(x: Sequence[float] | np.ndarray | pd.Series, y: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Pearson correlation r of two equal-length arrays (pairs with a missing value are dropped).

    r = cov(x, y) / (sd(x) sd(y)). Returns NaN when fewer than 3 complete pairs remain or
    one variable is constant (r undefined). Raises ValueError for unequal lengths.
    """
    a = np.asarray(pd.to_numeric(pd.Series(np.asarray(x, dtype=object)), errors="coerce"), dtype="float64")
    b = np.asarray(pd.to_numeric(pd.Series(np.asarray(y, dtype=object)), errors="coerce"), dtype="float64")
    if a.size != b.size:
        raise ValueError(f"x and y must have equal lengths; got {a.size} and {b.size}")
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    if a.size < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


