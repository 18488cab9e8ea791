"""Support-contact analyses shared by several lessons (00, 01, 03).

Everything here works on the ``support_contacts`` dataset (one row per contact;
see data/README.md) and returns small, aggregated frames ready to chart.
"""

from __future__ import annotations

from typing import Any, Callable

import altair as alt
import pandas as pd

from . import charts
from .validate import require_columns

__all__ = ["agent_summary", "target_summary", "target_chart", "target_view", "suspect_chart"]

_NEEDED = ("agent_id", "team", "handle_time_min", "transfers", "resolved_first_contact", "repeat_within_7d", "csat")


def agent_summary(contacts: pd.DataFrame) -> pd.DataFrame:
    """One row per agent: volume, average handle time and the quality signals.

    Columns: ``agent_id``, ``team``, ``contacts``, ``handle_time_min`` (mean
    minutes), ``repeat_pct`` (share of contacts followed by a repeat contact
    within 7 days, %), ``fcr_pct`` (first-contact resolution, %),
    ``transfers_per_contact`` (mean), ``csat_pct`` (CSAT top-two-box: share of
    survey answers of 4 or 5, %, as in :func:`helpers.metrics.csat`) and
    ``csat_responses``. Sorted by agent id.
    """
    require_columns(contacts, _NEEDED, "contacts")
    csat = pd.to_numeric(contacts["csat"], errors="coerce")
    frame = pd.DataFrame(
        {
            "agent_id": contacts["agent_id"].astype(str),
            "team": contacts["team"].astype(str),
            "handle_time_min": contacts["handle_time_min"].astype(float),
            "transfers": contacts["transfers"].astype(float),
            "fcr": contacts["resolved_first_contact"].astype(float),
            "repeat": contacts["repeat_within_7d"].astype(float),
            "csat_top2": (csat >= 4).astype(float).where(csat.notna()),
            "csat_answered": csat.notna().astype(int),
        }
    )
    g = frame.groupby("agent_id", sort=True)
    out = pd.DataFrame(
        {
            "team": g["team"].agg(lambda s: s.mode().iat[0]),
            "contacts": g.size(),
            "handle_time_min": g["handle_time_min"].mean(),
            "repeat_pct": g["repeat"].mean() * 100,
            "fcr_pct": g["fcr"].mean() * 100,
            "transfers_per_contact": g["transfers"].mean(),
            "csat_pct": g["csat_top2"].mean() * 100,
            "csat_responses": g["csat_answered"].sum(),
        }
    )
    return out.reset_index().round({"handle_time_min": 2, "repeat_pct": 1, "fcr_pct": 1, "transfers_per_contact": 2, "csat_pct": 1})


def target_summary(agents: pd.DataFrame, target_min: float,
                   contacts: pd.DataFrame | None = None) -> dict[str, Any]:
    """Who "meets" an average-handle-time target, and what it costs customers.

    Returns the number of agents at or under ``target_min`` minutes and the
    repeat-contact rate (%) of their contacts and of everyone else's, pooled
    over contacts (weighted by volume, not a mean of agent rates). Pass the
    ``contacts`` the agent table was made from to get exactly what a ``groupby``
    on the contacts gives; without them the rates are rebuilt from the agent
    table's rounded ones (within about 0.05 points).
    """
    if target_min <= 0:
        raise ValueError(f"target_min must be positive, got {target_min}")
    if contacts is not None:
        g = contacts.groupby(contacts["agent_id"].astype(str))
        agents = pd.DataFrame({"handle_time_min": g["handle_time_min"].mean(), "contacts": g.size(),
                               "repeats": g["repeat_within_7d"].sum()})
    meets = agents["handle_time_min"] <= target_min
    repeats = agents["repeats"] if "repeats" in agents else agents["repeat_pct"] / 100 * agents["contacts"]

    def pooled(mask: pd.Series) -> float:
        n = agents.loc[mask, "contacts"].sum()
        return float(repeats[mask].sum() / n * 100) if n else float("nan")

    return {
        "target_min": float(target_min),
        "agents_meeting": int(meets.sum()),
        "agents_total": int(len(agents)),
        "repeat_pct_meeting": pooled(meets),
        "repeat_pct_others": pooled(~meets),
    }


def _target_description(s: dict[str, Any]) -> str:
    text = (
        f"Scatter of {s['agents_total']} agents: average handle time against the share of contacts "
        f"repeated within 7 days. {s['agents_meeting']} agents meet the target of {s['target_min']:g} minutes"
    )
    if 0 < s["agents_meeting"] < s["agents_total"]:
        return text + (
            f"; their repeat rate is {s['repeat_pct_meeting']:.1f}% against "
            f"{s['repeat_pct_others']:.1f}% for the others."
        )
    return text + "."


def target_chart(agents: pd.DataFrame, target_min: float,
                 x_domain: tuple[float, float] | None = None,
                 contacts: pd.DataFrame | None = None) -> alt.LayerChart:
    """Agents' handle time against repeat contacts, with the target as a line.

    The target is a Vega-Lite parameter, so :func:`target_view` can redraw the
    chart for another target by changing one value instead of rebuilding it.
    ``x_domain`` (minutes) fixes the x-axis, widened to hold every agent, so that
    moving the target does not rescale the axis under the points. ``contacts``:
    as in :func:`target_summary` (exact rates in the description).
    """
    s = target_summary(agents, target_min, contacts)
    frame = charts.ensure_small(agents[["agent_id", "team", "handle_time_min", "repeat_pct", "fcr_pct"]].copy())
    target = alt.param(name="target", value=float(target_min))
    domain = ["meets the target", "misses the target"]
    if x_domain is None:
        x_scale = alt.Scale(zero=False)
    else:
        lo = min(float(x_domain[0]), float(frame["handle_time_min"].min()))
        hi = max(float(x_domain[1]), float(frame["handle_time_min"].max()))
        x_scale = alt.Scale(domain=[lo, hi], nice=False)
    points = (
        alt.Chart(frame)
        .transform_calculate(status="datum.handle_time_min <= target ? 'meets the target' : 'misses the target'")
        .mark_point(size=70, filled=True)
        .encode(
            x=alt.X("handle_time_min:Q", title="average handle time (minutes)", scale=x_scale),
            y=alt.Y("repeat_pct:Q", title="contacts repeated within 7 days (%)"),
            color=alt.Color("status:N", title=None, scale=alt.Scale(domain=domain, range=[charts.PALETTE[5], charts.PALETTE[0]])),
            shape=alt.Shape("status:N", title=None, scale=alt.Scale(domain=domain, range=["diamond", "circle"])),
            tooltip=["agent_id", "team", "handle_time_min", "repeat_pct", "fcr_pct"],
        )
    )
    one = pd.DataFrame({"row": [0]})
    rule = alt.Chart(one).transform_calculate(value="target").mark_rule(strokeDash=[6, 4]).encode(x="value:Q")
    label = (
        alt.Chart(one)
        .transform_calculate(value="target", text="'target ' + format(target, '.3~f') + ' min'")
        .mark_text(align="left", dx=4, dy=-6, color="#444")
        .encode(x="value:Q", y=alt.value(8), text="text:N")
    )
    return (points + rule + label).add_params(target).properties(
        title=alt.Title("Fast is not the same as resolved", subtitle="Each point is one agent; the dashed line is the handle-time target"),
        description=_target_description(s),
        width=480,
        height=280,
    )


def target_view(agents: pd.DataFrame,
                x_domain: tuple[float, float] | None = None,
                contacts: pd.DataFrame | None = None) -> Callable[[float], dict[str, Any]]:
    """The widget callback of notebook 00: target (minutes) -> chart spec.

    Builds the chart once; each call copies the Vega-Lite spec and sets the
    target parameter and the description (a few milliseconds), so the slider
    only pays for drawing the SVG. Pass the slider's range as ``x_domain`` to
    keep the x-axis fixed while the target moves.
    """
    base = target_chart(agents, float(agents["handle_time_min"].median()), x_domain, contacts).to_dict()

    def view(target_min: float) -> dict[str, Any]:
        spec = dict(base)
        spec["params"] = [dict(p, value=float(target_min)) if p.get("name") == "target" else p for p in base["params"]]
        spec["description"] = _target_description(target_summary(agents, target_min, contacts))
        return spec

    return view


def suspect_chart(agents: pd.DataFrame, fast_below: float, repeats_above: float) -> alt.LayerChart:
    """Agents' handle time against repeat contacts with the two thresholds of a
    suspect rule drawn as dashed lines, and the corner where both hold shaded.

    ``fast_below`` (minutes) and ``repeats_above`` (%) are the thresholds; agents in
    the shaded corner (faster than the first AND more repeats than the second) are
    drawn as diamonds. Both axes start at zero.
    """
    frame = charts.ensure_small(agents[["agent_id", "team", "handle_time_min", "repeat_pct", "fcr_pct"]].copy())
    hit = (frame["handle_time_min"] < fast_below) & (frame["repeat_pct"] > repeats_above)
    frame["rule"] = hit.map({True: "both conditions", False: "not both"})
    x_max = float(max(frame["handle_time_min"].max(), fast_below)) * 1.05
    y_max = float(max(frame["repeat_pct"].max(), repeats_above)) * 1.1
    domain = ["both conditions", "not both"]
    corner = alt.Chart(pd.DataFrame({"x0": [0.0], "x1": [fast_below], "y0": [repeats_above], "y1": [y_max]})).mark_rect(
        color=charts.PALETTE[5], opacity=0.12).encode(x="x0:Q", x2="x1:Q", y="y0:Q", y2="y1:Q")
    points = alt.Chart(frame).mark_point(size=70, filled=True).encode(
        x=alt.X("handle_time_min:Q", title="average handle time (minutes)", scale=alt.Scale(domain=[0, x_max], nice=False)),
        y=alt.Y("repeat_pct:Q", title="contacts repeated within 7 days (%)", scale=alt.Scale(domain=[0, y_max], nice=False)),
        color=alt.Color("rule:N", title=None, scale=alt.Scale(domain=domain, range=[charts.PALETTE[5], charts.PALETTE[0]])),
        shape=alt.Shape("rule:N", title=None, scale=alt.Scale(domain=domain, range=["diamond", "circle"])),
        tooltip=["agent_id", "team", "handle_time_min", "repeat_pct", "fcr_pct"],
    )
    lines = pd.DataFrame({"x": [fast_below], "y": [repeats_above]})
    v_rule = alt.Chart(lines).mark_rule(strokeDash=[6, 4], color="#444").encode(x="x:Q")
    h_rule = alt.Chart(lines).mark_rule(strokeDash=[6, 4], color="#444").encode(y="y:Q")
    labels = alt.Chart(pd.DataFrame({
        "x": [fast_below, x_max], "y": [y_max, repeats_above],
        "text": [f"faster than {fast_below:.2f} min", f"more than {repeats_above:.1f}% repeats"],
        "align": ["right", "right"],
    })).mark_text(align="right", dx=-4, dy=10, color="#444", fontSize=11).encode(x="x:Q", y="y:Q", text="text:N")
    n_hit = int(hit.sum())
    description = (
        f"Scatter of {len(frame)} agents: average handle time against the share of contacts repeated within "
        f"7 days, both axes from zero. Dashed lines mark {fast_below:.2f} minutes and {repeats_above:.1f}% "
        f"repeats; {n_hit} agent{'s' if n_hit != 1 else ''} sit{'s' if n_hit == 1 else ''} in the shaded corner "
        "where both hold."
    )
    return (corner + points + v_rule + h_rule + labels).properties(
        title=alt.Title("Fast and followed by repeats", subtitle="Each point is one agent; shaded: both conditions of the rule"),
        description=description, width=480, height=300,
    )

