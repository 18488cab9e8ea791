"""helpers.data over many seeds: watched rates vary like real organisations' rates, the
patterns notebooks rely on hold for every seed, and a second period is the same organisation.

A seed is one organisation. A rate that a metric or counter-metric watches must not come out
the same for every seed (then a counter-metric could never move); it must still stay in a
plausible range. The planted relative patterns must hold whatever the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import customer, data, education, metrics

SEEDS = list(range(100, 124))  # 24 seeds, none of them the seeds of tests/test_data.py


def _rate_per_seed(name: str, rate: Callable[[pd.DataFrame], float], **sizes: int) -> np.ndarray:
    return np.array([rate(data.generate(name, s, **sizes)) for s in SEEDS])


def _withdrawn(df: pd.DataFrame) -> float:
    return float((df.groupby("student_id")["final_result"].first() == "Withdrawn").mean())


def _dropout_per_section(df: pd.DataFrame) -> pd.Series:
    return df.groupby("section")["dropped"].mean()


def _retention_ft(df: pd.DataFrame) -> float:
    entry = df[(df["term_index"] == 0) & (df["withdrew_before_census"] == 0)
               & (df["attendance"] == "full-time")].set_index("student_id")
    second = df[df["term_index"] == 1].set_index("student_id").loc[entry.index]
    keep = second["exclusion"] == "none"
    return float(second.loc[keep, "enrolled"].mean())


# (dataset, what, rate function, plausible low, plausible high, smallest spread over seeds)
WATCHED = [
    ("lms_activity", "course withdrawal", _withdrawn, 0.20, 0.42, 0.04),
    ("customer_journey", "first value within 14 days",
     lambda d: float(d["first_value_within_14d"].mean()), 0.50, 0.80, 0.04),
    ("assessments", "dropout before the post-test", lambda d: float(d["dropped"].mean()),
     0.05, 0.35, 0.04),
    ("support_contacts", "repeat contacts within 7 days",
     lambda d: float(d["repeat_within_7d"].mean()), 0.10, 0.28, 0.03),
    ("support_contacts", "first-contact resolution",
     lambda d: float(d["resolved_first_contact"].mean()), 0.55, 0.82, 0.04),
    ("support_contacts", "survey response", lambda d: float(d["csat"].notna().mean()),
     0.06, 0.22, 0.02),
    ("customer_survey", "survey response", lambda d: float(d["responded"].mean()),
     0.15, 0.45, 0.03),
    ("customer_survey", "resolved cases", lambda d: float(d["resolved_case"].mean()),
     0.65, 0.88, 0.04),
    ("enrollment_funnel", "admit rate",
     lambda d: float(d.loc[d["applied"] == 1, "admitted"].mean()), 0.55, 0.78, 0.04),
    ("enrollment_funnel", "summer melt",
     lambda d: float(d.loc[d["deposited"] == 1, "melted"].mean()), 0.04, 0.20, 0.02),
    ("student_terms", "full-time retention", _retention_ft, 0.70, 0.90, 0.02),
    ("educator_survey", "teacher response", lambda d: float(d["responded"].mean()),
     0.55, 0.85, 0.03),
    ("customer_accounts", "monthly churn",
     lambda d: float(d.loc[d["new_this_month"] == 0, "churned_this_month"].mean()),
     0.010, 0.035, 0.003),
]


@pytest.mark.parametrize("name, what, rate, low, high, spread", WATCHED,
                         ids=[f"{w[0]}-{w[1]}" for w in WATCHED])
def test_watched_rates_vary_by_seed_within_a_plausible_range(
        name: str, what: str, rate: Callable[[pd.DataFrame], float], low: float, high: float,
        spread: float) -> None:
    values = _rate_per_seed(name, rate)
    # counts out of a few hundred can tie between seeds; a fixed rate gives one value
    assert len(np.unique(np.round(values, 6))) >= len(SEEDS) // 2, f"{what}: fixed across seeds {values}"
    assert values.max() - values.min() >= spread, f"{what}: too little variation {values}"
    assert values.min() > low and values.max() < high, f"{what}: implausible {values}"


def test_dropout_differs_between_sections_and_seeds() -> None:
    per_section = pd.concat([_dropout_per_section(data.generate("assessments", s)) for s in SEEDS])
    assert per_section.nunique() > 8  # not the same 5 of 40 everywhere
    assert per_section.min() < 0.1 and per_section.max() > 0.25


def test_no_generated_rate_is_the_same_for_every_seed() -> None:
    """Scan every 0/1 column of every dataset: none may have the same mean for all seeds
    (apart from flags that are rare by construction and may be 0, e.g. melted of a tiny
    class)."""
    means: dict[tuple[str, str], set[float]] = {}
    for s in SEEDS[:8]:
        for name in data.DATASETS:
            df = data.generate(name, s)
            for col in df.columns:
                if df[col].dtype.kind in "iu" and set(np.unique(df[col].to_numpy())) <= {0, 1}:
                    means.setdefault((name, col), set()).add(round(float(df[col].mean()), 6))
    fixed = [k for k, v in means.items() if len(v) == 1 and k != ("release_log", "self_service_release")]
    assert not fixed, f"rates fixed for every seed: {fixed}"


# ---- support volume -------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_support_volume_and_sample_sizes_are_plausible(seed: int) -> None:
    df = data.generate("support_contacts", seed)
    truth = data.planted("support_contacts", seed)
    per_agent = df.groupby("agent_id").agg(contacts=("contact_id", "size"), answers=("csat", "count"))
    assert len(df) == 40 * 600
    assert per_agent["contacts"].min() >= 100 and per_agent["contacts"].median() >= 400
    assert per_agent["answers"].min() <= 40  # some agents' CSAT rests on few answers
    assert per_agent["answers"].max() >= 80
    assert 0.06 < df["csat"].notna().mean() < 0.22
    gamers = truth["gaming_agents"]
    assert len(gamers) == 4
    teams = df.groupby("agent_id")["team"].first().astype(str)
    assert (teams[gamers] == "Technical").sum() == 3
    # the gamers are still the agents with the shortest calls and the most repeat contacts
    by_agent = df.groupby("agent_id").agg(aht=("handle_time_min", "mean"),
                                          repeat=("repeat_within_7d", "mean"))
    assert set(by_agent["aht"].nsmallest(4).index) == set(gamers)
    assert set(by_agent["repeat"].nlargest(4).index) == set(gamers)


def test_technical_team_csat_is_low_at_almost_every_seed() -> None:
    below = 0
    for seed in SEEDS:
        df = data.generate("support_contacts", seed).dropna(subset=["csat"])
        team = df.groupby("team", observed=True)["csat"].agg(n="count", k=lambda x: int((x >= 4).sum()))
        out = metrics.outside_funnel(team["k"].to_numpy(), team["n"].to_numpy())
        rate = team["k"] / team["n"]
        tech = list(team.index.astype(str)).index("Technical")
        assert rate.iloc[tech] == rate.min()  # always the lowest team
        below += bool(out[tech])
    assert below >= len(SEEDS) - 3  # below its 95% limit at almost every seed, not all


# ---- customer accounts: Simpson's paradox with a plausible plan mix --------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_simpson_reversal_with_a_plausible_plan_mix(seed: int) -> None:
    accounts = data.generate("customer_accounts", seed)
    table = customer.simpson_table(accounts)
    summary = customer.simpson_summary(table)
    truth = data.planted("customer_accounts", seed)
    assert summary["paradox"]
    assert set(summary["better_within"].values()) == {truth["better_within_every_segment"]}
    assert summary["better_pooled"] == "Premier"
    first = accounts.groupby("customer_id").head(1)
    premier = (first["plan"] == "Premier").groupby(first["segment"], observed=True).mean()
    assert 0.12 < premier["SMB"] < 0.42  # SMB mostly on Essentials, a sizeable Premier minority
    assert premier["Enterprise"] > 0.70  # Enterprise mostly Premier


# ---- student terms: exclusions and transfers-out ----------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_exclusions_in_every_cohort(seed: int) -> None:
    df = data.generate("student_terms", seed)
    final = df[df["term_index"] == df["term_index"].max()]
    share = (final["exclusion"] != "none").mean()
    assert 0.002 < share < 0.011  # about 0.6% of students (18 of 3,000, give or take chance)
    second = df[df["term_index"] == 1]
    per_cohort = (second["exclusion"] != "none").groupby(second["cohort_year"]).sum()
    assert (per_cohort >= 1).all() and 2017 in per_cohort.index
    # every full-time cohort too: ignoring exclusions must change a full-time retention rate
    full_time = second[second["attendance"] == "full-time"]
    per_ft = (full_time["exclusion"] != "none").groupby(full_time["cohort_year"]).sum()
    assert (per_ft >= 1).all(), per_ft.to_dict()
    assert final["transferred_out"].sum() > 0


def test_an_excluded_student_re_enrolls_in_most_seeds() -> None:
    back = []
    for seed in SEEDS:
        df = data.generate("student_terms", seed)
        truth = data.planted("student_terms", seed)["excluded_then_reenrolled"]
        rows = df[df["student_id"].isin(truth)]
        assert ((rows["exclusion"] != "none") & (rows["enrolled"] == 1)).groupby(rows["student_id"]).any().all()
        back.append(len(truth))
    assert sum(b >= 1 for b in back) >= 0.8 * len(SEEDS)


def test_readme_exclusion_claim() -> None:
    df = data.load("student_terms")
    final = df[df["term_index"] == df["term_index"].max()]
    assert abs(100 * (final["exclusion"] != "none").mean() - 0.6) < 0.15
    assert "About 0.6% of students have an IPEDS allowable" in (
        Path(__file__).resolve().parents[1] / "data" / "README.md").read_text(encoding="utf-8")


# ---- assessments: survivorship you can see ------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_survivorship_is_visible(seed: int) -> None:
    df = data.generate("assessments", seed)
    gains = education.survivorship_gains(df, by=None).iloc[0]
    assert gains["unmatched"] - gains["matched"] > 0.012
    assert gains["pre_completers"] - gains["pre_dropouts"] > 8
    by_mode = education.survivorship_gains(df)
    assert (by_mode["unmatched"] > by_mode["matched"]).all()
    # completers learned more than the whole class would have
    assert gains["matched"] > data.planted("assessments", seed)["gain_if_all_stayed"] + 0.005


def test_survivorship_gap_is_several_points_on_average() -> None:
    gaps = [education.survivorship_gains(data.generate("assessments", s), by=None).iloc[0]
            for s in SEEDS]
    assert np.mean([g["unmatched"] - g["matched"] for g in gaps]) > 0.025


# ---- a second period of the same organisation, and gaming --------------------------------


@pytest.mark.parametrize("name", ["support_contacts", "customer_survey", "customer_journey",
                                  "lms_activity", "assessments", "educator_survey"])
def test_another_period_is_the_same_organisation(name: str) -> None:
    one = data.load(name, seed=43)
    two = data.load(name, seed=43, period=2)
    assert not one.equals(two)
    assert len(two) > 0
    if name == "educator_survey":
        assert one["teacher_id"].tolist() == two["teacher_id"].tolist()
        assert one["school_id"].tolist() == two["school_id"].tolist()
        pd.testing.assert_series_equal(one["school_low_income_pct"], two["school_low_income_pct"])
    if name == "support_contacts":
        assert data.planted(name, 43)["gaming_agents"] == data.planted(name, 43, period=2)["gaming_agents"]
        teams = [d.groupby("agent_id")["team"].first() for d in (one, two)]
        pd.testing.assert_series_equal(teams[0], teams[1])
        assert one["date"].max() < two["date"].min()
    if name == "assessments":
        modes = [d.groupby("section")["teaching_mode"].first() for d in (one, two)]
        pd.testing.assert_series_equal(modes[0], modes[1])
        assert data.planted(name, 43)["teach_to_test_section"] == data.planted(
            name, 43, period=2)["teach_to_test_section"]
        assert not set(one["student_id"]) & set(two["student_id"])
    if name == "customer_survey":
        assert one["customer_id"].tolist() == two["customer_id"].tolist()
        assert one["segment"].tolist() == two["segment"].tolist()


def test_period_and_gaming_are_checked() -> None:
    with pytest.raises(ValueError, match="period"):
        data.generate("assessments", 1, period=-1)
    with pytest.raises(ValueError, match="gaming"):
        data.generate("assessments", 1, gaming=5)
    with pytest.raises(ValueError, match="gaming"):
        data.generate("support_contacts", 1, gaming="high")


def _hake(pre: pd.Series, post: pd.Series) -> float:
    return float((post.mean() - pre.mean()) / (100 - pre.mean()))


@pytest.mark.parametrize("seed", [3, 42, 105])
def test_gaming_moves_the_metric_and_its_counter_metric(seed: int) -> None:
    """Same organisation and period, honest (0) against gamed (1.5): the metric looks better
    and its counter-metric worse, for every pair the capstone scorecard uses."""
    def both(name: str, f: Callable[[pd.DataFrame], tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        honest = np.array(f(data.generate(name, seed, gaming=0.0)))
        gamed = np.array(f(data.generate(name, seed, gaming=1.5)))
        return honest, gamed

    def support(d: pd.DataFrame) -> tuple[float, float]:
        return d["handle_time_min"].mean(), d["repeat_within_7d"].mean()
    h, g = both("support_contacts", support)
    assert g[0] < h[0] and g[1] > h[1]

    def survey(d: pd.DataFrame) -> tuple[float, float]:
        r = d.loc[d["responded"] == 1, "nps"]
        return 100 * ((r >= 9).mean() - (r <= 6).mean()), d["responded"].mean()
    h, g = both("customer_survey", survey)
    assert g[0] > h[0] and g[1] < h[1]

    def journey(d: pd.DataFrame) -> tuple[float, float]:
        return d["first_value_within_14d"].mean(), d["churned"].mean()
    h, g = both("customer_journey", journey)
    assert g[0] > h[0] + 0.1 and abs(g[1] - h[1]) < 1e-12  # reported value up, churn the same

    def lms(d: pd.DataFrame) -> tuple[float, float]:
        return d["active"].mean(), _withdrawn(d)
    h, g = both("lms_activity", lms)
    assert g[0] > h[0] and g[1] > h[1] + 0.05

    def assess(d: pd.DataFrame) -> tuple[float, float]:
        c = d[d["dropped"] == 0]
        return _hake(c["pre_score"], c["post_score"]), _hake(c["pre_score"], c["transfer_score"])
    h, g = both("assessments", assess)
    assert g[0] > h[0] and g[1] < h[1]

    def educators(d: pd.DataFrame) -> tuple[float, float]:
        r = d[d["responded"] == 1]
        return (r["job_satisfied_overall"] >= 3).mean(), d["responded"].mean()
    h, g = both("educator_survey", educators)
    assert g[0] > h[0] and g[1] < h[1]

    def funnel(d: pd.DataFrame) -> tuple[float, float]:
        last = d[d["cohort_year"] == d["cohort_year"].max()]
        return (last.loc[last["admitted"] == 1, "deposited"].mean(),
                last.loc[last["deposited"] == 1, "melted"].mean())
    h, g = both("enrollment_funnel", funnel)
    assert g[0] > h[0] and g[1] > h[1]

    def accounts(d: pd.DataFrame) -> tuple[float, float]:
        year = d[d["month"] >= "2024-01"]
        at_start = year[year["new_this_month"] == 0]
        return at_start["churned_this_month"].mean(), 1 - year["cost_to_serve"].sum() / year["revenue"].sum()
    h, g = both("customer_accounts", accounts)
    assert g[0] < h[0] and g[1] < h[1]  # churn down, margin down

    def terms(d: pd.DataFrame) -> tuple[float, float]:
        entry = d[d["term_index"] == 0]
        at_risk = entry[(entry["first_generation"] == 1) | (entry["pell"] == 1)]
        last = at_risk[at_risk["cohort_year"] == at_risk["cohort_year"].max()]
        return _retention_ft(d[d["cohort_year"] == d["cohort_year"].max()]), last["withdrew_before_census"].mean()
    h, g = both("student_terms", terms)
    assert g[0] > h[0] and g[1] > h[1]


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_cohort_shaping_leaves_earlier_cohorts_alone(seed: int) -> None:
    """An honest and a shaping run of one seed are the same institution: only the shaped
    (last) cohort differs, so a class batch can compare them cohort by cohort."""
    honest = data.generate("student_terms", seed, gaming=0.0)
    shaping = data.generate("student_terms", seed, gaming=1.5)
    last = honest["cohort_year"].max()
    a = honest[honest["cohort_year"] < last].reset_index(drop=True)
    b = shaping[shaping["cohort_year"] < last].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert not honest[honest["cohort_year"] == last].reset_index(drop=True).equals(
        shaping[shaping["cohort_year"] == last].reset_index(drop=True))
