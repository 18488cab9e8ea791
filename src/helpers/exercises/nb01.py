"""Self-checks for notebook 01 (when metrics bite)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from ..simulate import TeamRun
from . import Case, CodeExercise, Exercise, ExerciseSet, Mismatch, Prediction, Reflection, frame, members, norm_label, number
from . import distinct_mistakes as _distinct
from .feedback import NOT_ATTEMPTED, Feedback, ____, is_blank

__all__ = ["exercises", "gaming_suspects", "CASES", "COUNTER_METRICS", "CASE_MATCH", "match_cases"]

#: The rule of the code exercise: this much faster than the team's median agent ...
FAST_SHARE = 0.75
#: ... and this many times the team's repeat-contact rate (all contacts pooled).
REPEAT_FACTOR = 1.5

#: The six cases of section 2, in the order of the table.
CASES = (
    "Wells Fargo",
    "call-centre handle time",
    "Atlanta schools",
    "NHS four-hour target",
    "VA Phoenix",
    "police recorded crime",
)

#: The counter-metrics of section 2, as the notebook lists them (shuffled, lettered).
COUNTER_METRICS = {
    "A": "waiting time measured from the date the patient asked for an appointment; independent audits",
    "B": "erasure analysis (unusual numbers of wrong-to-right changes); independent low-stakes tests",
    "C": "an independent survey of victims; hospital records of assaults",
    "D": "share of new accounts with activity the customer started; fee refunds; complaints",
    "E": "first-contact resolution; repeat contacts within 7 days",
    "F": "the full distribution of time spent in the department; ambulance handover times; patient surveys",
}

#: Which counter-metric would have caught which case.
CASE_MATCH = {
    "Wells Fargo": "D",
    "call-centre handle time": "E",
    "Atlanta schools": "B",
    "NHS four-hour target": "F",
    "VA Phoenix": "A",
    "police recorded crime": "C",
}

#: A question to ask for a wrongly matched case (never the letter itself).
_CASE_TIPS = {
    "Wells Fargo": "what would an account the customer never asked for show (or never show)?",
    "call-centre handle time": "what happens next to a customer whose call was cut short?",
    "Atlanta schools": "what physical trace does changing answers on a paper answer sheet leave?",
    "NHS four-hour target": "where do patients pile up if everyone is moved just before a deadline?",
    "VA Phoenix": "from which date should a wait be counted so that a hidden list cannot shorten it?",
    "police recorded crime": "who can count crimes without relying on the police's own records?",
}


def match_cases() -> Callable[[Any, Any], Mismatch | None]:
    """Comparer for the case-matching exercise: a dict case -> letter.

    Case names and letters are matched without case and surrounding spaces; the message
    names the cases still blank or wrongly matched, with a question that points the way,
    never the right letter.
    """

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        if isinstance(answer, pd.Series):
            answer = answer.to_dict()
        if not isinstance(answer, dict):
            return Mismatch(f"expected a dict of case -> letter, like the template; got {type(answer).__name__}")
        given = {norm_label(k): v for k, v in answer.items()}
        unknown = [str(k) for k in answer if norm_label(k) not in {norm_label(c) for c in expected}]
        if unknown:
            return Mismatch(f"{unknown[0]!r} is not one of the six cases; keep the case names of the template")
        blank = [c for c in expected if norm_label(c) not in given or is_blank(given[norm_label(c)])]
        if blank:
            return Mismatch(f"{len(blank)} case(s) still without a letter ({', '.join(blank)})")
        letters = {c: str(given[norm_label(c)]).strip().upper() for c in expected}
        bad_letters = sorted({v for v in letters.values() if v not in COUNTER_METRICS})
        if bad_letters:
            return Mismatch(f"{', '.join(bad_letters)} is not one of the letters A-F")
        wrong = [c for c in expected if letters[c] != str(expected[c]).upper()]
        if not wrong:
            return None
        used_twice = sorted({v for v in letters.values() if list(letters.values()).count(v) > 1})
        text = f"{len(expected) - len(wrong)} of {len(expected)} right. Look again at {wrong[0]}: {_CASE_TIPS.get(wrong[0], '')}"
        if len(wrong) > 1:
            text += f" (also wrong: {', '.join(wrong[1:])})"
        if used_twice:
            text += f"; each letter fits one case, and you used {', '.join(used_twice)} more than once"
        return Mismatch(text)

    compare.kind = "matching"  # type: ignore[attr-defined]
    return compare


class MatchExercise(Exercise):
    """An :class:`Exercise` whose answer is a dict of case -> letter; a template with every
    letter still blank is "not attempted", not wrong."""

    def check(self, answer: Any = ____) -> Feedback:
        if isinstance(answer, dict) and answer and all(is_blank(v) for v in answer.values()):
            return self._feedback(NOT_ATTEMPTED, "replace each ____ with a letter A-F, run the cell, then check "
                                  f"again (stuck? {self.name}.hint())", answer)
        return super().check(answer)


def gaming_suspects(contacts: pd.DataFrame, legacy_contacts: pd.DataFrame | None = None) -> list[str]:
    """Agents whose average handle time is under 75 % of the median agent's and whose
    repeat-contact rate is over 1.5 times the team's rate (all contacts pooled).

    Speed alone is no evidence; speed bought with customers who come back is the
    signature of gaming. The reference of the notebook's code exercise. The older call
    ``gaming_suspects(agents, contacts)`` still works: the agent table is not needed.
    """
    if legacy_contacts is not None:
        contacts = legacy_contacts
    per_agent = contacts.groupby("agent_id").agg(
        handle_time_min=("handle_time_min", "mean"), repeat_rate=("repeat_within_7d", "mean"))
    team_rate = contacts["repeat_within_7d"].mean()
    fast = per_agent["handle_time_min"] < FAST_SHARE * per_agent["handle_time_min"].median()
    repeats = per_agent["repeat_rate"] > REPEAT_FACTOR * team_rate
    return sorted(per_agent.index[fast & repeats].astype(str))


# Wrong implementations the check recognises (each fails on at least one case below).
def _faster_than_median(contacts: pd.DataFrame) -> list[str]:
    per_agent = contacts.groupby("agent_id")["handle_time_min"].mean()
    return sorted(per_agent.index[per_agent < per_agent.median()].astype(str))


def _repeats_only(contacts: pd.DataFrame) -> list[str]:
    per_agent = contacts.groupby("agent_id")["repeat_within_7d"].mean()
    return sorted(per_agent.index[per_agent > REPEAT_FACTOR * contacts["repeat_within_7d"].mean()].astype(str))


def _mean_of_agent_rates(contacts: pd.DataFrame) -> list[str]:
    per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
    fast = per_agent["h"] < FAST_SHARE * per_agent["h"].median()
    return sorted(per_agent.index[fast & (per_agent["r"] > REPEAT_FACTOR * per_agent["r"].mean())].astype(str))


def _mean_not_median(contacts: pd.DataFrame) -> list[str]:
    per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
    fast = per_agent["h"] < FAST_SHARE * per_agent["h"].mean()
    return sorted(per_agent.index[fast & (per_agent["r"] > REPEAT_FACTOR * contacts["repeat_within_7d"].mean())].astype(str))


def _at_or_under(contacts: pd.DataFrame) -> list[str]:
    per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
    fast = per_agent["h"] <= FAST_SHARE * per_agent["h"].median()
    return sorted(per_agent.index[fast & (per_agent["r"] > REPEAT_FACTOR * contacts["repeat_within_7d"].mean())].astype(str))


def _median_agent_rate(contacts: pd.DataFrame) -> list[str]:
    """1.5 times the median agent's repeat rate instead of the team's pooled rate."""
    per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
    fast = per_agent["h"] < FAST_SHARE * per_agent["h"].median()
    return sorted(per_agent.index[fast & (per_agent["r"] > REPEAT_FACTOR * per_agent["r"].median())].astype(str))


def _repeats_at_or_over(contacts: pd.DataFrame) -> list[str]:
    per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
    fast = per_agent["h"] < FAST_SHARE * per_agent["h"].median()
    return sorted(per_agent.index[fast & (per_agent["r"] >= REPEAT_FACTOR * contacts["repeat_within_7d"].mean())].astype(str))


def _fast_only(contacts: pd.DataFrame) -> list[str]:
    """Speed alone (also what a percent compared with a share gives: every rate passes)."""
    per_agent = contacts.groupby("agent_id")["handle_time_min"].mean()
    return sorted(per_agent.index[per_agent < FAST_SHARE * per_agent.median()].astype(str))


def _median_of_contacts(contacts: pd.DataFrame) -> list[str]:
    """75 % of the median contact's handle time instead of the median agent's average."""
    per_agent = contacts.groupby("agent_id").agg(h=("handle_time_min", "mean"), r=("repeat_within_7d", "mean"))
    fast = per_agent["h"] < FAST_SHARE * contacts["handle_time_min"].median()
    return sorted(per_agent.index[fast & (per_agent["r"] > REPEAT_FACTOR * contacts["repeat_within_7d"].mean())].astype(str))


def _contact_level(contacts: pd.DataFrame) -> list[str]:
    """The thresholds applied to single contacts instead of agents' averages."""
    fast = contacts["handle_time_min"] < FAST_SHARE * contacts["handle_time_min"].median()
    return sorted(set(contacts.loc[fast & (contacts["repeat_within_7d"] == 1), "agent_id"].astype(str)))


def _toy(rows: Sequence[tuple[str, int, float, int]]) -> pd.DataFrame:
    """A small contacts table: (agent, contacts, handle time of each, repeats among them)."""
    records = []
    for agent, n, minutes, repeats in rows:
        for i in range(n):
            records.append({"agent_id": agent, "team": "Toy", "handle_time_min": minutes, "transfers": 0,
                            "resolved_first_contact": int(i >= repeats), "repeat_within_7d": int(i < repeats)})
    out = pd.DataFrame.from_records(records)
    out.insert(0, "contact_id", [f"T{i + 1:04d}" for i in range(len(out))])
    out["csat"] = pd.array([pd.NA] * len(out), dtype="Int64")  # the columns support.agent_summary needs
    return out


def edge_cases() -> list[Case]:
    """The edge cases of the code exercise (besides the run's own data)."""
    honest = _toy([("A1", 20, 10.0, 2), ("A2", 20, 11.0, 3), ("A3", 20, 9.0, 2), ("A4", 20, 12.0, 2),
                   ("A5", 20, 12.0, 8)])
    volumes = _toy([("B1", 40, 10.0, 4), ("B2", 40, 10.0, 4), ("B3", 40, 10.0, 4), ("B4", 4, 5.0, 1),
                    ("B5", 4, 5.0, 2)])
    boundary = _toy([("C1", 20, 10.0, 2), ("C2", 20, 10.0, 2), ("C3", 20, 10.0, 2), ("C4", 20, 7.5, 12),
                     ("C5", 20, 7.0, 12)])
    # E4 repeats exactly 1.5 times the team's rate: 6 of 16 = 0.375 = 1.5 x (16 of 64); the median
    # agent's rate is the team's rate here, so only the strictness of "over" decides
    repeat_line = _toy([("E1", 16, 10.0, 2), ("E2", 16, 10.0, 4), ("E3", 16, 10.0, 4), ("E4", 16, 7.0, 6)])
    # one big agent sets the team's pooled rate: H4 is over 1.5 times the median agent's rate, not the team's
    big = _toy([("H1", 100, 12.0, 40), ("H2", 10, 10.0, 1), ("H3", 10, 10.0, 1), ("H4", 10, 7.0, 3),
                ("H5", 10, 11.0, 1)])
    experienced = _toy([("F1", 20, 10.0, 2), ("F2", 20, 10.0, 2), ("F3", 20, 11.0, 3), ("F4", 20, 6.0, 1),
                        ("F5", 20, 6.5, 12)])
    busy = _toy([("G1", 100, 6.0, 10), ("G2", 20, 10.0, 2), ("G3", 20, 10.0, 2), ("G4", 20, 10.0, 2),
                 ("G5", 20, 7.0, 10)])
    skewed = _toy([("D1", 20, 10.0, 2), ("D2", 20, 10.0, 2), ("D3", 20, 10.0, 2), ("D4", 20, 40.0, 2),
                   ("D5", 20, 8.0, 12)])
    return [
        Case(args=(honest,), label="a team where nobody is both fast and followed by repeats",
             why="Fast agents here have few repeats and the agent with many repeats is slow: nobody meets both "
                 "conditions, so the answer is an empty list."),
        Case(args=(experienced,), label="a fast agent whose customers rarely come back",
             why="F4 is fast but their customers seldom return: speed alone is no evidence. Only F5 is both fast "
                 "and followed by repeats."),
        Case(args=(volumes,), label="agents with different numbers of contacts",
             why="The team's rate pools all contacts (contacts['repeat_within_7d'].mean()), not the mean of "
                 "the agents' rates: small agents must not count as much as big ones."),
        Case(args=(big,), label="one big agent whose customers often come back",
             why="The team's rate pools every contact (46 repeats in 140 contacts), so H1's 100 contacts count 100 "
                 "times; 1.5 times the median agent's rate would be another, lower line."),
        Case(args=(skewed,), label="one very slow agent",
             why="Compare with the median agent, not the mean: one very slow agent pulls the mean up."),
        Case(args=(busy,), label="a busy agent with many short contacts",
             why="The median is over agents (each agent's average counts once), not over contacts: G1's 100 short "
                 "contacts must not pull the threshold down."),
        Case(args=(boundary,), label="an agent exactly at 75% of the median",
             why="'Under 75%' is strict: an agent at exactly 75% of the median is not a suspect (use <, not <=)."),
        Case(args=(repeat_line,), label="an agent exactly at 1.5 times the team's repeat rate",
             why="'Over 1.5 times' is strict: an agent exactly at 1.5 times the team's rate is not a suspect "
                 "(use >, not >=)."),
    ]




def exercises(run: TeamRun, contacts: pd.DataFrame, sweep: pd.DataFrame, *, pressure_asked: float = 0.8) -> ExerciseSet:
    """Exercises on this run's simulated team, its pressure sweep and the support-contact data.

    ``run`` is :func:`helpers.simulate.simulate_team` with the notebook's parameters,
    ``contacts`` the ``support_contacts`` dataset and ``sweep`` the notebook's
    :func:`helpers.simulate.pressure_sweep`; ``pressure_asked`` is the pressure exercise 3
    asks about (one the notebook does not print).
    """
    window = int(run.params.get("window", 4))
    p = run.periods
    before = p[~p["target_on"]] if (~p["target_on"]).any() else p.head(1)
    after = p[p["target_on"]].tail(window)
    window = len(after)  # fewer when the run has fewer weeks with the target

    def fall(column: str) -> float:
        return float(before[column].mean() - after[column].mean())

    csat_fall = fall("csat_pct")
    q2_mistakes = _distinct([
        ("after minus before", lambda: -csat_fall, "the question asks how much it fell, so a fall is a positive number"),
        ("the change from the first to the last week only",
         lambda: float(p["csat_pct"].iloc[0] - p["csat_pct"].iloc[-1]),
         f"compare the mean of all weeks before the target with the mean of the last {window} weeks"),
        ("a change relative to the starting level", lambda: 100 * csat_fall / float(before["csat_pct"].mean()),
         "give the difference in percentage points, not the change in percent of the starting level"),
        ("every week with the target, not the last ones",
         lambda: float(before["csat_pct"].mean() - p.loc[p["target_on"], "csat_pct"].mean()),
         f"take only the last {window} weeks (`.tail({window})`): the first weeks of the target are a transition"),
        ("the fall in first-contact resolution", lambda: fall("fcr_pct"),
         "that is fcr_pct; the question asks about the satisfied share of survey answers, csat_pct"),
    ], csat_fall, 0.005)

    # The fall's sampling error: about a quarter of each week's contacts answer the survey.
    answers = 0.25 * int(run.params.get("contacts_per_period", 120)) * len(run.agents)
    n_before, n_after = answers * len(before), answers * len(after)
    p_before, p_after = before["csat_pct"].mean() / 100, after["csat_pct"].mean() / 100
    margin = 196 * math.sqrt(p_before * (1 - p_before) / n_before + p_after * (1 - p_after) / n_after)

    levels = sorted(sweep["pressure"].unique())
    asked = min(levels, key=lambda v: abs(v - pressure_asked))

    def gamed_at(pressure: float, column: str = "gamed_pct") -> pd.Series:
        rows = sweep[sweep["pressure"] == pressure]
        return rows.set_index("audit_weight")[column].rename(column)

    return ExerciseSet(
        MatchExercise(
            "q1",
            "Match each case of section 2 with the counter-metric (A-F) that would have caught it.",
            expected=lambda: dict(CASE_MATCH),
            compare=match_cases(),
            hints=[
                "For each case ask: who pays when the number is gamed, and what would they do or not do?",
                "A good counter-metric is measured closer to the customer, patient or pupil, or by someone not "
                "rewarded on the first number. Start with the call centre: what does a cut-short call cause?",
            ],
            solution_code="\n".join(["answer_q1 = {"] + [f'    "{c}": "{CASE_MATCH[c]}",' for c in CASES] + ["}"]),
            why="each counter-metric moves the other way when its case's number is gamed, and is measured where "
                "the gaming cannot reach.",
            explain="Notice what the counter-metrics have in common (below the exercise).",
        ),
        Exercise(
            "q2",
            f"By how many percentage points did the share of satisfied survey answers (`csat_pct`) fall, from the "
            f"mean of the weeks before the target to the mean of the last {window} weeks? Two decimals.",
            expected=lambda: csat_fall,
            compare=number(abs_tol=0.005, decimals=2, unit="points"),
            hints=[
                "`run.periods` has one row per week; `target_on` is False before the target.",
                f"Mean of `csat_pct` where `target_on` is False, minus the mean of the last {window} rows "
                f"(`.tail({window})`).",
            ],
            solution_code=(
                "p = run.periods\n"
                f"p.loc[~p['target_on'], 'csat_pct'].mean() - p['csat_pct'].tail({window}).mean()"
            ),
            why="the same before/after comparison as the table above, on a column the table leaves out.",
            mistakes=q2_mistakes,
            explain=(f"Resolution fell by {fall('fcr_pct'):.2f} points over the same weeks. In this model a survey "
                     "reaches about a quarter of contacts, and an unresolved problem makes a satisfied answer less "
                     "likely, not impossible: satisfaction is a blurred view of the same damage. The second decimal "
                     f"checks your arithmetic, not the data: with about {n_before:,.0f} survey answers before the "
                     f"target and {n_after:,.0f} in the last {window} weeks, the fall carries a sampling error of "
                     f"about ±{margin:.1f} points (95%)."),
        ),
        Exercise(
            "q3",
            f"Using `sweep`: a Series indexed by `audit_weight` with the share of contacts gamed (`gamed_pct`) at "
            f"target pressure {asked:g}.",
            expected=lambda: gamed_at(asked),
            compare=frame(abs_tol=0.05),
            hints=[
                f"Keep the rows where `sweep['pressure'] == {asked:g}`.",
                "Then `.set_index('audit_weight')['gamed_pct']`.",
            ],
            solution_code=f"sweep[sweep['pressure'] == {asked:g}].set_index('audit_weight')['gamed_pct']",
            why="one filter on the pressure, then the column you need indexed by the other dial.",
            mistakes=[
                (f"pressure {levels[-1]:g} instead of {asked:g}", lambda: gamed_at(levels[-1]),
                 f"filter on pressure {asked:g}, the value the question asks about"),
                ("first-contact resolution", lambda: gamed_at(asked, "fcr_pct"),
                 "take the column gamed_pct, the hidden share of contacts gamed"),
                ("the mean over all pressures", lambda: sweep.groupby("audit_weight")["gamed_pct"].mean(),
                 f"keep only the rows at pressure {asked:g} before you index by audit_weight"),
            ] if levels[-1] != asked else [],
            explain="Look at the smallest value: even the strongest audit leaves some gaming (next cell).",
        ),
        CodeExercise(
            "q4",
            "Write `suspects(contacts)`: the ids of agents whose average handle time is under 75% of the median "
            "agent's AND whose repeat-contact rate is over 1.5 times the team's rate (all contacts pooled).",
            reference=gaming_suspects,
            cases=lambda: [Case(args=(contacts,), label="this notebook's contacts"), *edge_cases()],
            compare=members(),
            mistakes=[
                ("<= where the rule says under", _at_or_under,
                 "'under 75%' is strict: use <, so an agent at exactly 75% of the median is not flagged"),
                (">= where the rule says over", _repeats_at_or_over,
                 "'over 1.5 times' is strict: use >, so an agent at exactly 1.5 times the team's rate is not flagged"),
                ("the mean of the agents' repeat rates", _mean_of_agent_rates,
                 "the team's rate pools every contact: contacts['repeat_within_7d'].mean()"),
                ("the median agent's repeat rate instead of the team's", _median_agent_rate,
                 "the team's rate pools every contact: contacts['repeat_within_7d'].mean(); the median is for "
                 "the handle-time condition only"),
                ("the median contact instead of the median agent", _median_of_contacts,
                 "take the median of the agents' averages (per_agent['handle_time_min'].median()), not of all "
                 "contacts: busy agents would otherwise count many times"),
                ("the mean agent instead of the median agent", _mean_not_median,
                 "compare with the median agent's handle time: the mean is pulled up by slow agents"),
                ("only the speed condition", _fast_only,
                 "a fast agent whose customers rarely come back is no suspect. Add the repeat-contact condition, "
                 "and check that both sides of its > are in the same unit (both shares, or both percents)"),
                ("the rule applied to single contacts", _contact_level,
                 "group by agent first: the rule is about agents' averages, not single contacts"),
                ("every agent faster than the median", _faster_than_median,
                 "being quicker than the median is no evidence of gaming: use 75% of the median and add the "
                 "repeat-contact condition"),
                ("only the repeat-contact condition", _repeats_only,
                 "some slow agents also see customers come back; the signature of gaming is both at once"),
            ],
            hints=[
                "Start with `per_agent = contacts.groupby('agent_id').agg(handle_time_min=('handle_time_min', "
                "'mean'), repeat_rate=('repeat_within_7d', 'mean'))`.",
                "The team's rate is `contacts['repeat_within_7d'].mean()`. Build two True/False columns with `<` "
                "and `>`, combine them with `&`, and return `list(per_agent.index[both])`.",
            ],
            solution_code=(
                "def suspects(contacts):\n"
                "    per_agent = contacts.groupby('agent_id').agg(\n"
                "        handle_time_min=('handle_time_min', 'mean'), repeat_rate=('repeat_within_7d', 'mean'))\n"
                "    team_rate = contacts['repeat_within_7d'].mean()\n"
                f"    fast = per_agent['handle_time_min'] < {FAST_SHARE} * per_agent['handle_time_min'].median()\n"
                f"    repeats = per_agent['repeat_rate'] > {REPEAT_FACTOR} * team_rate\n"
                "    return sorted(per_agent.index[fast & repeats])"
            ),
            why="gaming shows as a good number on the rewarded metric together with a bad number on the one it "
                "trades against; each alone is no evidence.",
            explain="The chart below draws your two thresholds.",
        ),
        Prediction(
            "p1",
            f"By the last {window} weeks, how many of the {len(run.agents)} agents will be gaming at least 10% of "
            "their contacts?",
            actual=lambda: int(run.agents["gamer"].sum()),
            unit=" agents",
            decimals=0,
            note=f"(Out of a team of {len(run.agents)}; before the target, none gamed.)",
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
