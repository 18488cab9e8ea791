"""Schemas for the workbook's datasets and a validator that explains problems in one line.

Every dataset the notebooks use has a declarative :class:`Schema` in :data:`SCHEMAS`: the
columns in order (type, unit, nullable, range or allowed values), the primary key and
row-level rules (funnel stages monotone, a post-test score only for students who stayed, ...).

:func:`read_csv_validated` reads a CSV file (or CSV text) as strings, checks the structure
(encoding, header, ragged rows), converts column by column and checks values, keys and rules.
The first problem found raises :class:`DataValidationError` with a one-line message that names
the file, the column and the first offending rows as *file line numbers* (the header is line
1), plus a few of the bad values::

    data/customer_survey.csv: column 'nps' must be an integer 0-10; bad values at lines 7, 19, 33 (3 rows): 11, -1, 12

Command line::

    python -m helpers.validate PATH [--kind KIND]

prints ``ok: PATH (KIND, N rows)`` and exits 0 for a valid file; prints the one-line problem on
stderr and exits 1 for an invalid one; exits 2 on a usage error (unknown kind, kind not
inferable from the file name).
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "require_columns",
    "Column",
    "DataValidationError",
    "Rule",
    "SCHEMAS",
    "Schema",
    "UnknownKindError",
    "data_dictionary_markdown",
    "frame_to_csv_text",
    "infer_kind",
    "main",
    "read_csv_validated",
    "validate_file",
    "validate_frame",
]

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


def _implies(a: str, b: str) -> Rule:
    """Stage ``a`` = 1 requires stage ``b`` = 1 (funnel monotone)."""
    return Rule(
        a,
        f"is 1 but {b} is 0 (a later stage implies the earlier ones)",
        lambda df: (_f(df, a) == 1) & (_f(df, b) == 0),
        (a, b),
    )


def _null_iff(col: str, flag: str, flag_value: int, what: str) -> Rule:
    """``col`` is null exactly when ``flag == flag_value``."""

    def check(df: pd.DataFrame) -> np.ndarray:
        return _isnull(df, col) != (_f(df, flag) == flag_value)

    return Rule(col, f"must be empty exactly when {flag} is {flag_value} ({what})", check, (col, flag))


def _null_if(col: str, flag: str, flag_value: int) -> Rule:
    return Rule(
        col,
        f"must be empty when {flag} is {flag_value}",
        lambda df: ~_isnull(df, col) & (_f(df, flag) == flag_value),
        (col, flag),
    )


# ---- column shorthands ---------------------------------------------------------------


def _id(name: str, what: str) -> Column:
    return Column(name, "str", what)


def _flag(name: str, what: str, nullable: bool = False) -> Column:
    return Column(name, "bool", what, nullable=nullable)


def _int(name: str, what: str, lo: float | None = None, hi: float | None = None, unit: str = "",
         nullable: bool = False) -> Column:
    return Column(name, "int", what, unit=unit, min=lo, max=hi, nullable=nullable)


def _float(name: str, what: str, lo: float | None = None, hi: float | None = None,
           unit: str = "", nullable: bool = False, min_exclusive: bool = False) -> Column:
    return Column(name, "float", what, unit=unit, min=lo, max=hi, nullable=nullable,
                  min_exclusive=min_exclusive)


def _cat(name: str, what: str, allowed: Sequence[str], ordered: bool = False) -> Column:
    return Column(name, "category", what, allowed=tuple(allowed), ordered=ordered)


SEGMENTS = ("SMB", "Mid-market", "Enterprise")
TALIS_ITEMS = (
    "prof_advantages",
    "prof_choose_again",
    "prof_regret",
    "prof_other_profession",
    "school_change",
    "school_enjoy",
    "school_recommend",
    "job_satisfied_overall",
)
#: TALIS items worded negatively: agreeing means LESS satisfied (reverse before scoring).
TALIS_REVERSED = ("prof_regret", "prof_other_profession", "school_change")
_TALIS_TEXT = {
    "prof_advantages": "The advantages of being a teacher clearly outweigh the disadvantages",
    "prof_choose_again": "If I could decide again, I would still choose to work as a teacher",
    "prof_regret": "I regret that I decided to become a teacher (reversed)",
    "prof_other_profession": "I wonder whether it would have been better to choose another "
    "profession (reversed)",
    "school_change": "I would like to change to another school if that were possible (reversed)",
    "school_enjoy": "I enjoy working at this school",
    "school_recommend": "I would recommend this school as a good place to work",
    "job_satisfied_overall": "All in all, I am satisfied with my job",
}
EXCLUSIONS = ("none", "death", "permanent_disability", "military", "foreign_aid", "church_mission")
FINAL_RESULTS = ("Distinction", "Pass", "Fail", "Withdrawn")

_SCHEMA_LIST: list[Schema] = [
    Schema(
        "support_contacts",
        "one row per customer-support contact (one quarter)",
        (
            _id("contact_id", "contact identifier"),
            Column("date", "date", "date the contact was opened"),
            _id("agent_id", "agent who handled the contact"),
            _cat("team", "support team of the agent", ("Billing", "Technical", "Accounts", "Onboarding")),
            _cat("channel", "contact channel", ("phone", "chat", "email")),
            _float("handle_time_min", "handle time of the contact", 0, 600, "minutes", min_exclusive=True),
            _int("transfers", "times the contact was transferred to another agent", 0, 10),
            _flag("resolved_first_contact", "1 if the issue was resolved in this contact (FCR)"),
            _flag("repeat_within_7d", "1 if the same customer contacted again within 7 days "
                  "about the same issue (failure demand)"),
            _int("csat", "post-contact satisfaction, 1 = very dissatisfied, 5 = very satisfied; "
                 "empty if the customer did not answer", 1, 5, "1-5 scale", nullable=True),
            _int("ces", "Customer Effort Score 2.0: 'the company made it easy to handle my "
                 "issue', 1 = strongly disagree, 7 = strongly agree (higher is better); empty "
                 "if not answered", 1, 7, "1-7 scale", nullable=True),
        ),
        ("contact_id",),
        (
            Rule("ces", "must be empty when csat is empty (CES is asked after CSAT)",
                 lambda df: ~_isnull(df, "ces") & _isnull(df, "csat"), ("ces", "csat")),
        ),
    ),
    Schema(
        "customer_survey",
        "one row per customer invited to the relationship survey",
        (
            _id("customer_id", "customer identifier"),
            _cat("segment", "customer segment", SEGMENTS),
            _int("tenure_months", "months since the customer signed up", 0, 600, "months"),
            _flag("resolved_case", "1 if the customer's last support case was resolved"),
            _flag("coached_by_agent", "1 if the last case was handled by an agent who asks "
                  "customers to 'rate me 9 or 10'"),
            _flag("responded", "1 if the customer answered the survey"),
            _int("nps", "likelihood to recommend, 0-10 (promoters 9-10, passives 7-8, "
                 "detractors 0-6); empty if not responded", 0, 10, "0-10 scale", nullable=True),
            _int("csat", "satisfaction 1-5; empty if not responded or skipped", 1, 5,
                 "1-5 scale", nullable=True),
            _int("ces", "CES 2.0 ease 1-7 (higher is easier); empty if not responded or "
                 "skipped", 1, 7, "1-7 scale", nullable=True),
            _float("true_satisfaction", "simulation only: the latent satisfaction of EVERY "
                   "invited customer (unobservable in real life)", 0, 10, "0-10 scale"),
            _flag("churned_next_quarter", "1 if the customer left in the following quarter "
                  "(known for every invited customer)"),
        ),
        ("customer_id",),
        (
            _null_iff("nps", "responded", 0, "only respondents give a score"),
            _null_if("csat", "responded", 0),
            _null_if("ces", "responded", 0),
        ),
    ),
    Schema(
        "customer_accounts",
        "one row per customer per month while the customer is with the company "
        "(from the first month in the window to the month they churn)",
        (
            _id("customer_id", "customer identifier"),
            Column("month", "month", "calendar month"),
            _cat("segment", "customer segment", SEGMENTS),
            _cat("plan", "subscription plan", ("Essentials", "Premier")),
            _cat("region", "sales region", ("North", "South", "East", "West")),
            _flag("active", "1 if still a customer at the end of the month (0 only in the "
                  "churn month)"),
            _flag("new_this_month", "1 in the month the customer was acquired"),
            _flag("churned_this_month", "1 in the month the customer cancelled"),
            _float("revenue", "revenue billed in the month", 0, None, "currency units"),
            _float("cost_to_serve", "cost of serving the customer in the month (support, "
                   "hosting, account management)", 0, None, "currency units"),
            _float("acquisition_cost", "cost of acquiring the customer, on the customer's "
                   "first row only (also for customers acquired before the window)", 0, None,
                   "currency units", nullable=True),
        ),
        ("customer_id", "month"),
        (
            Rule("active", "must be 0 exactly in the churn month (active = 1 - churned_this_month)",
                 lambda df: _f(df, "active") + _f(df, "churned_this_month") != 1,
                 ("active", "churned_this_month")),
            Rule("churned_this_month", "cannot be 1 in the month the customer is new",
                 lambda df: (_f(df, "new_this_month") == 1) & (_f(df, "churned_this_month") == 1),
                 ("new_this_month", "churned_this_month")),
            Rule("month", "goes backwards for a customer (each customer's rows must be in "
                 "month order)",
                 lambda df: _backwards(df, "customer_id", _month_number(df, "month")),
                 ("customer_id", "month")),
            Rule("month", "skips months for a customer (rows must be consecutive months)",
                 lambda df: _gap(df, "customer_id", _month_number(df, "month")),
                 ("customer_id", "month")),
            Rule("new_this_month", "can be 1 only on the customer's first row",
                 lambda df: (_f(df, "new_this_month") == 1) & ~_first_in_group(df, "customer_id"),
                 ("customer_id", "month")),
            Rule("churned_this_month", "can be 1 only on the customer's last row",
                 lambda df: (_f(df, "churned_this_month") == 1) & ~_last_in_group(df, "customer_id"),
                 ("customer_id", "month")),
            Rule("acquisition_cost", "must be given on the customer's first row and only there",
                 lambda df: _isnull(df, "acquisition_cost") == _first_in_group(df, "customer_id"),
                 ("customer_id", "month", "acquisition_cost")),
            Rule("segment", "must be the same on every row of a customer",
                 lambda df: _not_constant(df, "customer_id", "segment"), ("customer_id", "segment")),
            Rule("plan", "must be the same on every row of a customer",
                 lambda df: _not_constant(df, "customer_id", "plan"), ("customer_id", "plan")),
        ),
    ),
    Schema(
        "product_usage",
        "one row per customer per week (Monday) around the launch of a self-service path",
        (
            Column("week", "date", "Monday of the week"),
            _id("customer_id", "customer identifier"),
            _flag("used_old_path", "1 if the customer used the old (assisted) path this week"),
            _flag("used_new_self_service_path", "1 if the customer used the new self-service "
                  "path this week"),
            _int("support_contacts", "support contacts opened by the customer this week", 0, 100),
            _int("tasks_completed", "tasks the customer completed in the product this week", 0, 10_000),
        ),
        ("customer_id", "week"),
        (
            Rule("week", "must be a Monday",
                 lambda df: (df["week"].dt.day_of_week != 0).to_numpy(), ("week",)),
        ),
    ),
    Schema(
        "release_log",
        "one row per week: what the product team shipped (output)",
        (
            Column("week", "date", "Monday of the week"),
            _int("features_shipped", "features released this week", 0, 1000),
            _int("help_articles_published", "self-service help articles published this week", 0, 1000),
            _flag("self_service_release", "1 in the week the new self-service path was released"),
        ),
        ("week",),
        (
            Rule("week", "must be a Monday",
                 lambda df: (df["week"].dt.day_of_week != 0).to_numpy(), ("week",)),
            Rule("week", "must increase from row to row",
                 lambda df: np.r_[False, np.diff(df["week"].to_numpy().astype("int64")) <= 0],
                 ("week",)),
        ),
    ),
    Schema(
        "customer_journey",
        "one row per customer: pass/fail on five moments of truth in the first year, and churn",
        (
            _id("customer_id", "customer identifier"),
            _cat("segment", "customer segment", SEGMENTS),
            _flag("onboarding_complete", "1 if onboarding was completed within 30 days"),
            _flag("first_value_within_14d", "1 if the customer reached their first successful "
                  "outcome with the product within 14 days"),
            _flag("first_support_case_resolved", "1 if the customer's first support case was "
                  "resolved at first contact"),
            _flag("admin_trained", "1 if the customer's administrator completed training"),
            _flag("renewal_review_held", "1 if a success review was held before renewal"),
            _int("csat_onboarding", "satisfaction with onboarding, 1-5", 1, 5, "1-5 scale"),
            _flag("churned", "1 if the customer did not renew after the first year"),
        ),
        ("customer_id",),
    ),
    Schema(
        "enrollment_funnel",
        "one row per prospective student in the admissions CRM",
        (
            _id("applicant_id", "prospect identifier"),
            _int("cohort_year", "fall term the prospect would enter", 1990, 2100, "year"),
            _cat("source", "how the prospect first reached the institution",
                 ("web", "school_visit", "referral", "college_fair")),
            _flag("first_generation", "1 if neither parent holds a bachelor's degree"),
            _flag("pell", "1 if Pell-eligible (from the FAFSA); empty for prospects who never "
                  "applied", nullable=True),
            _cat("residency", "residency for tuition", ("in-state", "out-of-state", "international")),
            _flag("inquired", "1 if the prospect asked for information"),
            _flag("applied", "1 if the prospect submitted an application"),
            _flag("admitted", "1 if admitted"),
            _flag("deposited", "1 if an enrollment deposit was paid"),
            _flag("enrolled_census", "1 if enrolled on the fall census date"),
            _flag("melted", "1 if deposited but not enrolled at census (summer melt)"),
        ),
        ("applicant_id",),
        (
            _implies("applied", "inquired"),
            _implies("admitted", "applied"),
            _implies("deposited", "admitted"),
            _implies("enrolled_census", "deposited"),
            Rule("melted", "must be 1 exactly when deposited is 1 and enrolled_census is 0",
                 lambda df: _f(df, "melted") != ((_f(df, "deposited") == 1)
                                                 & (_f(df, "enrolled_census") == 0)),
                 ("melted", "deposited", "enrolled_census")),
            _null_iff("pell", "applied", 0, "Pell eligibility is known only from an application"),
        ),
    ),
    Schema(
        "student_terms",
        "one row per first-time, degree-seeking student per fall term since entry "
        "(students who withdrew before the first census date have only their entry row)",
        (
            _id("student_id", "student identifier"),
            _int("cohort_year", "fall term of entry", 1990, 2100, "year"),
            _int("term", "fall term of this row", 1990, 2110, "year"),
            _int("term_index", "years since entry (0 = entry fall, 1 = second fall, ...)", 0, 20),
            _cat("attendance", "attendance status at entry (defines the IPEDS cohort)",
                 ("full-time", "part-time")),
            _flag("first_generation", "1 if neither parent holds a bachelor's degree"),
            _flag("pell", "1 if a Pell grant recipient at entry"),
            _flag("enrolled", "1 if enrolled at THIS institution on this fall's census date"),
            _flag("enrolled_elsewhere", "1 if enrolled at another institution this fall "
                  "(National Student Clearinghouse match)"),
            _flag("transferred_out", "1 from the first fall the student is found at another "
                  "institution"),
            _flag("completed", "1 if the student has completed a bachelor's degree at this "
                  "institution by this fall (cumulative)"),
            _cat("exclusion", "IPEDS allowable exclusion, from the fall after it happened (kept if "
                 "the student re-enrolls after military, foreign aid or church service)",
                 EXCLUSIONS),
            _flag("withdrew_before_census", "1 on the entry row of a student who withdrew "
                  "before the first census date (not in the IPEDS cohort)"),
        ),
        ("student_id", "term_index"),
        (
            Rule("term", "must equal cohort_year + term_index (a term before the cohort year is "
                 "impossible)",
                 lambda df: _f(df, "term") != _f(df, "cohort_year") + _f(df, "term_index"),
                 ("term", "cohort_year", "term_index")),
            Rule("enrolled_elsewhere", "cannot be 1 when enrolled is 1",
                 lambda df: (_f(df, "enrolled") == 1) & (_f(df, "enrolled_elsewhere") == 1),
                 ("enrolled", "enrolled_elsewhere")),
            Rule("transferred_out", "must be 1 when enrolled_elsewhere is 1",
                 lambda df: (_f(df, "enrolled_elsewhere") == 1) & (_f(df, "transferred_out") == 0),
                 ("enrolled_elsewhere", "transferred_out")),
            Rule("enrolled", "must be 0 once the student has completed",
                 lambda df: (_f(df, "completed") == 1) & (_f(df, "enrolled") == 1),
                 ("enrolled", "completed")),
            Rule("enrolled", "must be 0 once death or permanent_disability applies (a student "
                 "back from service may re-enroll)",
                 lambda df: df["exclusion"].isin(("death", "permanent_disability")).to_numpy()
                 & (_f(df, "enrolled") == 1),
                 ("enrolled", "exclusion")),
            Rule("withdrew_before_census", "can be 1 only on the entry row (term_index 0) with "
                 "enrolled 0",
                 lambda df: (_f(df, "withdrew_before_census") == 1)
                 & ((_f(df, "term_index") != 0) | (_f(df, "enrolled") == 1)),
                 ("withdrew_before_census", "term_index", "enrolled")),
            Rule("enrolled", "must be 1 on the entry row of a student in the cohort",
                 lambda df: (_f(df, "term_index") == 0) & (_f(df, "withdrew_before_census") == 0)
                 & (_f(df, "enrolled") == 0),
                 ("enrolled", "term_index", "withdrew_before_census")),
            Rule("term_index", "goes backwards for a student (each student's rows must be in "
                 "term order)",
                 lambda df: _backwards(df, "student_id", _f(df, "term_index")),
                 ("student_id", "term_index")),
            Rule("completed", "goes from 1 back to 0 for a student (completion is cumulative)",
                 lambda df: _decreases(df, "student_id", _f(df, "completed")),
                 ("student_id", "term_index", "completed")),
            Rule("cohort_year", "must be the same on every row of a student",
                 lambda df: _not_constant(df, "student_id", "cohort_year"),
                 ("student_id", "cohort_year")),
        ),
    ),
    Schema(
        "lms_activity",
        "one row per student per course week while enrolled (rows stop after the week a "
        "student withdraws)",
        (
            _id("student_id", "student identifier"),
            _id("course_id", "course (module) code"),
            _int("week", "course week", 1, 52),
            _int("clicks", "clicks in the virtual learning environment this week", 0, 100_000),
            _int("sessions", "separate log-in sessions this week", 0, 1000),
            _int("posts", "forum posts this week", 0, 1000),
            _int("submissions", "assignments or quizzes submitted this week", 0, 100),
            _flag("active", "1 if the student had any activity (clicks > 0) this week"),
            _cat("final_result", "final result of the course (illustrative mix modelled after "
                 "the OULAD dataset)", FINAL_RESULTS, ordered=True),
            _int("withdrawal_week", "week the student withdrew; empty unless final_result is "
                 "Withdrawn", 1, 52, nullable=True),
        ),
        ("student_id", "week"),
        (
            Rule("active", "must be 1 exactly when clicks > 0",
                 lambda df: _f(df, "active") != (_f(df, "clicks") > 0), ("active", "clicks")),
            Rule("sessions", "cannot exceed clicks",
                 lambda df: _f(df, "sessions") > _f(df, "clicks"), ("sessions", "clicks")),
            Rule("withdrawal_week", "must be given exactly when final_result is Withdrawn",
                 lambda df: _isnull(df, "withdrawal_week") == (df["final_result"] == "Withdrawn").to_numpy(),
                 ("withdrawal_week", "final_result")),
            Rule("week", "is after the student's withdrawal_week",
                 lambda df: _f(df, "week") > np.nan_to_num(_f(df, "withdrawal_week"), nan=np.inf),
                 ("week", "withdrawal_week")),
            Rule("course_id", "must be the same on every row of a student",
                 lambda df: _not_constant(df, "student_id", "course_id"), ("student_id", "course_id")),
            Rule("final_result", "must be the same on every row of a student",
                 lambda df: _not_constant(df, "student_id", "final_result"),
                 ("student_id", "final_result")),
        ),
    ),
    Schema(
        "assessments",
        "one row per student in an introductory course with a pre-test, post-test and an "
        "independent transfer test",
        (
            _id("student_id", "student identifier"),
            _id("section", "course section"),
            _cat("teaching_mode", "teaching approach of the section", ("traditional", "interactive")),
            _float("pre_score", "pre-test score (start of term)", 0, 100, "% correct"),
            _float("post_score", "post-test score, same instrument as the pre-test; empty for "
                   "students who dropped", 0, 100, "% correct", nullable=True),
            _float("transfer_score", "independent low-stakes test of the same concepts in a new "
                   "format (end of term); empty for students who dropped", 0, 100, "% correct",
                   nullable=True),
            _flag("dropped", "1 if the student left the course before the post-test"),
        ),
        ("student_id",),
        (
            _null_iff("post_score", "dropped", 1, "students who dropped have no post-test"),
            _null_iff("transfer_score", "dropped", 1, "students who dropped have no transfer test"),
            Rule("teaching_mode", "must be the same on every row of a section",
                 lambda df: _not_constant(df, "section", "teaching_mode"), ("section", "teaching_mode")),
        ),
    ),
    Schema(
        "educator_survey",
        "one row per teacher invited to a TALIS-style job-satisfaction survey",
        (
            _id("teacher_id", "teacher identifier"),
            _id("school_id", "school identifier"),
            _float("school_low_income_pct", "share of the school's students from low-income "
                   "families (school attribute)", 0, 100, "%"),
            _float("class_mean_score", "mean end-of-year score of the teacher's students "
                   "(administrative data, known for every teacher)", 0, 100, "points"),
            _flag("responded", "1 if the teacher answered the survey"),
            *(
                _int(item, f"'{_TALIS_TEXT[item]}': 1 = strongly disagree, 4 = strongly agree; "
                     "empty if not responded", 1, 4, "1-4 agree scale", nullable=True)
                for item in TALIS_ITEMS
            ),
            _int("pd_hours", "hours of professional development in the last 12 months; empty "
                 "if not responded", 0, 1000, "hours", nullable=True),
            _flag("left_next_year", "1 if the teacher left the school the following year (known "
                  "for every invited teacher)"),
        ),
        ("teacher_id",),
        (
            *(_null_if(item, "responded", 0) for item in (*TALIS_ITEMS, "pd_hours")),
            Rule("job_satisfied_overall", "must be given when responded is 1",
                 lambda df: _isnull(df, "job_satisfied_overall") & (_f(df, "responded") == 1),
                 ("job_satisfied_overall", "responded")),
            Rule("school_low_income_pct", "must be the same on every row of a school",
                 lambda df: _not_constant(df, "school_id", "school_low_income_pct"),
                 ("school_id", "school_low_income_pct")),
        ),
    ),
]

#: Every dataset kind -> its schema.
SCHEMAS: dict[str, Schema] = {s.name: s for s in _SCHEMA_LIST}


def data_dictionary_markdown(kind: str) -> str:
    """The data-dictionary table of one dataset, as printed in data/README.md."""
    return _schema(kind).to_markdown()


# --------------------------------------------------------------------------------------
# Reading and validating
# --------------------------------------------------------------------------------------


def _schema(kind: str) -> Schema:
    try:
        return SCHEMAS[kind]
    except (KeyError, TypeError):
        raise UnknownKindError(
            f"unknown dataset kind {kind!r}; valid kinds: {', '.join(SCHEMAS)}"
        ) from None


def infer_kind(path: str | Path) -> str:
    """The dataset kind named by a file's stem (``data/customer_survey.csv`` -> ``customer_survey``)."""
    stem = Path(path).stem
    if stem not in SCHEMAS:
        raise UnknownKindError(
            f"cannot infer the dataset kind from the file name {Path(path).name!r}; pass "
            f"--kind KIND (one of: {', '.join(SCHEMAS)})",
            path=str(path),
        )
    return stem


def _lines_text(lines: Sequence[int] | np.ndarray, total: int | None = None) -> str:
    total = len(lines) if total is None else total
    shown = ", ".join(str(int(x)) for x in list(lines)[:SHOW_LINES])
    more = ", ..." if total > SHOW_LINES else ""
    noun = "row" if total == 1 else "rows"
    return f"{'line' if total == 1 else 'lines'} {shown}{more} ({total} {noun})"


def _show(v: object) -> str:
    """A raw field as shown in messages: numbers as they are, other text quoted."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return "(empty)"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    s = str(v)
    if len(s) > 30:
        s = s[:27] + "..."
    try:
        float(s)
        return s
    except ValueError:
        return repr(s)


def _fail(label: str, column: str | None, requirement: str, bad: np.ndarray,
          line_no: np.ndarray, values: Sequence[object] | np.ndarray | None = None,
          what: str = "bad values",
          shown: Sequence[str] | None = None, name_column: bool = True) -> None:
    """Raise the one-line error for the rows where ``bad`` is True.

    The first few offending values are shown from ``values`` (raw fields) or, already
    formatted, from ``shown``; with neither, only the lines are named.
    """
    idx = np.flatnonzero(bad)
    lines = line_no[idx]
    if shown is None and values is not None:
        shown = [_show(values[i]) for i in idx[:SHOW_VALUES]]
    tail = f": {', '.join(shown[:SHOW_VALUES])}" if shown else ""
    col = f"column '{column}' " if column and name_column else ""
    raise DataValidationError(
        f"{col}{requirement}; {what} at {_lines_text(lines)}{tail}",
        path=label,
        column=column,
        rows=lines,
    )


def _decode(raw: bytes, label: str) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise DataValidationError(
            f"not UTF-8 text: byte 0x{raw[e.start]:02x} at line {line} cannot be decoded; "
            "save the file as UTF-8 (CSV UTF-8 in Excel)",
            path=label,
            rows=(line,),
        ) from None


def _read_source(source: str | Path | bytes, label: str | None) -> tuple[str, str]:
    """Return (text, label) for a path, CSV text or bytes."""
    if isinstance(source, bytes):
        label = label or "<bytes>"
        return _decode(source, label), label
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return source.removeprefix("\ufeff"), label or "<text>"
    if not isinstance(source, (str, Path)):
        raise TypeError(f"source must be a path, CSV text or bytes, not {type(source).__name__}")
    path = Path(source)
    label = label or str(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataValidationError("file not found", path=label) from None
    except IsADirectoryError:
        raise DataValidationError("is a directory, not a CSV file", path=label) from None
    except PermissionError:
        raise DataValidationError("cannot read the file: permission denied", path=label) from None
    except OSError as e:
        raise DataValidationError(f"cannot read the file: {e.strerror or e}", path=label) from None
    return _decode(raw, label), label


def _parse_records(text: str, label: str) -> tuple[list[list[str]], list[int]]:
    """CSV records and the file line on which each starts; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    lines: list[int] = []
    prev = 0
    try:
        for rec in reader:
            start = prev + 1
            prev = reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            records.append(rec)
            lines.append(start)
    except csv.Error as e:
        raise DataValidationError(
            f"cannot parse the CSV at line {reader.line_num}: {e}", path=label,
            rows=(reader.line_num,),
        ) from None
    return records, lines


def _convert(col: Column, raw: np.ndarray, line_no: np.ndarray, label: str) -> object:
    """Convert one column of raw strings, raising on the first kind of problem."""
    null = raw == ""
    if not col.nullable and null.any():
        _fail(label, col.name, "must not be empty", null, line_no, what="empty fields")
    kind = col.kind
    if kind in ("int", "float"):
        try:  # fast path: Python's float() parses every field (empty fields as NaN)
            num = np.fromiter(map(float, np.where(null, "nan", raw)), dtype="float64",
                              count=len(raw))
        except ValueError:  # some field is not a number: parse leniently to find it
            num = np.asarray(pd.to_numeric(raw, errors="coerce"), dtype="float64")
        with np.errstate(invalid="ignore"):
            bad = ~null & ~np.isfinite(num)
            if kind == "int":
                bad |= ~null & (num != np.round(num))
            ok = ~null & ~bad
            if col.min is not None:
                bad |= ok & ((num <= col.min) if col.min_exclusive else (num < col.min))
            if col.max is not None:
                bad |= ok & (num > col.max)
        if bad.any():
            _fail(label, col.name, f"must be {col.requirement()}", bad, line_no, raw)
        if kind == "float":
            return num
        values = np.where(null, 0, num).astype("int64")
        if col.nullable:
            return pd.arrays.IntegerArray(values, null.copy())
        return values
    if kind == "bool":
        one = raw == "1"
        bad = ~null & ~one & (raw != "0")
        if bad.any():
            _fail(label, col.name, f"must be {col.requirement()}", bad, line_no, raw)
        values = one.astype("int64")
        if col.nullable:
            return pd.arrays.IntegerArray(values, null.copy())
        return values
    if kind == "category":
        codes = pd.Index(list(col.allowed)).get_indexer(raw)
        bad = ~null & (codes == -1)
        if bad.any():
            _fail(label, col.name, f"must be {col.requirement()}", bad, line_no, raw)
        return pd.Categorical.from_codes(codes, categories=list(col.allowed), ordered=col.ordered)
    if kind in ("date", "month"):
        width, fmt = (10, "%Y-%m-%d") if kind == "date" else (7, "%Y-%m")
        parsed = pd.to_datetime(pd.Series(raw, dtype=object), format=fmt, errors="coerce")
        lengths = np.frompyfunc(len, 1, 1)(raw).astype("int64")
        bad = ~null & (parsed.isna().to_numpy() | (lengths != width))
        if bad.any():
            _fail(label, col.name, f"must be {col.requirement()}", bad, line_no, raw)
        if kind == "date":
            return parsed.astype("datetime64[us]").to_numpy()
        return pd.array(_with_missing(raw, null), dtype="str")
    return pd.array(_with_missing(raw, null), dtype="str")


def _with_missing(raw: np.ndarray, null: np.ndarray) -> np.ndarray:
    """``raw`` as objects with None where ``null``."""
    out = np.asarray(raw, dtype=object).copy()
    out[null] = None
    return out


def _check_keys(schema: Schema, df: pd.DataFrame, line_no: np.ndarray, label: str) -> None:
    key = list(schema.key)
    dup = df.duplicated(subset=key, keep=False).to_numpy()
    if not dup.any():
        return
    full = df.duplicated(keep=False).to_numpy()
    key_text = " + ".join(key)
    keys = df[key].astype(str).agg("/".join, axis=1).to_numpy() if len(key) > 1 else df[key[0]].to_numpy()
    if (dup & full).any():
        _fail(label, key[0], f"duplicate records: the same row appears more than once "
              f"(key {key_text})", dup & full, line_no, keys, what="repeated rows",
              name_column=False)
    _fail(label, key[0], f"duplicate key: each {key_text} must appear once", dup, line_no, keys,
          what="duplicates", name_column=False)


def _check_rules(schema: Schema, df: pd.DataFrame, line_no: np.ndarray, label: str) -> None:
    for rule in schema.rules:
        bad = np.asarray(rule.check(df), dtype=bool)
        if bad.any():
            show = rule.show or (rule.column,)
            idx = np.flatnonzero(bad)[:SHOW_VALUES]
            sub = df.iloc[idx]
            texts = [" ".join(f"{c}={_show(sub[c].iloc[i])}" for c in show) for i in range(len(idx))]
            _fail(label, rule.column, rule.message, bad, line_no, what="bad rows", shown=texts)


def _check_header(header: list[str], header_line: int, schema: Schema, label: str) -> None:
    expected = schema.names
    seen: set[str] = set()
    repeated = [h for h in header if h in seen or seen.add(h)]  # type: ignore[func-returns-value]
    if repeated:
        raise DataValidationError(
            f"column '{repeated[0]}' appears more than once in the header (line {header_line})",
            path=label, column=repeated[0], rows=(header_line,))
    missing = [c for c in expected if c not in header]
    if missing:
        raise DataValidationError(
            f"missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)} in the header (line {header_line}); "
            f"expected columns: {', '.join(expected)}",
            path=label, column=missing[0], rows=(header_line,))
    extra = [c for c in header if c not in expected]
    if extra:
        raise DataValidationError(
            f"unexpected column{'s' if len(extra) > 1 else ''} "
            f"{', '.join(repr(c) for c in extra)} in the header (line {header_line}); "
            f"expected columns: {', '.join(expected)}",
            path=label, column=extra[0], rows=(header_line,))


def _ragged(widths: np.ndarray, n: int, line_no: np.ndarray, label: str) -> None:
    bad = widths != n
    if bad.any():
        idx = np.flatnonzero(bad)
        shown = ", ".join(f"{widths[i]} fields" for i in idx[:SHOW_VALUES])
        raise DataValidationError(
            f"wrong number of fields (the header has {n}); bad rows at "
            f"{_lines_text(line_no[idx])}: {shown}",
            path=label, rows=line_no[idx])


def _clean_header(fields: list[str]) -> list[str]:
    header = [h.strip() for h in fields]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:].strip()
    return header


def _parse_fast(text: str, schema: Schema, label: str
                ) -> tuple[list[str], dict[str, np.ndarray], np.ndarray] | None:
    """Parse plain CSV text (no quotes, no blank lines) with pandas' C reader.

    Returns None whenever the text needs the careful path (quotes, blank or whitespace-only
    lines, ragged rows, ...): that path finds and names the offending lines.
    """
    if '"' in text or text.startswith(("\n", "\r")):
        return None
    body = text.rstrip("\r\n")
    if "\r" in body.replace("\r\n", "") or "\n\n" in body or "\n\r\n" in body:
        return None
    first = body.split("\n", 1)[0].rstrip("\r")
    header = _clean_header(first.split(","))
    _check_header(header, 1, schema, label)
    try:
        frame = pd.read_csv(io.StringIO(body), dtype=str, na_filter=False, header=0,
                            engine="c")
    except (pd.errors.ParserError, ValueError):
        return None
    n = len(header)
    if frame.shape[1] != n or len(frame) == 0:
        return None
    # the C reader rejects long rows; equal comma totals then rule out short ones
    if body.count(",") != (len(frame) + 1) * (n - 1):
        return None
    columns = {h: frame.iloc[:, i].to_numpy(dtype=object) for i, h in enumerate(header)}
    return header, columns, np.arange(2, len(frame) + 2, dtype="int64")


def _parse_careful(text: str, schema: Schema, label: str
                   ) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """Parse any CSV text with the csv module, tracking the line each record starts on."""
    records, lines = _parse_records(text, label)
    if not records:
        raise DataValidationError(
            f"file is empty; expected a header line: {','.join(schema.names)}", path=label)
    header = _clean_header(records[0])
    _check_header(header, lines[0], schema, label)
    data = records[1:]
    if not data:
        raise DataValidationError(
            f"no data rows: the file has only a header line ({len(header)} columns)", path=label)
    line_no = np.asarray(lines[1:], dtype="int64")
    widths = np.fromiter((len(r) for r in data), dtype="int64", count=len(data))
    _ragged(widths, len(header), line_no, label)
    columns = dict(zip(header, (np.array(c, dtype=object) for c in zip(*data))))
    return header, columns, line_no


def _validate_columns(columns: dict[str, np.ndarray], line_no: np.ndarray, schema: Schema,
                      label: str) -> pd.DataFrame:
    out: dict[str, object] = {}
    for col in schema.columns:
        out[col.name] = _convert(col, columns[col.name], line_no, label)
    df = pd.DataFrame(out)
    _check_keys(schema, df, line_no, label)
    _check_rules(schema, df, line_no, label)
    return df


def read_csv_validated(source: str | Path | bytes, kind: str, label: str | None = None) -> pd.DataFrame:
    """Read a CSV file (path), CSV text (a str containing a newline) or bytes, and validate it.

    Returns a typed frame in schema column order: integers as ``int64`` (``Int64`` when
    nullable), 0/1 flags as integers, categories as ``category``, dates as ``datetime64``,
    months and identifiers as ``str``. Raises :class:`DataValidationError` on the first
    problem, naming ``label`` (default: the path) and file line numbers.
    """
    schema = _schema(kind)
    text, label = _read_source(source, label)
    if not text.strip():
        raise DataValidationError(
            f"file is empty; expected a header line: {','.join(schema.names)}", path=label)
    parsed = _parse_fast(text, schema, label)
    if parsed is None:
        parsed = _parse_careful(text, schema, label)
    _, columns, line_no = parsed
    return _validate_columns(columns, line_no, schema, label)


def validate_file(path: str | Path, kind: str | None = None) -> pd.DataFrame:
    """Validate a CSV file; ``kind`` defaults to the file's stem (``x/support_contacts.csv``)."""
    kind = kind or infer_kind(path)
    return read_csv_validated(Path(path), kind, label=str(path))


def frame_to_csv_text(df: pd.DataFrame) -> str:
    """The CSV text the workbook writes for a frame: no index, ``\\n`` line ends, ISO dates,
    empty fields for nulls and the shortest round-trip representation of floats."""
    return df.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")


def validate_frame(df: pd.DataFrame, kind: str, label: str | None = None) -> pd.DataFrame:
    """Validate a frame by writing it as CSV text and reading it back.

    Line numbers in errors refer to that CSV text: row ``i`` (0-based) is line ``i + 2``.
    Returns the validated, typed frame.
    """
    return read_csv_validated(frame_to_csv_text(df), kind, label=label or f"<{kind} frame>")


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message} (usage: {self.prog} PATH [--kind KIND])",
              file=sys.stderr)
        raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.validate PATH [--kind KIND]``; returns the exit code."""
    parser = _Parser(
        prog="python -m helpers.validate",
        description="Validate a workbook CSV file against its schema.",
    )
    parser.add_argument("path", help="CSV file to check")
    parser.add_argument("--kind", help=f"dataset kind (default: the file's stem); one of "
                        f"{', '.join(SCHEMAS)}")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        kind = args.kind if args.kind is not None else infer_kind(args.path)
        _schema(kind)
    except UnknownKindError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        df = validate_file(args.path, kind)
    except DataValidationError as e:
        print(str(e), file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - the CLI never shows a traceback
        print(f"{args.path}: cannot validate: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"ok: {args.path} ({kind}, {len(df)} rows)")
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
