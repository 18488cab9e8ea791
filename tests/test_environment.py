"""environment.yml (conda / Binder) stays in step with pyproject.toml's pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> tuple[str, str]:
    name, _, version = req.partition("==")
    assert version, f"{req!r} is not pinned to an exact version"
    return re.sub(r"[-_.]+", "-", name.strip().lower()), version.strip()


def pyproject_pins(extras: tuple[str, ...] = ("test",)) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return dict(_norm(r) for r in reqs)


def test_every_dependency_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    everything = list(project["dependencies"]) + [r for group in project["optional-dependencies"].values() for r in group]
    for req in everything:
        _norm(req)


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert any(re.fullmatch(r"python=3\.1[1-9]", d) for d in conda), conda
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert dict(_norm(r) for r in pip) == pyproject_pins()
    assert "jupyterlab-widgets" in pyproject_pins()


def test_postbuild_installs_the_package():
    post = ROOT / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable"
    text = post.read_text()
    assert "set -euo pipefail" in text
    assert re.search(r"pip install --no-deps -e \.", text)
