"""A batch never loses work: files it did not write, finished batches, and
what a stop (Ctrl-C, SIGTERM, SIGHUP, or a hard kill) leaves behind.

All batches here run the tiny fixture notebooks in tests/fixtures/.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from helpers import batch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLAIN = FIXTURES / "batch_plain.ipynb"


def write_config(folder: Path, text: str, name: str = "batch.yml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).replace("PLAIN", str(PLAIN)), encoding="utf-8")
    return path


def run_cli(*args: object) -> int:
    return batch.main(["run", *map(str, args), "--quiet"])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def read_summary(out: Path) -> list[dict]:
    with open(out / "summary.csv", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


CLASS = """
    title: Week 1
    defaults: {notebook: PLAIN}
    runs:
      - {name: Amara Okafor, parameters: {seed: 1}}
      - {name: Bruno Lima, parameters: {seed: 2}}
"""


# ------------------------------------------------------------------ files the runner did not write


@pytest.mark.slow
def test_files_a_run_did_not_write_are_never_deleted(tmp_path, capsys):
    cfg = write_config(tmp_path, CLASS.replace("seed: 2}", "seed: 2, fail: true}"))
    out = tmp_path / "out"
    assert run_cli(cfg, "--out", out) == 1
    first = json.loads((out / "Bruno-Lima" / "run.json").read_text(encoding="utf-8"))
    assert first["status"] == "failed"
    (out / "Bruno-Lima" / "kernel.log").write_text("kernel start-up messages", encoding="utf-8")
    first["files"] = sorted(set(first["files"]) | {"kernel.log"})  # as when the kernel logged something
    (out / "Bruno-Lima" / "run.json").write_text(json.dumps(first), encoding="utf-8")
    essay = out / "Amara-Okafor" / "week1-essay.docx"
    essay.write_bytes(b"the participant's own work")
    notes = out / "Bruno-Lima" / "notes.txt"
    notes.write_text("instructor notes", encoding="utf-8")
    # the same config, now without the failure: every run's files are replaced
    write_config(tmp_path, CLASS)
    assert run_cli(cfg, "--out", out) == 0
    assert essay.read_bytes() == b"the participant's own work"
    assert notes.read_text(encoding="utf-8") == "instructor notes"
    assert not (out / "Bruno-Lima" / "kernel.log").exists(), "the earlier run's own kernel.log is removed"
    record = json.loads((out / "Bruno-Lima" / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "ok" and "notes.txt" not in record["files"]


def test_a_file_the_runner_did_not_write_is_not_replaced(tmp_path, capsys):
    cfg = write_config(tmp_path, CLASS)
    out = tmp_path / "out"
    (out / "Amara-Okafor").mkdir(parents=True)
    mine = out / "Amara-Okafor" / "batch_plain.html"
    mine.write_text("a page someone wrote", encoding="utf-8")
    for extra in ([], ["--force"]):
        assert run_cli(cfg, "--out", out, *extra) == 2
        err = capsys.readouterr().err
        assert "Amara-Okafor/batch_plain.html was not written by this batch runner" in err, err
    assert mine.read_text(encoding="utf-8") == "a page someone wrote"
    assert sorted(p.name for p in out.rglob("*")) == ["Amara-Okafor", "batch_plain.html"]


def test_a_non_empty_out_without_an_earlier_batch_is_refused(tmp_path, capsys):
    cfg = write_config(tmp_path, CLASS)
    out = tmp_path / "course-folder"
    out.mkdir()
    (out / "syllabus.pdf").write_bytes(b"%PDF")
    before = snapshot(out)
    assert run_cli(cfg, "--out", out) == 2
    err = capsys.readouterr().err
    assert "not empty and holds no earlier batch" in err and "--force" in err
    assert snapshot(out) == before
    # check says the same, and writes nothing either
    assert batch.main(["check", str(cfg), "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert snapshot(out) == before


def test_hidden_files_alone_do_not_make_out_non_empty(tmp_path, capsys):
    cfg = write_config(tmp_path, CLASS)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".DS_Store").write_bytes(b"")
    assert batch.main(["check", str(cfg), "--out", str(out)]) == 0, capsys.readouterr().err


@pytest.mark.slow
def test_force_writes_beside_files_it_never_touches(tmp_path):
    cfg = write_config(tmp_path, CLASS)
    out = tmp_path / "course-folder"
    out.mkdir()
    (out / "syllabus.pdf").write_bytes(b"%PDF")
    assert run_cli(cfg, "--out", out, "--force") == 0
    assert (out / "syllabus.pdf").read_bytes() == b"%PDF"
    assert [r["status"] for r in read_summary(out)] == ["ok", "ok"]


# ------------------------------------------------------------------ two configs, one --out


@pytest.mark.slow
def test_two_configs_into_one_out(tmp_path, capsys):
    week1 = write_config(tmp_path, CLASS, "week1.yml")
    week2 = write_config(tmp_path, """
        title: Week 2
        defaults: {notebook: PLAIN}
        runs:
          - {name: Amara Okafor, parameters: {seed: 11}}
          - {name: Chen Wei, parameters: {seed: 13}}
    """, "week2.yml")
    out = tmp_path / "batch-out"
    assert run_cli(week1, "--out", out) == 0
    before = snapshot(out)
    assert run_cli(week2, "--out", out) == 2
    err = capsys.readouterr().err
    assert "holds another batch (Week 1)" in err and "--force" in err
    assert snapshot(out) == before, "a refused batch touches nothing"
    assert run_cli(week2, "--out", out, "--force") == 0
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert [b["title"] for b in manifest["batches"]] == ["Week 1", "Week 2"]
    # Amara's folder now holds week 2's run: it is listed there, not under week 1
    assert manifest["batches"][0]["runs"] == [{"name": "Bruno Lima", "folder": "Bruno-Lima"}]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>Week 2</h1>" in index and "<h2>Week 1</h2>" in index
    assert 'href="Bruno-Lima/batch_plain.html"' in index and 'href="Chen-Wei/batch_plain.html"' in index
    rows = read_summary(out)
    assert [(r["batch"], r["name"]) for r in rows] == [
        ("Week 2", "Amara Okafor"), ("Week 2", "Chen Wei"), ("Week 1", "Bruno Lima")]
    # running week 2 again needs no --force: it is already one of the folder's batches
    assert run_cli(week2, "--out", out, "--only-failed") == 0


# ------------------------------------------------------------------ an unreachable scheduler


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_unreachable_scheduler_touches_nothing(tmp_path, capsys):
    pytest.importorskip("distributed")
    cfg = write_config(tmp_path, CLASS)
    out = tmp_path / "out"
    assert run_cli(cfg, "--out", out) == 0
    before = snapshot(out)
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.monotonic()
    assert run_cli(cfg, "--out", out, "--scheduler", address) == 2
    assert time.monotonic() - start < 30
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(err) == 1 and address in err[0] and "no Dask scheduler answered" in err[0], err
    assert snapshot(out) == before, "the finished batch is untouched"


# ------------------------------------------------------------------ stopping a batch


def tagged_processes(tag: str) -> list[int]:
    """Processes (other than this one) whose environment holds ``tag``."""
    found = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        try:
            if tag.encode() in env.read_bytes():
                found.append(int(env.parent.name))
        except OSError:
            continue
    return [p for p in found if p != os.getpid()]


def start_batch(tmp_path: Path, n_runs: int, sleep: float) -> tuple[subprocess.Popen, Path, Path, str]:
    runs = "".join(f"  - {{name: p{i}, parameters: {{seed: {i}, sleep: {sleep if i >= 2 else 0.0}}}}}\n"
                   for i in range(n_runs))
    cfg = write_config(tmp_path, "title: Stop test\ndefaults: {notebook: PLAIN}\nruns:\n" + runs)
    out = tmp_path / "out"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tag = f"MW_STOP_TEST={uuid.uuid4().hex}"
    env = dict(os.environ, TMPDIR=str(tmp), MW_STOP_TEST=tag.split("=")[1], PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers.batch", "run", str(cfg), "--out", str(out), "--workers", "2", "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    return proc, out, tmp, tag


def wait_for_runs(out: Path, n: int, proc: subprocess.Popen, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end and proc.poll() is None:
        done = [p for p in out.glob("*/run.json") if json.loads(p.read_text(encoding="utf-8")).get("status") == "ok"]
        if len(done) >= n:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {n} runs finished in time")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["SIGTERM", "SIGHUP", "SIGINT"])
def test_signals_interrupt_a_batch_in_the_main_thread(sig):
    """While a batch runs, SIGTERM and SIGHUP raise the same interruption as Ctrl-C."""
    from helpers.batch import runner

    before = signal.getsignal(sig)
    with pytest.raises(batch.BatchInterrupted) as caught:
        with runner._signals_as_interrupt():
            os.kill(os.getpid(), sig)
            time.sleep(5)  # the handler runs before this returns
    assert caught.value.signum == sig and isinstance(caught.value, KeyboardInterrupt)
    assert signal.getsignal(sig) == before, "the previous handler is back after the batch"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find leftover processes")
@pytest.mark.parametrize("sig,group", [(signal.SIGTERM, False), (signal.SIGHUP, True)],
                         ids=["SIGTERM to the runner", "SIGHUP to its process group"])
def test_sigterm_and_sighup_stop_like_ctrl_c(tmp_path, sig, group):
    """A real batch stopped by `kill` (SIGTERM to the runner) or by a closed
    terminal (SIGHUP to the whole process group, workers included): no worker
    or kernel left, no temporary folder left, unfinished runs "not run"."""
    proc, out, tmp, tag = start_batch(tmp_path, n_runs=4, sleep=60)
    try:
        wait_for_runs(out, 2, proc)
        time.sleep(2)  # the next runs' kernels are busy sleeping
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + sig, (proc.returncode, stderr)
    name = {signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}[sig]
    assert f"interrupted ({name})" in stderr and "not run" in stderr, stderr
    assert "Traceback" not in stderr, stderr
    assert "2 ok, 0 failed, 2 not run of 4 runs" in stdout, stdout
    time.sleep(1)
    left = tagged_processes(tag)
    for pid in left:  # do not leave them behind even when the test fails
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert left == [], "worker or kernel processes survived the batch"
    assert sorted(p.name for p in tmp.iterdir()) == [], "temporary folders (pymp-*, mw-*) were left behind"
    statuses = [r["status"] for r in read_summary(out)]
    assert statuses == ["ok", "ok", "not run", "not run"]
    assert "status pending" not in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find leftover processes")
def test_workers_and_kernels_stop_by_themselves_when_the_runner_is_killed(tmp_path):
    """kill -9 of the runner alone: its workers notice and stop their kernels."""
    proc, out, tmp, tag = start_batch(tmp_path, n_runs=4, sleep=60)
    try:
        wait_for_runs(out, 2, proc)
        time.sleep(2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while tagged_processes(tag) and time.monotonic() < deadline:
            time.sleep(0.3)
        left = tagged_processes(tag)
    finally:
        for pid in tagged_processes(tag):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert left == [], "workers or kernels outlived a killed runner"
    leftovers = [p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()]
    assert all(p.startswith("pymp-") for p in leftovers), leftovers  # only the killed runner's own


def check_complete(out: Path) -> None:
    """Every file in ``out`` that looks complete is complete."""
    for path in out.rglob("*"):
        if path.is_dir() or path.name.startswith("."):
            continue  # hidden .NAME.*.tmp files are never taken for outputs
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".ipynb":
            nbformat.reads(data.decode("utf-8"), as_version=4)
        elif path.suffix == ".html":
            assert data.rstrip().endswith(b"</html>"), path
        elif path.suffix == ".csv":
            rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
            assert rows and all(len(r) == len(rows[0]) for r in rows), path
    for run_file in out.glob("*/run.json"):
        record = json.loads(run_file.read_text(encoding="utf-8"))
        if record["status"] in ("ok", "failed"):
            for name in record["files"]:
                assert (run_file.parent / name).is_file(), f"{run_file.parent.name}/{name} listed but missing"


@pytest.mark.slow
def test_a_batch_killed_at_random_points_leaves_nothing_half_written(tmp_path):
    rng = random.Random(20261130)
    for attempt in range(2):
        folder = tmp_path / f"kill{attempt}"
        folder.mkdir()
        proc, out, _, tag = start_batch(folder, n_runs=3, sleep=0.0)
        time.sleep(rng.uniform(2.5, 6.0))
        os.killpg(proc.pid, signal.SIGKILL)  # no clean-up at all: the worst case
        proc.wait(timeout=30)
        for pid in tagged_processes(tag):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if out.exists():
            check_complete(out)
        if out.exists():  # and the next run of the same config into that folder is not refused
            assert run_cli(folder / "batch.yml", "--out", out, "--only-failed") == 0
            check_complete(out)
            assert [r["status"] for r in read_summary(out)] == ["ok"] * 3


def test_a_second_signal_does_not_cut_the_clean_up_short():
    from helpers.batch import runner

    with pytest.raises(batch.BatchInterrupted):
        with runner._signals_as_interrupt():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            finally:  # the clean-up: a second signal arrives and is ignored
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
    with runner._signals_as_interrupt(ignore=True):
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.2)
