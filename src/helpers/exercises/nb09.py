"""Self-checks for notebook 09 (capstone: the learner's own scorecard, change against noise).

* ``q1`` - the learner's design passes the design check and is their own (not the default);
* ``q2`` - code: the change of a rate between two periods and its standard error;
* ``q3`` - a metric whose change looks large but is noise: its change in standard errors;
* ``p1`` - prediction: in how many honest redraws does some metric on the card move beyond noise;
* ``r1``, ``r2`` - reflections.

Every expected value is computed from the run's data and the learner's design.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import scorecard
from . import Case, CodeExercise, Exercise, ExerciseSet, Feedback, Mismatch, Prediction, Reflection, number
from .feedback import NOT_ATTEMPTED, ____


class ChangeSE:
    """A (change, standard error) pair that prints in that order: ``(+5.62 pp, 1.61 pp)``."""

    def __init__(self, change: float, se: float) -> None:
        self.values = (float(change), float(se))

    def __iter__(self) -> Any:
        return iter(self.values)

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> float:
        return self.values[i]

    def __repr__(self) -> str:
        return f"({self.values[0]:+.2f} pp, {self.values[1]:.2f} pp)"


def reference_change_and_se(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    """The change of a rate in percentage points, current minus previous, and its standard
    error: ``sqrt(se_prev**2 + se_cur**2)`` with ``se = 100 * sqrt(p (1 - p) / n)``."""
    p0, p1 = x_prev / n_prev, x_cur / n_cur
    se0 = 100 * math.sqrt(p0 * (1 - p0) / n_prev)
    se1 = 100 * math.sqrt(p1 * (1 - p1) / n_cur)
    return 100 * (p1 - p0), math.sqrt(se0 ** 2 + se1 ** 2)


def _relative_instead(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    p0, p1 = x_prev / n_prev, x_cur / n_cur
    return 100 * (p1 - p0) / p0 if p0 else float("nan"), reference_change_and_se(x_prev, n_prev, x_cur, n_cur)[1]


def _ses_added(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    p0, p1 = x_prev / n_prev, x_cur / n_cur
    se0 = 100 * math.sqrt(p0 * (1 - p0) / n_prev)
    se1 = 100 * math.sqrt(p1 * (1 - p1) / n_cur)
    return 100 * (p1 - p0), se0 + se1


def _current_se_only(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    p0, p1 = x_prev / n_prev, x_cur / n_cur
    return 100 * (p1 - p0), 100 * math.sqrt(p1 * (1 - p1) / n_cur)


def _fractions(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    change, se = reference_change_and_se(x_prev, n_prev, x_cur, n_cur)
    return change / 100, se / 100


def _no_sqrt(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    p0, p1 = x_prev / n_prev, x_cur / n_cur
    return 100 * (p1 - p0), 100 * (p0 * (1 - p0) / n_prev + p1 * (1 - p1) / n_cur)


def _pooled(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    p0, p1 = x_prev / n_prev, x_cur / n_cur
    p = (x_prev + x_cur) / (n_prev + n_cur)
    return 100 * (p1 - p0), 100 * math.sqrt(p * (1 - p) * (1 / n_prev + 1 / n_cur))


def _n_minus_one(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    p0, p1 = x_prev / n_prev, x_cur / n_cur
    return 100 * (p1 - p0), 100 * math.sqrt(p0 * (1 - p0) / (n_prev - 1) + p1 * (1 - p1) / (n_cur - 1))


def _swapped(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    change, se = reference_change_and_se(x_prev, n_prev, x_cur, n_cur)
    return se, change


def _previous_minus_current(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    change, se = reference_change_and_se(x_prev, n_prev, x_cur, n_cur)
    return -change, se


def _se_as_fraction(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    change, se = reference_change_and_se(x_prev, n_prev, x_cur, n_cur)
    return change, se / 100


def _z_for_se(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    change, se = reference_change_and_se(x_prev, n_prev, x_cur, n_cur)
    return change, change / se if se else float("nan")


def _previous_se_only(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> tuple[float, float]:
    p0, p1 = x_prev / n_prev, x_cur / n_cur
    return 100 * (p1 - p0), 100 * math.sqrt(p0 * (1 - p0) / n_prev)


def _reference(x_prev: int, n_prev: int, x_cur: int, n_cur: int) -> ChangeSE:
    return ChangeSE(*reference_change_and_se(x_prev, n_prev, x_cur, n_cur))


def _pair(abs_tol: float = 0.01) -> Any:
    """Compare a (change, standard error) pair: None when both match, else a Mismatch."""
    def compare(answer: Any, expected: Any) -> Mismatch | None:
        if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != 2:
            return Mismatch("return two numbers: return change, standard_error")
        try:
            got = [float(v) for v in answer]
        except (TypeError, ValueError):
            return Mismatch("return two numbers: return change, standard_error")
        want = [float(v) for v in expected]
        for name, g in zip(("the change", "the standard error"), got):
            if math.isnan(g):
                return Mismatch(f"{name} is NaN: look for a division by zero")
        for name, g, w in zip(("the change", "the standard error"), got, want):
            if abs(g - w) > abs_tol and any(g == round(w, d) for d in range(3)):
                return Mismatch(f"{name} is rounded ({g:g} for {w:.4f}): return the numbers unrounded, "
                                "and round only when you print them")
            if abs(g - w) > abs_tol:
                return Mismatch(f"{name} is off", generic=True)
        return None

    return compare


def counts(row: pd.Series) -> tuple[int, int, int, int]:
    """``(x_prev, n_prev, x_cur, n_cur)`` of a binomial rate metric's row of ``measure``."""
    n0, n1 = int(row["previous_n"]), int(row["current_n"])
    return (int(round(float(row["previous"]) * n0 / 100)), n0, int(round(float(row["current"]) * n1 / 100)), n1)


def noise_pick(draws: pd.DataFrame, catalogue: pd.DataFrame, noise_z: float = scorecard.NOISE_Z,
               exclude: tuple[str, ...] = (), avoid: tuple[float, ...] = ()) -> tuple[pd.Series, bool]:
    """A change that is noise: among the honest redraws, the change of a plain rate (binomial,
    new people in each period) that is within noise and largest relative to its previous value
    (it looks most like news). ``(row, True)``; when the card has no such rate, the catalogue's
    (not in ``exclude``, what gaming moved) closest to that description, ``(row, False)``.
    A change whose size in standard errors lies within 0.1 of a number in ``avoid`` (the
    numbers the notebook prints above the exercise) is passed over while another is left,
    so the answer cannot be copied from above."""
    def shown(row: pd.Series) -> bool:
        x0, n0, x1, n1 = counts(row)
        change, se = reference_change_and_se(x0, n0, x1, n1)
        z = abs(change) / se if se else float("nan")
        return any(abs(z - a) <= 0.1 for a in avoid)

    def best(rows: pd.DataFrame) -> pd.Series:
        rows = rows[(rows["previous"] > 0) & rows["se"].notna() & (rows["se"] > 0)].copy()
        rows["relative"] = (rows["change"] / rows["previous"]).abs()
        noise = rows[rows["z"].abs() < noise_z]
        if len(noise):
            ordered = noise.sort_values(["relative", "key", "draw" if "draw" in noise else "key"],
                                        ascending=[False, True, True])
        else:
            ordered = rows.assign(az=rows["z"].abs()).sort_values(["az", "key"])
        for _, row in ordered.iterrows():
            if not shown(row):
                return row
        return ordered.iloc[0]

    # plain rates whose two periods hold different people: the question's formula treats them as
    # independent samples, as the notebook's judgement does
    in_draws = draws[[_plain_rate(k) for k in draws["key"]]] if len(draws) else draws
    if len(in_draws):
        return best(in_draws), True
    judged = scorecard.judge(catalogue, noise_z)
    judged = judged[(judged["previous_n"] > 0) & (judged["current_n"] > 0)]
    keep = [_plain_rate(k) and k not in exclude for k in judged["key"]]
    if not any(keep):
        keep = [scorecard.METRICS[k].binomial for k in judged["key"]]
    return best(judged[keep]), False


def _plain_rate(key: str) -> bool:
    """A share of independent units whose two periods hold different people."""
    m = scorecard.METRICS[key]
    return m.binomial and m.independent_periods


def teaching_rate(design: scorecard.Design, catalogue: pd.DataFrame) -> str:
    """The rate notebook 09 computes in view (and Exercise 2's run case): a plain rate with
    both periods measured, preferring one whose periods hold different people (the formula's
    independent samples), on the card before the rest of the catalogue. With your own files
    a single-term file without a previous period has none; the cohort and customer files
    always have both."""
    by_key = catalogue.set_index("key")
    both = [k for k in design.keys + [k for k in by_key.index if k not in design.keys]
            if k in by_key.index and scorecard.METRICS[k].binomial
            and float(by_key.loc[k, "previous_n"]) > 0 and float(by_key.loc[k, "current_n"]) > 0]
    for key in both:
        if scorecard.METRICS[key].independent_periods:
            return str(key)
    if both:
        return str(both[0])
    raise scorecard.ParameterError("no rate has both periods in these data: put last period's files in "
                                   "data_dir/previous/")


def shown_above(design: scorecard.Design, catalogue: pd.DataFrame, noise_z: float) -> tuple[float, ...]:
    """Numbers notebook 09 prints before Exercise 3 that a change in standard errors could
    resemble: the in-view example's change, standard error and size in standard errors, the
    thresholds, the measured values and ``noise_z``."""
    row = catalogue.set_index("key").loc[teaching_rate(design, catalogue)]
    p0, p1 = float(row["previous"]) / 100, float(row["current"]) / 100
    se = 100 * math.sqrt(p0 * (1 - p0) / float(row["previous_n"]) + p1 * (1 - p1) / float(row["current_n"]))
    change = 100 * (p1 - p0)
    values = [abs(change), se, abs(change) / se if se else 0.0, float(noise_z)]
    values += [design.threshold(k) for k in design.keys]
    values += [m.practical for m in scorecard.METRICS.values() if m.sector == design.sector]
    values += [float(v) for v in catalogue[["previous", "current"]].to_numpy().ravel() if v == v]
    return tuple(v for v in values if 0 <= v < 10)


class _Example(dict):  # type: ignore[type-arg]
    """A design as plain data that prints as one line (the solution shows it)."""

    note = ""

    def __repr__(self) -> str:
        return self.note


def example_design(sector: str) -> dict[str, Any]:
    """One design of one's own: the default with a counter-metric that guards better."""
    design = _Example(scorecard.default_design(sector))
    if sector == "education":
        design["north_star"]["counter"] = "census_withdrawal"
        design["north_star"]["reason"] = ("Steering high-risk entrants out before the census date lifts retention; "
                                          "census withdrawals show it directly.")
        design["thresholds"] = {"retention": 2, "census_withdrawal": 2}
        design.note = "the default design with retention guarded by census_withdrawal (a design that passes)"
    else:
        design["drivers"][2]["counter"] = "first_value_churn"
        design["drivers"][2]["reason"] = ("Counting a first login as value lifts first value; customers counted for a "
                                          "mere login still leave, so the churn of those who 'reached' it rises.")
        design.note = "the default design with first_value guarded by first_value_churn (a design that passes)"
    return design


@dataclass
class DesignExercise(Exercise):
    """Exercise 1: the learner's own design. The default design, unchanged, is "not attempted"
    (nothing has been designed yet), so a class review does not count it as a wrong answer."""

    def check(self, answer: Any = ____) -> Feedback:
        try:
            design = scorecard.check_design(answer)
        except Exception:  # no design, or one the check refuses: the comparer says which
            return super().check(answer)
        default = scorecard.check_design(scorecard.default_design(design.sector))
        if [(p.metric, p.counter) for p in design.pairs] == [(p.metric, p.counter) for p in default.pairs]:
            return self._feedback(NOT_ATTEMPTED, "this is still the default design: change at least one pair "
                                  "(a driver, or a counter-metric that would catch a shortcut the default misses), "
                                  f"run the cell, then check again (stuck? {self.name}.hint())")
        return super().check(answer)


def _design_compare(sector: str) -> Any:
    default = scorecard.check_design(scorecard.default_design(sector))

    def pairs(d: scorecard.Design) -> list[tuple[str, str]]:
        return [(p.metric, p.counter) for p in d.pairs]

    def compare(answer: Any, expected: Any) -> Mismatch | None:
        try:
            design = scorecard.check_design(answer)
        except scorecard.DesignError as exc:
            return Mismatch(str(exc))
        same = scorecard.check_design(scorecard.default_design(design.sector))
        if pairs(design) == pairs(same) or pairs(design) == pairs(default):
            return Mismatch("the check passes, but this is the default design: change at least one pair "
                            "(a driver, or a counter-metric that would catch a shortcut the default misses)")
        return None

    return compare


def exercises(design: scorecard.Design, my_design: Any, catalogue: pd.DataFrame, draws: pd.DataFrame,
              noise_z: float = scorecard.NOISE_Z, gaming: float = 0.0) -> ExerciseSet:
    """The exercises of this run.

    ``design`` is the design the run uses, ``my_design`` the plain data of the design cell,
    ``catalogue`` :func:`helpers.scorecard.measure` of every catalogue metric of the sector
    on this run's two periods, ``draws`` :func:`helpers.scorecard.noise_draws` of the design,
    ``gaming`` the run's gaming strength (Exercise 3 avoids the metrics gaming moved).
    """
    sector = design.sector
    by_key = catalogue.set_index("key")
    # the run's case for Exercise 2: a rate of two independent samples (the formula's assumption), both
    # periods measured; a driver's before the north star's, which section 5 computes in view
    teach = teaching_rate(design, catalogue)
    case_key = next((k for k in design.keys[1:] if _plain_rate(k) and k != teach and by_key.loc[k, "previous_n"] > 0
                     and by_key.loc[k, "current_n"] > 0), teach)
    case_label = scorecard.METRICS[case_key].phrase

    moved = tuple(k for g in scorecard.planted(sector, gaming) for k in [g["metric"], *g["revealed_by"]])
    pick, redraw = noise_pick(draws, catalogue, noise_z, exclude=moved, avoid=shown_above(design, catalogue, noise_z))
    m = scorecard.METRICS[str(pick["key"])]
    where = ("In one honest redraw (nothing gamed)"
             if redraw else "In this run's data")
    x0, n0, x1, n1 = counts(pick)
    change, se = reference_change_and_se(x0, n0, x1, n1)
    z_abs = abs(change) / se
    rel = 100 * abs(change) / (100 * x0 / n0)
    z_mistakes = []
    for label, value, message in [
        ("the relative change", rel,
         "that is the change in percent of the previous value; divide the change in points by its standard error"),
        ("the change itself", abs(change), "that is the change in percentage points; divide it by its standard error"),
        ("one period's standard error", abs(change) / (100 * math.sqrt((x1 / n1) * (1 - x1 / n1) / n1)),
         "a change carries the noise of both periods: use sqrt(se_previous² + se_current²)"),
        ("standard errors added", abs(change) / _ses_added(x0, n0, x1, n1)[1],
         "standard errors add in squares: sqrt(se_previous² + se_current²), not se_previous + se_current"),
        ("a pooled standard error", abs(change) / _pooled(x0, n0, x1, n1)[1],
         "that uses the pooled rate of a test of no change; here each period has its own rate: "
         "sqrt(p0 (1 - p0) / n0 + p1 (1 - p1) / n1)"),
        ("the signed value", -z_abs, "give the absolute value: how many standard errors, without a sign"),
    ]:
        if not math.isnan(value) and abs(value - z_abs) > 0.1:
            z_mistakes.append((label, (lambda v=value: v), message))

    keys = list(dict.fromkeys(draws["key"])) if len(draws) else design.keys
    n_draws = int(draws["draw"].nunique()) if len(draws) else 0

    def share_any_beyond() -> float:
        if not n_draws:
            return float("nan")
        return float(100 * draws.groupby("draw")["beyond_noise"].any().mean())

    def code_cases() -> list[Case]:
        run = counts(by_key.loc[case_key])
        return [
            Case(args=run, label=f"this run's {case_label}"),
            Case(args=(0, 200, 6, 180), label="a rate of zero in the previous period",
                 why="p (1 - p) is 0 there: only the current period adds noise"),
            Case(args=(3, 10, 7, 12), label="two small groups", why="the same formula; the noise is large"),
            Case(args=(450, 1000, 450, 1000), label="no change", why="a change of 0 still has a standard error"),
        ]

    ns_label = scorecard.METRICS[design.north_star.metric].phrase
    return ExerciseSet(
        DesignExercise(
            "q1",
            "Write your own design in `my_design` (change at least one pair of the default) and check it: "
            "north star, 3 to 6 drivers, each with a counter-metric and a reason.",
            expected=lambda: example_design(sector),
            compare=_design_compare(sector),
            hints=[
                "Look at the catalogue: which shortcut does the default design leave unguarded?",
                "Each driver is a mapping with metric, counter and reason; keys come from the catalogue's key column.",
            ],
            solution_code=(
                "# one possible change: guard retention with the entrants withdrawn before the census date\n"
                "my_design['north_star']['counter'] = 'census_withdrawal'\n"
                "my_design['north_star']['reason'] = 'Steering high-risk entrants out before the census date lifts "
                "retention; census withdrawals show it directly.'\n"
                if sector == "education" else
                "# one possible change: guard first value with the churn of those who 'reached' it\n"
                "my_design['drivers'][2]['counter'] = 'first_value_churn'\n"
                "my_design['drivers'][2]['reason'] = 'Counting a first login as value lifts first value; customers "
                "counted for a mere login still leave, so the churn of those who reached it rises.'\n"
            ) + "scorecard.check_design(my_design)  # passes: run the notebook again with your design",
            why="A scorecard you designed is one you can defend: every pair names the shortcut it guards against.",
            explain="Your design passes the check. The rest of the notebook runs it.",
        ),
        CodeExercise(
            "q2",
            "Write `change_and_se(x_prev, n_prev, x_cur, n_cur)`: the change of a rate from x_prev of n_prev "
            "to x_cur of n_cur, in percentage points (current minus previous), and its standard error, "
            "returned as two numbers.",
            reference=_reference,
            cases=code_cases,
            compare=_pair(abs_tol=0.01),
            mistakes=[
                ("relative change", _relative_instead,
                 "that is the change in percent of the previous rate; a rate's change is current minus previous, "
                 "in percentage points"),
                ("standard errors added", _ses_added,
                 "independent noises add in squares: sqrt(se_prev**2 + se_cur**2)"),
                ("current period only", _current_se_only,
                 "that is one period's noise only: both periods are samples, so use sqrt(se_prev**2 + se_cur**2)"),
                ("fractions", _fractions, "multiply by 100: the change and its SE are in percentage points"),
                ("no square root", _no_sqrt, "the standard error is the square root of the summed variances (if it is a fraction instead, "
                 "multiply it by 100)"),
                ("n - 1", _n_minus_one, "divide by n, not n - 1: p (1 - p) / n is the variance of a share"),
                ("pooled standard error", _pooled,
                 "that is the pooled standard error of a test that assumes no change; the standard error of the "
                 "change itself uses each period's own rate: sqrt(p0 (1 - p0) / n0 + p1 (1 - p1) / n1)"),
                ("order swapped", _swapped, "return the change first, then its standard error"),
                ("previous minus current", _previous_minus_current,
                 "the sign is turned round: the change is current minus previous"),
                ("standard error as a fraction", _se_as_fraction,
                 "the change is in percentage points but the standard error is a fraction: multiply it by 100 too "
                 "(and take the square root of the summed variances)"),
                ("change in standard errors", _z_for_se,
                 "that second number is the change divided by its standard error (Exercise 3); return the "
                 "standard error itself"),
                ("previous period only", _previous_se_only,
                 "that is one period's noise only: both periods are samples, so use sqrt(se_prev**2 + se_cur**2)"),
            ],
            hints=[
                "p = x / n for each period; se = 100 * sqrt(p * (1 - p) / n).",
                "The change is 100 * (p_cur - p_prev); its SE is sqrt(se_prev**2 + se_cur**2).",
            ],
            solution_code=(
                "def change_and_se(x_prev, n_prev, x_cur, n_cur):\n"
                "    p0, p1 = x_prev / n_prev, x_cur / n_cur\n"
                "    se0 = 100 * (p0 * (1 - p0) / n_prev) ** 0.5\n"
                "    se1 = 100 * (p1 * (1 - p1) / n_cur) ** 0.5\n"
                "    return 100 * (p1 - p0), (se0 ** 2 + se1 ** 2) ** 0.5\n"
                "# the helper: scorecard.change_and_se(previous, previous_se, current, current_se)"
            ),
            why="Two independent samples: their variances add, so the standard error of the difference is the "
                "square root of the summed squares.",
        ),
        Exercise(
            "q3",
            f"{where}, {m.phrase} went from {x0:,} of {n0:,} in the previous period "
            f"to {x1:,} of {n1:,} in the current one. By how many standard errors did it change? "
            "Give the absolute value, to two decimals.",
            expected=lambda: z_abs,
            compare=number(abs_tol=0.05, decimals=2),
            hints=[
                "Use your change_and_se from Exercise 2 on these four numbers.",
                "Divide the absolute change by its standard error.",
            ],
            solution_code=(
                f"change, se = change_and_se({x0}, {n0}, {x1}, {n1})\n"
                "abs(change) / se\n"
                "# the helper: scorecard.judge(measured) has the column z for every metric"
            ),
            why="A change means something only against the noise of both periods.",
            mistakes=z_mistakes,
            explain=(f"Within noise: the rate moved by {rel:.0f}% of its previous value, yet only {z_abs:.2f} standard "
                     f"errors, less than {noise_z:g}."
                     + (" Nothing was gamed in this redraw: changes this size happen without anyone gaming."
                        if redraw else " On these data alone it cannot be told apart from noise.")
                     if z_abs < noise_z else
                     f"Beyond noise: {z_abs:.2f} standard errors is more than {noise_z:g}."),
        ),
        Prediction(
            "p1",
            f"Your card has {len(keys)} metrics. In what percent of {n_draws} honest redraws (nothing gamed) will "
            f"at least one of them move beyond {noise_z:g} standard errors?",
            actual=share_any_beyond,
            unit="%",
            decimals=0,
        ),
        Reflection(
            "r1",
            f"Suppose the north star ({ns_label}) rose. Before you celebrate or reward anyone, what would you "
            "check, and whom would you ask?",
            "Three things. Is the change beyond noise (its standard error, and the redraws)? Did its counter-metric "
            "and the counter-metrics of the drivers hold, or did something get worse at the same time? And who "
            "is counted now that was not before (a cohort, a survey's respondents, a denominator)? Then ask the "
            "people who do the work what they changed, as a question, before anyone is praised or rewarded.",
        ),
        Reflection(
            "r2",
            "Think of an organisation you know. Which shortcut there has no counter-metric in this catalogue, "
            "and what data would you need to measure one?",
            "An example for a public library. Loans per member can be moved by automatic renewals; a counter-metric "
            "is the share of renewed loans never opened, which needs e-book or checkout logs. Event attendance can "
            "be moved by one-off crowds; a counter-metric is the share of attendees who come back within three "
            "months, which needs a sign-in. Whatever the setting, the counter-metric measures the effect the "
            "shortcut would have, as Grove suggests, and is not used to grade individual staff.",
        ),
        notebook="09",
    )

