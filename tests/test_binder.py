"""The Binder configuration stays coherent, and notebooks fail helpfully without `helpers`.

Binder (repo2docker) builds from the repository root: environment.yml (Python and
the pinned stack), then postBuild (installs this package). README's "Run it on
Binder" section links every notebook. A notebook opened where `helpers` is not
installed must say, in one line, how to install it (its first code cell guards
the import) rather than end in an ImportError traceback.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement

from test_environment import _norm, pyproject_pins

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
REPO = "metrics-workbook/metrics-workbook"  # placeholder: a fork puts its OWNER/REPO here
PLANNED = [
    "00_start_here",
    "01_when_metrics_bite",
    "02_guiding_not_grading",
    "03_counter_metrics",
    "04_outcomes_over_output",
    "05_customer_metrics",
    "06_enrollment_and_retention",
    "07_engagement_and_learning",
    "08_educator_satisfaction",
    "09_capstone_scorecard",
]
LAUNCH = re.compile(
    r"https://mybinder\.org/v2/gh/(?P<repo>[^/\s)]+/[^/\s)]+)/(?P<ref>[^?\s)]+)"
    r"\?urlpath=(?P<urlpath>[^\s)]+)"
)


def binder_section() -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"^## Run it on Binder\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert m, "README.md needs a '## Run it on Binder' section"
    return m.group(1)


def launch_links() -> list[re.Match]:
    return list(LAUNCH.finditer(binder_section()))


def linked_notebooks() -> list[str]:
    names = []
    for m in launch_links():
        path = re.fullmatch(r"lab/tree/notebooks/(\w+)\.ipynb", m["urlpath"])
        assert path, f"launch link must open lab/tree/notebooks/NAME.ipynb: {m[0]}"
        names.append(path.group(1))
    return names


# --------------------------------------------------------------------------- #
# repo2docker configuration
# --------------------------------------------------------------------------- #


def test_postbuild_is_strict_and_installs_the_package():
    post = ROOT / "postBuild"
    assert post.is_file(), "postBuild is missing: Binder would not install the helpers package"
    assert post.stat().st_mode & 0o111, "postBuild must be executable (chmod +x postBuild)"
    lines = [ln.strip() for ln in post.read_text().splitlines()]
    assert lines[0].startswith("#!") and "bash" in lines[0], "postBuild needs a bash shebang"
    commands = [ln for ln in lines if ln and not ln.startswith("#")]
    assert commands[0] == "set -euo pipefail", "postBuild must start with `set -euo pipefail`"
    install = [ln for ln in commands if re.search(r"\bpip install\b", ln)]
    assert install, "postBuild must pip-install the repository"
    assert re.fullmatch(r"(python3? -m )?pip install --no-deps -e \.", install[0]), install[0]


def test_environment_yml_pins_equal_pyproject_and_python_is_pinned():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert any(re.fullmatch(r"python=3\.\d+", d) for d in conda), f"pin python=3.x: {conda}"
    assert "pip" in conda
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert dict(_norm(r) for r in pip) == pyproject_pins()
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    python = next(d for d in conda if d.startswith("python="))
    assert Requirement(f"python{requires}").specifier.contains(python.split("=")[1] + ".0")


def test_widgets_front_end_matches_ipywidgets():
    """ipywidgets 8 renders only with its matching jupyterlab_widgets in the server."""
    pins = pyproject_pins()
    assert "jupyterlab-widgets" in pins, "pin jupyterlab_widgets next to ipywidgets"
    installed = importlib.metadata.version("ipywidgets")
    if installed != pins["ipywidgets"]:
        pytest.skip(f"ipywidgets {installed} installed, {pins['ipywidgets']} pinned: run make venv")
    needs = [Requirement(r) for r in importlib.metadata.requires("ipywidgets") or []]
    spec = next(r.specifier for r in needs if _norm(r.name + "==x")[0] == "jupyterlab-widgets")
    assert spec.contains(pins["jupyterlab-widgets"]), (
        f"ipywidgets {pins['ipywidgets']} needs jupyterlab_widgets{spec}, "
        f"pinned {pins['jupyterlab-widgets']}")


def test_no_other_config_shadows_the_root_one():
    for folder in ("binder", ".binder"):
        d = ROOT / folder
        if d.exists():
            missing = [f for f in ("environment.yml", "postBuild") if not (d / f).exists()]
            assert not missing, (
                f"{folder}/ exists, so Binder ignores the root configuration, but it lacks {missing}")
    assert not (ROOT / "Dockerfile").exists(), "a Dockerfile makes Binder ignore environment.yml"


# --------------------------------------------------------------------------- #
# README launch links
# --------------------------------------------------------------------------- #


def test_readme_has_a_badge_opening_notebook_00():
    section = binder_section()
    badge = re.search(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]\(([^)]+)\)", section)
    assert badge, "the Binder section needs a launch badge"
    assert badge.group(1) == (f"https://mybinder.org/v2/gh/{REPO}/HEAD"
                              "?urlpath=lab/tree/notebooks/00_start_here.ipynb")
    assert "fork" in section.lower(), "say that forks replace the OWNER/REPO placeholder"


def test_launch_links_are_consistent():
    links = launch_links()
    assert links, "no Binder launch links in README"
    assert {m["repo"] for m in links} == {REPO}, "every launch link must name the same repository"
    assert {m["ref"] for m in links} == {"HEAD"}
    names = linked_notebooks()
    table = names[1:]  # the badge first, then one link per notebook
    assert len(table) == len(set(table)), f"a notebook is linked twice: {table}"
    assert table == sorted(table), "list the notebooks in order"


def test_every_notebook_has_a_launch_link_and_every_link_a_notebook():
    linked = set(linked_notebooks())
    existing = {p.stem for p in NOTEBOOKS}
    assert not existing - linked, f"no Binder launch link in README for {sorted(existing - linked)}"
    unknown = linked - existing - set(PLANNED)
    assert not unknown, f"README links notebooks that neither exist nor are planned: {sorted(unknown)}"
    assert not set(PLANNED) - linked - existing, f"planned but not linked: {sorted(set(PLANNED) - linked)}"


# --------------------------------------------------------------------------- #
# Opened without `helpers`: one line saying how to install it
# --------------------------------------------------------------------------- #

RUN_WITHOUT_HELPERS = textwrap.dedent(
    """
    import json, sys
    sys.modules["helpers"] = None  # as if the package were not installed
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")
    result = shell.run_cell(sys.stdin.read(), store_history=True)
    err = result.error_in_exec or result.error_before_exec
    print("@@RESULT@@" + json.dumps({
        "type": type(err).__name__ if err is not None else None,
        "code": err.code if isinstance(err, SystemExit) else None,
        "chained": bool(err is not None and err.__cause__ is None and err.__context__ is not None
                        and not err.__suppress_context__),
    }))
    """
)


def first_code_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_first_cell_without_helpers_says_how_to_install(path: Path):
    source = first_code_cell(path)
    proc = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_HELPERS],
        input=source, capture_output=True, text=True, cwd=path.parent, timeout=120,
    )
    shown = proc.stdout.split("@@RESULT@@")[0] + proc.stderr
    assert "@@RESULT@@" in proc.stdout, f"the check itself failed:\n{proc.stderr[-2000:]}"
    result = json.loads(proc.stdout.split("@@RESULT@@")[1])
    assert result["type"] == "SystemExit", (
        f"{path.name}: without helpers the first code cell must raise SystemExit with an install "
        f"hint, got {result['type']}:\n{shown[-2000:]}")
    message = result["code"]
    assert isinstance(message, str) and "\n" not in message.strip(), f"one line, please: {message!r}"
    assert "pip install" in message, message
    assert not result["chained"], "raise SystemExit(...) from None: hide the ImportError"
    assert "Traceback" not in shown and "ModuleNotFoundError" not in shown, shown
