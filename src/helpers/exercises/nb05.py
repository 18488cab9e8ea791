"""Self-checks for notebook 05, customer metrics.

Every expected answer is computed from the data the notebook loaded (any seed, size or data
folder). The learner writes ``top_two_box`` and ``nps`` as functions (checked on this run's
answers and on edge cases), then computes slices the notebook does not print: a month's
retention from S, N and E, one segment's 12-month retention, median profit and CSAT of
unresolved cases, a CLV sensitivity and a mix-standardised churn.
"""

from __future__ import annotations

import pandas as pd

from .. import customer, metrics
from . import Case, CodeExercise, Exercise, ExerciseSet, Prediction, Reflection, number

__all__ = ["exercises", "top_two_box", "nps", "month_retention", "question_month", "standardised_churn"]

#: Segments the exercises ask about (each falls back to the largest segment when absent).
RETENTION_SEGMENT = "SMB"
PROFIT_SEGMENT = "Mid-market"
CLV_SEGMENT = "Enterprise"
CSAT_SEGMENT = "SMB"
#: How far churn rises in the CLV sensitivity exercise, in percentage points.
CHURN_RISE = 0.5


def _pick(values: pd.Series, wanted: str) -> str:
    present = values.astype(str).value_counts()
    return wanted if wanted in present.index else str(present.index[0])


# ----------------------------------------------------------------------------- q1, q2 (code)


def top_two_box(scores: pd.Series, scale: int = 5) -> float:
    """Percent of the answers in the top two boxes (scale - 1 or scale), missing answers dropped."""
    answered = pd.Series(scores, dtype="float64").dropna()
    return 100 * float((answered >= scale - 1).mean())


def _t2b_mean(scores: pd.Series, scale: int = 5) -> float:
    return float(pd.Series(scores, dtype="float64").mean())


def _t2b_fives(scores: pd.Series, scale: int = 5) -> float:
    s = pd.Series(scores, dtype="float64").dropna()
    return 100 * float((s == scale).mean())


def _t2b_missing_counted(scores: pd.Series, scale: int = 5) -> float:
    s = pd.Series(scores, dtype="float64")
    return 100 * float((s >= scale - 1).sum()) / len(s)


def _t2b_fixed_four(scores: pd.Series, scale: int = 5) -> float:
    s = pd.Series(scores, dtype="float64").dropna()
    return 100 * float((s >= 4).mean())


def _t2b_fraction(scores: pd.Series, scale: int = 5) -> float:
    return top_two_box(scores, scale) / 100


def _q1(respondents: pd.DataFrame) -> CodeExercise:
    def cases() -> list[Case]:
        return [
            Case(args=(respondents["csat"],), label="this run's CSAT answers"),
            Case(args=(pd.Series([5, None, 4, 2, None]),), label="missing answers",
                 why="a missing answer is not an unhappy one: drop it before taking the share."),
            Case(args=(pd.Series([7, 6, 5, 4, 1]),), kwargs={"scale": 7}, label="a 7-point scale",
                 why="on a 1-7 scale the top two boxes are 6 and 7: use scale - 1."),
            Case(args=(pd.Series([3, 3, 2]),), label="nobody satisfied",
                 why="no answer of 4 or 5 gives 0%."),
        ]

    return CodeExercise(
        "q1",
        "Write top_two_box(scores, scale=5): the percent of answers in the top two boxes of a "
        "1-to-scale question (4 or 5 on a 5-point scale), ignoring missing answers.",
        reference=top_two_box,
        cases=cases,
        compare=number(abs_tol=1e-6, decimals=4, unit="percent"),
        mistakes=[
            ("the mean score", _t2b_mean, "CSAT counts the answers in the top two boxes; it is not the average rating."),
            ("only the top box", _t2b_fives, "the top *two* boxes: 4 and 5 on a 5-point scale."),
            ("missing answers counted as not satisfied", _t2b_missing_counted,
             "drop missing answers first (scores.dropna()): the share is of those who answered."),
            ("4 and 5 on every scale", _t2b_fixed_four, "use the scale: the top two boxes are scale - 1 and scale."),
            ("a fraction instead of a percent", _t2b_fraction, "multiply by 100."),
        ],
        hints=[
            "answered = scores.dropna() keeps the answers; (answered >= scale - 1) marks the top two boxes.",
            "The mean of a True/False Series is the share of True: 100 * (answered >= scale - 1).mean().",
        ],
        solution_code=(
            "def top_two_box(scores, scale=5):\n"
            "    answered = pd.Series(scores).dropna()\n"
            "    return 100 * (answered >= scale - 1).mean()\n"
            "\n# the helper: metrics.csat(scores) (5-point scale)"
        ),
        why="a share of satisfied answers keeps the unhappy tail visible, where a mean hides it.",
    )


def nps(scores: pd.Series) -> float:
    """Percent promoters (9-10) minus percent detractors (0-6), missing answers dropped."""
    answered = pd.Series(scores, dtype="float64").dropna()
    return 100 * float((answered >= 9).mean() - (answered <= 6).mean())


def _nps_from_8(scores: pd.Series) -> float:
    s = pd.Series(scores, dtype="float64").dropna()
    return 100 * float((s >= 8).mean() - (s <= 6).mean())


def _nps_detractors_to_7(scores: pd.Series) -> float:
    s = pd.Series(scores, dtype="float64").dropna()
    return 100 * float((s >= 9).mean() - (s <= 7).mean())


def _nps_strict(scores: pd.Series) -> float:
    s = pd.Series(scores, dtype="float64").dropna()
    return 100 * float((s > 9).mean() - (s < 6).mean())


def _nps_missing_counted(scores: pd.Series) -> float:
    s = pd.Series(scores, dtype="float64")
    return 100 * float((s >= 9).sum() - (s <= 6).sum()) / len(s)


def _nps_fraction(scores: pd.Series) -> float:
    return nps(scores) / 100


def _nps_promoters(scores: pd.Series) -> float:
    s = pd.Series(scores, dtype="float64").dropna()
    return 100 * float((s >= 9).mean())


def _q2(respondents: pd.DataFrame) -> CodeExercise:
    def cases() -> list[Case]:
        return [
            Case(args=(respondents["nps"],), label="this run's NPS answers"),
            Case(args=(pd.Series([10, 9, None, 3, None]),), label="missing answers",
                 why="only customers who answered count: drop missing answers first."),
            Case(args=(pd.Series([7, 8, 8, 7]),), label="all passives",
                 why="no promoters and no detractors: the NPS is 0."),
            Case(args=(pd.Series([0, 6, 5]),), label="only detractors", why="the lowest NPS is -100."),
        ]

    return CodeExercise(
        "q2",
        "Write nps(scores): percent of promoters (9-10) minus percent of detractors (0-6) among "
        "the answers to the 0-10 question, ignoring missing answers.",
        reference=nps,
        cases=cases,
        compare=number(abs_tol=1e-6, decimals=4, unit="points"),
        mistakes=[
            ("promoters counted from 8", _nps_from_8, "promoters answer 9 or 10; 7 and 8 are passives."),
            ("detractors counted up to 7", _nps_detractors_to_7, "detractors answer 0 to 6; 7 is a passive."),
            ("strict comparisons (> 9, < 6)", _nps_strict,
             "a 9 is a promoter and a 6 a detractor: use >= 9 and <= 6."),
            ("missing answers in the denominator", _nps_missing_counted,
             "a customer who did not answer is not a passive: drop missing answers first."),
            ("a fraction instead of points", _nps_fraction, "NPS runs from -100 to 100: multiply by 100."),
            ("the percent of promoters only", _nps_promoters, "subtract the percent of detractors."),
        ],
        hints=[
            "answered = scores.dropna(); promoters are answered >= 9, detractors answered <= 6.",
            "100 * ((answered >= 9).mean() - (answered <= 6).mean())",
        ],
        solution_code=(
            "def nps(scores):\n"
            "    answered = pd.Series(scores).dropna()\n"
            "    return 100 * ((answered >= 9).mean() - (answered <= 6).mean())\n"
            "\n# the helper: metrics.nps(scores), with metrics.nps_breakdown for the three shares"
        ),
        why="NPS is a difference of two shares of the same answers; passives count in the "
            "denominator but in neither share.",
    )


# ----------------------------------------------------------------------------- q3, q4 (retention)


def question_month(accounts: pd.DataFrame) -> str:
    """The month exercise 3 asks about: the second of the data (the notebook shows the last
    three), or the first when the data has fewer than five months."""
    months = sorted(accounts["month"].astype(str).unique())
    return months[1] if len(months) >= 5 else months[0]


def month_retention(accounts: pd.DataFrame, month: str) -> float:
    """(E - N) / S x 100 for one month of the account rows."""
    rows = accounts[accounts["month"].astype(str) == month]
    start = int((rows["new_this_month"] == 0).sum())
    new = int(rows["new_this_month"].sum())
    end = int(rows["active"].sum())
    return 100 * (end - new) / start


def _q3(accounts: pd.DataFrame) -> Exercise:
    month = question_month(accounts)
    rows = accounts[accounts["month"].astype(str) == month]
    s = int((rows["new_this_month"] == 0).sum())
    n = int(rows["new_this_month"].sum())
    e = int(rows["active"].sum())
    lost = int(rows["churned_this_month"].sum())
    return Exercise(
        "q3",
        f"From the account rows of {month}, find S, N and E, and compute that month's customer "
        f"retention rate (E - N) / S in percent, with two decimals.",
        expected=lambda: month_retention(accounts, month),
        compare=number(abs_tol=0.005, decimals=2, unit="percent"),
        mistakes=[
            ("E / S (new customers left in)", lambda: 100 * e / s,
             "take the new customers out of the end count: (E - N) / S."),
            ("the churn rate", lambda: 100 * lost / s, "that is churn; retention is (E - N) / S = 100 - churn."),
            ("every row of the month counted in S", lambda: 100 * (e - n) / len(rows),
             "S counts the customers at the start of the month (rows with new_this_month == 0); "
             "a new customer's row is not one of them."),
        ],
        hints=[
            f"rows = accounts[accounts['month'] == '{month}']: S = rows with new_this_month == 0, "
            "N = rows['new_this_month'].sum(), E = rows['active'].sum().",
            "100 * (E - N) / S",
        ],
        solution_code=(
            f"rows = accounts[accounts['month'] == '{month}']\n"
            "S = (rows['new_this_month'] == 0).sum()\n"
            "N = rows['new_this_month'].sum()\n"
            "E = rows['active'].sum()\n"
            "100 * (E - N) / S\n"
            f"# the helper: customer.monthly_customers(accounts) has a row for {month}"
        ),
        why="new customers are taken out of the end count so the rate covers only customers "
            "who were there at the start.",
    )


def _q4(accounts: pd.DataFrame) -> Exercise:
    segment = _pick(accounts["segment"], RETENTION_SEGMENT)
    rows = accounts[accounts["segment"].astype(str) == segment]
    start = int((rows["new_this_month"] == 0).sum())
    lost = int(rows["churned_this_month"].sum())
    c = lost / start
    c_all = float(customer.churn_by(accounts)["churn_rate"].iloc[0]) / 100
    return Exercise(
        "q4",
        f"{segment} customers only: take their monthly churn pooled over the window (customers "
        f"lost / customer-months at the start, as above). If it stayed constant, what percent of "
        f"today's {segment} customers would still be customers after 12 months? Two decimals.",
        expected=lambda: 100 * (1 - c) ** 12,
        compare=number(abs_tol=0.005, decimals=2, unit="percent"),
        mistakes=[
            ("1 - 12 x monthly churn", lambda: 100 * (1 - 12 * c),
             "each month's churn applies only to the customers still there: compound, (1 - c) ** 12."),
            ("the churn of all segments", lambda: 100 * (1 - c_all) ** 12,
             f"filter the rows to segment == '{segment}' first."),
            ("one month's retention", lambda: 100 * (1 - c),
             "that is one month; raise it to the 12th power for a year."),
            ("new customers in the denominator", lambda: 100 * (1 - lost / len(rows)) ** 12,
             "churn divides by customers at the start of each month (rows with new_this_month == 0)."),
        ],
        hints=[
            f"seg = accounts[accounts['segment'] == '{segment}']; c = seg['churned_this_month'].sum() "
            "/ (seg['new_this_month'] == 0).sum().",
            "100 * (1 - c) ** 12",
        ],
        solution_code=(
            f"seg = accounts[accounts['segment'] == '{segment}']\n"
            "c = seg['churned_this_month'].sum() / (seg['new_this_month'] == 0).sum()\n"
            "100 * (1 - c) ** 12\n"
            f"# the helper: 100 * metrics.annual_retention(customer.churn_by(accounts, 'segment')"
            f".loc['{segment}', 'churn_rate'] / 100)"
        ),
        why="retention multiplies month after month; subtracting 12 monthly churns removes "
            "customers who had already gone.",
    )


# ----------------------------------------------------------------------------- q5, q6 (profit, CLV)


def _q5(accounts: pd.DataFrame) -> Exercise:
    segment = _pick(accounts["segment"], PROFIT_SEGMENT)
    rows = accounts[accounts["segment"].astype(str) == segment]
    profit = customer.customer_profit(rows)
    net = customer.customer_profit(rows, include_acquisition=True)
    return Exercise(
        "q5",
        f"What is the median profit per {segment} customer over the window (the sum of revenue "
        f"minus cost to serve over each customer's months)? Two decimals.",
        expected=lambda: float(profit.median()),
        compare=number(abs_tol=0.01, decimals=2),
        mistakes=[
            ("the mean", lambda: float(profit.mean()),
             "a few large accounts pull the mean up; the median is the middle customer."),
            ("the median of all customers", lambda: float(customer.customer_profit(accounts).median()),
             f"filter the rows to segment == '{segment}' first."),
            ("the median net of acquisition cost", lambda: float(net.median()),
             "here profit is revenue minus cost to serve; acquisition cost comes in with CLV."),
            ("the median of monthly rows", lambda: float((rows["revenue"] - rows["cost_to_serve"]).median()),
             "add up each customer's months first (groupby customer_id), then take the median."),
        ],
        hints=[
            f"seg = accounts[accounts['segment'] == '{segment}']; profit per row is revenue - cost_to_serve.",
            "Sum it per customer with .groupby(seg['customer_id']).sum(), then .median().",
        ],
        solution_code=(
            f"seg = accounts[accounts['segment'] == '{segment}']\n"
            "(seg['revenue'] - seg['cost_to_serve']).groupby(seg['customer_id']).sum().median()\n"
            f"# the helper: customer.customer_profit(seg).median()"
        ),
        why="profit per customer is skewed, so the median says what a typical customer earns.",
    )


def _q6(accounts: pd.DataFrame, annual_discount_rate: float) -> Exercise:
    table = customer.clv_by_segment(accounts, annual_discount_rate)
    segment = _pick(pd.Series(table.index), CLV_SEGMENT)
    row = table.loc[segment]
    m, ac = float(row["margin"]), float(row["acquisition_cost"])
    c = float(row["monthly_churn"]) / 100
    i = float(table.attrs["monthly_discount_rate"])

    def clv(churn: float, rate: float = i) -> float:
        return float(metrics.clv(m, 1 - churn, rate, ac))

    c2 = c + CHURN_RISE / 100
    fall = clv(c) - clv(c2)
    shown_c = round(100 * c, 2) / 100  # the churn as the table shows it (two decimals of a percent)
    rounded = clv(shown_c) - clv(shown_c + CHURN_RISE / 100)
    rounding = ([("the churn rounded as displayed", lambda: rounded,
                  f"use the unrounded churn (clv.loc['{segment}', 'monthly_churn']): rounding it to "
                  f"{100 * shown_c:.2f}% moves the answer by {abs(rounded - fall):,.0f}.")]
                if abs(rounded - fall) > 1.0 else [])
    return Exercise(
        "q6",
        f"{segment} monthly churn is {100 * c:.2f}% in the clv table. By how much would {segment} "
        f"CLV fall (in currency units) if monthly churn were {CHURN_RISE} percentage points higher, "
        f"margin, acquisition cost and discount rate unchanged? Use the unrounded values in the "
        f"clv table; answer to the nearest unit.",
        expected=lambda: fall,
        compare=number(abs_tol=1.0, decimals=0),
        mistakes=[
            ("the fall as a negative number", lambda: -fall,
             "the question asks how much CLV falls: give it as a positive amount (CLV now minus "
             "CLV at the higher churn)."),
            ("the yearly discount rate used as a monthly one",
             lambda: clv(c, annual_discount_rate) - clv(c2, annual_discount_rate),
             "m, r and i must all be per month: use the monthly rate (clv.attrs['monthly_discount_rate'])."),
            ("the CLV at the higher churn, not the fall", lambda: clv(c2),
             "the question asks how much it falls: CLV now minus CLV at the higher churn."),
            ("a fall in percent", lambda: 100 * (clv(c) - clv(c2)) / clv(c),
             "give the fall in currency units, not as a percent of the CLV."),
            ("churn raised by 0.5 percent of itself", lambda: clv(c) - clv(c * (1 + CHURN_RISE / 100)),
             f"percentage points add: the new churn is {100 * c:.2f}% + {CHURN_RISE} = {100 * c2:.2f}%, "
             f"not {100 * c:.2f}% x {1 + CHURN_RISE / 100:g}."),
            *rounding,
        ],
        hints=[
            f"row = clv.loc['{segment}']; m = row['margin'], c = row['monthly_churn'] / 100, "
            "AC = row['acquisition_cost'], i = clv.attrs['monthly_discount_rate'].",
            "CLV(c) = m * (1 - c) / (1 + i - (1 - c)) - AC; compute it at c and at c + 0.005, subtract.",
        ],
        solution_code=(
            f"row = clv.loc['{segment}']\n"
            "m, ac, i = row['margin'], row['acquisition_cost'], clv.attrs['monthly_discount_rate']\n"
            "def clv_at(c):\n"
            "    r = 1 - c\n"
            "    return m * r / (1 + i - r) - ac\n"
            f"clv_at(row['monthly_churn'] / 100) - clv_at(row['monthly_churn'] / 100 + {CHURN_RISE / 100})\n"
            "# the helper: metrics.clv(m, r, i, ac)"
        ),
        why="with retention near 1 the denominator i + c is small, so a small rise in churn "
            "cuts CLV by a large share.",
    )


# ----------------------------------------------------------------------------- q7, q8


def standardised_churn(table: pd.DataFrame, treatment: str, mix_of: str) -> float:
    """``treatment``'s churn if it had ``mix_of``'s segment mix: sum of mix x churn / 100."""
    within = table[table["group"] != "All customers"]
    rates = within[within["treatment"] == treatment].set_index("group")["churn_rate"]
    mix = within[within["treatment"] == mix_of].set_index("group")["mix"]
    return float((rates * mix).sum() / 100)


def _q7(accounts: pd.DataFrame) -> Exercise:
    table = customer.simpson_table(accounts, "segment", "plan")
    summary = customer.simpson_summary(table)
    pooled_better = summary["better_pooled"]
    plans = sorted(table["treatment"].unique())
    worse = [p for p in plans if p != pooled_better][0] if len(plans) > 1 else plans[0]
    within = table[table["group"] != "All customers"]
    pooled = table[table["group"] == "All customers"].set_index("treatment")["churn_rate"]
    expected = standardised_churn(table, worse, pooled_better)
    # the printed table shows churn with two decimals and the mix with one
    shown = table.assign(churn_rate=table["churn_rate"].round(2), mix=table["mix"].round(1))
    from_print = standardised_churn(shown, worse, pooled_better)
    rounding = ([("computed from the printed (rounded) rates and mix", lambda: from_print,
                  "the right idea, but the printed rates and mix are rounded: take churn_rate and mix "
                  "from the simpson table itself.")]
                if abs(from_print - expected) > 0.0005 else [])
    return Exercise(
        "q7",
        f"Standardise the comparison: what would the pooled monthly churn of the {worse} plan be "
        f"if its customers had the same segment mix as the {pooled_better} plan (each segment's "
        f"{worse} churn weighted by the {pooled_better} rows' mix column)? In percent, three decimals.",
        expected=lambda: expected,
        compare=number(abs_tol=0.0005, decimals=3, unit="percent"),
        mistakes=[
            (f"the {worse} plan's own pooled churn", lambda: float(pooled[worse]),
             f"that uses the {worse} plan's own mix; weight by the {pooled_better} plan's mix instead."),
            ("the plain mean of the segment rates",
             lambda: float(within.loc[within["treatment"] == worse, "churn_rate"].mean()),
             f"weight each segment by its share of the {pooled_better} plan's customer-months (mix / 100)."),
            (f"the {pooled_better} plan's pooled churn", lambda: float(pooled[pooled_better]),
             f"keep the {worse} plan's churn rates; borrow only the {pooled_better} plan's mix."),
            *rounding,
        ],
        hints=[
            f"In simpson, take the {worse} rows' churn_rate and the {pooled_better} rows' mix, "
            "both indexed by group (segment).",
            "Multiply them segment by segment, add up, divide by 100.",
        ],
        solution_code=(
            "within = simpson[simpson['group'] != 'All customers']\n"
            f"rates = within[within['treatment'] == '{worse}'].set_index('group')['churn_rate']\n"
            f"mix = within[within['treatment'] == '{pooled_better}'].set_index('group')['mix']\n"
            "(rates * mix).sum() / 100"
        ),
        why="comparing two groups with the same mix (direct standardisation) removes the mix "
            "effect that produces Simpson's paradox.",
    )


def _q8(survey: pd.DataFrame) -> Exercise:
    segment = _pick(survey["segment"], CSAT_SEGMENT)
    seg = survey[survey["segment"].astype(str) == segment]
    unresolved = seg.loc[seg["resolved_case"] == 0, "csat"].dropna()
    return Exercise(
        "q8",
        f"What is the CSAT (top-two-box, percent) of {segment} customers whose last support case "
        f"was not resolved? Two decimals.",
        expected=lambda: metrics.csat(unresolved),
        compare=number(abs_tol=0.005, decimals=2, unit="percent"),
        mistakes=[
            (f"all {segment} answers", lambda: metrics.csat(seg["csat"]),
             "keep only the rows with resolved_case == 0."),
            (f"{segment} resolved cases", lambda: metrics.csat(seg.loc[seg["resolved_case"] == 1, "csat"]),
             "resolved_case == 0 marks the unresolved cases."),
            ("unresolved cases of all segments",
             lambda: metrics.csat(survey.loc[survey["resolved_case"] == 0, "csat"]),
             f"filter to segment == '{segment}' as well."),
            ("the mean score", lambda: float(unresolved.astype("float64").mean()),
             "CSAT is the percent of answers that are 4 or 5."),
            ("everyone invited in the denominator",
             lambda: 100 * float((unresolved >= 4).sum()) / int((seg["resolved_case"] == 0).sum()),
             "only customers who answered the CSAT question count."),
        ],
        hints=[
            f"rows = survey[(survey['segment'] == '{segment}') & (survey['resolved_case'] == 0)]",
            "top_two_box(rows['csat']) from exercise 1, or metrics.csat(rows['csat']).",
        ],
        solution_code=(
            f"rows = survey[(survey['segment'] == '{segment}') & (survey['resolved_case'] == 0)]\n"
            "answered = rows['csat'].dropna()\n"
            "100 * (answered >= 4).mean()\n"
            "# the helper: metrics.csat(rows['csat'])"
        ),
        why="the customers a resolved-only survey leaves out are the ones whose experience "
            "the score should warn about.",
        explain=_small_sample_note(unresolved),
    )


def _small_sample_note(answers: pd.Series) -> str:
    """How many answers a CSAT rests on, with its exact 95 % interval."""
    n = len(answers)
    if n == 0:
        return "No customer in this slice answered the CSAT question."
    k = int((answers >= 4).sum())
    low, high = customer.exact_interval(k, n)
    return (f"It rests on only {n} answers ({k} of them 4 or 5): its exact 95% interval runs from "
            f"{low:.1f}% to {high:.1f}%, so read it as a warning sign, not a precise level.")


# ----------------------------------------------------------------------------- p1, r1, r2


def _p1(respondents: pd.DataFrame, small_survey: int) -> Prediction:
    def actual() -> float:
        table = customer.nps_noise_table(respondents["nps"], sizes=(small_survey,))
        return float(table["share_off_by_10"].iloc[0])

    return Prediction(
        "p1",
        f"Of many surveys of {small_survey} answers each, drawn from these respondents, what "
        f"percent will land more than 10 points away from the NPS of all respondents?",
        actual=actual,
        unit="%",
        decimals=0,
        note="Nothing about the customers changed between those surveys: only who happened to answer.",
    )


R1 = Reflection(
    "r1",
    "Some agents ask customers to \"rate me 9 or 10\". Their NPS is high. What would you do "
    "with their scores, and what would you measure instead of (or next to) NPS for them?",
    """
Report NPS without the coached answers (or flag them), because the score no longer tells you
how the customer feels: the coached customers are no more satisfied than anyone else. Then
take the pressure off: do not pay or rank agents on their own NPS (that is what invited the
coaching, notebook 01). For agents, use measures they control and that customers feel:
first-contact resolution, repeat contacts within 7 days, and CES after the contact, read as
team trends for coaching, not as a league table (notebook 02). Check behaviour too: churn of
the customers each agent served, all of them, not only those who answered.
""",
)

R2 = Reflection(
    "r2",
    "Pick one metric from this notebook for a team dashboard. How could it be gamed, and which "
    "counter-metric would you put next to it (notebook 03)?",
    """
Example: CSAT after support contacts. It can be gamed by surveying only resolved cases, by
coaching customers, or by making unhappy customers less likely to answer. Next to it: the
response rate and the share of contacts surveyed (coverage), repeat contacts within 7 days
(failure demand), and churn of the customers surveyed, so a rising CSAT has to be matched by
customers who actually stay. Other good pairs: NPS with its confidence interval and response
rate; retention with new-customer quality (early churn of new cohorts); average profit with
the median and the share of unprofitable customers.
""",
)


def exercises(survey: pd.DataFrame, accounts: pd.DataFrame, annual_discount_rate: float = 0.10,
              small_survey: int = 50) -> ExerciseSet:
    """The exercises of notebook 05, computed from the notebook's own data and parameters.

    q1, q2 (code): top_two_box and nps; q3: one month's retention from S, N and E; q4: one
    segment's 12-month retention; q5: one segment's median profit; q6: CLV sensitivity to
    churn; q7: mix-standardised churn (Simpson's paradox); q8: CSAT of one segment's
    unresolved cases; p1: how often a small survey misses; r1, r2: reflections.
    """
    respondents = survey[survey["responded"] == 1]
    return ExerciseSet(
        _q1(respondents), _q2(respondents), _q3(accounts), _q4(accounts), _q5(accounts),
        _q6(accounts, annual_discount_rate), _q7(accounts), _q8(survey), _p1(respondents, small_survey),
        R1, R2, notebook="05",
    )

