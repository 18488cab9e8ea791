"""Private helpers shared by the simulations of notebooks 01-03: argument validation
and the small Vega-Lite building blocks of the charts that widgets redraw."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import charts

Better = Literal["higher", "lower"]


# ======================================================================================
# Validation (private)
# ======================================================================================


def _unit(value: float, name: str) -> float:
    """A number in [0, 1] (pressure, weights, shares)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number between 0 and 1; got {value!r}")
    v = float(value)
    if not 0.0 <= v <= 1.0 or math.isnan(v):
        raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
    return v


def _count(value: int, name: str, minimum: int = 1) -> int:
    """A whole number >= minimum (team size, periods, sample size)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def _agent_ids(n: int, prefix: str = "A") -> np.ndarray:
    width = max(2, len(str(n)))
    return np.array([f"{prefix}{i + 1:0{width}d}" for i in range(n)])


# ======================================================================================
# Charts that widgets redraw
# ======================================================================================

def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records of a small frame (``tolist`` gives Python scalars)."""
    charts.ensure_small(frame)
    columns = [str(c) for c in frame.columns]
    values = [frame[c].to_numpy().tolist() for c in frame.columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def _q(field: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"field": field, "type": "quantitative", "title": title, **extra}


def _n(field: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"field": field, "type": "nominal", "title": title, **extra}


def _rule(value: float, axis: str = "y", label: str = "") -> list[dict[str, Any]]:
    """A dashed reference line (plus an optional label) as Vega-Lite layers."""
    data = {"values": [{"v": float(value), "label": label}]}
    # No "title" key on the rule's channel: an explicit null title would blank the axis
    # title that the chart's main layer shares with this one; without a key, the main
    # layer's title wins.
    v = {"field": "v", "type": "quantitative"}
    layers: list[dict[str, Any]] = [
        {"data": data, "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#444"}, "encoding": {axis: v}}
    ]
    if label:
        offset = {"dx": 4, "dy": -6} if axis == "y" else {"dx": 3, "dy": 0, "baseline": "top", "y": 2}
        layers.append(
            {
                "data": data,
                "mark": {"type": "text", "align": "left", "color": "#444", "fontSize": 11, **offset},
                "encoding": {axis: v, "text": _n("label")},
            }
        )
    return layers
