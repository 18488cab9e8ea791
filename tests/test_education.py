"""helpers.education: hand-computed cases on tiny frames, invariants and planted patterns
under several seeds, and the widget views (specs that render)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import charts, data, education as ed, metrics

SEEDS = (42, 7, 1, 2023)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", params=SEEDS)
def seeded(request):
    seed = request.param
    terms = data.load("student_terms", seed=seed)
    return {
        "seed": seed,
        "funnel": data.load("enrollment_funnel", seed=seed),
        "terms": terms,
        "outcomes": ed.cohort_outcomes(terms),
        "lms": data.load("lms_activity", seed=seed),
        "assessments": data.load("assessments", seed=seed),
        "survey": data.load("educator_survey", seed=seed),
    }


def tiny_terms() -> pd.DataFrame:
    """Five students of the 2020 cohort, three falls each (hand-made).

    A: full-time, stays all three falls.           B: full-time, transfers out before fall 2.
    C: full-time, withdrew before census (1 row).  D: full-time, military exclusion from fall 2.
    E: part-time, first-generation and Pell, stops out after fall 1.
    """
    rows = []

    def add(sid, att, fg, pell, states, withdrew=False):
        for k, (enr, elsewhere, tr, comp, excl) in enumerate(states):
            rows.append(dict(student_id=sid, cohort_year=2020, term=2020 + k, term_index=k, attendance=att,
                             first_generation=fg, pell=pell, enrolled=enr, enrolled_elsewhere=elsewhere,
                             transferred_out=tr, completed=comp, exclusion=excl,
                             withdrew_before_census=int(withdrew and k == 0)))

    add("A", "full-time", 0, 0, [(1, 0, 0, 0, "none"), (1, 0, 0, 0, "none"), (0, 0, 0, 1, "none")])
    add("B", "full-time", 0, 1, [(1, 0, 0, 0, "none"), (0, 1, 1, 0, "none"), (0, 1, 1, 0, "none")])
    add("C", "full-time", 1, 0, [(0, 0, 0, 0, "none")], withdrew=True)
    add("D", "full-time", 0, 0, [(1, 0, 0, 0, "none"), (0, 0, 0, 0, "military"), (0, 0, 0, 0, "military")])
    add("E", "part-time", 1, 1, [(1, 0, 0, 0, "none"), (0, 0, 0, 0, "none"), (0, 0, 0, 0, "none")])
    return pd.DataFrame(rows)


def tiny_lms() -> pd.DataFrame:
    """Three students, four weeks; X withdraws in week 2 (rows stop after it)."""
    rows = [
        # student, week, clicks, submissions, result, withdrawal week
        ("X", 1, 0, 0, "Withdrawn", 2), ("X", 2, 3, 0, "Withdrawn", 2),
        ("Y", 1, 10, 1, "Pass", None), ("Y", 2, 20, 1, "Pass", None), ("Y", 3, 0, 0, "Pass", None), ("Y", 4, 30, 1, "Pass", None),
        ("Z", 1, 5, 0, "Fail", None), ("Z", 2, 0, 0, "Fail", None), ("Z", 3, 5, 1, "Fail", None), ("Z", 4, 0, 0, "Fail", None),
    ]
    df = pd.DataFrame(rows, columns=["student_id", "week", "clicks", "submissions", "final_result", "withdrawal_week"])
    df["course_id"] = "C1"
    df["sessions"] = np.minimum(df["clicks"], 1)
    df["posts"] = 0
    df["active"] = (df["clicks"] > 0).astype("int64")
    return df


# --------------------------------------------------------------------------- 06 funnel


def test_funnel_table_by_hand():
    f = pd.DataFrame({
        "inquired":        [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
        "applied":         [1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        "admitted":        [1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
        "deposited":       [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "enrolled_census": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "source": ["web"] * 5 + ["referral"] * 5,
    })
    t = ed.funnel_table(f).iloc[0]
    assert (t["prospects"], t["inquired"], t["applied"], t["admitted"], t["deposited"], t["enrolled_census"]) == (10, 8, 6, 4, 2, 1)
    assert t["admit_rate"] == pytest.approx(400 / 6)
    assert t["deposit_rate"] == pytest.approx(50.0)
    assert t["yield_rate"] == pytest.approx(25.0)
    assert t["summer_melt"] == pytest.approx(50.0)
    assert t["enrolled_pct_of_prospects"] == pytest.approx(10.0)
    by = ed.funnel_table(f, "source").set_index("group")
    assert by.loc["referral", "applied"] == 1 and by.loc["referral", "admitted"] == 0
    assert math.isnan(by.loc["referral", "yield_rate"])  # nobody admitted: no yield, no error
    assert by.loc["web", "yield_rate"] == pytest.approx(25.0)
    assert by.loc["all", "applied"] == 6


def test_funnel_rates_follow_metrics(seeded):
    cls = ed.pick_cohort(seeded["funnel"], int(seeded["funnel"]["cohort_year"].max()))
    t = ed.funnel_table(cls).iloc[0]
    assert t["yield_rate"] == pytest.approx(metrics.yield_rate(int(cls["enrolled_census"].sum()), int(cls["admitted"].sum())))
    assert t["summer_melt"] == pytest.approx(100 * cls["melted"].sum() / cls["deposited"].sum())
    by = ed.funnel_table(cls, "pell")
    # Pell is known only for applicants: the breakdown starts at the application stage
    assert (by["prospects"] == by["applied"]).all()
    stages = ed.funnel_stage_frame(by)
    assert stages.groupby("group")["count"].apply(lambda s: s.is_monotonic_decreasing).all()


def test_pick_cohort_error_lists_years():
    with pytest.raises(ValueError, match="available: 2016, 2017, 2018"):
        ed.pick_cohort(data.load("student_terms"), 1999)


def test_institution_profiles():
    p = ed.institution_profile("four_year")
    assert p.benchmark_retention == 81.7 and not hasattr(p, "admit_share")  # no national admit share on this cohort
    with pytest.raises(ValueError, match="open_admission"):
        ed.institution_profile("ivy")


# --------------------------------------------------------------------------- 06 cohorts


def test_cohort_outcomes_and_rates_by_hand():
    o = ed.cohort_outcomes(tiny_terms(), graduation_term=2).set_index("student_id")
    assert list(o.index) == ["A", "B", "C", "D", "E"]
    assert o.loc["A", "retained"] and not o.loc["B", "retained"] and o.loc["B", "persisted"]
    assert o.loc["B", "transferred_out"] and not o.loc["C", "in_cohort"]
    assert o.loc["D", "exclusion_1"] == "military" and o.loc["A", "exclusion_1"] == "none"
    assert o.loc["E", "underserved"] and not o.loc["A", "underserved"]
    assert o.loc["A", "completed_150"] == 1.0 and math.isnan(o.loc["C", "completed_150"])
    r = ed.cohort_rates(o.reset_index(), 2020)  # full-time: A, B, C (withdrew), D (excluded)
    assert r["entrants"] == 4 and r["withdrew_before_census"] == 1 and r["census_cohort"] == 3
    assert r["exclusions"] == 1 and r["adjusted_cohort"] == 2 and r["retained"] == 1
    assert r["retention"] == pytest.approx(50.0)       # A of {A, B}: B transferred out, not retained
    assert r["persistence"] == pytest.approx(100.0)    # B is enrolled elsewhere
    assert r["transfer_out"] == pytest.approx(50.0)
    # graduation by fall 3: A completed; B (transferred) stays in the cohort; D is excluded;
    # C never entered the census cohort
    assert r["graduation_150"] == pytest.approx(50.0) and r["graduation_adjusted_cohort"] == 2
    short = ed.cohort_rates(ed.cohort_outcomes(tiny_terms(), graduation_term=5), 2020)
    assert math.isnan(short["graduation_150"])  # the data end before the graduation fall
    r_all = ed.cohort_rates(o.reset_index(), 2020, attendance=None)
    assert r_all["adjusted_cohort"] == 3 and r_all["retention"] == pytest.approx(100 / 3)


def test_cohort_rates_match_metrics_on_generated_data(seeded):
    o = seeded["outcomes"]
    for year in (2016, 2017, 2018):
        c = o[(o["cohort_year"] == year) & (o["attendance"] == "full-time") & o["in_cohort"]]
        r = ed.cohort_rates(o, year)
        assert r["retention"] == pytest.approx(metrics.ipeds_retention(c["retained"], c["exclusion_1"]))
        assert r["graduation_150"] == pytest.approx(metrics.graduation_rate_150(c["completed_150"].astype(bool), c["exclusion_150"]))
        assert 0 <= r["retention"] <= r["persistence"] <= 100
        assert 0 <= r["graduation_150"] <= 100
        assert r["entrants"] == r["withdrew_before_census"] + r["census_cohort"]


def test_survival_shares_sum_to_100(seeded):
    s = ed.cohort_survival(seeded["terms"], 2017)
    totals = s.groupby("term_index")["percent"].sum()
    assert np.allclose(totals, 100.0)
    first = s[s["term_index"] == 0].set_index("state")["percent"]
    assert first["enrolled here"] == pytest.approx(100.0)
    second = s[s["term_index"] == 1].set_index("state")["percent"]
    assert second["enrolled here"] == pytest.approx(ed.cohort_rates(seeded["outcomes"], 2017)["retention"], abs=0.5)
    completed = s[s["state"] == "completed here"]["percent"].to_numpy()
    assert (np.diff(completed) >= -1e-9).all()  # completion is cumulative


def test_survival_by_hand():
    s = ed.cohort_survival(tiny_terms(), 2020)
    second = s[s["term_index"] == 1].set_index("state")["students"]
    assert second["enrolled here"] == 1 and second["enrolled elsewhere"] == 1 and second["excluded"] == 1
    third = s[s["term_index"] == 2].set_index("state")["students"]
    assert third["completed here"] == 1


def test_overall_from_groups_by_hand():
    table = pd.DataFrame({"count": [1, 90], "n": [10, 100]})
    both = ed.overall_from_groups(table)
    assert both["pooled"] == pytest.approx(100 * 91 / 110)
    assert both["mean_of_rates"] == pytest.approx(50.0)
    assert both["difference"] == pytest.approx(50.0 - 100 * 91 / 110)


def test_equity_gaps_invariants(seeded):
    c = ed.pick_cohort(seeded["outcomes"], 2017)
    gaps = ed.equity_gaps(c)
    overall = ed.cohort_rates(c, attendance=None)["retention"]
    for _dim, g in gaps.groupby("dimension"):
        # the pooled rate of the groups is the cohort's rate; the mean of rates is not
        assert ed.overall_from_groups(g)["pooled"] == pytest.approx(overall)
        assert g["rate"].min() - 1e-9 <= overall <= g["rate"].max() + 1e-9
        assert np.allclose(g["gap"], g["rate"] - g["rest_rate"])
        assert g["share"].sum() == pytest.approx(100.0)
    part = gaps[(gaps["dimension"] == "attendance") & (gaps["group"] == "part-time")]
    assert float(part["gap"].iloc[0]) < -15  # planted: part-time students return far less often
    fg = gaps[(gaps["dimension"] == "first_generation") & (gaps["group"] == "first-generation")]
    assert float(fg["gap"].iloc[0]) < 0


def test_group_rates_rejects_unknown_outcome():
    with pytest.raises(ValueError, match="outcome must be one of"):
        ed.group_rates(ed.cohort_outcomes(tiny_terms()), "attendance", "happy")


def test_cohort_shaping_is_found(seeded):
    table = ed.cohort_shaping_table(seeded["outcomes"])
    shaped = data.planted("student_terms", seeded["seed"])["shaped_cohort"]
    row = table.set_index("cohort_year").loc[shaped]
    others = table[table["cohort_year"] != shaped]
    assert row["withdrew_pct"] > others["withdrew_pct"].max()
    assert row["access_cohort"] < others["access_cohort"].min()
    assert row["retention"] > others["retention"].max()                      # the headline looks better ...
    assert row["retention_all_entrants"] < others["retention_all_entrants"].min()  # ... the honest rate does not
    gap = table["retention"] - table["retention_all_entrants"]
    assert int(table.loc[gap.idxmax(), "cohort_year"]) == shaped


def test_selectivity_curve(seeded):
    o = seeded["outcomes"]
    curve = ed.selectivity_curve(o, 2017)
    full = curve[curve["kept_share"] == 1.0].iloc[0]
    r = ed.cohort_rates(o, 2017)
    assert full["retention"] == pytest.approx(r["retention"])
    assert full["kept"] == r["adjusted_cohort"]  # the students the rate counts (exclusions out)
    top, bottom = curve.iloc[0], curve.iloc[-1]
    assert top["retention"] > bottom["retention"] and top["access_share"] < bottom["access_share"]
    fair = ed.selectivity_curve(o, 2017, background_weight=0.0)
    assert fair.iloc[4]["access_share"] > curve.iloc[4]["access_share"]
    with pytest.raises(ValueError, match="validity"):
        ed.selectivity_curve(o, 2017, validity=1.0)


# --------------------------------------------------------------------------- 07 engagement


def test_weekly_participation_by_hand():
    w = ed.weekly_participation(tiny_lms()).set_index("week")
    assert list(w["enrolled"]) == [3, 3, 2, 2] and list(w["active"]) == [2, 2, 1, 1]
    assert w.loc[1, "participation"] == pytest.approx(200 / 3)
    assert w.loc[3, "participation"] == pytest.approx(50.0)
    assert w.loc[3, "participation_of_starters"] == pytest.approx(100 / 3)
    by = ed.weekly_participation(tiny_lms(), "course_id")
    assert list(by["course_id"].unique()) == ["C1"]


def test_participation_invariants(seeded):
    lms = seeded["lms"]
    w = ed.weekly_participation(lms)
    assert (w["participation_of_starters"] <= w["participation"] + 1e-9).all()
    assert w["enrolled"].is_monotonic_decreasing
    last = lms[lms["week"] == lms["week"].max()]
    assert w.iloc[-1]["participation"] == pytest.approx(metrics.participation_rate(last["active"]))
    by = ed.weekly_participation(lms, "course_id")
    pooled = by.groupby("week")[["active", "enrolled"]].sum()
    assert np.allclose(pooled["active"], w.set_index("week")["active"])


def test_activity_per_student_and_summary():
    ps = ed.activity_per_student(tiny_lms()).set_index("student_id")
    assert ps.loc["Y", "clicks"] == 60 and ps.loc["Y", "weeks"] == 4 and ps.loc["Y", "active_weeks"] == 3
    assert ps.loc["X", "withdrawn"] and ps.loc["Y", "passed"] and not ps.loc["Z", "passed"]
    assert ps.loc["X", "clicks_per_week"] == pytest.approx(1.5)
    s = ed.activity_summary([1, 2, 3, 4, 100])
    assert s["mean"] == pytest.approx(22.0) and s["median"] == pytest.approx(3.0)
    assert s["skewness"] > 1 and s["top_decile_share"] == pytest.approx(100 * 100 / 110)
    h = ed.activity_histogram([0, 1, 2, 3, 50], bins=4)
    assert h["students"].sum() == 5


def test_activity_is_right_skewed_with_deadline_spikes(seeded):
    lms = seeded["lms"]
    ps = ed.activity_per_student(lms)
    assert ps["clicks"].sum() == lms["clicks"].sum()
    s = ed.activity_summary(ps["clicks_per_week"])
    assert s["mean"] > s["median"] and s["skewness"] > 0.5
    prof = ed.weekly_activity_profile(lms)
    planted = data.planted("lms_activity", seeded["seed"])["deadline_weeks"]
    found = ed.deadline_weeks(prof)
    for course, weeks in found.items():
        assert set(weeks) <= set(planted[course]) and len(weeks) >= 2
    assert prof.loc[prof["deadline"], "relative"].mean() > 1.5 * prof.loc[~prof["deadline"], "relative"].mean()


def test_early_warning_by_hand():
    ew = ed.early_warning(tiny_lms(), window=2, min_active_weeks=2).set_index("student_id")
    # X left in week 2 (inside the window): not scored
    assert list(ew.index) == ["Y", "Z"]
    assert ew.loc["Y", "active_weeks"] == 2 and not ew.loc["Y", "flagged"]
    assert ew.loc["Z", "active_weeks"] == 1 and ew.loc["Z", "flagged"]
    s = ed.early_warning_summary(ew.reset_index())
    assert s["students"] == 2 and s["flagged"] == 1 and s["withdrew_later"] == 0
    assert math.isnan(s["recall"]) and s["rate_flagged"] == 0.0
    with pytest.raises(ValueError, match="window"):
        ed.early_warning(tiny_lms(), window=9)


def test_early_warning_signal(seeded):
    ew = ed.early_warning(seeded["lms"], 4, 3)
    s = ed.early_warning_summary(ew)
    assert s["rate_flagged"] > 1.5 * s["rate_not_flagged"]  # low early activity predicts withdrawal
    t = ed.early_warning_tradeoff(seeded["lms"], 4)
    assert t["flag_share"].is_monotonic_increasing and t["recall"].is_monotonic_increasing
    assert t.set_index("min_active_weeks").loc[3, "recall"] == pytest.approx(s["recall"])


def test_engagement_outcome(seeded):
    t = ed.engagement_outcome(ed.activity_per_student(seeded["lms"]))
    assert t["students"].sum() == seeded["lms"]["student_id"].nunique()
    assert t["pass_rate"].iloc[-1] > t["pass_rate"].iloc[0]


# --------------------------------------------------------------------------- 07 learning


def tiny_assessments() -> pd.DataFrame:
    return pd.DataFrame({
        "student_id": ["a", "b", "c", "d", "e", "f"],
        "section": ["S1", "S1", "S1", "S2", "S2", "S2"],
        "teaching_mode": ["traditional"] * 3 + ["interactive"] * 3,
        "pre_score": [20.0, 40.0, 30.0, 40.0, 60.0, 50.0],
        "post_score": [60.0, 70.0, np.nan, 70.0, 90.0, 80.0],
        "transfer_score": [50.0, 60.0, np.nan, 55.0, 75.0, 65.0],
        "dropped": [0, 0, 1, 0, 0, 0],
    })


def test_class_gains_by_hand():
    g = ed.class_gains(tiny_assessments()).set_index("teaching_mode")
    # traditional completers: pre 30, post 65 -> (65 - 30) / 70 = 0.5
    assert g.loc["traditional", "hake_gain"] == pytest.approx(0.5)
    assert g.loc["traditional", "mean_individual_gain"] == pytest.approx((40 / 80 + 30 / 60) / 2)
    assert g.loc["traditional", "completed"] == 2 and g.loc["traditional", "enrolled"] == 3
    # interactive: pre 50, post 80 -> 30 / 50 = 0.6; transfer 65 -> 15 / 50 = 0.3
    assert g.loc["interactive", "hake_gain"] == pytest.approx(0.6)
    assert g.loc["interactive", "transfer_gain"] == pytest.approx(0.3)
    assert g.loc["interactive", "category"] == "medium"


def test_survivorship_by_hand():
    s = ed.survivorship_gains(tiny_assessments()).set_index("teaching_mode")
    # unmatched: completers' post 65 against everyone's pre 30 -> 35 / 70 = 0.5 (dropout's pre is 30: no bias here)
    assert s.loc["traditional", "unmatched"] == pytest.approx((65 - 30) / 70)
    assert s.loc["traditional", "matched"] == pytest.approx(0.5)
    # dropout counted with post = pre: mean post (60 + 70 + 30) / 3
    assert s.loc["traditional", "dropouts_zero_gain"] == pytest.approx((160 / 3 - 30) / 70)
    assert s.loc["traditional", "dropout_pct"] == pytest.approx(100 / 3)


def test_survivorship_inflates_gains(seeded):
    s = ed.survivorship_gains(seeded["assessments"])
    assert (s["pre_dropouts"] < s["pre_completers"]).all()  # planted: the weaker students leave
    assert (s["unmatched"] > s["matched"]).all()
    assert (s["dropouts_zero_gain"] < s["matched"]).all()


def test_effect_sizes(seeded):
    a = seeded["assessments"]
    e = ed.mode_effect_sizes(a)
    inter = a.loc[a["teaching_mode"] == "interactive", "post_score"].dropna()
    trad = a.loc[a["teaching_mode"] == "traditional", "post_score"].dropna()
    assert e["d"] == pytest.approx(metrics.cohens_d(inter, trad))
    assert e["g"] == pytest.approx(metrics.hedges_g(inter, trad)) and abs(e["g"]) < abs(e["d"])
    assert e["d"] > 0.2  # planted: interactive sections gain more
    assert ed.prepost_effect_size(a) > e["d"]


def test_teach_to_test_finds_the_planted_section(seeded):
    t = ed.teach_to_test(ed.section_table(seeded["assessments"]))
    planted = data.planted("assessments", seeded["seed"])["teach_to_test_section"]
    assert list(t.loc[t["flagged"], "section"]) == [planted]
    assert t.set_index("section").loc[planted, "teaching_mode"] == "traditional"


def test_teach_to_test_flags_nothing_when_gaps_agree():
    s = pd.DataFrame({"section": list("ABCD"), "teaching_mode": "traditional", "gap": [0.02, 0.03, 0.025, 0.04]})
    assert not ed.teach_to_test(s)["flagged"].any()


# --------------------------------------------------------------------------- 08 survey


def test_reverse_items_and_scales(seeded):
    sv = seeded["survey"]
    rev = ed.reverse_items(sv)
    resp = sv["responded"] == 1
    assert (rev.loc[resp, "prof_regret"] + sv.loc[resp, "prof_regret"].astype(float) == 5).all()
    assert (rev["school_enjoy"].astype(float).fillna(-1) == sv["school_enjoy"].astype(float).fillna(-1)).all()
    sc = ed.scale_scores(sv)
    assert len(sc) == int(resp.sum())
    assert sc["school"].between(1, 4).all() and sc["profession"].between(1, 4).all()
    rel = ed.scale_reliability(sv).set_index("scale")
    assert (rel["alpha"] > 0.6).all() and (rel["alpha_not_reversed"] < rel["alpha"] - 0.3).all()


def test_scale_score_by_hand():
    row = {i: np.nan for i in ed.SCALES["profession"] + ed.SCALES["school"]}
    a = dict(row, prof_advantages=4, prof_choose_again=3, prof_regret=1, prof_other_profession=2,
             school_change=4, school_enjoy=np.nan, school_recommend=np.nan, job_satisfied_overall=1)
    b = dict(row, prof_advantages=1, job_satisfied_overall=2)
    sv = pd.DataFrame([a, b]).assign(responded=1, school_id="X", teacher_id=["t1", "t2"])
    sc = ed.scale_scores(sv)
    # profession: 4, 3, reversed 1 -> 4, reversed 2 -> 3: mean 3.5; school: reversed 4 -> 1 and 1: mean 1
    assert sc["profession"].iloc[0] == pytest.approx(3.5) and sc["school"].iloc[0] == pytest.approx(1.0)
    # b answered one item of four per scale: below the half needed for a score
    assert math.isnan(sc["profession"].iloc[1]) and math.isnan(sc["school"].iloc[1])


def test_agreement_and_likert(seeded):
    sv = seeded["survey"]
    ag = ed.agreement_shares(sv).set_index("item")
    agr = ed.agreement_shares(sv, reverse=True).set_index("item")
    resp = sv[sv["responded"] == 1]
    assert ag.loc["job_satisfied_overall", "agree_pct"] == pytest.approx(100 * (resp["job_satisfied_overall"] >= 3).mean())
    assert agr.loc["prof_regret", "agree_pct"] == pytest.approx(100 - ag.loc["prof_regret", "agree_pct"])
    lf = ed.likert_frame(sv)
    assert np.allclose(lf.groupby("item")["percent"].sum(), 100.0)
    for _, g in lf.groupby("item"):
        g = g.sort_values("level")
        assert np.allclose(g["end"].to_numpy()[:-1], g["start"].to_numpy()[1:])  # segments touch
        assert g["end"].iloc[1] == pytest.approx(0.0) and g["start"].iloc[2] == pytest.approx(0.0)


def test_response_rates_and_nonresponse(seeded):
    sv = seeded["survey"]
    rates = ed.response_rates(sv)
    assert rates["invited"].sum() == len(sv)
    pooled = ed.overall_from_groups(rates, count="responded", n="invited")["pooled"]
    assert pooled == pytest.approx(metrics.participation_rate(sv["responded"]))
    nr = ed.nonresponse_check(sv).set_index("group")
    assert nr.loc["did not respond", "left_pct"] > nr.loc["responded", "left_pct"]  # planted: unhappy teachers answer less
    pdp = ed.pd_participation(sv)
    assert 0 <= pdp["participation"] <= 100 and pdp["with_hours"] <= pdp["respondents"]


def test_t_quantile():
    assert ed.t_quantile(0.975, 10) == pytest.approx(2.228, abs=0.002)
    assert ed.t_quantile(0.975, 30) == pytest.approx(2.042, abs=0.002)
    assert ed.t_quantile(0.975, 5) == pytest.approx(2.571, abs=0.01)
    assert ed.t_quantile(0.975, 10_000) == pytest.approx(1.960, abs=0.001)
    assert ed.t_quantile(0.5, 7) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        ed.t_quantile(1.0, 5)


def test_school_comparison(seeded):
    sc = ed.scale_scores(seeded["survey"])
    t = ed.school_comparison(sc, "school", min_respondents=5)
    assert (t["n"] >= 5).all() and t["mean"].is_monotonic_increasing
    assert ((t["low"] <= t["mean"]) & (t["mean"] <= t["high"])).all()
    above = t["position"] == "above"
    assert (t.loc[above, "low"] > t["overall"].iloc[0]).all()
    assert (t["position"] == "cannot tell").sum() >= 1
    strict = ed.school_comparison(sc, "school", min_respondents=15)
    assert len(strict) <= len(t)
    with pytest.raises(ValueError, match="scale"):
        ed.school_comparison(sc, "mood")


def test_ecological_fallacy_is_planted(seeded):
    sc = ed.scale_scores(seeded["survey"])
    eco = ed.ecological_comparison(sc)
    assert eco["between_r"] > 0.5 and abs(eco["within_r"]) < 0.15
    assert eco["r_low_income_outcome"] < -0.5
    schools = ed.school_level_frame(sc, survey=seeded["survey"])
    assert len(schools) == eco["schools"] and schools["response_rate"].between(0, 100).all()
    full = ed.ecological_comparison(sc, "school", survey=seeded["survey"])
    assert full["between_r"] == pytest.approx(ed.correlation(schools["satisfaction"], schools["class_mean_score"]))
    assert full["within_r"] == pytest.approx(eco["within_r"])


def test_correlation_by_hand():
    assert ed.correlation([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(1.0)
    assert ed.correlation([1, 2, 3, 4], [8, 6, 4, 2]) == pytest.approx(-1.0)
    assert ed.correlation([1, 2, None, 4, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)
    assert math.isnan(ed.correlation([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError, match="equal lengths"):
        ed.correlation([1, 2], [1, 2, 3])


# --------------------------------------------------------------------------- charts and widget views


def test_static_charts_have_descriptions():
    charts.setup()
    terms = data.load("student_terms")
    o = ed.cohort_outcomes(terms)
    lms = data.load("lms_activity")
    a = data.load("assessments")
    sv = data.load("educator_survey")
    sc = ed.scale_scores(sv)
    cls = ed.pick_cohort(data.load("enrollment_funnel"), 2024)
    ps = ed.activity_per_student(lms)
    built = [
        ed.funnel_chart(ed.funnel_table(cls)),
        ed.funnel_rates_chart(ed.funnel_table(cls, "source")),
        ed.survival_chart(ed.cohort_survival(terms, 2017)),
        ed.equity_chart(ed.equity_gaps(ed.pick_cohort(o, 2017)), 70.0),
        ed.shaping_chart(ed.cohort_shaping_table(o)),
        ed.selectivity_chart(ed.selectivity_curve(o, 2017), 0.8),
        ed.source_conversion_chart(ed.source_conversion(cls)),
        ed.participation_chart(ed.weekly_participation(lms)),
        ed.activity_histogram_chart(ed.activity_histogram(ps["clicks_per_week"]), ed.activity_summary(ps["clicks_per_week"])),
        ed.weekly_profile_chart(ed.weekly_activity_profile(lms)),
        ed.engagement_outcome_chart(ed.engagement_outcome(ps)),
        ed.section_chart(ed.teach_to_test(ed.section_table(a))),
        ed.likert_chart(ed.likert_frame(sv)),
        ed.school_chart(ed.school_comparison(sc)),
        ed.ecological_chart(ed.school_level_frame(sc, survey=sv)),
    ]
    for chart in built:
        spec = chart.to_dict()
        assert len(spec["description"]) > 40
        bundle, _ = charts.render_bundle(spec)
        assert bundle["text/html"].startswith('<div class="mw-chart"><img')


def test_widget_views_return_specs_that_follow_the_inputs():
    charts.setup()
    o = ed.cohort_outcomes(data.load("student_terms"))
    sel = ed.selectivity_view(o, 2017)
    s1, s2 = sel(0.3, 0.5), sel(0.9, 0.5)
    assert s1["description"] != s2["description"] and s1["datasets"]["mark"] == [{"x": 30.0}]
    assert s1["datasets"]["curve"] == sel(0.3, 0.5)["datasets"]["curve"]
    assert sel(0.3, 0.0)["datasets"]["curve"] != s1["datasets"]["curve"]
    ew = ed.early_warning_view(data.load("lms_activity"))
    e1 = ew(4, 3)
    direct = ed.early_warning_summary(ed.early_warning(data.load("lms_activity"), 4, 3))
    assert f"{direct['recall']:.0f}%" in e1["description"]
    assert ew(6, 9)["datasets"]["mark"][0]["x"] == 6  # threshold capped at the window
    sc = ed.scale_scores(data.load("educator_survey"))
    school = ed.school_comparison_view(sc)
    v = school("profession", 10)
    assert len(v["datasets"]["schools"]) == len(ed.school_comparison(sc, "profession", 10))
    for spec in (s1, e1, v):
        bundle, _ = charts.render_bundle(spec, svg_copy=False)
        assert "<img" in bundle["text/html"]


def test_large_districts_draw_a_thinned_chart():
    sv = data.load("educator_survey", seed=3, n_schools=400, teachers_per_school=12)
    sc = ed.scale_scores(sv)
    table = ed.school_comparison(sc, "school", min_respondents=3)
    assert len(table) > ed.MAX_SCHOOLS_DRAWN
    spec = ed.school_chart(table).to_dict()
    drawn = next(v for v in spec["datasets"].values() if v and "rank" in v[0])
    assert len(drawn) <= ed.MAX_SCHOOLS_DRAWN and f"of {len(table)} schools drawn" in spec["description"]
    view = ed.school_comparison_view(sc)("school", 3)
    assert len(view["datasets"]["schools"]) <= ed.MAX_SCHOOLS_DRAWN
    assert f"{len(table)} schools" in view["description"]
    small = ed.school_chart(ed.school_comparison(ed.scale_scores(data.load("educator_survey")))).to_dict()
    assert "drawn" not in small["description"]
