"""Self-checks for notebook 06, enrollment and retention.

Every expected answer is computed from the data the notebook loaded (any seed, size, cohort
or data folder). Each exercise asks about a class, cohort, group or pooling the notebook has
not printed above it: the yield of another entering class, the summer melt of Pell depositors
pooled over every class, a retention function written from the raw term records, the
retention of the chosen cohort (the worked example uses another one), a pooled rate from a group table, and the year of the shaped
cohort. A known mistake is listed only when, on this data, its value differs from the right
answer by more than the tolerance (a mistake that gives the right number cannot be named).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from helpers import education, metrics
from helpers.exercises import (
    Case,
    CodeExercise,
    Exercise,
    ExerciseSet,
    Prediction,
    Reflection,
    number,
    year,
)

__all__ = ["exercises", "other_year", "other_cohort", "retention_from_terms", "distinct_mistakes"]

Mistake = tuple[str, Callable[[], Any], str]

#: Percent answers are checked to one decimal (a learner who rounds to 0.1 passes).
PCT_TOL = 0.05


def distinct_mistakes(expected: Any, mistakes: list[Mistake], tol: float = PCT_TOL) -> list[Mistake]:
    """Keep the mistakes whose value this data set tells apart from the right answer
    (more than ``tol`` away for numbers, unequal otherwise), each value computed once."""
    kept: list[Mistake] = []
    seen: list[Any] = []
    for label, wrong, message in mistakes:
        try:
            value = wrong()
        except Exception:
            continue
        if value is None or (isinstance(value, float) and value != value):
            continue
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            v = float(value)
            if abs(v - float(expected)) <= tol + 1e-9 or any(abs(v - s) <= 1e-9 for s in seen):
                continue
            seen.append(v)
        elif value == expected:
            continue
        kept.append((label, _constant(value), message))
    return kept


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def other_year(years: Any, chosen: int) -> int:
    """The earliest year in ``years`` that is not ``chosen`` (``chosen`` itself when it is
    the only one)."""
    values = sorted({int(y) for y in np.asarray(years)})
    rest = [y for y in values if y != int(chosen)]
    return rest[0] if rest else int(chosen)


def _full_time_census(outcomes: pd.DataFrame, cohort_year: int) -> pd.DataFrame:
    c = education.pick_cohort(outcomes, cohort_year)
    return c[(c["attendance"] == "full-time").to_numpy() & c["in_cohort"].to_numpy()]


def other_cohort(outcomes: pd.DataFrame, cohort_year: int) -> int:
    """The cohort of the worked example in section 3: the earliest entering cohort other
    than ``cohort_year`` (whose full-time retention is exercise 4)."""
    return other_year(outcomes["cohort_year"], cohort_year)


# --------------------------------------------------------------------------- p1


def _p1(cls: pd.DataFrame, funnel_year: int) -> Prediction:
    return Prediction(
        "p1",
        f"Of every 100 prospects in the admissions records of the {funnel_year} class, how many do you "
        "expect to be enrolled on the census date?",
        actual=lambda: 100.0 * float(cls["enrolled_census"].sum()) / len(cls),
        unit="%",
        decimals=1,
    )


# --------------------------------------------------------------------------- q1 yield of another class


def _q1(funnel: pd.DataFrame, funnel_year: int, year_q1: int) -> Exercise:
    c = education.pick_cohort(funnel, year_q1)
    t = education.funnel_table(c).iloc[0]
    shown = education.funnel_table(education.pick_cohort(funnel, funnel_year)).iloc[0]
    expected = float(t["yield_rate"])
    mistakes = distinct_mistakes(expected, [
        ("deposits / admits (the spring 'deposit yield')", lambda: float(t["deposit_rate"]),
         "a deposit is a promise; yield counts the admitted students who are enrolled on the census date."),
        ("enrolled / applicants", lambda: 100.0 * float(t["enrolled_census"]) / float(t["applied"]),
         "yield is a share of the admitted students, not of everyone who applied."),
        ("the admit rate", lambda: float(t["admit_rate"]),
         "the admit rate is admitted / applied; yield is the next step, enrolled / admitted."),
        ("enrolled / depositors (the share of depositors who turned up)",
         lambda: 100.0 * float(t["enrolled_census"]) / float(t["deposited"]),
         "that is 100 minus the summer melt; yield divides by every admitted student, deposit or not."),
        ("enrolled / prospects", lambda: float(t["enrolled_pct_of_prospects"]),
         "yield starts from the admitted students, not from every prospect."),
        (f"the yield of the {funnel_year} class", lambda: float(shown["yield_rate"]),
         f"that is the class shown above; filter `funnel` to cohort_year == {year_q1} first."),
    ])
    return Exercise(
        "q1",
        f"What is the yield (percent, one decimal) of the {year_q1} entering class: the share of its admitted "
        "students who were enrolled on the census date?",
        expected=lambda: expected,
        compare=number(abs_tol=PCT_TOL, decimals=1, unit="percent"),
        hints=[
            f"Start from `funnel[funnel['cohort_year'] == {year_q1}]` and keep the admitted prospects.",
            "Among the admitted, the share with enrolled_census == 1, times 100.",
        ],
        solution_code=(
            f"other = funnel[funnel['cohort_year'] == {year_q1}]\n"
            "admitted = other[other['admitted'] == 1]\n"
            "100 * admitted['enrolled_census'].mean()\n"
            f"# then the helper: education.funnel_table(education.pick_cohort(funnel, {year_q1}))['yield_rate']"
        ),
        why="Yield (NACAC) is enrolled at census / admitted: deposits can still melt over the summer.",
        mistakes=mistakes,
        explain="Before reading the change from the class above as a trend, ask how much a class of this size "
                "moves by chance alone (notebook 02).",
    )


# --------------------------------------------------------------------------- q2 pooled Pell melt


def _q2(funnel: pd.DataFrame, funnel_year: int) -> Exercise:
    dep = funnel[(funnel["deposited"] == 1).to_numpy()]
    pell = dep[(dep["pell"] == 1).to_numpy()]
    expected = 100.0 * float((pell["enrolled_census"] == 0).sum()) / len(pell)
    per_class = pell.groupby("cohort_year")["enrolled_census"].agg(["size", "sum"])
    mean_of_rates = float((100.0 * (per_class["size"] - per_class["sum"]) / per_class["size"]).mean())
    this = pell[(pell["cohort_year"] == funnel_year).to_numpy()]
    admitted_pell = funnel[(funnel["admitted"] == 1).to_numpy() & (funnel["pell"] == 1).to_numpy()]
    mistakes = distinct_mistakes(expected, [
        ("the mean of the three classes' melt rates", lambda: mean_of_rates,
         "pool the counts: add up the melted Pell depositors and all Pell depositors over the classes, then divide once."),
        (f"the {funnel_year} class only", lambda: 100.0 * float((this["enrolled_census"] == 0).sum()) / len(this),
         "the question pools every entering class in `funnel`, not only the one shown above."),
        ("the share of Pell depositors who enrolled", lambda: 100.0 - expected,
         "melt is the other part: depositors who were *not* enrolled on the census date."),
        ("melted Pell students / admitted Pell students",
         lambda: 100.0 * float((pell["enrolled_census"] == 0).sum()) / len(admitted_pell),
         "the base of melt is the students who paid a deposit, not everyone admitted."),
        ("the melt of all depositors", lambda: 100.0 * float((dep["enrolled_census"] == 0).sum()) / len(dep),
         "keep only the Pell depositors (pell == 1)."),
        ("melted Pell depositors / all depositors",
         lambda: 100.0 * float((pell["enrolled_census"] == 0).sum()) / len(dep),
         "that is the Pell melters' share of every depositor; divide by the Pell depositors only."),
    ])
    return Exercise(
        "q2",
        "Pooled over every entering class in `funnel`, what is the summer melt (percent, one decimal) of Pell "
        "depositors: Pell students who paid a deposit but were not enrolled on the census date, as a share of "
        "all Pell depositors?",
        expected=lambda: expected,
        compare=number(abs_tol=PCT_TOL, decimals=1, unit="percent"),
        hints=[
            "Keep the rows with deposited == 1 and pell == 1, from every class at once.",
            "Melt is the share of them with enrolled_census == 0, times 100; do not average per class.",
        ],
        solution_code=(
            "pell_dep = funnel[(funnel['deposited'] == 1) & (funnel['pell'] == 1)]\n"
            "100 * (pell_dep['enrolled_census'] == 0).mean()\n"
            "# then the helper: education.melt_gap_test(funnel, 'pell')['rate_a']"
        ),
        why="Pooling the counts weights every depositor once; more classes give more students, so the "
            "interval narrows.",
        mistakes=mistakes,
        explain="The next cell compares it with the other depositors, with an interval and a test.",
    )


# --------------------------------------------------------------------------- q3 code: retention from terms


def retention_from_terms(terms: pd.DataFrame) -> float:
    """IPEDS fall-to-fall retention, in percent, from the term records of one cohort.

    The cohort: students whose entry row (term_index 0) has withdrew_before_census == 0.
    Minus the allowed exclusions: students whose ``exclusion`` in the second fall
    (term_index 1) is not "none", even if they are enrolled then. Retained: enrolled at
    this institution (``enrolled`` == 1) in the second fall; a transfer-out is not retained.
    """
    entry = terms[terms["term_index"] == 0]
    cohort = set(entry.loc[entry["withdrew_before_census"] == 0, "student_id"])
    second = terms[(terms["term_index"] == 1) & terms["student_id"].isin(cohort)]
    excluded = set(second.loc[second["exclusion"] != "none", "student_id"])
    retained = set(second.loc[second["enrolled"] == 1, "student_id"]) - excluded
    return 100.0 * len(retained) / (len(cohort) - len(excluded))


def _ignores_exclusions(terms: pd.DataFrame) -> float:
    entry = terms[terms["term_index"] == 0]
    cohort = set(entry.loc[entry["withdrew_before_census"] == 0, "student_id"])
    second = terms[(terms["term_index"] == 1) & terms["student_id"].isin(cohort)]
    return 100.0 * float((second["enrolled"] == 1).sum()) / len(cohort)


def _excluded_only_from_denominator(terms: pd.DataFrame) -> float:
    entry = terms[terms["term_index"] == 0]
    cohort = set(entry.loc[entry["withdrew_before_census"] == 0, "student_id"])
    second = terms[(terms["term_index"] == 1) & terms["student_id"].isin(cohort)]
    excluded = int((second["exclusion"] != "none").sum())
    return 100.0 * float((second["enrolled"] == 1).sum()) / (len(cohort) - excluded)


def _counts_transfers(terms: pd.DataFrame) -> float:
    entry = terms[terms["term_index"] == 0]
    cohort = set(entry.loc[entry["withdrew_before_census"] == 0, "student_id"])
    second = terms[(terms["term_index"] == 1) & terms["student_id"].isin(cohort)]
    keep = second[second["exclusion"] == "none"]
    return 100.0 * float(((keep["enrolled"] == 1) | (keep["enrolled_elsewhere"] == 1)).sum()) / len(keep)


def _keeps_withdrawals(terms: pd.DataFrame) -> float:
    entry = terms[terms["term_index"] == 0]
    second = terms[terms["term_index"] == 1]
    excluded = int((second["exclusion"] != "none").sum())
    retained = int(((second["enrolled"] == 1) & (second["exclusion"] == "none")).sum())
    return 100.0 * retained / (len(entry) - excluded)


def _any_exclusion(terms: pd.DataFrame) -> float:
    """Drops every student with an exclusion in any fall, not only in the second."""
    entry = terms[terms["term_index"] == 0]
    cohort = set(entry.loc[entry["withdrew_before_census"] == 0, "student_id"])
    t = terms[terms["student_id"].isin(cohort)]
    excluded = set(t.loc[t["exclusion"] != "none", "student_id"])
    second = t[t["term_index"] == 1]
    retained = set(second.loc[second["enrolled"] == 1, "student_id"]) - excluded
    return 100.0 * len(retained) / (len(cohort) - len(excluded))


def _as_fraction(terms: pd.DataFrame) -> float:
    return retention_from_terms(terms) / 100.0


_TERM_COLS = ["student_id", "term_index", "enrolled", "enrolled_elsewhere", "transferred_out", "exclusion",
              "withdrew_before_census"]


def tiny_terms(students: dict[str, list[tuple[int, int, int, str]]], withdrew: tuple[str, ...] = ()) -> pd.DataFrame:
    """Term records for a hand-made case: per student a list of falls (enrolled,
    enrolled_elsewhere, transferred_out, exclusion), the first one the entry fall."""
    rows = []
    for sid, falls in students.items():
        for k, (enr, elsewhere, moved, excl) in enumerate(falls):
            rows.append((sid, k, enr, elsewhere, moved, excl, int(sid in withdrew and k == 0)))
    return pd.DataFrame(rows, columns=_TERM_COLS)


STAY = (1, 0, 0, "none")
GONE = (0, 0, 0, "none")
MOVED = (0, 1, 1, "none")


def _cases(terms: pd.DataFrame, cohort_year: int, example_year: int) -> list[Case]:
    """The run's data first (the worked example's full-time cohort, whose rate the notebook
    shows, and the part-time students of ``cohort_year``), then hand-made cohorts. The
    full-time ``cohort_year`` cohort is left out: its rate is exercise 4's answer."""

    def part(year: int, attendance: str) -> pd.DataFrame:
        c = education.pick_cohort(terms, year)
        return c[c["attendance"].astype(object).to_numpy() == attendance].reset_index(drop=True)

    ft = part(example_year, "full-time")
    pt = part(cohort_year, "part-time")
    cases = [
        Case(args=(tiny_terms({"A": [STAY, STAY], "B": [STAY, MOVED], "C": [STAY, STAY], "D": [STAY, GONE]}),),
             label="four students, B transferred out before the second fall",
             why="A transfer-out is not retained: only enrollment here counts (2 of 4 = 50%)."),
        Case(args=(tiny_terms({"A": [STAY, STAY, STAY, STAY],
                               "B": [STAY, (0, 0, 0, "military"), (0, 0, 0, "military"), (1, 0, 0, "military")],
                               "C": [STAY, GONE, GONE, GONE],
                               "D": [STAY, STAY, (0, 0, 0, "church_mission"), (1, 0, 0, "church_mission")],
                               "E": [STAY, STAY, STAY, STAY]}),),
             label="B left for military service in the second fall and re-enrolled two falls later; "
                   "D was back in the second fall and left on a church mission in the third",
             why="Only the exclusion recorded in the second fall counts: B leaves the cohort, D is retained "
                 "(A, D, E of A, C, D, E = 75%)."),
        Case(args=(tiny_terms({"A": [STAY, STAY], "B": [STAY, (1, 0, 0, "military")], "C": [STAY, GONE],
                               "D": [STAY, STAY]}),),
             label="B is enrolled in the second fall but has an allowed exclusion recorded then",
             why="An excluded student leaves the cohort even when enrolled (A, D of A, C, D = 66.7%)."),
        Case(args=(tiny_terms({"A": [STAY, STAY], "B": [GONE], "C": [STAY, GONE], "D": [STAY, STAY]},
                              withdrew=("B",)),),
             label="B withdrew before the census date (entry row only)",
             why="The IPEDS cohort is counted on the census date: B never enters it (2 of 3 = 66.7%)."),
        Case(args=(tiny_terms({"A": [STAY, STAY], "B": [STAY, STAY]}),),
             label="everyone came back", why="All retained is 100, in percent."),
    ]
    if len(pt) and (pt["withdrew_before_census"] == 0).any():
        cases.insert(0, Case(args=(pt,), label=f"this run's part-time {cohort_year} cohort",
                             why="The same rules for part-time students, who get their own rate."))
    if len(ft) and (ft["withdrew_before_census"] == 0).any():
        cases.insert(0, Case(args=(ft,), label=f"this run's full-time {example_year} cohort (the worked example)",
                             why="The census cohort minus allowed exclusions; enrolled here in the second fall."))
    return cases


def _q3(terms: pd.DataFrame, cohort_year: int, example_year: int) -> CodeExercise:
    return CodeExercise(
        "q3",
        "Write `retention_from_terms(terms)`: given the term records of one entering cohort (one row per "
        "student per fall: student_id, term_index, enrolled, enrolled_elsewhere, transferred_out, exclusion, "
        "withdrew_before_census), return its IPEDS fall-to-fall retention rate in percent.",
        reference=retention_from_terms,
        cases=lambda: _cases(terms, cohort_year, example_year),
        # a function may round its result to two decimals; every listed mistake is further
        # away than that on the hand-made cohorts
        compare=number(abs_tol=0.005, decimals=2, unit="percent"),
        mistakes=[
            ("exclusions ignored", _ignores_exclusions,
             "students with an allowed exclusion in the second fall leave the cohort before the rate is computed."),
            ("excluded students removed from the denominator only", _excluded_only_from_denominator,
             "an excluded student leaves the whole rate: if they are enrolled, they do not count as retained either."),
            ("transfers counted as retained (that is persistence)", _counts_transfers,
             "IPEDS retention counts only students enrolled at this institution; a transfer-out is not retained."),
            ("students who withdrew before census counted", _keeps_withdrawals,
             "the cohort is counted on the census date: keep entry rows with withdrew_before_census == 0."),
            ("students excluded in a later fall dropped too", _any_exclusion,
             "retention is measured in the second fall (term_index 1): only exclusions recorded then leave the "
             "cohort; a student retained then and excluded later still counts as retained."),
            ("a fraction instead of a percent", _as_fraction, "multiply by 100: the rate is in percent."),
        ],
        hints=[
            "Three steps: the cohort (entry rows, term_index 0, with withdrew_before_census == 0); the second "
            "fall's rows of those students (term_index 1); drop the ones whose exclusion is not 'none'.",
            "Then the share of the remaining rows with enrolled == 1, times 100. enrolled_elsewhere does not count.",
        ],
        solution_code=(
            "def retention_from_terms(terms):\n"
            "    entry = terms[terms['term_index'] == 0]\n"
            "    cohort = entry.loc[entry['withdrew_before_census'] == 0, 'student_id']\n"
            "    second = terms[(terms['term_index'] == 1) & terms['student_id'].isin(cohort)]\n"
            "    adjusted = second[second['exclusion'] == 'none']   # allowed exclusions leave the cohort\n"
            "    return 100 * (adjusted['enrolled'] == 1).mean()       # enrolled here; transfers are not\n"
            "# then the helper: education.cohort_rates(education.cohort_outcomes(terms), attendance=None)['retention']"
        ),
        why="IPEDS: enrolled here next fall / (census cohort - allowed exclusions); transfers-out stay in the "
            "denominator as not retained.",
    )


# --------------------------------------------------------------------------- q4 retention of another cohort


def _q4(outcomes: pd.DataFrame, cohort_year: int, example_year: int) -> Exercise:
    census = _full_time_census(outcomes, cohort_year)
    expected = metrics.ipeds_retention(census["retained"].to_numpy(), census["exclusion_1"].to_numpy())
    n_excluded = int((census["exclusion_1"] != "none").sum())
    c = education.pick_cohort(outcomes, cohort_year)
    ft = c[(c["attendance"] == "full-time").to_numpy()]
    everyone = c[c["in_cohort"].to_numpy()]
    shown = _full_time_census(outcomes, example_year)
    mistakes = distinct_mistakes(expected, [
        ("allowed exclusions kept in the cohort", lambda: 100.0 * float(census["retained"].mean()),
         "students who died, became permanently disabled or left for military, foreign aid or church service "
         "leave the cohort before the rate is computed."),
        ("transfers counted as retained (that is persistence)",
         lambda: metrics.persistence_rate(census["persisted"].to_numpy(), census["exclusion_1"].to_numpy()),
         "IPEDS retention counts only students enrolled at this institution; a transfer-out is not retained."),
        ("part-time students included",
         lambda: metrics.ipeds_retention(everyone["retained"].to_numpy(), everyone["exclusion_1"].to_numpy()),
         "the headline IPEDS rate is the full-time cohort's; part-time students get their own rate."),
        ("students who withdrew before census counted", lambda: metrics.pooled_rate(
            [int((ft["retained"] & (ft["exclusion_1"] == "none")).sum())], [int((ft["exclusion_1"] == "none").sum())]),
         "the IPEDS cohort is counted on the census date; those who left before it are a counter-metric instead."),
        (f"the rate of the {example_year} cohort", lambda: metrics.ipeds_retention(
            shown["retained"].to_numpy(), shown["exclusion_1"].to_numpy()),
         f"that is the worked example above; select cohort_year == {cohort_year}."),
    ], tol=PCT_TOL / 10)
    excluded_note = (f"{n_excluded} student(s) of its census cohort have an allowed exclusion in the second fall."
                     if n_excluded else
                     "In this run's data none of its census cohort has an allowed exclusion in the second fall; "
                     "check for them all the same, as a report must.")
    return Exercise(
        "q4",
        f"What is the IPEDS fall-to-fall retention rate (percent, two decimals) of the full-time {cohort_year} cohort? "
        + excluded_note,
        expected=lambda: expected,
        compare=number(abs_tol=PCT_TOL / 10, decimals=2, unit="percent"),  # two decimals: cohorts' rates can share one
        hints=[
            f"Use `outcomes` (one row per student): cohort_year == {cohort_year}, attendance == 'full-time', in_cohort.",
            "Drop the rows whose exclusion_1 is not 'none', then take the mean of `retained`, times 100 "
            "(or call your retention_from_terms on this cohort's full-time term records, `ft_terms`).",
        ],
        solution_code=(
            f"c = outcomes[(outcomes['cohort_year'] == {cohort_year}) & (outcomes['attendance'] == 'full-time') & outcomes['in_cohort']]\n"
            "adjusted = c[c['exclusion_1'] == 'none']\n"
            "100 * adjusted['retained'].mean()\n"
            f"# then the helper: education.cohort_rates(outcomes, {cohort_year})['retention']"
        ),
        why="The adjusted cohort is the census cohort minus allowed exclusions; only enrollment here counts.",
        mistakes=mistakes,
        explain=("With a few exclusions the difference is small, but a reported rate must follow the definition."
                 if n_excluded else
                 "With no exclusions the adjusted cohort is the census cohort; the step still belongs in every report."),
    )


# --------------------------------------------------------------------------- q5 pooled rate from groups


def _q5(outcomes: pd.DataFrame, cohort_year: int) -> Exercise:
    table = education.group_rates(education.pick_cohort(outcomes, cohort_year), "attendance")
    both = education.overall_from_groups(table)
    expected = both["pooled"]
    is_ft = (table["attendance"] == "full-time").to_numpy()
    ft_rate = float(table.loc[is_ft, "rate"].iloc[0]) if is_ft.any() else None
    mistakes = distinct_mistakes(expected, [
        ("the mean of the two group rates", lambda: both["mean_of_rates"],
         "the groups differ in size; add up the retained students and the cohort sizes first, then divide once."),
        ("the full-time rate only", lambda: ft_rate,
         "the question asks for every student of the cohort, full-time and part-time."),
        ("the sum of the counts over the number of groups", lambda: float(table["count"].sum()) / len(table),
         "divide the retained students by the students in the cohort, not by the number of rows."),
    ])
    return Exercise(
        "q5",
        f"Using `by_attendance` (full-time and part-time rows of the {cohort_year} cohort), what is the retention "
        "rate (percent, one decimal) of all its students together?",
        expected=lambda: expected,
        compare=number(abs_tol=PCT_TOL, decimals=1, unit="percent"),
        hints=[
            "Each row has `count` (retained) and `n` (adjusted cohort).",
            "Add up the counts, add up the n's, divide once, times 100.",
        ],
        solution_code=(
            "100 * by_attendance['count'].sum() / by_attendance['n'].sum()\n"
            "# then the helper: metrics.pooled_rate(by_attendance['count'], by_attendance['n'])"
        ),
        why="A pooled rate weights every student once; averaging the group rates gives each group one vote.",
        mistakes=mistakes,
    )


# --------------------------------------------------------------------------- q6 the shaped cohort (a year)


def _q6(outcomes: pd.DataFrame) -> Exercise:
    table = education.cohort_shaping_table(outcomes)
    gap = table["retention"] - table["retention_all_entrants"]
    expected = int(table.loc[gap.idxmax(), "cohort_year"])
    mistakes = distinct_mistakes(expected, [
        ("the cohort with the lowest IPEDS retention", lambda: int(table.loc[table["retention"].idxmin(), "cohort_year"]),
         "shaping makes the headline rate look better, not worse; compare it with the rate over all entrants."),
        ("the cohort with the lowest retention over all entrants",
         lambda: int(table.loc[table["retention_all_entrants"].idxmin(), "cohort_year"]),
         "the question is about the gap between the two rates, not about either one alone."),
        ("the cohort with the most entrants", lambda: int(table.loc[table["entrants"].idxmax(), "cohort_year"]),
         "size does not flatter a rate; the students left out of its denominator do."),
    ], tol=0.0)
    return Exercise(
        "q6",
        "Among the full-time students of every entering cohort in `outcomes`, which cohort's IPEDS retention rate "
        "is flattered most by students leaving before census, that is, has the largest gap between the IPEDS "
        "rate and the share of *all* entrants still enrolled a year later? Answer with the year.",
        expected=lambda: expected,
        compare=year(),
        hints=[
            "Per cohort (full-time only): the IPEDS rate uses the census cohort (in_cohort) minus exclusions; the "
            "other rate divides the entrants who were in the cohort and retained by *all* entrants.",
            "groupby('cohort_year') and compute both, then take the cohort with the largest difference (idxmax).",
        ],
        solution_code=(
            "ft = outcomes[outcomes['attendance'] == 'full-time']\n"
            "adj = ft[ft['in_cohort'] & (ft['exclusion_1'] == 'none')]\n"
            "ipeds = 100 * adj.groupby('cohort_year')['retained'].mean()\n"
            "all_entrants = 100 * (ft['retained'] & ft['in_cohort']).groupby(ft['cohort_year']).mean()\n"
            "(ipeds - all_entrants).idxmax()\n"
            "# then the helper: education.cohort_shaping_table(outcomes)"
        ),
        why="Students steered out before census leave the IPEDS denominator but stay among the entrants.",
        mistakes=mistakes,
        explain="The table below puts the counter-metrics next to it: look at that cohort's withdrawals "
                "before census and its share of first-generation and Pell students.",
    )


R1 = Reflection(
    "r1",
    "A dean proposes to 'advise out' first-year students who look unlikely to return, before the census "
    "date, promising a better retention rate. What would the rate show next year, and which numbers would "
    "you report next to it so that the board sees what happened? Which of them would still work if the dean "
    "switched to deferring those students to a spring start?",
    """
The retention rate would rise, because the students most likely to leave would never enter the
IPEDS cohort: the denominator shrinks from the bottom. Nothing about teaching or support would
have improved. Report next to it (1) withdrawals before census as a share of all entrants and
(2) the access share: the percentage of first-generation and Pell students among entrants and
among the census cohort. A third number, retention over all entrants, catches this particular
move, because students advised out before census stay in its denominator. It would not catch the
dean's next options (deferring the same students to a spring start, or admitting fewer of them),
since those students never become fall entrants at all; for those, watch the number and the
access share of the students admitted and entering, year on year. Together these turn a
'success' into a visible trade-off the board can discuss: did we retain more students, or did we
admit fewer of the students who need us most?
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


def exercises(funnel: pd.DataFrame, terms: pd.DataFrame, outcomes: pd.DataFrame, funnel_year: int,
              cohort_year: int) -> ExerciseSet:
    """The self-checks of notebook 06, computed from the notebook's own data and parameters.

    ``funnel``: the ``enrollment_funnel`` data; ``terms``: ``student_terms``; ``outcomes``:
    :func:`education.cohort_outcomes` of ``terms``. p1 enrolled per 100 prospects; q1 yield
    of another class (:func:`other_year`); q2 Pell melt pooled over every class; q3 code:
    retention from term records; q4 full-time retention of ``cohort_year`` (the
    worked example uses :func:`other_cohort`); q5 pooled retention from a group table; q6 the shaped cohort
    (a year); r1 advising out; r2 retention vs persistence.
    """
    cls = education.pick_cohort(funnel, funnel_year)
    education.pick_cohort(outcomes, cohort_year)  # a clear error for a cohort that is not in the data
    year_q1 = other_year(funnel["cohort_year"], funnel_year)
    example_year = other_cohort(outcomes, cohort_year)
    return ExerciseSet(
        _p1(cls, funnel_year),
        _q1(funnel, funnel_year, year_q1),
        _q2(funnel, funnel_year),
        _q3(terms, cohort_year, example_year),
        _q4(outcomes, cohort_year, example_year),
        _q5(outcomes, cohort_year),
        _q6(outcomes),
        R1,
        R2,
        notebook="06",
    )
