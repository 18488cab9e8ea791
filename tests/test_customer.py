"""Tests for helpers.customer.

Small frames with numbers worked out by hand in the comments, then invariants of the planted
patterns on generated data under several seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import customer as c
from helpers import data, metrics

SEEDS = [1, 7, 42, 2024]


# --------------------------------------------------------------------------------------
# Output, outcome, impact
# --------------------------------------------------------------------------------------


def _usage() -> pd.DataFrame:
    w1, w2 = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")
    return pd.DataFrame({
        "week": [w1] * 4 + [w2] * 4,
        "customer_id": ["a", "b", "c", "d"] * 2,
        "used_old_path": [0, 1, 1, 1, 0, 0, 0, 0],
        "used_new_self_service_path": [1, 0, 0, 1, 1, 1, 0, 0],
        "support_contacts": [1, 0, 2, 1, 0, 0, 1, 0],
        "tasks_completed": [4, 0, 2, 2, 1, 1, 0, 0],
    })


def test_weekly_adoption_by_hand():
    w = c.weekly_adoption(_usage())
    first = w.iloc[0]
    # week 1: new path a, d = 2; old path b, c, d = 3 -> ratio 2/3, share 2/4 = 50 %
    assert first["new_path_users"] == 2 and first["old_path_users"] == 3
    assert first["adoption_ratio"] == pytest.approx(2 / 3)
    assert first["new_path_share"] == pytest.approx(50.0)
    # contacts 1 + 0 + 2 + 1 = 4 for 4 customers -> 100 per 100; tasks 8 / 4 = 2
    assert first["contacts_per_100"] == pytest.approx(100.0)
    assert first["tasks_per_customer"] == pytest.approx(2.0)
    # week 2: nobody on the old path -> the ratio is undefined (NaN), not infinite
    assert math.isnan(w.iloc[1]["adoption_ratio"])


def test_adoption_ratio_one_week_and_errors():
    u = _usage()
    assert c.adoption_ratio(u, "2024-01-01") == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="nobody used the old path"):
        c.adoption_ratio(u, "2024-01-08")
    with pytest.raises(ValueError, match="not in the data"):
        c.adoption_ratio(u, "2023-12-25")
    with pytest.raises(ValueError, match="missing column"):
        c.adoption_ratio(u.drop(columns="used_old_path"), "2024-01-01")


def _weekly() -> pd.DataFrame:
    weeks = pd.date_range("2024-01-01", periods=4, freq="7D")
    return pd.DataFrame({"week": weeks, "customers": [10, 10, 10, 20], "contacts": [2, 4, 1, 2],
                         "new_path_share": [0.0, 0.0, 20.0, 60.0],
                         "contacts_per_100": [20.0, 40.0, 10.0, 10.0]})


def test_contacts_avoided_by_hand():
    out = c.contacts_avoided(_weekly(), "2024-01-15")
    # baseline: (2 + 4) / (10 + 10) = 0.3 per customer-week = 30 per 100
    assert out.attrs["baseline_per_100"] == pytest.approx(30.0)
    # week 3: 0.3 * 10 - 1 = 2; week 4: 0.3 * 20 - 2 = 4; cumulative 2, 6
    assert out["expected_contacts"].tolist() == pytest.approx([3.0, 6.0])
    assert out["avoided"].tolist() == pytest.approx([2.0, 4.0])
    assert out["cumulative_avoided"].tolist() == pytest.approx([2.0, 6.0])
    with pytest.raises(ValueError, match="no week before the release"):
        c.contacts_avoided(_weekly(), "2024-01-01")


def test_first_week_reached_window_and_direction():
    w = _weekly().assign(x=[1.0, 5.0, 3.0, 9.0])
    weeks = w["week"].tolist()
    assert c.first_week_reached(w, "x", 4) == weeks[1]
    # trailing means over 2 weeks: NaN, 3, 4, 6 -> first >= 4 is week 3
    assert c.first_week_reached(w, "x", 4, window=2) == weeks[2]
    assert c.first_week_reached(w, "x", 2, direction="below", after=weeks[1]) is None
    assert c.first_week_reached(w, "x", 3, direction="below", after=weeks[1]) == weeks[2]
    assert c.first_week_reached(w, "x", 100) is None
    with pytest.raises(ValueError, match="direction"):
        c.first_week_reached(w, "x", 1, direction="up")  # type: ignore[arg-type]


def test_lead_lag_by_hand():
    # baseline 30 per 100; a 50 % drop means <= 15. Share >= 10 first in week 3 (2024-01-15);
    # contacts (window 1) <= 15 first in week 3 as well -> gaps 0 weeks
    out = c.lead_lag(_weekly(), "2024-01-15", outcome_share=10, impact_drop=50, window=1)
    assert out["impact_level"] == pytest.approx(15.0)
    assert out["outcome_week"] == pd.Timestamp("2024-01-15")
    assert out["impact_week"] == pd.Timestamp("2024-01-15")
    assert (out["release_to_outcome"], out["outcome_to_impact"]) == (0, 0)
    # share >= 50 only in week 4: one week after the release
    later = c.lead_lag(_weekly(), "2024-01-15", outcome_share=50, impact_drop=50, window=1)
    assert later["release_to_outcome"] == 1 and later["outcome_to_impact"] == -1


def test_output_outcome_impact_layers():
    log = pd.DataFrame({"week": _weekly()["week"], "features_shipped": [1, 2, 3, 4],
                        "help_articles_published": [0, 0, 5, 5], "self_service_release": [0, 0, 1, 0]})
    chain = c.output_outcome_impact(log, _weekly())
    assert c.release_week(log) == pd.Timestamp("2024-01-15")
    arts = chain.loc[chain["measure"].str.startswith("help articles"), "value"].tolist()
    assert arts == [0, 0, 5, 10]  # running total
    assert set(chain["layer"]) == {"1 Output", "2 Outcome", "3 Impact"}
    with pytest.raises(ValueError, match="exactly one"):
        c.release_week(log.assign(self_service_release=0))


# --------------------------------------------------------------------------------------
# Moments of truth
# --------------------------------------------------------------------------------------


def _journey() -> pd.DataFrame:
    # moment a: failed by 4 customers (2 churned -> 50 %), passed by 6 (1 churned -> 16.7 %)
    # moment b: failed by 5 (1 churned -> 20 %), passed by 5 (2 churned -> 40 %)
    return pd.DataFrame({
        "a": [0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
        "b": [1, 1, 0, 0, 0, 0, 0, 1, 1, 1],
        "csat_onboarding": [5, 5, 5, 1, 1, 2, 5, 5, 4, 4],
        "churned": [1, 1, 0, 0, 1, 0, 0, 0, 0, 0],
    })


def test_moment_churn_risk_by_hand():
    t = c.moment_churn_risk(_journey(), moments=("a", "b"), include_satisfaction=False).set_index("moment")
    assert t.loc["a", "churn_if_failed"] == pytest.approx(50.0)
    assert t.loc["a", "churn_if_passed"] == pytest.approx(100 / 6)
    assert t.loc["a", "risk_ratio"] == pytest.approx(3.0)        # 50 / 16.67
    assert t.loc["b", "risk_ratio"] == pytest.approx(0.5)        # 20 / 40
    assert t.loc["a", "failed"] == 4 and t.loc["a", "passed_pct"] == pytest.approx(60.0)
    assert list(t.index) == ["a", "b"]                     # sorted by risk ratio
    assert c.strongest_moment(t.reset_index()) == "a"


def test_moment_churn_risk_satisfaction_row():
    t = c.moment_churn_risk(_journey(), moments=("a", "b")).set_index("moment")
    # CSAT 4-5 passed by 7 customers (2 churned: rows 0, 1), failed by 3 (1 churned: row 4)
    row = t.loc[c.SATISFACTION_ROW]
    assert row["stage"] == 0
    assert row["churn_if_failed"] == pytest.approx(100 / 3)
    assert row["churn_if_passed"] == pytest.approx(200 / 7)
    assert row["risk_ratio"] == pytest.approx((1 / 3) / (2 / 7))


def test_moment_churn_risk_undefined_ratio_is_nan():
    j = _journey().assign(a=1)  # nobody failed a
    t = c.moment_churn_risk(j, moments=("a", "b"), include_satisfaction=False).set_index("moment")
    assert math.isnan(t.loc["a", "risk_ratio"]) and math.isnan(t.loc["a", "churn_if_failed"])


# --------------------------------------------------------------------------------------
# Survey metrics
# --------------------------------------------------------------------------------------


def _survey() -> pd.DataFrame:
    return pd.DataFrame({
        "segment": ["A", "A", "A", "A", "B", "B", "B"],
        "responded": [1, 1, 1, 1, 1, 1, 0],
        "nps": pd.array([10, 9, 8, 0, 10, 6, None], dtype="Int64"),
        "csat": pd.array([5, 4, 3, 1, 5, 2, None], dtype="Int64"),
        "true_satisfaction": [9.0, 8.0, 7.0, 2.0, 9.5, 5.0, 3.0],
        "churned_next_quarter": [0, 0, 0, 1, 0, 1, 1],
        "coached_by_agent": [0, 1, 0, 0, 0, 0, 0],
        "resolved_case": [1, 1, 1, 0, 1, 0, 0],
    })


def test_rating_distribution_by_hand():
    d = c.rating_distribution(pd.Series([5, 5, 4, 1, None]), 1, 5)
    assert d["responses"].tolist() == [1, 0, 0, 1, 2]
    assert d["percent"].tolist() == pytest.approx([25, 0, 0, 25, 50])
    with pytest.raises(ValueError, match="between 1 and 5"):
        c.rating_distribution([6], 1, 5)


def test_csat_by_by_hand():
    t = c.csat_by(_survey())
    # A: 5, 4, 3, 1 -> top-two 2/4 = 50 %, mean 3.25, bottom-two 1/4 = 25 %
    assert t.loc["A", "csat_top2"] == pytest.approx(50.0)
    assert t.loc["A", "mean_score"] == pytest.approx(3.25)
    assert t.loc["A", "bottom2"] == pytest.approx(25.0)
    # B: 5, 2 (one missing) -> 50 %, 2 responses
    assert t.loc["B", "responses"] == 2
    assert c.csat_by(_survey(), None)["csat_top2"].iloc[0] == pytest.approx(50.0)  # 3 of 6


def test_nps_table_and_pooling_by_hand():
    t = c.nps_table(_survey())
    # A: 10, 9, 8, 0 -> P 2, passive 1, D 1 -> 25; B: 10, 6 -> P 1, D 1 -> 0
    assert t.loc["A", ["promoters", "passives", "detractors"]].tolist() == [2, 1, 1]
    assert t.loc["A", "nps"] == pytest.approx(25.0)
    assert t.loc["B", "nps"] == pytest.approx(0.0)
    # pooled: P 3, passive 1, D 2 of 6 -> 100 * 1/6; mean of the two segments: 12.5
    assert t.loc["All respondents", "nps"] == pytest.approx(100 / 6)
    assert t.loc["All respondents", "respondents"] == 6
    both = c.pooled_vs_mean_nps(t)
    assert both == pytest.approx({"pooled": 100 / 6, "mean_of_groups": 12.5})
    # SE of A: pP = .5, pD = .25, NPS = .25 -> sqrt((.75 - .0625) / 4) = 0.4146 -> 41.46 points
    assert t.loc["A", "se"] == pytest.approx(100 * math.sqrt(0.6875 / 4))
    assert t.loc["A", "ci_low"] < 25 < t.loc["A", "ci_high"]


def test_nps_points_and_estimates_match_metrics():
    pts = c.nps_points(pd.Series([10, 7, 6, None, 9], dtype="Int64"))
    assert pts.tolist() == [1, 0, -1, 1]
    assert 100 * pts.mean() == pytest.approx(metrics.nps([10, 7, 6, 9]))
    assert np.all(c.nps_sample_estimates(np.ones(5, dtype="int8"), 7, draws=3) == 100.0)
    # every simulated survey's NPS equals metrics.nps of the answers it drew
    scores = np.array([10, 9, 8, 7, 6, 3, 0, 10, 9, 5])
    points = c.nps_points(scores)
    est = c.nps_sample_estimates(points, 6, draws=5, seed=3)
    idx = np.random.default_rng(3).integers(0, scores.size, size=(5, 6))
    assert est.tolist() == pytest.approx([metrics.nps(scores[row]) for row in idx])
    with pytest.raises(ValueError, match="n must be a positive integer"):
        c.nps_sample_estimates(points, 0)


def test_nps_noise_table_shrinks_with_n():
    scores = np.array([10] * 40 + [8] * 40 + [3] * 20)
    t = c.nps_noise_table(scores, sizes=(25, 100, 400), draws=300)
    # 40 % promoters, 20 % detractors, n = 100: SE = sqrt((.4 + .2 - .2^2) / 100) = 7.48 points,
    # so at n = N = 100 the half-width is 1.96 * 7.48 = 14.7 (NPS 20 +/- about 15)
    assert t.loc[1, "half_width_95"] == pytest.approx(1.959964 * 100 * math.sqrt(0.56 / 100), rel=1e-5)
    assert t["half_width_95"].is_monotonic_decreasing
    widths = t["sim_high"] - t["sim_low"]
    assert widths.iloc[0] > widths.iloc[-1]
    assert t.attrs["nps"] == pytest.approx(20.0)


def test_nonresponse_and_comparisons_by_hand():
    s = _survey()
    nr = c.nonresponse_comparison(s)
    assert nr.loc["respondents", "invited"] == 6 and nr.loc["non-respondents", "invited"] == 1
    assert nr.loc["all invited", "response_rate"] == pytest.approx(600 / 7)
    assert math.isnan(nr.loc["non-respondents", "nps"])
    assert nr.loc["non-respondents", "churn_next_quarter"] == pytest.approx(100.0)
    by = c.survey_comparison(s, "coached_by_agent")
    assert by.loc[1, "nps"] == pytest.approx(100.0)  # one coached answer: 9
    sc = c.survey_scenarios(s)
    # resolved only: 10, 9, 8, 10 -> P 3, D 0 of 4 -> 75
    assert sc.loc["only resolved cases", "nps"] == pytest.approx(75.0)
    # without the coached 9: 10, 8, 0, 10, 6 -> (2 - 2) / 5 = 0
    assert sc.loc["without coached answers", "nps"] == pytest.approx(0.0)
    rr = c.response_rate_by_satisfaction(s, bins=(0, 5, 10.001))
    # band 0-5 holds 2.0 and 3.0 (one respondent) -> 50 %; band 5-10 holds 5 answers, all responded
    assert rr["response_rate"].tolist() == pytest.approx([50.0, 100.0])


# --------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------


def _accounts() -> pd.DataFrame:
    # A: months 1-3, churns in month 3; B: new in month 2; C: months 1-3, stays
    return pd.DataFrame({
        "customer_id": ["A", "A", "A", "B", "B", "C", "C", "C"],
        "month": ["2023-01", "2023-02", "2023-03", "2023-02", "2023-03", "2023-01", "2023-02", "2023-03"],
        "segment": ["S"] * 8,
        "active": [1, 1, 0, 1, 1, 1, 1, 1],
        "new_this_month": [0, 0, 0, 1, 0, 0, 0, 0],
        "churned_this_month": [0, 0, 1, 0, 0, 0, 0, 0],
        "revenue": [10.0, 10.0, 10.0, 20.0, 20.0, 5.0, 5.0, 5.0],
        "cost_to_serve": [4.0, 4.0, 4.0, 5.0, 5.0, 1.0, 1.0, 1.0],
        "acquisition_cost": [3.0, None, None, 50.0, None, 0.0, None, None],
    })


def test_monthly_customers_by_hand():
    m = c.monthly_customers(_accounts()).set_index("month")
    # month 1: S 2 (A, C), E 2; month 2: S 2, N 1 (B), E 3; month 3: S 3, lost 1 (A), E 2
    assert m[["start", "new", "lost", "end"]].values.tolist() == [[2, 0, 0, 2], [2, 1, 0, 3], [3, 0, 1, 2]]
    assert m.loc["2023-03", "retention_rate"] == pytest.approx(200 / 3)  # (2 - 0) / 3
    assert m.loc["2023-03", "churn_rate"] == pytest.approx(100 / 3)
    assert (m["retention_rate"] + m["churn_rate"]).tolist() == pytest.approx([100.0] * 3)


def test_churn_by_and_cohort_survival_by_hand():
    t = c.churn_by(_accounts())
    # start customer-months 2 + 2 + 3 = 7, lost 1 -> 14.29 %
    assert t["start"].iloc[0] == 7 and t["churn_rate"].iloc[0] == pytest.approx(100 / 7)
    # cohort at the start of 2023-01: A, C; still active at the end of 2023-03: C -> 50 %
    assert c.cohort_survival(_accounts(), "2023-01", months=3) == pytest.approx(50.0)
    assert c.cohort_survival(_accounts(), "2023-02", months=1) == pytest.approx(100.0)
    with pytest.raises(ValueError, match="data end"):
        c.cohort_survival(_accounts(), "2023-02", months=3)


def test_customer_profit_by_hand():
    p = c.customer_profit(_accounts())
    # A: 3 * (10 - 4) = 18; B: 2 * (20 - 5) = 30; C: 3 * (5 - 1) = 12
    assert p.to_dict() == pytest.approx({"A": 18.0, "B": 30.0, "C": 12.0})
    # net of acquisition: A 18 - 3 = 15; B 30 - 50 = -20; C 12 - 0 = 12
    net = c.customer_profit(_accounts(), include_acquisition=True)
    assert net.to_dict() == pytest.approx({"A": 15.0, "B": -20.0, "C": 12.0})


def test_profit_by_decile_by_hand():
    d = c.profit_by_decile(pd.Series(range(1, 11), dtype=float))
    # one customer per decile, most profitable first: 10, 9, ..., 1 of a total of 55
    assert d["profit"].tolist() == list(range(10, 0, -1))
    assert d["share"].iloc[0] == pytest.approx(1000 / 55)
    assert d["cumulative_share"].iloc[-1] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="at least 10"):
        c.profit_by_decile([1.0, 2.0])


def test_clv_by_segment_by_hand():
    t = c.clv_by_segment(_accounts(), annual_discount_rate=0.0)
    row = t.loc["S"]
    # margin: (18 + 30 + 12) / 8 rows = 7.5; churn 1/7 -> r = 6/7; i = 0; AC mean (3 + 50 + 0) / 3
    m, r, ac = 7.5, 6 / 7, 53 / 3
    assert row["margin"] == pytest.approx(m)
    assert row["clv"] == pytest.approx(m * r / (1 - r) - ac)  # Gupta-Lehmann with i = 0
    assert row["lifetime_months"] == pytest.approx(7.0)
    assert c.clv_by_segment(_accounts(), 0.1).attrs["monthly_discount_rate"] == pytest.approx(1.1 ** (1 / 12) - 1)


def _simpson_accounts() -> pd.DataFrame:
    # segment X (high churn): P 100 customer-months, 10 lost (10 %); E 10, 2 lost (20 %)
    # segment Y (low churn): P 10, 0 lost (0 %); E 100, 1 lost (1 %)
    # pooled: P 10 / 110 = 9.1 %, E 3 / 110 = 2.7 % -> P better within both, worse pooled
    parts = []
    for seg, plan, n, lost in [("X", "P", 100, 10), ("X", "E", 10, 2), ("Y", "P", 10, 0), ("Y", "E", 100, 1)]:
        parts.append(pd.DataFrame({
            "customer_id": [f"{seg}{plan}{i}" for i in range(n)], "month": "2023-01",
            "segment": seg, "plan": plan, "new_this_month": 0,
            "churned_this_month": [1] * lost + [0] * (n - lost), "active": [0] * lost + [1] * (n - lost),
        }))
    return pd.concat(parts, ignore_index=True)


def test_simpson_by_hand():
    t = c.simpson_table(_simpson_accounts()).set_index(["group", "treatment"])
    assert t.loc[("X", "P"), "churn_rate"] == pytest.approx(10.0)
    assert t.loc[("All customers", "P"), "churn_rate"] == pytest.approx(100 / 11)
    assert t.loc[("All customers", "E"), "churn_rate"] == pytest.approx(300 / 110)
    assert t.loc[("X", "P"), "mix"] == pytest.approx(100 * 100 / 110)
    s = c.simpson_summary(t.reset_index())
    assert s == {"better_within": {"X": "P", "Y": "P"}, "better_pooled": "E",
                 "reversed_groups": ["X", "Y"], "paradox": True}


# --------------------------------------------------------------------------------------
# Planted patterns hold under several seeds
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_strongest_moment_is_the_planted_moment(seed):
    j = data.load("customer_journey", seed=seed)
    t = c.moment_churn_risk(j)
    assert c.strongest_moment(t) == data.planted("customer_journey", seed)["key_moment"]
    sat = t.set_index("moment").loc[c.SATISFACTION_ROW, "risk_ratio"]
    assert sat < t["risk_ratio"].max() / 2  # a satisfaction score predicts churn far less


@pytest.mark.parametrize("seed", SEEDS)
def test_simpson_flip_holds(seed):
    a = data.load("customer_accounts", seed=seed)
    s = c.simpson_summary(c.simpson_table(a))
    truth = data.planted("customer_accounts", seed)
    assert s["paradox"]
    assert set(s["better_within"].values()) == {truth["better_within_every_segment"]}
    assert s["better_pooled"] != truth["worse_pooled"]


@pytest.mark.parametrize("seed", SEEDS)
def test_adoption_leads_contacts(seed):
    u = data.load("product_usage", seed=seed)
    rel = c.release_week(data.load("release_log", seed=seed))
    w = c.weekly_adoption(u)
    ll = c.lead_lag(w, rel)
    assert ll["outcome_week"] is not None and ll["impact_week"] is not None
    assert ll["outcome_to_impact"] > 0  # adoption moves first, contacts later
    assert c.contacts_avoided(w, rel)["cumulative_avoided"].iloc[-1] > 0
    assert (w.loc[w["week"] < rel, "new_path_users"] == 0).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_survey_traps_hold(seed):
    s = data.load("customer_survey", seed=seed)
    nr = c.nonresponse_comparison(s)
    assert nr.loc["respondents", "true_satisfaction"] > nr.loc["non-respondents", "true_satisfaction"]
    assert nr.loc["respondents", "churn_next_quarter"] < nr.loc["non-respondents", "churn_next_quarter"]
    rr = c.response_rate_by_satisfaction(s)["response_rate"]
    assert rr.iloc[-1] > rr.iloc[0]
    sc = c.survey_scenarios(s)
    assert sc.loc["only resolved cases", "nps"] > sc.loc["all respondents", "nps"]
    assert sc.loc["without coached answers", "nps"] < sc.loc["all respondents", "nps"]
    coached = c.survey_comparison(s, "coached_by_agent")
    assert coached.loc[1, "nps"] > coached.loc[0, "nps"] + 20
    assert abs(coached.loc[1, "true_satisfaction"] - coached.loc[0, "true_satisfaction"]) < 1.0
    both = c.pooled_vs_mean_nps(c.nps_table(s))
    assert abs(both["pooled"] - both["mean_of_groups"]) > 1


@pytest.mark.parametrize("seed", SEEDS)
def test_accounts_identities(seed):
    a = data.load("customer_accounts", seed=seed)
    m = c.monthly_customers(a)
    assert (m["end"] == m["start"] - m["lost"] + m["new"]).all()
    assert np.allclose(m["retention_rate"] + m["churn_rate"], 100.0)
    assert (m["start"].iloc[1:].to_numpy() == m["end"].iloc[:-1].to_numpy()).all()
    p = c.customer_profit(a)
    assert p.mean() > p.median()  # skewed: a few customers earn most of the profit
    assert len(p) == a["customer_id"].nunique()
    clv = c.clv_by_segment(a)
    assert clv["clv"].is_monotonic_increasing  # SMB < Mid-market < Enterprise


def test_widget_callbacks_return_specs():
    s = data.load("customer_survey", seed=42)
    pts = c.nps_points(s["nps"])
    view = c.nps_noise_view(pts, sizes=(10, 50))
    spec = view(50)
    assert spec["description"] and spec["title"].startswith("n = 50")
    assert [p["value"] for p in spec["params"] if p["name"] == "size"] == [50]
    assert view(10)["title"].startswith("n = 10")
    with pytest.raises(ValueError, match="one of 10, 50"):
        view(20)
    static = c.nps_noise_chart(pts, n=50, sizes=(10, 50)).to_dict()
    assert static["title"] == spec["title"]
    u = data.load("product_usage", seed=42)
    rel = c.release_week(data.load("release_log", seed=42))
    weekly = c.weekly_adoption(u)
    adopt = c.adoption_view(weekly, rel)
    hit = c.first_week_reached(weekly, "new_path_share", 30, after=rel)
    assert adopt(30)["title"].endswith(f"week of {hit:%Y-%m-%d}")
    assert "30%" in adopt(30)["description"]
    assert "not reached" in adopt(99)["title"]
    assert c.adoption_chart(weekly, rel, 30).to_dict()["title"] == adopt(30)["title"]


def test_charts_have_descriptions():
    j = data.load("customer_journey", seed=42)
    assert c.risk_ratio_chart(c.moment_churn_risk(j)).to_dict()["description"]
    a = data.load("customer_accounts", seed=42)
    assert "SMB" in c.simpson_chart(c.simpson_table(a)).to_dict()["description"]
    u = data.load("product_usage", seed=42)
    log = data.load("release_log", seed=42)
    chain = c.output_outcome_impact(log, c.weekly_adoption(u))
    assert c.chain_chart(chain, c.release_week(log)).to_dict()["description"]


def test_lead_lag_text_reads_every_case():
    text = c.lead_lag_text(c.lead_lag(_weekly(), "2024-01-15", outcome_share=10, impact_drop=50, window=1),
                           outcome_share=10, impact_drop=50)
    assert "week of 2024-01-15 (0 weeks after the release) and stayed there" in text
    assert "same weekly value" in text
    assert "no lag can be read" in text  # the impact did not come after the outcome
    never = c.lead_lag(_weekly(), "2024-01-15", outcome_share=90, impact_drop=90, window=1)
    words = c.lead_lag_text(never, outcome_share=90, impact_drop=90)
    assert "never reached and kept 90%" in words
    assert "never reached and kept 90% below" in words
    first = c.lead_lag(_weekly(), "2024-01-15", outcome_share=10, impact_drop=50, window=1, stays=False)
    assert "for the first time" in c.lead_lag_text(first, outcome_share=10, impact_drop=50)


def test_retention_check_by_hand():
    r = c.retention_check(_accounts(), months=12)
    # churn 1/7; the window has 3 months, so k = 3: (6/7)^3 and 1 - 3/7; cohort A, C -> C = 50 %
    assert r["months"] == 3 and r["start_month"] == "2023-01"
    assert r["compounded"] == pytest.approx(100 * (6 / 7) ** 3)
    assert r["naive"] == pytest.approx(100 * (1 - 3 / 7))
    assert r["observed"] == pytest.approx(50.0)
    assert r["lifetime_months"] == pytest.approx(7.0)


def test_noise_histogram_bins_follow_the_answer_grid():
    # with n answers the NPS moves in steps of 100 / n; every bin holds the same number of steps
    pts = c.nps_points(np.array([10] * 5 + [8] * 3 + [2] * 2))
    for n in (10, 25, 50):
        spec = c.nps_noise_chart(pts, n=n, sizes=(n,), draws=200).to_dict()
        rows = next(v for v in spec["datasets"].values() if "surveys" in v[0])
        widths = {round(r["end"] - r["start"], 9) for r in rows}
        step = 100 / n
        assert len(widths) == 1 and (widths.pop() / step) == pytest.approx(round(5 / step) or 1)
        assert sum(r["surveys"] for r in rows) == 200


def test_contacts_chart_describes_the_total():
    spec = c.contacts_chart(_weekly(), "2024-01-15").to_dict()
    assert "an estimated 6 contacts avoided" in spec["description"]
    rng = {"level": 0.95, "low": 1.0, "high": 11.0}
    spec = c.contacts_chart(_weekly(), "2024-01-15", rng).to_dict()
    assert "(95% range 1 to 11)" in spec["description"]
    # every week is drawn, the pre-release weeks included
    rows = max(spec["datasets"].values(), key=len)
    assert len(rows) == 2 * len(_weekly())


def test_tiny_samples_give_nan_or_inf_not_errors():
    acc = _accounts().assign(churned_this_month=0, active=1)  # nobody left
    t = c.clv_by_segment(acc, annual_discount_rate=0.10)
    i = 1.1 ** (1 / 12) - 1
    # r = 1: lifetime unbounded; CLV = m * 1 / i - AC stays finite thanks to discounting
    assert t.loc["S", "lifetime_months"] == math.inf
    assert t.loc["S", "clv"] == pytest.approx(7.5 / i - 53 / 3)
    assert math.isnan(c.clv_by_segment(acc, annual_discount_rate=0.0).loc["S", "clv"])
    only_new = _accounts().assign(segment=["S", "S", "S", "N", "N", "S", "S", "S"])
    only_new.loc[only_new["customer_id"] == "B", "new_this_month"] = 1  # B: new in both rows
    rates = c.churn_by(only_new, "segment")
    assert math.isnan(rates.loc["N", "churn_rate"]) and rates.loc["S", "churn_rate"] == pytest.approx(100 / 6)
    table = c.simpson_table(_simpson_accounts().query("not (segment == 'Y' and plan == 'P')"))
    assert c.simpson_summary(table)["better_within"] == {"X": "P"}


def test_first_week_reached_stays():
    w = _weekly().assign(x=[5.0, 1.0, 5.0, 5.0])
    weeks = w["week"].tolist()
    assert c.first_week_reached(w, "x", 4) == weeks[0]               # first reached
    assert c.first_week_reached(w, "x", 4, stays=True) == weeks[2]   # reached and kept
    assert c.first_week_reached(w.assign(x=[5.0, 5.0, 5.0, 1.0]), "x", 4, stays=True) is None
    # the same smoothing on both sides of lead_lag: window 2 on the share too
    ll = c.lead_lag(_weekly(), "2024-01-15", outcome_share=30, impact_drop=50, window=2)
    # share means: NaN, 0, 10, 40 -> >= 30 from week 4; contacts means: -, 30, 25, 10 -> <= 15 week 4
    assert ll["outcome_week"] == pd.Timestamp("2024-01-22") and ll["impact_week"] == pd.Timestamp("2024-01-22")


def test_avoided_interval_by_hand():
    w = _weekly()
    out = c.avoided_interval(w, "2024-01-15")
    # pre rates 0.2, 0.4: sd = 0.1414; C = 30, J = 2, sum of squares 100 + 400
    sd = math.sqrt(0.02)
    se = sd * math.sqrt(30 ** 2 / 2 + 500)
    assert out["estimate"] == pytest.approx(6.0)
    assert out["se"] == pytest.approx(se)
    # the spread comes from J = 2 weeks: Student t on 1 degree of freedom (12.706), not 1.96
    assert out["t"] == pytest.approx(12.7062, abs=1e-4)
    assert out["low"] == pytest.approx(6.0 - 12.7062047 * se, rel=1e-6)
    assert out["pre_weeks"] == 2 and out["sd_per_100"] == pytest.approx(100 * sd)
    with pytest.raises(ValueError, match="at least two weeks"):
        c.avoided_interval(w, "2024-01-08")


@pytest.mark.parametrize("seed", SEEDS)
def test_avoided_interval_brackets_the_estimate(seed):
    u = data.load("product_usage", seed=seed)
    rel = c.release_week(data.load("release_log", seed=seed))
    w = c.weekly_adoption(u)
    out = c.avoided_interval(w, rel)
    assert out["low"] < out["estimate"] < out["high"]
    assert out["estimate"] == pytest.approx(c.contacts_avoided(w, rel)["avoided"].sum())


def test_t_quantile_known_values():
    # two-sided 95% critical values from any t table
    for df, t in ((1, 12.7062), (2, 4.3027), (5, 2.5706), (7, 2.3646), (10, 2.2281), (30, 2.0423)):
        assert c.t_quantile(0.95, df) == pytest.approx(t, abs=1e-4)
    assert c.t_quantile(0.90, 7) == pytest.approx(1.8946, abs=1e-4)
    assert c.t_quantile(0.95, 10_000) == pytest.approx(1.96, abs=1e-3)
    with pytest.raises(ValueError, match="degrees of freedom"):
        c.t_quantile(0.95, 0)


def test_difference_interval_newcombe_examples():
    # Newcombe (1998), table II: 56/70 - 48/80 -> 0.0524 to 0.3339; 9/10 - 3/10 -> 0.1705 to 0.8090
    d, lo, hi = c.difference_interval(56, 70, 48, 80)
    assert d == pytest.approx(20.0) and lo == pytest.approx(5.24, abs=0.01) and hi == pytest.approx(33.39, abs=0.01)
    d, lo, hi = c.difference_interval(9, 10, 3, 10)
    assert lo == pytest.approx(17.05, abs=0.01) and hi == pytest.approx(80.90, abs=0.01)
    # 0 of n stays inside -100..100
    _, lo, hi = c.difference_interval(0, 5, 5, 5)
    assert -100 <= lo < hi <= 0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        c.difference_interval(3, 2, 1, 5)


def test_ratio_interval_by_hand():
    lo, hi = c.ratio_interval(10, 100, 5, 100)
    se = math.sqrt(1 / 10 - 1 / 100 + 1 / 5 - 1 / 100)
    assert lo == pytest.approx(2 * math.exp(-1.959964 * se), rel=1e-5)
    assert hi == pytest.approx(2 * math.exp(1.959964 * se), rel=1e-5)
    assert all(math.isnan(x) for x in c.ratio_interval(0, 10, 3, 10))


def test_moment_table_interval_brackets_the_ratio():
    t = c.moment_churn_risk(data.load("customer_journey", seed=7, n_customers=2000))
    assert (t["rr_low"] < t["risk_ratio"]).all() and (t["risk_ratio"] < t["rr_high"]).all()


def test_exact_interval_known_values():
    # Clopper-Pearson: 0 of 10 -> upper 1 - 0.025 ** (1 / 10) = 30.85 %; 10 of 10 -> lower 69.15 %
    assert c.exact_interval(0, 10) == pytest.approx((0.0, 100 * (1 - 0.025 ** 0.1)), abs=1e-6)
    assert c.exact_interval(10, 10) == pytest.approx((100 * 0.025 ** 0.1, 100.0), abs=1e-6)
    low, high = c.exact_interval(1, 61)
    assert 0.0 < low < 100 / 61 < high < 10.0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        c.exact_interval(3, 2)


def test_survey_comparison_names_both_churn_bases():
    by = c.survey_comparison(_survey(), "coached_by_agent")
    # not coached: 6 invited, 5 answered; churned 3 of 6 invited, 2 of 5 respondents
    assert by.loc[0, "churned"] == 3 and by.loc[0, "churn_next_quarter"] == pytest.approx(50.0)
    assert by.loc[0, "respondents_churned"] == 2 and by.loc[0, "respondent_churn"] == pytest.approx(40.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_mixed_churn_rates_push_cohort_survival_up(seed):
    r = c.retention_check(data.load("customer_accounts", seed=seed))
    assert r["mixed"] >= r["compounded_mean"]  # Jensen: (1 - c)^k is convex
    assert r["observed_low"] <= r["observed"] <= r["observed_high"]


def test_new_charts_have_descriptions_and_upright_labels():
    s = data.load("customer_survey", seed=42)
    dist = c.rating_distribution(s["csat"], 1, 5)
    spec = c.rating_chart(dist).to_dict()
    assert "4 and 5 are coloured" in spec["description"]
    assert spec["encoding"]["x"]["axis"]["labelAngle"] == 0
    a = data.load("customer_accounts", seed=42)
    spec = c.profit_chart(c.profit_by_decile(c.customer_profit(a))).to_dict()
    assert spec["description"] and spec["encoding"]["x"]["axis"]["labelAngle"] == 0
    spec = c.response_rate_chart(c.response_rate_by_satisfaction(s)).to_dict()
    assert spec["description"] and spec["encoding"]["x"]["axis"]["labelAngle"] == 0
    assert "segment mix" in c.simpson_chart(c.simpson_table(a)).to_dict()["hconcat"][1]["title"]
    u = data.load("product_usage", seed=42)
    rel = c.release_week(data.load("release_log", seed=42))
    spec = c.ratio_chart(c.weekly_adoption(u), rel).to_dict()
    assert spec["description"] and any(layer.get("mark", {}).get("type") == "text" for layer in spec["layer"])


@pytest.mark.parametrize("seed", range(20))
def test_prose_of_notebooks_04_and_05_holds_over_20_seeds(seed):
    """The sentences of notebooks 04 and 05 that are written, not printed, rest on these."""
    # 04: adoption starts slowly, leads the contacts, and one behaviour beats satisfaction
    u = data.load("product_usage", seed=seed)
    rel = c.release_week(data.load("release_log", seed=seed))
    w = c.weekly_adoption(u)
    after = w.loc[w["week"] >= rel, "new_path_share"]
    assert after.iloc[min(3, len(after) - 1)] < 10  # "hardly moves for several weeks"
    assert c.lead_lag(w, rel)["outcome_to_impact"] > 0
    j = c.moment_churn_risk(data.load("customer_journey", seed=seed, n_customers=2000))
    assert c.strongest_moment(j) == "first_value_within_14d"
    assert j.set_index("moment").loc[c.SATISFACTION_ROW, "risk_ratio"] < j["risk_ratio"].max() / 2
    # 05 survey: CSAT skewed to the top, each lower box with fewer answers (no bump at 1),
    # happier customers answer more, coaching moves only the score
    s = data.load("customer_survey", seed=seed, n_customers=3000)
    dist = c.rating_distribution(s["csat"], 1, 5).set_index("score")["percent"]
    assert dist.is_monotonic_increasing and dist.idxmax() == 5
    rr = c.response_rate_by_satisfaction(s)["response_rate"]
    assert rr.is_monotonic_increasing
    coached = c.survey_comparison(s, "coached_by_agent")
    assert coached.loc[1, "nps"] > coached.loc[0, "nps"] + 20
    assert abs(coached.loc[1, "true_satisfaction"] - coached.loc[0, "true_satisfaction"]) < 1.0
    scenarios = c.survey_scenarios(s)  # "a resolved-only survey: the score rises"
    assert (scenarios.loc["only resolved cases", ["nps", "csat_top2"]]
            > scenarios.loc["all respondents", ["nps", "csat_top2"]]).all()
    noise = c.nps_noise_table(s.loc[s["responded"] == 1, "nps"], sizes=(50,))
    assert noise["half_width_95"].iloc[0] > 8  # "a drop of 8 points from 50 answers is within chance"
    # 05 accounts: the segment matters more than the plan; the plan better pooled sits in low-churn segments
    a = data.load("customer_accounts", seed=seed, n_customers=2000, n_months=24)
    t = c.simpson_table(a)
    summary = c.simpson_summary(t)
    assert summary["paradox"]
    within = t[t["group"] != "All customers"].set_index(["group", "treatment"])
    assert within.loc["SMB", "churn_rate"].min() > within.loc["Enterprise", "churn_rate"].max()
    better = summary["better_pooled"]
    other = next(p for p in within.index.get_level_values(1).unique() if p != better)
    assert within.loc[("SMB", better), "mix"] < within.loc[("SMB", other), "mix"]
    check = c.retention_check(a)
    assert check["mixed"] >= check["compounded_mean"]
