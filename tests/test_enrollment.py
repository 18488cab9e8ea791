"""helpers.education.enrollment (notebook 06): the funnel statistics (Wilson intervals, the
pooled two-proportion test, melt by group, conversion by source) by hand, the planted
patterns the notebook reads over many seeds, and the relabelled what-if."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import charts, data, education as ed
from helpers.education.enrollment import Z95

MANY_SEEDS = range(20)


def test_wilson_interval_by_hand():
    lo, hi = ed.wilson_interval([0, 5, 10], [10, 10, 10])
    z2 = Z95**2
    assert lo[0] == pytest.approx(0.0, abs=1e-12) and hi[0] == pytest.approx(100 * z2 / (10 + z2))
    assert lo[2] == pytest.approx(100 - hi[0]) and hi[2] == pytest.approx(100.0)
    assert (lo[1] + hi[1]) / 2 == pytest.approx(50.0)  # symmetric at p = 0.5
    # a large group: close to p +- 1.96 SE
    lo, hi = ed.wilson_interval(400, 1000)
    se = math.sqrt(0.4 * 0.6 / 1000)
    assert float(lo) == pytest.approx(100 * (0.4 - Z95 * se), abs=0.05)
    assert float(hi) == pytest.approx(100 * (0.4 + Z95 * se), abs=0.05)
    nan_lo, _ = ed.wilson_interval(0, 0)
    assert math.isnan(float(nan_lo))
    with pytest.raises(ValueError, match="between 0 and its n"):
        ed.wilson_interval(11, 10)


def test_two_proportion_test_by_hand():
    t = ed.two_proportion_test(30, 100, 15, 100)
    pooled = 45 / 200
    se0 = math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert t["diff"] == pytest.approx(15.0)
    assert t["z"] == pytest.approx(0.15 / se0)
    assert t["p_value"] == pytest.approx(math.erfc(abs(t["z"]) / math.sqrt(2)))
    se1 = math.sqrt(0.3 * 0.7 / 100 + 0.15 * 0.85 / 100)
    assert t["lo"] == pytest.approx(100 * (0.15 - Z95 * se1)) and t["hi"] == pytest.approx(100 * (0.15 + Z95 * se1))
    same = ed.two_proportion_test(10, 50, 20, 100)
    assert same["z"] == pytest.approx(0.0) and same["p_value"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="both groups"):
        ed.two_proportion_test(0, 0, 1, 10)
    # a Bonferroni-corrected interval: wider, same centre
    wide = ed.two_proportion_test(30, 100, 15, 100, level=0.975)
    z975 = 2.241402727604947
    assert wide["lo"] == pytest.approx(100 * (0.15 - z975 * se1)) and wide["hi"] == pytest.approx(100 * (0.15 + z975 * se1))
    assert wide["z"] == pytest.approx(t["z"]) and wide["level"] == 0.975
    with pytest.raises(ValueError, match="level"):
        ed.two_proportion_test(30, 100, 15, 100, level=95)


def tiny_funnel() -> pd.DataFrame:
    """Ten depositors (4 Pell, 6 not) and four prospects who never applied (Pell unknown)."""
    return pd.DataFrame({
        "source":          ["web"] * 7 + ["referral"] * 7,
        "inquired":        [1] * 12 + [0, 1],
        "applied":         [1] * 10 + [0, 0, 0, 0],
        "admitted":        [1] * 10 + [0, 0, 0, 0],
        "deposited":       [1] * 10 + [0, 0, 0, 0],
        "enrolled_census": [0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        "pell":            [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, None, None, None, None],
        "first_generation": [1, 0] * 7,
    })


def test_melt_by_group_and_gap_by_hand():
    f = tiny_funnel()
    t = ed.melt_by_group(f, "pell").set_index("group")
    assert t.loc["Pell", "depositors"] == 4 and t.loc["Pell", "melted"] == 1
    assert t.loc["not Pell", "depositors"] == 6 and t.loc["not Pell", "melted"] == 1
    assert t.loc["Pell", "melt"] == pytest.approx(25.0)
    lo, hi = ed.wilson_interval(1, 4)
    assert t.loc["Pell", "lo"] == pytest.approx(float(lo)) and t.loc["Pell", "hi"] == pytest.approx(float(hi))
    g = ed.melt_gap_test(f, "pell")
    assert g["n_a"] == 4 and g["n_b"] == 6 and g["diff"] == pytest.approx(25.0 - 100 / 6)


def test_source_conversion_by_hand():
    t = ed.source_conversion(tiny_funnel()).set_index("source")
    assert t.loc["web", "inquiries"] == 7 and t.loc["web", "applications"] == 7
    assert t.loc["referral", "inquiries"] == 6 and t.loc["referral", "applications"] == 3  # one never inquired
    assert t.loc["referral", "conversion"] == pytest.approx(50.0)
    assert list(t.index) == ["web", "referral"]  # highest conversion first


@pytest.mark.parametrize("seed", MANY_SEEDS)
def test_planted_funnel_patterns_hold_for_many_seeds(seed):
    """What notebook 06 reads (printed from the numbers, so this is a guard, not a promise in the text):
    with three classes pooled, first-generation and Pell melt gaps clear the two-comparison bar
    (their 97.5% intervals exclude zero); referrals convert inquiries to applications better than
    college fairs in a default-size class."""
    f = data.load("enrollment_funnel", seed=seed)
    for col in ("first_generation", "pell"):
        t = ed.melt_gap_test(f, col, level=0.975)
        assert t["lo"] > 0 and t["z"] > 2.24, col
    t = ed.source_conversion(ed.pick_cohort(f, int(f["cohort_year"].max()))).set_index("source")
    assert t.loc["referral", "lo"] > t.loc["college_fair", "hi"]


@pytest.mark.parametrize("seed", MANY_SEEDS)
def test_every_cohort_has_exclusions_for_many_seeds(seed):
    """Exercises 3 and 4 catch ignored exclusions only where some exist: every default-size
    cohort has an allowed exclusion in the second fall (data/README.md), and the worked
    example of section 3 uses another cohort than the exercise."""
    from helpers.exercises import nb06

    o = ed.cohort_outcomes(data.load("student_terms", seed=seed))
    assert nb06.other_cohort(o, 2017) == 2016 and nb06.other_cohort(o, 2016) == 2017
    census = o[o["in_cohort"]]
    per_cohort = (census["exclusion_1"] != "none").groupby(census["cohort_year"]).sum()
    assert (per_cohort >= 1).all(), per_cohort.to_dict()


def test_other_year():
    from helpers.exercises import nb06

    assert nb06.other_year([2022, 2023, 2024, 2024], 2024) == 2022
    assert nb06.other_year([2022, 2023], 2022) == 2023
    assert nb06.other_year([2022], 2022) == 2022


def test_selectivity_curve_is_about_this_cohort():
    o = ed.cohort_outcomes(data.load("student_terms"))
    curve = ed.selectivity_curve(o, 2017)
    assert {"kept_share", "kept", "retention", "access_share", "underserved_kept"} <= set(curve.columns)
    assert "admit_share" not in curve.columns
    assert curve["kept_share"].between(0.1, 1.0).all()
    spec = ed.selectivity_chart(curve, kept_share=0.8).to_dict()
    text = str(spec)
    assert "share of this cohort kept (%)" in text and "benchmark" not in text
    assert "Keeping 80%" in spec["description"]
    with pytest.raises(ValueError, match="fractions"):
        ed.selectivity_curve(o, 2017, kept_shares=[80])


def test_survival_chart_counts_years_since_entry():
    terms = data.load("student_terms")
    spec = ed.survival_chart(ed.cohort_survival(terms, 2017)).to_dict()
    assert "years since entry" in str(spec)
    assert "One year after entry" in spec["description"] and "Fall 20" not in spec["description"]


def test_new_charts_render_with_descriptions():
    charts.setup()
    cls = ed.pick_cohort(data.load("enrollment_funnel"), 2024)
    spec = ed.source_conversion_chart(ed.source_conversion(cls)).to_dict()
    assert "95% intervals" in spec["description"] and " of " in spec["description"]
    bundle, _ = charts.render_bundle(spec)
    assert bundle["text/html"].startswith('<div class="mw-chart"><img')


def test_shaping_table_docstring_is_honest_about_all_entrants():
    doc = ed.cohort_shaping_table.__doc__ or ""
    assert "cannot flatter" not in doc and "spring" in doc
    assert np.isfinite(ed.cohort_shaping_table(ed.cohort_outcomes(data.load("student_terms")))["retention_all_entrants"]).all()


def test_equity_gaps_carry_wilson_intervals_and_the_chart_draws_them():
    o = ed.cohort_outcomes(data.load("student_terms"))
    gaps = ed.equity_gaps(ed.pick_cohort(o, 2017))
    lo, hi = ed.wilson_interval(gaps["count"], gaps["n"])
    assert np.allclose(gaps["lo"], lo) and np.allclose(gaps["hi"], hi)
    assert ((gaps["lo"] <= gaps["rate"]) & (gaps["rate"] <= gaps["hi"])).all()
    spec = ed.equity_chart(gaps, 70.0).to_dict()
    text = str(spec)
    assert "with its 95% interval" in spec["description"] and "retained in the second fall (%)" in text
    assert "first-generation status" in text and "Pell status" in text  # readable legend, not column names


def test_selectivity_counts_the_adjusted_cohort():
    """Keeping everyone reproduces the cohort's IPEDS rate with the adjusted cohort as its
    denominator: students with an allowed exclusion are neither kept nor counted."""
    o = ed.cohort_outcomes(data.load("student_terms"))
    r = ed.cohort_rates(o, 2017)
    assert r["exclusions"] > 0  # the default 2017 full-time cohort has some (seed 42)
    full = ed.selectivity_curve(o, 2017, kept_shares=[1.0]).iloc[0]
    assert int(full["kept"]) == r["adjusted_cohort"]
    assert full["retention"] == pytest.approx(r["retention"])


@pytest.mark.parametrize("seed", MANY_SEEDS)
def test_written_sentences_of_notebook_06_hold_for_many_seeds(seed):
    """Sentences notebook 06 writes rather than prints: many first-generation depositors are
    also Pell (the two melt tests are not independent); the gap between persistence and
    retention is the transfer-out share; the survival chart's 'enrolled here' block shrinks
    and its 'completed here' block grows; keeping fewer students of the cohort raises the
    retention of those kept and lowers their first-generation or Pell share."""
    f = data.load("enrollment_funnel", seed=seed)
    terms = data.load("student_terms", seed=seed)
    o = ed.cohort_outcomes(terms)
    fg_dep = f[(f["deposited"] == 1) & (f["first_generation"] == 1)]
    assert (fg_dep["pell"] == 1).mean() > 0.4
    for year in (2016, 2017, 2018):
        r = ed.cohort_rates(o, year)
        assert r["persistence"] - r["retention"] == pytest.approx(r["transfer_out"], abs=1e-9)
    s = ed.cohort_survival(terms, 2017).pivot(index="term_index", columns="state", values="percent")
    assert (np.diff(s["enrolled here"].to_numpy()) <= 0).all()
    assert (np.diff(s["completed here"].to_numpy()) >= 0).all()
    c = ed.selectivity_curve(o, 2017)
    assert c["retention"].iloc[0] > c["retention"].iloc[-1]
    assert c["access_share"].iloc[0] < c["access_share"].iloc[-1]


def test_full_time_cohorts_with_exclusions_over_seeds():
    """Exercise 4 names ignored exclusions only when the full-time cohort has some. The data
    guarantee exclusions per cohort (any attendance), not per full-time cohort: at seeds 11 and
    17 the 2017 full-time cohort has none, and exercise 4 says so instead of claiming some."""
    from helpers.exercises import nb06

    without = []
    for seed in range(30):
        terms = data.load("student_terms", seed=seed)
        o = ed.cohort_outcomes(terms)
        n_excl = ed.cohort_rates(o, 2017)["exclusions"]
        q4 = nb06._q4(o, 2017, 2016)
        named = any(label == "allowed exclusions kept in the cohort" for label, _, _ in q4.mistakes)
        if n_excl:
            assert named and f"{n_excl} student(s)" in q4.question, seed
        else:
            without.append(seed)
            assert not named and "none of its census cohort" in q4.question, seed
    assert len(without) <= 3, without


@pytest.mark.parametrize("seed", [42, 7, 11])
def test_source_conversion_equals_the_notebooks_pandas(seed):
    """Notebook 06 computes the conversion by source in view and says the helper does the same."""
    cls = ed.pick_cohort(data.load("enrollment_funnel", seed=seed), 2024)
    inquirers = cls[cls["inquired"] == 1]
    by_hand = (inquirers.groupby("source", observed=True)["applied"].agg(inquiries="size", applications="sum")
               .assign(conversion=lambda t: 100 * t["applications"] / t["inquiries"])
               .sort_values("conversion", ascending=False).reset_index())
    helper = ed.source_conversion(cls)
    assert list(by_hand["source"].astype(str)) == list(helper["source"])
    assert np.allclose(by_hand["conversion"], helper["conversion"])
    assert (by_hand["inquiries"].to_numpy() == helper["inquiries"].to_numpy()).all()
