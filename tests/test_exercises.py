"""The self-check framework: the three outcomes, hints, solutions, mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    Exercise,
    ExerciseSet,
    Reflection,
    ____,
    boolean,
    choice,
    members,
    number,
)


@pytest.fixture
def scores() -> np.ndarray:
    return np.random.default_rng(3).integers(1, 6, size=200)


def top2(scores: np.ndarray) -> float:
    return float((scores >= 4).mean() * 100)


def make_q(scores: np.ndarray) -> Exercise:
    return Exercise(
        "q1",
        "What share of responses are 4 or 5?",
        expected=lambda: top2(scores),
        compare=number(abs_tol=0.1),
        hints=["Top-two-box means 4 or 5.", "(scores >= 4).mean() * 100"],
        solution_code="(scores >= 4).mean() * 100",
        mistakes=[("the mean score", lambda: float(scores.mean()), "CSAT is a share, not a mean")],
    )


def test_three_outcomes(scores):
    q = make_q(scores)
    assert q.check(____).status == NOT_ATTEMPTED
    assert q.check().status == NOT_ATTEMPTED
    assert q.check(top2(scores)).status == CORRECT
    wrong = q.check(top2(scores) + 5)
    assert wrong.status == INCORRECT
    assert "too high" in wrong.message and "hint" in wrong.message


def test_expected_follows_the_data():
    """Two data sets give two expectations: nothing is fixed in the exercise."""
    a = np.random.default_rng(1).integers(1, 6, size=300)
    b = np.random.default_rng(2).integers(1, 6, size=300)
    qa, qb = make_q(a), make_q(b)
    assert top2(a) != top2(b)
    assert qa.check(top2(a)).correct and not qa.check(top2(b)).correct
    assert qb.check(top2(b)).correct and not qb.check(top2(a)).correct


def test_known_mistake_gets_targeted_message(scores):
    q = make_q(scores)
    fb = q.check(float(scores.mean()))
    assert fb.status == INCORRECT
    assert "the mean score" in fb.message and "share" in fb.message


def test_type_errors_are_explained(scores):
    q = make_q(scores)
    fb = q.check("eighty")
    assert fb.status == INCORRECT and "expected a number" in fb.message
    assert "NaN" in q.check(float("nan")).message


def test_hints_are_progressive(scores, capsys):
    q = make_q(scores)
    q.hint()
    q.hint()
    q.hint()  # stays on the last one
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Hint 1/2") and out[1].startswith("Hint 2/2") and out[2].startswith("Hint 2/2")
    q.hint(1)
    assert capsys.readouterr().out.startswith("Hint 1/2")


def test_solution_shows_code_and_value(scores, capsys):
    q = make_q(scores)
    q.solution()
    out = capsys.readouterr().out
    assert "(scores >= 4).mean() * 100" in out and f"{top2(scores):,.2f}" in out


def test_self_test_passes_for_sound_exercise_and_catches_broken_one(scores):
    assert make_q(scores).self_test() == []
    broken = Exercise("q2", "?", expected=lambda: 1.0, compare=choice())
    assert broken.self_test()  # a number cannot pass a text comparison
    # a mistake that coincides with the right answer on this data is accepted, not flagged
    same = Exercise("q3", "?", expected=lambda: 5.0, mistakes=[("same", lambda: 5.0, "equal here")])
    assert same.self_test() == [] and same.check(5.0).correct
    # a mistake that cannot be computed is reported
    broken_mistake = Exercise("q4", "?", expected=lambda: 5.0, mistakes=[("boom", lambda: 1 / 0, "x")])
    assert any("cannot be computed" in p for p in broken_mistake.self_test())


def test_choice_members_boolean():
    q = Exercise("c", "?", expected=lambda: "Enterprise", compare=choice(["SMB", "Mid-market", "Enterprise"]))
    assert q.check(" enterprise ").correct
    assert "not one of the options" in q.check("Big ones").message
    assert q.check("SMB").status == INCORRECT
    m = Exercise("m", "?", expected=lambda: ["A1", "A7"], compare=members())
    assert m.check(["A7", "A1"]).correct
    fb = m.check(["A1", "A3"])
    assert fb.status == INCORRECT and "1 missing" in fb.message and "A3" in fb.message
    assert "list of ids" in m.check("A1").message
    b = Exercise("b", "?", expected=lambda: False, compare=boolean())
    assert b.check(False).correct and b.check(True).status == INCORRECT
    assert "True or False" in b.check("no").message


def test_reflection_and_set(capsys):
    r = Reflection("r1", "Why?", "Because incentives shape behaviour.")
    assert r.check().status == NOT_ATTEMPTED
    assert r.check("my thoughts").status == CORRECT
    r.solution()
    assert "incentives" in capsys.readouterr().out
    s = ExerciseSet(make_q(np.arange(1, 6)), r)
    assert s.q1.name == "q1" and len(s) == 2 and s.reflections == [r]
    assert s.self_test() == []
    with pytest.raises(AttributeError, match="no exercise named"):
        s.q9
    with pytest.raises(ValueError, match="duplicate"):
        ExerciseSet(r, r)


def test_feedback_is_plain_text(scores):
    fb = make_q(scores).check(top2(scores))
    assert repr(fb) == str(fb) and str(fb).startswith("[q1] Correct")
