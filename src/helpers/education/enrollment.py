"""Enrollment and retention (notebook 06): the funnel, IPEDS cohort outcomes, equity gaps,
cohort shaping and the selectivity what-if."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

from .. import charts, metrics
from ..validate import require_columns as _require
from ._common import _codes, _flag, _rate_or_nan

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
        np.where(np.isnan(v), np.asarray(None, dtype=object), np.where(v == 1, mapping[1], mapping[0])),
        index=values.index, dtype=object,
    )


def funnel_table(funnel: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Counts at each funnel stage and the conversion rates, overall or per group.

    Stages (NACAC's admission funnel): prospects -> inquiry -> application -> admission ->
    deposit -> enrolled on the census date. Rates, in percent, all from
    :mod:`helpers.metrics`:

    * ``admit_rate`` = admitted / applied (:func:`metrics.admit_rate`; about 67 % at US
      four-year colleges in fall 2017, NACAC, a mean over institutions, each counting once),
    * ``deposit_rate`` = deposited / admitted (the "yield" some offices report in spring),
    * ``yield_rate`` = enrolled at census / admitted (:func:`metrics.yield_rate`; about
      34 %, the same kind of NACAC institution mean),
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
# 06 Funnel statistics: intervals for small groups, pooled two-group comparisons
# ======================================================================================

#: z for a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson_interval(count: Any, n: Any, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, in percent (element-wise).

    lower, upper = (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), p = count/n
    (Wilson, JASA 1927). Unlike p +- 1.96 SE it stays inside 0-100 % and keeps its
    coverage for small groups and rates near 0 or 100 %. NaN where n is 0.
    """
    c = np.asarray(count, dtype="float64")
    m = np.asarray(n, dtype="float64")
    if (c < 0).any() or (c > m).any():
        raise ValueError("wilson_interval: every count must be between 0 and its n")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = c / m
        denom = 1.0 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
    return 100.0 * (centre - half), 100.0 * (centre + half)


def two_proportion_test(count_a: int, n_a: int, count_b: int, n_b: int, level: float = 0.95) -> dict[str, float]:
    """Difference of two independent proportions with the pooled two-proportion z-test.

    ``diff`` = rate_a - rate_b in percentage points; ``z`` = diff / SE with the SE under
    "no difference" (pooled proportion); ``p_value`` two-sided (normal approximation,
    fine when each group has at least about 5 successes and 5 failures); ``lo``/``hi`` an
    interval for the difference at ``level`` (default 95 %; e.g. 0.975 for a Bonferroni
    correction over two comparisons), unpooled SE (Wald). The test and the interval use
    different SEs, so at the edge they can disagree: read a difference from the interval.
    Raises ValueError for an empty group or a level outside (0, 1).
    """
    if n_a <= 0 or n_b <= 0:
        raise ValueError(f"two_proportion_test: both groups need students; got n = {n_a} and {n_b}")
    if not 0 < level < 1:
        raise ValueError(f"two_proportion_test: level must be between 0 and 1; got {level!r}")
    zq = NormalDist().inv_cdf(0.5 + level / 2)
    pa, pb = count_a / n_a, count_b / n_b
    pooled = (count_a + count_b) / (n_a + n_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    se1 = math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    z = (pa - pb) / se0 if se0 > 0 else float("nan")
    p_value = math.erfc(abs(z) / math.sqrt(2)) if z == z else float("nan")
    return {
        "rate_a": 100 * pa, "n_a": n_a, "rate_b": 100 * pb, "n_b": n_b,
        "diff": 100 * (pa - pb), "lo": 100 * (pa - pb - zq * se1), "hi": 100 * (pa - pb + zq * se1),
        "z": z, "p_value": p_value, "level": level,
    }


def melt_by_group(funnel: pd.DataFrame, by: str) -> pd.DataFrame:
    """Summer melt of each group of depositors, with its 95 % Wilson interval.

    Columns: ``group``, ``depositors``, ``melted`` (deposited, not enrolled at census),
    ``melt`` (percent), ``lo`` and ``hi`` (:func:`wilson_interval`). Depositors with a
    missing group value are left out. Rows follow the group labels' order.
    """
    _require(funnel, ["deposited", "enrolled_census", by], "the funnel data")
    dep = funnel[_flag(funnel, "deposited")]
    labels = _group_labels(by, dep[by])
    keep = labels.notna().to_numpy()
    melted = (~_flag(dep, "enrolled_census")).astype("int64")
    g = pd.DataFrame({"group": labels[keep].to_numpy(), "melted": melted[keep]})
    t = g.groupby("group", sort=True)["melted"].agg(depositors="size", melted="sum").reset_index()
    t["melt"] = 100.0 * t["melted"] / t["depositors"]
    t["lo"], t["hi"] = wilson_interval(t["melted"], t["depositors"])
    t.insert(0, "by", by)
    return t


def melt_gap_test(funnel: pd.DataFrame, by: str, level: float = 0.95) -> dict[str, float]:
    """Melt of the flagged group (``by`` = 1, e.g. Pell) minus melt of the others, pooled
    over every class in ``funnel``, with :func:`two_proportion_test` (keys ``rate_a``
    for the flagged group, ``rate_b`` for the others, ``diff``, ``lo``, ``hi`` at
    ``level``, ``z``, ``p_value``)."""
    _require(funnel, ["deposited", "enrolled_census", by], "the funnel data")
    dep = funnel[_flag(funnel, "deposited")]
    known = dep[by].notna().to_numpy()
    dep = dep[known]
    flag = _flag(dep, by)
    melted = ~_flag(dep, "enrolled_census")
    return two_proportion_test(int((melted & flag).sum()), int(flag.sum()), int((melted & ~flag).sum()), int((~flag).sum()),
                               level=level)


def source_conversion(funnel: pd.DataFrame) -> pd.DataFrame:
    """Inquiry-to-application conversion per recruitment source, with counts and intervals.

    Columns: ``source``, ``inquiries`` (prospects who inquired), ``applications`` (of
    them, those who applied), ``conversion`` (percent), ``lo`` and ``hi`` (95 % Wilson
    interval, :func:`wilson_interval`), sorted from the highest conversion down.
    """
    _require(funnel, ["source", "inquired", "applied"], "the funnel data")
    inq = funnel[_flag(funnel, "inquired")]
    g = pd.DataFrame({"source": inq["source"].astype(str).to_numpy(), "applied": _flag(inq, "applied").astype("int64")})
    t = g.groupby("source", sort=True)["applied"].agg(inquiries="size", applications="sum").reset_index()
    t["conversion"] = 100.0 * t["applications"] / t["inquiries"]
    t["lo"], t["hi"] = wilson_interval(t["applications"], t["inquiries"])
    return t.sort_values("conversion", ascending=False, kind="stable").reset_index(drop=True)


def source_conversion_chart(table: pd.DataFrame, *, title: str = "Inquiry to application, by source",
                            width: int = 380, height: int = 160) -> alt.LayerChart:
    """Horizontal bars of :func:`source_conversion` with 95 % intervals and the counts behind
    each bar ("applied of inquired")."""
    frame = table.assign(label=table["applications"].map("{:,}".format) + " of " + table["inquiries"].map("{:,}".format))
    order = list(frame["source"])
    desc = "Share of inquiries that became applications, per recruitment source, with 95% intervals: " + "; ".join(
        f"{s} {c:.1f}% ({a:,} of {i:,}; {lo:.1f}-{hi:.1f})"
        for s, c, a, i, lo, hi in zip(frame["source"], frame["conversion"], frame["applications"],
                                      frame["inquiries"], frame["lo"], frame["hi"])
    ) + "."
    y = alt.Y("source:N", sort=order, title="first contact")
    bars = alt.Chart(frame).mark_bar(color=charts.PALETTE[0]).encode(
        y=y,
        x=alt.X("conversion:Q", title="inquiries that applied (%)", scale=alt.Scale(domain=[0, 100])),
        tooltip=["source", "inquiries", "applications", alt.Tooltip("conversion:Q", format=".1f")],
    )
    err = alt.Chart(frame).mark_rule(color="#333").encode(y=y, x="lo:Q", x2="hi:Q")
    text = alt.Chart(frame).mark_text(align="left", dx=6, color="#333").encode(y=y, x="hi:Q", text="label:N")
    chart = cast(alt.LayerChart, alt.layer(bars, err, text))
    return cast(alt.LayerChart, chart.properties(title=title, description=desc, width=width, height=height))


# ======================================================================================
# 06 Institution profiles (retention benchmarks)
# ======================================================================================


@dataclass(frozen=True)
class InstitutionProfile:
    """A kind of institution and its retention benchmark.

    ``benchmark_retention`` is the full-time fall-to-fall retention rate of that kind of
    institution (NCES, Digest of Education Statistics table 326.30, 2022 to 2023 entrants:
    81.7 % at 4-year institutions; open-admission publics about 61 %, the most selective
    about 95 %).
    """

    key: str
    label: str
    benchmark_retention: float


INSTITUTION_PROFILES: dict[str, InstitutionProfile] = {
    "open_admission": InstitutionProfile("open_admission", "open-admission public", 61.0),
    "four_year": InstitutionProfile("four_year", "typical 4-year institution", 81.7),
    "most_selective": InstitutionProfile("most_selective", "most selective", 95.0),
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
    """Stacked bars: the whole cohort in every fall, split by where students are; the x axis
    counts years since entry (0 = the entry fall)."""
    order = {s: i for i, s in enumerate(_STATES)}
    frame = survival.assign(order=survival["state"].map(order))
    year = int(frame["fall"].iloc[0])
    last = frame[frame["term_index"] == frame["term_index"].max()]
    sec = frame[frame["term_index"] == 1]
    k = int(last["term_index"].iloc[0])
    desc = (
        f"Stacked bars for the {year} cohort, one per fall from entry (0) to {k} years later; each bar is the whole cohort. "
        f"One year after entry: " + ", ".join(f"{s} {p:.0f}%" for s, p in zip(sec["state"], sec["percent"]) if p > 0)
        + f". {k} years after entry: "
        + ", ".join(f"{s} {p:.0f}%" for s, p in zip(last["state"], last["percent"]) if p > 0) + "."
    )
    colors = [charts.PALETTE[0], charts.PALETTE[2], charts.PALETTE[4], "#bbbbbb", charts.PALETTE[7]]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("term_index:O", title="years since entry", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("percent:Q", title="percent of the census cohort", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("state:N", sort=list(_STATES), scale=alt.Scale(domain=list(_STATES), range=colors), title="where"),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("term_index:O", title="years since entry"), "state", "students",
                     alt.Tooltip("percent:Q", format=".1f")],
        )
        .properties(title=title or f"Where the {year} cohort is, year by year", description=desc, width=width, height=height)
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
    ``gap`` = rate - rest_rate in percentage points (negative: the group does worse), and
    ``lo``/``hi``, a 95 % Wilson interval of the group's own rate (:func:`wilson_interval`).
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
        lo, hi = wilson_interval(t["count"], t["n"])
        parts.append(pd.DataFrame({
            "dimension": dim, "group": labels.to_numpy(), "n": t["n"], "count": t["count"], "rate": t["rate"],
            "rest_rate": rest, "gap": t["rate"] - rest, "share": t["share"], "lo": lo, "hi": hi,
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


_DIMENSION_LABELS = {"first_generation": "first-generation status", "pell": "Pell status", "attendance": "attendance"}


def equity_chart(gaps: pd.DataFrame, overall: float | None = None, *, title: str = "Retention by student group",
                 rate_title: str = "retained in the second fall (%)",
                 width: int = 380, height: int = 220) -> alt.LayerChart:
    """Horizontal bars of each group's rate with its 95 % interval (when ``gaps`` has ``lo``
    and ``hi``), the overall (pooled) rate as a dashed line; ``rate_title`` names the x axis."""
    frame = gaps.assign(label=gaps["group"].astype(str) + " (n=" + gaps["n"].astype(str) + ")",
                        dimension=gaps["dimension"].map(lambda d: _DIMENSION_LABELS.get(str(d), str(d))))
    has_ci = {"lo", "hi"} <= set(frame.columns)
    desc = "Retention rate of each student group" + (" with its 95% interval" if has_ci else "") + ": " + "; ".join(
        f"{g} {r:.1f}%" + (f" ({lo:.1f}-{hi:.1f})" if has_ci else "") + f" (gap {d:+.1f} points)"
        for g, r, d, lo, hi in zip(frame["group"], frame["rate"], frame["gap"],
                                   frame["lo"] if has_ci else frame["rate"], frame["hi"] if has_ci else frame["rate"])
    ) + (f". Overall pooled rate {overall:.1f}%." if overall is not None else ".")
    y = alt.Y("label:N", sort=list(frame["label"]), title=None)
    bars = alt.Chart(frame).mark_bar().encode(
        y=y,
        x=alt.X("rate:Q", title=rate_title, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("dimension:N", title="split by", sort=list(dict.fromkeys(frame["dimension"]))),
        tooltip=["dimension", "group", "n", alt.Tooltip("rate:Q", format=".1f"), alt.Tooltip("gap:Q", format="+.1f")],
    )
    layers: list[Any] = [bars]
    if has_ci:
        layers.append(alt.Chart(frame).mark_rule(color="#333").encode(y=y, x="lo:Q", x2="hi:Q"))
    if overall is not None:
        ref = pd.DataFrame({"value": [overall], "label": [f"all students {overall:.1f}%"]})
        layers.append(alt.Chart(ref).mark_rule(strokeDash=[6, 4], color="#333").encode(x="value:Q"))
        layers.append(alt.Chart(ref).mark_text(align="left", dx=4, y=-6, color="#333").encode(x="value:Q", text="label:N"))
    return cast(alt.LayerChart, alt.layer(*layers).properties(title=title, description=desc, width=width, height=height))


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
      (:func:`metrics.pooled_rate`). It resists one kind of shaping only: students steered
      out before census stay in its denominator. Students deferred to a spring start or
      never admitted are not entrants at all, so it cannot see those.
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
            y=alt.Y("percent:Q", title="percent"),
            color=alt.Color("cohort_year:O", legend=None),
            facet=alt.Facet("metric:N", columns=4, title=None, sort=list(cols.values())),
            tooltip=["cohort_year", "metric", alt.Tooltip("percent:Q", format=".1f")],
        )
        .properties(width=width, height=height, title="The headline rate and its counter-metrics, per cohort", description=desc)
        .resolve_scale(y="independent")
    )


# ======================================================================================
# 06 What-if: keeping only part of the cohort (selectivity vs retention vs access, illustrative)
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
    """The cohort of the selectivity what-if, as arrays."""

    retained: np.ndarray
    exclusion: np.ndarray
    underserved: np.ndarray
    disadvantage: np.ndarray
    z: np.ndarray
    noise: np.ndarray


def _pool(outcomes: pd.DataFrame, cohort_year: int, attendance: str | None, seed: int) -> _Pool:
    """The adjusted cohort (census cohort minus allowed exclusions in the second fall): the
    students whose retention is counted, so that ``kept`` is also the rate's denominator."""
    p = _select(outcomes, cohort_year, attendance)
    p = p[p["in_cohort"].to_numpy() & (p["exclusion_1"].to_numpy() == "none")]
    if len(p) < 10:
        raise ValueError(f"the cohort has only {len(p)} students; need at least 10")
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
    for s in shares:  # a couple of dozen shares, not rows
        k = max(1, int(round(float(s) * n)))
        rows.append({
            "kept_share": float(s),
            "kept": k,
            "retention": metrics.ipeds_retention(retained[:k], excl[:k]) if (excl[:k] == "none").any() else float("nan"),
            "access_share": metrics.pooled_rate([int(under[:k].sum())], [k]),
            "underserved_kept": int(under[:k].sum()),
        })
    return pd.DataFrame(rows)


#: Kept shares of the what-if: every 5 points from 10% to 100%.
_DEFAULT_SHARES = np.round(np.linspace(0.1, 1.0, 19), 2)


def selectivity_curve(outcomes: pd.DataFrame, cohort_year: int, background_weight: float = 0.5,
                      validity: float = 0.3, kept_shares: Sequence[float] | None = None,
                      attendance: str | None = "full-time", seed: int = 0) -> pd.DataFrame:
    """What if the institution had kept only part of this cohort? (An illustration.)

    The adjusted cohort of ``cohort_year`` (census cohort minus allowed exclusions, the
    students an IPEDS rate counts) is ranked by an admission index and only its top
    ``kept_share`` is kept, as a more selective admission policy would have done. Each
    student gets an admission index = validity * z(returned) + sqrt(1 - validity^2) * noise -
    background_weight * (first-generation + Pell): an academic record that predicts
    returning only loosely (correlation about ``validity``) and that is lower for students
    from under-served backgrounds (``background_weight``, in standard deviations per
    disadvantage). Per kept share (a fraction of this cohort, 0-1; columns ``kept_share``,
    ``kept``) the curve reports the kept students' IPEDS retention
    (:func:`metrics.ipeds_retention`, assuming each student's outcome stays as observed)
    and the access share (percent first-generation or Pell; ``underserved_kept``
    students). It is not an admit rate: the cohort has already been admitted once. Both
    numbers are illustrative: they show the direction of the trade-off, not its size at
    any real institution.
    """
    _check_what_if(validity, background_weight)
    shares = _DEFAULT_SHARES if kept_shares is None else np.asarray(kept_shares, dtype="float64")
    if ((shares <= 0) | (shares > 1)).any():
        raise ValueError("kept_shares must be fractions in (0, 1]")
    return _curve(_pool(outcomes, cohort_year, attendance, seed), background_weight, validity, shares)


_KEPT_LABELS = {"retention": "IPEDS retention of those kept (%)", "access_share": "first-gen or Pell among those kept (%)"}


def _selectivity_parts(curve: pd.DataFrame, kept_share: float | None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    long = curve.melt(id_vars=["kept_share", "kept"], value_vars=["retention", "access_share"], var_name="metric", value_name="percent")
    long["metric"] = long["metric"].map(_KEPT_LABELS)
    long["kept_pct"] = 100.0 * long["kept_share"]
    desc = ("Illustrative what-if on this cohort: the smaller the share of the cohort kept (ranked by an admission "
            "index), the higher the retention of those kept and the lower their share of first-generation or Pell students.")
    mark = pd.DataFrame({"x": pd.Series([], dtype="float64")})
    if kept_share is not None:
        i = int(np.argmin(np.abs(curve["kept_share"].to_numpy() - kept_share)))
        row = curve.iloc[i]
        mark = pd.DataFrame({"x": [100.0 * float(row["kept_share"])]})
        desc += (f" Keeping {row['kept_share']:.0%} ({int(row['kept'])} students): retention {row['retention']:.1f}%, "
                 f"first-gen or Pell {row['access_share']:.1f}% ({int(row['underserved_kept'])} students).")
    return long, mark, desc


def _selectivity_layers(long: Any, mark: Any, width: int, height: int) -> alt.LayerChart:
    lines = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("kept_pct:Q", title="share of this cohort kept (%)", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("percent:Q", title="percent of the students kept", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("metric:N", title=None, legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=0),
                        scale=alt.Scale(domain=list(_KEPT_LABELS.values()), range=charts.PALETTE[:2])),
        tooltip=[alt.Tooltip("kept_pct:Q", title="kept (%)"), "kept:Q", "metric:N", alt.Tooltip("percent:Q", format=".1f")],
    )
    rule = alt.Chart(mark).mark_rule(strokeDash=[4, 3], color="#444").encode(x="x:Q")
    return cast(alt.LayerChart, alt.layer(lines, rule).properties(
        title="Keeping fewer students buys retention with access (illustrative)", width=width, height=height))


def selectivity_chart(curve: pd.DataFrame, kept_share: float | None = None,
                      *, width: int = 420, height: int = 240) -> alt.LayerChart:
    """Retention and access share of the students kept against the share of the cohort
    kept (percent), the chosen share marked by a dashed line."""
    long, mark, desc = _selectivity_parts(curve, kept_share)
    return cast(alt.LayerChart, _selectivity_layers(long, mark, width, height).properties(description=desc))


def selectivity_view(outcomes: pd.DataFrame, cohort_year: int, validity: float = 0.3,
                     attendance: str | None = "full-time", seed: int = 0,
                     width: int = 420, height: int = 240) -> Callable[..., dict[str, Any]]:
    """Widget callback factory of notebook 06: ``view(kept_share, background_weight) -> spec``.

    ``kept_share`` is a fraction of the cohort (0.1-1). Prepares the cohort once; each call
    recomputes :func:`selectivity_curve` for the given background weight and returns the
    Vega-Lite spec of :func:`selectivity_chart` (show it with :func:`helpers.charts.show`).
    """
    pool = _pool(outcomes, cohort_year, attendance, seed)
    template = _selectivity_layers(alt.NamedData(name="curve"), alt.NamedData(name="mark"), width, height)
    spec = template.properties(description="selectivity what-if").to_dict()

    def view(kept_share: float = 0.8, background_weight: float = 0.5) -> dict[str, Any]:
        _check_what_if(validity, background_weight)
        long, mark, desc = _selectivity_parts(_curve(pool, background_weight, validity, _DEFAULT_SHARES), kept_share)
        return _fill(spec, desc, curve=long, mark=mark)

    return view
