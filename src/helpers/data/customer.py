"""Generators of the customer datasets: survey, accounts, product usage, release log and journey."""

from __future__ import annotations

import numpy as np

from helpers.validate import SEGMENTS

from helpers.data._random import (
    Frame,
    Truth,
    _check_gaming,
    _check_sizes,
    _choice_idx,
    _finish,
    _ids,
    _logit,
    _mix,
    _ordinal,
    _pick,
    _rate,
    _sigmoid,
    _strat_uniform,
    _streams,
)


# --------------------------------------------------------------------------------------
# 2. customer_survey
# --------------------------------------------------------------------------------------


def _customer_survey(seed: int, n_customers: int, period: int, gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_customers=n_customers)
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    n = n_customers
    # the customer base: segment, tenure and each customer's lasting satisfaction
    seg = _choice_idx(org, _mix(org, (0.62, 0.28, 0.10)), n, _strat_uniform(org, n=n))
    tenure0 = np.round(org.gamma(1.6, 18, n))
    base_sat = np.array([6.5, 7.3, 8.2])[seg] + 0.004 * (tenure0 - 30) + org.normal(0, 1.2, n)
    resolved_rate = _rate(org, 0.78, 0.15)
    response_shift = org.normal(0, 0.15)
    coached_rate = min(0.5, 0.08 * g)

    # one survey wave
    tenure = np.clip(tenure0 + 3 * (period - 1), 1, 240)
    resolved = rng.random(n) < resolved_rate
    coached = rng.random(n) < coached_rate
    sat = base_sat + np.where(resolved, 0.6, -1.7) + rng.normal(0, 0.9, n)
    sat = np.round(np.clip(sat, 0, 10), 1)
    responded = rng.random(n) < _sigmoid(-1.2 + response_shift + 0.6 * (sat - 7.0))
    # gaming above 1 also keeps the survey away from customers whose case was not resolved
    not_asked = ~resolved & (rng.random(n) < min(1.0, 0.8 * max(g - 1.0, 0.0)))
    responded &= ~not_asked
    nps = np.clip(np.round(sat + 0.4 + rng.normal(0, 1.0, n)), 0, 10)
    boost = coached & (rng.random(n) < 0.8)
    nps = np.where(boost, np.maximum(nps, rng.choice([9.0, 10.0], n, p=[0.35, 0.65])), nps)
    csat = _ordinal(sat + rng.normal(0, 0.9, n), (3.6, 5.0, 6.5, 7.6)).astype("float64")
    ces = np.clip(np.round(1.2 + 0.62 * sat + np.where(resolved, 0.4, -0.8) + rng.normal(0, 0.9, n)),
                  1, 7)
    churn = rng.random(n) < _sigmoid(-2.4 - 0.55 * (sat - 7.0))
    nps[~responded] = np.nan
    csat[~responded | (rng.random(n) < 0.04)] = np.nan
    ces[~responded | (rng.random(n) < 0.08)] = np.nan
    cols = {
        "customer_id": _ids("CS", n, 5),
        "segment": _pick(SEGMENTS, seg),
        "tenure_months": tenure,
        "resolved_case": resolved,
        "coached_by_agent": coached,
        "responded": responded,
        "nps": nps,
        "csat": csat,
        "ces": ces,
        "true_satisfaction": sat,
        "churned_next_quarter": churn,
    }
    truth: Truth = {"gaming": g, "coached_share": coached_rate,
                    "rates": {"resolved_case": resolved_rate}}
    return _finish("customer_survey", cols), truth


def make_customer_survey(seed: int = 42, n_customers: int = 3000, period: int = 1,
                         gaming: float = 1.0) -> Frame:
    """A relationship survey (NPS, CSAT, CES) sent to every customer.

    Args:
        seed: random seed: one business (its customers and base rates).
        n_customers: customers invited (segments about SMB 62%, Mid-market 28%,
            Enterprise 10%).
        period: survey wave of the same business (1 = the default; another integer gives
            the same customers three months later or earlier, answering again).
        gaming: 0 (honest) to 3: about ``8% x gaming`` of customers are coached by an agent
            to 'rate me 9 or 10' (1 = default); above 1, ``80% x (gaming - 1)`` of the
            customers whose case was not resolved are not surveyed at all (response falls,
            NPS rises).
    """
    return _customer_survey(seed, n_customers, period, gaming)[0]


# --------------------------------------------------------------------------------------
# 3. customer_accounts
# --------------------------------------------------------------------------------------

PLANS = ("Essentials", "Premier")
REGIONS = ("North", "South", "East", "West")
#: Monthly churn hazard by segment (rows) and plan (columns: Essentials, Premier): within a
#: segment the dearer Premier plan loses a few more customers at renewal.
CHURN_HAZARD = np.array([[0.040, 0.052], [0.016, 0.021], [0.0065, 0.0095]])
#: P(plan = Premier | segment): most small businesses buy Essentials, most enterprises
#: Premier.
PREMIER_SHARE = np.array([0.25, 0.55, 0.85])


def _customer_accounts(seed: int, n_customers: int, n_months: int, start_month: str,
                       gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_customers=n_customers, n_months=n_months)
    g = _check_gaming(gaming)
    rng = np.random.default_rng(seed)
    n, m = n_customers, n_months
    seg = _choice_idx(rng, _mix(rng, (0.45, 0.30, 0.25)), n, _strat_uniform(rng, n=n))
    premier_share = _sigmoid(_logit(PREMIER_SHARE) + rng.normal(0, 0.15, 3))
    plan = (_strat_uniform(rng, seg) < premier_share[seg]).astype("int64")
    region = rng.integers(0, len(REGIONS), n)
    existing = _strat_uniform(rng, n=n) < _rate(rng, 0.62, 0.1)
    start = np.where(existing, 0, 1 + np.floor(rng.random(n) * max(m - 1, 1)).astype("int64"))
    start = np.minimum(start, m - 1)
    hazard = CHURN_HAZARD * np.exp(rng.normal(0, 0.12))  # this business's churn level
    h = hazard[seg, plan]
    u = _strat_uniform(rng, seg, plan)
    life = np.maximum(1, np.ceil(np.log1p(-u) / np.log1p(-h))).astype("int64")
    churn_month = start + life
    # retention bought with discounts (gaming > 0): in the last 12 months the business offers
    # a rescue discount to customers about to leave; a share of them stays to the end
    rescue_from = max(m - 12, 1)
    rescued = ((churn_month >= rescue_from) & (churn_month <= m - 1)
               & (rng.random(n) < min(0.9, 0.35 * g)))
    churn_month = np.where(rescued, m + 1, churn_month)
    end = np.minimum(churn_month, m - 1)
    churned = churn_month <= m - 1

    # order customers by start month, then at random; ids follow that order
    order = np.lexsort((rng.random(n), start))
    seg, plan, region, start, end = (a[order] for a in (seg, plan, region, start, end))
    churned, existing, rescued = (a[order] for a in (churned, existing, rescued))
    ids = _ids("C", n, 5)

    price = np.array([[49.0, 89.0], [390.0, 690.0], [2400.0, 3900.0]])[seg, plan]
    seats = rng.lognormal(0, 0.55, n)
    fixed_cost = np.array([22.0, 90.0, 420.0])[seg] * rng.lognormal(0, 0.3, n)
    heavy = rng.random(n) < 0.12  # support-heavy customers
    cac = np.round(np.array([350.0, 3200.0, 18000.0])[seg] * rng.lognormal(0, 0.45, n), 2)

    rows = end - start + 1
    cust = np.repeat(np.arange(n), rows)
    offset = np.arange(rows.sum()) - np.repeat(np.cumsum(rows) - rows, rows)
    month = start[cust] + offset
    first = offset == 0
    last = month == end[cust]
    churn_row = last & churned[cust]
    r = len(cust)
    discount = np.where(rescued[cust] & (month >= rescue_from), 0.6, 1.0)
    revenue = np.round(price[cust] * seats[cust] * discount * rng.normal(1, 0.04, r), 2)
    cost = np.round(0.28 * revenue + fixed_cost[cust] * np.where(heavy[cust], 3.5, 1.0)
                    * np.where(discount < 1, 1.5, 1.0) * rng.lognormal(0, 0.25, r), 2)
    months = (np.datetime64(start_month, "M") + month).astype(str)
    cols = {
        "customer_id": ids[cust],
        "month": months,
        "segment": _pick(SEGMENTS, seg[cust]),
        "plan": _pick(PLANS, plan[cust]),
        "region": _pick(REGIONS, region[cust]),
        "active": ~churn_row,
        "new_this_month": first & ~existing[cust],
        "churned_this_month": churn_row,
        "revenue": np.maximum(revenue, 0),
        "cost_to_serve": cost,
        "acquisition_cost": np.where(first, cac[cust], np.nan),
    }
    truth: Truth = {
        "better_within_every_segment": "Essentials", "worse_pooled": "Essentials",
        "hazard": {s: {p: float(h) for p, h in zip(PLANS, hazard[i])} for i, s in enumerate(SEGMENTS)},
        "premier_share": {s: float(p) for s, p in zip(SEGMENTS, premier_share)},
        "gaming": g, "rescued_customers": int(rescued.sum()),
    }
    return _finish("customer_accounts", cols), truth


def make_customer_accounts(seed: int = 42, n_customers: int = 2000, n_months: int = 24,
                           start_month: str = "2023-01", gaming: float = 0.0) -> Frame:
    """A customer-month panel of a subscription business.

    Args:
        seed: random seed.
        n_customers: customers ever seen in the window (about 62% are customers at the
            start; the rest are acquired during the window).
        n_months: months in the window.
        start_month: first month, ``YYYY-MM``.
        gaming: retention bought with discounts in the last 12 months, 0 (none, default)
            to 3: at 1 about a third of the customers about to leave get a 40% discount
            (and cost more to serve) and stay to the end of the window.
    """
    return _customer_accounts(seed, n_customers, n_months, start_month, gaming)[0]


# --------------------------------------------------------------------------------------
# 4. product_usage, release_log, customer_journey
# --------------------------------------------------------------------------------------


def _adoption_curve(k: np.ndarray, ceiling: float = 0.72) -> np.ndarray:
    """Share of customers who have adopted the new path ``k`` weeks after the release."""
    return np.where(k >= 0, ceiling / (1 + np.exp(-(k - 9.0) / 2.6)), 0.0)


def _maturity(share: np.ndarray) -> np.ndarray:
    """How much the new path avoids contacts, given current adoption (0 below 30%)."""
    return np.clip((share - 0.30) / 0.25, 0, 1)


def _usage(seed: int, n_customers: int, n_weeks: int, release_week: int,
           start_week: str) -> tuple[Frame, Frame, Truth]:
    _check_sizes(n_customers=n_customers, n_weeks=n_weeks)
    if not 1 <= release_week < n_weeks:
        raise ValueError(f"release_week must be between 1 and n_weeks - 1, got {release_week}")
    start = np.datetime64(start_week, "D")
    if not np.is_busday(start, weekmask="Mon"):
        raise ValueError(f"start_week must be a Monday, got {start_week}")
    rng = np.random.default_rng(seed)
    n, w = n_customers, n_weeks
    weeks = start + 7 * np.arange(w)

    # output log: fast ramp right after the release
    t = np.arange(w)
    after = t - release_week
    features = np.where(after < 0, 1, np.where(after == 0, 6, 4)) + rng.integers(0, 2, w)
    articles = np.where(after < 0, 0, np.where(after < 6, 10, 4)) + rng.integers(0, 3, w)
    log = {
        "week": weeks,
        "features_shipped": features,
        "help_articles_published": articles,
        "self_service_release": t == release_week,
    }

    # adoption: customer i adopts at the first week the curve passes its stratified u; how
    # many customers ever adopt differs from one business to the next
    ceiling = _rate(rng, 0.72, 0.15)
    u = _strat_uniform(rng, n=n)
    curve = _adoption_curve(np.arange(w - release_week), ceiling)
    k_adopt = np.searchsorted(curve, u, side="left")  # == len(curve): never in the window
    adopt_week = np.where(k_adopt < len(curve), release_week + k_adopt, w + 1)
    activity = rng.beta(7, 2, n)
    task_rate = rng.gamma(4, 1.5, n)
    contact_rate = 0.30 * rng.gamma(5, 0.2, n)

    cust = np.repeat(np.arange(n), w)
    wk = np.tile(t, n)
    r = n * w
    active = rng.random(r) < activity[cust]
    adopted = wk >= adopt_week[cust]
    new_path = active & adopted & (rng.random(r) < 0.9)
    old_path = active & (~adopted | (rng.random(r) < 0.15))
    share = _adoption_curve(wk - release_week, ceiling)
    lam = contact_rate[cust] * np.where(active, 1.0, 0.3) * (1 - 0.85 * new_path * _maturity(share))
    contacts = rng.poisson(lam)
    tasks = rng.poisson(task_rate[cust] * active * np.where(new_path, 1.1, 1.0))
    ids = _ids("U", n, 4)
    order = np.lexsort((cust, wk))
    cols = {
        "week": weeks[wk][order],
        "customer_id": ids[cust][order],
        "used_old_path": old_path[order],
        "used_new_self_service_path": new_path[order],
        "support_contacts": contacts[order],
        "tasks_completed": tasks[order],
    }
    truth = {
        "release_week": str(weeks[release_week]),
        "adoption_needed_before_contacts_fall": 0.30,
        "adoption_ceiling": ceiling,
    }
    return _finish("product_usage", cols), _finish("release_log", log), truth


def make_product_usage(seed: int = 42, n_customers: int = 300, n_weeks: int = 26,
                       release_week: int = 8, start_week: str = "2024-01-01") -> Frame:
    """Weekly product use before and after a new self-service path is released.

    Args:
        seed: random seed.
        n_customers: customers observed every week.
        n_weeks: weeks observed.
        release_week: index (0-based) of the week the new path is released.
        start_week: Monday of the first week, ``YYYY-MM-DD``.
    """
    return _usage(seed, n_customers, n_weeks, release_week, start_week)[0]


def make_release_log(seed: int = 42, n_customers: int = 300, n_weeks: int = 26,
                     release_week: int = 8, start_week: str = "2024-01-01") -> Frame:
    """The product team's weekly output (features, help articles) for the same weeks as
    :func:`make_product_usage` (same arguments, same seed -> matching weeks)."""
    return _usage(seed, n_customers, n_weeks, release_week, start_week)[1]


JOURNEY_STAGES = (
    "onboarding_complete",
    "first_value_within_14d",
    "first_support_case_resolved",
    "admin_trained",
    "renewal_review_held",
)


def _customer_journey(seed: int, n_customers: int, period: int, gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_customers=n_customers)
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    n = n_customers
    # the business: its segment mix and how well its onboarding works
    mix = _mix(org, (0.55, 0.30, 0.15))
    onboard_rate = _rate(org, 0.80, 0.2)
    value_rate = np.array([_rate(org, 0.55, 0.2), _rate(org, 0.68, 0.2)])  # not / onboarded
    case_rate = _rate(org, 0.75, 0.2)
    churn_shift = org.normal(0, 0.12)

    # one cohort of new customers
    seg = _choice_idx(rng, mix, n)
    onboard = rng.random(n) < onboard_rate
    value = rng.random(n) < value_rate[onboard.astype("int64")]
    case = rng.random(n) < case_rate
    trained = rng.random(n) < np.where(onboard, 0.65, 0.45)
    review = rng.random(n) < np.array([0.45, 0.60, 0.75])[seg]
    csat = _ordinal(rng.normal(0, 1, n) + 0.25 * onboard, (-1.9, -1.3, -0.6, 0.3)).astype("int64")
    logit = (-2.3 + churn_shift + 1.9 * ~value + 0.25 * ~onboard + 0.3 * ~case + 0.2 * ~trained
             + 0.3 * ~review - 0.08 * (csat - 4) - np.array([0.0, 0.2, 0.4])[seg])
    churn = _strat_uniform(rng, value, case) < _sigmoid(logit)
    # gaming: a first login is counted as 'first value', so customers who found no value
    # are reported as having it (their churn does not change)
    reported_value = value | (rng.random(n) < min(1.0, 0.5 * g))
    prefix = "J" if period == 1 else f"J{period}-"
    cols = {
        "customer_id": _ids(prefix, n, 5),
        "segment": _pick(SEGMENTS, seg),
        "onboarding_complete": onboard,
        "first_value_within_14d": reported_value,
        "first_support_case_resolved": case,
        "admin_trained": trained,
        "renewal_review_held": review,
        "csat_onboarding": csat,
        "churned": churn,
    }
    truth: Truth = {"key_moment": "first_value_within_14d", "gaming": g,
                    "true_first_value_pct": 100.0 * float(value.mean()) if n else float("nan")}
    return _finish("customer_journey", cols), truth


def make_customer_journey(seed: int = 42, n_customers: int = 2000, period: int = 1,
                          gaming: float = 0.0) -> Frame:
    """Moments of truth in the first year of each customer, and whether they churned.

    Args:
        seed: random seed: one business (its segment mix and onboarding rates).
        n_customers: customers (one row each).
        period: yearly cohort of new customers of the same business (1 = the default;
            other periods get ids ``J<period>-00001``, ...).
        gaming: 0 (honest, default) to 3: a first login is counted as first value, so about
            ``50% x gaming`` of the customers without real first value are reported as
            having it (and churn as before).
    """
    return _customer_journey(seed, n_customers, period, gaming)[0]
