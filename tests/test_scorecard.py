"""helpers.scorecard: the catalogue and its standard errors on hand-made frames, the design
check and its YAML file (every refusal in one line naming the file), change against noise,
statuses and flags, the chart's labels and legend, two periods of the same organisation,
the planted gaming and its evaluation, the repeated draws, the export and the results record."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import batch, data, scorecard as sc
from helpers.scorecard import catalogue as cat


def design_dict(sector: str = "education") -> dict:
    return sc.default_design(sector)


# ------------------------------------------------------------------ catalogue


@pytest.mark.parametrize("sector", sc.SECTORS)
def test_catalogue_lists_every_metric_with_definition_direction_and_dataset(sector):
    table = sc.catalogue_table(sector)
    assert set(table["sector"]) == {sector} and len(table) >= 8
    assert table["key"].is_unique
    assert table[["metric", "direction", "change in", "dataset", "noise", "definition"]].notna().all().all()
    assert set(table["direction"]) <= {"higher is better", "lower is better"}
    assert (table["default threshold"] > 0).all()
    for name in set(table["dataset"]):
        assert data.size_parameters(name) is not None  # a dataset the generators make


@pytest.mark.parametrize("sector", sc.SECTORS)
def test_default_designs_pass_the_check(sector):
    design = sc.check_design(design_dict(sector))
    assert design.sector == sector and design.north_star.role == "north star"
    assert sc.MIN_DRIVERS <= len(design.drivers) <= sc.MAX_DRIVERS
    assert all(p.counter and p.reason for p in design.pairs)
    table = sc.design_table(design)
    assert len(table) == len(design.pairs) and table["shortcut it guards against"].str.len().min() > 20


def test_rate_and_ratio_standard_errors_by_hand():
    est = cat._rate(np.array([1, 1, 0, 0, 0], dtype=bool))
    assert est.value == pytest.approx(40.0) and est.se == pytest.approx(100 * math.sqrt(0.4 * 0.6 / 5))
    # weeks of two students, clustered: student a 2 of 2 active, student b 0 of 2
    est = cat._ratio(np.array([1.0, 1.0, 0.0, 0.0]), np.ones(4), np.array(["a", "a", "b", "b"]), 100.0)
    # linearised: r = 0.5, residuals per cluster (2 - 1, 0 - 1) -> sqrt(2/1 * 2) / 4
    assert est.value == pytest.approx(50.0) and est.se == pytest.approx(100 * math.sqrt(2 * 2) / 4)
    assert est.n == 2
    assert math.isnan(cat._rate(np.array([], dtype=bool)).value)


def test_paired_change_se_does_not_count_what_a_customer_keeps_as_noise():
    year = pd.DataFrame({"customer_id": ["a", "b"], "revenue": [100.0, 100.0], "cost_to_serve": [40.0, 60.0]})
    m = sc.METRICS["gross_margin"]
    assert m.estimate(year).se > 0  # customers differ: one year's margin is uncertain
    assert m.change_se(year, year.copy()) == pytest.approx(0.0)  # the same customers, the same margins
    later = year.assign(cost_to_serve=[40.0, 80.0])  # b costs 20 more: the change is b's alone
    assert m.change_se(year, later) > 0
    design = sc.Design("gm", "business", (sc.Pair("north star", "gross_margin", "", ""),))
    judged = sc.judge(sc.measure(design, {"customer_accounts": (year, later)})).iloc[0]
    assert judged["se"] == pytest.approx(m.change_se(year, later))
    assert judged["change"] == pytest.approx(-10.0)


def test_survey_waves_of_the_same_people_are_paired():
    # the same six customers invited twice: the change's SE is that of the mean paired difference
    ids = [f"C{i}" for i in range(6)]
    w0 = pd.DataFrame({"customer_id": ids, "responded": [1, 1, 0, 0, 1, 0]})
    w1 = pd.DataFrame({"customer_id": ids, "responded": [1, 1, 1, 0, 0, 0]})
    d = w1["responded"].to_numpy() - w0["responded"].to_numpy()
    se = sc.METRICS["survey_response"].change_se(w0, w1)
    assert se == pytest.approx(100 * np.std(d, ddof=1) / math.sqrt(len(d)))
    assert sc.METRICS["survey_response"].change_se(w0, w0) == pytest.approx(0.0)
    # satisfaction among respondents: a ratio of sums, each teacher's two waves paired
    t0 = pd.DataFrame({"teacher_id": ["a", "b", "c", "d"], "responded": [1, 1, 1, 0],
                       "job_satisfied_overall": [4, 2, 3, np.nan]})
    assert sc.METRICS["teacher_satisfaction"].change_se(t0, t0) == pytest.approx(0.0)
    assert sc.METRICS["teacher_satisfaction"].change_se(t0, t0.assign(job_satisfied_overall=[4, 4, 3, np.nan])) > 0
    for key in ("nps", "promoter_churn", "survey_response", "teacher_satisfaction", "teacher_response"):
        assert sc.METRICS[key].change_se is not None and "pairs each" in sc.METRICS[key].noise


def test_catalogue_metrics_by_hand():
    survey = pd.DataFrame({"responded": [1, 1, 1, 1, 0], "nps": pd.array([10, 9, 3, 7, None], dtype="Int64"),
                           "churned_next_quarter": [1, 0, 0, 0, 0]})
    nps = sc.METRICS["nps"].estimate(survey)
    assert nps.value == pytest.approx(100 * (2 - 1) / 4) and nps.n == 4
    p, d = 0.5, 0.25  # promoters, detractors
    assert nps.se == pytest.approx(100 * math.sqrt((p + d - (p - d) ** 2) / 4), rel=0.05)
    assert sc.METRICS["promoter_churn"].estimate(survey).value == pytest.approx(50.0)
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
    assert sc.METRICS["crr"].estimate(accounts).value == pytest.approx(50.0)
    assert sc.METRICS["gross_margin"].estimate(accounts).value == pytest.approx(100 * (550 - 210) / 550)
    new = sc.METRICS["new_customers"].estimate(accounts)
    assert (new.value, new.se) == (2.0, pytest.approx(math.sqrt(2)))
    cac = sc.METRICS["cac"].estimate(accounts)
    assert cac.value == pytest.approx(400.0) and cac.se == pytest.approx(np.std([300, 500], ddof=1) / math.sqrt(2))
    assessments = pd.DataFrame({"pre_score": [40.0, 40.0, 10.0], "post_score": [70.0, 70.0, np.nan],
                                "transfer_score": [55.0, 55.0, np.nan], "dropped": [0, 0, 1]})
    assert sc.METRICS["post_gain"].estimate(assessments).value == pytest.approx(0.5)
    assert sc.METRICS["transfer_gain"].estimate(assessments).value == pytest.approx(0.25)
    journey = pd.DataFrame({"first_value_within_14d": [1, 1, 0, 0], "churned": [1, 0, 1, 1]})
    assert sc.METRICS["first_value_churn"].estimate(journey).value == pytest.approx(50.0)
    assert sc.METRICS["first_year_churn"].estimate(journey).value == pytest.approx(75.0)


def test_units_format():
    assert sc.METRICS["retention"].fmt(81.234) == "81.2%"
    assert sc.METRICS["retention"].fmt_change(-2.54) == "-2.5 pp"
    assert sc.METRICS["retention"].fmt_change(-2.54, signed=False) == "2.5 pp"
    assert sc.METRICS["nps"].fmt_change(3.0) == "+3.0 points"
    assert sc.METRICS["post_gain"].fmt(0.41234) == "0.412"
    assert sc.METRICS["cac"].fmt(1234.5) == "$1,234"
    assert sc.METRICS["new_customers"].fmt_change(-12) == "-12"
    assert sc.METRICS["retention"].fmt(float("nan")) == "n/a"


# ------------------------------------------------------------------ the design check


def _mutate(change):
    d = design_dict()
    change(d)
    return d


REFUSALS = [
    ("not a mapping", lambda d: ["retention"], "a design is a mapping"),
    ("no north star", lambda d: d.pop("north_star"), "no north star"),
    ("blank north star", lambda d: d["north_star"].update(metric="____"), "no north star"),
    ("too few drivers", lambda d: d.update(drivers=d["drivers"][:2]), "2 drivers: a scorecard needs 3 to 6"),
    ("too many drivers", lambda d: d.update(drivers=d["drivers"] + [
        {"metric": m, "counter": c, "reason": "r"} for m, c in
        (("access", "census_withdrawal"), ("withdrawal", "participation"), ("transfer_gain", "post_gain"))]),
     "7 drivers: a scorecard needs 3 to 6"),
    ("no counter", lambda d: d["drivers"][1].pop("counter"), "driver 2 (participation) has no counter-metric"),
    ("counter is the driver", lambda d: d["drivers"][0].update(counter="yield"), "is the metric itself"),
    ("counter is the north star", lambda d: d["drivers"][0].update(counter="retention"), "is the north star"),
    ("unknown metric", lambda d: d["drivers"][0].update(metric="yeild"), "unknown metric 'yeild' (did you mean 'yield'?)"),
    ("unknown counter", lambda d: d["north_star"].update(counter="acess"), "did you mean 'access'?"),
    ("no reason", lambda d: d["drivers"][2].pop("reason"), "has no reason: say which shortcut transfer_gain guards"),
    ("blank reason", lambda d: d["drivers"][2].update(reason="  "), "has no reason"),
    ("mixed sectors", lambda d: d["drivers"][0].update(counter="repeat"), "mixes education metrics"),
    ("unknown entry", lambda d: d.update(driver=[]), "unknown entry 'driver' (did you mean 'drivers'?)"),
    ("driver twice", lambda d: d["drivers"][1].update(metric="yield"), "'yield' is already a driver"),
    ("driver is the north star", lambda d: d["drivers"][1].update(metric="retention"), "is the north star"),
    ("threshold not a number", lambda d: d.update(thresholds={"retention": "two"}), "must be a number >= 0"),
    ("threshold negative", lambda d: d.update(thresholds={"retention": -1}), "must be a number >= 0"),
    ("threshold off the card", lambda d: d.update(thresholds={"nps": 2}), "'nps' is not on the card"),
    ("drivers not a list", lambda d: d.update(drivers="yield"), "drivers must be a list"),
    ("counter a list", lambda d: d["drivers"][0].update(counter=["summer_melt"]), "give one metric key in quotes, not a list"),
    ("threshold infinite", lambda d: d.update(thresholds={"retention": float("inf")}), "must be a number >= 0"),
]


@pytest.mark.parametrize("label,change,message", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_check_design_refuses_each_problem_in_one_line(label, change, message):
    d = design_dict()
    if label == "not a mapping":
        d = change(d)
    else:
        change(d)
    with pytest.raises(sc.DesignError) as err:
        sc.check_design(d)
    text = str(err.value)
    assert "\n" not in text and text.startswith("your design: ")
    assert message in text, text
    assert err.value._render_traceback_() == [f"DesignError: {text}"]


def test_a_design_of_the_other_sector_is_refused_when_the_sector_is_given():
    with pytest.raises(sc.DesignError) as err:
        sc.check_design(design_dict("education"), sector="business")
    text = str(err.value)
    assert "\n" not in text and "uses education metrics, but sector is 'business'" in text
    assert sc.check_design(design_dict("business"), sector="business").sector == "business"


def test_metric_phrases_keep_names_capitalised():
    assert sc.METRICS["nps"].phrase == "Net Promoter Score"
    assert sc.METRICS["summer_melt"].phrase == "summer melt"
    assert sc.METRICS["retention"].phrase == "first-year retention (full-time)"


def test_north_star_counter_is_optional_and_thresholds_apply():
    d = design_dict()
    d["north_star"] = "retention"
    d["thresholds"] = {"yield": 3.5}
    design = sc.check_design(d)
    assert design.north_star.counter == "" and design.threshold("yield") == 3.5
    assert design.threshold("summer_melt") == sc.METRICS["summer_melt"].practical


# ------------------------------------------------------------------ design files


def test_design_file_round_trips(tmp_path):
    design = sc.check_design(design_dict("business"))
    path = sc.save_design(design, tmp_path / "sub" / "d.yml")
    again = sc.load_design(path)
    assert again == design
    assert sc.load_design("d.yml", base=tmp_path / "sub") == design  # relative to a folder
    assert sc.choose_design(None, str(path)) == design
    assert sc.choose_design(design_dict("business"), "") == design


BAD_FILES = [
    ("missing.yml", None, "not found"),
    ("empty.yml", "", "is empty"),
    ("blank.yml", "\n  \n# only a comment\n", "is empty"),
    ("not_yaml.yml", "north_star: [retention\ndrivers: {", "is not valid YAML (line"),
    ("list.yml", "- retention\n- yield\n", "a design is a mapping with north_star and drivers, not list"),
    ("scalar.yml", "just some text\n", "not str"),
    ("shape.yml", "north_star: retention\ndrivers:\n  - metric: yield\n    counter: summer_melt\n    reason: r\n",
     "1 driver: a scorecard needs 3 to 6"),
    ("no_drivers.yml", "north_star: retension\ndrivers: []\n", "0 drivers: a scorecard needs 3 to 6"),
    ("latin1.yml", b"name: Caf\xe9\n", "not UTF-8 text"),
    ("twice.yml", "north_star: {metric: retention, counter: access, reason: r}\nnorth_star: {metric: yield}\n",
     "'north_star' appears twice (line 2); keep one of them"),
    ("map_drivers.yml", "north_star: retention\ndrivers:\n  yield: summer_melt\n", "drivers must be a list"),
]


@pytest.mark.parametrize("name,content,message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_design_files_are_refused_in_one_line_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(sc.DesignError) as err:
        sc.load_design(path)
    text = str(err.value)
    assert "\n" not in text and f"design file '{path}'" in text, text
    assert message in text, text


def test_a_folder_and_an_empty_design_file_parameter(tmp_path):
    with pytest.raises(sc.DesignError, match="is a folder"):
        sc.load_design(tmp_path)
    with pytest.raises(sc.DesignError, match="design_file is empty"):
        sc.load_design("  ")
    with pytest.raises(sc.DesignError, match="unknown metric 'retension' \\(did you mean 'retention'\\?\\)"):
        (tmp_path / "t.yml").write_text("north_star: retension\ndrivers: [{metric: yield}]\n", encoding="utf-8")
        d = design_dict()
        d["north_star"] = "retension"
        sc.check_design(d, source=f"design file {str(tmp_path / 't.yml')!r}")


# ------------------------------------------------------------------ change against noise


def _measured(values: dict[str, tuple[float, float, float, float]], design: sc.Design) -> pd.DataFrame:
    """values: key -> (previous, previous_se, current, current_se); others unchanged."""
    rows = []
    for key in design.keys:
        m = sc.METRICS[key]
        prev, prev_se, cur, cur_se = values.get(key, (50.0, 1.0, 50.0, 1.0))
        rows.append({"key": key, "label": m.label, "unit": m.unit, "higher_is_better": m.higher_is_better,
                     "dataset": m.dataset, "previous": prev, "previous_se": prev_se, "previous_n": 100,
                     "current": cur, "current_se": cur_se, "current_n": 100, "threshold": design.threshold(key),
                     "definition": m.definition})
    return pd.DataFrame(rows)


def test_change_and_se():
    change, se = sc.change_and_se(20.0, 3.0, 25.0, 4.0)
    assert (change, se) == (pytest.approx(5.0), pytest.approx(5.0))


def test_verdicts_and_statuses():
    design = sc.check_design(design_dict())
    measured = _measured({
        "retention": (80, 1, 85, 1), "access": (50, 1, 40, 1),             # better, counter worse -> flag
        "yield": (30, 1, 26, 1), "summer_melt": (10, 1, 14, 1),           # worse + counter worse -> worse
        "participation": (80, 1, 80.5, 1), "withdrawal": (30, 1, 35, 1),  # counter worse (lower is better)
        "post_gain": (0.40, 0.01, 0.46, 0.01), "transfer_gain": (0.30, 0.01, 0.31, 0.01),  # better, counter holds
        "teacher_satisfaction": (88, 3, 94, 3), "teacher_response": (60, 0.1, 60.5, 0.1),  # noise; real but small
    }, design)
    judged = sc.judge(measured).set_index("key")
    assert judged.loc["retention", "verdict"] == sc.BETTER and judged.loc["access", "verdict"] == sc.WORSE
    assert judged.loc["summer_melt", "good_z"] < 0 and judged.loc["summer_melt", "verdict"] == sc.WORSE
    assert judged.loc["teacher_satisfaction", "verdict"] == sc.NOISE  # 6 pp but 1.4 SE
    assert judged.loc["teacher_response", "verdict"] == sc.SMALL     # 3.5 SE but below 3 pp
    card = sc.assess(measured, design)
    assert list(card["status"]) == [sc.FLAG, sc.WORSE_PAIR, sc.WATCH, sc.IMPROVED, sc.STEADY]
    assert sc.flagged(card) == ["retention"]
    # thresholds and noise both decide: a large noise_z or large thresholds leave no flag
    assert sc.flagged(sc.assess(measured, design, noise_z=8.0)) == []
    assert sc.flagged(sc.assess(measured, design, threshold_scale=10.0)) == []
    unknown = _measured({"retention": (np.nan, np.nan, 85, 1)}, design)
    assert sc.assess(unknown, design).loc[0, "status"] == sc.NO_TREND
    with pytest.raises(ValueError, match="noise_z"):
        sc.assess(measured, design, noise_z=0)


def test_text_says_what_moved_in_the_metric_s_own_unit():
    assert sc.what_moved("summer_melt", -2.54) == "summer melt fell 2.5 pp"
    assert sc.what_moved("transfer_gain", -0.0003, 0.02) == "learning gain on an independent transfer test barely changed (0.0 SE)"
    assert sc.what_moved("nps", 3.0, 1.234) == "Net Promoter Score rose 3.0 points (1.2 SE)"
    design = sc.check_design(design_dict())
    card = sc.assess(_measured({"retention": (80, 1, 85, 1), "access": (50, 1, 40, 1)}, design), design)
    table = sc.scorecard_table(card)
    assert table.loc[0, "status"] == "FLAG" and table.loc[0, "change ± SE"] == "+5.0 pp ± 1.4 pp"
    assert table.loc[0, "SEs (+ better)"] == "+3.5" and table.loc[0, "counter SEs (+ better)"] == "-7.1"
    lines = sc.summary_lines(card)
    assert len(lines) == 5 and lines[0].endswith("-> flag") and "fell 10.0 pp" in lines[0]
    (note,) = sc.explain_flags(card)
    assert note.startswith("First-year retention (full-time) rose 5.0 pp (3.5 SE) while first-generation")


def test_chart_labels_legend_and_direction():
    design = sc.check_design(design_dict())
    measured = _measured({"retention": (80, 1, 85, 1), "access": (50, 1, 40, 1),
                          "summer_melt": (10, 1, 6, 1)}, design)
    card = sc.assess(measured, design)
    spec = sc.card_chart(card).to_dict()
    dots, text = spec["hconcat"]
    points = next(layer for layer in dots["layer"] if layer.get("mark", {}).get("type") == "point")
    rows = pd.DataFrame(points["data"]["values"] if "values" in points.get("data", {}) else
                        spec["datasets"][points["data"]["name"]])
    # one row per metric, each label once (text sits in its own column: nothing overprints)
    assert rows["row"].is_unique and len(rows) == len(design.pairs) * 2
    # the legend lists only the verdicts present
    domain = points["encoding"]["color"]["scale"]["domain"]
    assert set(domain) == set(rows["verdict"]) and sc.SMALL not in domain
    # melt fell 4 pp: better for melt, so right of zero, as in the table's "SEs (+ better)"
    melt = rows[rows["row"].str.contains("Summer melt")].iloc[0]
    assert melt["x"] > 0 and "summer melt fell 4.0 pp" in melt["moved"]
    table = sc.scorecard_table(card)
    assert float(table.loc[1, "counter SEs (+ better)"]) == pytest.approx(melt["x"], abs=0.05)
    assert spec["description"].startswith("Scorecard of 5 pairs, 1 flagged")
    view = sc.card_view(measured, design)
    assert view(8.0, 1.0)["title"].startswith("0 flags")
    # the rows keep card order when a status (part of a label) changes with the sliders
    moved = view(8.0, 1.0)
    y = moved["hconcat"][0]["layer"][2]["encoding"]["y"]
    assert y["sort"] == {"field": "order", "op": "min"}
    assert [r["order"] for r in moved["datasets"]["mw_rows"]] == list(range(len(design.pairs) * 2))


# ------------------------------------------------------------------ two periods, gaming


@pytest.fixture(scope="module", params=[("education", 42), ("business", 7)], ids=lambda p: f"{p[0]}-{p[1]}")
def org(request):
    sector, seed = request.param
    design = sc.check_design(design_dict(sector))
    honest = sc.load_periods(design.keys, seed=seed, gaming=0.0)
    gamed = sc.load_periods(design.keys, seed=seed, gaming=1.0)
    return sector, seed, design, honest, gamed


def test_the_second_period_is_the_same_organisation(org):
    sector, seed, design, honest, gamed = org
    for name, (prev, cur) in honest.items():
        assert len(prev) and len(cur), name
    if sector == "education":
        prev, cur = honest["educator_survey"]
        assert list(prev["teacher_id"]) == list(cur["teacher_id"])  # the same district's teachers
        assert set(honest["student_terms"][1]["cohort_year"]) == {2024}
        assert set(honest["student_terms"][0]["cohort_year"]) == {2023}
    else:
        prev, cur = honest["support_contacts"]
        assert set(prev["agent_id"]) == set(cur["agent_id"])
        assert prev["date"].max() < cur["date"].min()  # the quarter before
        assert honest["customer_accounts"][1]["month"].str.startswith("2024").all()
    # the previous period is honest whatever the current one does (datasets drawn per period)
    for name in honest:
        if "period" in data.size_parameters(name):
            pd.testing.assert_frame_equal(honest[name][0], gamed[name][0])


def test_planted_gaming_moves_the_gamed_metrics(org):
    sector, seed, design, honest, gamed = org
    h = sc.judge(sc.measure(design, honest)).set_index("key")
    g = sc.judge(sc.measure(design, gamed)).set_index("key")
    for entry in sc.planted(sector, 1.0):
        key = entry["metric"]
        if key in h.index:
            assert g.loc[key, "good_z"] > h.loc[key, "good_z"], key
    assert sc.planted(sector, 0.0) == []
    with pytest.raises(ValueError, match="gaming must be a number from 0"):
        sc.load_periods(design.keys, gaming=5)


def test_evaluation_caught_missed_and_false_alarms(org):
    sector, seed, design, honest, gamed = org
    card = sc.assess(sc.measure(design, gamed), design)
    ev = sc.evaluate(card, design, 1.0)
    assert list(ev["metric"]) == [g["metric"] for g in sc.GAMED[sector]]
    for r in ev.itertuples():
        assert r.verdict.startswith("caught" if r.caught else ("missed" if r.on_card else
                                                                ("not on the card", "only as a counter-metric")))
        if r.caught:
            assert r.metric in sc.flagged(card) and r.caught_by in r.revealed_by
    assert sc.evaluate(card, design, 0.0).empty
    assert sc.false_flags(card, design, 0.0) == sc.flagged(card)
    lines = sc.evaluation_lines(ev, card, design, 1.0)
    assert lines[0].startswith("Gamed this period") and lines[-1].startswith("False alarms")


def test_a_pair_with_the_wrong_counter_is_explained():
    design = sc.check_design(design_dict("business"))  # first_value guarded by first_year_churn
    card = sc.assess(sc.measure(design, sc.load_periods(design.keys, seed=42, gaming=1.0)), design)
    row = sc.evaluate(card, design, 1.0).set_index("metric").loc["first_value"]
    assert not row["caught"] and "does not reveal this shortcut, first_value_churn would" in row["verdict"]


def test_a_gamed_metric_without_a_counter_or_only_as_a_counter_is_explained():
    d = design_dict()
    d["north_star"] = {"metric": "retention"}  # no counter-metric
    d["drivers"][0] = {"metric": "summer_melt", "counter": "yield", "reason": "melt falls if nobody is pressed"}
    design = sc.check_design(d)
    card = sc.assess(_measured({}, design), design)
    ev = sc.evaluate(card, design, 1.0).set_index("metric")
    assert "it has no counter-metric, access or census_withdrawal would reveal this shortcut" in ev.loc["retention", "verdict"]
    assert ev.loc["yield", "verdict"].startswith("only as a counter-metric: Yield")


def test_a_right_pair_that_did_not_flag_says_which_metric_stayed_quiet():
    design = sc.check_design(design_dict("education"))
    measured = _measured({"retention": (80, 1, 85, 1), "access": (50, 1, 49.5, 1),
                          "yield": (30, 2, 31, 2), "summer_melt": (10, 2, 11, 2)}, design)
    card = sc.assess(measured, design)
    ev = sc.evaluate(card, design, 1.0).set_index("metric")
    assert ev.loc["retention", "verdict"].endswith("the pair is right, but first-generation or Pell share of the "
                                                   "cohort stayed within noise")
    assert ev.loc["yield", "verdict"].endswith("yield (enrolled / admitted) and summer melt both stayed within noise")


@pytest.mark.parametrize("seed", range(1, 21))
def test_handle_time_gaming_is_caught_by_its_pair_for_every_seed(seed):
    """data/README.md: at gaming 1 the pair aht / repeat flags the handle-time gaming (20 seeds)."""
    design = sc.Design("support", "business", (sc.Pair("north star", "aht", "repeat", "short calls come back"),))
    card = sc.assess(sc.measure(design, sc.load_periods(design.keys, seed=seed, gaming=1.0)), design)
    assert sc.flagged(card) == ["aht"]
    honest = sc.assess(sc.measure(design, sc.load_periods(design.keys, seed=seed, gaming=0.0)), design)
    assert honest.loc[0, "verdict"] != sc.BETTER or honest.loc[0, "counter_verdict"] != sc.WORSE


# ------------------------------------------------------------------ repeated draws


def test_noise_draws_are_honest_redraws():
    design = sc.check_design(design_dict("education"))
    draws = sc.noise_draws(design, seed=5, n_draws=3)
    assert sorted(draws["draw"].unique()) == [1, 2, 3] and len(draws) == 3 * len(design.keys)
    assert draws[["change", "se"]].notna().all().all()
    judged = sc.judge(sc.measure(design, sc.load_periods(design.keys, seed=5)))
    bands = sc.noise_bands(draws, judged)
    assert list(bands["key"]) == design.keys and bands["redraws beyond noise"].str.endswith("of 3").all()
    spec = sc.noise_chart(draws, judged).to_dict()
    assert "honest redraws" in spec["description"] and "of the ticks fall inside the band" in spec["description"]
    with pytest.raises(sc.ParameterError, match="n_draws must be a whole number of at least 2"):
        sc.noise_draws(design, n_draws=1)
    # each draw's pairs judged like the card: a flag in an honest redraw is a false flag
    for d, g in draws.groupby("draw"):
        card = sc.assess(sc.measure(design, sc.load_periods(design.keys, seed=5, gaming=0.0, draw=int(d))), design)
        assert sorted(g.loc[g["flagged"], "key"]) == sorted(sc.flagged(card))


def test_the_chance_of_a_false_alarm_is_named():
    draws = pd.DataFrame({"draw": [1, 1, 2, 2, 3, 3, 4, 4], "key": ["a", "b"] * 4,
                          "beyond_noise": [True, False, False, False, True, True, False, False],
                          "flagged": [True, False, False, False, False, False, False, False]})
    fa = sc.chance_of_false_alarms(draws, 1.96)
    assert fa["metrics"] == 2 and fa["draws"] == 4
    assert fa["alpha"] == pytest.approx(5.0, abs=0.01)
    assert fa["independent"] == pytest.approx(100 * (1 - 0.95 ** 2), abs=0.01)
    assert fa["any_beyond"] == 50.0 and fa["any_flag"] == 25.0
    assert sc.chance_of_false_alarms(draws, 3.0)["alpha"] == pytest.approx(0.27, abs=0.01)
    with pytest.raises(sc.ParameterError, match="noise_z"):
        sc.chance_of_false_alarms(draws, 0)


# ------------------------------------------------------------------ export and results record


def test_export_writes_an_offline_page_a_csv_and_the_design(tmp_path):
    design = sc.check_design(design_dict("education"))
    measured = _measured({"retention": (80, 1, 85, 1), "access": (50, 1, 40, 1)}, design)
    card = sc.assess(measured, design)
    chart = sc.card_chart(card)
    files = sc.export_scorecard(tmp_path / "out", card, design, organisation="Test College", period=2024,
                                charts=[chart], notes=sc.explain_flags(card), evaluation=["caught: x"])
    assert set(files) == set(sc.EXPORT_FILES)
    page = files["scorecard.html"].read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "Test College" in page and "caught: x" in page
    csv = pd.read_csv(files["scorecard.csv"], keep_default_na=False)
    assert csv.loc[0, "change_unit"] == "percentage points" and "counter_change_unit" in csv.columns
    assert list(csv["metric"]) == [p.metric for p in design.pairs] and "se" in csv.columns
    assert sc.load_design(files["design.yml"]) == design
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(sc.DesignError, match="export_dir .* cannot be written"):
        sc.export_scorecard(blocker / "sub", card, design, organisation="x", period=2024, charts=[], notes=[])


def test_key_figures_are_plain_and_recordable(monkeypatch, tmp_path, org):
    sector, seed, design, honest, gamed = org
    card = sc.assess(sc.measure(design, gamed), design)
    ev = sc.evaluate(card, design, 1.0)
    figures = sc.key_figures(card, design, "Test org", 2024, 1.0, ev)
    assert figures["sector"] == sector and figures["flags"] == int(card["flag"].sum())
    assert figures["caught"] == int(ev["caught"].sum())
    assert figures["north_star_change"] == pytest.approx(card.loc[0, "change"], abs=1e-3)
    json.dumps(figures, allow_nan=False)
    target = tmp_path / "result.json"
    monkeypatch.setenv(batch.RESULTS_ENV, str(target))
    assert batch.record_result(**figures) == figures
    assert json.loads(target.read_text()) == figures


def test_own_files_with_and_without_previous(tmp_path):
    names = ["student_terms", "enrollment_funnel", "lms_activity", "assessments", "educator_survey"]
    data.write_all(tmp_path, seed=5, only=names, first_cohort=2023)
    design = sc.check_design(design_dict())
    periods = sc.load_periods(design.keys, period=2024, data_dir=tmp_path)
    assert set(periods["student_terms"][0]["cohort_year"]) == {2023}
    assert periods["lms_activity"][0].empty  # no previous/ folder: trend unknown
    card = sc.assess(sc.measure(design, periods), design)
    # own data: nobody knows what was gamed, so nothing is scored
    assert sc.evaluate(card, design, None).empty and sc.false_flags(card, design, None) == []
    assert sc.evaluation_lines(sc.evaluate(card, design, None), card, design, None)[0].startswith("Your own data")
    figures = sc.key_figures(card, design, "Own", 2024, None, sc.evaluate(card, design, None))
    assert figures["gaming"] is None and figures["caught"] == 0 and figures["false_alarms"] == 0
    card = card.set_index("metric")
    assert card.loc["participation", "status"] == sc.NO_TREND
    assert card.loc["retention", "status"] != sc.NO_TREND
    data.write_all(tmp_path / "previous", seed=6, only=["lms_activity", "assessments", "educator_survey"])
    periods = sc.load_periods(design.keys, period=2024, data_dir=tmp_path)
    pd.testing.assert_frame_equal(periods["lms_activity"][0], data.load("lms_activity", seed=6))
    with pytest.raises(ValueError, match="no cohort 2030"):
        sc.load_periods(design.keys, period=2030, data_dir=tmp_path)
    with pytest.raises(ValueError, match="period must be a year"):
        sc.load_periods(design.keys, period="2024")


def test_defaults_are_not_mutated():
    before = copy.deepcopy(sc.DEFAULT_DESIGNS)
    d = sc.default_design("education")
    d["drivers"].clear()
    assert sc.DEFAULT_DESIGNS == before


# ------------------------------------------------------------------ the answer key in data/README.md

README = Path(__file__).resolve().parents[1] / "data" / "README.md"


def _verdict_rows(sector: str) -> list[str]:
    keys = list(sc.catalogue_table(sector)["key"])
    judged = sc.judge(sc.measure(keys, sc.load_periods(keys, seed=42, gaming=1.0))).set_index("key")
    rows = []
    for g in sc.GAMED[sector]:
        m, r = sc.METRICS[g["metric"]], judged.loc[g["metric"]]
        shown = "; ".join(f"`{c}` {sc.METRICS[c].fmt(judged.loc[c, 'previous'])} → "
                          f"{sc.METRICS[c].fmt(judged.loc[c, 'current'])} ({judged.loc[c, 'verdict']})"
                          for c in g["revealed_by"])
        rows.append(f"| `{g['metric']}` | {g['shortcut']} | {m.fmt(r['previous'])} → {m.fmt(r['current'])} "
                    f"({r['verdict']}) | {shown} |")
    return rows


@pytest.mark.parametrize("sector", sc.SECTORS)
def test_the_answer_key_in_the_data_readme_matches_the_generators(sector):
    text = README.read_text(encoding="utf-8")
    for row in _verdict_rows(sector):
        assert row in text, f"data/README.md capstone answer key is stale; expected the row\n{row}"


@pytest.mark.slow
def test_the_answer_key_counts_match_the_generators():
    order = ["retention", "yield", "participation", "post_gain", "teacher_satisfaction", "crr", "nps", "aht",
             "first_value"]
    text = README.read_text(encoding="utf-8")
    for gaming in (1.0, 2.0, 3.0):
        counts = dict.fromkeys(order, 0)
        for sector in sc.SECTORS:
            keys = list(sc.catalogue_table(sector)["key"])
            for seed in range(1, 11):
                j = sc.judge(sc.measure(keys, sc.load_periods(keys, seed=seed, gaming=gaming))).set_index("key")
                for g in sc.GAMED[sector]:
                    counts[g["metric"]] += bool(j.loc[g["metric"], "verdict"] == sc.BETTER and any(
                        j.loc[c, "verdict"] == sc.WORSE for c in g["revealed_by"]))
        line = f"| {gaming:g} | " + " | ".join(str(counts[k]) for k in order) + " |"
        assert line in text, f"data/README.md capstone counts are stale; expected {line}"


def test_the_design_file_check_prints_one_line_per_file(tmp_path, capsys):
    from helpers.scorecard.__main__ import main

    good = sc.save_design(sc.check_design(design_dict()), tmp_path / "good.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("north_star: retention\ndrivers: [{metric: yeild, counter: summer_melt, reason: r}]\n",
                   encoding="utf-8")
    assert main([str(good), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"ok {good}: First-year success (education, 4 drivers)")
    assert lines[1].startswith(f"refused: design file '{bad}': 1 driver")
    assert lines[2] == "1 of 2 design files ok"
    assert main([str(good)]) == 0
