"""Education analyses behind notebooks 06-08: enrollment, retention, engagement,
learning gains and educator surveys.

Every rate here is computed by a function of :mod:`helpers.metrics` (IPEDS retention,
persistence, graduation at 150 %, yield, admit rate, summer melt, participation, pooled
rates, Hake gains, Cohen's d, Hedges' g, Cronbach's alpha, reverse coding); this module
prepares the frames those functions need (one row per student, one row per group, one
row per week), puts the results side by side and draws them.

Three groups of functions, one per notebook:

* **06 Enrollment and retention** - :func:`funnel_table`, :func:`cohort_outcomes`,
  :func:`cohort_rates`, :func:`cohort_survival`, :func:`equity_gaps`,
  :func:`overall_from_groups`, :func:`cohort_shaping_table`, :func:`selectivity_curve`
  and the widget callback :func:`selectivity_view`.
* **07 Engagement and learning** - :func:`weekly_participation`,
  :func:`activity_per_student`, :func:`activity_summary`, :func:`weekly_activity_profile`,
  :func:`early_warning`, :func:`early_warning_summary`, :func:`engagement_outcome`,
  :func:`class_gains`, :func:`survivorship_gains`, :func:`mode_effect_sizes`,
  :func:`section_table`, :func:`teach_to_test` and the widget callback
  :func:`early_warning_view`.
* **08 Educator satisfaction** - :func:`reverse_items`, :func:`scale_scores`,
  :func:`scale_reliability`, :func:`agreement_shares`, :func:`likert_frame`,
  :func:`likert_chart`, :func:`response_rates`, :func:`nonresponse_check`,
  :func:`pd_participation`, :func:`school_comparison`, :func:`ecological_comparison`
  and the widget callback :func:`school_comparison_view`.

Conventions: frames come from :func:`helpers.data.load` (flags are 0/1 integers); rates
are in percent, gains and correlations are fractions; group tables are small (one row
per group) and charts are drawn from them, never from row-level data. Nothing loops over
rows in Python: per-student values come from ``pd.factorize`` codes and ``np.bincount``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Callable, Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from . import charts, metrics
from .validate import require_columns as _require
from .validate import TALIS_ITEMS, TALIS_REVERSED

__all__ = [
    # 06 enrollment and retention
    "FUNNEL_STAGES",
    "INSTITUTION_PROFILES",
    "InstitutionProfile",
    "institution_profile",
    "pick_cohort",
    "funnel_table",
    "funnel_stage_frame",
    "funnel_chart",
    "funnel_rates_chart",
    "cohort_outcomes",
    "cohort_rates",
    "cohort_survival",
    "survival_chart",
    "group_rates",
    "equity_gaps",
    "overall_from_groups",
    "equity_chart",
    "cohort_shaping_table",
    "shaping_chart",
    "selectivity_curve",
    "selectivity_chart",
    "selectivity_view",
    # 07 engagement and learning
    "weekly_participation",
    "participation_chart",
    "activity_per_student",
    "activity_summary",
    "activity_histogram",
    "activity_histogram_chart",
    "weekly_activity_profile",
    "deadline_weeks",
    "weekly_profile_chart",
    "early_warning",
    "early_warning_summary",
    "early_warning_tradeoff",
    "early_warning_chart",
    "early_warning_view",
    "engagement_outcome",
    "engagement_outcome_chart",
    "class_gains",
    "survivorship_gains",
    "mode_effect_sizes",
    "prepost_effect_size",
    "section_table",
    "teach_to_test",
    "section_chart",
    # 08 educator satisfaction
    "SCALES",
    "SCALE_LABELS",
    "MAX_SCHOOLS_DRAWN",
    "ITEM_LABELS",
    "LIKERT_LEVELS",
    "reverse_items",
    "scale_scores",
    "scale_reliability",
    "agreement_shares",
    "likert_frame",
    "likert_chart",
    "response_rates",
    "nonresponse_check",
    "pd_participation",
    "t_quantile",
    "school_comparison",
    "school_chart",
    "school_comparison_view",
    "school_level_frame",
    "ecological_comparison",
    "ecological_chart",
    "correlation",
]

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


# ======================================================================================
# 06 Enrollment funnel
# ======================================================================================

#: Funnel stages in order, as columns of the ``enrollment_funnel`` data.
FUNNEL_STAGES: tuple[str, ...] = ("inquired", "applied", "admitted", "deposited", "enrolled_census")
_STAGE_LABELS = {
    "prospects": "prospects",
    "inquired": "inquiry",
    "applied": "application",
    "admitted": "admission",
    "deposited": "deposit",
    "enrolled_census": "enrolled at census",
}
_GROUP_LABELS: dict[str, dict[Any, str]] = {
    "first_generation": {1: "first-generation", 0: "continuing-generation"},
    "pell": {1: "Pell", 0: "not Pell"},
}


def pick_cohort(frame: pd.DataFrame, year: int, column: str = "cohort_year") -> pd.DataFrame:
    """The rows of one entering cohort; a clear error lists the years that exist.

    Raises ValueError when ``year`` is not in ``frame[column]``.
    """
    _require(frame, [column], "the data")
    years = np.unique(frame[column].to_numpy())
    if int(year) not in set(int(y) for y in years):
        raise ValueError(
            f"{column} {year} is not in the data; available: {', '.join(str(int(y)) for y in years)}"
        )
    return frame[frame[column].to_numpy() == int(year)]


def _group_labels(column: str, values: pd.Series) -> pd.Series:
    mapping = _GROUP_LABELS.get(column)
    if mapping is None:
        return values.astype("string").astype(object)
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(
        np.where(np.isnan(v), None, np.where(v == 1, mapping[1], mapping[0])), index=values.index, dtype=object
    )


def funnel_table(funnel: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Counts at each funnel stage and the conversion rates, overall or per group.

    Stages (NACAC's admission funnel): prospects -> inquiry -> application -> admission ->
    deposit -> enrolled on the census date. Rates, in percent, all from
    :mod:`helpers.metrics`:

    * ``admit_rate`` = admitted / applied (:func:`metrics.admit_rate`; about 67 % in the
      US in fall 2017, NACAC),
    * ``deposit_rate`` = deposited / admitted (the "yield" some offices report in spring),
    * ``yield_rate`` = enrolled at census / admitted (:func:`metrics.yield_rate`; about
      34 % in fall 2017, NACAC),
    * ``summer_melt`` = (deposited - enrolled at census) / deposited
      (:func:`metrics.summer_melt_rate`; about 10 % nationally, up to 40 % in some
      districts, Castleman & Page).

    ``by`` is a column (``source``, ``first_generation``, ``pell``, ``residency``); rows
    with a missing group value are left out - Pell status is known only for applicants, so
    a ``pell`` breakdown starts at the application stage. A rate whose denominator is 0 in
    a group is NaN. The last row, ``group == "all"``, is the whole table (pooled, not an
    average of the group rates).
    """
    _require(funnel, FUNNEL_STAGES, "the funnel data")
    cols = list(FUNNEL_STAGES)
    flags = pd.DataFrame({c: _flag(funnel, c).astype("int64") for c in cols}, index=funnel.index)
    flags["prospects"] = 1
    if by is None:
        counts = flags.sum().to_frame().T
        counts.insert(0, "group", ["all"])
    else:
        _require(funnel, [by], "the funnel data")
        labels = _group_labels(by, funnel[by])
        keep = labels.notna().to_numpy()
        grouped = flags[keep].groupby(labels[keep].to_numpy(), sort=True).sum()
        total = flags[keep].sum().to_frame().T
        total.index = ["all"]
        counts = pd.concat([grouped, total])
        counts.index.name = "group"
        counts = counts.reset_index()
    counts = counts[["group", "prospects", *cols]]
    counts["admit_rate"] = _rate_or_nan(metrics.admit_rate, counts["admitted"], counts["applied"])
    counts["deposit_rate"] = _rate_or_nan(metrics.yield_rate, counts["deposited"], counts["admitted"])
    counts["yield_rate"] = _rate_or_nan(metrics.yield_rate, counts["enrolled_census"], counts["admitted"])
    counts["summer_melt"] = _rate_or_nan(metrics.summer_melt_rate, counts["deposited"], counts["enrolled_census"], denominator="a")
    counts["enrolled_pct_of_prospects"] = _rate_or_nan(
        metrics.participation_rate, counts["enrolled_census"], counts["prospects"]
    )
    if by is not None:
        counts.insert(0, "by", by)
    return counts


def funnel_stage_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Long format of :func:`funnel_table` for a chart: group, stage, count, percent of prospects."""
    stages = ["prospects", *FUNNEL_STAGES]
    long = table.melt(id_vars=["group"], value_vars=stages, var_name="stage_key", value_name="count")
    base = long.groupby("group", sort=False)["count"].transform("first")
    long["pct_of_prospects"] = 100.0 * long["count"] / base
    long["stage"] = long["stage_key"].map(_STAGE_LABELS)
    long["step"] = long["stage_key"].map({s: i for i, s in enumerate(stages)})
    return long[["group", "step", "stage", "count", "pct_of_prospects"]]


def funnel_chart(table: pd.DataFrame, *, title: str = "The enrollment funnel", width: int = 420, height: int = 200) -> alt.Chart:
    """Horizontal bars: how many prospects reach each stage (the ``all`` row of ``table``)."""
    frame = funnel_stage_frame(table[table["group"] == "all"])
    order = list(frame["stage"])
    enrolled = int(frame["count"].iloc[-1])
    desc = (
        "Horizontal bars, one per funnel stage from prospects to enrolled at census; "
        + "; ".join(f"{s}: {int(c):,}" for s, c in zip(frame["stage"], frame["count"]))
        + f". {enrolled:,} students enrolled."
    )
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("stage:N", sort=order, title=None),
        x=alt.X("count:Q", title="people"),
        tooltip=["stage", "count", alt.Tooltip("pct_of_prospects:Q", format=".1f")],
    )
    text = alt.Chart(frame).mark_text(align="left", dx=4, color="#333").encode(
        y=alt.Y("stage:N", sort=order), x="count:Q", text=alt.Text("count:Q", format=",")
    )
    return (bars + text).properties(title=title, description=desc, width=width, height=height)


def funnel_rates_chart(table: pd.DataFrame, *, title: str | None = None, width: int = 150, height: int = 160) -> alt.Chart:
    """Admit rate, yield and summer melt per group (one small panel per rate)."""
    t = table[table["group"] != "all"]
    by = str(t["by"].iloc[0]) if "by" in t.columns and len(t) else "group"
    long = t.melt(id_vars=["group"], value_vars=["admit_rate", "yield_rate", "summer_melt"], var_name="rate", value_name="percent")
    long["rate"] = long["rate"].map({"admit_rate": "admit rate", "yield_rate": "yield", "summer_melt": "summer melt"})
    long = long.dropna(subset=["percent"])
    desc = f"Admit rate, yield and summer melt in percent for each {by} group: " + "; ".join(
        f"{g}: admit {a:.0f}, yield {y:.0f}, melt {m:.0f}"
        for g, a, y, m in zip(t["group"], t["admit_rate"], t["yield_rate"], t["summer_melt"])
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("group:N", title=None, axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("percent:Q", title="percent"),
            color=alt.Color("group:N", legend=None),
            column=alt.Column("rate:N", title=None, sort=["admit rate", "yield", "summer melt"]),
            tooltip=["group", "rate", alt.Tooltip("percent:Q", format=".1f")],
        )
        .properties(width=width, height=height, title=title or f"Funnel rates by {by}", description=desc)
        .resolve_scale(y="independent")
    )


# ======================================================================================
# 06 Institution profiles (benchmarks and the selectivity what-if)
# ======================================================================================


@dataclass(frozen=True)
class InstitutionProfile:
    """A kind of institution: a retention benchmark and an illustrative admit share.

    ``benchmark_retention`` is the full-time fall-to-fall retention rate of that kind of
    institution (NCES, Digest of Education Statistics table 326.30, 2022 to 2023 entrants:
    81.7 % at 4-year institutions; open-admission publics about 61 %, the most selective
    about 95 %, as summarised in the domain brief). ``admit_share`` is the share of the
    applicant pool such an institution admits in the what-if of :func:`selectivity_curve`
    (1.0 open admission; 0.67 the national average admit rate of fall 2017, NACAC; 0.2 an
    illustrative highly selective institution).
    """

    key: str
    label: str
    benchmark_retention: float
    admit_share: float


INSTITUTION_PROFILES: dict[str, InstitutionProfile] = {
    "open_admission": InstitutionProfile("open_admission", "open-admission public", 61.0, 1.0),
    "four_year": InstitutionProfile("four_year", "typical 4-year institution", 81.7, 0.67),
    "most_selective": InstitutionProfile("most_selective", "most selective", 95.0, 0.2),
}


def institution_profile(key: str) -> InstitutionProfile:
    """Look up a profile of :data:`INSTITUTION_PROFILES`; ValueError lists the valid keys."""
    try:
        return INSTITUTION_PROFILES[str(key)]
    except KeyError:
        raise ValueError(
            f"unknown institution profile {key!r}; choose one of: {', '.join(INSTITUTION_PROFILES)}"
        ) from None


# ======================================================================================
# 06 Cohorts: retention, persistence, graduation
# ======================================================================================

_TERM_COLUMNS = (
    "student_id", "cohort_year", "term_index", "attendance", "first_generation", "pell",
    "enrolled", "enrolled_elsewhere", "transferred_out", "completed", "exclusion",
    "withdrew_before_census",
)


def cohort_outcomes(student_terms: pd.DataFrame, graduation_term: int = 6) -> pd.DataFrame:
    """One row per entering student with the flags the cohort rates need.

    From the ``student_terms`` frame (one row per student per fall): entry attributes
    (cohort, attendance, first-generation, Pell), ``withdrew_before_census`` and
    ``in_cohort`` (the IPEDS cohort is counted on the census date, so students who left
    before it never enter it), and per outcome the flag and the exclusion label at the
    time it is measured:

    * ``retained`` - enrolled at this institution in the second fall (term_index 1);
      ``persisted`` - enrolled here *or elsewhere* then (National Student Clearinghouse);
      ``transferred_out`` - found at another institution by then; ``exclusion_1`` - the
      IPEDS exclusion label in the second fall;
    * ``completed_150`` - completed here by fall ``graduation_term`` (6 = six years, 150 %
      of the normal time of a bachelor's degree); ``exclusion_150`` - the label then.
      NaN when the data do not reach that far.

    Vectorized: students are coded with ``pd.factorize`` and each term's values scattered
    into per-student arrays, so a million student-term rows take well under a second.
    """
    _require(student_terms, _TERM_COLUMNS, "the student_terms data")
    st = student_terms
    codes, ids = _codes(st["student_id"])
    n = len(ids)
    ti = st["term_index"].to_numpy()

    def at(column: str, k: int, fill: Any, values: np.ndarray | None = None) -> np.ndarray:
        v = st[column].to_numpy() if values is None else values
        out = np.full(n, fill, dtype=v.dtype if fill is not None else object)
        m = ti == k
        out[codes[m]] = v[m]
        return out

    def has(k: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[codes[ti == k]] = True
        return out

    entry = has(0)
    if not entry.all():
        raise ValueError(f"{int((~entry).sum())} student(s) have no entry row (term_index 0)")
    excl = st["exclusion"]
    excl_codes = np.asarray(excl.cat.codes if isinstance(excl.dtype, pd.CategoricalDtype) else pd.factorize(excl)[0])
    excl_cats = np.asarray(excl.cat.categories if isinstance(excl.dtype, pd.CategoricalDtype) else pd.factorize(excl)[1], dtype=object)
    none_code = np.int64(-1)
    f = {c: _flag(st, c) for c in ("enrolled", "enrolled_elsewhere", "transferred_out", "completed", "first_generation", "pell", "withdrew_before_census")}

    def excl_at(k: int) -> np.ndarray:
        code = at("exclusion", k, none_code, excl_codes.astype("int64"))
        labels = np.append(excl_cats, "none")
        return labels[np.where(code < 0, len(excl_cats), code)]

    out = pd.DataFrame(
        {
            "student_id": np.asarray(ids, dtype=object),
            "cohort_year": at("cohort_year", 0, 0, st["cohort_year"].to_numpy()),
            "attendance": at("attendance", 0, None, st["attendance"].astype(object).to_numpy()),
            "first_generation": at("first_generation", 0, False, f["first_generation"]),
            "pell": at("pell", 0, False, f["pell"]),
            "withdrew_before_census": at("withdrew_before_census", 0, False, f["withdrew_before_census"]),
        }
    )
    out["in_cohort"] = ~out["withdrew_before_census"].to_numpy()
    out["underserved"] = out["first_generation"].to_numpy() | out["pell"].to_numpy()
    out["retained"] = at("enrolled", 1, False, f["enrolled"])
    elsewhere = at("enrolled_elsewhere", 1, False, f["enrolled_elsewhere"])
    out["persisted"] = out["retained"].to_numpy() | elsewhere
    out["transferred_out"] = at("transferred_out", 1, False, f["transferred_out"])
    out["exclusion_1"] = excl_at(1)
    reach = has(graduation_term)
    done = at("completed", graduation_term, False, f["completed"])
    out["completed_150"] = np.where(reach, done.astype("float64"), np.nan)
    out["exclusion_150"] = excl_at(graduation_term)
    return out


def _select(outcomes: pd.DataFrame, cohort_year: int | None, attendance: str | None) -> pd.DataFrame:
    o = outcomes
    if cohort_year is not None:
        o = pick_cohort(o, cohort_year)
    if attendance is not None:
        if attendance not in ("full-time", "part-time"):
            raise ValueError(f"attendance must be 'full-time', 'part-time' or None; got {attendance!r}")
        o = o[o["attendance"].to_numpy() == attendance]
    return o


def cohort_rates(outcomes: pd.DataFrame, cohort_year: int | None = None, attendance: str | None = "full-time") -> dict[str, float]:
    """The headline cohort rates of one entering cohort (IPEDS and Clearinghouse definitions).

    Returns entrants, withdrawals before census, the census cohort, the allowed exclusions
    and the adjusted cohort, then (in percent):

    * ``retention`` - :func:`metrics.ipeds_retention`: enrolled here in the second fall /
      adjusted cohort; transfers-out count as *not* retained (NCES/IPEDS);
    * ``persistence`` - :func:`metrics.persistence_rate`: enrolled anywhere (National
      Student Clearinghouse; fall 2022 entrants nationally 76.5 % vs 68.2 % retention);
    * ``transfer_out`` - share of the cohort found at another institution in the second fall;
    * ``graduation_150`` - :func:`metrics.graduation_rate_150`: completed here within 150 %
      of normal time / adjusted cohort (IPEDS; once in the cohort, always in it).

    ``attendance="full-time"`` (default) gives the IPEDS cohort; ``None`` both groups.
    """
    o = _select(outcomes, cohort_year, attendance)
    entrants = len(o)
    c = o[o["in_cohort"].to_numpy()]
    if len(c) == 0:
        raise ValueError("the census cohort is empty: nobody in this selection enrolled on the census date")
    excluded_1 = c["exclusion_1"].to_numpy() != "none"
    res: dict[str, float] = {
        "entrants": entrants,
        "withdrew_before_census": int(o["withdrew_before_census"].sum()),
        "census_cohort": len(c),
        "exclusions": int(excluded_1.sum()),
        "adjusted_cohort": int((~excluded_1).sum()),
        "retained": int((c["retained"].to_numpy() & ~excluded_1).sum()),
        "retention": metrics.ipeds_retention(c["retained"].to_numpy(), c["exclusion_1"].to_numpy()),
        "persistence": metrics.persistence_rate(c["persisted"].to_numpy(), c["exclusion_1"].to_numpy()),
        "transfer_out": metrics.pooled_rate([int((c["transferred_out"].to_numpy() & ~excluded_1).sum())], [int((~excluded_1).sum())]),
    }
    grad = c["completed_150"].to_numpy()
    if np.isnan(grad).any():
        res["graduation_150"] = float("nan")
        res["graduation_adjusted_cohort"] = float("nan")
    else:
        excl_150 = c["exclusion_150"].to_numpy()
        res["graduation_150"] = metrics.graduation_rate_150(grad.astype(bool), excl_150)
        res["graduation_adjusted_cohort"] = int((excl_150 == "none").sum())
    return res


_STATES = ("enrolled here", "completed here", "enrolled elsewhere", "not enrolled", "excluded")


def cohort_survival(student_terms: pd.DataFrame, cohort_year: int, attendance: str | None = "full-time") -> pd.DataFrame:
    """Where the census cohort of ``cohort_year`` is in each later fall.

    For every term_index (0 = entry fall) the share of the cohort in each state, in
    percent, the states taking precedence in this order: ``excluded`` (an IPEDS allowable
    exclusion), ``completed here``, ``enrolled here``, ``enrolled elsewhere`` (a transfer
    still enrolled at another institution), ``not enrolled``. The denominator stays the
    whole census cohort in every fall (IPEDS: once in the cohort, always in it).
    """
    _require(student_terms, _TERM_COLUMNS, "the student_terms data")
    st = pick_cohort(student_terms, cohort_year)
    if attendance is not None:
        st = st[st["attendance"].astype(object).to_numpy() == attendance]
    ids_out = st.loc[(st["term_index"].to_numpy() == 0) & _flag(st, "withdrew_before_census"), "student_id"]
    st = st[~st["student_id"].isin(ids_out).to_numpy()]
    if len(st) == 0:
        raise ValueError("no census-cohort students in this selection")
    state = np.select(
        [
            st["exclusion"].astype(object).to_numpy() != "none",
            _flag(st, "completed"),
            _flag(st, "enrolled"),
            _flag(st, "enrolled_elsewhere"),
        ],
        [4, 1, 0, 2],
        default=3,
    )
    ti = st["term_index"].to_numpy()
    k = int(ti.max()) + 1
    counts = np.bincount(ti * len(_STATES) + state, minlength=k * len(_STATES)).reshape(k, len(_STATES))
    cohort = counts[0].sum()
    frame = pd.DataFrame(
        {
            "term_index": np.repeat(np.arange(k), len(_STATES)),
            "state": np.tile(_STATES, k),
            "students": counts.ravel(),
        }
    )
    frame["percent"] = 100.0 * frame["students"] / cohort
    frame["fall"] = int(cohort_year) + frame["term_index"]
    return frame


def survival_chart(survival: pd.DataFrame, *, title: str | None = None, width: int = 440, height: int = 240) -> alt.Chart:
    """Stacked bars: the whole cohort in every fall, split by where students are."""
    order = {s: i for i, s in enumerate(_STATES)}
    frame = survival.assign(order=survival["state"].map(order))
    year = int(frame["fall"].iloc[0])
    last = frame[frame["term_index"] == frame["term_index"].max()]
    sec = frame[frame["term_index"] == 1]
    desc = (
        f"Stacked bars for the {year} cohort, one per fall from entry; each bar is the whole cohort. "
        f"Second fall: " + ", ".join(f"{s} {p:.0f}%" for s, p in zip(sec["state"], sec["percent"]) if p > 0)
        + f". Fall {int(last['fall'].iloc[0])}: "
        + ", ".join(f"{s} {p:.0f}%" for s, p in zip(last["state"], last["percent"]) if p > 0) + "."
    )
    colors = [charts.PALETTE[0], charts.PALETTE[2], charts.PALETTE[4], "#bbbbbb", charts.PALETTE[7]]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("fall:O", title="fall term", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("percent:Q", title="percent of the census cohort", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("state:N", sort=list(_STATES), scale=alt.Scale(domain=list(_STATES), range=colors), title="where"),
            order=alt.Order("order:Q"),
            tooltip=["fall", "state", "students", alt.Tooltip("percent:Q", format=".1f")],
        )
        .properties(title=title or f"Where the {year} cohort is, fall by fall", description=desc, width=width, height=height)
    )


# ======================================================================================
# 06 Equity gaps and correctly weighted aggregation
# ======================================================================================

_OUTCOMES = {
    "retained": ("exclusion_1", metrics.ipeds_retention),
    "persisted": ("exclusion_1", metrics.persistence_rate),
    "completed_150": ("exclusion_150", metrics.graduation_rate_150),
}


def group_rates(outcomes: pd.DataFrame, by: str | Sequence[str], outcome: str = "retained") -> pd.DataFrame:
    """One cohort rate per group (census cohort only), with the counts behind it.

    Columns: the group column(s), ``n`` (adjusted cohort: census cohort minus allowed
    exclusions), ``count`` (students with the outcome), ``rate`` (percent, from
    :func:`metrics.ipeds_retention`, :func:`metrics.persistence_rate` or
    :func:`metrics.graduation_rate_150` for ``outcome`` = ``retained``, ``persisted`` or
    ``completed_150``) and ``share`` (percent of the adjusted cohort in the group).
    """
    if outcome not in _OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(_OUTCOMES)}; got {outcome!r}")
    keys = [by] if isinstance(by, str) else list(by)
    _require(outcomes, [*keys, outcome, "in_cohort"], "the cohort outcomes")
    excl_col, fn = _OUTCOMES[outcome]
    c = outcomes[outcomes["in_cohort"].to_numpy()]
    if c[outcome].isna().any():
        raise ValueError(f"{outcome} is not known for every student (the data end too early)")
    rows = []
    for key, g in c.groupby(keys, sort=True, observed=True):  # a handful of groups
        key = key if isinstance(key, tuple) else (key,)
        flags = g[outcome].to_numpy().astype(bool)
        excl = g[excl_col].to_numpy()
        keep = excl == "none"
        rows.append((*key, int(keep.sum()), int((flags & keep).sum()), fn(flags, excl) if keep.any() else float("nan")))
    table = pd.DataFrame(rows, columns=[*keys, "n", "count", "rate"])
    table["share"] = 100.0 * table["n"] / table["n"].sum()
    return table


def equity_gaps(outcomes: pd.DataFrame, dimensions: Sequence[str] = ("first_generation", "pell", "attendance"),
                outcome: str = "retained") -> pd.DataFrame:
    """Rates of each student group and the gap to everyone else, per dimension.

    For every dimension (first-generation, Pell, attendance) and each of its groups: the
    adjusted cohort ``n``, ``count`` and ``rate`` (via :func:`group_rates`), ``rest_rate``
    - the pooled rate of all *other* students (:func:`metrics.pooled_rate`) - and
    ``gap`` = rate - rest_rate in percentage points (negative: the group does worse).
    Comparing a group with the rest, not with the overall rate that includes it, keeps a
    large group from hiding its own gap.
    """
    parts = []
    for dim in dimensions:
        t = group_rates(outcomes, dim, outcome)
        rest = np.array([
            metrics.pooled_rate(t["count"].drop(i), t["n"].drop(i)) if len(t) > 1 else np.nan for i in t.index
        ])
        labels = _group_labels(dim, t[dim]) if dim in _GROUP_LABELS else t[dim].astype(str)
        parts.append(pd.DataFrame({
            "dimension": dim, "group": labels.to_numpy(), "n": t["n"], "count": t["count"], "rate": t["rate"],
            "rest_rate": rest, "gap": t["rate"] - rest, "share": t["share"],
        }))
    return pd.concat(parts, ignore_index=True)


def overall_from_groups(table: pd.DataFrame, count: str = "count", n: str = "n") -> dict[str, float]:
    """The overall rate from a group table, done right and done wrong.

    ``pooled`` = 100 * sum(count) / sum(n) (:func:`metrics.pooled_rate`): every student
    counts once. ``mean_of_rates`` = the unweighted mean of the group rates
    (:func:`metrics.mean_of_rates`): a group of 50 weighs as much as a group of 5,000 -
    the mistake. ``difference`` = mean_of_rates - pooled, in points.
    """
    pooled = metrics.pooled_rate(table[count], table[n])
    mean = metrics.mean_of_rates(table[count], table[n])
    return {"pooled": pooled, "mean_of_rates": mean, "difference": mean - pooled}


def equity_chart(gaps: pd.DataFrame, overall: float | None = None, *, title: str = "Retention by student group",
                 width: int = 380, height: int = 220) -> alt.LayerChart:
    """Horizontal bars of each group's rate, with the overall (pooled) rate as a dashed line."""
    frame = gaps.assign(label=gaps["group"].astype(str) + " (n=" + gaps["n"].astype(str) + ")")
    desc = "Retention rate of each student group: " + "; ".join(
        f"{g} {r:.1f}% (gap {d:+.1f} points)" for g, r, d in zip(frame["group"], frame["rate"], frame["gap"])
    ) + (f". Overall pooled rate {overall:.1f}%." if overall is not None else ".")
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("label:N", sort=list(frame["label"]), title=None),
        x=alt.X("rate:Q", title="rate (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("dimension:N", title="dimension"),
        tooltip=["dimension", "group", "n", alt.Tooltip("rate:Q", format=".1f"), alt.Tooltip("gap:Q", format="+.1f")],
    )
    layers: list[Any] = [bars]
    if overall is not None:
        ref = pd.DataFrame({"value": [overall], "label": [f"all students {overall:.1f}%"]})
        layers.append(alt.Chart(ref).mark_rule(strokeDash=[6, 4], color="#333").encode(x="value:Q"))
        layers.append(alt.Chart(ref).mark_text(align="left", dx=4, y=-6, color="#333").encode(x="value:Q", text="label:N"))
    return alt.layer(*layers).properties(title=title, description=desc, width=width, height=height)


# ======================================================================================
# 06 Gaming: shaping the cohort, and its counter-metrics
# ======================================================================================


def cohort_shaping_table(outcomes: pd.DataFrame, attendance: str | None = "full-time") -> pd.DataFrame:
    """Per entering cohort: the headline rate next to the counter-metrics that expose shaping.

    Shaping the cohort - steering weaker or under-served students out before the census
    date, or not admitting them - raises retention without helping a single student. The
    counter-metrics (domain brief, section 5):

    * ``withdrew_pct`` - percent of entrants who withdrew before census (they never enter
      the IPEDS cohort);
    * ``access_entrants`` / ``access_cohort`` - percent first-generation or Pell among
      entrants and among the census cohort (access of under-served groups); a gap between
      the two shows who was steered out;
    * ``retention`` (full-time IPEDS, :func:`cohort_rates`) and ``retention_all_entrants``
      - entrants still enrolled in the second fall divided by *all* entrants
      (:func:`metrics.pooled_rate`), the rate shaping cannot flatter.
    """
    o = outcomes if attendance is None else _select(outcomes, None, attendance)
    rows = []
    for year, g in o.groupby("cohort_year", sort=True):
        r = cohort_rates(g, attendance=None)
        under = g["underserved"].to_numpy()
        inc = g["in_cohort"].to_numpy()
        rows.append({
            "cohort_year": int(year),
            "entrants": len(g),
            "withdrew_before_census": int(g["withdrew_before_census"].sum()),
            "withdrew_pct": metrics.pooled_rate([int(g["withdrew_before_census"].sum())], [len(g)]),
            "access_entrants": metrics.pooled_rate([int(under.sum())], [len(g)]),
            "access_cohort": metrics.pooled_rate([int((under & inc).sum())], [int(inc.sum())]),
            "retention": r["retention"],
            "retention_all_entrants": metrics.pooled_rate([int((g["retained"].to_numpy() & inc).sum())], [len(g)]),
        })
    return pd.DataFrame(rows)


def shaping_chart(table: pd.DataFrame, *, width: int = 180, height: int = 180) -> alt.Chart:
    """Four small panels per cohort: retention, retention of all entrants, pre-census
    withdrawals and access share."""
    cols = {"retention": "IPEDS retention (%)", "retention_all_entrants": "retained / all entrants (%)",
            "withdrew_pct": "withdrew before census (%)", "access_cohort": "first-gen or Pell in cohort (%)"}
    long = table.melt(id_vars=["cohort_year"], value_vars=list(cols), var_name="metric", value_name="percent")
    long["metric"] = long["metric"].map(cols)
    desc = "Per cohort: " + "; ".join(
        f"{int(y)}: retention {r:.1f}%, of all entrants {a:.1f}%, withdrew before census {w:.1f}%, first-gen or Pell {c:.1f}%"
        for y, r, a, w, c in zip(table["cohort_year"], table["retention"], table["retention_all_entrants"], table["withdrew_pct"], table["access_cohort"])
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("cohort_year:O", title="cohort", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("percent:Q", title=None),
            color=alt.Color("cohort_year:O", legend=None),
            facet=alt.Facet("metric:N", columns=4, title=None, sort=list(cols.values())),
            tooltip=["cohort_year", "metric", alt.Tooltip("percent:Q", format=".1f")],
        )
        .properties(width=width, height=height, title="The headline rate and its counter-metrics, per cohort", description=desc)
        .resolve_scale(y="independent")
    )


# ======================================================================================
# 06 What-if: admission selectivity vs retention vs access (illustrative)
# ======================================================================================


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records for a Vega-Lite dataset."""
    return frame.to_dict(orient="records")


def _fill(template: Mapping[str, Any], description: str, **datasets: pd.DataFrame) -> dict[str, Any]:
    """A copy of a chart spec built on named data, with the data and description filled in.

    Widget views build their chart once (validated by Altair) on ``alt.NamedData``
    placeholders; each call only swaps the datasets, so a slider pays for the computation
    and the drawing, not for building and validating a chart.
    """
    spec = dict(template)
    spec["datasets"] = {**template.get("datasets", {}), **{k: _records(v) for k, v in datasets.items()}}
    spec["description"] = description
    return spec


@dataclass(frozen=True)
class _Pool:
    """The applicant pool of the selectivity what-if, as arrays."""

    retained: np.ndarray
    exclusion: np.ndarray
    underserved: np.ndarray
    disadvantage: np.ndarray
    z: np.ndarray
    noise: np.ndarray


def _pool(outcomes: pd.DataFrame, cohort_year: int, attendance: str | None, seed: int) -> _Pool:
    p = _select(outcomes, cohort_year, attendance)
    p = p[p["in_cohort"].to_numpy()]
    if len(p) < 10:
        raise ValueError(f"the applicant pool has only {len(p)} students; need at least 10")
    ret = p["retained"].to_numpy().astype("float64")
    sd = ret.std()
    return _Pool(
        retained=p["retained"].to_numpy().astype(bool),
        exclusion=p["exclusion_1"].to_numpy(),
        underserved=p["underserved"].to_numpy().astype(bool),
        disadvantage=p["first_generation"].to_numpy().astype("float64") + p["pell"].to_numpy().astype("float64"),
        z=(ret - ret.mean()) / sd if sd > 0 else np.zeros_like(ret),
        noise=np.random.default_rng(seed).standard_normal(len(p)),
    )


def _check_what_if(validity: float, background_weight: float) -> None:
    if not 0 <= validity < 1:
        raise ValueError(f"validity must be in [0, 1); got {validity!r}")
    if not 0 <= background_weight <= 3:
        raise ValueError(f"background_weight must be in [0, 3]; got {background_weight!r}")


def _curve(pool: _Pool, background_weight: float, validity: float, shares: np.ndarray) -> pd.DataFrame:
    index = validity * pool.z + math.sqrt(1.0 - validity**2) * pool.noise - background_weight * pool.disadvantage
    order = np.argsort(-index, kind="stable")
    retained, excl, under = pool.retained[order], pool.exclusion[order], pool.underserved[order]
    n = len(order)
    rows = []
    for s in shares:  # a couple of dozen admit shares, not rows
        k = max(1, int(round(float(s) * n)))
        rows.append({
            "admit_share": float(s),
            "admitted": k,
            "retention": metrics.ipeds_retention(retained[:k], excl[:k]),
            "access_share": metrics.pooled_rate([int(under[:k].sum())], [k]),
            "underserved_admitted": int(under[:k].sum()),
        })
    return pd.DataFrame(rows)


#: Admit shares of the what-if: every 5 points from 10% to 100%, plus the profiles' shares.
_DEFAULT_SHARES = np.unique(np.round(np.r_[np.linspace(0.1, 1.0, 19), [p.admit_share for p in INSTITUTION_PROFILES.values()]], 2))


def selectivity_curve(outcomes: pd.DataFrame, cohort_year: int, background_weight: float = 0.5,
                      validity: float = 0.3, admit_shares: Sequence[float] | None = None,
                      attendance: str | None = "full-time", seed: int = 0) -> pd.DataFrame:
    """What if the institution had admitted only part of this cohort? (An illustration.)

    The census cohort of ``cohort_year`` plays the applicant pool. Each student gets an
    admission index = validity * z(returned) + sqrt(1 - validity^2) * noise -
    background_weight * (first-generation + Pell): an academic record that predicts
    returning only loosely (correlation about ``validity``) and that is lower for students
    from under-served backgrounds (``background_weight``, in standard deviations per
    disadvantage). Admitting the top ``admit_share`` of the index, the curve reports, per
    admit share, the admitted students' IPEDS retention (:func:`metrics.ipeds_retention`,
    assuming each admitted student's outcome stays as observed) and the access share
    (percent first-generation or Pell). Both numbers are illustrative: they show the
    direction of the trade-off, not its size at any real institution.
    """
    _check_what_if(validity, background_weight)
    shares = _DEFAULT_SHARES if admit_shares is None else np.asarray(admit_shares, dtype="float64")
    if ((shares <= 0) | (shares > 1)).any():
        raise ValueError("admit_shares must be in (0, 1]")
    return _curve(_pool(outcomes, cohort_year, attendance, seed), background_weight, validity, shares)


def _selectivity_parts(curve: pd.DataFrame, admit_share: float | None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    long = curve.melt(id_vars=["admit_share", "admitted"], value_vars=["retention", "access_share"], var_name="metric", value_name="percent")
    long["metric"] = long["metric"].map({"retention": "retention (%)", "access_share": "first-gen or Pell admitted (%)"})
    desc = ("Illustrative what-if: as the admitted share falls, retention of those admitted rises and the share of "
            "first-generation or Pell students falls.")
    mark = pd.DataFrame({"x": pd.Series([], dtype="float64")})
    if admit_share is not None:
        i = int(np.argmin(np.abs(curve["admit_share"].to_numpy() - admit_share)))
        row = curve.iloc[i]
        mark = pd.DataFrame({"x": [float(row["admit_share"])]})
        desc += (f" At {row['admit_share']:.0%} admitted: retention {row['retention']:.1f}%, "
                 f"first-gen or Pell {row['access_share']:.1f}% ({int(row['underserved_admitted'])} students).")
    return long, mark, desc


def _selectivity_layers(long: Any, mark: Any, benchmark: float | None, width: int, height: int) -> alt.LayerChart:
    lines = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("admit_share:Q", title="share of the pool admitted", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("percent:Q", title="percent", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("metric:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["retention (%)", "first-gen or Pell admitted (%)"], range=charts.PALETTE[:2])),
        tooltip=["admit_share:Q", "admitted:Q", "metric:N", alt.Tooltip("percent:Q", format=".1f")],
    )
    layers: list[Any] = [lines, alt.Chart(mark).mark_rule(strokeDash=[4, 3], color="#444").encode(x="x:Q")]
    if benchmark is not None:
        layers.append(charts.reference_rule(benchmark, axis="y", label=f"benchmark {benchmark:.1f}%"))
    return alt.layer(*layers).properties(title="Selectivity buys retention with access (illustrative)", width=width, height=height)


def selectivity_chart(curve: pd.DataFrame, admit_share: float | None = None, benchmark: float | None = None,
                      *, width: int = 420, height: int = 240) -> alt.LayerChart:
    """Retention and access share against the admit share, the chosen share marked by a
    dashed line and an optional retention ``benchmark`` (e.g. NCES table 326.30)."""
    long, mark, desc = _selectivity_parts(curve, admit_share)
    return _selectivity_layers(long, mark, benchmark, width, height).properties(description=desc)


def selectivity_view(outcomes: pd.DataFrame, cohort_year: int, benchmark: float | None = None,
                     validity: float = 0.3, attendance: str | None = "full-time", seed: int = 0,
                     width: int = 420, height: int = 240) -> Callable[[float, float], dict[str, Any]]:
    """Widget callback factory of notebook 06: ``view(admit_share, background_weight) -> spec``.

    Prepares the applicant pool once; each call recomputes :func:`selectivity_curve` for
    the given background weight and returns the Vega-Lite spec of :func:`selectivity_chart`
    (show it with :func:`helpers.charts.show`).
    """
    pool = _pool(outcomes, cohort_year, attendance, seed)
    template = _selectivity_layers(alt.NamedData(name="curve"), alt.NamedData(name="mark"), benchmark, width, height)
    spec = template.properties(description="selectivity what-if").to_dict()

    def view(admit_share: float = 0.67, background_weight: float = 0.5) -> dict[str, Any]:
        _check_what_if(validity, background_weight)
        long, mark, desc = _selectivity_parts(_curve(pool, background_weight, validity, _DEFAULT_SHARES), admit_share)
        return _fill(spec, desc, curve=long, mark=mark)

    return view


# ======================================================================================
# 07 Engagement from LMS activity
# ======================================================================================

_LMS_COLUMNS = ("student_id", "course_id", "week", "clicks", "sessions", "posts", "submissions", "active", "final_result", "withdrawal_week")


def weekly_participation(lms: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Weekly participation rate: share of enrolled students active in the week.

    Per week (and per ``by`` group, e.g. ``course_id``): ``enrolled`` (students with a row
    that week - rows stop after a student withdraws), ``active`` (students with any
    clicks), ``started`` (students who began the course), and two rates from
    :func:`metrics.participation_rate`:

    * ``participation`` = active / enrolled - the usual definition (domain brief, section 5);
    * ``participation_of_starters`` = active / started - the same activity over everyone
      who began. The first drifts *up* when disengaged students withdraw (survivorship);
      the second does not.
    """
    _require(lms, ["student_id", "week", "active", *( [by] if by else [])], "the LMS data")
    week = lms["week"].to_numpy().astype("int64")
    active = _flag(lms, "active")
    scodes, sids = _codes(lms["student_id"])
    if by is None:
        gcodes, gnames = np.zeros(len(lms), dtype="int64"), pd.Index(["all"])
    else:
        gcodes, gnames = _codes(lms[by])
    ng = len(gnames)
    wmin, wmax = int(week.min()), int(week.max())
    nw = wmax - wmin + 1
    key = gcodes * nw + (week - wmin)
    enrolled = np.bincount(key, minlength=ng * nw)
    act = np.bincount(key, weights=active, minlength=ng * nw).astype("int64")
    # the group of each student (first row), to count starters per group
    first = np.zeros(len(sids), dtype="int64")
    first[scodes[::-1]] = gcodes[::-1]
    started = np.bincount(first, minlength=ng)
    frame = pd.DataFrame({
        "group": np.repeat(np.asarray(gnames, dtype=object), nw),
        "week": np.tile(np.arange(wmin, wmax + 1), ng),
        "enrolled": enrolled,
        "active": act,
        "started": np.repeat(started, nw),
    })
    frame = frame[frame["enrolled"] > 0].reset_index(drop=True)
    frame["participation"] = metrics.participation_rate(frame["active"].to_numpy(), frame["enrolled"].to_numpy())
    frame["participation_of_starters"] = metrics.participation_rate(frame["active"].to_numpy(), frame["started"].to_numpy())
    if by is not None:
        frame = frame.rename(columns={"group": by})
    else:
        frame = frame.drop(columns="group")
    return frame


def participation_chart(weekly: pd.DataFrame, *, width: int = 440, height: int = 220) -> alt.Chart:
    """Two lines over the weeks: participation of the enrolled and of everyone who started."""
    long = weekly.melt(id_vars=["week"], value_vars=["participation", "participation_of_starters"], var_name="denominator", value_name="percent")
    long["denominator"] = long["denominator"].map({"participation": "of students still enrolled", "participation_of_starters": "of everyone who started"})
    first, last = weekly.iloc[0], weekly.iloc[-1]
    desc = (f"Weekly participation rate. Of students still enrolled: week {int(first['week'])} {first['participation']:.0f}%, "
            f"week {int(last['week'])} {last['participation']:.0f}%. Of everyone who started: week {int(last['week'])} "
            f"{last['participation_of_starters']:.0f}%.")
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:O", title="week", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("percent:Q", title="active students (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("denominator:N", title="share", legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash("denominator:N", title="share", legend=alt.Legend(orient="bottom")),
            tooltip=["week", "denominator", alt.Tooltip("percent:Q", format=".1f")],
        )
        .properties(title="Weekly participation: which denominator?", description=desc, width=width, height=height)
    )


def activity_per_student(lms: pd.DataFrame) -> pd.DataFrame:
    """One row per student: totals and rates of activity while enrolled, and the outcome.

    Columns: ``student_id``, ``course_id``, ``final_result``, ``weeks`` (weeks enrolled),
    ``clicks``, ``sessions``, ``posts``, ``submissions`` (totals), ``active_weeks``,
    ``clicks_per_week`` (clicks / weeks enrolled, so early leavers are comparable),
    ``withdrawn`` and ``passed`` (Pass or Distinction).
    """
    _require(lms, _LMS_COLUMNS, "the LMS data")
    codes, ids = _codes(lms["student_id"])
    n = len(ids)
    first_row = np.full(n, -1, dtype="int64")
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    out = pd.DataFrame({
        "student_id": np.asarray(ids, dtype=object),
        "course_id": lms["course_id"].to_numpy()[first_row],
        "final_result": lms["final_result"].astype(object).to_numpy()[first_row],
        "weeks": np.bincount(codes, minlength=n),
    })
    for col in ("clicks", "sessions", "posts", "submissions"):
        out[col] = np.bincount(codes, weights=lms[col].to_numpy(dtype="float64"), minlength=n).astype("int64")
    out["active_weeks"] = np.bincount(codes, weights=_flag(lms, "active"), minlength=n).astype("int64")
    out["clicks_per_week"] = out["clicks"] / out["weeks"]
    out["withdrawn"] = out["final_result"].to_numpy() == "Withdrawn"
    out["passed"] = np.isin(out["final_result"].to_numpy(), ["Pass", "Distinction"])
    return out


def activity_summary(values: Sequence[float] | np.ndarray | pd.Series) -> dict[str, float]:
    """Why the mean misleads for right-skewed activity: mean, median, deciles, skewness.

    Returns ``n``, ``mean``, ``median``, ``p10``, ``p90``, ``mean_over_median``,
    ``top_decile_share`` (percent of all activity by the most active 10 %,
    :func:`metrics.top_decile_share`) and ``skewness`` (the moment coefficient
    g1 = m3 / m2^1.5; > 0 means a long right tail). Missing values are dropped.
    """
    v = np.asarray(pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce"), dtype="float64")
    v = v[~np.isnan(v)]
    if v.size < 2:
        raise ValueError("need at least 2 values")
    d = v - v.mean()
    m2 = float(np.mean(d**2))
    med = float(np.median(v))
    return {
        "n": int(v.size),
        "mean": float(v.mean()),
        "median": med,
        "p10": float(np.quantile(v, 0.1)),
        "p90": float(np.quantile(v, 0.9)),
        "mean_over_median": float(v.mean() / med) if med > 0 else float("nan"),
        "top_decile_share": metrics.top_decile_share(v) if v.sum() > 0 else float("nan"),
        "skewness": float(np.mean(d**3) / m2**1.5) if m2 > 0 else 0.0,
    }


def activity_histogram(values: Sequence[float] | np.ndarray | pd.Series, bins: int = 20) -> pd.DataFrame:
    """Counts of ``values`` in ``bins`` equal-width bins from 0 to the 99th percentile
    (the last bin also holds everything above it), for a histogram chart."""
    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    top = float(np.quantile(v, 0.99)) if v.size else 1.0
    top = top if top > 0 else 1.0
    edges = np.linspace(0, top, bins + 1)
    idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, bins - 1)
    counts = np.bincount(idx, minlength=bins)
    return pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "students": counts})


def activity_histogram_chart(hist: pd.DataFrame, summary: Mapping[str, float], *, what: str = "clicks per enrolled week",
                             width: int = 440, height: int = 200) -> alt.LayerChart:
    """Histogram bars with the mean and the median marked."""
    desc = (f"Histogram of {what} per student: right-skewed; median {summary['median']:.0f}, mean {summary['mean']:.0f}, "
            f"90th percentile {summary['p90']:.0f}; the most active tenth produce {summary['top_decile_share']:.0f}% of all activity.")
    bars = alt.Chart(hist).mark_bar(color=charts.PALETTE[4]).encode(
        x=alt.X("bin_start:Q", title=what, bin="binned"), x2="bin_end:Q", y=alt.Y("students:Q", title="students"),
        tooltip=["bin_start", "bin_end", "students"],
    )
    marks = pd.DataFrame({"value": [summary["median"], summary["mean"]], "label": [f"median {summary['median']:.0f}", f"mean {summary['mean']:.0f}"]})
    rule = alt.Chart(marks).mark_rule(strokeDash=[5, 3], color="#333").encode(x="value:Q")
    left = alt.Chart(marks.iloc[[0]]).mark_text(align="right", dx=-4, color="#333").encode(x="value:Q", y=alt.value(8), text="label:N")
    right = alt.Chart(marks.iloc[[1]]).mark_text(align="left", dx=4, color="#333").encode(x="value:Q", y=alt.value(8), text="label:N")
    return alt.layer(bars, rule, left, right).properties(
        title=f"Activity is right-skewed: {what}", description=desc, width=width, height=height)


def weekly_activity_profile(lms: pd.DataFrame, min_submission_rate: float = 0.3) -> pd.DataFrame:
    """Mean clicks per enrolled student in each course and week, with deadline weeks found
    from the data.

    A week counts as a deadline week when at least ``min_submission_rate`` of the enrolled
    students submit something in it (the data do not list deadlines; submissions reveal
    them). ``relative`` = the week's mean clicks / the course's median weekly mean: values
    well above 1 are the deadline spikes typical of LMS data (as in the Open University
    Learning Analytics Dataset, OULAD).
    """
    _require(lms, ["course_id", "week", "clicks", "submissions"], "the LMS data")
    g = lms.groupby(["course_id", "week"], sort=True, observed=True).agg(
        enrolled=("clicks", "size"), clicks=("clicks", "sum"), submitted=("submissions", lambda s: int((s > 0).sum()))
    ).reset_index()
    g["mean_clicks"] = g["clicks"] / g["enrolled"]
    g["submission_rate"] = g["submitted"] / g["enrolled"]
    g["deadline"] = g["submission_rate"] >= min_submission_rate
    g["relative"] = g["mean_clicks"] / g.groupby("course_id")["mean_clicks"].transform("median")
    return g


def deadline_weeks(profile: pd.DataFrame) -> dict[str, list[int]]:
    """Course -> its deadline weeks, from :func:`weekly_activity_profile`."""
    d = profile[profile["deadline"]]
    return {str(c): sorted(int(w) for w in g["week"]) for c, g in d.groupby("course_id", sort=True)}


def weekly_profile_chart(profile: pd.DataFrame, *, width: int = 440, height: int = 220) -> alt.LayerChart:
    """Mean clicks per enrolled student by week, one line per course, deadline weeks as large points."""
    dl = deadline_weeks(profile)
    ratio = profile.loc[profile["deadline"], "relative"].mean() / profile.loc[~profile["deadline"], "relative"].mean()
    desc = ("Mean clicks per enrolled student by week, one line per course; deadline weeks are marked: "
            + "; ".join(f"{c}: weeks {', '.join(map(str, w))}" for c, w in dl.items())
            + f". Deadline weeks average {ratio:.1f} times the clicks of other weeks.")
    lines = alt.Chart(profile).mark_line().encode(
        x=alt.X("week:O", title="week", axis=alt.Axis(labelAngle=0)), y=alt.Y("mean_clicks:Q", title="mean clicks per enrolled student"),
        color=alt.Color("course_id:N", title="course"), strokeDash=alt.StrokeDash("course_id:N", legend=None),
    )
    points = alt.Chart(profile[profile["deadline"]]).mark_point(size=90, filled=True).encode(
        x="week:O", y="mean_clicks:Q", color=alt.Color("course_id:N"), shape=alt.value("diamond"),
        tooltip=["course_id", "week", alt.Tooltip("mean_clicks:Q", format=".0f"), alt.Tooltip("submission_rate:Q", format=".0%")],
    )
    return alt.layer(lines, points).properties(title="Clicks spike in deadline weeks (diamonds)", description=desc, width=width, height=height)


@dataclass(frozen=True)
class _Weeks:
    """Per-student, per-week activity as matrices (students x weeks), week 1 in column 0."""

    ids: np.ndarray
    course: np.ndarray
    active: np.ndarray
    clicks: np.ndarray
    submissions: np.ndarray
    last_week: np.ndarray
    withdrawn: np.ndarray


def _weeks(lms: pd.DataFrame) -> _Weeks:
    _require(lms, _LMS_COLUMNS, "the LMS data")
    codes, ids = _codes(lms["student_id"])
    n = len(ids)
    week = lms["week"].to_numpy().astype("int64")
    if (week < 1).any():
        raise ValueError("week must start at 1")
    nw = int(week.max())
    flat = codes * nw + (week - 1)

    def matrix(values: np.ndarray) -> np.ndarray:
        return np.bincount(flat, weights=values, minlength=n * nw).reshape(n, nw)

    last = np.zeros(n, dtype="int64")
    np.maximum.at(last, codes, week)
    first_row = np.full(n, -1, dtype="int64")
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    return _Weeks(
        ids=np.asarray(ids, dtype=object),
        course=lms["course_id"].to_numpy()[first_row],
        active=matrix(_flag(lms, "active").astype("float64")) > 0,
        clicks=matrix(lms["clicks"].to_numpy(dtype="float64")),
        submissions=matrix(lms["submissions"].to_numpy(dtype="float64")),
        last_week=last,
        withdrawn=lms["final_result"].astype(object).to_numpy()[first_row] == "Withdrawn",
    )


def _check_window(window: int, min_active_weeks: int, weeks: int) -> None:
    if not 1 <= window < weeks:
        raise ValueError(f"window must be between 1 and {weeks - 1} weeks; got {window!r}")
    if not 0 <= min_active_weeks <= window:
        raise ValueError(f"min_active_weeks must be between 0 and window={window}; got {min_active_weeks!r}")


def early_warning(lms: pd.DataFrame, window: int = 4, min_active_weeks: int = 3) -> pd.DataFrame:
    """A simple early-warning flag from the first ``window`` weeks, and who withdrew later.

    Only students still enrolled after the window are scored (a flag raised after a
    student has left warns nobody). ``flagged`` = active in fewer than
    ``min_active_weeks`` of the first ``window`` weeks; ``withdrew_later`` = withdrew after
    the window. Also the window's ``active_weeks``, ``clicks`` and ``submissions``.
    """
    w = _weeks(lms)
    _check_window(window, min_active_weeks, w.active.shape[1])
    active_w = w.active[:, :window].sum(axis=1)
    keep = w.last_week > window
    return pd.DataFrame({
        "student_id": w.ids[keep],
        "course_id": w.course[keep],
        "active_weeks": active_w[keep],
        "clicks": w.clicks[keep, :window].sum(axis=1).astype("int64"),
        "submissions": w.submissions[keep, :window].sum(axis=1).astype("int64"),
        "flagged": active_w[keep] < min_active_weeks,
        "withdrew_later": w.withdrawn[keep],
    })


def _ew_summary(flagged: np.ndarray, withdrew: np.ndarray) -> dict[str, float]:
    f, w = np.asarray(flagged, dtype=bool), np.asarray(withdrew, dtype=bool)
    n, nf, nw = int(f.size), int(f.sum()), int(w.sum())
    tp = int((f & w).sum())
    rf = 100.0 * tp / nf if nf else float("nan")
    rn = 100.0 * int((~f & w).sum()) / (n - nf) if n - nf else float("nan")
    return {
        "students": n,
        "flagged": nf,
        "withdrew_later": nw,
        "flag_share": 100.0 * nf / n if n else float("nan"),
        "rate_flagged": rf,
        "rate_not_flagged": rn,
        "lift": metrics.relative_lift(rf, rn) if nf and rn > 0 else float("nan"),
        "recall": 100.0 * tp / nw if nw else float("nan"),
        "precision": rf,
    }


def early_warning_summary(ew: pd.DataFrame) -> dict[str, float]:
    """How useful the flag of :func:`early_warning` is.

    ``rate_flagged`` / ``rate_not_flagged`` - percent who withdrew later in each group;
    ``lift`` = rate_flagged / rate_not_flagged (:func:`metrics.relative_lift`);
    ``recall`` - percent of later withdrawals that were flagged; ``precision`` - percent of
    flagged students who withdrew (= rate_flagged); ``flag_share`` - percent flagged.
    Rates of an empty group are NaN.
    """
    return _ew_summary(ew["flagged"].to_numpy(), ew["withdrew_later"].to_numpy())


def _tradeoff(w: _Weeks, window: int) -> pd.DataFrame:
    active_w = w.active[:, :window].sum(axis=1)
    keep = w.last_week > window
    rows = [{"min_active_weeks": t, **_ew_summary(active_w[keep] < t, w.withdrawn[keep])} for t in range(1, window + 1)]
    return pd.DataFrame(rows)


def early_warning_tradeoff(lms: pd.DataFrame, window: int = 4) -> pd.DataFrame:
    """Recall, precision and share flagged for every threshold 1..window of :func:`early_warning`."""
    w = _weeks(lms)
    _check_window(window, 0, w.active.shape[1])
    return _tradeoff(w, window)


def _ew_parts(summary: Mapping[str, float], tradeoff: pd.DataFrame, min_active_weeks: int, window: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    bars = pd.DataFrame({"group": ["flagged", "not flagged"], "percent": [summary["rate_flagged"], summary["rate_not_flagged"]]}).dropna()
    long = tradeoff.melt(id_vars=["min_active_weeks"], value_vars=["recall", "precision", "flag_share"], var_name="measure", value_name="percent")
    long["measure"] = long["measure"].map({"recall": "recall", "precision": "precision", "flag_share": "share flagged"})
    long = long.dropna()
    mark = pd.DataFrame({"x": [int(min_active_weeks)]})

    def pct(v: float) -> str:
        return "n/a" if v != v else f"{v:.0f}%"

    desc = (f"Early warning from the first {window} weeks, flag = active in fewer than {min_active_weeks} of them. "
            f"{pct(summary['flag_share'])} of students flagged; {pct(summary['rate_flagged'])} of flagged students withdrew later "
            f"versus {pct(summary['rate_not_flagged'])} of the others; the flag catches {pct(summary['recall'])} of later withdrawals.")
    return bars, long, mark, desc


def _ew_layout(bars: Any, long: Any, mark: Any, width: int, height: int) -> alt.HConcatChart:
    left = alt.Chart(bars).mark_bar().encode(
        x=alt.X("group:N", title=None, axis=alt.Axis(labelAngle=0), sort=["flagged", "not flagged"]),
        y=alt.Y("percent:Q", title="withdrew later (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("group:N", legend=None, scale=alt.Scale(domain=["flagged", "not flagged"], range=[charts.PALETTE[5], charts.PALETTE[0]])),
        tooltip=["group:N", alt.Tooltip("percent:Q", format=".1f")],
    ).properties(width=int(width * 0.6), height=height, title="Who withdrew later")
    lines = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("min_active_weeks:O", title="flag if active weeks below", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("percent:Q", title="percent", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["recall", "precision", "share flagged"], range=[charts.PALETTE[2], charts.PALETTE[3], "#999999"])),
        tooltip=["min_active_weeks:O", "measure:N", alt.Tooltip("percent:Q", format=".1f")],
    )
    rule = alt.Chart(mark).mark_rule(strokeDash=[4, 3], color="#444").encode(x="x:O")
    right = alt.layer(lines, rule).properties(width=width, height=height, title="Catch more, warn more")
    return alt.hconcat(left, right).resolve_scale(color="independent").properties(title="An early-warning flag from the first weeks")


def early_warning_chart(summary: Mapping[str, float], tradeoff: pd.DataFrame, min_active_weeks: int, window: int,
                        *, width: int = 220, height: int = 200) -> alt.HConcatChart:
    """Left: withdrawal rate of flagged vs not flagged; right: recall and precision by threshold."""
    bars, long, mark, desc = _ew_parts(summary, tradeoff, min_active_weeks, window)
    return _ew_layout(bars, long, mark, width, height).properties(description=desc)


def early_warning_view(lms: pd.DataFrame, width: int = 220, height: int = 200) -> Callable[[int, int], dict[str, Any]]:
    """Widget callback factory of notebook 07: ``view(window, min_active_weeks) -> spec``.

    Builds the student-by-week activity matrices once; each call scores the flag, computes
    the threshold trade-off and returns the spec of :func:`early_warning_chart`.
    """
    w = _weeks(lms)
    template = _ew_layout(alt.NamedData(name="bars"), alt.NamedData(name="tradeoff"), alt.NamedData(name="mark"), width, height)
    spec = template.properties(description="early warning").to_dict()

    def view(window: int = 4, min_active_weeks: int = 3) -> dict[str, Any]:
        window, min_active_weeks = int(window), int(min(min_active_weeks, window))
        _check_window(window, min_active_weeks, w.active.shape[1])
        tradeoff = _tradeoff(w, window)
        active_w = w.active[:, :window].sum(axis=1)
        keep = w.last_week > window
        summary = _ew_summary(active_w[keep] < min_active_weeks, w.withdrawn[keep])
        bars, long, mark, desc = _ew_parts(summary, tradeoff, min_active_weeks, window)
        return _fill(spec, desc, bars=bars, tradeoff=long, mark=mark)

    return view


def engagement_outcome(per_student: pd.DataFrame, groups: int = 5, column: str = "clicks_per_week") -> pd.DataFrame:
    """Pass rate (Pass or Distinction, percent) by engagement group (quantiles of ``column``).

    A correlation, not an effect: motivation, time and prior knowledge drive both the
    clicks and the result. Groups are equal-size quantile groups (1 = least active).
    """
    v = per_student[column].to_numpy(dtype="float64")
    ranks = pd.Series(v).rank(method="first").to_numpy()
    grp = np.minimum((ranks - 1) * groups // len(v), groups - 1).astype("int64") + 1
    passed = per_student["passed"].to_numpy()
    rows = []
    for g in range(1, groups + 1):
        m = grp == g
        rows.append({"group": g, "students": int(m.sum()), "low": float(v[m].min()), "high": float(v[m].max()),
                     "pass_rate": metrics.pooled_rate([int(passed[m].sum())], [int(m.sum())])})
    return pd.DataFrame(rows)


def engagement_outcome_chart(table: pd.DataFrame, *, width: int = 380, height: int = 200) -> alt.Chart:
    """Bars: pass rate per engagement group."""
    t = table.assign(label=table["group"].astype(str) + ": " + table["low"].round(0).astype(int).astype(str) + "-" + table["high"].round(0).astype(int).astype(str))
    desc = "Pass rate by engagement group (clicks per enrolled week, lowest to highest): " + "; ".join(
        f"{lab} {p:.0f}%" for lab, p in zip(t["label"], t["pass_rate"]))
    return charts.bar_chart(t, "label:N", "pass_rate:Q", title="More active students pass more often (a correlation)",
                            description=desc, x_title="engagement group (clicks per week)", y_title="passed (%)",
                            sort=list(t["label"]), width=width, height=height)


# ======================================================================================
# 07 Learning outcomes: gains, survivorship, effect sizes, teaching to the test
# ======================================================================================

_ASSESS_COLUMNS = ("student_id", "section", "teaching_mode", "pre_score", "post_score", "transfer_score", "dropped")


def _completers(assessments: pd.DataFrame) -> pd.DataFrame:
    return assessments[assessments["post_score"].notna().to_numpy()]


def class_gains(assessments: pd.DataFrame, by: str | None = "teaching_mode") -> pd.DataFrame:
    """Class-average normalized gains per group (matched students only).

    Per group: ``enrolled``, ``completed`` (took the post-test), the completers' mean pre
    and post scores, ``hake_gain`` = (<post> - <pre>) / (100 - <pre>) on the completers'
    class means (:func:`metrics.hake_gain`, Hake 1998), ``mean_individual_gain`` = the
    average of per-student gains (:func:`metrics.mean_individual_gain`, Bao 2006: not the
    same number), ``category`` (Hake's low < 0.3 <= medium <= 0.7 < high) and
    ``transfer_gain`` - the Hake gain on the independent transfer test.
    """
    _require(assessments, _ASSESS_COLUMNS, "the assessments data")
    a = assessments
    groups = [("all", a)] if by is None else [(str(k), g) for k, g in a.groupby(by, sort=True, observed=True)]
    rows = []
    for key, g in groups:
        c = _completers(g)
        if len(c) == 0:
            continue
        pre, post = c["pre_score"].to_numpy(), c["post_score"].to_numpy()
        tr = c["transfer_score"].to_numpy()
        hg = metrics.hake_gain(pre, post)
        rows.append({
            "group": key, "enrolled": len(g), "completed": len(c),
            "mean_pre": float(pre.mean()), "mean_post": float(post.mean()),
            "hake_gain": hg, "mean_individual_gain": metrics.mean_individual_gain(pre, post),
            "category": metrics.hake_category(hg),
            "transfer_gain": metrics.hake_gain(pre, tr),
        })
    out = pd.DataFrame(rows)
    return out.rename(columns={"group": by}) if by else out


def survivorship_gains(assessments: pd.DataFrame, by: str | None = "teaching_mode") -> pd.DataFrame:
    """Three class gains per group, to show what dropouts do to a reported gain.

    * ``unmatched`` - completers' mean post against *everyone's* mean pre (the dropouts'
      pre-tests stay in, their post-tests are missing): biased upward when the weaker
      students leave;
    * ``matched`` - completers only, pre and post of the same students
      (:func:`metrics.hake_gain`): honest about the survivors, silent about the leavers;
    * ``dropouts_zero_gain`` - everyone, with each dropout's post set to their pre (a
      pessimistic bound: they learned nothing).

    All three use :func:`metrics.hake_gain` on class means. ``dropout_pct`` is the share
    of the group without a post-test, and ``pre_dropouts`` / ``pre_completers`` their mean
    pre-test scores.
    """
    _require(assessments, _ASSESS_COLUMNS, "the assessments data")
    a = assessments
    groups = [("all", a)] if by is None else [(str(k), g) for k, g in a.groupby(by, sort=True, observed=True)]
    rows = []
    for key, g in groups:
        done = g["post_score"].notna().to_numpy()
        pre = g["pre_score"].to_numpy()
        post = g["post_score"].to_numpy()
        rows.append({
            "group": key,
            "dropout_pct": 100.0 * float((~done).mean()),
            "pre_completers": float(pre[done].mean()),
            "pre_dropouts": float(pre[~done].mean()) if (~done).any() else float("nan"),
            "unmatched": metrics.hake_gain(float(pre.mean()), float(post[done].mean())),
            "matched": metrics.hake_gain(pre[done], post[done]),
            "dropouts_zero_gain": metrics.hake_gain(pre, np.where(done, post, pre)),
        })
    out = pd.DataFrame(rows)
    return out.rename(columns={"group": by}) if by else out


def mode_effect_sizes(assessments: pd.DataFrame, score: str = "post_score", a: str = "interactive", b: str = "traditional") -> dict[str, Any]:
    """Cohen's d and Hedges' g of ``score`` between two teaching modes (a minus b).

    d = (M_a - M_b) / s_pooled with s_pooled from both groups' n - 1 variances
    (:func:`metrics.cohens_d`, Cohen 1988: 0.2 / 0.5 / 0.8 small / medium / large);
    g = d * J, J = 1 - 3 / (4 (n_a + n_b) - 9) (:func:`metrics.hedges_g`, Hedges 1981).
    Students without the score (dropouts) are left out of both groups.
    """
    _require(assessments, ["teaching_mode", score], "the assessments data")
    mode = assessments["teaching_mode"].astype(object).to_numpy()
    x = assessments.loc[mode == a, score].dropna().to_numpy()
    y = assessments.loc[mode == b, score].dropna().to_numpy()
    d = metrics.cohens_d(x, y)
    return {"score": score, "a": a, "b": b, "n_a": int(x.size), "n_b": int(y.size),
            "mean_a": float(x.mean()), "mean_b": float(y.mean()), "d": d, "g": metrics.hedges_g(x, y),
            "J": metrics.hedges_correction(int(x.size), int(y.size)), "label": metrics.effect_size_label(d)}


def prepost_effect_size(assessments: pd.DataFrame, mode: str = "interactive") -> float:
    """A *within-group* pre/post "d": (mean post - mean pre) / pooled SD of the two tests,
    completers of one teaching mode (:func:`metrics.cohens_d` on post vs pre).

    Shown only to warn: it measures growth over a term, not a difference between teaching
    methods, and is typically several times larger than a between-group d (domain brief,
    section 5) - never compare the two.
    """
    c = _completers(assessments[assessments["teaching_mode"].astype(object).to_numpy() == mode])
    return metrics.cohens_d(c["post_score"].to_numpy(), c["pre_score"].to_numpy())


def section_table(assessments: pd.DataFrame) -> pd.DataFrame:
    """Per section: teaching mode, completers, Hake gain on the post-test (the tested
    format) and on the transfer test (an independent low-stakes assessment of the same
    concepts), and ``gap`` = post gain - transfer gain."""
    t = class_gains(assessments, by="section")
    modes = assessments.groupby("section", sort=True)["teaching_mode"].first().astype(object)
    t.insert(1, "teaching_mode", t["section"].map(modes))
    t = t.rename(columns={"hake_gain": "post_gain"})
    t["gap"] = t["post_gain"] - t["transfer_gain"]
    return t[["section", "teaching_mode", "enrolled", "completed", "mean_pre", "post_gain", "transfer_gain", "gap"]]


def teach_to_test(sections: pd.DataFrame, z: float = 3.5, min_gap: float = 0.15) -> pd.DataFrame:
    """Flag sections whose tested gain runs far ahead of their transfer gain.

    Teaching to the test raises scores on the tested format without the understanding the
    transfer test measures (domain brief, section 5; the Atlanta cheating case of notebook
    01 is the extreme form). A section is flagged when its ``gap`` is an outlier - robust
    z = (gap - median) / (1.4826 * MAD) above ``z`` (Iglewicz & Hoaglin's 3.5) - *and*
    at least ``min_gap`` in absolute terms. Adds ``robust_z`` and ``flagged``.
    """
    gap = sections["gap"].to_numpy(dtype="float64")
    med = float(np.median(gap))
    mad = float(np.median(np.abs(gap - med))) * 1.4826
    rz = (gap - med) / mad if mad > 0 else np.where(gap > med, np.inf, 0.0)
    out = sections.copy()
    out["robust_z"] = rz
    out["flagged"] = (rz > z) & (gap >= min_gap)
    return out


def section_chart(sections: pd.DataFrame, *, width: int = 360, height: int = 300) -> alt.LayerChart:
    """Post-test gain against transfer-test gain per section, with the line where they agree."""
    s = sections.copy()
    if "flagged" not in s.columns:
        s["flagged"] = False
    s["status"] = np.where(s["flagged"], "flagged", s["teaching_mode"].astype(str))
    flagged = s.loc[s["flagged"], "section"].tolist()
    desc = ("Each point is a section: Hake gain on the post-test (x) against gain on the transfer test (y). "
            "Most sections lie just below the diagonal; " + (f"section {', '.join(flagged)} sits far below it "
            f"(post gain {s.loc[s['flagged'], 'post_gain'].iloc[0]:.2f}, transfer gain {s.loc[s['flagged'], 'transfer_gain'].iloc[0]:.2f})."
            if flagged else "no section stands out."))
    diag = alt.Chart(pd.DataFrame({"x": [0.0, 0.8], "y": [0.0, 0.8]})).mark_line(strokeDash=[4, 4], color="#888").encode(x="x:Q", y="y:Q")
    pts = alt.Chart(s).mark_point(size=90, filled=True).encode(
        x=alt.X("post_gain:Q", title="gain on the post-test (tested format)", scale=alt.Scale(domain=[0, 0.8])),
        y=alt.Y("transfer_gain:Q", title="gain on the transfer test", scale=alt.Scale(domain=[-0.1, 0.8])),
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=["traditional", "interactive", "flagged"], range=[charts.PALETTE[0], charts.PALETTE[2], charts.PALETTE[5]])),
        shape=alt.Shape("status:N", title=None, scale=alt.Scale(domain=["traditional", "interactive", "flagged"], range=["circle", "square", "triangle-up"])),
        tooltip=["section", "teaching_mode", alt.Tooltip("post_gain:Q", format=".2f"), alt.Tooltip("transfer_gain:Q", format=".2f")],
    )
    labels = alt.Chart(s[s["flagged"]]).mark_text(align="left", dx=8, dy=-6, fontSize=12, color="#333").encode(
        x="post_gain:Q", y="transfer_gain:Q", text="section:N")
    return alt.layer(diag, pts, labels).properties(title="Tested gains vs transfer gains by section", description=desc, width=width, height=height)


# ======================================================================================
# 08 Educator survey: reverse coding, scales, reliability
# ======================================================================================

#: TALIS 2018 job-satisfaction scales (OECD TALIS 2018 technical report, teacher
#: questionnaire): satisfaction with the profession and with the current work environment.
SCALES: dict[str, tuple[str, ...]] = {
    "profession": ("prof_advantages", "prof_choose_again", "prof_regret", "prof_other_profession"),
    "school": ("school_change", "school_enjoy", "school_recommend", "job_satisfied_overall"),
}
SCALE_LABELS = {"profession": "satisfaction with the profession", "school": "satisfaction with the work environment"}
#: Short labels of the TALIS-style items (R = negatively worded, reversed before scoring).
ITEM_LABELS: dict[str, str] = {
    "prof_advantages": "Advantages outweigh disadvantages",
    "prof_choose_again": "Would choose teaching again",
    "prof_regret": "Regret becoming a teacher (R)",
    "prof_other_profession": "Wonder if another job were better (R)",
    "school_change": "Would like to change school (R)",
    "school_enjoy": "Enjoy working at this school",
    "school_recommend": "Would recommend this school",
    "job_satisfied_overall": "All in all satisfied with my job",
}
LIKERT_LEVELS = ("strongly disagree", "disagree", "agree", "strongly agree")


def _respondents(survey: pd.DataFrame) -> pd.DataFrame:
    _require(survey, ["responded"], "the survey data")
    return survey[_flag(survey, "responded")]


def reverse_items(survey: pd.DataFrame, items: Sequence[str] = TALIS_REVERSED, low: int = 1, high: int = 4) -> pd.DataFrame:
    """A copy of ``survey`` with negatively worded ``items`` reverse-coded (x -> low + high - x,
    :func:`metrics.reverse_code`), so that a higher value always means more satisfied."""
    _require(survey, items, "the survey data")
    out = survey.copy()
    for item in items:
        out[item] = metrics.reverse_code(survey[item].astype("float64"), low, high)
    return out


def scale_scores(survey: pd.DataFrame, min_share: float = 0.5) -> pd.DataFrame:
    """Respondents with one score per TALIS scale: the mean of its reverse-coded items.

    A score needs at least ``min_share`` of the scale's items answered (otherwise NaN);
    missing items are skipped in the mean. Scores run from 1 (low satisfaction) to 4.
    Adds one column per scale of :data:`SCALES`.
    """
    r = reverse_items(_respondents(survey))
    for scale, items in SCALES.items():
        block = r[list(items)].astype("float64")
        answered = block.notna().sum(axis=1)
        r[scale] = block.mean(axis=1).where(answered >= min_share * len(items))
    return r


def scale_reliability(survey: pd.DataFrame) -> pd.DataFrame:
    """Cronbach's alpha per scale, with and without reverse coding (respondents only).

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the total)
    (:func:`metrics.cronbach_alpha`, Cronbach 1951). Forgetting to reverse the negatively
    worded items makes them pull against the others: alpha drops, often below zero.
    """
    resp = _respondents(survey)
    rev = reverse_items(resp)
    rows = []
    for scale, items in SCALES.items():
        rows.append({"scale": scale, "items": len(items),
                     "alpha": metrics.cronbach_alpha(rev[list(items)].astype("float64")),
                     "alpha_not_reversed": metrics.cronbach_alpha(resp[list(items)].astype("float64"))})
    return pd.DataFrame(rows)


def agreement_shares(survey: pd.DataFrame, items: Sequence[str] = TALIS_ITEMS, reverse: bool = False) -> pd.DataFrame:
    """Percent of respondents who agree (3) or strongly agree (4) with each item.

    As worded: for a reversed item, agreeing means *less* satisfied. With ``reverse=True``
    the reversed items are flipped first, so every share reads "percent satisfied".
    Missing answers are left out of each item's denominator (:func:`metrics.top_box_share`).
    """
    r = _respondents(survey)
    if reverse:
        r = reverse_items(r, [i for i in items if i in TALIS_REVERSED])
    rows = [{"item": i, "label": ITEM_LABELS.get(i, i), "reversed": i in TALIS_REVERSED,
             "answered": int(r[i].notna().sum()), "agree_pct": metrics.top_box_share(r[i].astype("float64"), 3)} for i in items]
    return pd.DataFrame(rows)


def likert_frame(survey: pd.DataFrame, items: Sequence[str] = TALIS_ITEMS) -> pd.DataFrame:
    """Segments of a diverging stacked bar chart of 1-4 agree-scale items, as worded.

    For each item and response level: ``percent`` of the item's respondents, and
    ``start`` / ``end`` on an axis centred on 0 - the two disagree levels to the left,
    the two agree levels to the right (a 4-point scale has no neutral middle). Reversed
    items are *not* flipped: the chart shows what teachers answered.
    """
    r = _respondents(survey)
    rows = []
    for item in items:
        v = r[item].astype("float64").dropna().to_numpy()
        if v.size == 0:
            continue
        pct = 100.0 * np.bincount(v.astype("int64"), minlength=5)[1:5] / v.size
        starts = [-(pct[0] + pct[1]), -pct[1], 0.0, pct[2]]
        for level in range(4):
            rows.append({"item": item, "label": ITEM_LABELS.get(item, item), "level": level + 1,
                         "response": LIKERT_LEVELS[level], "percent": pct[level],
                         "start": starts[level], "end": starts[level] + pct[level]})
    return pd.DataFrame(rows)


def likert_chart(frame: pd.DataFrame, *, title: str = "How teachers answered (as worded)", width: int = 420, height: int = 260) -> alt.LayerChart:
    """Diverging stacked bars: disagreement to the left of 0, agreement to the right.

    Items are sorted by the share agreeing; reversed items are marked (R) in the label.
    """
    agree = frame[frame["level"] >= 3].groupby("label", sort=False)["percent"].sum().sort_values(ascending=False)
    order = list(agree.index)
    desc = "Diverging stacked bars of the eight job-satisfaction items, disagreement left of zero and agreement right: " + "; ".join(
        f"{lab} {a:.0f}% agree" for lab, a in agree.items()) + ". Items marked R are negatively worded: agreeing means less satisfied."
    colors = ["#b2182b", "#ef8a62", "#67a9cf", "#2166ac"]
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("start:Q", title="percent of respondents (disagree | agree)", scale=alt.Scale(domain=[-100, 100]),
                axis=alt.Axis(format="d", labelExpr="abs(datum.value)")),
        x2="end:Q",
        color=alt.Color("response:N", sort=list(LIKERT_LEVELS), title="response",
                        scale=alt.Scale(domain=list(LIKERT_LEVELS), range=colors), legend=alt.Legend(orient="bottom")),
        tooltip=["label", "response", alt.Tooltip("percent:Q", format=".1f")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#333").encode(x="x:Q")
    return alt.layer(bars, zero).properties(title=title, description=desc, width=width, height=height)


# ======================================================================================
# 08 Response rates, non-response, professional development
# ======================================================================================


def response_rates(survey: pd.DataFrame, by: str = "school_id") -> pd.DataFrame:
    """Invited, responded and the response rate (percent) per ``by`` group.

    The overall response rate is the pooled rate (:func:`metrics.pooled_rate`), not the
    mean of the group rates: use :func:`overall_from_groups` with ``count="responded"``,
    ``n="invited"``.
    """
    _require(survey, [by, "responded"], "the survey data")
    g = pd.DataFrame({by: survey[by].to_numpy(), "r": _flag(survey, "responded").astype("int64")}).groupby(by, sort=True)["r"]
    t = pd.DataFrame({"invited": g.size(), "responded": g.sum()}).reset_index()
    t["response_rate"] = 100.0 * t["responded"] / t["invited"]
    return t


def nonresponse_check(survey: pd.DataFrame) -> pd.DataFrame:
    """Compare respondents and non-respondents on what is known for everyone invited.

    Non-response bias: if the less satisfied answer less often, the survey overstates
    satisfaction. The survey cannot show it directly; administrative data can. Per group
    (responded / did not respond): ``teachers``, ``left_pct`` (percent who left the school
    the next year, a behavioural sign of dissatisfaction), ``mean_class_score`` and
    ``mean_low_income_pct`` of their schools.
    """
    _require(survey, ["responded", "left_next_year", "class_mean_score", "school_low_income_pct"], "the survey data")
    r = _flag(survey, "responded")
    left = _flag(survey, "left_next_year")
    rows = []
    for name, m in (("responded", r), ("did not respond", ~r)):
        rows.append({"group": name, "teachers": int(m.sum()),
                     "left_pct": metrics.pooled_rate([int(left[m].sum())], [int(m.sum())]) if m.any() else float("nan"),
                     "mean_class_score": float(survey["class_mean_score"].to_numpy()[m].mean()) if m.any() else float("nan"),
                     "mean_low_income_pct": float(survey["school_low_income_pct"].to_numpy()[m].mean()) if m.any() else float("nan")})
    return pd.DataFrame(rows)


def pd_participation(survey: pd.DataFrame, scale: str = "school") -> dict[str, float]:
    """Professional development among respondents: participation and hours.

    ``participation`` - percent with any PD hours in the last 12 months
    (:func:`metrics.participation_rate`); ``median_hours`` and ``mean_hours``;
    ``r_hours_satisfaction`` - correlation of hours with the ``scale`` score. PD hours are
    only known for respondents, so all of this inherits the survey's non-response.
    """
    s = scale_scores(survey)
    hours = s["pd_hours"].astype("float64")
    known = hours.notna().to_numpy()
    h = hours.to_numpy()[known]
    return {"respondents": len(s), "with_hours": int(known.sum()),
            "participation": metrics.participation_rate(h > 0) if h.size else float("nan"),
            "median_hours": float(np.median(h)) if h.size else float("nan"),
            "mean_hours": float(h.mean()) if h.size else float("nan"),
            "r_hours_satisfaction": correlation(h, s[scale].to_numpy(dtype="float64")[known])}


# ======================================================================================
# 08 School comparison with uncertainty
# ======================================================================================


def t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t distribution with ``df`` degrees of freedom.

    Cornish-Fisher expansion around the normal quantile z (Abramowitz & Stegun 26.7.5):
    t = z + (z^3 + z) / (4 df) + (5 z^5 + 16 z^3 + 3 z) / (96 df^2)
    + (3 z^7 + 19 z^5 + 17 z^3 - 15 z) / (384 df^3); within 0.01 of the exact value for
    df >= 3 at the usual levels (t_0.975 with 10 df: 2.228). Used for confidence intervals
    of school means without a SciPy dependency.
    """
    if not 0 < p < 1:
        raise ValueError(f"p must be in (0, 1); got {p!r}")
    if df < 1:
        raise ValueError(f"df must be >= 1; got {df!r}")
    z = NormalDist().inv_cdf(p)
    return float(z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
                 + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


def _school_stats(scored: pd.DataFrame, scale: str) -> tuple[pd.DataFrame, float]:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
    _require(scored, ["school_id", scale], "the scored survey")
    v = scored[["school_id", scale]].dropna()
    if len(v) < 2:
        raise ValueError("fewer than 2 scored respondents")
    g = v.groupby("school_id", sort=True)[scale]
    stats = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std(ddof=1)}).reset_index()
    return stats, float(v[scale].mean())


def _school_ci(stats: pd.DataFrame, overall: float, min_respondents: int, level: float) -> pd.DataFrame:
    if isinstance(min_respondents, bool) or int(min_respondents) != min_respondents or min_respondents < 2:
        raise ValueError(f"min_respondents must be a whole number >= 2; got {min_respondents!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    t = stats[stats["n"].to_numpy() >= min_respondents].copy()
    t["se"] = t["sd"] / np.sqrt(t["n"])
    sizes = np.unique(t["n"].to_numpy())
    q = dict(zip(sizes.tolist(), (t_quantile(0.5 + level / 2, int(k) - 1) for k in sizes)))  # one per distinct size
    half = t["n"].map(q).to_numpy(dtype="float64") * t["se"].to_numpy()
    t["low"] = t["mean"] - half
    t["high"] = t["mean"] + half
    t["position"] = np.where(t["low"] > overall, "above", np.where(t["high"] < overall, "below", "cannot tell"))
    t["overall"] = overall
    t = t.sort_values("mean", kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    return t


def school_comparison(scored: pd.DataFrame, scale: str = "school", min_respondents: int = 5, level: float = 0.95) -> pd.DataFrame:
    """Mean scale score per school with a confidence interval, against the overall mean.

    ``scored`` comes from :func:`scale_scores`. Per school with at least
    ``min_respondents`` scores: ``n``, ``mean``, ``sd``, ``se`` = sd / sqrt(n), the
    ``level`` t-interval ``low`` - ``high`` (:func:`t_quantile`, n - 1 degrees of freedom),
    and ``position``: "above" or "below" when the whole interval lies on one side of the
    overall mean of all scored teachers, else "cannot tell". Sorted by mean (``rank`` 1 =
    lowest). Small schools get wide intervals: a league table of their means is mostly
    noise (notebook 02).
    """
    stats, overall = _school_stats(scored, scale)
    return _school_ci(stats, overall, min_respondents, level)


#: Charts with one mark per school draw at most this many schools (every k-th along the
#: sorted order beyond it), so that a notebook for a large district stays small.
MAX_SCHOOLS_DRAWN = 150


def _thin(frame: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, str]:
    """Every k-th row of an already sorted frame when it has more than ``limit`` rows, and a
    note saying so (empty when nothing was left out)."""
    if len(frame) <= limit:
        return frame, ""
    step = math.ceil(len(frame) / limit)
    return frame.iloc[::step], f" (every {step}th of {len(frame)} schools drawn)"


def _school_parts(table: pd.DataFrame, scale: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    overall = float(table["overall"].iloc[0]) if len(table) else float("nan")
    counts = table["position"].value_counts()
    cols = ["school_id", "rank", "n", "mean", "low", "high", "position"]
    drawn, note = _thin(table[cols], MAX_SCHOOLS_DRAWN)
    desc = (f"Mean {SCALE_LABELS.get(scale, scale)} score (1-4) of {len(table)} schools with 95% intervals, sorted{note}; overall mean "
            f"{overall:.2f}. {int(counts.get('above', 0))} schools are clearly above, {int(counts.get('below', 0))} clearly below, "
            f"{int(counts.get('cannot tell', 0))} cannot be told apart from the overall mean.")
    ref = pd.DataFrame({"value": [overall], "label": [f"overall {overall:.2f}"]})
    return drawn, ref, desc


def _school_layers(schools: Any, ref: Any, width: int, height: int) -> alt.LayerChart:
    colors = alt.Scale(domain=["below", "cannot tell", "above"], range=[charts.PALETTE[5], "#999999", charts.PALETTE[0]])
    base = alt.Chart(schools).encode(x=alt.X("rank:O", title="schools, sorted by mean", axis=alt.Axis(labels=False, ticks=False)))
    bars = base.mark_rule(strokeWidth=2).encode(
        y=alt.Y("low:Q", title="mean score (1 low - 4 high)", scale=alt.Scale(zero=False)), y2="high:Q",
        color=alt.Color("position:N", scale=colors, title="vs overall mean"))
    pts = base.mark_point(filled=True, size=30).encode(
        y="mean:Q", color=alt.Color("position:N", scale=colors),
        tooltip=["school_id:N", "n:Q", alt.Tooltip("mean:Q", format=".2f"), alt.Tooltip("low:Q", format=".2f"), alt.Tooltip("high:Q", format=".2f")])
    rule = alt.Chart(ref).mark_rule(strokeDash=[6, 4], color="#444").encode(y="value:Q")
    text = alt.Chart(ref).mark_text(align="left", x=4, dy=-6, color="#444").encode(y="value:Q", text="label:N")
    return alt.layer(bars, pts, rule, text).properties(title="School means with 95% intervals", width=width, height=height)


def school_chart(table: pd.DataFrame, *, scale: str = "school", width: int = 440, height: int = 240) -> alt.LayerChart:
    """A caterpillar plot: each school's mean with its interval, sorted, and the overall mean."""
    schools, ref, desc = _school_parts(table, scale)
    return _school_layers(schools, ref, width, height).properties(description=desc)


def school_comparison_view(scored: pd.DataFrame, level: float = 0.95, width: int = 440, height: int = 240) -> Callable[[str, int], dict[str, Any]]:
    """Widget callback factory of notebook 08: ``view(scale, min_respondents) -> spec``.

    Computes each school's n, mean and SD per scale once; each call applies the minimum
    number of respondents, the t-intervals and the comparison with the overall mean
    (:func:`school_comparison`) and returns the spec of :func:`school_chart`.
    """
    stats = {s: _school_stats(scored, s) for s in SCALES}
    spec = _school_layers(alt.NamedData(name="schools"), alt.NamedData(name="ref"), width, height).properties(description="schools").to_dict()

    def view(scale: str = "school", min_respondents: int = 5) -> dict[str, Any]:
        if scale not in stats:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
        st, overall = stats[scale]
        schools, ref, desc = _school_parts(_school_ci(st, overall, min_respondents, level), scale)
        return _fill(spec, desc, schools=schools, ref=ref)

    return view


# ======================================================================================
# 08 Linking educator support to outcomes: the ecological fallacy
# ======================================================================================


def school_level_frame(scored: pd.DataFrame, scale: str = "school", survey: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per school: ``satisfaction`` (mean ``scale`` score of the respondents),
    ``respondents``, ``class_mean_score`` and ``low_income_pct``, and ``response_rate``.

    ``scored`` comes from :func:`scale_scores`. With ``survey`` (every invited teacher) the
    class score is averaged over all invited teachers and the response rate is added;
    without it, over the respondents only.
    """
    _require(scored, ["school_id", scale, "class_mean_score", "school_low_income_pct"], "the scored survey")
    base = scored if survey is None else survey
    sat = scored.dropna(subset=[scale]).groupby("school_id", sort=True)[scale].agg(["mean", "size"])
    sat = sat.rename(columns={"mean": "satisfaction", "size": "respondents"})
    adm = base.groupby("school_id", sort=True).agg(class_mean_score=("class_mean_score", "mean"),
                                                   low_income_pct=("school_low_income_pct", "first"))
    if survey is not None:
        adm = adm.join(response_rates(survey).set_index("school_id")["response_rate"])
    return adm.join(sat, how="inner").reset_index()


def ecological_comparison(scored: pd.DataFrame, scale: str = "school", survey: pd.DataFrame | None = None) -> dict[str, float]:
    """Satisfaction and class scores, measured between schools and within schools.

    * ``between_r`` - correlation of school mean satisfaction with school mean class score,
      one point per school (:func:`school_level_frame`, with ``survey`` the class score of
      every invited teacher): what a school-level chart shows;
    * ``within_r`` - correlation of respondents' deviations from their school's mean
      satisfaction with their class score's deviation from the school's mean: whether,
      *inside* a school, more satisfied teachers have higher-scoring classes;
    * ``r_low_income_satisfaction`` / ``r_low_income_outcome`` - school level, with the
      share of low-income students, the common-cause candidate.

    Reading a between-school correlation as a fact about individual teachers is the
    ecological fallacy (Robinson 1950).
    """
    lvl = school_level_frame(scored, scale, survey)
    s = scored[["school_id", scale, "class_mean_score"]].dropna()
    means = s.groupby("school_id")[[scale, "class_mean_score"]].transform("mean")
    return {"schools": int(len(lvl)), "teachers": int(len(s)),
            "between_r": correlation(lvl["satisfaction"], lvl["class_mean_score"]),
            "within_r": correlation(s[scale] - means[scale], s["class_mean_score"] - means["class_mean_score"]),
            "r_low_income_satisfaction": correlation(lvl["low_income_pct"], lvl["satisfaction"]),
            "r_low_income_outcome": correlation(lvl["low_income_pct"], lvl["class_mean_score"])}


def ecological_chart(schools: pd.DataFrame, *, scale_label: str = "mean satisfaction with the work environment (1-4)",
                     width: int = 380, height: int = 260) -> alt.Chart:
    """One point per school: satisfaction against the mean class score, coloured by low-income share."""
    r = correlation(schools["satisfaction"], schools["class_mean_score"])
    drawn, note = _thin(schools.sort_values("satisfaction", kind="stable"), 2 * MAX_SCHOOLS_DRAWN)
    desc = (f"Scatter of {len(schools)} schools{note}: mean teacher satisfaction (x) against mean class score (y), coloured by the "
            f"share of low-income students; school-level correlation {r:.2f}. Schools with more low-income students sit lower on both.")
    return (
        alt.Chart(drawn)
        .mark_circle(size=60, opacity=0.85)
        .encode(
            x=alt.X("satisfaction:Q", title=scale_label, scale=alt.Scale(zero=False)),
            y=alt.Y("class_mean_score:Q", title="mean class score", scale=alt.Scale(zero=False)),
            color=alt.Color("low_income_pct:Q", title="low-income %", scale=alt.Scale(scheme=charts.SEQUENTIAL)),
            tooltip=["school_id", alt.Tooltip("satisfaction:Q", format=".2f"), alt.Tooltip("class_mean_score:Q", format=".1f"), "low_income_pct"],
        )
        .properties(title="Schools: satisfaction and scores move together", description=desc, width=width, height=height)
    )
