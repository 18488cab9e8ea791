"""The catalogue of metrics a scorecard can use, each with its standard error.

Every metric is computed for one period from one dataset and returned as an
:class:`Estimate`: the value, its standard error in the metric's own unit and the number
of units it rests on. The standard error is what notebook 09 judges a change against:

* a **rate** (a share of people, contacts or weeks) in percent: the binomial standard error
  ``100 * sqrt(p (1 - p) / n)``; where the units come in groups that share a cause (weeks of
  one student, contacts of one agent, teachers of one school) the cluster-robust standard
  error of a ratio of sums, so a group's shared luck is not counted as many independent
  draws;
* an **index** (NPS, in points from -100 to 100): the multinomial standard error of
  ``% promoters - % detractors``;
* a **count** (new customers): Poisson, ``sqrt(count)``;
* a **mean** (handle time, acquisition cost) and a **gain** (Hake's gain of the class means,
  a ratio of sums): the standard error of a mean, or of a ratio of sums, over the units.

Each metric says which of these it uses (``noise``), so the notebook can list it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .. import education, metrics

__all__ = ["Estimate", "Metric", "METRICS", "SECTORS", "sector_of", "catalogue_table", "datasets_for"]

SECTORS = ("education", "business")
#: datasets whose two periods hold the same people (survey waves, the customer panel)
_SHARED_PEOPLE = frozenset({"customer_survey", "educator_survey", "customer_accounts"})


@dataclass(frozen=True)
class Estimate:
    """A metric's value for one period, its standard error (same unit) and its base."""

    value: float
    se: float
    n: int

    @staticmethod
    def missing() -> "Estimate":
        return Estimate(float("nan"), float("nan"), 0)


@dataclass(frozen=True)
class Metric:
    """One catalogue metric: how to compute it, its unit, good direction and noise model."""

    key: str
    label: str
    sector: str
    unit: str  # "%", "NPS", "g", "min", "$", "count"
    higher_is_better: bool
    dataset: str
    estimate: Callable[[pd.DataFrame], Estimate]
    definition: str
    noise: str
    practical: float  # default practical threshold, in the unit of a change (pp, points, ...)
    #: the standard error of a change when both periods hold the same units (paired); None:
    #: the two periods are independent samples and their standard errors add in squares
    change_se: Callable[[pd.DataFrame, pd.DataFrame], float] | None = None

    @property
    def change_unit(self) -> str:
        """The unit of a change: percentage points for rates, points for NPS."""
        return {"%": "pp", "NPS": "points", "g": "", "min": "min", "$": "$", "count": ""}[self.unit]

    @property
    def binomial(self) -> bool:
        """True for a plain share of independent units (its SE is ``sqrt(p (1 - p) / n)``)."""
        return self.unit == "%" and self.noise.startswith("binomial")

    @property
    def change_words(self) -> str:
        """The unit of a change in words, for tables."""
        return {"%": "percentage points", "NPS": "NPS points", "g": "gain", "min": "minutes", "$": "dollars",
                "count": "customers"}[self.unit]

    @property
    def independent_periods(self) -> bool:
        """True when the two periods hold different people (new cohorts, students, contacts);
        False for the surveys sent to the same customers or teachers twice and for the
        customer panel, whose periods share people."""
        return self.dataset not in _SHARED_PEOPLE

    @property
    def phrase(self) -> str:
        """The label inside a sentence: first letter lower-cased, unless the label is a
        name whose next word is capitalised too ("Net Promoter Score")."""
        words = self.label.split()
        if len(words) > 1 and words[1][:1].isupper():
            return self.label
        return self.label[0].lower() + self.label[1:]

    @property
    def direction(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"

    def fmt(self, value: float) -> str:
        """``value`` in this metric's unit (``81.4%``, ``0.412``, ``$1,250``, ``+12.0``)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        if self.unit == "%":
            return f"{value:.1f}%"
        if self.unit == "g":
            return f"{value:.3f}"
        if self.unit == "min":
            return f"{value:.2f} min"
        if self.unit == "$":
            return f"${value:,.0f}"
        if self.unit == "NPS":
            return f"{value:+.1f}"
        return f"{value:,.0f}"

    def fmt_change(self, change: float, signed: bool = True) -> str:
        """A change in this metric's change unit (``+2.4 pp``, ``-0.030``, ``+$120``)."""
        if change is None or math.isnan(change):
            return "n/a"
        sign = ("+" if change >= 0 else "-") if signed else ""
        a = abs(change)
        if self.unit == "%":
            return f"{sign}{a:.1f} pp"
        if self.unit == "NPS":
            return f"{sign}{a:.1f} points"
        if self.unit == "g":
            return f"{sign}{a:.3f}"
        if self.unit == "min":
            return f"{sign}{a:.2f} min"
        if self.unit == "$":
            return f"{sign}${a:,.0f}"
        return f"{sign}{a:,.0f}"


# ---------------------------------------------------------------------- estimators


def _b(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy().astype(bool)


def _rate(flags: np.ndarray) -> Estimate:
    """A share in percent with the binomial standard error."""
    n = int(flags.size)
    if n == 0:
        return Estimate.missing()
    p = float(flags.mean())
    return Estimate(100.0 * p, 100.0 * math.sqrt(p * (1 - p) / n), n)


def _ratio(num: np.ndarray, den: np.ndarray, cluster: np.ndarray | None = None, scale: float = 1.0) -> Estimate:
    """``scale * sum(num) / sum(den)`` with the cluster-robust (linearised) standard error."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    if cluster is not None:
        codes, _ = pd.factorize(pd.Series(cluster))
        num = np.bincount(codes, weights=num)
        den = np.bincount(codes, weights=den)
    k = num.size
    total = float(den.sum())
    if k == 0 or total == 0:
        return Estimate.missing()
    r = float(num.sum()) / total
    if k < 2:
        return Estimate(scale * r, float("nan"), k)
    resid = num - r * den
    se = math.sqrt(k / (k - 1) * float((resid ** 2).sum())) / total
    return Estimate(scale * r, scale * se, k)


def _mean(x: np.ndarray) -> Estimate:
    x = np.asarray(x, dtype="float64")
    x = x[~np.isnan(x)]
    if x.size == 0:
        return Estimate.missing()
    se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else float("nan")
    return Estimate(float(x.mean()), se, int(x.size))


# ---- education ------------------------------------------------------------------------


def _fulltime(terms: pd.DataFrame) -> pd.DataFrame:
    outcomes = education.cohort_outcomes(terms, graduation_term=1)
    return outcomes[outcomes["attendance"].to_numpy() == "full-time"]


def _retention(terms: pd.DataFrame) -> Estimate:
    o = _fulltime(terms)
    rates = education.cohort_rates(o, attendance=None)
    p, n = float(rates["retention"]) / 100, int(rates["adjusted_cohort"])
    return Estimate(100 * p, 100 * math.sqrt(p * (1 - p) / n), n)


def _access(terms: pd.DataFrame) -> Estimate:
    o = _fulltime(terms)
    return _rate(_b(o, "underserved")[_b(o, "in_cohort")])


def _census_withdrawal(terms: pd.DataFrame) -> Estimate:
    return _rate(_b(_fulltime(terms), "withdrew_before_census"))


def _yield(funnel: pd.DataFrame) -> Estimate:
    return _rate(_b(funnel, "enrolled_census")[_b(funnel, "admitted")])


def _melt(funnel: pd.DataFrame) -> Estimate:
    return _rate(~_b(funnel, "enrolled_census")[_b(funnel, "deposited")])


def _participation(lms: pd.DataFrame) -> Estimate:
    active = _b(lms, "active").astype("float64")
    return _ratio(active, np.ones_like(active), lms["student_id"].to_numpy(), 100.0)


def _withdrawal(lms: pd.DataFrame) -> Estimate:
    students = lms.drop_duplicates("student_id")
    return _rate((students["final_result"].astype(str) == "Withdrawn").to_numpy())


def _gain(assessments: pd.DataFrame, column: str) -> Estimate:
    c = assessments[~_b(assessments, "dropped")]
    pre = c["pre_score"].to_numpy(dtype="float64")
    post = c[column].to_numpy(dtype="float64")
    est = _ratio(post - pre, 100.0 - pre)
    # the value is Hake's gain of the class means, exactly as helpers.metrics computes it
    return Estimate(metrics.hake_gain(pre, post), est.se, est.n)


def _teachers(survey: pd.DataFrame) -> Estimate:
    answered = survey[_b(survey, "responded")]
    sat = answered["job_satisfied_overall"].astype("float64").to_numpy()
    return _rate(sat[~np.isnan(sat)] >= 3)


def _teacher_response(survey: pd.DataFrame) -> Estimate:
    return _rate(_b(survey, "responded"))


# ---- business -------------------------------------------------------------------------


def _crr(accounts: pd.DataFrame) -> Estimate:
    months = accounts["month"].astype(str).to_numpy()
    first, last = months.min(), months.max()
    new = _b(accounts, "new_this_month")
    ids = accounts["customer_id"].astype(str).to_numpy()
    start = len(set(ids[(months == first) & ~new]))
    end = len(set(ids[(months == last) & _b(accounts, "active")]))
    gained = len(set(ids[new]))
    value = float(metrics.retention_rate(start, end, gained))
    p = min(max(value / 100, 0.0), 1.0)
    return Estimate(value, 100 * math.sqrt(p * (1 - p) / start) if start else float("nan"), start)


def _gross_margin(accounts: pd.DataFrame) -> Estimate:
    revenue = accounts["revenue"].to_numpy(dtype="float64")
    cost = accounts["cost_to_serve"].to_numpy(dtype="float64")
    return _ratio(revenue - cost, revenue, accounts["customer_id"].to_numpy(), 100.0)


def _paired_ratio_change_se(num0: np.ndarray, den0: np.ndarray, id0: np.ndarray,
                            num1: np.ndarray, den1: np.ndarray, id1: np.ndarray, scale: float = 1.0) -> float:
    """Standard error of ``R1 - R0`` (ratios of sums) when the same clusters appear in both
    periods: each cluster's linearised residuals of the two periods are differenced, so what
    a customer keeps from one year to the next is not counted as noise."""
    d0, d1 = float(np.sum(den0)), float(np.sum(den1))
    if d0 == 0 or d1 == 0:
        return float("nan")
    r0, r1 = float(np.sum(num0)) / d0, float(np.sum(num1)) / d1
    e0 = pd.Series((np.asarray(num0) - r0 * np.asarray(den0)) / d0).groupby(pd.Series(id0).to_numpy()).sum()
    e1 = pd.Series((np.asarray(num1) - r1 * np.asarray(den1)) / d1).groupby(pd.Series(id1).to_numpy()).sum()
    diff = e1.sub(e0, fill_value=0.0).to_numpy()
    k = diff.size
    if k < 2:
        return float("nan")
    return scale * math.sqrt(k / (k - 1) * float((diff ** 2).sum()))


def _paired_waves(parts: Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray]], id_column: str,
                  scale: float = 100.0) -> Callable[[pd.DataFrame, pd.DataFrame], float]:
    """The paired standard error of a change between two survey waves sent to the same people:
    ``parts(frame)`` gives each person's numerator and denominator (a respondent's answer and 1;
    0 and 0 for a non-respondent), so each person's two waves are differenced."""
    def change_se(previous: pd.DataFrame, current: pd.DataFrame) -> float:
        n0, d0 = parts(previous)
        n1, d1 = parts(current)
        return _paired_ratio_change_se(n0, d0, previous[id_column].astype(str).to_numpy(),
                                       n1, d1, current[id_column].astype(str).to_numpy(), scale=scale)

    return change_se


def _response_parts(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return _b(f, "responded").astype("float64"), np.ones(len(f))


def _nps_parts(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    score = f["nps"].astype("float64").to_numpy()
    answered = ~np.isnan(score)
    value = np.where(score >= 9, 1.0, np.where(score <= 6, -1.0, 0.0))
    return np.where(answered, value, 0.0), answered.astype("float64")


def _promoter_churn_parts(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    promoter = f["nps"].astype("float64").to_numpy() >= 9
    return (promoter & _b(f, "churned_next_quarter")).astype("float64"), promoter.astype("float64")


def _teacher_parts(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    sat = f["job_satisfied_overall"].astype("float64").to_numpy()
    answered = _b(f, "responded") & ~np.isnan(sat)
    return (answered & (sat >= 3)).astype("float64"), answered.astype("float64")


def _gross_margin_change_se(previous: pd.DataFrame, current: pd.DataFrame) -> float:
    def parts(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        revenue = f["revenue"].to_numpy(dtype="float64")
        return revenue - f["cost_to_serve"].to_numpy(dtype="float64"), revenue, f["customer_id"].astype(str).to_numpy()

    return _paired_ratio_change_se(*parts(previous), *parts(current), scale=100.0)


def _new_customers(accounts: pd.DataFrame) -> Estimate:
    k = int(_b(accounts, "new_this_month").sum())
    return Estimate(float(k), math.sqrt(k), k)


def _cac(accounts: pd.DataFrame) -> Estimate:
    return _mean(accounts.loc[_b(accounts, "new_this_month"), "acquisition_cost"].to_numpy(dtype="float64"))


def _nps(survey: pd.DataFrame) -> Estimate:
    scores = survey["nps"].astype("float64").to_numpy()
    scores = scores[~np.isnan(scores)]
    if scores.size < 2:
        return Estimate.missing()
    return Estimate(metrics.nps(scores), metrics.nps_standard_error(scores), int(scores.size))


def _promoter_churn(survey: pd.DataFrame) -> Estimate:
    scores = survey["nps"].astype("float64").to_numpy()
    return _rate(_b(survey, "churned_next_quarter")[scores >= 9])


def _survey_response(survey: pd.DataFrame) -> Estimate:
    return _rate(_b(survey, "responded"))


def _agent_rate(contacts: pd.DataFrame, column: str) -> Estimate:
    return _rate(_b(contacts, column))


def _aht(contacts: pd.DataFrame) -> Estimate:
    return _mean(contacts["handle_time_min"].to_numpy(dtype="float64"))


def _first_value(journey: pd.DataFrame) -> Estimate:
    return _rate(_b(journey, "first_value_within_14d"))


def _value_churn(journey: pd.DataFrame) -> Estimate:
    return _rate(_b(journey, "churned")[_b(journey, "first_value_within_14d")])


def _first_year_churn(journey: pd.DataFrame) -> Estimate:
    return _rate(_b(journey, "churned"))


_BIN = "binomial standard error"
_SAME = "binomial standard error in each wave; a change pairs each teacher's two waves (the same teachers)"
_SAME_CUSTOMERS = "binomial standard error in each wave; a change pairs each customer's two waves (the same customers)"
_SAME_AGENTS = ("standard error over contacts (the same agents in both periods: their lasting differences cancel "
                "in a change)")
_M = Metric
METRICS: dict[str, Metric] = {m.key: m for m in [
    # education
    _M("retention", "First-year retention (full-time)", "education", "%", True, "student_terms", _retention,
       "census cohort enrolled here in the second fall, allowed exclusions removed (IPEDS fall-to-fall retention, NCES)",
       _BIN + " over the adjusted cohort", 2.0),
    _M("access", "First-generation or Pell share of the cohort", "education", "%", True, "student_terms", _access,
       "share of the full-time census cohort who are first-generation or receive Pell grants", _BIN, 2.0),
    _M("census_withdrawal", "Entrants withdrawn before the census date", "education", "%", False, "student_terms",
       _census_withdrawal, "full-time entrants who withdrew before the census date and so never count in the cohort",
       _BIN, 2.0),
    _M("yield", "Yield (enrolled / admitted)", "education", "%", True, "enrollment_funnel", _yield,
       "admitted students enrolled on the census date, as a share of those admitted (NACAC)", _BIN, 2.0),
    _M("summer_melt", "Summer melt", "education", "%", False, "enrollment_funnel", _melt,
       "students who paid a deposit but are not enrolled on the census date (Castleman & Page, 2014)", _BIN, 2.0),
    _M("participation", "Weekly participation", "education", "%", True, "lms_activity", _participation,
       "enrolled student-weeks with any platform activity, as a share of all enrolled student-weeks",
       "cluster-robust standard error, weeks grouped by student", 2.0),
    _M("withdrawal", "Course withdrawal", "education", "%", False, "lms_activity", _withdrawal,
       "students who withdrew from their course, as a share of all who started", _BIN, 2.0),
    _M("post_gain", "Learning gain on the course post-test", "education", "g", True, "assessments",
       lambda a: _gain(a, "post_score"),
       "Hake's normalized gain of the class means, pre-test to post-test, students who sat both (Hake, 1998)",
       "standard error of a ratio of sums over students", 0.05),
    _M("transfer_gain", "Learning gain on an independent transfer test", "education", "g", True, "assessments",
       lambda a: _gain(a, "transfer_score"),
       "Hake's normalized gain of the class means, pre-test to an independent test of the same skills",
       "standard error of a ratio of sums over students", 0.05),
    _M("teacher_satisfaction", "Teachers satisfied with their job", "education", "%", True, "educator_survey",
       _teachers,
       "respondents who agree or strongly agree that all in all they are satisfied with their job (OECD TALIS item)",
       _SAME, 2.0, _paired_waves(_teacher_parts, "teacher_id")),
    _M("teacher_response", "Teacher survey response rate", "education", "%", True, "educator_survey",
       _teacher_response, "teachers invited who answered the survey",
       _SAME, 3.0, _paired_waves(_response_parts, "teacher_id")),
    # business
    _M("crr", "Customer retention rate", "business", "%", True, "customer_accounts", _crr,
       "CRR = (E - N) / S x 100: customers at the end, minus new ones, over customers at the start of the year",
       _BIN + " over the customers at the start", 2.0),
    _M("gross_margin", "Gross margin", "business", "%", True, "customer_accounts", _gross_margin,
       "(revenue - cost to serve) / revenue of the year",
       "cluster-robust standard error, months grouped by customer; a change pairs each customer's two years",
       1.0, _gross_margin_change_se),
    _M("new_customers", "New customers", "business", "count", True, "customer_accounts", _new_customers,
       "customers acquired during the year", "Poisson: the square root of the count", 20.0),
    _M("cac", "Acquisition cost per new customer", "business", "$", False, "customer_accounts", _cac,
       "mean acquisition cost of the customers acquired during the year", "standard error of a mean", 500.0),
    _M("nps", "Net Promoter Score", "business", "NPS", True, "customer_survey", _nps,
       "% promoters (9-10) - % detractors (0-6) among respondents (Reichheld, HBR 2003)",
       "multinomial standard error of % promoters - % detractors, in points; a change pairs each customer's two "
       "waves (the same customers)", 5.0, _paired_waves(_nps_parts, "customer_id")),
    _M("promoter_churn", "Promoters who leave within a quarter", "business", "%", False, "customer_survey",
       _promoter_churn, "respondents who gave 9 or 10 and churned in the next quarter, as a share of those promoters",
       _SAME_CUSTOMERS, 2.0, _paired_waves(_promoter_churn_parts, "customer_id")),
    _M("survey_response", "Survey response rate", "business", "%", True, "customer_survey", _survey_response,
       "customers invited who answered the survey", _SAME_CUSTOMERS, 2.0, _paired_waves(_response_parts, "customer_id")),
    _M("aht", "Average handle time", "business", "min", False, "support_contacts", _aht,
       "mean minutes per support contact",
       _SAME_AGENTS, 0.3),
    _M("repeat", "Repeat contacts within 7 days", "business", "%", False, "support_contacts",
       lambda c: _agent_rate(c, "repeat_within_7d"),
       "contacts after which the same customer came back within a week (failure demand, Seddon)",
       _SAME_AGENTS, 2.0),
    _M("fcr", "First-contact resolution", "business", "%", True, "support_contacts",
       lambda c: _agent_rate(c, "resolved_first_contact"),
       "contacts resolved in the first contact, as a share of all contacts",
       _SAME_AGENTS, 2.0),
    _M("first_value", "New customers reaching first value within 14 days", "business", "%", True,
       "customer_journey", _first_value,
       "customers whose first real use of the product came within two weeks of signing up (a moment of truth, Seybold)",
       _BIN, 2.0),
    _M("first_value_churn", "First-year churn of customers who reached first value", "business", "%", False,
       "customer_journey", _value_churn,
       "customers recorded as reaching first value within 14 days who still left within their first year", _BIN, 2.0),
    _M("first_year_churn", "First-year churn", "business", "%", False, "customer_journey", _first_year_churn,
       "customers who left within their first year", _BIN, 2.0),
]}


def sector_of(key: str) -> str:
    return METRICS[key].sector


def datasets_for(keys: list[str]) -> list[str]:
    """The datasets the given metrics need, in first-use order."""
    return list(dict.fromkeys(METRICS[k].dataset for k in keys))


def catalogue_table(sector: str | None = None) -> pd.DataFrame:
    """The catalogue as a table: key, metric, direction, unit of a change, dataset, default
    practical threshold, noise model and definition (one sector, or all)."""
    rows = [{
        "key": m.key, "metric": m.label, "sector": m.sector, "direction": m.direction,
        "change in": m.change_words,
        "dataset": m.dataset, "default threshold": m.practical, "noise": m.noise, "definition": m.definition,
    } for m in METRICS.values() if sector in (None, m.sector)]
    return pd.DataFrame(rows)
