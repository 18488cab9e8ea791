"""Self-checks for notebook 01 (when metrics bite)."""

from __future__ import annotations


import pandas as pd

from . import Exercise, ExerciseSet, Reflection, members, number
from ..simulate import TeamRun, team_summary

__all__ = ["exercises", "gaming_suspects"]

#: The rule of exercise 3: this much faster than the team's median agent ...
FAST_SHARE = 0.75
#: ... and this many times the team's repeat-contact rate.
REPEAT_FACTOR = 1.5


def gaming_suspects(agents: pd.DataFrame, contacts: pd.DataFrame) -> list[str]:
    """Agents whose average handle time is under 75 % of the team's median agent and
    whose repeat-contact rate is over 1.5 times the team's rate (all contacts pooled).

    ``agents`` is :func:`helpers.support.agent_summary` of ``contacts``. Speed alone is
    no evidence; speed bought with customers who come back is the signature of gaming.
    """
    team_repeat = float(contacts["repeat_within_7d"].mean() * 100)
    fast = agents["handle_time_min"] < FAST_SHARE * agents["handle_time_min"].median()
    repeats = agents["repeat_pct"] > REPEAT_FACTOR * team_repeat
    return sorted(agents.loc[fast & repeats, "agent_id"].astype(str))


def exercises(run: TeamRun, contacts: pd.DataFrame, agents: pd.DataFrame) -> ExerciseSet:
    """Exercises on this run's simulated team and support-contact data.

    ``run`` is :func:`helpers.simulate.simulate_team` with the notebook's parameters,
    ``contacts`` the ``support_contacts`` dataset and ``agents`` its
    :func:`helpers.support.agent_summary`.
    """
    summary = team_summary(run)
    window = int(run.params.get("window", 4))

    def fall_in_handle_time() -> float:
        return summary["handle_time_before"] - summary["handle_time_after"]

    def fall_in_fcr() -> float:
        return summary["fcr_before"] - summary["fcr_after"]

    def suspects() -> list[str]:
        return gaming_suspects(agents, contacts)

    q1_compare = number(abs_tol=0.05)
    q1_mistakes = [
            ("after minus before", lambda: -fall_in_handle_time(),
             "the question asks how much it fell, so a fall is a positive number"),
            ("the change from the first to the last period only",
             lambda: float(run.periods["handle_time_min"].iloc[0] - run.periods["handle_time_min"].iloc[-1]),
             f"compare the mean of all periods before the target with the mean of the last {window} periods"),
        ]
    q2_compare = number(abs_tol=0.1)
    q2_mistakes = [
            ("a relative change in percent", lambda: 100 * fall_in_fcr() / summary["fcr_before"],
             "give the difference in percentage points, not the change relative to the starting level"),
            ("after minus before", lambda: -fall_in_fcr(), "a fall is a positive number here"),
            ("the share of contacts gamed", lambda: summary["gamed_after"],
             "that is the hidden cause; the question asks for the customer outcome, fcr_pct"),
        ]
    q3_compare = members()
    q3_mistakes = [
            ("every agent faster than the median",
             lambda: agents.loc[agents["handle_time_min"] < agents["handle_time_min"].median(), "agent_id"].tolist(),
             "being quicker than average is no evidence of gaming: add the repeat-contact condition"),
            ("only the repeat-contact condition",
             lambda: agents.loc[agents["repeat_pct"] > REPEAT_FACTOR * contacts["repeat_within_7d"].mean() * 100, "agent_id"].tolist(),
             "some slow agents also see customers come back; the signature of gaming is both at once"),
        ]

    return ExerciseSet(
        Exercise(
            "q1",
            f"By how many minutes did the simulated team's average handle time fall, from the mean of "
            f"the periods before the target to the mean of the last {window} periods?",
            expected=fall_in_handle_time,
            compare=q1_compare,
            hints=[
                "`run.periods` has one row per period; `target_on` is False before the target.",
                f"Take the mean of `handle_time_min` where `target_on` is False, and the mean of the last "
                f"{window} rows (`.tail({window})`); subtract the second from the first.",
            ],
            solution_code=(
                "p = run.periods\n"
                f"p.loc[~p['target_on'], 'handle_time_min'].mean() - p['handle_time_min'].tail({window}).mean()"
            ),
            mistakes=q1_mistakes,
            explain="On the dashboard this looks like a success: the team got faster.",
        ),
        Exercise(
            "q2",
            "Over the same comparison, by how many percentage points did first-contact resolution "
            "(`fcr_pct`) fall?",
            expected=fall_in_fcr,
            compare=q2_compare,
            hints=[
                "Same recipe as exercise 1, with the column `fcr_pct`.",
                f"p.loc[~p['target_on'], 'fcr_pct'].mean() - p['fcr_pct'].tail({window}).mean()",
            ],
            solution_code=(
                "p = run.periods\n"
                f"p.loc[~p['target_on'], 'fcr_pct'].mean() - p['fcr_pct'].tail({window}).mean()"
            ),
            mistakes=q2_mistakes,
            explain="The reported metric improved while the customers' outcome got worse: Goodhart in one table.",
        ),
        Exercise(
            "q3",
            f"In the sample data, which agents have an average handle time under {FAST_SHARE:.0%} of the "
            f"team's median agent AND a repeat-contact rate over {REPEAT_FACTOR} times the team's rate "
            "(all contacts pooled)? Answer with a list of agent ids.",
            expected=suspects,
            compare=q3_compare,
            hints=[
                "The team's repeat rate is `contacts['repeat_within_7d'].mean() * 100`; the median agent's "
                "handle time is `agents['handle_time_min'].median()`.",
                "Build two boolean conditions on `agents` and combine them with `&`, then take `agent_id`.",
            ],
            solution_code=(
                "team_repeat = contacts['repeat_within_7d'].mean() * 100\n"
                f"fast = agents['handle_time_min'] < {FAST_SHARE} * agents['handle_time_min'].median()\n"
                f"repeats = agents['repeat_pct'] > {REPEAT_FACTOR} * team_repeat\n"
                "sorted(agents.loc[fast & repeats, 'agent_id'])"
            ),
            mistakes=q3_mistakes,
            explain="Look at their first-contact resolution too: quick calls that leave the problem unsolved.",
        ),
        Reflection(
            "r1",
            "Pick one case from the table in section 2. Who would have had to collect the counter-metric, "
            "what would it have cost, and who inside the organisation might have resisted it?",
            "Take the NHS four-hour target. The counter-metric is the full distribution of time spent in "
            "the emergency department, plus patient surveys. The data already existed in hospital systems, "
            "so the cost was mostly attention: someone had to publish the distribution next to the "
            "headline percentage. Resistance would come from those judged on the headline, because the "
            "distribution shows the spike just before four hours. That is exactly why a counter-metric "
            "needs an owner who is not graded on the primary metric.",
        ),
        Reflection(
            "r2",
            "Think of a measure used in your own work. Which of the three levers (what the incentives "
            "reward, which counter-metric sits next to it, how strong the culture of accountability is) "
            "is weakest around it, and what would you change first?",
            "Example: a support team rewarded on tickets closed per week. The incentive is strong and "
            "points at volume; there is no counter-metric; team leads talk about the number, not the "
            "customers. The cheapest first step is a counter-metric (reopened tickets within 7 days) shown "
            "next to the volume in every review, so that the conversation covers both. Changing the bonus "
            "comes next, once the team trusts the pair of numbers.",
        ),
    )
