"""Export a scorecard: a one-page HTML (charts as inline SVG, visible offline), a CSV of the
card and the design as the YAML file that ``design_file`` reads."""

from __future__ import annotations

import html
from pathlib import Path

import altair as alt
import pandas as pd

from .assess import scorecard_table
from .catalogue import METRICS
from .design import Design, DesignError, save_design

__all__ = ["export_scorecard", "EXPORT_FILES"]

EXPORT_FILES = ("scorecard.html", "scorecard.csv", "design.yml")


def _svg(chart: alt.TopLevelMixin) -> str:
    import vl_convert as vlc

    spec = chart.to_dict()
    svg = vlc.vegalite_to_svg(spec)
    label = html.escape(str(spec.get("description", "")), quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _csv_frame(card: pd.DataFrame) -> pd.DataFrame:
    cols = ["role", "metric", "label", "previous", "current", "change", "se", "z", "verdict", "threshold",
            "counter", "counter_label", "counter_previous", "counter_current", "counter_change", "counter_se",
            "counter_z", "counter_verdict", "counter_threshold", "status", "reason"]
    out = card[cols].copy()
    # the unit of change, se and threshold (percentage points, NPS points, minutes, ...)
    out.insert(out.columns.get_loc("change"), "change_unit", [METRICS[k].change_words for k in out["metric"]])
    out.insert(out.columns.get_loc("counter_change"), "counter_change_unit",
               [METRICS[k].change_words if k else "" for k in out["counter"]])
    for c in out.columns:
        if out[c].dtype.kind == "f":
            out[c] = out[c].round(4)
    return out


def export_scorecard(folder: str | Path, card: pd.DataFrame, design: Design, *, organisation: str,
                     period: int, charts: list[alt.TopLevelMixin], notes: list[str],
                     evaluation: list[str] | None = None) -> dict[str, Path]:
    """Write ``scorecard.html``, ``scorecard.csv`` and ``design.yml`` into ``folder``
    (created if needed); returns ``{file name: path}``. A folder that cannot be written
    raises :class:`DesignError` with one line naming it."""
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        probe = target / ".write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise DesignError(f"export_dir {str(folder)!r} cannot be written: {exc.strerror or exc}") from None
    paths = {name: target / name for name in EXPORT_FILES}
    _csv_frame(card).to_csv(paths["scorecard.csv"], index=False)
    save_design(design, paths["design.yml"])
    table = scorecard_table(card).to_html(index=False, border=0, classes="card", escape=True)
    figures = "\n".join(f"<figure>{_svg(c)}</figure>" for c in charts)
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    title = f"{design.name or 'Scorecard'}: {organisation}, {period - 1} to {period}"
    ev = ("<h2>Against the planted gaming</h2><ul>" + "".join(f"<li>{html.escape(x.removeprefix('- '))}</li>" for x in evaluation)
          + "</ul>") if evaluation else ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222; }}
table.card {{ border-collapse: collapse; font-size: 12px; }}
table.card th, table.card td {{ border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: left; }}
figure {{ margin: 1em 0; }}
@media print {{ body {{ margin: 0; font-size: 11px; }} }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Each change is current minus previous, in the metric's own unit, with one standard error (SE).
A metric counts as better or worse only when its change is beyond noise and at least the practical
threshold in the design; "SEs (+ better)" is the change in standard errors, positive when better.
A flag is a question to ask, not a verdict.</p>
{table}
{figures}
<h2>Notes</h2><ul>{items or '<li>No flags.</li>'}</ul>
{ev}
<p>The design is in <code>design.yml</code> next to this page; the numbers in <code>scorecard.csv</code>.</p>
</body></html>
"""
    paths["scorecard.html"].write_text(page, encoding="utf-8")
    return paths

