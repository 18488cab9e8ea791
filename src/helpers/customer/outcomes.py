"""Outcomes over output and moments of truth (notebook 04)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd

from .. import metrics
from ..validate import require_columns as _require
from ._common import _DATE_FMT, JOURNEY_MOMENTS, SATISFACTION_ROW, _ratio, _week

# --------------------------------------------------------------------------------------
# Output, outcome, impact (Seiden 2019)
# --------------------------------------------------------------------------------------

_USAGE_COLS = ("week", "customer_id", "used_old_path", "used_new_self_service_path",
               "support_contacts", "tasks_completed")


def release_week(release_log: pd.DataFrame) -> pd.Timestamp:
    """The week (Monday) flagged ``self_service_release == 1`` in the release log.

    Raises ValueError unless exactly one week is flagged.
    """
    _require(release_log, ("week", "self_service_release"), "release_log")
    weeks = release_log.loc[release_log["self_service_release"] == 1, "week"]
    if len(weeks) != 1:
        raise ValueError(f"release_log must flag exactly one self-service release week; found {len(weeks)}")
    return pd.Timestamp(weeks.iloc[0])


def weekly_adoption(usage: pd.DataFrame) -> pd.DataFrame:
    """One row per week of ``product_usage``: who used which path, and the support load.

    Columns: ``week``, ``customers`` (customers observed), ``new_path_users`` and
    ``old_path_users`` (customers who used each path that week; a customer may use both),
    ``adoption_ratio`` = new_path_users / old_path_users (Seiden 2019: "the ratio of users
    of the new system vs the old system"; NaN when nobody used the old path),
    ``new_path_share`` = 100 * new_path_users / customers (percent of all customers on the
    new path), ``contacts`` (support contacts opened), ``contacts_per_100`` = 100 *
    contacts / customers and ``tasks_per_customer``.
    """
    _require(usage, _USAGE_COLS, "usage")
    g = usage.groupby("week", sort=True).agg(
        customers=("customer_id", "size"),
        new_path_users=("used_new_self_service_path", "sum"),
        old_path_users=("used_old_path", "sum"),
        contacts=("support_contacts", "sum"),
        tasks=("tasks_completed", "sum"),
    )
    out = g.reset_index()
    out["adoption_ratio"] = _ratio(out["new_path_users"], out["old_path_users"])
    out["new_path_share"] = 100.0 * out["new_path_users"] / out["customers"]
    out["contacts_per_100"] = 100.0 * out["contacts"] / out["customers"]
    out["tasks_per_customer"] = out["tasks"] / out["customers"]
    cols = ["week", "customers", "new_path_users", "old_path_users", "adoption_ratio",
            "new_path_share", "contacts", "contacts_per_100", "tasks_per_customer"]
    return out[cols]


def adoption_ratio(usage: pd.DataFrame, week: Any) -> float:
    """Seiden's adoption ratio for one week: customers on the new path / customers on the old.

    ratio = #(used_new_self_service_path == 1) / #(used_old_path == 1) among that week's rows
    (Seiden, *Outcomes Over Output*, 2019). 1.0 means as many customers used the new path as
    the old one. Raises ValueError when the week is not in the data or nobody used the old
    path that week.
    """
    _require(usage, ("week", "used_old_path", "used_new_self_service_path"), "usage")
    wk = _week(week)
    rows = usage.loc[usage["week"] == wk]
    if rows.empty:
        first, last = usage["week"].min(), usage["week"].max()
        raise ValueError(f"week {wk:{_DATE_FMT}} is not in the data (weeks {first:{_DATE_FMT}} to {last:{_DATE_FMT}})")
    old = int(rows["used_old_path"].sum())
    if old == 0:
        raise ValueError(f"nobody used the old path in the week of {wk:{_DATE_FMT}}: the ratio is undefined")
    return int(rows["used_new_self_service_path"].sum()) / old


def contacts_avoided(weekly: pd.DataFrame, release: Any) -> pd.DataFrame:
    """Support contacts avoided after the release, against the pre-release contact rate.

    baseline rate b = sum(contacts before the release) / sum(customers before the release)
    (a pooled rate, :func:`helpers.metrics.pooled_rate`, per customer-week);
    expected_t = b * customers_t; avoided_t = expected_t - contacts_t; ``cumulative_avoided``
    adds them up from the release week on. This is a plain before/after estimate with no
    control group: it assumes nothing else changed the contact rate (season, price, an
    outage), so read it as an estimate, not a measurement.

    ``weekly`` is the output of :func:`weekly_adoption`; returns the weeks from the release
    on with ``week``, ``customers``, ``contacts``, ``expected_contacts``, ``avoided`` and
    ``cumulative_avoided``; the baseline per 100 customers is in ``.attrs["baseline_per_100"]``.
    Raises ValueError when there is no week before the release.
    """
    _require(weekly, ("week", "customers", "contacts"), "weekly")
    rel = _week(release)
    pre = weekly["week"] < rel
    if not pre.any():
        raise ValueError(f"no week before the release ({rel:{_DATE_FMT}}) to use as a baseline")
    per_100 = metrics.pooled_rate(weekly.loc[pre, "contacts"], weekly.loc[pre, "customers"])
    post = weekly.loc[~pre, ["week", "customers", "contacts"]].reset_index(drop=True)
    post["expected_contacts"] = per_100 / 100.0 * post["customers"]
    post["avoided"] = post["expected_contacts"] - post["contacts"]
    post["cumulative_avoided"] = post["avoided"].cumsum()
    post.attrs["baseline_per_100"] = per_100
    return post


def output_outcome_impact(release_log: pd.DataFrame, weekly: pd.DataFrame) -> pd.DataFrame:
    """Seiden's chain, week by week, in long form for :func:`chain_chart`.

    Three layers (Seiden 2019): **output** = help articles and features shipped (cumulative
    totals from ``release_log``), **outcome** = percent of customers using the new
    self-service path (customer behaviour), **impact** = support contacts per 100 customers
    (the business result the path should move). Columns: ``week``, ``layer``, ``measure``,
    ``value``.
    """
    _require(release_log, ("week", "features_shipped", "help_articles_published"), "release_log")
    _require(weekly, ("week", "new_path_share", "contacts_per_100"), "weekly")
    log = release_log.sort_values("week")
    frames = [
        pd.DataFrame({"week": log["week"], "layer": "1 Output",
                      "measure": "help articles published (running total)",
                      "value": log["help_articles_published"].cumsum()}),
        pd.DataFrame({"week": log["week"], "layer": "1 Output",
                      "measure": "features shipped (running total)",
                      "value": log["features_shipped"].cumsum()}),
        pd.DataFrame({"week": weekly["week"], "layer": "2 Outcome",
                      "measure": "% of customers using the new path",
                      "value": weekly["new_path_share"]}),
        pd.DataFrame({"week": weekly["week"], "layer": "3 Impact",
                      "measure": "support contacts per 100 customers",
                      "value": weekly["contacts_per_100"]}),
    ]
    return pd.concat(frames, ignore_index=True).astype({"value": "float64"})


def first_week_reached(
    weekly: pd.DataFrame,
    column: str,
    threshold: float,
    *,
    direction: Literal["above", "below"] = "above",
    window: int = 1,
    after: Any = None,
) -> pd.Timestamp | None:
    """First week whose ``column`` (trailing mean over ``window`` weeks) reaches ``threshold``.

    "Reaches" is ``>= threshold`` for ``direction="above"`` and ``<= threshold`` for
    ``"below"``. The trailing mean of week t averages weeks t - window + 1 .. t, which damps
    week-to-week noise. Only weeks on or after ``after`` count. Returns None when the
    threshold is never reached.
    """
    _require(weekly, ("week", column), "weekly")
    if direction not in ("above", "below"):
        raise ValueError(f"direction must be 'above' or 'below'; got {direction!r}")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive integer; got {window!r}")
    w = weekly.sort_values("week")
    smooth = w[column].astype("float64").rolling(window, min_periods=window).mean()
    hit = smooth >= threshold if direction == "above" else smooth <= threshold
    if after is not None:
        hit &= w["week"] >= _week(after)
    if not hit.any():
        return None
    return pd.Timestamp(w.loc[hit.idxmax(), "week"])


def _weeks_between(a: pd.Timestamp | None, b: pd.Timestamp | None) -> int | None:
    if a is None or b is None:
        return None
    return int((b - a).days // 7)


def lead_lag(
    weekly: pd.DataFrame,
    release: Any,
    *,
    outcome_share: float = 10.0,
    impact_drop: float = 20.0,
    window: int = 3,
) -> dict[str, Any]:
    """How long the outcome (adoption) leads the impact (fewer contacts).

    * outcome week: first week on or after the release with ``new_path_share >=
      outcome_share`` percent;
    * impact week: first week on or after the release whose trailing ``window``-week mean of
      contacts per 100 customers is at least ``impact_drop`` percent below the pre-release
      baseline (see :func:`contacts_avoided`).

    Adoption is a leading indicator: it moves first and can be watched weekly; contacts are
    the lagging impact. Returns a dict with ``release``, ``outcome_week``, ``impact_week``
    (Timestamps or None), ``baseline_per_100``, ``impact_level`` (the contacts-per-100 level
    that counts as moved), ``window`` and the gaps in weeks ``release_to_outcome``,
    ``outcome_to_impact``, ``release_to_impact`` (None when a week is not reached).
    """
    rel = _week(release)
    baseline = contacts_avoided(weekly, rel).attrs["baseline_per_100"]
    level = baseline * (1.0 - impact_drop / 100.0)
    outcome_week = first_week_reached(weekly, "new_path_share", outcome_share, after=rel)
    impact_week = first_week_reached(weekly, "contacts_per_100", level, direction="below",
                                     window=window, after=rel)
    return {
        "release": rel,
        "outcome_week": outcome_week,
        "impact_week": impact_week,
        "baseline_per_100": baseline,
        "impact_level": level,
        "window": int(window),
        "release_to_outcome": _weeks_between(rel, outcome_week),
        "outcome_to_impact": _weeks_between(outcome_week, impact_week),
        "release_to_impact": _weeks_between(rel, impact_week),
    }


def lead_lag_text(result: dict[str, Any], outcome_share: float = 10.0, impact_drop: float = 20.0) -> str:
    """Plain sentences for a :func:`lead_lag` result (weeks not reached are said so)."""
    rel = result["release"]
    out, imp = result["outcome_week"], result["impact_week"]
    lines = [f"Release: week of {rel:{_DATE_FMT}}."]
    if out is None:
        lines.append(f"Outcome: the new path never reached {outcome_share:g}% of customers.")
    else:
        lines.append(f"Outcome: {outcome_share:g}% of customers on the new path in the week of "
                     f"{out:{_DATE_FMT}}, {result['release_to_outcome']} weeks after the release.")
    if imp is None:
        lines.append(f"Impact: contacts per 100 customers never stayed {impact_drop:g}% below the "
                     f"pre-release {result['baseline_per_100']:.1f} in these weeks.")
    else:
        lines.append(f"Impact: contacts per 100 customers {impact_drop:g}% below the pre-release "
                     f"{result['baseline_per_100']:.1f} ({result['window']}-week average) in the week of "
                     f"{imp:{_DATE_FMT}}, {result['release_to_impact']} weeks after the release.")
    lag = result["outcome_to_impact"]
    if lag is not None and lag > 0:
        lines.append(f"The outcome led the impact by {lag} weeks.")
    elif lag is not None:
        lines.append("Contacts fell before adoption rose: with this few customers, chance swings "
                     "in the contact rate are as large as the effect, so no lag can be read here.")
    return "\n".join(lines)


def adoption_summary(weekly: pd.DataFrame, release: Any, threshold: float) -> str:
    """One sentence: when the new-path share first reached ``threshold`` percent, and the
    contact rate that week against the pre-release baseline (for screen readers and the
    adoption widget)."""
    rel = _week(release)
    baseline = contacts_avoided(weekly, rel).attrs["baseline_per_100"]
    hit = first_week_reached(weekly, "new_path_share", threshold, after=rel)
    if hit is None:
        top = float(weekly.loc[weekly["week"] >= rel, "new_path_share"].max())
        return (f"The new path never reached {threshold:.0f}% of customers in these weeks "
                f"(highest: {top:.1f}%).")
    row = weekly.loc[weekly["week"] == hit].iloc[0]
    return (f"{threshold:.0f}% of customers first used the new path in the week of "
            f"{hit:{_DATE_FMT}}, {_weeks_between(rel, hit)} weeks after the release; support "
            f"contacts that week: {row['contacts_per_100']:.1f} per 100 customers "
            f"(before the release: {baseline:.1f}).")


def chain_chart(chain: pd.DataFrame, release: Any) -> alt.VConcatChart:
    """Three stacked panels (output, outcome, impact) over the same weeks, with the release
    marked by a dashed line. ``chain`` is the output of :func:`output_outcome_impact`."""
    _require(chain, ("week", "layer", "measure", "value"), "chain")
    rel = pd.DataFrame({"week": [_week(release)]})
    titles = {
        "1 Output": "Output: what the team shipped",
        "2 Outcome": "Outcome: customers on the new path (%)",
        "3 Impact": "Impact: support contacts per 100 customers",
    }
    panels = []
    for layer, title in titles.items():  # three panels, not rows
        part = chain.loc[chain["layer"] == layer]
        legend = alt.Legend(orient="top", labelLimit=400) if layer == "1 Output" else None
        lines = (
            alt.Chart(part)
            .mark_line()
            .encode(
                x=alt.X("week:T", title=None, axis=alt.Axis(format="%d %b", tickCount=8)),
                y=alt.Y("value:Q", title=None),
                color=alt.Color("measure:N", title=None, legend=legend),
            )
        )
        rule = alt.Chart(rel).mark_rule(strokeDash=[6, 4], color="#444").encode(x="week:T")
        panels.append((lines + rule).properties(title=title, width=520, height=130))
    return (
        alt.vconcat(*panels)
        .resolve_scale(color="independent")
        .properties(description=(
            "Three panels over the same weeks with the release marked: output (articles and "
            "features shipped) jumps at the release; the share of customers on the new path "
            "rises slowly; support contacts per 100 customers fall only weeks later."))
    )


def _adoption_title(weekly: pd.DataFrame, release: pd.Timestamp, threshold: float) -> tuple[str, str]:
    hit = first_week_reached(weekly, "new_path_share", threshold, after=release)
    title = (f"{threshold:.0f}% of customers on the new path: week of {hit:{_DATE_FMT}}"
             if hit is not None else f"{threshold:.0f}% of customers on the new path: not reached")
    description = (f"Line chart: percent of customers using the new self-service path by week, "
                   f"with a dashed line at {threshold:.0f}%. {adoption_summary(weekly, release, threshold)}")
    return title, description


def contacts_chart(avoided: pd.DataFrame) -> alt.Chart:
    """Contacts expected at the pre-release rate against actual contacts, week by week, from
    the release on (``avoided`` is :func:`contacts_avoided` output); the gap between the
    lines is the estimate of contacts avoided."""
    _require(avoided, ("week", "expected_contacts", "contacts"), "avoided")
    names = {"expected_contacts": "expected at the pre-release rate", "contacts": "actual"}
    frame = avoided[["week", *names]].melt(id_vars="week", var_name="series", value_name="per_week")
    frame["series"] = frame["series"].map(names)
    total = float(avoided["expected_contacts"].sum() - avoided["contacts"].sum())
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            alt.X("week", type="temporal", title="week", axis=alt.Axis(format="%d %b")),
            alt.Y("per_week", type="quantitative", title="support contacts per week",
                  scale=alt.Scale(zero=True)),
            alt.Color("series", type="nominal", title=None, sort=list(names.values()),
                      legend=alt.Legend(orient="top", labelLimit=400)),
            alt.StrokeDash("series", type="nominal", sort=list(names.values()), legend=None),
        )
        .properties(
            title="Support contacts after the release: expected at the old rate vs actual",
            width=480, height=240,
            description=(f"Two lines from the release week on: support contacts expected at the "
                         f"pre-release rate and contacts that actually came in. The gap adds up "
                         f"to an estimated {total:.0f} contacts avoided."),
        )
    )


def adoption_chart(weekly: pd.DataFrame, release: Any, threshold: float = 30.0) -> alt.LayerChart:
    """The new-path share by week, a dashed line at ``threshold`` percent and a vertical
    line at the first week on or after the release that reaches it.

    The threshold is a Vega-Lite parameter and the marker week is found by the chart's own
    transforms, so :func:`adoption_view` can redraw it for another threshold by changing
    one value.
    """
    _require(weekly, ("week", "new_path_share"), "weekly")
    rel = _week(release)
    frame = pd.DataFrame({
        "week": weekly["week"].dt.strftime(_DATE_FMT),
        "share": weekly["new_path_share"].astype("float64"),
        "after_release": (weekly["week"] >= rel).astype("int64"),
    })
    param = alt.param(name="threshold", value=float(threshold))
    line = alt.Chart(frame).mark_line(point=True).encode(
        alt.X("week", type="temporal", title="week", axis=alt.Axis(format="%d %b")),
        alt.Y("share", type="quantitative", title="% of customers on the new path",
              scale=alt.Scale(domain=[0, 100])),
    )
    hline = (alt.Chart(pd.DataFrame({"row": [0]})).transform_calculate(y="threshold")
             .mark_rule(strokeDash=[6, 4]).encode(alt.Y("y", type="quantitative")))
    marker = (
        alt.Chart(frame)
        .transform_filter("datum.after_release == 1 && datum.share >= threshold")
        .transform_window(order="row_number()", sort=[alt.SortField("week")])
        .transform_filter("datum.order == 1")
        .mark_rule(color="#D55E00", size=2)
        .encode(alt.X("week", type="temporal"))
    )
    title, description = _adoption_title(weekly, rel, float(threshold))
    return alt.layer(line, hline, marker).add_params(param).properties(
        title=title, description=description, width=480, height=240)


def adoption_view(weekly: pd.DataFrame, release: Any) -> Callable[[float], dict[str, Any]]:
    """Widget callback factory for notebook 04: threshold (percent) -> chart spec.

    Builds :func:`adoption_chart` once; each call copies the spec, sets the ``threshold``
    parameter and rewrites the title and description (a few milliseconds), so a slider only
    pays for drawing the SVG (:func:`helpers.charts.show` accepts the spec).
    """
    rel = _week(release)
    base = adoption_chart(weekly, rel, 30.0).to_dict()

    def view(threshold: float) -> dict[str, Any]:
        spec = dict(base)
        spec["params"] = [dict(p, value=float(threshold)) if p.get("name") == "threshold" else p
                          for p in base["params"]]
        spec["title"], spec["description"] = _adoption_title(weekly, rel, float(threshold))
        return spec

    return view


# --------------------------------------------------------------------------------------
# Moments of truth (Seybold)
# --------------------------------------------------------------------------------------


def moment_churn_lift(
    journey: pd.DataFrame,
    moments: Sequence[str] = JOURNEY_MOMENTS,
    outcome: str = "churned",
    include_satisfaction: bool = True,
) -> pd.DataFrame:
    """Churn when a moment of truth failed vs when it went well, for each moment.

    For each moment: ``passed_pct`` (percent of customers who passed it),
    ``failed`` (customers who failed it), ``churn_if_failed`` and ``churn_if_passed``
    (:func:`helpers.metrics.churn_rate`, in percent), ``gap_points`` (the difference) and
    ``lift`` = churn_if_failed / churn_if_passed (:func:`helpers.metrics.relative_lift`;
    Seybold, "Are You Measuring What Matters to Customers?"). With ``include_satisfaction`` an
    extra row (:data:`SATISFACTION_ROW`) treats a CSAT of 4-5 on the onboarding survey as
    "passed", to compare a satisfaction score with the behavioural moments. ``stage`` is the
    moment's position in the journey (0 for the satisfaction row). Sorted by lift, largest
    first; lift is NaN when nobody failed or nobody who passed churned.
    """
    cols = [*moments, outcome] + (["csat_onboarding"] if include_satisfaction else [])
    _require(journey, cols, "journey")
    flags = journey[list(moments)].astype("int64")
    if include_satisfaction:
        flags = flags.assign(**{SATISFACTION_ROW: (journey["csat_onboarding"] >= 4).astype("int64")})
    passed = flags.to_numpy(dtype=bool)
    churn = journey[outcome].to_numpy(dtype="int64")[:, None]
    n = len(journey)
    n_pass = passed.sum(axis=0)
    n_fail = n - n_pass
    churn_pass = (churn * passed).sum(axis=0)
    churn_fail = (churn * ~passed).sum(axis=0)
    rate_fail = np.full(n_fail.shape, np.nan)
    rate_pass = np.full(n_pass.shape, np.nan)
    if (n_fail > 0).any():
        rate_fail[n_fail > 0] = metrics.churn_rate(churn_fail[n_fail > 0], n_fail[n_fail > 0])
    if (n_pass > 0).any():
        rate_pass[n_pass > 0] = metrics.churn_rate(churn_pass[n_pass > 0], n_pass[n_pass > 0])
    lift = np.full(n_fail.shape, np.nan)
    ok = ~np.isnan(rate_fail) & (rate_pass > 0)
    if ok.any():
        lift[ok] = metrics.relative_lift(rate_fail[ok], rate_pass[ok])
    names = list(flags.columns)
    table = pd.DataFrame({
        "moment": names,
        "stage": [moments.index(m) + 1 if m in moments else 0 for m in names],
        "passed_pct": 100.0 * n_pass / n,
        "failed": n_fail,
        "churn_if_failed": rate_fail,
        "churn_if_passed": rate_pass,
        "gap_points": rate_fail - rate_pass,
        "lift": lift,
    })
    return table.sort_values("lift", ascending=False, na_position="last").reset_index(drop=True)


def biggest_lift_moment(table: pd.DataFrame) -> str:
    """The journey moment (not the satisfaction row) with the largest churn lift in a
    :func:`moment_churn_lift` table."""
    _require(table, ("moment", "stage", "lift"), "table")
    moments = table.loc[(table["stage"] > 0) & table["lift"].notna()]
    if moments.empty:
        raise ValueError("no moment has a defined lift")
    return str(moments.loc[moments["lift"].idxmax(), "moment"])


def lift_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Horizontal bars of churn lift per moment (largest first) with a reference line at 1
    (no difference); the satisfaction row is drawn in a second colour."""
    _require(table, ("moment", "stage", "lift"), "table")
    frame = table[["moment", "stage", "lift", "churn_if_failed", "churn_if_passed"]].copy()
    frame["kind"] = np.where(frame["stage"] > 0, "moment of truth (behaviour)", "satisfaction score")
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("moment:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("lift:Q", title="churn lift: churn if failed / churn if passed"),
            color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom")),
        )
    )
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[6, 4]).encode(x="x:Q")
    return alt.layer(bars, one).properties(
        title="Churn lift: how much more often customers who failed a moment left", width=420, height=200,
        description=("Horizontal bars: churn lift for each moment of truth, largest first, with "
                     "a dashed line at 1 (no difference). "
                     + "; ".join(f"{m}: {v:.2f}" for m, v in zip(frame["moment"], frame["lift"]))),
    )


