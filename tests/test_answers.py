"""Answer keys (``python -m helpers.batch answers``) and the registry that
builds each notebook's exercises from its parameters.

The registry mirrors each notebook's ``nbNN.exercises(...)`` call: a test
fails as soon as a notebook's call and the registry disagree. One test runs
the whole chain on a real notebook: answer keys for notebook 00 at seed 7,
planted into a copy of the notebook, executed, and read back by the class
review as all correct.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from helpers import batch
from helpers.batch import exercise_registry, review_read

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import review_course  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_accessibility import audit, browser, dead_links, describe  # noqa: E402,F401  (browser: a fixture)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def exercises_calls(path: Path) -> list[ast.Call]:
    """Every ``nbNN.exercises(...)`` call in the notebook's code cells."""
    nn = path.name[:2]
    nb = json.loads(path.read_text(encoding="utf-8"))
    calls = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse("".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"])
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "exercises"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == f"nb{nn}"):
                calls.append(node)
    return calls


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_registry_mirrors_the_notebooks_exercises_call(path):
    nn = path.name[:2]
    assert nn in exercise_registry.REGISTRY, f"{path.name}: no entry in helpers.batch.exercise_registry.REGISTRY"
    calls = exercises_calls(path)
    assert len(calls) == 1, f"{path.name}: expected one nb{nn}.exercises(...) call, found {len(calls)}"
    mine = ast.parse(exercise_registry.REGISTRY[nn].call, mode="eval").body
    assert ast.dump(calls[0]) == ast.dump(mine), (
        f"{path.name} calls {ast.unparse(calls[0])}\nbut the registry mirrors {exercise_registry.REGISTRY[nn].call}: "
        "update REGISTRY (the call and its builder) in src/helpers/batch/exercise_registry.py"
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_registry_builds_the_exercises_the_notebook_checks(path):
    nn = path.name[:2]
    info, why = exercise_registry.exercise_info(nn)  # at the notebook's defaults, cached for the review tests
    assert not why
    assert list(info) == review_read.source_exercises(json.loads(path.read_text(encoding="utf-8")))
    assert all(i.hints for i in info.values()), "every exercise has a hint for the class review"


def test_unknown_notebook_is_a_one_line_reason():
    info, why = exercise_registry.exercise_info("77")
    assert info == {} and "notebook 77" in why and "\n" not in why


def write_config(tmp_path: Path, body: str) -> Path:
    cfg = tmp_path / "class.yml"
    cfg.write_text(textwrap.dedent(body), encoding="utf-8")
    return cfg


def test_answer_keys_from_the_run_data(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(exercise_registry.EXTRA, review_course.NOTEBOOK,
                        lambda p: review_course.exercises(review_course.make_data(int(p.get("seed") or 1))))
    cfg = write_config(tmp_path, f"""
        defaults: {{notebook: {FIXTURES / 'review_fixture.ipynb'}}}
        runs:
          - {{name: Amara Okafor, parameters: {{seed: 3}}}}
          - {{name: 王小明, parameters: {{seed: 4}}}}
    """)
    out = tmp_path / "keys"
    # the fixture notebook is not a workbook notebook: its number comes from the registry entry
    monkeypatch.setattr(batch.answers, "notebook_number", lambda run: review_course.NOTEBOOK)
    assert batch.main(["answers", str(cfg), "--out", str(out)]) == 0
    with (out / "answers.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["run", "notebook", "exercise", "expected"]
    for name, seed in (("Amara Okafor", 3), ("王小明", 4)):
        df = review_course.make_data(seed)
        got = {r["exercise"]: r["expected"] for r in rows if r["run"] == name}
        assert got["q1"] == f"{df['minutes'].mean():.2f}"
        assert got["q2"] == f"{review_course.share_high(df['score']):.2f}", "a code exercise: the reference on the run's data"
        assert got["q3"] == f"{df['minutes'].max():.1f}"
    pages = sorted(p.name for p in out.glob("*.html"))
    assert pages == ["Amara-Okafor.html", "王小明.html"]
    assert "seed" in (out / "王小明.html").read_text(encoding="utf-8")


def test_answers_refuses_a_bad_config_and_reports_a_failing_run(tmp_path, capsys):
    cfg = write_config(tmp_path, """
        runs:
          - {name: A, notebook: 00_start_here, parameters: {seed: 7, sede: 3}}
    """)
    assert batch.main(["answers", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert "sede" in capsys.readouterr().err and not (tmp_path / "o").exists()
    cfg = write_config(tmp_path, f"""
        runs:
          - {{name: A, notebook: 00_start_here, parameters: {{seed: 7}}}}
          - {{name: B, notebook: {FIXTURES / 'review_fixture.ipynb'}, parameters: {{seed: 7}}}}
    """)
    assert batch.main(["answers", str(cfg), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "FAILED run 'B' (review_fixture.ipynb)" in err
    rows = list(csv.DictReader((tmp_path / "o" / "answers.csv").open(encoding="utf-8")))
    assert {r["run"] for r in rows} == {"A"}


@pytest.mark.slow
def test_answer_keys_planted_in_notebook_00_read_back_as_correct(tmp_path):
    """The whole chain on a real notebook: keys at seed 7 -> answers planted ->
    executed -> the review reads every check as correct."""
    cfg = write_config(tmp_path, """
        runs:
          - {name: Amara Okafor, notebook: 00_start_here, parameters: {seed: 7, interactive: false}}
    """)
    assert batch.main(["answers", str(cfg), "--out", str(tmp_path / "keys")]) == 0
    rows = list(csv.DictReader((tmp_path / "keys" / "answers.csv").open(encoding="utf-8")))
    keys = {r["exercise"]: r["expected"] for r in rows}
    assert set(keys) == {"q1", "q2", "q3"}
    nb = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    for cell in nb.cells:
        for ex, value in keys.items():
            if cell.cell_type == "code" and f"answer_{ex} = ____" in cell.source:
                cell.source = cell.source.replace(f"answer_{ex} = ____", f"answer_{ex} = {value}")
    copy = tmp_path / "planted" / "00_start_here.ipynb"
    copy.parent.mkdir()
    nbformat.write(nb, copy)
    run = batch.RunSpec(name="Amara Okafor", notebook=copy, parameters={"seed": 7, "interactive": False})
    result = batch.run_batch([run], tmp_path / "executed", workers=1, progress=False, timeout=300)
    assert not result.failed, batch.error_text(result.failed[0].error)
    submissions = tmp_path / "submissions" / "Amara Okafor"
    submissions.mkdir(parents=True)
    (submissions / "00_start_here.ipynb").write_bytes((tmp_path / "executed" / "Amara-Okafor" / "00_start_here.ipynb").read_bytes())
    assert batch.main(["review", str(tmp_path / "submissions"), "--out", str(tmp_path / "review")]) == 0
    rows = list(csv.DictReader((tmp_path / "review" / "exercises.csv").open(encoding="utf-8")))
    assert [(r["notebook"], r["exercise"], r["status"]) for r in rows] == [("00", ex, "correct") for ex in ("q1", "q2", "q3")]


@pytest.mark.slow
@pytest.mark.browser
def test_answer_pages_pass_axe(browser, tmp_path):  # noqa: F811 - the fixture imported from test_accessibility
    page, script = browser
    cfg = write_config(tmp_path, """
        runs:
          - {name: Ольга Иванова, notebook: 05_customer_metrics, parameters: {seed: 7}}
          - {name: Bob, notebook: 00_start_here, parameters: {seed: 8}}
    """)
    assert batch.main(["answers", str(cfg), "--out", str(tmp_path / "keys")]) == 0
    pages = sorted((tmp_path / "keys").glob("*.html"))
    assert len(pages) == 2
    bad = {p.name: v for p in pages if (v := audit(page, script, p))}
    assert not bad, "\n".join(f"{k}:\n{describe(v)}" for k, v in bad.items())
    for p in pages:
        assert dead_links(p) == [], p
