"""Self-checks for notebook 08, educator satisfaction.

Every expected answer is computed from the data the notebook loaded (any seed, size or data
folder). A known mistake is listed only when, on this data, it gives an answer the check can
tell apart from the right one.
"""

from __future__ import annotations

import pandas as pd

from helpers import education, metrics
from helpers.exercises import Exercise, ExerciseSet, Reflection, boolean, number
from helpers.exercises.nb06 import distinct_mistakes

__all__ = ["exercises", "ITEM"]

#: The overall job-satisfaction item of TALIS 2018.
ITEM = "job_satisfied_overall"


def _q1(survey: pd.DataFrame) -> Exercise:
    answered = survey[ITEM].dropna().astype("float64")
    expected = metrics.top_box_share(answered, 3)
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("the mean answer", lambda: float(answered.mean()),
         "report the share who agree (3 or 4), not the average of a 1-4 code."),
        ("everyone invited in the denominator", lambda: 100.0 * float((answered >= 3).sum()) / len(survey),
         "teachers who did not answer are unknown, not dissatisfied; divide by those who answered."),
        ("'strongly agree' only", lambda: metrics.top_box_share(answered, 4),
         "agreement on this scale is 'agree' or 'strongly agree' (3 or 4)."),
    ])
    return Exercise(
        "q1",
        "What percent of the teachers who answered agree or strongly agree that, all in all, they are "
        "satisfied with their job?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            f"Take the `{ITEM}` answers that are not missing.",
            f"Share of answers 3 or 4, times 100: metrics.top_box_share(survey['{ITEM}'].astype(float), 3).",
        ],
        solution_code=f"metrics.top_box_share(survey['{ITEM}'].astype(float), 3)",
        mistakes=mistakes,
        explain="TALIS 2018 found about 90% across the OECD - among the teachers who answered.",
    )


def _q2(survey: pd.DataFrame) -> Exercise:
    items = list(education.SCALES["school"])
    resp = survey[survey["responded"].to_numpy() == 1]
    rev = education.reverse_items(resp)
    expected = metrics.cronbach_alpha(rev[items].astype("float64"))
    compare = number(abs_tol=0.005, decimals=3)
    mistakes = distinct_mistakes(compare, expected, [
        ("the negatively worded item not reversed", lambda: metrics.cronbach_alpha(resp[items].astype("float64")),
         "'I would like to change to another school' runs the other way: reverse it (5 - x on a 1-4 scale) first."),
        ("all eight items in one scale", lambda: metrics.cronbach_alpha(rev[list(education.SCALES['profession']) + items].astype('float64')),
         "the question asks about the four work-environment items only."),
    ])
    return Exercise(
        "q2",
        "What is Cronbach's alpha of the four 'satisfaction with the work environment' items (school_change, "
        "school_enjoy, school_recommend, job_satisfied_overall), respondents only, after reverse coding?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Reverse-code school_change first: education.reverse_items(respondents) flips every negatively worded item.",
            "metrics.cronbach_alpha(reversed_frame[the four items]).",
        ],
        solution_code=(
            "rev = education.reverse_items(survey[survey['responded'] == 1])\n"
            "metrics.cronbach_alpha(rev[list(education.SCALES['school'])].astype(float))"
        ),
        mistakes=mistakes,
        explain="Around 0.7 is commonly read as acceptable for a short scale; alpha rises with the number of items.",
    )


def _q3(survey: pd.DataFrame) -> Exercise:
    rates = education.response_rates(survey)
    both = education.overall_from_groups(rates, count="responded", n="invited")
    expected = both["pooled"]
    compare = number(abs_tol=0.05, decimals=2)
    mistakes = distinct_mistakes(compare, expected, [
        ("the mean of the school response rates", lambda: both["mean_of_rates"],
         "schools have different numbers of teachers; divide all respondents by all invited teachers."),
        ("the non-response rate", lambda: 100.0 - expected,
         "the response rate is the share who answered."),
    ])
    return Exercise(
        "q3",
        "What is the survey's overall response rate (percent of all invited teachers who answered)?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "One row per invited teacher; `responded` is 1 for those who answered.",
            "metrics.participation_rate(survey['responded']), or pool the school table: "
            "metrics.pooled_rate(rates['responded'], rates['invited']).",
        ],
        solution_code="metrics.participation_rate(survey['responded'])",
        mistakes=mistakes,
        explain="A rate well below 100% invites the question the next section asks: who did not answer?",
    )


def _q4(scored: pd.DataFrame) -> Exercise:
    eco = education.ecological_comparison(scored)
    expected = bool(eco["within_r"] >= 0.2)
    compare = boolean()
    mistakes = distinct_mistakes(compare, expected, [
        ("reading the school-level correlation as a fact about teachers", lambda: bool(eco["between_r"] >= 0.2),
         "the school-level pattern is driven by something schools share (here the share of low-income students); "
         "inside schools, compare each teacher with their own school's average."),
    ])
    return Exercise(
        "q4",
        "True or False: within schools, teachers who are more satisfied with their work environment have "
        "clearly higher-scoring classes (a correlation of at least 0.2)?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "education.ecological_comparison(scored) gives the correlation between schools and within schools.",
            "The question is about within_r, not between_r.",
        ],
        solution_code="education.ecological_comparison(scored)['within_r'] >= 0.2",
        mistakes=mistakes,
        explain="A strong pattern between groups says nothing by itself about the individuals in them (Robinson 1950).",
    )


R1 = Reflection(
    "r1",
    "A district plans to rank principals by their school's mean job-satisfaction score and to tie part of their "
    "pay to it. Using what you saw in this notebook, what would happen, and what would you propose instead?",
    """
The ranking would be mostly noise for small schools (wide intervals overlap the mean), and it
would punish principals of high-poverty schools, where satisfaction is lower for reasons they
do not control. Tied to pay, it would also invite gaming: pressing teachers to answer
'positively', discouraging unhappy teachers from responding, or timing the survey. The score
would stop measuring satisfaction (Campbell). Instead: share each school's results with its
staff and principal for discussion, look at the item-level pattern and at trends within a school,
report response rates next to every score, and pair the survey with behaviour it cannot fake -
teacher turnover. Use it to guide support, not to grade people.
""",
)

R2 = Reflection(
    "r2",
    "Teachers who left the school the next year were less likely to have answered the survey. What does that do "
    "to the satisfaction figures, and how could you reduce or at least report the problem?",
    """
If less satisfied teachers answer less often, the respondents are happier than the staff as a
whole, so every satisfaction share is biased upward, and schools with low response rates may
look better than they are. Ways to respond: report the response rate next to each figure (and
hide figures below a minimum number of answers); compare respondents and non-respondents on
what is known for everyone (turnover, experience, school); weight responses by such variables;
make answering easier and anonymous; and follow up with a sample of non-respondents.
""",
)


def exercises(survey: pd.DataFrame, scored: pd.DataFrame | None = None) -> ExerciseSet:
    """The self-checks of notebook 08, computed from the notebook's own data.

    ``survey``: the ``educator_survey`` data; ``scored``: :func:`education.scale_scores` of it
    (computed when not given). q1 share satisfied; q2 Cronbach's alpha after reverse coding;
    q3 pooled response rate; q4 the ecological fallacy; r1 ranking principals; r2 non-response.
    """
    scored = education.scale_scores(survey) if scored is None else scored
    return ExerciseSet(_q1(survey), _q2(survey), _q3(survey), _q4(scored), R1, R2)
