"""Two periods of one organisation's data, honest or gaming, and what was planted.

:func:`load_periods` returns ``{dataset: (previous, current)}`` for the datasets a design
needs. Generated data (no ``data_dir``) come from :mod:`helpers.data` for the organisation
``seed``; ``gaming`` sets how strongly the organisation games its north star in the current
period (0 honest, 1 the strength planted in the workbook's data, up to 3), and ``draw``
picks another draw of the same two periods (the repeated-draws view uses draws 1, 2, ...).

What is planted (see :func:`planted` and ``data/README.md``):

* education: the entering cohort is shaped (retention up, access down), admitted students
  are pressed to deposit (yield up, melt up), disengaged students are steered to withdraw
  (participation up, withdrawal up), a section teaches to the test (post-test gain up,
  transfer gain not) and satisfied teachers are pressed to answer (satisfaction up, response
  down);
* business: rescue discounts keep leaving customers (retention up, margin down), agents ask
  for 9s and 10s (NPS up, promoters churn), agents cut calls short (handle time down, repeat
  contacts up) and a first login counts as first value (first value up, and customers who
  "reached" it churn more).

All access to the generators goes through :func:`_draw`, one place to follow the data module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .. import data as _data
from .catalogue import METRICS

__all__ = ["load_periods", "planted", "check_gaming", "GAMED", "MAX_GAMING", "ParameterError"]


class ParameterError(ValueError):
    """A parameter the data cannot serve (a period not in the files, gaming out of range); one line."""

    def _render_traceback_(self) -> list[str]:
        """IPython/Jupyter hook: show the one-line message instead of a traceback."""
        return [f"ParameterError: {self}"]

Periods = dict[str, tuple[pd.DataFrame, pd.DataFrame]]

MAX_GAMING = 3.0
#: What an organisation that games does in the current period, metric by metric: the
#: dataset, the shortcut, and the counter-metrics that would reveal it.
GAMED: dict[str, list[dict[str, Any]]] = {
    "education": [
        {"metric": "retention", "dataset": "student_terms", "revealed_by": ["access", "census_withdrawal"],
         "shortcut": "high-risk first-generation and Pell entrants steered to withdraw before the census date"},
        {"metric": "yield", "dataset": "enrollment_funnel", "revealed_by": ["summer_melt"],
         "shortcut": "admitted students pressed to pay a deposit early; many melt away before the census date"},
        {"metric": "participation", "dataset": "lms_activity", "revealed_by": ["withdrawal"],
         "shortcut": "disengaged students steered to withdraw, so those left look more active"},
        {"metric": "post_gain", "dataset": "assessments", "revealed_by": ["transfer_gain"],
         "shortcut": "teaching to the course test"},
        {"metric": "teacher_satisfaction", "dataset": "educator_survey", "revealed_by": ["teacher_response"],
         "shortcut": "school leaders press satisfied teachers to answer and let the others be"},
    ],
    "business": [
        {"metric": "crr", "dataset": "customer_accounts", "revealed_by": ["gross_margin"],
         "shortcut": "customers about to leave kept with deep rescue discounts"},
        {"metric": "nps", "dataset": "customer_survey", "revealed_by": ["promoter_churn"],
         "shortcut": "agents asking customers to 'rate me 9 or 10'"},
        {"metric": "aht", "dataset": "support_contacts", "revealed_by": ["repeat", "fcr"],
         "shortcut": "support agents cutting calls short without solving the problem"},
        {"metric": "first_value", "dataset": "customer_journey", "revealed_by": ["first_value_churn"],
         "shortcut": "a first login counted as first value"},
    ],
}
_COHORTS = {"student_terms": "cohort_year", "enrollment_funnel": "cohort_year"}
_BASE_GAMERS = 4  # agents gaming handle time at gaming = 1 (of 40)


def check_gaming(gaming: Any) -> float:
    """``gaming`` as a float in [0, MAX_GAMING]; ValueError naming the parameter otherwise."""
    if isinstance(gaming, bool) or not isinstance(gaming, (int, float, np.integer, np.floating)) \
            or not 0 <= float(gaming) <= MAX_GAMING:
        raise ParameterError(f"gaming must be a number from 0 (honest) to {MAX_GAMING:g}, got {gaming!r}")
    return float(gaming)


def planted(sector: str, gaming: float) -> list[dict[str, Any]]:
    """What the organisation gamed in the current period (empty when honest), one entry
    per gamed metric: ``metric``, ``dataset``, ``shortcut``, ``revealed_by``, ``strength``."""
    if check_gaming(gaming) == 0:
        return []
    return [{**g, "strength": float(gaming)} for g in GAMED[sector]]


def _accepts(name: str) -> set[str]:
    return set(_data.size_parameters(name))


def _draw(name: str, seed: int, period: int, gaming: float, draw: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Previous and current frames of one generated dataset for one organisation.

    Single-term datasets: two periods of the same organisation (same agents, schools,
    customers and base rates; new contacts, answers and students), the previous one honest,
    the current one gaming as strongly as ``gaming``. ``draw`` > 0 takes two other periods
    of the same organisation. Datasets that hold both periods in one frame (entering
    cohorts, the customer-month panel) are generated once, the current cohort or year
    gaming; their draws come from other seeds.
    """
    accepts = _accepts(name)
    game: dict[str, Any] = {"gaming": gaming} if "gaming" in accepts else {}
    s = seed + 7919 * draw
    # the run's own data go through the validator (as every notebook reads them); the
    # repeated draws skip the CSV round trip, which gives the same frames faster
    get: Callable[..., pd.DataFrame] = _data.load if draw == 0 else _data.generate
    if name in _COHORTS:
        sizes: dict[str, Any] = {"first_cohort": period - 1, "n_cohorts": 2, **game}
        if name == "student_terms":
            sizes.update(n_terms=2, shaped_cohort=period)
        return _split_cohorts(get(name, seed=s, **sizes), name, period)
    if name == "customer_accounts":
        frame = get(name, seed=s, start_month=f"{period - 1}-01", n_months=24, **game)
        return _split_years(frame, period)
    if "period" in accepts:
        p0, p1 = (0, 1) if draw == 0 else (10 + 2 * draw, 11 + 2 * draw)
        honest: dict[str, Any] = {"gaming": 0.0} if game else {}
        return (get(name, seed=seed, period=p0, **honest), get(name, seed=seed, period=p1, **game))
    return get(name, seed=s + 1), get(name, seed=s)


def _split_cohorts(frame: pd.DataFrame, name: str, period: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    years = frame[_COHORTS[name]].to_numpy()
    have = sorted(set(int(y) for y in years))
    if period not in have:
        raise ParameterError(f"{name}: no cohort {period} in the data (cohorts: {', '.join(map(str, have))}); "
                         "set period to one of them")
    return frame[years == period - 1], frame[years == period]


def _split_years(frame: pd.DataFrame, period: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    year = frame["month"].astype(str).str.slice(0, 4).astype(int).to_numpy()
    if not (year == period).any():
        have = sorted(set(year.tolist()))
        raise ParameterError(f"customer_accounts: no months in {period} (years: {', '.join(map(str, have))}); "
                         "set period to one of them")
    return frame[year == period - 1], frame[year == period]


def _datasets(keys: list[str]) -> list[str]:
    return list(dict.fromkeys(METRICS[k].dataset for k in keys))


def load_periods(keys: list[str], seed: int = 42, period: int = 2024, data_dir: str | Path = "",
                 gaming: float = 1.0, draw: int = 0) -> Periods:
    """The datasets the metrics ``keys`` need, as ``{name: (previous, current)}``.

    Generated (empty ``data_dir``): both periods of the organisation ``seed``, gaming as
    strongly as ``gaming`` says in the current period; ``draw`` > 0 gives another draw of the
    same two periods. With ``data_dir``: cohort and calendar-year files are split by year
    (``period - 1`` and ``period``); single-term files are the current period and their
    previous period is read from ``data_dir/previous/`` (an empty frame when that file is
    missing: the trend is then unknown). ``gaming`` and ``draw`` do not apply to files.
    """
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)):
        raise ParameterError(f"period must be a year such as 2024, got {period!r}")
    period = int(period)
    gaming = check_gaming(gaming)
    own = data_dir not in ("", None)
    out: Periods = {}
    for name in _datasets(keys):
        if not own:
            out[name] = _draw(name, seed, period, gaming, draw)
        elif name in _COHORTS:
            out[name] = _split_cohorts(_data.load(name, data_dir=data_dir), name, period)
        elif name == "customer_accounts":
            out[name] = _split_years(_data.load(name, data_dir=data_dir), period)
        else:
            current: pd.DataFrame = _data.load(name, data_dir=data_dir)
            prev_dir = Path(data_dir) / "previous"
            previous = (_data.load(name, data_dir=prev_dir) if (prev_dir / f"{name}.csv").is_file()
                        else current.iloc[0:0])
            out[name] = (previous, current)
    return out
