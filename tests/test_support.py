"""Support-contact summaries used by notebooks 00, 01 and 03."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import charts, data, support


def toy() -> pd.DataFrame:
    # agent A: 2 contacts, 1 repeat, handle 4 and 6 min; agent B: 3 contacts, 0 repeats
    return pd.DataFrame(
        {
            "agent_id": ["A", "A", "B", "B", "B"],
            "team": ["t1", "t1", "t2", "t2", "t2"],
            "handle_time_min": [4.0, 6.0, 10.0, 12.0, 14.0],
            "transfers": [1, 0, 0, 0, 0],
            "resolved_first_contact": [0, 1, 1, 1, 1],
            "repeat_within_7d": [1, 0, 0, 0, 0],
            "csat": [pd.NA, 3, 5, 4, pd.NA],
        }
    ).astype({"csat": "Int64"})


def test_agent_summary_by_hand():
    a = support.agent_summary(toy()).set_index("agent_id")
    assert a.loc["A", "contacts"] == 2 and a.loc["B", "contacts"] == 3
    assert a.loc["A", "handle_time_min"] == 5.0 and a.loc["B", "handle_time_min"] == 12.0
    assert a.loc["A", "repeat_pct"] == 50.0 and a.loc["B", "repeat_pct"] == 0.0
    assert a.loc["A", "fcr_pct"] == 50.0 and a.loc["B", "fcr_pct"] == 100.0
    # CSAT top-two-box over answered surveys only: A answered one 3 -> 0%; B answered 5 and 4 -> 100%
    assert a.loc["A", "csat_pct"] == 0.0 and a.loc["B", "csat_pct"] == 100.0
    assert a.loc["A", "csat_responses"] == 1 and a.loc["B", "csat_responses"] == 2


def test_target_summary_pools_over_contacts():
    a = support.agent_summary(toy())
    s = support.target_summary(a, 8)
    assert s["agents_meeting"] == 1 and s["agents_total"] == 2
    assert s["repeat_pct_meeting"] == 50.0 and s["repeat_pct_others"] == 0.0
    with pytest.raises(ValueError, match="positive"):
        support.target_summary(a, 0)
    with pytest.raises(ValueError, match="missing column"):
        support.agent_summary(toy().drop(columns="csat"))


@pytest.mark.parametrize("seed", [1, 42, 2024])
def test_planted_gamers_meet_a_tight_target_with_more_repeats(seed):
    contacts = data.load("support_contacts", seed=seed)
    agents = support.agent_summary(contacts)
    gamers = set(data.planted("support_contacts", seed=seed)["gaming_agents"])
    fastest = set(agents.nsmallest(len(gamers), "handle_time_min")["agent_id"])
    assert fastest == gamers
    s = support.target_summary(agents, float(agents.loc[agents.agent_id.isin(gamers), "handle_time_min"].max()))
    assert s["repeat_pct_meeting"] > 2 * s["repeat_pct_others"]


def test_target_view_changes_only_the_target():
    charts.setup()
    agents = support.agent_summary(data.load("support_contacts"))
    view = support.target_view(agents)
    a, b = view(6.0), view(11.0)
    assert a["params"][0]["value"] == 6.0 and b["params"][0]["value"] == 11.0
    assert a["description"] != b["description"]
    html_a = charts.render_bundle(a)[0]["text/html"]
    html_b = charts.render_bundle(b)[0]["text/html"]
    assert html_a != html_b
    static = support.target_chart(agents, 6.0).to_dict()
    assert static["description"] == a["description"]
