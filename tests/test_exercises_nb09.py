"""Self-checks of notebook 09 (capstone scorecard): every exercise accepts its own
computed answer and reports the known mistakes, for both sectors and several seeds."""

from __future__ import annotations

import pytest

from helpers import scorecard as sc
from helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, ____, nb09

CASES = [("education", 42, 3.0, 3.0), ("education", 7, 1.0, 1.0), ("business", 42, 3.0, 3.0),
         ("business", 3, 2.0, 5.0)]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]:g}-{c[3]:g}")
def case(request):
    sector, seed, move, warn = request.param
    measured = sc.measure(sector, sc.load_periods(sector, seed=seed))
    card = sc.assess(measured, sector, move, warn)
    return sector, measured, card, move, warn, nb09.exercises(measured, sector, move, warn)


def test_self_test(case):
    *_, ex = case
    assert len(ex.exercises) >= 3 and len(ex.reflections) >= 1
    assert ex.self_test() == []


def test_answers_follow_the_data(case):
    sector, measured, card, move, warn, ex = case
    ns = measured.iloc[0]
    change = 100 * (ns["current"] - ns["previous"]) / ns["previous"]
    assert ex.q1.check(change).status == CORRECT
    assert ex.q1.check(round(change, 2)).status == CORRECT
    assert ex.q1.check(____).status == NOT_ATTEMPTED
    points = ex.q1.check(float(ns["current"] - ns["previous"]))
    assert points.status == INCORRECT and "change in points" in points.message
    assert ex.q2.check(int(card["flag"].sum())).status == CORRECT
    assert ex.q2.check(int(card["flag"].sum()) + 1).status == INCORRECT
    worst = card.loc[card["counter_good_change"].idxmin(), "counter"]
    assert ex.q3.check(worst).status == CORRECT
    assert ex.q3.check(worst.upper()).status == CORRECT  # case does not matter
    other = next(p.counter for p in sc.SCORECARDS[sector] if p.counter != worst)
    assert ex.q3.check(other).status == INCORRECT
    assert "not one of the options" in ex.q3.check("nonsense").message


def test_q3_names_the_direction_mistake():
    """Summer melt falling is good news: the biggest *fall* is not the worst counter-metric."""
    measured = sc.measure("education", sc.load_periods("education", seed=42))
    card = sc.assess(measured, "education")
    raw = card.loc[card["counter_change_pct"].idxmin(), "counter"]
    worst = card.loc[card["counter_good_change"].idxmin(), "counter"]
    ex = nb09.exercises(measured, "education", 3.0, 3.0)
    if raw == worst:
        pytest.skip("on this data the biggest fall is also the worst move")
    feedback = ex.q3.check(raw)
    assert feedback.status == INCORRECT and "good direction" in feedback.message


@pytest.mark.parametrize("sector", sc.SECTORS)
def test_reflections_fit_the_sector(sector):
    measured = sc.measure(sector, sc.load_periods(sector, seed=42))
    ex = nb09.exercises(measured, sector, 3.0, 3.0)
    text = ex.r1.solution_text().lower()
    assert ("census" in text) if sector == "education" else ("margin" in text)
    assert "north star" in ex.r1.prompt.lower() and "counter-metric" in ex.r2.prompt


@pytest.mark.slow
def test_notebook_runs_for_a_business_and_records_its_figures():
    from pathlib import Path

    from helpers import batch

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "09_capstone_scorecard.ipynb"
    outcome = batch.execute_run({
        "name": "biz", "notebook": str(notebook),
        "parameters": {"sector": "business", "seed": 7, "interactive": False, "organisation": "Test Co",
                       "move_threshold": 2.0, "warn_threshold": 2.0},
    })
    assert outcome["status"] == "ok", outcome["error"]
    result = outcome["result"]
    assert result["sector"] == "business" and result["organisation"] == "Test Co"
    assert result["north_star"] == "crr" and result["drivers"] == 4
    measured = sc.measure("business", sc.load_periods("business", seed=7))
    card = sc.assess(measured, "business", 2.0, 2.0)
    assert result["flags"] == int(card["flag"].sum())
    assert result["north_star_current"] == pytest.approx(card.loc[0, "current"], abs=1e-3)
