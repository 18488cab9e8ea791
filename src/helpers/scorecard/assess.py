"""Change against noise: a design measured over two periods, its flags, and how it fared
against the planted gaming.

Every metric's change ``current - previous`` is judged in the metric's own unit
(percentage points for rates, points for NPS, customers for counts, ...) against its
standard error ``sqrt(se_previous**2 + se_current**2)`` (the two periods are independent
samples). A change is **beyond noise** when ``|change| >= noise_z * se`` (default 1.96: a
95 % two-sided test) and **worth acting on** when it is also at least the design's
practical threshold for that metric. Only such a change counts as *better* or *worse*:

* ``better`` / ``worse`` - beyond noise and beyond the practical threshold, in the
  metric's good direction or against it;
* ``within noise`` - smaller than ``noise_z`` standard errors;
* ``real but small`` - beyond noise, below the practical threshold;
* ``unknown`` - no previous period.

A pair's status: ``flag`` (the metric got better while its counter-metric got worse),
``worse`` (the metric got worse, whatever its counter did), ``better, counter holds``,
``counter worse`` (the metric did not move, its counter got worse), ``steady``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .catalogue import METRICS, Estimate
from .design import Design
from .periods import ParameterError, check_gaming as check_gaming_value, load_periods, planted

__all__ = [
    "NOISE_Z", "BETTER", "WORSE", "NOISE", "SMALL", "UNKNOWN",
    "FLAG", "WORSE_PAIR", "IMPROVED", "WATCH", "STEADY", "NO_TREND", "STATUSES",
    "estimate", "measure", "change_and_se", "judge", "assess", "flagged", "what_moved",
    "scorecard_table", "summary_lines", "explain_flags", "evaluate", "false_flags", "evaluation_lines", "noise_draws", "noise_bands",
    "chance_of_false_alarms", "key_figures",
]

NOISE_Z = 1.96
BETTER, WORSE, NOISE, SMALL, UNKNOWN = "better", "worse", "within noise", "real but small", "unknown"
FLAG, WORSE_PAIR, IMPROVED, WATCH, STEADY, NO_TREND = (
    "flag", "worse", "better, counter holds", "counter worse", "steady", "no previous period")
STATUSES = (FLAG, WORSE_PAIR, IMPROVED, WATCH, STEADY, NO_TREND)
Periods = Mapping[str, tuple[pd.DataFrame, pd.DataFrame]]


def estimate(key: str, frame: pd.DataFrame | None) -> Estimate:
    """One metric for one period (missing when the period has no rows)."""
    if frame is None or len(frame) == 0:
        return Estimate.missing()
    return METRICS[key].estimate(frame)


def measure(design: Design | list[str], periods: Periods) -> pd.DataFrame:
    """Every metric on the card (or every key of a list) for both periods, with standard errors.

    One row per metric: ``key``, ``label``, ``unit``, ``higher_is_better``, ``dataset``,
    ``previous``, ``previous_se``, ``previous_n``, ``current``, ``current_se``,
    ``current_n``, ``change_se`` (the paired standard error of the change for metrics whose
    units are the same in both periods, else NaN), ``threshold`` (the practical threshold)
    and ``definition``.
    """
    rows = []
    keys = design.keys if isinstance(design, Design) else list(design)
    for key in keys:
        m = METRICS[key]
        prev_frame, cur_frame = periods[m.dataset]
        prev, cur = estimate(key, prev_frame), estimate(key, cur_frame)
        paired = float("nan")
        if m.change_se is not None and len(prev_frame) and len(cur_frame):
            paired = float(m.change_se(prev_frame, cur_frame))
        rows.append({
            "key": key, "label": m.label, "unit": m.unit, "higher_is_better": m.higher_is_better,
            "dataset": m.dataset, "previous": prev.value, "previous_se": prev.se, "previous_n": prev.n,
            "current": cur.value, "current_se": cur.se, "current_n": cur.n, "change_se": paired,
            "threshold": design.threshold(key) if isinstance(design, Design) else m.practical,
            "definition": m.definition,
        })
    return pd.DataFrame(rows)


def change_and_se(previous: float, previous_se: float, current: float, current_se: float) -> tuple[float, float]:
    """``current - previous`` and its standard error ``sqrt(se_p**2 + se_c**2)``."""
    return float(current - previous), float(math.hypot(previous_se, current_se))


def _verdict(change: float, se: float, good: bool, threshold: float, noise_z: float) -> tuple[float, str]:
    if math.isnan(change) or math.isnan(se):
        return float("nan"), UNKNOWN
    z = change / se if se > 0 else (0.0 if change == 0 else math.copysign(math.inf, change))
    if abs(z) < noise_z:
        return z, NOISE
    if abs(change) < threshold:
        return z, SMALL
    return z, BETTER if (change > 0) == good else WORSE


def judge(measured: pd.DataFrame, noise_z: float = NOISE_Z, threshold_scale: float = 1.0) -> pd.DataFrame:
    """``measured`` with each metric's change judged against its noise.

    Adds ``change``, ``se`` (``change_se`` when given, else ``sqrt(previous_se**2 +
    current_se**2)``), ``z`` (change / se), ``good_z`` (z signed so that positive is
    better), ``beyond_noise``, ``beyond_threshold`` and ``verdict``. ``threshold_scale``
    multiplies every practical threshold (the widget's slider)."""
    _check_positive("noise_z", noise_z)
    _check_positive("threshold_scale", threshold_scale, allow_zero=True)
    out = measured.copy()
    changes, ses, zs, verdicts = [], [], [], []
    for r in measured.itertuples(index=False):
        change, se = change_and_se(r.previous, r.previous_se, r.current, r.current_se)
        paired = getattr(r, "change_se", float("nan"))
        if paired == paired:  # not NaN: the same units in both periods
            se = float(paired)
        z, verdict = _verdict(change, se, bool(r.higher_is_better), float(r.threshold) * threshold_scale, noise_z)
        changes.append(change)
        ses.append(se)
        zs.append(z)
        verdicts.append(verdict)
    out["change"] = changes
    out["se"] = ses
    out["z"] = zs
    sign = np.where(out["higher_is_better"].to_numpy(dtype=bool), 1.0, -1.0)
    out["good_z"] = out["z"].to_numpy(dtype="float64") * sign
    out["beyond_noise"] = np.abs(out["z"].to_numpy(dtype="float64")) >= noise_z
    out["beyond_threshold"] = np.abs(out["change"].to_numpy(dtype="float64")) >= (
        out["threshold"].to_numpy(dtype="float64") * threshold_scale)
    out["verdict"] = verdicts
    return out


def _check_positive(name: str, value: Any, allow_zero: bool = False) -> None:
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating)) and (
        value >= 0 if allow_zero else value > 0)
    if not ok:
        raise ParameterError(f"{name} must be a number {'>= 0' if allow_zero else '> 0'}, got {value!r}")


def assess(measured: pd.DataFrame, design: Design, noise_z: float = NOISE_Z, threshold_scale: float = 1.0) -> pd.DataFrame:
    """The scorecard: one row per pair (north star first) with both metrics judged and a status.

    Columns for the metric: ``role``, ``metric``, ``label``, ``previous``, ``current``,
    ``change``, ``se``, ``z``, ``good_z``, ``verdict``; the same with a ``counter_`` prefix
    for the counter-metric (NaN / ``""`` when the north star has none); ``reason``,
    ``status`` and ``flag``.
    """
    judged = judge(measured, noise_z, threshold_scale).set_index("key")
    cols = ["label", "previous", "current", "change", "se", "z", "good_z", "verdict", "threshold"]
    rows = []
    for p in design.pairs:
        m = judged.loc[p.metric]
        row: dict[str, Any] = {"role": p.role, "metric": p.metric, **{c: m[c] for c in cols}}
        if p.counter:
            c = judged.loc[p.counter]
            row.update({"counter": p.counter, **{f"counter_{k}": c[k] for k in cols}})
        else:
            row.update({"counter": "", **{f"counter_{k}": (float("nan") if k not in ("label", "verdict") else "")
                                          for k in cols}})
        mv, cv = row["verdict"], row["counter_verdict"]
        if mv == UNKNOWN:
            status = NO_TREND
        elif mv == BETTER and cv == WORSE:
            status = FLAG
        elif mv == WORSE:
            status = WORSE_PAIR
        elif mv == BETTER:
            status = IMPROVED
        elif cv == WORSE:
            status = WATCH
        else:
            status = STEADY
        row.update({"reason": p.reason, "status": status, "flag": status == FLAG})
        rows.append(row)
    return pd.DataFrame(rows)


def flagged(card: pd.DataFrame) -> list[str]:
    """Keys of the metrics whose pair is flagged, in card order."""
    return [str(k) for k in card.loc[card["flag"].to_numpy(dtype=bool), "metric"]]


def what_moved(key: str, change: float, z: float | None = None) -> str:
    """Plain words: ``"summer melt fell 2.5 pp"`` (with ``", 1.2 SE"`` when ``z`` is given)."""
    m = METRICS[key]
    name = m.phrase
    if change is None or math.isnan(change):
        return f"{name}: no previous period"
    amount = m.fmt_change(change, signed=False)
    if change == 0 or not any(ch in "123456789" for ch in amount):
        verb, amount = ("did not change" if change == 0 else "barely changed"), ""
    else:
        verb, amount = ("rose" if change > 0 else "fell"), " " + amount
    tail = "" if z is None or math.isnan(z) or math.isinf(z) else f" ({abs(z):.1f} SE)"
    return f"{name} {verb}{amount}{tail}"


def _change_cell(key: str, change: float, se: float) -> str:
    if not key:
        return ""
    m = METRICS[key]
    if math.isnan(change):
        return "n/a"
    return f"{m.fmt_change(change)} ± {m.fmt_change(se, signed=False)}"


def _z_cell(good_z: float) -> str:
    if good_z is None or (isinstance(good_z, float) and math.isnan(good_z)):
        return ""
    return f"{good_z:+.1f}"


def scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """The card for display, one row per pair. Changes are ``current - previous`` in each
    metric's unit with one standard error; "SEs (+ better)" is the change in standard errors,
    signed so that positive is better, as in the chart."""
    rows = []
    for r in card.itertuples(index=False):
        m = METRICS[r.metric]
        c = METRICS[r.counter] if r.counter else None
        rows.append({
            "": r.role,
            "metric": r.label,
            "previous → current": f"{m.fmt(r.previous)} → {m.fmt(r.current)}",
            "change ± SE": _change_cell(r.metric, r.change, r.se),
            "SEs (+ better)": _z_cell(r.good_z),
            "verdict": r.verdict,
            "counter-metric": c.label if c else "(none)",
            "counter previous → current": f"{c.fmt(r.counter_previous)} → {c.fmt(r.counter_current)}" if c else "",
            "counter change ± SE": _change_cell(r.counter, r.counter_change, r.counter_se),
            "counter SEs (+ better)": _z_cell(r.counter_good_z),
            "counter verdict": r.counter_verdict,
            "status": r.status.upper() if r.status == FLAG else r.status,
        })
    return pd.DataFrame(rows)


def summary_lines(card: pd.DataFrame) -> list[str]:
    """One plain line per pair: what moved, its verdict, the counter-metric's, the status."""
    lines = []
    for r in card.itertuples(index=False):
        first = f"{r.role:10} {what_moved(r.metric, r.change, r.z)}: {r.verdict}"
        counter = f" | {what_moved(r.counter, r.counter_change, r.counter_z)}: {r.counter_verdict}" if r.counter else ""
        lines.append(f"{first}{counter} -> {r.status}")
    return lines


def explain_flags(card: pd.DataFrame) -> list[str]:
    """One sentence per flagged pair (empty when nothing is flagged)."""
    out = []
    for r in card[card["flag"].to_numpy(dtype=bool)].itertuples(index=False):
        moved = what_moved(r.metric, r.change, r.z)
        counter = what_moved(r.counter, r.counter_change, r.counter_z)
        out.append(f"{moved[0].upper() + moved[1:]} while {counter}, both beyond noise and your thresholds. {r.reason}")
    return out


# ---------------------------------------------------------------------- planted gaming


def evaluate(card: pd.DataFrame, design: Design, gaming: float | None) -> pd.DataFrame:
    """Did the design catch what was planted? One row per gamed metric of the sector:
    ``metric``, ``shortcut``, ``revealed_by`` (text), ``on_card``, ``caught`` (the metric's
    pair is flagged), ``caught_by`` (that pair's counter-metric) and ``verdict`` (one line).
    Empty for an honest organisation (``gaming == 0``) and for your own data (``gaming``
    None: nobody knows what was gamed); see :func:`false_flags`."""
    rows = []
    flags = card[card["flag"].to_numpy(dtype=bool)]
    for g in (planted(design.sector, gaming) if gaming is not None else []):
        key, revealers = g["metric"], list(g["revealed_by"])
        label = METRICS[key].label
        hit = flags[flags["metric"] == key]
        pair = card[card["metric"] == key]
        names = " or ".join(revealers)
        if len(hit):
            by = str(hit.iloc[0]["counter"])
            verdict = f"caught: {label} ({g['shortcut']}) flagged by its pair {key} / {by}"
        elif not len(pair):
            by = ""
            where = ("only as a counter-metric" if key in set(card["counter"]) else "not on the card")
            verdict = f"{where}: {label} ({g['shortcut']}); a pair {key} / {names} would catch it"
        elif not pair.iloc[0]["counter"]:
            by = ""
            verdict = f"missed: {label} ({g['shortcut']}); it has no counter-metric, {names} would reveal this shortcut"
        elif pair.iloc[0]["counter"] not in revealers:
            by = ""
            counter = pair.iloc[0]["counter"]
            verdict = (f"missed: {label} ({g['shortcut']}); its counter-metric ({counter}) does not reveal "
                       f"this shortcut, {names} would")
        else:
            by = ""
            verdict = f"missed: {label} ({g['shortcut']}); the pair is right, but {_why_quiet(pair.iloc[0])}"
        rows.append({"metric": key, "shortcut": g["shortcut"], "revealed_by": ", ".join(revealers),
                     "on_card": bool(len(pair)), "caught": bool(len(hit)), "caught_by": by, "verdict": verdict})
    return pd.DataFrame(rows, columns=["metric", "shortcut", "revealed_by", "on_card", "caught", "caught_by",
                                       "verdict"])


def _why_quiet(row: Any) -> str:
    """Why a right pair did not flag: which of its two metrics did not move far enough."""
    def part(key: str, verdict: str) -> str:
        phrase = METRICS[key].phrase
        if verdict == NOISE:
            return f"{phrase} stayed within noise"
        if verdict == SMALL:
            return f"{phrase} moved beyond noise but less than your practical threshold"
        if verdict in (BETTER, WORSE):
            return f"{phrase} got {verdict}"
        return f"{phrase}: {verdict}"

    metric, counter = str(row["metric"]), str(row["counter"])
    mv, cv = str(row["verdict"]), str(row["counter_verdict"])
    if mv != BETTER and cv != WORSE and mv == cv and mv in (NOISE, SMALL):
        both = f"{METRICS[metric].phrase} and {METRICS[counter].phrase}"
        return (f"{both} both stayed within noise" if mv == NOISE else
                f"{both} both moved beyond noise but less than your practical thresholds")
    parts = []
    if mv != BETTER:
        parts.append(part(metric, mv))
    if cv != WORSE:
        parts.append(part(counter, cv))
    return " and ".join(parts) if parts else "the pair was not flagged"


def false_flags(card: pd.DataFrame, design: Design, gaming: float | None) -> list[str]:
    """Flagged metrics that were not gamed: false alarms, from noise or thresholds set low
    (none known for your own data, ``gaming`` None)."""
    if gaming is None:
        return []
    gamed = {g["metric"] for g in planted(design.sector, gaming)}
    return [k for k in flagged(card) if k not in gamed]


def evaluation_lines(evaluation: pd.DataFrame, card: pd.DataFrame, design: Design,
                     gaming: float | None) -> list[str]:
    """Plain lines: one per gamed metric on the card, a count of those not on it, false alarms."""
    if gaming is None:
        return ["Your own data: nobody knows what was gamed, so the flags cannot be scored. "
                "Read each flag as a question for the people who do the work."]
    if check_gaming_value(gaming) == 0:
        lines = ["Honest organisation: nothing was gamed."]
    else:
        on = evaluation[evaluation["on_card"].to_numpy(dtype=bool)]
        caught = int(evaluation["caught"].sum())
        lines = [f"Gamed this period (strength {gaming:g}): {len(evaluation)} metrics of the sector; "
                 f"{len(on)} of them on your card, {caught} caught."]
        lines += [f"- {v}" for v in on["verdict"]]
        off = evaluation[~evaluation["on_card"].to_numpy(dtype=bool)]
        if len(off):
            lines.append(f"- also gamed, not on your card: {', '.join(off['metric'])}")
    wrong = false_flags(card, design, gaming)
    lines.append(f"False alarms (flags on metrics nobody gamed): {len(wrong)}"
                 + (f" ({', '.join(wrong)})" if wrong else ""))
    return lines


# ---------------------------------------------------------------------- repeated draws


def noise_draws(design: Design, seed: int = 42, period: int = 2024, n_draws: int = 20,
                noise_z: float = NOISE_Z) -> pd.DataFrame:
    """The two periods redrawn ``n_draws`` times, honest (nothing gamed): every metric's
    change when nobody games. Period-based datasets are the same organisation with new draws;
    entering cohorts and the customer panel come from other seeds (similar organisations,
    whose cohorts also drift a little from year to year); see :func:`load_periods`.

    One row per draw and metric: ``draw``, ``key``, ``previous``, ``previous_n``, ``current``,
    ``current_n``, ``change``, ``se``, ``z``, ``good_z``, ``beyond_noise`` (judged with that
    draw's own standard error) and ``flagged`` (the metric's pair is flagged in that draw,
    with the design's thresholds: a false flag, since nothing was gamed)."""
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise ParameterError(f"n_draws must be a whole number of at least 2, got {n_draws!r}")
    frames = []
    for draw in range(1, n_draws + 1):
        periods = load_periods(design.keys, seed=seed, period=period, gaming=0.0, draw=draw)
        measured = measure(design, periods)
        judged = judge(measured, noise_z)
        judged.insert(0, "draw", draw)
        judged["flagged"] = judged["key"].isin(flagged(assess(measured, design, noise_z)))
        frames.append(judged[["draw", "key", "previous", "previous_n", "current", "current_n", "change", "se", "z",
                              "good_z", "beyond_noise", "flagged"]])
    return pd.concat(frames, ignore_index=True)


def chance_of_false_alarms(draws: pd.DataFrame, noise_z: float = NOISE_Z) -> dict[str, float]:
    """Many metrics judged at once, when nothing was gamed: ``metrics`` on the card,
    ``alpha`` (the chance that one metric's change crosses ``noise_z`` standard errors by
    chance, two-sided, normal), ``independent`` (percent: the chance that at least one of
    them does, were they independent: ``1 - (1 - alpha) ** metrics``), ``draws``, and from
    the honest redraws ``any_beyond`` (percent of draws with at least one metric beyond
    noise) and ``any_flag`` (percent of draws with at least one flagged pair: a false flag)."""
    _check_positive("noise_z", noise_z)
    k = int(draws["key"].nunique()) if len(draws) else 0
    alpha = math.erfc(noise_z / math.sqrt(2))
    by_draw = draws.groupby("draw")
    n = int(draws["draw"].nunique()) if len(draws) else 0
    return {
        "metrics": k, "alpha": 100 * alpha, "independent": 100 * (1 - (1 - alpha) ** k), "draws": n,
        "any_beyond": float(100 * by_draw["beyond_noise"].any().mean()) if n else float("nan"),
        "any_flag": float(100 * by_draw["flagged"].any().mean()) if n and "flagged" in draws else float("nan"),
    }


def noise_bands(draws: pd.DataFrame, judged: pd.DataFrame) -> pd.DataFrame:
    """Per metric: this run's change and standard error, and the spread of the honest
    redraws' changes (5th and 95th percentile, share beyond noise)."""
    rows = []
    for key, g in draws.groupby("key", sort=False):
        r = judged.set_index("key").loc[key]
        m = METRICS[str(key)]
        ch = g["change"].to_numpy(dtype="float64")
        rows.append({
            "key": key, "metric": m.label,
            "this run: change": m.fmt_change(r["change"]),
            "± 1.96 SE": m.fmt_change(NOISE_Z * r["se"], signed=False),
            "redraws: middle 90%": f"{m.fmt_change(float(np.nanpercentile(ch, 5)))} to "
                                   f"{m.fmt_change(float(np.nanpercentile(ch, 95)))}",
            "redraws beyond noise": f"{int(g['beyond_noise'].sum())} of {len(g)}",
        })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- results record


def key_figures(card: pd.DataFrame, design: Design, organisation: str, period: int, gaming: float | None,
                evaluation: pd.DataFrame) -> dict[str, Any]:
    """The card's key figures as plain values, for :func:`helpers.batch.record_result`:
    organisation, sector, design, period, gaming, the north star's values and change with
    its standard error, drivers, flags, and against the planted gaming: metrics gamed on the
    card, caught, missed (keys), and false alarms."""
    ns = card.iloc[0]

    def r(v: Any, nd: int = 3) -> float | None:
        v = float(v)
        return None if math.isnan(v) or math.isinf(v) else round(v, nd)

    on = evaluation[evaluation["on_card"].to_numpy(dtype=bool)] if len(evaluation) else evaluation
    caught = on[on["caught"].to_numpy(dtype=bool)] if len(on) else on
    missed = on[~on["caught"].to_numpy(dtype=bool)] if len(on) else on
    wrong = false_flags(card, design, gaming)
    return {
        "organisation": organisation,
        "sector": design.sector,
        "design": design.name or "(unnamed)",
        "period": int(period),
        "gaming": None if gaming is None else float(gaming),
        "north_star": str(ns["metric"]),
        "north_star_previous": r(ns["previous"]),
        "north_star_current": r(ns["current"]),
        "north_star_change": r(ns["change"]),
        "north_star_se": r(ns["se"]),
        "north_star_verdict": str(ns["verdict"]),
        "drivers": int((card["role"] == "driver").sum()),
        "flags": int(card["flag"].sum()),
        "flagged": ";".join(flagged(card)),
        "gamed_on_card": int(len(on)),
        "caught": int(len(caught)),
        "caught_metrics": ";".join(caught["metric"]) if len(caught) else "",
        "missed_metrics": ";".join(missed["metric"]) if len(missed) else "",
        "false_alarms": len(wrong),
        "false_alarm_metrics": ";".join(wrong),
    }
