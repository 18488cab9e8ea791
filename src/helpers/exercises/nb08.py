"""Self-checks for notebook 08, educator satisfaction.

Every expected answer is computed from the data the notebook loaded (any seed, size or data
folder). q1 is a code exercise (reverse coding and Cronbach's alpha, checked on both of this
run's scales and on edge cases); q2 asks for an alpha the notebook never prints; q3 (the
response rate of the teachers who left) comes before any response rate by group is shown; q4 (the teacher-level correlation) comes
before the three correlations are shown; p1 is a prediction of the within-school correlation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers import education, metrics
from helpers.exercises import Case, CodeExercise, Exercise, ExerciseSet, Prediction, Reflection, number
from helpers.exercises import distinct_mistakes as _distinct
from helpers.validate import TALIS_REVERSED

__all__ = ["exercises", "scale_alpha", "DELETED_ITEM"]

#: The item exercise 2 leaves out of its scale ("alpha if item deleted").
DELETED_ITEM = "prof_advantages"


# --------------------------------------------------------------------------- reference functions


def scale_alpha(answers: pd.DataFrame, negative: Sequence[str]) -> float:
    """Cronbach's alpha of a 1-4 agree scale after reverse-coding the ``negative`` items
    (5 - x); respondents with a missing item are left out (the reference)."""
    items = answers.astype("float64").copy()
    for col in negative:
        items[col] = 5 - items[col]
    items = items.dropna()
    k = items.shape[1]
    return float(k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var()))


def _not_reversed(answers: pd.DataFrame, negative: Sequence[str]) -> float:
    return scale_alpha(answers, [])


def _no_k_factor(answers: pd.DataFrame, negative: Sequence[str]) -> float:
    alpha = scale_alpha(answers, negative)
    k = answers.shape[1]
    return alpha * (k - 1) / k


def _missing_kept(answers: pd.DataFrame, negative: Sequence[str]) -> float:
    items = answers.astype("float64").copy()
    for col in negative:
        items[col] = 5 - items[col]
    k = items.shape[1]  # pandas skips NaN per column, and sum() treats NaN as 0
    return float(k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var()))


def _mixed_ddof(answers: pd.DataFrame, negative: Sequence[str]) -> float:
    items = answers.astype("float64").copy()
    for col in negative:
        items[col] = 5 - items[col]
    items = items.dropna()
    k = items.shape[1]
    return float(k / (k - 1) * (1 - items.var(ddof=0).sum() / items.sum(axis=1).var(ddof=1)))




def _respondents(survey: pd.DataFrame) -> pd.DataFrame:
    return survey[survey["responded"].to_numpy() == 1]


# --------------------------------------------------------------------------- exercises


def _q1(survey: pd.DataFrame) -> CodeExercise:
    resp = _respondents(survey)

    def scale(name: str) -> tuple[pd.DataFrame, list[str]]:
        items = list(education.SCALES[name])
        return resp[items].astype("float64").reset_index(drop=True), [i for i in items if i in TALIS_REVERSED]

    def cases() -> list[Case]:
        tiny = pd.DataFrame({"a": [4, 3, 2, 4, 1], "b": [1, 2, 3, 1, 4], "c": [4, 4, 2, 3, 1]}, dtype="float64")
        gap = tiny.copy()
        gap.loc[2, "c"] = np.nan
        return [
            Case(args=scale("profession"), label="this run's profession items",
                 why="Two of the four items are negatively worded."),
            Case(args=scale("school"), label="this run's work-environment items",
                 why="One of the four items is negatively worded."),
            Case(args=(tiny, ["b"]), label="three items, one negative",
                 why="Only the columns named in `negative` are reversed."),
            Case(args=(tiny.drop(columns="b"), []), label="no negative item",
                 why="With nothing to reverse, the items are used as they are."),
            Case(args=(gap, ["b"]), label="a respondent with a missing answer",
                 why="Leave out respondents with a missing item, so that every variance uses the same people."),
        ]

    return CodeExercise(
        "q1",
        "Write scale_alpha(answers, negative): Cronbach's alpha of a 1-4 agree scale. answers has one column per "
        "item and one row per respondent; negative lists the negatively worded columns, to be reverse-coded "
        "(5 - x) first. Leave out respondents with a missing item.",
        reference=scale_alpha,
        cases=cases,
        compare=number(abs_tol=1e-6, decimals=4),
        mistakes=[
            ("the negative items not reversed", _not_reversed,
             "reverse the columns named in `negative` (5 - x on a 1-4 scale) before computing alpha."),
            ("alpha without k / (k - 1)", _no_k_factor, "multiply by k / (k - 1), with k the number of items."),
            ("respondents with a missing item kept", _missing_kept,
             "pandas' var() skips a missing value per column while sum(axis=1) counts it as 0: call .dropna() first."),
            ("item variances with ddof=0", _mixed_ddof,
             "use the same variance (pandas' default, ddof=1) for the items and for the total."),
        ],
        hints=[
            "Copy the frame, replace each negative column by 5 minus itself, then .dropna().",
            "k = number of columns; alpha = k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var()).",
        ],
        solution_code=(
            "def scale_alpha(answers, negative):\n"
            "    items = answers.copy()\n"
            "    items[negative] = 5 - items[negative]        # reverse-code the negative items\n"
            "    items = items.dropna()                         # the same respondents for every variance\n"
            "    k = items.shape[1]\n"
            "    return k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())\n"
            "# the same with the helpers: metrics.cronbach_alpha(education.reverse_items(...)[items])"
        ),
        why="alpha compares the items' own variances with the variance of their sum: items that move together "
            "make the sum vary much more than its parts.",
        explain="The same function checks any scale you build from agree items.",
    )


def _q2(survey: pd.DataFrame) -> Exercise:
    resp = _respondents(survey)
    rev = education.reverse_items(resp)
    scale = list(education.SCALES["profession"])
    kept = [i for i in scale if i != DELETED_ITEM]
    expected = metrics.cronbach_alpha(rev[kept].astype("float64"))
    school = list(education.SCALES["school"])
    full = metrics.cronbach_alpha(rev[scale].astype("float64"))
    others = [(f"{item} left out instead",
               (lambda item=item: metrics.cronbach_alpha(rev[[i for i in scale if i != item]].astype("float64"))),
               f"the question leaves out {DELETED_ITEM}; keep {item}.") for item in scale if item != DELETED_ITEM]
    verdict = ("lower, so the item adds to the scale" if expected < full else
               "higher, so the scale hangs together better without it: look at the item's wording")
    return Exercise(
        "q2",
        f"What is Cronbach's alpha of the profession scale without the item {DELETED_ITEM} ('alpha if item "
        "deleted'), respondents only, after reverse coding? Give three decimals.",
        expected=lambda: expected,
        compare=number(abs_tol=0.0006, decimals=3),
        hints=[
            f"The profession scale has four items; keep the three other than {DELETED_ITEM}.",
            "Reverse-code the negative ones, then your scale_alpha (or metrics.cronbach_alpha) on the three columns.",
        ],
        solution_code=(
            f"three = {kept!r}\n"
            "items = survey.loc[survey['responded'] == 1, three].astype(float)\n"
            f"negative = {[i for i in kept if i in TALIS_REVERSED]!r}\n"
            "items[negative] = 5 - items[negative]          # reverse-code\n"
            "items = items.dropna()\n"
            "k = items.shape[1]\n"
            "k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())\n"
            "# the same with your function: scale_alpha(survey.loc[survey['responded'] == 1, three], negative)\n"
            "# and with the helpers: metrics.cronbach_alpha(education.reverse_items(respondents)[three])"
        ),
        why="alpha if item deleted is the alpha of the remaining items; if it rises, the item fits the scale poorly.",
        mistakes=_distinct([
            ("the full four-item scale", lambda: metrics.cronbach_alpha(rev[scale].astype("float64")),
             f"leave {DELETED_ITEM} out and compute alpha of the other three items."),
            ("the negative items not reversed", lambda: metrics.cronbach_alpha(resp[kept].astype("float64")),
             "reverse prof_regret and prof_other_profession (5 - x) first."),
            ("the work-environment scale", lambda: metrics.cronbach_alpha(rev[school].astype("float64")),
             "the question is about the profession scale."),
            ("the work-environment scale without one item",
             lambda: metrics.cronbach_alpha(rev[[i for i in school if i != "job_satisfied_overall"]].astype("float64")),
             "the question is about the profession scale."),
            *others,
        ], expected, 0.0006),
        explain=(f"The four-item alpha is {full:.3f}; without {DELETED_ITEM} it is {verdict}. Alpha also grows with "
                 "the number of items, so compare scales of the same length."),
    )


def _q3(survey: pd.DataFrame) -> Exercise:
    responded = survey["responded"].to_numpy() == 1
    left = survey["left_next_year"].to_numpy() == 1
    if not left.any() or left.all():
        raise ValueError("exercise 3 needs teachers who left and teachers who stayed (column left_next_year)")
    pct = lambda mask: 100.0 * float(mask.mean())  # noqa: E731
    expected = pct(responded[left])
    return Exercise(
        "q3",
        "Of the teachers who left their school the following year, what percent had answered the survey? Give a "
        "percent with one decimal.",
        expected=lambda: expected,
        compare=number(abs_tol=0.05, decimals=1, unit="percent"),
        hints=[
            "One row per invited teacher: keep the rows with left_next_year == 1.",
            "Among them, the mean of the 0/1 column responded, times 100.",
        ],
        solution_code=(
            "leavers = survey[survey['left_next_year'] == 1]\n"
            "100 * leavers['responded'].mean()\n"
            "# both groups at once: 100 * survey.groupby('left_next_year')['responded'].mean()"
        ),
        why="the response rate of one group: its respondents over everyone in the group who was invited.",
        mistakes=_distinct([
            ("the response rate of all invited teachers", lambda: pct(responded),
             "keep only the teachers who left the next year, then take their response rate."),
            ("the response rate of the teachers who stayed", lambda: pct(responded[~left]),
             "the question asks about the teachers who left (left_next_year == 1)."),
            ("the share of respondents who left", lambda: pct(left[responded]),
             "that divides by the respondents; the question divides by the teachers who left: of the leavers, "
             "how many answered?"),
            ("the share of non-respondents who left", lambda: pct(left[~responded]),
             "the question starts from the teachers who left and asks how many of them answered."),
            ("the share who did not answer", lambda: 100.0 - expected,
             "the question asks for the share who answered."),
        ], expected, 0.05),
        explain="Compare it with the response rate of all invited teachers in the next cell: if leavers answered "
                "less often, the unhappiest teachers are under-represented among the respondents.",
    )


def _q4(scored: pd.DataFrame) -> Exercise:
    eco = education.ecological_comparison(scored)
    expected = float(eco["teacher_r"])
    return Exercise(
        "q4",
        "Over all scored teachers of the district, one point per teacher and ignoring schools, what is the "
        "correlation between satisfaction with the work environment (`school`) and the teacher's class mean "
        "score? Give three decimals.",
        expected=lambda: expected,
        compare=number(abs_tol=0.0006, decimals=3),
        hints=[
            "`scored` has one row per respondent, with the scale score `school` and `class_mean_score`.",
            "scored['school'].corr(scored['class_mean_score']) (pandas drops incomplete pairs).",
        ],
        solution_code=(
            "scored['school'].corr(scored['class_mean_score'])\n"
            "# the same with the helper: education.ecological_comparison(scored)['teacher_r']"
        ),
        why="a correlation over individual teachers, with each teacher's school effect still inside it.",
        mistakes=_distinct([
            ("the school-level correlation", lambda: float(eco["between_r"]),
             "that correlates school means; the question asks for one point per teacher."),
            ("the within-school correlation", lambda: float(eco["within_r"]),
             "that first removes each school's mean; the question keeps the differences between schools."),
            ("the profession scale", lambda: float(scored["profession"].corr(scored["class_mean_score"])),
             "use the work-environment scale, column `school`."),
        ], expected, 0.0006),
        explain="It sits between the other two: it mixes the strong pattern between schools with the weak one inside them.",
    )


def _p1(scored: pd.DataFrame) -> Prediction:
    return Prediction(
        "p1",
        "Within a school, do teachers who are more satisfied than their colleagues have higher-scoring classes? "
        "Predict the within-school correlation (between -1 and 1).",
        actual=lambda: float(education.ecological_comparison(scored)["within_r"]),
        decimals=2,
        note="Compare it with the school-level correlation of the chart above.",
    )


R1 = Reflection(
    "r1",
    "A district plans to rank principals by their school's mean job-satisfaction score and to tie part of their "
    "pay to it. Using what you saw in this notebook, what would happen, and what would you propose instead?",
    """
The ranking would be mostly noise for small schools (wide intervals, and after allowing for the
many schools compared at once almost none stand apart), and it would punish principals of
high-poverty schools, where satisfaction is lower for reasons they do not control. Tied to pay,
it would also invite gaming: pressing teachers to answer 'positively', discouraging unhappy
teachers from responding, or timing the survey. The score would stop measuring satisfaction
(Campbell). Instead: share each school's results with its staff and principal for discussion,
compare a school with schools serving similar students rather than with the district mean, look
at the item-level pattern and at trends within a school, report response rates next to every
score, and pair the survey with behaviour it cannot fake - teacher turnover. Use it to guide
support, not to grade people.
""",
)

R2 = Reflection(
    "r2",
    "Teachers who did not answer the survey left their school the next year more often than those who answered "
    "(section 3). What does that do to the satisfaction figures, and how could you reduce or at least report the "
    "problem?",
    """
If less satisfied teachers answer less often, the respondents are happier than the staff as a
whole, so every satisfaction share is too favourable, and schools with low response rates may
look better than they are. If the gap holds inside schools too (its interval above zero),
comparing schools does not cancel it; with few teachers per school that interval is wide, so
say what the data can and cannot show. Ways to respond: report the response rate next to each figure (and hide figures
below a minimum number of answers); compare respondents and non-respondents on what is known for
everyone (turnover, experience, school); weight responses by such variables; make answering
easier and anonymous; and follow up with a sample of non-respondents.
""",
)


def exercises(survey: pd.DataFrame, scored: pd.DataFrame | None = None) -> ExerciseSet:
    """The self-checks of notebook 08, computed from the notebook's own data.

    ``survey``: the ``educator_survey`` data; ``scored``: :func:`education.scale_scores` of it
    (computed when not given). q1 (code) scale_alpha with reverse coding; q2 alpha if
    item deleted; q3 the response rate of the leavers; q4 the teacher-level correlation; p1 the
    within-school correlation; r1 ranking principals; r2 non-response.
    """
    scored = education.scale_scores(survey) if scored is None else scored
    return ExerciseSet(_q1(survey), _q2(survey), _q3(survey), _q4(scored), _p1(scored), R1, R2)
