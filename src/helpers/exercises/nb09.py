"""Self-checks for notebook 09 (capstone: a balanced scorecard)."""

from __future__ import annotations

import math

import pandas as pd

from .. import scorecard
from . import Exercise, ExerciseSet, Reflection, choice, number


def exercises(measured: pd.DataFrame, sector: str, move_threshold: float, warn_threshold: float) -> ExerciseSet:
    """Exercises on this run's scorecard.

    ``measured`` is :func:`helpers.scorecard.measure` of the sector's data; the expected
    answers are recomputed from it with the notebook's thresholds.
    """
    sector = scorecard.check_sector(sector)
    pairs = scorecard.SCORECARDS[sector]
    ns_key = pairs[0].metric
    by_key = measured.set_index("key")
    ns = by_key.loc[ns_key]

    def card() -> pd.DataFrame:
        return scorecard.assess(measured, sector, move_threshold, warn_threshold)

    def ns_change() -> float:
        return float(scorecard.relative_change(ns["previous"], ns["current"]))

    def worst_counter() -> str:
        c = card()
        return str(c.loc[c["counter_good_change"].astype("float64").idxmin(), "counter"])

    def biggest_raw_drop() -> str:
        c = card()
        return str(c.loc[c["counter_change_pct"].astype("float64").idxmin(), "counter"])

    q1_mistakes = []
    points = float(ns["current"] - ns["previous"])
    if not math.isnan(points) and abs(points - ns_change()) > 0.1:
        q1_mistakes.append(("the change in points", lambda: points,
                            "that is current minus previous; divide by the previous value and multiply by 100"))
    if not math.isnan(ns_change()) and abs(ns_change()) > 0.2:
        q1_mistakes.append(("a fraction instead of a percentage", lambda: ns_change() / 100, "multiply by 100"))

    q3_mistakes = []
    if biggest_raw_drop() != worst_counter():
        q3_mistakes.append((
            "the counter-metric with the biggest fall",
            biggest_raw_drop,
            "for a counter-metric where lower is better (melt, churn, cost), a rise is the bad move: "
            "use the change in the good direction (counter_good_change)",
        ))

    label = scorecard.METRICS[ns_key].label.lower()
    counter_keys = [p.counter for p in pairs]
    if sector == "education":
        r1_answer = (
            "Who is in the cohort. Retention is measured on the students who were still enrolled on the "
            "census date, so it rises if weaker or under-served students are discouraged before that date "
            "or not admitted. Check the counter-metrics: the share of first-generation and Pell students in "
            "the cohort, withdrawals before census, and retention of all entrants. Then ask the people "
            "involved what changed in advising and admissions, before anyone is praised or rewarded."
        )
    else:
        r1_answer = (
            "What it cost and who stayed. Retention can be bought with discounts, rescue offers and "
            "support-heavy service: check gross margin and cost to serve. Check which customers left (a "
            "segment mix shift can move the pooled rate) and whether new customers churn early. Then ask "
            "the teams what they changed, before anyone is praised or rewarded."
        )
    return ExerciseSet(
        Exercise(
            "q1",
            f"By how many percent of its previous value did the north star ({label}) change from the "
            "previous period to the current one?",
            expected=ns_change,
            compare=number(abs_tol=0.1),
            hints=[
                "A relative change is (current - previous) / previous, times 100.",
                f"The `measured` table has one row per metric; the north star's key is {ns_key!r}.",
            ],
            solution_code=(
                f"row = measured.set_index('key').loc[{ns_key!r}]\n"
                "100 * (row['current'] - row['previous']) / row['previous']"
            ),
            mistakes=q1_mistakes,
            explain="Relative changes let you compare moves of metrics with different units on one scale.",
        ),
        Exercise(
            "q2",
            "With this notebook's thresholds, how many pairs of the scorecard are flagged "
            "(the metric improved while its counter-metric got worse)?",
            expected=lambda: int(card()["flag"].sum()),
            compare=number(abs_tol=0, decimals=0),
            hints=[
                "A pair is flagged when its metric's change in the good direction is at least "
                "move_threshold and its counter-metric's is at most -warn_threshold.",
                "`card['flag']` is True for flagged pairs; a sum of booleans counts them.",
            ],
            solution_code="int(card['flag'].sum())",
            explain="A flag is a question to ask, not a verdict: it says where to look first.",
        ),
        Exercise(
            "q3",
            "Which counter-metric got worse by the largest relative amount (in its own good direction)? "
            f"Answer with its key, one of: {', '.join(counter_keys)}.",
            expected=worst_counter,
            compare=choice(counter_keys),
            hints=[
                "`card['counter_good_change']` is each counter-metric's change, signed so that negative means worse.",
                "Find the row with the smallest `counter_good_change` and read its `counter` column.",
            ],
            solution_code="card.loc[card['counter_good_change'].idxmin(), 'counter']",
            mistakes=q3_mistakes,
            explain="Ask what happened there first: it is where an improvement elsewhere may have been paid for.",
        ),
        Reflection(
            "r1",
            f"The north star ({label}) improved. Before you celebrate or reward anyone, what would you check, "
            "and whom would you ask?",
            r1_answer,
        ),
        Reflection(
            "r2",
            "Design a scorecard for an organisation you know: one north-star outcome, three drivers, and a "
            "counter-metric for each driver. For each counter-metric, name the shortcut it would reveal.",
            "An example for a public library. North star: residents who used the library at least twice in "
            "the year (an outcome for people, not a count of loans). Drivers and counter-metrics: (1) loans per "
            "member, countered by the share of loans returned unread or renewed without use, which shows "
            "automatic renewals inflating loans; (2) event attendance, countered by the share of attendees "
            "who come back within three months, which shows one-off crowds; (3) new memberships, countered "
            "by memberships used at least once in their first quarter, which shows sign-up drives that bring "
            "no readers. Each pair measures effect and counter-effect, as Grove suggests, and none of them "
            "is meant to grade individual staff.",
        ),
    )
