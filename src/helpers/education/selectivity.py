"""Selectivity (notebook 06): shaping the cohort and its counter-metrics, and the
what-if of keeping only part of the cohort (selectivity vs retention vs access, illustrative)."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

from .. import charts, metrics
from .cohorts import _select, cohort_rates
from .enrollment import _fill

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
