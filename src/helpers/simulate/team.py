"""A team under a target (notebook 01): :func:`simulate_team`, :func:`team_summary`,
:func:`team_chart`, :func:`team_view`, :func:`pressure_sweep`, :func:`sweep_chart`.

An illustration of Goodhart (1975), Campbell (1976) and Seddon's failure demand, not a
calibrated forecast of any real organisation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import altair as alt
import numpy as np
import pandas as pd

from .. import charts
from ..charts import FastChart
from ._common import _agent_ids, _count, _q, _records, _rule, _unit


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
