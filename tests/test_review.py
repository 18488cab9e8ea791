"""The class review (``python -m helpers.batch review``).

A small class is built by executing the fixture notebook (tests/fixtures/
review_fixture.ipynb, three checks built with helpers.exercises) once per
participant, each under their own seed, with planted answers: right, a known
mistake, a wrong answer no mistake names, blank, and a cell never run. The
review then reads the saved notebooks (and, in one test, re-executes them),
and exercises.csv and class.html are checked against the plan. Bad input of
every kind is built by hand (no execution).
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from helpers import batch
from helpers.batch import exercise_registry, review_read
from helpers.batch.review_report import CSV_COLUMNS, MIN_GROUP

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import review_course  # noqa: E402
from test_accessibility import audit, browser, dead_links, describe  # noqa: E402,F401  (browser: a fixture)

FIXTURE = FIXTURES / "review_fixture.ipynb"

# what each participant writes: q1 value, q2 function body, q3 value
ANSWERS = {
    "q1": {"right": 'df["minutes"].mean()', "mistake": 'df["minutes"].median()', "wrong": "-1.0", "blank": "____"},
    "q2": {"right": "return 100 * (scores.dropna() >= 4).mean()", "mistake": "return 100 * (scores.dropna() == 5).mean()",
           "wrong": "return 0.5", "blank": "____"},
    "q3": {"right": 'df["minutes"].max()', "mistake": 'df["minutes"].min()', "wrong": "-1.0", "blank": "____",
           "never": "____"},
}
MISTAKE_LABEL = {"q1": "the median instead of the mean", "q2": "only the top box", "q3": "the smallest value"}
PLAN = {
    "Amara Okafor": (11, {"q1": "right", "q2": "right", "q3": "right"}),
    "王小明": (12, {"q1": "mistake", "q2": "right", "q3": "blank"}),
    "Ольга Иванова": (13, {"q1": "mistake", "q2": "mistake", "q3": "never"}),
    "Zoë Martin": (14, {"q1": "right", "q2": "wrong", "q3": "mistake"}),
    "Bob Smith": (15, {"q1": "mistake", "q2": "blank", "q3": "right"}),
    "Chen Li": (16, {"q1": "blank", "q2": "mistake", "q3": "never"}),
}


def expected(plan_value: str, exercise: str) -> tuple[str, str]:
    return {
        "right": ("correct", ""),
        "mistake": ("incorrect", MISTAKE_LABEL[exercise]),
        "wrong": ("incorrect", ""),
        "blank": ("not attempted", ""),
        "never": ("not attempted", ""),
    }[plan_value]


def planted_notebook(plan: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(FIXTURE, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "answer_q1 = ____" in cell.source:
            cell.source = cell.source.replace("answer_q1 = ____", f"answer_q1 = {ANSWERS['q1'][plan['q1']]}")
        elif "def share_high" in cell.source:
            cell.source = cell.source.replace("    ____  # your code", f"    {ANSWERS['q2'][plan['q2']]}")
        elif "answer_q3 = ____" in cell.source:
            cell.source = cell.source.replace("answer_q3 = ____", f"answer_q3 = {ANSWERS['q3'][plan['q3']]}")
    return nb


def never_run(nb: dict, exercise: str) -> None:
    """Clear the outputs of the cell checking ``exercise``, as if it was never run."""
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and f"{exercise}.check(" in src:
            cell["outputs"] = []
            cell["execution_count"] = None


@pytest.fixture(autouse=True)
def fixture_course(monkeypatch):
    """The review finds the fixture course's hints as notebook 90."""
    monkeypatch.setitem(exercise_registry.EXTRA, review_course.NOTEBOOK,
                        lambda p: review_course.exercises(review_course.make_data(int(p.get("seed") or 1))))
    for key in [k for k in exercise_registry._INFO_CACHE if k[0] == review_course.NOTEBOOK]:
        del exercise_registry._INFO_CACHE[key]


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    """SUBMISSIONS: one folder per participant with their executed notebook."""
    tmp = tmp_path_factory.mktemp("class")
    sources = tmp / "sources"
    runs = []
    for i, (seed, plan) in enumerate(PLAN.values()):
        path = sources / f"p{i}" / "review_fixture.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(planted_notebook(plan), path)
        runs.append(batch.RunSpec(name=f"p{i}", notebook=path, parameters={"seed": seed, "course_dir": str(FIXTURES)}))
    result = batch.run_batch(runs, tmp / "executed", workers=2, progress=False, timeout=120)
    assert not result.failed, [batch.error_text(r.error) for r in result.failed]
    submissions = tmp / "submissions"
    for i, (name, (_, plan)) in enumerate(PLAN.items()):
        nb = json.loads((tmp / "executed" / f"p{i}" / "review_fixture.ipynb").read_text(encoding="utf-8"))
        for ex, how in plan.items():
            if how == "never":
                never_run(nb, ex)
        target = submissions / name / "week 1" / "review_fixture.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(nb), encoding="utf-8")
    return submissions


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def check_against_plan(out: Path) -> None:
    with (out / "exercises.csv").open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == CSV_COLUMNS
    rows = read_csv(out / "exercises.csv")
    got = {(r["participant"], r["exercise"]): (r["status"], r["mistake"]) for r in rows}
    want = {(name, ex): expected(how, ex) for name, (_, plan) in PLAN.items() for ex, how in plan.items()}
    assert got == want
    assert {r["notebook"] for r in rows} == {review_course.NOTEBOOK}
    page = (out / "class.html").read_text(encoding="utf-8")
    for name in PLAN:  # no one is named in the class report
        assert name not in page
    # counts and shares per exercise, as planted
    n = len(PLAN)
    for ex in ("q1", "q2", "q3"):
        row = re.search(rf'<tr id="nb90-{ex}">(.*?)</tr>', page, re.S)
        assert row, ex
        cells = re.findall(r'<td class="num">(\d+) \((\d+)%\)</td>', row.group(1))
        statuses = [expected(plan[ex], ex)[0] for _, plan in PLAN.values()]
        counts = [statuses.count(s) for s in ("correct", "incorrect", "not attempted")]
        assert [int(c) for c, _ in cells] == counts
        assert [int(p) for _, p in cells] == [round(100 * c / n) for c in counts]
    # what to teach again: mistakes by how many made them, with the hint text
    teach = page.split('id="teach-again"')[1].split("</ol>")[0]
    order = [MISTAKE_LABEL[ex] for ex in ("q1", "q2", "q3")]  # 3, 2 and 1 participants
    positions = [teach.index(label) for label in order]
    assert positions == sorted(positions)
    hits = {ex: sum(plan[ex] == "mistake" for _, plan in PLAN.values()) for ex in ("q1", "q2", "q3")}
    assert f"{hits['q1']} of {n} participants" in teach
    assert "Take the column minutes and its mean." in teach, "the exercise's hint text"


@pytest.mark.slow
def test_review_reads_the_class_as_planted(klass, tmp_path, capsys):
    out = tmp_path / "review"
    assert batch.main(["review", str(klass), "--out", str(out)]) == 0
    check_against_plan(out)
    pages = sorted((out / "feedback").glob("*.html"))
    assert len(pages) == len(PLAN)
    page = (out / "feedback" / "Ольга-Иванова.html").read_text(encoding="utf-8")
    assert "only the top box" in page and "(scores &gt;= 4).mean() gives a fraction" in page, "hint for what was missed"
    assert "df['minutes'].max()" in html.unescape(page), "the solution of what was not attempted"
    assert "Ольга Иванова" in page
    assert "Could not read" in (out / "class.html").read_text(encoding="utf-8")
    assert "read" in capsys.readouterr().out


@pytest.mark.slow
def test_review_rerun_executes_each_submission_with_its_own_seed(klass, tmp_path):
    out = tmp_path / "rerun-review"
    read = batch.review.review(klass, out, rerun=True, workers=2, timeout=120)
    assert len(read.submissions) == len(PLAN)
    check_against_plan(out)
    seeds = {s.participant: s.parameters.get("seed") for s in read.submissions}
    assert seeds == {name: seed for name, (seed, _) in PLAN.items()}
    assert "participants' code was run" in html.unescape((out / "class.html").read_text(encoding="utf-8"))
    assert len(list((out / "rerun").glob("*/review_fixture.html"))) == len(PLAN), "a report per re-run"


@pytest.mark.slow
def test_pseudonymize_replaces_every_name(klass, tmp_path):
    out = tmp_path / "pseudo"
    assert batch.main(["review", str(klass), "--out", str(out), "--pseudonymize"]) == 0
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    everything += " ".join(p.name for p in out.rglob("*"))
    for name in PLAN:
        assert name not in everything
        assert review_read.pseudonym(name) in everything
    assert review_read.pseudonym("  amara   OKAFOR ") == review_read.pseudonym("Amara Okafor"), "stable"


@pytest.mark.slow
def test_small_group_gets_counts_not_shares(klass, tmp_path):
    few = tmp_path / "few"
    for name in list(PLAN)[: MIN_GROUP - 2]:
        shutil.copytree(klass / name, few / name)
    out = tmp_path / "out"
    assert batch.main(["review", str(few), "--out", str(out)]) == 0
    page = (out / "class.html").read_text(encoding="utf-8")
    table = page.split('id="nb90"')[1].split("</table>")[0]
    assert "%" not in table and 'class="bar"' not in table
    assert f"Fewer than {MIN_GROUP} participants handed in this notebook" in page


# ------------------------------------------------------------------ bad input, one case each


def a_notebook_of_another_course() -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np\nnp.arange(3).sum()")])
    nb.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "3"}, execution_count=1)]
    return nbformat.writes(nb)


BAD = {
    "not a notebook": ("essay.docx", b"PK\x03\x04 not a notebook", "not a notebook"),
    "corrupt JSON": ("review_fixture.ipynb", b'{"cells": [{"cell_type": "code", "sour', "corrupt: not valid JSON"),
    "another course": ("homework3.ipynb", a_notebook_of_another_course().encode(), "another course"),
    "before any check": ("review_fixture.ipynb", FIXTURE.read_bytes(), "saved before any check ran"),
    "empty file": ("review_fixture.ipynb", b"", "an empty file"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_never_stops_the_review(klass, tmp_path, capsys, case):
    submissions = tmp_path / "subs"
    shutil.copytree(klass, submissions)
    file_name, content, reason = BAD[case]
    bad = submissions / "Late Person" / file_name
    bad.parent.mkdir(parents=True)
    bad.write_bytes(content)
    out = tmp_path / "out"
    assert batch.main(["review", str(submissions), "--out", str(out)]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("could not read")]
    assert len(err) == 1 and reason in err[0] and "Late Person" in err[0], err
    page = (out / "class.html").read_text(encoding="utf-8")
    section = page.split('id="could-not-read"')[1]
    assert section.count("<li>") == 1 and reason in section
    assert "Late Person" not in page
    assert len(read_csv(out / "exercises.csv")) == 3 * len(PLAN), "everyone else is read"


@pytest.mark.slow
def test_duplicate_participant_and_notebook_newest_wins(klass, tmp_path, capsys):
    submissions = tmp_path / "subs"
    shutil.copytree(klass, submissions)
    person = submissions / "Amara Okafor"
    newer = person / "week 1" / "review_fixture.ipynb"
    older = person / "review_fixture (1).ipynb"
    wrong_copy = json.loads(newer.read_text(encoding="utf-8"))
    for cell in wrong_copy["cells"]:  # an older copy that had q1 wrong
        for out in cell.get("outputs", []):
            rec = out.get("data", {}).get(review_read.RECORD_MIME)
            if rec and rec["exercise"] == "q1":
                rec.update(status="incorrect", mistake=MISTAKE_LABEL["q1"])
    older.write_text(json.dumps(wrong_copy), encoding="utf-8")
    os.utime(older, (time.time() - 3600, time.time() - 3600))
    out = tmp_path / "out"
    assert batch.main(["review", str(submissions), "--out", str(out)]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("could not read")]
    assert len(err) == 1 and "review_fixture (1).ipynb" in err[0] and "older copy" in err[0]
    rows = read_csv(out / "exercises.csv")
    assert ("correct", "") == next((r["status"], r["mistake"]) for r in rows
                                   if r["participant"] == "Amara Okafor" and r["exercise"] == "q1")
    assert "older copy" in (out / "class.html").read_text(encoding="utf-8")


def test_no_readable_submission_exits_2_and_writes_nothing(tmp_path, capsys):
    submissions = tmp_path / "subs"
    (submissions / "A").mkdir(parents=True)
    for file_name, content, _ in BAD.values():
        (submissions / "A" / file_name).write_bytes(content)
    out = tmp_path / "out"
    assert batch.main(["review", str(submissions), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no submission read" in err and not out.exists()
    assert batch.main(["review", str(tmp_path / "missing"), "--out", str(out)]) == 2


def test_names_from_folders_and_lms_file_names(tmp_path):
    root = tmp_path
    assert review_read.participant_name(root / "Amara Okafor" / "w1" / "x.ipynb", root, "folder") == "Amara Okafor"
    lms = "Amara Okafor_81234_assignsubmission_file_05_customer_metrics"
    assert review_read.name_from_file(lms) == "Amara Okafor"
    assert review_read.participant_name(root / f"{lms}.ipynb", root, "folder") == "Amara Okafor", "file directly inside"
    assert review_read.name_from_file("05_customer_metrics - Ольга Иванова") == "Ольга Иванова"
    assert review_read.name_from_file("okaforamara_123_456_05_customer_metrics (1)") == "okaforamara"
    assert review_read.name_from_file("okaforamara_LATE_123_456_05_customer_metrics") == "okaforamara"
    assert review_read.name_from_file("Plateau Latecia_05_customer_metrics") == "Plateau Latecia"
    moodle = root / "Amara Okafor_81234_assignsubmission_file_" / "05_customer_metrics.ipynb"
    assert review_read.participant_name(moodle, root, "folder") == "Amara Okafor"
    assert review_read.participant_name(root / "Student 12" / "x.ipynb", root, "folder") == "Student 12"


def test_last_record_of_an_exercise_wins_and_other_kinds_are_left_out(tmp_path):
    def out(**rec):
        return {"output_type": "execute_result", "data": {review_read.RECORD_MIME: {"kind": "check", "notebook": "05", **rec}}}

    nb = {"cells": [
        {"cell_type": "code", "source": "q1.check(a)", "outputs": [out(exercise="q1", status="incorrect", mistake="m")]},
        {"cell_type": "code", "source": "p1.reveal(g)", "outputs": [out(exercise="p1", status="answered", kind="prediction")]},
        {"cell_type": "code", "source": "q1.check(b)", "outputs": [out(exercise="q1", status="correct")]},
        {"cell_type": "code", "source": "# q9.check(x) in a comment\nq2.check(f)", "outputs": []},
    ]}
    path = tmp_path / "05_customer_metrics.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    sub = review_read.read_submission(path, "x")
    assert isinstance(sub, review_read.Submission)
    assert sub.notebook == "05" and sub.exercises == ["q1", "q2"]
    assert sub.status("q1") == ("correct", "") and sub.status("q2") == ("not attempted", "")
    assert "p1" not in sub.exercises, "predictions are not scored"


@pytest.mark.slow
@pytest.mark.browser
def test_review_pages_pass_axe(browser, klass, tmp_path):  # noqa: F811 - the fixture imported above
    page, script = browser
    out = tmp_path / "a11y"
    shutil.copytree(klass, tmp_path / "subs")
    (tmp_path / "subs" / "Late Person").mkdir()
    (tmp_path / "subs" / "Late Person" / "empty.ipynb").write_bytes(b"")
    assert batch.main(["review", str(tmp_path / "subs"), "--out", str(out)]) == 0
    few = tmp_path / "few"
    shutil.copytree(klass / "Amara Okafor", few / "Amara Okafor")
    assert batch.main(["review", str(few), "--out", str(out / "small")]) == 0
    pages = [out / "class.html", *sorted((out / "feedback").glob("*.html")), out / "small" / "class.html"]
    bad = {p.name: v for p in pages if (v := audit(page, script, p))}
    assert not bad, "\n".join(f"{k}:\n{describe(v)}" for k, v in bad.items())
    for p in pages:
        assert dead_links(p) == [], p


@pytest.mark.slow
def test_own_data_feedback_shows_the_solution_on_the_participants_data(klass, tmp_path):
    out = tmp_path / "own"
    assert batch.main(["review", str(klass), "--out", str(out), "--own-data"]) == 0
    seed = PLAN["Ольга Иванова"][0]
    largest = review_course.make_data(seed)["minutes"].max()
    page = html.unescape((out / "feedback" / "Ольга-Иванова.html").read_text(encoding="utf-8"))
    assert f"gives {largest:,.1f} on this notebook's data" in page, "q3 not attempted: its solution on seed 13's data"
    assert "computed on your own data" in page


def test_a_learntools_notebook_of_another_course_is_not_taken_for_ours(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from learntools.core import binder\nfrom learntools.python.ex1 import *"),
        nbformat.v4.new_code_cell("q1.check()"),
    ])
    path = tmp_path / "exercise-syntax.ipynb"
    nbformat.write(nb, path)
    item = review_read.read_submission(path, "x")
    assert isinstance(item, review_read.Unreadable) and "another course" in item.reason


def test_a_malformed_notebook_is_one_line(tmp_path):
    path = tmp_path / "05_customer_metrics.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": [], "source": 3, "outputs": "x"}]}),
                    encoding="utf-8")
    item = review_read.read_submission(path, "x")
    assert isinstance(item, review_read.Unreadable) and "\n" not in item.reason


@pytest.mark.slow
def test_a_later_pseudonymized_review_leaves_no_named_page_behind(klass, tmp_path):
    out = tmp_path / "out"
    assert batch.main(["review", str(klass), "--out", str(out)]) == 0
    mine = out / "feedback" / "notes-of-mine.html"
    mine.write_text("kept", encoding="utf-8")
    assert batch.main(["review", str(klass), "--out", str(out), "--pseudonymize"]) == 0
    names = sorted(p.name for p in (out / "feedback").glob("*.html"))
    assert names == sorted([f"{review_read.pseudonym(n)}.html" for n in PLAN] + ["notes-of-mine.html"])
    assert mine.read_text(encoding="utf-8") == "kept", "a file the review did not write is never removed"
    assert batch.main(["review", str(klass), "--out", str(klass)]) == 2


@pytest.mark.slow
def test_rerun_goes_on_past_a_participants_error(klass, tmp_path):
    nb = json.loads((klass / "Amara Okafor" / "week 1" / "review_fixture.ipynb").read_text(encoding="utf-8"))
    at = next(i for i, c in enumerate(nb["cells"]) if "q1.check(" in "".join(c["source"]))
    nb["cells"].insert(at + 1, nbformat.v4.new_code_cell("1 / 0  # a participant's slip"))
    person = tmp_path / "subs" / "Amara Okafor"
    person.mkdir(parents=True)
    (person / "review_fixture.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    read = batch.review.review(tmp_path / "subs", tmp_path / "out", rerun=True, workers=1, timeout=120)
    assert [(e, read.submissions[0].status(e)[0]) for e in ("q1", "q2", "q3")] == [
        ("q1", "correct"), ("q2", "correct"), ("q3", "correct")]


@pytest.mark.slow
def test_every_committed_lesson_reads_with_its_hints(tmp_path, capsys):
    """The committed notebooks (executed, answers left blank) read as one participant
    with every exercise of each, and every notebook's hints build."""
    lessons = [p for p in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
               if review_read.records(json.loads(p.read_text(encoding="utf-8")))]  # executed ones
    assert len(lessons) >= 5
    person = tmp_path / "subs" / "Amara Okafor"
    person.mkdir(parents=True)
    for path in lessons:
        shutil.copy(path, person / path.name)
    assert batch.main(["review", str(tmp_path / "subs"), "--out", str(tmp_path / "out")]) == 0
    assert "could not read" not in capsys.readouterr().err
    rows = read_csv(tmp_path / "out" / "exercises.csv")
    for path in lessons:
        names = review_read.source_exercises(json.loads(path.read_text(encoding="utf-8")))
        assert [r["exercise"] for r in rows if r["notebook"] == path.name[:2]] == names, path.name
    assert {r["status"] for r in rows} <= {"correct", "incorrect", "not attempted"}
    page = (tmp_path / "out" / "class.html").read_text(encoding="utf-8")
    assert "Hints not shown" not in page and "no hint text available" not in page


@pytest.mark.slow
def test_rerun_that_fails_before_any_check_is_one_line(klass, tmp_path, capsys):
    nb = json.loads((klass / "Bob Smith" / "week 1" / "review_fixture.ipynb").read_text(encoding="utf-8"))
    setup = next(c for c in nb["cells"] if "review_course.make_data" in "".join(c["source"]))
    setup["source"] = 'raise RuntimeError("the data would not load")'
    (tmp_path / "subs" / "Bob Smith").mkdir(parents=True)
    (tmp_path / "subs" / "Bob Smith" / "review_fixture.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    shutil.copytree(klass / "Amara Okafor", tmp_path / "subs" / "Amara Okafor")
    code = batch.main(["review", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--rerun", "--quiet",
                       "--workers", "2", "--timeout", "120"])
    assert code == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("could not read")]
    assert len(err) == 1 and "Bob Smith" in err[0] and "RuntimeError: the data would not load" in err[0], err
