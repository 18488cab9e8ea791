"""Self-checks for notebook 04, outcomes over output.

Every expected answer is computed from the data the notebook loaded (any seed, size or data
folder). Each exercise asks about a slice the notebook does not print: the learner computes
the adoption ratio per week from the raw rows, the contacts avoided from a share of
adopters no cell has used, and the churn gaps of one segment.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import customer
from ..customer import JOURNEY_MOMENTS
from . import Case, CodeExercise, Exercise, ExerciseSet, Prediction, Reflection, frame, number

__all__ = ["exercises", "weekly_ratio", "avoided_from_share", "segment_gaps", "question_share", "SEGMENT"]

#: The segment of exercise 3.
SEGMENT = "SMB"
#: Shares of adopters exercise 2 may ask about, in order of preference.
_SHARES = (25.0, 35.0, 20.0, 15.0, 40.0, 5.0)

NEW, OLD = "used_new_self_service_path", "used_old_path"


# ----------------------------------------------------------------------------- q1


def weekly_ratio(usage: pd.DataFrame) -> pd.Series:
    """New-path users / old-path users per week, NaN where nobody used the old path."""
    users = usage.groupby("week")[[NEW, OLD]].sum()
    return users[NEW] / users[OLD].replace(0, np.nan)


def _upside_down(usage: pd.DataFrame) -> pd.Series:
    users = usage.groupby("week")[[NEW, OLD]].sum()
    return users[OLD] / users[NEW].replace(0, np.nan)


def _share_of_customers(usage: pd.DataFrame) -> pd.Series:
    return usage.groupby("week")[NEW].mean()


def _divide_by_zero(usage: pd.DataFrame) -> pd.Series:
    users = usage.groupby("week")[[NEW, OLD]].sum()
    return users[NEW] / users[OLD]


def _either_path(usage: pd.DataFrame) -> pd.Series:
    rows = usage.assign(either=(usage[NEW] + usage[OLD] > 0).astype("int64"))
    users = rows.groupby("week")[[NEW, "either"]].sum()
    return users[NEW] / users["either"].replace(0, np.nan)


def _rows(week: str, new: Sequence[int], old: Sequence[int]) -> pd.DataFrame:
    n = len(new)
    return pd.DataFrame({
        "week": [pd.Timestamp(week)] * n,
        "customer_id": [f"U{i:04d}" for i in range(1, n + 1)],
        OLD: list(old),
        NEW: list(new),
        "support_contacts": [0] * n,
        "tasks_completed": [1] * n,
    })


def _q1(usage: pd.DataFrame) -> CodeExercise:
    def cases() -> list[Case]:
        both = _rows("2024-03-04", new=[1, 1, 0, 0], old=[1, 0, 1, 1])
        shuffled = pd.concat([_rows("2024-03-11", new=[1, 1, 1], old=[0, 1, 0]),
                              _rows("2024-03-04", new=[0, 1, 0], old=[1, 1, 1])], ignore_index=True)
        no_old = pd.concat([_rows("2024-03-04", new=[1, 0], old=[1, 1]),
                            _rows("2024-03-11", new=[1, 1], old=[0, 0])], ignore_index=True)
        return [
            Case(args=(usage,), label="this run's usage rows"),
            Case(args=(both,), label="a customer on both paths in the same week",
                 why="a customer who used both paths counts once on each side of the ratio."),
            Case(args=(shuffled,), label="two weeks, rows not in week order",
                 why="group by the week column; the result has one value per week."),
            Case(args=(no_old,), label="a week in which nobody used the old path",
                 why="the ratio is undefined there: return NaN (for example divide by "
                     "old.replace(0, np.nan)), not infinity."),
        ]

    return CodeExercise(
        "q1",
        "Write weekly_ratio(usage): for each week, the customers who used the new path divided by "
        "the customers who used the old path, as a Series indexed by week (NaN for a week in "
        "which nobody used the old path).",
        reference=weekly_ratio,
        cases=cases,
        compare=frame(abs_tol=1e-9),
        mistakes=[
            ("the ratio upside down", _upside_down,
             "Seiden's ratio puts the new path on top: above 1 means the new path has more users."),
            ("the share of all customers on the new path", _share_of_customers,
             "divide by the customers who used the *old* path, not by every customer."),
            ("a division by zero left as infinity", _divide_by_zero,
             "where nobody used the old path the ratio is undefined: use .replace(0, np.nan) "
             "on the denominator."),
            ("new-path users over users of either path", _either_path,
             "that is the new path's share of users; the ratio compares the two paths' users."),
        ],
        hints=[
            "Each row is one customer in one week, with 0/1 flags. Summing a flag per week "
            "counts the customers who used that path.",
            "users = usage.groupby('week')[['used_new_self_service_path', 'used_old_path']].sum(), "
            "then divide one column by the other; turn a 0 denominator into NaN first.",
        ],
        solution_code=(
            "import numpy as np\n\n"
            "def weekly_ratio(usage):\n"
            "    users = usage.groupby('week')[['used_new_self_service_path', 'used_old_path']].sum()\n"
            "    return users['used_new_self_service_path'] / users['used_old_path'].replace(0, np.nan)\n"
            "\n# the helper: customer.weekly_adoption(usage)['adoption_ratio'] (one row per week)"
        ),
        why="a count of new-path users grows with the customer base; the ratio shows whether "
            "the new path replaces the old one.",
        explain="customer.weekly_adoption(usage) computes the same column, adoption_ratio, for "
                "the rest of the notebook.",
    )


# ----------------------------------------------------------------------------- q2


def question_share(weekly: pd.DataFrame, release: pd.Timestamp, shown: Sequence[float]) -> float:
    """A share of adopters (percent) that this run reaches after the release and the
    notebook does not use elsewhere (``shown``)."""
    top = float(weekly.loc[weekly["week"] >= release, "new_path_share"].max())
    used = {round(float(s), 6) for s in shown}
    for share in _SHARES:
        if share not in used and share <= top:
            return share
    return float(np.floor(top))


def avoided_from_share(weekly: pd.DataFrame, release: pd.Timestamp, share: float) -> float:
    """Contacts avoided (at the pre-release pooled rate) from the first week on or after the
    release in which at least ``share`` percent of customers used the new path, to the end."""
    pre = weekly[weekly["week"] < release]
    rate = pre["contacts"].sum() / pre["customers"].sum()
    post = weekly[weekly["week"] >= release]
    first = post.loc[post["new_path_share"] >= share, "week"].min()
    later = post[post["week"] >= first]
    return float((rate * later["customers"] - later["contacts"]).sum())


def _q2(weekly: pd.DataFrame, release: pd.Timestamp, shown: Sequence[float]) -> Exercise:
    share = question_share(weekly, release, shown)
    pre = weekly[weekly["week"] < release]
    rate = pre["contacts"].sum() / pre["customers"].sum()
    post = weekly[weekly["week"] >= release]
    first = post.loc[post["new_path_share"] >= share, "week"].min()

    def since_release() -> float:
        return float((rate * post["customers"] - post["contacts"]).sum())

    def one_week_late() -> float:
        later = post[post["week"] > first]
        return float((rate * later["customers"] - later["contacts"]).sum())

    def only_weeks_above() -> float:
        above = post[post["new_path_share"] >= share]
        return float((rate * above["customers"] - above["contacts"]).sum())

    def first_week_rate() -> float:
        first_rate = pre["contacts"].iloc[0] / pre["customers"].iloc[0]
        later = post[post["week"] >= first]
        return float((first_rate * later["customers"] - later["contacts"]).sum())

    return Exercise(
        "q2",
        f"From the first week in which at least {share:g}% of customers used the new path (the "
        f"weekly share, not smoothed) to the last week, how many support contacts were avoided "
        f"against the pre-release contact rate? Give one decimal.",
        expected=lambda: avoided_from_share(weekly, release, share),
        compare=number(abs_tol=0.05, decimals=1),
        mistakes=[
            ("every week since the release", since_release,
             f"start in the first week the share reached {share:g}%, not in the release week."),
            ("a start one week late", one_week_late,
             f"include the first week in which the share reached {share:g}% (>=, not >)."),
            ("only the weeks at or above the share", only_weeks_above,
             "once the share has been reached, count every later week, including a week that dips below."),
            ("a baseline from the first week only", first_week_rate,
             "one week is noisy: use the pooled rate of all weeks before the release."),
        ],
        hints=[
            f"Find the first week on or after the release with new_path_share >= {share:g} "
            "in weekly.",
            "The table post (section 4) has an avoided column per week: add it up from that week on.",
        ],
        solution_code=(
            f"first = weekly.loc[(weekly['week'] >= release) & (weekly['new_path_share'] >= {share:g}), 'week'].min()\n"
            "post.loc[post['week'] >= first, 'avoided'].sum()\n"
            "# the helper: avoided = customer.contacts_avoided(weekly, release); "
            "avoided.loc[avoided['week'] >= first, 'avoided'].sum()"
        ),
        why="the avoided contacts of a week are expected (baseline rate x customers) minus actual; "
            "a period's total adds the weeks up.",
        explain="It carries the same uncertainty as the total: the baseline rests on a few "
                "noisy pre-release weeks, and nothing but the calendar separates the release "
                "from other causes.",
    )


# ----------------------------------------------------------------------------- q3


def segment_gaps(journey: pd.DataFrame, segment: str, moments: Sequence[str] = JOURNEY_MOMENTS) -> pd.Series:
    """Churn if failed minus churn if passed (percentage points) per moment, in one segment."""
    rows = journey[journey["segment"].astype(str) == segment]
    gaps = {}
    for moment in moments:
        churn = rows.groupby(moment)["churned"].mean() * 100
        gaps[moment] = float(churn.get(0, np.nan) - churn.get(1, np.nan))
    return pd.Series(gaps, name="gap_points")


def _segment(journey: pd.DataFrame, overall: float) -> str:
    """SMB (then the other segments, largest first) unless its largest gap is within 0.2
    points of the whole company's, which a learner could not tell apart from not filtering."""
    counts = journey["segment"].astype(str).value_counts()
    order = [SEGMENT] * (SEGMENT in counts.index) + [s for s in counts.index if s != SEGMENT]
    for segment in order:
        largest = float(segment_gaps(journey, segment).max())
        if not np.isnan(largest) and abs(largest - overall) >= 0.2:
            return str(segment)
    return str(order[0])


def _q3(journey: pd.DataFrame) -> Exercise:
    segments = journey["segment"].astype(str)
    everyone = customer.moment_churn_risk(journey, include_satisfaction=False)
    segment = _segment(journey, float(everyone["gap_points"].max()))
    gaps = segment_gaps(journey, segment)
    ratios = customer.moment_churn_risk(journey[segments == segment], include_satisfaction=False)

    return Exercise(
        "q3",
        f"Among {segment} customers only: for each of the five moments, take churn among "
        f"customers who failed it minus churn among those who passed it, in percentage points. "
        f"What is the largest of these gaps? Give one decimal.",
        expected=lambda: float(gaps.max()),
        compare=number(abs_tol=0.05, decimals=1, unit="points"),
        mistakes=[
            ("the largest gap of all customers", lambda: float(everyone["gap_points"].max()),
             f"filter the rows to segment == '{segment}' before grouping."),
            ("passed minus failed", lambda: float((-gaps).max()),
             "the gap is churn if failed minus churn if passed (positive when failing hurts)."),
            ("the strongest risk ratio of all customers", lambda: float(everyone["risk_ratio"].max()),
             f"that is a ratio, and for all customers: filter to segment == '{segment}', then take "
             "churn if failed minus churn if passed, in points."),
            ("the largest risk ratio", lambda: float(ratios["risk_ratio"].max()),
             "the question asks for a difference in percentage points (failed minus passed), "
             "not a ratio (failed divided by passed)."),
            ("the gap as a fraction", lambda: float(gaps.max() / 100),
             "multiply by 100: the gap is in percentage points."),
        ],
        hints=[
            f"seg = journey[journey['segment'] == '{segment}']; then, for one moment, "
            "seg.groupby('first_value_within_14d')['churned'].mean() * 100 gives churn if failed (0) "
            "and if passed (1).",
            "Do that for each of the five moment columns (a loop or a dict comprehension), take "
            "failed minus passed, and the maximum.",
        ],
        solution_code=(
            f"seg = journey[journey['segment'] == '{segment}']\n"
            "moments = ['onboarding_complete', 'first_value_within_14d', 'first_support_case_resolved',\n"
            "           'admin_trained', 'renewal_review_held']\n"
            "gaps = {m: (seg.groupby(m)['churned'].mean() * 100).pipe(lambda c: c[0] - c[1]) for m in moments}\n"
            "max(gaps.values())\n"
            "# the helper: customer.moment_churn_risk(seg)['gap_points'].max()"
        ),
        why="a gap in points says how many more customers in 100 leave when the moment fails; "
            "a segment can rank its moments differently from the company as a whole.",
        explain="Compare it with the whole company's table: the same moment usually leads, "
                "but the size of the gap differs by segment.",
    )


# ----------------------------------------------------------------------------- p1, r1, r2


def _p1(journey: pd.DataFrame) -> Prediction:
    ratios = customer.moment_churn_risk(journey).set_index("moment")
    return Prediction(
        "p1",
        "Customers who did not rate onboarding 4 or 5: how many times as often do they churn as "
        "customers who did? (1 = just as often, 2 = twice as often)",
        actual=lambda: float(ratios.loc[customer.SATISFACTION_ROW, "risk_ratio"]),
        unit="",
        decimals=2,
        note="Compare it with the risk ratio of the strongest behavioural moment in the table.",
    )


R1 = Reflection(
    "r1",
    "Write an outcome statement for the self-service path: which customers do what "
    "differently, how you will observe it each week, and which business result it should "
    "move. Add the sign that would tell you that you were wrong.",
    """
Customers with a billing or account question solve it themselves on the new self-service
path instead of opening a support contact. We observe it weekly as the ratio of customers on
the new path to customers on the old path, and as the share of new-path users who complete
their task without contacting us within 7 days. If we are right, support contacts per 100
customers fall by a fifth within a quarter of the release, while effort (CES) and repeat
contacts do not get worse. We are wrong if adoption rises but contacts do not fall, or if
customers come back through another channel: then the path moves the work instead of
removing it.
""",
)

R2 = Reflection(
    "r2",
    "Management now sets a target: adoption ratio above 2 next quarter. Name two ways the "
    "target could be hit without customers being better off, and the counter-metric that would "
    "catch each (see notebooks 01 and 03).",
    """
1. Switch off or hide the old path (no phone number on the help page, forced redirects):
   the ratio jumps because customers have no choice. Catch it with repeat contacts within
   7 days, complaints, and CES or task completion on the new path.
2. Count shallow use as adoption (a page view or an automatic redirect counts as "used the
   new path"). Catch it by defining adoption as a completed task and by watching support
   contacts per customer, the impact the ratio is supposed to lead.
Pairing a driver with a guardrail is the same idea as the counter-metrics of notebook 03;
the target itself invites the Goodhart and Campbell effects of notebook 01.
""",
)


def exercises(usage: pd.DataFrame, release_log: pd.DataFrame, journey: pd.DataFrame,
              shares_shown: Sequence[float] = (30.0, 10.0)) -> ExerciseSet:
    """The exercises of notebook 04, computed from the notebook's own data.

    q1 (code): the adoption ratio per week from the raw usage rows; q2: contacts avoided
    from the week a share of adopters the notebook has not used (``shares_shown`` are the
    ones it has: the adoption threshold and the outcome share) was first reached; q3: the
    largest churn gap, in points, of one segment; p1: the churn risk ratio of onboarding
    satisfaction; r1: an outcome statement; r2: gaming the adoption target.
    """
    weekly = customer.weekly_adoption(usage)
    release = customer.release_week(release_log)
    return ExerciseSet(_q1(usage), _q2(weekly, release, shares_shown), _q3(journey), _p1(journey),
                       R1, R2, notebook="04")
