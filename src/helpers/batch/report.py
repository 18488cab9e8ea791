"""What a batch writes for people: the HTML report of each run,
``summary.csv`` and ``index.html``."""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
from pathlib import Path
from typing import Any, Sequence

from .common import INDEX_FILE, RUN_FILE, STATUS_FAILED, STATUS_OK, SUMMARY_FILE, RunRecord, atomic_write, error_text

_EXPORTER = None


def export_html(nb: Any) -> str:
    """A self-contained HTML report of notebook ``nb`` (nbformat node).

    nbconvert's "lab" template, without anything fetched from the network:
    no require.js, no MathJax (formulas stay as TeX text), no mermaid, no
    widget manager from a CDN, and the notebook's saved widget state is
    dropped. The CSS is inlined and charts are ``<img>`` with ``data:`` URIs,
    so the report opens offline, from an e-mail or a USB stick.
    """
    global _EXPORTER
    import copy

    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    if _EXPORTER is None:
        template = (
            "{%- extends 'lab/index.html.j2' -%}\n"
            "{%- block html_head_js -%}{%- endblock html_head_js -%}\n"
            "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
            "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
            "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
        )
        _EXPORTER = HTMLExporter(
            template_name="lab",
            extra_loaders=[DictLoader({"mw_offline.html.j2": template})],
            template_file="mw_offline.html.j2",
        )
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and "application/vnd.jupyter.widget-view+json" in data and len(data) > 1:
                data.pop("application/vnd.jupyter.widget-view+json")
    body, _ = _EXPORTER.from_notebook_node(nb)
    return body


def _figure_columns(records: Sequence[RunRecord]) -> list[tuple[str, str]]:
    fixed = {"name", "folder", "notebook", "parameters", "status", "duration_s", "error", "report"}
    cols: list[tuple[str, str]] = []
    seen: set[str] = set()
    for r in records:
        for key in r.result:
            if key not in seen:
                seen.add(key)
                cols.append((key, f"result_{key}" if key in fixed else key))
    return cols


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _report_file(r: RunRecord) -> str | None:
    return next((f for f in r.files if f.endswith(".html")), None)


def write_summary(out_dir: Path, records: Sequence[RunRecord]) -> Path:
    """Write ``summary.csv``: one row per run, figures as extra columns."""
    figures = _figure_columns(records)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "folder", "notebook", "parameters", "status", "duration_s",
                     *[col for _, col in figures], "error"])
    for r in records:
        writer.writerow([
            r.name, r.folder, r.notebook, json.dumps(r.parameters, ensure_ascii=False, sort_keys=True),
            r.status, "" if r.duration_s is None else f"{r.duration_s:.2f}",
            *[_cell(r.result.get(key)) for key, _ in figures],
            error_text(r.error),
        ])
    return atomic_write(out_dir / SUMMARY_FILE, buf.getvalue())


_INDEX_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:2rem;color:#222;max-width:80rem}
h1{font-size:1.5rem;margin-bottom:.2rem} p.meta{color:#555;margin-top:0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{font-weight:bold;padding:.1rem .4rem;border-radius:.25rem;white-space:nowrap}
.ok{background:#d9f2e6;color:#0b5d36}.failed{background:#fbe0d6;color:#8a2a00}
.pending,.not-run{background:#eee;color:#444}
code{font-size:.85rem;word-break:break-word}
"""


def write_index(out_dir: Path, records: Sequence[RunRecord], title: str = "Batch report") -> Path:
    """Write ``index.html``: every run with its status and links to its
    report, notebook and records. Self-contained (inline CSS, no scripts)."""
    from urllib.parse import quote

    figures = _figure_columns(records)
    n_ok = sum(r.status == STATUS_OK for r in records)
    n_failed = sum(r.status == STATUS_FAILED for r in records)
    other = len(records) - n_ok - n_failed
    esc = html.escape
    rows = []
    for r in records:
        report = _report_file(r)
        nb_file = next((f for f in r.files if f.endswith(".ipynb")), None)
        link = lambda f, text, folder=r.folder: f'<a href="{quote(folder)}/{quote(f)}">{esc(text)}</a>'  # noqa: E731
        name_cell = link(report, r.name) if report else esc(r.name)
        extra = [link(nb_file, "notebook")] if nb_file else []
        if RUN_FILE in r.files:
            extra.append(link(RUN_FILE, "run.json"))
        params = ", ".join(f"{esc(str(k))}={esc(json.dumps(v, ensure_ascii=False))}" for k, v in r.parameters.items())
        cls = r.status.replace(" ", "-")
        figs = "".join(f'<td class="num">{esc(str(_cell(r.result.get(k))))}</td>' for k, _ in figures)
        rows.append(
            f"<tr><td>{name_cell}<br><small>{' · '.join(extra)}</small></td>"
            f"<td><span class=\"status {cls}\">{esc(r.status)}</span></td>"
            f"<td>{esc(Path(r.notebook).name)}</td><td><code>{params}</code></td>"
            f"<td class=\"num\">{'' if r.duration_s is None else f'{r.duration_s:.1f}'}</td>"
            f"{figs}<td>{esc(error_text(r.error))}</td></tr>"
        )
    head = "".join(f"<th>{esc(col)}</th>" for _, col in figures)
    generated = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    counts = f"{len(records)} runs: {n_ok} ok, {n_failed} failed" + (f", {other} not finished" if other else "")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{esc(title)}</title>\n"
        f"<style>{_INDEX_CSS}</style>\n</head>\n<body>\n<main>\n<h1>{esc(title)}</h1>\n"
        f"<p class=\"meta\">{esc(counts)}. Updated {esc(generated)}. "
        f"Figures and errors are also in <a href=\"{SUMMARY_FILE}\">{SUMMARY_FILE}</a>.</p>\n"
        "<table>\n<thead><tr><th>run (report)</th><th>status</th><th>notebook</th><th>parameters</th>"
        f"<th>seconds</th>{head}<th>error</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</main>\n</body>\n</html>\n"
    )
    return atomic_write(out_dir / INDEX_FILE, page)

