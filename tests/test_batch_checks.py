"""Refusing what would silently go wrong, all at once and before anything runs:
the config's structure (JSON Schema), numbers with leading zeros, identical
runs, the run count, values outside the ranges a parameters cell declares,
``data_dir``, and ``python -m helpers.batch check``. Also the small faults:
timeouts, report headers, widget outputs, summary encoding, error links.

Fast tests read configs and notebooks only; tests marked ``slow`` run the
tiny fixture notebooks in tests/fixtures/.
"""

from __future__ import annotations

import csv
import json
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from helpers import batch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLAIN = FIXTURES / "batch_plain.ipynb"
RANGES = FIXTURES / "batch_ranges.ipynb"
REPORT = FIXTURES / "batch_report.ipynb"


def write_config(folder: Path, text: str, name: str = "batch.yml") -> Path:
    path = folder / name
    text = textwrap.dedent(text).replace("PLAIN", str(PLAIN)).replace("RANGES", str(RANGES)).replace("REPORT", str(REPORT))
    path.write_text(text, encoding="utf-8")
    return path


def errors(capsys) -> list[str]:
    return [line[len("error: "):] for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]


def check(cfg: Path, *args: str) -> int:
    return batch.main(["check", str(cfg), *args])


# ------------------------------------------------------------------ structure: JSON Schema


def test_the_schema_is_valid_and_every_example_config_follows_it():
    import yaml
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(batch.CONFIG_SCHEMA)
    validator = Draft202012Validator(batch.CONFIG_SCHEMA)
    configs = sorted((ROOT / "batches").glob("*.yml"))
    assert configs
    for cfg in configs:
        data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(data)) == [], cfg.name


def test_schema_command_writes_the_schema(tmp_path, capsys):
    target = tmp_path / "batch.schema.json"
    assert batch.main(["schema", "--out", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == batch.CONFIG_SCHEMA


@pytest.mark.parametrize("text,message", [
    ("title: [a]\nruns:\n  - {name: a, notebook: PLAIN}\n", "'title' must be text, not list"),
    ("runs: {a: 1}\n", "'runs' must be a list of runs, not mapping"),
    ("runs:\n  - 5\n", "runs[0]: each run must be a mapping"),
    ("runs:\n  - {name: a, notebook: PLAIN, parameters: [1]}\n", "run 'a': 'parameters' must be a mapping of name: value"),
    ("matrix: {seed: []}\nruns:\n  - {name: 'a{seed}', notebook: PLAIN}\n", "matrix: 'seed' must be a non-empty list"),
    ("defaults: {notebook: 5}\nruns:\n  - {name: a}\n", "defaults: 'notebook' must be text, not number"),
    ("runs:\n  - {name: '', notebook: PLAIN}\n", "'name' must be non-empty text"),
])
def test_structure_problems_are_one_line_each(tmp_path, capsys, text, message):
    cfg = write_config(tmp_path, text)
    assert check(cfg) == 2
    found = errors(capsys)
    assert any(message in line for line in found), found
    assert all(line.startswith(str(cfg)) for line in found), found


def test_all_problems_in_one_pass(tmp_path, capsys):
    """A misspelt key in one run no longer hides a misspelt parameter in another."""
    cfg = write_config(tmp_path, """
        runz_note: typo at the top
        defaults: {notebook: PLAIN}
        runs:
          - {name: alice, paramters: {seed: 1}}
          - {name: bob, parameters: {sede: 2}}
          - {name: carol, parameters: {seed: 010}}
          - {name: dan, parameters: {seed: "7x"}}
    """)
    assert batch.main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    found = errors(capsys)
    assert any("unknown top-level key 'runz_note'" in line for line in found), found
    assert any("run 'alice': unknown key 'paramters' (did you mean 'parameters'?)" in line for line in found), found
    assert any("run 'bob': notebook batch_plain.ipynb has no parameter 'sede'" in line for line in found), found
    assert any("010 has a leading zero" in line for line in found), found
    assert any("run 'dan': parameter 'seed' must be int" in line for line in found), found
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ leading zeros, identical runs, run count


@pytest.mark.parametrize("value", ["010", "008", "-07", "00"])
def test_numbers_with_a_leading_zero_are_refused(tmp_path, capsys, value):
    cfg = write_config(tmp_path, f"""
        defaults: {{notebook: PLAIN}}
        runs:
          - {{name: a, parameters: {{seed: {value}}}}}
    """)
    assert check(cfg) == 2
    found = errors(capsys)
    assert any(f"{cfg}:4:" in line and f"{value} has a leading zero" in line for line in found), found


def test_quoted_text_with_a_leading_zero_is_fine(tmp_path, capsys):
    cfg = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        runs:
          - {name: "007", parameters: {name: "007", seed: 7, rate: 0.5}}
    """)
    assert check(cfg) == 0, capsys.readouterr().err


def test_identical_runs_are_warned_about(tmp_path, capsys):
    cfg = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        runs:
          - {name: Amara, parameters: {seed: 101}}
          - {name: Bruno, parameters: {seed: 101}}
          - {name: Chen, parameters: {seed: 103}}
    """)
    assert check(cfg) == 0
    err = capsys.readouterr().err
    assert "warning: runs 'Amara', 'Bruno' have identical parameters" in err, err
    assert "Chen" not in err


def test_run_count_is_printed_and_limited(tmp_path, capsys):
    cfg = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        matrix: {seed: [SEEDS], rate: [RATES]}
        runs:
          - {name: "r{seed}-{rate}"}
    """.replace("SEEDS", ", ".join(map(str, range(1, 201)))).replace("RATES", ", ".join(str(i / 200) for i in range(200))))
    assert check(cfg) == 2
    found = errors(capsys)
    assert len(found) == 1 and "makes 40,000 runs, more than the limit of 200" in found[0] and "--max-runs" in found[0]
    assert batch.main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert not (tmp_path / "out").exists()
    small = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        matrix: {seed: [1, 2, 3]}
        runs:
          - {name: "a-{seed}"}
          - {name: "b-{seed}", parameters: {name: b}}
    """, "small.yml")
    assert check(small, "--workers", "2") == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 6 runs (6 of batch_plain.ipynb); about ") and "2 at a time" in out and "nothing was run" in out
    assert check(small, "--max-runs", "5") == 2
    assert "makes 6 runs, more than the limit of 5" in errors(capsys)[0]


# ------------------------------------------------------------------ declared value ranges


@pytest.mark.parametrize("help_text,value,ok", [
    ("sector (one of: education, business)", "education", True),
    ("sector (one of: education, business)", "Education", False),
    ("sector (one of: \"a\", 'b')", "b", True),
    ("months (at least 12)", 12, True),
    ("months (at least 12)", 1, False),
    ("share (0 to 1)", 1.0, True),
    ("share (0 to 1)", 1.5, False),
    ("year (2015-2024)", 2014, False),
    ("size (> 0, <= 100)", 0, False),
    ("size (> 0, <= 100)", 100, True),
    ("size (>= 1)", 1, True),
    ("plain text (False for batch runs)", 3, True),
])
def test_range_annotations(help_text, value, ok):
    allowed = batch.parse_allowed(help_text)
    assert (allowed is None or allowed.problem(value) is None) == ok


def test_values_outside_declared_ranges_are_refused_before_running(tmp_path, capsys):
    cfg = write_config(tmp_path, """
        defaults: {notebook: RANGES}
        runs:
          - {name: ok, parameters: {sector: business, n_months: 12, rate: 0, year: 2022, size: 100}}
          - {name: a, parameters: {sector: buisness}}
          - {name: b, parameters: {n_months: 1}}
          - {name: c, parameters: {rate: 1.2, size: 0}}
          - {name: d, parameters: {year: 2030}}
    """)
    assert check(cfg) == 2
    found = errors(capsys)
    assert len(found) == 5, found
    assert any("run 'a': parameter 'sector' is 'buisness', but must be one of education, business (did you mean 'business'?)"
               in line for line in found), found
    assert any("run 'b': parameter 'n_months' is 1, but must be >= 12 (declared in batch_ranges.ipynb: (at least 12))"
               in line for line in found), found
    assert any("run 'c': parameter 'rate' is 1.2, but must be <= 1" in line for line in found), found
    assert any("run 'c': parameter 'size' is 0, but must be > 0" in line for line in found), found
    assert any("run 'd': parameter 'year' is 2030, but must be <= 2024" in line for line in found), found


def test_sample_data_ranges_do_not_apply_to_own_data(tmp_path, capsys):
    (tmp_path / "mydata").mkdir()
    cfg = write_config(tmp_path, """
        defaults: {notebook: RANGES}
        runs:
          - {name: own, parameters: {year: 2030, data_dir: mydata}}
    """)
    assert check(cfg) == 0, capsys.readouterr().err


def test_lesson_notebooks_declare_ranges_the_runner_checks(tmp_path, capsys):
    """Notebook 05 with n_months 1 (which would print "lifetime inf months")
    is refused up front; so is notebook 09 with an unknown sector, once its
    parameters cell declares the sectors."""
    nb05 = batch.notebook_parameters(ROOT / "notebooks" / "05_customer_metrics.ipynb")
    assert nb05["n_months"].allowed is not None, "notebook 05 declares the least n_months"
    nb09 = batch.notebook_parameters(ROOT / "notebooks" / "09_capstone_scorecard.ipynb")
    runs = "  - {name: a, notebook: \"05\", parameters: {n_months: 1}}\n"
    if nb09["sector"].allowed is not None:
        runs += "  - {name: b, notebook: \"09\", parameters: {sector: retail}}\n"
    cfg = tmp_path / "batch.yml"
    cfg.write_text("runs:\n" + runs, encoding="utf-8")
    assert check(cfg) == 2
    found = errors(capsys)
    assert any("run 'a': parameter 'n_months' is 1, but must be >= 12" in line for line in found), found
    if nb09["sector"].allowed is not None:
        assert any("run 'b': parameter 'sector' is 'retail', but must be one of education, business" in line
                   for line in found), found


# ------------------------------------------------------------------ data_dir


def test_data_dir_is_resolved_relative_to_the_config(tmp_path, monkeypatch, capsys):
    sub = tmp_path / "course"
    (sub / "week1-data").mkdir(parents=True)
    cfg = write_config(sub, """
        defaults: {notebook: RANGES}
        runs:
          - {name: own, parameters: {data_dir: week1-data}}
          - {name: missing, parameters: {data_dir: no-such-folder}}
    """)
    monkeypatch.chdir(tmp_path)  # not the config's folder
    runs = batch.load_config(cfg)
    assert runs[0].parameters["data_dir"] == str((sub / "week1-data").resolve())
    assert check(cfg) == 2
    found = errors(capsys)
    assert len(found) == 1 and "run 'missing': parameter 'data_dir'" in found[0] and "not found" in found[0], found
    assert str(sub / "no-such-folder") in found[0]


# ------------------------------------------------------------------ kernel start-up


def test_a_kernel_that_died_on_start_up_counts_as_not_started(tmp_path):
    """papermill marks every cell "completed" when a run ends, even when the
    kernel died before any cell ran; that run is still retried."""
    from helpers.batch import execute

    nb = nbformat.read(PLAIN, as_version=4)
    for cell in nb.cells:
        cell.metadata["papermill"] = {"status": "completed", "start_time": None, "end_time": None, "duration": None}
    path = tmp_path / "out.ipynb"
    nbformat.write(nb, path)
    assert execute._started(path) is False
    nb.cells[1].metadata["papermill"]["start_time"] = "2026-11-30T10:00:00"
    nbformat.write(nb, path)
    assert execute._started(path) is True


# ------------------------------------------------------------------ reports and small faults


def test_report_header_and_widget_outputs():
    nb = nbformat.read(REPORT, as_version=4)
    nb.cells[7].outputs = [nbformat.v4.new_output(
        "display_data", data={"text/plain": "VBox(children=(IntSlider(value=3),))",
                              "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2}})]
    page = batch.export_html(nb, run="王小明", notebook="batch_report.ipynb",
                             parameters={"seed": 3, "interactive": True}, files=["batch_report.html"])
    assert "<title>王小明: batch_report.ipynb</title>" in page
    header = re.search(r'<header[^>]*class="mw-run"[^>]*>(.*?)</header>', page, re.S).group(1)
    assert "王小明" in header and "batch_report.ipynb" in header and "seed 3" in header
    assert "<dt>interactive</dt><dd><code>true</code></dd>" in header
    assert "VBox(" not in page and "Interactive widget: not part of this report" in page
    assert 'href="01_when_metrics_bite.ipynb"' not in page and "the first lesson" in page
    assert "<th></th>" not in page


@pytest.mark.slow
def test_timeout_names_the_cell(tmp_path):
    cfg = write_config(tmp_path, """
        defaults: {notebook: PLAIN}
        runs:
          - {name: slow, parameters: {sleep: 30.0}}
    """)
    out = tmp_path / "out"
    assert batch.main(["run", str(cfg), "--out", str(out), "--timeout", "1", "--quiet"]) == 1
    record = json.loads((out / "slow" / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "failed" and record["attempts"] == 1
    nb = nbformat.read(out / "slow" / "batch_plain.ipynb", as_version=4)
    cell = record["error"]["cell"]
    assert "time.sleep(sleep)" in nb.cells[cell].source
    assert record["error_text"] == f"cell {cell}: timed out after 1 s"
    assert "-----" not in record["error_text"]


@pytest.mark.slow
def test_summary_has_a_bom_and_errors_link_to_the_failing_cell(tmp_path):
    cfg = write_config(tmp_path, """
        title: Encoding
        defaults: {notebook: REPORT}
        runs:
          - {name: Ольга Иванова, parameters: {seed: 4}}
          - {name: 王小明, parameters: {seed: 5, fail: true}}
    """)
    out = tmp_path / "out"
    assert batch.main(["run", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 1
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    with open(out / "summary.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["folder"] for r in rows] == ["Ольга-Иванова", "王小明"]
    record = json.loads((out / "王小明" / "run.json").read_text(encoding="utf-8"))
    cell_id = record["error"]["cell_id"]
    assert cell_id
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"batch_report.html#cell-id={cell_id}" in index
    report = (out / "王小明" / "batch_report.html").read_text(encoding="utf-8")
    assert f'id="cell-id={cell_id}"' in report and "planned failure" in report


def test_make_batch_quotes_paths_with_spaces():
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make not installed")
    done = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed-stamp", "batch", "CONFIG=my batches/week 1.yml", "OUT=class out/week 1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert 'helpers.batch run "my batches/week 1.yml" --out "class out/week 1"' in done.stdout, done.stdout


def test_the_instructors_guide_matches_the_runner():
    """Folder names, subcommands and options the guide shows are the real ones."""
    guide = (ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
    for name in ("Amara Okafor", "王小明", "Ольга Иванова", "Zoë"):
        folder = batch.sanitize_name(name)
        assert f"{folder}/" in guide or f"`{folder}`" in guide, folder
    assert "amara-okafor/" not in guide
    parser = batch.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    commands = set(sub.choices)
    for cmd in re.findall(r"python -m helpers\.batch (\w[\w-]*)", guide):
        assert cmd in commands, cmd
    options = {opt for p in sub.choices.values() for a in p._actions for opt in a.option_strings}
    dask_worker = {"--nworkers", "--nthreads"}  # options of `dask worker`, shown in the guide
    for opt in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", guide)) - dask_worker:
        assert opt in options, opt


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name[:2])
def test_every_default_is_within_its_declared_range(path):
    """A notebook's own defaults pass the ranges its parameters cell declares."""
    for name, spec in batch.notebook_parameters(path).items():
        if spec.allowed is not None:
            assert spec.allowed.problem(spec.default) is None, f"{path.name}: {name} = {spec.default!r} {spec.allowed.text}"
