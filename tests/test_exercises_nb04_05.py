"""Self-checks of notebooks 04 and 05 on a non-default seed: correct, incorrect (with the
known-mistake message), not attempted; and the expected answers follow the data."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import customer, data, metrics
from helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, Reflection, ____, nb04, nb05

SEED = 7


@pytest.fixture(scope="module")
def ex04():
    return nb04.exercises(
        usage=data.load("product_usage", seed=SEED),
        release_log=data.load("release_log", seed=SEED),
        journey=data.load("customer_journey", seed=SEED),
    )


@pytest.fixture(scope="module")
def ex05():
    return nb05.exercises(survey=data.load("customer_survey", seed=SEED),
                          accounts=data.load("customer_accounts", seed=SEED))


def test_sets_have_enough_checks(ex04, ex05):
    assert len(ex04.exercises) >= 3 and len(ex04.reflections) >= 1
    assert len(ex05.exercises) >= 4 and len(ex05.reflections) >= 1
    assert ex04.self_test() == [] and ex05.self_test() == []


@pytest.mark.parametrize("which", ["ex04", "ex05"])
def test_three_outcomes_for_every_exercise(which, request):
    ex = request.getfixturevalue(which)
    for q in ex.exercises:
        assert q.check(____).status == NOT_ATTEMPTED, q.name
        assert q.check(q.expected_value()).status == CORRECT, q.name
        for label, wrong, _ in q.mistakes:
            fb = q.check(wrong())
            assert fb.status == INCORRECT and label in fb.message, (q.name, label)
        assert "gives" in q.solution_text()
        assert q.hint_text().startswith("Hint 1/")


def test_nb04_answers_by_hand_on_this_data(ex04):
    usage = data.load("product_usage", seed=SEED)
    last = usage[usage["week"] == usage["week"].max()]
    ratio = last["used_new_self_service_path"].sum() / last["used_old_path"].sum()
    assert ex04.q1.check(float(ratio)).correct
    fb = ex04.q1.check(float(last["used_old_path"].sum() / last["used_new_self_service_path"].sum()))
    assert fb.status == INCORRECT and "upside down" in fb.message
    assert ex04.q3.check(data.planted("customer_journey", SEED)["key_moment"]).correct
    assert ex04.q3.check("no_such_moment").status == INCORRECT
    weekly = customer.weekly_adoption(usage)
    rel = customer.release_week(data.load("release_log", seed=SEED))
    pre, post = weekly[weekly["week"] < rel], weekly[weekly["week"] >= rel]
    rate = pre["contacts"].sum() / pre["customers"].sum()
    assert ex04.q2.check(float((rate * post["customers"] - post["contacts"]).sum())).correct
    assert isinstance(ex04.r1, Reflection) and "outcome" in ex04.r1.prompt.lower()


def test_nb05_known_mistakes_on_this_data(ex05):
    survey = data.load("customer_survey", seed=SEED)
    accounts = data.load("customer_accounts", seed=SEED)
    csat = survey["csat"].dropna().astype(int)
    fb = ex05.q1.check(float(csat.mean()))
    assert fb.status == INCORRECT and "mean score" in fb.message
    fb = ex05.q3.check(customer.pooled_vs_mean_nps(customer.nps_table(survey))["mean_of_groups"])
    assert fb.status == INCORRECT and "mean of the segment NPS" in fb.message
    churn = customer.churn_by(accounts)["churn_rate"].iloc[0] / 100
    fb = ex05.q4.check(100 * (1 - 12 * churn))
    assert fb.status == INCORRECT and "1 - 12" in fb.message
    assert ex05.q4.check(100 * (1 - churn) ** 12).correct
    profit = customer.customer_profit(accounts)
    fb = ex05.q5.check(float(profit.mean()))
    assert fb.status == INCORRECT and "mean" in fb.message
    assert ex05.q6.check(["SMB", "Mid-market", "Enterprise"]).correct
    fb = ex05.q6.check([])
    assert fb.status == INCORRECT and "pooled" in fb.message
    ent = survey.loc[survey["segment"] == "Enterprise", "nps"]
    assert ex05.q2.check(metrics.nps(ent)).correct


def test_expected_answers_follow_the_data():
    a = nb05.exercises(survey=data.load("customer_survey", seed=1), accounts=data.load("customer_accounts", seed=1))
    b = nb05.exercises(survey=data.load("customer_survey", seed=2), accounts=data.load("customer_accounts", seed=2))
    for qa, qb in zip(a.exercises[:5], b.exercises[:5]):
        assert qa.expected_value() != qb.expected_value(), qa.name
    small = data.load("product_usage", seed=SEED, n_customers=120)
    c1 = nb04.exercises(small, data.load("release_log", seed=SEED, n_customers=120),
                        data.load("customer_journey", seed=SEED, n_customers=500))
    assert c1.self_test() == []


def test_reflections_have_model_answers(ex04, ex05):
    for r in [*ex04.reflections, *ex05.reflections]:
        assert r.check(____).status == NOT_ATTEMPTED
        assert r.check("my thoughts").status == CORRECT
        assert len(r.solution_text()) > 200


def test_frames_are_not_modified():
    survey = data.load("customer_survey", seed=SEED)
    before = survey.copy()
    nb05.exercises(survey=survey, accounts=data.load("customer_accounts", seed=SEED))
    pd.testing.assert_frame_equal(survey, before)
