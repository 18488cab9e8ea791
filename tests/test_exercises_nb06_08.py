"""Self-checks of notebooks 06-08 on a non-default seed: correct, incorrect (with the
known-mistake message), not attempted; and the expected answers follow the data."""

from __future__ import annotations

import pytest

from helpers import data, education, metrics
from helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, ____, nb06, nb07, nb08

SEED = 7


@pytest.fixture(scope="module")
def frames():
    terms = data.load("student_terms", seed=SEED)
    return {
        "funnel": data.load("enrollment_funnel", seed=SEED),
        "outcomes": education.cohort_outcomes(terms),
        "lms": data.load("lms_activity", seed=SEED),
        "assessments": data.load("assessments", seed=SEED),
        "survey": data.load("educator_survey", seed=SEED),
    }


@pytest.fixture(scope="module")
def ex06(frames):
    return nb06.exercises(frames["funnel"], frames["outcomes"], funnel_year=2023, cohort_year=2016)


@pytest.fixture(scope="module")
def ex07(frames):
    return nb07.exercises(frames["lms"], frames["assessments"])


@pytest.fixture(scope="module")
def ex08(frames):
    return nb08.exercises(frames["survey"])


def test_sets_have_enough_checks(ex06, ex07, ex08):
    for ex in (ex06, ex07, ex08):
        assert len(ex.exercises) >= 3 and len(ex.reflections) >= 2
        assert ex.self_test() == []
        for r in ex.reflections:
            assert r.check(____).status == NOT_ATTEMPTED and len(r.model_answer) > 200


@pytest.mark.parametrize("which", ["ex06", "ex07", "ex08"])
def test_three_outcomes_for_every_exercise(which, request):
    ex = request.getfixturevalue(which)
    for q in ex.exercises:
        assert q.check(____).status == NOT_ATTEMPTED, q.name
        assert q.check(q.expected_value()).status == CORRECT, q.name
        assert q.mistakes, f"{q.name} has no known mistake on this data"
        for label, wrong, _ in q.mistakes:
            fb = q.check(wrong())
            assert fb.status == INCORRECT and label in fb.message, (q.name, label)
        assert "gives" in q.solution_text()
        assert q.hint_text().startswith("Hint 1/")


def test_nb06_answers_by_hand(frames, ex06):
    cls = frames["funnel"][frames["funnel"]["cohort_year"] == 2023]
    assert ex06.q1.check(100 * cls["enrolled_census"].sum() / cls["admitted"].sum()).correct
    fb = ex06.q1.check(100 * cls["deposited"].sum() / cls["admitted"].sum())
    assert fb.status == INCORRECT and "deposit" in fb.message
    o = frames["outcomes"]
    ft = o[(o["cohort_year"] == 2016) & (o["attendance"] == "full-time") & o["in_cohort"]]
    keep = ft["exclusion_1"] == "none"
    assert ex06.q2.check(100 * (ft["retained"] & keep).sum() / keep.sum()).correct
    fb = ex06.q2.check(metrics.persistence_rate(ft["persisted"], ft["exclusion_1"]))
    assert fb.status == INCORRECT and "transfers counted as retained" in fb.message
    table = education.group_rates(o[o["cohort_year"] == 2016], "attendance")
    assert ex06.q3.check(100 * table["count"].sum() / table["n"].sum()).correct
    fb = ex06.q3.check(table["rate"].mean())
    assert fb.status == INCORRECT and "mean of the two group rates" in fb.message
    assert ex06.q4.check(100 * cls["melted"].sum() / cls["deposited"].sum()).correct
    assert ex06.q5.check(data.planted("student_terms", SEED)["shaped_cohort"]).correct


def test_nb06_follows_the_parameters(frames):
    a = nb06.exercises(frames["funnel"], frames["outcomes"], funnel_year=2022, cohort_year=2017)
    b = nb06.exercises(frames["funnel"], frames["outcomes"], funnel_year=2024, cohort_year=2018)
    assert a.q1.expected_value() != b.q1.expected_value()
    assert a.q2.expected_value() != b.q2.expected_value()
    with pytest.raises(ValueError, match="available"):
        nb06.exercises(frames["funnel"], frames["outcomes"], funnel_year=1990, cohort_year=2017)


def test_nb07_answers_by_hand(frames, ex07):
    lms, a = frames["lms"], frames["assessments"]
    last = lms[lms["week"] == lms["week"].max()]
    assert ex07.q1.check(100 * last["active"].mean()).correct
    fb = ex07.q1.check(100 * last["active"].sum() / lms["student_id"].nunique())
    assert fb.status == INCORRECT and "started" in fb.message
    done = a[(a["teaching_mode"] == "interactive") & a["post_score"].notna()]
    pre, post = done["pre_score"].mean(), done["post_score"].mean()
    assert ex07.q2.check((post - pre) / (100 - pre)).correct
    fb = ex07.q2.check(post - pre)
    assert fb.status == INCORRECT and "raw gain in points" in fb.message
    d = metrics.cohens_d(done["post_score"], a.loc[(a["teaching_mode"] == "traditional"), "post_score"].dropna())
    assert ex07.q3.check(d).correct and ex07.q3.check(-d).status == INCORRECT
    assert ex07.q4.check(data.planted("assessments", SEED)["teach_to_test_section"]).correct
    assert "not one of the options" in ex07.q4.check("S99").message


def test_nb08_answers_by_hand(frames, ex08):
    sv = frames["survey"]
    answered = sv["job_satisfied_overall"].dropna()
    assert ex08.q1.check(100 * (answered >= 3).mean()).correct
    fb = ex08.q1.check(float(answered.mean()))
    assert fb.status == INCORRECT and "mean answer" in fb.message
    resp = sv[sv["responded"] == 1]
    items = list(education.SCALES["school"])
    fb = ex08.q2.check(metrics.cronbach_alpha(resp[items].astype(float)))
    assert fb.status == INCORRECT and "not reversed" in fb.message
    assert ex08.q3.check(100 * sv["responded"].mean()).correct
    assert ex08.q4.check(False).correct
    fb = ex08.q4.check(True)
    assert fb.status == INCORRECT and "school-level correlation" in fb.message
