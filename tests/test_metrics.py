"""Tests for helpers.metrics.

Every expected number is derived by hand in a comment (or from the defining formula written
out in the test), never copied from the function's own output.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import metrics as m

PROPS = settings(max_examples=60, deadline=None)


# --------------------------------------------------------------------------------------
# NPS
# --------------------------------------------------------------------------------------


def test_nps_worked_example():
    # [10, 9, 8, 7, 6, 0]: promoters {10, 9} = 2, detractors {6, 0} = 2 -> (2 - 2) / 6 = 0
    assert m.nps([10, 9, 8, 7, 6, 0]) == 0.0


def test_nps_reichheld_case_and_groups():
    # 40 promoters, 40 passives, 20 detractors out of 100 -> 40% - 20% = 20
    scores = [10] * 25 + [9] * 15 + [8] * 20 + [7] * 20 + [6] * 10 + [0] * 10
    assert m.nps(scores) == pytest.approx(20.0)
    b = m.nps_breakdown(scores)
    assert b["n"] == 100
    assert b["promoters"] == pytest.approx(40.0)
    assert b["passives"] == pytest.approx(40.0)
    assert b["detractors"] == pytest.approx(20.0)
    assert b["nps"] == pytest.approx(20.0)


def test_nps_boundaries_between_groups():
    # 9 is a promoter, 7 and 8 are passives, 6 is a detractor
    assert m.nps([9]) == 100.0
    assert m.nps([8, 7]) == 0.0
    assert m.nps([6]) == -100.0
    assert m.nps(10) == 100.0  # a scalar is one response


def test_nps_ignores_missing_in_every_container():
    # valid responses [10, 0, 8] -> (1 - 1) / 3 = 0; then [10, 10, 3] -> (2 - 1) / 3 = 33.33
    assert m.nps([10, None, 0, float("nan"), 8, pd.NA]) == 0.0
    expected = 100 * (2 - 1) / 3
    assert m.nps(np.array([10, np.nan, 10, 3])) == pytest.approx(expected)
    assert m.nps(pd.Series([10, pd.NA, 10, 3], dtype="Int64")) == pytest.approx(expected)
    assert m.nps(pd.Series([10.0, None, 10.0, 3.0])) == pytest.approx(expected)


@pytest.mark.parametrize(
    "scores, fragment",
    [
        ([11, 5], "between 0 and 10"),
        ([-1], "between 0 and 10"),
        ([7.5, 9], "whole numbers"),
        ([None, np.nan], "no valid"),
        ([], "no valid"),
        (["a", "b"], "numeric"),
        ([[9, 10], [1, 2]], "one-dimensional"),
        ([9, np.inf], "finite"),
    ],
)
def test_nps_rejects_invalid(scores, fragment):
    with pytest.raises(ValueError, match=fragment):
        m.nps(scores)


def test_nps_error_names_argument_and_value():
    with pytest.raises(ValueError) as err:
        m.nps([9, 10, 12])
    msg = str(err.value)
    assert "scores" in msg and "12" in msg and "position 2" in msg


def test_error_position_counts_missing_values():
    # the bad 12 is the second element of the caller's list, missing value included
    with pytest.raises(ValueError, match="got 12 at position 1"):
        m.nps([None, 12])
    with pytest.raises(ValueError, match="got 9 at position 2"):
        m.ces([None, np.nan, 9])


def test_nps_standard_error_and_ci_brief_case():
    # n = 100, pP = 0.4, pD = 0.2, NPS = 0.2 as a fraction
    # SE = sqrt((0.4 + 0.2 - 0.2^2) / 100) = sqrt(0.0056) = 0.074833 -> 7.4833 points
    scores = [10] * 40 + [8] * 40 + [3] * 20
    se_by_hand = math.sqrt((0.4 + 0.2 - 0.04) / 100) * 100
    assert se_by_hand == pytest.approx(7.4833, abs=1e-4)
    assert m.nps_standard_error(scores) == pytest.approx(se_by_hand)
    # 95 %: half-width 1.96 * 7.48 = 14.67 points ("about 15" in the brief)
    low, high = m.nps_confidence_interval(scores)
    assert (high - low) / 2 == pytest.approx(14.67, abs=0.01)
    assert (low + high) / 2 == pytest.approx(20.0)


def test_nps_ci_other_level_and_clipping():
    scores = [10] * 40 + [8] * 40 + [3] * 20
    # 90 %: z = 1.6449 -> half-width 1.6449 * 7.4833 = 12.31
    low, high = m.nps_confidence_interval(scores, level=0.90)
    assert (high - low) / 2 == pytest.approx(12.31, abs=0.01)
    # 3 promoters + 1 detractor: NPS 50, pP + pD - NPS^2 = 1 - 0.25 = 0.75,
    # SE = sqrt(0.75/4) * 100 = 43.3, 50 + 1.96 * 43.3 = 134.9 -> clipped to 100
    low, high = m.nps_confidence_interval([10, 10, 10, 0])
    assert high == 100.0
    assert low == pytest.approx(50 - 1.959964 * math.sqrt(0.75 / 4) * 100, abs=1e-3)
    for bad in (0, 1, 1.5, -0.1, "95%"):
        with pytest.raises(ValueError, match="level"):
            m.nps_confidence_interval(scores, level=bad)


def test_nps_se_all_promoters_is_zero():
    # pP = 1, pD = 0, NPS = 1: 1 + 0 - 1 = 0 -> SE 0
    assert m.nps_standard_error([10, 9, 9]) == 0.0


def test_nps_from_counts_and_pooling_trap():
    # 40 P, 40 passives, 20 D -> 20
    assert m.nps_from_counts(40, 40, 20) == pytest.approx(20.0)
    # segment A: 9 P, 0 passives, 1 D (n=10) -> 80; segment B: 20 P, 30, 50 D (n=100) -> -30
    seg = m.nps_from_counts([9, 20], [0, 30], [1, 50])
    np.testing.assert_allclose(seg, [80.0, -30.0])
    # pooled: 29 P, 30 passives, 51 D of 110 -> (29 - 51) / 110 = -20; mean of segments = 25
    assert m.nps_from_counts(29, 30, 51) == pytest.approx(-20.0)
    assert float(np.mean(seg)) == pytest.approx(25.0)
    with pytest.raises(ValueError, match="no responses"):
        m.nps_from_counts(0, 0, 0)
    with pytest.raises(ValueError, match="detractors"):
        m.nps_from_counts(1, 1, -1)


# --------------------------------------------------------------------------------------
# CSAT, CES, top box
# --------------------------------------------------------------------------------------


def test_csat_top_two_box():
    # 5-point: {5, 4} of [5, 4, 3, 2, 1] = 2/5 = 40 %; None ignored
    assert m.csat([5, 4, 3, 2, 1, None]) == pytest.approx(40.0)
    # a mean of 3 would say "average"; top-2-box of [5, 5, 1, 1] is 50 %
    assert m.csat([5, 5, 1, 1]) == pytest.approx(50.0)
    # 7-point: top two = {6, 7}: [7, 6, 5] -> 2/3
    assert m.csat([7, 6, 5], scale=7) == pytest.approx(200 / 3)


@pytest.mark.parametrize(
    "scores, kwargs, fragment",
    [
        ([6, 5], {}, r"between 1 and 5 \(scale=5\)"),
        ([0, 5], {}, r"between 1 and 5 \(scale=5\)"),
        ([4.5], {}, "whole numbers"),
        ([None], {}, "no valid"),
        ([5], {"scale": 2}, "scale"),
        ([5], {"scale": 4.0}, "scale"),
    ],
)
def test_csat_rejects_invalid(scores, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        m.csat(scores, **kwargs)


def test_ces_variants():
    # CES 1.0 effort 1-5 (lower better): [1, 2, 3, 4, 5] mean 15/5 = 3, share of 1-2 = 2/5 = 40 %
    assert m.ces([1, 2, 3, 4, 5], variant="effort5") == pytest.approx(3.0)
    assert m.ces([1, 2, 3, 4, 5], variant="effort5", summary="low_effort_share") == pytest.approx(40.0)
    # CES 2.0 ease 1-7 (higher better): [7, 6, 5, 4, 1] mean 23/5 = 4.6, share of 5-7 = 3/5 = 60 %
    assert m.ces([7, 6, 5, 4, 1]) == pytest.approx(4.6)
    assert m.ces([7, 6, 5, 4, 1, None], summary="top3") == pytest.approx(60.0)


@pytest.mark.parametrize(
    "scores, kwargs, fragment",
    [
        ([6], {"variant": "effort5"}, "between 1 and 5"),
        ([8], {}, "between 1 and 7"),
        ([0], {}, "between 1 and 7"),
        ([5.5], {}, "whole numbers"),
        ([5], {"variant": "ces3"}, "variant"),
        ([5], {"variant": "effort5", "summary": "top3"}, "summary"),
        ([5], {"variant": "ease7", "summary": "low_effort_share"}, "summary"),
        ([None], {}, "no valid"),
    ],
)
def test_ces_rejects_invalid(scores, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        m.ces(scores, **kwargs)


def test_top_box_share():
    # values >= 3 in [1, 2, 3, 4] -> 2/4 = 50 %; NaN ignored
    assert m.top_box_share([1, 2, 3, 4, np.nan], 3) == pytest.approx(50.0)
    with pytest.raises(ValueError, match="no valid"):
        m.top_box_share([None], 3)
    with pytest.raises(ValueError, match="threshold"):
        m.top_box_share([1, 2], [1, 2])


# --------------------------------------------------------------------------------------
# Retention, churn, CLV
# --------------------------------------------------------------------------------------


def test_retention_rate_brief_case():
    # S = 200, E = 210, N = 30: (210 - 30) / 200 = 0.9 -> 90 %
    assert m.retention_rate(200, 210, 30) == pytest.approx(90.0)
    assert isinstance(m.retention_rate(200, 210, 30), float)


def test_retention_rate_vectorized_and_series():
    # (210-30)/200 = 90 %, (100-0)/100 = 100 %, (50-25)/100 = 25 %
    out = m.retention_rate(np.array([200, 100, 100]), [210, 100, 50], [30, 0, 25])
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [90.0, 100.0, 25.0])
    s = pd.Series([200, 100], index=["jan", "feb"])
    out = m.retention_rate(s, pd.Series([210, 100]), 0 * s + [30, 0])
    assert isinstance(out, pd.Series)
    assert list(out.index) == ["jan", "feb"]
    np.testing.assert_allclose(out.to_numpy(), [90.0, 100.0])


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((0, 10, 0), "start must be > 0"),
        ((-5, 10, 0), "start must be > 0"),
        ((100, -1, 0), "end must be a non-negative"),
        ((100, 10, -1), "new must be a non-negative"),
        ((100, 20, 30), "new must not exceed end"),
        ((100, 150, 10), "must not exceed start"),
        (([100, 100], [90, 90, 90], 0), "equal lengths"),
        ((100, None, 0), "missing"),
    ],
)
def test_retention_rate_rejects_invalid(args, fragment):
    with pytest.raises(ValueError, match=fragment):
        m.retention_rate(*args)


def test_churn_rate():
    # 10 lost of 200 at the start -> 5 %; new customers play no part
    assert m.churn_rate(10, 200) == pytest.approx(5.0)
    np.testing.assert_allclose(m.churn_rate([10, 0], [200, 50]), [5.0, 0.0])
    with pytest.raises(ValueError, match="lost must not exceed start"):
        m.churn_rate(30, 20)
    with pytest.raises(ValueError, match="start must be > 0"):
        m.churn_rate(0, 0)
    with pytest.raises(ValueError, match="lost must be a non-negative"):
        m.churn_rate(-1, 10)


def test_annual_retention_compounds():
    # 2 % monthly churn: 0.98^12 = 0.78472 (by hand: 0.98^2 = 0.9604, ^4 = 0.92237,
    # ^8 = 0.85076, ^12 = 0.85076 * 0.92237 = 0.78472) vs naive 1 - 12 * 0.02 = 0.76
    assert m.annual_retention(0.02) == pytest.approx(0.78472, abs=1e-5)
    assert m.naive_annual_retention(0.02) == pytest.approx(0.76)
    # naive goes negative above 1/12 per month: 1 - 12 * 0.1 = -0.2, compounded 0.9^12 = 0.2824
    assert m.naive_annual_retention(0.1) == pytest.approx(-0.2)
    assert m.annual_retention(0.1) == pytest.approx(0.282430, abs=1e-6)
    np.testing.assert_allclose(m.annual_retention([0.0, 1.0]), [1.0, 0.0])
    # quarterly: 0.9^4 = 0.6561
    assert m.annual_retention(0.1, periods=4) == pytest.approx(0.6561)


@pytest.mark.parametrize("fn", [m.annual_retention, m.naive_annual_retention])
def test_annualisation_rejects_percent_input(fn):
    with pytest.raises(ValueError, match=r"monthly_churn must be a fraction in \[0, 1\].*got 2"):
        fn(2)
    with pytest.raises(ValueError, match="monthly_churn"):
        fn(-0.01)
    with pytest.raises(ValueError, match="periods"):
        fn(0.02, periods=0)


def test_expected_lifetime():
    # 1 / 0.02 = 50 periods; 1 / 0.25 = 4
    assert m.expected_lifetime(0.02) == pytest.approx(50.0)
    np.testing.assert_allclose(m.expected_lifetime([0.25, 1.0]), [4.0, 1.0])
    with pytest.raises(ValueError, match="infinite"):
        m.expected_lifetime(0)
    with pytest.raises(ValueError, match="churn must be a fraction"):
        m.expected_lifetime(5)


def test_clv_gupta_lehmann():
    # m=100, r=0.8, i=0.1, AC=50: 100 * 0.8 / (1 + 0.1 - 0.8) - 50 = 80 / 0.3 - 50 = 216.67
    assert m.clv(100, 0.8, 0.1, 50) == pytest.approx(216.6667, abs=1e-3)
    # without acquisition cost and discounting, r = 0.5: 100 * 0.5 / 0.5 = 100
    assert m.clv(100, 0.5, 0.0) == pytest.approx(100.0)
    # vectorized over retention: r = 0.5 -> 50/0.6 = 83.33, r = 0.9 -> 90/0.2 = 450
    np.testing.assert_allclose(m.clv(100, [0.5, 0.9], 0.1), [50 / 0.6, 450.0])


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((100, 1.2, 0.1), "retention must be a fraction"),
        ((100, -0.1, 0.1), "retention must be a fraction"),
        ((100, 0.8, -0.1), "discount_rate must be >= 0"),
        ((100, 1.0, 0.0), "retention must be < 1 \\+ discount_rate"),
        ((100, 0.8, 0.1, -5), "acquisition_cost"),
    ],
)
def test_clv_rejects_invalid(args, fragment):
    with pytest.raises(ValueError, match=fragment):
        m.clv(*args)


def test_customer_profit_summary():
    profit = [-10, 0, 5, 5, 100, None]
    s = m.customer_profit_summary(profit)
    # valid: [-10, 0, 5, 5, 100]: n 5, total 100, mean 20, median 5, 1 of 5 unprofitable = 20 %
    assert s["n"] == 5
    assert s["total"] == pytest.approx(100.0)
    assert s["mean"] == pytest.approx(20.0)
    assert s["median"] == pytest.approx(5.0)
    assert s["share_unprofitable"] == pytest.approx(20.0)
    # deciles, linear interpolation on sorted values at position q * (n - 1):
    # q=0.1 -> pos 0.4: -10 + 0.4 * 10 = -6; q=0.5 -> pos 2: 5; q=0.9 -> pos 3.6: 5 + 0.6 * 95 = 62
    d = s["deciles"]
    assert isinstance(d, pd.Series)
    assert list(d.index) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert d[0.1] == pytest.approx(-6.0)
    assert d[0.5] == pytest.approx(5.0)
    assert d[0.9] == pytest.approx(62.0)
    # top 10 % of 5 customers = ceil(0.5) = 1 customer with 100 of total 100 -> 100 %
    assert s["top_decile_share"] == pytest.approx(100.0)


def test_top_decile_share_whale_curve():
    # 10 customers, top one earns 60 of a total of 60+40-20-30 = 50 -> 120 % (over 100 %)
    profit = [60, 10, 10, 10, 10, 0, 0, -10, -10, -30]
    assert m.top_decile_share(profit) == pytest.approx(120.0)
    # 20 customers each earning 1: top 10 % = 2 customers -> 2 / 20 = 10 %
    assert m.top_decile_share([1] * 20) == pytest.approx(10.0)
    # 30 customers: top 10 % = exactly 3 (guards against 0.1 * 30 = 3.0000000000000004)
    assert m.top_decile_share([1] * 30) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="total profit must be > 0"):
        m.top_decile_share([-5, 1])
    assert math.isnan(m.customer_profit_summary([-5, 1])["top_decile_share"])
    with pytest.raises(ValueError, match="profit has no valid"):
        m.customer_profit_summary([None, np.nan])


def test_relative_lift():
    # churn 20 % after a failed moment vs 10 % after a good one -> 2x
    assert m.relative_lift(20, 10) == pytest.approx(2.0)
    np.testing.assert_allclose(m.relative_lift([0.3, 0.05], [0.1, 0.1]), [3.0, 0.5])
    with pytest.raises(ValueError, match="rate_pass must be > 0"):
        m.relative_lift(5, 0)
    with pytest.raises(ValueError, match="rate_fail must be >= 0"):
        m.relative_lift(-1, 5)


# --------------------------------------------------------------------------------------
# Pooling and funnel plots
# --------------------------------------------------------------------------------------


def test_pooled_rate_is_not_mean_of_rates():
    # group A 1/10 = 10 %, group B 90/100 = 90 %
    # pooled: 91 / 110 = 82.73 %; mean of rates: (10 + 90) / 2 = 50 %
    assert m.pooled_rate([1, 90], [10, 100]) == pytest.approx(100 * 91 / 110)
    assert m.mean_of_rates([1, 90], [10, 100]) == pytest.approx(50.0)


def test_berkeley_overall_rates():
    # Bickel et al. (1975) overall: 44 % of men vs 35 % of women admitted (rounded counts)
    assert m.pooled_rate([3738], [8442]) == pytest.approx(44.28, abs=0.01)
    assert m.pooled_rate([1494], [4321]) == pytest.approx(34.58, abs=0.01)


@pytest.mark.parametrize("fn", [m.pooled_rate, m.mean_of_rates])
def test_pooling_rejects_invalid(fn):
    with pytest.raises(ValueError, match="equal lengths"):
        fn([1, 2], [3])
    with pytest.raises(ValueError, match="denominators must be > 0"):
        fn([1, 2], [3, 0])
    with pytest.raises(ValueError, match="numerators must be >= 0"):
        fn([-1, 2], [3, 3])
    with pytest.raises(ValueError, match="no group"):
        fn([], [])


def test_funnel_limits_normal_approximation():
    # p0 = 0.8, n = 100: sqrt(0.8 * 0.2 / 100) = 0.04 -> 0.8 +/- 1.96 * 0.04 = [0.7216, 0.8784]
    low, high = m.funnel_limits(0.8, 100, method="normal")
    assert isinstance(low, np.ndarray) and isinstance(high, np.ndarray)
    assert low[0] == pytest.approx(0.7216)
    assert high[0] == pytest.approx(0.8784)
    # n = 400: sd = 0.02 -> [0.7608, 0.8392]; n = 4: sd = 0.2 -> 0.8 + 0.392 clipped to 1
    low, high = m.funnel_limits(0.8, [400, 4], method="normal")
    np.testing.assert_allclose(low, [0.7608, 0.408])
    np.testing.assert_allclose(high, [0.8392, 1.0])
    # the caveat: at p0 = 0.8 the upper 95% limit is clipped at 100% up to n = 13
    # (0.8 + 1.96 * sqrt(0.16 / 13) = 1.017), so no unit can lie above it
    assert m.funnel_limits(0.8, 13, method="normal")[1][0] == 1.0


def test_funnel_limits_exact_by_hand():
    # Binomial(10, 0.5): P(Y <= 1) = 11/1024 = 0.0107 < 0.025 <= P(Y <= 2) = 56/1024, so r = 2;
    # the tail of z = 1.96 is t = 0.0249979; alpha = (56/1024 - t) / (45/1024) = 0.675605;
    # lower = (2 - 0.675605) / 10 = 0.132440; the upper limit mirrors it: 1 - 0.132440
    low, high = m.funnel_limits(0.5, 10)
    assert low[0] == pytest.approx(0.132440, abs=1e-5)
    assert high[0] == pytest.approx(0.867560, abs=1e-5)
    # Binomial(10, 0.8), z = 3.09 (t = 0.0010005): P(Y <= 3) = 0.000864 < t <= P(Y <= 4) = 0.006369,
    # so r = 4; alpha = (0.006369 - 0.0010005) / P(Y = 4) = (0.006369 - 0.0010005) / 0.005505 = 0.9753;
    # lower = (4 - 0.9753) / 10 = 0.30248. Upper: 10 of 10 has P(Y >= 10) = 0.107, never beyond: 100%
    low, high = m.funnel_limits(0.8, 10, z=3.09)
    assert low[0] == pytest.approx(0.30248, abs=1e-4)
    assert high[0] == 1.0
    # one entry per n, as with the normal method
    assert m.funnel_limits(0.8, [10, 100, 400])[0].shape == (3,)


def test_funnel_limits_rejects_invalid():
    with pytest.raises(ValueError, match="p0 must be a proportion"):
        m.funnel_limits(80, 100)
    with pytest.raises(ValueError, match="n must be > 0"):
        m.funnel_limits(0.8, [100, 0])
    with pytest.raises(ValueError, match="z must be > 0"):
        m.funnel_limits(0.8, 100, z=0)
    with pytest.raises(ValueError, match="whole number"):
        m.funnel_limits(0.8, 12.5)
    with pytest.raises(ValueError, match="method must be"):
        m.funnel_limits(0.8, 12, method="wilson")


def test_outside_funnel():
    # p0 = 0.8, n = 100, exact: P(Y <= 70) = 0.011 and P(Y >= 90) = 0.006 are below 0.025
    flags = m.outside_funnel([70, 80, 90], [100, 100, 100], p0=0.8)
    assert flags.dtype == bool
    assert flags.tolist() == [True, False, True]
    # default p0 = pooled (70 + 80 + 90) / 300 = 0.8: same result
    assert m.outside_funnel([70, 80, 90], [100, 100, 100]).tolist() == [True, False, True]
    # normal limits [0.7216, 0.8784] agree here
    assert m.outside_funnel([70, 80, 90], [100, 100, 100], p0=0.8, method="normal").tolist() == [True, False, True]
    # a small unit with the same 0.70: n = 10, P(Y <= 7) = 0.322 -> inside
    assert m.outside_funnel([7], [10], p0=0.8).tolist() == [False]
    with pytest.raises(ValueError, match="successes must not exceed n"):
        m.outside_funnel([11], [10])
    with pytest.raises(ValueError, match="equal lengths"):
        m.outside_funnel([1, 2], [10])


def test_outside_funnel_exact_where_the_normal_approximation_fails():
    # 8 of 17 at p0 = 0.8: P(Y <= 8) = 0.00258 is above the 99.8% tail 0.001 -> inside the exact
    # limits, but below the normal lower limit 0.8 - 3.09 * sqrt(0.16 / 17) = 0.5002 (8/17 = 0.47)
    assert m.outside_funnel([8], [17], p0=0.8, z=3.09).tolist() == [False]
    assert m.outside_funnel([8], [17], p0=0.8, z=3.09, method="normal").tolist() == [True]
    # 7 of 17: P(Y <= 7) = 0.00049 < 0.001 -> outside with both
    assert m.outside_funnel([7], [17], p0=0.8, z=3.09).tolist() == [True]


@pytest.mark.parametrize("p0, n, z", [(0.77, 17, 1.96), (0.77, 15, 3.09), (0.3, 40, 1.96), (0.95, 8, 1.96)])
def test_outside_funnel_agrees_with_exact_limits(p0, n, z):
    # every possible count: flagged by the tail test exactly when it lies strictly outside the limits
    counts = np.arange(n + 1)
    low, high = m.funnel_limits(p0, n, z)
    drawn = (counts / n < low[0]) | (counts / n > high[0])
    assert m.outside_funnel(counts, np.full(n + 1, n), p0=p0, z=z).tolist() == drawn.tolist()



# --------------------------------------------------------------------------------------
# Education cohorts
# --------------------------------------------------------------------------------------

# Ten first-time students. Two have allowed exclusions (death, church mission), leaving an
# adjusted cohort of 8. Of those 8: 6 are back at the same institution, 1 transferred out
# (enrolled elsewhere), 1 stopped out.
SAME = [1, 1, 1, 1, 1, 1, 0, 0, 0, 1]
ANYWHERE = [1, 1, 1, 1, 1, 1, 1, 0, 0, 1]
EXCL = ["", None, "none", np.nan, "", "", "", "", "death", "Church_Mission "]


def test_ipeds_retention_with_exclusions():
    # student 9 (church mission) is enrolled but excluded anyway: 6 / 8 = 75 %
    assert m.ipeds_retention(SAME, EXCL) == pytest.approx(75.0)
    assert m.ipeds_retention(np.array(SAME, dtype=bool), pd.Series(EXCL, dtype=object)) == pytest.approx(75.0)
    # without exclusions: 7 / 10 = 70 %
    assert m.ipeds_retention(SAME) == pytest.approx(70.0)


def test_persistence_counts_transfers():
    # the transfer-out counts as persisting: 7 / 8 = 87.5 %
    assert m.persistence_rate(ANYWHERE, EXCL) == pytest.approx(87.5)
    assert m.persistence_rate(ANYWHERE, EXCL) >= m.ipeds_retention(SAME, EXCL)


def test_graduation_rate_150():
    # 10 students, 1 died (excluded); 5 of the remaining 9 completed within 150 % -> 55.56 %
    done = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    excl = [""] * 9 + ["death"]
    assert m.graduation_rate_150(done, excl) == pytest.approx(100 * 5 / 9)


@pytest.mark.parametrize("fn", [m.ipeds_retention, m.persistence_rate, m.graduation_rate_150])
def test_cohort_rates_reject_invalid(fn):
    with pytest.raises(ValueError, match="unknown label 'transfer'"):
        fn([1, 0], ["", "transfer"])
    with pytest.raises(ValueError, match="one label per student"):
        fn([1, 0], [""])
    with pytest.raises(ValueError, match="booleans or 0/1"):
        fn([1, 2], None)
    with pytest.raises(ValueError, match="missing"):
        fn([1, None], None)
    with pytest.raises(ValueError, match="adjusted cohort is empty"):
        fn([1, 0], ["death", "military"])
    with pytest.raises(ValueError, match="strings"):
        fn([1, 0], [1, 0])


def test_all_labels_missing_means_no_exclusion():
    # every label missing -> nobody excluded: 1 retained of 2 = 50 %
    assert m.ipeds_retention([1, 0], [None, np.nan]) == pytest.approx(50.0)
    assert m.ipeds_retention([1, 0], pd.Series([None, None], dtype="string")) == pytest.approx(50.0)


def test_allowed_exclusions_constant():
    assert m.IPEDS_ALLOWED_EXCLUSIONS == {
        "death", "permanent_disability", "military", "foreign_aid", "church_mission",
    }
    # every allowed label really removes the student: 1 retained of 1 remaining
    for label in m.IPEDS_ALLOWED_EXCLUSIONS:
        assert m.ipeds_retention([1, 0], ["", label]) == 100.0


def test_participation_rate():
    # 3 of 4 active -> 75 %
    assert m.participation_rate([True, False, True, True]) == pytest.approx(75.0)
    # counts: 30 of 120 -> 25 %; weekly vector
    assert m.participation_rate(30, 120) == pytest.approx(25.0)
    np.testing.assert_allclose(m.participation_rate([30, 60], [120, 120]), [25.0, 50.0])
    with pytest.raises(ValueError, match="active must not exceed enrolled"):
        m.participation_rate(130, 120)
    with pytest.raises(ValueError, match="enrolled must be > 0"):
        m.participation_rate(0, 0)
    with pytest.raises(ValueError, match="booleans or 0/1"):
        m.participation_rate([1, 3])


def test_funnel_rates():
    # NACAC-like: 67 of 100 applicants admitted, 34 of 100 admits enrol
    assert m.admit_rate(67, 100) == pytest.approx(67.0)
    assert m.yield_rate(34, 100) == pytest.approx(34.0)
    # 100 deposits, 90 enrolled at census -> 10 % melt
    assert m.summer_melt_rate(100, 90) == pytest.approx(10.0)
    np.testing.assert_allclose(m.summer_melt_rate([100, 50], [60, 50]), [40.0, 0.0])
    with pytest.raises(ValueError, match="enrolled must not exceed admitted"):
        m.yield_rate(120, 100)
    with pytest.raises(ValueError, match="admitted must not exceed applied"):
        m.admit_rate(120, 100)
    with pytest.raises(ValueError, match="applied must be > 0"):
        m.admit_rate(0, 0)
    with pytest.raises(ValueError, match="enrolled_census .* must not exceed deposited"):
        m.summer_melt_rate(90, 100)
    with pytest.raises(ValueError, match="deposited must be > 0"):
        m.summer_melt_rate(0, 0)


# --------------------------------------------------------------------------------------
# Learning gains
# --------------------------------------------------------------------------------------


def test_hake_gain_class_means():
    # class means 40 -> 70: (70 - 40) / (100 - 40) = 30 / 60 = 0.5
    assert m.hake_gain(40, 70) == pytest.approx(0.5)
    # arrays: mean pre (30 + 50) / 2 = 40, mean post (60 + 80) / 2 = 70 -> 0.5
    assert m.hake_gain([30, 50], [60, 80]) == pytest.approx(0.5)
    # other max score: out of 20, 8 -> 14: 6 / 12 = 0.5
    assert m.hake_gain(8, 14, max_score=20) == pytest.approx(0.5)
    # scores can fall: 50 -> 40: -10 / 50 = -0.2
    assert m.hake_gain(50, 40) == pytest.approx(-0.2)


@pytest.mark.parametrize(
    "args, kwargs, fragment",
    [
        ((110, 70), {}, "pre must be between 0 and max_score=100"),
        ((40, -1), {}, "post must be between 0 and max_score=100"),
        (([40, 50], [70]), {}, "equal lengths"),
        ((100, 100), {}, "mean\\(pre\\) equals max_score"),
        (([40, None], [70, 80]), {}, "missing"),
        ((4, 5), {"max_score": 0}, "max_score must be > 0"),
    ],
)
def test_hake_gain_rejects_invalid(args, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        m.hake_gain(*args, **kwargs)


def test_bao_mean_of_individual_gains_differs():
    # two students: pre [20, 80], post [100, 80]
    # individual: (100-20)/80 = 1.0 and (80-80)/20 = 0.0 -> mean 0.5
    # class: mean pre 50, mean post 90 -> (90-50)/(100-50) = 0.8
    pre, post = [20, 80], [100, 80]
    assert m.mean_individual_gain(pre, post) == pytest.approx(0.5)
    assert m.hake_gain(pre, post) == pytest.approx(0.8)


def test_mean_individual_gain_excludes_perfect_pretest():
    # student 1 has pre = 100 (excluded); student 2: (70 - 40) / 60 = 0.5
    assert m.mean_individual_gain([100, 40], [90, 70]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="every student has pre == max_score"):
        m.mean_individual_gain([100, 100], [90, 100])
    with pytest.raises(ValueError, match="equal lengths"):
        m.mean_individual_gain([1, 2], [3])


@pytest.mark.parametrize(
    "g, label",
    [(0.23, "low"), (0.29, "low"), (-0.2, "low"), (0.3, "medium"), (0.48, "medium"),
     (0.7, "medium"), (0.71, "high"), (1.0, "high")],
)
def test_hake_category(g, label):
    # Hake (1998): traditional courses 0.23 (low), interactive engagement 0.48 (medium)
    assert m.hake_category(g) == label


def test_hake_category_vectorized_and_invalid():
    assert m.hake_category([0.1, 0.5, 0.9]).tolist() == ["low", "medium", "high"]
    with pytest.raises(ValueError, match="g must be <= 1"):
        m.hake_category(1.5)


# --------------------------------------------------------------------------------------
# Effect sizes
# --------------------------------------------------------------------------------------


def test_cohens_d_by_hand():
    # a = [2, 4, 6]: mean 4, s^2 = (4 + 0 + 4) / 2 = 4
    # b = [1, 2, 3]: mean 2, s^2 = (1 + 0 + 1) / 2 = 1
    # s_pooled = sqrt((2 * 4 + 2 * 1) / 4) = sqrt(2.5) = 1.58114; d = 2 / 1.58114 = 1.26491
    assert m.cohens_d([2, 4, 6], [1, 2, 3]) == pytest.approx(1.26491, abs=1e-5)
    assert m.cohens_d([1, 2, 3], [2, 4, 6]) == pytest.approx(-1.26491, abs=1e-5)
    # missing values are dropped within a group
    assert m.cohens_d([2, 4, None, 6], pd.Series([1, 2, 3, np.nan])) == pytest.approx(1.26491, abs=1e-5)


def test_cohens_d_unequal_sizes():
    # a = [1, 3] mean 2, s^2 = 2; b = [0, 0, 3] mean 1, s^2 = (1 + 1 + 4) / 2 = 3
    # s_pooled^2 = (1 * 2 + 2 * 3) / 3 = 8/3; d = 1 / sqrt(8/3) = 0.61237
    assert m.cohens_d([1, 3], [0, 0, 3]) == pytest.approx(0.61237, abs=1e-5)


def test_cohens_d_rejects_invalid():
    with pytest.raises(ValueError, match="group a needs at least 2"):
        m.cohens_d([1], [1, 2])
    # [0.1, 0.1, 0.1] has a floating-point variance of ~3e-34, not 0: still "no spread"
    with pytest.raises(ValueError, match="pooled standard deviation is 0"):
        m.cohens_d([0.1, 0.1, 0.1], [0.3, 0.3])
    with pytest.raises(ValueError, match="group b needs at least 2"):
        m.cohens_d([1, 2], [3, None])
    with pytest.raises(ValueError, match="pooled standard deviation is 0"):
        m.cohens_d([5, 5], [3, 3])


def test_hedges_correction_and_g():
    # n1 = n2 = 10: J = 1 - 3 / (4 * 20 - 9) = 1 - 3/71 = 68/71 = 0.957746
    assert m.hedges_correction(10, 10) == pytest.approx(68 / 71)
    # [2, 4, 6] vs [1, 2, 3]: J = 1 - 3 / (24 - 9) = 0.8; g = 0.8 * 1.26491 = 1.01193
    assert m.hedges_g([2, 4, 6], [1, 2, 3]) == pytest.approx(1.01193, abs=1e-5)
    with pytest.raises(ValueError, match="n1 must be an integer >= 2"):
        m.hedges_correction(1, 10)
    with pytest.raises(ValueError, match="group a needs at least 2"):
        m.hedges_g([1], [1, 2])


@pytest.mark.parametrize(
    "d, label",
    [(0.1, "negligible"), (0.2, "small"), (0.49, "small"), (0.5, "medium"), (0.8, "large"), (-0.9, "large")],
)
def test_effect_size_label(d, label):
    # Cohen (1988): 0.2 small, 0.5 medium, 0.8 large, by absolute value
    assert m.effect_size_label(d) == label


# --------------------------------------------------------------------------------------
# Survey scales
# --------------------------------------------------------------------------------------

# rows = respondents, columns = 3 items
TOY = [[1, 2, 1], [2, 2, 3], [3, 4, 3], [4, 4, 5]]


def test_cronbach_alpha_by_hand():
    # item variances (ddof=1): [1,2,3,4] -> 5/3; [2,2,4,4] -> 4/3; [1,3,3,5] -> 8/3; sum 17/3
    # totals [4, 7, 10, 13]: deviations +/-4.5, +/-1.5 -> (20.25*2 + 2.25*2) / 3 = 15
    # alpha = 3/2 * (1 - (17/3) / 15) = 1.5 * 28/45 = 42/45 = 0.93333
    assert m.cronbach_alpha(TOY) == pytest.approx(42 / 45)
    assert m.cronbach_alpha(pd.DataFrame(TOY, columns=["q1", "q2", "q3"])) == pytest.approx(42 / 45)


def test_cronbach_alpha_drops_incomplete_rows():
    # the extra row has a missing item and is dropped: same as TOY
    rows = TOY + [[5, None, 1]]
    assert m.cronbach_alpha(rows) == pytest.approx(42 / 45)
    df = pd.DataFrame(TOY + [[5, np.nan, 1]], columns=["a", "b", "c"])
    assert m.cronbach_alpha(df) == pytest.approx(42 / 45)


def test_cronbach_alpha_two_items_negative():
    # two items perfectly opposed: [1,2,3] and [3,2,1]; variances 1 and 1, totals all 4
    # -> total variance 0 -> undefined; with [1,2,3] and [3,1,2]: totals [4,3,5], var 1
    # alpha = 2 * (1 - 2/1) = -2
    assert m.cronbach_alpha([[1, 3], [2, 1], [3, 2]]) == pytest.approx(-2.0)
    with pytest.raises(ValueError, match="variance of the total score is 0"):
        m.cronbach_alpha([[1, 3], [2, 2], [3, 1]])


def test_cronbach_alpha_rejects_invalid():
    with pytest.raises(ValueError, match="at least 2 items"):
        m.cronbach_alpha([[1], [2], [3]])
    with pytest.raises(ValueError, match="at least 2 complete rows"):
        m.cronbach_alpha([[1, 2], [None, 3]])
    with pytest.raises(ValueError, match="2-D"):
        m.cronbach_alpha([1, 2, 3])


def test_reverse_code():
    # 4-point scale: 1 <-> 4, 2 <-> 3; missing stays missing
    out = m.reverse_code([1, 2, 3, 4, None], 1, 4)
    np.testing.assert_allclose(out[:4], [4, 3, 2, 1])
    assert np.isnan(out[4])
    assert m.reverse_code(2, 1, 4) == 3.0
    s = pd.Series([1, 4], index=["x", "y"], name="regret")
    r = m.reverse_code(s, 1, 4)
    assert isinstance(r, pd.Series) and r.name == "regret" and r.to_dict() == {"x": 4.0, "y": 1.0}
    with pytest.raises(ValueError, match="values must be between low=1 and high=4; got 5"):
        m.reverse_code([1, 5], 1, 4)
    with pytest.raises(ValueError, match="low must be < high"):
        m.reverse_code([1], 4, 1)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

nps_lists = st.lists(st.integers(0, 10), min_size=1, max_size=200)


@PROPS
@given(nps_lists)
def test_prop_nps_equals_promoters_minus_detractors(scores):
    value = m.nps(scores)
    promoters = 100 * sum(s >= 9 for s in scores) / len(scores)
    detractors = 100 * sum(s <= 6 for s in scores) / len(scores)
    assert -100 <= value <= 100
    assert value == pytest.approx(promoters - detractors)
    b = m.nps_breakdown(scores)
    assert b["promoters"] + b["passives"] + b["detractors"] == pytest.approx(100.0)
    low, high = m.nps_confidence_interval(scores)
    assert -100 <= low <= value + 1e-9 and value - 1e-9 <= high <= 100


@PROPS
@given(st.lists(st.integers(1, 7), min_size=1, max_size=200), st.integers(3, 7))
def test_prop_csat_in_range(raw, scale):
    scores = [min(s, scale) for s in raw]
    value = m.csat(scores, scale=scale)
    assert 0 <= value <= 100
    assert value == pytest.approx(100 * sum(s >= scale - 1 for s in scores) / len(scores))


@PROPS
@given(st.integers(1, 10**6), st.floats(0, 1), st.integers(0, 10**6))
def test_prop_retention_rate_at_most_100(start, kept_share, new):
    kept = int(start * kept_share)
    value = m.retention_rate(start, kept + new, new)
    assert 0 <= value <= 100
    assert value == pytest.approx(100 * kept / start)


@PROPS
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=50),
    st.data(),
)
def test_prop_hake_gain_at_most_one(pre, data):
    post = data.draw(st.lists(st.floats(0, 100, allow_nan=False), min_size=len(pre), max_size=len(pre)))
    if np.mean(pre) >= 100:
        return
    assert m.hake_gain(pre, post) <= 1 + 1e-12
    usable = [p < 100 for p in pre]
    if any(usable):
        assert m.mean_individual_gain(pre, post) <= 1 + 1e-12


finite = st.floats(-1e3, 1e3, allow_nan=False)


@PROPS
@given(st.lists(finite, min_size=2, max_size=30), st.lists(finite, min_size=2, max_size=30))
def test_prop_cohens_d_antisymmetric_and_hedges_shrinks(a, b):
    try:
        d = m.cohens_d(a, b)
    except ValueError as exc:  # only a zero pooled SD is allowed to fail
        assert "pooled standard deviation is 0" in str(exc)
        return
    assert m.cohens_d(b, a) == pytest.approx(-d)
    assert abs(m.hedges_g(a, b)) <= abs(d) + 1e-12


@PROPS
@given(
    st.integers(2, 6).flatmap(
        lambda k: st.lists(st.lists(st.integers(1, 5), min_size=k, max_size=k), min_size=2, max_size=40)
    )
)
def test_prop_alpha_at_most_one(rows):
    try:
        alpha = m.cronbach_alpha(rows)
    except ValueError as exc:
        assert "variance of the total score is 0" in str(exc)
        return
    assert alpha <= 1 + 1e-9


@PROPS
@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 1000)), min_size=1, max_size=30))
def test_prop_pooled_rate_between_group_rates(groups):
    num = [min(a, b) for a, b in groups]
    den = [b for _, b in groups]
    rates = [100 * a / b for a, b in zip(num, den)]
    pooled = m.pooled_rate(num, den)
    assert min(rates) - 1e-9 <= pooled <= max(rates) + 1e-9
    assert min(rates) - 1e-9 <= m.mean_of_rates(num, den) <= max(rates) + 1e-9


@PROPS
@given(st.floats(0, 1))
def test_prop_annual_retention_bounds(c):
    annual = m.annual_retention(c)
    assert 0 <= annual <= 1
    # Bernoulli's inequality: (1 - c)^12 >= 1 - 12c, and a year keeps no more than a month
    assert annual >= m.naive_annual_retention(c) - 1e-12
    assert annual <= 1 - c + 1e-12


@PROPS
@given(st.floats(0, 1), st.lists(st.floats(1, 1e6), min_size=1, max_size=20))
def test_prop_funnel_limits_contain_p0(p0, n):
    low, high = m.funnel_limits(p0, n, method="normal")
    assert np.all((0 <= low) & (low <= p0 + 1e-12) & (p0 - 1e-12 <= high) & (high <= 1))


@PROPS
@given(st.floats(0, 1), st.lists(st.integers(1, 3000), min_size=1, max_size=10))
def test_prop_exact_funnel_limits_contain_p0(p0, n):
    low, high = m.funnel_limits(p0, n)
    assert np.all((0 <= low) & (low <= p0 + 1e-12) & (p0 - 1e-12 <= high) & (high <= 1))


@PROPS
@given(st.lists(st.integers(1, 5), min_size=1, max_size=50))
def test_prop_reverse_code_involution(values):
    twice = m.reverse_code(m.reverse_code(values, 1, 5), 1, 5)
    np.testing.assert_allclose(twice, values)


@PROPS
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from(["", "death", None])), min_size=1, max_size=50))
def test_prop_persistence_at_least_retention(rows):
    same = [s for s, _, _ in rows]
    anywhere = [s or o for s, o, _ in rows]
    excl = [e for _, _, e in rows]
    if all(e == "death" for e in excl):
        return
    assert m.persistence_rate(anywhere, excl) >= m.ipeds_retention(same, excl)


# --------------------------------------------------------------------------------------
# Documentation contract
# --------------------------------------------------------------------------------------


def test_every_public_function_is_documented_and_typed():
    import inspect

    functions = [getattr(m, name) for name in m.__all__ if callable(getattr(m, name))]
    assert len(functions) == len([name for name in m.__all__ if not name.isupper()])
    for fn in functions:
        doc = inspect.getdoc(fn) or ""
        assert len(doc) > 80, fn.__name__
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty, fn.__name__
        for param in sig.parameters.values():
            assert param.annotation is not inspect.Parameter.empty, (fn.__name__, param.name)


# --------------------------------------------------------------------------------------
# Scale: one million elements
# --------------------------------------------------------------------------------------


def test_million_elements_fast():
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 11, 1_000_000)
    flags = rng.random(1_000_000) < 0.7
    excl = np.where(rng.random(1_000_000) < 0.01, "death", "")
    calls = [
        lambda: m.nps(scores),
        lambda: m.nps(pd.Series(scores)),
        lambda: m.csat(scores % 5 + 1),
        lambda: m.ces(scores % 7 + 1, summary="top3"),
        lambda: m.retention_rate(scores + 100, scores + 50, scores),
        lambda: m.ipeds_retention(flags, excl),
        lambda: m.cohens_d(scores, scores[::-1] + 1),
        lambda: m.customer_profit_summary(scores - 3.0),
        lambda: m.outside_funnel(scores, scores + 10),
    ]
    for call in calls:
        t0 = time.perf_counter()
        call()
        assert time.perf_counter() - t0 < 1.0
    # and the vectorized result is right: share of 9-10 minus share of 0-6
    expected = 100 * (np.mean(scores >= 9) - np.mean(scores <= 6))
    assert m.nps(scores) == pytest.approx(expected)
