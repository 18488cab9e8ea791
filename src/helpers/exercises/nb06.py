"""Self-checks for notebook 06, enrollment and retention.

Every expected answer is computed from the data the notebook loaded (any seed, size, cohort
or data folder). A known mistake is listed only when, on this data, it gives an answer the
check can tell apart from the right one.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from helpers import education, metrics
from helpers.exercises import Comparer, Exercise, ExerciseSet, Reflection, number

__all__ = ["exercises", "distinct_mistakes"]

Mistake = tuple[str, Callable[[], Any], str]


def distinct_mistakes(compare: Comparer, expected: Any, mistakes: list[Mistake]) -> list[Mistake]:
    """Keep the mistakes whose value this data set tells apart from the right answer
    (a mistake that happens to give the right number cannot be named as a mistake)."""
    kept: list[Mistake] = []
    for label, wrong, message in mistakes:
        try:
            value = wrong()
        except Exception:
            continue
        if value is None or value != value:  # None or NaN
            continue
        if compare(value, expected) is not None:
            kept.append((label, lambda v=value: v, message))
    return kept


def _q1(cls: pd.DataFrame, funnel_year: int) -> Exercise:
    t = education.funnel_table(cls).iloc[0]
    expected = float(t["yield_rate"])
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("deposits / admits (the spring 'yield')", lambda: float(t["deposit_rate"]),
         "a deposit is a promise; yield counts the admitted students who are enrolled on the census date."),
        ("enrolled / applicants", lambda: 100.0 * float(t["enrolled_census"]) / float(t["applied"]),
         "yield is a share of the *admitted* students, not of all applicants."),
        ("the admit rate", lambda: float(t["admit_rate"]),
         "the admit rate is admitted / applied; yield comes one step later."),
        ("enrolled / prospects", lambda: float(t["enrolled_pct_of_prospects"]),
         "yield starts from the admitted students, not from every prospect."),
    ])
    return Exercise(
        "q1",
        f"What is the yield rate (percent) of the {funnel_year} entering class: the share of admitted "
        "students who were enrolled on the census date?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Count the admitted students and, among them, those enrolled at census.",
            "metrics.yield_rate(enrolled, admitted) with the two counts, or the yield_rate column of "
            "education.funnel_table(cls).",
        ],
        solution_code="metrics.yield_rate(int(cls['enrolled_census'].sum()), int(cls['admitted'].sum()))",
        mistakes=mistakes,
        explain="NACAC put the national average near a third in fall 2017; a deposit-based yield hides summer melt.",
    )


def _q2(outcomes: pd.DataFrame, cohort_year: int) -> Exercise:
    c = education.pick_cohort(outcomes, cohort_year)
    ft = c[(c["attendance"] == "full-time").to_numpy()]
    census = ft[ft["in_cohort"].to_numpy()]
    expected = metrics.ipeds_retention(census["retained"].to_numpy(), census["exclusion_1"].to_numpy())
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("transfers counted as retained (that is persistence)",
         lambda: metrics.persistence_rate(census["persisted"].to_numpy(), census["exclusion_1"].to_numpy()),
         "IPEDS retention counts only students enrolled at *this* institution; a transfer-out is not retained."),
        ("part-time students included", lambda: education.cohort_rates(outcomes, cohort_year, attendance=None)["retention"],
         "the IPEDS retention rate of the headline is the full-time cohort; part-time students get their own rate."),
        ("allowed exclusions kept in the denominator", lambda: metrics.ipeds_retention(census["retained"].to_numpy()),
         "students who died, became permanently disabled or left for military, foreign aid or church "
         "service leave the cohort before the rate is computed."),
        ("students who withdrew before census counted", lambda: metrics.pooled_rate(
            [int((ft["retained"] & (ft["exclusion_1"] == "none")).sum())], [int((ft["exclusion_1"] == "none").sum())]),
         "the IPEDS cohort is counted on the census date; those who left before it are tracked by a counter-metric instead."),
    ])
    return Exercise(
        "q2",
        f"What is the IPEDS fall-to-fall retention rate (percent) of the full-time {cohort_year} cohort?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Keep the full-time students of the cohort who were enrolled on the census date (in_cohort).",
            "Pass their `retained` flags and their `exclusion_1` labels to metrics.ipeds_retention, or read "
            "education.cohort_rates(outcomes, cohort_year)['retention'].",
        ],
        solution_code=(
            "ft = outcomes[(outcomes['cohort_year'] == cohort_year) & (outcomes['attendance'] == 'full-time') & outcomes['in_cohort']]\n"
            "metrics.ipeds_retention(ft['retained'], ft['exclusion_1'])"
        ),
        mistakes=mistakes,
        explain="NCES reports 81.7% for full-time students at 4-year institutions (2022 entrants, table 326.30).",
    )


def _q3(outcomes: pd.DataFrame, cohort_year: int) -> Exercise:
    table = education.group_rates(education.pick_cohort(outcomes, cohort_year), "attendance")
    both = education.overall_from_groups(table)
    expected = both["pooled"]
    ft_rate = float(table.loc[table["attendance"] == "full-time", "rate"].iloc[0]) if (table["attendance"] == "full-time").any() else None
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("the mean of the two group rates", lambda: both["mean_of_rates"],
         "the groups differ in size; add up the retained students and the cohort sizes first, then divide once."),
        ("the full-time rate only", lambda: ft_rate,
         "the question asks for every student of the cohort, full-time and part-time."),
    ])
    return Exercise(
        "q3",
        f"Using the table `by_attendance` (full-time and part-time rows of the {cohort_year} cohort), what is "
        "the retention rate (percent) of all its students together?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Each row has `count` (retained) and `n` (adjusted cohort).",
            "Sum the counts, sum the n's, divide: metrics.pooled_rate(by_attendance['count'], by_attendance['n']).",
        ],
        solution_code="metrics.pooled_rate(by_attendance['count'], by_attendance['n'])",
        mistakes=mistakes,
        explain="A pooled rate weights every student once; averaging the group rates gives each group one vote.",
    )


def _q4(cls: pd.DataFrame, funnel_year: int) -> Exercise:
    t = education.funnel_table(cls).iloc[0]
    expected = float(t["summer_melt"])
    dep, enr, adm = float(t["deposited"]), float(t["enrolled_census"]), float(t["admitted"])
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("the share of depositors who did enrol", lambda: 100.0 * enr / dep,
         "melt is the other part: depositors who did *not* show up at census."),
        ("melted students / admitted students", lambda: 100.0 * (dep - enr) / adm,
         "the base is the students who paid a deposit, not everyone admitted."),
        ("melted students / enrolled students", lambda: 100.0 * (dep - enr) / enr if enr else None,
         "divide by the depositors: they are the ones who could melt."),
    ])
    return Exercise(
        "q4",
        f"What is the summer melt (percent) of the {funnel_year} class: depositors not enrolled at census, as a "
        "share of depositors?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Melt = (deposited - enrolled at census) / deposited.",
            "metrics.summer_melt_rate(deposited, enrolled_census) with the two counts.",
        ],
        solution_code="metrics.summer_melt_rate(int(cls['deposited'].sum()), int(cls['enrolled_census'].sum()))",
        mistakes=mistakes,
        explain="Castleman and Page estimate about 10% nationally and up to 40% in some districts.",
    )


def _q5(outcomes: pd.DataFrame) -> Exercise:
    table = education.cohort_shaping_table(outcomes)
    gap = table["retention"] - table["retention_all_entrants"]
    expected = int(table.loc[gap.idxmax(), "cohort_year"])
    compare = number(abs_tol=0, decimals=0)
    mistakes = distinct_mistakes(compare, expected, [
        ("the cohort with the lowest retention", lambda: int(table.loc[table["retention"].idxmin(), "cohort_year"]),
         "shaping makes the headline rate look *better*; look at the counter-metrics instead."),
    ])
    return Exercise(
        "q5",
        "In the table `shaping`, which entering cohort's IPEDS retention rate is flattered most by students "
        "leaving before census? Answer with the year.",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Compare `retention` (census cohort) with `retention_all_entrants` (everyone who entered).",
            "The cohort with the largest difference, which also has the most withdrawals before census and the "
            "lowest access share.",
        ],
        solution_code="int(shaping.loc[(shaping['retention'] - shaping['retention_all_entrants']).idxmax(), 'cohort_year'])",
        mistakes=mistakes,
        explain="Its headline rate rose while fewer first-generation and Pell students were left to count.",
    )


R1 = Reflection(
    "r1",
    "A dean proposes to 'advise out' first-year students who look unlikely to return before the census "
    "date, promising a better retention rate. What would the retention rate show next year, and which two "
    "numbers would you report next to it so that the board sees what happened?",
    """
The retention rate would rise, because the students most likely to leave would never enter the
IPEDS cohort: the denominator shrinks from the bottom. Nothing about teaching or support would
have improved. Report next to it (1) withdrawals before census as a share of all entrants and
(2) the access share - the percentage of first-generation and Pell students among entrants and
among the census cohort. A third useful number is retention over all entrants, which cohort
shaping cannot flatter. Together they turn a 'success' into a visible trade-off the board can
discuss: did we retain more students, or did we admit fewer of the students who need us most?
""",
)

R2 = Reflection(
    "r2",
    "Retention (same institution) and persistence (enrolled anywhere) tell different stories. Which one "
    "would you put in front of (a) the institution's leadership and (b) a state agency that funds students "
    "rather than institutions? What would each audience be tempted to do if only its number were watched?",
    """
Leadership owns retention: it measures whether students stay *here*, which is what the institution
can change through advising, teaching and support. A state agency cares about persistence: a
student who transfers and continues is a success for the student and the public purse. Watched
alone, retention tempts an institution to discourage transfers or to shape the cohort; persistence
alone lets an institution shrug off students it failed, since 'they went elsewhere'. Reporting
both, plus the transfer-out share between them, keeps each honest.
""",
)


def exercises(funnel: pd.DataFrame, outcomes: pd.DataFrame, funnel_year: int, cohort_year: int) -> ExerciseSet:
    """The self-checks of notebook 06, computed from the notebook's own data and parameters.

    ``funnel``: the ``enrollment_funnel`` data; ``outcomes``: :func:`education.cohort_outcomes`
    of ``student_terms``. q1 yield; q2 full-time IPEDS retention; q3 pooled retention from a
    group table; q4 summer melt; q5 the shaped cohort; r1 advising out; r2 retention vs persistence.
    """
    cls = education.pick_cohort(funnel, funnel_year)
    return ExerciseSet(_q1(cls, funnel_year), _q2(outcomes, cohort_year), _q3(outcomes, cohort_year),
                       _q4(cls, funnel_year), _q5(outcomes), R1, R2)
