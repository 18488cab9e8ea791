"""Simulations behind the lessons on gaming, ranking noise and counter-metrics.

Three small models, each deliberately simple enough to explain in a paragraph. They
are *illustrations* of mechanisms described in the literature (Goodhart 1975,
Campbell 1976, Seddon's failure demand, Spiegelhalter's funnel plots, Grove's paired
indicators), not calibrated forecasts of any real organisation.

1. **A team under a target** (notebook 01): :func:`simulate_team`,
   :func:`team_chart`, :func:`team_view`, :func:`pressure_sweep`, :func:`sweep_chart`.
2. **League tables of noise** (notebook 02): :func:`league_table`,
   :func:`top_quartile_persistence`, :func:`spearman`, :func:`rank_stability`,
   :func:`league_chart`, :func:`stability_chart`, :func:`league_view`, and funnel plots:
   :func:`agent_csat_counts`, :func:`funnel_frame`, :func:`funnel_chart`.
3. **Scoring a metric set** (notebook 03): :class:`Guardrail`, :class:`MetricSet`,
   :func:`build_metric_set`, :func:`flag_agents`, :func:`score_metric_set`,
   :func:`scorecard_chart`, :func:`scorecard_view`, and the cross-selling scenario
   :func:`cross_sell_scenario`, :func:`detect_fake_accounts`,
   :func:`score_fake_account_detection`, :func:`employee_summary`,
   :func:`cross_sell_chart`.

Widget callbacks (one per notebook, each meant to answer within 100 ms at default
sizes, chart drawing included): :func:`team_view`, :func:`league_view`,
:func:`scorecard_view`. The charts they redraw are :class:`FastChart` objects, plain
Vega-Lite specs that skip Altair's slow object model.

Every random draw comes from ``np.random.default_rng(seed)``: the same arguments give
the same result. Every function is vectorized over agents (and simulations); the only
Python loops run over periods or over a handful of sample sizes. Charts are built from
aggregated frames (a few dozen rows) and carry a ``description`` for screen readers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Literal, Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from . import charts, metrics
from .validate import require_columns as _require
from .charts import FastChart

__all__ = [
    "FastChart",
    # notebook 01
    "TeamRun",
    "simulate_team",
    "team_chart",
    "team_view",
    "team_summary",
    "pressure_sweep",
    "sweep_chart",
    # notebook 02
    "league_table",
    "top_quartile_persistence",
    "spearman",
    "rank_stability",
    "league_chart",
    "stability_chart",
    "league_view",
    "agent_csat_counts",
    "funnel_frame",
    "funnel_chart",
    # notebook 03
    "Guardrail",
    "MetricSet",
    "DEFAULT_METRIC_SET",
    "flag_agents",
    "ScoreCard",
    "score_metric_set",
    "scorecard_chart",
    "build_metric_set",
    "scorecard_view",
    "FAKE_ACCOUNT_SIGNALS",
    "cross_sell_scenario",
    "detect_fake_accounts",
    "score_fake_account_detection",
    "employee_summary",
    "cross_sell_chart",
]

Better = Literal["higher", "lower"]


# ======================================================================================
# Validation (private)
# ======================================================================================


def _unit(value: float, name: str) -> float:
    """A number in [0, 1] (pressure, weights, shares)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number between 0 and 1; got {value!r}")
    v = float(value)
    if not 0.0 <= v <= 1.0 or math.isnan(v):
        raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
    return v


def _count(value: int, name: str, minimum: int = 1) -> int:
    """A whole number >= minimum (team size, periods, sample size)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def _agent_ids(n: int, prefix: str = "A") -> np.ndarray:
    width = max(2, len(str(n)))
    return np.array([f"{prefix}{i + 1:0{width}d}" for i in range(n)])


# ======================================================================================
# Charts that widgets redraw
# ======================================================================================

def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records of a small frame (``tolist`` gives Python scalars)."""
    charts.ensure_small(frame)
    columns = [str(c) for c in frame.columns]
    values = [frame[c].to_numpy().tolist() for c in frame.columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def _q(field: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"field": field, "type": "quantitative", "title": title, **extra}


def _n(field: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"field": field, "type": "nominal", "title": title, **extra}


def _rule(value: float, axis: str = "y", label: str = "") -> list[dict[str, Any]]:
    """A dashed reference line (plus an optional label) as Vega-Lite layers."""
    data = {"values": [{"v": float(value), "label": label}]}
    # No "title" key on the rule's channel: an explicit null title would blank the axis
    # title that the chart's main layer shares with this one; without a key, the main
    # layer's title wins.
    v = {"field": "v", "type": "quantitative"}
    layers: list[dict[str, Any]] = [
        {"data": data, "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#444"}, "encoding": {axis: v}}
    ]
    if label:
        offset = {"dx": 4, "dy": -6} if axis == "y" else {"dx": 3, "dy": 0, "baseline": "top", "y": 2}
        layers.append(
            {
                "data": data,
                "mark": {"type": "text", "align": "left", "color": "#444", "fontSize": 11, **offset},
                "encoding": {axis: v, "text": _n("label")},
            }
        )
    return layers


# ======================================================================================
# 1. A team under a target (notebook 01)
# ======================================================================================

#: Minutes an honest contact takes for an average agent (before skill differences).
HONEST_HANDLE_TIME = 9.0
#: Minutes a gamed contact takes: the agent rushes, transfers or closes it unresolved.
GAMED_HANDLE_TIME = 2.5
#: Chance that an honest contact by an average agent is resolved first time.
HONEST_RESOLUTION = 0.80
#: Chance that a gamed contact is resolved anyway.
GAMED_RESOLUTION = 0.15
#: Largest share of contacts anyone games: some contacts cannot be cut short.
MAX_GAMED_SHARE = 0.75
#: An agent counts as gaming (the hidden truth) from this average gamed share on.
GAMER_THRESHOLD = 0.10
#: Chance that one gamed contact is noticed by the audit / counter-metric, per unit of
#: ``audit_weight``: the risk is per gamed contact, so heavy gamers are caught far more
#: often than light ones.
AUDIT_CATCH_PER_CONTACT = 0.02


@dataclass(frozen=True)
class TeamRun:
    """The result of :func:`simulate_team`.

    Attributes
    ----------
    periods:
        One row per period: ``period``, ``target_on``, ``handle_time_min`` (the reported
        metric: average handle time, minutes), ``fcr_pct`` (the customer outcome: share
        of contacts resolved first time, %), ``repeat_pct`` (contacts followed by a repeat
        contact within 7 days, %), ``csat_pct`` (top-2-box share of surveys, %) and
        ``gamed_pct`` (hidden from any dashboard: share of contacts gamed, %) and
        ``caught`` (agents the audit caught gaming in that period; 0 without an audit).
    agents:
        One row per agent, aggregated over the periods with the target on (the last
        ``window`` of them): ``agent_id``, ``contacts``, ``handle_time_min``, ``fcr_pct``,
        ``repeat_pct``, ``csat_pct``, ``surveys``, ``satisfied``; and the hidden truth:
        ``gamed_pct``, ``true_fcr_pct`` (the agent's expected resolution rate, free of
        sampling noise), ``gamer`` (gamed at least 10 % of contacts,
        :data:`GAMER_THRESHOLD`) and ``times_caught`` (over the whole run).
    params:
        The arguments the run used.
    """

    periods: pd.DataFrame
    agents: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)


def simulate_team(
    pressure: float = 0.6,
    incentive_weight: float = 0.5,
    audit_weight: float = 0.0,
    team_size: int = 40,
    periods: int = 12,
    seed: int = 42,
    *,
    contacts_per_period: int = 120,
    target_start: int | None = None,
    peer_influence: float = 0.4,
    adapt_rate: float = 0.4,
    window: int = 4,
) -> TeamRun:
    """Simulate a support team whose average handle time becomes a target.

    The model, per agent *i* and period *t*:

    * Each agent has a fixed skill (standard normal). Skilled agents work faster
      (honest handle time ``9 * exp(-0.12 skill)`` minutes) and resolve more
      (``0.80 + 0.05 skill``, clipped to 0.6-0.95).
    * Each agent has a fixed reluctance to game, between 0.1 and 0.7 (a Beta(2, 2)
      draw, scaled): people differ, but nobody is immune to enough pressure.
    * From period ``target_start`` on (default: period 4, or the last period of a
      shorter run), a handle-time target applies. Its pull on an
      agent is ``pressure * (0.25 + 0.75 * incentive_weight)``: ``pressure`` is how far
      the target lies beyond what honest work achieves, ``incentive_weight`` how much of
      pay, ranking or praise rides on it (even an unrewarded target pulls a little:
      people are watched against it). Gaming spreads socially: the team's average
      gamed share in the previous period adds ``peer_influence`` times itself to the
      pull (incentives set the norm of "good" behaviour).
    * The agent's *desired* gamed share is ``0.75 * (1 - exp(-drive / 0.15))`` for a
      positive ``drive = pull - reluctance`` (0 otherwise), and the actual share moves a
      fraction ``adapt_rate`` of the way towards it each period (habits change slowly).
    * ``audit_weight`` is the weight given to a counter-metric or audit that notices
      gaming (repeat contacts, call reviews). It does not change the pull; it catches
      gamed contacts. Each gamed contact is noticed with probability
      ``0.02 * audit_weight`` (:data:`AUDIT_CATCH_PER_CONTACT`), so an agent who gamed
      ``g`` contacts in a period is caught with probability ``1 - (1 - 0.02 a) ** g``:
      rarely for light gaming, almost surely for heavy gaming. A caught agent is coached
      and starts the next period from zero gaming; as long as the pull exceeds their
      reluctance, the habit grows back. So an audit slows and caps gaming; it cannot
      remove the pull that causes it. The catches are drawn from their own random
      stream, so runs with and without an audit share every other draw.
    * A gamed contact takes 2.5 minutes and is resolved with probability 0.15 (the
      customer hangs up on a rushed answer, is transferred, or the ticket is closed
      unresolved); an honest one takes the agent's honest time and resolution rate.
    * Observed per period: mean handle time of ``contacts_per_period`` contacts (normal
      approximation, per-contact SD 60 % of the mean), resolved contacts ~ Binomial,
      repeat contacts within 7 days ~ Binomial with rate ``0.04 + 0.70 * (1 - resolution)``
      (Seddon's failure demand: unresolved work comes back), a survey from about a
      quarter of contacts with top-2-box probability ``0.45 + 0.45 * resolution``.

    Assumptions worth questioning: skill and reluctance do not change (being caught does
    not make anyone more reluctant); every agent handles the same number of contacts;
    the target and the audit are the only forces.

    Returns a :class:`TeamRun` (small per-period and per-agent frames).
    """
    pressure = _unit(pressure, "pressure")
    incentive_weight = _unit(incentive_weight, "incentive_weight")
    audit_weight = _unit(audit_weight, "audit_weight")
    peer_influence = _unit(peer_influence, "peer_influence")
    adapt_rate = _unit(adapt_rate, "adapt_rate")
    team_size = _count(team_size, "team_size", 4)
    periods = _count(periods, "periods", 2)
    contacts_per_period = _count(contacts_per_period, "contacts_per_period", 5)
    if target_start is None:
        target_start = min(4, periods)
    target_start = _count(target_start, "target_start", 1)
    window = _count(window, "window", 1)
    if target_start > periods:
        raise ValueError(f"target_start ({target_start}) must be <= periods ({periods})")

    rng = np.random.default_rng(seed)
    n, T = team_size, periods
    skill = rng.standard_normal(n)
    honest_time = HONEST_HANDLE_TIME * np.exp(-0.12 * skill)
    honest_res = np.clip(HONEST_RESOLUTION + 0.05 * skill, 0.6, 0.95)
    reluctance = 0.1 + 0.6 * rng.beta(2.0, 2.0, n)

    pull = pressure * (0.25 + 0.75 * incentive_weight)
    m = contacts_per_period
    # The audit's draws come from their own stream: every other draw is the same with
    # and without an audit (common random numbers across the sweep).
    audit_draws = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0]).random((T, n))
    miss_per_contact = 1.0 - AUDIT_CATCH_PER_CONTACT * audit_weight
    gamed = np.zeros((T, n))
    caught = np.zeros((T, n), dtype=bool)
    share = np.zeros(n)
    for t in range(T):
        if t + 1 >= target_start:
            drive = pull + peer_influence * share.mean() - reluctance
            desired = MAX_GAMED_SHARE * (1.0 - np.exp(-np.maximum(drive, 0.0) / 0.15))
            share = share + adapt_rate * (desired - share)
        gamed[t] = share
        if audit_weight > 0:
            caught[t] = (share > 0) & (audit_draws[t] < 1.0 - miss_per_contact ** (share * m))
            share = np.where(caught[t], 0.0, share)

    mean_time = (1 - gamed) * honest_time + gamed * GAMED_HANDLE_TIME
    p_res = (1 - gamed) * honest_res + gamed * GAMED_RESOLUTION
    handle = np.maximum(mean_time + rng.standard_normal((T, n)) * 0.6 * mean_time / math.sqrt(m), 0.5)
    resolved = rng.binomial(m, p_res)
    repeats = rng.binomial(m, 0.04 + 0.70 * (1 - p_res))
    surveyed = rng.binomial(m, 0.25, size=(T, n))
    satisfied = rng.binomial(surveyed, 0.45 + 0.45 * p_res)

    period_frame = pd.DataFrame(
        {
            "period": np.arange(1, T + 1),
            "target_on": np.arange(1, T + 1) >= target_start,
            "handle_time_min": handle.mean(axis=1).round(2),
            "fcr_pct": (100 * resolved.sum(axis=1) / (m * n)).round(1),
            "repeat_pct": (100 * repeats.sum(axis=1) / (m * n)).round(1),
            "csat_pct": (100 * satisfied.sum(axis=1) / np.maximum(surveyed.sum(axis=1), 1)).round(1),
            "gamed_pct": (100 * gamed.mean(axis=1)).round(1),
            "caught": caught.sum(axis=1),
        }
    )

    first = max(target_start - 1, T - window)
    rows = slice(first, T)
    k = T - first
    agent_gamed = gamed[rows].mean(axis=0)
    agents = pd.DataFrame(
        {
            "agent_id": _agent_ids(n),
            "contacts": np.full(n, m * k),
            "handle_time_min": handle[rows].mean(axis=0).round(2),
            "fcr_pct": (100 * resolved[rows].sum(axis=0) / (m * k)).round(1),
            "repeat_pct": (100 * repeats[rows].sum(axis=0) / (m * k)).round(1),
            "surveys": surveyed[rows].sum(axis=0),
            "satisfied": satisfied[rows].sum(axis=0),
            "csat_pct": (100 * satisfied[rows].sum(axis=0) / np.maximum(surveyed[rows].sum(axis=0), 1)).round(1),
            "gamed_pct": (100 * agent_gamed).round(1),
            "true_fcr_pct": (100 * p_res[rows].mean(axis=0)).round(1),
            "gamer": agent_gamed >= GAMER_THRESHOLD,
            "times_caught": caught.sum(axis=0),
        }
    )
    params = dict(
        pressure=pressure, incentive_weight=incentive_weight, audit_weight=audit_weight,
        team_size=n, periods=T, seed=seed, contacts_per_period=m, target_start=target_start,
        peer_influence=peer_influence, adapt_rate=adapt_rate, window=window,
    )
    return TeamRun(periods=period_frame, agents=agents, params=params)


def team_summary(run: TeamRun) -> dict[str, float]:
    """Before/after numbers of a run: means over the periods before the target and
    over the last ``window`` periods (or fewer, if the target started later).

    Keys: ``handle_time_before``, ``handle_time_after``, ``fcr_before``, ``fcr_after``,
    ``repeat_before``, ``repeat_after``, ``gamed_after`` (percentages for rates).
    With ``target_start = 1`` there is no "before": the first period is used.
    """
    p = run.periods
    on = p["target_on"].to_numpy(dtype=bool)
    before = ~on if (~on).any() else np.arange(len(p)) == 0
    window = int(run.params.get("window", 4))
    after = np.flatnonzero(on)[-window:]

    def mean(column: str, rows: np.ndarray) -> float:
        return float(p[column].to_numpy(dtype=float)[rows].mean())

    return {
        "handle_time_before": mean("handle_time_min", before),
        "handle_time_after": mean("handle_time_min", after),
        "fcr_before": mean("fcr_pct", before),
        "fcr_after": mean("fcr_pct", after),
        "repeat_before": mean("repeat_pct", before),
        "repeat_after": mean("repeat_pct", after),
        "gamed_after": mean("gamed_pct", after),
    }


_TEAM_PANELS = [
    ("handle_time_min", "Dashboard: handle time (min)", charts.PALETTE[0]),
    ("fcr_pct", "Customers: resolved first time (%)", charts.PALETTE[5]),
    ("gamed_pct", "Hidden: contacts gamed (%)", charts.PALETTE[7]),
]


def team_chart(run: TeamRun | pd.DataFrame, *, width: int = 200, height: int = 160) -> FastChart:
    """Three small panels over time: the reported metric (average handle time), the
    customer outcome (first-contact resolution) and the hidden gamed share, with a
    dashed line where the target starts. ``run`` is a :class:`TeamRun` or its
    ``periods`` frame. The description states the before/after numbers in words.
    """
    frame = run.periods if isinstance(run, TeamRun) else run
    data = _records(frame[["period", "target_on", *(c for c, _, _ in _TEAM_PANELS)]])
    starts = frame.loc[frame["target_on"], "period"]
    start = int(starts.iloc[0]) if len(starts) else None
    n_periods = int(frame["period"].max())
    panels: list[dict[str, Any]] = []
    for column, heading, colour in _TEAM_PANELS:
        # Every panel starts at zero: a truncated axis would exaggerate the change.
        y_scale: dict[str, Any] = {"zero": True} if column != "gamed_pct" else {"domain": [0, max(10.0, float(frame[column].max()))]}
        layers = [
            {
                "mark": {"type": "line", "color": colour, "point": {"filled": True, "color": colour}},
                "encoding": {
                    "x": _q("period", "week", axis={"tickMinStep": 1, "tickCount": min(n_periods, 6)}),
                    "y": _q(column, None, scale=y_scale, axis={"tickCount": 5}),
                },
            }
        ]
        if start is not None and start > 1:  # label the line once: every text layer costs render time
            layers += _rule(start - 0.5, axis="x", label="target" if not panels else "")
        panels.append({"title": heading, "width": width, "height": height, "layer": layers})
    if isinstance(run, TeamRun):
        s = team_summary(run)
        words = (
            f"Before the target, average handle time was {s['handle_time_before']:.1f} minutes and "
            f"{s['fcr_before']:.0f}% of contacts were resolved first time; at the end, handle time is "
            f"{s['handle_time_after']:.1f} minutes and {s['fcr_after']:.0f}% are resolved, with "
            f"{s['gamed_after']:.0f}% of contacts gamed."
        )
    else:
        words = "Average handle time, first-contact resolution and gamed share per period."
    return FastChart({"data": {"values": data}, "hconcat": panels, "description": "Three line charts over time. " + words})


def team_view(
    pressure: float = 0.6,
    incentive_weight: float = 0.5,
    audit_weight: float = 0.0,
    team_size: int = 40,
    periods: int = 12,
    seed: int = 42,
) -> FastChart:
    """Slider callback of notebook 01: run :func:`simulate_team` and chart it."""
    run = simulate_team(pressure, incentive_weight, audit_weight, team_size, periods, seed)
    return team_chart(run)


def pressure_sweep(
    pressures: Sequence[float] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
    audit_weights: Sequence[float] = (0.0, 0.5),
    incentive_weight: float = 0.5,
    team_size: int = 40,
    periods: int = 12,
    seed: int = 42,
) -> pd.DataFrame:
    """End-of-run results of :func:`simulate_team` over a grid of pressure and audit weight.

    Every run uses the same seed, so agents are identical across the grid and only the
    pressure and the audit differ (common random numbers). One row per combination:
    ``pressure``, ``audit_weight``, ``handle_time_min``, ``fcr_pct``, ``repeat_pct`` and
    ``gamed_pct`` (means over the last periods, as in :func:`team_summary`).
    """
    rows = []
    for a in audit_weights:
        for p in pressures:
            s = team_summary(simulate_team(p, incentive_weight, a, team_size, periods, seed))
            rows.append(
                {
                    "pressure": float(p),
                    "audit_weight": float(a),
                    "handle_time_min": round(s["handle_time_after"], 2),
                    "fcr_pct": round(s["fcr_after"], 1),
                    "repeat_pct": round(s["repeat_after"], 1),
                    "gamed_pct": round(s["gamed_after"], 1),
                }
            )
    return pd.DataFrame(rows)


def sweep_chart(sweep: pd.DataFrame, *, width: int = 220, height: int = 190) -> alt.HConcatChart:
    """Three panels against target pressure (one line per audit weight): the reported
    handle time, the first-contact resolution and the hidden gamed share at the end of
    each run. Every y-axis starts at zero."""
    charts.ensure_small(sweep, "pressure sweep")
    data = sweep.assign(audit=sweep["audit_weight"].map(lambda a: f"audit weight {a:g}"))
    panels = []
    for column, heading in (("handle_time_min", "Reported: average handle time (min)"),
                            ("fcr_pct", "Customers: resolved first time (%)"),
                            ("gamed_pct", "Hidden: contacts gamed (%)")):
        panels.append(
            alt.Chart(data)
            .mark_line(point=True)
            .encode(
                x=alt.X("pressure:Q", title="target pressure"),
                y=alt.Y(f"{column}:Q", title=None, scale=alt.Scale(zero=True)),
                color=alt.Color("audit:N", title=None, legend=alt.Legend(orient="bottom")),
                strokeDash=alt.StrokeDash("audit:N", legend=None),
                tooltip=["pressure", "audit_weight", column],
            )
            .properties(title=heading, width=width, height=height)
        )
    no_audit = sweep[sweep["audit_weight"] == sweep["audit_weight"].min()].sort_values("pressure")
    lo, hi = no_audit.iloc[0], no_audit.iloc[-1]
    words = (
        f"With the lowest audit weight, raising pressure from {lo['pressure']:g} to {hi['pressure']:g} "
        f"cuts reported handle time from {lo['handle_time_min']:.1f} to {hi['handle_time_min']:.1f} minutes "
        f"while first-contact resolution falls from {lo['fcr_pct']:.0f}% to {hi['fcr_pct']:.0f}%."
    )
    top = sweep[sweep["pressure"] == sweep["pressure"].max()].sort_values("audit_weight")
    if len(top) > 1:
        words += (
            f" At pressure {hi['pressure']:g}, the gamed share is {top['gamed_pct'].iloc[0]:.0f}% with audit weight "
            f"{top['audit_weight'].iloc[0]:g} and {top['gamed_pct'].iloc[-1]:.0f}% with audit weight "
            f"{top['audit_weight'].iloc[-1]:g}."
        )
    return alt.hconcat(*panels).properties(description="Three line charts against target pressure. " + words)


# ======================================================================================
# 2. League tables of noise (notebook 02)
# ======================================================================================


def _ranks(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ranks along the last axis, 1 = highest score, ties broken at random."""
    jitter = rng.random(scores.shape)
    order = np.lexsort((jitter, -scores), axis=-1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[-1] + 1)[(None,) * (scores.ndim - 1)], axis=-1)
    return ranks


def _quartile_size(n_agents: int) -> int:
    return max(1, n_agents // 4)


def league_table(
    n_agents: int = 20,
    surveys: int = 30,
    base_rate: float = 0.8,
    skill_sd: float = 0.0,
    periods: int = 2,
    seed: int = 42,
) -> pd.DataFrame:
    """A CSAT league table per period for agents whose true skill may be identical.

    Model: agent *i* satisfies a surveyed customer with probability ``p_i`` (the
    top-2-box chance); ``p_i = base_rate`` for everyone when ``skill_sd = 0``, otherwise
    ``base_rate + skill_sd * z_i`` (clipped to 0.01-0.99) with z_i standard normal, fixed
    over periods. Each period every agent gets ``surveys`` responses and the satisfied
    count is Binomial(surveys, p_i). The table ranks agents by their CSAT share, 1 =
    best; ties (frequent with small samples) are broken by a coin toss, as any
    arbitrary rule would do. ``top_quartile`` marks the best ``n_agents // 4`` ranks.

    Returns one row per agent and period: ``agent_id``, ``period``, ``surveys``,
    ``satisfied``, ``csat_pct``, ``rank``, ``top_quartile``, ``true_csat_pct``.
    """
    n_agents = _count(n_agents, "n_agents", 4)
    surveys = _count(surveys, "surveys", 1)
    periods = _count(periods, "periods", 1)
    base_rate = _unit(base_rate, "base_rate")
    if skill_sd < 0:
        raise ValueError(f"skill_sd must be >= 0; got {skill_sd}")
    rng = np.random.default_rng(seed)
    true_p = np.clip(base_rate + skill_sd * rng.standard_normal(n_agents), 0.01, 0.99)
    satisfied = rng.binomial(surveys, np.broadcast_to(true_p, (periods, n_agents)))
    ranks = _ranks(satisfied.astype(float), rng)
    k = _quartile_size(n_agents)
    return pd.DataFrame(
        {
            "agent_id": np.tile(_agent_ids(n_agents), periods),
            "period": np.repeat(np.arange(1, periods + 1), n_agents),
            "surveys": surveys,
            "satisfied": satisfied.ravel(),
            "csat_pct": (100 * satisfied.ravel() / surveys).round(1),
            "rank": ranks.ravel(),
            "top_quartile": ranks.ravel() <= k,
            "true_csat_pct": np.tile((100 * true_p).round(1), periods),
        }
    )


def top_quartile_persistence(table: pd.DataFrame, first: int = 1, second: int = 2) -> float:
    """Share of the agents in the top quartile in period ``first`` who are in the top
    quartile again in period ``second`` (a fraction, 0-1).

    ``table`` is a :func:`league_table`-shaped frame (columns ``agent_id``, ``period``,
    ``top_quartile``). If ranks carried no information, the expected share is the
    quartile size over the team size: 25 % for a team of a multiple of four.
    """
    wide = table.pivot(index="agent_id", columns="period", values="top_quartile")
    top_first = wide[first].astype(bool)
    if not top_first.any():
        raise ValueError(f"nobody is in the top quartile in period {first}")
    return float(wide.loc[top_first, second].astype(bool).mean())


def spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation along the last axis (average ranks for ties).

    Works on 1-D arrays (returns a 0-d array) or on stacks of rows (one correlation per
    row). Rows with no variation give NaN.
    """
    ra = _average_ranks(np.asarray(a, dtype=float))
    rb = _average_ranks(np.asarray(b, dtype=float))
    ra = ra - ra.mean(axis=-1, keepdims=True)
    rb = rb - rb.mean(axis=-1, keepdims=True)
    denom = np.sqrt((ra**2).sum(axis=-1) * (rb**2).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (ra * rb).sum(axis=-1) / np.where(denom > 0, denom, 1), np.nan)


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) along the last axis, ties sharing their mean rank.

    rank = (number of smaller values) + (number of equal values + 1) / 2; quadratic in
    the row length, which is fine for teams of a few hundred.
    """
    a = x[..., :, None]
    b = x[..., None, :]
    less = (b < a).sum(axis=-1)
    equal = (b == a).sum(axis=-1)
    return less + (equal + 1) / 2.0


def rank_stability(
    sample_sizes: Iterable[int] = (5, 10, 20, 30, 50, 100, 200, 500),
    n_agents: int = 20,
    base_rate: float = 0.8,
    skill_sd: float = 0.05,
    n_sims: int = 300,
    seed: int = 42,
) -> pd.DataFrame:
    """How much two periods' league tables agree, as a function of surveys per agent.

    For each sample size, ``n_sims`` teams are simulated as in :func:`league_table`
    (true top-2-box chances ``base_rate + skill_sd * z``, fixed over both periods) and
    two periods are scored. Per sample size, the averages over teams of:

    * ``rank_correlation``: Spearman correlation of the two periods' CSAT shares;
    * ``top_quartile_persistence``: share of period-1 top-quartile agents still there
      in period 2 (ties broken at random);
    * ``chance_persistence``: what that share would be if ranks were pure noise;
    * ``reliability``: the share of the variance of an agent's score that is real
      skill, ``s^2 / (s^2 + p (1 - p) / n)``; the rank correlation approaches it.

    With ``skill_sd = 0`` every agent is identical and the correlation stays near 0
    at every sample size. Returns one row per sample size.
    """
    sizes = [_count(int(s), "sample size", 1) for s in sample_sizes]
    n_agents = _count(n_agents, "n_agents", 4)
    n_sims = _count(n_sims, "n_sims", 1)
    base_rate = _unit(base_rate, "base_rate")
    rng = np.random.default_rng(seed)
    k = _quartile_size(n_agents)
    rows = []
    for n in sizes:
        true_p = np.clip(base_rate + skill_sd * rng.standard_normal((n_sims, n_agents)), 0.01, 0.99)
        s1 = rng.binomial(n, true_p).astype(float)
        s2 = rng.binomial(n, true_p).astype(float)
        rho = spearman(s1, s2)
        top1 = _ranks(s1, rng) <= k
        top2 = _ranks(s2, rng) <= k
        persistence = (top1 & top2).sum(axis=1) / k
        var_true = float(np.var(true_p, axis=1).mean())
        var_noise = float((true_p * (1 - true_p)).mean()) / n
        rows.append(
            {
                "sample_size": n,
                "rank_correlation": float(np.nanmean(rho)) if np.isfinite(rho).any() else 0.0,
                "top_quartile_persistence": float(persistence.mean()),
                "chance_persistence": k / n_agents,
                "reliability": var_true / (var_true + var_noise) if var_true + var_noise > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows)


def league_chart(table: pd.DataFrame, first: int = 1, second: int = 2, *, width: int = 220, height: int = 300) -> FastChart:
    """A slope chart: each agent's rank in period ``first`` (left) and ``second``
    (right), coloured by whether the agent was top quartile in ``first``."""
    wide = table.pivot(index="agent_id", columns="period", values="rank")[[first, second]]
    top = table[table["period"] == first].set_index("agent_id")["top_quartile"].reindex(wide.index)
    top_label, rest_label = f"top quartile in period {first}", "rest of the team"
    group = np.where(top.to_numpy(dtype=bool), top_label, rest_label)
    long = pd.DataFrame(
        {
            "agent": np.concatenate([wide.index, wide.index]),
            "period": [f"period {first}"] * len(wide) + [f"period {second}"] * len(wide),
            "rank": np.concatenate([wide[first].to_numpy(), wide[second].to_numpy()]),
            "group": np.concatenate([group, group]),
        }
    )
    n = int(table["agent_id"].nunique())
    persistence = top_quartile_persistence(table, first, second)
    surveys = int(table["surveys"].iloc[0])
    return FastChart(
        {
            "data": {"values": _records(long)},
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {
                "x": _n("period", None, axis={"labelAngle": 0}, sort=[f"period {first}", f"period {second}"]),
                "y": _q("rank", "rank (1 = best)", scale={"reverse": True, "domain": [1, n]}, axis={"tickCount": 5}),
                "detail": _n("agent"),
                # no legend (it costs a fifth of the drawing time): the subtitle names the colours
                "color": _n("group", None, scale={"domain": [top_label, rest_label], "range": [charts.PALETTE[1], "#b0b0b0"]},
                            legend=None),
                "order": _q("rank"),
            },
            "title": {"text": f"League table, {surveys} surveys per agent",
                      "subtitle": [f"orange: the top quartile of period {first}",
                                   f"{persistence:.0%} of them stay there in period {second}"]},
            "width": width,
            "height": height,
            "description": (
                f"Slope chart of {n} agents' ranks in two periods with {surveys} surveys each. "
                f"Of the agents in the top quartile in period {first}, {persistence:.0%} are in the top "
                f"quartile again in period {second}."
            ),
        }
    )


_STABILITY_LABELS = {
    "rank_correlation": "rank correlation, period 1 vs 2",
    "top_quartile_persistence": "top quartile staying there",
}


def stability_chart(stability: pd.DataFrame, *, highlight: int | None = None, width: int = 280, height: int = 220) -> FastChart:
    """Rank correlation and top-quartile persistence against surveys per agent (log
    scale), with the chance level of persistence dashed; ``highlight`` marks one size."""
    long = stability.melt(id_vars="sample_size", value_vars=list(_STABILITY_LABELS), var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(_STABILITY_LABELS)
    long["value"] = long["value"].round(3)
    y_min = min(0.0, float(long["value"].min()))
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": _records(long)},
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": _q("sample_size", "surveys per agent per period",
                        scale={"type": "log", "domain": [int(stability["sample_size"].min()), int(stability["sample_size"].max())], "nice": False},
                        axis={"values": [int(v) for v in stability["sample_size"]], "labelOverlap": "greedy"}),
                "y": _q("value", "correlation or share (0 to 1)", scale={"domain": [y_min, 1]}, axis={"tickCount": 5}),
                "color": _n("measure", None, scale={"domain": list(_STABILITY_LABELS.values()), "range": charts.PALETTE[:2]},
                            legend={"orient": "bottom", "direction": "vertical"}),
            },
        },
        *_rule(float(stability["chance_persistence"].iloc[0]), label="chance"),
    ]
    if highlight is not None:
        layers += _rule(float(highlight), axis="x")
    first, last = stability.iloc[0], stability.iloc[-1]
    return FastChart(
        {
            "layer": layers,
            "title": {"text": "How much ranks agree between periods",
                      "subtitle": "" if highlight is None else f"dashed vertical line: {highlight} surveys"},
            "width": width,
            "height": height,
            "description": (
                f"Line chart against surveys per agent. Rank correlation goes from {first['rank_correlation']:.2f} "
                f"at {int(first['sample_size'])} surveys to {last['rank_correlation']:.2f} at {int(last['sample_size'])}; "
                f"top-quartile persistence from {first['top_quartile_persistence']:.0%} to "
                f"{last['top_quartile_persistence']:.0%}, against {first['chance_persistence']:.0%} by chance."
            ),
        }
    )


@lru_cache(maxsize=32)
def _cached_stability_spec(n_agents: int, skill_sd: float, seed: int, base_rate: float = 0.8, n_sims: int = 200) -> dict[str, Any]:
    """The rank-stability panel of :func:`league_view` (without the marked size): it
    depends on the team, not on the slider, so it is computed once per team."""
    stability = rank_stability(n_agents=n_agents, base_rate=base_rate, skill_sd=skill_sd, n_sims=n_sims, seed=seed)
    return stability_chart(stability).spec


def league_view(
    surveys: int = 30,
    skill_sd: float = 0.0,
    n_agents: int = 20,
    seed: int = 42,
    base_rate: float = 0.8,
    n_sims: int = 200,
) -> FastChart:
    """Widget callback of notebook 02: a league table at ``surveys`` per agent next to
    the rank-stability curve (computed once per team and cached) with that size marked.

    ``base_rate`` is the agents' true top-2-box chance (the notebook's ``true_csat``) and
    ``n_sims`` the simulated teams behind the stability curve; both reach the simulation."""
    table = league_table(n_agents=n_agents, surveys=surveys, base_rate=base_rate, skill_sd=skill_sd, seed=seed)
    left = league_chart(table).spec
    cached = _cached_stability_spec(int(n_agents), float(skill_sd), int(seed), float(base_rate), int(n_sims))
    right = {
        **cached,
        "layer": [*cached["layer"], *_rule(float(surveys), axis="x")],
        "title": {**cached["title"], "subtitle": f"dashed vertical line: {surveys} surveys"},
    }
    return FastChart(
        {
            "hconcat": [{k: v for k, v in part.items() if k not in ("$schema", "config", "description")} for part in (left, right)],
            "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
            "description": left["description"] + " " + right["description"],
        }
    )


def agent_csat_counts(contacts: pd.DataFrame, by: str = "agent_id") -> pd.DataFrame:
    """Survey counts per agent from contact-level data, ready for :func:`funnel_frame`.

    ``contacts`` has a ``csat`` column (1-5, empty when the customer did not answer).
    Returns ``by``, ``responses`` (answered surveys) and ``satisfied`` (answers of 4 or
    5: CSAT as a top-2-box share, domain brief section 4), one row per agent with at
    least one answer, sorted by ``by``.
    """
    _require(contacts, [by, "csat"], "agent_csat_counts")
    csat = pd.to_numeric(contacts["csat"], errors="coerce")
    answered = csat.notna()
    frame = pd.DataFrame({by: contacts.loc[answered, by].astype(str), "top": (csat[answered] >= 4).astype(int)})
    g = frame.groupby(by, sort=True)["top"]
    return pd.DataFrame({"responses": g.size(), "satisfied": g.sum()}).reset_index()


def funnel_frame(
    successes: Sequence[int] | np.ndarray | pd.Series,
    n: Sequence[int] | np.ndarray | pd.Series,
    units: Sequence[str] | np.ndarray | pd.Series,
    p0: float | None = None,
    method: Literal["exact", "normal"] = "exact",
) -> pd.DataFrame:
    """Per-unit data for a funnel plot of a proportion (Spiegelhalter 2005).

    ``successes`` of ``n`` per unit (for example satisfied surveys per agent); ``p0`` is
    the team's pooled proportion unless given. Limits are
    :func:`helpers.metrics.funnel_limits` at z = 1.96 (about 95 %) and z = 3.09 (about
    99.8 %), exact binomial by default (``method="normal"`` for the approximation, which
    fails for small n). ``status`` is "above" or "below" when the unit lies outside the
    99.8 % limits, "watch" when only outside the 95 % limits, else "within" (consistent
    with chance: common-cause variation). Rates and limits are in percent. One row per
    unit, sorted by n.
    """
    s = np.asarray(successes, dtype=float)
    nn = np.asarray(n, dtype=float)
    p = float(s.sum() / nn.sum()) if p0 is None else float(p0)
    lo95, hi95 = metrics.funnel_limits(p, nn, 1.96, method=method)
    lo998, hi998 = metrics.funnel_limits(p, nn, 3.09, method=method)
    out95 = metrics.outside_funnel(s, nn, p, 1.96, method=method)
    out998 = metrics.outside_funnel(s, nn, p, 3.09, method=method)
    rate = s / nn
    status = np.where(out998 & (rate > p), "above", np.where(out998, "below", np.where(out95, "watch", "within")))
    frame = pd.DataFrame(
        {
            "unit": np.asarray(units).astype(str),
            "n": nn.astype(int),
            "successes": s.astype(int),
            "rate_pct": (100 * rate).round(1),
            "lower95_pct": (100 * lo95).round(1),
            "upper95_pct": (100 * hi95).round(1),
            "lower998_pct": (100 * lo998).round(1),
            "upper998_pct": (100 * hi998).round(1),
            "outside95": out95,
            "outside998": out998,
            "status": status,
        }
    )
    frame.attrs["p0"] = p
    frame.attrs["method"] = method
    return frame.sort_values(["n", "unit"]).reset_index(drop=True)


def _limit_grid(n_min: float, n_max: float, points: int = 160) -> np.ndarray:
    """Whole sample sizes to draw the limits at (exact limits exist only at whole n)."""
    lo = max(1, int(math.floor(n_min * 0.8)))
    hi = max(lo + 1, int(math.ceil(n_max * 1.1)))
    return np.unique(np.linspace(lo, hi, min(points, hi - lo + 1)).round().astype(int))


def funnel_chart(
    frame: pd.DataFrame,
    *,
    what: str = "CSAT (%)",
    n_title: str = "surveys per agent",
    units: str = "agents",
    width: int = 480,
    height: int = 300,
) -> alt.LayerChart:
    """A funnel plot: one point per unit (rate against sample size) inside 95 % and
    99.8 % control limits around the pooled rate. ``frame`` comes from :func:`funnel_frame`
    (its ``method`` draws the limits). Units with the same n and rate would hide each
    other: they are spread sideways by a fraction of one (said in the description), and
    units outside the 95 % limits are labelled, one label per position, labels nudged apart
    so they never overprint. The y-axis starts at zero unless every point and limit lies
    above 40 %; then it starts lower than all of them and the subtitle says where."""
    charts.ensure_small(frame, "funnel data")
    p0 = float(frame.attrs.get("p0", frame["successes"].sum() / frame["n"].sum()))
    method = frame.attrs.get("method", "exact")
    grid = _limit_grid(float(frame["n"].min()), float(frame["n"].max()))
    lo95, hi95 = metrics.funnel_limits(p0, grid, 1.96, method=method)
    lo998, hi998 = metrics.funnel_limits(p0, grid, 3.09, method=method)
    limits = pd.concat(
        [
            pd.DataFrame({"n": grid, "limit": 100 * lo95, "line": "95% limits", "side": "lower"}),
            pd.DataFrame({"n": grid, "limit": 100 * hi95, "line": "95% limits", "side": "upper"}),
            pd.DataFrame({"n": grid, "limit": 100 * lo998, "line": "99.8% limits", "side": "lower"}),
            pd.DataFrame({"n": grid, "limit": 100 * hi998, "line": "99.8% limits", "side": "upper"}),
        ]
    ).round(3)
    pts = frame[["unit", "n", "successes", "rate_pct", "status", "outside95"]].copy()
    x_lo, x_hi = float(grid.min()), float(grid.max())
    key = [pts["n"], pts["successes"]]
    size = pts.groupby(key)["unit"].transform("size")
    pos = pts.groupby(key).cumcount()
    step = max(0.3, 0.012 * (x_hi - x_lo))
    pts["x"] = (pts["n"] + step * (pos - (size - 1) / 2)).round(3)
    pts["shared_with"] = pts.groupby(key)["unit"].transform(lambda u: ", ".join(u))
    stacked = int((size > 1).sum())
    lowest = float(min(pts["rate_pct"].min(), limits["limit"].min()))
    y_min = 0.0 if lowest < 40 else float(10 * math.floor((lowest - 5) / 10))
    y_scale = alt.Scale(domain=[y_min, 100])
    curves = (
        alt.Chart(limits)
        .mark_line(color="#555", strokeWidth=1.5)
        .encode(
            x=alt.X("n:Q", title=n_title, scale=alt.Scale(domain=[x_lo, x_hi], nice=False)),
            y=alt.Y("limit:Q", scale=y_scale, title=what),
            detail="side:N",
            strokeDash=alt.StrokeDash("line:N", title=None, scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[6, 4], [2, 2]])),
        )
    )
    order = ["within", "watch", "below", "above"]
    points = (
        alt.Chart(pts)
        .mark_point(filled=True, opacity=0.85)
        .encode(
            x=alt.X("x:Q", title=n_title),
            y=alt.Y("rate_pct:Q", title=what, scale=y_scale),
            color=alt.Color("status:N", title="status", scale=alt.Scale(domain=order, range=["#9a9a9a", charts.PALETTE[1], charts.PALETTE[3], charts.PALETTE[2]])),
            shape=alt.Shape("status:N", scale=alt.Scale(domain=order, range=["circle", "diamond", "triangle-down", "triangle-up"])),
            size=alt.Size("status:N", title="status", scale=alt.Scale(domain=order, range=[45, 90, 110, 110])),
            tooltip=["unit", "n", "successes", "rate_pct", "status", "shared_with"],
        )
    )
    labelled = pts[pts["outside95"]].drop_duplicates(["n", "successes"]).sort_values("rate_pct", ascending=False).copy()
    # nudge labels apart: at least 12 px between labels that sit near each other horizontally
    per_px = (100 - y_min) / height
    label_y: list[float] = []
    for x, y in zip(labelled["n"], labelled["rate_pct"]):
        near = [ly for lx, ly in zip(labelled["n"], label_y) if abs(lx - x) < 0.25 * (x_hi - x_lo)]
        while any(abs(y - ly) < 12 * per_px for ly in near):
            y -= 12 * per_px
        label_y.append(float(y))
    labelled["label_y"] = label_y
    labels = (
        alt.Chart(labelled)
        .mark_text(align="left", dx=7, dy=-6, fontSize=10, color="#333")
        .encode(x="n:Q", y=alt.Y("label_y:Q", scale=y_scale), text="shared_with:N")
    )
    team = pd.DataFrame({"v": [100 * p0]})
    team_line = alt.Chart(team).mark_rule(color="#222", strokeWidth=1).encode(y="v:Q")
    n_out95 = int(frame["outside95"].sum())
    n_out998 = int(frame["outside998"].sum())
    limits_word = "exact binomial" if method == "exact" else "normal-approximation"
    chart = alt.LayerChart(layer=[curves, team_line, points, labels])
    axis_note = "" if y_min == 0 else f"; the y-axis starts at {y_min:.0f}%"
    return chart.properties(
        title=alt.Title("Funnel plot", subtitle=[
            f"solid line: the pooled rate, {100 * p0:.1f}%; {limits_word} 95% (dashed) and 99.8% (dotted) limits{axis_note}",
            "points inside the funnel are consistent with chance"]),
        width=width,
        height=height,
        description=(
            f"Funnel plot of {len(frame)} {units}: {what} against {n_title}, with {limits_word} 95% and 99.8% "
            f"limits around the pooled rate of {100 * p0:.1f}%; the y-axis starts at {y_min:.0f}%. "
            f"Outside the 95% limits (labelled): {n_out95} of {len(frame)} {units}; outside the 99.8% limits: {n_out998}."
            + (f" Points that share a position ({stacked} of the {units}) are spread sideways a little." if stacked else "")
        ),
    )


# ======================================================================================
# 3. Scoring a metric set (notebook 03)
# ======================================================================================


FlagWhen = Literal["above", "below"]


@dataclass(frozen=True)
class Guardrail:
    """A counter-metric with a limit, read as the rule it applies.

    ``Guardrail("repeat_pct", 25, flag_when="above")`` flags an agent whose repeat
    contacts are above 25 %; ``Guardrail("fcr_pct", 65, flag_when="below")`` flags
    first-contact resolution below 65 %. The limit itself is not a breach (strictly
    above or below). A missing value is not a breach.
    """

    metric: str
    limit: float
    flag_when: FlagWhen = "above"

    def __post_init__(self) -> None:
        if self.flag_when not in ("above", "below"):
            raise ValueError(
                f"flag_when must be 'above' or 'below' (flag the agent when {self.metric} is above or below "
                f"{self.limit:g}); got {self.flag_when!r}"
            )

    def breached(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Boolean array: True where ``values`` are strictly beyond the limit."""
        v = np.asarray(values, dtype=float)
        return v > self.limit if self.flag_when == "above" else v < self.limit

    @property
    def label(self) -> str:
        return f"{self.metric} {'>' if self.flag_when == 'above' else '<'} {self.limit:g}"


@dataclass(frozen=True)
class MetricSet:
    """A primary metric plus counter-metrics (Grove's paired indicators).

    ``primary`` is the metric the team is steered by, ``primary_better`` its good
    direction. An agent is *flagged* when any counter-metric breaches its limit: a
    prompt for a conversation (call reviews, coaching), not a verdict.
    """

    primary: str
    primary_better: Better = "lower"
    counters: tuple[Guardrail, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if self.primary_better not in ("higher", "lower"):
            raise ValueError(f"primary_better must be 'higher' or 'lower'; got {self.primary_better!r}")
        object.__setattr__(self, "counters", tuple(self.counters))

    @property
    def label(self) -> str:
        pairs = "; ".join(g.label for g in self.counters) or "no counter-metrics"
        return f"{self.name or self.primary} ({pairs})"


#: Average handle time paired with repeat contacts and first-contact resolution.
DEFAULT_METRIC_SET = MetricSet(
    primary="handle_time_min",
    primary_better="lower",
    counters=(Guardrail("repeat_pct", 25.0, flag_when="above"), Guardrail("fcr_pct", 65.0, flag_when="below")),
    name="handle time with two counter-metrics",
)



def flag_agents(agents: pd.DataFrame, metric_set: MetricSet = DEFAULT_METRIC_SET) -> pd.DataFrame:
    """Apply a metric set to per-agent metrics.

    Returns ``agents`` with one boolean column per counter-metric (named by its label,
    e.g. ``"repeat_pct > 25"``), ``flagged`` (any breach) and ``reasons`` (the breached
    labels, joined by "; "). With no counter-metrics nobody is flagged.
    """
    _require(agents, [metric_set.primary, *(g.metric for g in metric_set.counters)], "the agents frame")
    out = agents.copy()
    flagged = np.zeros(len(out), dtype=bool)
    reasons = np.full(len(out), "", dtype=object)
    for g in metric_set.counters:
        hit = g.breached(out[g.metric])
        out[g.label] = hit
        flagged |= hit
        reasons = np.where(hit, np.where(reasons == "", g.label, reasons + "; " + g.label), reasons)
    out["flagged"] = flagged
    out["reasons"] = reasons
    return out


@dataclass(frozen=True)
class ScoreCard:
    """How well a metric set separates gaming from honest agents (see :func:`score_metric_set`)."""

    metric_set: str
    agents: int
    gamers: int
    gamers_flagged: int
    honest: int
    honest_flagged: int
    corr_all: float
    corr_unflagged: float
    useful_threshold: float = 0.3

    @property
    def primary_useful(self) -> bool:
        """The primary metric still points the right way among the agents left unflagged
        (rank correlation with the outcome at least ``useful_threshold``, 0.3, a common
        rule of thumb for a moderate association) **and** the set protects it: when there
        are gamers, at least one is caught. A set that catches none leaves every gamer
        in the "unflagged" group, so a correlation there says nothing about protection."""
        protected = self.gamers == 0 or self.gamers_flagged > 0
        return bool(protected and np.isfinite(self.corr_unflagged) and self.corr_unflagged >= self.useful_threshold)

    @property
    def verdict(self) -> str:
        """"still useful", or why not, in a few words."""
        if self.gamers > 0 and self.gamers_flagged == 0:
            return "not protected: no gamer is caught"
        if not np.isfinite(self.corr_unflagged):
            return "not useful: too few agents left unflagged"
        if self.corr_unflagged < self.useful_threshold:
            return f"not useful: rank correlation below {self.useful_threshold:g}"
        return "still useful"

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric set": self.metric_set,
            "gamers flagged": f"{self.gamers_flagged} of {self.gamers}",
            "honest agents flagged": f"{self.honest_flagged} of {self.honest}",
            "rank corr., all agents": round(self.corr_all, 2),
            "rank corr., unflagged": round(self.corr_unflagged, 2),
            "primary": self.verdict,
        }

    def __str__(self) -> str:
        return (
            f"{self.metric_set}: flags {self.gamers_flagged} of {self.gamers} gaming agents and "
            f"{self.honest_flagged} of {self.honest} honest agents; rank correlation of the primary metric "
            f"with the customer outcome: {self.corr_all:+.2f} for all agents, {self.corr_unflagged:+.2f} for the "
            f"unflagged ({self.verdict})."
        )


def _oriented_corr(primary: np.ndarray, outcome: np.ndarray, better: Better) -> float:
    if primary.size < 3:
        return float("nan")
    sign = 1.0 if better == "higher" else -1.0
    return float(spearman(sign * primary, outcome))


def _breaches(agents: pd.DataFrame, metric_set: MetricSet) -> np.ndarray:
    """Boolean array: agents breaching at least one counter-metric of the set."""
    _require(agents, [metric_set.primary, *(g.metric for g in metric_set.counters)], "the agents frame")
    hit = np.zeros(len(agents), dtype=bool)
    for g in metric_set.counters:
        hit |= g.breached(agents[g.metric].to_numpy(dtype=float))
    return hit


def _score(agents: pd.DataFrame, metric_set: MetricSet, hit: np.ndarray, truth: str, outcome: str) -> ScoreCard:
    _require(agents, [truth, outcome], "score_metric_set")
    is_gamer = agents[truth].to_numpy(dtype=bool)
    primary = agents[metric_set.primary].to_numpy(dtype=float)
    result = agents[outcome].to_numpy(dtype=float)
    return ScoreCard(
        metric_set=metric_set.label,
        agents=len(agents),
        gamers=int(is_gamer.sum()),
        gamers_flagged=int((is_gamer & hit).sum()),
        honest=int((~is_gamer).sum()),
        honest_flagged=int((~is_gamer & hit).sum()),
        corr_all=_oriented_corr(primary, result, metric_set.primary_better),
        corr_unflagged=_oriented_corr(primary[~hit], result[~hit], metric_set.primary_better),
    )


def score_metric_set(
    agents: pd.DataFrame,
    metric_set: MetricSet = DEFAULT_METRIC_SET,
    *,
    truth: str = "gamer",
    outcome: str | None = None,
) -> ScoreCard:
    """Score a metric set against agents whose gaming status is known.

    * ``gamers_flagged`` / ``gamers``: gaming agents (``truth`` column True) caught by
      at least one counter-metric (true positives);
    * ``honest_flagged`` / ``honest``: honest agents flagged anyway (false alarms);
    * ``corr_all`` and ``corr_unflagged``: Spearman correlation between the primary
      metric (oriented so that positive means "better on the primary goes with a better
      outcome") and the customer ``outcome`` column, over all agents and over the
      agents the set leaves unflagged. The primary metric is called still useful when
      the latter is at least 0.3 (a rule of thumb).

    For the simulated team the outcome is the hidden ``true_fcr_pct`` (used when
    ``outcome`` is not given and the column exists); for sample data, where no hidden
    truth exists, pass ``outcome="fcr_pct"``. The outcome must not be the primary metric
    itself (that correlation is +1 by construction).
    """
    outcome = _outcome_column(agents, metric_set, outcome)
    return _score(agents, metric_set, _breaches(agents, metric_set), truth, outcome)


def _outcome_column(agents: pd.DataFrame, metric_set: MetricSet, outcome: str | None) -> str:
    """The outcome column to score against, or a one-line error naming what to pass."""
    if outcome is None:
        if "true_fcr_pct" in agents.columns:
            outcome = "true_fcr_pct"
        else:
            raise ValueError(
                "score_metric_set needs outcome=: the column holding the customer outcome, for example "
                "outcome='fcr_pct' for measured data (outcome='true_fcr_pct' for the simulated team); "
                f"columns here: {', '.join(map(str, agents.columns))}"
            )
    if outcome == metric_set.primary:
        raise ValueError(
            f"the primary metric and the outcome are the same column ({outcome!r}): a metric always agrees "
            "with itself (rank correlation +1), so this says nothing; pick another primary or outcome"
        )
    return outcome


#: Axis titles for the per-agent columns used by the scorecards.
_AXIS_TITLES = {
    "handle_time_min": "average handle time (min)",
    "fcr_pct": "first-contact resolution (%)",
    "true_fcr_pct": "true resolution rate (%)",
    "repeat_pct": "repeat contacts within 7 days (%)",
    "csat_pct": "CSAT, top-2-box (%)",
}


def scorecard_chart(
    agents: pd.DataFrame,
    metric_set: MetricSet = DEFAULT_METRIC_SET,
    *,
    truth: str = "gamer",
    outcome: str | None = None,
    title: str = "Scorecard",
    width: int = 300,
    height: int = 230,
) -> FastChart:
    """One point per agent: primary metric (better to the right) against the customer
    outcome; orange when the metric set flags the agent, a triangle when the agent
    really games (the hidden truth). The subtitle gives the score."""
    outcome = _outcome_column(agents, metric_set, outcome)
    hit = _breaches(agents, metric_set)
    card = _score(agents, metric_set, hit, truth, outcome)
    ids = agents["agent_id"] if "agent_id" in agents else pd.Series(np.arange(len(agents)).astype(str))
    data = pd.DataFrame(
        {
            "agent_id": ids.to_numpy(),
            "primary": agents[metric_set.primary].to_numpy(dtype=float),
            "outcome": agents[outcome].to_numpy(dtype=float),
            "truth": np.where(agents[truth].to_numpy(dtype=bool), "gaming", "honest"),
            "metric set": np.where(hit, "flagged", "not flagged"),
        }
    )
    corr = "n/a" if not np.isfinite(card.corr_unflagged) else f"{card.corr_unflagged:+.2f}"
    spec = {
        "data": {"values": _records(data)},
        "mark": {"type": "point", "size": 70, "filled": True, "opacity": 0.85},
        "encoding": {
            "x": _q("primary", _AXIS_TITLES.get(metric_set.primary, metric_set.primary) + (", better to the right" if metric_set.primary_better == "lower" else ""),
                    scale={"zero": False, "reverse": metric_set.primary_better == "lower"}, axis={"tickCount": 5}),
            "y": _q("outcome", _AXIS_TITLES.get(outcome, outcome), scale={"zero": False}, axis={"tickCount": 5}),
            "shape": _n("truth", "truth", scale={"domain": ["honest", "gaming"], "range": ["circle", "triangle-up"]}),
            "color": _n("metric set", "metric set", scale={"domain": ["not flagged", "flagged"], "range": ["#8c8c8c", charts.PALETTE[5]]}),
        },
        "title": {
            "text": title,
            "subtitle": [
                f"flags {card.gamers_flagged} of {card.gamers} gaming, {card.honest_flagged} of {card.honest} honest agents",
                f"rank correlation with the outcome, unflagged agents: {corr} ({card.verdict})",
            ],
        },
        "width": width,
        "height": height,
        "description": f"Scatter plot of {card.agents} agents, {metric_set.primary} against {outcome}. {card}",
    }
    return FastChart(spec)


def build_metric_set(
    primary: str = "handle_time_min",
    repeat_limit: float | None = 25.0,
    fcr_limit: float | None = 65.0,
    csat_limit: float | None = None,
) -> MetricSet:
    """A metric set from widget-style choices: a primary metric and optional limits for
    the three counter-metrics (``None`` leaves one out). Handle time is better lower;
    ``csat_pct`` and ``fcr_pct`` as primaries are better higher."""
    counters = []
    if repeat_limit is not None:
        counters.append(Guardrail("repeat_pct", float(repeat_limit), flag_when="above"))
    if fcr_limit is not None:
        counters.append(Guardrail("fcr_pct", float(fcr_limit), flag_when="below"))
    if csat_limit is not None:
        counters.append(Guardrail("csat_pct", float(csat_limit), flag_when="below"))
    better: Better = "lower" if primary == "handle_time_min" else "higher"
    return MetricSet(primary, better, tuple(counters), name=primary)


def scorecard_view(
    sources: Mapping[str, tuple[pd.DataFrame, str]],
    primary: str = "handle_time_min",
    repeat_limit: float | None = 25.0,
    fcr_limit: float | None = 65.0,
    csat_limit: float | None = None,
) -> FastChart:
    """Widget callback of notebook 03: build a metric set (:func:`build_metric_set`)
    and show one :func:`scorecard_chart` per data source side by side.

    ``sources`` maps a panel title to ``(agents, outcome column)``; each agents frame
    needs a boolean ``gamer`` column (the known truth). A panel whose outcome is the
    chosen primary metric is refused with a note instead of a chart: a metric scored
    against itself always looks perfect.
    """
    metric_set = build_metric_set(primary, repeat_limit, fcr_limit, csat_limit)
    panels: list[dict[str, Any]] = []
    for title, (frame, outcome) in sources.items():
        if outcome == primary:
            note = (f"{title}: the primary metric ({primary}) is this panel's customer outcome; a metric scored "
                    "against itself always agrees (+1). Choose another primary metric.")
            lines = f"The primary metric ({primary})|is this panel's customer outcome:|a metric scored against itself|always agrees (+1).|Choose another primary metric."
            panels.append({"data": {"values": [{"text": lines}]},
                           "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 12, "lineBreak": "|", "x": 5, "y": 20},
                           "encoding": {"text": _n("text")}, "title": {"text": title, "subtitle": "not scored"},
                           "width": 250, "height": 210, "description": note})
            continue
        panels.append(scorecard_chart(frame, metric_set, outcome=outcome, title=title, width=250, height=210).spec)
    return FastChart(
        {
            "hconcat": [{k: v for k, v in p.items() if k not in ("$schema", "config", "description")} for p in panels],
            "description": " ".join(str(p["description"]) for p in panels),
        }
    )


# --------------------------------------------------------------------------- cross-selling

#: The account-level signals a learner can choose as counter-metrics, with what they mean.
FAKE_ACCOUNT_SIGNALS: dict[str, str] = {
    "no_customer_activity": "no customer-initiated transaction within 90 days of opening",
    "fee_refunded": "a fee charged on the account was later refunded",
    "complaint": "the customer complained about the account",
    "eight_plus_products": "the customer now holds eight or more products (the sales goal itself)",
}


def cross_sell_scenario(
    n_employees: int = 40,
    customers_per_employee: int = 30,
    pressured_share: float = 0.2,
    fake_rate: float = 1.5,
    seed: int = 42,
) -> pd.DataFrame:
    """Accounts opened by bankers under a products-per-customer goal (the Wells Fargo
    pattern described in the CFPB's 2016 consent order; the numbers here are invented).

    Model: each banker serves ``customers_per_employee`` customers. Every customer
    already holds ``1 + Poisson(3)`` products and opens ``1 + Poisson(0.6)`` genuine new
    accounts. A planted share ``pressured_share`` of bankers also opens, per customer,
    ``Poisson(fake_rate * u)`` accounts the customer never asked for, where ``u`` is a
    per-banker intensity drawn uniformly from 0.3 to 1.7 (some cut more corners). Per account, the chance
    of each signal:

    ============================== ======== =======
    signal                          genuine  fake
    ============================== ======== =======
    no customer-initiated activity    0.12   0.92
    fee refunded                      0.02   0.25
    complaint                         0.01   0.08
    ============================== ======== =======

    Most customers never noticed, so complaints are rare even on fake accounts; dormant
    genuine accounts are common, so inactivity alone also flags honest business.
    ``eight_plus_products`` (the customer's total holdings reach eight) is the goal
    itself. Columns: ``account_id``, ``employee``, ``customer``, ``pressured`` (the
    banker), one boolean per signal of :data:`FAKE_ACCOUNT_SIGNALS`, and ``fake`` (the
    planted truth).
    """
    n_employees = _count(n_employees, "n_employees", 2)
    customers_per_employee = _count(customers_per_employee, "customers_per_employee", 1)
    pressured_share = _unit(pressured_share, "pressured_share")
    if fake_rate < 0:
        raise ValueError(f"fake_rate must be >= 0; got {fake_rate}")
    rng = np.random.default_rng(seed)
    n_pressured = int(round(pressured_share * n_employees))
    if pressured_share > 0:  # a small bank still gets one planted banker
        n_pressured = max(1, n_pressured)
    pressured = np.zeros(n_employees, dtype=bool)
    pressured[rng.choice(n_employees, n_pressured, replace=False)] = True

    n_cust = n_employees * customers_per_employee
    cust_emp = np.repeat(np.arange(n_employees), customers_per_employee)
    held = 1 + rng.poisson(3.0, n_cust)
    genuine_new = 1 + rng.poisson(0.6, n_cust)
    intensity = fake_rate * rng.uniform(0.3, 1.7, n_employees)  # pressured bankers differ
    fake_new = np.where(pressured[cust_emp], rng.poisson(intensity[cust_emp]), 0)
    total = held + genuine_new + fake_new

    per_cust = genuine_new + fake_new
    cust_of_acct = np.repeat(np.arange(n_cust), per_cust)
    # within each customer: the first genuine_new accounts are genuine, the rest fake
    offset = np.arange(cust_of_acct.size) - np.repeat(np.cumsum(per_cust) - per_cust, per_cust)
    fake = offset >= genuine_new[cust_of_acct]
    m = cust_of_acct.size
    p = {
        "no_customer_activity": np.where(fake, 0.92, 0.12),
        "fee_refunded": np.where(fake, 0.25, 0.02),
        "complaint": np.where(fake, 0.08, 0.01),
    }
    emp_ids = _agent_ids(n_employees, "B")
    frame = pd.DataFrame(
        {
            "account_id": [f"AC{i + 1:05d}" for i in range(m)],
            "employee": emp_ids[cust_emp[cust_of_acct]],
            "customer": [f"C{c + 1:05d}" for c in cust_of_acct],
            "pressured": pressured[cust_emp[cust_of_acct]],
            "no_customer_activity": rng.random(m) < p["no_customer_activity"],
            "fee_refunded": rng.random(m) < p["fee_refunded"],
            "complaint": rng.random(m) < p["complaint"],
            "eight_plus_products": total[cust_of_acct] >= 8,
            "fake": fake,
        }
    )
    frame.attrs["products_before"] = pd.Series(held, index=[f"C{c + 1:05d}" for c in range(n_cust)])
    return frame


def detect_fake_accounts(accounts: pd.DataFrame, signals: Iterable[str]) -> pd.Series:
    """Accounts flagged by any of the chosen ``signals`` (names from
    :data:`FAKE_ACCOUNT_SIGNALS`). An empty choice flags nothing."""
    chosen = list(dict.fromkeys(signals))
    unknown = [s for s in chosen if s not in FAKE_ACCOUNT_SIGNALS]
    if unknown:
        raise ValueError(f"unknown signal(s) {', '.join(map(repr, unknown))}; choose from {', '.join(FAKE_ACCOUNT_SIGNALS)}")
    hit = np.zeros(len(accounts), dtype=bool)
    for s in chosen:
        hit |= accounts[s].to_numpy(dtype=bool)
    return pd.Series(hit, index=accounts.index, name="flagged")


def score_fake_account_detection(accounts: pd.DataFrame, signals: Iterable[str]) -> dict[str, Any]:
    """How many planted fake accounts a chosen set of signals detects.

    Returns ``signals`` (the choice), ``fakes``, ``fakes_detected``, ``detection_rate``
    (fraction of fakes flagged), ``genuine``, ``genuine_flagged`` and
    ``false_alarm_rate`` (fraction of genuine accounts flagged: the review workload
    that lands on honest business).
    """
    chosen = list(dict.fromkeys(signals))
    hit = detect_fake_accounts(accounts, chosen).to_numpy()
    fake = accounts["fake"].to_numpy(dtype=bool)
    fakes, genuine = int(fake.sum()), int((~fake).sum())
    return {
        "signals": chosen,
        "fakes": fakes,
        "fakes_detected": int((hit & fake).sum()),
        "detection_rate": float((hit & fake).sum() / fakes) if fakes else float("nan"),
        "genuine": genuine,
        "genuine_flagged": int((hit & ~fake).sum()),
        "false_alarm_rate": float((hit & ~fake).sum() / genuine) if genuine else float("nan"),
    }


def employee_summary(accounts: pd.DataFrame) -> pd.DataFrame:
    """Per banker: ``accounts`` opened, ``customers``, ``new_per_customer`` (the sales
    metric), ``active_pct`` (share of new accounts with customer-initiated activity:
    the counter-metric), ``refund_pct``, ``complaint_pct`` and ``pressured`` (planted)."""
    g = accounts.groupby("employee", sort=True)
    out = pd.DataFrame(
        {
            "accounts": g.size(),
            "customers": g["customer"].nunique(),
            "active_pct": (100 * (1 - g["no_customer_activity"].mean())).round(1),
            "refund_pct": (100 * g["fee_refunded"].mean()).round(1),
            "complaint_pct": (100 * g["complaint"].mean()).round(1),
            "pressured": g["pressured"].first(),
        }
    )
    out["new_per_customer"] = (out["accounts"] / out["customers"]).round(2)
    return out.reset_index()[["employee", "accounts", "customers", "new_per_customer", "active_pct", "refund_pct", "complaint_pct", "pressured"]]


def cross_sell_chart(summary: pd.DataFrame, *, width: int = 420, height: int = 280) -> alt.Chart:
    """Bankers' sales metric (new accounts per customer) against the counter-metric
    (share of those accounts the customer ever used), shaped by the planted truth."""
    charts.ensure_small(summary, "banker summary")
    data = summary.assign(group=np.where(summary["pressured"], "planted: opens fake accounts", "honest"))
    top = summary.sort_values("new_per_customer", ascending=False).head(max(1, len(summary) // 5))
    return (
        alt.Chart(data)
        .mark_point(size=70, filled=True)
        .encode(
            x=alt.X("new_per_customer:Q", title="new accounts per customer (the sales metric)", scale=alt.Scale(zero=False)),
            y=alt.Y("active_pct:Q", title="new accounts the customer used (%)", scale=alt.Scale(zero=False)),
            color=alt.Color("group:N", title=None, scale=alt.Scale(domain=["honest", "planted: opens fake accounts"], range=[charts.PALETTE[0], charts.PALETTE[5]]), legend=alt.Legend(orient="bottom")),
            shape=alt.Shape("group:N", title=None, scale=alt.Scale(domain=["honest", "planted: opens fake accounts"], range=["circle", "triangle-up"])),
            tooltip=["employee", "new_per_customer", "active_pct", "refund_pct", "complaint_pct"],
        )
        .properties(
            title=alt.Title("Top sellers, and what their customers did with the accounts"),
            width=width,
            height=height,
            description=(
                f"Scatter plot of {len(summary)} bankers: new accounts per customer against the share of those "
                f"accounts with customer-initiated activity. The top fifth by sales has a median activity share of "
                f"{top['active_pct'].median():.0f}%, against {summary['active_pct'].median():.0f}% for all bankers."
            ),
        )
    )
