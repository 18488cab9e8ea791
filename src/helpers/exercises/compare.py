"""How an answer is compared with the expected value.

A comparer is a function ``compare(answer, expected) -> None | Mismatch``: ``None`` when
the answer is right, otherwise a :class:`Mismatch` (a ``str``) that says how it is off.
A mismatch marked ``generic`` ("82.5 is too high") gives way to a known mistake's own
message; a specific one ("a fraction where a percent was asked") is shown as it is.

The comparers recognise the slips learners make most: an answer right at the precision
it was given ("82" for 81.8), a fraction where a percent was asked and the reverse, text
where a number was asked, ids in another case or container, a whole table where ids
were asked, a year compared as a number.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .feedback import as_given

__all__ = [
    "Comparer",
    "Mismatch",
    "boolean",
    "choice",
    "frame",
    "members",
    "norm_label",
    "number",
    "to_number",
    "year",
]


class Mismatch(str):
    """Why an answer does not match; ``generic`` when it only says "too high/low",
    ``precision`` when the answer is right at the precision it was given."""

    generic: bool = False
    precision: bool = False

    def __new__(cls, text: str, generic: bool = False, precision: bool = False) -> Mismatch:
        obj = super().__new__(cls, text)
        obj.generic = generic
        obj.precision = precision
        return obj


Comparer = Callable[[Any, Any], "Mismatch | None"]
Unit = Literal["percent", "fraction", "points"] | None


def to_number(answer: Any) -> float | None:
    """A plain float from a number, a NumPy scalar or a one-element array/Series; else None."""
    if isinstance(answer, bool | np.bool_):
        return None
    if isinstance(answer, numbers.Real):
        return float(answer)
    if isinstance(answer, np.ndarray) and answer.size == 1:
        return to_number(answer.reshape(-1)[0].item())
    if isinstance(answer, pd.Series | pd.DataFrame) and answer.size == 1:
        return to_number(answer.to_numpy().reshape(-1)[0].item())
    return None


def _decimals_given(value: float) -> int:
    """How many decimals the learner wrote (81.80 and 81.8 both give 1; 82.0 gives 0)."""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1].rstrip("0"))


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def number(abs_tol: float = 0.5, rel_tol: float = 0.0, decimals: int = 2, unit: Unit = None) -> Comparer:
    """Compare numbers within ``abs_tol`` (or ``rel_tol`` of the expected value).

    ``decimals`` is the precision the check asks for (solutions print at it); ``unit`` is
    what the question asks for: ``"percent"`` or ``"points"`` (0-100 scale: a fraction
    0-1 is named), ``"fraction"`` (a percent is named) or ``None``.
    """

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        if isinstance(answer, str):
            stripped = answer.strip().rstrip("%").replace(",", "").strip()
            try:
                float(stripped)
            except ValueError:
                return Mismatch(f"{answer!r} is text; the answer is a number")
            return Mismatch(f"{answer!r} is text: write the number itself, without quotes or a % sign")
        value = to_number(answer)
        if value is None:
            if isinstance(answer, pd.Series | pd.DataFrame | np.ndarray | list | tuple):
                return Mismatch(f"you gave {as_given(answer)}; the answer is one number (pick the one value asked for)")
            return Mismatch(f"expected a number, got {type(answer).__name__} {as_given(answer)}")
        if math.isnan(value):
            return Mismatch("your answer is NaN: check for missing values or a division by zero")
        want = float(expected)
        tol = max(abs_tol, rel_tol * abs(want))
        if abs(value - want) <= tol + 1e-12:
            return None
        given = _decimals_given(value)
        if given < decimals and abs(value - round(want, given)) < 1e-9:
            more = decimals - given
            return Mismatch(
                f"{as_given(answer)} is right to {given} decimal{'s' if given != 1 else ''}; "
                f"give {'one more decimal' if more == 1 else f'{more} more decimals'} (the check wants {decimals})",
                precision=True,
            )
        if given >= 1 and abs(value - math.trunc(want * 10**given) / 10**given) < 1e-9:
            return Mismatch(f"{as_given(answer)} looks cut off rather than rounded: round to {decimals} decimals")
        if unit in ("percent", "points") and abs(value * 100 - want) <= tol:
            what = "a percent (0-100)" if unit == "percent" else "points on a -100 to 100 scale"
            return Mismatch(f"{as_given(answer)} looks like a fraction; the question asks for {what}: multiply by 100")
        if unit == "fraction" and abs(value / 100 - want) <= tol:
            return Mismatch(f"{as_given(answer)} looks like a percent; the question asks for a fraction between 0 and 1")
        direction = "too high" if value > want else "too low"
        return Mismatch(f"{as_given(answer)} is {direction}", generic=True)

    compare.tolerance = (abs_tol, rel_tol)  # type: ignore[attr-defined]
    compare.decimals = decimals  # type: ignore[attr-defined]
    compare.kind = "number"  # type: ignore[attr-defined]
    return compare


def year() -> Comparer:
    """Compare a calendar year: 2017 against 2018 says "one year too early"."""

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        value: float | None
        if isinstance(answer, str):
            try:
                value = float(answer.strip())
            except ValueError:
                return Mismatch(f"{answer!r} is not a year; write it as a number such as 2019")
        else:
            value = to_number(answer)
        if value is None or math.isnan(value) or value != int(value):
            return Mismatch(f"{as_given(answer)} is not a year; write it as a whole number such as 2019")
        diff = int(value) - int(expected)
        if diff == 0:
            return None
        n = abs(diff)
        span = "one year" if n == 1 else f"{n} years"
        return Mismatch(f"{int(value)} is {span} too {'late' if diff > 0 else 'early'}")

    compare.kind = "year"  # type: ignore[attr-defined]
    return compare


def norm_label(value: Any) -> str:
    """Labels and ids compared without case, surrounding spaces, ``_``/``-`` or repeated spaces."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, np.generic):
        return norm_label(value.item())
    text = str(value).strip().casefold().replace("_", " ").replace("-", " ")
    return " ".join(text.split())


def choice(options: Sequence[str] | None = None) -> Comparer:
    """Compare one label (case, spaces, ``_`` and ``-`` ignored), optionally from ``options``."""

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        if isinstance(answer, list | tuple | set | pd.Series | pd.Index | np.ndarray) and len(answer) == 1:
            answer = next(iter(answer))
        if not isinstance(answer, str | np.str_):
            return Mismatch(f"expected one label as text (in quotes), got {as_given(answer)}")
        if options is not None and norm_label(answer) not in {norm_label(o) for o in options}:
            return Mismatch(f"{answer!r} is not one of the options: {', '.join(map(str, options))}")
        return None if norm_label(answer) == norm_label(expected) else Mismatch(f"{answer!r} is not it", generic=True)

    compare.kind = "label"  # type: ignore[attr-defined]
    compare.options = tuple(options) if options is not None else None  # type: ignore[attr-defined]
    return compare


def _ids(answer: Any) -> list[Any] | Mismatch:
    if isinstance(answer, pd.DataFrame):
        cols = ", ".join(repr(c) for c in list(answer.columns)[:4])
        return Mismatch(
            f"you gave a whole table ({len(answer)} rows); pass the ids only: one column "
            f"(for example df[{cols.split(', ')[0]}]) or the index (df.index). Columns: {cols}"
        )
    if isinstance(answer, pd.Series) and answer.dtype == bool:
        return Mismatch("that is a True/False mask; pass the ids where it is True: s[s].index (or the id column of those rows)")
    if isinstance(answer, dict):
        return Mismatch("that is a dict; pass the ids as a list (list(d) gives its keys)")
    if isinstance(answer, str | bytes | np.str_):
        return [answer]
    if isinstance(answer, pd.Series | pd.Index | np.ndarray):
        return list(np.asarray(answer).reshape(-1).tolist())
    if isinstance(answer, Iterable):
        return list(answer)
    if isinstance(answer, numbers.Number):
        return [answer]
    return Mismatch(f"expected a list of ids, got {type(answer).__name__} {as_given(answer)}")


def members() -> Comparer:
    """Compare collections of ids as sets: case, spaces, order, duplicates and container ignored."""

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        got_list = _ids(answer)
        if isinstance(got_list, Mismatch):
            return got_list
        got = {norm_label(a) for a in got_list}
        want = {norm_label(e) for e in expected}
        if got == want:
            return None
        missing, extra = want - got, got - want
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing")
        if extra:
            shown = [str(a) for a in got_list if norm_label(a) in extra]
            parts.append(f"{len(extra)} that should not be there ({', '.join(sorted(set(shown))[:5])})")
        return Mismatch(f"of your {len(got)} ids, you have " + " and ".join(parts), generic=True)

    compare.kind = "ids"  # type: ignore[attr-defined]
    return compare


def boolean() -> Comparer:
    """Compare a True/False answer ("True" as text is named)."""

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        if isinstance(answer, str) and answer.strip().lower() in {"true", "false", "yes", "no"}:
            return Mismatch(f"{answer!r} is text; write True or False without quotes")
        if not isinstance(answer, bool | np.bool_):
            return Mismatch(f"expected True or False, got {as_given(answer)}")
        return None if bool(answer) == bool(expected) else Mismatch(f"{bool(answer)} is not right", generic=True)

    compare.kind = "boolean"  # type: ignore[attr-defined]
    return compare


def _as_series(value: Any) -> pd.Series | Mismatch:
    if isinstance(value, pd.Series):
        return value
    if isinstance(value, pd.DataFrame):
        if value.shape[1] == 1:
            return value.iloc[:, 0]
        return Mismatch(f"you gave a table with columns {', '.join(map(str, value.columns[:5]))}; pick the one column asked for")
    if isinstance(value, dict):
        return pd.Series(value)
    return Mismatch(f"expected a pandas Series (one value per group), got {type(value).__name__} {as_given(value)}")


def frame(abs_tol: float = 1e-6, rel_tol: float = 0.0, check_order: bool = False) -> Comparer:
    """Compare a Series or DataFrame: the same labels and values within tolerance.

    Row order is ignored unless ``check_order``; labels are compared like ids (case and
    spaces ignored); a one-column DataFrame counts as a Series. Messages name the first
    label whose value is off, never the expected value.
    """

    def values_close(a: float, b: float) -> bool:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= max(abs_tol, rel_tol * abs(b)) + 1e-12

    def compare_series(got: pd.Series, want: pd.Series, where: str = "") -> Mismatch | None:
        g = {norm_label(k): v for k, v in got.items()}
        w = {norm_label(k): (k, v) for k, v in want.items()}
        missing = [str(w[k][0]) for k in w if k not in g]
        extra = [str(k) for k in got.index if norm_label(k) not in w]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {len(missing)} label(s) (e.g. {missing[0]!r})")
            if extra:
                parts.append(f"{len(extra)} label(s) that should not be there (e.g. {extra[0]!r})")
            return Mismatch(f"{where}{' and '.join(parts)}; group by the column the question names")
        if check_order and [norm_label(k) for k in got.index] != [norm_label(k) for k in want.index]:
            return Mismatch(f"{where}the labels are right but in another order; sort as the question asks")
        if not all(to_number(wv) is not None for _, wv in w.values()):  # a text column: compare as labels
            for key, (label, wv) in w.items():
                if norm_label(g[key]) != norm_label(wv):
                    return Mismatch(f"{where}the value for {label!r} ({as_given(g[key])}) is not it", generic=True)
            return None
        got_values = {key: to_number(g[key]) for key in w}
        pairs = [(got_values[key], float(wv)) for key, (_, wv) in w.items()]
        if all(gv is not None for gv, _ in pairs) and any(abs(wv) > 1e-9 for _, wv in pairs):
            for factor, what in ((100.0, "fractions where percents were asked: multiply by 100"),
                                 (0.01, "percents where fractions were asked: divide by 100")):
                if all(values_close(float(gv) * factor, wv) for gv, wv in pairs if gv is not None):
                    return Mismatch(f"{where}your values look like {what}")
        for key, (label, wv) in w.items():
            gv = got_values[key]
            if gv is None:
                return Mismatch(f"{where}the value for {label!r} is {as_given(g[key])}, not a number")
            if not values_close(gv, float(wv)):
                direction = "too high" if gv > float(wv) else "too low"
                return Mismatch(f"{where}the value for {label!r} ({as_given(gv)}) is {direction}", generic=True)
        return None

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        if isinstance(expected, pd.DataFrame):
            if not isinstance(answer, pd.DataFrame):
                return Mismatch(f"expected a DataFrame with columns {', '.join(map(str, expected.columns))}, got {as_given(answer)}")
            cols = {norm_label(c): c for c in answer.columns}
            for col in expected.columns:
                if norm_label(col) not in cols:
                    return Mismatch(f"your table has no column {col!r}")
                problem = compare_series(answer[cols[norm_label(col)]], expected[col], f"column {col!r}: ")
                if problem is not None:
                    return problem
            return None
        got = _as_series(answer)
        if isinstance(got, Mismatch):
            return got
        return compare_series(got, expected)

    compare.tolerance = (abs_tol, rel_tol)  # type: ignore[attr-defined]
    compare.kind = "frame"  # type: ignore[attr-defined]
    return compare

