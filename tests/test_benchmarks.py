"""The benchmark code runs and writes a well-formed report (never a timing assertion).

The fast tests run the in-process parts on tiny sizes; the slow one runs the whole
``--quick`` mode, which starts one kernel for the floor notebook.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import callbacks, common, notebooks, report, run, scaling  # noqa: E402

RESULT = re.compile(r"\| (PASS|\*\*MISS\*\*|MISS|n/a[^|]*) \|$")


def _rows_with_result(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|") and RESULT.search(line)]


def _not_yet() -> object:
    raise callbacks.NotAvailable("helpers.nowhere does not exist yet")


def _broken() -> object:
    raise KeyError("half-written module")


def _render(sections: list[common.Section]) -> str:
    return report.render(sections, common.machine_info(), common.versions(), "benchmarks/run.py --test", common.load_average())


def test_in_process_parts_write_a_well_formed_report(tmp_path):
    registry = [
        callbacks.REGISTRY[0],  # notebook 00's target slider: real data, real chart
        callbacks.Callback("98", "nowhere.view", "a slider", _not_yet),
        callbacks.Callback("99", "broken.view", "a slider", _broken),
    ]
    cb = callbacks.run(repeat=1, registry=registry)
    cases = [c for c in scaling.CASES if c[0].startswith(("metrics.ipeds_retention", "metrics.nps(", "education.cohort_outcomes"))]
    cases.append(("nowhere.metric(x)", lambda f: callbacks.need("nowhere")))
    metrics = scaling.run(1, sizes=(300, 600), cases=cases)
    sizes = notebooks.run_sizes()
    text = _render([cb, metrics, sizes])
    out = tmp_path / "benchmarks.md"
    out.write_text(text, encoding="utf-8")

    assert text.startswith(report.TITLE + "\n")
    for heading in ("## Summary", "## 1. Widget callbacks", "## 2. Metrics and generators at 300, 600 rows",
                    "## 3. Notebook file sizes"):
        assert heading in text
    for fact in ("| date |", "| machine |", "| python |", "| commit |", "load average", "Versions: pandas"):
        assert fact in text
    assert re.search(r"\d+ PASS, \d+ MISS, \d+ n/a\.", text)
    # every table that judges something has target and result columns, and every row a verdict
    assert text.count("| target | result |") >= 4  # summary, callbacks, metrics, sizes
    judged = _rows_with_result(text)
    assert len(judged) >= len(cb.checks) + len(metrics.checks)
    # the registry is tolerant: a missing module is "not available", a failing setup "error"
    assert "n/a: not available" in text and "n/a: error" in text
    assert "nowhere.metric(x)" in text and "not available" in metrics.notes[-1]
    # the real callback and the real metrics were measured
    assert cb.checks[0].result in (common.PASS, common.MISS)
    assert all(c.result in (common.PASS, common.MISS) for c in metrics.checks if "nowhere" not in c.what)
    assert "growth 300->600" in text


def test_discover_follows_factories_lambdas_and_functions(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from helpers import charts, support, simulate as sim\n%matplotlib inline"),
        nbformat.v4.new_code_cell(
            "if interactive:\n"
            "    import ipywidgets as widgets\n"
            "    view = support.target_view(agents)\n"
            "    a = widgets.interactive_output(lambda t: charts.show(view(t)), {'t': s})\n"
            "    def redraw(p):\n"
            "        charts.show(sim.team_view(pressure=p))\n"
            "    b = widgets.interactive_output(redraw, {'p': s})\n"
        ),
        nbformat.v4.new_code_cell("charts.show(support.target_chart(agents, 8))  # not a widget cell"),
    ]
    path = tmp_path / "07_example.ipynb"
    nbformat.write(nb, path)
    assert callbacks.discover([path]) == {"07": ["support.target_view", "simulate.team_view"]}


def test_report_marks_misses_and_lists_profiles():
    s = common.Section("x", "Example", headers=["what", "target", "result"])
    ok = s.check("fast thing", "10 ms", "<= 100 ms", True)
    bad = s.check("slow thing", "300 ms", "<= 100 ms", False)
    s.rows = [["fast", "<= 100 ms", ok.result], ["slow", "<= 100 ms", bad.result]]
    s.profiles.append(("slow thing", "   ncalls  tottime\n        1    0.300 slow()"))
    text = _render([s])
    assert "1 PASS, 1 MISS, 0 n/a." in text
    assert "| slow thing | 300 ms | <= 100 ms | **MISS** |" in text
    assert "## Profiles of what missed its target" in text and "### slow thing" in text


def test_cli_refuses_unknown_parts(capsys):
    with pytest.raises(SystemExit) as exc:
        run.main(["--only", "callbacks,speed", "--out", "-"])
    assert exc.value.code == 2
    assert "speed" in capsys.readouterr().err


@pytest.mark.slow
def test_quick_mode_end_to_end(tmp_path):
    out = tmp_path / "bench.md"
    assert run.main(["--quick", "--only", "notebooks,callbacks,sizes", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## 1. Notebooks: headless run against the kernel-start floor" in text
    assert re.search(r"\| floor \(one cell: imports\) \| \d+\.\d\d s \|", text)
    assert "## 2. Widget callbacks" in text and "## 3. Notebook file sizes" in text
    assert "Not run:" in text and "metrics (not selected with --only)" in text
