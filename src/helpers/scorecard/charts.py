"""Charts of a scorecard: each metric's change in standard errors, and the noise band of
honest redraws. Both use one direction convention: right is better, in the metric's own
good direction, as the "SEs (+ better)" columns of the tables."""

from __future__ import annotations

import copy
import math
from typing import Any, Callable

import altair as alt
import numpy as np
import pandas as pd

from .assess import (BETTER, FLAG, IMPROVED, NO_TREND, NOISE, NOISE_Z, SMALL, STEADY, UNKNOWN, WATCH, WORSE,
                     WORSE_PAIR, assess, what_moved)
from .catalogue import METRICS
from .design import Design

__all__ = ["card_chart", "card_view", "noise_chart", "VERDICT_COLOURS"]

#: Okabe-Ito colours: better (bluish green), worse (vermillion), noise (grey), small (sky blue).
VERDICT_COLOURS = {BETTER: "#009E73", WORSE: "#D55E00", SMALL: "#56B4E9", NOISE: "#999999", UNKNOWN: "#CCCCCC"}
_STATUS_WORDS = {FLAG: "FLAG", WORSE_PAIR: "worse", IMPROVED: "better", WATCH: "counter worse", STEADY: "steady",
                 NO_TREND: "no trend"}
_X = "change in standard errors (right = better)"


def _row_label(i: int, role: str, key: str, status: str | None) -> str:
    label = METRICS[key].label
    if status is None:
        return f"{i}. counter: {label}"
    tag = " (north star)" if role == "north star" else ""
    return f"{i}. {label}{tag}: {_STATUS_WORDS.get(status, status)}"


def _card_rows(card: pd.DataFrame, clip: float) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(card.itertuples(index=False), start=1):
        items = [(r.metric, r.change, r.z, r.good_z, r.verdict, r.status)]
        if r.counter:
            items.append((r.counter, r.counter_change, r.counter_z, r.counter_good_z, r.counter_verdict, None))
        for key, change, z, good_z, verdict, status in items:
            g = float(good_z)
            rows.append({
                "order": len(rows),  # card order: the labels change with the status, the order does not
                "row": _row_label(i, r.role, key, status),
                "x": float(np.clip(g, -clip, clip)) if not math.isnan(g) else np.nan,
                "beyond axis": bool(abs(g) > clip) if not math.isnan(g) else False,
                "verdict": verdict,
                "moved": what_moved(key, change, z) + f": {verdict}",
            })
    return pd.DataFrame(rows)


def _axis_limit(values: np.ndarray, noise_z: float) -> float:
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 0.0
    return float(min(12.0, max(noise_z + 1.0, math.ceil(top + 0.5))))


def _card_data(card: pd.DataFrame, noise_z: float, limit: float) -> tuple[dict[str, Any], str, list[str], int]:
    """The card chart's named datasets, description, verdicts present and flag count."""
    rows = _card_rows(card, limit)
    present = [v for v in VERDICT_COLOURS if v in set(rows["verdict"])]
    n_flags = int(card["flag"].sum())
    desc = (f"Scorecard of {len(card)} pairs, {n_flags} flagged; grey band: within {noise_z:g} standard errors. "
            + "; ".join(f"{r} - {m}" for r, m in zip(rows["row"], rows["moved"])))
    datasets = {
        "mw_rows": rows.replace({np.nan: None}).to_dict(orient="records"),
        "mw_band": [{"lo": -float(noise_z), "hi": float(noise_z), "z": 0.0}],
    }
    return datasets, desc, present, n_flags


def _title(n_flags: int) -> str:
    return f"What moved beyond noise: {n_flags} flag{'s' if n_flags != 1 else ''}"


def card_chart(card: pd.DataFrame, noise_z: float = NOISE_Z, *, title: str | None = None,
               width: int = 360, limit: float | None = None) -> alt.TopLevelMixin:
    """One row per metric, grouped by pair: a point at its change in standard errors
    (right = better), the grey band is noise (|z| < ``noise_z``), colour is the verdict
    (the legend lists only the verdicts present). The text column says what moved.
    ``limit`` fixes the axis to +-limit (default: fitted to the data, at most 12)."""
    if limit is None:
        limit = _axis_limit(card[["good_z", "counter_good_z"]].to_numpy(dtype="float64").ravel(), noise_z)
    datasets, desc, present, n_flags = _card_data(card, noise_z, limit)
    height = 22 * len(datasets["mw_rows"])
    rows_data, band_data = alt.NamedData(name="mw_rows"), alt.NamedData(name="mw_band")
    order = alt.EncodingSortField(field="order", op="min")
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=420))
    scale = alt.Scale(domain=[-limit, limit])
    band = alt.Chart(band_data).mark_rect(color="#eeeeee").encode(
        x=alt.X("lo:Q", scale=scale, title=_X), x2="hi:Q")
    zero = alt.Chart(band_data).mark_rule(color="#888").encode(x=alt.X("z:Q", scale=scale))
    colour = alt.Color("verdict:N", title="verdict", scale=alt.Scale(
        domain=present, range=[VERDICT_COLOURS[v] for v in present]))
    points = alt.Chart(rows_data).mark_point(size=110, filled=True).encode(
        x=alt.X("x:Q", scale=scale, title=_X), y=y, color=colour,
        shape=alt.condition("datum['beyond axis']", alt.value("triangle"), alt.value("circle")),
        tooltip=["row:N", "moved:N"])
    dots = alt.layer(band, zero, points).properties(width=width, height=height)
    text = alt.Chart(rows_data).mark_text(align="left", fontSize=11, color="#333").encode(
        x=alt.value(0), y=alt.Y("row:N", sort=order, axis=None), text="moved:N").properties(width=380, height=height)
    return alt.hconcat(dots, text, spacing=8).properties(
        title=title or _title(n_flags), description=desc, datasets=datasets)


def _colour_scales(spec: Any) -> list[dict[str, Any]]:
    """Every colour scale of a spec (to swap the legend's verdicts)."""
    found: list[dict[str, Any]] = []
    if isinstance(spec, dict):
        colour = spec.get("encoding", {}).get("color") if isinstance(spec.get("encoding"), dict) else None
        if isinstance(colour, dict) and "scale" in colour:
            found.append(colour["scale"])
        for value in spec.values():
            found.extend(_colour_scales(value))
    elif isinstance(spec, list):
        for value in spec:
            found.extend(_colour_scales(value))
    return found


def card_view(measured: pd.DataFrame, design: Design) -> Callable[[float, float], dict[str, Any]]:
    """Widget callback: ``view(noise_z, threshold_scale)`` -> the card chart as a Vega-Lite
    spec (for :func:`helpers.charts.show`).

    The chart is built once; each call re-assesses the card and swaps in its data, legend,
    title and description (a few milliseconds), so a slider move only pays for drawing.
    The axis stays fixed (the changes in standard errors do not depend on the sliders)."""
    card0 = assess(measured, design)
    limit = _axis_limit(card0[["good_z", "counter_good_z"]].to_numpy(dtype="float64").ravel(), 4.0)
    base = card_chart(card0, limit=limit).to_dict()

    def view(noise_z: float, threshold_scale: float) -> dict[str, Any]:
        card = assess(measured, design, noise_z, threshold_scale)
        datasets, desc, present, n = _card_data(card, noise_z, limit)
        spec = copy.deepcopy(base)
        spec["datasets"] = datasets
        spec["description"] = desc
        spec["title"] = f"{n} flag{'s' if n != 1 else ''} at {noise_z:g} SE and {threshold_scale:g} x your thresholds"
        for scale in _colour_scales(spec):
            scale["domain"] = present
            scale["range"] = [VERDICT_COLOURS[v] for v in present]
        return spec

    return view


def noise_chart(draws: pd.DataFrame, judged: pd.DataFrame, noise_z: float = NOISE_Z,
                *, width: int = 360) -> alt.TopLevelMixin:
    """Each metric's change in the honest redraws (ticks), in this run's standard errors,
    with this run's change (a point) and the band of ``noise_z`` standard errors."""
    j = judged.set_index("key")
    keys = list(dict.fromkeys(draws["key"]))
    labels = {k: METRICS[k].label for k in keys}
    se = j.loc[draws["key"], "se"].to_numpy(dtype="float64")
    sign = np.where([METRICS[k].higher_is_better for k in draws["key"]], 1.0, -1.0)
    ticks = pd.DataFrame({"metric": [labels[k] for k in draws["key"]],
                          "x": np.round(sign * draws["change"].to_numpy(dtype="float64") / se, 2)})
    run = pd.DataFrame({"metric": [labels[k] for k in keys],
                        "x": np.round(j.loc[keys, "good_z"].to_numpy(dtype="float64"), 2)})
    limit = _axis_limit(np.concatenate([ticks["x"].to_numpy(), run["x"].to_numpy()]), noise_z)
    ticks["x"] = ticks["x"].clip(-limit, limit)
    run["beyond axis"] = run["x"].abs() > limit  # drawn as a triangle at the edge, as in the card chart
    run["x"] = run["x"].clip(-limit, limit)
    order = [labels[k] for k in keys]
    scale = alt.Scale(domain=[-limit, limit])
    title = "change in this run's standard errors (right = better)"
    band = alt.Chart(pd.DataFrame({"lo": [-noise_z], "hi": [noise_z]})).mark_rect(color="#eeeeee").encode(
        x=alt.X("lo:Q", scale=scale, title=title), x2="hi:Q")
    tick = alt.Chart(ticks).mark_tick(color="#0072B2", opacity=0.6, thickness=2).encode(
        x=alt.X("x:Q", scale=scale, title=title), y=alt.Y("metric:N", sort=order, title=None))
    dot = alt.Chart(run).mark_point(color="#D55E00", size=90, filled=True).encode(
        x=alt.X("x:Q", scale=scale), y=alt.Y("metric:N", sort=order),
        shape=alt.condition("datum['beyond axis']", alt.value("triangle"), alt.value("diamond")))
    n = int(draws["draw"].nunique())
    inside = float((np.abs(ticks["x"]) < noise_z).mean() * 100)
    desc = (f"{n} honest redraws (nothing gamed): blue ticks are each metric's change when nothing was "
            f"gamed, orange diamonds this run's change (a triangle at the edge: beyond the axis), grey band "
            f"within {noise_z:g} standard errors; "
            f"{inside:.0f}% of the ticks fall inside the band")
    tick_axis = alt.Axis(labelLimit=320)
    tick = tick.encode(y=alt.Y("metric:N", sort=order, title=None, axis=tick_axis))
    return alt.layer(band, tick, dot).properties(
        width=width, height=24 * len(keys), description=desc,
        title=f"Noise bands: {n} honest redraws (ticks) and this run (diamond)")
