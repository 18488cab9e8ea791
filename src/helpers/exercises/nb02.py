"""Exercises of notebook 02 (guiding, not grading).

- ``p1``: predict how many of a top quartile stay there when nobody differs;
- ``q1``: regression to the mean in a period the notebook has not shown (knows about ties);
- ``q2``: a code exercise: survey answers and CSAT per group, the numbers a funnel rests on;
- ``q3``: which course sections lie outside the 95 % limits of an exact binomial funnel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .. import simulate
from . import Case, CodeExercise, Exercise, ExerciseSet, Prediction, Reflection, frame, members, number
from . import distinct_mistakes

__all__ = ["exercises", "answers_and_csat", "section_pass_counts"]


# ----------------------------------------------------------------------------- helpers

#: q1's tolerance (percent points): csat_pct is stored to one decimal.
Q1_TOLERANCE = 0.06




def answers_and_csat(contacts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Survey answers and CSAT (top-two-box share, %) per group: the reference of q2.

    Contacts without an answer are left out; a group without any answer has no row.
    """
    answered = contacts[contacts["csat"].notna()]
    satisfied = answered["csat"] >= 4
    g = satisfied.groupby(answered[by])
    return pd.DataFrame({"answers": g.size(), "csat_pct": 100 * g.mean()})


def section_pass_counts(assessments: pd.DataFrame, pass_mark: float) -> pd.DataFrame:
    """Students and passes per section: a pass is a post-test score of at least ``pass_mark``;
    a student who dropped has no post-test and did not pass. Indexed by section."""
    passed = assessments["post_score"] >= pass_mark  # NaN (dropped) compares False
    g = passed.groupby(assessments["section"])
    return pd.DataFrame({"students": g.size(), "passed": g.sum().astype(int)})


def _section_funnel(counts: pd.DataFrame, method: str = "exact") -> pd.DataFrame:
    return simulate.funnel_frame(counts["passed"], counts["students"], counts.index, method=method)  # type: ignore[arg-type]


# -- wrong implementations of q2 (each a known mistake)


def _counts_contacts(contacts: pd.DataFrame, by: str) -> pd.DataFrame:
    out = answers_and_csat(contacts, by)
    out["answers"] = contacts.groupby(by).size().reindex(out.index)
    return out


def _unanswered_as_unhappy(contacts: pd.DataFrame, by: str) -> pd.DataFrame:
    satisfied = contacts["csat"] >= 4
    g = satisfied.groupby(contacts[by])
    out = pd.DataFrame({"answers": contacts["csat"].notna().groupby(contacts[by]).sum(), "csat_pct": 100 * g.mean()})
    return out[out["answers"] > 0]


def _mean_score(contacts: pd.DataFrame, by: str) -> pd.DataFrame:
    answered = contacts[contacts["csat"].notna()]
    g = answered.groupby(by)["csat"]
    return pd.DataFrame({"answers": g.size(), "csat_pct": g.mean()})


def _top_box_only(contacts: pd.DataFrame, by: str) -> pd.DataFrame:
    answered = contacts[contacts["csat"].notna()]
    g = (answered["csat"] >= 5).groupby(answered[by])
    return pd.DataFrame({"answers": g.size(), "csat_pct": 100 * g.mean()})


def _fraction(contacts: pd.DataFrame, by: str) -> pd.DataFrame:
    out = answers_and_csat(contacts, by)
    out["csat_pct"] = out["csat_pct"] / 100
    return out


def _rounded(contacts: pd.DataFrame, by: str) -> pd.DataFrame:
    return answers_and_csat(contacts, by).round({"csat_pct": 1})


def _small(agent: list[str], csat: list[float], team: str = "T1") -> pd.DataFrame:
    return pd.DataFrame({"agent_id": agent, "team": team, "csat": np.array(csat, dtype=float)})


# ----------------------------------------------------------------------------- exercises


def exercises(
    table: pd.DataFrame,
    many: pd.DataFrame,
    contacts: pd.DataFrame,
    assessments: pd.DataFrame,
    pass_mark: float = 60.0,
) -> ExerciseSet:
    """The exercises on this run's data.

    ``table`` is :func:`helpers.simulate.league_table` with at least three periods;
    ``many`` is :func:`helpers.simulate.rank_stability` with ``skill_sd = 0`` (identical
    agents); ``contacts`` the support contacts; ``assessments`` the course data.
    """
    csat = table.pivot(index="agent_id", columns="period", values="csat_pct")
    top = table.pivot(index="agent_id", columns="period", values="top_quartile").astype(bool)
    k = int(top[2].sum())

    def mean_in(period: int, who: pd.Index | np.ndarray | pd.Series) -> float:
        return float(csat.loc[who, period].mean())

    def top_of(period: int) -> pd.Index:
        return top.index[top[period].to_numpy()]

    def ties_included() -> float:
        scores = csat[2].sort_values(ascending=False)
        cut = float(scores.iloc[k - 1])
        return mean_in(3, scores.index[scores >= cut])

    answer_q1 = mean_in(3, top_of(2))
    tied_at_cut = int((csat[2] == csat[2].sort_values(ascending=False).iloc[k - 1]).sum())
    q1_mistakes: list[tuple[str, Callable[[], Any], str]] = [
        ("their period-2 CSAT", lambda: mean_in(2, top_of(2)),
         "that is how they scored when they were picked; the question asks what the same agents score one period later"),
        ("the whole team's period-3 CSAT", lambda: float(csat[3].mean()),
         "that averages every agent; keep only those in the top quartile of period 2"),
        ("the top quartile of period 1", lambda: mean_in(3, top_of(1)),
         "the question picks the agents by period 2, then looks at period 3"),
        ("the true CSAT", lambda: float(table["true_csat_pct"].mean()),
         "that is the true CSAT every agent shares, set as a parameter; the question asks for the measured "
         "csat_pct of the chosen agents in period 3"),
        ("ties counted in", ties_included,
         f"you kept every agent tied with the last top-quartile place ({tied_at_cut} agents share that score in period 2). "
         "This table breaks ties by a coin toss, as the notebook explains: use the `top_quartile` (or `rank`) column, "
         "which holds exactly the chosen agents"),
    ]

    q1_mistakes = distinct_mistakes(q1_mistakes, answer_q1, Q1_TOLERANCE, margin=1.0)
    q1 = Exercise(
        "q1",
        "In `table`, take the agents in the top quartile in period 2. What is their average measured CSAT in "
        "period 3, in percent (one decimal)?",
        expected=lambda: answer_q1,
        compare=number(abs_tol=Q1_TOLERANCE, decimals=1, unit="percent"),
        hints=[
            "Two steps: find the ids with `top_quartile` True in period 2, then average their `csat_pct` in period 3.",
            "top2 = table.loc[(table['period'] == 2) & table['top_quartile'], 'agent_id']; then filter period 3 "
            "with .isin(top2).",
        ],
        solution_code=(
            "top2 = table.loc[(table['period'] == 2) & table['top_quartile'], 'agent_id']\n"
            "later = table[(table['period'] == 3) & table['agent_id'].isin(top2)]\n"
            "later['csat_pct'].mean()"
        ),
        why="regression to the mean is measured on the same people in a later period, picked before that period was seen",
        mistakes=q1_mistakes,
        explain=(
            f"In period 2 these agents averaged {mean_in(2, top_of(2)):.1f}%; one period later they average "
            f"{mean_in(3, top_of(2)):.1f}%, back towards the true {float(table['true_csat_pct'].mean()):.1f}% "
            "that every agent shares. Their lead was luck."
        ),
    )

    def cases() -> list[Case]:
        return [
            Case(args=(contacts, "agent_id"), label="this run's contacts, per agent"),
            Case(args=(contacts, "team"), label="this run's contacts, per team", why="`by` names the column to group by."),
            Case(args=(_small(["a", "a", "a", "b", "b"], [5, np.nan, 3, 4, np.nan]), "agent_id"),
                 label="missing answers", why="A contact without an answer is neither satisfied nor unsatisfied: leave it out."),
            Case(args=(_small(["a", "a", "c", "c"], [5, 4, np.nan, np.nan]), "agent_id"),
                 label="an agent nobody answered for",
                 why="With no answers there is no CSAT: that agent gets no row (not 0%)."),
            Case(args=(_small(["a", "a", "a", "a"], [3, 4, 4, 5]), "agent_id"),
                 label="answers at the boundary", why="An answer of 4 counts as satisfied: top-two box means 4 or 5."),
        ]

    q2 = CodeExercise(
        "q2",
        "Write `answers_and_csat(contacts, by)`: one row per value of the column `by`, indexed by it, with the "
        "columns `answers` (survey answers, not contacts) and `csat_pct` (share of answers of 4 or 5, in percent, "
        "not rounded). Contacts without an answer are left out.",
        reference=answers_and_csat,
        cases=cases,
        compare=frame(abs_tol=1e-6),
        mistakes=[
            ("contacts counted as answers", _counts_contacts,
             "`answers` is the number of survey answers: count only the rows where `csat` is not missing"),
            ("unanswered surveys counted as unhappy", _unanswered_as_unhappy,
             "a contact without an answer tells you nothing about satisfaction: drop missing answers before the share"),
            ("the mean score", _mean_score,
             "CSAT here is the share of answers of 4 or 5 (top-two box), in percent, not the average score"),
            ("only answers of 5", _top_box_only, "satisfied means 4 or 5: use >= 4"),
            ("a fraction", _fraction, "give csat_pct in percent: multiply the share by 100"),
            ("csat_pct rounded", _rounded,
             "leave csat_pct unrounded (the check compares to 6 decimals): round only when you print"),
        ],
        hints=[
            "Drop the contacts without an answer first: contacts[contacts['csat'].notna()].",
            "Then group by `by` and aggregate a True/False column `csat >= 4`: its size is `answers`, "
            "100 times its mean is `csat_pct`.",
        ],
        solution_code=(
            "def answers_and_csat(contacts, by):\n"
            "    answered = contacts[contacts['csat'].notna()]\n"
            "    satisfied = answered['csat'] >= 4\n"
            "    g = satisfied.groupby(answered[by])\n"
            "    return pd.DataFrame({'answers': g.size(), 'csat_pct': 100 * g.mean()})\n"
            "# the helper: simulate.agent_csat_counts(contacts, by=...) gives the same counts"
        ),
        why="a rate is only as trustworthy as the number of answers behind it, so the two belong in one table",
        explain="Every rate now travels with its n: the first thing to check before comparing anyone.",
    )

    counts = section_pass_counts(assessments, pass_mark)

    def outside(frame: pd.DataFrame, column: str = "outside95") -> list[str]:
        return sorted(frame.loc[frame[column], "unit"].astype(str))

    def one_side(above: bool) -> list[str]:
        f = _section_funnel(counts)
        side = f["successes"] / f["n"] > f.attrs["p0"]
        return outside(f[side if above else ~side])

    def survivors_only() -> list[str]:
        kept = assessments[assessments["post_score"].notna()]
        return outside(_section_funnel(section_pass_counts(kept, pass_mark)))

    q3 = Exercise(
        "q3",
        f"Pass rate per section (a pass is a post-test score of at least {pass_mark:g}; a student who dropped did "
        "not pass): which sections lie outside the exact 95% limits of a funnel plot? A list of section ids "
        "(an empty list if none).",
        expected=lambda: outside(_section_funnel(counts)),
        compare=members(),
        hints=[
            "Count students and passes per section with a groupby, as the notebook did for CSAT per agent.",
            "simulate.funnel_frame(passed, students, sections) gives the limits and an `outside95` column.",
        ],
        solution_code=(
            f"passed = assessments['post_score'] >= {pass_mark:g}  # a dropped student (no score) did not pass\n"
            "counts = passed.groupby(assessments['section']).agg(['size', 'sum'])\n"
            "sections = simulate.funnel_frame(counts['sum'], counts['size'], counts.index)\n"
            "sorted(sections.loc[sections['outside95'], 'unit'])"
        ),
        why="each section is compared with the pooled pass rate at its own n, with exact binomial limits",
        mistakes=[
            ("only the sections outside the 99.8% limits", lambda: outside(_section_funnel(counts), "outside998"),
             "the question asks for the 95% limits (the dashed lines), not the outer 99.8% ones"),
            ("the normal approximation", lambda: outside(_section_funnel(counts, "normal")),
             "that uses the normal-approximation limits; the exact binomial limits are the default of funnel_frame"),
            ("only the sections below the limits", lambda: one_side(False),
             "a funnel plot flags both sides: sections above the upper limit are outside too"),
            ("only the sections above the limits", lambda: one_side(True),
             "a funnel plot flags both sides: sections below the lower limit are outside too"),
            ("the students who stayed", survivors_only,
             "you left out the students who dropped; they enrolled and did not pass, so they count in n"),
        ],
        explain="Sections differ by more than chance here: ask what they do differently before asking who is best.",
    )

    p1 = Prediction(
        "p1",
        "Agents who are all equally good: of those in the top quartile in period 1, what percent are in the top "
        "quartile again in period 2, averaged over many simulated teams?",
        actual=lambda: 100 * float(many["top_quartile_persistence"].iloc[0]),
        unit="%",
        decimals=1,
        note="With identical agents the expected share is the chance level: the size of the quartile over the team.",
    )

    return ExerciseSet(
        p1,
        q1,
        q2,
        q3,
        Reflection(
            "r1",
            "A manager wants to name an 'agent of the month' from monthly CSAT, with about 20 answers per agent. "
            "What would you tell them, and what would you offer instead?",
            "With 20 answers, an agent's CSAT moves by ten points or more from month to month by chance alone, so "
            "the winner is mostly the luckiest agent, and next month's winner will be someone else. The award "
            "teaches the team that the number is arbitrary, or that it pays to steer which customers answer. "
            "Instead: the team's CSAT as a trend with its uncertainty, a monthly read of the comments together, and a "
            "funnel plot over a quarter or more to find the rare agent who is really different; then ask what they "
            "do, or what help they need, rather than ranking everyone.",
        ),
        Reflection(
            "r2",
            "Take one measure your organisation reports per person. Is it used to grade (ranking, bonus, review) "
            "or to guide (team trend, coaching, learning)? How many observations stand behind one person's number, "
            "and what would change if it moved from grading to guiding?",
            "Example: first-contact resolution per agent in a monthly league table, about 60 contacts each. As a "
            "grade it invites agents to avoid hard cases or close tickets early, and with 60 contacts the order is "
            "partly luck. As a guide it is shown per team as a trend, a few unresolved cases are reviewed together "
            "each week, and the team decides which knowledge articles to write. The number stays the same; what "
            "changes is who looks at it, how often, and what happens next.",
        ),
    )
