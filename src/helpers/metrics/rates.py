"""Shared argument handling of :mod:`helpers.metrics` (conventions in its docstring), relative lift,
pooled rates and funnel-plot control limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd


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
