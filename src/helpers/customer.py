"""Customer-side analyses for notebooks 04 (outcomes over output) and 05 (customer metrics).

Each function takes one of the workbook's datasets (see ``data/README.md``), aggregates it
with pandas/NumPy (no Python loop over rows) and leaves the metric formulas to
:mod:`helpers.metrics`. Where a calculation is not a formula from ``helpers.metrics`` its
docstring states the formula and where it comes from.

Groups of functions
-------------------
* **Output, outcome, impact** (``product_usage``, ``release_log``; Seiden, *Outcomes Over
  Output*, 2019): :func:`weekly_adoption`, :func:`adoption_ratio`, :func:`release_week`,
  :func:`contacts_avoided`, :func:`output_outcome_impact`, :func:`first_week_reached`,
  :func:`lead_lag`, :func:`lead_lag_text`, :func:`adoption_summary`; charts
  :func:`chain_chart`, :func:`contacts_chart` and :func:`adoption_chart`, the last redrawn by
  the widget callback that :func:`adoption_view` returns.
* **Moments of truth** (``customer_journey``; Seybold): :func:`moment_churn_lift`,
  :func:`biggest_lift_moment`, :func:`lift_chart`.
* **Survey metrics and their traps** (``customer_survey``): :func:`rating_distribution`,
  :func:`csat_by`, :func:`nps_table`, :func:`pooled_vs_mean_nps`, :func:`nps_points`,
  :func:`nps_sample_estimates`, :func:`nps_noise_table`, :func:`nonresponse_comparison`,
  :func:`response_rate_by_satisfaction`, :func:`survey_comparison`, :func:`survey_scenarios`;
  the chart :func:`nps_noise_chart`, redrawn by the widget callback that
  :func:`nps_noise_view` returns.
* **Retention, churn, profit, CLV** (``customer_accounts``): :func:`churn_by`,
  :func:`monthly_customers`, :func:`cohort_survival`, :func:`retention_check`,
  :func:`customer_profit`, :func:`profit_by_decile`, :func:`clv_by_segment`,
  :func:`simpson_table`, :func:`simpson_summary`, :func:`simpson_chart`.

Percentages are in percent (0-100) like the rates of :mod:`helpers.metrics`; churn passed on
to :func:`helpers.metrics.annual_retention` is divided by 100 first.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist
from typing import Any, Callable, Literal

import altair as alt
import numpy as np
import pandas as pd

from helpers import metrics
from helpers.validate import require_columns as _require

__all__ = [
    "JOURNEY_MOMENTS",
    "SATISFACTION_ROW",
    # output, outcome, impact
    "release_week",
    "weekly_adoption",
    "adoption_ratio",
    "contacts_avoided",
    "output_outcome_impact",
    "first_week_reached",
    "lead_lag",
    "adoption_summary",
    "lead_lag_text",
    "chain_chart",
    "contacts_chart",
    "adoption_chart",
    "adoption_view",
    # moments of truth
    "moment_churn_lift",
    "biggest_lift_moment",
    "lift_chart",
    # survey metrics
    "rating_distribution",
    "csat_by",
    "nps_table",
    "pooled_vs_mean_nps",
    "nps_points",
    "nps_sample_estimates",
    "nps_noise_table",
    "NOISE_SIZES",
    "nps_noise_chart",
    "nps_noise_view",
    "nonresponse_comparison",
    "response_rate_by_satisfaction",
    "survey_comparison",
    "survey_scenarios",
    # accounts
    "churn_by",
    "monthly_customers",
    "cohort_survival",
    "retention_check",
    "customer_profit",
    "profit_by_decile",
    "clv_by_segment",
    "simpson_table",
    "simpson_summary",
    "simpson_chart",
]

#: The five moments of truth in ``customer_journey``, in the order a customer meets them.
JOURNEY_MOMENTS: tuple[str, ...] = (
    "onboarding_complete",
    "first_value_within_14d",
    "first_support_case_resolved",
    "admin_trained",
    "renewal_review_held",
)
#: Name of the extra row of :func:`moment_churn_lift` that treats a satisfied onboarding
#: survey (CSAT 4-5) as if it were a moment of truth.
SATISFACTION_ROW = "satisfied_with_onboarding (CSAT 4-5)"

_DATE_FMT = "%Y-%m-%d"


# --------------------------------------------------------------------------------------
# Small private helpers
# --------------------------------------------------------------------------------------



def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den == 0."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _week(value: Any) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"week must be a date such as '2024-03-04'; got {value!r}") from None


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


# --------------------------------------------------------------------------------------
# Survey metrics (customer_survey)
# --------------------------------------------------------------------------------------


def rating_distribution(scores: pd.Series | Sequence[float], low: int, high: int) -> pd.DataFrame:
    """Counts and percentages of each score low..high (missing answers dropped).

    Columns ``score``, ``responses``, ``percent``; every score of the scale appears, with 0
    where nobody chose it. Raises ValueError for a score outside [low, high].
    """
    s = pd.Series(scores).dropna().astype("int64")
    if ((s < low) | (s > high)).any():
        bad = s[(s < low) | (s > high)].iloc[0]
        raise ValueError(f"scores must be between {low} and {high}; got {bad}")
    counts = np.bincount(s.to_numpy() - low, minlength=high - low + 1)
    total = counts.sum()
    return pd.DataFrame({
        "score": np.arange(low, high + 1),
        "responses": counts,
        "percent": 100.0 * counts / total if total else np.nan,
    })


def csat_by(survey: pd.DataFrame, by: str | None = "segment") -> pd.DataFrame:
    """CSAT (top-two-box, :func:`helpers.metrics.csat`) next to the mean score, per group.

    Columns ``responses``, ``csat_top2`` (percent answering 4 or 5), ``mean_score``,
    ``bottom2`` (percent answering 1 or 2). ``by=None`` gives one row for everyone.
    """
    _require(survey, ["csat"] + ([by] if by else []), "survey")
    answered = survey.loc[survey["csat"].notna()]
    key = answered[by] if by else pd.Series("all respondents", index=answered.index, name="group")
    grouped = answered.groupby(key, observed=True, sort=True)["csat"]
    out = pd.DataFrame({
        "responses": grouped.size(),
        "csat_top2": grouped.apply(metrics.csat),
        "mean_score": grouped.mean().astype("float64"),
        "bottom2": grouped.apply(lambda s: 100.0 - metrics.top_box_share(s, 3)),
    })
    out.index.name = by or "group"
    return out


def nps_table(survey: pd.DataFrame, by: str = "segment", total: bool = True) -> pd.DataFrame:
    """NPS per group of respondents, with counts, standard error and a 95 % interval.

    Columns ``respondents``, ``promoters``, ``passives``, ``detractors`` (counts), ``nps``
    (:func:`helpers.metrics.nps_from_counts`), ``se`` (:func:`helpers.metrics.nps_standard_error`)
    and ``ci_low``/``ci_high`` (:func:`helpers.metrics.nps_confidence_interval`). Only rows with
    an ``nps`` answer count. With ``total`` a last row "All respondents" pools the counts
    (Reichheld, HBR 2003).
    """
    _require(survey, ["nps", by], "survey")
    r = survey.loc[survey["nps"].notna(), [by, "nps"]]
    groups = r.groupby(by, observed=True, sort=True)["nps"]
    score = r["nps"].astype("int64")
    group = pd.DataFrame({
        by: r[by],
        "promoters": (score >= metrics.NPS_PROMOTER_MIN).astype("int64"),
        "detractors": (score <= metrics.NPS_DETRACTOR_MAX).astype("int64"),
    }).groupby(by, observed=True, sort=True).sum()
    group["respondents"] = groups.size()
    group["passives"] = group["respondents"] - group["promoters"] - group["detractors"]
    interval = groups.apply(lambda s: metrics.nps_confidence_interval(s))
    group["se"] = groups.apply(metrics.nps_standard_error)
    group["ci_low"] = [lo for lo, _ in interval]
    group["ci_high"] = [hi for _, hi in interval]
    group.index = group.index.astype(str)
    if total:
        lo, hi = metrics.nps_confidence_interval(r["nps"])
        group.loc["All respondents"] = {
            "promoters": group["promoters"].sum(), "detractors": group["detractors"].sum(),
            "respondents": len(r), "passives": group["passives"].sum(),
            "se": metrics.nps_standard_error(r["nps"]), "ci_low": lo, "ci_high": hi,
        }
    group["nps"] = metrics.nps_from_counts(group["promoters"], group["passives"], group["detractors"])
    group.index.name = by
    cols = ["respondents", "promoters", "passives", "detractors", "nps", "se", "ci_low", "ci_high"]
    return group[cols].astype({c: "int64" for c in cols[:4]})


def pooled_vs_mean_nps(table: pd.DataFrame) -> dict[str, float]:
    """The NPS of everyone (pooled counts) versus the unweighted mean of group NPS values.

    ``pooled`` = :func:`helpers.metrics.nps_from_counts` of the summed counts (the right
    answer for the whole); ``mean_of_groups`` = mean of the groups' NPS (the trap: a group of
    100 weighs as much as a group of 1,000: the averaging-ratios trap).
    ``table`` is :func:`nps_table` output; an "All respondents" row is ignored.
    """
    _require(table, ("promoters", "passives", "detractors", "nps"), "table")
    t = table.drop(index="All respondents", errors="ignore")
    pooled = metrics.nps_from_counts(int(t["promoters"].sum()), int(t["passives"].sum()),
                                     int(t["detractors"].sum()))
    return {"pooled": float(pooled), "mean_of_groups": float(t["nps"].mean())}


def nps_points(scores: pd.Series | Sequence[float]) -> np.ndarray:
    """Each valid 0-10 answer as +1 (promoter 9-10), 0 (passive 7-8) or -1 (detractor 0-6).

    The mean of these points times 100 is the NPS (the scoring behind
    :func:`helpers.metrics.nps_standard_error`). Missing answers are dropped; scores are
    validated by :func:`helpers.metrics.nps_breakdown`.
    """
    metrics.nps_breakdown(scores)  # validation: 0-10 whole numbers, at least one answer
    v = pd.Series(scores).dropna().to_numpy(dtype="float64")
    return ((v >= metrics.NPS_PROMOTER_MIN).astype("int8") - (v <= metrics.NPS_DETRACTOR_MAX).astype("int8"))


def nps_sample_estimates(points: np.ndarray, n: int, draws: int = 400, seed: int = 0) -> np.ndarray:
    """NPS of ``draws`` simulated surveys of ``n`` respondents each.

    Each survey draws ``n`` answers with replacement from ``points`` (:func:`nps_points`; the
    real respondents stand in for the customer base) and its NPS is 100 * mean(points)
    (= %promoters - %detractors, Reichheld 2003). Vectorized: one (draws, n) index array.
    Returns a float array of length ``draws``.
    """
    pts = np.asarray(points)
    if pts.ndim != 1 or pts.size == 0:
        raise ValueError("points must be a non-empty 1-D array of -1/0/+1 (see nps_points)")
    for value, name in ((n, "n"), (draws, "draws")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, pts.size, size=(int(draws), int(n)))
    return 100.0 * pts[idx].mean(axis=1, dtype="float64")


#: Survey sizes offered by the NPS noise widget of notebook 05.
NOISE_SIZES: tuple[int, ...] = (10, 25, 50, 100, 200, 400, 800)


def _size_seed(seed: int, n: int) -> int:
    """One random stream per (seed, survey size): the same size gives the same simulated
    surveys in every table and chart."""
    return int(seed) * 100_003 + int(n)


def _z95() -> float:
    return NormalDist().inv_cdf(0.975)


def nps_noise_table(
    scores: pd.Series | Sequence[float],
    sizes: Sequence[int] | None = None,
    draws: int = 400,
    seed: int = 0,
) -> pd.DataFrame:
    """How far a survey of n respondents can land from the NPS of all respondents.

    For each n in ``sizes`` (default :data:`NOISE_SIZES`): ``half_width_95`` = 1.96 * SE_n
    with SE_n = SE_N * sqrt(N / n), SE_N from :func:`helpers.metrics.nps_standard_error` on
    all N answers (the SE formula scales with 1 / sqrt(n)); ``sim_low``/``sim_high`` = 2.5th
    and 97.5th percentiles (values that simulated surveys actually took) of
    :func:`nps_sample_estimates` (one random stream per size, so a
    size gives the same surveys here and in :func:`nps_noise_chart`); ``share_off_by_10`` = percent of simulated
    surveys more than 10 NPS points from the full NPS. The full NPS is in ``.attrs["nps"]``.
    """
    sizes = NOISE_SIZES if sizes is None else sizes
    pts = nps_points(scores)
    full = metrics.nps(scores)
    se_full = metrics.nps_standard_error(scores)
    rows = []
    for n in sizes:  # a handful of sizes, each fully vectorized
        est = nps_sample_estimates(pts, int(n), draws, _size_seed(seed, int(n)))
        rows.append({
            "n": int(n),
            "half_width_95": _z95() * se_full * np.sqrt(pts.size / n),
            "sim_low": float(np.percentile(est, 2.5, method="inverted_cdf")),
            "sim_high": float(np.percentile(est, 97.5, method="inverted_cdf")),
            "share_off_by_10": 100.0 * float(np.mean(np.abs(est - full) > 10)),
        })
    out = pd.DataFrame(rows)
    out.attrs["nps"] = full
    return out


def _noise_frames(points: np.ndarray, sizes: Sequence[int], draws: int, seed: int
                  ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Histogram rows (n, start, end, surveys) and 95 % lines (n, x, dash) for every size."""
    pts = np.asarray(points)
    full = 100.0 * float(pts.mean())
    hists, lines = [], []
    for n in sizes:  # a handful of sizes, each fully vectorized
        est = nps_sample_estimates(pts, int(n), draws, _size_seed(seed, int(n)))
        # n answers can only give NPS values on a grid of step 100/n; bins of a whole number
        # of steps (about 5 points wide), centred on the grid, hold equally many grid values
        step = 100.0 / int(n)
        width = step * max(1, round(5.0 / step))
        edges = np.arange(-100.0 - step / 2, 100.0 + width, width)
        counts, _ = np.histogram(est, bins=edges)
        keep = counts > 0
        hists.append(pd.DataFrame({"n": int(n), "start": edges[:-1][keep], "end": edges[1:][keep],
                                   "surveys": counts[keep]}))
        lo, hi = np.percentile(est, [2.5, 97.5], method="inverted_cdf")
        lines.append(pd.DataFrame({"n": int(n), "x": [full, lo, hi], "dash": ["all", "95%", "95%"]}))
    return pd.concat(hists, ignore_index=True), pd.concat(lines, ignore_index=True), full


def _noise_text(lines: pd.DataFrame, full: float, n: int, draws: int) -> tuple[str, str]:
    row = lines.loc[(lines["n"] == n) & (lines["dash"] == "95%"), "x"]
    lo, hi = float(row.min()), float(row.max())
    title = f"n = {n}: 95% of surveys between {lo:.0f} and {hi:.0f} (all respondents: {full:.0f})"
    description = (f"Histogram of the NPS of {draws} simulated surveys of {n} respondents each. "
                   f"The NPS of all respondents is {full:.1f} (solid line); the middle 95% of "
                   f"simulated surveys lies between {lo:.1f} and {hi:.1f} (dashed lines).")
    return title, description


def _noise_chart(hist: pd.DataFrame, lines: pd.DataFrame, full: float, n: int, draws: int) -> alt.LayerChart:
    param = alt.param(name="size", value=int(n))
    bars = alt.Chart(hist).transform_filter("datum.n == size").mark_bar(color="#56B4E9").encode(
        alt.X("start", type="quantitative", bin="binned", title="NPS of one simulated survey",
              scale=alt.Scale(domain=[-100, 100]), axis=alt.Axis(tickMinStep=10)),
        alt.X2("end"),
        alt.Y("surveys", type="quantitative", title=f"surveys (of {draws})"),
    )
    rules = alt.Chart(lines).transform_filter("datum.n == size").mark_rule(size=2, color="#000000").encode(
        alt.X("x", type="quantitative"),
        alt.StrokeDash("dash", type="nominal", legend=None,
                       scale=alt.Scale(domain=["all", "95%"], range=[[1, 0], [6, 4]])),
    )
    title, description = _noise_text(lines, full, int(n), draws)
    return alt.layer(bars, rules).add_params(param).properties(
        title=title, description=description, width=480, height=220)


def nps_noise_chart(points: np.ndarray, n: int = 50, sizes: Sequence[int] = NOISE_SIZES,
                    draws: int = 400, seed: int = 0) -> alt.LayerChart:
    """Histogram of the NPS of ``draws`` simulated surveys of ``n`` respondents
    (:func:`nps_sample_estimates`), a solid line at the NPS of all respondents and dashed
    lines at the edges of the middle 95 % of simulated surveys.

    The chart carries the histograms of every size in ``sizes`` (``n`` is added if missing)
    and shows one through a Vega-Lite parameter, so :func:`nps_noise_view` can switch size
    without simulating or rebuilding anything.
    """
    sizes = tuple(sorted({int(s) for s in sizes} | {int(n)}))
    hist, lines, full = _noise_frames(np.asarray(points), sizes, draws, seed)
    return _noise_chart(hist, lines, full, int(n), draws)


def nps_noise_view(points: np.ndarray, sizes: Sequence[int] = NOISE_SIZES, draws: int = 400,
                   seed: int = 0) -> Callable[[int], dict[str, Any]]:
    """Widget callback factory for notebook 05: survey size n -> chart spec.

    Simulates every size in ``sizes`` once (as :func:`nps_noise_chart`); each call copies
    the spec, sets the ``size`` parameter and rewrites the title and description, so the
    slider only pays for drawing the SVG (:func:`helpers.charts.show` accepts the spec).
    ``n`` must be one of ``sizes``.
    """
    sizes = tuple(sorted({int(s) for s in sizes}))
    hist, lines, full = _noise_frames(np.asarray(points), sizes, draws, seed)
    base = _noise_chart(hist, lines, full, sizes[0], draws).to_dict()

    def view(n: int) -> dict[str, Any]:
        if int(n) not in sizes:
            raise ValueError(f"n must be one of {', '.join(map(str, sizes))}; got {n!r}")
        spec = dict(base)
        spec["params"] = [dict(p, value=int(n)) if p.get("name") == "size" else p for p in base["params"]]
        spec["title"], spec["description"] = _noise_text(lines, full, int(n), draws)
        return spec

    return view


_SURVEY_COLS = ("responded", "nps", "csat", "true_satisfaction", "churned_next_quarter")


def _survey_summary(frame: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Per group of ``key``: invited, respondents, NPS and CSAT (respondents), mean true
    satisfaction and churn next quarter (everyone invited)."""
    g = frame.groupby(key, observed=True, sort=True)
    out = pd.DataFrame({
        "invited": g.size(),
        "respondents": g["responded"].sum(),
        "nps": g["nps"].apply(lambda s: metrics.nps(s) if s.notna().any() else np.nan),
        "csat_top2": g["csat"].apply(lambda s: metrics.csat(s) if s.notna().any() else np.nan),
        "true_satisfaction": g["true_satisfaction"].mean(),
        "churn_next_quarter": g["churned_next_quarter"].mean() * 100.0,
    })
    return out.astype({"nps": "float64", "csat_top2": "float64"})


def nonresponse_comparison(survey: pd.DataFrame) -> pd.DataFrame:
    """Respondents vs non-respondents vs everyone invited (non-response bias).

    Columns as in :func:`survey_comparison`. ``true_satisfaction`` exists only in simulated
    data (the latent satisfaction of every invited customer); in real life you compare what
    you know of everyone (churn, tenure, segment). Rows: "respondents", "non-respondents",
    "all invited".
    """
    _require(survey, _SURVEY_COLS, "survey")
    key = survey["responded"].map({1: "respondents", 0: "non-respondents"})
    parts = _survey_summary(survey, key)
    everyone = _survey_summary(survey, pd.Series("all invited", index=survey.index))
    out = pd.concat([parts, everyone]).reindex(["respondents", "non-respondents", "all invited"])
    out["response_rate"] = 100.0 * out["respondents"] / out["invited"]
    out.index.name = "group"
    return out


def response_rate_by_satisfaction(
    survey: pd.DataFrame, bins: Sequence[float] = (0, 5, 6, 7, 8, 9, 10.001)
) -> pd.DataFrame:
    """Response rate by band of true (latent) satisfaction: who answers the survey?

    Columns ``band`` (text such as "7-8"), ``invited``, ``respondents``, ``response_rate``
    (percent). Bands are left-closed: [7, 8) holds 7.0 up to 7.9.
    """
    _require(survey, ("true_satisfaction", "responded"), "survey")
    edges = np.asarray(bins, dtype="float64")
    labels = [f"{a:g}-{min(b, 10):g}" for a, b in zip(edges[:-1], edges[1:])]
    band = pd.cut(survey["true_satisfaction"], edges, right=False, labels=labels)
    g = survey.groupby(band, observed=False)["responded"]
    out = pd.DataFrame({"invited": g.size(), "respondents": g.sum()})
    out["response_rate"] = _ratio(out["respondents"], out["invited"]) * 100.0
    out.index = out.index.astype(str)
    out.index.name = "band"
    return out.reset_index()


def survey_comparison(survey: pd.DataFrame, by: str) -> pd.DataFrame:
    """Survey results per value of ``by`` (e.g. ``coached_by_agent``, ``resolved_case``).

    Columns: ``invited``, ``respondents``, ``nps`` and ``csat_top2`` (of respondents, via
    :mod:`helpers.metrics`), ``true_satisfaction`` (mean, everyone invited; simulated data
    only) and ``churn_next_quarter`` (percent of everyone invited who left).
    """
    _require(survey, (*_SURVEY_COLS, by), "survey")
    out = _survey_summary(survey, survey[by])
    out.index.name = by
    return out


def survey_scenarios(survey: pd.DataFrame) -> pd.DataFrame:
    """NPS and CSAT under three survey practices: all respondents, coached answers removed,
    and only customers whose case was resolved (the "survey only happy paths" trap).

    Columns ``respondents``, ``nps``, ``csat_top2``; rows "all respondents",
    "without coached answers", "only resolved cases".
    """
    _require(survey, (*_SURVEY_COLS, "coached_by_agent", "resolved_case"), "survey")
    r = survey.loc[survey["responded"] == 1]
    keep = {
        "all respondents": np.ones(len(r), dtype=bool),
        "without coached answers": (r["coached_by_agent"] == 0).to_numpy(),
        "only resolved cases": (r["resolved_case"] == 1).to_numpy(),
    }
    rows = {name: {"respondents": int(mask.sum()),
                   "nps": metrics.nps(r.loc[mask, "nps"]),
                   "csat_top2": metrics.csat(r.loc[mask, "csat"])}
            for name, mask in keep.items()}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "scenario"
    return out


# --------------------------------------------------------------------------------------
# Accounts: retention, churn, profit, CLV, Simpson's paradox
# --------------------------------------------------------------------------------------

_ACCOUNT_COLS = ("customer_id", "month", "new_this_month", "churned_this_month", "active")


def churn_by(accounts: pd.DataFrame, by: Sequence[str] | str = ()) -> pd.DataFrame:
    """Monthly churn pooled over the window, per group.

    start = customer-months that began with the customer on board (rows not new that month),
    lost = rows with ``churned_this_month``; ``churn_rate`` = :func:`helpers.metrics.churn_rate`
    (lost, start), i.e. the pooled monthly churn: every month's start count and losses
    added up. ``by`` = () gives one row ("all"). Columns: ``customers``, ``start``, ``lost``,
    ``churn_rate`` (NaN for a group with no customer-month at risk, i.e. only new customers).
    """
    keys = [by] if isinstance(by, str) else list(by)
    _require(accounts, (*_ACCOUNT_COLS, *keys), "accounts")
    frame = accounts.assign(_start=1 - accounts["new_this_month"])
    grouper: Any = keys if keys else pd.Series("all", index=accounts.index, name="group")
    g = frame.groupby(grouper, observed=True, sort=True)
    out = pd.DataFrame({
        "customers": g["customer_id"].nunique(),
        "start": g["_start"].sum(),
        "lost": g["churned_this_month"].sum(),
    })
    rate = np.full(len(out), np.nan)
    has_start = out["start"].to_numpy() > 0  # a group of new customers only has no churn rate
    if has_start.any():
        rate[has_start] = metrics.churn_rate(out["lost"].to_numpy()[has_start], out["start"].to_numpy()[has_start])
    out["churn_rate"] = rate
    return out


def monthly_customers(accounts: pd.DataFrame) -> pd.DataFrame:
    """Customer counts per month and the two monthly rates.

    ``start`` S (customers at the start of the month: rows not new that month), ``new`` N,
    ``lost``, ``end`` E (customers still active at the end of the month, E = S - lost + N),
    ``retention_rate`` = (E - N) / S * 100 (:func:`helpers.metrics.retention_rate`) and
    ``churn_rate`` = lost / S * 100 (:func:`helpers.metrics.churn_rate`); the two add up to 100.
    """
    _require(accounts, _ACCOUNT_COLS, "accounts")
    frame = accounts.assign(_start=1 - accounts["new_this_month"])
    g = frame.groupby("month", sort=True)
    out = pd.DataFrame({
        "start": g["_start"].sum(),
        "new": g["new_this_month"].sum(),
        "lost": g["churned_this_month"].sum(),
        "end": g["active"].sum(),
    })
    out["retention_rate"] = metrics.retention_rate(out["start"], out["end"], out["new"])
    out["churn_rate"] = metrics.churn_rate(out["lost"], out["start"])
    return out.reset_index()


def cohort_survival(accounts: pd.DataFrame, start_month: str, months: int = 12) -> float:
    """Percent of the customers on board at the start of ``start_month`` who are still
    active at the end of the ``months``-th month (``start_month`` counts as month 1).

    survival = 100 * #(customers of the starting cohort active at the end of month
    start + months - 1) / #(customers at the start of ``start_month``). This is what
    (1 - monthly churn)^months predicts (:func:`helpers.metrics.annual_retention`) when churn
    is constant and the same for everyone. Raises ValueError when the window is too short.
    """
    _require(accounts, _ACCOUNT_COLS, "accounts")
    start = pd.Period(start_month, freq="M")
    last = start + (int(months) - 1)
    month = accounts["month"].astype(str).str[:7]  # "YYYY-MM" text sorts like the months
    data_end = pd.Period(month.max(), freq="M")
    if last > data_end:
        raise ValueError(f"the data end in {data_end}; {months} months from {start} need data up to {last}")
    cohort = accounts.loc[(month == str(start)).to_numpy() & (accounts["new_this_month"] == 0).to_numpy(), "customer_id"]
    if cohort.empty:
        raise ValueError(f"no customer was on board at the start of {start}")
    still = accounts.loc[(month == str(last)).to_numpy() & (accounts["active"] == 1).to_numpy(), "customer_id"]
    return 100.0 * float(cohort.isin(still).sum()) / float(len(cohort))


def retention_check(accounts: pd.DataFrame, months: int = 12) -> dict[str, Any]:
    """Annual retention three ways: compounded, the naive 1 - 12c, and observed.

    c = pooled monthly churn (:func:`churn_by`); ``compounded`` = 100 (1 - c)^k
    (:func:`helpers.metrics.annual_retention` with ``periods=k``), ``naive`` = 100 (1 - k c)
    (:func:`helpers.metrics.naive_annual_retention`), ``observed`` = :func:`cohort_survival`
    of the customers on board in the first month, over k = min(``months``, months observed)
    months. Returns those, ``monthly_churn`` (percent), ``months`` (k), ``start_month`` and
    ``lifetime_months`` (1 / c, :func:`helpers.metrics.expected_lifetime`).
    """
    _require(accounts, _ACCOUNT_COLS, "accounts")
    churn = float(churn_by(accounts)["churn_rate"].iloc[0])
    text = accounts["month"].astype(str).str[:7]
    first, data_end = pd.Period(text.min(), freq="M"), pd.Period(text.max(), freq="M")
    k = int(min(months, data_end.ordinal - first.ordinal + 1))
    c = churn / 100.0
    return {
        "monthly_churn": churn,
        "months": k,
        "start_month": str(first),
        "compounded": 100.0 * float(metrics.annual_retention(c, periods=k)),
        "naive": 100.0 * float(metrics.naive_annual_retention(c, periods=k)),
        "observed": cohort_survival(accounts, str(first), k),
        "lifetime_months": float(metrics.expected_lifetime(c)) if c > 0 else float("inf"),
    }


def customer_profit(accounts: pd.DataFrame, include_acquisition: bool = False) -> pd.Series:
    """Profit per customer over the window: sum(revenue - cost_to_serve).

    The mean of the result is the "average customer profit" (total profit / customers; the
    "Metrics That Matter", 2023, and data/README.md); use
    :func:`helpers.metrics.customer_profit_summary` for the median and deciles.
    ``include_acquisition=True`` also subtracts the acquisition cost on each customer's first
    row; it is left out by default because customers acquired before the window would carry
    their whole acquisition cost against only the margin earned inside the window (CLV,
    :func:`clv_by_segment`, accounts for it instead). Returns a Series indexed by
    ``customer_id``, named ``profit``.
    """
    _require(accounts, ("customer_id", "revenue", "cost_to_serve", "acquisition_cost"), "accounts")
    margin = accounts["revenue"] - accounts["cost_to_serve"]
    if include_acquisition:
        margin = margin - accounts["acquisition_cost"].fillna(0.0)
    out = margin.groupby(accounts["customer_id"], sort=True).sum()
    out.name = "profit"
    return out


def profit_by_decile(profit: pd.Series | Sequence[float]) -> pd.DataFrame:
    """Customers ranked by profit, cut into ten equal groups (1 = most profitable).

    Columns ``decile``, ``customers``, ``profit`` (total), ``share`` (percent of total
    profit) and ``cumulative_share``. With loss-making customers the top deciles together
    earn more than 100 % of the profit and the cumulative share falls back at the end (a
    "whale curve"). Missing values are dropped.
    """
    v = np.sort(pd.Series(profit).dropna().to_numpy(dtype="float64"))[::-1]
    if v.size < 10:
        raise ValueError(f"need at least 10 customers for deciles; got {v.size}")
    decile = 1 + (np.arange(v.size) * 10) // v.size
    totals = np.bincount(decile - 1, weights=v, minlength=10)
    counts = np.bincount(decile - 1, minlength=10)
    whole = v.sum()
    share = 100.0 * totals / whole if whole != 0 else np.full(10, np.nan)
    return pd.DataFrame({
        "decile": np.arange(1, 11),
        "customers": counts,
        "profit": totals,
        "share": share,
        "cumulative_share": np.cumsum(share),
    })


def clv_by_segment(accounts: pd.DataFrame, annual_discount_rate: float = 0.10) -> pd.DataFrame:
    """Gupta-Lehmann customer lifetime value per segment, from the account panel.

    Per segment: ``margin`` m = sum(revenue - cost_to_serve) / customer-months (monthly margin
    per customer), ``monthly_churn`` from :func:`churn_by` (percent), retention r = 1 -
    churn / 100, monthly discount rate i = (1 + annual_discount_rate)^(1/12) - 1 (the rate
    that compounds to the annual one), ``acquisition_cost`` AC = mean over the segment's
    customers, ``lifetime_months`` = 1 / churn (:func:`helpers.metrics.expected_lifetime`) and
    ``clv`` = m r / (1 + i - r) - AC (:func:`helpers.metrics.clv`; Gupta & Lehmann 2003).
    A segment with no churn in the window (a tiny sample) gets an infinite lifetime, and a
    NaN CLV when the discount rate is 0 (the value would be unbounded).
    """
    _require(accounts, (*_ACCOUNT_COLS, "segment", "revenue", "cost_to_serve", "acquisition_cost"), "accounts")
    if not 0 <= annual_discount_rate < 1:
        raise ValueError(f"annual_discount_rate must be a fraction in [0, 1) (10% -> 0.1); got {annual_discount_rate!r}")
    churn = churn_by(accounts, "segment")
    g = accounts.assign(_margin=accounts["revenue"] - accounts["cost_to_serve"]).groupby(
        "segment", observed=True, sort=True)
    out = pd.DataFrame({
        "customers": churn["customers"],
        "margin": g["_margin"].sum() / g.size(),
        "monthly_churn": churn["churn_rate"],
        "acquisition_cost": g["acquisition_cost"].mean(),
    })
    c = out["monthly_churn"].to_numpy() / 100.0
    i = (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0
    out["retention"] = 1.0 - c
    # zero churn (possible in a tiny sample) means an unbounded lifetime: inf, and a CLV only
    # when discounting keeps it finite (r < 1 + i); NaN where no churn rate exists at all
    lifetime = np.where(np.isnan(c), np.nan, np.inf)
    ok = c > 0
    if ok.any():
        lifetime[ok] = metrics.expected_lifetime(c[ok])
    out["lifetime_months"] = lifetime
    value = np.full(len(out), np.nan)
    finite = ~np.isnan(c) & (1.0 - c < 1.0 + i) & out["acquisition_cost"].notna().to_numpy()
    if finite.any():
        value[finite] = metrics.clv(out["margin"].to_numpy()[finite], 1.0 - c[finite], i,
                                    out["acquisition_cost"].to_numpy()[finite])
    out["clv"] = value
    out.index = out.index.astype(str)
    out.attrs["monthly_discount_rate"] = i
    return out


def simpson_table(accounts: pd.DataFrame, group: str = "segment", treatment: str = "plan") -> pd.DataFrame:
    """Monthly churn by ``treatment`` within each ``group`` and pooled over all groups.

    Long form with columns ``group``, ``treatment``, ``start`` (customer-months),
    ``lost``, ``churn_rate`` (:func:`churn_by`) and ``mix`` (percent of the treatment's
    customer-months that fall in this group); the pooled rows have group "All customers".
    Simpson's paradox (Bickel, Hammel & O'Connell 1975): a treatment can be better inside
    every group and worse pooled when the groups mix differently.
    """
    _require(accounts, (group, treatment), "accounts")
    within = churn_by(accounts, [group, treatment]).reset_index()
    within["mix"] = 100.0 * within["start"] / within.groupby(treatment, observed=True)["start"].transform("sum")
    pooled = churn_by(accounts, treatment).reset_index()
    pooled[group] = "All customers"
    pooled["mix"] = 100.0
    out = pd.concat([within, pooled], ignore_index=True)
    out = out.rename(columns={group: "group", treatment: "treatment"})
    out["group"] = out["group"].astype(str)
    out["treatment"] = out["treatment"].astype(str)
    return out[["group", "treatment", "start", "lost", "churn_rate", "mix"]]


def simpson_summary(table: pd.DataFrame) -> dict[str, Any]:
    """Which treatment has the lower churn in each group and pooled (from :func:`simpson_table`).

    Returns ``better_within`` ({group: treatment with the lower churn}), ``better_pooled``
    (the treatment with the lower pooled churn), ``reversed_groups`` (groups whose better
    treatment differs from the pooled one: the paradox shows there) and ``paradox`` (True
    when every group disagrees with the pooled comparison). Groups where a treatment has no
    churn rate (no customers at risk) are left out.
    """
    _require(table, ("group", "treatment", "churn_rate"), "table")
    wide = table.pivot(index="group", columns="treatment", values="churn_rate").dropna()
    if "All customers" not in wide.index:
        raise ValueError("the table has no pooled churn rate for every treatment")
    best = wide.idxmin(axis=1)
    pooled = str(best.pop("All customers"))
    within = {str(k): str(v) for k, v in best.items()}
    order = [g for g in table["group"].drop_duplicates() if g in within]
    reversed_groups = [g for g in order if within[g] != pooled]
    return {
        "better_within": {g: within[g] for g in order},
        "better_pooled": pooled,
        "reversed_groups": reversed_groups,
        "paradox": len(reversed_groups) == len(order) and len(order) > 0,
    }


def simpson_chart(table: pd.DataFrame) -> alt.Chart:
    """Grouped bars: monthly churn of each treatment within each group and pooled."""
    _require(table, ("group", "treatment", "churn_rate"), "table")
    order = list(table["group"].drop_duplicates())
    summary = "; ".join(f"{g} {t}: {c:.2f}%" for g, t, c in zip(table["group"], table["treatment"], table["churn_rate"]))
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("group:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("treatment:N"),
            y=alt.Y("churn_rate:Q", title="monthly churn (%)"),
            color=alt.Color("treatment:N", title="plan"),
        )
        .properties(
            title="Churn by plan: within each segment, and all customers together",
            width=480, height=240,
            description="Grouped bars of monthly churn by plan within each segment and pooled. " + summary,
        )
    )
