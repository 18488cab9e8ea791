"""Every notebook follows the workbook's conventions and runs under another seed.

Structure checks read the committed notebooks; the run checks execute each one
with papermill-style injected parameters (seed 7, widgets off) in its own
folder, then ask every exercise set in the kernel to test itself against that
run's data: the expected answers must follow the data, not constants.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from copycheck import SIGNATURES, copyable

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]

SELF_TEST = """
from helpers.exercises import ExerciseSet as _ES
_sets = [v for v in list(globals().values()) if isinstance(v, _ES)]
assert _sets, "no ExerciseSet found in the notebook"
_problems = [p for s in _sets for p in s.self_test()]
assert not _problems, _problems
print("exercise self-test ok:", sum(len(s.exercises) for s in _sets), "exercises")
"""


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell must be tagged 'parameters'"
    return cells[0]


def test_notebooks_exist_and_are_numbered():
    assert NOTEBOOKS, "no notebooks found"
    assert NOTEBOOKS[0].name == "00_start_here.ipynb"
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(len(numbers))), f"notebooks must be numbered 00, 01, ...: {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_conventions(path: Path):
    nb = load(path)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert path.stat().st_size < 1_000_000, f"{path.name} is {path.stat().st_size / 1e6:.2f} MB"
    md = [c.source for c in nb.cells if c.cell_type == "markdown"]
    first = md[0].lower()
    assert "learning objectives" in first or "you will" in first, "objectives must come first"
    assert re.search(r"\b\d+\s*(-|–|to)?\s*\d*\s*min", first), "time needed must be stated up front"
    text = "\n".join(md).lower()
    assert "key takeaways" in text or "key points" in text
    assert "reflect" in text
    # parameters: plain `name = literal  # help` lines with seed and interactive
    params = parameters_cell(nb)
    names = {}
    for line in params.source.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.fullmatch(r"(\w+) = (.+?)  # (.+)", line)
        assert m, f"parameter line must be `name = literal  # help`: {line!r}"
        names[m.group(1)] = ast.literal_eval(m.group(2))
    assert {"seed", "interactive"} <= set(names)
    assert names["interactive"] is True
    # papermill must see every parameter (it skips a line whose comment holds another "=")
    import papermill

    declared = set(papermill.inspect_notebook(str(path)))
    assert declared == set(names), f"papermill does not see {sorted(set(names) - declared)}: keep '=' out of help comments"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    checks = sorted({int(n) for n in re.findall(r"\bq(\d+)\.check\(", code)})
    lesson = path.name[:2] != "00"
    assert len(checks) >= (3 if lesson else 2), f"at least {3 if lesson else 2} checked exercises, found {checks}"
    assert checks == list(range(1, len(checks) + 1)), f"exercises are q1, q2, ... in order: {checks}"
    if lesson:
        assert re.search(r"^def \w+\(.*\):\n(?:[ \t]+.*\n)*?[ \t]+____", code + "\n", re.M), \
            "a code exercise: a `def ...:` cell holding ____ for the learner to fill in"
        assert re.search(r"\bmy_prediction\w* = ____", code) and re.search(r"\bp\d+\.reveal\(", code), \
            "a prediction: `my_prediction = ____` before a key result, `pN.reveal(...)` after it"
    assert "record_result(" in code, "record the notebook's key figures for a batch summary: batch.record_result(...)"
    order = [int(n) for n in re.findall(r"\bq(\d+)\.check\(", code)]
    assert order == sorted(order), f"exercise N comes before exercise N+1: {order}"
    for r in sorted(set(re.findall(r"\b(r\d+)\.solution\(", code))):
        assert re.search(rf"\bmy_answer_{r} = ", code), f"reflection {r} needs an answer cell `my_answer_{r} = \"\"\" \"\"\"`"
    assert "NBVAL_CHECK_OUTPUT" in code, "key numbers must be marked # NBVAL_CHECK_OUTPUT"
    # executed top to bottom, no errors, nothing loaded from a CDN
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert all(counts) and counts == sorted(counts), "commit notebooks executed top to bottom (make notebooks)"
    for c in nb.cells:
        for out in c.get("outputs", []):
            assert out.output_type != "error", f"saved error output in {path.name}"
            blob = json.dumps(out)
            assert not re.search(r"cdn\.jsdelivr|unpkg\.com|cdnjs", blob)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_links_to_next_notebook(path: Path):
    nb = load(path)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    index = NOTEBOOKS.index(path)
    if index + 1 < len(NOTEBOOKS):
        assert NOTEBOOKS[index + 1].name in text, f"{path.name} must link to {NOTEBOOKS[index + 1].name}"


def execute(path: Path, parameters: dict, extra_source: str | None = None) -> nbformat.NotebookNode:
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    from papermill.iorw import load_notebook_node

    nb = parameterize_notebook(load_notebook_node(str(path)), parameters)
    if extra_source:
        nb.cells.append(nbformat.v4.new_code_cell(extra_source))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_runs_under_another_seed_and_exercises_follow_the_data(path: Path):
    nb = execute(path, {"seed": 7, "interactive": False}, SELF_TEST + SIGNATURES)
    last = nb.cells[-1].outputs
    assert any("exercise self-test ok" in o.get("text", "") for o in last), last
    problems = copyable(nb, path.name[:2])
    assert not problems, "answers shown above their exercise (seed 7):\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_exercise_answer_is_shown_above_it_at_the_default_seed(path: Path):
    nb = execute(path, {"interactive": False}, SIGNATURES)
    problems = copyable(nb, path.name[:2])
    assert not problems, "answers shown above their exercise (default seed):\n" + "\n".join(problems)


# Smaller and larger classes, cohorts and organisations than the defaults, each
# under its own seed: every notebook must still run and its exercises still
# check themselves against that run's data.
SIZE_VARIANTS: dict[str, dict[str, dict]] = {
    "00": {"small": {"n_agents": 12, "contacts_per_agent": 150},
           "large": {"n_agents": 120, "contacts_per_agent": 900}},
    "01": {"small": {"team_size": 12, "periods": 8}, "large": {"team_size": 150, "periods": 20}},
    "02": {"small": {"league_agents": 8, "surveys_per_agent": 10, "n_sims": 50},
           "large": {"league_agents": 60, "surveys_per_agent": 100}},
    "03": {"small": {"team_size": 12, "n_bankers": 12, "customers_per_banker": 10},
           "large": {"team_size": 120, "n_bankers": 120}},
    "04": {"small": {"n_customers": 80, "journey_customers": 400},
           "large": {"n_customers": 1500, "journey_customers": 8000}},
    "05": {"small": {"survey_customers": 600, "account_customers": 400, "n_months": 12},
           "large": {"survey_customers": 12000, "account_customers": 6000}},
    "06": {"small": {"n_prospects": 600, "n_students": 800},
           "large": {"n_prospects": 8000, "n_students": 12000}},
    "07": {"small": {"n_students": 150, "n_sections": 4, "students_per_section": 15},
           "large": {"n_students": 2500, "n_sections": 16, "students_per_section": 80}},
    "08": {"small": {"n_schools": 15, "teachers_per_school": 8},
           "large": {"n_schools": 200, "teachers_per_school": 40}},
    "09": {"small": {"sector": "business"}, "large": {"sector": "education", "period": 2023}},
}
VARIANT_PARAMS = [
    pytest.param(path, variant, id=f"{path.stem}-{variant}")
    for path in NOTEBOOKS for variant in ("small", "large") if path.name[:2] in SIZE_VARIANTS
]


@pytest.mark.slow
@pytest.mark.parametrize("path,variant", VARIANT_PARAMS)
def test_runs_with_smaller_and_larger_sizes(path: Path, variant: str):
    params = {"seed": 11 if variant == "small" else 5, "interactive": False,
              **SIZE_VARIANTS[path.name[:2]][variant]}
    nb = execute(path, params, SELF_TEST)
    last = nb.cells[-1].outputs
    assert any("exercise self-test ok" in o.get("text", "") for o in last), last


def test_every_notebook_has_size_variants():
    import papermill

    for path in NOTEBOOKS:
        assert path.name[:2] in SIZE_VARIANTS, f"add size variants for {path.name}"
        declared = set(papermill.inspect_notebook(str(path)))
        for variant in SIZE_VARIANTS[path.name[:2]].values():
            assert set(variant) <= declared, f"{path.name}: unknown parameter in {variant}"
