"""Generator of the support centre's contacts (``support_contacts``), with gaming agents planted."""

from __future__ import annotations

import numpy as np

from helpers.data._random import (
    Frame,
    Truth,
    _allocate,
    _check_gaming,
    _check_sizes,
    _choice_idx,
    _finish,
    _ids,
    _pick,
    _rate,
    _streams,
    _weekdays,
)


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
