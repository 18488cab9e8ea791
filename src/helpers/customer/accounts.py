"""Retention, churn, customer profit, CLV and Simpson's paradox on ``customer_accounts``
(notebook 05)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .. import metrics
from ..validate import require_columns as _require
from ._common import exact_interval

# --------------------------------------------------------------------------------------
# Accounts: retention, churn, profit, CLV, Simpson's paradox
# --------------------------------------------------------------------------------------

_ACCOUNT_COLS = ("customer_id", "month", "new_this_month", "churned_this_month", "active")


def churn_by(accounts: pd.DataFrame, by: Sequence[str] | str = ()) -> pd.DataFrame:
    """Monthly churn pooled over the window, per group.

    start = customer-months that began with the customer on board (rows not new that month),
    lost = rows with ``churned_this_month``; ``churn_rate`` = :func:`helpers.metrics.churn_rate`
    (lost, start), i.e. the pooled monthly churn: every month's start count and losses
    added up. ``by`` = () gives one row ("all"). Columns: ``customers``, ``start``, ``lost``,
    ``churn_rate`` (NaN for a group with no customer-month at risk, i.e. only new customers).
    """
    keys = [by] if isinstance(by, str) else list(by)
    _require(accounts, (*_ACCOUNT_COLS, *keys), "accounts")
    frame = accounts.assign(_start=1 - accounts["new_this_month"])
    grouper: Any = keys if keys else pd.Series("all", index=accounts.index, name="group")
    g = frame.groupby(grouper, observed=True, sort=True)
    out = pd.DataFrame({
        "customers": g["customer_id"].nunique(),
        "start": g["_start"].sum(),
        "lost": g["churned_this_month"].sum(),
    })
    rate = np.full(len(out), np.nan)
    has_start = out["start"].to_numpy() > 0  # a group of new customers only has no churn rate
    if has_start.any():
        rate[has_start] = metrics.churn_rate(out["lost"].to_numpy()[has_start], out["start"].to_numpy()[has_start])
    out["churn_rate"] = rate
    return out


def monthly_customers(accounts: pd.DataFrame) -> pd.DataFrame:
    """Customer counts per month and the two monthly rates.

    ``start`` S (customers at the start of the month: rows not new that month), ``new`` N,
    ``lost``, ``end`` E (customers still active at the end of the month, E = S - lost + N),
    ``retention_rate`` = (E - N) / S * 100 (:func:`helpers.metrics.retention_rate`) and
    ``churn_rate`` = lost / S * 100 (:func:`helpers.metrics.churn_rate`); the two add up to 100.
    """
    _require(accounts, _ACCOUNT_COLS, "accounts")
    frame = accounts.assign(_start=1 - accounts["new_this_month"])
    g = frame.groupby("month", sort=True)
    out = pd.DataFrame({
        "start": g["_start"].sum(),
        "new": g["new_this_month"].sum(),
        "lost": g["churned_this_month"].sum(),
        "end": g["active"].sum(),
    })
    out["retention_rate"] = metrics.retention_rate(out["start"], out["end"], out["new"])
    out["churn_rate"] = metrics.churn_rate(out["lost"], out["start"])
    return out.reset_index()


def _cohort(accounts: pd.DataFrame, start_month: str, months: int) -> tuple[pd.Series, pd.Series]:
    """Customers on board at the start of ``start_month`` (with their segment when known), and
    a boolean Series: still active at the end of month ``months`` (start counts as month 1)."""
    _require(accounts, _ACCOUNT_COLS, "accounts")
    start = pd.Period(start_month, freq="M")
    last = start + (int(months) - 1)
    month = accounts["month"].astype(str).str[:7]  # "YYYY-MM" text sorts like the months
    data_end = pd.Period(month.max(), freq="M")
    if last > data_end:
        raise ValueError(f"the data end in {data_end}; {months} months from {start} need data up to {last}")
    first_rows = accounts.loc[(month == str(start)).to_numpy() & (accounts["new_this_month"] == 0).to_numpy()]
    if first_rows.empty:
        raise ValueError(f"no customer was on board at the start of {start}")
    still = accounts.loc[(month == str(last)).to_numpy() & (accounts["active"] == 1).to_numpy(), "customer_id"]
    ids = first_rows["customer_id"]
    segment = (first_rows["segment"].astype(str) if "segment" in first_rows
               else pd.Series("all", index=first_rows.index))
    return segment.set_axis(ids.to_numpy()), pd.Series(ids.isin(still).to_numpy(), index=ids.to_numpy())


def cohort_survival(accounts: pd.DataFrame, start_month: str, months: int = 12) -> float:
    """Percent of the customers on board at the start of ``start_month`` who are still
    active at the end of the ``months``-th month (``start_month`` counts as month 1).

    survival = 100 * #(customers of the starting cohort active at the end of month
    start + months - 1) / #(customers at the start of ``start_month``). This is what
    (1 - monthly churn)^months predicts (:func:`helpers.metrics.annual_retention`) when churn
    is constant and the same for everyone. Raises ValueError when the window is too short.
    """
    _, kept = _cohort(accounts, start_month, months)
    return 100.0 * float(kept.sum()) / float(len(kept))


def retention_check(accounts: pd.DataFrame, months: int = 12) -> dict[str, Any]:
    """Retention over k months three ways: compounded, the naive 1 - k c, and observed.

    c = pooled monthly churn (:func:`churn_by`); ``compounded`` = 100 (1 - c)^k
    (:func:`helpers.metrics.annual_retention` with ``periods=k``), ``naive`` = 100 (1 - k c)
    (:func:`helpers.metrics.naive_annual_retention`), ``observed`` = :func:`cohort_survival`
    of the customers on board in the first month, over k = min(``months``, months observed)
    months, with its exact 95 % interval ``observed_low``/``observed_high``
    (:func:`exact_interval`) and ``cohort`` (its size).

    Mixed churn rates: with segment churn c_s (pooled over the window) and the cohort's
    segment shares w_s, ``cohort_mean_churn`` = sum w_s c_s, ``compounded_mean`` = 100 (1 -
    sum w_s c_s)^k and ``mixed`` = 100 sum w_s (1 - c_s)^k. Because (1 - c)^k is convex,
    ``mixed`` >= ``compounded_mean`` always (Jensen's inequality): the high-churn customers
    leave first, the survivors churn less, and a fixed cohort keeps *more* customers than
    one average rate predicts. Also ``monthly_churn`` (percent), ``months`` (k),
    ``start_month`` and ``lifetime_months`` (1 / c, :func:`helpers.metrics.expected_lifetime`).
    """
    _require(accounts, _ACCOUNT_COLS, "accounts")
    churn = float(churn_by(accounts)["churn_rate"].iloc[0])
    text = accounts["month"].astype(str).str[:7]
    first, data_end = pd.Period(text.min(), freq="M"), pd.Period(text.max(), freq="M")
    k = int(min(months, data_end.ordinal - first.ordinal + 1))
    c = churn / 100.0
    segment, kept = _cohort(accounts, str(first), k)
    low, high = exact_interval(int(kept.sum()), len(kept))
    by = "segment" if "segment" in accounts else ()
    seg_churn = churn_by(accounts, by)["churn_rate"] / 100.0
    seg_churn.index = seg_churn.index.astype(str)
    weights = segment.value_counts(normalize=True)
    rates = seg_churn.reindex(weights.index).fillna(c).to_numpy()
    w = weights.to_numpy()
    mean_churn = float((w * rates).sum())
    return {
        "monthly_churn": churn,
        "months": k,
        "start_month": str(first),
        "compounded": 100.0 * float(metrics.annual_retention(c, periods=k)),
        "naive": 100.0 * float(metrics.naive_annual_retention(c, periods=k)),
        "observed": 100.0 * float(kept.sum()) / float(len(kept)),
        "observed_low": low,
        "observed_high": high,
        "cohort": int(len(kept)),
        "cohort_mean_churn": 100.0 * mean_churn,
        "compounded_mean": 100.0 * (1.0 - mean_churn) ** k,
        "mixed": 100.0 * float((w * (1.0 - rates) ** k).sum()),
        "lifetime_months": float(metrics.expected_lifetime(c)) if c > 0 else float("inf"),
    }


def customer_profit(accounts: pd.DataFrame, include_acquisition: bool = False) -> pd.Series:
    """Profit per customer over the window: sum(revenue - cost_to_serve).

    The mean of the result is the "average customer profit" (total profit / customers; the
    "Metrics That Matter", 2023, and data/README.md); use
    :func:`helpers.metrics.customer_profit_summary` for the median and deciles.
    ``include_acquisition=True`` also subtracts the acquisition cost on each customer's first
    row; it is left out by default because customers acquired before the window would carry
    their whole acquisition cost against only the margin earned inside the window (CLV,
    :func:`clv_by_segment`, accounts for it instead). Returns a Series indexed by
    ``customer_id``, named ``profit``.
    """
    _require(accounts, ("customer_id", "revenue", "cost_to_serve", "acquisition_cost"), "accounts")
    margin = accounts["revenue"] - accounts["cost_to_serve"]
    if include_acquisition:
        margin = margin - accounts["acquisition_cost"].fillna(0.0)
    out = margin.groupby(accounts["customer_id"], sort=True).sum()
    out.name = "profit"
    return out


def profit_by_decile(profit: pd.Series | Sequence[float]) -> pd.DataFrame:
    """Customers ranked by profit, cut into ten equal groups (1 = most profitable).

    Columns ``decile``, ``customers``, ``profit`` (total), ``share`` (percent of total
    profit) and ``cumulative_share``. With loss-making customers the top deciles together
    earn more than 100 % of the profit and the cumulative share falls back at the end (a
    "whale curve"). Missing values are dropped.
    """
    v = np.sort(pd.Series(profit).dropna().to_numpy(dtype="float64"))[::-1]
    if v.size < 10:
        raise ValueError(f"need at least 10 customers for deciles; got {v.size}")
    decile = 1 + (np.arange(v.size) * 10) // v.size
    totals = np.bincount(decile - 1, weights=v, minlength=10)
    counts = np.bincount(decile - 1, minlength=10)
    whole = v.sum()
    share = 100.0 * totals / whole if whole != 0 else np.full(10, np.nan)
    return pd.DataFrame({
        "decile": np.arange(1, 11),
        "customers": counts,
        "profit": totals,
        "share": share,
        "cumulative_share": np.cumsum(share),
    })


def profit_chart(tenths: pd.DataFrame) -> alt.Chart:
    """Bars of :func:`profit_by_decile`: each tenth of customers' share of total profit,
    most profitable tenth first, labels upright."""
    _require(tenths, ("decile", "share"), "tenths")
    return alt.Chart(tenths).mark_bar().encode(
        alt.X("decile:O", title="tenth of customers, ranked by profit (1 = most profitable)",
              axis=alt.Axis(labelAngle=0)),
        alt.Y("share:Q", title="% of total profit"),
        tooltip=["decile", "customers", alt.Tooltip("share", format=".1f")],
    ).properties(
        title="Share of total profit by tenth of customers", width=420, height=220,
        description=(f"Bar chart of each tenth of customers' share of total profit: the most "
                     f"profitable tenth earns {tenths['share'].iloc[0]:.0f}% of all profit, the "
                     f"least profitable tenth {tenths['share'].iloc[-1]:.0f}%."),
    )


def clv_by_segment(accounts: pd.DataFrame, annual_discount_rate: float = 0.10) -> pd.DataFrame:
    """Gupta-Lehmann customer lifetime value per segment, from the account panel.

    Per segment: ``margin`` m = sum(revenue - cost_to_serve) / customer-months (monthly margin
    per customer), ``monthly_churn`` from :func:`churn_by` (percent), retention r = 1 -
    churn / 100, monthly discount rate i = (1 + annual_discount_rate)^(1/12) - 1 (the rate
    that compounds to the annual one), ``acquisition_cost`` AC = mean over the segment's
    customers, ``lifetime_months`` = 1 / churn (:func:`helpers.metrics.expected_lifetime`) and
    ``clv`` = m r / (1 + i - r) - AC (:func:`helpers.metrics.clv`; Gupta & Lehmann 2003).
    A segment with no churn in the window (a tiny sample) gets an infinite lifetime, and a
    NaN CLV when the discount rate is 0 (the value would be unbounded).
    """
    _require(accounts, (*_ACCOUNT_COLS, "segment", "revenue", "cost_to_serve", "acquisition_cost"), "accounts")
    if not 0 <= annual_discount_rate < 1:
        raise ValueError(f"annual_discount_rate must be a fraction in [0, 1) (10% -> 0.1); got {annual_discount_rate!r}")
    churn = churn_by(accounts, "segment")
    g = accounts.assign(_margin=accounts["revenue"] - accounts["cost_to_serve"]).groupby(
        "segment", observed=True, sort=True)
    out = pd.DataFrame({
        "customers": churn["customers"],
        "margin": g["_margin"].sum() / g.size(),
        "monthly_churn": churn["churn_rate"],
        "acquisition_cost": g["acquisition_cost"].mean(),
    })
    c = out["monthly_churn"].to_numpy() / 100.0
    i = (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0
    out["retention"] = 1.0 - c
    # zero churn (possible in a tiny sample) means an unbounded lifetime: inf, and a CLV only
    # when discounting keeps it finite (r < 1 + i); NaN where no churn rate exists at all
    lifetime = np.where(np.isnan(c), np.nan, np.inf)
    ok = c > 0
    if ok.any():
        lifetime[ok] = metrics.expected_lifetime(c[ok])
    out["lifetime_months"] = lifetime
    value = np.full(len(out), np.nan)
    finite = ~np.isnan(c) & (1.0 - c < 1.0 + i) & out["acquisition_cost"].notna().to_numpy()
    if finite.any():
        value[finite] = metrics.clv(out["margin"].to_numpy()[finite], 1.0 - c[finite], i,
                                    out["acquisition_cost"].to_numpy()[finite])
    out["clv"] = value
    out.index = out.index.astype(str)
    out.attrs["monthly_discount_rate"] = i
    return out


def simpson_table(accounts: pd.DataFrame, group: str = "segment", treatment: str = "plan") -> pd.DataFrame:
    """Monthly churn by ``treatment`` within each ``group`` and pooled over all groups.

    Long form with columns ``group``, ``treatment``, ``start`` (customer-months),
    ``lost``, ``churn_rate`` (:func:`churn_by`) and ``mix`` (percent of the treatment's
    customer-months that fall in this group); the pooled rows have group "All customers".
    Simpson's paradox (Bickel, Hammel & O'Connell 1975): a treatment can be better inside
    every group and worse pooled when the groups mix differently.
    """
    _require(accounts, (group, treatment), "accounts")
    within = churn_by(accounts, [group, treatment]).reset_index()
    within["mix"] = 100.0 * within["start"] / within.groupby(treatment, observed=True)["start"].transform("sum")
    pooled = churn_by(accounts, treatment).reset_index()
    pooled[group] = "All customers"
    pooled["mix"] = 100.0
    out = pd.concat([within, pooled], ignore_index=True)
    out = out.rename(columns={group: "group", treatment: "treatment"})
    out["group"] = out["group"].astype(str)
    out["treatment"] = out["treatment"].astype(str)
    return out[["group", "treatment", "start", "lost", "churn_rate", "mix"]]


def simpson_summary(table: pd.DataFrame) -> dict[str, Any]:
    """Which treatment has the lower churn in each group and pooled (from :func:`simpson_table`).

    Returns ``better_within`` ({group: treatment with the lower churn}), ``better_pooled``
    (the treatment with the lower pooled churn), ``reversed_groups`` (groups whose better
    treatment differs from the pooled one: the paradox shows there) and ``paradox`` (True
    when every group disagrees with the pooled comparison). Groups where a treatment has no
    churn rate (no customers at risk) are left out.
    """
    _require(table, ("group", "treatment", "churn_rate"), "table")
    wide = table.pivot(index="group", columns="treatment", values="churn_rate").dropna()
    if "All customers" not in wide.index:
        raise ValueError("the table has no pooled churn rate for every treatment")
    best = wide.idxmin(axis=1)
    pooled = str(best.pop("All customers"))
    within = {str(k): str(v) for k, v in best.items()}
    order = [g for g in table["group"].drop_duplicates() if g in within]
    reversed_groups = [g for g in order if within[g] != pooled]
    return {
        "better_within": {g: within[g] for g in order},
        "better_pooled": pooled,
        "reversed_groups": reversed_groups,
        "paradox": len(reversed_groups) == len(order) and len(order) > 0,
    }


def simpson_chart(table: pd.DataFrame) -> alt.HConcatChart:
    """Two panels: monthly churn of each treatment within each group and pooled (grouped
    bars), and each treatment's mix over the groups (stacked bars of ``mix``), which is what
    turns the comparison round when the groups are pooled."""
    _require(table, ("group", "treatment", "churn_rate", "mix"), "table")
    order = list(table["group"].drop_duplicates())
    summary = "; ".join(f"{g} {t}: {c:.2f}%" for g, t, c in zip(table["group"], table["treatment"], table["churn_rate"]))
    within = table.loc[table["group"] != "All customers"]
    mix = "; ".join(f"{t}: " + ", ".join(f"{g} {m:.0f}%" for g, m in zip(part["group"], part["mix"]))
                    for t, part in within.groupby("treatment", sort=True))
    churn = alt.Chart(table).mark_bar().encode(
        x=alt.X("group:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("treatment:N"),
        y=alt.Y("churn_rate:Q", title="monthly churn (%)"),
        color=alt.Color("treatment:N", title="plan"),
        tooltip=["group", "treatment", alt.Tooltip("churn_rate", format=".2f")],
    ).properties(title="Monthly churn by plan: within each segment and pooled", width=340, height=240)
    stacked = alt.Chart(within).mark_bar().encode(
        x=alt.X("treatment:N", title="plan", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("mix:Q", title="% of the plan's customer-months", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("group:N", title="segment", sort=order[:-1],
                        scale=alt.Scale(range=["#dadaeb", "#9e9ac8", "#54278f", "#3f007d", "#bcbddc"])),
        order=alt.Order("group_order:Q"),
        tooltip=["treatment", "group", alt.Tooltip("mix", format=".1f")],
    ).transform_calculate(
        group_order=f"indexof({order[:-1]!r}, datum.group)"
    ).properties(title="Who is on each plan (segment mix)", width=160, height=240)
    return alt.hconcat(churn, stacked).resolve_scale(color="independent").properties(
        description=("Left: grouped bars of monthly churn by plan within each segment and pooled. "
                     + summary + ". Right: each plan's customer-months by segment (stacked to 100%): "
                     + mix + "."))
