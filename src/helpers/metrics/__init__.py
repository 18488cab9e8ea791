"""Metric formulas used by the workbook, each with its definition and source.

Conventions used throughout this module
---------------------------------------
* **Inputs** may be a scalar, a list, a NumPy array or a pandas Series (or Index).
  Arrays are compared *by position*, never aligned by pandas index.
* **Missing values** (``None``, ``NaN``, ``pd.NA``) are dropped only where a function's
  docstring says so (survey scores, effect-size groups, profit lists, Cronbach's alpha,
  top-box shares). Everywhere else - counts, cohort flags, paired pre/post scores - a missing
  value raises ``ValueError``: silently dropping a student or a customer there changes the
  metric (see the survivorship warning in :func:`hake_gain`).
* **Percent or fraction.** Rates that a dashboard would show (NPS, CSAT, CES shares, churn,
  retention, graduation, yield, ...) are returned in **percent** (0-100). Quantities that
  enter further formulas are **fractions**: ``annual_retention`` / ``naive_annual_retention``
  / ``expected_lifetime`` take churn as a fraction (2 % -> ``0.02``), ``clv`` takes the
  retention and discount rates as fractions, ``funnel_limits`` works with proportions
  (``p0 = 0.8``), and learning gains are fractions (0.48, not 48).
* **Return types.** Summary metrics return a Python ``float``. Element-wise metrics
  (``retention_rate``, ``churn_rate``, ``annual_retention``, ``clv``, ``yield_rate``, ...)
  return a ``float`` when every argument is a scalar, a pandas Series (index of the first
  Series argument) when an argument is a Series, and a NumPy array otherwise.
* **Invalid input** raises ``ValueError`` whose message names the argument, the rule it
  broke, the first offending value and its position.

Everything is vectorized with NumPy; no function loops over rows in Python.
"""

from __future__ import annotations

from helpers.metrics.rates import (
    Values as Values,
    Result as Result,
    _MissingPolicy as _MissingPolicy,
    _fmt as _fmt,
    _is_scalar as _is_scalar,
    _to_1d as _to_1d,
    _fail_if as _fail_if,
    _fail_pair as _fail_pair,
    _pct as _pct,
    _nonempty as _nonempty,
    _rating_scores as _rating_scores,
    _broadcast as _broadcast,
    _elementwise_inputs as _elementwise_inputs,
    _wrap as _wrap,
    _flags as _flags,
    relative_lift as relative_lift,
    _num_den as _num_den,
    pooled_rate as pooled_rate,
    mean_of_rates as mean_of_rates,
    FunnelMethod as FunnelMethod,
    _tail as _tail,
    _check_p0 as _check_p0,
    _whole_n as _whole_n,
    _binom_cdf as _binom_cdf,
    _exact_lower as _exact_lower,
    _exact_limits as _exact_limits,
    funnel_limits as funnel_limits,
    outside_funnel as outside_funnel,
)
from helpers.metrics.customer import (
    NPS_PROMOTER_MIN as NPS_PROMOTER_MIN,
    NPS_DETRACTOR_MAX as NPS_DETRACTOR_MAX,
    _nps_counts as _nps_counts,
    nps as nps,
    nps_breakdown as nps_breakdown,
    nps_from_counts as nps_from_counts,
    nps_standard_error as nps_standard_error,
    nps_confidence_interval as nps_confidence_interval,
    csat as csat,
    _CES_VARIANTS as _CES_VARIANTS,
    ces as ces,
    top_box_share as top_box_share,
    retention_rate as retention_rate,
    churn_rate as churn_rate,
    _churn_fraction as _churn_fraction,
    annual_retention as annual_retention,
    naive_annual_retention as naive_annual_retention,
    _check_periods as _check_periods,
    expected_lifetime as expected_lifetime,
    clv as clv,
    top_decile_share as top_decile_share,
    customer_profit_summary as customer_profit_summary,
)
from helpers.metrics.education import (
    IPEDS_ALLOWED_EXCLUSIONS as IPEDS_ALLOWED_EXCLUSIONS,
    _NO_EXCLUSION_LABELS as _NO_EXCLUSION_LABELS,
    HAKE_LOW_MAX as HAKE_LOW_MAX,
    HAKE_HIGH_MIN as HAKE_HIGH_MIN,
    _exclusion_mask as _exclusion_mask,
    _cohort_rate as _cohort_rate,
    ipeds_retention as ipeds_retention,
    persistence_rate as persistence_rate,
    graduation_rate_150 as graduation_rate_150,
    participation_rate as participation_rate,
    _ratio_pct as _ratio_pct,
    yield_rate as yield_rate,
    admit_rate as admit_rate,
    summer_melt_rate as summer_melt_rate,
    _max_score as _max_score,
    _pre_post as _pre_post,
    hake_gain as hake_gain,
    mean_individual_gain as mean_individual_gain,
    hake_category as hake_category,
    _two_groups as _two_groups,
    _effectively_zero as _effectively_zero,
    cohens_d as cohens_d,
    hedges_correction as hedges_correction,
    hedges_g as hedges_g,
    effect_size_label as effect_size_label,
    cronbach_alpha as cronbach_alpha,
    reverse_code as reverse_code,
)


__all__ = [
    # constants
    "NPS_PROMOTER_MIN",
    "NPS_DETRACTOR_MAX",
    "IPEDS_ALLOWED_EXCLUSIONS",
    "HAKE_LOW_MAX",
    "HAKE_HIGH_MIN",
    # customer metrics
    "nps",
    "nps_breakdown",
    "nps_from_counts",
    "nps_standard_error",
    "nps_confidence_interval",
    "csat",
    "ces",
    "top_box_share",
    "retention_rate",
    "churn_rate",
    "annual_retention",
    "naive_annual_retention",
    "expected_lifetime",
    "clv",
    "customer_profit_summary",
    "top_decile_share",
    "relative_lift",
    # rates and comparisons
    "pooled_rate",
    "mean_of_rates",
    "funnel_limits",
    "outside_funnel",
    # education metrics
    "ipeds_retention",
    "persistence_rate",
    "graduation_rate_150",
    "participation_rate",
    "yield_rate",
    "admit_rate",
    "summer_melt_rate",
    "hake_gain",
    "mean_individual_gain",
    "hake_category",
    "cohens_d",
    "hedges_correction",
    "hedges_g",
    "effect_size_label",
    "cronbach_alpha",
    "reverse_code",
]
