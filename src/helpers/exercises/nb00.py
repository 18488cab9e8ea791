"""Self-checks for notebook 00 (start here)."""

from __future__ import annotations

import pandas as pd

from . import Exercise, ExerciseSet, Reflection, choice, number


def exercises(contacts: pd.DataFrame, agents: pd.DataFrame) -> ExerciseSet:
    """Exercises on the support-contacts data of this run.

    ``contacts`` is the ``support_contacts`` dataset, ``agents`` its
    :func:`helpers.support.agent_summary`.
    """
    fastest = agents.sort_values(["handle_time_min", "agent_id"]).iloc[0]
    return ExerciseSet(
        Exercise(
            "q1",
            "How many contacts are in the support data?",
            expected=lambda: len(contacts),
            compare=number(abs_tol=0),
            hints=["Each row of `contacts` is one contact.", "`len(contacts)` counts the rows."],
            solution_code="len(contacts)",
            mistakes=[("the number of agents", lambda: contacts["agent_id"].nunique(), "count contacts (rows), not agents")],
            explain="Every later number is computed from these rows.",
        ),
        Exercise(
            "q2",
            "What percentage of all contacts led to a repeat contact within 7 days?",
            expected=lambda: float(contacts["repeat_within_7d"].mean() * 100),
            compare=number(abs_tol=0.1),
            hints=[
                "`repeat_within_7d` is 1 when the customer came back within a week, else 0.",
                "The mean of a 0/1 column is a share; multiply by 100 for a percentage.",
            ],
            solution_code='contacts["repeat_within_7d"].mean() * 100',
            mistakes=[
                ("a share between 0 and 1", lambda: float(contacts["repeat_within_7d"].mean()), "multiply by 100 to get a percentage"),
                ("a count of repeats", lambda: int(contacts["repeat_within_7d"].sum()), "divide by the number of contacts"),
            ],
            explain="A customer who has to call again was not really helped the first time.",
        ),
        Exercise(
            "q3",
            "Which agent has the lowest average handle time? Answer with the agent id, e.g. 'AG01'.",
            expected=lambda: str(fastest["agent_id"]),
            compare=choice(list(agents["agent_id"].astype(str))),
            hints=[
                "The `agents` table has one row per agent with `handle_time_min`.",
                "Sort `agents` by `handle_time_min` and look at the first row.",
            ],
            solution_code='agents.sort_values("handle_time_min").iloc[0]["agent_id"]',
            mistakes=[
                ("the slowest agent", lambda: str(agents.sort_values(["handle_time_min", "agent_id"]).iloc[-1]["agent_id"]), "lowest means shortest calls: sort ascending"),
            ],
            explain=(
                f"Now look up their repeat-contact rate: {fastest['repeat_pct']:.1f}% against "
                f"{float(contacts['repeat_within_7d'].mean() * 100):.1f}% for the whole team."
            ),
        ),
        Reflection(
            "r1",
            "Suppose the fastest agents were given a bonus for their handle time. What would you expect "
            "the rest of the team to do next month, and what would customers notice?",
            "Other agents would learn that short calls are what counts and start to shorten theirs: "
            "ending calls early, transferring hard cases, promising call-backs. The average handle time "
            "would improve, while customers would call back more often and wait longer in total. The "
            "measure stops telling you about service once people are paid to move it (notebook 01).",
        ),
    )
