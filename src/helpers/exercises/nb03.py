"""Exercises of notebook 03 (designing counter-metrics).

- ``q1``, ``q2``: HEART and the North Star, goal -> signal -> metric (choose one option);
- ``p1``: predict how handle time relates to the customer outcome on a gamed team;
- ``q3``: a code exercise: the agents a pair of counter-metrics flags (boundary included);
- ``q4``: design a metric set, scored on fresh simulated teams it was not built on;
- ``q5``: choose counter-metrics that expose fake accounts in a cross-selling bank.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from itertools import combinations, product
from typing import Any

import pandas as pd

from ..simulate import (
    FAKE_ACCOUNT_SIGNALS,
    MetricSet,
    build_metric_set,
    score_fake_account_detection,
    score_metric_set,
    simulate_team,
)
from . import Case, CodeExercise, Exercise, ExerciseSet, Mismatch, Prediction, Reflection, choice, members
from .feedback import Feedback, ____

__all__ = [
    "exercises",
    "flagged_ids",
    "fresh_teams",
    "design_report",
    "best_design",
    "best_signal_choice",
    "MIN_DETECTION",
    "MAX_FALSE_ALARMS",
    "TARGET_CAUGHT",
    "TARGET_HONEST_FLAGGED",
    "TARGET_USEFUL_TEAMS",
    "FRESH_SEED_OFFSETS",
    "HEART_OPTIONS",
    "NORTH_STAR_OPTIONS",
]

#: q5: a choice of counter-metrics must detect at least this share of the fakes ...
MIN_DETECTION = 0.80
#: ... while flagging at most this share of genuine accounts for review.
MAX_FALSE_ALARMS = 0.20

#: q4: the share of gaming agents a metric set must catch on the fresh teams ...
TARGET_CAUGHT = 0.90
#: ... the largest share of honest agents it may flag ...
TARGET_HONEST_FLAGGED = 0.15
#: ... the fresh teams in which handle time must stay useful (of the three: with 40 agents,
#: one team's rank correlation among the unflagged is noisy, so "every team" was out of reach
#: for every set on the grid at about a third of seeds; these targets are reachable at 41 of 42
#: seeds checked, and the first-guess set meets them at none) ...
TARGET_USEFUL_TEAMS = 2
#: ... and the fresh teams: the notebook's seed plus these offsets (never the seed itself).
FRESH_SEED_OFFSETS = (1009, 2003, 3001)

#: The side of its limit on which each measured counter-metric is bad.
_BAD_WHEN = {"repeat_pct": "above", "fcr_pct": "below", "csat_pct": "below"}

#: Columns only the simulation knows: a dashboard cannot use them.
_HIDDEN = ("gamed_pct", "true_fcr_pct", "gamer", "times_caught")

HEART_OPTIONS = {
    "page views": "signal: students open the quiz page; metric: quiz page views per week",
    "no help ticket": "signal: a quiz submitted with no help request about it; metric: share of submitted quizzes "
                      "with no help ticket about them within two days",
    "quiz rating": "signal: students say they liked the quiz; metric: average star rating of the quiz",
    "response time": "signal: staff answer help tickets quickly; metric: median hours to the first staff reply",
}
NORTH_STAR_OPTIONS = {
    "handle time": "average handle time per contact",
    "solved for good": "customers per month whose issue was solved with no repeat contact within 7 days",
    "contacts per agent": "contacts handled per agent per day",
    "csat": "CSAT of the surveyed contacts (share of answers of 4 or 5)",
}


# ----------------------------------------------------------------------------- q3


def flagged_ids(agents: pd.DataFrame, repeat_limit: float, fcr_limit: float) -> list[str]:
    """The reference of q3: agents whose repeat contacts are above ``repeat_limit`` or whose
    first-contact resolution is below ``fcr_limit`` (strictly; the limit itself is fine)."""
    hit = (agents["repeat_pct"] > repeat_limit) | (agents["fcr_pct"] < fcr_limit)
    return sorted(agents.loc[hit, "agent_id"].astype(str))


def _inclusive(agents: pd.DataFrame, repeat_limit: float, fcr_limit: float) -> list[str]:
    hit = (agents["repeat_pct"] >= repeat_limit) | (agents["fcr_pct"] <= fcr_limit)
    return sorted(agents.loc[hit, "agent_id"].astype(str))


def _both(agents: pd.DataFrame, repeat_limit: float, fcr_limit: float) -> list[str]:
    hit = (agents["repeat_pct"] > repeat_limit) & (agents["fcr_pct"] < fcr_limit)
    return sorted(agents.loc[hit, "agent_id"].astype(str))


def _swapped(agents: pd.DataFrame, repeat_limit: float, fcr_limit: float) -> list[str]:
    hit = (agents["repeat_pct"] < repeat_limit) | (agents["fcr_pct"] > fcr_limit)
    return sorted(agents.loc[hit, "agent_id"].astype(str))


def _boundary_agents(repeat_limit: float, fcr_limit: float) -> pd.DataFrame:
    return pd.DataFrame({
        "agent_id": ["X1", "X2", "X3", "X4"],
        "handle_time_min": [7.0, 6.5, 8.0, 5.0],
        "repeat_pct": [float(repeat_limit), float(repeat_limit) - 5, float(repeat_limit) + 0.1, float(repeat_limit) - 5],
        "fcr_pct": [float(fcr_limit) + 5, float(fcr_limit), float(fcr_limit) + 5, float(fcr_limit) - 0.1],
    })


# ----------------------------------------------------------------------------- q4


def fresh_teams(seed: int, pressure: float, incentive_weight: float, team_size: int, periods: int) -> list[pd.DataFrame]:
    """Per-agent frames of simulated teams the learner has not seen: the notebook's model and
    parameters under the seeds ``seed + offset`` for each of :data:`FRESH_SEED_OFFSETS`."""
    return [simulate_team(pressure, incentive_weight, 0.0, team_size, periods, int(seed) + k).agents
            for k in FRESH_SEED_OFFSETS]


def design_report(metric_set: MetricSet, teams: Sequence[pd.DataFrame]) -> dict[str, Any]:
    """Score ``metric_set`` on every team: gamers caught, honest agents flagged (pooled over
    the teams) and in how many teams the primary metric stays useful, with the targets met."""
    cards = [score_metric_set(t, metric_set, outcome="true_fcr_pct") for t in teams]
    gamers = sum(c.gamers for c in cards)
    honest = sum(c.honest for c in cards)
    caught = sum(c.gamers_flagged for c in cards)
    flagged = sum(c.honest_flagged for c in cards)
    useful = sum(c.primary_useful for c in cards)
    caught_rate = caught / gamers if gamers else 1.0
    flagged_rate = flagged / honest if honest else 0.0
    met = {
        "caught": caught_rate >= TARGET_CAUGHT,
        "honest": flagged_rate <= TARGET_HONEST_FLAGGED,
        "useful": useful >= min(TARGET_USEFUL_TEAMS, len(cards)),
    }
    text = (
        f"on {len(cards)} fresh teams it catches {caught} of {gamers} gaming agents ({caught_rate:.0%}; target at least "
        f"{TARGET_CAUGHT:.0%}), flags {flagged} of {honest} honest agents ({flagged_rate:.0%}; target at most "
        f"{TARGET_HONEST_FLAGGED:.0%}), and handle time stays useful in {useful} of {len(cards)} teams (target: at least {min(TARGET_USEFUL_TEAMS, len(cards))})"
    )
    return {"caught": caught, "gamers": gamers, "honest_flagged": flagged, "honest": honest, "useful_teams": useful,
            "teams": len(cards), "met": met, "score": (sum(met.values()), caught_rate - flagged_rate), "text": text}


def best_design(teams: Sequence[pd.DataFrame]) -> MetricSet:
    """The handle-time set (repeat and FCR limits on a grid) that meets most targets on ``teams``,
    then has the widest gap between gamers caught and honest agents flagged."""
    best: tuple[tuple[int, float], MetricSet] | None = None
    for r, f in product([None, 16, 18, 20, 22, 24, 26, 28, 30], [None, 55, 60, 62.5, 65, 67.5, 70, 72.5, 75]):
        if r is None and f is None:
            continue
        ms = build_metric_set("handle_time_min", r, f)
        score = design_report(ms, teams)["score"]
        if best is None or score > best[0]:
            best = (score, ms)
    assert best is not None
    return best[1]


def _set_problem(answer: Any, columns: Iterable[str]) -> str | None:
    cols = set(columns)
    if not isinstance(answer, MetricSet):
        return (f"pass a metric set, not {type(answer).__name__}: build it with simulate.build_metric_set(...) or "
                "simulate.MetricSet('handle_time_min', 'lower', (simulate.Guardrail(...), ...))")
    if answer.primary != "handle_time_min":
        return f"this exercise keeps handle time as the primary metric; your set has {answer.primary!r}"
    hidden = [g.metric for g in answer.counters if g.metric in _HIDDEN]
    if hidden:
        return (f"{', '.join(hidden)} is the simulation's hidden truth, which no dashboard can see: use measured "
                "columns such as repeat_pct, fcr_pct or csat_pct")
    unknown = [g.metric for g in answer.counters if g.metric not in cols]
    if unknown:
        return f"{', '.join(unknown)} is not a column of the agents frame; measured columns: repeat_pct, fcr_pct, csat_pct"
    if not answer.counters:
        return "a set without counter-metrics flags nobody, so it catches no gamer; add at least one Guardrail"
    wrong_way = [g for g in answer.counters if g.metric in _BAD_WHEN and g.flag_when != _BAD_WHEN[g.metric]]
    if wrong_way:
        g = wrong_way[0]
        return (f"Guardrail({g.metric!r}, {g.limit:g}, flag_when={g.flag_when!r}) flags the agents who do well on it: "
                f"{g.metric} is bad when it is {_BAD_WHEN[g.metric]} its limit, so use flag_when={_BAD_WHEN[g.metric]!r}")
    return None


class DesignExercise(Exercise):
    """q4: the answer is a metric set, judged on fresh teams against stated targets; the
    feedback always reports all three numbers."""

    teams: Sequence[pd.DataFrame] = ()
    first_guess: tuple[float, float] = (0.0, 0.0)

    def check(self, answer: Any = ____) -> Feedback:
        fb = super().check(answer)
        if fb.correct and isinstance(answer, MetricSet):
            report = design_report(answer, self.teams)
            note = "" if all(report["met"].values()) else (
                " No set of repeat and FCR limits reaches every target on these teams; yours does as well as the best.")
            return dataclasses.replace(fb, message=f"{fb.message} Your set: {report['text']}.{note}")
        return fb


def _design_compare(teams: Sequence[pd.DataFrame], first_guess: tuple[float, float]) -> Callable[[Any, Any], Mismatch | None]:
    columns = teams[0].columns

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        problem = _set_problem(answer, columns)
        if problem:
            return Mismatch(problem)
        report = design_report(answer, teams)
        if all(report["met"].values()):
            return None
        best = design_report(expected, teams)
        if not all(best["met"].values()) and report["score"][0] >= best["score"][0]:
            return None  # no set on the grid reaches every target on these teams; as good as the best is enough
        missed = [name for name, ok in report["met"].items() if not ok]
        advice = {
            "caught": "tighten a limit (a lower repeat limit or a higher FCR limit) to catch more gamers",
            "honest": "loosen a limit: too many honest agents are flagged",
            "useful": "in some team the unflagged agents still include gamers or the order is noise: try limits between",
        }
        message = f"not yet: {report['text']}. To do: " + "; ".join(advice[m] for m in missed)
        limits = {g.metric: g.limit for g in answer.counters}
        if limits == {"repeat_pct": first_guess[0], "fcr_pct": first_guess[1]}:
            message += ". This is the notebook's first-guess set unchanged: scoring it is where design starts"
        return Mismatch(message)

    return compare


# ----------------------------------------------------------------------------- q5


def _meets(score: dict[str, Any]) -> bool:
    return bool(score["detection_rate"] >= MIN_DETECTION and score["false_alarm_rate"] <= MAX_FALSE_ALARMS)


def best_signal_choice(accounts: pd.DataFrame) -> list[str]:
    """The smallest choice of signals that meets the goal of q5 (ties: the one detecting most
    fakes); if none does, the choice detecting most fakes."""
    names = list(FAKE_ACCOUNT_SIGNALS)
    scored = []
    for size in range(1, len(names) + 1):
        for combo in combinations(names, size):
            s = score_fake_account_detection(accounts, combo)
            scored.append((not _meets(s), size, -s["fakes_detected"], s["genuine_flagged"], list(combo)))
    return list(min(scored)[-1])


def _signal_comparer(accounts: pd.DataFrame) -> Callable[[Any, Any], Mismatch | None]:
    """Accept any choice that meets the goal (or exactly equals the reference)."""

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        if isinstance(answer, str):
            answer = [answer]
        if not isinstance(answer, Iterable):
            return Mismatch(f"expected a list of signal names, got {type(answer).__name__} {answer!r}")
        chosen = [str(a).strip().lower().replace(" ", "_").replace("-", "_") for a in answer]
        unknown = [a for a in chosen if a not in FAKE_ACCOUNT_SIGNALS]
        if unknown:
            return Mismatch(f"{', '.join(map(repr, unknown))} is not a signal; choose from {', '.join(FAKE_ACCOUNT_SIGNALS)}")
        if set(chosen) == {str(e) for e in expected}:
            return None
        s = score_fake_account_detection(accounts, chosen)
        if _meets(s):
            return None
        return Mismatch(
            f"your choice detects {s['fakes_detected']} of {s['fakes']} fake accounts ({s['detection_rate']:.0%}) "
            f"and sends {s['genuine_flagged']} of {s['genuine']} genuine accounts ({s['false_alarm_rate']:.0%}) "
            f"to review; the goal is at least {MIN_DETECTION:.0%} and at most {MAX_FALSE_ALARMS:.0%}",
            generic=True,
        )

    return compare


# ----------------------------------------------------------------------------- the set


def exercises(
    sim_agents: pd.DataFrame,
    sample_agents: pd.DataFrame,
    accounts: pd.DataFrame,
    repeat_limit: float,
    fcr_limit: float,
    *,
    seed: int = 42,
    pressure: float = 0.6,
    incentive_weight: float = 0.5,
    team_size: int = 40,
    periods: int = 12,
) -> ExerciseSet:
    """The exercises on this run's data.

    ``sim_agents`` is ``simulate_team(...).agents``; ``sample_agents`` is
    :func:`helpers.support.agent_summary` with a boolean ``gamer`` column; ``accounts`` is
    :func:`helpers.simulate.cross_sell_scenario`; the limits are the notebook's first guess;
    the team parameters build the fresh teams of q4.
    """
    heart = Exercise(
        "q1",
        "HEART, Task success, for an online course: the goal is 'students complete the weekly quiz without "
        "needing help'. Which option is a signal and a metric for that goal? Answer with its key: "
        + "; ".join(f"{k!r}: {v}" for k, v in HEART_OPTIONS.items()),
        expected=lambda: "no help ticket",
        compare=choice(list(HEART_OPTIONS)),
        hints=["Task success asks whether people reached their goal, not how busy they were or how they felt.",
               "Which option would change if students got stuck on the quiz?"],
        solution_code="answer_q1 = 'no help ticket'",
        why="goal -> signal -> metric: a stuck student asks for help, so a submission without a help request is the signal of unaided success",
        mistakes=[
            ("page views", lambda: "page views", "page views count activity (a PULSE-style measure): a stuck student opens the page too"),
            ("quiz rating", lambda: "quiz rating", "liking the quiz is Happiness, another HEART category, not Task success"),
            ("response time", lambda: "response time", "that measures the staff's speed; the goal is about students not needing help at all"),
        ],
        explain="The same goal could be gamed (discourage help requests), so pair it with a check that help stays easy to ask for.",
    )
    north = Exercise(
        "q2",
        "North Star for the support team of notebook 01: one metric that captures the value customers get. Which "
        "option? Answer with its key: " + "; ".join(f"{k!r}: {v}" for k, v in NORTH_STAR_OPTIONS.items()),
        expected=lambda: "solved for good",
        compare=choice(list(NORTH_STAR_OPTIONS)),
        hints=["A North Star counts customers who got value, not effort spent or speed.",
               "Which option would fall if agents rushed calls to meet a handle-time target?"],
        solution_code="answer_q2 = 'solved for good'",
        why="customers whose problem stayed solved is the value a support team delivers; the others are inputs or activity",
        mistakes=[
            ("handle time", lambda: "handle time", "handle time is an efficiency input at best, and the metric that was gamed in notebook 01"),
            ("contacts per agent", lambda: "contacts per agent", "contacts handled is activity: it rises when problems come back"),
            ("csat", lambda: "csat", "CSAT is a Happiness input from a small, self-selected slice of customers, not the value itself"),
        ],
        explain="Its inputs: reach (customers who find help), first-contact resolution, contacts per customer, time to resolution.",
    )

    default_card = score_metric_set(sim_agents, build_metric_set("handle_time_min", repeat_limit, fcr_limit), outcome="true_fcr_pct")
    predict = Prediction(
        "p1",
        "Across all agents of the simulated team, what is the rank correlation between speed (handle time, "
        "oriented so that + means faster goes with better outcomes) and the true resolution rate? A number from -1 to +1.",
        actual=lambda: default_card.corr_all,
        decimals=2,
        note="A rank correlation lies between -1 and +1. Negative means the fastest agents resolve least: steering "
             "by speed alone steers towards worse service.",
    )

    def cases() -> list[Case]:
        return [
            Case(args=(sim_agents, repeat_limit, fcr_limit), label="the simulated team"),
            Case(args=(sample_agents, repeat_limit, fcr_limit), label="the sample contact centre"),
            Case(args=(_boundary_agents(repeat_limit, fcr_limit), repeat_limit, fcr_limit), label="agents exactly at a limit",
                 why="The rule is strictly above or below: an agent exactly at the limit is not flagged."),
            Case(args=(sim_agents, 100.0, 0.0), label="limits nobody breaches", why="Return an empty list when nobody is flagged."),
        ]

    code = CodeExercise(
        "q3",
        "Write `flagged_ids(agents, repeat_limit, fcr_limit)`: the sorted ids (`agent_id`) of the agents whose "
        "repeat contacts (`repeat_pct`) are above `repeat_limit` or whose first-contact resolution (`fcr_pct`) is "
        "below `fcr_limit`.",
        reference=flagged_ids,
        cases=cases,
        compare=members(),
        mistakes=[
            ("the limit counted as a breach", _inclusive,
             f"an agent exactly at the limit meets it: the rule is 'above {repeat_limit:g}', not 'at or above'. "
             "Use > and <, not >= and <="),
            ("both counter-metrics required", _both,
             "an agent is flagged when any counter-metric breaches: combine the two conditions with | (or), not & (and)"),
            ("the directions swapped", _swapped,
             "repeat contacts are bad when high and resolution when low: flag repeat_pct above its limit, fcr_pct below its limit"),
        ],
        hints=["Build one True/False condition per counter-metric, then combine them with |.",
               "hit = (agents['repeat_pct'] > repeat_limit) | (agents['fcr_pct'] < fcr_limit); return the ids where hit is True."],
        solution_code=(
            "def flagged_ids(agents, repeat_limit, fcr_limit):\n"
            "    hit = (agents['repeat_pct'] > repeat_limit) | (agents['fcr_pct'] < fcr_limit)\n"
            "    return sorted(agents.loc[hit, 'agent_id'])\n"
            "# the helper: simulate.flag_agents(agents, simulate.build_metric_set('handle_time_min', repeat_limit, fcr_limit))"
        ),
        why="a counter-metric flags when it crosses its limit, and any one breach is enough to start a conversation",
        explain="simulate.flag_agents does the same for any metric set, and names the breached rule in `reasons`.",
    )

    teams = fresh_teams(seed, pressure, incentive_weight, team_size, periods)
    best = best_design(teams)
    best_limits = ", ".join(f"{g.metric} {'above' if g.flag_when == 'above' else 'below'} {g.limit:g}" for g in best.counters)
    design = DesignExercise(
        "q4",
        f"Design a metric set with handle time as its primary metric. It is scored on {len(teams)} fresh simulated "
        "teams (the same model and parameters, other seeds) and must catch at least "
        f"{TARGET_CAUGHT:.0%} of their gaming agents, flag at most {TARGET_HONEST_FLAGGED:.0%} of their honest agents, "
        "and leave handle time useful (rank correlation with the true outcome at least 0.3 among the unflagged, and "
        f"a gamer caught) in at least {TARGET_USEFUL_TEAMS} of the {len(teams)} teams.",
        expected=lambda: best,
        compare=_design_compare(teams, (float(repeat_limit), float(fcr_limit))),
        hints=[
            "Start from the first-guess set and score variations on `sim_agents` with simulate.score_metric_set; "
            "then check on the fresh teams. A set tuned too closely to one team may fail on others.",
            "Catching more gamers means a lower repeat limit or a higher FCR limit; every step also flags more honest "
            "agents. Try repeat limits from 18 to 30 and FCR limits from 55 to 75.",
        ],
        solution_code=(
            "for r in [18, 20, 22, 24, 26, 28, 30]:\n"
            "    ms = simulate.build_metric_set('handle_time_min', repeat_limit=r, fcr_limit=None)\n"
            "    print(r, simulate.score_metric_set(sim_agents, ms, outcome='true_fcr_pct'))\n"
            f"# one set that meets the targets on the fresh teams: {best_limits}"
        ),
        why="a metric set is only as good as its score on teams it was not tuned on: gamers caught, honest agents spared, primary still meaningful",
        explain="In a real organisation the fresh teams are next quarter: score the set again before trusting it.",
    )
    design.teams = teams
    design.first_guess = (float(repeat_limit), float(fcr_limit))

    compare5 = _signal_comparer(accounts)
    cross = Exercise(
        "q5",
        f"Choose counter-metrics for the cross-selling bank: a list of signal names from "
        f"{', '.join(FAKE_ACCOUNT_SIGNALS)}. An account is sent for review when any chosen signal is present. Your "
        f"choice must catch at least {MIN_DETECTION:.0%} of the planted fake accounts while sending at most "
        f"{MAX_FALSE_ALARMS:.0%} of the genuine accounts to review.",
        expected=lambda: best_signal_choice(accounts),
        compare=compare5,
        hints=[
            "Try each signal on its own with simulate.score_fake_account_detection(accounts, [name]).",
            "Which signal does not depend on the customer noticing anything? A fake account is one the customer "
            "never asked for, so they never use it.",
        ],
        solution_code=(
            "for name in simulate.FAKE_ACCOUNT_SIGNALS:\n"
            "    print(name, simulate.score_fake_account_detection(accounts, [name]))\n"
            f"best = {best_signal_choice(accounts)!r}"
        ),
        why="the signal must exist whether or not the customer notices: activity the customer starts",
        mistakes=[
            ("the sales goal itself", lambda: ["eight_plus_products"],
             "a customer with many products is what the goal asks for; the goal cannot police itself"),
            ("only the signals that need the customer to notice", lambda: ["fee_refunded", "complaint"],
             "refunds and complaints need the customer to notice; most never did, so these signals are rare"),
            ("the sales goal plus a complaint", lambda: ["eight_plus_products", "complaint"],
             "the sales goal flags many genuine customers and complaints catch few fakes"),
        ],
        explain="Activity the customer starts exists for every account; refunds and complaints are rare, because they need the customer to notice.",
    )

    return ExerciseSet(
        heart,
        north,
        predict,
        code,
        design,
        cross,
        Reflection(
            "r1",
            "Apply the checklist at the end of this notebook to one metric you know (at work, in a course, in a "
            "public service). Answer the five questions in a sentence each.",
            "Metric: tickets closed per agent per week. Rewards: closing, not solving. Gaming: closing tickets "
            "early, splitting one problem into several tickets, avoiding hard ones. Pair with: tickets reopened "
            "within 7 days, counted by customer across channels, and a monthly sample of closed tickets read by a "
            "peer. Who it guides: the team lead planning staffing, not the individual agent's bonus; per agent there "
            "are too few tickets a week to rank anyone. Review: weekly as a team trend, and the metric itself every "
            "quarter, asking whether it still tracks what customers need and whether its pair is being gamed.",
        ),
        Reflection(
            "r2",
            "In the cross-selling scenario, a counter-metric on customer activity would have caught most fake "
            "accounts. Why might a bank under growth pressure still not look at it?",
            "Because the counter-metric lowers the headline. Looking at it turns a celebrated sales number into a "
            "problem that someone must own, and the people who could ask for it are often the ones praised for the "
            "growth. Counter-metrics need a sponsor who is not paid on the primary metric, and a culture in which bad "
            "news travels up without punishment; otherwise the data exists but nobody reads it.",
        ),
    )
