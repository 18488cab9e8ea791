"""Self-checks of notebooks 00 and 01: right, wrong (with the known mistake named) and not
attempted, on other seeds and sizes; the code exercise on wrong implementations."""

from __future__ import annotations

import re

import pytest

from helpers import data, simulate, support
from helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, ____, nb00, nb01

SEEDS = [7, 123]


def sample(seed: int, **sizes):
    contacts = data.load("support_contacts", seed=seed, **sizes)
    return contacts, support.agent_summary(contacts)


# -------------------------------------------------------------------------------- 00


@pytest.fixture(params=SEEDS)
def ex00(request):
    contacts, agents = sample(request.param, n_agents=40, contacts_per_agent=60)
    return contacts, agents, nb00.exercises(contacts, agents, 8.0)


def test_nb00_self_test_and_shape(ex00):
    *_, ex = ex00
    assert ex.self_test() == []
    assert len(ex.exercises) >= 2 and ex.predictions and ex.reflections


def test_nb00_answers_computed_in_plain_pandas(ex00):
    contacts, agents, ex = ex00
    assert ex.q1.check(len(contacts)).status == CORRECT
    share = contacts["repeat_within_7d"].mean() * 100
    assert ex.q2.check(share).status == CORRECT
    assert ex.q2.check(round(share, 1)).status == CORRECT
    fb = ex.q2.check(share / 100)
    assert fb.status == INCORRECT and "fraction" in fb.message
    fb = ex.q2.check(int(contacts["repeat_within_7d"].sum()))
    assert fb.status == INCORRECT and "count of repeats" in fb.message
    assert ex.q2.check(____).status == NOT_ATTEMPTED
    per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
    fastest = per_agent.sort_values("h").iloc[0]
    assert ex.q3.check(fastest["r"] * 100).status == CORRECT
    fb = ex.q3.check(round(share, 1))
    if abs(round(share, 1) - fastest["r"] * 100) > 0.1:
        assert fb.status == INCORRECT and "team's rate" in fb.message
    slowest = per_agent.sort_values("h").iloc[-1]
    if abs(slowest["r"] - fastest["r"]) * 100 > 0.1:
        assert "slowest" in ex.q3.check(slowest["r"] * 100).message
    # per_agent and agents hold percents already: multiplying again is named
    fb = ex.q3.check(fastest["r"] * 100 * 100)
    assert fb.status == INCORRECT and "multiplied by 100 again" in fb.message
    # the rounded helper table gives an accepted answer too
    assert ex.q3.check(agents.sort_values("handle_time_min").iloc[0]["repeat_pct"]).status == CORRECT


@pytest.mark.parametrize("seed", [7, 10, 11, 13, 15, 42])
def test_nb00_target_numbers_are_the_groupby_numbers(seed):
    """The prediction, the printed reading and the chart use exactly what the notebook's pandas gives
    (the agent table's rounded rates once differed in the first decimal, e.g. at seed 11)."""
    contacts, agents = sample(seed)
    per_agent = contacts.groupby("agent_id")["handle_time_min"].mean()
    meets = contacts["agent_id"].isin(per_agent.index[per_agent <= 8.0])
    by_group = contacts.groupby(meets)["repeat_within_7d"].mean() * 100
    s = support.target_summary(agents, 8.0, contacts)
    assert s["repeat_pct_meeting"] == pytest.approx(by_group[True], abs=1e-9)
    assert s["repeat_pct_others"] == pytest.approx(by_group[False], abs=1e-9)
    ex = nb00.exercises(contacts, agents, 8.0)
    assert f"says {by_group[True]:.1f}%" in ex.p1.reveal(____).message
    assert f"{by_group[True]:.1f}% against {by_group[False]:.1f}%" in support.target_chart(agents, 8.0, contacts=contacts).to_dict()["description"]


def test_nb00_prediction_speaks_of_percentage_points(ex00):
    *_, ex = ex00
    actual = float(ex.p1.actual())
    fb = ex.p1.reveal(round(actual) + 10)
    assert "percentage points too high" in fb.message and "% too" not in fb.message
    assert "If you meant a share" in ex.p1.reveal(0.5).message
    assert "If you meant a share" not in ex.p1.reveal(50).message


def test_nb00_prediction_handles_a_target_nobody_meets():
    contacts, agents = sample(3, n_agents=12, contacts_per_agent=25)
    ex = nb00.exercises(contacts, agents, 0.5)
    fb = ex.p1.reveal(20)
    assert "fastest agent" in fb.message and "nan" not in fb.message


# -------------------------------------------------------------------------------- 01


def build01(seed: int, team_size: int = 40, periods: int = 12):
    contacts, agents = sample(seed)
    run = simulate.simulate_team(seed=seed, team_size=team_size, periods=periods)
    sweep = simulate.pressure_sweep(audit_weights=(0.0, 0.25, 0.5, 1.0), team_size=team_size, periods=periods,
                                    seed=seed)
    return run, contacts, agents, sweep, nb01.exercises(run, contacts, sweep)


@pytest.fixture(params=SEEDS)
def ex01(request):
    return build01(request.param)


@pytest.mark.parametrize("seed,team_size,periods", [(7, 40, 12), (11, 12, 8), (5, 150, 20)])
def test_nb01_self_test_and_shape(seed, team_size, periods):
    *_, ex = build01(seed, team_size, periods)
    assert ex.self_test() == []
    assert len(ex.exercises) >= 3 and len(ex.code_exercises) >= 1
    assert ex.predictions and len(ex.reflections) == 2


def test_nb01_case_matching(ex01):
    *_, ex = ex01
    right = dict(nb01.CASE_MATCH)
    assert ex.q1.check(right).status == CORRECT
    assert ex.q1.check({f"  {k.upper()} ": v.lower() for k, v in right.items()}).status == CORRECT
    assert ex.q1.check({k: ____ for k in nb01.CASES}).status == NOT_ATTEMPTED
    assert ex.q1.check(____).status == NOT_ATTEMPTED
    swapped = dict(right, **{"Wells Fargo": right["VA Phoenix"], "VA Phoenix": right["Wells Fargo"]})
    fb = ex.q1.check(swapped)
    assert fb.status == INCORRECT and "4 of 6 right" in fb.message and "Wells Fargo" in fb.message
    assert not re.search(r"\b[A-F]\b", fb.message)  # names the cases, never the right letters
    half = dict(right, **{"Atlanta schools": ____})
    assert "without a letter" in ex.q1.check(half).message
    assert "not one of the letters" in ex.q1.check(dict(right, **{"Atlanta schools": "Z"})).message
    assert "not one of the six cases" in ex.q1.check({**right, "Enron": "A"}).message
    # the letters in the module describe the counter-metrics the notebook reveals
    assert set(right.values()) == set(nb01.COUNTER_METRICS) and len(set(right.values())) == 6


def test_nb01_csat_fall(ex01):
    run, *_, ex = ex01
    p = run.periods
    fall = p.loc[~p["target_on"], "csat_pct"].mean() - p["csat_pct"].tail(4).mean()
    assert ex.q2.check(fall).status == CORRECT
    assert ex.q2.check(round(fall, 2)).status == CORRECT
    fb = ex.q2.check(-fall)
    assert fb.status == INCORRECT and "after minus before" in fb.message
    fcr_fall = p.loc[~p["target_on"], "fcr_pct"].mean() - p["fcr_pct"].tail(4).mean()
    assert "first-contact resolution" in ex.q2.check(fcr_fall).message
    fb = ex.q2.check(round(fall, 1))
    if abs(round(fall, 1) - fall) > 0.005:
        assert "decimal" in fb.message
    # a correct answer is told what the second decimal means: arithmetic, not precision
    assert "sampling error of about ±" in ex.q2.check(fall).message


def test_nb01_sweep_series(ex01):
    *_, sweep, ex = ex01
    answer = sweep[sweep["pressure"] == 0.8].set_index("audit_weight")["gamed_pct"]
    assert ex.q3.check(answer).status == CORRECT
    assert ex.q3.check(answer.to_dict()).status == CORRECT
    wrong = sweep[sweep["pressure"] == 1.0].set_index("audit_weight")["gamed_pct"]
    fb = ex.q3.check(wrong)
    assert fb.status == INCORRECT and "pressure 1" in fb.message
    assert ex.q3.check(____).status == NOT_ATTEMPTED
    fb = ex.q3.check(sweep.groupby("audit_weight")["gamed_pct"].mean())
    assert fb.status == INCORRECT and "mean over all pressures" in fb.message
    # what exercise 3's explanation and the notebook say: even the strongest audit leaves gaming
    assert answer.iloc[-1] > 0 and answer.is_monotonic_decreasing


@pytest.mark.parametrize("seed", range(1, 21))
def test_nb01_audit_sentences_hold_over_seeds(seed):
    """Exercise 3's explanation and section 3's prose: at pressure 0.8 and 1 a stronger audit leaves
    less gaming, and even the strongest leaves some (default incentive and team)."""
    sweep = simulate.pressure_sweep(pressures=(0.8, 1.0), audit_weights=(0.0, 0.25, 0.5, 1.0), seed=seed)
    for _, rows in sweep.groupby("pressure"):
        gamed = rows.sort_values("audit_weight")["gamed_pct"]
        assert gamed.is_monotonic_decreasing and gamed.iloc[-1] > 0


def learner_rule(contacts):
    per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
    both = (per_agent["h"] < 0.75 * per_agent["h"].median()) & (per_agent["r"] > 1.5 * contacts["repeat_within_7d"].mean())
    return per_agent.index[both]  # an Index of ids, lower-case-insensitive comparison applies


def test_nb01_code_exercise(ex01):
    *_, ex = ex01
    assert ex.q4.check(learner_rule).status == CORRECT
    assert ex.q4.check(lambda c: [i.lower() for i in learner_rule(c)]).status == CORRECT  # lower-case ids

    def template(contacts):
        return ____

    assert ex.q4.check(template).status == NOT_ATTEMPTED
    fb = ex.q4.check(learner_rule(ex.q4.case_list()[0].args[0]))
    assert fb.status == INCORRECT and "not a function" in fb.message
    for label, wrong, _ in ex.q4.mistakes:
        fb = ex.q4.check(wrong)
        assert fb.status == INCORRECT and fb.mistake == label, (label, fb.message)

    def crashes(contacts):
        return contacts["no_such_column"]

    fb = ex.q4.check(crashes)
    assert fb.status == INCORRECT and "KeyError" in fb.message and "Traceback" not in fb.message


def test_nb01_edge_cases_mean_what_they_say():
    cases = {c.label: c for c in nb01.edge_cases()}
    assert nb01.gaming_suspects(cases["a team where nobody is both fast and followed by repeats"].args[0]) == []
    assert nb01.gaming_suspects(cases["agents with different numbers of contacts"].args[0]) == ["B4", "B5"]
    assert nb01.gaming_suspects(cases["an agent exactly at 75% of the median"].args[0]) == ["C5"]
    assert nb01.gaming_suspects(cases["one very slow agent"].args[0]) == []
    assert nb01.gaming_suspects(cases["a fast agent whose customers rarely come back"].args[0]) == ["F5"]
    assert nb01.gaming_suspects(cases["a busy agent with many short contacts"].args[0]) == ["G5"]
    assert nb01.gaming_suspects(cases["one big agent whose customers often come back"].args[0]) == []
    line = cases["an agent exactly at 1.5 times the team's repeat rate"].args[0]
    assert nb01.gaming_suspects(line) == []
    e4 = line.loc[line["agent_id"] == "E4", "repeat_within_7d"].mean()
    assert e4 == 1.5 * line["repeat_within_7d"].mean()  # exactly on the line, in floating point too


def test_nb01_code_exercise_accepts_a_rule_built_on_the_helper_table(ex01):
    *_, ex = ex01

    def with_helper(contacts):  # the made-up teams carry every column agent_summary needs
        agents = support.agent_summary(contacts)
        team = contacts["repeat_within_7d"].mean() * 100
        both = (agents["handle_time_min"] < 0.75 * agents["handle_time_min"].median()) & (agents["repeat_pct"] > 1.5 * team)
        return agents.loc[both, "agent_id"]

    assert ex.q4.check(with_helper).status == CORRECT


def test_nb01_code_exercise_catches_speed_alone_and_mixed_units(ex01):
    *_, ex = ex01

    def speed_only(contacts):
        per_agent = contacts.groupby("agent_id")["handle_time_min"].mean()
        return list(per_agent.index[per_agent < 0.75 * per_agent.median()])

    def mixed_units(contacts):  # a percent compared with a share: every rate passes
        per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
        both = (per_agent["h"] < 0.75 * per_agent["h"].median()) & (per_agent["r"] * 100 > 1.5 * contacts["repeat_within_7d"].mean())
        return list(per_agent.index[both])

    def median_both(contacts):  # the median agent for the repeat condition too
        per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
        both = (per_agent["h"] < 0.75 * per_agent["h"].median()) & (per_agent["r"] > 1.5 * per_agent["r"].median())
        return list(per_agent.index[both])

    for fn, label in ((speed_only, "only the speed condition"), (mixed_units, "only the speed condition"),
                      (median_both, "the median agent's repeat rate instead of the team's")):
        fb = ex.q4.check(fn)
        assert fb.status == INCORRECT and fb.mistake == label, fb.message


def test_nb01_prediction_is_the_number_of_gamers(ex01):
    run, *_, ex = ex01
    fb = ex.p1.reveal(int(run.agents["gamer"].sum()))
    assert "spot on" in fb.message
    assert f"team of {len(run.agents)}" in fb.message and "agents too" in ex.p1.reveal(len(run.agents) + 5).message
    assert ex.p1.reveal(____).status == NOT_ATTEMPTED


def test_nb01_rule_keeps_the_old_call():
    contacts, agents = sample(42)
    assert nb01.gaming_suspects(agents, contacts) == nb01.gaming_suspects(contacts)


@pytest.mark.parametrize("seed", range(20, 40))
def test_nb01_rule_matches_planted_pattern_over_many_seeds(seed):
    contacts, _ = sample(seed)
    assert nb01.gaming_suspects(contacts) == sorted(data.planted("support_contacts", seed=seed)["gaming_agents"])


def test_suspect_chart_draws_both_thresholds():
    contacts, agents = sample(42)
    chart = support.suspect_chart(agents, 8.0, 25.0).to_dict()
    assert "8.00 minutes and 25.0% repeats" in chart["description"]
    rules = [layer for layer in chart["layer"] if layer["mark"].get("type") == "rule"]
    assert {next(iter(r["encoding"])) for r in rules} == {"x", "y"}
    both = ((agents["handle_time_min"] < 8.0) & (agents["repeat_pct"] > 25.0)).sum()
    assert f"{both} agent" in chart["description"]


def test_target_view_keeps_the_x_axis_fixed():
    _, agents = sample(42)
    view = support.target_view(agents, x_domain=(4.0, 14.0))
    low, high = view(4.0), view(14.0)
    domains = [layer["encoding"]["x"]["scale"]["domain"] for spec in (low, high)
               for layer in spec["layer"] if "scale" in layer["encoding"].get("x", {})]
    assert domains and all(d == domains[0] for d in domains)
    assert domains[0][0] <= min(4.0, agents["handle_time_min"].min())
    assert domains[0][1] >= max(14.0, agents["handle_time_min"].max())
    assert "the target of 4 minutes" in low["description"]
