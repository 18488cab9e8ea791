"""helpers.data: determinism, the committed CSVs, validated loading and the planted patterns.

The planted patterns are checked under several seeds: notebooks run under other seeds too,
so every pattern data/README.md promises must hold whatever the seed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import data
from helpers.validate import (
    SCHEMAS,
    TALIS_ITEMS,
    TALIS_REVERSED,
    DataValidationError,
    UnknownKindError,
    validate_file,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SEEDS = [1, 7, 42, 2024]


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same columns, dtypes and values (NaN equal to NaN); faster than assert_frame_equal."""
    assert list(a.columns) == list(b.columns)
    assert a.dtypes.to_dict() == b.dtypes.to_dict()
    assert a.equals(b)


# ---- registry, determinism, committed files ---------------------------------------


def test_registry_matches_schemas() -> None:
    assert list(data.DATASETS) == list(SCHEMAS)
    for name, gen in data.DATASETS.items():
        assert gen.__name__ == f"make_{name}"
        assert gen.__doc__, name
        for param, default in data.size_parameters(name).items():
            assert default is None or isinstance(default, (int, float, str)), (name, param)


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_same_seed_same_frame_other_seed_other_frame(name: str) -> None:
    a = data.generate(name, 42)
    b = data.generate(name, 42)
    assert_same(a, b)
    c = data.generate(name, 43)
    assert not a.equals(c)
    assert list(a.columns) == SCHEMAS[name].names
    assert len(a) > 0


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_generated_frame_equals_its_validated_round_trip(name: str) -> None:
    """generate() already has the validator's dtypes and the CSV's rounding."""
    assert_same(data.generate(name, 7), data.load(name, seed=7))


def test_committed_csvs_are_exactly_the_seed_42_output(tmp_path: Path) -> None:
    paths = data.write_all(tmp_path, seed=42)
    assert [p.name for p in paths] == [f"{n}.csv" for n in data.DATASETS]
    committed = sorted(p.name for p in DATA.glob("*.csv"))
    assert committed == sorted(p.name for p in paths)
    assert validate_file(DATA / "release_log.csv").equals(data.load("release_log"))
    for p in paths:
        assert p.read_bytes() == (DATA / p.name).read_bytes(), f"data/{p.name} is stale: run make data"
    total = sum((DATA / p.name).stat().st_size for p in paths)
    assert total < 10 * 1024 * 1024


def test_cli_writes_the_same_bytes_and_one_line_per_file(tmp_path: Path) -> None:
    names = ["release_log", "assessments"]
    res = subprocess.run(
        [sys.executable, "-m", "helpers.data", "--seed", "42", "--out", str(tmp_path),
         "--only", *names],
        capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == len(names)
    for name, line in zip(names, lines):
        path = tmp_path / f"{name}.csv"
        assert str(path) in line
        assert path.read_bytes() == (DATA / f"{name}.csv").read_bytes()
        n_rows = path.read_bytes().count(b"\n") - 1
        assert f"({n_rows} rows" in line


def test_csv_format_is_plain_utf8_with_iso_dates() -> None:
    for name in data.DATASETS:
        raw = (DATA / f"{name}.csv").read_bytes()
        raw.decode("utf-8")
        assert b"\r" not in raw and raw.endswith(b"\n"), name
        header = raw.split(b"\n", 1)[0].decode()
        assert header == ",".join(SCHEMAS[name].names), name
        for col in SCHEMAS[name].columns:
            if col.kind == "date":
                values = pd.read_csv(DATA / f"{name}.csv", usecols=[col.name], dtype=str)[col.name]
                assert values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), (name, col.name)


# ---- validated loading --------------------------------------------------------------


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_load_from_files_equals_generated_for_seed_42(name: str) -> None:
    from_file = data.load(name, data_dir=DATA)
    generated = data.load(name, seed=42)
    assert_same(from_file, generated)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_dataset_passes_its_own_validation(seed: int) -> None:
    for name in data.DATASETS:
        df = data.load(name, seed=seed)  # load() validates; it would raise otherwise
        key = list(SCHEMAS[name].key)
        assert not df.duplicated(subset=key).any(), name


def test_load_returns_independent_copies() -> None:
    a = data.load("assessments", seed=3)
    a.loc[:, "pre_score"] = -1.0
    b = data.load("assessments", seed=3)
    assert (b["pre_score"] >= 0).all()


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(UnknownKindError) as info:
        data.load("no_such_dataset")
    for name in data.DATASETS:
        assert name in str(info.value)
    with pytest.raises(DataValidationError, match="file not found") as info2:
        data.load("assessments", data_dir=tmp_path)
    assert str(tmp_path / "assessments.csv") in str(info2.value)
    bad = tmp_path / "assessments.csv"
    text = (DATA / "assessments.csv").read_text(encoding="utf-8").splitlines()
    fields = text[3].split(",")
    fields[3] = "130"  # pre_score out of range on line 4
    text[3] = ",".join(fields)
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info3:
        data.load("assessments", data_dir=tmp_path)
    assert info3.value.column == "pre_score" and info3.value.rows == (4,)
    # sizes are ignored for files (notebooks pass them either way), but must be spelled right
    pd.testing.assert_frame_equal(data.load("assessments", data_dir=DATA, n_sections=5),
                                  data.load("assessments", data_dir=DATA))
    with pytest.raises(TypeError, match="unknown size parameter"):
        data.load("assessments", data_dir=DATA, n_sectons=5)
    with pytest.raises(ValueError, match="seed"):
        data.load("assessments", seed=-1)
    with pytest.raises(ValueError, match="n_sections"):
        data.generate("assessments", n_sections=0)
    with pytest.raises(TypeError, match="unknown size parameter"):
        data.write_all(tmp_path / "out", n_widgets=3)


def test_planted_facts_are_consistent_with_the_data() -> None:
    for seed in SEEDS:
        agents = data.planted("support_contacts", seed)["gaming_agents"]
        assert len(agents) == data.size_parameters("support_contacts")["n_gamers"]
        assert set(agents) <= set(data.generate("support_contacts", seed)["agent_id"])
        section = data.planted("assessments", seed)["teach_to_test_section"]
        modes = data.generate("assessments", seed).groupby("section")["teaching_mode"].first()
        assert modes[section] == "traditional"
        shaped = data.planted("student_terms", seed)["shaped_cohort"]
        assert shaped in set(data.generate("student_terms", seed)["cohort_year"])


# ---- sizes ---------------------------------------------------------------------------


def test_sizes_scale() -> None:
    sc = data.generate("support_contacts", 1, n_agents=10, contacts_per_agent=7, n_gamers=2)
    assert len(sc) == 10 * 7 and sc["agent_id"].nunique() == 10
    assert data.generate("customer_survey", 1, n_customers=123).shape[0] == 123
    assert data.generate("customer_journey", 1, n_customers=77).shape[0] == 77
    assert data.generate("customer_accounts", 1, n_customers=300)["customer_id"].nunique() == 300
    pu = data.generate("product_usage", 1, n_customers=20, n_weeks=10, release_week=3)
    assert len(pu) == 20 * 10
    assert len(data.generate("release_log", 1, n_weeks=10, release_week=3)) == 10
    ef = data.generate("enrollment_funnel", 1, n_per_cohort=100, n_cohorts=2)
    assert len(ef) == 200 and ef["cohort_year"].nunique() == 2
    a = data.generate("assessments", 1, n_sections=6, students_per_section=10)
    assert len(a) == 60 and a["section"].nunique() == 6
    small = data.generate("student_terms", 1, n_students=1000)
    big = data.generate("student_terms", 1, n_students=4000)
    assert small["student_id"].nunique() == 1000 and big["student_id"].nunique() == 4000
    assert 3.6 < len(big) / len(small) < 4.4
    lms_small = data.generate("lms_activity", 1, n_students=200)
    lms_big = data.generate("lms_activity", 1, n_students=800)
    assert 3.6 < len(lms_big) / len(lms_small) < 4.4
    es = data.generate("educator_survey", 1, n_schools=10, teachers_per_school=5)
    assert es["school_id"].nunique() == 10


def test_write_all_routes_size_parameters(tmp_path: Path) -> None:
    paths = data.write_all(tmp_path, seed=5, only=["student_terms", "lms_activity"], n_students=50)
    st = data.load("student_terms", data_dir=tmp_path)
    lms = data.load("lms_activity", data_dir=tmp_path)
    assert len(paths) == 2
    assert st["student_id"].nunique() == 50 and lms["student_id"].nunique() == 50


def test_usage_and_release_log_share_weeks() -> None:
    usage = data.generate("product_usage", 9)
    log = data.generate("release_log", 9)
    assert sorted(usage["week"].unique()) == list(log["week"])
    rel = pd.Timestamp(data.planted("release_log", 9)["release_week"])
    assert log.loc[log["self_service_release"] == 1, "week"].tolist() == [rel]


# ---- planted patterns, under several seeds ---------------------------------------------


def _nps(scores: pd.Series) -> float:
    s = scores.dropna()
    return 100.0 * ((s >= 9).mean() - (s <= 6).mean())


def _top2(scores: pd.Series) -> float:
    return float((scores.dropna() >= 4).mean())


@pytest.mark.parametrize("seed", SEEDS)
def test_support_gamers_are_detectable_and_the_rest_is_noise(seed: int) -> None:
    df = data.load("support_contacts", seed=seed)
    gamers = set(data.planted("support_contacts", seed)["gaming_agents"])
    k = len(gamers)
    by_agent = df.groupby("agent_id").agg(
        aht=("handle_time_min", "mean"), repeat=("repeat_within_7d", "mean"),
        fcr=("resolved_first_contact", "mean"), transfers=("transfers", "mean"),
        top2=("csat", _top2), answers=("csat", "count"))
    assert set(by_agent["aht"].nsmallest(k).index) == gamers
    assert set(by_agent["repeat"].nlargest(k).index) == gamers
    g, rest = by_agent[by_agent.index.isin(gamers)], by_agent[~by_agent.index.isin(gamers)]
    assert g["fcr"].mean() < rest["fcr"].mean() - 0.15
    assert g["transfers"].mean() > rest["transfers"].mean() + 0.3
    assert 0.70 <= _top2(df["csat"]) <= 0.90
    # other agents differ by no more than sampling noise: league-table ranks are noise
    p = _top2(df.loc[~df["agent_id"].isin(gamers), "csat"])
    binomial_var = (p * (1 - p) / rest["answers"]).mean()
    assert rest["top2"].var() < 3 * binomial_var  # 1,000 seeds: at most 2.6


@pytest.mark.parametrize("seed", SEEDS)
def test_survey_nonresponse_coaching_and_pooling(seed: int) -> None:
    df = data.load("customer_survey", seed=seed)
    resp = df[df["responded"] == 1]
    non = df[df["responded"] == 0]
    assert 0.15 < len(resp) / len(df) < 0.45
    assert resp["true_satisfaction"].mean() - non["true_satisfaction"].mean() > 1.0
    assert non["churned_next_quarter"].mean() > resp["churned_next_quarter"].mean() + 0.02
    assert (resp["nps"] >= 8).mean() > 0.6
    assert (resp["nps"] >= 9).mean() > (resp["nps"] <= 6).mean()
    assert 0.70 <= _top2(resp["csat"]) <= 0.90
    seg_nps = resp.groupby("segment", observed=True)["nps"].apply(_nps)
    assert abs(_nps(resp["nps"]) - seg_nps.mean()) > 3
    assert seg_nps["SMB"] < seg_nps["Mid-market"] < seg_nps["Enterprise"]
    sizes = df["segment"].value_counts()
    assert sizes.max() > 3 * sizes.min()
    coached = df["coached_by_agent"] == 1
    promoters = resp["nps"] >= 9
    c = resp["coached_by_agent"] == 1
    assert promoters[c].mean() - promoters[~c].mean() > 0.15
    assert abs(df.loc[coached, "true_satisfaction"].mean()
               - df.loc[~coached, "true_satisfaction"].mean()) < 0.4
    resolved = resp["resolved_case"] == 1
    assert _nps(resp.loc[resolved, "nps"]) - _nps(resp.loc[~resolved, "nps"]) > 25


@pytest.mark.parametrize("seed", SEEDS)
def test_accounts_simpson_paradox_and_skewed_profit(seed: int) -> None:
    df = data.load("customer_accounts", seed=seed)
    at_start = df[df["new_this_month"] == 0]  # churn: lost / customers at start of month
    within = at_start.groupby(["segment", "plan"], observed=True)["churned_this_month"].mean().unstack()
    assert (within["Essentials"] < within["Premier"]).all()
    pooled = at_start.groupby("plan", observed=True)["churned_this_month"].mean()
    assert pooled["Essentials"] > pooled["Premier"]
    # a plausible plan mix: most small businesses on Essentials, most enterprises on Premier
    first = df.groupby("customer_id").head(1)
    premier = (first["plan"] == "Premier").groupby(first["segment"], observed=True).mean()
    assert 0.15 < premier["SMB"] < 0.40 and premier["Enterprise"] > 0.7
    assert 0.012 < at_start["churned_this_month"].mean() < 0.03
    # CRR = (E - N) / S equals 1 - churn for every month after the first
    m = df.groupby("month").agg(E=("active", "sum"), N=("new_this_month", "sum"),
                                lost=("churned_this_month", "sum"))
    S = m["E"].shift()
    crr = ((m["E"] - m["N"]) / S).iloc[1:]
    assert np.allclose(crr, 1 - (m["lost"] / S).iloc[1:])
    profit = (df["revenue"] - df["cost_to_serve"]).groupby(df["customer_id"]).sum()
    assert profit.mean() > 2 * profit.median()
    assert 0.03 < (profit < 0).mean() < 0.30
    assert first["acquisition_cost"].notna().all()


@pytest.mark.parametrize("seed", SEEDS)
def test_usage_output_ramps_fast_outcomes_lag(seed: int) -> None:
    usage = data.load("product_usage", seed=seed)
    log = data.load("release_log", seed=seed)
    rel = pd.Timestamp(data.planted("product_usage", seed)["release_week"])
    pre_log, post_log = log[log["week"] < rel], log[log["week"] >= rel]
    assert post_log["features_shipped"].head(4).mean() >= 2 * pre_log["features_shipped"].mean()
    assert post_log["help_articles_published"].head(4).mean() > 3 * max(
        pre_log["help_articles_published"].mean(), 1)
    weekly = usage.groupby("week").agg(new=("used_new_self_service_path", "sum"),
                                       old=("used_old_path", "sum"),
                                       contacts=("support_contacts", "mean"))
    ratio = weekly["new"] / weekly["old"]
    pre, post = weekly[weekly.index < rel], weekly[weekly.index >= rel]
    assert ratio[ratio.index < rel].max() == 0
    assert ratio.loc[post.index[1]] < 0.1  # adoption lags the release
    assert ratio.iloc[-1] > 1.0
    assert ratio.iloc[-4:].mean() > ratio.loc[post.index[:4]].mean() + 0.8
    assert post["contacts"].head(4).mean() > 0.8 * pre["contacts"].mean()  # no early impact
    assert post["contacts"].tail(4).mean() < 0.75 * pre["contacts"].mean()  # impact, later


@pytest.mark.parametrize("seed", SEEDS)
def test_journey_one_moment_of_truth_dominates(seed: int) -> None:
    df = data.load("customer_journey", seed=seed)
    lifts = {s: df.loc[df[s] == 0, "churned"].mean() / df.loc[df[s] == 1, "churned"].mean()
             for s in data.JOURNEY_STAGES}
    ranked = sorted(lifts, key=lifts.get, reverse=True)
    assert ranked[0] == data.planted("customer_journey", seed)["key_moment"]
    assert lifts[ranked[0]] > 1.5 * lifts[ranked[1]]
    low = df["csat_onboarding"] <= 3
    csat_lift = df.loc[low, "churned"].mean() / df.loc[~low, "churned"].mean()
    assert csat_lift < lifts[ranked[0]] / 2  # satisfaction predicts little


@pytest.mark.parametrize("seed", SEEDS)
def test_funnel_base_rates_and_summer_melt(seed: int) -> None:
    df = data.load("enrollment_funnel", seed=seed)
    applied, admitted, deposited = (df[df[c] == 1] for c in ("applied", "admitted", "deposited"))
    assert 0.58 < applied["admitted"].mean() < 0.76
    assert 0.25 < admitted["deposited"].mean() < 0.45
    assert 0.05 < deposited["melted"].mean() < 0.18
    for group in ("first_generation", "pell"):
        melt = deposited.groupby(group)["melted"].mean()
        assert melt[1] > melt[0] + 0.05, group
    assert (df["melted"] == ((df["deposited"] == 1) & (df["enrolled_census"] == 0))).all()


def _retention_table(df: pd.DataFrame) -> pd.DataFrame:
    """IPEDS-style second-fall outcomes of each census cohort member (exclusions removed)."""
    entry = df[(df["term_index"] == 0) & (df["withdrew_before_census"] == 0)].set_index("student_id")
    second = df[df["term_index"] == 1].set_index("student_id").loc[entry.index]
    keep = second["exclusion"] == "none"
    out = entry.loc[keep, ["cohort_year", "attendance", "first_generation", "pell"]].copy()
    out["retained"] = second.loc[keep, "enrolled"]
    out["persisted"] = second.loc[keep, "enrolled"] | second.loc[keep, "enrolled_elsewhere"]
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_student_terms_base_rates(seed: int) -> None:
    df = data.load("student_terms", seed=seed)
    shaped = data.planted("student_terms", seed)["shaped_cohort"]
    t = _retention_table(df)
    ft = t["attendance"] == "full-time"
    usual = t["cohort_year"] != shaped
    assert 0.77 < t.loc[ft & usual, "retained"].mean() < 0.83
    assert 0.42 < t.loc[~ft, "retained"].mean() < 0.55
    for mask in (ft, ~ft):
        assert t.loc[mask, "persisted"].mean() > t.loc[mask, "retained"].mean() + 0.04
    final = df[df["term_index"] == df["term_index"].max()].set_index("student_id")
    entry = df[(df["term_index"] == 0) & (df["withdrew_before_census"] == 0)
               & (df["attendance"] == "full-time")]
    grad = final.loc[entry["student_id"]]
    grad = grad[grad["exclusion"] == "none"]
    assert 0.58 < grad["completed"].mean() < 0.68


@pytest.mark.parametrize("seed", SEEDS)
def test_student_terms_cohort_shaping_is_visible(seed: int) -> None:
    df = data.load("student_terms", seed=seed)
    shaped = data.planted("student_terms", seed)["shaped_cohort"]
    entry = df[df["term_index"] == 0]
    at_risk = entry[(entry["first_generation"] == 1) | (entry["pell"] == 1)]
    withdrew = at_risk.groupby("cohort_year")["withdrew_before_census"].mean()
    assert withdrew[shaped] > 5 * withdrew.drop(shaped).max()
    t = _retention_table(df)
    fg_share = t.groupby("cohort_year")["first_generation"].mean()
    assert fg_share.idxmin() == shaped
    ft = t[t["attendance"] == "full-time"]
    retention = ft.groupby("cohort_year")["retained"].mean()
    assert retention.idxmax() == shaped  # the reported rate rewards the shaping


@pytest.mark.parametrize("seed", SEEDS)
def test_lms_outcomes_deadlines_and_early_warning(seed: int) -> None:
    df = data.load("lms_activity", seed=seed)
    results = df.groupby("student_id")["final_result"].first().value_counts(normalize=True)
    for result, share in data.RESULT_SHARES.items():  # around the OULAD-like mix, not on it
        assert abs(results[result] - share) < 0.12, result
    deadlines = data.planted("lms_activity", seed)["deadline_weeks"]
    is_deadline = np.array([w in deadlines[c] for c, w in zip(df["course_id"], df["week"])])
    assert df.loc[is_deadline, "clicks"].mean() > 1.5 * df.loc[~is_deadline, "clicks"].mean()
    assert df["clicks"].mean() > 1.5 * df["clicks"].median()  # right-skewed
    assert 0.75 < df["active"].mean() < 0.95
    w = df[df["final_result"] == "Withdrawn"]
    to_go = w["withdrawal_week"] - w["week"]
    late = w.loc[(to_go >= 1) & (to_go <= 3), "clicks"].mean()
    early = w.loc[to_go >= 4, "clicks"].mean()
    assert late < 0.8 * early


def _hake(pre: pd.Series, post: pd.Series) -> float:
    return (post.mean() - pre.mean()) / (100 - pre.mean())


@pytest.mark.parametrize("seed", SEEDS)
def test_assessments_gains_teaching_to_the_test_and_survivorship(seed: int) -> None:
    df = data.load("assessments", seed=seed)
    t2t = data.planted("assessments", seed)["teach_to_test_section"]
    stayed = df[df["dropped"] == 0]
    sec = stayed.groupby("section").agg(mode=("teaching_mode", "first"))
    sec["gain"] = [_hake(g["pre_score"], g["post_score"]) for _, g in stayed.groupby("section")]
    sec["transfer_gain"] = [_hake(g["pre_score"], g["transfer_score"])
                            for _, g in stayed.groupby("section")]
    trad = sec[(sec["mode"] == "traditional") & (sec.index != t2t)]
    inter = sec[sec["mode"] == "interactive"]
    assert 0.17 < trad["gain"].mean() < 0.30
    assert 0.40 < inter["gain"].mean() < 0.56
    assert sec.loc[t2t, "gain"] > trad["gain"].max() + 0.15  # post-test looks great
    assert sec.loc[t2t, "transfer_gain"] < 0.1  # ... transfer is flat
    assert sec.loc[t2t, "transfer_gain"] < sec.drop(t2t)["transfer_gain"].min()
    dropped = df[df["dropped"] == 1]
    assert dropped["post_score"].isna().all() and stayed["post_score"].notna().all()
    assert stayed["pre_score"].mean() - dropped["pre_score"].mean() > 4
    assert _hake(df["pre_score"], stayed["post_score"]) > _hake(stayed["pre_score"], stayed["post_score"])


def _alpha(items: pd.DataFrame) -> float:
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


@pytest.mark.parametrize("seed", SEEDS)
def test_educator_survey_scale_nonresponse_and_levels(seed: int) -> None:
    df = data.load("educator_survey", seed=seed)
    resp = df[df["responded"] == 1]
    assert 0.84 < (resp["job_satisfied_overall"] >= 3).mean() < 0.95
    items = resp[list(TALIS_ITEMS)].astype("float64")
    for col in TALIS_REVERSED:
        items[col] = 5 - items[col]
    assert 0.75 < _alpha(items) < 0.88
    assert df.loc[df["responded"] == 0, "left_next_year"].mean() > resp["left_next_year"].mean()
    score = items.mean(axis=1)
    frame = pd.DataFrame({"school": resp["school_id"], "score": score,
                          "outcome": resp["class_mean_score"]})
    schools = frame.groupby("school")[["score", "outcome"]].mean()
    assert schools["score"].corr(schools["outcome"]) > 0.4  # between schools: strong
    within = frame[["score", "outcome"]] - frame.groupby("school")[["score", "outcome"]].transform("mean")
    assert abs(within["score"].corr(within["outcome"])) < 0.15  # within schools: none


# ---- data/README.md -------------------------------------------------------------------


def test_readme_documents_every_dataset_and_the_seed_42_answers() -> None:
    from helpers.validate import data_dictionary_markdown

    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for name in data.DATASETS:
        assert f"### {name}\n" in readme, name
        row = next(line for line in readme.splitlines() if line.startswith(f"| [`{name}.csv`]"))
        assert f"| {len(data.load(name)):,} |" in row, f"data/README.md: stale row count for {name}"
        assert data_dictionary_markdown(name) in readme, (
            f"data/README.md: stale table for {name}; paste "
            f"helpers.validate.data_dictionary_markdown({name!r}) in its place")
    for agent in data.planted("support_contacts")["gaming_agents"]:
        assert agent in readme
    assert f"section {data.planted('assessments')['teach_to_test_section']}" in readme
    assert f"cohort {data.planted('student_terms')['shaped_cohort']}" in readme
    assert data.planted("product_usage")["release_week"] in readme
    assert data.planted("customer_journey")["key_moment"] in readme
    for phrase in ("python -m helpers.data --seed 42 --out data", "make data",
                   "python -m helpers.validate", "Planted patterns", "NACAC", "Castleman & Page",
                   "NCES", "Clearinghouse", "Hake (1998)", "TALIS", "OULAD", "Illustrative"):
        assert phrase in readme, phrase


def test_tiny_sizes_still_make_valid_data() -> None:
    tiny = {
        "support_contacts": dict(n_agents=2, contacts_per_agent=1, n_gamers=1),
        "customer_survey": dict(n_customers=1),
        "customer_accounts": dict(n_customers=2, n_months=1),
        "product_usage": dict(n_customers=1, n_weeks=2, release_week=1),
        "release_log": dict(n_weeks=2, release_week=1),
        "customer_journey": dict(n_customers=1),
        "enrollment_funnel": dict(n_per_cohort=1, n_cohorts=1),
        "student_terms": dict(n_students=1, n_cohorts=1, n_terms=1),
        "lms_activity": dict(n_students=1, n_weeks=6),
        "assessments": dict(n_sections=4, students_per_section=1),
        "educator_survey": dict(n_schools=1, teachers_per_school=1),
    }
    assert set(tiny) == set(data.DATASETS)
    for name, sizes in tiny.items():
        assert len(data.load(name, seed=3, **sizes)) >= 1, name


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_any_seed_gives_valid_data(seed: int) -> None:
    small = {
        "support_contacts": dict(n_agents=6, contacts_per_agent=5, n_gamers=1),
        "customer_survey": dict(n_customers=50),
        "customer_accounts": dict(n_customers=40, n_months=6),
        "product_usage": dict(n_customers=10, n_weeks=8, release_week=3),
        "release_log": dict(n_weeks=8, release_week=3),
        "customer_journey": dict(n_customers=50),
        "enrollment_funnel": dict(n_per_cohort=60, n_cohorts=2),
        "student_terms": dict(n_students=60),
        "lms_activity": dict(n_students=20, n_weeks=8),
        "assessments": dict(n_sections=4, students_per_section=6),
        "educator_survey": dict(n_schools=3, teachers_per_school=4),
    }
    for name, sizes in small.items():
        generated = data.generate(name, seed, **sizes)
        assert_same(generated, data.load(name, seed=seed, **sizes))


def test_readme_seed_42_numbers_are_the_data() -> None:
    """The seed-42 numbers quoted in data/README.md, recomputed from the data."""
    from helpers import customer, education

    readme = " ".join((DATA / "README.md").read_text(encoding="utf-8").split())
    sc = data.load("support_contacts")
    answers = sc.groupby("agent_id")["csat"].count()
    contacts = sc.groupby("agent_id").size()
    assert f"seed 42: {answers.min()} to {answers.max()} survey answers per agent" in readme
    assert f"seed 42: {contacts.min():,} to {contacts.max():,}" in readme
    assert f"seed 42: {100 * sc['csat'].notna().mean():.1f}%)" in readme
    table = customer.simpson_table(data.load("customer_accounts"))
    pooled = table[table["group"] == "All customers"].set_index("treatment")["churn_rate"]
    assert f"seed 42: {pooled['Premier']:.1f}% vs {pooled['Essentials']:.1f}% a month" in readme
    gains = education.survivorship_gains(data.load("assessments"), by=None).iloc[0]
    assert f"seed 42: {gains['unmatched']:.3f} vs {gains['matched']:.3f}" in readme
    assert f"seed 42: {gains['pre_dropouts']:.1f} vs {gains['pre_completers']:.1f}" in readme
    assert f"seed 42: {data.planted('assessments')['gain_if_all_stayed']:.3f}" in readme
    st = data.load("student_terms")
    final = st[st["term_index"] == st["term_index"].max()]
    assert f"seed 42: {100 * (final['exclusion'] != 'none').mean():.2f}%" in readme
    second = st[(st["term_index"] == 1) & (st["exclusion"] != "none")]
    per_cohort = second.groupby("cohort_year").size()
    assert f"seed 42: {per_cohort.iloc[0]}, {per_cohort.iloc[1]} and {per_cohort.iloc[2]}" in readme
    back = data.planted("student_terms")["excluded_then_reenrolled"]
    assert f"seed 42: {len(back)} students, e.g. {back[0]}" in readme
