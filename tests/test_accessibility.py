"""Every HTML page the workbook writes can be read by everyone.

The pages: a batch's ``index.html`` and the HTML report of each run (of the
tiny fixture notebooks, run as a batch, and of committed lesson notebooks,
exported the way the batch runner exports a run: four by default, every one
with ``MW_A11Y_ALL=1``). Each is opened
in headless Chromium from ``file://`` and audited with axe-core, the engine
behind the browsers' own accessibility audits: no finding of "serious" or
"critical" impact is allowed (colour contrast, links told apart by colour
alone, empty table headers, images without text...). Every link must lead
somewhere: a fragment to an element of the page, a relative link to a file
that exists beside the page.

axe-core comes from npm: the first run installs it into ``.cache/axe``
(git-ignored; ``MW_AXE_JS`` may point at an ``axe.min.js`` instead). The
tests skip with the reason when node/npm or Chromium is missing, or npm
cannot install the package.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from helpers import batch

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
AXE_VERSION = "4.14.1"
AXE_DIR = ROOT / ".cache" / "axe"
BLOCKING = {"serious", "critical"}

pytestmark = pytest.mark.browser


def axe_script() -> tuple[str | None, str]:
    """(axe.min.js source, "") or (None, why not)."""
    given = os.environ.get("MW_AXE_JS")
    if given:
        return (Path(given).read_text(encoding="utf-8"), "") if Path(given).is_file() else (None, f"MW_AXE_JS={given} not found")
    js = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not js.is_file():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            return None, "node/npm not found: install Node.js (apt-get install nodejs npm) to audit pages with axe-core"
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                [npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "--no-save", f"axe-core@{AXE_VERSION}"],
                capture_output=True, text=True, timeout=300,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return None, f"npm install axe-core failed: {exc}"
        if done.returncode != 0 or not js.is_file():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"npm install axe-core@{AXE_VERSION} failed: {last}"
    return js.read_text(encoding="utf-8"), ""


@pytest.fixture(scope="module")
def browser(chromium):
    script, why = axe_script()
    if script is None:
        pytest.skip(why)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    # pages are opened from file://; nothing may come from the network
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    page = context.new_page()
    yield page, script
    context.close()


def audit(page, script: str, path: Path) -> list[dict]:
    """axe-core's violations of serious or critical impact on the page at ``path``."""
    page.goto(path.resolve().as_uri())
    page.add_script_tag(content=script)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160) + ' :: ' + (n.failureSummary || '').slice(0, 200))}))"
    )
    return [v for v in violations if v["impact"] in BLOCKING]


def dead_links(path: Path) -> list[str]:
    """Links of the page at ``path`` that lead nowhere (web links are not followed)."""
    text = path.read_text(encoding="utf-8")
    ids = set(re.findall(r"""\bid\s*=\s*["']([^"']+)["']""", text))
    bad = []
    for href in re.findall(r"""<a\b[^>]*\bhref\s*=\s*["']([^"']*)["']""", text):
        href = html.unescape(href)
        parts = urlsplit(href)
        if parts.scheme in {"http", "https", "mailto", "data"}:
            continue
        if parts.scheme:
            bad.append(href)
            continue
        target = (path.parent / unquote(parts.path)) if parts.path else path
        if not target.exists():
            bad.append(href)
        elif parts.fragment and target == path and unquote(parts.fragment) not in ids:
            bad.append(href)
        elif parts.fragment and target != path and target.suffix == ".html":
            other = target.read_text(encoding="utf-8")
            if f'id="{unquote(parts.fragment)}"' not in other and f"id='{unquote(parts.fragment)}'" not in other:
                bad.append(href)
    return bad


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations)


# ------------------------------------------------------------------ a batch of fixture notebooks


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("a11y")
    cfg = tmp / "batch.yml"
    cfg.write_text(textwrap.dedent(f"""
        title: Accessibility check
        defaults: {{notebook: {FIXTURES / 'batch_report.ipynb'}}}
        runs:
          - {{name: 王小明, parameters: {{seed: 3}}}}
          - {{name: Ольга Иванова, parameters: {{seed: 4, interactive: true}}}}
          - {{name: Bob, parameters: {{seed: 5, fail: true, name: Bob}}}}
    """), encoding="utf-8")
    out = tmp / "out"
    code = batch.main(["run", str(cfg), "--out", str(out), "--workers", "2", "--quiet"])
    assert code == 1, "one run fails on purpose"
    return out


def batch_pages(out: Path) -> list[Path]:
    return [out / "index.html", *sorted(out.glob("*/*.html"))]


@pytest.mark.slow
def test_batch_pages_pass_axe(browser, batch_out):
    page, script = browser
    pages = batch_pages(batch_out)
    assert len(pages) == 4
    found = {p.relative_to(batch_out).as_posix(): audit(page, script, p) for p in pages}
    bad = {k: v for k, v in found.items() if v}
    assert not bad, "\n".join(f"{k}:\n{describe(v)}" for k, v in bad.items())


@pytest.mark.slow
def test_batch_pages_have_no_dead_link(batch_out):
    for path in batch_pages(batch_out):
        assert dead_links(path) == [], path
    report = (batch_out / "王小明" / "batch_report.html").read_text(encoding="utf-8")
    assert 'href="01_when_metrics_bite.ipynb"' not in report, "a link to a lesson not in the report folder"
    assert "the first lesson" in report, "its text stays"
    assert 'href="https://example.org/metrics"' in report, "web links stay"


@pytest.mark.slow
def test_index_fits_the_window_with_many_figures_and_parameters(browser, tmp_path):
    """A capstone-like index (25 figures, 6 parameters per run) is no wider than the window."""
    page, _ = browser
    records = []
    for i in range(6):
        rec = batch.RunRecord(
            name=f"Organisation number {i} with a long name", folder=f"org-{i}", notebook="notebooks/09_capstone_scorecard.ipynb",
            parameters={"sector": "education", "organisation": f"Organisation number {i} with a long name", "seed": 10 + i,
                        "period": 2024, "move_threshold": 3.0, "warn_threshold": 3.0, "interactive": False},
            status="ok", duration_s=4.2, files=["09_capstone_scorecard.html", "run.json"],
            result={f"metric_with_a_long_name_{k}": 12.3456 * k for k in range(25)} | {"flagged": "retention; access; yield"},
        )
        records.append(rec)
    earlier = [batch.RunRecord(name="Amara Okafor", folder="Amara-Okafor", notebook="notebooks/05_customer_metrics.ipynb",
                               parameters={"seed": 101}, status="not run")]
    batch.write_index(tmp_path, records, "Capstone", [("Week 1", earlier)])
    page.goto((tmp_path / "index.html").as_uri())
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 1280, f"index.html is {width} px wide in a 1280 px window"
    _, script = browser
    found = audit(page, script, tmp_path / "index.html")
    assert not found, describe(found)


# ------------------------------------------------------------------ every lesson's report


ALL_LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: Auditing a lesson's report takes a few seconds; by default four lessons with
#: every kind of output (tables, charts, widgets, tracebacks-free text) are
#: audited; MW_A11Y_ALL=1 audits all of them.
SAMPLE = ("00", "05", "07", "09")
LESSONS = ALL_LESSONS if os.environ.get("MW_A11Y_ALL") else [p for p in ALL_LESSONS if p.name[:2] in SAMPLE]


@pytest.fixture(scope="module")
def lesson_reports(tmp_path_factory):
    """Each committed lesson exported as the batch runner exports a run, in a
    folder holding what a run's folder holds."""
    tmp = tmp_path_factory.mktemp("lessons")
    out = []
    for path in LESSONS:
        folder = tmp / path.stem
        folder.mkdir()
        nb = nbformat.read(path, as_version=4)
        shutil.copy(path, folder / path.name)
        names = [path.name, f"{path.stem}.html", "result.json", "run.json"]
        page = batch.export_html(nb, run="Amara Okafor", notebook=path.name, parameters={"seed": 101, "interactive": False},
                                 files=names)
        (folder / f"{path.stem}.html").write_text(page, encoding="utf-8")
        for extra in ("result.json", "run.json"):
            (folder / extra).write_text(json.dumps({}), encoding="utf-8")
        out.append(folder / f"{path.stem}.html")
    return out


@pytest.mark.slow
def test_lesson_reports_pass_axe(browser, lesson_reports):
    page, script = browser
    bad = {p.name: v for p in lesson_reports if (v := audit(page, script, p))}
    assert not bad, "\n".join(f"{k}:\n{describe(v)}" for k, v in bad.items())


def test_lesson_reports_have_no_dead_link(lesson_reports):
    for path in lesson_reports:
        assert dead_links(path) == [], path.name

