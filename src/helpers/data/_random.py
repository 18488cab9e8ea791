"""Shared pieces of the dataset generators: frame types, seeded draw helpers and organisation-level rates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from helpers.validate import SCHEMAS


Frame: TypeAlias = pd.DataFrame
Truth: TypeAlias = dict[str, Any]


# --------------------------------------------------------------------------------------
# Small vectorized helpers
# --------------------------------------------------------------------------------------


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _codes(*groups: np.ndarray) -> np.ndarray:
    """One integer code per row for the combination of several group arrays."""
    code = np.zeros(len(groups[0]), dtype="int64")
    for g in groups:
        _, inv = np.unique(g, return_inverse=True)
        code = code * (int(inv.max()) + 1 if len(inv) else 1) + inv
    return code


def _strat_uniform(rng: np.random.Generator, *groups: np.ndarray, n: int | None = None) -> np.ndarray:
    """Uniforms in [0, 1) stratified within each group (all rows one group if none given).

    In a group of ``m`` rows exactly one value falls in each ``[k/m, (k+1)/m)``, in random
    order, so ``u < p`` selects ``m * p`` rows give or take one.
    """
    if not groups:
        assert n is not None
        groups = (np.zeros(n, dtype="int64"),)
    code = _codes(*groups)
    size = len(code)
    perm = rng.permutation(size)
    order = perm[np.argsort(code[perm], kind="stable")]
    counts = np.bincount(code)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(size, dtype="float64")
    rank[order] = np.arange(size) - np.repeat(starts, counts)
    return (rank + rng.random(size)) / counts[code]


def _rank_within(group: np.ndarray, score: np.ndarray) -> np.ndarray:
    """0-based rank of each row's score within its group (lowest score = 0)."""
    order = np.lexsort((score, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    counts = np.diff(np.r_[starts, len(g)])
    rank = np.empty(len(g), dtype="int64")
    rank[order] = np.arange(len(g)) - np.repeat(starts, counts)
    return rank


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float | np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype="float64")
    return np.log(p / (1 - p))


def _ids(prefix: str, n: int, width: int = 4) -> np.ndarray:
    """``prefix`` + zero-padded 1..n (wider if needed)."""
    width = max(width, len(str(n)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def _pick(values: Sequence[str], idx: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=object)[idx]


def _choice_idx(rng: np.random.Generator, probs: Sequence[float] | np.ndarray, n: int,
                u: np.ndarray | None = None) -> np.ndarray:
    """Category index per row by inverse CDF (pass stratified ``u`` for exact shares)."""
    cdf = np.cumsum(probs)
    cdf = cdf / cdf[-1]
    if u is None:
        u = rng.random(n)
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(probs) - 1)


def _ordinal(latent: np.ndarray, cuts: Sequence[float], low: int = 1) -> np.ndarray:
    """Map a continuous latent to integers ``low, low+1, ...`` by ascending cut points."""
    return low + np.searchsorted(np.asarray(cuts), latent, side="right")


def _finish(kind: str, cols: dict[str, Any]) -> Frame:
    """Build the frame in schema order with the validator's dtypes."""
    schema = SCHEMAS[kind]
    out: dict[str, Any] = {}
    for c in schema.columns:
        v = cols[c.name]
        if c.kind in ("int", "bool"):
            arr = np.asarray(v, dtype="float64")
            out[c.name] = pd.array(arr, dtype="Int64") if c.nullable else arr.astype("int64")
        elif c.kind == "float":
            out[c.name] = np.asarray(v, dtype="float64")
        elif c.kind == "category":
            out[c.name] = pd.Categorical(np.asarray(v, dtype=object), categories=list(c.allowed),
                                         ordered=c.ordered)
        elif c.kind == "date":
            out[c.name] = np.asarray(v).astype("datetime64[us]")
        else:
            out[c.name] = pd.array(np.asarray(v, dtype=object), dtype="str")
    missing = set(cols) - set(out)
    if missing:  # pragma: no cover - a generator bug
        raise AssertionError(f"{kind}: columns not in the schema: {sorted(missing)}")
    return pd.DataFrame(out)


def _weekdays(start: str, n_days: int) -> np.ndarray:
    days = np.datetime64(start) + np.arange(n_days)
    return days[np.is_busday(days)]


def _rate(org: np.random.Generator, target: float, sd: float = 0.15) -> float:
    """An organisation's own rate: ``target`` moved on the logit scale by ``N(0, sd)``.

    Real organisations differ: one centre resolves 71% of contacts at first contact, the
    next 77%. Each seed is one organisation, so its base rates are drawn around the
    published or illustrative target once, and every period of it shares them.
    """
    return float(_sigmoid(_logit(target) + sd * org.standard_normal()))


def _mix(org: np.random.Generator, shares: Sequence[float], concentration: float = 300.0) -> np.ndarray:
    """An organisation's own category mix: Dirichlet around ``shares`` (sd about
    ``sqrt(p (1 - p) / concentration)``)."""
    p = np.asarray(shares, dtype="float64")
    return np.asarray(org.dirichlet(concentration * p / p.sum()), dtype="float64")


def _check_period(period: object) -> int:
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 0:
        raise ValueError(f"period must be a non-negative integer, got {period!r}")
    return int(period)


def _check_gaming(gaming: object) -> float:
    if isinstance(gaming, bool) or not isinstance(gaming, (int, float, np.integer, np.floating)) \
            or not 0 <= float(gaming) <= 3:
        raise ValueError(f"gaming must be a number from 0 (honest) to 3, got {gaming!r}")
    return float(gaming)


def _streams(seed: int, period: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two random streams: the organisation (fixed by ``seed``: who works there, its base
    rates, who games) and its behaviour in one period (``seed`` and ``period``)."""
    return np.random.default_rng([seed, 0]), np.random.default_rng([seed, 1000 + _check_period(period)])


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer parts proportional to ``weights``, each at least 1
    (largest remainders; ``total`` must be at least ``len(weights)``)."""
    k = len(weights)
    rest = total - k
    share = weights / weights.sum() * rest
    parts = np.floor(share).astype("int64")
    left = rest - int(parts.sum())
    if left > 0:
        parts[np.argsort(-(share - parts), kind="stable")[:left]] += 1
    return np.asarray(parts + 1, dtype="int64")
