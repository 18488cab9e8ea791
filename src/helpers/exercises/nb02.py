"""Self-checks for notebook 02 (guiding, not grading)."""

from __future__ import annotations


import pandas as pd

from . import Exercise, ExerciseSet, Reflection, members, number
from .. import metrics

__all__ = ["exercises"]


def exercises(table: pd.DataFrame, funnel: pd.DataFrame) -> ExerciseSet:
    """Exercises on this run's league table and CSAT funnel.

    ``table`` is :func:`helpers.simulate.league_table` (two periods), ``funnel`` is
    :func:`helpers.simulate.funnel_frame` of the sample data's CSAT per agent.
    """
    p0 = float(funnel["successes"].sum() / funnel["n"].sum())
    n_big = int(funnel["n"].max())
    k = int(table.loc[table["period"] == 1, "top_quartile"].sum())

    def limit(z: float, upper: bool = True) -> float:
        lower, high = metrics.funnel_limits(p0, n_big, z)
        return float(100 * (high if upper else lower)[0])

    def outside95() -> list[str]:
        return sorted(funnel.loc[funnel["outside95"], "unit"].astype(str))

    def stayed() -> int:
        wide = table.pivot(index="agent_id", columns="period", values="top_quartile").astype(bool)
        return int((wide[1] & wide[2]).sum())

    limit_compare = number(abs_tol=0.1)
    limit_mistakes = [
            ("the 99.8% limit", lambda: limit(3.09), "95% limits use z = 1.96; z = 3.09 gives the wider 99.8% limits"),
            ("a fraction", lambda: limit(1.96) / 100, "give the limit in percent (multiply by 100)"),
            ("the lower limit", lambda: limit(1.96, upper=False), "the question asks for the upper limit: p0 plus the margin"),
        ]
    outside_compare = members()
    outside_mistakes = [
            ("only the agents outside the 99.8% limits",
             lambda: sorted(funnel.loc[funnel["outside998"], "unit"].astype(str)),
             "the question asks for the 95% limits, the inner dashed lines"),
            ("the agents with the lowest CSAT",
             lambda: sorted(funnel.nsmallest(max(1, len(outside95())), "rate_pct")["unit"].astype(str)),
             "a low share on few surveys can still be inside the funnel; compare each agent with the limits at their own n"),
        ]
    stay_compare = number(abs_tol=0)
    stay_mistakes = [
            ("the size of the top quartile", lambda: k,
             "that is how many agents are in the top quartile; count those who are there in both periods"),
        ]

    return ExerciseSet(
        Exercise(
            "q1",
            "In the league table of identical agents, how many of the agents in the top quartile in "
            "period 1 are in the top quartile again in period 2?",
            expected=stayed,
            compare=stay_compare,
            hints=[
                "Pivot the table so that each agent has one row and one `top_quartile` column per period.",
                "wide = table.pivot(index='agent_id', columns='period', values='top_quartile'); "
                "then count rows where both columns are True.",
            ],
            solution_code=(
                "wide = table.pivot(index='agent_id', columns='period', values='top_quartile')\n"
                "int((wide[1] & wide[2]).sum())"
            ),
            mistakes=stay_mistakes,
            explain=f"By chance alone you would expect about a quarter of {k}: the 'stars' of period 1 were mostly luck.",
        ),
        Exercise(
            "q2",
            f"The team's pooled CSAT is {100 * p0:.1f}%. What is the upper 95% control limit, in percent, "
            f"for an agent with {n_big} survey responses?",
            expected=lambda: limit(1.96),
            compare=limit_compare,
            hints=[
                "The limits are p0 plus or minus z times the standard error sqrt(p0 (1 - p0) / n), with p0 "
                "as a fraction and z = 1.96 for 95%.",
                "p0 = funnel['successes'].sum() / funnel['n'].sum(); then "
                f"metrics.funnel_limits(p0, {n_big}) returns (lower, upper) as fractions.",
            ],
            solution_code=(
                "p0 = funnel['successes'].sum() / funnel['n'].sum()\n"
                f"lower, upper = metrics.funnel_limits(p0, {n_big}, z=1.96)\n"
                "100 * upper[0]"
            ),
            mistakes=limit_mistakes,
            explain="An agent with fewer responses gets wider limits: the funnel opens towards small n.",
        ),
        Exercise(
            "q3",
            "Which agents lie outside the 95% limits of the funnel plot (above or below)? Answer with a "
            "list of agent ids (an empty list if none).",
            expected=outside95,
            compare=outside_compare,
            hints=[
                "`funnel` has one row per agent with `outside95` already computed; you can also compare "
                "`rate_pct` with `lower95_pct` and `upper95_pct` yourself.",
                "funnel.loc[funnel['outside95'], 'unit'].tolist()",
            ],
            solution_code="sorted(funnel.loc[funnel['outside95'], 'unit'])",
            mistakes=outside_mistakes,
            explain=(
                "With 95% limits, about 1 agent in 20 falls outside by chance alone: outside the inner "
                "limits means 'look closer', not 'different'."
            ),
        ),
        Reflection(
            "r1",
            "A manager wants to name an 'agent of the month' from monthly CSAT, with about 15 surveys per "
            "agent. What would you tell them, and what would you offer instead?",
            "With 15 surveys, an agent's CSAT moves by 10 points or more from month to month by chance, so "
            "the winner is mostly the luckiest agent, and next month's winner will be someone else. The "
            "award teaches the team that the number is arbitrary, or that it pays to steer which customers "
            "answer the survey. Instead: look at the team's CSAT trend, read the comments together, and use "
            "a funnel plot over a quarter to find the rare agent who is really different, then ask what "
            "they do (or what help they need) rather than ranking everyone.",
        ),
        Reflection(
            "r2",
            "Take one measure your organisation reports per person. Is it used to grade (ranking, bonus, "
            "performance review) or to guide (team trend, coaching, learning)? What would change if it "
            "moved from the first use to the second?",
            "Example: first-contact resolution per agent, shown in a monthly league table. As a grade it "
            "invites agents to avoid hard cases or to close tickets early. As a guide it would be shown per "
            "team as a trend, discussed in a weekly review of a few unresolved cases, and used to decide "
            "which knowledge articles to write. The number stays the same; what changes is who looks at "
            "it, how often, and what happens next.",
        ),
    )
