"""Self-checks for notebook 00 (start here)."""

from __future__ import annotations


import pandas as pd

from ..support import target_summary
from . import Exercise, ExerciseSet, Prediction, Reflection, number
from . import distinct_mistakes as _distinct

__all__ = ["exercises", "agent_means", "fastest_agent"]


def agent_means(contacts: pd.DataFrame) -> pd.DataFrame:
    """Per agent: mean handle time (minutes) and repeat-contact rate (%), unrounded.

    The same numbers as the notebook's ``groupby`` in section 4 (and as
    :func:`helpers.support.agent_summary`, before its rounding).
    """
    g = contacts.groupby("agent_id")
    return pd.DataFrame({
        "handle_time_min": g["handle_time_min"].mean(),
        "repeat_pct": g["repeat_within_7d"].mean() * 100,
    })


def fastest_agent(contacts: pd.DataFrame) -> str:
    """The agent with the lowest mean handle time (ties: the lower agent id)."""
    means = agent_means(contacts).reset_index()
    return str(means.sort_values(["handle_time_min", "agent_id"]).iloc[0]["agent_id"])




def exercises(contacts: pd.DataFrame, agents: pd.DataFrame, target_minutes: float = 8.0) -> ExerciseSet:
    """Exercises on the support-contacts data of this run.

    ``contacts`` is the ``support_contacts`` dataset, ``agents`` its
    :func:`helpers.support.agent_summary`, ``target_minutes`` the notebook's target.
    """
    means = agent_means(contacts)
    fastest = fastest_agent(contacts)
    slowest = str(means.reset_index().sort_values(["handle_time_min", "agent_id"]).iloc[-1]["agent_id"])
    team_repeat = float(contacts["repeat_within_7d"].mean() * 100)

    def fastest_repeat() -> float:
        return float(means.loc[fastest, "repeat_pct"])

    q2_mistakes = _distinct([
        ("a count of repeats", lambda: int(contacts["repeat_within_7d"].sum()),
         "that counts the repeats; divide by the number of contacts (the mean of a 0/1 column does both)"),
        ("the mean of the agents' rates", lambda: float(means["repeat_pct"].mean()),
         "that averages the agents' rates; the question asks about all contacts pooled together"),
    ], team_repeat, 0.05)
    most_repeats = str(means.reset_index().sort_values(["repeat_pct", "agent_id"]).iloc[-1]["agent_id"])
    q3_mistakes = _distinct([
        ("a percent multiplied by 100 again", lambda: fastest_repeat() * 100,
         "repeat_pct in per_agent and agents is already a percent; multiply by 100 only a share "
         "(a mean of the 0/1 column)"),
        ("the team's rate", lambda: team_repeat,
         "that is every contact's rate (exercise 2); find the fastest agent first, then their rate"),
        ("the slowest agent's rate", lambda: float(means.loc[slowest, "repeat_pct"]),
         "lowest handle time means the shortest contacts: sort ascending"),
        ("the highest repeat rate of any agent", lambda: float(means.loc[most_repeats, "repeat_pct"]),
         "that is the agent with the most repeats; find the agent with the lowest handle time first"),
        ("the fastest agent's handle time", lambda: float(means.loc[fastest, "handle_time_min"]),
         "that is how long their contacts take; the question asks how often their customers came back"),
        ("the fastest agent's first-contact resolution",
         lambda: float(contacts.loc[contacts["agent_id"] == fastest, "resolved_first_contact"].mean() * 100),
         "that is resolution; the question asks how often their customers came back (repeat_within_7d)"),
    ], fastest_repeat(), 0.05)

    s = target_summary(agents, target_minutes, contacts)  # exact: the same as a groupby on the contacts
    if s["agents_meeting"]:
        actual_meeting = float(s["repeat_pct_meeting"])
        note = (f"For comparison, the other agents' customers came back in {s['repeat_pct_others']:.1f}% of "
                f"contacts." if s["agents_meeting"] < s["agents_total"] else "")
    else:
        actual_meeting = fastest_repeat()
        note = "No agent meets this target, so this is the fastest agent's rate."

    return ExerciseSet(
        Exercise(
            "q1",
            "How many contacts are in the support data?",
            expected=lambda: len(contacts),
            compare=number(abs_tol=0, decimals=0),
            hints=["Each row of `contacts` is one contact.", "`len(contacts)` counts the rows."],
            solution_code="len(contacts)",
            why="one row per contact, so the number of rows is the number of contacts.",
            mistakes=[("the number of agents", lambda: contacts["agent_id"].nunique(),
                       "count contacts (rows), not agents")],
            explain="Every later number is computed from these rows.",
        ),
        Exercise(
            "q2",
            "What percentage of all contacts led to a repeat contact within 7 days? Give a percent with one decimal.",
            expected=lambda: team_repeat,
            compare=number(abs_tol=0.05, decimals=1, unit="percent"),
            hints=[
                "`repeat_within_7d` is 1 when the customer came back within a week, else 0.",
                "The mean of a 0/1 column is a share; multiply by 100 for a percentage.",
            ],
            solution_code='contacts["repeat_within_7d"].mean() * 100',
            why="the mean of a 0/1 column is the share of ones: repeats divided by all contacts.",
            mistakes=q2_mistakes,
            explain="A customer who has to come back was not really helped the first time.",
        ),
        Exercise(
            "q3",
            "Find the agent with the lowest average handle time. What percentage of their contacts led to a "
            "repeat contact within 7 days? Give a percent with one decimal.",
            expected=fastest_repeat,
            compare=number(abs_tol=0.05, decimals=1, unit="percent"),
            hints=[
                "`per_agent` (section 4) has one row per agent, with `handle_time_min` and `repeat_pct` (already "
                "in percent).",
                "Sort it by handle time (`sort_values`) and read `repeat_pct` in the first row; or find the agent "
                "with `per_agent['handle_time_min'].idxmin()` and look up their `repeat_pct` with `.loc`.",
            ],
            solution_code=(
                '# per_agent from section 4: one row per agent, repeat_pct already in percent\n'
                'fastest = per_agent["handle_time_min"].idxmin()\n'
                'per_agent.loc[fastest, "repeat_pct"]\n'
                '# the same with the helper\'s table: agents.sort_values("handle_time_min").iloc[0]["repeat_pct"]'
            ),
            why="the fastest agent is the one with the lowest mean handle time; their repeat rate is the share of "
                "their contacts with a repeat (the mean of their 0/1 flags, times 100).",
            mistakes=q3_mistakes,
            explain=(f"Compare it with the team's {team_repeat:.1f}%: "
                     + ("the fastest agent's customers come back more often than the team's." if fastest_repeat() > team_repeat
                        else "here the fastest agent's customers come back no more often than the team's.")),
        ),
        Prediction(
            "p1",
            "Of the contacts handled by agents who meet the target, what percentage come back within a week?",
            actual=lambda: actual_meeting,
            unit="%",
            decimals=1,
            note=note,
        ),
        Reflection(
            "r1",
            "Suppose the fastest agents were given a bonus for their handle time. What would you expect "
            "the rest of the team to do next month, and what would customers notice?",
            "Other agents would learn that short contacts are what counts and start to shorten theirs: "
            "ending calls early, transferring hard cases, promising call-backs. The average handle time "
            "would improve, while customers would come back more often and spend longer in total getting "
            "their problem solved. The measure stops telling you about service once people are paid to "
            "move it (notebook 01).",
        ),
    )
