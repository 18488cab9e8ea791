"""Hand-out copies (``python -m helpers.batch prepare``): parameters filled in
as papermill does, nothing executed, one folder (and zip) per run, and no file
it did not write is ever replaced."""

from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path

from helpers import batch
from helpers.batch import review_read

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "review_fixture.ipynb"


def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "class.yml"
    cfg.write_text(textwrap.dedent(f"""
        defaults: {{notebook: {FIXTURE}}}
        runs:
          - {{name: Amara Okafor, parameters: {{seed: 3}}}}
          - {{name: 王小明, parameters: {{seed: 4}}}}
    """), encoding="utf-8")
    return cfg


def test_prepare_fills_in_parameters_and_executes_nothing(tmp_path, capsys):
    out = tmp_path / "handout"
    assert batch.main(["prepare", str(config(tmp_path)), "--out", str(out), "--zip"]) == 0
    for folder, seed in (("Amara-Okafor", 3), ("王小明", 4)):
        path = out / folder / "review_fixture.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), "nothing executed"
        assert review_read.saved_parameters(nb)["seed"] == seed
        injected = [c for c in code if "injected-parameters" in c["metadata"].get("tags", [])]
        assert len(injected) == 1
        with zipfile.ZipFile(out / f"{folder}.zip") as zf:
            assert zf.namelist() == [f"{folder}/review_fixture.ipynb"]
            assert zf.read(f"{folder}/review_fixture.ipynb") == path.read_bytes()
    # a hand-out copy returned unrun is "saved before any check ran" for the review
    item = review_read.read_submission(out / "Amara-Okafor" / "review_fixture.ipynb", "Amara Okafor")
    assert isinstance(item, review_read.Unreadable) and "saved before any check ran" in item.reason
    # prepared again: its own files are replaced
    assert batch.main(["prepare", str(config(tmp_path)), "--out", str(out), "--zip"]) == 0


def test_prepare_never_replaces_a_file_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "handout"
    work = out / "Amara-Okafor" / "review_fixture.ipynb"
    work.parent.mkdir(parents=True)
    work.write_text("a participant's own work", encoding="utf-8")
    assert batch.main(["prepare", str(config(tmp_path)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Amara-Okafor/review_fixture.ipynb exists and was not written by prepare" in err
    assert work.read_text(encoding="utf-8") == "a participant's own work"
    assert not (out / "王小明").exists(), "nothing written"


def test_prepare_refuses_a_bad_config_with_every_problem(tmp_path, capsys):
    cfg = tmp_path / "bad.yml"
    cfg.write_text(textwrap.dedent(f"""
        defaults: {{notebook: {FIXTURE}}}
        runs:
          - {{name: A, parameters: {{sede: 3}}}}
          - {{name: B, parameters: {{seed: "4"}}}}
    """), encoding="utf-8")
    assert batch.main(["prepare", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "sede" in err and "'B'" in err and not (tmp_path / "o").exists()
