"""Every notebook, run in a real browser, offline: JupyterLab + headless Chromium.

One JupyterLab server (on a temporary copy of notebooks/ and data/) and one
Chromium serve the whole module. For each notebook the test opens
``lab/tree/NAME.ipynb``, restarts the kernel and runs all cells, then checks:

- every code cell ran and none shows an error (no error output, no traceback on stderr);
- every chart (``div.mw-chart img``, see helpers.charts) decoded, with alt text,
  and the notebook has at least one;
- every widget output rendered as visible controls;
- the page asked for nothing outside 127.0.0.1 (every other request is aborted
  and listed);
- a full-page screenshot is written to test-results/screenshots/NAME.png.

A second test moves a slider in a simulation notebook and checks that the
widget's output (the re-drawn chart) changes.

Skipped, with the reason in the ``-ra`` summary, when Chromium is missing
(``MW_CHROMIUM`` overrides /usr/bin/chromium) or Playwright cannot launch it.
``MW_NOTEBOOKS_DIR`` points the tests at another folder of notebooks.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from browser_support import (
    ROOT,
    LabServer,
    Offline,
    full_page_screenshot,
    inspect,
    launch_chromium,
    move_first_slider,
    notebook_paths,
    open_notebook,
    restart_and_run_all,
    shutdown_kernel,
    wait_for_charts,
    wait_for_widgets,
)

pytestmark = pytest.mark.browser

NOTEBOOKS = notebook_paths()
SCREENSHOTS = ROOT / "test-results" / "screenshots"
RUN_TIMEOUT_S = 180
SLIDER_NOTEBOOK = "01_when_metrics_bite.ipynb"

if NOTEBOOKS:
    PARAMS = [pytest.param(p, id=p.stem) for p in NOTEBOOKS]
else:
    PARAMS = [pytest.param(None, id="none", marks=pytest.mark.skip(reason="no notebooks/NN_*.ipynb yet"))]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"playwright is not installed ({exc}): pip install -e '.[test]'")
    with sync_playwright() as pw:
        chromium, reason = launch_chromium(pw)
        if chromium is None:
            pytest.skip(reason)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def lab(browser: Any) -> Iterator[LabServer]:
    # depends on `browser` so that a missing Chromium skips before any server starts
    server = LabServer().start()
    try:
        yield server
    finally:
        server.stop()


class OfflinePage:
    """A fresh browser context + page whose non-local requests are aborted."""

    def __init__(self, browser: Any) -> None:
        self.offline = Offline()
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           service_workers="block")
        self.offline.install(self.context)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def close(self) -> None:
        shutdown_kernel(self.page)
        self.context.close()


@pytest.fixture(scope="session")
def kept_pages(browser: Any, lab: LabServer) -> Iterator[dict[str, OfflinePage]]:
    """Pages of notebooks already run, kept for a later test (closed at the end)."""
    pages: dict[str, OfflinePage] = {}
    yield pages
    for page in pages.values():
        page.close()


def run_notebook(page: Any, lab: LabServer, name: str) -> dict[str, Any]:
    """Open NAME, restart the kernel and run all; wait for widgets and charts."""
    open_notebook(page, lab, name)
    restart_and_run_all(page, timeout_s=RUN_TIMEOUT_S)
    state = wait_for_widgets(page)
    wait_for_charts(page)
    return state


def problems_in(state: dict[str, Any], seen: dict[str, Any], blocked: list[str]) -> list[str]:
    """Everything wrong with a notebook run, as readable lines (empty: all good)."""
    problems: list[str] = []
    for cell in state["cells"]:
        for err in cell["errors"]:
            problems.append(f"cell {cell['index']} raised {err}")
    not_run = [c["index"] for c in state["cells"] if c["count"] is None]
    if not_run:
        problems.append(f"cells not run: {not_run}")
    if not problems:  # errors shown without a cell error: inside a widget's Output area
        problems += [f"error shown: {e[:500]}" for e in seen["errors"]]
        problems += [f"traceback shown: {t[:500]}" for t in seen["tracebacks"]]
    charts = seen["charts"]
    if not charts:
        problems.append("no chart (div.mw-chart img) rendered")
    for i, chart in enumerate(charts):
        if not (chart["complete"] and chart["naturalWidth"] > 0):
            problems.append(f"chart {i} did not render (naturalWidth {chart['naturalWidth']})")
        if not chart["alt"]:
            problems.append(f"chart {i} has no alt text")
        if not chart["isData"]:
            problems.append(f"chart {i} is not a data:image/svg+xml image")
    views = [(c["index"], v) for c in state["cells"] for v in c["widgets"]]
    for index, view in views:
        if view["error"] or not view["rendered"]:
            problems.append(f"widget in cell {index} did not render: {view['text']!r}")
        elif not view["visible"]:
            problems.append(f"widget in cell {index} is not visible")
    if views and not any(c["visible"] for c in seen["controls"]):
        problems.append(f"widget outputs show no visible control: {seen['controls']}")
    if blocked:
        problems.append("requests to the network (blocked): " + ", ".join(blocked[:20]))
    return problems


@pytest.mark.parametrize("path", PARAMS)
def test_notebook_runs_in_jupyterlab_offline(path: Path, browser: Any, lab: LabServer,
                                             kept_pages: dict[str, OfflinePage]):
    offline_page = OfflinePage(browser)
    keep = False
    try:
        page = offline_page.page
        started = time.monotonic()
        try:
            state = run_notebook(page, lab, path.name)
            seen = inspect(page)
        finally:  # a photograph of the page, whether or not the run finished
            full_page_screenshot(page, SCREENSHOTS / f"{path.stem}.png")
        problems = problems_in(state, seen, offline_page.offline.blocked)
        assert not problems, (
            f"{path.name} in JupyterLab ({time.monotonic() - started:.0f} s, screenshot "
            f"test-results/screenshots/{path.stem}.png):\n- " + "\n- ".join(problems)
            + (f"\npage errors: {offline_page.console_errors[:5]}" if offline_page.console_errors else ""))
        # the slider test can use this run instead of running the notebook again
        keep = path == slider_notebook()
    finally:
        if keep:
            kept_pages[path.name] = offline_page
        else:
            offline_page.close()


def slider_notebook() -> Path | None:
    """01_when_metrics_bite when it exists, else the first notebook with a slider."""
    by_name = {p.name: p for p in NOTEBOOKS}
    if SLIDER_NOTEBOOK in by_name:
        return by_name[SLIDER_NOTEBOOK]
    for p in NOTEBOOKS:
        nb = json.loads(p.read_text())
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        if "Slider" in code:
            return p
    return None


def test_moving_a_slider_redraws(request: pytest.FixtureRequest):
    path = slider_notebook()
    if path is None:
        pytest.skip(f"no {SLIDER_NOTEBOOK} yet and no other notebook uses a slider")
    browser = request.getfixturevalue("browser")
    lab: LabServer = request.getfixturevalue("lab")
    kept_pages: dict[str, OfflinePage] = request.getfixturevalue("kept_pages")
    offline_page = kept_pages.pop(path.name, None)
    try:
        if offline_page is None:  # not run (or failed) above: run it here
            offline_page = OfflinePage(browser)
            state = run_notebook(offline_page.page, lab, path.name)
            assert not any(c["errors"] for c in state["cells"]), state
        move = move_first_slider(offline_page.page)
        assert move is not None, f"{path.name} shows no slider in JupyterLab"
        assert move.readout_after != move.readout_before, (
            f"the slider in {path.name} did not move (readout {move.readout_before!r})")
        assert move.before, f"no Output widget beside the slider in {path.name}"
        assert move.changed, (
            f"moving the slider in {path.name} from {move.readout_before} to {move.readout_after} "
            "did not change the widget output")
        assert not offline_page.offline.blocked, offline_page.offline.blocked
    finally:
        if offline_page is not None:
            offline_page.close()
