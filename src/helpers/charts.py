"""One chart theme and an offline-safe renderer for every chart in the workbook.

Why a renderer of our own (see "Design notes" in README.md): Altair 6 emits
Vega-Lite v6, which JupyterLab 4.6 cannot render natively, and Altair's default
"html" renderer loads vega from a CDN, so charts vanish offline, in exported HTML
and on GitHub. Here every chart is drawn once in the kernel by ``vl-convert``
(no browser, no network) and displayed as a static bundle:

- ``text/html``: an ``<img>`` whose source is the SVG as a ``data:`` URI, with
  the description as its ``alt`` text. JupyterLab prefers HTML and shows it even
  for untrusted outputs (a fresh clone, a papermill run): its sanitizer keeps
  ``img`` with a ``data:`` source but strips inline ``<svg>``. nbconvert's HTML
  export carries it inline, so a report needs no network;
- ``image/svg+xml``: the same SVG, for front ends that do not render HTML;
- ``text/plain``: the chart's description, for screen readers and terminals.

Every chart must carry a ``description`` (it becomes the SVG's accessible title);
:func:`render_bundle` refuses a chart without one. Data is aggregated in pandas
before plotting (:func:`ensure_small`), which keeps notebooks small.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any, Iterable, Mapping

import altair as alt
import pandas as pd

__all__ = [
    "PALETTE",
    "SEQUENTIAL",
    "DIVERGING",
    "MAX_ROWS",
    "setup",
    "render_bundle",
    "show",
    "ensure_small",
    "line_chart",
    "bar_chart",
    "scatter_chart",
    "reference_rule",
    "ChartError",
    "FastChart",
]

#: Okabe & Ito (2008) colour-universal-design palette: distinguishable with the
#: common forms of colour-vision deficiency.
PALETTE: list[str] = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]
#: Colour-blind-safe sequential and diverging Vega schemes.
SEQUENTIAL = "viridis"
DIVERGING = "blueorange"
#: Charts are built from aggregated data; more rows than this is a bug.
MAX_ROWS = 2_000

THEME_NAME = "metrics_workbook"
RENDERER_NAME = "metrics_workbook"


class ChartError(ValueError):
    """A chart cannot be shown (no description, too much raw data)."""


def _theme() -> dict[str, Any]:
    font = "Helvetica, Arial, sans-serif"
    return {
        "config": {
            "view": {"continuousWidth": 480, "continuousHeight": 280, "stroke": None},
            "background": "white",
            "font": font,
            "range": {
                "category": PALETTE,
                "ordinal": {"scheme": SEQUENTIAL},
                "ramp": {"scheme": SEQUENTIAL},
                "diverging": {"scheme": DIVERGING},
            },
            "title": {"fontSize": 15, "anchor": "start", "subtitleColor": "#444"},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#e6e6e6"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "right"},
            "line": {"strokeWidth": 2.5},
            "point": {"size": 50, "filled": True},
            "bar": {"color": PALETTE[0]},
            "rule": {"color": "#444"},
        }
    }


def _svg_with_title(svg: str, description: str) -> str:
    """Give the SVG an accessible name: role=img, aria-label and a <title>."""
    label = html.escape(description, quote=True)
    svg = re.sub(
        r"^<svg ", f'<svg role="img" aria-label="{label}" ', svg, count=1
    )
    return re.sub(r"(<svg [^>]*>)", rf"\1<title>{label}</title>", svg, count=1)


def _svg_size(svg: str) -> tuple[int, int]:
    m = re.search(r'width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"', svg)
    return (int(float(m.group(1))), int(float(m.group(2)))) if m else (0, 0)


def render_bundle(spec: Mapping[str, Any], svg_copy: bool = True) -> tuple[dict, dict]:
    """Render a Vega-Lite spec to a static mime bundle (HTML img, SVG, text).

    ``svg_copy=False`` leaves out the raw ``image/svg+xml`` copy; widgets use
    that, since a live JupyterLab always shows the HTML.
    """
    import vl_convert as vlc

    description = str(spec.get("description") or "").strip()
    if not description:
        raise ChartError(
            "every chart needs a description: add .properties(description='what the chart shows')"
        )
    svg = _svg_with_title(vlc.vegalite_to_svg(dict(spec)), description)
    width, height = _svg_size(svg)
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt_text = html.escape(description, quote=True)
    img = (
        f'<div class="mw-chart"><img src="{src}" alt="{alt_text}" title="{alt_text}" '
        f'width="{width}" height="{height}"></div>'
    )
    bundle: dict[str, Any] = {"text/html": img, "text/plain": f"[chart] {description}"}
    if svg_copy:
        bundle["image/svg+xml"] = svg
    return bundle, {}


def _renderer(spec: dict, **kwargs: Any) -> tuple[dict, dict]:
    return render_bundle(spec)


def setup() -> None:
    """Register and enable the workbook theme and renderer (idempotent).

    Called by every notebook's first code cell (``helpers.charts.setup()``).
    """
    alt.theme.register(THEME_NAME, enable=True)(_theme)  # type: ignore[arg-type]  # a plain dict is a valid theme
    alt.renderers.register(RENDERER_NAME, _renderer)
    alt.renderers.enable(RENDERER_NAME)


def show(chart: alt.TopLevelMixin | Mapping[str, Any]) -> None:
    """Display a chart (an Altair chart or a Vega-Lite dict) with the workbook
    renderer; used inside widgets, whose callbacks may pass a prepared spec."""
    from IPython.display import display

    spec = chart if isinstance(chart, Mapping) else chart.to_dict()
    bundle, metadata = render_bundle(spec, svg_copy=False)
    display(bundle, metadata=metadata, raw=True)


def ensure_small(data: pd.DataFrame, what: str = "chart data") -> pd.DataFrame:
    """Refuse raw, row-level data: charts are drawn from aggregates.

    Raises :class:`ChartError` when ``data`` has more than :data:`MAX_ROWS` rows.
    """
    if len(data) > MAX_ROWS:
        raise ChartError(
            f"{what} has {len(data):,} rows; aggregate it first (at most {MAX_ROWS:,})"
        )
    return data


def _title(shorthand: str, given: str | None) -> str:
    """An axis or legend title: the one given, else the field name without its type."""
    return given if given else shorthand.split(":")[0].replace("_", " ")


def _tooltip(data: pd.DataFrame, fields: Iterable[str] | None) -> list[str]:
    return list(fields) if fields is not None else list(data.columns)


def line_chart(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str,
    description: str,
    x_title: str | None = None,
    y_title: str | None = None,
    y_format: str | None = None,
    color_title: str | None = None,
    width: int = 480,
    height: int = 260,
) -> alt.Chart:
    """Lines (with points) of aggregated ``data``; ``color`` splits series."""
    ensure_small(data)
    enc: dict[str, Any] = {
        "x": alt.X(x, title=_title(x, x_title)),
        "y": alt.Y(y, title=_title(y, y_title), axis=alt.Axis(format=y_format) if y_format else alt.Undefined),
        "tooltip": _tooltip(data, None),
    }
    if color:
        # colour and dash on the same field merge into one legend (dashes help
        # readers who cannot tell the colours apart)
        enc["color"] = alt.Color(color, title=_title(color, color_title))
        enc["strokeDash"] = alt.StrokeDash(color, title=_title(color, color_title))
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(**enc)
        .properties(title=title, description=description, width=width, height=height)
    )


def bar_chart(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str,
    description: str,
    horizontal: bool = False,
    sort: Any = None,
    x_title: str | None = None,
    y_title: str | None = None,
    width: int = 480,
    height: int = 260,
) -> alt.Chart:
    """Bars of aggregated ``data``: ``x`` categories, ``y`` values (or swapped)."""
    ensure_small(data)
    cat = alt.X(x, title=_title(x, x_title), sort=sort) if not horizontal else alt.Y(x, title=_title(x, x_title), sort=sort)
    val = alt.Y(y, title=_title(y, y_title)) if not horizontal else alt.X(y, title=_title(y, y_title))
    enc: dict[str, Any] = {"x": cat, "y": val} if not horizontal else {"y": cat, "x": val}
    enc["tooltip"] = _tooltip(data, None)
    if color:
        enc["color"] = alt.Color(color, title=_title(color, None))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(**enc)
        .properties(title=title, description=description, width=width, height=height)
    )


def scatter_chart(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    shape: str | None = None,
    title: str,
    description: str,
    x_title: str | None = None,
    y_title: str | None = None,
    width: int = 480,
    height: int = 300,
) -> alt.Chart:
    """Points of aggregated ``data`` (for example one point per agent)."""
    ensure_small(data)
    enc: dict[str, Any] = {
        "x": alt.X(x, title=_title(x, x_title), scale=alt.Scale(zero=False)),
        "y": alt.Y(y, title=_title(y, y_title), scale=alt.Scale(zero=False)),
        "tooltip": _tooltip(data, None),
    }
    if color:
        enc["color"] = alt.Color(color, title=_title(color, None))
    if shape:
        enc["shape"] = alt.Shape(shape, title=_title(shape, None))
    return (
        alt.Chart(data)
        .mark_point()
        .encode(**enc)
        .properties(title=title, description=description, width=width, height=height)
    )


def reference_rule(value: float, *, axis: str = "y", label: str | None = None) -> alt.Chart:
    """A dashed reference line (a target, a pooled rate) to layer on a chart."""
    frame = pd.DataFrame({"value": [value], "label": [label or ""]})
    rule = alt.Chart(frame).mark_rule(strokeDash=[6, 4]).encode(**{axis: "value:Q"})
    if not label:
        return rule
    text = (
        alt.Chart(frame)
        .mark_text(align="left", dx=4, dy=-6, color="#444")
        .encode(**{axis: "value:Q"}, text="label:N")
    )
    return rule + text


VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


class FastChart:
    """A finished Vega-Lite specification that displays like an Altair chart.

    Widgets redraw their chart on every slider move and must answer within 100 ms.
    Building, combining and serialising a multi-panel chart through Altair's object
    model costs 100-250 ms here, so the charts that widgets redraw are written as plain
    Vega-Lite dicts (about a millisecond) with the active Altair theme as their
    ``config``. They display through the workbook renderer
    (:func:`render_bundle`), as the last expression of a cell or with
    :func:`helpers.charts.show`, and carry a ``description`` like every chart.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        if not str(spec.get("description") or "").strip():
            raise ChartError("every chart needs a description")
        self.spec = {"$schema": VEGA_LITE_SCHEMA, **spec}
        theme = alt.theme.get()
        self.spec.setdefault("config", dict(theme()).get("config", {}) if theme is not None else {})

    @property
    def description(self) -> str:
        return str(self.spec["description"])

    def to_dict(self, **_: Any) -> dict[str, Any]:
        """The Vega-Lite spec (a copy), as ``alt.Chart.to_dict`` would give."""
        import copy

        return copy.deepcopy(self.spec)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        return render_bundle(self.spec)

    def __repr__(self) -> str:
        return f"FastChart({self.description!r})"
