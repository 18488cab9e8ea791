"""Cohorts (notebook 06): institution profiles, IPEDS cohort outcomes (retention,
persistence, graduation at 150 %), survival by fall, group rates and equity gaps."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

from .. import charts, metrics
from ..validate import require_columns as _require
from ._common import _codes, _flag
from .enrollment import _GROUP_LABELS, _group_labels, pick_cohort, wilson_interval

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
