"""What a batch writes for people: the HTML report of each run,
``summary.csv`` and ``index.html``.

Every page is self-contained (inline CSS, no script, nothing from the
network) and written to be readable by everyone: colours that pass WCAG AA
contrast, links underlined, table headers never empty, and no link to a
file that is not beside the page (checked with axe-core in
``tests/test_accessibility.py``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import quote, unquote, urlsplit

from .common import RUN_FILE, STATUS_FAILED, STATUS_OK, SUMMARY_FILE, INDEX_FILE, RunRecord, atomic_write, error_text

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REPORT_WIDGET_TEXT = "[Interactive widget: not part of this report. Open the notebook in JupyterLab to use it.]"

#: CSS laid over nbconvert's JupyterLab styles in every report: prompts,
#: code comments, numbers and other syntax colours darkened to at least
#: 4.5:1 on the cell backgrounds (WCAG AA), links underlined (not told apart
#: by colour alone), and the run header.
REPORT_CSS = """
:root{--jp-content-link-color:#0b57a4;--jp-cell-prompt-not-active-font-color:#3b3b3b;
--jp-cell-inprompt-font-color:#1d4f91;--jp-cell-outprompt-font-color:#8a2a00;
--jp-mirror-editor-comment-color:#3d5f5f;--jp-mirror-editor-number-color:#06661a;
--jp-mirror-editor-string-color:#a1151a;--jp-mirror-editor-keyword-color:#006117;
--jp-mirror-editor-operator-color:#7a1f9e;--jp-mirror-editor-builtin-color:#006117;
--jp-mirror-editor-variable-2-color:#0b4a8b;--jp-mirror-editor-meta-color:#7a1f9e;
--jp-mirror-editor-attribute-color:#5b4700;--jp-mirror-editor-qualifier-color:#3d3d9e;
--jp-mirror-editor-error-color:#b00000;--jp-content-font-color2:#3b3b3b;--jp-content-font-color3:#4a4a4a;
--jp-ui-font-color2:#3b3b3b;--jp-ui-font-color3:#4a4a4a}
.jp-InputPrompt,.jp-OutputPrompt{opacity:1!important;color:#1d4f91!important}
.jp-OutputPrompt{color:#8a2a00!important}
a,a:link,a:visited,.jp-RenderedHTMLCommon a,.jp-RenderedHTMLCommon a:link,.jp-RenderedHTMLCommon a:visited{
text-decoration:underline!important;color:#0b57a4}
.highlight .c,.highlight .c1,.highlight .ch,.highlight .cm,.highlight .cp,.highlight .cpf,.highlight .cs,
.highlight .sd{color:#3d5f5f!important;font-style:italic}
.highlight .m,.highlight .mi,.highlight .mf,.highlight .mh,.highlight .mo,.highlight .mb,.highlight .il{color:#06661a!important}
.highlight .s,.highlight .s1,.highlight .s2,.highlight .sa,.highlight .sb,.highlight .sc,.highlight .dl,
.highlight .se,.highlight .sh,.highlight .si,.highlight .sx,.highlight .sr,.highlight .ss{color:#a1151a!important}
.highlight .k,.highlight .kc,.highlight .kd,.highlight .kn,.highlight .kp,.highlight .kr,.highlight .kt,
.highlight .nb,.highlight .bp{color:#006117!important}
.highlight .o,.highlight .ow{color:#7a1f9e!important}
.highlight .nf,.highlight .fm,.highlight .nc,.highlight .nn,.highlight .nd,.highlight .ne,.highlight .ni,
.highlight .nl,.highlight .nt,.highlight .nv,.highlight .vc,.highlight .vg,.highlight .vi,.highlight .vm,
.highlight .na,.highlight .no{color:#0b4a8b!important}
.highlight .err{border:none!important;color:#b00000!important}
.highlight .gp,.highlight .go,.highlight .gu,.highlight .gh{color:#3b3b3b!important}
.jp-RenderedText pre .ansi-red-fg,.jp-RenderedText pre .ansi-red-intense-fg{color:#a1151a}
.jp-RenderedText pre .ansi-green-fg,.jp-RenderedText pre .ansi-green-intense-fg{color:#06661a}
.jp-RenderedText pre .ansi-cyan-fg,.jp-RenderedText pre .ansi-cyan-intense-fg{color:#00585e}
.jp-RenderedText pre .ansi-blue-fg,.jp-RenderedText pre .ansi-blue-intense-fg{color:#1d4f91}
.jp-RenderedText pre .ansi-yellow-fg,.jp-RenderedText pre .ansi-yellow-intense-fg{color:#6b5200}
.jp-RenderedText pre .ansi-magenta-fg,.jp-RenderedText pre .ansi-magenta-intense-fg{color:#7a1f9e}
.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]{background:#fdeeee;color:#3b0000}
.jp-RenderedText pre span[style*="color"]{color:inherit!important;background:none!important}
header.mw-run{border:2px solid #1d4f91;border-radius:6px;padding:.6rem 1rem;margin:0 0 1rem 0;
font-family:var(--jp-ui-font-family,sans-serif);color:#1a1a1a;background:#f6f8fb}
header.mw-run p{margin:.2rem 0;font-size:1.05rem}
header.mw-run dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.3rem 0 0 0}
header.mw-run dt{font-weight:bold} header.mw-run dd{margin:0;overflow-wrap:anywhere}
"""

_EXPORTER = None


def _exporter() -> Any:
    global _EXPORTER
    if _EXPORTER is None:
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter

        template = (
            "{%- extends 'lab/index.html.j2' -%}\n"
            "{%- block html_head_js -%}{%- endblock html_head_js -%}\n"
            "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
            "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
            "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
            "{%- block html_head_css -%}<style type=\"text/css\">{{ resources.mw_css }}</style>{%- endblock html_head_css -%}\n"
            "{%- block body_header -%}{{ super() }}{{ resources.mw_header }}{%- endblock body_header -%}\n"
        )
        _EXPORTER = HTMLExporter(
            template_name="lab",
            extra_loaders=[DictLoader({"mw_offline.html.j2": template})],
            template_file="mw_offline.html.j2",
        )
    return _EXPORTER


def run_header(run: str, notebook: str, parameters: Mapping[str, Any]) -> str:
    """The header at the top of a run's report: whose it is, which notebook,
    the seed and every parameter the run set."""
    esc = html.escape
    seed = parameters.get("seed")
    rows = "".join(
        f"<dt>{esc(str(k))}</dt><dd><code>{esc(json.dumps(v, ensure_ascii=False))}</code></dd>"
        for k, v in parameters.items()
    )
    seed_text = f", seed {esc(json.dumps(seed))}" if seed is not None else ""
    return (
        f'<header class="mw-run" aria-label="Run">'
        f"<p><strong>{esc(run)}</strong>: notebook <strong>{esc(notebook)}</strong>{seed_text}</p>"
        + (f'<dl aria-label="Parameters of this run">{rows}</dl>' if rows else "")
        + "</header>"
    )


def export_html(
    nb: Any,
    *,
    run: str | None = None,
    notebook: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    files: Iterable[str] | None = None,
) -> str:
    """A self-contained HTML report of notebook ``nb`` (nbformat node).

    nbconvert's "lab" template, without anything fetched from the network:
    no require.js, no MathJax (formulas stay as TeX text), no mermaid, no
    widget manager from a CDN, and the notebook's saved widget state is
    dropped (a widget output shows one line saying so). The CSS is inlined
    and charts are ``<img>`` with ``data:`` URIs, so the report opens
    offline, from an e-mail or a USB stick.

    With ``run`` (and ``notebook``, ``parameters``) the page title and a
    header at the top name the run, the notebook, the seed and the
    parameters. ``files`` are the names of the files beside the report: a
    relative link to any other file (another lesson) becomes plain text,
    since it would lead nowhere. Colours pass WCAG AA contrast
    (:data:`REPORT_CSS`); empty table header cells become data cells.
    """
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and WIDGET_VIEW in data:
                data.clear()
                data["text/plain"] = REPORT_WIDGET_TEXT
    name = notebook or str(nb.metadata.get("title") or "Notebook")
    resources = {
        "metadata": {"name": f"{run}: {name}" if run else name},
        "mw_css": REPORT_CSS,
        "mw_header": run_header(run, name, parameters or {}) if run else "",
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return tidy_html(body, set(files) if files is not None else None)


_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.S | re.I)
_HREF = re.compile(r"""\bhref\s*=\s*("([^"]*)"|'([^']*)')""", re.I)
_EMPTY_TH = re.compile(r"<th((?:\s[^>]*)?)>(\s|&nbsp;)*</th>", re.I)


def tidy_html(page: str, files: set[str] | None) -> str:
    """Links that lead nowhere become text; empty ``<th>`` become ``<td>``.

    A link leads nowhere when it is a fragment (``#x``) with no element of
    that id, or (when ``files`` is given) a relative link to a file not in
    ``files``. Links to the web and ``data:`` URIs are kept.
    """
    ids = set(re.findall(r"""\bid\s*=\s*["']([^"']+)["']""", page))

    def fix(m: re.Match[str]) -> str:
        attrs, text = m.group(1), m.group(2)
        h = _HREF.search(attrs)
        if not h:
            return m.group(0)
        href = html.unescape(h.group(2) if h.group(2) is not None else h.group(3))
        parts = urlsplit(href)
        if parts.scheme or href.startswith("//"):
            return m.group(0)
        if not parts.path:
            return m.group(0) if unquote(parts.fragment) in ids or not parts.fragment else f"<span>{text}</span>"
        if files is None or unquote(parts.path) in files:
            return m.group(0)
        return f'<span class="mw-unlinked">{text}</span>'

    page = _LINK.sub(fix, page)
    return _EMPTY_TH.sub(lambda m: f"<td{m.group(1)}></td>", page)


def _figure_columns(records: Sequence[RunRecord]) -> list[tuple[str, str]]:
    fixed = {"batch", "name", "folder", "notebook", "parameters", "status", "duration_s", "error", "report"}
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


Batches = Sequence[tuple[str, Sequence[RunRecord]]]


def write_summary(out_dir: Path, records: Sequence[RunRecord], title: str = "Batch report", others: Batches = ()) -> Path:
    """Write ``summary.csv``: one row per run of every batch in the folder
    (this one first), figures as extra columns.

    UTF-8 with a byte-order mark, so that Excel shows names such as
    王小明 or Ольга correctly when the file is double-clicked; pandas reads
    it with ``encoding="utf-8-sig"`` (plain ``utf-8`` keeps the mark in the
    first column's name).
    """
    batches = [(title, records), *others]
    every = [r for _, recs in batches for r in recs]
    figures = _figure_columns(every)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "folder", "notebook", "parameters", "status", "duration_s",
                     *[col for _, col in figures], "error", "batch"])
    for batch_title, recs in batches:
        for r in recs:
            writer.writerow([
                r.name, r.folder, r.notebook, json.dumps(r.parameters, ensure_ascii=False, sort_keys=True),
                r.status, "" if r.duration_s is None else f"{r.duration_s:.2f}",
                *[_cell(r.result.get(key)) for key, _ in figures],
                error_text(r.error), batch_title,
            ])
    return atomic_write(out_dir / SUMMARY_FILE, "\ufeff" + buf.getvalue())


_INDEX_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:1.5rem;color:#1a1a1a;background:#fff;line-height:1.4}
main{max-width:72rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem} p.meta{color:#3b3b3b;margin-top:0}
a{color:#0b57a4;text-decoration:underline}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #c8c8c8;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.status{font-weight:bold;padding:.1rem .4rem;border-radius:.25rem;white-space:nowrap}
.ok{background:#d9f2e6;color:#0b5d36}.failed{background:#fbe0d6;color:#8a2a00}
.pending,.not-run,.writing{background:#eee;color:#3b3b3b}
ul.params,dl.figures{margin:0;padding:0;list-style:none;font-size:.85rem}
ul.params li{white-space:nowrap} ul.params code{font-size:.85rem}
dl.figures{display:grid;grid-template-columns:max-content minmax(4rem,1fr);gap:0 .6rem}
dl.figures dt{color:#3b3b3b} dl.figures dd{margin:0;text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
td.error{max-width:24rem;overflow-wrap:anywhere}
"""


def _error_link(r: RunRecord) -> str:
    """Fragment of the failing cell in the run's report."""
    err = r.error or {}
    if err.get("cell_id"):
        return "#" + quote(f"cell-id={err['cell_id']}", safe="=-_")
    return "#papermill-error-cell"


def _rows(records: Sequence[RunRecord]) -> str:
    esc = html.escape
    rows = []
    for r in records:
        report = _report_file(r)
        nb_file = next((f for f in r.files if f.endswith(".ipynb")), None)

        def link(f: str, text: str, frag: str = "", folder: str = r.folder) -> str:
            return f'<a href="{quote(folder)}/{quote(f)}{frag}">{esc(text)}</a>'

        name_cell = link(report, r.name) if report else esc(r.name)
        extra = [link(nb_file, "notebook")] if nb_file else []
        if RUN_FILE in r.files:
            extra.append(link(RUN_FILE, "run.json"))
        params = "".join(
            f"<li><code>{esc(str(k))}={esc(json.dumps(v, ensure_ascii=False))}</code></li>" for k, v in r.parameters.items()
        )
        figs = "".join(
            f"<dt>{esc(str(k))}</dt><dd>{esc(str(_cell(v)))}</dd>" for k, v in r.result.items() if v is not None
        )
        cls = r.status.replace(" ", "-")
        figs_cell = f'<dl class="figures">{figs}</dl>' if figs else ""
        error = esc(error_text(r.error))
        if error and report and r.status == STATUS_FAILED:
            error = link(report, error_text(r.error), _error_link(r))
        rows.append(
            f"<tr><td>{name_cell}" + (f"<br><small>{' · '.join(extra)}</small>" if extra else "") + "</td>"
            f"<td><span class=\"status {cls}\">{esc(r.status)}</span></td>"
            f"<td>{esc(Path(r.notebook).name)}</td><td><ul class=\"params\">{params}</ul></td>"
            f"<td class=\"num\">{'' if r.duration_s is None else f'{r.duration_s:.1f}'}</td>"
            f"<td>{figs_cell}</td>"
            f"<td class=\"error\">{error}</td></tr>"
        )
    return "\n".join(rows)


def _table(records: Sequence[RunRecord], caption: str) -> str:
    return (
        f"<div class=\"table-wrap\"><table>\n<caption class=\"meta\" style=\"text-align:left\">{html.escape(caption)}</caption>\n"
        "<thead><tr><th scope=\"col\">run (report)</th><th scope=\"col\">status</th><th scope=\"col\">notebook</th>"
        "<th scope=\"col\">parameters</th><th scope=\"col\">seconds</th><th scope=\"col\">recorded figures</th>"
        "<th scope=\"col\">error</th></tr></thead>\n<tbody>\n"
        + _rows(records)
        + "\n</tbody>\n</table></div>\n"
    )


def _counts(records: Sequence[RunRecord]) -> str:
    n_ok = sum(r.status == STATUS_OK for r in records)
    n_failed = sum(r.status == STATUS_FAILED for r in records)
    other = len(records) - n_ok - n_failed
    return f"{len(records)} runs: {n_ok} ok, {n_failed} failed" + (f", {other} not run" if other else "")


def write_index(out_dir: Path, records: Sequence[RunRecord], title: str = "Batch report", others: Batches = ()) -> Path:
    """Write ``index.html``: every run of this batch with its status, its
    parameters, the figures it recorded, its error (linking to the failing
    cell of its report) and links to its report, notebook and records; then
    every other batch written into the same folder. Self-contained (inline
    CSS, no scripts) and no wider than the window (long tables scroll)."""
    esc = html.escape
    generated = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    sections = [_table(records, f"Runs of this batch ({_counts(records)})")]
    for other_title, recs in others:
        sections.append(f"<h2>{esc(other_title)}</h2>\n" + _table(recs, _counts(recs)))
    more = f" This folder also holds {len(others)} other batch{'es' if len(others) != 1 else ''}, listed below." if others else ""
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{esc(title)}</title>\n"
        f"<style>{_INDEX_CSS}</style>\n</head>\n<body>\n<main>\n<h1>{esc(title)}</h1>\n"
        f"<p class=\"meta\">{esc(_counts(records))}. Updated {esc(generated)}. "
        f"Figures and errors are also in <a href=\"{SUMMARY_FILE}\">{SUMMARY_FILE}</a>.{esc(more)}</p>\n"
        + "".join(sections)
        + "</main>\n</body>\n</html>\n"
    )
    return atomic_write(out_dir / INDEX_FILE, page)
