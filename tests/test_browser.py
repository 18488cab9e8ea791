"""Every notebook, run in a real browser, offline: JupyterLab + headless Chromium.

One JupyterLab server (on a temporary copy of notebooks/ and data/), one
Chromium and one page serve the whole session. For each notebook the test opens
it (``lab/tree/NAME.ipynb``), restarts the kernel and runs all cells, then checks:

- every code cell ran and none shows an error (no error output, no traceback on stderr);
- every chart (``div.mw-chart img``, see helpers.charts) decoded, with alt text,
  and the notebook has at least one;
- every widget output rendered as visible controls;
- the page asked for nothing outside 127.0.0.1 (every other request is aborted
  and listed);
- a full-page screenshot is written to test-results/screenshots/NAME.png;
- playing a participant, it types a wrong answer into exercise q1's cell, runs it and
  reads "Not quite" in the page, then a right one and reads "Correct".

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
    JS_FIND_CHECK_CELL,
    ROOT,
    LabPage,
    LabServer,
    full_page_screenshot,
    inspect,
    move_first_slider,
    notebook_paths,
    play_exercise,
    restart_and_run_all,
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
def browser(chromium: Any) -> Any:
    """The session's Chromium (tests/conftest.py)."""
    return chromium


@pytest.fixture(scope="session")
def lab(browser: Any) -> Iterator[LabServer]:
    # depends on `browser` so that a missing Chromium skips before any server starts
    server = LabServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_page(browser: Any, lab: LabServer) -> Iterator[LabPage]:
    """One offline page, reused from notebook to notebook (fresh after a failure)."""
    page = LabPage(browser, lab)
    yield page
    page.discard()


@pytest.fixture(scope="session")
def slider_moves() -> dict[str, Any]:
    """Slider moves done while a notebook was open, for test_moving_a_slider_redraws."""
    return {}


def run_notebook(lab_page: LabPage, name: str) -> tuple[Any, dict[str, Any]]:
    """Open NAME, restart the kernel and run all; wait for widgets and charts."""
    page = lab_page.open(name)
    restart_and_run_all(page, timeout_s=RUN_TIMEOUT_S)
    state = wait_for_widgets(page)
    wait_for_charts(page)
    return page, state


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
def test_notebook_runs_in_jupyterlab_offline(path: Path, lab_page: LabPage,
                                             slider_moves: dict[str, Any]):
    started = time.monotonic()
    ok = False
    try:
        try:
            page, state = run_notebook(lab_page, path.name)
            seen = inspect(page)
        finally:  # a photograph of the page, whether or not the run finished
            if lab_page.page is not None:
                full_page_screenshot(lab_page.page, SCREENSHOTS / f"{path.stem}.png")
        problems = problems_in(state, seen, lab_page.offline.blocked)
        assert not problems, (
            f"{path.name} in JupyterLab ({time.monotonic() - started:.0f} s, screenshot "
            f"test-results/screenshots/{path.stem}.png):\n- " + "\n- ".join(problems)
            + (f"\npage errors: {lab_page.page_errors[:5]}" if lab_page.page_errors else ""))
        play_participant(page, path.name)
        ok = True
        if path == slider_notebook():  # while it is open: test_moving_a_slider_redraws checks it
            try:
                slider_moves[path.name] = move_first_slider(page)
            except Exception as exc:  # noqa: BLE001 - reported by the slider test
                slider_moves[path.name] = exc
    finally:
        if ok:
            lab_page.close_notebooks()
        else:
            lab_page.discard()


# What a participant types: a wrong answer every kind of exercise rejects, then the right
# one (for a code exercise the reference function, for a value the expected value).
WRONG_ANSWER = "q1.check(-987654.321)"
RIGHT_ANSWER = "q1.check(q1.reference if hasattr(q1, 'reference') else q1.expected_value())"


def play_participant(page: Any, name: str) -> None:
    """Type a wrong, then a right answer into exercise q1 and read the feedback in the page."""
    index = page.evaluate(JS_FIND_CHECK_CELL, "q1")
    assert index >= 0, f"{name}: no cell calls q1.check("
    wrong = play_exercise(page, index, WRONG_ANSWER)
    assert wrong["source"] == WRONG_ANSWER, f"{name}: typing gave {wrong['source']!r}"
    assert "Not quite" in wrong["text"], f"{name}: a wrong answer to q1 showed {wrong['text'][:300]!r}"
    right = play_exercise(page, index, RIGHT_ANSWER)
    assert "Correct" in right["text"], f"{name}: the right answer to q1 showed {right['text'][:300]!r}"


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
    lab_page: LabPage = request.getfixturevalue("lab_page")
    moves: dict[str, Any] = request.getfixturevalue("slider_moves")
    if path.name in moves:  # moved while the notebook test had it open
        move = moves.pop(path.name)
        blocked: list[str] = []
    else:  # that test was not run, or failed: run the notebook here
        try:
            page, state = run_notebook(lab_page, path.name)
            assert not any(c["errors"] for c in state["cells"]), state
            move = move_first_slider(page)
            blocked = list(lab_page.offline.blocked)
        finally:
            lab_page.discard()
    if isinstance(move, Exception):
        raise move
    assert move is not None, f"{path.name} shows no slider in JupyterLab"
    assert move.readout_after != move.readout_before, (
        f"the slider in {path.name} did not move (readout {move.readout_before!r})")
    assert move.before, f"no Output widget beside the slider in {path.name}"
    assert move.changed, (
        f"moving the slider in {path.name} from {move.readout_before} to {move.readout_after} "
        "did not change the widget output")
    assert not blocked, blocked


@pytest.mark.parametrize("path", PARAMS)
def test_committed_charts_show_before_running(path: Path, lab_page: LabPage, lab: LabServer):
    """A participant who opens a committed notebook sees its charts before running
    anything: the saved outputs are untrusted, so JupyterLab sanitizes their HTML,
    and the chart images must survive that, offline."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    saved = sum("mw-chart" in out.get("data", {}).get("text/html", "")
                for cell in nb.cells for out in cell.get("outputs", []))
    name = f"committed_{path.name}"  # a fresh, unsigned copy: never run or saved by the tests
    (lab.root_dir / name).write_bytes(path.read_bytes())
    try:
        page = lab_page.open(name)
        wait_for_charts(page)
        charts = inspect(page)["charts"]
        assert len(charts) == saved > 0, f"{path.name}: {len(charts)} charts shown, {saved} saved"
        bad = [i for i, c in enumerate(charts) if not (c["complete"] and c["naturalWidth"] > 0 and c["isData"] and c["alt"])]
        assert not bad, f"{path.name}: saved charts {bad} do not show"
        assert not lab_page.offline.blocked, lab_page.offline.blocked
    finally:
        lab_page.close_notebooks()
        (lab.root_dir / name).unlink(missing_ok=True)
