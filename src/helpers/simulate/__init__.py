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

One module per notebook: ``team`` (01), ``league`` (02), ``metric_sets`` (03), plus
``_common`` (private validation and chart helpers). Everything is re-exported here, so
``from helpers import simulate; simulate.simulate_team(...)`` keeps working.
"""

from __future__ import annotations

from ..charts import FastChart
from ._common import Better, _agent_ids, _count, _n, _q, _records, _rule, _unit
from .league import (
    _STABILITY_LABELS,
    _average_ranks,
    _cached_stability_spec,
    _limit_grid,
    _quartile_size,
    _ranks,
    agent_csat_counts,
    funnel_chart,
    funnel_frame,
    league_chart,
    league_table,
    league_view,
    rank_stability,
    spearman,
    stability_chart,
    top_quartile_persistence,
)
from .metric_sets import (
    _AXIS_TITLES,
    DEFAULT_METRIC_SET,
    FAKE_ACCOUNT_SIGNALS,
    FlagWhen,
    Guardrail,
    MetricSet,
    ScoreCard,
    _breaches,
    _oriented_corr,
    _outcome_column,
    _score,
    build_metric_set,
    cross_sell_chart,
    cross_sell_scenario,
    detect_fake_accounts,
    employee_summary,
    flag_agents,
    score_fake_account_detection,
    score_metric_set,
    scorecard_chart,
    scorecard_view,
)
from .team import (
    _TEAM_PANELS,
    AUDIT_CATCH_PER_CONTACT,
    GAMED_HANDLE_TIME,
    GAMED_RESOLUTION,
    GAMER_THRESHOLD,
    HONEST_HANDLE_TIME,
    HONEST_RESOLUTION,
    MAX_GAMED_SHARE,
    TeamRun,
    pressure_sweep,
    simulate_team,
    sweep_chart,
    team_chart,
    team_summary,
    team_view,
)


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

# Module constants and private helpers stay reachable as ``simulate.NAME`` (as before the
# split into modules); they are not part of ``__all__``.
_REEXPORTED = (
    Better, FlagWhen, _agent_ids, _count, _n, _q, _records, _rule, _unit,
    _STABILITY_LABELS, _average_ranks, _cached_stability_spec, _limit_grid, _quartile_size, _ranks,
    _AXIS_TITLES, _breaches, _oriented_corr, _outcome_column, _score,
    _TEAM_PANELS, AUDIT_CATCH_PER_CONTACT, GAMED_HANDLE_TIME, GAMED_RESOLUTION, GAMER_THRESHOLD,
    HONEST_HANDLE_TIME, HONEST_RESOLUTION, MAX_GAMED_SHARE,
)
