"""Self-checks for notebook 03 (designing counter-metrics)."""

from __future__ import annotations

from itertools import combinations
from typing import Any, Callable, Iterable

import pandas as pd

from . import Exercise, ExerciseSet, Reflection, number
from ..simulate import FAKE_ACCOUNT_SIGNALS, Guardrail, MetricSet, build_metric_set, score_fake_account_detection, score_metric_set

__all__ = ["exercises", "MIN_DETECTION", "MAX_FALSE_ALARMS", "best_signal_choice"]

#: Exercise 3: a choice of counter-metrics must detect at least this share of the fakes ...
MIN_DETECTION = 0.80
#: ... while flagging at most this share of genuine accounts for review.
MAX_FALSE_ALARMS = 0.20


def _meets(score: dict[str, Any]) -> bool:
    return score["detection_rate"] >= MIN_DETECTION and score["false_alarm_rate"] <= MAX_FALSE_ALARMS


def best_signal_choice(accounts: pd.DataFrame) -> list[str]:
    """The smallest choice of signals that meets the goal of exercise 3 (ties: the one
    detecting most fakes); if none does, the choice detecting most fakes."""
    names = list(FAKE_ACCOUNT_SIGNALS)
    scored = []
    for size in range(1, len(names) + 1):
        for combo in combinations(names, size):
            s = score_fake_account_detection(accounts, combo)
            scored.append((not _meets(s), size, -s["fakes_detected"], s["genuine_flagged"], list(combo)))
    return min(scored)[-1]


def _signal_comparer(accounts: pd.DataFrame) -> Callable[[Any, Any], str | None]:
    """Accept any choice that meets the goal (or exactly equals the reference)."""

    def compare(answer: Any, expected: Any) -> str | None:
        if isinstance(answer, str):
            answer = [answer]
        if not isinstance(answer, Iterable):
            return f"expected a list of signal names, got {type(answer).__name__} {answer!r}"
        chosen = [str(a) for a in answer]
        unknown = [a for a in chosen if a not in FAKE_ACCOUNT_SIGNALS]
        if unknown:
            return f"{', '.join(map(repr, unknown))} is not a signal; choose from {', '.join(FAKE_ACCOUNT_SIGNALS)}"
        if set(chosen) == {str(e) for e in expected}:
            return None
        s = score_fake_account_detection(accounts, chosen)
        if _meets(s):
            return None
        return (
            f"your choice detects {s['fakes_detected']} of {s['fakes']} fake accounts ({s['detection_rate']:.0%}) "
            f"and sends {s['genuine_flagged']} of {s['genuine']} genuine accounts ({s['false_alarm_rate']:.0%}) "
            f"to review; the goal is at least {MIN_DETECTION:.0%} and at most {MAX_FALSE_ALARMS:.0%}"
        )

    return compare


def exercises(
    sim_agents: pd.DataFrame,
    sample_agents: pd.DataFrame,
    accounts: pd.DataFrame,
    repeat_limit: float,
    fcr_limit: float,
) -> ExerciseSet:
    """Exercises on this run's simulated team, sample-data agents and cross-selling accounts.

    ``sim_agents`` is ``simulate_team(...).agents``; ``sample_agents`` is
    :func:`helpers.support.agent_summary` with a boolean ``gamer`` column (the planted
    truth); ``accounts`` is :func:`helpers.simulate.cross_sell_scenario`.
    """
    repeat_only = MetricSet("handle_time_min", "lower", (Guardrail("repeat_pct", float(repeat_limit), "lower"),))
    default_set = build_metric_set("handle_time_min", repeat_limit, fcr_limit)
    card1 = score_metric_set(sim_agents, repeat_only)
    card2 = score_metric_set(sample_agents, default_set, outcome="fcr_pct")

    q1_compare = number(abs_tol=0)
    q1_mistakes = [
            ("every flagged agent", lambda: card1.honest_flagged + card1.gamers_flagged,
             "count only the flagged agents whose `gamer` is False"),
            ("the gaming agents that were flagged", lambda: card1.gamers_flagged,
             "those are the true positives; the question asks for false alarms"),
        ]
    q2_compare = number(abs_tol=0)
    q2_mistakes = [
            ("every flagged agent", lambda: card2.honest_flagged + card2.gamers_flagged,
             "leave out the planted gamers: the question asks for honest agents"),
        ]
    compare3 = _signal_comparer(accounts)
    q3_mistakes = [
            ("the sales goal itself", lambda: ["eight_plus_products"],
             "a customer with many products is what the goal asks for; the goal cannot police itself"),
            ("only lagging signals", lambda: ["fee_refunded", "complaint"],
             "refunds and complaints need the customer to notice; most never did"),
            ("the sales goal plus a lagging signal", lambda: ["eight_plus_products", "complaint"],
             "the sales goal flags many genuine customers and complaints catch few fakes"),
        ]

    return ExerciseSet(
        Exercise(
            "q1",
            f"Score a metric set with handle time as the primary metric and one counter-metric only, "
            f"repeat contacts above {repeat_limit:g}%, on the simulated team (`sim_agents`). How many "
            "honest agents (`gamer` False) does it flag?",
            expected=lambda: card1.honest_flagged,
            compare=q1_compare,
            hints=[
                "Build it with simulate.MetricSet('handle_time_min', 'lower', "
                f"(simulate.Guardrail('repeat_pct', {repeat_limit:g}, 'lower'),)).",
                "simulate.score_metric_set(sim_agents, that_set) returns a score card; read `honest_flagged`, "
                "or count rows of simulate.flag_agents(...) with flagged True and gamer False.",
            ],
            solution_code=(
                f"repeat_only = simulate.MetricSet('handle_time_min', 'lower', (simulate.Guardrail('repeat_pct', {repeat_limit:g}, 'lower'),))\n"
                "simulate.score_metric_set(sim_agents, repeat_only).honest_flagged"
            ),
            mistakes=q1_mistakes,
            explain="Every false alarm is a conversation with someone who did nothing wrong: keep them rare, and make them conversations, not verdicts.",
        ),
        Exercise(
            "q2",
            f"On the sample data (`sample_agents`), the default set flags agents with repeat contacts above "
            f"{repeat_limit:g}% or first-contact resolution below {fcr_limit:g}%. How many honest agents "
            "(not planted gamers) does it flag?",
            expected=lambda: card2.honest_flagged,
            compare=q2_compare,
            hints=[
                "simulate.flag_agents(sample_agents, default_set) adds a `flagged` column.",
                "Count the rows where `flagged` is True and `gamer` is False.",
            ],
            solution_code=(
                "flags = simulate.flag_agents(sample_agents, default_set)\n"
                "int((flags['flagged'] & ~flags['gamer']).sum())"
            ),
            mistakes=q2_mistakes,
            explain="With 60 contacts per agent, a fixed limit also catches honest agents having an unlucky quarter.",
        ),
        Exercise(
            "q3",
            f"Choose counter-metrics for the cross-selling bank: a list of signal names from "
            f"{', '.join(FAKE_ACCOUNT_SIGNALS)}. An account is sent for review when any chosen signal is "
            f"present. Your choice must catch at least {MIN_DETECTION:.0%} of the planted fake accounts while "
            f"sending at most {MAX_FALSE_ALARMS:.0%} of the genuine accounts to review.",
            expected=lambda: best_signal_choice(accounts),
            compare=compare3,
            hints=[
                "Try each signal on its own with simulate.score_fake_account_detection(accounts, [name]).",
                "Which signal does not depend on the customer noticing anything? A fake account is one the "
                "customer never asked for, so they never use it.",
            ],
            solution_code=(
                "for name in simulate.FAKE_ACCOUNT_SIGNALS:\n"
                "    print(name, simulate.score_fake_account_detection(accounts, [name]))\n"
                "best = ['no_customer_activity']"
            ),
            mistakes=q3_mistakes,
            explain="Activity the customer starts is the leading signal; refunds and complaints arrive late, if at all.",
        ),
        Reflection(
            "r1",
            "Apply the checklist at the end of this notebook to one metric you know (at work, in a course, "
            "in a public service). Answer the five questions in a sentence each.",
            "Metric: tickets closed per agent per week. Rewards: closing, not solving. Gaming: closing "
            "tickets early, splitting one problem into several tickets, avoiding hard ones. Pair with: "
            "tickets reopened within 7 days, and a monthly sample of closed tickets read by a peer. Who it "
            "guides: the team lead planning staffing, not the individual agent's bonus. Review: weekly as a "
            "team trend, and the metric itself every quarter, asking whether it still tracks what customers "
            "need.",
        ),
        Reflection(
            "r2",
            "In the cross-selling scenario, a counter-metric on customer activity would have caught most fake "
            "accounts. Why might a bank under growth pressure still not look at it?",
            "Because the counter-metric lowers the headline. Looking at it turns a celebrated sales number "
            "into a problem that someone must own, and the people who could ask for it are often the ones "
            "praised for the growth. Counter-metrics need a sponsor who is not paid on the primary metric, "
            "and a culture in which bad news travels up without punishment; otherwise the data exists but "
            "nobody reads it.",
        ),
    )
