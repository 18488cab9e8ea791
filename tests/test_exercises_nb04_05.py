"""Exercises of notebooks 04 and 05 on non-default seeds: correct, incorrect (with the
known-mistake message), not attempted; code exercises pass the plain-pandas solution and
catch each known wrong implementation; expected answers follow the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import customer, data, metrics
from helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, CodeExercise, Reflection, ____, nb04, nb05

SEED = 7


def _ex04(seed: int):
    return nb04.exercises(
        usage=data.load("product_usage", seed=seed),
        release_log=data.load("release_log", seed=seed),
        journey=data.load("customer_journey", seed=seed),
    )


def _ex05(seed: int):
    return nb05.exercises(survey=data.load("customer_survey", seed=seed),
                          accounts=data.load("customer_accounts", seed=seed))


@pytest.fixture(scope="module")
def ex04():
    return _ex04(SEED)


@pytest.fixture(scope="module")
def ex05():
    return _ex05(SEED)


def test_sets_have_code_exercises_predictions_and_reflections(ex04, ex05):
    for ex in (ex04, ex05):
        assert len(ex.exercises) >= 3 and ex.code_exercises and ex.predictions and ex.reflections
        names = [q.name for q in ex.exercises]
        assert names == [f"q{i}" for i in range(1, len(names) + 1)]
    assert {q.name for q in ex05.code_exercises} == {"q1", "q2"}


@pytest.mark.parametrize("seed", [1, 7, 42, 2024, 5, 11])
def test_self_tests_pass_over_seeds(seed):
    assert _ex04(seed).self_test() == []
    assert _ex05(seed).self_test() == []


@pytest.mark.parametrize("which", ["ex04", "ex05"])
def test_three_outcomes_for_every_value_exercise(which, request):
    ex = request.getfixturevalue(which)
    for q in ex.exercises:
        if isinstance(q, CodeExercise):
            continue
        assert q.check(____).status == NOT_ATTEMPTED, q.name
        assert q.check(q.expected_value()).status == CORRECT, q.name
        for label, wrong, _ in q.mistakes:
            value = wrong()
            if q.compare(value, q.expected_value()) is None:
                continue  # this data cannot tell the mistake from the answer
            fb = q.check(value)
            # named as this mistake, or as an earlier one that happens to give the same value here
            assert fb.status == INCORRECT and fb.mistake, (q.name, label)
            named = dict((lb, w()) for lb, w, _ in q.mistakes)[fb.mistake]
            assert fb.mistake == label or q.compare(value, named) is None, (q.name, label)
        assert "gives" in q.solution_text() and "Why:" in q.solution_text()
        assert q.hint_text().startswith("Hint 1/")


def test_nb04_weekly_ratio_in_plain_pandas(ex04):
    def weekly_ratio(usage):
        g = usage.groupby("week")[["used_new_self_service_path", "used_old_path"]].sum()
        return g["used_new_self_service_path"] / g["used_old_path"].replace(0, np.nan)

    assert ex04.q1.check(weekly_ratio).status == CORRECT

    def leaves_infinity(usage):
        g = usage.groupby("week")[["used_new_self_service_path", "used_old_path"]].sum()
        return g["used_new_self_service_path"] / g["used_old_path"]

    fb = ex04.q1.check(leaves_infinity)
    assert fb.status == INCORRECT and "nobody used the old path" in fb.message and "infinity" in fb.message

    def template(usage):
        return ____

    assert ex04.q1.check(template).status == NOT_ATTEMPTED
    # the helper gives the same numbers
    usage = data.load("product_usage", seed=SEED)
    helper = customer.weekly_adoption(usage).set_index("week")["adoption_ratio"]
    pd.testing.assert_series_equal(weekly_ratio(usage), helper, check_names=False)


def test_nb04_value_answers_by_hand(ex04):
    usage = data.load("product_usage", seed=SEED)
    weekly = customer.weekly_adoption(usage)
    rel = customer.release_week(data.load("release_log", seed=SEED))
    share = nb04.question_share(weekly, rel, (30.0, 10.0))
    assert share not in (30.0, 10.0) and f"at least {share:g}%" in ex04.q2.question
    pre, post = weekly[weekly["week"] < rel], weekly[weekly["week"] >= rel]
    rate = pre["contacts"].sum() / pre["customers"].sum()
    first = post.loc[post["new_path_share"] >= share, "week"].min()
    later = post[post["week"] >= first]
    assert ex04.q2.check(float((rate * later["customers"] - later["contacts"]).sum())).correct
    fb = ex04.q2.check(float((rate * post["customers"] - post["contacts"]).sum()))
    assert fb.status == INCORRECT and "every week since the release" in fb.message
    journey = data.load("customer_journey", seed=SEED)
    segment = next(s for s in ("SMB", "Mid-market", "Enterprise") if f"Among {s} customers" in ex04.q3.question)
    seg = journey[journey["segment"] == segment]
    gaps = [seg.groupby(m)["churned"].mean().pipe(lambda r: 100 * (r[0] - r[1])) for m in customer.JOURNEY_MOMENTS]
    assert ex04.q3.check(max(gaps)).correct
    assert ex04.q3.check(max(gaps) / 100).status == INCORRECT


def test_nb05_code_exercises_in_plain_pandas(ex05):
    def top_two_box(scores, scale=5):
        answered = scores.dropna()
        return 100 * (answered >= scale - 1).mean()

    def nps(scores):
        answered = scores.dropna()
        return 100 * ((answered >= 9).mean() - (answered <= 6).mean())

    assert ex05.q1.check(top_two_box).correct
    assert ex05.q2.check(nps).correct

    def fixed_scale(scores, scale=5):
        answered = scores.dropna()
        return 100 * (answered >= 4).mean()

    fb = ex05.q1.check(fixed_scale)
    assert fb.status == INCORRECT and "7-point scale" in fb.message

    def per_promoters_and_detractors(scores):
        answered = scores.dropna()
        p, d = (answered >= 9).sum(), (answered <= 6).sum()
        return 100 * (p - d) / (p + d)

    fb = ex05.q2.check(per_promoters_and_detractors)
    assert fb.status == INCORRECT
    # the reference agrees with the helper on the run's answers
    survey = data.load("customer_survey", seed=SEED)
    answers = survey.loc[survey["responded"] == 1]
    assert nb05.nps(answers["nps"]) == pytest.approx(metrics.nps(answers["nps"]))
    assert nb05.top_two_box(answers["csat"]) == pytest.approx(metrics.csat(answers["csat"]))


def test_nb05_value_answers_by_hand(ex05):
    accounts = data.load("customer_accounts", seed=SEED)
    month = nb05.question_month(accounts)
    rows = accounts[accounts["month"] == month]
    s, n, e = (rows["new_this_month"] == 0).sum(), rows["new_this_month"].sum(), rows["active"].sum()
    assert ex05.q3.check(100 * (e - n) / s).correct
    fb = ex05.q3.check(100 * e / s)
    assert fb.status == INCORRECT and "E / S" in fb.message
    shown = customer.monthly_customers(accounts).tail(3)["month"].tolist()
    assert month not in shown
    smb = accounts[accounts["segment"] == "SMB"]
    c = smb["churned_this_month"].sum() / (smb["new_this_month"] == 0).sum()
    assert ex05.q4.check(100 * (1 - c) ** 12).correct
    fb = ex05.q4.check(100 * (1 - 12 * c))
    assert fb.status == INCORRECT and "1 - 12" in fb.message
    mid = accounts[accounts["segment"] == "Mid-market"]
    profit = (mid["revenue"] - mid["cost_to_serve"]).groupby(mid["customer_id"]).sum()
    assert ex05.q5.check(float(profit.median())).correct
    assert "mean" in ex05.q5.check(float(profit.mean())).message
    clv = customer.clv_by_segment(accounts)
    row, i = clv.loc["Enterprise"], clv.attrs["monthly_discount_rate"]

    def clv_at(churn):
        return metrics.clv(row["margin"], 1 - churn, i, row["acquisition_cost"])

    c_ent = row["monthly_churn"] / 100
    assert ex05.q6.check(float(clv_at(c_ent) - clv_at(c_ent + 0.005))).correct
    survey = data.load("customer_survey", seed=SEED)
    unresolved = survey[(survey["segment"] == "SMB") & (survey["resolved_case"] == 0)]["csat"].dropna()
    assert ex05.q8.check(float(100 * (unresolved >= 4).mean())).correct


def test_nb05_standardised_churn_removes_the_mix(ex05):
    accounts = data.load("customer_accounts", seed=SEED)
    table = customer.simpson_table(accounts)
    summary = customer.simpson_summary(table)
    better = summary["better_pooled"]
    worse = next(p for p in table["treatment"].unique() if p != better)
    standard = nb05.standardised_churn(table, worse, better)
    assert ex05.q7.check(standard).correct
    pooled = table[table["group"] == "All customers"].set_index("treatment")["churn_rate"]
    if summary["paradox"]:  # with the same mix, the plan that is better in every segment wins
        assert standard < pooled[better]
    own = nb05.standardised_churn(table, worse, worse)
    assert own == pytest.approx(pooled[worse])


def test_predictions_reveal_without_scoring(ex04, ex05):
    for p in (ex04.p1, ex05.p1):
        assert p.reveal(____).status == NOT_ATTEMPTED
        fb = p.reveal(1.0)
        assert fb.status != INCORRECT and "the data says" in fb.message


def test_expected_answers_follow_the_data():
    a, b = _ex05(1), _ex05(2)
    for qa, qb in zip(a.exercises, b.exercises):
        if not isinstance(qa, CodeExercise):
            assert qa.expected_value() != qb.expected_value(), qa.name
    small = nb04.exercises(data.load("product_usage", seed=SEED, n_customers=120),
                           data.load("release_log", seed=SEED, n_customers=120),
                           data.load("customer_journey", seed=SEED, n_customers=500))
    assert small.self_test() == []


def test_reflections_have_model_answers(ex04, ex05):
    for r in [*ex04.reflections, *ex05.reflections]:
        assert isinstance(r, Reflection)
        assert r.check(____).status == NOT_ATTEMPTED
        assert r.check("my thoughts").status != INCORRECT
        assert len(r.solution_text()) > 200


def test_frames_are_not_modified():
    survey = data.load("customer_survey", seed=SEED)
    accounts = data.load("customer_accounts", seed=SEED)
    before_s, before_a = survey.copy(), accounts.copy()
    ex = nb05.exercises(survey=survey, accounts=accounts)
    ex.self_test()
    pd.testing.assert_frame_equal(survey, before_s)
    pd.testing.assert_frame_equal(accounts, before_a)


def test_typical_slips_get_their_own_message(ex04, ex05):
    journey = data.load("customer_journey", seed=SEED)
    overall = customer.moment_churn_risk(journey, include_satisfaction=False)["risk_ratio"].max()
    fb = ex04.q3.check(round(float(overall), 2))  # the whole table's strongest risk ratio, copied
    assert fb.status == INCORRECT and "ratio" in str(fb) and "segment" in str(fb)
    fall = ex05.q6.expected_value()
    fb = ex05.q6.check(-round(fall))
    assert fb.status == INCORRECT and "positive" in str(fb)

    def strict(scores):
        s = pd.Series(scores, dtype="float64").dropna()
        return 100 * ((s > 9).mean() - (s < 6).mean())

    fb = ex05.q2.check(strict)
    assert fb.status == INCORRECT and ">= 9 and <= 6" in str(fb)


def test_small_slice_csat_says_how_few_answers_it_rests_on(ex05):
    fb = ex05.q8.check(round(ex05.q8.expected_value(), 2))
    assert fb.status == CORRECT and "rests on only" in str(fb) and "95% interval" in str(fb)
