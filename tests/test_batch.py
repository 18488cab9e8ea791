"""The instructor batch runner (helpers.batch): config checks, runs, outputs, faults.

Fast tests check the config and parameter validation, folder names, the
results record and atomic writes without starting a kernel. Tests marked
``slow`` run small batches of the fixture notebooks in tests/fixtures/
(batch_plain: no heavy imports; batch_chart: a chart through helpers.charts).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from helpers import batch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLAIN = FIXTURES / "batch_plain.ipynb"
CHART = FIXTURES / "batch_chart.ipynb"
REMOTE = re.compile(r"unpkg\.com|jsdelivr|cdnjs|<script[^>]+src=[\"']?(https?:)?//", re.I)


def write_config(tmp_path: Path, text: str, name: str = "batch.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).replace("PLAIN", str(PLAIN)).replace("CHART", str(CHART)), encoding="utf-8")
    return path


def run_cli(*args: str) -> int:
    return batch.main(["run", *map(str, args), "--quiet"])


def tmp_leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# ------------------------------------------------------------------ config


def test_load_config_defaults_matrix_and_templates(tmp_path):
    cfg = write_config(tmp_path, """
        title: Class of spring
        defaults:
          notebook: PLAIN
          parameters: {rate: 0.25}
        runs:
          - name: alice
            parameters: {seed: 11, name: Alice}
          - name: "grid-{seed}-{rate}"
            matrix: {seed: [1, 2], rate: [0.1, 0.9]}
    """)
    runs = batch.load_config(cfg)
    assert [r.name for r in runs] == ["alice", "grid-1-0.1", "grid-1-0.9", "grid-2-0.1", "grid-2-0.9"]
    assert runs[0].parameters == {"rate": 0.25, "seed": 11, "name": "Alice"}
    assert runs[0].notebook == PLAIN.resolve()
    assert runs[3].parameters == {"rate": 0.1, "seed": 2}
    assert runs[3].sources["rate"] == "matrix"
    assert batch.validate_runs(runs) == []


def test_top_level_matrix_multiplies_every_run(tmp_path):
    cfg = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        matrix: {seed: [1, 2, 3]}
        runs:
          - {name: "alice-{seed}", parameters: {name: Alice}}
          - {name: "bob-{seed}", parameters: {name: Bob}}
    """)
    runs = batch.load_config(cfg)
    assert [r.name for r in runs] == ["alice-1", "alice-2", "alice-3", "bob-1", "bob-2", "bob-3"]
    assert {r.parameters["seed"] for r in runs} == {1, 2, 3}


def test_notebook_resolution(tmp_path, monkeypatch):
    monkeypatch.setattr(batch.config, "NOTEBOOKS_DIR", FIXTURES)
    (tmp_path / "sub").mkdir()
    shutil.copy(PLAIN, tmp_path / "sub" / "local.ipynb")
    assert batch.resolve_notebook("batch_plain") == PLAIN.resolve()
    assert batch.resolve_notebook("batch_plain.ipynb") == PLAIN.resolve()
    assert batch.resolve_notebook("tests/fixtures/batch_chart.ipynb") == CHART.resolve()
    assert batch.resolve_notebook("sub/local", tmp_path) == (tmp_path / "sub" / "local.ipynb").resolve()
    assert batch.resolve_notebook(str(CHART)) == CHART.resolve()
    assert batch.resolve_notebook("no_such_notebook") is None


BAD_CONFIGS = [
    ("runs: [\n", "invalid YAML"),
    ("- just\n- a list\n", "must be a mapping"),
    ("", "empty"),
    ("runz: []\n", "unknown top-level key 'runz'"),
    ("runs: []\n", "'runs' is empty"),
    ("runs:\n  - {notebook: PLAIN}\n", "runs[0]: missing key 'name'"),
    ("runs:\n  - {name: a}\n", "run 'a': missing key 'notebook'"),
    ("runs:\n  - {name: a, notebook: PLAIN, paramters: {seed: 1}}\n", "run 'a': unknown key 'paramters' (did you mean 'parameters'?)"),
    ("runs:\n  - {name: a, notebook: PLAIN}\n  - {name: a, notebook: PLAIN}\n", "run 'a': duplicate run name"),
    ("runs:\n  - name: a\n    notebook: PLAIN\n    parameters: {seed: 1, seed: 2}\n", "duplicate key 'seed'"),
    ("runs:\n  - {name: a, notebook: PLAIN, matrix: {seed: [1, 2]}}\n", "run 'a': the name must use every matrix parameter"),
    ("runs:\n  - {name: 'a-{sed}', notebook: PLAIN, matrix: {seed: [1]}}\n", "uses {sed}, which is not a parameter"),
    ("runs:\n  - {name: a, notebook: PLAIN, matrix: {seed: 3}}\n", "'seed' must be a non-empty list"),
    ("runs:\n  - {name: a, notebook: PLAIN, parameters: {seed: 1}, matrix: {seed: [1, 2]}}\n", "set both in 'parameters' and in a matrix"),
    ("defaults: {notebok: PLAIN}\nruns:\n  - {name: a, notebook: PLAIN}\n", "defaults: unknown key 'notebok'"),
    # checks against the notebook's parameters cell
    ("runs:\n  - {name: a, notebook: nowhere_nb}\n", "run 'a': notebook 'nowhere_nb' not found"),
    ("runs:\n  - {name: alice, notebook: PLAIN, parameters: {seed: 7x}}\n",
     "run 'alice': parameter 'seed' must be int (declared in batch_plain.ipynb), got str '7x'"),
    ("runs:\n  - {name: bob, notebook: PLAIN, parameters: {sede: 3}}\n",
     "run 'bob': notebook batch_plain.ipynb has no parameter 'sede' (did you mean 'seed'?)"),
    ("runs:\n  - {name: c, notebook: PLAIN, parameters: {seed: true}}\n", "parameter 'seed' must be int (declared in batch_plain.ipynb), got bool True"),
    ("runs:\n  - {name: c, notebook: PLAIN, parameters: {seed: 1.5}}\n", "parameter 'seed' must be int"),
    ("runs:\n  - {name: c, notebook: PLAIN, parameters: {fail: 1}}\n", "parameter 'fail' must be bool"),
    ("runs:\n  - {name: c, notebook: PLAIN, parameters: {rate: 'high'}}\n", "parameter 'rate' must be float"),
    ("runs:\n  - {name: c, notebook: PLAIN, parameters: {name: 2024-05-01}}\n", "got date 2024-05-01 (quote it"),
    ("runs:\n  - {name: c, notebook: PLAIN, parameters: {name: 12}}\n", "parameter 'name' must be str"),
    ("defaults: {parameters: {sed: 1}}\nruns:\n  - {name: d, notebook: PLAIN}\n", "no parameter 'sed' (from defaults)"),
]


@pytest.mark.parametrize("text,message", BAD_CONFIGS, ids=[m[:40] for _, m in BAD_CONFIGS])
def test_bad_config_is_refused_before_anything_runs(tmp_path, capsys, text, message):
    cfg = write_config(tmp_path, text)
    out = tmp_path / "out"
    assert run_cli(cfg, "--out", out) == 2
    err = capsys.readouterr().err
    assert message in err, err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert lines and all(str(cfg) in line for line in lines), err  # every line names the file
    assert "no run started" in err
    assert not out.exists(), "nothing may be written when the config is refused"


def test_every_problem_is_reported_one_line_each(tmp_path, capsys):
    cfg = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        runs:
          - {name: alice, parameters: {seed: "7x", rate: true}}
          - {name: bob, parameters: {sede: 3}}
          - {name: carol, parameters: {seed: 3}}
    """)
    assert run_cli(cfg, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err.splitlines()
    assert sum(line.startswith("error: ") for line in err) == 3
    assert not any("carol" in line for line in err)


def test_types_are_checked_and_cast(tmp_path):
    cfg = write_config(tmp_path, """
        runs:
          - {name: a, notebook: PLAIN, parameters: {rate: 2, note: [1, "x"], seed: 5}}
    """)
    (run,) = batch.load_config(cfg)
    assert batch.validate_runs([run]) == []
    params = batch.effective_parameters(run)
    assert params == {"rate": 2.0, "note": [1, "x"], "seed": 5, "interactive": False}
    assert type(params["rate"]) is float  # an int given for a float becomes a float


def test_interactive_set_by_the_run_is_kept(tmp_path):
    cfg = write_config(tmp_path, "runs:\n  - {name: a, notebook: PLAIN, parameters: {interactive: true}}\n")
    (run,) = batch.load_config(cfg)
    assert batch.effective_parameters(run)["interactive"] is True


def test_declared_parameters_and_types(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(
        'seed = 42  # seed\nshare: float = 1  # annotated\nflag = False  # on or off\n'
        'label = "x"  # text\nlimit = 0.5  # flag when value >= 0.5\nanything = None  # free\nsizes = [1, 2]  # list'
    )
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    path = tmp_path / "p.ipynb"
    nbformat.write(nb, path)
    declared = batch.notebook_parameters(path)
    assert {k: v.type for k, v in declared.items()} == {
        "seed": "int", "share": "float", "flag": "bool", "label": "str",
        "limit": "float",  # papermill skips this line (a second '='); read from the syntax tree
        "anything": None, "sizes": "list",
    }
    assert declared["seed"].default == 42 and declared["seed"].help == "seed"


def test_workers_must_be_positive(tmp_path, capsys):
    cfg = write_config(tmp_path, "runs:\n  - {name: a, notebook: PLAIN}\n")
    assert run_cli(cfg, "--out", tmp_path / "out", "--workers", "0") == 2
    assert "--workers" in capsys.readouterr().err


# ------------------------------------------------------------------ folders


@pytest.mark.parametrize(
    "name,folder",
    [
        ("alice", "alice"),
        ("Alice Smith", "Alice-Smith"),
        ("../../etc", "etc"),
        ("/etc/passwd", "etc-passwd"),
        ("..", "run"),
        (".hidden", "hidden"),
        ("", "run"),
        ("Zoë Ødegård", "Zoe-Ødegard"),
        ("東京", "東京"),
        ("王小明", "王小明"),
        ("Ольга Иванова", "Ольга-Иванова"),
        ("Йорк", "Йорк"),
        ("x²", "x2"),
        ("a/b\\c:d*e?f", "a-b-c-d-e-f"),
        ("index.html", "index.html-run"),
        ("CON", "CON-run"),
        ("x" * 200, "x" * 80),
    ],
)
def test_sanitize_name(name, folder):
    assert batch.sanitize_name(name) == folder


def test_folders_are_unique_and_inside_out(tmp_path):
    names = ["Zoë", "Zoe", "zoe", "../zoe", "a b", "a-b", "東京", "京都"]
    folders = batch.assign_folders(names)
    assert list(folders.values()) == ["Zoe", "Zoe-2", "zoe-3", "zoe-4", "a-b", "a-b-2", "東京", "京都"]
    assert len({f.lower() for f in folders.values()}) == len(names)
    for folder in folders.values():
        assert batch._run_dir(tmp_path, folder).parent == tmp_path.resolve()
    with pytest.raises(ValueError):
        batch._run_dir(tmp_path, "../escape")


def test_unicode_names_keep_stable_folders():
    """Non-Latin names keep their letters, and a name's folder does not change
    when other participants join or leave the roster."""
    roster = ["王小明", "Ольга Иванова", "李华", "Amara Okafor", "Σοφία"]
    full = batch.assign_folders(roster)
    assert full == {"王小明": "王小明", "Ольга Иванова": "Ольга-Иванова", "李华": "李华",
                    "Amara Okafor": "Amara-Okafor", "Σοφία": "Σοφία"}
    smaller = batch.assign_folders(["Ольга Иванова", "Σοφία", "Новый Ученик"])
    assert smaller["Ольга Иванова"] == full["Ольга Иванова"] and smaller["Σοφία"] == full["Σοφία"]


def test_sanitized_names_never_escape(tmp_path):
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    @hypothesis.settings(max_examples=300, deadline=None)
    @hypothesis.given(st.text())
    def check(name):
        folder = batch.sanitize_name(name)
        assert folder and all(c.isalnum() or c in "._-" for c in folder)
        assert len(folder.encode("utf-8")) <= 255
        assert not folder.startswith(".") and folder not in {".", ".."}
        assert (tmp_path / folder).resolve().parent == tmp_path.resolve()

    check()


# ------------------------------------------------------------------ results record, atomic writes


def test_record_result_outside_a_batch_only_returns(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(batch.RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert batch.record_result(a=1, b="x") == {"a": 1, "b": "x"}
    assert list(tmp_path.iterdir()) == []
    assert capsys.readouterr().out == ""


def test_record_result_writes_plain_json(monkeypatch, tmp_path):
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    target = tmp_path / "result.json"
    monkeypatch.setenv(batch.RESULTS_ENV, str(target))
    record = batch.record_result(
        n=np.int64(3), share=np.float32(0.5), ok=np.bool_(True), missing=float("nan"),
        when=pd.Timestamp("2025-09-01"), path=Path("a/b"), items=(1, np.int16(2)),
    )
    assert record == {"n": 3, "share": 0.5, "ok": True, "missing": None,
                      "when": "2025-09-01T00:00:00", "path": "a/b", "items": [1, 2]}
    batch.record_result(extra="later")
    assert json.loads(target.read_text()) == {**record, "extra": "later"}
    assert tmp_leftovers(tmp_path) == []
    with pytest.raises(TypeError, match="figure 'frame'"):
        batch.record_result(frame=pd.DataFrame({"a": [1]}))


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "summary.csv"
    batch.atomic_write(target, "old\n")
    assert target.read_text() == "old\n" and tmp_leftovers(tmp_path) == []

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.atomic_write(target, "new and much longer content\n")
    with pytest.raises(KeyboardInterrupt):
        batch.atomic_write(tmp_path / "report.html", "<html>")
    assert target.read_text() == "old\n", "an interrupted write keeps the old complete file"
    assert not (tmp_path / "report.html").exists(), "an interrupted write never leaves a partial file"
    assert tmp_leftovers(tmp_path) == []


# ------------------------------------------------------------------ one run, kernel-start retry


def _fake_papermill(fail_times: int, calls: list, exc: Exception):
    def fake(job, out_nb, results, log_file=None):
        calls.append(job["name"])
        if len(calls) <= fail_times:
            raise exc  # before any cell ran: no output notebook at all
        shutil.copy(job["notebook"], out_nb)
        results.write_text('{"value": 1}')

    return fake


def test_kernel_that_fails_to_start_is_retried_once(monkeypatch):
    calls: list = []
    monkeypatch.setattr(batch.execute, "_run_papermill", _fake_papermill(1, calls, RuntimeError("Kernel died before replying to kernel_info")))
    outcome = batch.execute_run({"name": "a", "notebook": str(PLAIN), "parameters": {}})
    assert outcome["status"] == "ok" and outcome["attempts"] == 2 and len(calls) == 2
    assert outcome["error"] is None and outcome["result"] == {"value": 1}
    assert set(outcome["files"]) == {"batch_plain.ipynb", "batch_plain.html"}


def test_kernel_failing_twice_is_a_failed_run(monkeypatch):
    calls: list = []
    monkeypatch.setattr(batch.execute, "_run_papermill", _fake_papermill(5, calls, TimeoutError("Kernel didn't respond in 60 seconds")))
    outcome = batch.execute_run({"name": "a", "notebook": str(PLAIN), "parameters": {}})
    assert outcome["status"] == "failed" and len(calls) == 2
    assert outcome["error"]["exception"] == "TimeoutError"
    assert "failed to start twice" in outcome["error"]["message"]


def test_a_cell_error_is_not_retried(monkeypatch):
    from papermill.exceptions import PapermillExecutionError

    calls: list = []
    err = PapermillExecutionError(4, 3, "raise ValueError", "ValueError", "boom", [])
    monkeypatch.setattr(batch.execute, "_run_papermill", _fake_papermill(5, calls, err))
    outcome = batch.execute_run({"name": "a", "notebook": str(PLAIN), "parameters": {}})
    assert len(calls) == 1 and outcome["status"] == "failed"
    assert batch.error_text(outcome["error"]) == "cell 4 (In [3]): ValueError: boom"


# ------------------------------------------------------------------ whole batches (kernels)


@pytest.fixture(scope="module")
def class_batch(tmp_path_factory):
    """One batch for several tests: three good runs, one that fails, names to sanitize."""
    tmp = tmp_path_factory.mktemp("class")
    cfg = write_config(tmp, """
        title: Test class
        defaults:
          notebook: PLAIN
        runs:
          - name: alice
            notebook: CHART
            parameters: {seed: 3}
          - name: ../../etc
            parameters: {seed: 4, name: Eve}
          - name: Zoë
            parameters: {seed: 5, name: Zoë, rate: 1}
          - name: zoe
            parameters: {seed: 6}
          - name: bob
            parameters: {seed: 7, fail: true, name: Bob}
    """)
    out = tmp / "out"
    start = time.perf_counter()
    code = run_cli(cfg, "--out", out, "--workers", "2")
    return {"code": code, "out": out, "cfg": cfg, "seconds": time.perf_counter() - start}


def read_summary(out: Path) -> list[dict]:
    with open(out / "summary.csv", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_failure_is_isolated_and_reported(class_batch):
    out = class_batch["out"]
    assert class_batch["code"] == 1
    rows = {r["name"]: r for r in read_summary(out)}
    assert {n: r["status"] for n, r in rows.items()} == {
        "alice": "ok", "../../etc": "ok", "Zoë": "ok", "zoe": "ok", "bob": "failed"}
    run = json.loads((out / "bob" / "run.json").read_text())
    assert run["status"] == "failed"
    assert run["error"]["exception"] == "ValueError" and run["error"]["message"] == "planned failure for Bob"
    assert isinstance(run["error"]["cell"], int)
    assert rows["bob"]["error"] == batch.error_text(run["error"])
    assert rows["bob"]["error"].startswith(f"cell {run['error']['cell']} (In [")
    # the partial notebook is kept, with papermill's error banner and the traceback
    partial = nbformat.read(out / "bob" / "batch_plain.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in partial.cells for o in c.get("outputs", []))
    assert "An Exception was encountered" in "".join(c.source for c in partial.cells if c.cell_type == "markdown")
    assert (out / "bob" / "batch_plain.html").is_file()


@pytest.mark.slow
def test_run_folders_are_sanitized_and_complete(class_batch):
    out = class_batch["out"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["alice", "etc", "Zoe", "zoe-2", "bob", "summary.csv", "index.html", "batch.json"])
    assert not (out.parent / "etc").exists() and not Path("/etc/batch_plain.ipynb").exists()
    for folder in ["alice", "etc", "Zoe", "zoe-2", "bob"]:
        files = {p.name for p in (out / folder).iterdir()}
        assert {"run.json", "result.json"} <= files
        assert any(f.endswith(".ipynb") for f in files) and any(f.endswith(".html") for f in files)
    run = json.loads((out / "Zoe" / "run.json").read_text())
    assert run["name"] == "Zoë" and run["parameters"] == {"seed": 5, "name": "Zoë", "rate": 1.0, "interactive": False}
    assert json.loads((out / "Zoe" / "result.json").read_text()) == {"value": 79, "name": "Zoë", "rate": 1.0, "seed": 5, "cwd": "fixtures"}
    assert tmp_leftovers(out) == []


@pytest.mark.slow
def test_summary_csv(class_batch):
    rows = read_summary(class_batch["out"])
    assert [r["name"] for r in rows] == ["alice", "../../etc", "Zoë", "zoe", "bob"]
    assert list(rows[0])[:6] == ["name", "folder", "notebook", "parameters", "status", "duration_s"]
    assert list(rows[0])[-2:] == ["error", "batch"] and rows[0]["batch"] == "Test class"
    assert rows[0]["notebook"] == "tests/fixtures/batch_chart.ipynb"
    assert json.loads(rows[1]["parameters"]) == {"seed": 4, "name": "Eve", "interactive": False}
    assert all(float(r["duration_s"]) > 0 for r in rows)
    # the results record's figures become columns ('name' clashes with a fixed column)
    assert rows[0]["value"] == "30" and rows[0]["share"] == "0.3"
    assert rows[1]["result_name"] == "Eve" and rows[1]["share"] == ""
    assert rows[1]["cwd"] == "fixtures", "the kernel runs in the notebook's own folder"
    assert rows[4]["value"] == "" and rows[4]["status"] == "failed"


@pytest.mark.slow
def test_index_html_links_every_report(class_batch):
    page = (class_batch["out"] / "index.html").read_text(encoding="utf-8")
    assert "<title>Test class</title>" in page
    for folder, nb in [("alice", "batch_chart"), ("etc", "batch_plain"), ("Zoe", "batch_plain"),
                       ("zoe-2", "batch_plain"), ("bob", "batch_plain")]:
        assert f'href="{folder}/{nb}.html"' in page
        assert (class_batch["out"] / folder / f"{nb}.html").is_file()
    assert page.count('class="status ok"') == 4 and page.count('class="status failed"') == 1
    assert "5 runs: 4 ok, 1 failed" in page
    assert "../../etc" in page and "Zoë" in page
    assert "planned failure for Bob" in page
    assert not REMOTE.search(page) and "<script" not in page and "http" not in page


@pytest.mark.slow
def test_html_reports_are_offline_and_show_charts(class_batch):
    out = class_batch["out"]
    report = (out / "alice" / "batch_chart.html").read_text(encoding="utf-8")
    img = re.search(r"<img [^>]*>", report)
    assert img and 'src="data:image/svg+xml;base64,' in img.group(0) and 'alt="tiny fixture chart"' in img.group(0)
    for html_file in out.rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        assert not REMOTE.search(text), html_file
        assert not re.search(r"<script[^>]*\bsrc=", text), html_file
        assert not re.search(r"<link[^>]*href=[\"']?(https?:)?//", text), html_file


@pytest.mark.slow
def test_only_failed_reruns_just_the_failures(tmp_path):
    text = """
        defaults: {notebook: PLAIN}
        runs:
          - {name: good, parameters: {seed: 1}}
          - {name: flaky, parameters: {seed: 2, fail: FAIL}}
    """
    cfg = write_config(tmp_path, text.replace("FAIL", "true"))
    out = tmp_path / "out"
    assert run_cli(cfg, "--out", out) == 1
    good_run = (out / "good" / "run.json").read_text()
    flaky_before = json.loads((out / "flaky" / "run.json").read_text())

    assert run_cli(cfg, "--out", out, "--only-failed") == 1  # still failing
    assert (out / "good" / "run.json").read_text() == good_run, "a run that succeeded is not re-run"
    assert json.loads((out / "flaky" / "run.json").read_text())["started"] >= flaky_before["started"]

    cfg = write_config(tmp_path, text.replace("FAIL", "false"))  # the instructor fixes the cause
    assert run_cli(cfg, "--out", out, "--only-failed") == 0
    assert (out / "good" / "run.json").read_text() == good_run
    rows = read_summary(out)
    assert [(r["name"], r["status"]) for r in rows] == [("good", "ok"), ("flaky", "ok")]
    assert rows[0]["value"] != ""  # figures of the run kept from the first batch
    assert run_cli(cfg, "--out", out, "--only-failed") == 0  # nothing left to do
    assert tmp_leftovers(out) == []


def test_only_failed_needs_an_earlier_batch(tmp_path, capsys):
    cfg = write_config(tmp_path, "runs:\n  - {name: a, notebook: PLAIN}\n")
    assert run_cli(cfg, "--out", tmp_path / "empty", "--only-failed") == 2
    assert "no earlier batch" in capsys.readouterr().err


@pytest.mark.slow
def test_interrupted_batch_leaves_nothing_that_looks_complete(tmp_path):
    cfg = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        runs:
          - {name: quick}
          - {name: slow, parameters: {sleep: 120.0}}
    """)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers.batch", "run", str(cfg), "--out", str(out), "--workers", "2", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not (out / "quick" / "run.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole process group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert (out / "quick" / "run.json").is_file()
    slow = out / "slow"
    assert not (slow / "run.json").exists()
    assert not (slow / "batch_plain.ipynb").exists() and not (slow / "batch_plain.html").exists()
    assert {r["name"]: r["status"] for r in read_summary(out)} == {"quick": "ok", "slow": "not run"}
    assert tmp_leftovers(out) == []


# ------------------------------------------------------------------ Dask


@pytest.mark.slow
def test_dask_scheduler(tmp_path):
    distributed = pytest.importorskip("distributed", reason="the optional 'dask' extra is not installed")
    cfg = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        runs:
          - {name: "d-{seed}", matrix: {seed: [1, 2, 3]}}
          - {name: broken, parameters: {fail: true}}
    """)
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        code = run_cli(cfg, "--out", out, "--scheduler", cluster.scheduler_address)
    assert code == 1
    rows = {r["name"]: r for r in read_summary(out)}
    assert {n: r["status"] for n, r in rows.items()} == {"d-1": "ok", "d-2": "ok", "d-3": "ok", "broken": "failed"}
    assert rows["d-2"]["value"] == str(json.loads((out / "d-2" / "result.json").read_text())["value"])
    assert "ValueError" in rows["broken"]["error"]
    assert (out / "broken" / "batch_plain.ipynb").is_file() and tmp_leftovers(out) == []


def test_scheduler_without_dask_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    cfg = write_config(tmp_path, "runs:\n  - {name: a, notebook: PLAIN}\n")
    assert run_cli(cfg, "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:1") == 2
    err = capsys.readouterr().err
    assert "needs Dask" in err and ".[dask]" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ the example configs


@pytest.mark.parametrize("cfg", sorted((ROOT / "batches").glob("*.yml")), ids=lambda p: p.name)
def test_example_configs_are_valid(cfg):
    runs = batch.load_config(cfg)
    assert runs
    missing = [r.notebook_ref for r in runs if r.notebook is None]
    if missing:
        pytest.skip(f"notebook not written yet: {missing[0]}")
    assert batch.validate_runs(runs) == []


@pytest.mark.slow
def test_api_from_a_script_without_main_guard(tmp_path):
    """Workers never re-run the caller's script (which would start the batch again)."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        from pathlib import Path
        from helpers import batch
        runs = [batch.RunSpec(name="only", notebook=Path({str(PLAIN)!r}), parameters={{"seed": 3}})]
        result = batch.run_batch(runs, Path({str(tmp_path / 'out')!r}), workers=1, progress=False)
        print("exit", result.exit_code, [r.status for r in result.records])
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "exit 0 ['ok']" in proc.stdout
    assert "Traceback" not in proc.stderr
