"""Self-checks for notebook 05, customer metrics.

Every expected answer is computed from the data the notebook loaded (any seed, size or data
folder). Known mistakes are listed only when they give a different answer on this data.
"""

from __future__ import annotations

import pandas as pd

from helpers import customer, metrics
from helpers.exercises import Exercise, ExerciseSet, Reflection, members, number
from helpers.exercises.nb04 import distinct_mistakes

__all__ = ["exercises"]

SEGMENT = "Enterprise"


def _q1(survey: pd.DataFrame) -> Exercise:
    scores = survey["csat"].dropna().astype("int64")
    expected = metrics.csat(scores)
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("the mean score", lambda: float(scores.mean()),
         "CSAT is the percent of answers that are 4 or 5, not the average rating."),
        ("the mean score as a percent of 5", lambda: float(100 * scores.mean() / 5),
         "dividing the mean by 5 still averages; count the 4s and 5s instead."),
        ("the share of 5s only", lambda: float(100 * (scores == 5).mean()),
         "top-two-box counts both 4 and 5."),
        ("everyone invited in the denominator", lambda: float(100 * (scores >= 4).sum() / len(survey)),
         "CSAT is computed over the customers who answered the question."),
    ])
    return Exercise(
        "q1",
        "What is the CSAT (top-two-box, in percent) of all customers who answered the CSAT question?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Drop the missing answers first: survey['csat'].dropna().",
            "Share of answers that are 4 or 5, times 100: (answers >= 4).mean() * 100, or "
            "metrics.csat(survey['csat']).",
        ],
        solution_code="metrics.csat(survey['csat'])",
        mistakes=mistakes,
        explain="A share is easy to explain (\"8 in 10 were satisfied\") and does not hide the unhappy tail.",
    )


def _segment(survey: pd.DataFrame) -> str:
    """Enterprise, unless the data has no Enterprise answer: then the segment with most answers."""
    answers = survey.loc[survey["nps"].notna(), "segment"].astype(str).value_counts()
    return SEGMENT if answers.get(SEGMENT, 0) > 0 else str(answers.index[0])


def _q2(survey: pd.DataFrame) -> Exercise:
    segment = _segment(survey)
    seg = survey.loc[survey["segment"] == segment]
    scores = seg["nps"].dropna().astype("int64")
    expected = metrics.nps(scores)
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("the percent of promoters only", lambda: float(100 * (scores >= 9).mean()),
         "NPS subtracts the percent of detractors (0-6) from the percent of promoters (9-10)."),
        ("promoters counted from 8", lambda: float(100 * ((scores >= 8).mean() - (scores <= 6).mean())),
         "promoters are 9 and 10 only; 7 and 8 are passives."),
        ("the NPS of all respondents, not only " + segment, lambda: metrics.nps(survey["nps"]),
         f"filter the rows to the {segment} segment first."),
        ("everyone invited in the denominator",
         lambda: float(100 * ((scores >= 9).sum() - (scores <= 6).sum()) / len(seg)),
         "only customers who answered count; non-respondents are not passives."),
    ])
    return Exercise(
        "q2",
        f"What is the NPS of the {segment} respondents?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            f"Keep the {segment} rows, then the nps answers that are not missing.",
            "Percent of 9-10 minus percent of 0-6, or metrics.nps(...).",
        ],
        solution_code=f"metrics.nps(survey.loc[survey['segment'] == '{segment}', 'nps'])",
        mistakes=mistakes,
        explain="Check its confidence interval too: a segment has fewer answers than the whole.",
    )


def _q3(survey: pd.DataFrame) -> Exercise:
    table = customer.nps_table(survey, "segment")
    both = customer.pooled_vs_mean_nps(table)
    expected = both["pooled"]
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("the mean of the segment NPS values", lambda: both["mean_of_groups"],
         "segments have different numbers of respondents; add up promoters, passives and "
         "detractors first, then compute one NPS (or use every answer at once)."),
    ])
    return Exercise(
        "q3",
        "What is the NPS of the company as a whole (all respondents of all segments)?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "The segment table has counts of promoters, passives and detractors per segment.",
            "Add the counts over segments and compute one NPS: metrics.nps_from_counts(...), or "
            "metrics.nps(survey['nps']).",
        ],
        solution_code="metrics.nps(survey['nps'])",
        mistakes=mistakes,
        explain="Pooling weights every respondent equally; averaging weights every segment equally.",
    )


def _q4(accounts: pd.DataFrame) -> Exercise:
    churn = float(customer.churn_by(accounts)["churn_rate"].iloc[0])
    expected = 100.0 * float(metrics.annual_retention(churn / 100.0))
    compare = number(abs_tol=0.1, decimals=2)
    mistakes = distinct_mistakes(compare, expected, [
        ("1 - 12 x monthly churn", lambda: 100.0 * float(metrics.naive_annual_retention(churn / 100.0)),
         "each month's churn applies only to the customers still there: compound, (1 - c)^12."),
        ("the monthly retention", lambda: 100.0 - churn,
         "that is one month; raise it to the 12th power for a year."),
        ("12 x monthly retention", lambda: 12 * (100.0 - churn),
         "retention multiplies month after month, it does not add."),
    ])
    return Exercise(
        "q4",
        f"Monthly churn, pooled over the window, is {churn:.3f}%. If it stayed constant, what "
        f"percent of today's customers would still be customers after 12 months?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Turn the churn into a fraction first (2% -> 0.02).",
            "Survive one month with probability 1 - c, twelve months with (1 - c)**12; times 100.",
        ],
        solution_code="100 * metrics.annual_retention(monthly_churn / 100)",
        mistakes=mistakes,
        explain="Compounding matters more the higher the churn: 1 - 12c even turns negative above 8.3% a month.",
    )


def _q5(accounts: pd.DataFrame) -> Exercise:
    profit = customer.customer_profit(accounts)
    expected = float(profit.median())
    compare = number(abs_tol=1.0, rel_tol=0.001, decimals=2)
    mistakes = distinct_mistakes(compare, expected, [
        ("the mean (the average customer profit)", lambda: float(profit.mean()),
         "the mean is pulled up by a few very profitable customers; the median is the middle customer."),
        ("the median net of acquisition cost",
         lambda: float(customer.customer_profit(accounts, include_acquisition=True).median()),
         "here profit is revenue minus cost to serve; acquisition cost comes in with CLV."),
    ])
    return Exercise(
        "q5",
        "What is the median profit per customer over the window (revenue - cost to serve)?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "customer.customer_profit(accounts) gives one profit per customer.",
            "Take the median of that Series, not the mean.",
        ],
        solution_code="customer.customer_profit(accounts).median()",
        mistakes=mistakes,
        explain="When mean and median are far apart, report both, and the deciles.",
    )


def _q6(accounts: pd.DataFrame) -> Exercise:
    summary = customer.simpson_summary(customer.simpson_table(accounts, "segment", "plan"))
    expected = sorted(g for g, plan in summary["better_within"].items() if plan == "Premier")
    compare = members()
    pooled_view = list(summary["better_within"]) if summary["better_pooled"] == "Premier" else []
    mistakes = distinct_mistakes(compare, expected, [
        ("the pooled comparison applied to every segment", lambda: pooled_view,
         "pooled, the plans mix segments very differently; compare the plans inside each "
         "segment (Simpson's paradox)."),
    ])
    return Exercise(
        "q6",
        "In which segments do Premier customers churn less than Essentials customers? "
        "Give a list of segment names (an empty list if none).",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Compare the two plans' monthly churn within each segment, not over all customers.",
            "customer.simpson_table(accounts) has one row per segment and plan.",
        ],
        solution_code=(
            "summary = customer.simpson_summary(customer.simpson_table(accounts))\n"
            "[s for s, plan in summary['better_within'].items() if plan == 'Premier']"
        ),
        mistakes=mistakes,
        explain="The pooled number answers a different question: which plan's customer mix churns less.",
    )


R1 = Reflection(
    "r1",
    "Some agents ask customers to \"rate me 9 or 10\". Their NPS is high. What would you do "
    "with their scores, and what would you measure instead of (or next to) NPS for them?",
    """
Report NPS without the coached answers (or flag them), because the score no longer tells you
how the customer feels: coached customers churn about as often as everyone else. Then take
the pressure off: do not pay or rank agents on their own NPS (that is what invited the
coaching, notebook 01). For agents, use measures they control and that customers feel:
first-contact resolution, repeat contacts within 7 days, and CES after the contact, read as
team trends for coaching, not as a league table (notebook 02).
""",
)

R2 = Reflection(
    "r2",
    "Pick one metric from this notebook for a team dashboard. How could it be gamed, and which "
    "counter-metric would you put next to it (notebook 03)?",
    """
Example: CSAT after support contacts. It can be gamed by surveying only resolved cases, by
coaching customers, or by making unhappy customers less likely to answer. Next to it: the
response rate and the share of contacts surveyed (coverage), repeat contacts within 7 days
(failure demand), and churn of the customers surveyed, so a rising CSAT has to be matched by
customers who actually stay. Other good pairs: NPS with its confidence interval and response
rate; retention with new-customer quality (early churn of new cohorts); average profit with
the median and the share of unprofitable customers.
""",
)


def exercises(survey: pd.DataFrame, accounts: pd.DataFrame) -> ExerciseSet:
    """The self-checks of notebook 05, computed from the notebook's own data.

    q1: CSAT top-two-box; q2: Enterprise NPS; q3: company NPS (pooled); q4: annual retention
    from monthly churn; q5: median customer profit; q6: segments where Premier churns less
    (Simpson's paradox); r1: coached scores; r2: a metric and its counter-metric.
    """
    return ExerciseSet(_q1(survey), _q2(survey), _q3(survey), _q4(accounts), _q5(accounts),
                       _q6(accounts), R1, R2)
