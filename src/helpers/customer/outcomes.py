"""Outcomes over output and moments of truth (notebook 04)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd

from .. import metrics
from ..validate import require_columns as _require
from ._common import _DATE_FMT, JOURNEY_MOMENTS, SATISFACTION_ROW, _ratio, _week, ratio_interval, t_quantile

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


def avoided_interval(weekly: pd.DataFrame, release: Any, level: float = 0.95) -> dict[str, Any]:
    """A range for the total contacts avoided (:func:`contacts_avoided`), from week-to-week noise.

    With J pre-release weeks of rates r_j = contacts_j / customers_j, b their pooled rate and
    s = sd(r_j) (the week-to-week spread), the estimate A = sum_t (b customers_t - contacts_t)
    over the post-release weeks t has two sources of noise: the baseline b is the mean of only
    J noisy weeks (variance about s^2 / J, times C^2 with C = sum_t customers_t), and each
    post-release week swings by as much as the pre-release weeks did (variance s^2
    customers_t^2 each). SE = s sqrt(C^2 / J + sum_t customers_t^2); the range is A -/+ t SE
    with t the two-sided Student t quantile on J - 1 degrees of freedom (:func:`t_quantile`;
    s itself is estimated from only J weeks, so the normal 1.96 would be too narrow: 2.36
    for J = 8). It assumes independent, roughly normal weekly rates and the same spread after
    the release; it says nothing about other causes of the change (no control group).
    Returns ``estimate``, ``low``, ``high``, ``se``, ``level``, ``pre_weeks``, ``t`` (the
    multiplier) and ``sd_per_100`` (s per 100 customers). Needs at least two pre-release weeks.
    """
    _require(weekly, ("week", "customers", "contacts"), "weekly")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (95% -> 0.95); got {level!r}")
    rel = _week(release)
    pre = weekly.loc[weekly["week"] < rel]
    post = weekly.loc[weekly["week"] >= rel]
    if len(pre) < 2:
        raise ValueError(f"need at least two weeks before the release ({rel:{_DATE_FMT}}) to "
                         f"measure the week-to-week spread; found {len(pre)}")
    b = float(pre["contacts"].sum()) / float(pre["customers"].sum())
    rates = pre["contacts"].to_numpy(dtype="float64") / pre["customers"].to_numpy(dtype="float64")
    sd = float(np.std(rates, ddof=1))
    cust = post["customers"].to_numpy(dtype="float64")
    estimate = float(b * cust.sum() - post["contacts"].sum())
    se = sd * float(np.sqrt(cust.sum() ** 2 / len(pre) + (cust ** 2).sum()))
    t = t_quantile(level, len(pre) - 1)
    return {"estimate": estimate, "low": estimate - t * se, "high": estimate + t * se, "se": se,
            "level": float(level), "pre_weeks": int(len(pre)), "t": t, "sd_per_100": 100.0 * sd}


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
    stays: bool = False,
) -> pd.Timestamp | None:
    """First week whose ``column`` (trailing mean over ``window`` weeks) reaches ``threshold``.

    "Reaches" is ``>= threshold`` for ``direction="above"`` and ``<= threshold`` for
    ``"below"``. The trailing mean of week t averages weeks t - window + 1 .. t, which damps
    week-to-week noise (and is known in week t, not earlier). Only weeks on or after
    ``after`` count. With ``stays=True`` the week returned is the first from which the
    smoothed value meets the threshold in *every* later week of the data ("reached and
    stayed"), not merely the first week it did so. Returns None when no week qualifies.
    """
    _require(weekly, ("week", column), "weekly")
    if direction not in ("above", "below"):
        raise ValueError(f"direction must be 'above' or 'below'; got {direction!r}")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive integer; got {window!r}")
    w = weekly.sort_values("week").reset_index(drop=True)
    smooth = w[column].astype("float64").rolling(window, min_periods=window).mean()
    hit = (smooth >= threshold if direction == "above" else smooth <= threshold).to_numpy(copy=True)
    if after is not None:
        hit &= (w["week"] >= _week(after)).to_numpy()
    if stays:  # true from week t on only if true in t and every later week
        hit = np.logical_and.accumulate(hit[::-1])[::-1]
    if not hit.any():
        return None
    return pd.Timestamp(w.loc[int(np.argmax(hit)), "week"])


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
    stays: bool = True,
) -> dict[str, Any]:
    """How long the outcome (adoption) leads the impact (fewer contacts).

    Both series get the same treatment, so the method does not build a lag of its own: a
    trailing ``window``-week mean, and (with ``stays``) the first week from which that mean
    stays past its threshold until the end of the data (:func:`first_week_reached`).

    * outcome week: the smoothed ``new_path_share`` is at least ``outcome_share`` percent;
    * impact week: the smoothed contacts per 100 customers are at least ``impact_drop``
      percent below the pre-release baseline (see :func:`contacts_avoided`).

    Adoption is a leading indicator: it moves first and can be watched weekly; contacts are
    the lagging impact. Returns a dict with ``release``, ``outcome_week``, ``impact_week``,
    ``baseline_per_100``, ``impact_level`` (the contacts-per-100 level that counts as
    moved), ``window``, ``stays`` and the gaps in weeks ``release_to_outcome``,
    ``outcome_to_impact``, ``release_to_impact`` (None when a week is not reached).
    """
    rel = _week(release)
    baseline = contacts_avoided(weekly, rel).attrs["baseline_per_100"]
    level = baseline * (1.0 - impact_drop / 100.0)
    outcome_week = first_week_reached(weekly, "new_path_share", outcome_share, window=window,
                                      after=rel, stays=stays)
    impact_week = first_week_reached(weekly, "contacts_per_100", level, direction="below",
                                     window=window, after=rel, stays=stays)
    return {
        "release": rel,
        "outcome_week": outcome_week,
        "impact_week": impact_week,
        "baseline_per_100": baseline,
        "impact_level": level,
        "window": int(window),
        "stays": bool(stays),
        "release_to_outcome": _weeks_between(rel, outcome_week),
        "outcome_to_impact": _weeks_between(outcome_week, impact_week),
        "release_to_impact": _weeks_between(rel, impact_week),
    }


def lead_lag_text(result: dict[str, Any], outcome_share: float = 10.0, impact_drop: float = 20.0) -> str:
    """Plain sentences for a :func:`lead_lag` result (weeks not reached are said so)."""
    rel = result["release"]
    out, imp = result["outcome_week"], result["impact_week"]
    window = result["window"]
    mean = f"{window}-week average" if window > 1 else "weekly value"
    stays = bool(result.get("stays", False))
    kept = " and stayed there to the last week" if stays else " for the first time"
    never = "never reached and kept" if stays else "never reached"
    lines = [f"Release: week of {rel:{_DATE_FMT}}. Both series use the same {mean}."]
    if out is None:
        lines.append(f"Outcome: the share of customers on the new path ({mean}) {never} "
                     f"{outcome_share:g}% in these weeks.")
    else:
        lines.append(f"Outcome: the share of customers on the new path ({mean}) reached "
                     f"{outcome_share:g}% in the week of {out:{_DATE_FMT}} ({result['release_to_outcome']} "
                     f"weeks after the release){kept}.")
    level = (f"{impact_drop:g}% below the pre-release {result['baseline_per_100']:.1f}, "
             f"i.e. {result['impact_level']:.1f} or fewer")
    if imp is None:
        lines.append(f"Impact: contacts per 100 customers ({mean}) {never} {level} in these weeks.")
    else:
        lines.append(f"Impact: contacts per 100 customers ({mean}) fell to {level} in the week of "
                     f"{imp:{_DATE_FMT}} ({result['release_to_impact']} weeks after the release){kept}.")
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
    return (f"The share of customers on the new path first reached {threshold:.0f}% in the week of "
            f"{hit:{_DATE_FMT}}, {_weeks_between(rel, hit)} weeks after the release; support "
            f"contacts that week: {row['contacts_per_100']:.1f} per 100 customers "
            f"(before the release: {baseline:.1f}).")


def _release_marks(release: pd.Timestamp, label: bool = True) -> alt.LayerChart | alt.Chart:
    """A dashed vertical line at the release week, labelled "release" at the top."""
    rel = pd.DataFrame({"week": [release], "label": ["release"]})
    rule = alt.Chart(rel).mark_rule(strokeDash=[6, 4], color="#444").encode(x="week:T")
    if not label:
        return rule
    text = (alt.Chart(rel).mark_text(align="left", baseline="top", dx=4, y=2, color="#444")
            .encode(x="week:T", text="label:N"))
    return rule + text


def chain_chart(chain: pd.DataFrame, release: Any) -> alt.VConcatChart:
    """Three stacked panels (output, outcome, impact) over the same weeks, with the release
    marked by a labelled dashed line. ``chain`` is the output of :func:`output_outcome_impact`."""
    _require(chain, ("week", "layer", "measure", "value"), "chain")
    rel = _week(release)
    panels_spec = {
        "1 Output": ("Output: what the team shipped (running totals)", "items shipped so far"),
        "2 Outcome": ("Outcome: customers on the new path", "% of customers"),
        "3 Impact": ("Impact: support contacts", "contacts per 100 customers"),
    }
    panels = []
    for layer, (title, y_title) in panels_spec.items():  # three panels, not rows
        part = chain.loc[chain["layer"] == layer]
        legend = alt.Legend(orient="top", labelLimit=400) if layer == "1 Output" else None
        lines = (
            alt.Chart(part)
            .mark_line()
            .encode(
                x=alt.X("week:T", title="week" if layer == "3 Impact" else None,
                        axis=alt.Axis(format="%d %b", tickCount=8)),
                y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=True)),
                color=alt.Color("measure:N", title=None, legend=legend),
            )
        )
        panels.append((lines + _release_marks(rel)).properties(title=title, width=520, height=130))
    return (
        alt.vconcat(*panels)
        .resolve_scale(color="independent")
        .properties(description=(
            f"Three panels over the same weeks with the release ({rel:{_DATE_FMT}}) marked by a "
            "dashed line: the output running totals climb more steeply from the release (a "
            "change of slope); the share of customers on the new path rises slowly; support "
            "contacts per 100 customers fall only weeks later."))
    )


def ratio_chart(weekly: pd.DataFrame, release: Any) -> alt.LayerChart | alt.FacetChart:
    """The weekly adoption ratio (new-path users / old-path users) with a labelled dashed
    line at 1 (as many on the new path as on the old) and the labelled release week. The
    parity label sits at the left, over the pre-release weeks where the ratio is 0, so it
    never overprints the line."""
    _require(weekly, ("week", "adoption_ratio"), "weekly")
    rel = _week(release)
    frame = weekly[["week", "adoption_ratio"]]
    line = alt.Chart(frame).mark_line(point=True).encode(
        alt.X("week:T", title="week", axis=alt.Axis(format="%d %b")),
        alt.Y("adoption_ratio:Q", title="new-path users / old-path users", scale=alt.Scale(zero=True)),
    )
    parity = pd.DataFrame({"y": [1.0], "week": [weekly["week"].min()],
                           "label": ["1: as many on each path"]})
    rule = alt.Chart(parity).mark_rule(strokeDash=[2, 3], color="#444").encode(y="y:Q")
    text = (alt.Chart(parity).mark_text(align="left", baseline="bottom", dy=-4, color="#444")
            .encode(x="week:T", y="y:Q", text="label:N"))
    return alt.layer(line, rule, text, _release_marks(rel)).properties(
        title="Adoption ratio: customers on the new path per customer on the old path",
        width=480, height=240,
        description=("Line chart of the weekly adoption ratio (new-path users divided by "
                     "old-path users), zero before the release and rising afterwards; a dotted "
                     "line marks a ratio of 1 and a dashed line the release week."),
    )


def _adoption_title(weekly: pd.DataFrame, release: pd.Timestamp, threshold: float) -> tuple[str, str]:
    hit = first_week_reached(weekly, "new_path_share", threshold, after=release)
    title = (f"{threshold:.0f}% of customers on the new path: week of {hit:{_DATE_FMT}}"
             if hit is not None else f"{threshold:.0f}% of customers on the new path: not reached")
    description = (f"Line chart: percent of customers using the new self-service path by week, "
                   f"with a dashed line at {threshold:.0f}%. {adoption_summary(weekly, release, threshold)}")
    return title, description


def contacts_chart(weekly: pd.DataFrame, release: Any, interval: dict[str, Any] | None = None
                   ) -> alt.LayerChart | alt.FacetChart:
    """Weekly support contacts over the whole window against the contacts expected at the
    pre-release rate, the avoided contacts shaded after the release.

    The pre-release weeks show how far single weeks swing around the baseline (the noise in
    the estimate); the shaded band between the expected and the actual line from the release
    on adds up to the estimate of :func:`contacts_avoided`: green where fewer contacts came
    in than expected, pink where more came in (those weeks count against the total). ``interval`` (from :func:`avoided_interval`)
    puts the range into the description.
    """
    _require(weekly, ("week", "customers", "contacts"), "weekly")
    rel = _week(release)
    avoided = contacts_avoided(weekly, rel)
    rate = avoided.attrs["baseline_per_100"] / 100.0
    names = {"expected": "expected at the pre-release rate", "contacts": "actual"}
    wide = pd.DataFrame({"week": weekly["week"], "expected": rate * weekly["customers"].astype("float64"),
                         "contacts": weekly["contacts"].astype("float64")})
    frame = wide.melt(id_vars="week", var_name="series", value_name="per_week")
    frame["series"] = frame["series"].map(names)
    order = list(names.values())
    lines = alt.Chart(frame).mark_line(point=True).encode(
        alt.X("week", type="temporal", title="week", axis=alt.Axis(format="%d %b")),
        alt.Y("per_week", type="quantitative", title="support contacts per week", scale=alt.Scale(zero=True)),
        alt.Color("series", type="nominal", title=None, sort=order,
                  legend=alt.Legend(orient="top", labelLimit=400)),
        alt.StrokeDash("series", type="nominal", sort=order, legend=None),
    )
    after = wide.loc[wide["week"] >= rel]
    kinds = ["fewer than expected (avoided)", "more than expected (counts against)"]
    bands = pd.concat([
        pd.DataFrame({"week": after["week"], "top": after["expected"],
                      "bottom": np.minimum(after["contacts"], after["expected"]), "gap": kinds[0]}),
        pd.DataFrame({"week": after["week"], "top": after["expected"],
                      "bottom": np.maximum(after["contacts"], after["expected"]), "gap": kinds[1]}),
    ], ignore_index=True)
    band = alt.Chart(bands).mark_area(opacity=0.3).encode(
        alt.X("week", type="temporal"), alt.Y("top", type="quantitative"), alt.Y2("bottom"),
        alt.Fill("gap", type="nominal", title=None, sort=kinds,
                 scale=alt.Scale(domain=kinds, range=["#009E73", "#CC79A7"]),
                 legend=alt.Legend(orient="bottom", labelLimit=400)),
        alt.Detail("gap", type="nominal"))
    total = float(avoided["avoided"].sum())
    words = (f"an estimated {total:.0f} contacts avoided" if interval is None else
             f"an estimated {total:.0f} contacts avoided ({100 * interval['level']:.0f}% range "
             f"{interval['low']:.0f} to {interval['high']:.0f})")
    return alt.layer(band, lines, _release_marks(rel)).resolve_scale(color="independent").properties(
        title="Support contacts per week: expected at the pre-release rate vs actual",
        width=480, height=240,
        description=(f"Two lines over all weeks: support contacts expected at the pre-release rate "
                     f"and contacts that actually came in; before the release ({rel:{_DATE_FMT}}) "
                     f"the actual line swings around the expected one; after it the gap is shaded "
                     f"green where fewer contacts came in than expected and pink where more came "
                     f"in, and adds up to {words}."),
    )


def adoption_chart(weekly: pd.DataFrame, release: Any, threshold: float = 30.0) -> alt.LayerChart | alt.FacetChart:
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
    return alt.layer(line, hline, marker, _release_marks(rel)).add_params(param).properties(
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


def moment_churn_risk(
    journey: pd.DataFrame,
    moments: Sequence[str] = JOURNEY_MOMENTS,
    outcome: str = "churned",
    include_satisfaction: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """Churn when a moment of truth failed vs when it went well, for each moment.

    For each moment: ``passed_pct`` (percent of customers who passed it),
    ``failed`` (customers who failed it), ``churn_if_failed`` and ``churn_if_passed``
    (:func:`helpers.metrics.churn_rate`, in percent), ``gap_points`` (the difference in
    percentage points) and ``risk_ratio`` = churn_if_failed / churn_if_passed (the relative
    risk of churn; 2 means twice as often), with its ``rr_low``/``rr_high`` interval on the
    log scale (:func:`ratio_interval`). This is a risk ratio, not "lift": lift in the
    data-mining sense compares a group's rate with the *overall* rate. Moments of truth after
    Seybold, "Are You Measuring What Matters to Customers?" (CustomerThink). With
    ``include_satisfaction`` an extra row (:data:`SATISFACTION_ROW`) treats a CSAT of 4-5 on
    the onboarding survey as "passed", to compare a satisfaction score with the behavioural
    moments. ``stage`` is the moment's position in the journey (0 for the satisfaction row).
    Sorted by risk ratio, largest first; NaN when nobody failed or nobody who passed churned.
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
    ratio = np.full(n_fail.shape, np.nan)
    ok = ~np.isnan(rate_fail) & (rate_pass > 0)
    ratio[ok] = rate_fail[ok] / rate_pass[ok]
    bounds = [ratio_interval(int(kf), int(nf), int(kp), int(np_), level) if good else (np.nan, np.nan)
              for kf, nf, kp, np_, good in zip(churn_fail, n_fail, churn_pass, n_pass, ok)]
    names = list(flags.columns)
    table = pd.DataFrame({
        "moment": names,
        "stage": [moments.index(m) + 1 if m in moments else 0 for m in names],
        "passed_pct": 100.0 * n_pass / n,
        "failed": n_fail,
        "churn_if_failed": rate_fail,
        "churn_if_passed": rate_pass,
        "gap_points": rate_fail - rate_pass,
        "risk_ratio": ratio,
        "rr_low": [lo for lo, _ in bounds],
        "rr_high": [hi for _, hi in bounds],
    })
    return table.sort_values("risk_ratio", ascending=False, na_position="last").reset_index(drop=True)


def strongest_moment(table: pd.DataFrame) -> str:
    """The journey moment (not the satisfaction row) with the largest churn risk ratio in a
    :func:`moment_churn_risk` table."""
    _require(table, ("moment", "stage", "risk_ratio"), "table")
    moments = table.loc[(table["stage"] > 0) & table["risk_ratio"].notna()]
    if moments.empty:
        raise ValueError("no moment has a defined risk ratio")
    return str(moments.loc[moments["risk_ratio"].idxmax(), "moment"])


def risk_ratio_chart(table: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """Horizontal bars of the churn risk ratio per moment (largest first) with its 95 %
    interval as a black line, and a reference line at 1 (no difference); the satisfaction row
    is drawn in a second colour. The x axis starts at 0."""
    _require(table, ("moment", "stage", "risk_ratio", "rr_low", "rr_high"), "table")
    frame = table[["moment", "stage", "risk_ratio", "rr_low", "rr_high"]].copy()
    frame["kind"] = np.where(frame["stage"] > 0, "moment of truth (behaviour)", "satisfaction score")
    order = list(frame.sort_values("risk_ratio", ascending=False)["moment"])
    y = alt.Y("moment:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    bars = alt.Chart(frame).mark_bar().encode(
        y=y,
        x=alt.X("risk_ratio:Q", title="churn if failed / churn if passed (risk ratio, 95% interval)",
                scale=alt.Scale(zero=True)),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom")),
    )
    whiskers = alt.Chart(frame).mark_rule(color="#000000", size=1.5).encode(
        y=y, x=alt.X("rr_low:Q"), x2="rr_high:Q")
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[6, 4]).encode(x="x:Q")
    return alt.layer(bars, whiskers, one).properties(
        title="How many times as often customers who failed a moment left", width=420, height=200,
        description=("Horizontal bars: churn risk ratio (churn if failed divided by churn if "
                     "passed) for each moment of truth, largest first, with 95% intervals and "
                     "a dashed line at 1 (no difference). "
                     + "; ".join(f"{m}: {v:.2f} ({lo:.2f} to {hi:.2f})" for m, v, lo, hi in
                                 zip(frame["moment"], frame["risk_ratio"], frame["rr_low"], frame["rr_high"]))),
    )
