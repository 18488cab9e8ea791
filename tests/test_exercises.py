"""The self-check framework (exercises v2): outcomes, feedback that teaches, code
exercises, predictions, reflections and the outcome record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.exercises import (
    ANSWERED,
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    RECORD_MIME,
    Case,
    CodeExercise,
    Exercise,
    ExerciseSet,
    Prediction,
    Reflection,
    ____,
    boolean,
    choice,
    frame,
    members,
    number,
    year,
)


@pytest.fixture
def scores() -> np.ndarray:
    return np.random.default_rng(3).integers(1, 6, size=200)


def top2(scores: np.ndarray) -> float:
    return float((scores >= 4).mean() * 100)


def make_q(scores: np.ndarray, unit: str | None = "percent") -> Exercise:
    return Exercise(
        "q1",
        "What share of responses are 4 or 5?",
        expected=lambda: top2(scores),
        compare=number(abs_tol=0.05, decimals=1, unit=unit),  # type: ignore[arg-type]
        hints=["Top-two-box means 4 or 5.", "(scores >= 4).mean() * 100"],
        solution_code="(scores >= 4).mean() * 100",
        why="CSAT counts the satisfied answers, it does not average them.",
        mistakes=[("the mean score", lambda: float(scores.mean()), "CSAT is a share, not a mean")],
    )


# ------------------------------------------------------------------ outcomes


def test_three_outcomes(scores):
    q = make_q(scores)
    assert q.check(____).status == NOT_ATTEMPTED
    assert q.check().status == NOT_ATTEMPTED
    assert q.check(top2(scores)).status == CORRECT
    wrong = q.check(top2(scores) + 5)
    assert wrong.status == INCORRECT
    assert "too high" in wrong.message and "hint" in wrong.message


def test_missing_values_are_not_attempted(scores):
    q = make_q(scores)
    for blank in (float("nan"), np.nan, pd.NA, None, "", "  "):
        fb = q.check(blank)
        assert fb.status == NOT_ATTEMPTED, blank
    assert "NaN" in q.check(float("nan")).message


def test_expected_follows_the_data():
    """Two data sets give two expectations: nothing is fixed in the exercise."""
    a = np.random.default_rng(1).integers(1, 6, size=300)
    b = np.random.default_rng(2).integers(1, 6, size=300)
    qa, qb = make_q(a), make_q(b)
    assert top2(a) != top2(b)
    assert qa.check(top2(a)).correct and not qa.check(top2(b)).correct
    assert qb.check(top2(b)).correct and not qb.check(top2(a)).correct


# ------------------------------------------------------------------ feedback that teaches


def test_right_at_the_precision_given_asks_for_one_more_decimal():
    q = Exercise("q1", "?", expected=lambda: 81.83, compare=number(abs_tol=0.05, decimals=1))
    fb = q.check(82)
    assert fb.status == INCORRECT and "one more decimal" in fb.message and "too" not in fb.message
    assert q.check(81.8).correct
    two = Exercise("q2", "?", expected=lambda: 0.4567, compare=number(abs_tol=0.0005, decimals=3))
    assert "2 more decimals" in two.check(0.5).message
    assert "cut off" in two.check(0.456).message


def test_fraction_where_percent_asked_and_the_reverse():
    pct = Exercise("q1", "?", expected=lambda: 81.8, compare=number(abs_tol=0.05, decimals=1, unit="percent"))
    fb = pct.check(0.818)
    assert fb.status == INCORRECT and "fraction" in fb.message and "percent" in fb.message
    frac = Exercise("q2", "?", expected=lambda: 0.818, compare=number(abs_tol=0.0005, decimals=3, unit="fraction"))
    fb = frac.check(81.8)
    assert fb.status == INCORRECT and "percent" in fb.message and "fraction" in fb.message
    nps = Exercise("q3", "?", expected=lambda: 23.4, compare=number(abs_tol=0.05, decimals=1, unit="points"))
    assert "points" in nps.check(0.234).message


def test_messages_repeat_the_value_as_given():
    q = Exercise("q1", "?", expected=lambda: 10.0, compare=number(abs_tol=0.05, decimals=1))
    assert "12.34567" in q.check(12.34567).message
    assert "'81.8%' is text" in q.check("81.8%").message
    assert "one number" in q.check(pd.Series([1.0, 2.0])).message
    assert q.check(np.float64(10.0)).correct and q.check(pd.Series([10.0])).correct


def test_known_mistake_before_generic_and_never_accepted(scores):
    q = make_q(scores)
    fb = q.check(float(scores.mean()))
    assert fb.status == INCORRECT and fb.mistake == "the mean score"
    assert "the mean score" in fb.message and "share" in fb.message and "too low" in fb.message
    loose = Exercise("q5", "?", expected=lambda: 50.0, compare=number(abs_tol=1.0),
                     mistakes=[("off by a little", lambda: 50.6, "x")])
    assert any("tolerance accepts the known mistake" in p for p in loose.self_test())


def test_ids_case_space_and_container():
    m = Exercise("m", "?", expected=lambda: ["AG02", "AG17"], compare=members())
    for answer in (["ag02", " AG17 "], ("AG17", "AG02"), {"AG02", "AG17"}, pd.Index(["AG02", "AG17"]),
                   np.array(["AG02", "AG17"]), pd.Series(["AG17", "AG02", "AG02"])):
        assert m.check(answer).correct, answer
    fb = m.check(["AG02", "AG03"])
    assert fb.status == INCORRECT and "1 missing" in fb.message and "AG03" in fb.message
    df = pd.DataFrame({"agent_id": ["AG02", "AG17"], "csat": [70, 80]})
    fb = m.check(df)
    assert "agent_id" in fb.message and "index" in fb.message
    assert "True/False mask" in m.check(pd.Series([True, False])).message
    one = Exercise("o", "?", expected=lambda: ["AG02"], compare=members())
    assert one.check("ag02").correct


def test_labels_year_boolean():
    q = Exercise("c", "?", expected=lambda: "Enterprise", compare=choice(["SMB", "Mid-market", "Enterprise"]))
    assert q.check(" enterprise ").correct and q.check(["ENTERPRISE"]).correct
    assert "not one of the options" in q.check("Big ones").message
    assert q.check("SMB").status == INCORRECT
    assert choice()("mid_market", "Mid-market") is None
    y = Exercise("y", "?", expected=lambda: 2018, compare=year())
    assert y.check(2018).correct and y.check("2018").correct
    assert "one year too early" in y.check(2017).message and "2,017" not in y.check(2017).message
    assert "3 years too late" in y.check(2021).message
    b = Exercise("b", "?", expected=lambda: False, compare=boolean())
    assert b.check(False).correct and b.check(np.False_).correct and b.check(True).status == INCORRECT
    assert "without quotes" in b.check("False").message


def test_frame_comparer_ignores_order_and_case():
    want = pd.Series({"SMB": 12.5, "Enterprise": 3.25})
    q = Exercise("f", "?", expected=lambda: want, compare=frame(abs_tol=0.01))
    assert q.check(pd.Series({"enterprise": 3.251, "SMB": 12.5})).correct
    assert q.check(pd.DataFrame({"churn": [12.5, 3.25]}, index=["SMB", "Enterprise"])).correct
    fb = q.check(pd.Series({"SMB": 12.5, "Enterprise": 4.0}))
    assert "'Enterprise'" in fb.message and "too high" in fb.message and "3.25" not in fb.message
    assert "missing" in q.check(pd.Series({"SMB": 12.5})).message
    assert "fractions where percents" in q.check(pd.Series({"SMB": 0.125, "Enterprise": 0.0325})).message
    assert "percents where fractions" in Exercise("g", "?", expected=lambda: want / 100, compare=frame(abs_tol=1e-4)).check(want).message
    table = pd.DataFrame({"n": [3, 4], "rate": [0.5, 0.25]}, index=["a", "b"])
    t = Exercise("t", "?", expected=lambda: table, compare=frame())
    assert t.check(table.iloc[::-1]).correct
    assert "no column 'rate'" in t.check(table[["n"]]).message


# ------------------------------------------------------------------ hints, solutions, records


def test_hints_are_progressive(scores, capsys):
    q = make_q(scores)
    q.hint()
    q.hint()
    q.hint()  # stays on the last one
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Hint 1/2") and out[1].startswith("Hint 2/2") and out[2].startswith("Hint 2/2")
    q.hint(1)
    assert capsys.readouterr().out.startswith("Hint 1/2")


def test_solution_shows_code_value_at_check_precision_and_why(scores, capsys):
    q = make_q(scores)
    q.solution()
    out = capsys.readouterr().out
    assert "(scores >= 4).mean() * 100" in out and f"gives {top2(scores):,.1f} on" in out
    assert "Why: CSAT counts" in out
    assert q.check(round(top2(scores), 1)).correct  # what the solution prints passes


def test_self_test_catches_broken_exercises(scores):
    assert make_q(scores).self_test() == []
    broken = Exercise("q2", "?", expected=lambda: 1.0, compare=choice())
    assert broken.self_test()
    same = Exercise("q3", "?", expected=lambda: 5.0, mistakes=[("same", lambda: 5.0, "equal here")])
    assert same.self_test() == [] and same.check(5.0).correct
    boom = Exercise("q4", "?", expected=lambda: 5.0, mistakes=[("boom", lambda: 1 / 0, "x")])
    assert any("cannot be computed" in p for p in boom.self_test())
    # the printed solution must pass: 0.25 printed at 0 decimals is 0, which the check rejects
    coarse = Exercise("q6", "?", expected=lambda: 0.25, compare=number(abs_tol=0.01, decimals=0))
    assert any("solution prints" in p for p in coarse.self_test())


def test_outcome_record_is_in_the_saved_output(scores):
    s = ExerciseSet(make_q(scores), notebook="05")
    fb = s.q1.check(float(scores.mean()))
    bundle = fb._repr_mimebundle_()
    assert bundle["text/plain"] == str(fb)
    assert "Not quite" in bundle["text/html"] and 'role="status"' in bundle["text/html"]
    assert bundle[RECORD_MIME] == {"version": 1, "kind": "check", "notebook": "05", "exercise": "q1",
                                   "status": "incorrect", "mistake": "the mean score",
                                   "answer": repr(float(scores.mean()))}
    assert s.q1.check(____).record()["answer"] == ""


# ------------------------------------------------------------------ code exercises


def ttb(scores: pd.Series) -> float:
    s = pd.Series(scores).dropna()
    return float((s >= 4).mean() * 100) if len(s) else float("nan")


def make_code(data: pd.Series) -> CodeExercise:
    return CodeExercise(
        "q2", "Write top_two_box(scores).",
        reference=ttb,
        cases=lambda: [
            Case((data,), label="this run's survey answers"),
            Case((pd.Series([5, None, 4, 1]),), label="missing answers", why="Drop missing answers before the share."),
            Case((pd.Series([3, 3]),), label="no satisfied answers"),
        ],
        compare=number(abs_tol=1e-6, decimals=2, unit="percent"),
        mistakes=[("missing answers counted as unsatisfied",
                   lambda s: float((pd.Series(s) >= 4).sum() / len(s) * 100),
                   "a missing answer is not an unhappy customer: dropna() first.")],
        solution_code="def top_two_box(scores):\n    answered = scores.dropna()\n    return (answered >= 4).mean() * 100",
        why="Top-two-box is a share of those who answered.",
    )


@pytest.fixture
def survey() -> pd.Series:
    s = pd.Series(np.random.default_rng(5).integers(1, 6, size=120), dtype="float64")
    s.iloc[::9] = np.nan
    return s


def test_code_exercise_accepts_a_right_function(survey):
    q = make_code(survey)

    def top_two_box(scores):
        answered = scores.dropna()
        return (answered >= 4).mean() * 100

    fb = q.check(top_two_box)
    assert fb.correct and "3 cases" in fb.message and fb.answer == "function top_two_box"
    assert q.self_test() == []


def test_code_exercise_names_the_failing_case_and_known_mistake(survey):
    q = make_code(survey)

    def top_two_box(scores):
        return (scores >= 4).sum() / len(scores) * 100

    fb = q.check(top_two_box)
    assert fb.status == INCORRECT and fb.mistake == "missing answers counted as unsatisfied"
    assert "this run's survey answers" in fb.message and "returned" in fb.message and "expected" in fb.message
    assert "\n" not in fb.message


def test_code_exercise_edge_case_fraction_and_raising(survey):
    q = make_code(survey)
    fb = q.check(lambda scores: (scores.dropna() >= 4).mean())
    assert fb.status == INCORRECT and "fraction" in fb.message

    def boom(scores):
        return 1 / 0

    fb = q.check(boom)
    assert fb.status == INCORRECT and "ZeroDivisionError" in fb.message and "Traceback" not in fb.message
    assert "forget `return`" in q.check(lambda scores: None).message


def test_code_exercise_template_value_and_copies(survey):
    q = make_code(survey)
    namespace: dict = {"____": ____}
    exec("def top_two_box(scores):\n    ____  # your code\n", namespace)
    assert q.check(namespace["top_two_box"]).status == NOT_ATTEMPTED
    assert q.check(____).status == NOT_ATTEMPTED
    fb = q.check(81.8)
    assert fb.status == INCORRECT and "not a function" in fb.message
    before = survey.copy()

    def mutating(scores):
        scores.fillna(0, inplace=True)
        return ttb(scores)

    q.check(mutating)
    pd.testing.assert_series_equal(survey, before)  # the run's data is never changed


def test_code_exercise_solution_and_self_test_catch_a_weak_case_list(survey, capsys):
    q = make_code(survey)
    q.solution()
    out = capsys.readouterr().out
    assert "dropna()" in out and f"returns {ttb(survey):,.2f}" in out and "Why:" in out
    weak = CodeExercise("q3", "?", reference=ttb, cases=lambda: [Case((pd.Series([5, 4]),), label="full")],
                        mistakes=[("no dropna", lambda s: float((s >= 4).sum() / len(s) * 100), "x")])
    assert any("passes every case" in p for p in weak.self_test())


# ------------------------------------------------------------------ predictions, reflections, sets


def test_prediction_compares_guess_and_result():
    p = Prediction("p1", "What share will the gamers reach?", actual=lambda: 31.25, unit="%", decimals=1)
    fb = p.reveal(40)
    assert fb.status == ANSWERED and fb.kind == "prediction"
    assert "you predicted 40%" in fb.message and "31.2%" in fb.message and "8.8 percentage points too high" in fb.message
    assert p.reveal(____).status == NOT_ATTEMPTED and "31.2%" in p.reveal().message
    assert "If you meant a share, 0.4 is 40%" in p.reveal(0.4).message
    label = Prediction("p2", "Which section?", actual=lambda: "S5")
    assert "right" in label.reveal("s5").message


def test_reflection_and_set(capsys):
    r = Reflection("r1", "Why?", "Because incentives shape behaviour.")
    assert r.check().status == NOT_ATTEMPTED and r.check(' ').status == NOT_ATTEMPTED
    fb = r.check("my thoughts")
    assert fb.status == ANSWERED and fb.kind == "reflection" and fb.status != CORRECT
    r.solution()
    assert "incentives" in capsys.readouterr().out
    p = Prediction("p1", "?", actual=lambda: 1.0)
    s = ExerciseSet(make_q(np.arange(1, 6)), r, p, notebook="03")
    assert s.q1.name == "q1" and len(s) == 3 and s.reflections == [r] and s.predictions == [p]
    assert s.q1.notebook == "03" and p.reveal(1).notebook == "03"
    assert s.self_test() == []
    assert s.copy_signatures()[0]["kind"] == "number"
    with pytest.raises(AttributeError, match="no exercise named"):
        _ = s.q9
    with pytest.raises(ValueError, match="duplicate"):
        ExerciseSet(r, r)


def test_notebook_is_taken_from_the_defining_module():
    from helpers.exercises import nb05

    assert nb05.__name__.endswith("nb05")
    src = "from helpers.exercises import ExerciseSet\ndef make():\n    return ExerciseSet()\n"
    namespace: dict = {"__name__": "helpers.exercises.nb07"}
    exec(src, namespace)
    assert namespace["make"]().notebook == "07"


def test_feedback_is_plain_text(scores):
    fb = make_q(scores).check(top2(scores))
    assert repr(fb) == str(fb) and str(fb).startswith("[q1] Correct")


def test_code_exercise_with_a_table_names_what_is_off_in_one_line():
    data = pd.DataFrame({"team": list("ab" * 30), "csat": np.arange(60) % 5 + 1})

    def per_team(frame):
        return frame.groupby("team")["csat"].mean()

    q = CodeExercise("q1", "?", reference=per_team, cases=lambda: [Case((data,), label="this run's contacts")],
                     compare=frame(abs_tol=1e-6))
    fb = q.check(lambda f: f.groupby("team")["csat"].sum())
    assert fb.status == INCORRECT and "\n" not in fb.message and len(fb.message) < 300
    assert "'a'" in fb.message or "'b'" in fb.message


def test_distinct_mistakes_keeps_only_what_the_data_tells_apart():
    from helpers.exercises import distinct_mistakes

    calls = []

    def counted(v):
        def f():
            calls.append(v)
            return v
        return f

    kept = distinct_mistakes([("near", counted(50.04), "x"), ("far", counted(55.0), "y"),
                              ("nan", counted(float("nan")), "z"), ("boom", lambda: 1 / 0, "w")], 50.0, 0.05)
    assert [k[0] for k in kept] == ["far"] and kept[0][1]() == 55.0 and kept[0][1]() == 55.0
    assert calls.count(55.0) == 1  # computed once


def test_rounding_wins_over_a_nearby_mistake_and_text_columns_compare_as_labels():
    q = Exercise("q1", "?", expected=lambda: 80.7, compare=number(abs_tol=0.05, decimals=1),
                 mistakes=[("the team mean", lambda: 81.04, "x")])
    fb = q.check(81)
    assert "one more decimal" in fb.message and "team mean" not in fb.message and not fb.mistake
    assert q.check(81.04).mistake == "the team mean"
    table = pd.DataFrame({"team": ["a", "b"], "csat": [80.0, 70.0]})
    t = Exercise("t", "?", expected=lambda: table, compare=frame(abs_tol=0.01),
                 mistakes=[("other", lambda: table.assign(csat=[1.0, 2.0]), "y")])
    assert t.check(table.copy()).correct
    fb = t.check(table.assign(team=["a", "c"]))
    assert fb.status == INCORRECT and "'c'" in fb.message
    assert t.check(table.assign(csat=[1.0, 2.0])).mistake == "other"
