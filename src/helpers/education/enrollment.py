"""Enrollment (notebook 06): the funnel, yield and summer melt, source conversion, and the
interval and test they use (Wilson, pooled two-proportion).

The cohort outcomes and equity gaps are in :mod:`.cohorts`, cohort shaping and the
selectivity what-if in :mod:`.selectivity`; all of them are re-exported by
:mod:`helpers.education`."""
from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

from .. import charts, metrics
from ..validate import require_columns as _require
from ._common import _flag, _rate_or_nan

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
# Chart specs built once, filled with data on every widget call
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
