"""Self-checks of notebooks 01-03: correct, incorrect and not attempted, on other seeds."""

from __future__ import annotations

import pytest

from helpers import data, simulate, support
from helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, ____, nb02, nb03

SEEDS = [7, 123]


def sample(seed: int):
    contacts = data.load("support_contacts", seed=seed)
    return contacts, support.agent_summary(contacts)


# Notebook 01's exercises are tested in tests/test_exercises_nb00_01.py.


# -------------------------------------------------------------------------------- 02


@pytest.fixture(params=SEEDS)
def ex02(request):
    seed = request.param
    contacts, _ = sample(seed)
    counts = simulate.agent_csat_counts(contacts)
    funnel = simulate.funnel_frame(counts["satisfied"], counts["responses"], counts["agent_id"])
    table = simulate.league_table(n_agents=20, surveys=30, seed=seed)
    return table, funnel, nb02.exercises(table, funnel)


def test_nb02_self_test(ex02):
    *_, ex = ex02
    assert ex.self_test() == []


def test_nb02_answers(ex02):
    from helpers import metrics

    table, funnel, ex = ex02
    p0 = funnel["successes"].sum() / funnel["n"].sum()
    lower, upper = metrics.funnel_limits(p0, funnel["n"].max())
    assert ex.q2.check(100 * upper[0]).status == CORRECT
    assert "99.8%" in ex.q2.check(100 * metrics.funnel_limits(p0, funnel["n"].max(), 3.09)[1][0]).message
    assert ex.q1.check(____).status == NOT_ATTEMPTED
    outside = funnel.loc[(funnel["rate_pct"] < funnel["lower95_pct"]) | (funnel["rate_pct"] > funnel["upper95_pct"]), "unit"]
    assert ex.q3.check(list(outside)).status == CORRECT
    assert ex.q3.check(list(outside) + ["nobody"]).status == INCORRECT
    wide = table.pivot(index="agent_id", columns="period", values="rank")
    stayed = int(((wide[1] <= 5) & (wide[2] <= 5)).sum())
    assert ex.q1.check(stayed).status == CORRECT
    assert ex.q1.check(stayed + 1).status == INCORRECT


# -------------------------------------------------------------------------------- 03


@pytest.fixture(params=SEEDS)
def ex03(request):
    seed = request.param
    contacts, agents = sample(seed)
    agents["gamer"] = agents["agent_id"].isin(data.planted("support_contacts", seed=seed)["gaming_agents"])
    run = simulate.simulate_team(seed=seed)
    accounts = simulate.cross_sell_scenario(seed=seed)
    return run.agents, agents, accounts, nb03.exercises(run.agents, agents, accounts, 25.0, 65.0)


def test_nb03_self_test(ex03):
    *_, ex = ex03
    assert ex.self_test() == []


def test_nb03_counts(ex03):
    sim_agents, sample_agents, accounts, ex = ex03
    flags = simulate.flag_agents(sim_agents, simulate.MetricSet("handle_time_min", "lower", (simulate.Guardrail("repeat_pct", 25, "lower"),)))
    honest = int((flags["flagged"] & ~flags["gamer"]).sum())
    assert ex.q1.check(honest).status == CORRECT
    assert ex.q1.check(int(flags["flagged"].sum())).status == INCORRECT
    flags2 = simulate.flag_agents(sample_agents, simulate.build_metric_set("handle_time_min", 25, 65))
    assert ex.q2.check(int((flags2["flagged"] & ~flags2["gamer"]).sum())).status == CORRECT
    assert ex.q2.check(____).status == NOT_ATTEMPTED


def test_nb03_signal_choice(ex03):
    *_, accounts, ex = ex03
    assert ex.q3.check(["no_customer_activity"]).status == CORRECT
    assert ex.q3.check("no_customer_activity").status == CORRECT  # one name is accepted too
    assert ex.q3.check(["no_customer_activity", "fee_refunded", "complaint"]).status == CORRECT
    fb = ex.q3.check(["eight_plus_products"])
    assert fb.status == INCORRECT and "cannot police itself" in fb.message
    fb = ex.q3.check(["complaint", "fee_refunded"])
    assert fb.status == INCORRECT and "lagging" in fb.message
    fb = ex.q3.check(["complaint"])
    assert fb.status == INCORRECT and "detects" in fb.message
    assert "not a signal" in ex.q3.check(["gut_feeling"]).message
    assert ex.q3.check(____).status == NOT_ATTEMPTED
    assert nb03.best_signal_choice(accounts) == ["no_customer_activity"]
