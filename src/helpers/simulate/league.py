"""League tables of noise (notebook 02): :func:`league_table`,
:func:`top_quartile_persistence`, :func:`spearman`, :func:`rank_stability`,
:func:`league_chart`, :func:`stability_chart`, :func:`league_view`, and funnel plots
(Spiegelhalter): :func:`agent_csat_counts`, :func:`funnel_frame`, :func:`funnel_chart`."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Iterable, Literal, Sequence

import altair as alt
import numpy as np
import pandas as pd

from .. import charts, metrics
from ..validate import require_columns as _require
from ..charts import FastChart
from ._common import _agent_ids, _count, _n, _q, _records, _rule, _unit


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
