"""Customer-side analyses for notebooks 04 (outcomes over output) and 05 (customer metrics).

Each function takes one of the workbook's datasets (see ``data/README.md``), aggregates it
with pandas/NumPy (no Python loop over rows) and leaves the metric formulas to
:mod:`helpers.metrics`. Where a calculation is not a formula from ``helpers.metrics`` its
docstring states the formula and where it comes from.

Groups of functions
-------------------
* **Output, outcome, impact** (``product_usage``, ``release_log``; Seiden, *Outcomes Over
  Output*, 2019): :func:`weekly_adoption`, :func:`adoption_ratio`, :func:`release_week`,
  :func:`contacts_avoided`, :func:`avoided_interval`, :func:`output_outcome_impact`, :func:`first_week_reached`,
  :func:`lead_lag`, :func:`lead_lag_text`, :func:`adoption_summary`; charts
  :func:`chain_chart`, :func:`ratio_chart`, :func:`contacts_chart` and :func:`adoption_chart`, the last redrawn by
  the widget callback that :func:`adoption_view` returns.
* **Moments of truth** (``customer_journey``; Seybold): :func:`moment_churn_risk`,
  :func:`strongest_moment`, :func:`risk_ratio_chart` (churn risk ratios with intervals).
* **Survey metrics and their traps** (``customer_survey``): :func:`rating_distribution`, :func:`rating_chart`,
  :func:`csat_by`, :func:`nps_table`, :func:`pooled_vs_mean_nps`, :func:`nps_points`,
  :func:`nps_sample_estimates`, :func:`nps_noise_table`, :func:`nonresponse_comparison`,
  :func:`response_rate_by_satisfaction`, :func:`response_rate_chart`, :func:`survey_comparison`, :func:`survey_scenarios`;
  the chart :func:`nps_noise_chart`, redrawn by the widget callback that
  :func:`nps_noise_view` returns.
* **Retention, churn, profit, CLV** (``customer_accounts``, module ``accounts``): :func:`churn_by`,
  :func:`monthly_customers`, :func:`cohort_survival`, :func:`retention_check`,
  :func:`customer_profit`, :func:`profit_by_decile`, :func:`profit_chart`, :func:`clv_by_segment`,
  :func:`simpson_table`, :func:`simpson_summary`, :func:`simpson_chart`.

:func:`exact_interval` gives a Clopper-Pearson interval for a proportion,
:func:`difference_interval` a Newcombe interval for the difference of two proportions,
:func:`ratio_interval` a log-scale interval for a risk ratio and :func:`t_quantile` Student's
two-sided t multiplier.

Percentages are in percent (0-100) like the rates of :mod:`helpers.metrics`; churn passed on
to :func:`helpers.metrics.annual_retention` is divided by 100 first.
"""

from __future__ import annotations

from ._common import (
    JOURNEY_MOMENTS,
    SATISFACTION_ROW,
)
from ._common import difference_interval, exact_interval, ratio_interval, t_quantile
from .accounts import (
    churn_by,
    clv_by_segment,
    cohort_survival,
    customer_profit,
    monthly_customers,
    profit_by_decile,
    profit_chart,
    retention_check,
    simpson_chart,
    simpson_summary,
    simpson_table,
)
from .customer_metrics import (
    NOISE_SIZES,
    csat_by,
    nonresponse_comparison,
    nps_noise_chart,
    nps_noise_table,
    nps_noise_view,
    nps_points,
    nps_sample_estimates,
    nps_table,
    pooled_vs_mean_nps,
    rating_chart,
    rating_distribution,
    response_rate_by_satisfaction,
    response_rate_chart,
    survey_comparison,
    survey_scenarios,
)
from .outcomes import (
    adoption_chart,
    adoption_ratio,
    adoption_summary,
    adoption_view,
    avoided_interval,
    chain_chart,
    contacts_avoided,
    contacts_chart,
    first_week_reached,
    lead_lag,
    lead_lag_text,
    moment_churn_risk,
    output_outcome_impact,
    ratio_chart,
    release_week,
    risk_ratio_chart,
    strongest_moment,
    weekly_adoption,
)

__all__ = [
    "JOURNEY_MOMENTS",
    "SATISFACTION_ROW",
    "exact_interval",
    "difference_interval",
    "ratio_interval",
    "t_quantile",
    # output, outcome, impact
    "release_week",
    "weekly_adoption",
    "adoption_ratio",
    "contacts_avoided",
    "avoided_interval",
    "output_outcome_impact",
    "first_week_reached",
    "lead_lag",
    "adoption_summary",
    "lead_lag_text",
    "chain_chart",
    "ratio_chart",
    "contacts_chart",
    "adoption_chart",
    "adoption_view",
    # moments of truth
    "moment_churn_risk",
    "strongest_moment",
    "risk_ratio_chart",
    # survey metrics
    "rating_distribution",
    "rating_chart",
    "csat_by",
    "nps_table",
    "pooled_vs_mean_nps",
    "nps_points",
    "nps_sample_estimates",
    "nps_noise_table",
    "NOISE_SIZES",
    "nps_noise_chart",
    "nps_noise_view",
    "nonresponse_comparison",
    "response_rate_by_satisfaction",
    "response_rate_chart",
    "survey_comparison",
    "survey_scenarios",
    # accounts
    "churn_by",
    "monthly_customers",
    "cohort_survival",
    "retention_check",
    "customer_profit",
    "profit_by_decile",
    "profit_chart",
    "clv_by_segment",
    "simpson_table",
    "simpson_summary",
    "simpson_chart",
]
