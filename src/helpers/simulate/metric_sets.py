"""Scoring a metric set (notebook 03): :class:`Guardrail`, :class:`MetricSet`,
:func:`build_metric_set`, :func:`flag_agents`, :func:`score_metric_set`,
:func:`scorecard_chart`, :func:`scorecard_view` (Grove's paired indicators), and the
cross-selling scenario :func:`cross_sell_scenario`, :func:`detect_fake_accounts`,
:func:`score_fake_account_detection`, :func:`employee_summary`, :func:`cross_sell_chart`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping

import altair as alt
import numpy as np
import pandas as pd

from .. import charts
from ..validate import require_columns as _require
from ..charts import FastChart
from ._common import Better, _agent_ids, _count, _n, _q, _records, _unit
from .league import spearman


# ======================================================================================
# 3. Scoring a metric set (notebook 03)
# ======================================================================================


FlagWhen = Literal["above", "below"]


@dataclass(frozen=True)
class Guardrail:
    """A counter-metric with a limit, read as the rule it applies.

    ``Guardrail("repeat_pct", 25, flag_when="above")`` flags an agent whose repeat
    contacts are above 25 %; ``Guardrail("fcr_pct", 65, flag_when="below")`` flags
    first-contact resolution below 65 %. The limit itself is not a breach (strictly
    above or below). A missing value is not a breach.
    """

    metric: str
    limit: float
    flag_when: FlagWhen = "above"

    def __post_init__(self) -> None:
        if self.flag_when not in ("above", "below"):
            raise ValueError(
                f"flag_when must be 'above' or 'below' (flag the agent when {self.metric} is above or below "
                f"{self.limit:g}); got {self.flag_when!r}"
            )

    def breached(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Boolean array: True where ``values`` are strictly beyond the limit."""
        v = np.asarray(values, dtype=float)
        return v > self.limit if self.flag_when == "above" else v < self.limit

    @property
    def label(self) -> str:
        return f"{self.metric} {'>' if self.flag_when == 'above' else '<'} {self.limit:g}"


@dataclass(frozen=True)
class MetricSet:
    """A primary metric plus counter-metrics (Grove's paired indicators).

    ``primary`` is the metric the team is steered by, ``primary_better`` its good
    direction. An agent is *flagged* when any counter-metric breaches its limit: a
    prompt for a conversation (call reviews, coaching), not a verdict.
    """

    primary: str
    primary_better: Better = "lower"
    counters: tuple[Guardrail, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if self.primary_better not in ("higher", "lower"):
            raise ValueError(f"primary_better must be 'higher' or 'lower'; got {self.primary_better!r}")
        object.__setattr__(self, "counters", tuple(self.counters))

    @property
    def label(self) -> str:
        pairs = "; ".join(g.label for g in self.counters) or "no counter-metrics"
        return f"{self.name or self.primary} ({pairs})"


#: Average handle time paired with repeat contacts and first-contact resolution.
DEFAULT_METRIC_SET = MetricSet(
    primary="handle_time_min",
    primary_better="lower",
    counters=(Guardrail("repeat_pct", 25.0, flag_when="above"), Guardrail("fcr_pct", 65.0, flag_when="below")),
    name="handle time with two counter-metrics",
)



def flag_agents(agents: pd.DataFrame, metric_set: MetricSet = DEFAULT_METRIC_SET) -> pd.DataFrame:
    """Apply a metric set to per-agent metrics.

    Returns ``agents`` with one boolean column per counter-metric (named by its label,
    e.g. ``"repeat_pct > 25"``), ``flagged`` (any breach) and ``reasons`` (the breached
    labels, joined by "; "). With no counter-metrics nobody is flagged.
    """
    _require(agents, [metric_set.primary, *(g.metric for g in metric_set.counters)], "the agents frame")
    out = agents.copy()
    flagged = np.zeros(len(out), dtype=bool)
    reasons = np.full(len(out), "", dtype=object)
    for g in metric_set.counters:
        hit = g.breached(out[g.metric])
        out[g.label] = hit
        flagged |= hit
        reasons = np.where(hit, np.where(reasons == "", g.label, reasons + "; " + g.label), reasons)
    out["flagged"] = flagged
    out["reasons"] = reasons
    return out


@dataclass(frozen=True)
class ScoreCard:
    """How well a metric set separates gaming from honest agents (see :func:`score_metric_set`)."""

    metric_set: str
    agents: int
    gamers: int
    gamers_flagged: int
    honest: int
    honest_flagged: int
    corr_all: float
    corr_unflagged: float
    useful_threshold: float = 0.3

    @property
    def primary_useful(self) -> bool:
        """The primary metric still points the right way among the agents left unflagged
        (rank correlation with the outcome at least ``useful_threshold``, 0.3, a common
        rule of thumb for a moderate association) **and** the set protects it: when there
        are gamers, at least one is caught. A set that catches none leaves every gamer
        in the "unflagged" group, so a correlation there says nothing about protection."""
        protected = self.gamers == 0 or self.gamers_flagged > 0
        return bool(protected and np.isfinite(self.corr_unflagged) and self.corr_unflagged >= self.useful_threshold)

    @property
    def verdict(self) -> str:
        """"still useful", or why not, in a few words."""
        if self.gamers > 0 and self.gamers_flagged == 0:
            return "not protected: no gamer is caught"
        if not np.isfinite(self.corr_unflagged):
            return "not useful: too few agents left unflagged"
        if self.corr_unflagged < self.useful_threshold:
            return f"not useful: rank correlation below {self.useful_threshold:g}"
        return "still useful"

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric set": self.metric_set,
            "gamers flagged": f"{self.gamers_flagged} of {self.gamers}",
            "honest agents flagged": f"{self.honest_flagged} of {self.honest}",
            "rank corr., all agents": round(self.corr_all, 2),
            "rank corr., unflagged": round(self.corr_unflagged, 2),
            "primary": self.verdict,
        }

    def __str__(self) -> str:
        return (
            f"{self.metric_set}: flags {self.gamers_flagged} of {self.gamers} gaming agents and "
            f"{self.honest_flagged} of {self.honest} honest agents; rank correlation of the primary metric "
            f"with the customer outcome: {self.corr_all:+.2f} for all agents, {self.corr_unflagged:+.2f} for the "
            f"unflagged ({self.verdict})."
        )


def _oriented_corr(primary: np.ndarray, outcome: np.ndarray, better: Better) -> float:
    if primary.size < 3:
        return float("nan")
    sign = 1.0 if better == "higher" else -1.0
    return float(spearman(sign * primary, outcome))


def _breaches(agents: pd.DataFrame, metric_set: MetricSet) -> np.ndarray:
    """Boolean array: agents breaching at least one counter-metric of the set."""
    _require(agents, [metric_set.primary, *(g.metric for g in metric_set.counters)], "the agents frame")
    hit = np.zeros(len(agents), dtype=bool)
    for g in metric_set.counters:
        hit |= g.breached(agents[g.metric].to_numpy(dtype=float))
    return hit


def _score(agents: pd.DataFrame, metric_set: MetricSet, hit: np.ndarray, truth: str, outcome: str) -> ScoreCard:
    _require(agents, [truth, outcome], "score_metric_set")
    is_gamer = agents[truth].to_numpy(dtype=bool)
    primary = agents[metric_set.primary].to_numpy(dtype=float)
    result = agents[outcome].to_numpy(dtype=float)
    return ScoreCard(
        metric_set=metric_set.label,
        agents=len(agents),
        gamers=int(is_gamer.sum()),
        gamers_flagged=int((is_gamer & hit).sum()),
        honest=int((~is_gamer).sum()),
        honest_flagged=int((~is_gamer & hit).sum()),
        corr_all=_oriented_corr(primary, result, metric_set.primary_better),
        corr_unflagged=_oriented_corr(primary[~hit], result[~hit], metric_set.primary_better),
    )


def score_metric_set(
    agents: pd.DataFrame,
    metric_set: MetricSet = DEFAULT_METRIC_SET,
    *,
    truth: str = "gamer",
    outcome: str | None = None,
) -> ScoreCard:
    """Score a metric set against agents whose gaming status is known.

    * ``gamers_flagged`` / ``gamers``: gaming agents (``truth`` column True) caught by
      at least one counter-metric (true positives);
    * ``honest_flagged`` / ``honest``: honest agents flagged anyway (false alarms);
    * ``corr_all`` and ``corr_unflagged``: Spearman correlation between the primary
      metric (oriented so that positive means "better on the primary goes with a better
      outcome") and the customer ``outcome`` column, over all agents and over the
      agents the set leaves unflagged. The primary metric is called still useful when
      the latter is at least 0.3 (a rule of thumb).

    For the simulated team the outcome is the hidden ``true_fcr_pct`` (used when
    ``outcome`` is not given and the column exists); for sample data, where no hidden
    truth exists, pass ``outcome="fcr_pct"``. The outcome must not be the primary metric
    itself (that correlation is +1 by construction).
    """
    outcome = _outcome_column(agents, metric_set, outcome)
    return _score(agents, metric_set, _breaches(agents, metric_set), truth, outcome)


def _outcome_column(agents: pd.DataFrame, metric_set: MetricSet, outcome: str | None) -> str:
    """The outcome column to score against, or a one-line error naming what to pass."""
    if outcome is None:
        if "true_fcr_pct" in agents.columns:
            outcome = "true_fcr_pct"
        else:
            raise ValueError(
                "score_metric_set needs outcome=: the column holding the customer outcome, for example "
                "outcome='fcr_pct' for measured data (outcome='true_fcr_pct' for the simulated team); "
                f"columns here: {', '.join(map(str, agents.columns))}"
            )
    if outcome == metric_set.primary:
        raise ValueError(
            f"the primary metric and the outcome are the same column ({outcome!r}): a metric always agrees "
            "with itself (rank correlation +1), so this says nothing; pick another primary or outcome"
        )
    return outcome


#: Axis titles for the per-agent columns used by the scorecards.
_AXIS_TITLES = {
    "handle_time_min": "average handle time (min)",
    "fcr_pct": "first-contact resolution (%)",
    "true_fcr_pct": "true resolution rate (%)",
    "repeat_pct": "repeat contacts within 7 days (%)",
    "csat_pct": "CSAT, top-2-box (%)",
}


def scorecard_chart(
    agents: pd.DataFrame,
    metric_set: MetricSet = DEFAULT_METRIC_SET,
    *,
    truth: str = "gamer",
    outcome: str | None = None,
    title: str = "Scorecard",
    width: int = 300,
    height: int = 230,
) -> FastChart:
    """One point per agent: primary metric (better to the right) against the customer
    outcome; orange when the metric set flags the agent, a triangle when the agent
    really games (the hidden truth). The subtitle gives the score."""
    outcome = _outcome_column(agents, metric_set, outcome)
    hit = _breaches(agents, metric_set)
    card = _score(agents, metric_set, hit, truth, outcome)
    ids = agents["agent_id"] if "agent_id" in agents else pd.Series(np.arange(len(agents)).astype(str))
    data = pd.DataFrame(
        {
            "agent_id": ids.to_numpy(),
            "primary": agents[metric_set.primary].to_numpy(dtype=float),
            "outcome": agents[outcome].to_numpy(dtype=float),
            "truth": np.where(agents[truth].to_numpy(dtype=bool), "gaming", "honest"),
            "metric set": np.where(hit, "flagged", "not flagged"),
        }
    )
    corr = "n/a" if not np.isfinite(card.corr_unflagged) else f"{card.corr_unflagged:+.2f}"
    spec = {
        "data": {"values": _records(data)},
        "mark": {"type": "point", "size": 70, "filled": True, "opacity": 0.85},
        "encoding": {
            "x": _q("primary", _AXIS_TITLES.get(metric_set.primary, metric_set.primary) + (", better to the right" if metric_set.primary_better == "lower" else ""),
                    scale={"zero": False, "reverse": metric_set.primary_better == "lower"}, axis={"tickCount": 5}),
            "y": _q("outcome", _AXIS_TITLES.get(outcome, outcome), scale={"zero": False}, axis={"tickCount": 5}),
            "shape": _n("truth", "truth", scale={"domain": ["honest", "gaming"], "range": ["circle", "triangle-up"]}),
            "color": _n("metric set", "metric set", scale={"domain": ["not flagged", "flagged"], "range": ["#8c8c8c", charts.PALETTE[5]]}),
        },
        "title": {
            "text": title,
            "subtitle": [
                f"flags {card.gamers_flagged} of {card.gamers} gaming, {card.honest_flagged} of {card.honest} honest agents",
                f"rank correlation with the outcome, unflagged agents: {corr} ({card.verdict})",
            ],
        },
        "width": width,
        "height": height,
        "description": f"Scatter plot of {card.agents} agents, {metric_set.primary} against {outcome}. {card}",
    }
    return FastChart(spec)


def build_metric_set(
    primary: str = "handle_time_min",
    repeat_limit: float | None = 25.0,
    fcr_limit: float | None = 65.0,
    csat_limit: float | None = None,
) -> MetricSet:
    """A metric set from widget-style choices: a primary metric and optional limits for
    the three counter-metrics (``None`` leaves one out). Handle time is better lower;
    ``csat_pct`` and ``fcr_pct`` as primaries are better higher."""
    counters = []
    if repeat_limit is not None:
        counters.append(Guardrail("repeat_pct", float(repeat_limit), flag_when="above"))
    if fcr_limit is not None:
        counters.append(Guardrail("fcr_pct", float(fcr_limit), flag_when="below"))
    if csat_limit is not None:
        counters.append(Guardrail("csat_pct", float(csat_limit), flag_when="below"))
    better: Better = "lower" if primary == "handle_time_min" else "higher"
    return MetricSet(primary, better, tuple(counters), name=primary)


def scorecard_view(
    sources: Mapping[str, tuple[pd.DataFrame, str]],
    primary: str = "handle_time_min",
    repeat_limit: float | None = 25.0,
    fcr_limit: float | None = 65.0,
    csat_limit: float | None = None,
) -> FastChart:
    """Widget callback of notebook 03: build a metric set (:func:`build_metric_set`)
    and show one :func:`scorecard_chart` per data source side by side.

    ``sources`` maps a panel title to ``(agents, outcome column)``; each agents frame
    needs a boolean ``gamer`` column (the known truth). A panel whose outcome is the
    chosen primary metric is refused with a note instead of a chart: a metric scored
    against itself always looks perfect.
    """
    metric_set = build_metric_set(primary, repeat_limit, fcr_limit, csat_limit)
    panels: list[dict[str, Any]] = []
    for title, (frame, outcome) in sources.items():
        if outcome == primary:
            note = (f"{title}: the primary metric ({primary}) is this panel's customer outcome; a metric scored "
                    "against itself always agrees (+1). Choose another primary metric.")
            lines = f"The primary metric ({primary})|is this panel's customer outcome:|a metric scored against itself|always agrees (+1).|Choose another primary metric."
            panels.append({"data": {"values": [{"text": lines}]},
                           "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 12, "lineBreak": "|", "x": 5, "y": 20},
                           "encoding": {"text": _n("text")}, "title": {"text": title, "subtitle": "not scored"},
                           "width": 250, "height": 210, "description": note})
            continue
        panels.append(scorecard_chart(frame, metric_set, outcome=outcome, title=title, width=250, height=210).spec)
    return FastChart(
        {
            "hconcat": [{k: v for k, v in p.items() if k not in ("$schema", "config", "description")} for p in panels],
            "description": " ".join(str(p["description"]) for p in panels),
        }
    )


# --------------------------------------------------------------------------- cross-selling

#: The account-level signals a learner can choose as counter-metrics, with what they mean.
FAKE_ACCOUNT_SIGNALS: dict[str, str] = {
    "no_customer_activity": "no customer-initiated transaction within 90 days of opening",
    "fee_refunded": "a fee charged on the account was later refunded",
    "complaint": "the customer complained about the account",
    "eight_plus_products": "the customer now holds eight or more products (the sales goal itself)",
}


def cross_sell_scenario(
    n_employees: int = 40,
    customers_per_employee: int = 30,
    pressured_share: float = 0.2,
    fake_rate: float = 1.5,
    seed: int = 42,
) -> pd.DataFrame:
    """Accounts opened by bankers under a products-per-customer goal (the Wells Fargo
    pattern described in the CFPB's 2016 consent order; the numbers here are invented).

    Model: each banker serves ``customers_per_employee`` customers. Every customer
    already holds ``1 + Poisson(3)`` products and opens ``1 + Poisson(0.6)`` genuine new
    accounts. A planted share ``pressured_share`` of bankers also opens, per customer,
    ``Poisson(fake_rate * u)`` accounts the customer never asked for, where ``u`` is a
    per-banker intensity drawn uniformly from 0.3 to 1.7 (some cut more corners). Per account, the chance
    of each signal:

    ============================== ======== =======
    signal                          genuine  fake
    ============================== ======== =======
    no customer-initiated activity    0.12   0.92
    fee refunded                      0.02   0.25
    complaint                         0.01   0.08
    ============================== ======== =======

    Most customers never noticed, so complaints are rare even on fake accounts; dormant
    genuine accounts are common, so inactivity alone also flags honest business.
    ``eight_plus_products`` (the customer's total holdings reach eight) is the goal
    itself. Columns: ``account_id``, ``employee``, ``customer``, ``pressured`` (the
    banker), one boolean per signal of :data:`FAKE_ACCOUNT_SIGNALS`, and ``fake`` (the
    planted truth).
    """
    n_employees = _count(n_employees, "n_employees", 2)
    customers_per_employee = _count(customers_per_employee, "customers_per_employee", 1)
    pressured_share = _unit(pressured_share, "pressured_share")
    if fake_rate < 0:
        raise ValueError(f"fake_rate must be >= 0; got {fake_rate}")
    rng = np.random.default_rng(seed)
    n_pressured = int(round(pressured_share * n_employees))
    if pressured_share > 0:  # a small bank still gets one planted banker
        n_pressured = max(1, n_pressured)
    pressured = np.zeros(n_employees, dtype=bool)
    pressured[rng.choice(n_employees, n_pressured, replace=False)] = True

    n_cust = n_employees * customers_per_employee
    cust_emp = np.repeat(np.arange(n_employees), customers_per_employee)
    held = 1 + rng.poisson(3.0, n_cust)
    genuine_new = 1 + rng.poisson(0.6, n_cust)
    intensity = fake_rate * rng.uniform(0.3, 1.7, n_employees)  # pressured bankers differ
    fake_new = np.where(pressured[cust_emp], rng.poisson(intensity[cust_emp]), 0)
    total = held + genuine_new + fake_new

    per_cust = genuine_new + fake_new
    cust_of_acct = np.repeat(np.arange(n_cust), per_cust)
    # within each customer: the first genuine_new accounts are genuine, the rest fake
    offset = np.arange(cust_of_acct.size) - np.repeat(np.cumsum(per_cust) - per_cust, per_cust)
    fake = offset >= genuine_new[cust_of_acct]
    m = cust_of_acct.size
    p = {
        "no_customer_activity": np.where(fake, 0.92, 0.12),
        "fee_refunded": np.where(fake, 0.25, 0.02),
        "complaint": np.where(fake, 0.08, 0.01),
    }
    emp_ids = _agent_ids(n_employees, "B")
    frame = pd.DataFrame(
        {
            "account_id": [f"AC{i + 1:05d}" for i in range(m)],
            "employee": emp_ids[cust_emp[cust_of_acct]],
            "customer": [f"C{c + 1:05d}" for c in cust_of_acct],
            "pressured": pressured[cust_emp[cust_of_acct]],
            "no_customer_activity": rng.random(m) < p["no_customer_activity"],
            "fee_refunded": rng.random(m) < p["fee_refunded"],
            "complaint": rng.random(m) < p["complaint"],
            "eight_plus_products": total[cust_of_acct] >= 8,
            "fake": fake,
        }
    )
    frame.attrs["products_before"] = pd.Series(held, index=[f"C{c + 1:05d}" for c in range(n_cust)])
    return frame


def detect_fake_accounts(accounts: pd.DataFrame, signals: Iterable[str]) -> pd.Series:
    """Accounts flagged by any of the chosen ``signals`` (names from
    :data:`FAKE_ACCOUNT_SIGNALS`). An empty choice flags nothing."""
    chosen = list(dict.fromkeys(signals))
    unknown = [s for s in chosen if s not in FAKE_ACCOUNT_SIGNALS]
    if unknown:
        raise ValueError(f"unknown signal(s) {', '.join(map(repr, unknown))}; choose from {', '.join(FAKE_ACCOUNT_SIGNALS)}")
    hit = np.zeros(len(accounts), dtype=bool)
    for s in chosen:
        hit |= accounts[s].to_numpy(dtype=bool)
    return pd.Series(hit, index=accounts.index, name="flagged")


def score_fake_account_detection(accounts: pd.DataFrame, signals: Iterable[str]) -> dict[str, Any]:
    """How many planted fake accounts a chosen set of signals detects.

    Returns ``signals`` (the choice), ``fakes``, ``fakes_detected``, ``detection_rate``
    (fraction of fakes flagged), ``genuine``, ``genuine_flagged`` and
    ``false_alarm_rate`` (fraction of genuine accounts flagged: the review workload
    that lands on honest business).
    """
    chosen = list(dict.fromkeys(signals))
    hit = detect_fake_accounts(accounts, chosen).to_numpy()
    fake = accounts["fake"].to_numpy(dtype=bool)
    fakes, genuine = int(fake.sum()), int((~fake).sum())
    return {
        "signals": chosen,
        "fakes": fakes,
        "fakes_detected": int((hit & fake).sum()),
        "detection_rate": float((hit & fake).sum() / fakes) if fakes else float("nan"),
        "genuine": genuine,
        "genuine_flagged": int((hit & ~fake).sum()),
        "false_alarm_rate": float((hit & ~fake).sum() / genuine) if genuine else float("nan"),
    }


def employee_summary(accounts: pd.DataFrame) -> pd.DataFrame:
    """Per banker: ``accounts`` opened, ``customers``, ``new_per_customer`` (the sales
    metric), ``active_pct`` (share of new accounts with customer-initiated activity:
    the counter-metric), ``refund_pct``, ``complaint_pct`` and ``pressured`` (planted)."""
    g = accounts.groupby("employee", sort=True)
    out = pd.DataFrame(
        {
            "accounts": g.size(),
            "customers": g["customer"].nunique(),
            "active_pct": (100 * (1 - g["no_customer_activity"].mean())).round(1),
            "refund_pct": (100 * g["fee_refunded"].mean()).round(1),
            "complaint_pct": (100 * g["complaint"].mean()).round(1),
            "pressured": g["pressured"].first(),
        }
    )
    out["new_per_customer"] = (out["accounts"] / out["customers"]).round(2)
    return out.reset_index()[["employee", "accounts", "customers", "new_per_customer", "active_pct", "refund_pct", "complaint_pct", "pressured"]]


def cross_sell_chart(summary: pd.DataFrame, *, width: int = 420, height: int = 280) -> alt.Chart:
    """Bankers' sales metric (new accounts per customer) against the counter-metric
    (share of those accounts the customer ever used), shaped by the planted truth."""
    charts.ensure_small(summary, "banker summary")
    data = summary.assign(group=np.where(summary["pressured"], "planted: opens fake accounts", "honest"))
    top = summary.sort_values("new_per_customer", ascending=False).head(max(1, len(summary) // 5))
    return (
        alt.Chart(data)
        .mark_point(size=70, filled=True)
        .encode(
            x=alt.X("new_per_customer:Q", title="new accounts per customer (the sales metric)", scale=alt.Scale(zero=False)),
            y=alt.Y("active_pct:Q", title="new accounts the customer used (%)", scale=alt.Scale(zero=False)),
            color=alt.Color("group:N", title=None, scale=alt.Scale(domain=["honest", "planted: opens fake accounts"], range=[charts.PALETTE[0], charts.PALETTE[5]]), legend=alt.Legend(orient="bottom")),
            shape=alt.Shape("group:N", title=None, scale=alt.Scale(domain=["honest", "planted: opens fake accounts"], range=["circle", "triangle-up"])),
            tooltip=["employee", "new_per_customer", "active_pct", "refund_pct", "complaint_pct"],
        )
        .properties(
            title=alt.Title("Top sellers, and what their customers did with the accounts"),
            width=width,
            height=height,
            description=(
                f"Scatter plot of {len(summary)} bankers: new accounts per customer against the share of those "
                f"accounts with customer-initiated activity. The top fifth by sales has a median activity share of "
                f"{top['active_pct'].median():.0f}%, against {summary['active_pct'].median():.0f}% for all bankers."
            ),
        )
    )
