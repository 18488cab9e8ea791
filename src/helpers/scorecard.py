"""A balanced scorecard for one organisation (notebook 09, the capstone).

A scorecard here is a north-star outcome and three to six driver metrics, each paired with
a counter-metric that would show if the metric were being moved the cheap way (Andy Grove's
paired indicators, *High Output Management*; Kohavi, Tang & Xu's guardrail metrics,
*Trustworthy Online Controlled Experiments*, 2020; the North Star framework's one outcome
plus 3-6 inputs, Amplitude). Every metric is computed for a previous and a current period
from the workbook's sample data with :mod:`helpers.metrics`.

Two sectors:

* ``"education"`` - an institution: first-year retention (north star), enrolment yield,
  weekly participation, learning gain and teacher satisfaction;
* ``"business"`` - a customer-facing subscription business: customer retention rate (north
  star), NPS, handle time, first value and new customers.

Periods. Datasets that span several years are split by year: entering cohorts
(``student_terms``, ``enrollment_funnel``) and calendar years (``customer_accounts``); the
current period is ``period`` and the previous one ``period - 1``. The other datasets hold a
single term; their previous period is generated from the next seed (``seed + 1``), so it
comes from the same process and any change there is noise by construction. With your own
files (``data_dir``) the previous single-term files are read from ``data_dir/previous/``;
without that folder their trend is unknown.

Flags. A change is relative: ``100 * (current - previous) / |previous|``. In a metric's good
direction (up for retention, down for handle time) a change of at least ``move_threshold``
percent is a real move; a counter-metric that gets worse by at least ``warn_threshold``
percent warns. A pair is *flagged* when its metric improved while its counter-metric warns:
the improvement may have been bought at the counter-metric's expense.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import altair as alt
import numpy as np
import pandas as pd

from . import data as _data
from . import education, metrics

__all__ = [
    "SECTORS",
    "DEFAULT_NAMES",
    "Metric",
    "Pair",
    "METRICS",
    "SCORECARDS",
    "default_name",
    "check_sector",
    "load_periods",
    "measure",
    "relative_change",
    "assess",
    "trend_arrow",
    "design_table",
    "explain_flags",
    "flagged",
    "scorecard_table",
    "summary_lines",
    "balance_chart",
    "balance_view",
    "key_figures",
]

SECTORS = ("education", "business")
DEFAULT_NAMES = {"education": "Northfield College", "business": "Brightline Software"}

FLAG = "flag"
IMPROVED = "improved, counter holds"
WATCH = "counter-metric worse"
WORSE = "worse"
STEADY = "steady"
UNKNOWN = "no previous period"


# ======================================================================================
# The metric catalogue
# ======================================================================================


@dataclass(frozen=True)
class Metric:
    """One metric: how to compute it for one period, its unit and its good direction."""

    key: str
    label: str
    unit: str  # "%", "g", "min", "$", "customers", "NPS"
    higher_is_better: bool
    dataset: str
    compute: Callable[[pd.DataFrame], float]
    definition: str

    def fmt(self, value: float) -> str:
        """``value`` formatted in this metric's unit (``81.4%``, ``0.42``, ``$1,250``)."""
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


@dataclass(frozen=True)
class Pair:
    """A scorecard line: a metric, its counter-metric and why they belong together."""

    role: str  # "north star" or "driver"
    metric: str
    counter: str
    why: str


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy().astype(bool)


# ---- education ------------------------------------------------------------------------


def _fulltime_outcomes(terms: pd.DataFrame) -> pd.DataFrame:
    outcomes = education.cohort_outcomes(terms, graduation_term=1)
    return outcomes[outcomes["attendance"].to_numpy() == "full-time"]


def _retention(terms: pd.DataFrame) -> float:
    return float(education.cohort_rates(_fulltime_outcomes(terms), attendance=None)["retention"])


def _access(terms: pd.DataFrame) -> float:
    o = _fulltime_outcomes(terms)
    inc = o["in_cohort"].to_numpy()
    return metrics.pooled_rate([int((o["underserved"].to_numpy() & inc).sum())], [int(inc.sum())])


def _yield(funnel: pd.DataFrame) -> float:
    return float(metrics.yield_rate(int(_flag(funnel, "enrolled_census").sum()), int(_flag(funnel, "admitted").sum())))


def _melt(funnel: pd.DataFrame) -> float:
    dep = _flag(funnel, "deposited")
    return float(metrics.summer_melt_rate(int(dep.sum()), int((dep & _flag(funnel, "enrolled_census")).sum())))


def _participation(lms: pd.DataFrame) -> float:
    return float(metrics.participation_rate(int(_flag(lms, "active").sum()), len(lms)))


def _students(lms: pd.DataFrame) -> pd.DataFrame:
    return lms.drop_duplicates("student_id")


def _withdrawal(lms: pd.DataFrame) -> float:
    students = _students(lms)
    withdrawn = (students["final_result"].astype(str) == "Withdrawn").to_numpy()
    return metrics.pooled_rate([int(withdrawn.sum())], [len(students)])


def _completers(assessments: pd.DataFrame) -> pd.DataFrame:
    return assessments[~_flag(assessments, "dropped")]


def _post_gain(assessments: pd.DataFrame) -> float:
    c = _completers(assessments)
    return metrics.hake_gain(c["pre_score"].to_numpy(), c["post_score"].to_numpy())


def _transfer_gain(assessments: pd.DataFrame) -> float:
    c = _completers(assessments)
    return metrics.hake_gain(c["pre_score"].to_numpy(), c["transfer_score"].to_numpy())


def _teacher_satisfaction(survey: pd.DataFrame) -> float:
    answered = survey.loc[_flag(survey, "responded"), "job_satisfied_overall"]
    return metrics.top_box_share(answered.astype("float64").to_numpy(), 3)


def _teacher_response(survey: pd.DataFrame) -> float:
    return float(metrics.participation_rate(_flag(survey, "responded")))


# ---- business -------------------------------------------------------------------------


def _year_bounds(accounts: pd.DataFrame) -> tuple[str, str]:
    months = accounts["month"].astype(str)
    return str(months.min()), str(months.max())


def _crr(accounts: pd.DataFrame) -> float:
    first, last = _year_bounds(accounts)
    month = accounts["month"].astype(str).to_numpy()
    new = _flag(accounts, "new_this_month")
    ids = accounts["customer_id"].astype(str).to_numpy()
    start = len(set(ids[(month == first) & ~new]))
    end = len(set(ids[(month == last) & _flag(accounts, "active")]))
    gained = len(set(ids[new]))
    return float(metrics.retention_rate(start, end, gained))


def _gross_margin(accounts: pd.DataFrame) -> float:
    revenue = float(accounts["revenue"].sum())
    return 100.0 * (revenue - float(accounts["cost_to_serve"].sum())) / revenue


def _new_customers(accounts: pd.DataFrame) -> float:
    return float(_flag(accounts, "new_this_month").sum())


def _cac(accounts: pd.DataFrame) -> float:
    cost = accounts.loc[_flag(accounts, "new_this_month"), "acquisition_cost"].astype("float64")
    if cost.notna().sum() == 0:
        return float("nan")
    return float(cost.mean())


def _nps(survey: pd.DataFrame) -> float:
    return metrics.nps(survey["nps"].astype("float64").to_numpy())


def _survey_response(survey: pd.DataFrame) -> float:
    return float(metrics.participation_rate(_flag(survey, "responded")))


def _aht(contacts: pd.DataFrame) -> float:
    return float(contacts["handle_time_min"].astype("float64").mean())


def _repeat(contacts: pd.DataFrame) -> float:
    return float(metrics.participation_rate(_flag(contacts, "repeat_within_7d")))


def _first_value(journey: pd.DataFrame) -> float:
    return float(metrics.participation_rate(_flag(journey, "first_value_within_14d")))


def _first_year_churn(journey: pd.DataFrame) -> float:
    return float(metrics.participation_rate(_flag(journey, "churned")))


_M = Metric
METRICS: dict[str, Metric] = {m.key: m for m in [
    # education
    _M("retention", "First-year retention (full-time)", "%", True, "student_terms", _retention,
       "census cohort enrolled here in the second fall, allowed exclusions removed (IPEDS fall-to-fall retention, NCES)"),
    _M("access", "First-generation or Pell share of the cohort", "%", True, "student_terms", _access,
       "share of the full-time census cohort who are first-generation or receive Pell grants (access of under-served groups)"),
    _M("yield", "Yield (enrolled / admitted)", "%", True, "enrollment_funnel", _yield,
       "admitted students enrolled on the census date, as a share of those admitted (NACAC)"),
    _M("summer_melt", "Summer melt", "%", False, "enrollment_funnel", _melt,
       "students who paid a deposit but are not enrolled on the census date (Castleman & Page, 2014)"),
    _M("participation", "Weekly participation (enrolled students active)", "%", True, "lms_activity", _participation,
       "enrolled student-weeks with any platform activity, as a share of all enrolled student-weeks"),
    _M("withdrawal", "Course withdrawal", "%", False, "lms_activity", _withdrawal,
       "students who withdrew from their course, as a share of all who started"),
    _M("post_gain", "Learning gain on the course post-test", "g", True, "assessments", _post_gain,
       "Hake's normalized gain of the class means, pre-test to post-test, students who sat both (Hake, 1998)"),
    _M("transfer_gain", "Learning gain on an independent transfer test", "g", True, "assessments", _transfer_gain,
       "Hake's normalized gain of the class means, pre-test to an independent test of the same skills"),
    _M("teacher_satisfaction", "Teachers satisfied with their job", "%", True, "educator_survey", _teacher_satisfaction,
       "respondents who agree or strongly agree that all in all they are satisfied with their job (OECD TALIS item)"),
    _M("teacher_response", "Teacher survey response rate", "%", True, "educator_survey", _teacher_response,
       "teachers invited who answered the survey"),
    # business
    _M("crr", "Customer retention rate", "%", True, "customer_accounts", _crr,
       "CRR = (E - N) / S x 100: customers at the end, minus new ones, over customers at the start of the year"),
    _M("gross_margin", "Gross margin", "%", True, "customer_accounts", _gross_margin,
       "(revenue - cost to serve) / revenue of the year"),
    _M("nps", "Net Promoter Score", "NPS", True, "customer_survey", _nps,
       "% promoters (9-10) - % detractors (0-6) among respondents (Reichheld, HBR 2003)"),
    _M("survey_response", "Survey response rate", "%", True, "customer_survey", _survey_response,
       "customers invited who answered the survey"),
    _M("aht", "Average handle time", "min", False, "support_contacts", _aht,
       "mean minutes per support contact"),
    _M("repeat", "Repeat contacts within 7 days", "%", False, "support_contacts", _repeat,
       "contacts after which the same customer came back within a week (failure demand, Seddon)"),
    _M("first_value", "New customers reaching first value within 14 days", "%", True, "customer_journey", _first_value,
       "customers whose first real use of the product came within two weeks of signing up (a moment of truth, Seybold)"),
    _M("first_year_churn", "First-year churn", "%", False, "customer_journey", _first_year_churn,
       "customers who left within their first year"),
    _M("new_customers", "New customers", "customers", True, "customer_accounts", _new_customers,
       "customers acquired during the year"),
    _M("cac", "Acquisition cost per new customer", "$", False, "customer_accounts", _cac,
       "mean acquisition cost of the customers acquired during the year"),
]}

SCORECARDS: dict[str, list[Pair]] = {
    "education": [
        Pair("north star", "retention", "access",
             "Retention rises without helping anyone if weaker or under-served students are steered out before the census date."),
        Pair("driver", "yield", "summer_melt",
             "Pressing admitted students to commit raises deposits and yield targets; many of them melt away before the fall."),
        Pair("driver", "participation", "withdrawal",
             "Participation among students still enrolled climbs when disengaged students withdraw: the denominator shrinks."),
        Pair("driver", "post_gain", "transfer_gain",
             "Teaching to the test lifts post-test scores but not an independent test of the same skills."),
        Pair("driver", "teacher_satisfaction", "teacher_response",
             "Satisfaction measured on fewer respondents is flattering: unhappy teachers answer less often."),
    ],
    "business": [
        Pair("north star", "crr", "gross_margin",
             "Retention can be bought with discounts and costly rescue offers; margin shows the price."),
        Pair("driver", "nps", "survey_response",
             "NPS from a shrinking, self-selected group of respondents says more about who answered than about customers."),
        Pair("driver", "aht", "repeat",
             "Short calls that do not solve the problem come back as repeat contacts (failure demand)."),
        Pair("driver", "first_value", "first_year_churn",
             "Counting a first login as 'value' moves the onboarding metric; customers who found no value still leave."),
        Pair("driver", "new_customers", "cac",
             "Growth bought with more spending per customer, or with poorly matched customers, is not a healthy driver."),
    ],
}


def check_sector(sector: str) -> str:
    """``sector`` if valid; ValueError naming the valid sectors otherwise."""
    if sector not in SECTORS:
        raise ValueError(f"sector must be one of {', '.join(map(repr, SECTORS))}; got {sector!r}")
    return sector


def default_name(sector: str) -> str:
    """A sample organisation name for the sector."""
    return DEFAULT_NAMES[check_sector(sector)]


def design_table(sector: str) -> pd.DataFrame:
    """The scorecard's design, before any number: role, metric, counter-metric, and why
    the counter-metric would show gaming of the metric."""
    return pd.DataFrame([
        {"role": p.role, "metric": METRICS[p.metric].label,
         "good direction": "up" if METRICS[p.metric].higher_is_better else "down",
         "counter-metric": METRICS[p.counter].label,
         "counter good direction": "up" if METRICS[p.counter].higher_is_better else "down",
         "why this pair": p.why}
        for p in SCORECARDS[check_sector(sector)]
    ])


def _datasets(sector: str) -> list[str]:
    keys = [k for p in SCORECARDS[sector] for k in (p.metric, p.counter)]
    return list(dict.fromkeys(METRICS[k].dataset for k in keys))


# ======================================================================================
# Data for two periods
# ======================================================================================

_COHORT_DATASETS = {"student_terms": "cohort_year", "enrollment_funnel": "cohort_year"}


def _split_cohorts(frame: pd.DataFrame, name: str, period: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    col = _COHORT_DATASETS[name]
    years = frame[col].to_numpy()
    have = sorted(set(int(y) for y in years))
    if period not in have:
        raise ValueError(f"{name}: no cohort {period} in the data (cohorts: {', '.join(map(str, have))}); set period to one of them")
    prev = frame[years == period - 1]
    return (prev if len(prev) else frame.iloc[0:0]), frame[years == period]


def _split_years(frame: pd.DataFrame, period: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    year = frame["month"].astype(str).str.slice(0, 4).astype(int).to_numpy()
    if not (year == period).any():
        have = sorted(set(year.tolist()))
        raise ValueError(f"customer_accounts: no months in {period} (years: {', '.join(map(str, have))}); set period to one of them")
    return frame[year == period - 1], frame[year == period]


def load_periods(sector: str, seed: int = 42, period: int = 2024, data_dir: str | Path = "") -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """The datasets a sector's scorecard needs, as ``{name: (previous, current)}`` frames.

    Generated from ``seed`` when ``data_dir`` is empty (cohort and calendar-year datasets
    span ``period - 1`` and ``period``; single-term datasets take their previous term from
    ``seed + 1``). With ``data_dir``, files are read through :func:`helpers.data.load`
    (validated); single-term previous files come from ``data_dir/previous/`` when that
    folder exists, else the previous frame is empty.
    """
    check_sector(sector)
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)):
        raise ValueError(f"period must be a year such as 2024, got {period!r}")
    period = int(period)
    own = data_dir not in ("", None)
    out: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for name in _datasets(sector):
        if name in _COHORT_DATASETS:
            sizes = {} if own else {"first_cohort": period - 1, "n_cohorts": 2}
            if name == "student_terms" and not own:
                sizes["n_terms"] = 2  # the entry fall and the second fall: all retention needs
            frame = _data.load(name, seed=seed, data_dir=data_dir, **sizes)
            out[name] = _split_cohorts(frame, name, period)
        elif name == "customer_accounts":
            sizes = {} if own else {"start_month": f"{period - 1}-01", "n_months": 24}
            out[name] = _split_years(_data.load(name, seed=seed, data_dir=data_dir, **sizes), period)
        else:
            current = _data.load(name, seed=seed, data_dir=data_dir)
            if not own:
                previous = _data.load(name, seed=seed + 1)
            elif (Path(data_dir) / "previous" / f"{name}.csv").is_file():
                previous = _data.load(name, data_dir=Path(data_dir) / "previous")
            else:
                previous = current.iloc[0:0]
            out[name] = (previous, current)
    return out


# ======================================================================================
# Measuring, assessing, flagging
# ======================================================================================


def _value(metric: Metric, frame: pd.DataFrame) -> float:
    if frame is None or len(frame) == 0:
        return float("nan")
    return float(metric.compute(frame))


def measure(sector: str, periods: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]]) -> pd.DataFrame:
    """Every metric of the sector's scorecard for both periods.

    One row per metric: ``key``, ``label``, ``unit``, ``higher_is_better``, ``dataset``,
    ``previous``, ``current`` (NaN when a period has no data) and ``definition``.
    """
    rows = []
    for pair in SCORECARDS[check_sector(sector)]:
        for key in (pair.metric, pair.counter):
            m = METRICS[key]
            prev, cur = periods[m.dataset]
            rows.append({
                "key": key, "label": m.label, "unit": m.unit, "higher_is_better": m.higher_is_better,
                "dataset": m.dataset, "previous": _value(m, prev), "current": _value(m, cur),
                "definition": m.definition,
            })
    return pd.DataFrame(rows)


def relative_change(previous: Any, current: Any) -> Any:
    """``100 * (current - previous) / |previous|``: the change in percent of the previous
    value (NaN when the previous value is missing or zero). Works element-wise."""
    prev = np.asarray(previous, dtype="float64")
    cur = np.asarray(current, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(prev == 0, np.nan, 100.0 * (cur - prev) / np.abs(prev))
    return float(out) if out.ndim == 0 else out


def trend_arrow(change: float, threshold: float) -> str:
    """``"up"``, ``"down"`` or ``"flat"`` for a relative change, given the move threshold."""
    if change is None or math.isnan(change):
        return "n/a"
    if change >= threshold:
        return "up"
    if change <= -threshold:
        return "down"
    return "flat"


def _check_thresholds(move_threshold: float, warn_threshold: float) -> None:
    for name, value in (("move_threshold", move_threshold), ("warn_threshold", warn_threshold)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value >= 0:
            raise ValueError(f"{name} must be a number >= 0 (a relative change in percent), got {value!r}")


def assess(measured: pd.DataFrame, sector: str, move_threshold: float = 3.0, warn_threshold: float = 3.0) -> pd.DataFrame:
    """The scorecard: one row per pair, with both metrics' values, changes and a status.

    Columns: ``role``, ``metric``, ``label``, ``previous``, ``current``, ``change_pct``,
    ``trend`` (up/down/flat at ``move_threshold``), ``good_change`` (the change in the
    metric's good direction), the same five for the counter-metric (``counter...``),
    ``status`` and ``flag``. Status, from the metric's good-direction change ``g`` and the
    counter's ``c``:

    * ``flag`` - ``g >= move_threshold`` and ``c <= -warn_threshold``: improved while the
      counter-metric got worse;
    * ``improved, counter holds`` - improved, counter did not warn;
    * ``counter-metric worse`` - the counter warns, the metric did not improve;
    * ``worse`` - the metric moved the wrong way by at least ``move_threshold``;
    * ``steady`` - nothing moved enough; ``no previous period`` - no trend known.
    """
    _check_thresholds(move_threshold, warn_threshold)
    by_key = measured.set_index("key")
    rows = []
    for pair in SCORECARDS[check_sector(sector)]:
        m, c = by_key.loc[pair.metric], by_key.loc[pair.counter]
        mchange = relative_change(m["previous"], m["current"])
        cchange = relative_change(c["previous"], c["current"])
        mgood = mchange if m["higher_is_better"] else -mchange
        cgood = cchange if c["higher_is_better"] else -cchange
        if math.isnan(mgood):
            status = UNKNOWN
        elif mgood >= move_threshold and not math.isnan(cgood) and cgood <= -warn_threshold:
            status = FLAG
        elif mgood >= move_threshold:
            status = IMPROVED
        elif not math.isnan(cgood) and cgood <= -warn_threshold:
            status = WATCH
        elif mgood <= -move_threshold:
            status = WORSE
        else:
            status = STEADY
        rows.append({
            "role": pair.role,
            "metric": pair.metric, "label": m["label"],
            "previous": m["previous"], "current": m["current"],
            "change_pct": mchange, "trend": trend_arrow(mchange, move_threshold), "good_change": mgood,
            "counter": pair.counter, "counter_label": c["label"],
            "counter_previous": c["previous"], "counter_current": c["current"],
            "counter_change_pct": cchange, "counter_trend": trend_arrow(cchange, warn_threshold),
            "counter_good_change": cgood,
            "status": status, "flag": status == FLAG, "why": pair.why,
        })
    return pd.DataFrame(rows)


def flagged(card: pd.DataFrame) -> list[str]:
    """Keys of the metrics whose pair is flagged, in scorecard order."""
    return [str(k) for k in card.loc[card["flag"].to_numpy(dtype=bool), "metric"]]


def scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for display: formatted values, one row per pair."""
    rows = []
    for r in card.itertuples(index=False):
        m, c = METRICS[r.metric], METRICS[r.counter]
        rows.append({
            "": r.role,
            "metric": r.label,
            "previous": m.fmt(r.previous),
            "current": m.fmt(r.current),
            "change": _pct(r.change_pct),
            "counter-metric": r.counter_label,
            "counter previous": c.fmt(r.counter_previous),
            "counter current": c.fmt(r.counter_current),
            "counter change": _pct(r.counter_change_pct),
            "status": r.status.upper() if r.status == FLAG else r.status,
        })
    return pd.DataFrame(rows)


def _pct(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:+.1f}%"


def summary_lines(card: pd.DataFrame) -> list[str]:
    """Plain-text lines, one per pair: current value, trend, counter-metric, status."""
    lines = []
    for r in card.itertuples(index=False):
        m, c = METRICS[r.metric], METRICS[r.counter]
        lines.append(
            f"{r.role:10} {r.label}: {m.fmt(r.current)} ({r.trend}, {_pct(r.change_pct)}) | "
            f"counter {r.counter_label}: {c.fmt(r.counter_current)} ({_pct(r.counter_change_pct)}) -> {r.status}"
        )
    return lines


def explain_flags(card: pd.DataFrame) -> list[str]:
    """One sentence per flagged pair (empty list when nothing is flagged)."""
    out = []
    for r in card[card["flag"].to_numpy(dtype=bool)].itertuples(index=False):
        out.append(
            f"{r.label} improved ({_pct(r.change_pct)}) while its counter-metric, {r.counter_label[0].lower() + r.counter_label[1:]}, got worse "
            f"({_pct(r.counter_change_pct)}). {r.why}"
        )
    return out


# ======================================================================================
# Chart: the balance of each pair
# ======================================================================================


_X = "metric change (good direction, %)"
_Y = "counter change (good direction, %)"
_STATUS_COLOURS = {FLAG: "#D55E00", IMPROVED: "#009E73", WATCH: "#E69F00", WORSE: "#CC79A7", STEADY: "#56B4E9"}


def _balance_frame(card: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({
        "metric": card["label"].to_numpy(),
        "role": card["role"].to_numpy(),
        _X: np.round(card["good_change"].to_numpy(dtype="float64"), 2),
        _Y: np.round(card["counter_good_change"].to_numpy(dtype="float64"), 2),
        "status": card["status"].to_numpy(),
    })
    return frame.dropna(subset=[_X, _Y])


def _span(frame: pd.DataFrame, move_threshold: float, warn_threshold: float) -> float:
    biggest = float(np.nanmax(np.abs(frame[[_X, _Y]].to_numpy()))) * 1.15 if len(frame) else 0.0
    return max(5.0, biggest, move_threshold * 1.5, warn_threshold * 1.5)


def _balance_data(card: pd.DataFrame, move_threshold: float, warn_threshold: float, span: float
                  ) -> tuple[dict[str, list[dict[str, Any]]], str, int]:
    """The chart's named datasets, its description and the number of flags."""
    frame = _balance_frame(card)
    n_flag = int((frame["status"] == FLAG).sum())
    desc = (f"Balance of {len(frame)} metric pairs: {n_flag} flagged. " + "; ".join(
        f"{name}: metric {mx:+.1f}%, counter {cy:+.1f}%, {status}"
        for name, mx, cy, status in zip(frame["metric"], frame[_X], frame[_Y], frame["status"])))
    datasets = {
        "mw_points": frame.to_dict(orient="records"),
        "mw_zone": [{"x": float(move_threshold), "x2": span, "y": -span, "y2": -float(warn_threshold)}],
        "mw_rules": [{"value": float(move_threshold), "h": -float(warn_threshold), "z": 0.0}],
    }
    return datasets, desc, n_flag


def balance_chart(card: pd.DataFrame, move_threshold: float = 3.0, warn_threshold: float = 3.0,
                  *, title: str | None = None, width: int = 440, height: int = 320,
                  span: float | None = None) -> alt.LayerChart:
    """Each pair as a point: x = the metric's change in its good direction, y = the
    counter-metric's. Bottom right (improved, counter worse) is the flag zone; dashed lines
    mark the thresholds. ``span`` fixes the axes to +-span (default: fitted to the data)."""
    span = span if span is not None else _span(_balance_frame(card), move_threshold, warn_threshold)
    datasets, desc, _ = _balance_data(card, move_threshold, warn_threshold, span)
    scale = alt.Scale(domain=[-span, span])
    points_data, zone_data, rules_data = (alt.NamedData(name=n) for n in ("mw_points", "mw_zone", "mw_rules"))
    shade = alt.Chart(zone_data).mark_rect(color="#D55E00", opacity=0.08).encode(
        x=alt.X("x:Q", scale=scale, title=_X), x2="x2:Q", y=alt.Y("y:Q", scale=scale, title=_Y), y2="y2:Q")
    axes = (alt.Chart(rules_data).mark_rule(color="#bbb").encode(x=alt.X("z:Q", scale=scale))
            + alt.Chart(rules_data).mark_rule(color="#bbb").encode(y=alt.Y("z:Q", scale=scale)))
    vrule = alt.Chart(rules_data).mark_rule(strokeDash=[6, 4], color="#444").encode(x=alt.X("value:Q", scale=scale))
    hrule = alt.Chart(rules_data).mark_rule(strokeDash=[6, 4], color="#444").encode(y=alt.Y("h:Q", scale=scale))
    colour = alt.Color("status:N", title="status",
                       scale=alt.Scale(domain=list(_STATUS_COLOURS), range=list(_STATUS_COLOURS.values())))
    shape = alt.Shape("role:N", title="role", scale=alt.Scale(domain=["north star", "driver"], range=["square", "circle"]))
    points = alt.Chart(points_data).mark_point(size=140, filled=True).encode(
        x=alt.X(f"{_X}:Q", scale=scale), y=alt.Y(f"{_Y}:Q", scale=scale), color=colour, shape=shape,
        tooltip=["metric:N", "role:N", f"{_X}:Q", f"{_Y}:Q", "status:N"])
    labels = alt.Chart(points_data).mark_text(align="left", dx=8, dy=-8, fontSize=11, color="#333").encode(
        x=alt.X(f"{_X}:Q", scale=scale), y=alt.Y(f"{_Y}:Q", scale=scale), text="metric:N")
    return alt.layer(shade, axes, vrule, hrule, points, labels).properties(
        title=title or "Did a metric improve at its counter-metric's expense?", description=desc,
        width=width, height=height, datasets=datasets)


def balance_view(measured: pd.DataFrame, sector: str, max_threshold: float = 15.0) -> Callable[[float, float], dict[str, Any]]:
    """Widget callback: ``view(move_threshold, warn_threshold)`` -> the balance chart as a
    Vega-Lite spec (for :func:`helpers.charts.show`).

    The chart is built once; each call re-assesses the pairs and swaps in new data, title
    and description (a few milliseconds), so a slider move only pays for drawing. The
    axes are fixed for thresholds up to ``max_threshold`` so they do not jump."""
    card0 = assess(measured, sector)
    span = _span(_balance_frame(card0), max_threshold, max_threshold)
    base = balance_chart(card0, span=span).to_dict()

    def view(move_threshold: float, warn_threshold: float) -> dict[str, Any]:
        card = assess(measured, sector, move_threshold, warn_threshold)
        datasets, desc, n = _balance_data(card, move_threshold, warn_threshold, span)
        spec = dict(base)
        spec["datasets"] = datasets
        spec["description"] = desc
        spec["title"] = f"{n} flag{'s' if n != 1 else ''} at move {move_threshold:g}% / warn {warn_threshold:g}%"
        return spec

    return view


# ======================================================================================
# The results record
# ======================================================================================


def key_figures(card: pd.DataFrame, sector: str, organisation: str, period: int) -> dict[str, Any]:
    """The scorecard's key figures as plain values, for :func:`helpers.batch.record_result`.

    ``sector``, ``organisation``, ``period``, the north star (key, previous, current,
    change), the number of drivers and flags, the flagged metric keys (text, ``;``-separated)
    and each metric's and counter-metric's current value under its key.
    """
    ns = card[card["role"] == "north star"].iloc[0]

    def r(v: Any, nd: int = 3) -> Any:
        v = float(v)
        return None if math.isnan(v) else round(v, nd)

    figures: dict[str, Any] = {
        "sector": sector,
        "organisation": organisation,
        "period": int(period),
        "north_star": str(ns["metric"]),
        "north_star_previous": r(ns["previous"]),
        "north_star_current": r(ns["current"]),
        "north_star_change_pct": r(ns["change_pct"], 2),
        "drivers": int((card["role"] == "driver").sum()),
        "flags": int(card["flag"].sum()),
        "flagged": ";".join(flagged(card)),
    }
    for row in card.itertuples(index=False):
        figures[row.metric] = r(row.current)
        figures[row.counter] = r(row.counter_current)
    return figures
