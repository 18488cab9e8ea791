"""Self-checks of notebook 06 (enrollment and retention) on a non-default seed and class:
correct, incorrect with the known-mistake message, not attempted; answers recomputed here
in plain pandas; the code exercise on the data and on hand-made cohorts; the year answer
compared as a year; and the expected answers follow the parameters."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import data, education, metrics
from helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, ____, nb06
from helpers.exercises.nb06 import GONE, MOVED, STAY, tiny_terms

SEED = 7
FUNNEL_YEAR, COHORT_YEAR = 2023, 2017


@pytest.fixture(scope="module")
def frames():
    terms = data.load("student_terms", seed=SEED)
    return {"funnel": data.load("enrollment_funnel", seed=SEED), "terms": terms,
            "outcomes": education.cohort_outcomes(terms)}


@pytest.fixture(scope="module")
def ex(frames):
    return nb06.exercises(frames["funnel"], frames["terms"], frames["outcomes"], FUNNEL_YEAR, COHORT_YEAR)


def test_set_shape_and_self_test(ex):
    assert [q.name for q in ex.exercises] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert len(ex.code_exercises) == 1 and ex.p1.name == "p1"
    assert len(ex.reflections) == 2 and all(len(r.model_answer) > 200 for r in ex.reflections)
    assert ex.self_test() == []


def test_every_value_exercise_has_three_outcomes(ex):
    for q in ex.exercises:
        if q.name == "q3":
            continue
        assert q.check(____).status == NOT_ATTEMPTED, q.name
        assert q.check(q.expected_value()).status == CORRECT, q.name
        assert q.mistakes, f"{q.name} names no known mistake on this data"
        for label, wrong, _ in q.mistakes:
            fb = q.check(wrong())
            assert fb.status == INCORRECT and label in fb.message, (q.name, label, fb.message)
        assert "gives" in q.solution_text() and "Why:" in q.solution_text()
        assert q.hint_text().startswith("Hint 1/")


def test_q1_yield_of_a_class_not_shown(frames, ex):
    other = nb06.other_year(frames["funnel"]["cohort_year"], FUNNEL_YEAR)
    assert other != FUNNEL_YEAR and str(other) in ex.q1.question
    cls = frames["funnel"][frames["funnel"]["cohort_year"] == other]
    assert ex.q1.check(100 * cls["enrolled_census"].sum() / cls["admitted"].sum()).correct
    fb = ex.q1.check(100 * cls["deposited"].sum() / cls["admitted"].sum())
    assert fb.status == INCORRECT and "deposit" in fb.message
    shown = frames["funnel"][frames["funnel"]["cohort_year"] == FUNNEL_YEAR]
    shown_yield = 100 * shown["enrolled_census"].sum() / shown["admitted"].sum()
    if abs(shown_yield - ex.q1.expected_value()) > 0.05:
        assert f"the yield of the {FUNNEL_YEAR} class" in ex.q1.check(shown_yield).message
    assert "fraction" in ex.q1.check(ex.q1.expected_value() / 100).message


def test_q2_pooled_pell_melt(frames, ex):
    f = frames["funnel"]
    dep = f[(f["deposited"] == 1) & (f["pell"] == 1)]
    assert ex.q2.check(100 * dep["melted"].sum() / len(dep)).correct
    per_class = dep.groupby("cohort_year")["melted"].mean().mean() * 100
    fb = ex.q2.check(per_class)
    if abs(per_class - ex.q2.expected_value()) > 0.05:
        assert fb.status == INCORRECT and "mean of the three classes" in fb.message
    assert ex.q2.expected_value() == pytest.approx(education.melt_gap_test(f, "pell")["rate_a"])


def test_q3_code_exercise_on_data_and_edge_cases(frames, ex):
    q3 = ex.q3
    labels = [c.label for c in q3.case_list()]
    assert any("transferred out" in s for s in labels) and any("re-enrolled" in s for s in labels)
    assert any("withdrew before the census" in s for s in labels) and any("this run's" in s for s in labels)
    # no case is the full-time cohort_year cohort: its rate is exercise 4's answer
    assert not any(f"full-time {COHORT_YEAR}" in s for s in labels)

    def learner(terms):  # a correct solution written as a participant would
        first = terms[terms["term_index"] == 0]
        cohort = first.loc[first["withdrew_before_census"] == 0, "student_id"]
        nxt = terms[(terms["term_index"] == 1) & terms["student_id"].isin(cohort)]
        nxt = nxt[nxt["exclusion"] == "none"]
        return 100 * nxt["enrolled"].sum() / len(nxt)

    assert q3.check(learner).status == CORRECT
    for label, wrong, _ in q3.mistakes:
        fb = q3.check(wrong)
        assert fb.status == INCORRECT and label in fb.message, (label, fb.message)

    def template(terms):
        ____  # noqa: B018  (the placeholder a learner replaces)

    assert q3.check(template).status == NOT_ATTEMPTED
    assert "not a function" in q3.check(81.5).message

    def crashes(terms):
        return terms["no_such_column"].mean()

    fb = q3.check(crashes)
    assert fb.status == INCORRECT and "KeyError" in fb.message and "Traceback" not in fb.message


def test_q3_reference_by_hand():
    r = nb06.retention_from_terms
    assert r(tiny_terms({"A": [STAY, STAY], "B": [STAY, MOVED], "C": [STAY, STAY], "D": [STAY, GONE]})) == pytest.approx(50.0)
    # excluded in the second fall, re-enrolled two falls later with the label kept: out of the cohort
    assert r(tiny_terms({"A": [STAY, STAY, STAY, STAY],
                         "B": [STAY, (0, 0, 0, "military"), (0, 0, 0, "military"), (1, 0, 0, "military")],
                         "C": [STAY, GONE, GONE, GONE]})) == pytest.approx(50.0)
    # an exclusion recorded while enrolled still removes the student
    assert r(tiny_terms({"A": [STAY, STAY], "B": [STAY, (1, 0, 0, "death")], "C": [STAY, GONE]})) == pytest.approx(50.0)
    assert r(tiny_terms({"A": [STAY, STAY], "B": [GONE], "C": [STAY, GONE]}, withdrew=("B",))) == pytest.approx(50.0)


@pytest.mark.parametrize("seed", [42, 7, 1, 3])
def test_q3_reference_matches_the_helper_on_generated_data(seed):
    terms = data.load("student_terms", seed=seed)
    outcomes = education.cohort_outcomes(terms)
    for year in (2016, 2017, 2018):
        for att in ("full-time", "part-time"):
            t = terms[(terms["cohort_year"] == year) & (terms["attendance"] == att)]
            assert nb06.retention_from_terms(t) == pytest.approx(education.cohort_rates(outcomes, year, att)["retention"])


def test_reenrolled_excluded_students_stay_out_of_the_cohort():
    """The generator plants excluded students who re-enroll with their label kept; for
    retention, a student excluded in the second fall leaves the cohort whatever comes later."""
    terms = data.load("student_terms", seed=42)
    excl = terms[terms["exclusion"] != "none"]
    back = set(excl.loc[excl["enrolled"] == 1, "student_id"])
    assert back and back == set(data.planted("student_terms", 42)["excluded_then_reenrolled"])
    second = terms[(terms["term_index"] == 1) & (terms["exclusion"] != "none")]
    for sid in set(second["student_id"]) & back:
        t = terms[terms["student_id"] == sid]
        with_label = nb06.retention_from_terms(pd.concat([t, tiny_terms({"X": [STAY, STAY]})]))
        assert with_label == pytest.approx(100.0)  # the excluded student is out, X is retained


def test_q4_retention_of_the_cohort_with_exclusions(frames, ex):
    o = frames["outcomes"]
    c = o[(o["cohort_year"] == COHORT_YEAR) & (o["attendance"] == "full-time") & o["in_cohort"]]
    keep = c["exclusion_1"] != "none"
    assert keep.sum() > 0, "seed 7's 2017 full-time cohort has allowed exclusions"
    adj = c[~keep]
    assert ex.q4.check(100 * adj["retained"].mean()).correct
    fb = ex.q4.check(100 * c["retained"].mean())
    assert fb.status == INCORRECT and "allowed exclusions kept in the cohort" in fb.message
    fb = ex.q4.check(metrics.persistence_rate(c["persisted"], c["exclusion_1"]))
    assert fb.status == INCORRECT and "transfers counted as retained" in fb.message
    assert f"{int(keep.sum())} student(s)" in ex.q4.question


@pytest.mark.parametrize("seed", [42, 7])
def test_q4_names_ignored_exclusions_at_the_default_cohort(seed):
    terms = data.load("student_terms", seed=seed)
    ex = nb06.exercises(data.load("enrollment_funnel", seed=seed), terms, education.cohort_outcomes(terms), 2024, 2017)
    assert any(label == "allowed exclusions kept in the cohort" for label, _, _ in ex.q4.mistakes)


def test_q5_pooled_rate(frames, ex):
    table = education.group_rates(education.pick_cohort(frames["outcomes"], COHORT_YEAR), "attendance")
    assert ex.q5.check(100 * table["count"].sum() / table["n"].sum()).correct
    fb = ex.q5.check(table["rate"].mean())
    assert fb.status == INCORRECT and "mean of the two group rates" in fb.message


def test_q6_year_compared_as_a_year(ex):
    shaped = data.planted("student_terms", SEED)["shaped_cohort"]
    assert ex.q6.check(shaped).correct and ex.q6.check(str(shaped)).correct
    fb = ex.q6.check(shaped - 1)
    assert fb.status == INCORRECT and "one year too early" in fb.message
    assert "2,0" not in fb.message and "too low" not in fb.message
    assert "not a year" in ex.q6.check(2017.5).message


def test_prediction_reveals_enrolled_per_100_prospects(frames, ex):
    cls = frames["funnel"][frames["funnel"]["cohort_year"] == FUNNEL_YEAR]
    actual = 100 * cls["enrolled_census"].sum() / len(cls)
    assert f"{actual:.1f}%" in ex.p1.reveal(____).message
    assert "too high" in ex.p1.reveal(actual + 5).message


def test_exercises_follow_the_parameters(frames):
    f, t, o = frames["funnel"], frames["terms"], frames["outcomes"]
    a = nb06.exercises(f, t, o, funnel_year=2022, cohort_year=2017)
    b = nb06.exercises(f, t, o, funnel_year=2024, cohort_year=2018)
    assert a.q1.expected_value() != b.q1.expected_value()
    assert a.q4.expected_value() != b.q4.expected_value()
    assert a.q5.expected_value() != b.q5.expected_value()
    with pytest.raises(ValueError, match="available"):
        nb06.exercises(f, t, o, funnel_year=1990, cohort_year=2017)
    with pytest.raises(ValueError, match="available"):
        nb06.exercises(f, t, o, funnel_year=2024, cohort_year=1990)


def test_small_data_still_self_tests():
    terms = data.load("student_terms", seed=11, n_students=800)
    funnel = data.load("enrollment_funnel", seed=11, n_per_cohort=600)
    ex = nb06.exercises(funnel, terms, education.cohort_outcomes(terms), 2024, 2017)
    assert ex.self_test() == []
    assert isinstance(ex.q3.case_list()[0].args[0], pd.DataFrame)


def test_q3_accepts_a_function_rounded_to_two_decimals(frames, ex):
    """The question asks for a rate in percent, not for a precision: a function that rounds to
    two decimals passes; one that rounds to one decimal is told to give one more."""

    def learner(terms):
        first = terms[terms["term_index"] == 0]
        cohort = first.loc[first["withdrew_before_census"] == 0, "student_id"]
        nxt = terms[(terms["term_index"] == 1) & terms["student_id"].isin(cohort)]
        return 100 * (nxt.loc[nxt["exclusion"] == "none", "enrolled"] == 1).mean()

    assert ex.q3.check(lambda t: round(learner(t), 2)).status == CORRECT
    fb = ex.q3.check(lambda t: round(learner(t), 1))
    if fb.status == INCORRECT:  # a case whose rate happens to end in 0 passes at one decimal too
        assert "one more decimal" in fb.message


def test_q4_without_exclusions_says_so():
    """A small institution (600 students, seed 2) whose 2017 full-time cohort has no allowed
    exclusion in the second fall (the generator guarantees one only in groups of 200 or more):
    the question says so and still checks the right rate; no mistake equal to the answer is listed."""
    terms = data.load("student_terms", seed=2, n_students=600)
    outcomes = education.cohort_outcomes(terms)
    q4 = nb06._q4(outcomes, 2017, 2016)
    assert "none of its census cohort" in q4.question and "0 student(s)" not in q4.question
    assert q4.check(education.cohort_rates(outcomes, 2017)["retention"]).correct
    assert q4.self_test() == []


def test_r1_prompt_matches_the_notebook():
    assert "spring" in nb06.R1.prompt and "spring" in nb06.R1.model_answer


def test_q6_solution_prints_the_year(ex):
    shaped = data.planted("student_terms", SEED)["shaped_cohort"]
    assert f"gives {shaped} on this notebook's data" in ex.q6.solution_text()
