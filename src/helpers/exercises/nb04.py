"""Self-checks for notebook 04, outcomes over output.

Every expected answer is computed from the data the notebook loaded (any seed, size or data
folder). Known mistakes are listed only when they give a different answer on this data.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from helpers import customer
from helpers.exercises import Comparer, Exercise, ExerciseSet, Reflection, choice, number

__all__ = ["exercises", "distinct_mistakes"]


def distinct_mistakes(
    compare: Comparer, expected: Any, mistakes: list[tuple[str, Callable[[], Any], str]]
) -> list[tuple[str, Callable[[], Any], str]]:
    """Keep the mistakes whose value this data set tells apart from the right answer."""
    kept = []
    for label, wrong, message in mistakes:
        try:
            value = wrong()
        except Exception:
            continue
        if compare(value, expected) is not None:
            kept.append((label, lambda v=value: v, message))
    return kept


def _q1(usage: pd.DataFrame) -> Exercise:
    week = usage["week"].max()
    rows = usage.loc[usage["week"] == week]
    new = int(rows["used_new_self_service_path"].sum())
    old = int(rows["used_old_path"].sum())
    expected = customer.adoption_ratio(usage, week)
    compare = number(abs_tol=0.01, decimals=3)
    mistakes = distinct_mistakes(compare, expected, [
        ("old / new, the ratio upside down", lambda: old / new,
         "Seiden's ratio puts the new path on top: new-path users divided by old-path users."),
        ("the share of all customers on the new path", lambda: new / len(rows),
         "that is a share of everyone; the ratio compares the two groups of users directly."),
        ("new / (new + old)", lambda: new / (new + old),
         "that is a share of path users; the ratio divides by the old-path users only."),
    ])
    return Exercise(
        "q1",
        f"What is the adoption ratio (customers on the new path / customers on the old path) "
        f"in the week of {week:%Y-%m-%d}?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Keep only that week's rows: usage[usage['week'] == last_week].",
            "Add up used_new_self_service_path and used_old_path in those rows (each is 0/1 per "
            "customer), then divide the first sum by the second.",
        ],
        solution_code=(
            'rows = usage[usage["week"] == last_week]\n'
            'rows["used_new_self_service_path"].sum() / rows["used_old_path"].sum()'
        ),
        mistakes=mistakes,
        explain="Above 1, more customers used the new path than the old one that week.",
    )


def _q3(journey: pd.DataFrame) -> Exercise:
    table = customer.moment_churn_lift(journey, include_satisfaction=False)
    expected = customer.biggest_lift_moment(table)
    compare = choice(customer.JOURNEY_MOMENTS)
    most_failed = str(table.loc[table["passed_pct"].idxmin(), "moment"])
    highest_churn = str(table.loc[table["churn_if_failed"].idxmax(), "moment"])
    mistakes = distinct_mistakes(compare, expected, [
        ("the moment failed most often", lambda: most_failed,
         "a moment many customers miss is not necessarily one that predicts churn; compare "
         "churn when failed with churn when passed."),
        ("the moment with the highest churn among those who failed it", lambda: highest_churn,
         "the lift divides by the churn of those who passed, so a moment is judged against "
         "its own baseline."),
    ])
    return Exercise(
        "q3",
        "Which moment of truth has the largest churn lift (churn if failed / churn if passed)?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "For one moment: churn rate of customers with 0 in that column, divided by the churn "
            "rate of customers with 1.",
            "journey.groupby('first_value_within_14d')['churned'].mean() gives both rates for one "
            "moment; repeat for the others, or read the lift column of the table above.",
        ],
        solution_code=(
            "lifts = customer.moment_churn_lift(journey, include_satisfaction=False)\n"
            "customer.biggest_lift_moment(lifts)"
        ),
        mistakes=mistakes,
        explain="This is the moment to watch week by week, long before the renewal date.",
    )


def _q2(usage: pd.DataFrame, release_log: pd.DataFrame) -> Exercise:
    weekly = customer.weekly_adoption(usage)
    release = customer.release_week(release_log)
    avoided = customer.contacts_avoided(weekly, release)
    expected = float(avoided["cumulative_avoided"].iloc[-1])
    post = weekly["week"] >= release
    all_weeks_rate = weekly["contacts"].sum() / weekly["customers"].sum()
    first_week_rate = weekly["contacts"].iloc[0] / weekly["customers"].iloc[0]
    compare = number(abs_tol=2.0, rel_tol=0.02, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("a baseline taken over every week, after the release too",
         lambda: float(all_weeks_rate * weekly.loc[post, "customers"].sum() - weekly.loc[post, "contacts"].sum()),
         "the baseline must come from the weeks before the release only; the later weeks "
         "already include the effect you are trying to measure."),
        ("the number of contacts after the release", lambda: float(weekly.loc[post, "contacts"].sum()),
         "that is what still happened; avoided contacts are expected minus actual."),
        ("a baseline from the first week only",
         lambda: float(first_week_rate * weekly.loc[post, "customers"].sum() - weekly.loc[post, "contacts"].sum()),
         "one week is noisy; use the pooled rate of all the weeks before the release."),
    ])
    return Exercise(
        "q2",
        f"How many support contacts were avoided in total from the release week "
        f"({release:%Y-%m-%d}) to the last week, against the pre-release contact rate?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Baseline: contacts per customer-week before the release = sum of contacts / sum of "
            "customers over the weeks before the release week.",
            "For each week from the release on: baseline x customers - actual contacts. Add them up.",
        ],
        solution_code=(
            "weekly = customer.weekly_adoption(usage)\n"
            "pre, post = weekly[weekly['week'] < release], weekly[weekly['week'] >= release]\n"
            "rate = pre['contacts'].sum() / pre['customers'].sum()\n"
            "(rate * post['customers'] - post['contacts']).sum()"
        ),
        mistakes=mistakes,
        explain="It is an estimate: with no control group, anything else that changed the "
                "contact rate is counted too.",
    )


R1 = Reflection(
    "r1",
    "Write an outcome statement for the self-service path: which customers do what "
    "differently, how you will observe it each week, and which business result it should "
    "move. Add the sign that would tell you that you were wrong.",
    """
Customers with a billing or account question solve it themselves on the new self-service
path instead of opening a support contact. We observe it weekly as the ratio of customers on
the new path to customers on the old path, and as the share of new-path users who complete
their task without contacting us within 7 days. If we are right, support contacts per 100
customers fall by a fifth within a quarter of the release, while effort (CES) and repeat
contacts do not get worse. We are wrong if adoption rises but contacts do not fall, or if
customers come back through another channel: then the path moves the work instead of
removing it.
""",
)

R2 = Reflection(
    "r2",
    "Management now sets a target: adoption ratio above 2 next quarter. Name two ways the "
    "target could be hit without customers being better off, and the counter-metric that would "
    "catch each (see notebooks 01 and 03).",
    """
1. Switch off or hide the old path (no phone number on the help page, forced redirects):
   the ratio jumps because customers have no choice. Catch it with repeat contacts within
   7 days, complaints, and CES or task completion on the new path.
2. Count shallow use as adoption (a page view or an automatic redirect counts as "used the
   new path"). Catch it by defining adoption as a completed task and by watching support
   contacts per customer, the impact the ratio is supposed to lead.
Pairing a driver with a guardrail is the same idea as the counter-metrics of notebook 03;
the target itself invites the Goodhart and Campbell effects of notebook 01.
""",
)


def exercises(usage: pd.DataFrame, release_log: pd.DataFrame, journey: pd.DataFrame) -> ExerciseSet:
    """The self-checks of notebook 04, computed from the notebook's own data.

    q1: adoption ratio in the last week; q2: contacts avoided since the release; q3: the
    moment of truth with the largest churn lift; r1: an outcome statement; r2: gaming the
    adoption target.
    """
    return ExerciseSet(_q1(usage), _q2(usage, release_log), _q3(journey), R1, R2)
