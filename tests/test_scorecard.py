"""helpers.scorecard: metric definitions on hand-made frames, statuses and flags,
two-period loading (generated and from files), the planted cohort shaping, the chart,
the widget callback and the results record."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest

from helpers import batch, data, scorecard as sc


# ------------------------------------------------------------------ catalogue


@pytest.mark.parametrize("sector", sc.SECTORS)
def test_every_sector_has_a_north_star_and_three_to_six_drivers(sector):
    pairs = sc.SCORECARDS[sector]
    assert [p.role for p in pairs].count("north star") == 1 and pairs[0].role == "north star"
    assert 3 <= sum(p.role == "driver" for p in pairs) <= 6
    keys = [k for p in pairs for k in (p.metric, p.counter)]
    assert len(keys) == len(set(keys)), "every metric appears once"
    assert all(k in sc.METRICS for k in keys)
    design = sc.design_table(sector)
    assert len(design) == len(pairs) and design["why this pair"].str.len().min() > 20


def test_sector_and_names():
    assert sc.default_name("education") == "Northfield College"
    with pytest.raises(ValueError, match="'education', 'business'"):
        sc.check_sector("health")


# ------------------------------------------------------------------ metric formulas on hand-made data


def test_business_metrics_by_hand():
    accounts = pd.DataFrame({
        "customer_id": ["a", "b", "c", "a", "b", "c", "d"],
        "month": ["2024-01"] * 3 + ["2024-12"] * 4,
        "active": [1, 1, 1, 1, 0, 1, 1],
        "new_this_month": [0, 0, 1, 0, 0, 0, 1],
        "revenue": [100.0, 100.0, 50.0, 100.0, 100.0, 50.0, 50.0],
        "cost_to_serve": [40.0, 40.0, 10.0, 40.0, 40.0, 10.0, 30.0],
        "acquisition_cost": [np.nan, np.nan, 300.0, np.nan, np.nan, np.nan, 500.0],
    })
    # start: a, b (c is new in January); end: a, c, d active; new: c, d -> (3 - 2) / 2
    assert sc.METRICS["crr"].compute(accounts) == pytest.approx(50.0)
    assert sc.METRICS["gross_margin"].compute(accounts) == pytest.approx(100 * (550 - 210) / 550)
    assert sc.METRICS["new_customers"].compute(accounts) == 2
    assert sc.METRICS["cac"].compute(accounts) == pytest.approx(400.0)
    contacts = pd.DataFrame({"handle_time_min": [4.0, 8.0, 12.0], "repeat_within_7d": [1, 0, 0]})
    assert sc.METRICS["aht"].compute(contacts) == pytest.approx(8.0)
    assert sc.METRICS["repeat"].compute(contacts) == pytest.approx(100 / 3)
    survey = pd.DataFrame({"responded": [1, 1, 1, 0], "nps": pd.array([10, 9, 3, None], dtype="Int64")})
    assert sc.METRICS["nps"].compute(survey) == pytest.approx(100 * (2 - 1) / 3)
    assert sc.METRICS["survey_response"].compute(survey) == pytest.approx(75.0)


def test_education_metrics_by_hand():
    lms = pd.DataFrame({
        "student_id": ["s1", "s1", "s2", "s3", "s3", "s3"],
        "active": [1, 0, 1, 1, 1, 0],
        "final_result": ["Pass", "Pass", "Withdrawn", "Fail", "Fail", "Fail"],
    })
    assert sc.METRICS["participation"].compute(lms) == pytest.approx(400 / 6)
    assert sc.METRICS["withdrawal"].compute(lms) == pytest.approx(100 / 3)
    assessments = pd.DataFrame({
        "pre_score": [40.0, 40.0, 10.0], "post_score": [70.0, 70.0, np.nan],
        "transfer_score": [55.0, 55.0, np.nan], "dropped": [0, 0, 1],
    })
    assert sc.METRICS["post_gain"].compute(assessments) == pytest.approx(0.5)
    assert sc.METRICS["transfer_gain"].compute(assessments) == pytest.approx(0.25)
    funnel = pd.DataFrame({"admitted": [1, 1, 1, 1, 0], "deposited": [1, 1, 1, 0, 0], "enrolled_census": [1, 1, 0, 0, 0]})
    assert sc.METRICS["yield"].compute(funnel) == pytest.approx(50.0)
    assert sc.METRICS["summer_melt"].compute(funnel) == pytest.approx(100 / 3)
    teachers = pd.DataFrame({"responded": [1, 1, 1, 0], "job_satisfied_overall": pd.array([4, 3, 1, None], dtype="Int64")})
    assert sc.METRICS["teacher_satisfaction"].compute(teachers) == pytest.approx(200 / 3)
    assert sc.METRICS["teacher_response"].compute(teachers) == pytest.approx(75.0)


def test_units_format():
    assert sc.METRICS["retention"].fmt(81.234) == "81.2%"
    assert sc.METRICS["post_gain"].fmt(0.41234) == "0.412"
    assert sc.METRICS["aht"].fmt(10.5) == "10.50 min"
    assert sc.METRICS["cac"].fmt(1234.5) == "$1,234"
    assert sc.METRICS["nps"].fmt(12.0) == "+12.0"
    assert sc.METRICS["new_customers"].fmt(396.0) == "396"
    assert sc.METRICS["retention"].fmt(float("nan")) == "n/a"


# ------------------------------------------------------------------ changes and statuses


def test_relative_change():
    assert sc.relative_change(80, 84) == pytest.approx(5.0)
    assert sc.relative_change(-20, -10) == pytest.approx(50.0)  # NPS from -20 to -10 is better
    assert math.isnan(sc.relative_change(0, 5)) and math.isnan(sc.relative_change(np.nan, 5))
    assert np.allclose(sc.relative_change([10, 20], [11, 18]), [10.0, -10.0])
    assert (sc.trend_arrow(3.0, 3.0), sc.trend_arrow(-3.5, 3.0), sc.trend_arrow(1.0, 3.0)) == ("up", "down", "flat")
    assert sc.trend_arrow(float("nan"), 3.0) == "n/a"


def _measured(values: dict[str, tuple[float, float]], sector: str = "education") -> pd.DataFrame:
    rows = []
    for p in sc.SCORECARDS[sector]:
        for key in (p.metric, p.counter):
            m = sc.METRICS[key]
            prev, cur = values.get(key, (50.0, 50.0))
            rows.append({"key": key, "label": m.label, "unit": m.unit, "higher_is_better": m.higher_is_better,
                         "dataset": m.dataset, "previous": prev, "current": cur, "definition": m.definition})
    return pd.DataFrame(rows)


def test_statuses():
    measured = _measured({
        "retention": (80, 84), "access": (50, 40),            # improved, counter worse -> flag
        "yield": (30, 33), "summer_melt": (10, 9),           # improved, melt down (good) -> improved
        "participation": (80, 80), "withdrawal": (30, 33),   # counter worse (lower is better) -> watch
        "post_gain": (0.4, 0.3), "transfer_gain": (0.3, 0.3),  # worse
        "teacher_satisfaction": (88, 89), "teacher_response": (68, 67.5),  # small moves -> steady
    })
    card = sc.assess(measured, "education", 3.0, 3.0)
    assert list(card["status"]) == [sc.FLAG, sc.IMPROVED, sc.WATCH, sc.WORSE, sc.STEADY]
    assert sc.flagged(card) == ["retention"]
    assert card.loc[2, "counter_good_change"] == pytest.approx(-10.0)  # withdrawal up 10% is worse
    # a lower-is-better metric improves when it falls
    bmeasured = _measured({"aht": (10.0, 9.0), "repeat": (15.0, 18.0)}, "business")
    bcard = sc.assess(bmeasured, "business", 3.0, 3.0)
    assert bcard.set_index("metric").loc["aht", "status"] == sc.FLAG
    # thresholds decide: with a 25% move threshold nothing counts as a move
    assert sc.flagged(sc.assess(measured, "education", 25.0, 3.0)) == []
    assert sc.assess(_measured({"retention": (np.nan, 84)}), "education").loc[0, "status"] == sc.UNKNOWN
    with pytest.raises(ValueError, match="move_threshold"):
        sc.assess(measured, "education", -1.0, 3.0)


def test_tables_and_text():
    measured = _measured({"retention": (80, 84), "access": (50, 40)})
    card = sc.assess(measured, "education")
    table = sc.scorecard_table(card)
    assert table.loc[0, "status"] == "FLAG" and table.loc[0, "change"] == "+5.0%"
    lines = sc.summary_lines(card)
    assert len(lines) == 5 and lines[0].endswith("-> flag")
    (note,) = sc.explain_flags(card)
    assert note.startswith("First-year retention (full-time) improved (+5.0%) while its counter-metric, first-generation")


# ------------------------------------------------------------------ real data, two periods


@pytest.fixture(scope="module", params=[("education", 42), ("education", 7), ("business", 42), ("business", 7)],
                ids=lambda p: f"{p[0]}-{p[1]}")
def real(request):
    sector, seed = request.param
    periods = sc.load_periods(sector, seed=seed, period=2024)
    measured = sc.measure(sector, periods)
    return sector, seed, periods, measured


def test_periods_and_values(real):
    sector, seed, periods, measured = real
    for name, (prev, cur) in periods.items():
        assert len(prev) and len(cur), name
    if sector == "education":
        assert set(periods["student_terms"][1]["cohort_year"]) == {2024}
        assert set(periods["enrollment_funnel"][0]["cohort_year"]) == {2023}
    else:
        assert periods["customer_accounts"][1]["month"].str.startswith("2024").all()
        assert periods["customer_accounts"][0]["month"].str.startswith("2023").all()
    assert measured[["previous", "current"]].notna().all().all()
    pct = measured[measured["unit"] == "%"]
    assert pct[["previous", "current"]].stack().between(0, 100).all()


def test_single_term_previous_comes_from_the_next_seed(real):
    sector, seed, periods, _ = real
    name = "assessments" if sector == "education" else "customer_survey"
    prev, cur = periods[name]
    pd.testing.assert_frame_equal(prev, data.load(name, seed=seed + 1))
    pd.testing.assert_frame_equal(cur, data.load(name, seed=seed))


def test_planted_cohort_shaping_is_flagged(real):
    """Education: the current cohort was shaped (notebook 06), for every seed."""
    sector, _, _, measured = real
    card = sc.assess(measured, sector)
    if sector != "education":
        pytest.skip("cohort shaping is an education pattern")
    ns = card.iloc[0]
    assert ns["metric"] == "retention" and ns["flag"]
    assert ns["change_pct"] > 3 and ns["counter_change_pct"] < -10


def test_key_figures_are_plain_and_recordable(real, monkeypatch, tmp_path):
    sector, seed, _, measured = real
    card = sc.assess(measured, sector)
    figures = sc.key_figures(card, sector, "Test org", 2024)
    assert figures["sector"] == sector and figures["period"] == 2024
    assert figures["drivers"] == len(card) - 1 and figures["flags"] == int(card["flag"].sum())
    assert figures["flagged"] == ";".join(sc.flagged(card))
    assert figures["north_star_current"] == pytest.approx(card.loc[0, "current"], abs=1e-3)
    json.dumps(figures, allow_nan=False)
    target = tmp_path / "result.json"
    monkeypatch.setenv(batch.RESULTS_ENV, str(target))
    assert batch.record_result(**figures) == figures
    assert json.loads(target.read_text()) == figures


def test_chart_and_widget_view(real):
    sector, _, _, measured = real
    card = sc.assess(measured, sector)
    spec = sc.balance_chart(card).to_dict()
    assert spec["description"].startswith(f"Balance of {len(card)} metric pairs")
    assert set(spec["datasets"]) == {"mw_points", "mw_zone", "mw_rules"}
    view = sc.balance_view(measured, sector)
    view(3.0, 3.0)
    t0 = time.perf_counter()
    for move in (0.5, 1.0, 4.0, 10.0):
        chart = view(move, 1.0)
    assert (time.perf_counter() - t0) / 4 < 0.1, "a slider move must cost well under 100 ms before drawing"
    n = int(sc.assess(measured, sector, 10.0, 1.0)["flag"].sum())
    assert chart["title"].startswith(f"{n} flag") and chart["description"].startswith("Balance of")
    assert chart["datasets"]["mw_zone"][0]["x"] == 10.0
    assert chart["config"] == spec["config"]  # the workbook theme is kept


def test_period_must_be_in_the_data():
    with pytest.raises(ValueError, match="period must be a year"):
        sc.load_periods("education", period="2024")


def test_own_files_with_and_without_previous(tmp_path):
    names = ["student_terms", "enrollment_funnel", "lms_activity", "assessments", "educator_survey"]
    data.write_all(tmp_path, seed=5, only=names, first_cohort=2023)  # cohorts 2023-2025 in both files
    periods = sc.load_periods("education", period=2024, data_dir=tmp_path)
    assert set(periods["student_terms"][0]["cohort_year"]) == {2023}
    assert set(periods["enrollment_funnel"][1]["cohort_year"]) == {2024}
    assert periods["lms_activity"][0].empty  # no previous/ folder: trend unknown
    measured = sc.measure("education", periods).set_index("key")
    assert math.isnan(measured.loc["participation", "previous"])
    assert not math.isnan(measured.loc["retention", "previous"])
    card = sc.assess(measured.reset_index(), "education").set_index("metric")
    assert card.loc["participation", "status"] == sc.UNKNOWN
    data.write_all(tmp_path / "previous", seed=6, only=["lms_activity", "assessments", "educator_survey"])
    periods = sc.load_periods("education", period=2024, data_dir=tmp_path)
    pd.testing.assert_frame_equal(periods["lms_activity"][0], data.load("lms_activity", seed=6))


def test_cohort_not_in_own_files(tmp_path):
    data.write_all(tmp_path, seed=5, only=["student_terms", "enrollment_funnel", "lms_activity", "assessments", "educator_survey"])
    with pytest.raises(ValueError, match="no cohort 2030"):
        sc.load_periods("education", period=2030, data_dir=tmp_path)
