"""Running a batch: output folders, the plan (what to run, what is already
done), parallel execution (local processes or a Dask cluster) and storing
each finished run."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .common import (
    CELL_TIMEOUT,
    MAX_FOLDER_LENGTH,
    RESERVED_FOLDERS,
    RESULT_FILE,
    ROOT,
    RUN_FILE,
    START_TIMEOUT,
    STATUS_FAILED,
    STATUS_NOT_RUN,
    STATUS_OK,
    STATUS_PENDING,
    SUMMARY_FILE,
    _WINDOWS_RESERVED,
    BatchResult,
    ConfigError,
    RunRecord,
    atomic_write,
    error_text,
)
from .config import RunSpec
from .execute import _worker_init, execute_run
from .params import effective_parameters, validate_runs
from .report import write_index, write_summary

# --------------------------------------------------------------------------
# output folders
# --------------------------------------------------------------------------


def sanitize_name(name: str) -> str:
    """A safe folder name for a run name: letters, digits, ``.``, ``_``, ``-``.

    Accents are dropped (``Zoë`` -> ``Zoe``), every other character becomes
    ``-`` (runs of them collapse), leading dots and dashes are stripped (so
    ``../../etc`` -> ``etc``, never a hidden or parent folder), the result is
    at most 80 characters, and never empty (``run``). Names that would clash
    with the batch files (``index.html``, ``summary.csv``) or with device
    names on Windows get a ``-run`` suffix.
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    text = re.sub(r"-{2,}", "-", text)
    text = text.lstrip(".-").rstrip("-.")[:MAX_FOLDER_LENGTH].rstrip("-.")
    if not text:
        text = "run"
    if text.lower() in RESERVED_FOLDERS or text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = f"{text}-run"
    return text


def assign_folders(names: Iterable[str]) -> dict[str, str]:
    """Map every run name to its own folder name (sanitized, unique).

    When two names sanitize alike (compared without case, as macOS and
    Windows do), the later ones get ``-2``, ``-3``... in config order, so the
    mapping is the same every time the same config is run.
    """
    taken: set[str] = set()
    out: dict[str, str] = {}
    for name in names:
        base = sanitize_name(name)
        folder, n = base, 1
        while folder.lower() in taken:
            n += 1
            folder = f"{base}-{n}"
        taken.add(folder.lower())
        out[name] = folder
    return out


def _run_dir(out_dir: Path, folder: str) -> Path:
    target = (out_dir / folder).resolve()
    if target.parent != out_dir.resolve() or folder in {"", ".", ".."}:
        raise ValueError(f"run folder {folder!r} would be outside {out_dir}")
    return target


def _notebook_label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _load_previous(run_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _store(out_dir: Path, record: RunRecord, outcome: Mapping[str, Any]) -> None:
    """Write a finished run's files into its folder; ``run.json`` last."""
    run_dir = _run_dir(out_dir, record.folder)
    run_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = dict(outcome.get("files") or {})
    files[RESULT_FILE] = (json.dumps(record.result, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    for fname, data in files.items():
        atomic_write(run_dir / Path(fname).name, data)
    record.files = [Path(f).name for f in files] + [RUN_FILE]
    keep = set(record.files)
    for old in run_dir.iterdir():  # files of an earlier run of this name
        if old.is_file() and old.name not in keep:
            old.unlink(missing_ok=True)
    atomic_write(run_dir / RUN_FILE, json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n")


def _plan(runs: Sequence[RunSpec], out_dir: Path, only_failed: bool) -> tuple[list[RunRecord], list[RunRecord]]:
    folders = assign_folders(r.name for r in runs)
    records: list[RunRecord] = []
    todo: list[RunRecord] = []
    found_previous = False
    for run in runs:
        assert run.notebook is not None
        rec = RunRecord(
            name=run.name,
            folder=folders[run.name],
            notebook=_notebook_label(run.notebook),
            parameters=effective_parameters(run),
        )
        records.append(rec)
        prev = _load_previous(_run_dir(out_dir, rec.folder)) if only_failed else None
        if prev is not None:
            found_previous = True
        same = (
            prev is not None
            and prev.get("name") == rec.name
            and prev.get("notebook") == rec.notebook
            and prev.get("parameters") == rec.parameters
        )
        if only_failed and same and prev is not None and prev.get("status") == STATUS_OK:
            rec.status = STATUS_OK
            rec.duration_s = prev.get("duration_s")
            rec.error = prev.get("error")
            rec.attempts = prev.get("attempts", 0)
            rec.started, rec.finished = prev.get("started"), prev.get("finished")
            rec.files = list(prev.get("files") or [])
            try:
                rec.result = json.loads((out_dir / rec.folder / RESULT_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                rec.result = {}
        else:
            todo.append(rec)
    if only_failed and not found_previous and not (out_dir / SUMMARY_FILE).exists():
        raise ConfigError([f"--only-failed: no earlier batch in {out_dir} (no {SUMMARY_FILE}, no run folders)"])
    return records, todo


def run_batch(
    runs: Sequence[RunSpec],
    out_dir: str | Path,
    workers: int | None = None,
    *,
    only_failed: bool = False,
    scheduler: str | None = None,
    timeout: int = CELL_TIMEOUT,
    start_timeout: int = START_TIMEOUT,
    progress: bool = True,
    title: str | None = None,
    on_done: Callable[[RunRecord], None] | None = None,
) -> BatchResult:
    """Validate, then execute ``runs`` in parallel and write every output.

    Raises :class:`ConfigError` (before creating anything) when
    :func:`validate_runs` finds a problem. ``workers`` defaults to the
    number of cores; each run executes in its own process with its own
    kernel (or, with ``scheduler="tcp://host:8786"``, as a task on that Dask
    cluster). ``only_failed`` re-runs just the runs of an earlier batch in
    ``out_dir`` that failed, never finished, or whose notebook or parameters
    changed since. ``summary.csv`` and ``index.html`` are rewritten after
    every finished run, so they can be watched while the batch runs.
    """
    problems = validate_runs(runs)
    if problems:
        raise ConfigError(problems)
    out_dir = Path(out_dir)
    records, todo = _plan(runs, out_dir, only_failed)
    title = title or (f"Batch: {runs[0].config.name}" if runs and runs[0].config else "Batch report")
    result = BatchResult(out_dir=out_dir, records=records, executed=[r.name for r in todo])
    out_dir.mkdir(parents=True, exist_ok=True)
    if not todo:
        write_summary(out_dir, records)
        write_index(out_dir, records, title)
        return result
    for rec in todo:  # an earlier run of this name is out of date from now on
        (_run_dir(out_dir, rec.folder) / RUN_FILE).unlink(missing_ok=True)
    write_summary(out_dir, records)
    write_index(out_dir, records, title)

    by_name = {r.name: r for r in records}
    notebooks = {r.name: str(r.notebook) for r in runs}
    jobs = [
        {
            "name": rec.name,
            "notebook": notebooks[rec.name],
            "parameters": rec.parameters,
            "timeout": timeout,
            "start_timeout": start_timeout,
        }
        for rec in todo
    ]

    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc="runs", unit="run", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    counts = {"ok": 0, "failed": 0}
    bar.set_postfix_str("ok=0 failed=0")

    def finish(outcome: Mapping[str, Any]) -> None:
        rec = by_name[outcome["name"]]
        rec.status = outcome["status"]
        rec.duration_s = outcome.get("duration_s")
        rec.error = outcome.get("error")
        rec.result = dict(outcome.get("result") or {})
        rec.attempts = outcome.get("attempts", 0)
        rec.started, rec.finished = outcome.get("started"), outcome.get("finished")
        try:
            _store(out_dir, rec, outcome)
        except OSError as exc:
            rec.status = STATUS_FAILED
            rec.error = {"cell": None, "execution_count": None, "exception": type(exc).__name__,
                         "message": f"could not write the outputs: {exc}"}
        counts["ok" if rec.status == STATUS_OK else "failed"] += 1
        bar.set_postfix_str(f"ok={counts['ok']} failed={counts['failed']}")
        bar.update(1)
        if rec.status != STATUS_OK and progress:
            bar.write(f"FAILED {rec.name}: {error_text(rec.error)}", file=sys.stderr)
        write_summary(out_dir, records)
        write_index(out_dir, records, title)
        if on_done is not None:
            on_done(rec)

    def crashed(job: Mapping[str, Any], exc: BaseException) -> dict[str, Any]:
        return {"name": job["name"], "status": STATUS_FAILED, "attempts": 1, "files": {}, "result": {},
                "error": {"cell": None, "execution_count": None, "exception": type(exc).__name__,
                          "message": f"the worker running this notebook stopped: {exc}"}}

    try:
        if scheduler:
            _run_on_dask(scheduler, jobs, finish, crashed)
        else:
            _run_local(jobs, workers, finish, crashed)
    except KeyboardInterrupt:
        result.interrupted = True
        for rec in todo:
            if rec.status == STATUS_PENDING:
                rec.status = STATUS_NOT_RUN
        write_summary(out_dir, records)
        write_index(out_dir, records, title)
    finally:
        bar.close()
    return result


def _run_local(jobs: list[dict], workers: int | None, finish, crashed) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if "forkserver" in multiprocessing.get_all_start_methods():
        # Workers fork from a server process that has already imported what a
        # run needs, so each worker starts warm (and nothing is forked from
        # this process, which has threads).
        fctx = multiprocessing.get_context("forkserver")
        fctx.set_forkserver_preload(["papermill", "nbconvert", "nbformat", "jupyter_client"])
        ctx: Any = fctx
    else:
        ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_worker_init)
    try:
        with _main_module_hidden():  # workers are started during these submits
            futures = {pool.submit(execute_run, job): job for job in jobs}
        for fut in as_completed(futures):
            try:
                outcome = fut.result()
            except Exception as exc:  # the worker process died (not a notebook error)
                outcome = crashed(futures[fut], exc)
            finish(outcome)
    except BaseException:
        # Interrupted: stop the workers now. Each one cleans up on SIGTERM
        # (its kernel is shut down, its temporary folder removed).
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=15)
            if proc.is_alive():
                proc.kill()
        raise
    else:
        pool.shutdown(wait=True)


@contextlib.contextmanager
def _main_module_hidden():
    """Start worker processes without re-running the caller's main script in them.

    With the forkserver and spawn start methods, multiprocessing re-imports the
    ``__main__`` module in every new worker. Workers here need nothing from it (they
    run :func:`execute_run` on plain dicts), and re-running it costs time and fails
    outright for a script that calls :func:`run_batch` without an
    ``if __name__ == "__main__":`` guard. So while the workers are started,
    ``__main__`` looks like an interactive session (no ``__file__``, no ``__spec__``).
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    missing = object()
    saved = {name: getattr(main, name, missing) for name in ("__file__", "__spec__")}
    try:
        if saved["__file__"] is not missing:
            del main.__file__
        main.__spec__ = None
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                if hasattr(main, name) and name == "__file__":
                    delattr(main, name)
            else:
                setattr(main, name, value)


def _run_on_dask(address: str, jobs: list[dict], finish, crashed) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError([
            "--scheduler needs Dask: install the optional extra with pip install -e \".[dask]\" "
            "(or pip install 'dask[distributed]')"
        ]) from None
    try:
        client = Client(address, timeout="20s")
    except Exception as exc:
        raise ConfigError([f"--scheduler {address}: cannot connect to the Dask scheduler: {exc}"]) from None
    futures: dict[Any, tuple[Any, dict]] = {}
    try:
        for job in jobs:
            fut = client.submit(execute_run, job, pure=False, key=f"mw-run-{sanitize_name(job['name'])}-{os.urandom(4).hex()}")
            futures[fut.key] = (fut, job)
        for fut in as_completed([f for f, _ in futures.values()]):
            job = futures[fut.key][1]
            try:
                outcome = fut.result()
            except Exception as exc:
                outcome = crashed(job, exc)
            finish(outcome)
    except BaseException:
        for fut, _ in futures.values():
            fut.cancel()
        raise
    finally:
        client.close()

