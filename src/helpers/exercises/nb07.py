"""Self-checks for notebook 07, engagement and learning.

Every expected answer is computed from the data the notebook loaded (any seed, size or data
folder). q1 asks about one course, which the notebook's charts never show on its own; q2 is
a code exercise (Hake's gain, checked on this run's sections and on edge cases); q3 and q4
come before any output that shows their values; p1 is a prediction made before the
transfer test is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers import education, metrics
from helpers.exercises import Case, CodeExercise, Exercise, ExerciseSet, Prediction, Reflection, number
from helpers.exercises import distinct_mistakes as _distinct

__all__ = ["exercises", "hake_gain", "first_course", "suspect_section", "section_pair"]


# --------------------------------------------------------------------------- reference functions


def hake_gain(pre: Sequence[float] | pd.Series, post: Sequence[float] | pd.Series, max_score: float = 100) -> float:
    """Hake's class-average normalized gain of the students with both scores (the reference)."""
    both = pd.DataFrame({"pre": pd.Series(pre, dtype="float64").to_numpy(),
                         "post": pd.Series(post, dtype="float64").to_numpy()}).dropna()
    mean_pre, mean_post = both["pre"].mean(), both["post"].mean()
    return float((mean_post - mean_pre) / (max_score - mean_pre))


def _unmatched(pre: Any, post: Any, max_score: float = 100) -> float:
    p, q = pd.Series(pre, dtype="float64"), pd.Series(post, dtype="float64")
    return float((q.mean() - p.mean()) / (max_score - p.mean()))  # pandas skips NaN in each column separately


def _individual(pre: Any, post: Any, max_score: float = 100) -> float:
    p, q = pd.Series(pre, dtype="float64").to_numpy(), pd.Series(post, dtype="float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nanmean((q - p) / (max_score - p)))


def _missing_as_zero(pre: Any, post: Any, max_score: float = 100) -> float:
    return hake_gain(pre, pd.Series(post, dtype="float64").fillna(0.0), max_score)


def _out_of_100(pre: Any, post: Any, max_score: float = 100) -> float:
    return hake_gain(pre, post, 100)


def _raw_gain(pre: Any, post: Any, max_score: float = 100) -> float:
    both = pd.DataFrame({"pre": pd.Series(pre, dtype="float64").to_numpy(),
                         "post": pd.Series(post, dtype="float64").to_numpy()}).dropna()
    return float(both["post"].mean() - both["pre"].mean())


# --------------------------------------------------------------------------- what the questions ask about


def first_course(lms: pd.DataFrame) -> str:
    """The course exercise 1 asks about: the first course id in sorted order."""
    return str(sorted(lms["course_id"].astype(str).unique())[0])


def suspect_section(assessments: pd.DataFrame) -> str:
    """The section whose post-test gain runs furthest ahead of its transfer gain (the one
    :func:`helpers.education.teach_to_test` flags in the generated data)."""
    table = education.section_table(assessments)
    return str(table.loc[table["gap"].idxmax(), "section"])


def section_pair(assessments: pd.DataFrame) -> tuple[str, str]:
    """Two sections the notebook never compares: the first interactive section and the first
    traditional section other than the suspect one (sorted ids)."""
    modes = assessments.groupby("section", sort=True, observed=True)["teaching_mode"].first().astype(str)
    suspect = suspect_section(assessments)
    inter = [str(s) for s, m in modes.items() if m == "interactive"]
    trad = [str(s) for s, m in modes.items() if m == "traditional" and str(s) != suspect]
    if not inter or not trad:
        raise ValueError("the assessments data need an interactive section and a traditional section besides "
                         f"{suspect}; sections found: {', '.join(map(str, modes.index))}")
    return inter[0], trad[0]




def _scores(assessments: pd.DataFrame, section: str, column: str = "post_score") -> pd.Series:
    return assessments.loc[assessments["section"].astype(str) == section, column].dropna()


# --------------------------------------------------------------------------- exercises


def _q1(lms: pd.DataFrame) -> Exercise:
    course = first_course(lms)
    weekly = education.weekly_participation(lms, "course_id")
    rows = weekly[weekly["course_id"].astype(str) == course]
    last = rows.loc[rows["week"].idxmax()]
    week = int(last["week"])
    overall = education.weekly_participation(lms)
    overall_last = float(overall.loc[overall["week"] == week, "participation"].iloc[0])
    return Exercise(
        "q1",
        f"In course {course}, what percent of the students still enrolled in week {week} (the last week) were "
        "active that week? Give a percent with one decimal.",
        expected=lambda: float(last["participation"]),
        compare=number(abs_tol=0.05, decimals=1, unit="percent"),
        hints=[
            f"Keep the rows of course {course} in week {week}: one row per student still enrolled that week.",
            "The mean of the 0/1 column `active`, times 100.",
        ],
        solution_code=(
            f"week = lms[(lms['course_id'] == '{course}') & (lms['week'] == {week})]\n"
            "100 * week['active'].mean()\n"
            f"# the same with the helper: education.weekly_participation(lms, 'course_id') for {course}, week {week}"
        ),
        why="students who withdrew have no row that week, so the rows are exactly the students still enrolled.",
        mistakes=_distinct([
            ("everyone who started the course in the denominator", lambda: float(last["participation_of_starters"]),
             "the participation rate divides by the students still enrolled that week; the share of everyone who "
             "started is the useful second number, but it answers another question."),
            ("the number of active students", lambda: float(last["active"]),
             "divide the active students by the students enrolled that week, then multiply by 100."),
            ("all three courses together", lambda: overall_last,
             f"keep the rows of course {course} only."),
        ], float(last["participation"]), 0.05),
        explain="Its denominator shrinks as students withdraw, so it can hold up while fewer of the starters take part.",
    )


def _q2(assessments: pd.DataFrame) -> CodeExercise:
    mode = assessments["teaching_mode"].astype(str)

    def group(m: str) -> tuple[pd.Series, pd.Series]:
        g = assessments[(mode == m).to_numpy()]
        return (g["pre_score"].astype("float64").reset_index(drop=True),
                g["post_score"].astype("float64").reset_index(drop=True))

    def cases() -> list[Case]:
        return [
            Case(args=group("interactive"), label="this run's interactive sections",
                 why="Some students here have no post score: they left before the post-test."),
            Case(args=group("traditional"), label="this run's traditional sections",
                 why="Some students here have no post score: they left before the post-test."),
            Case(args=(pd.Series([100.0, 40.0, 60.0]), pd.Series([100.0, 70.0, 80.0])), label="a student at the ceiling",
                 why="A student who starts at 100 has no room to gain; the class gain uses the class means, so "
                     "it stays defined."),
            Case(args=(pd.Series([30.0, 50.0, 70.0]), pd.Series([60.0, 75.0, None])), label="a dropout with no post score",
                 why="The third student took the pre-test only: leave them out of both means."),
            Case(args=(pd.Series([4.0, 10.0, 12.0]), pd.Series([12.0, 16.0, 18.0])), kwargs={"max_score": 20},
                 label="a test scored out of 20", why="The room to gain is max_score minus the mean pre-test score."),
        ]

    return CodeExercise(
        "q2",
        "Write hake_gain(pre, post, max_score=100): Hake's class-average normalized gain of the students who took "
        "both tests. pre and post are Series of the same students in the same order; a missing post score means "
        "the student left before the post-test.",
        reference=hake_gain,
        cases=cases,
        compare=number(abs_tol=1e-6, decimals=4, unit="fraction"),
        mistakes=[
            ("everyone's pre-test against the completers' post-test", _unmatched,
             "pandas' .mean() skips missing values in each Series separately, so the leavers' pre-tests stay in "
             "the baseline; drop the students without a post score from both (e.g. a DataFrame and .dropna())."),
            ("a missing post score counted as 0", _missing_as_zero,
             "a missing post score means the student left before the post-test, not that they scored 0: "
             "leave those students out of both means."),
            ("the mean of the students' individual gains", _individual,
             "Hake's gain divides the gain of the class means by the room of the class mean; averaging each "
             "student's own gain is another number (Bao 2006) and breaks for a student at the ceiling."),
            ("the maximum score fixed at 100", _out_of_100,
             "use the max_score argument: the room to gain is max_score - mean pre."),
            ("the raw gain in points", _raw_gain,
             "divide the gain by the room there was to gain: max_score minus the mean pre-test score."),
        ],
        hints=[
            "Put both Series in one DataFrame and drop the rows with a missing value: "
            "`both = pd.DataFrame({'pre': pre, 'post': post}).dropna()`.",
            "Then (mean post - mean pre) / (max_score - mean pre) on the columns of `both`.",
        ],
        solution_code=(
            "def hake_gain(pre, post, max_score=100):\n"
            "    both = pd.DataFrame({'pre': pre, 'post': post}).dropna()   # students with both scores\n"
            "    mean_pre, mean_post = both['pre'].mean(), both['post'].mean()\n"
            "    return (mean_post - mean_pre) / (max_score - mean_pre)\n"
            "# the same with the helper: metrics.hake_gain(both['pre'], both['post'], max_score)"
        ),
        why="the gain achieved as a share of the gain possible, on the class means of the same (matched) students.",
        explain="The same function gives every gain in the rest of this notebook.",
    )


def _q3(assessments: pd.DataFrame) -> Exercise:
    suspect = suspect_section(assessments)
    a = assessments
    trad = a[(a["teaching_mode"].astype(str) == "traditional").to_numpy()]
    keep = trad[(trad["section"].astype(str) != suspect).to_numpy()]
    done = keep.dropna(subset=["post_score"])
    expected = metrics.hake_gain(done["pre_score"], done["post_score"])
    all_done = trad.dropna(subset=["post_score"])
    per_section = [metrics.hake_gain(g["pre_score"], g["post_score"]) for _, g in done.groupby("section", observed=True)]
    # three decimals means within half a unit of the third: 0.0006. A looser tolerance would accept
    # the mean of the printed two-decimal section gains, which is close to the pooled gain.
    compare = number(abs_tol=0.0006, decimals=3, unit="fraction")
    return Exercise(
        "q3",
        f"What is Hake's gain of the traditional sections without section {suspect}, using the students who took "
        "both tests? Give a fraction with three decimals.",
        expected=lambda: expected,
        compare=compare,
        hints=[
            f"Keep the traditional rows whose section is not {suspect}, then the students with a post-test score.",
            "Your hake_gain(pre, post) from exercise 2 does the rest.",
        ],
        solution_code=(
            f"trad = assessments[(assessments['teaching_mode'] == 'traditional') & (assessments['section'] != '{suspect}')]\n"
            "done = trad.dropna(subset=['post_score'])\n"
            "pre, post = done['pre_score'].mean(), done['post_score'].mean()\n"
            "(post - pre) / (100 - pre)\n"
            "# the same with the helper: metrics.hake_gain(done['pre_score'], done['post_score'])"
        ),
        why="the class gain of the traditional students whose post-test the transfer test does not contradict.",
        mistakes=_distinct([
            (f"section {suspect} left in", lambda: metrics.hake_gain(all_done["pre_score"], all_done["post_score"]),
             f"filter out section {suspect} before averaging."),
            ("the mean of the sections' gains", lambda: float(np.mean(per_section)),
             "pool the students of the remaining sections into one class, then take the gain of its means."),
            ("the mean of the students' individual gains", lambda: metrics.mean_individual_gain(done["pre_score"], done["post_score"]),
             "Hake's gain is computed on the class means, not student by student."),
            ("everyone's pre-test against the completers' post-test",
             lambda: metrics.hake_gain(float(keep["pre_score"].mean()), float(done["post_score"].mean())),
             "the students who left took the pre-test only; use pre and post of the same students."),
        ], expected, 0.0006),
        explain="Compare it with Hake's 0.23 for traditional courses.",
    )


def _q4(assessments: pd.DataFrame) -> Exercise:
    a_id, b_id = section_pair(assessments)
    x, y = _scores(assessments, a_id), _scores(assessments, b_id)
    expected = metrics.hedges_g(x, y)
    d = metrics.cohens_d(x, y)
    n = len(x) + len(y)
    return Exercise(
        "q4",
        f"What is Hedges' g of the post-test scores of section {a_id} against section {b_id} ({a_id} minus {b_id}, "
        "students with a post-test score)? Give three decimals.",
        expected=lambda: expected,
        compare=number(abs_tol=0.0006, decimals=3),
        hints=[
            f"Two groups: the post_score of section {a_id} and of section {b_id}, missing scores dropped.",
            "Cohen's d with the pooled SD, then times J = 1 - 3 / (4 (n1 + n2) - 9); or metrics.hedges_g(a, b).",
        ],
        solution_code=(
            f"a = assessments.loc[assessments['section'] == '{a_id}', 'post_score'].dropna()\n"
            f"b = assessments.loc[assessments['section'] == '{b_id}', 'post_score'].dropna()\n"
            "n1, n2 = len(a), len(b)\n"
            "pooled = (((n1 - 1) * a.var() + (n2 - 1) * b.var()) / (n1 + n2 - 2)) ** 0.5\n"
            "(a.mean() - b.mean()) / pooled * (1 - 3 / (4 * (n1 + n2) - 9))\n"
            "# the same with the helper: metrics.hedges_g(a, b)"
        ),
        why="Cohen's d on the pooled SD of the two sections, shrunk by Hedges' J because each section is small.",
        mistakes=_distinct([
            ("Cohen's d without the correction", lambda: d, "multiply d by J = 1 - 3 / (4 (n1 + n2) - 9)."),
            (f"{b_id} minus {a_id}", lambda: -expected, f"subtract the mean of {b_id} from the mean of {a_id}."),
            ("the difference in means", lambda: float(x.mean() - y.mean()),
             "divide the difference by the pooled standard deviation."),
            ("the SD of all students together", lambda: float((x.mean() - y.mean()) / pd.concat([x, y]).std())
             * metrics.hedges_correction(len(x), len(y)),
             "pool the two within-section variances; the SD of both sections together includes the gap between them."),
        ], expected, 0.0006),
        explain=(f"With {n} students J is {metrics.hedges_correction(len(x), len(y)):.3f}; and one section "
                 "against another is still a comparison of two teachers as much as of two methods."),
    )


def _p1(assessments: pd.DataFrame) -> Prediction:
    return Prediction(
        "p1",
        "One section taught to the test. Looking only at the post-test gains, which section do you suspect? "
        "Write its id as text.",
        actual=lambda: suspect_section(assessments),
        note="The transfer test, not the post-test, is what shows it.",
    )


R1 = Reflection(
    "r1",
    "The course team wants to report 'our students gained X' in the annual review. Some students left before the "
    "post-test, and those who left had lower pre-test scores. What would you report, and how?",
    """
Report the matched gain (students who took both tests) together with the dropout rate and a
sensitivity range: for example the gain if every dropout had learned nothing (post = pre). Say
plainly that the matched gain describes the students who stayed. Never compare the completers'
post-test with everyone's pre-test: the weaker students' pre-tests stay in, their post-tests
are missing, and the gain looks bigger than it was. The dropout rate is also a metric of its
own - a course can raise its gain by losing its weakest students.
""",
)

R2 = Reflection(
    "r2",
    "Students who click more pass more often. A vendor concludes that requiring two log-ins a week will raise "
    "pass rates. What is wrong with the conclusion, and what would you need to test it?",
    """
The correlation does not show that clicking causes passing: motivation, prior knowledge, time and
paid work drive both. A log-in requirement would also change the metric itself - students would
click to comply (Goodhart), so clicks would stop measuring engagement. To learn whether more
engagement causes better results you need an experiment: randomly assign sections (or students)
to the new requirement or not, fix the outcome and the analysis in advance, use an outcome the
intervention cannot game (a common final or a transfer test), and compare pass rates with their
uncertainty - counting sections, not students, when whole sections are assigned. Track the
counter-metrics too: withdrawals and student workload.
""",
)

R3 = Reflection(
    "r3",
    "In Atlanta, test targets tied to bonuses ended in erasures and convictions. One section in our data "
    "'only' taught to the test. Where is the line between the two, and what would you put in place so that a "
    "school sees the problem before it grows?",
    """
Teaching to the test and cheating sit on one slope: both make the tested number rise without the
learning it was meant to show. The line is crossed when the score is changed rather than earned,
but the damage starts earlier, when instruction narrows to the tested format. Guard rails: an
independent low-stakes assessment (a transfer test) reported next to the high-stakes one, with
the gap between them watched; audits such as erasure analysis for paper tests; and incentives
that do not hang on a single score. Used as a conversation starter with the teacher, not as a
verdict, the gap guides practice instead of grading people.
""",
)


def exercises(lms: pd.DataFrame, assessments: pd.DataFrame) -> ExerciseSet:
    """The self-checks of notebook 07, computed from the notebook's own data.

    q1 participation in one course's last week; q2 (code) hake_gain(pre, post, max_score);
    q3 the traditional gain without the suspect section; q4 Hedges' g of two sections;
    p1 which section teaches to the test; r1 reporting gains with dropouts; r2 engagement
    and causation; r3 the Atlanta link.
    """
    if math.isnan(float(assessments["pre_score"].mean())):
        raise ValueError("the assessments data have no pre-test scores (column pre_score)")
    return ExerciseSet(_q1(lms), _q2(assessments), _q3(assessments), _q4(assessments), _p1(assessments), R1, R2, R3)
