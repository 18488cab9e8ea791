"""Validation machinery: the error types, column and row-rule declarations (:class:`Column`, :class:`Rule`,
:class:`Schema`) and the vectorized helpers the row rules are built from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd


#: How many offending line numbers and values an error message shows.
SHOW_LINES = 5
SHOW_VALUES = 3
#: How many offending line numbers an error keeps in ``.rows``.
KEEP_ROWS = 10_000


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class DataValidationError(ValueError):
    """A data file (or text, or frame) does not match its schema.

    Attributes:
        path: the file as given (or a label such as ``"generated support_contacts (seed 42)"``).
        column: the column at fault, or ``None`` for problems of the whole file.
        rows: file line numbers of the offending rows (header = line 1), at most 10,000.
        detail: the message without the file prefix.
    """

    def __init__(
        self,
        detail: str,
        *,
        path: str | None = None,
        column: str | None = None,
        rows: Sequence[int] | np.ndarray = (),
    ) -> None:
        self.path = path
        self.column = column
        self.rows = tuple(int(r) for r in list(rows)[:KEEP_ROWS])
        self.detail = detail
        super().__init__(f"{path}: {detail}" if path else detail)

    def _render_traceback_(self) -> list[str]:
        """IPython/Jupyter hook: show the one-line message instead of a traceback."""
        return [f"DataValidationError: {self}"]

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:  # keep attributes when pickled
        return (_rebuild_error, (type(self), self.detail, self.path, self.column, self.rows))


def _rebuild_error(cls: type[DataValidationError], detail: str, path: str | None,
                   column: str | None, rows: tuple[int, ...]) -> DataValidationError:
    return cls(detail, path=path, column=column, rows=rows)


class UnknownKindError(DataValidationError):
    """The dataset kind is unknown or cannot be inferred from a file name."""


# --------------------------------------------------------------------------------------
# Schema declarations
# --------------------------------------------------------------------------------------

ColumnKind = Literal["int", "float", "str", "bool", "date", "month", "category"]

_TYPE_WORDS = {
    "int": "integer",
    "float": "number",
    "str": "text",
    "bool": "0/1",
    "date": "date",
    "month": "month",
    "category": "category",
}


def _num(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Column:
    """One column of a dataset.

    ``kind`` is one of ``int``, ``float``, ``str``, ``bool`` (written 0/1), ``date``
    (``YYYY-MM-DD``), ``month`` (``YYYY-MM``) or ``category`` (one of ``allowed``).
    An empty field is a null; it is allowed only when ``nullable``.
    """

    name: str
    kind: ColumnKind
    description: str
    unit: str = ""
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    allowed: tuple[str, ...] = ()
    ordered: bool = False

    def requirement(self) -> str:
        """What a valid value looks like, as used in error messages."""
        if self.kind == "bool":
            return "0 or 1"
        if self.kind == "category":
            return "one of " + ", ".join(self.allowed)
        if self.kind == "date":
            return "a date YYYY-MM-DD"
        if self.kind == "month":
            return "a month YYYY-MM"
        if self.kind == "str":
            return "a non-empty text"
        head = "an integer" if self.kind == "int" else "a number"
        return head + self.range_text(prefix=" ")

    def range_text(self, prefix: str = "") -> str:
        lo, hi = self.min, self.max
        if lo is None and hi is None:
            return ""
        if lo is not None and hi is not None and not self.min_exclusive and lo >= 0:
            return f"{prefix}{_num(lo)}-{_num(hi)}"
        parts = []
        if lo is not None:
            parts.append(f"{'>' if self.min_exclusive else '>='} {_num(lo)}")
        if hi is not None:
            parts.append(f"<= {_num(hi)}")
        return prefix + " and ".join(parts)

    def allowed_text(self) -> str:
        """Allowed values or range for the data dictionary."""
        if self.kind == "bool":
            return "0, 1"
        if self.kind == "category":
            return ", ".join(self.allowed)
        if self.kind == "date":
            return "YYYY-MM-DD"
        if self.kind == "month":
            return "YYYY-MM"
        return self.range_text() or "any"

    def pandas_dtype(self) -> object:
        """The dtype of this column in a validated frame."""
        if self.kind in ("int", "bool"):
            return "Int64" if self.nullable else "int64"
        if self.kind == "float":
            return "float64"
        if self.kind == "category":
            return pd.CategoricalDtype(list(self.allowed), ordered=self.ordered)
        if self.kind == "date":
            return "datetime64[us]"
        return "str"


# A rule returns a boolean mask of the BAD rows of a typed frame.
RuleCheck = Callable[[pd.DataFrame], np.ndarray]


@dataclass(frozen=True)
class Rule:
    """A row-level rule. ``check(df)`` returns a boolean mask of the rows that break it.

    The error reads ``column '<column>' <message>`` and shows the values of ``show``
    (default: the column) for the first offending rows.
    """

    column: str
    message: str
    check: RuleCheck
    show: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    """Columns (in file order), primary key and row rules of one dataset."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_markdown(self) -> str:
        """The data-dictionary table of this dataset (used in data/README.md)."""
        lines = [
            f"Grain: {self.grain}. Key: {', '.join(f'`{k}`' for k in self.key)}.",
            "",
            "| column | type | unit | allowed values / range | nullable | description |",
            "|---|---|---|---|---|---|",
        ]
        for c in self.columns:
            lines.append(
                f"| `{c.name}` | {_TYPE_WORDS[c.kind]} | {c.unit or '-'} | {c.allowed_text()} "
                f"| {'yes' if c.nullable else 'no'} | {c.description} |"
            )
        if self.rules:
            lines.append("")
            lines.append("Row rules:")
            lines.extend(f"- `{r.column}` {r.message}" for r in self.rules)
        return "\n".join(lines)


# ---- helpers for rules ---------------------------------------------------------------


def _f(df: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric column as float64 with NaN for nulls."""
    return df[col].to_numpy(dtype="float64", na_value=np.nan)


def _isnull(df: pd.DataFrame, col: str) -> np.ndarray:
    return df[col].isna().to_numpy()


def _month_number(df: pd.DataFrame, col: str) -> np.ndarray:
    """``YYYY-MM`` as a month count (year * 12 + month), computed once per distinct value."""
    codes, uniques = pd.factorize(df[col])
    u = pd.Series(uniques, dtype=object).astype(str)
    nums = u.str.slice(0, 4).astype("int64").to_numpy() * 12 + u.str.slice(5, 7).astype("int64").to_numpy()
    return nums[codes].astype("float64")


def _group_codes(df: pd.DataFrame, group: str) -> np.ndarray:
    return pd.factorize(df[group])[0]


def _prev_in_group(df: pd.DataFrame, group: str, values: np.ndarray) -> np.ndarray:
    """For each row, the value of the previous row (file order) of the same group, or NaN."""
    g = _group_codes(df, group)
    order = np.argsort(g, kind="stable")
    gs = g[order]
    prev_sorted = np.concatenate([[np.nan], np.asarray(values, dtype="float64")[order][:-1]])
    prev_sorted[np.concatenate([[True], gs[1:] != gs[:-1]])] = np.nan
    prev = np.empty(len(g), dtype="float64")
    prev[order] = prev_sorted
    return prev


def _backwards(df: pd.DataFrame, group: str, values: np.ndarray) -> np.ndarray:
    """Rows whose value is not greater than the previous row of the same group (file order)."""
    prev = _prev_in_group(df, group, values)
    with np.errstate(invalid="ignore"):
        return ~np.isnan(prev) & (values <= prev)


def _gap(df: pd.DataFrame, group: str, values: np.ndarray) -> np.ndarray:
    prev = _prev_in_group(df, group, values)
    with np.errstate(invalid="ignore"):
        return ~np.isnan(prev) & (values > prev + 1)


def _decreases(df: pd.DataFrame, group: str, values: np.ndarray) -> np.ndarray:
    prev = _prev_in_group(df, group, values)
    with np.errstate(invalid="ignore"):
        return ~np.isnan(prev) & (values < prev)


def _not_constant(df: pd.DataFrame, group: str, col: str) -> np.ndarray:
    """Rows of groups in which ``col`` takes more than one value."""
    g = _group_codes(df, group)
    v = pd.factorize(df[col], use_na_sentinel=False)[0]
    n = int(g.max()) + 1 if len(g) else 0
    lo = np.full(n, np.iinfo("int64").max)
    hi = np.full(n, -1)
    np.minimum.at(lo, g, v)
    np.maximum.at(hi, g, v)
    return (lo != hi)[g]


def _first_in_group(df: pd.DataFrame, group: str) -> np.ndarray:
    return ~pd.Series(_group_codes(df, group)).duplicated(keep="first").to_numpy()


def _last_in_group(df: pd.DataFrame, group: str) -> np.ndarray:
    return ~pd.Series(_group_codes(df, group)).duplicated(keep="last").to_numpy()


def require_columns(frame: object, columns: "Iterable[str]", what: str) -> None:
    """Raise a one-line ``ValueError`` when ``frame`` is not a DataFrame or lacks
    any of ``columns`` (used by the analysis helpers on frames passed in)."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame; got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} is missing column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}"
        )
