"""Education analyses behind notebooks 06-08: enrollment, retention, engagement,
learning gains and educator surveys.

Every rate here is computed by a function of :mod:`helpers.metrics` (IPEDS retention,
persistence, graduation at 150 %, yield, admit rate, summer melt, participation, pooled
rates, Hake gains, Cohen's d, Hedges' g, Cronbach's alpha, reverse coding); this module
prepares the frames those functions need (one row per student, one row per group, one
row per week), puts the results side by side and draws them.

Three groups of functions, one per notebook:

* **06 Enrollment and retention** (``enrollment.py``: funnel, yield, melt, source
  conversion; ``cohorts.py``: cohort outcomes, survival, equity gaps; ``selectivity.py``:
  cohort shaping and the what-if) - :func:`funnel_table`, :func:`source_conversion`,
  :func:`melt_by_group`, :func:`melt_gap_test` (Wilson intervals, pooled two-proportion
  test), :func:`cohort_outcomes`,
  :func:`cohort_rates`, :func:`cohort_survival`, :func:`equity_gaps`,
  :func:`overall_from_groups`, :func:`cohort_shaping_table`, :func:`selectivity_curve`
  and the widget callback :func:`selectivity_view`.
* **07 Engagement and learning** (``engagement.py``: LMS activity and the early-warning
  flag; ``learning.py``: gains, effect sizes, teaching to the test) - :func:`weekly_participation`,
  :func:`activity_per_student`, :func:`activity_summary`, :func:`weekly_activity_profile`,
  :func:`early_warning`, :func:`early_warning_summary`, :func:`engagement_outcome`,
  :func:`class_gains`, :func:`survivorship_gains`, :func:`mode_effect_sizes`,
  :func:`section_table`, :func:`teach_to_test` and the widget callback
  :func:`early_warning_view`.
* **08 Educator satisfaction** - :func:`reverse_items`, :func:`scale_scores`,
  :func:`scale_reliability`, :func:`agreement_shares`, :func:`likert_frame`,
  :func:`likert_chart`, :func:`response_rates`, :func:`nonresponse_check`,
  :func:`nonresponse_within_schools`, :func:`pd_participation`, :func:`school_comparison`
  (optionally Bonferroni-adjusted), :func:`similar_schools`, :func:`ecological_comparison`
  and the widget callback :func:`school_comparison_view`.

Conventions: frames come from :func:`helpers.data.load` (flags are 0/1 integers); rates
are in percent, gains and correlations are fractions; group tables are small (one row
per group) and charts are drawn from them, never from row-level data. Nothing loops over
rows in Python: per-student values come from ``pd.factorize`` codes and ``np.bincount``.
"""

from __future__ import annotations

from ._common import (
    correlation,
)
from .educator_survey import (
    ITEM_LABELS,
    LIKERT_LEVELS,
    MAX_SCHOOLS_DRAWN,
    SCALE_LABELS,
    SCALES,
    agreement_shares,
    ecological_chart,
    ecological_comparison,
    likert_chart,
    likert_frame,
    nonresponse_check,
    nonresponse_within_schools,
    pd_participation,
    response_rates,
    reverse_items,
    scale_reliability,
    scale_scores,
    school_chart,
    school_comparison,
    school_comparison_view,
    school_level_frame,
    similar_schools,
    similar_schools_chart,
    t_quantile,
)
from .engagement import (
    activity_histogram,
    activity_histogram_chart,
    activity_per_student,
    activity_summary,
    deadline_weeks,
    early_warning,
    early_warning_chart,
    early_warning_summary,
    early_warning_tradeoff,
    early_warning_view,
    engagement_outcome,
    engagement_outcome_chart,
    participation_chart,
    weekly_activity_profile,
    weekly_participation,
    weekly_profile_chart,
)
from .learning import (
    class_gains,
    mode_effect_sizes,
    prepost_effect_size,
    section_chart,
    section_table,
    survivorship_gains,
    teach_to_test,
)
from .enrollment import (
    FUNNEL_STAGES,
    funnel_chart,
    funnel_rates_chart,
    funnel_stage_frame,
    funnel_table,
    melt_by_group,
    melt_gap_test,
    pick_cohort,
    source_conversion,
    source_conversion_chart,
    two_proportion_test,
    wilson_interval,
)
from .cohorts import (
    INSTITUTION_PROFILES,
    InstitutionProfile,
    cohort_outcomes,
    cohort_rates,
    cohort_survival,
    equity_chart,
    equity_gaps,
    group_rates,
    institution_profile,
    overall_from_groups,
    survival_chart,
)
from .selectivity import (
    cohort_shaping_table,
    selectivity_chart,
    selectivity_curve,
    selectivity_view,
    shaping_chart,
)

__all__ = [
    # 06 enrollment and retention
    "FUNNEL_STAGES",
    "INSTITUTION_PROFILES",
    "InstitutionProfile",
    "institution_profile",
    "pick_cohort",
    "funnel_table",
    "funnel_stage_frame",
    "funnel_chart",
    "funnel_rates_chart",
    "source_conversion",
    "source_conversion_chart",
    "melt_by_group",
    "melt_gap_test",
    "wilson_interval",
    "two_proportion_test",
    "cohort_outcomes",
    "cohort_rates",
    "cohort_survival",
    "survival_chart",
    "group_rates",
    "equity_gaps",
    "overall_from_groups",
    "equity_chart",
    "cohort_shaping_table",
    "shaping_chart",
    "selectivity_curve",
    "selectivity_chart",
    "selectivity_view",
    # 07 engagement and learning
    "weekly_participation",
    "participation_chart",
    "activity_per_student",
    "activity_summary",
    "activity_histogram",
    "activity_histogram_chart",
    "weekly_activity_profile",
    "deadline_weeks",
    "weekly_profile_chart",
    "early_warning",
    "early_warning_summary",
    "early_warning_tradeoff",
    "early_warning_chart",
    "early_warning_view",
    "engagement_outcome",
    "engagement_outcome_chart",
    "class_gains",
    "survivorship_gains",
    "mode_effect_sizes",
    "prepost_effect_size",
    "section_table",
    "teach_to_test",
    "section_chart",
    # 08 educator satisfaction
    "SCALES",
    "SCALE_LABELS",
    "MAX_SCHOOLS_DRAWN",
    "ITEM_LABELS",
    "LIKERT_LEVELS",
    "reverse_items",
    "scale_scores",
    "scale_reliability",
    "agreement_shares",
    "likert_frame",
    "likert_chart",
    "response_rates",
    "nonresponse_check",
    "nonresponse_within_schools",
    "pd_participation",
    "t_quantile",
    "school_comparison",
    "school_chart",
    "school_comparison_view",
    "school_level_frame",
    "similar_schools",
    "similar_schools_chart",
    "ecological_comparison",
    "ecological_chart",
    "correlation",
]
