"""helpers.education, notebook 08: t quantiles against a printed t-table, Bonferroni and
similar-school comparisons, non-response inside schools, the three correlations, and the
school chart's respondent panel."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import data, education as ed
from helpers.education.educator_survey import _t_cdf_integer

SEEDS = (42, 7, 1, 2023)

#: Critical values of Student's t as printed in the usual t-table of statistics textbooks:
#: df -> (t_0.95, t_0.975, t_0.995), three decimals.
T_TABLE = {
    1: (6.314, 12.706, 63.657), 2: (2.920, 4.303, 9.925), 3: (2.353, 3.182, 5.841),
    4: (2.132, 2.776, 4.604), 5: (2.015, 2.571, 4.032), 6: (1.943, 2.447, 3.707),
    8: (1.860, 2.306, 3.355), 10: (1.812, 2.228, 3.169), 15: (1.753, 2.131, 2.947),
    20: (1.725, 2.086, 2.845), 30: (1.697, 2.042, 2.750), 60: (1.671, 2.000, 2.660),
    100: (1.660, 1.984, 2.626),
}


@pytest.mark.parametrize("df", sorted(T_TABLE))
def test_t_quantile_matches_the_t_table(df):
    for p, expected in zip((0.95, 0.975, 0.995), T_TABLE[df]):
        assert ed.t_quantile(p, df) == pytest.approx(expected, abs=0.0006), (p, df)
        assert ed.t_quantile(1 - p, df) == pytest.approx(-expected, abs=0.0006)


def test_t_quantile_exact_forms_and_inverse():
    assert ed.t_quantile(0.975, 1) == pytest.approx(math.tan(math.pi * 0.475))
    assert ed.t_quantile(0.975, 2) == pytest.approx(0.95 / math.sqrt(2 * 0.975 * 0.025))
    for df in (3, 4, 7, 25, 250):
        for p in (0.0004, 0.2, 0.9, 0.99958):  # Bonferroni levels reach far into the tail
            assert _t_cdf_integer(ed.t_quantile(p, df), df) == pytest.approx(p, rel=1e-8)
    assert ed.t_quantile(0.975, 10_000) == pytest.approx(1.960, abs=0.001)
    assert ed.t_quantile(0.5, 7) == pytest.approx(0.0, abs=1e-12)
    assert ed.t_quantile(0.975, 10.5) == pytest.approx(2.21, abs=0.01)  # fractional df: Cornish-Fisher
    for bad in ((1.0, 5), (0.0, 5), (0.9, 0.5)):
        with pytest.raises(ValueError):
            ed.t_quantile(*bad)


@pytest.fixture(scope="module", params=SEEDS)
def seeded(request):
    survey = data.load("educator_survey", seed=request.param)
    return {"survey": survey, "scored": ed.scale_scores(survey)}


def test_bonferroni_widens_every_interval(seeded):
    sc = seeded["scored"]
    plain = ed.school_comparison(sc, "school", 5).set_index("school_id")
    bonf = ed.school_comparison(sc, "school", 5, adjust="bonferroni").set_index("school_id")
    m = len(plain)
    assert bonf["level"].iloc[0] == pytest.approx(1 - 0.05 / m)
    assert ((bonf["high"] - bonf["low"]) > (plain["high"] - plain["low"])).all()
    differ = lambda t: int((t["position"] != "cannot tell").sum())  # noqa: E731
    assert differ(bonf) <= differ(plain)
    with pytest.raises(ValueError, match="adjust"):
        ed.school_comparison(sc, "school", 5, adjust="holm")


def test_similar_schools_by_plain_least_squares(seeded):
    sc = seeded["scored"]
    t = ed.similar_schools(sc, "school", 5)
    slope, intercept = np.polyfit(t["low_income_pct"], t["mean"], 1)
    assert t["slope"].iloc[0] == pytest.approx(slope)
    assert np.allclose(t["expected"], intercept + slope * t["low_income_pct"])
    above = t["position"] == "above"
    assert (t.loc[above, "low"] > t.loc[above, "expected"]).all()
    below = t["position"] == "below"
    assert (t.loc[below, "high"] < t.loc[below, "expected"]).all()
    assert t["slope"].iloc[0] < 0  # planted: poorer schools report lower satisfaction
    desc = ed.similar_schools_chart(t).to_dict()["description"]
    assert f"{int(above.sum())} are clearly above" in desc


def test_nonresponse_within_schools_by_hand():
    sv = pd.DataFrame({"school_id": ["A"] * 4 + ["B"] * 3 + ["C"] * 2,
                       "responded": [1, 1, 0, 0, 1, 1, 0, 1, 1],
                       "left_next_year": [0, 1, 1, 1, 0, 0, 0, 1, 0]})
    t = ed.nonresponse_within_schools(sv).set_index("school_id")
    assert list(t.index) == ["A", "B"]  # C has no non-respondent
    assert t.loc["A", "gap"] == pytest.approx(100 - 50) and t.loc["B", "gap"] == pytest.approx(0.0)


def test_three_correlations(seeded):
    sc = seeded["scored"]
    eco = ed.ecological_comparison(sc, "school", survey=seeded["survey"])
    s = sc[["school", "class_mean_score"]].dropna()
    assert eco["teacher_r"] == pytest.approx(s["school"].corr(s["class_mean_score"]))
    assert eco["within_r"] < eco["teacher_r"] < eco["between_r"]  # planted: a school-level common cause


def test_school_chart_shows_respondents(seeded):
    t = ed.school_comparison(seeded["scored"], "school", 5)
    spec = ed.school_chart(t).to_dict()
    assert "vconcat" in spec and f"respondents per school {int(t['n'].min())} to {int(t['n'].max())}" in spec["description"]
    view = ed.school_comparison_view(seeded["scored"])
    assert "Bonferroni" in view("school", 5, "bonferroni")["description"]


def test_patterns_the_prose_relies_on_hold_for_20_seeds():
    """Notebook 08 says, without printing it first: satisfaction falls with the low-income
    share; teachers who left answered less often, across the district and inside schools;
    the teacher-level correlation lies between the within-school and school-level ones."""
    for seed in range(100, 120):
        sv = data.load("educator_survey", seed=seed)
        sc = ed.scale_scores(sv)
        eco = ed.ecological_comparison(sc, "school", survey=sv)
        assert eco["r_low_income_satisfaction"] < -0.5, seed
        assert eco["within_r"] < eco["teacher_r"] < eco["between_r"], seed
        nr = ed.nonresponse_check(sv).set_index("group")
        assert nr.loc["did not respond", "left_pct"] > nr.loc["responded", "left_pct"], seed
        assert ed.nonresponse_within_schools(sv)["gap"].mean() > 0, seed


def test_school_charts_show_the_whole_answer_scale(seeded):
    """Means of a 1-4 scale are drawn on the whole 1-4 axis (no magnified gaps), the overall
    mean's label is not drawn across the intervals, and the scatter's words follow its data."""
    table = ed.school_comparison(seeded["scored"], "school", 5)
    spec = ed.school_chart(table).to_dict()
    top = spec["vconcat"][0]["layer"]
    assert top[0]["encoding"]["y"]["scale"]["domain"] == [1, 4] and top[0]["mark"]["clip"] is True
    label = [layer for layer in top if layer["mark"]["type"] == "text"][0]
    assert "y" not in label.get("encoding", {}) and label["mark"]["y"] == 8
    sim = ed.similar_schools_chart(ed.similar_schools(seeded["scored"], "school", 5)).to_dict()
    assert sim["layer"][0]["encoding"]["y"]["scale"]["domain"] == [1, 4]
    frame = ed.school_level_frame(seeded["scored"], "school", survey=seeded["survey"])
    eco = ed.ecological_chart(frame).to_dict()
    r = ed.correlation(frame["low_income_pct"], frame["satisfaction"])
    assert f"correlates {r:.2f} with satisfaction" in eco["description"]


def test_school_view_words_for_one_school_and_for_none(seeded):
    view = ed.school_comparison_view(seeded["scored"])
    largest = int(ed.school_comparison(seeded["scored"], "school", 2)["n"].max())
    assert "No school has enough respondents" in view("school", largest + 1)["description"]
    one = view("school", largest)["description"]
    assert " of 1 school with" in one or " schools with" in one  # several schools may share the largest size
    assert "1 schools" not in one
