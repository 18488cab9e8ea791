"""Charts: one theme, a description on every chart, static offline output."""

from __future__ import annotations

import base64
import re

import altair as alt
import pandas as pd
import pytest

from helpers import charts


@pytest.fixture(autouse=True)
def _setup():
    charts.setup()


def small() -> pd.DataFrame:
    return pd.DataFrame({"week": range(6), "rate": [10, 12, 15, 14, 18, 21], "group": ["a", "b"] * 3})


def test_bundle_is_static_and_offline():
    chart = charts.line_chart(small(), "week:Q", "rate:Q", color="group:N", title="Rate", description="Rate by week")
    bundle, _ = charts.render_bundle(chart.to_dict())
    assert set(bundle) == {"text/html", "image/svg+xml", "text/plain"}
    html = bundle["text/html"]
    # no script and no network address anywhere in what is saved
    for text in bundle.values():
        assert "<script" not in text
        assert not re.search(r"https?://(?!www\.w3\.org)", text)
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    svg = base64.b64decode(src).decode()
    assert svg.startswith("<svg") and "<path" in svg
    assert 'alt="Rate by week"' in html
    assert '<title>Rate by week</title>' in bundle["image/svg+xml"]
    assert bundle["text/plain"] == "[chart] Rate by week"


def test_chart_without_description_is_refused():
    chart = alt.Chart(small()).mark_bar().encode(x="week:O", y="rate:Q")
    with pytest.raises(charts.ChartError, match="description"):
        charts.render_bundle(chart.to_dict())


def test_theme_uses_colour_blind_safe_palette():
    assert alt.theme.active == charts.THEME_NAME
    assert alt.renderers.active == charts.RENDERER_NAME
    spec = charts.bar_chart(small(), "week:O", "rate:Q", title="t", description="d").to_dict()
    assert spec["config"]["range"]["category"] == charts.PALETTE
    assert len(set(charts.PALETTE)) == 8


def test_raw_data_is_refused():
    big = pd.DataFrame({"x": range(charts.MAX_ROWS + 1), "y": 1})
    with pytest.raises(charts.ChartError, match="aggregate"):
        charts.scatter_chart(big, "x:Q", "y:Q", title="t", description="d")


def test_description_is_escaped():
    chart = charts.bar_chart(small(), "week:O", "rate:Q", title="t", description='A "quoted" <b> & co')
    bundle, _ = charts.render_bundle(chart.to_dict())
    assert 'alt="A &quot;quoted&quot; &lt;b&gt; &amp; co"' in bundle["text/html"]


def test_layered_chart_with_reference_rule():
    chart = (charts.line_chart(small(), "week:Q", "rate:Q", title="t", description="d")
             + charts.reference_rule(15, label="target")).properties(description="rate vs target")
    bundle, _ = charts.render_bundle(chart.to_dict())
    assert "target" in bundle["image/svg+xml"]


def test_line_chart_keeps_one_legend_and_plain_titles():
    chart = charts.line_chart(small(), "week:Q", "rate:Q", color="group:N", title="t", description="d")
    enc = chart.to_dict()["encoding"]
    assert enc["x"]["title"] == "week" and enc["y"]["title"] == "rate"
    # colour and dash share one legend: neither is switched off
    assert enc["color"].get("legend", {}) is not None and enc["strokeDash"].get("legend", {}) is not None
    assert enc["color"]["title"] == enc["strokeDash"]["title"] == "group"


def test_fast_chart_is_a_displayable_spec():
    spec = charts.bar_chart(small(), "week:O", "rate:Q", title="t", description="Rate per week").to_dict()
    fast = charts.FastChart({k: v for k, v in spec.items() if k != "$schema"})
    bundle, _ = fast._repr_mimebundle_()
    assert bundle["text/plain"] == "[chart] Rate per week" and "data:image/svg+xml" in bundle["text/html"]
    copy = fast.to_dict()
    copy["description"] = "changed"
    assert fast.description == "Rate per week"  # to_dict hands out a copy
    with pytest.raises(charts.ChartError, match="description"):
        charts.FastChart({"mark": "bar"})
