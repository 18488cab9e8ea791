"""Sample data for the workbook: seeded, vectorized generators and validated loading.

Every dataset is made by a function ``make_<name>(seed=42, **sizes)`` from
``numpy.random.default_rng(seed)``; the same seed and sizes always give the same frame. The
generators plant patterns on purpose (gaming agents, Simpson's paradox, survey non-response,
summer melt, cohort shaping, teaching to the test, ...); ``data/README.md`` lists them and
:func:`planted` returns the hidden facts behind them for a given seed (which agents game,
which section teaches to the test, ...).

A seed is one organisation (a support centre, a business, an institution, a district): its
base rates are drawn around the published or illustrative targets (:func:`_rate`,
:func:`_mix`), so every rate a metric or counter-metric watches varies from seed to seed as
it would between real organisations. The single-period generators take ``period``: another
period of the *same* organisation (same agents, customers, sections, schools and teachers;
new draws of behaviour). Generators whose metric can be gamed take ``gaming`` (0 = honest).
Where a planted *relative* pattern must hold for every seed, the generators draw
*stratified* uniforms within the organisation (within a group of ``m`` rows exactly one
uniform falls in each interval ``[k/m, (k+1)/m)``), so the pattern cannot vanish by chance
while which rows are affected stays random.

Notebooks call :func:`load`::

    df = load("customer_survey", seed=7)                    # generated from the seed
    df = load("customer_survey", data_dir="my_data")        # my_data/customer_survey.csv

Both paths go through the validator in :mod:`helpers.validate`, so a generated frame is
identical, dtypes included, to the committed CSV for seed 42.

Command line: ``python -m helpers.data --seed 42 --out data [--only NAME ...] [--size NAME=N ...]``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from helpers.validate import (
    EXCLUSIONS,
    FINAL_RESULTS,
    SCHEMAS,
    SEGMENTS,
    TALIS_ITEMS,
    TALIS_REVERSED,
    DataValidationError,
    UnknownKindError,
    frame_to_csv_text,
    read_csv_validated,
)

__all__ = [
    "DATASETS",
    "DataValidationError",
    "generate",
    "load",
    "main",
    "planted",
    "size_parameters",
    "write_all",
    *(f"make_{n}" for n in SCHEMAS),
]

Frame: TypeAlias = pd.DataFrame
Truth: TypeAlias = dict[str, Any]


# --------------------------------------------------------------------------------------
# Small vectorized helpers
# --------------------------------------------------------------------------------------


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _codes(*groups: np.ndarray) -> np.ndarray:
    """One integer code per row for the combination of several group arrays."""
    code = np.zeros(len(groups[0]), dtype="int64")
    for g in groups:
        _, inv = np.unique(g, return_inverse=True)
        code = code * (int(inv.max()) + 1 if len(inv) else 1) + inv
    return code


def _strat_uniform(rng: np.random.Generator, *groups: np.ndarray, n: int | None = None) -> np.ndarray:
    """Uniforms in [0, 1) stratified within each group (all rows one group if none given).

    In a group of ``m`` rows exactly one value falls in each ``[k/m, (k+1)/m)``, in random
    order, so ``u < p`` selects ``m * p`` rows give or take one.
    """
    if not groups:
        assert n is not None
        groups = (np.zeros(n, dtype="int64"),)
    code = _codes(*groups)
    size = len(code)
    perm = rng.permutation(size)
    order = perm[np.argsort(code[perm], kind="stable")]
    counts = np.bincount(code)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(size, dtype="float64")
    rank[order] = np.arange(size) - np.repeat(starts, counts)
    return (rank + rng.random(size)) / counts[code]


def _rank_within(group: np.ndarray, score: np.ndarray) -> np.ndarray:
    """0-based rank of each row's score within its group (lowest score = 0)."""
    order = np.lexsort((score, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    counts = np.diff(np.r_[starts, len(g)])
    rank = np.empty(len(g), dtype="int64")
    rank[order] = np.arange(len(g)) - np.repeat(starts, counts)
    return rank


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float | np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype="float64")
    return np.log(p / (1 - p))


def _ids(prefix: str, n: int, width: int = 4) -> np.ndarray:
    """``prefix`` + zero-padded 1..n (wider if needed)."""
    width = max(width, len(str(n)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def _pick(values: Sequence[str], idx: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=object)[idx]


def _choice_idx(rng: np.random.Generator, probs: Sequence[float] | np.ndarray, n: int,
                u: np.ndarray | None = None) -> np.ndarray:
    """Category index per row by inverse CDF (pass stratified ``u`` for exact shares)."""
    cdf = np.cumsum(probs)
    cdf = cdf / cdf[-1]
    if u is None:
        u = rng.random(n)
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(probs) - 1)


def _ordinal(latent: np.ndarray, cuts: Sequence[float], low: int = 1) -> np.ndarray:
    """Map a continuous latent to integers ``low, low+1, ...`` by ascending cut points."""
    return low + np.searchsorted(np.asarray(cuts), latent, side="right")


def _finish(kind: str, cols: dict[str, Any]) -> Frame:
    """Build the frame in schema order with the validator's dtypes."""
    schema = SCHEMAS[kind]
    out: dict[str, Any] = {}
    for c in schema.columns:
        v = cols[c.name]
        if c.kind in ("int", "bool"):
            arr = np.asarray(v, dtype="float64")
            out[c.name] = pd.array(arr, dtype="Int64") if c.nullable else arr.astype("int64")
        elif c.kind == "float":
            out[c.name] = np.asarray(v, dtype="float64")
        elif c.kind == "category":
            out[c.name] = pd.Categorical(np.asarray(v, dtype=object), categories=list(c.allowed),
                                         ordered=c.ordered)
        elif c.kind == "date":
            out[c.name] = np.asarray(v).astype("datetime64[us]")
        else:
            out[c.name] = pd.array(np.asarray(v, dtype=object), dtype="str")
    missing = set(cols) - set(out)
    if missing:  # pragma: no cover - a generator bug
        raise AssertionError(f"{kind}: columns not in the schema: {sorted(missing)}")
    return pd.DataFrame(out)


def _weekdays(start: str, n_days: int) -> np.ndarray:
    days = np.datetime64(start) + np.arange(n_days)
    return days[np.is_busday(days)]


def _rate(org: np.random.Generator, target: float, sd: float = 0.15) -> float:
    """An organisation's own rate: ``target`` moved on the logit scale by ``N(0, sd)``.

    Real organisations differ: one centre resolves 71% of contacts at first contact, the
    next 77%. Each seed is one organisation, so its base rates are drawn around the
    published or illustrative target once, and every period of it shares them.
    """
    return float(_sigmoid(_logit(target) + sd * org.standard_normal()))


def _mix(org: np.random.Generator, shares: Sequence[float], concentration: float = 300.0) -> np.ndarray:
    """An organisation's own category mix: Dirichlet around ``shares`` (sd about
    ``sqrt(p (1 - p) / concentration)``)."""
    p = np.asarray(shares, dtype="float64")
    return np.asarray(org.dirichlet(concentration * p / p.sum()), dtype="float64")


def _check_period(period: object) -> int:
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 0:
        raise ValueError(f"period must be a non-negative integer, got {period!r}")
    return int(period)


def _check_gaming(gaming: object) -> float:
    if isinstance(gaming, bool) or not isinstance(gaming, (int, float, np.integer, np.floating)) \
            or not 0 <= float(gaming) <= 3:
        raise ValueError(f"gaming must be a number from 0 (honest) to 3, got {gaming!r}")
    return float(gaming)


def _streams(seed: int, period: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two random streams: the organisation (fixed by ``seed``: who works there, its base
    rates, who games) and its behaviour in one period (``seed`` and ``period``)."""
    return np.random.default_rng([seed, 0]), np.random.default_rng([seed, 1000 + _check_period(period)])


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer parts proportional to ``weights``, each at least 1
    (largest remainders; ``total`` must be at least ``len(weights)``)."""
    k = len(weights)
    rest = total - k
    share = weights / weights.sum() * rest
    parts = np.floor(share).astype("int64")
    left = rest - int(parts.sum())
    if left > 0:
        parts[np.argsort(-(share - parts), kind="stable")[:left]] += 1
    return np.asarray(parts + 1, dtype="int64")


# --------------------------------------------------------------------------------------
# 1. support_contacts
# --------------------------------------------------------------------------------------

TEAMS = ("Billing", "Technical", "Accounts", "Onboarding")
#: The team where most handle-time gamers work (a team lead who pushes handle time).
GAMING_TEAM = "Technical"
#: Survey response relative to the centre's rate, by channel (phone, chat, email).
_CHANNEL_RESPONSE = np.array([0.8, 1.45, 0.9])
# P(csat = 1..5) for a contact resolved at first contact, and for one that was not
_CSAT_RESOLVED = np.array([0.03, 0.03, 0.06, 0.22, 0.66])
_CSAT_UNRESOLVED = np.array([0.15, 0.12, 0.15, 0.25, 0.33])


def _quarter_days(period: int) -> np.ndarray:
    start = np.datetime64("2024-01", "M") + 3 * (period - 1)
    first = start.astype("datetime64[D]")
    n_days = int(((start + 3).astype("datetime64[D]") - first).astype("int64"))
    return _weekdays(str(first), n_days)


def _support_contacts(seed: int, n_agents: int, contacts_per_agent: int, n_gamers: int,
                      period: int, gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_agents=n_agents, contacts_per_agent=contacts_per_agent)
    if not 0 <= n_gamers < n_agents:
        raise ValueError(f"n_gamers must be between 0 and n_agents - 1, got {n_gamers}")
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    agent_ids = _ids("AG", n_agents, 2)
    team = np.arange(n_agents) % len(TEAMS)

    # the organisation: who games (about three in four of them in one team), how much each
    # agent works (part-timers and new starters handle few contacts), base rates
    in_team = np.flatnonzero(team == TEAMS.index(GAMING_TEAM))
    others = np.flatnonzero(team != TEAMS.index(GAMING_TEAM))
    n_in = min(len(in_team), -(-3 * n_gamers // 4))
    n_in = max(n_in, n_gamers - len(others))
    gamers = np.sort(np.r_[org.choice(in_team, n_in, replace=False),
                           org.choice(others, n_gamers - n_in, replace=False)]).astype("int64")
    is_gamer = np.isin(np.arange(n_agents), gamers)
    # part-timers and new starters handle a quarter of a full load; gamers, whose contacts
    # are short, take on about half as many again as a full-time agent
    workload = 0.25 + 1.35 * org.beta(1.5, 1.5, n_agents)
    workload = np.where(is_gamer, 1.5 * np.maximum(workload, 0.9), workload)
    speed = np.exp(org.normal(0, 0.05, n_agents))
    skill = org.normal(0, 0.015, n_agents)  # similar true skill
    asks = np.exp(org.normal(0, 0.2, n_agents))  # how often an agent's customers get the survey
    fcr_rate = _rate(org, 0.74, 0.15)
    repeat_ok = _rate(org, 0.05, 0.20)
    repeat_bad = _rate(org, 0.30, 0.15)
    response_rate = _rate(org, 0.11, 0.12)

    # one period of behaviour: contacts per agent vary a little from quarter to quarter
    volume = _allocate(n_agents * contacts_per_agent, workload * rng.lognormal(0, 0.08, n_agents))
    n = int(volume.sum())
    agent = np.repeat(np.arange(n_agents), volume)
    gamer = is_gamer[agent]
    gp = np.where(gamer, g, 0.0)  # how hard this contact's agent games
    channel = _choice_idx(rng, (0.5, 0.3, 0.2), n)  # phone, chat, email
    base_aht = np.array([8.5, 11.0, 14.0])[channel]
    aht = base_aht * speed[agent] * rng.lognormal(0, 0.45, n) * 0.5 ** gp
    aht = np.round(np.clip(aht, 0.5, 240), 1)
    transfers = np.minimum(rng.poisson(0.12 + 0.78 * gp), 10)
    fcr = rng.random(n) < np.clip(fcr_rate + skill[agent] - 0.34 * gp, 0.05, 0.98)
    repeat_p = np.where(fcr, repeat_ok + 0.15 * gp, repeat_bad + 0.38 * gp)
    repeat = rng.random(n) < np.clip(repeat_p, 0.0, 0.95)

    responded = rng.random(n) < np.clip(response_rate * asks[agent] * _CHANNEL_RESPONSE[channel],
                                        0.0, 0.9)
    rushed = rng.random(n) < 0.8 * np.minimum(gp, 1.0)  # resolved, but the customer felt rushed
    unhappy = ~fcr | rushed | (transfers >= 2)
    csat_p = np.where(unhappy[:, None], _CSAT_UNRESOLVED, _CSAT_RESOLVED)
    csat = 1 + (rng.random(n)[:, None] > np.cumsum(csat_p, axis=1)).sum(axis=1)
    csat = np.minimum(csat, 5).astype("float64")
    ces_latent = 5.6 + np.where(fcr, 0.6, -1.6) - 0.5 * transfers + rng.normal(0, 1.1, n)
    ces = np.clip(np.round(ces_latent), 1, 7)
    ces_answered = responded & (rng.random(n) < 0.85)
    csat[~responded] = np.nan
    ces[~ces_answered] = np.nan

    days = _quarter_days(period)
    day = rng.integers(0, len(days), n)
    order = np.lexsort((rng.random(n), day))
    cols = {
        "contact_id": _ids("SC", n, 5),
        "date": days[day][order],
        "agent_id": agent_ids[agent][order],
        "team": _pick(TEAMS, team[agent])[order],
        "channel": _pick(("phone", "chat", "email"), channel)[order],
        "handle_time_min": aht[order],
        "transfers": transfers[order],
        "resolved_first_contact": fcr[order],
        "repeat_within_7d": repeat[order],
        "csat": csat[order],
        "ces": ces[order],
    }
    truth: Truth = {
        "gaming_agents": [str(a) for a in agent_ids[gamers]],
        "gaming_team": GAMING_TEAM,
        "gaming": g,
        "rates": {"first_contact_resolution": fcr_rate, "repeat_if_resolved": repeat_ok,
                  "repeat_if_unresolved": repeat_bad, "survey_response": response_rate},
        "contacts_per_agent": {str(a): int(v) for a, v in zip(agent_ids, volume)},
    }
    return _finish("support_contacts", cols), truth


def make_support_contacts(seed: int = 42, n_agents: int = 40, contacts_per_agent: int = 600,
                          n_gamers: int = 4, period: int = 1, gaming: float = 1.0) -> Frame:
    """Support contacts of one quarter (period 1: Jan-Mar 2024, weekdays).

    Agents differ in how many contacts they handle (part-timers and new starters handle
    few), so survey answers per agent range from about ten to well over a hundred.

    Args:
        seed: random seed: one organisation (its agents, base rates and gamers).
        n_agents: number of agents (spread over four teams).
        contacts_per_agent: average contacts per agent in the quarter (the total is
            ``n_agents * contacts_per_agent``).
        n_gamers: agents who game average handle time (short calls, transfers, unresolved
            issues that come back), about three in four of them in the Technical team;
            see :func:`planted` for who they are.
        period: quarter of the same organisation (1 = Jan-Mar 2024, 2 = the next quarter,
            0 = the one before): same agents, new contacts.
        gaming: how hard the gamers game, 0 (honest) to 3; 1 is the default.
    """
    return _support_contacts(seed, n_agents, contacts_per_agent, n_gamers, period, gaming)[0]


# --------------------------------------------------------------------------------------
# 2. customer_survey
# --------------------------------------------------------------------------------------


def _customer_survey(seed: int, n_customers: int, period: int, gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_customers=n_customers)
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    n = n_customers
    # the customer base: segment, tenure and each customer's lasting satisfaction
    seg = _choice_idx(org, _mix(org, (0.62, 0.28, 0.10)), n, _strat_uniform(org, n=n))
    tenure0 = np.round(org.gamma(1.6, 18, n))
    base_sat = np.array([6.5, 7.3, 8.2])[seg] + 0.004 * (tenure0 - 30) + org.normal(0, 1.2, n)
    resolved_rate = _rate(org, 0.78, 0.15)
    response_shift = org.normal(0, 0.15)
    coached_rate = min(0.5, 0.08 * g)

    # one survey wave
    tenure = np.clip(tenure0 + 3 * (period - 1), 1, 240)
    resolved = rng.random(n) < resolved_rate
    coached = rng.random(n) < coached_rate
    sat = base_sat + np.where(resolved, 0.6, -1.7) + rng.normal(0, 0.9, n)
    sat = np.round(np.clip(sat, 0, 10), 1)
    responded = rng.random(n) < _sigmoid(-1.2 + response_shift + 0.6 * (sat - 7.0))
    # gaming above 1 also keeps the survey away from customers whose case was not resolved
    not_asked = ~resolved & (rng.random(n) < min(1.0, 0.8 * max(g - 1.0, 0.0)))
    responded &= ~not_asked
    nps = np.clip(np.round(sat + 0.4 + rng.normal(0, 1.0, n)), 0, 10)
    boost = coached & (rng.random(n) < 0.8)
    nps = np.where(boost, np.maximum(nps, rng.choice([9.0, 10.0], n, p=[0.35, 0.65])), nps)
    csat = _ordinal(sat + rng.normal(0, 0.9, n), (3.6, 5.0, 6.5, 7.6)).astype("float64")
    ces = np.clip(np.round(1.2 + 0.62 * sat + np.where(resolved, 0.4, -0.8) + rng.normal(0, 0.9, n)),
                  1, 7)
    churn = rng.random(n) < _sigmoid(-2.4 - 0.55 * (sat - 7.0))
    nps[~responded] = np.nan
    csat[~responded | (rng.random(n) < 0.04)] = np.nan
    ces[~responded | (rng.random(n) < 0.08)] = np.nan
    cols = {
        "customer_id": _ids("CS", n, 5),
        "segment": _pick(SEGMENTS, seg),
        "tenure_months": tenure,
        "resolved_case": resolved,
        "coached_by_agent": coached,
        "responded": responded,
        "nps": nps,
        "csat": csat,
        "ces": ces,
        "true_satisfaction": sat,
        "churned_next_quarter": churn,
    }
    truth: Truth = {"gaming": g, "coached_share": coached_rate,
                    "rates": {"resolved_case": resolved_rate}}
    return _finish("customer_survey", cols), truth


def make_customer_survey(seed: int = 42, n_customers: int = 3000, period: int = 1,
                         gaming: float = 1.0) -> Frame:
    """A relationship survey (NPS, CSAT, CES) sent to every customer.

    Args:
        seed: random seed: one business (its customers and base rates).
        n_customers: customers invited (segments about SMB 62%, Mid-market 28%,
            Enterprise 10%).
        period: survey wave of the same business (1 = the default; another integer gives
            the same customers three months later or earlier, answering again).
        gaming: 0 (honest) to 3: about ``8% x gaming`` of customers are coached by an agent
            to 'rate me 9 or 10' (1 = default); above 1, ``80% x (gaming - 1)`` of the
            customers whose case was not resolved are not surveyed at all (response falls,
            NPS rises).
    """
    return _customer_survey(seed, n_customers, period, gaming)[0]


# --------------------------------------------------------------------------------------
# 3. customer_accounts
# --------------------------------------------------------------------------------------

PLANS = ("Essentials", "Premier")
REGIONS = ("North", "South", "East", "West")
#: Monthly churn hazard by segment (rows) and plan (columns: Essentials, Premier): within a
#: segment the dearer Premier plan loses a few more customers at renewal.
CHURN_HAZARD = np.array([[0.040, 0.052], [0.016, 0.021], [0.0065, 0.0095]])
#: P(plan = Premier | segment): most small businesses buy Essentials, most enterprises
#: Premier.
PREMIER_SHARE = np.array([0.25, 0.55, 0.85])


def _customer_accounts(seed: int, n_customers: int, n_months: int, start_month: str,
                       gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_customers=n_customers, n_months=n_months)
    g = _check_gaming(gaming)
    rng = np.random.default_rng(seed)
    n, m = n_customers, n_months
    seg = _choice_idx(rng, _mix(rng, (0.45, 0.30, 0.25)), n, _strat_uniform(rng, n=n))
    premier_share = _sigmoid(_logit(PREMIER_SHARE) + rng.normal(0, 0.15, 3))
    plan = (_strat_uniform(rng, seg) < premier_share[seg]).astype("int64")
    region = rng.integers(0, len(REGIONS), n)
    existing = _strat_uniform(rng, n=n) < _rate(rng, 0.62, 0.1)
    start = np.where(existing, 0, 1 + np.floor(rng.random(n) * max(m - 1, 1)).astype("int64"))
    start = np.minimum(start, m - 1)
    hazard = CHURN_HAZARD * np.exp(rng.normal(0, 0.12))  # this business's churn level
    h = hazard[seg, plan]
    u = _strat_uniform(rng, seg, plan)
    life = np.maximum(1, np.ceil(np.log1p(-u) / np.log1p(-h))).astype("int64")
    churn_month = start + life
    # retention bought with discounts (gaming > 0): in the last 12 months the business offers
    # a rescue discount to customers about to leave; a share of them stays to the end
    rescue_from = max(m - 12, 1)
    rescued = ((churn_month >= rescue_from) & (churn_month <= m - 1)
               & (rng.random(n) < min(0.9, 0.35 * g)))
    churn_month = np.where(rescued, m + 1, churn_month)
    end = np.minimum(churn_month, m - 1)
    churned = churn_month <= m - 1

    # order customers by start month, then at random; ids follow that order
    order = np.lexsort((rng.random(n), start))
    seg, plan, region, start, end = (a[order] for a in (seg, plan, region, start, end))
    churned, existing, rescued = (a[order] for a in (churned, existing, rescued))
    ids = _ids("C", n, 5)

    price = np.array([[49.0, 89.0], [390.0, 690.0], [2400.0, 3900.0]])[seg, plan]
    seats = rng.lognormal(0, 0.55, n)
    fixed_cost = np.array([22.0, 90.0, 420.0])[seg] * rng.lognormal(0, 0.3, n)
    heavy = rng.random(n) < 0.12  # support-heavy customers
    cac = np.round(np.array([350.0, 3200.0, 18000.0])[seg] * rng.lognormal(0, 0.45, n), 2)

    rows = end - start + 1
    cust = np.repeat(np.arange(n), rows)
    offset = np.arange(rows.sum()) - np.repeat(np.cumsum(rows) - rows, rows)
    month = start[cust] + offset
    first = offset == 0
    last = month == end[cust]
    churn_row = last & churned[cust]
    r = len(cust)
    discount = np.where(rescued[cust] & (month >= rescue_from), 0.6, 1.0)
    revenue = np.round(price[cust] * seats[cust] * discount * rng.normal(1, 0.04, r), 2)
    cost = np.round(0.28 * revenue + fixed_cost[cust] * np.where(heavy[cust], 3.5, 1.0)
                    * np.where(discount < 1, 1.5, 1.0) * rng.lognormal(0, 0.25, r), 2)
    months = (np.datetime64(start_month, "M") + month).astype(str)
    cols = {
        "customer_id": ids[cust],
        "month": months,
        "segment": _pick(SEGMENTS, seg[cust]),
        "plan": _pick(PLANS, plan[cust]),
        "region": _pick(REGIONS, region[cust]),
        "active": ~churn_row,
        "new_this_month": first & ~existing[cust],
        "churned_this_month": churn_row,
        "revenue": np.maximum(revenue, 0),
        "cost_to_serve": cost,
        "acquisition_cost": np.where(first, cac[cust], np.nan),
    }
    truth: Truth = {
        "better_within_every_segment": "Essentials", "worse_pooled": "Essentials",
        "hazard": {s: {p: float(h) for p, h in zip(PLANS, hazard[i])} for i, s in enumerate(SEGMENTS)},
        "premier_share": {s: float(p) for s, p in zip(SEGMENTS, premier_share)},
        "gaming": g, "rescued_customers": int(rescued.sum()),
    }
    return _finish("customer_accounts", cols), truth


def make_customer_accounts(seed: int = 42, n_customers: int = 2000, n_months: int = 24,
                           start_month: str = "2023-01", gaming: float = 0.0) -> Frame:
    """A customer-month panel of a subscription business.

    Args:
        seed: random seed.
        n_customers: customers ever seen in the window (about 62% are customers at the
            start; the rest are acquired during the window).
        n_months: months in the window.
        start_month: first month, ``YYYY-MM``.
        gaming: retention bought with discounts in the last 12 months, 0 (none, default)
            to 3: at 1 about a third of the customers about to leave get a 40% discount
            (and cost more to serve) and stay to the end of the window.
    """
    return _customer_accounts(seed, n_customers, n_months, start_month, gaming)[0]


# --------------------------------------------------------------------------------------
# 4. product_usage, release_log, customer_journey
# --------------------------------------------------------------------------------------


def _adoption_curve(k: np.ndarray, ceiling: float = 0.72) -> np.ndarray:
    """Share of customers who have adopted the new path ``k`` weeks after the release."""
    return np.where(k >= 0, ceiling / (1 + np.exp(-(k - 9.0) / 2.6)), 0.0)


def _maturity(share: np.ndarray) -> np.ndarray:
    """How much the new path avoids contacts, given current adoption (0 below 30%)."""
    return np.clip((share - 0.30) / 0.25, 0, 1)


def _usage(seed: int, n_customers: int, n_weeks: int, release_week: int,
           start_week: str) -> tuple[Frame, Frame, Truth]:
    _check_sizes(n_customers=n_customers, n_weeks=n_weeks)
    if not 1 <= release_week < n_weeks:
        raise ValueError(f"release_week must be between 1 and n_weeks - 1, got {release_week}")
    start = np.datetime64(start_week, "D")
    if not np.is_busday(start, weekmask="Mon"):
        raise ValueError(f"start_week must be a Monday, got {start_week}")
    rng = np.random.default_rng(seed)
    n, w = n_customers, n_weeks
    weeks = start + 7 * np.arange(w)

    # output log: fast ramp right after the release
    t = np.arange(w)
    after = t - release_week
    features = np.where(after < 0, 1, np.where(after == 0, 6, 4)) + rng.integers(0, 2, w)
    articles = np.where(after < 0, 0, np.where(after < 6, 10, 4)) + rng.integers(0, 3, w)
    log = {
        "week": weeks,
        "features_shipped": features,
        "help_articles_published": articles,
        "self_service_release": t == release_week,
    }

    # adoption: customer i adopts at the first week the curve passes its stratified u; how
    # many customers ever adopt differs from one business to the next
    ceiling = _rate(rng, 0.72, 0.15)
    u = _strat_uniform(rng, n=n)
    curve = _adoption_curve(np.arange(w - release_week), ceiling)
    k_adopt = np.searchsorted(curve, u, side="left")  # == len(curve): never in the window
    adopt_week = np.where(k_adopt < len(curve), release_week + k_adopt, w + 1)
    activity = rng.beta(7, 2, n)
    task_rate = rng.gamma(4, 1.5, n)
    contact_rate = 0.30 * rng.gamma(5, 0.2, n)

    cust = np.repeat(np.arange(n), w)
    wk = np.tile(t, n)
    r = n * w
    active = rng.random(r) < activity[cust]
    adopted = wk >= adopt_week[cust]
    new_path = active & adopted & (rng.random(r) < 0.9)
    old_path = active & (~adopted | (rng.random(r) < 0.15))
    share = _adoption_curve(wk - release_week, ceiling)
    lam = contact_rate[cust] * np.where(active, 1.0, 0.3) * (1 - 0.85 * new_path * _maturity(share))
    contacts = rng.poisson(lam)
    tasks = rng.poisson(task_rate[cust] * active * np.where(new_path, 1.1, 1.0))
    ids = _ids("U", n, 4)
    order = np.lexsort((cust, wk))
    cols = {
        "week": weeks[wk][order],
        "customer_id": ids[cust][order],
        "used_old_path": old_path[order],
        "used_new_self_service_path": new_path[order],
        "support_contacts": contacts[order],
        "tasks_completed": tasks[order],
    }
    truth = {
        "release_week": str(weeks[release_week]),
        "adoption_needed_before_contacts_fall": 0.30,
        "adoption_ceiling": ceiling,
    }
    return _finish("product_usage", cols), _finish("release_log", log), truth


def make_product_usage(seed: int = 42, n_customers: int = 300, n_weeks: int = 26,
                       release_week: int = 8, start_week: str = "2024-01-01") -> Frame:
    """Weekly product use before and after a new self-service path is released.

    Args:
        seed: random seed.
        n_customers: customers observed every week.
        n_weeks: weeks observed.
        release_week: index (0-based) of the week the new path is released.
        start_week: Monday of the first week, ``YYYY-MM-DD``.
    """
    return _usage(seed, n_customers, n_weeks, release_week, start_week)[0]


def make_release_log(seed: int = 42, n_customers: int = 300, n_weeks: int = 26,
                     release_week: int = 8, start_week: str = "2024-01-01") -> Frame:
    """The product team's weekly output (features, help articles) for the same weeks as
    :func:`make_product_usage` (same arguments, same seed -> matching weeks)."""
    return _usage(seed, n_customers, n_weeks, release_week, start_week)[1]


JOURNEY_STAGES = (
    "onboarding_complete",
    "first_value_within_14d",
    "first_support_case_resolved",
    "admin_trained",
    "renewal_review_held",
)


def _customer_journey(seed: int, n_customers: int, period: int, gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_customers=n_customers)
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    n = n_customers
    # the business: its segment mix and how well its onboarding works
    mix = _mix(org, (0.55, 0.30, 0.15))
    onboard_rate = _rate(org, 0.80, 0.2)
    value_rate = np.array([_rate(org, 0.55, 0.2), _rate(org, 0.68, 0.2)])  # not / onboarded
    case_rate = _rate(org, 0.75, 0.2)
    churn_shift = org.normal(0, 0.12)

    # one cohort of new customers
    seg = _choice_idx(rng, mix, n)
    onboard = rng.random(n) < onboard_rate
    value = rng.random(n) < value_rate[onboard.astype("int64")]
    case = rng.random(n) < case_rate
    trained = rng.random(n) < np.where(onboard, 0.65, 0.45)
    review = rng.random(n) < np.array([0.45, 0.60, 0.75])[seg]
    csat = _ordinal(rng.normal(0, 1, n) + 0.25 * onboard, (-1.9, -1.3, -0.6, 0.3)).astype("int64")
    logit = (-2.3 + churn_shift + 1.9 * ~value + 0.25 * ~onboard + 0.3 * ~case + 0.2 * ~trained
             + 0.3 * ~review - 0.08 * (csat - 4) - np.array([0.0, 0.2, 0.4])[seg])
    churn = _strat_uniform(rng, value, case) < _sigmoid(logit)
    # gaming: a first login is counted as 'first value', so customers who found no value
    # are reported as having it (their churn does not change)
    reported_value = value | (rng.random(n) < min(1.0, 0.5 * g))
    prefix = "J" if period == 1 else f"J{period}-"
    cols = {
        "customer_id": _ids(prefix, n, 5),
        "segment": _pick(SEGMENTS, seg),
        "onboarding_complete": onboard,
        "first_value_within_14d": reported_value,
        "first_support_case_resolved": case,
        "admin_trained": trained,
        "renewal_review_held": review,
        "csat_onboarding": csat,
        "churned": churn,
    }
    truth: Truth = {"key_moment": "first_value_within_14d", "gaming": g,
                    "true_first_value_pct": 100.0 * float(value.mean()) if n else float("nan")}
    return _finish("customer_journey", cols), truth


def make_customer_journey(seed: int = 42, n_customers: int = 2000, period: int = 1,
                          gaming: float = 0.0) -> Frame:
    """Moments of truth in the first year of each customer, and whether they churned.

    Args:
        seed: random seed: one business (its segment mix and onboarding rates).
        n_customers: customers (one row each).
        period: yearly cohort of new customers of the same business (1 = the default;
            other periods get ids ``J<period>-00001``, ...).
        gaming: 0 (honest, default) to 3: a first login is counted as first value, so about
            ``50% x gaming`` of the customers without real first value are reported as
            having it (and churn as before).
    """
    return _customer_journey(seed, n_customers, period, gaming)[0]


# --------------------------------------------------------------------------------------
# 5. enrollment_funnel
# --------------------------------------------------------------------------------------

SOURCES = ("web", "school_visit", "referral", "college_fair")
RESIDENCY = ("in-state", "out-of-state", "international")


def _enrollment_funnel(seed: int, n_per_cohort: int, first_cohort: int, n_cohorts: int,
                       gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_per_cohort=n_per_cohort, n_cohorts=n_cohorts)
    g = _check_gaming(gaming)
    rng = np.random.default_rng(seed)
    n = n_per_cohort * n_cohorts
    cohort = first_cohort + np.repeat(np.arange(n_cohorts), n_per_cohort)
    k = cohort - first_cohort
    # the institution's own rates, drifting a little from one entering class to the next
    def drift(target: float, sd: float) -> np.ndarray:
        level = _logit(_rate(rng, target, sd))
        return np.asarray(_sigmoid(level + rng.normal(0, sd / 2, n_cohorts)))[k]

    src = _choice_idx(rng, _mix(rng, (0.40, 0.20, 0.15, 0.25)), n, _strat_uniform(rng, cohort))
    fg = _strat_uniform(rng, cohort) < drift(0.34, 0.1)
    pell = _strat_uniform(rng, cohort, fg) < np.where(fg, 0.55, 0.22)
    res = _choice_idx(rng, _mix(rng, (0.68, 0.24, 0.08)), n, _strat_uniform(rng, cohort))
    inquired = _strat_uniform(rng, cohort, src) < np.array([0.92, 0.95, 0.97, 0.60])[src]
    apply_p = np.array([0.42, 0.52, 0.62, 0.32])[src] * drift(0.5, 0.12) / 0.5
    applied = inquired & (_strat_uniform(rng, cohort, src) < apply_p)
    admitted = applied & (_strat_uniform(rng, cohort, applied) < drift(0.67, 0.12))
    dep_p = np.array([0.36, 0.33, 0.22])[res] * drift(0.5, 0.12) / 0.5
    deposited = admitted & (_strat_uniform(rng, cohort, admitted) < dep_p)
    melt_p = np.array([[0.05, 0.13], [0.14, 0.20]])[fg.astype(int), pell.astype(int)]
    melt_p = (melt_p + np.where(res == 2, 0.08, 0.0)) * drift(0.5, 0.15) / 0.5
    melted = deposited & (_strat_uniform(rng, deposited, fg, pell) < melt_p)
    # gaming (last class only): admitted students are pressed to pay a deposit early; many of
    # the pressed ones melt away before the census date
    last = cohort == first_cohort + n_cohorts - 1
    pressed = last & admitted & ~deposited & (rng.random(n) < min(0.6, 0.15 * g))
    deposited = deposited | pressed
    melted = melted | (pressed & (rng.random(n) < 0.6))
    enrolled = deposited & ~melted
    order = np.lexsort((rng.random(n), cohort))
    cols = {
        "applicant_id": _ids("P", n, 6),
        "cohort_year": cohort[order],
        "source": _pick(SOURCES, src)[order],
        "first_generation": fg[order],
        "pell": np.where(applied, pell, np.nan)[order],
        "residency": _pick(RESIDENCY, res)[order],
        "inquired": inquired[order],
        "applied": applied[order],
        "admitted": admitted[order],
        "deposited": deposited[order],
        "enrolled_census": enrolled[order],
        "melted": melted[order],
    }
    return _finish("enrollment_funnel", cols), {"gaming": g, "pressed_deposits": int(pressed.sum())}


def make_enrollment_funnel(seed: int = 42, n_per_cohort: int = 2500, first_cohort: int = 2022,
                           n_cohorts: int = 3, gaming: float = 0.0) -> Frame:
    """Prospective students and how far each got: inquiry -> application -> admission ->
    deposit -> enrolled at census (deposited but not enrolled = summer melt).

    Args:
        seed: random seed: one institution (its rates drift a little between classes).
        n_per_cohort: prospects per entering class.
        first_cohort: fall of the first entering class.
        n_cohorts: number of entering classes.
        gaming: 0 (default) to 3: in the last class, about ``15% x gaming`` of the admitted
            students who would not have paid a deposit are pressed to pay one; 60% of them
            melt before the census date (yield up, summer melt up).
    """
    return _enrollment_funnel(seed, n_per_cohort, first_cohort, n_cohorts, gaming)[0]


# --------------------------------------------------------------------------------------
# 6. student_terms
# --------------------------------------------------------------------------------------

# Year-by-year hazards for students still enrolled, full-time (index 0) and part-time (1).
_LEAVE = np.array([  # leave the institution at transition k (k = 1..6)
    [0.200, 0.080, 0.050, 0.045, 0.060, 0.080],
    [0.530, 0.230, 0.160, 0.120, 0.110, 0.110],
])
#: Share of high-risk first-generation / Pell entrants steered out of the shaped cohort
#: (at ``gaming=1``).
SHAPED_SHARE = 0.35
_TRANSFER_SHARE = np.array([0.33, 0.20])  # share of leavers found at another institution
_COMPLETE = np.array([  # complete at transition k (k = 4..6), of those still enrolled
    [0.56, 0.62, 0.46],
    [0.12, 0.25, 0.30],
])
#: Allowable exclusions: hazard at the first transition (every cohort's full-time and
#: part-time group has at least one when it has 200 or more students) and at each later
#: one, among students enrolled.
_EXCLUDE_FIRST, _EXCLUDE_LATER = 0.0030, 0.0015
#: Exclusions that end (military, foreign aid, church mission): share who re-enroll two
#: falls later.
_RETURN_SHARE = 0.45


def _student_terms(seed: int, n_students: int, first_cohort: int, n_cohorts: int,
                   n_terms: int, shaped_cohort: int | None, gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_students=n_students, n_cohorts=n_cohorts, n_terms=n_terms)
    g = _check_gaming(gaming)
    if shaped_cohort is None:
        shaped_cohort = first_cohort + n_cohorts - 1
    rng = np.random.default_rng(seed)
    n = n_students
    cohort = first_cohort + (np.arange(n) * n_cohorts) // n
    ck = cohort - first_cohort
    pt = _strat_uniform(rng, cohort) < _rate(rng, 0.22, 0.1)
    fg = _strat_uniform(rng, cohort) < _rate(rng, 0.36, 0.1)
    pell = _strat_uniform(rng, cohort, fg) < np.where(fg, 0.55, 0.22)
    risk = rng.normal(0, 1, n) + 0.45 * fg + 0.35 * pell
    risk = risk - risk.mean()
    att = pt.astype("int64")
    # this institution's own leave and completion levels, drifting a little between cohorts
    leave_shift = rng.normal(0, 0.12, 2)[att] + rng.normal(0, 0.05, (n_cohorts, 2))[ck, att]
    complete_shift = rng.normal(0, 0.1)

    # withdrawals before the first census date; in the shaped cohort the institution steered
    # out its highest-risk first-generation / Pell entrants
    withdrew = _strat_uniform(rng, cohort) < _rate(rng, 0.02, 0.2)
    target = (cohort == shaped_cohort) & (fg | pell)
    shaped_share = min(0.9, SHAPED_SHARE * g)
    score = risk + rng.normal(0, 0.35, n)  # drawn for honest runs too: gaming must not shift later draws
    if target.any() and shaped_share > 0:
        cut = np.quantile(score[target], 1 - shaped_share)
        withdrew |= target & (score >= cut)

    # allowable exclusions (death, military service, ...): the kind, and for the kinds that
    # end, whether the student re-enrolls two falls later
    excl_kind = 1 + _choice_idx(rng, (0.2, 0.25, 0.35, 0.05, 0.15), n)
    returns = (excl_kind >= 3) & (rng.random(n) < _RETURN_SHARE)

    # first-year leavers: this cohort's hazard share of ALL entrants of each cohort and
    # attendance group, the riskiest (with logistic noise) first; computed before the census
    # withdrawals are removed, so shaping the cohort visibly lifts its reported retention
    first_score = 1.1 * risk + rng.logistic(0, 1, n)
    group = _codes(cohort, att)
    leave_share = _sigmoid(_logit(_LEAVE[att, 0]) + leave_shift)
    leave_first_year = _rank_within(group, -first_score) < np.round(
        leave_share * np.bincount(group)[group])

    enrolled = np.zeros((n, n_terms), dtype=bool)
    elsewhere = np.zeros((n, n_terms), dtype=bool)
    transferred = np.zeros((n, n_terms), dtype=bool)
    completed = np.zeros((n, n_terms), dtype=bool)
    excluded = np.zeros((n, n_terms), dtype=bool)
    enrolled[:, 0] = ~withdrew
    transfer_term = np.full(n, n_terms + 99)
    return_term = np.full(n, n_terms + 99)
    for k in range(1, n_terms):  # vectorized over students; one step per year
        cur = enrolled[:, k - 1]
        candidates = cur & ~excluded[:, k - 1]
        if k == 1:  # at least one exclusion per cohort and attendance group of 200 or more
            n_groups = int(group.max()) + 1
            n_cand = np.bincount(group, weights=candidates, minlength=n_groups).astype("int64")
            count = np.maximum(rng.binomial(n_cand, _EXCLUDE_FIRST), n_cand >= 200)
            pick = _rank_within(np.where(candidates, group, -1), rng.random(n))
            new_excl = candidates & (pick < count[group])
        else:
            new_excl = candidates & (rng.random(n) < _EXCLUDE_LATER)
        excluded[:, k] = excluded[:, k - 1] | new_excl
        return_term = np.where(new_excl & returns, k + 2, return_term)
        live = cur & ~new_excl
        comp_p = np.zeros(n)
        if 4 <= k <= 3 + _COMPLETE.shape[1]:
            comp_p = np.clip(_sigmoid(_logit(_COMPLETE[att, k - 4]) + complete_shift)
                             * np.exp(-0.35 * risk), 0, 0.95)
        leave_base = _LEAVE[att, min(k, _LEAVE.shape[1]) - 1]
        leave_p = _sigmoid(_logit(leave_base) + leave_shift + 1.1 * risk)
        done = live & (rng.random(n) < comp_p)
        if k == 1:
            leave = live & leave_first_year
        else:
            leave = live & ~done & (rng.random(n) < leave_p)
        moved = leave & (rng.random(n) < _TRANSFER_SHARE[att])
        transfer_term = np.where(moved, k, transfer_term)
        completed[:, k] = completed[:, k - 1] | done
        enrolled[:, k] = (live & ~done & ~leave) | (return_term == k)
        transferred[:, k] = transferred[:, k - 1] | moved
        elsewhere[:, k] = transferred[:, k] & (k - transfer_term < 4)

    rows = np.where(withdrew, 1, n_terms)
    sid = np.repeat(np.arange(n), rows)
    term_index = np.arange(rows.sum()) - np.repeat(np.cumsum(rows) - rows, rows)
    exclusion = np.where(excluded[sid, term_index], excl_kind[sid], 0)
    ids = _ids("S", n, 6)
    cols = {
        "student_id": ids[sid],
        "cohort_year": cohort[sid],
        "term": cohort[sid] + term_index,
        "term_index": term_index,
        "attendance": _pick(("full-time", "part-time"), att[sid]),
        "first_generation": fg[sid],
        "pell": pell[sid],
        "enrolled": enrolled[sid, term_index],
        "enrolled_elsewhere": elsewhere[sid, term_index],
        "transferred_out": transferred[sid, term_index],
        "completed": completed[sid, term_index],
        "exclusion": _pick(EXCLUSIONS, exclusion),
        "withdrew_before_census": withdrew[sid] & (term_index == 0),
    }
    ever = excluded[:, -1]
    back = ever & (enrolled & excluded).any(axis=1)
    truth: Truth = {
        "shaped_cohort": int(shaped_cohort),
        "gaming": g,
        "excluded_students": [str(s) for s in ids[ever]],
        "excluded_then_reenrolled": [str(s) for s in ids[back]],
    }
    return _finish("student_terms", cols), truth


def make_student_terms(seed: int = 42, n_students: int = 3000, first_cohort: int = 2016,
                       n_cohorts: int = 3, n_terms: int = 7,
                       shaped_cohort: int | None = None, gaming: float = 1.0) -> Frame:
    """Fall-term records of first-time, degree-seeking students (IPEDS / NSC style).

    About 6.5 rows per student: ``n_students=153_000`` gives about a million rows in about
    two seconds.

    Args:
        seed: random seed: one institution (its rates drift a little between cohorts).
        n_students: entering students over all cohorts (split evenly).
        first_cohort: fall of the first entering cohort.
        n_cohorts: number of entering cohorts.
        n_terms: fall terms per student including the entry fall (7 = entry + six years,
            enough for the 150%-of-normal-time graduation rate).
        shaped_cohort: the cohort in which high-risk first-generation and Pell entrants were
            steered to withdraw before census (default: the last cohort).
        gaming: how hard the shaped cohort is shaped, 0 (not at all) to 3; at 1 (default)
            about 35% of its first-generation and Pell entrants are steered out.
    """
    return _student_terms(seed, n_students, first_cohort, n_cohorts, n_terms, shaped_cohort,
                          gaming)[0]


# --------------------------------------------------------------------------------------
# 7. lms_activity
# --------------------------------------------------------------------------------------

COURSES = ("STAT101", "BIOL110", "HIST120")
#: Assignment deadline weeks of each course (15-week term).
DEADLINES = {"STAT101": (4, 8, 12, 15), "BIOL110": (5, 10, 15), "HIST120": (3, 7, 11, 15)}
RESULT_SHARES = {"Distinction": 0.09, "Pass": 0.38, "Fail": 0.22, "Withdrawn": 0.31}


def _lms_activity(seed: int, n_students: int, n_weeks: int, period: int,
                  gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_students=n_students)
    if n_weeks < 6:
        raise ValueError(f"n_weeks must be at least 6, got {n_weeks}")
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    n = n_students
    # the institution's own outcome mix (around the OULAD-like shares); gaming steers
    # disengaged students who would fail into withdrawing, which lifts participation
    shares = _mix(org, list(RESULT_SHARES.values()), 250.0)
    steered = min(shares[2] * 0.8, 0.08 * g)
    shares[2] -= steered
    shares[3] += steered
    course = rng.integers(0, len(COURSES), n)
    eng = rng.normal(0, 1, n)

    # outcomes: this term's counts drawn around the institution's mix, the least engaged
    # (with noise) most likely to withdraw
    n_dist, _, n_fail, n_wd = (int(c) for c in rng.multinomial(n, shares))
    result = np.full(n, 1)  # Pass
    wd_rank = np.argsort(-eng + rng.normal(0, 0.8, n))[::-1]
    withdrawn = np.zeros(n, dtype=bool)
    withdrawn[wd_rank[:n_wd]] = True
    result[withdrawn] = 3
    rest = np.flatnonzero(~withdrawn)
    by_score = rest[np.argsort(eng[rest] + rng.normal(0, 0.6, len(rest)))]
    result[by_score[:n_fail]] = 2
    result[by_score[len(by_score) - n_dist:]] = 0
    wd_week = np.where(withdrawn, 2 + np.floor(rng.beta(1.3, 1.7, n) * (n_weeks - 2)), np.inf)
    # steered students (gaming) are told to withdraw early, in weeks 2-4
    steer = withdrawn & (rng.random(n) < steered / max(float(shares[3]), 1e-9))
    wd_week = np.where(steer, 2 + rng.integers(0, 3, n), wd_week)
    wd_week = np.where(withdrawn, np.minimum(wd_week, n_weeks - 1), np.inf)  # only withdrawers fade

    deadline = np.zeros((len(COURSES), n_weeks + 2), dtype=bool)
    for ci, name in enumerate(COURSES):  # three courses: a tiny loop over a constant
        weeks = [min(d, n_weeks) for d in DEADLINES[name]]
        deadline[ci, weeks] = True

    last_week = np.where(withdrawn, wd_week, n_weeks).astype("int64")
    sid = np.repeat(np.arange(n), last_week)
    week = 1 + np.arange(last_week.sum()) - np.repeat(np.cumsum(last_week) - last_week, last_week)
    r = len(sid)
    c = course[sid]
    is_deadline = deadline[c, week]
    before_deadline = deadline[c, week + 1]
    base = np.exp(3.0 + 0.45 * eng + rng.normal(0, 0.5, n))[sid]
    factor = np.where(is_deadline, 2.6, np.where(before_deadline, 1.5, 1.0)) * 0.985 ** week
    to_go = wd_week[sid] - week  # weeks left before withdrawal (inf if not withdrawing)
    fade = np.where(to_go < 4, np.maximum(0.08, 0.22 * to_go + 0.1), 1.0)
    fail_fade = np.where((result[sid] == 2) & (week > n_weeks / 2), 0.7, 1.0)
    lam = base * factor * fade * fail_fade * rng.gamma(2.0, 0.5, r)
    # some weeks a student does not log in at all (less often in deadline weeks)
    # (and students heading for a fail drift away in the second half of the term)
    late_fail = (result[sid] == 2) & (week > n_weeks / 2)
    skip = rng.random(r) < _sigmoid(-2.0 - 1.1 * eng[sid] - 1.2 * is_deadline + 1.3 * late_fail)
    clicks = np.where(skip, 0, rng.poisson(lam))
    active = clicks > 0
    sessions = np.minimum(clicks, rng.poisson(0.5 + 0.45 * np.sqrt(clicks)) + active)
    posts = rng.poisson(0.12 * np.exp(0.5 * eng[sid]) * active * fade)
    sub_p = np.where(is_deadline, _sigmoid(1.6 + 1.2 * eng[sid]) * (to_go > 0), 0.15)
    submissions = (active & (rng.random(r) < sub_p)).astype("int64")
    cols = {
        "student_id": _ids("L" if period == 1 else f"L{period}-", n, 5)[sid],
        "course_id": _pick(COURSES, course)[sid],
        "week": week,
        "clicks": clicks,
        "sessions": sessions,
        "posts": posts,
        "submissions": submissions,
        "active": active,
        "final_result": _pick(FINAL_RESULTS, result)[sid],
        "withdrawal_week": np.where(withdrawn, wd_week, np.nan)[sid],
    }
    truth: Truth = {
        "deadline_weeks": {k: [min(d, n_weeks) for d in v] for k, v in DEADLINES.items()},
        "result_shares": {k: float(v) for k, v in zip(RESULT_SHARES, shares)},
        "gaming": g,
    }
    return _finish("lms_activity", cols), truth


def make_lms_activity(seed: int = 42, n_students: int = 600, n_weeks: int = 15, period: int = 1,
                      gaming: float = 0.0) -> Frame:
    """Weekly learning-platform activity per student (modelled after OULAD; illustrative).

    Args:
        seed: random seed: one institution (its outcome mix varies around the OULAD-like
            shares).
        n_students: students, each in one of three courses.
        n_weeks: weeks in the term (at least 6).
        period: term of the same institution (1 = the default; other terms have new
            students, ids ``L<period>-00001``, ...).
        gaming: 0 (default) to 3: disengaged students who would fail are steered to
            withdraw (about 8 points of the outcome mix per unit), which lifts weekly
            participation among those still enrolled.
    """
    return _lms_activity(seed, n_students, n_weeks, period, gaming)[0]


# --------------------------------------------------------------------------------------
# 8. assessments
# --------------------------------------------------------------------------------------


def _assessments(seed: int, n_sections: int, students_per_section: int, period: int,
                 gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_sections=n_sections, students_per_section=students_per_section)
    if n_sections < 4:
        raise ValueError(f"n_sections must be at least 4, got {n_sections}")
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    # the course: which sections teach interactively, which traditional ones teach to the
    # test (in this order as gaming grows), each section's intake and dropout level
    interactive_secs = org.permutation(n_sections)[: n_sections // 2]
    mode = np.isin(np.arange(n_sections), interactive_secs)
    traditional = org.permutation(np.flatnonzero(~mode))
    intensity = np.zeros(n_sections)
    intensity[traditional] = np.clip(g - np.arange(len(traditional)), 0, 1)
    pre_level = org.normal(38, 3, n_sections)
    dropout_rate = org.beta(7, 32, n_sections)  # about 18% on average, 9-29% by section

    # one term of students
    n = n_sections * students_per_section
    sec = np.repeat(np.arange(n_sections), students_per_section)
    pre = np.clip(pre_level[sec] + rng.normal(0, 12, n), 5, 90)
    ability = 0.6 * (pre - 38) / 12 + rng.normal(0, 0.8, n)
    gain = np.where(mode[sec], 0.48, 0.23) + 0.07 * ability + rng.normal(0, 0.08, n)
    t = intensity[sec]
    g_post = (1 - t) * gain + t * (0.58 + 0.05 * ability + rng.normal(0, 0.08, n))
    post = np.clip(pre + g_post * (100 - pre) + rng.normal(0, 4, n), 0, 100)
    g_transfer = (1 - t) * 0.9 * gain + t * (0.02 + rng.normal(0, 0.05, n))
    transfer = np.clip(pre + g_transfer * (100 - pre) + rng.normal(0, 5, n), 0, 100)
    # dropouts: each section loses its own share, the students who were learning least
    # (low gain) and started lowest going first
    n_drop = rng.binomial(students_per_section, dropout_rate)
    drop_score = (gain - gain.mean()) / max(float(gain.std()), 1e-9) + 1.5 * (pre - 38) / 12
    dropped = _rank_within(sec, drop_score + rng.normal(0, 0.4, n)) < n_drop[sec]
    section_ids = _ids("S", n_sections, 2)
    prefix = "ST" if period == 1 else f"ST{period}-"
    cols = {
        "student_id": _ids(prefix, n, 4),
        "section": section_ids[sec],
        "teaching_mode": np.where(mode[sec], "interactive", "traditional"),
        "pre_score": np.round(pre, 1),
        "post_score": np.where(dropped, np.nan, np.round(post, 1)),
        "transfer_score": np.where(dropped, np.nan, np.round(transfer, 1)),
        "dropped": dropped,
    }
    t2t = [str(s) for s in section_ids[traditional[intensity[traditional] > 0]]]
    truth: Truth = {
        "teach_to_test_section": t2t[0] if t2t else None,
        "teach_to_test_sections": t2t,
        "gaming": g,
        # what the course would report if every student had stayed (the dropouts'
        # post-tests as they would have been): the completers' gain flatters it
        "gain_if_all_stayed": float((post.mean() - pre.mean()) / (100 - pre.mean())),
    }
    return _finish("assessments", cols), truth


def make_assessments(seed: int = 42, n_sections: int = 8, students_per_section: int = 40,
                     period: int = 1, gaming: float = 1.0) -> Frame:
    """Pre-test, post-test and an independent transfer test in sections of one course.

    Half the sections teach interactively (Hake gain ~0.48), half traditionally (~0.23); one
    traditional section teaches to the test (see :func:`planted`). Each section loses its
    own share of students before the post-test (about 17% on average), mostly those who
    were learning least.

    Args:
        seed: random seed: one course (its sections, their teaching and dropout levels).
        n_sections: sections (at least 4).
        students_per_section: students enrolled in each section.
        period: term of the same course (1 = the default; other terms have new students,
            ids ``ST<period>-0001``, ..., in the same sections).
        gaming: teaching to the test, 0 (no section) to 3: one traditional section at full
            strength at 1 (default), a second one joins above 1, and so on.
    """
    return _assessments(seed, n_sections, students_per_section, period, gaming)[0]


# --------------------------------------------------------------------------------------
# 9. educator_survey
# --------------------------------------------------------------------------------------

# cut points of the latent item response for 1|2, 2|3, 3|4 (agree = 3 or 4)
_ITEM_CUTS = {
    "prof_advantages": (-2.2, -1.1, 0.6),
    "prof_choose_again": (-2.3, -1.2, 0.4),
    "prof_regret": (-0.3, 1.2, 2.4),
    "prof_other_profession": (-0.9, 0.5, 1.9),
    "school_change": (-0.5, 0.8, 2.0),
    "school_enjoy": (-2.4, -1.4, 0.3),
    "school_recommend": (-2.1, -1.0, 0.6),
    "job_satisfied_overall": (-2.6, -1.5, 0.5),
}


def _educator_survey(seed: int, n_schools: int, teachers_per_school: int, period: int,
                     gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_schools=n_schools, teachers_per_school=teachers_per_school)
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    # the district: schools, their teachers and what lasts from year to year
    size = np.maximum(3, org.poisson(teachers_per_school, n_schools))
    school = np.repeat(np.arange(n_schools), size)
    n = len(school)
    low_income = np.round(100 * org.beta(2.0, 2.4, n_schools), 1)
    z = (low_income - 45) / 22
    school_sat = -0.55 * z + org.normal(0, 0.2, n_schools)
    school_score = 68 - 7.5 * z + org.normal(0, 2.5, n_schools)
    teacher_sat = org.normal(0, 0.9, n)
    teacher_score = org.normal(0, 5, n)
    response_level = 0.95 + org.normal(0, 0.2)

    # one survey year: satisfaction and class results move a little
    theta = school_sat[school] + teacher_sat + rng.normal(0, 0.45, n)
    class_score = np.clip(school_score[school] + teacher_score + rng.normal(0, 3.3, n), 0, 100)
    # gaming: leaders press the satisfied to answer and let the others be
    slope = 0.75 + 0.9 * g
    responded = rng.random(n) < _sigmoid(response_level + slope * theta)
    cols: dict[str, Any] = {
        "teacher_id": _ids("T", n, 4),
        "school_id": _ids("SCH", n_schools, 3)[school],
        "school_low_income_pct": low_income[school],
        "class_mean_score": np.round(class_score, 1),
        "responded": responded,
    }
    for item in TALIS_ITEMS:
        sign = -1.0 if item in TALIS_REVERSED else 1.0
        latent = sign * 0.85 * theta + rng.normal(0, 1.0, n)
        value = _ordinal(latent, _ITEM_CUTS[item]).astype("float64")
        cols[item] = np.where(responded, value, np.nan)
    pd_hours = np.round(rng.gamma(2.0, 14, n) * np.exp(0.1 * theta))
    cols["pd_hours"] = np.where(responded, pd_hours, np.nan)
    cols["left_next_year"] = rng.random(n) < _sigmoid(-2.2 - 0.7 * theta)
    return _finish("educator_survey", cols), {"gaming": g}


def make_educator_survey(seed: int = 42, n_schools: int = 60, teachers_per_school: int = 25,
                         period: int = 1, gaming: float = 0.0) -> Frame:
    """A TALIS-style teacher job-satisfaction survey with school context and outcomes.

    Args:
        seed: random seed: one district (its schools and teachers).
        n_schools: schools.
        teachers_per_school: average teachers invited per school (Poisson, at least 3).
        period: survey year of the same district (1 = the default; other years survey the
            same teachers in the same schools, whose satisfaction moves a little).
        gaming: 0 (default) to 3: school leaders press satisfied teachers to answer and let
            the others be, so response falls among the less satisfied.
    """
    return _educator_survey(seed, n_schools, teachers_per_school, period, gaming)[0]


# --------------------------------------------------------------------------------------
# Registry and public API
# --------------------------------------------------------------------------------------

Generator = Callable[..., Frame]

#: Dataset name -> generator ``make_<name>(seed=42, **sizes)``.
DATASETS: dict[str, Generator] = {
    "support_contacts": make_support_contacts,
    "customer_survey": make_customer_survey,
    "customer_accounts": make_customer_accounts,
    "product_usage": make_product_usage,
    "release_log": make_release_log,
    "customer_journey": make_customer_journey,
    "enrollment_funnel": make_enrollment_funnel,
    "student_terms": make_student_terms,
    "lms_activity": make_lms_activity,
    "assessments": make_assessments,
    "educator_survey": make_educator_survey,
}

_TRUTH: dict[str, Callable[..., Truth]] = {
    "support_contacts": lambda seed, **k: _support_contacts(seed, **k)[1],
    "customer_survey": lambda seed, **k: _customer_survey(seed, **k)[1],
    "customer_accounts": lambda seed, **k: _customer_accounts(seed, **k)[1],
    "product_usage": lambda seed, **k: _usage(seed, **k)[2],
    "release_log": lambda seed, **k: _usage(seed, **k)[2],
    "customer_journey": lambda seed, **k: _customer_journey(seed, **k)[1],
    "enrollment_funnel": lambda seed, **k: _enrollment_funnel(seed, **k)[1],
    "student_terms": lambda seed, **k: _student_terms(seed, **k)[1],
    "lms_activity": lambda seed, **k: _lms_activity(seed, **k)[1],
    "assessments": lambda seed, **k: _assessments(seed, **k)[1],
    "educator_survey": lambda seed, **k: _educator_survey(seed, **k)[1],
}


def _generator(name: str) -> Generator:
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise UnknownKindError(
            f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}") from None


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def size_parameters(name: str) -> dict[str, Any]:
    """The size parameters of a dataset's generator and their defaults."""
    sig = inspect.signature(_generator(name))
    return {k: p.default for k, p in sig.parameters.items() if k != "seed"}


def generate(name: str, seed: int = 42, **sizes: Any) -> Frame:
    """Generate dataset ``name`` from ``seed``; ``sizes`` go to ``make_<name>``."""
    gen = _generator(name)
    return gen(seed=_check_seed(seed), **sizes)


def planted(name: str, seed: int = 42, **sizes: Any) -> Truth:
    """The hidden facts behind a dataset's planted patterns for this seed (for instructors
    and tests), e.g. ``planted("support_contacts")["gaming_agents"]``."""
    _generator(name)
    full = {**size_parameters(name), **sizes}
    return _TRUTH[name](_check_seed(seed), **full)


def _sizes_for(name: str, sizes: dict[str, Any]) -> dict[str, Any]:
    params = size_parameters(name)
    return {k: v for k, v in sizes.items() if k in params}


def _check_size_names(names: Sequence[str], sizes: dict[str, Any]) -> None:
    known = {k for n in names for k in size_parameters(n)}
    unknown = sorted(set(sizes) - known)
    if unknown:
        raise TypeError(f"unknown size parameter(s) {', '.join(unknown)}; known: "
                        f"{', '.join(sorted(known))}")


def write_all(out_dir: str | Path, seed: int = 42, only: Sequence[str] | None = None,
              **sizes: Any) -> list[Path]:
    """Write every dataset (or ``only`` those named) as ``<out_dir>/<name>.csv``.

    Each size parameter goes to every generator that has a parameter of that name
    (e.g. ``n_students`` sizes student_terms and lms_activity). Returns the paths written.
    """
    names = list(only) if only else list(DATASETS)
    for name in names:
        _generator(name)
    _check_size_names(names, sizes)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        df = generate(name, seed, **_sizes_for(name, sizes))
        path = out / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(frame_to_csv_text(df))
        paths.append(path)
    return paths


_CACHE: dict[tuple, Frame] = {}
_CACHE_MAX_ROWS = 200_000


def load(name: str, seed: int = 42, data_dir: str | Path = "", **sizes: Any) -> Frame:
    """Load a dataset for a notebook, always validated.

    * ``data_dir`` empty: generate it from ``seed`` (and ``sizes``), write it to CSV text and
      read that back through the validator, so the frame is identical (dtypes included) to
      reading the committed ``data/<name>.csv`` for seed 42.
    * ``data_dir`` given: read and validate ``<data_dir>/<name>.csv`` (``seed`` and ``sizes``
      are not used, so a notebook can pass its parameters either way).

    Raises :class:`helpers.validate.DataValidationError` with a one-line message for bad
    input.
    """
    _generator(name)
    if data_dir not in ("", None):
        # Sizes describe generated data only; a notebook passes its size parameters
        # either way, so they are checked for spelling and otherwise not used here.
        _check_size_names([name], sizes)
        return read_csv_validated(Path(data_dir) / f"{name}.csv", name)
    seed = _check_seed(seed)
    key = (name, seed, tuple(sorted(sizes.items())))
    if key in _CACHE:
        return _CACHE[key].copy()
    df = generate(name, seed, **sizes)
    out = read_csv_validated(frame_to_csv_text(df), name, label=f"generated {name} (seed {seed})")
    if len(out) <= _CACHE_MAX_ROWS:
        if len(_CACHE) >= 64:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = out.copy()
    return out


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _parse_size(text: str) -> tuple[str, int | float]:
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}")
    try:
        return name, int(value)
    except ValueError:
        pass
    try:
        return name, float(value)  # gaming=1.5
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.data --seed 42 --out DIR [--only NAME ...] [--size NAME=N ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data",
        description="Write the workbook's sample datasets as CSV files.",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--only", nargs="+", choices=list(DATASETS), metavar="NAME",
                        help=f"datasets to write (default: all): {', '.join(DATASETS)}")
    parser.add_argument("--size", action="append", type=_parse_size, default=[],
                        metavar="NAME=N", help="a size parameter, e.g. n_students=143000, or "
                        "period=2 (another period of the same organisation), gaming=1.5")
    args = parser.parse_args(argv)
    try:
        paths = write_all(args.out, seed=args.seed, only=args.only, **dict(args.size))
    except (TypeError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for path in paths:
        rows = path.read_bytes().count(b"\n") - 1
        print(f"wrote {path} ({rows} rows, {path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
