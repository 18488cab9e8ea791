"""Exercises of notebooks 02 and 03: right answers computed independently in plain pandas are
accepted, known mistakes get their own message, edge cases of the code exercises, on seeds
other than the default; and the planted patterns the notebooks' prose relies on, over many seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import data, education, metrics, simulate, support
from helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, ____, nb02, nb03

SEEDS = [7, 123]


# -------------------------------------------------------------------------------- 02


@pytest.fixture(scope="module", params=SEEDS)
def ex02(request):
    seed = request.param
    table = simulate.league_table(n_agents=20, surveys=30, periods=3, seed=seed)
    many = simulate.rank_stability([30], n_agents=20, skill_sd=0.0, n_sims=100, seed=seed)
    contacts = data.load("support_contacts", seed=seed)
    assessments = data.load("assessments", seed=seed)
    return table, many, contacts, assessments, nb02.exercises(table, many, contacts, assessments, 60)


def test_nb02_self_test_and_kinds(ex02):
    *_, ex = ex02
    assert ex.self_test() == []
    assert len(ex.exercises) >= 3 and ex.code_exercises and ex.predictions and len(ex.reflections) == 2


def test_nb02_q1_regression_to_the_mean(ex02):
    table, *_, ex = ex02
    top2 = table.loc[(table["period"] == 2) & table["top_quartile"], "agent_id"]
    later = table[(table["period"] == 3) & table["agent_id"].isin(top2)]
    answer = later["csat_pct"].mean()
    assert ex.q1.check(answer).status == CORRECT
    assert ex.q1.check(round(answer, 1)).status == CORRECT
    assert ex.q1.check(answer / 100).status == INCORRECT and "multiply by 100" in ex.q1.check(answer / 100).message
    picked = table[(table["period"] == 2) & table["agent_id"].isin(top2)]["csat_pct"].mean()
    fb = ex.q1.check(picked)
    assert fb.status == INCORRECT and "one period later" in fb.message
    assert ex.q1.check(____).status == NOT_ATTEMPTED


def test_nb02_q1_feedback_knows_ties():
    # over seeds, whenever the ties-included answer differs from the coin-toss answer, the
    # check names the tie rule
    named = 0
    for seed in range(20):
        table = simulate.league_table(n_agents=20, surveys=30, periods=3, seed=seed)
        ex = nb02.exercises(table, simulate.rank_stability([30], skill_sd=0.0, n_sims=20, seed=seed),
                            data.load("support_contacts", seed=1), data.load("assessments", seed=1), 60)
        p2 = table[table["period"] == 2]
        cut = p2.sort_values("rank")["csat_pct"].iloc[4]
        tied_in = p2.loc[p2["csat_pct"] >= cut, "agent_id"]
        wrong = table[(table["period"] == 3) & table["agent_id"].isin(tied_in)]["csat_pct"].mean()
        if abs(wrong - ex.q1.expected_value()) > nb02.Q1_TOLERANCE:
            fb = ex.q1.check(wrong)
            assert fb.status == INCORRECT and "coin toss" in fb.message, fb.message
            named += 1
    assert named >= 3


def test_nb02_q2_code_exercise(ex02):
    _, _, contacts, _, ex = ex02

    def mine(contacts, by):
        answered = contacts.dropna(subset=["csat"])
        return answered.groupby(by).agg(answers=("csat", "size"), csat_pct=("csat", lambda s: 100 * (s >= 4).mean()))

    assert ex.q2.check(mine).status == CORRECT
    fb = ex.q2.check(lambda contacts, by: contacts.groupby(by).agg(answers=("csat", "count"), csat_pct=("csat", "mean")))
    assert fb.status == INCORRECT and "not the average score" in fb.message
    fb = ex.q2.check(lambda contacts, by: contacts.groupby(by).agg(
        answers=("csat", "size"), csat_pct=("csat", lambda s: 100 * (s.dropna() >= 4).mean())))
    assert fb.status == INCORRECT and "survey answers" in fb.message

    def no_dropna(contacts, by):  # keeps groups without answers
        g = contacts.groupby(by)["csat"]
        return pd.DataFrame({"answers": g.count(), "csat_pct": 100 * g.apply(lambda s: (s.dropna() >= 4).mean())})

    fb = ex.q2.check(no_dropna)
    assert fb.status == INCORRECT and "nobody answered" in fb.message
    fb = ex.q2.check(lambda contacts, by: 1 / 0)
    assert fb.status == INCORRECT and "ZeroDivisionError" in fb.message and "\n" not in fb.message
    assert ex.q2.check(____).status == NOT_ATTEMPTED


def test_nb02_q3_sections_outside_the_exact_limits(ex02):
    _, _, _, assessments, ex = ex02
    a = assessments.assign(passed=assessments["post_score"].fillna(-1) >= 60)
    g = a.groupby("section")["passed"].agg(["size", "sum"])
    out = metrics.outside_funnel(g["sum"], g["size"])  # exact binomial, pooled p0, 95%
    answer = list(g.index[out])
    assert ex.q3.check(answer).status == CORRECT
    assert ex.q3.check([s.lower() + " " for s in answer]).status == CORRECT  # case and spaces do not matter
    assert ex.q3.check(pd.Index(answer)).status == CORRECT
    normal = list(g.index[metrics.outside_funnel(g["sum"], g["size"], method="normal")])
    if set(normal) != set(answer):
        assert "normal-approximation" in ex.q3.check(normal).message


def test_nb02_prediction_reveals_the_chance_level(ex02):
    _, many, *_, ex = ex02
    fb = ex.p1.reveal(25)
    assert f"{100 * many['top_quartile_persistence'].iloc[0]:.1f}%" in fb.message
    assert "no prediction" in ex.p1.reveal(____).message


@pytest.mark.parametrize("seed", range(100, 120))
def test_interactive_sections_pass_more_students(seed):
    # notebook 02, section 5, names teaching mode as a common cause: it must hold for every seed
    a = data.load("assessments", seed=seed)
    rate = (a["post_score"] >= 60).groupby(a["teaching_mode"]).mean()
    assert rate["interactive"] > rate["traditional"]


# -------------------------------------------------------------------------------- 03


@pytest.fixture(scope="module", params=SEEDS)
def ex03(request):
    seed = request.param
    contacts = data.load("support_contacts", seed=seed)
    agents = support.agent_summary(contacts)
    agents["gamer"] = agents["agent_id"].isin(data.planted("support_contacts", seed=seed)["gaming_agents"])
    run = simulate.simulate_team(seed=seed)
    accounts = simulate.cross_sell_scenario(seed=seed)
    return seed, run.agents, agents, accounts, nb03.exercises(run.agents, agents, accounts, 30.0, 60.0, seed=seed)


def test_nb03_self_test_and_kinds(ex03):
    *_, ex = ex03
    assert ex.self_test() == []
    assert len(ex.exercises) >= 3 and ex.code_exercises and ex.predictions


def test_nb03_heart_and_north_star(ex03):
    *_, ex = ex03
    assert ex.q1.check(" No Help Ticket ").status == CORRECT
    assert "Happiness" in ex.q1.check("quiz rating").message
    assert "not one of the options" in ex.q1.check("b").message
    assert ex.q2.check("solved for good").status == CORRECT
    assert "gamed in notebook 01" in ex.q2.check("handle time").message


def test_nb03_flagged_ids_code_exercise(ex03):
    _, sim_agents, _, _, ex = ex03

    def mine(agents, repeat_limit, fcr_limit):
        return agents.loc[(agents["repeat_pct"] > repeat_limit) | (agents["fcr_pct"] < fcr_limit), "agent_id"].tolist()

    assert ex.q3.check(mine).status == CORRECT
    fb = ex.q3.check(lambda a, r, f: a.loc[(a["repeat_pct"] >= r) | (a["fcr_pct"] <= f), "agent_id"].tolist())
    assert fb.status == INCORRECT and "exactly at the limit" in fb.message
    fb = ex.q3.check(lambda a, r, f: a.loc[(a["repeat_pct"] > r) & (a["fcr_pct"] < f), "agent_id"].tolist())
    assert fb.status == INCORRECT and "(or)" in fb.message
    fb = ex.q3.check(lambda a, r, f: (a["repeat_pct"] > r) | (a["fcr_pct"] < f))
    assert fb.status == INCORRECT and "True/False mask" in fb.message
    # the reference agrees with the helper that notebooks use afterwards
    flags = simulate.flag_agents(sim_agents, simulate.build_metric_set("handle_time_min", 30.0, 60.0))
    assert nb03.flagged_ids(sim_agents, 30.0, 60.0) == sorted(flags.loc[flags["flagged"], "agent_id"])


def test_nb03_design_is_scored_on_fresh_teams(ex03):
    seed, sim_agents, _, _, ex = ex03
    teams = nb03.fresh_teams(seed, 0.6, 0.5, 40, 12)
    assert all(not t.equals(sim_agents) for t in teams)
    first = simulate.build_metric_set("handle_time_min", 30.0, 60.0)
    fb = ex.q4.check(first)
    assert fb.status == INCORRECT
    for part in ("fresh teams", "gaming agents", "honest agents", "stays useful", "first-guess"):
        assert part in fb.message, fb.message
    report = nb03.design_report(ex.q4.expected_value(), teams)
    good = ex.q4.check(ex.q4.expected_value())
    assert good.status == CORRECT and "honest agents" in good.message
    assert all(report["met"].values())  # at the default sizes some set on the grid reaches every target
    hidden = simulate.MetricSet("handle_time_min", "lower", (simulate.Guardrail("gamed_pct", 10, flag_when="above"),))
    assert "hidden truth" in ex.q4.check(hidden).message
    assert "flags nobody" in ex.q4.check(simulate.MetricSet("handle_time_min")).message
    assert "metric set" in ex.q4.check([30, 60]).message


def test_nb03_design_targets_are_independent_of_the_notebook_team():
    # a set judged only on the notebook's own team could be tuned to it; the fresh teams differ
    teams = nb03.fresh_teams(42, 0.6, 0.5, 40, 12)
    own = simulate.simulate_team(0.6, 0.5, 0.0, 40, 12, 42).agents
    assert len({tuple(t["handle_time_min"].round(2)) for t in [*teams, own]}) == 4


def test_nb03_signal_choice(ex03):
    _, _, _, accounts, ex = ex03
    assert ex.q5.check(["no_customer_activity"]).status == CORRECT
    assert ex.q5.check("no_customer_activity").status == CORRECT  # one name is accepted too
    assert ex.q5.check(["no_customer_activity", "fee_refunded", "complaint"]).status == CORRECT
    fb = ex.q5.check(["eight_plus_products"])
    assert fb.status == INCORRECT and "cannot police itself" in fb.message
    fb = ex.q5.check(["complaint", "fee_refunded"])
    assert fb.status == INCORRECT and "notice" in fb.message
    fb = ex.q5.check(["complaint"])
    assert fb.status == INCORRECT and "detects" in fb.message
    assert "not a signal" in ex.q5.check(["gut_feeling"]).message
    assert ex.q5.check(____).status == NOT_ATTEMPTED
    assert nb03.best_signal_choice(accounts) == ["no_customer_activity"]


@pytest.mark.parametrize("seed", range(100, 120))
def test_shaped_cohort_has_the_best_retention_and_the_most_withdrawals(seed):
    # notebook 03, section 5: "the headline improves exactly where the counter-metric gets worse"
    shaping = education.cohort_shaping_table(education.cohort_outcomes(data.load("student_terms", seed=seed)))
    top = shaping.loc[shaping["retention"].idxmax()]
    assert top["cohort_year"] == shaping.loc[shaping["withdrew_pct"].idxmax(), "cohort_year"]
    assert top["access_cohort"] < top["access_entrants"]
    assert np.isfinite(top["retention_all_entrants"]) and top["retention_all_entrants"] < top["retention"]


@pytest.mark.parametrize("seed", range(100, 120))
def test_top_sellers_are_the_planted_bankers(seed):
    # notebook 03, section 6: "the sales metric rewards exactly the wrong bankers"
    bankers = simulate.employee_summary(simulate.cross_sell_scenario(seed=seed))
    k = min(5, int(bankers["pressured"].sum()))
    assert bankers.nlargest(k, "new_per_customer")["pressured"].all()


# -------------------------------------------------------------------------------- feedback found by trying the exercises


def test_nb02_q1_names_the_true_rate(ex02):
    table, *_, ex = ex02
    true = float(table["true_csat_pct"].mean())
    if abs(true - ex.q1.expected_value()) > nb02.Q1_TOLERANCE:
        fb = ex.q1.check(true)
        assert fb.status == INCORRECT and "true CSAT" in fb.message


def test_nb02_q2_names_a_rounded_rate(ex02):
    *_, ex = ex02

    def rounded(contacts, by):
        answered = contacts[contacts["csat"].notna()]
        g = (answered["csat"] >= 4).groupby(answered[by])
        return pd.DataFrame({"answers": g.size(), "csat_pct": (100 * g.mean()).round(1)})

    fb = ex.q2.check(rounded)
    assert fb.status == INCORRECT and "unrounded" in fb.message


def test_nb02_q3_names_a_one_sided_answer():
    # a section funnel with units on both sides: an answer with only one side is named as such
    named = 0
    for seed in [7, 11, 42, 123]:
        a = data.load("assessments", seed=seed)
        ex = nb02.exercises(simulate.league_table(periods=3, seed=seed), simulate.rank_stability([30], skill_sd=0.0, n_sims=20),
                            data.load("support_contacts", seed=1), a, 60)
        passed = a["post_score"] >= 60
        g = passed.groupby(a["section"]).agg(["size", "sum"])
        out = metrics.outside_funnel(g["sum"], g["size"])
        high = g["sum"] / g["size"] > g["sum"].sum() / g["size"].sum()
        below, above = list(g.index[out & ~high]), list(g.index[out & high])
        if below and above:
            outer = set(g.index[metrics.outside_funnel(g["sum"], g["size"], z=3.09)])
            if set(above) != outer:
                assert "both sides" in ex.q3.check(above).message
                named += 1
    assert named >= 1


def test_exact_upper_limit_mirrors_the_lower_one():
    # the workbook's upper limit: a count lies above it exactly when P(Y >= y) < tail; the
    # quantile interpolation of Spiegelhalter's appendix would also flag some counts with a
    # larger tail probability (the reason the notebook gives for the choice)
    p, tail = 0.76, 0.025
    for n in [10, 20, 50, 86, 200]:
        _, upper = metrics.funnel_limits(p, [n])
        cdf = metrics._binom_cdf(n, p)
        for y in range(n + 1):
            p_high = 1.0 - (cdf[y - 1] if y else 0.0)
            assert (y / n > upper[0]) == (p_high < tail), (n, y)
    # the two outside_funnel directions agree with the drawn limits
    s, nn = np.array([5, 19, 30, 40]), np.array([20, 20, 40, 50])
    lo, hi = metrics.funnel_limits(0.76, nn)
    assert list(metrics.outside_funnel(s, nn, p0=0.76)) == list((s / nn < lo) | (s / nn > hi))


def test_nb03_q4_names_a_guardrail_pointing_the_wrong_way(ex03):
    *_, ex = ex03
    backwards = simulate.MetricSet("handle_time_min", "lower", (simulate.Guardrail("repeat_pct", 25, flag_when="below"),))
    fb = ex.q4.check(backwards)
    assert fb.status == INCORRECT and "flag_when='above'" in fb.message
    backwards = simulate.MetricSet("handle_time_min", "lower", (simulate.Guardrail("fcr_pct", 65, flag_when="above"),))
    assert "flag_when='below'" in ex.q4.check(backwards).message


def test_nb03_q5_signal_names_ignore_case_spaces_and_underscores(ex03):
    *_, ex = ex03
    for spelling in [" No_Customer_Activity ", "no customer activity", ["NO-CUSTOMER-ACTIVITY"]]:
        assert ex.q5.check(spelling).status == CORRECT, spelling


@pytest.mark.parametrize("name", ["02_guiding_not_grading", "03_counter_metrics"])
def test_widgets_draw_into_an_html_widget(name):
    # nbclient answers an Output widget's clear_output by sending on the shell socket while it
    # waits for the cell's reply there; the reply can then be missed until the cell timeout
    # (03 took about 190 s instead of 5 under execute-in-place). An HTML widget avoids it.
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / f"{name}.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "interactive_output" not in code and "widgets.Output" not in code
    assert "widgets.HTML()" in code


def test_nb03_design_targets_are_reachable_and_the_first_guess_is_not_enough():
    # over 20 seeds: some set on the grid meets every target at nearly every seed (the feedback
    # covers the rest), and the notebook's first-guess set (30, 60) never does
    reachable = 0
    for seed in range(200, 220):
        teams = nb03.fresh_teams(seed, 0.6, 0.5, 40, 12)
        reachable += all(nb03.design_report(nb03.best_design(teams), teams)["met"].values())
        first = nb03.design_report(simulate.build_metric_set("handle_time_min", 30.0, 60.0), teams)
        assert not all(first["met"].values()), seed
    assert reachable >= 18
