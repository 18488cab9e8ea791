"""Running a batch: output folders, the plan (what to run, what is already
done), parallel execution (local processes or a Dask cluster) and storing
each finished run."""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .common import (
    CELL_TIMEOUT,
    KERNEL_LOG,
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
    """A safe folder name for a run name: letters (any script), digits,
    ``.``, ``_``, ``-``.

    Accents on Latin letters are dropped (``Zoë`` -> ``Zoe``), letters of
    other scripts are kept as they are (``王小明``, ``Ольга-Иванова``), every other
    character becomes ``-`` (runs of them collapse), leading dots and dashes
    are stripped (so ``../../etc`` -> ``etc``, never a hidden or parent
    folder), the result is at most 80 characters (NFC), and never empty
    (``run``). Names that would clash with the batch files (``index.html``,
    ``summary.csv``) or with device names on Windows get a ``-run`` suffix.
    A name's folder depends on the name alone, so it stays the same when
    the roster changes.
    """
    kept: list[str] = []
    for c in unicodedata.normalize("NFKD", str(name)):
        if unicodedata.combining(c) and kept and kept[-1].isascii():
            continue  # an accent on a Latin letter: Zoë -> Zoe
        kept.append(c)
    text = unicodedata.normalize("NFC", "".join(kept))
    text = "".join(c if (c.isalnum() or c in "._-") else "-" for c in text)
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


#: The folder's list of batches (which config wrote which run folders).
MANIFEST_FILE = "batch.json"
#: ``run.json`` while a run's files are being written (its ``files`` are the
#: names about to be written): never a complete run.
STATUS_WRITING = "writing"
#: Seconds to wait for a Dask scheduler to answer before refusing.
SCHEDULER_TIMEOUT = 5


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP during a batch; ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_as_interrupt(ignore: bool = False):
    """While a batch runs, SIGTERM and SIGHUP (``kill``, a closed SSH
    session) stop it the way Ctrl-C does: workers stopped, temporary files
    removed, unfinished runs marked "not run". The first signal interrupts;
    later ones are ignored until the clean-up is done. Only in the main
    thread. With ``ignore``, these signals are ignored instead (for the
    clean-up after an interruption)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    stopping: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        if stopping or ignore:  # a second Ctrl-C must not cut the clean-up short
            return
        stopping.append(signum)
        raise BatchInterrupted(signum)

    saved = {}
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        sig = getattr(signal, name, None)
        if sig is not None:
            saved[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


def _batch_key(runs: Sequence[RunSpec], title: str) -> str:
    """What tells one batch from another in the same --out: its config file
    (or, from the Python API without one, its title)."""
    configs = sorted({str(Path(r.config).resolve()) for r in runs if r.config is not None})
    return configs[0] if configs else f"title:{title}"


def _read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"batches": []}
    if not isinstance(data, dict) or not isinstance(data.get("batches"), list):
        return {"batches": []}
    data["batches"] = [b for b in data["batches"] if isinstance(b, dict) and isinstance(b.get("key"), str)]
    return data


def _write_manifest(out_dir: Path, manifest: Mapping[str, Any]) -> None:
    atomic_write(out_dir / MANIFEST_FILE, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def _with_batch(manifest: dict[str, Any], key: str, title: str, records: Sequence[RunRecord]) -> dict[str, Any]:
    """``manifest`` with this batch's entry added or updated; a folder this
    batch now writes is taken out of any other batch's entry."""
    mine = {r.folder for r in records}
    batches = []
    for b in manifest.get("batches", []):
        if b["key"] == key:
            continue
        b = dict(b)
        b["runs"] = [r for r in b.get("runs", []) if isinstance(r, dict) and r.get("folder") not in mine]
        if b["runs"]:
            batches.append(b)
    batches.append({
        "key": key,
        "title": title,
        "config": None if key.startswith("title:") else key,
        "updated": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "runs": [{"name": r.name, "folder": r.folder} for r in records],
    })
    return {"format": 1, "batches": batches}


def _other_batches(manifest: Mapping[str, Any], key: str, out_dir: Path) -> list[tuple[str, list[RunRecord]]]:
    """The other batches of the folder with their runs as recorded in each
    run's ``run.json`` (a run without one is listed as "not run")."""
    out = []
    for b in manifest.get("batches", []):
        if b["key"] == key:
            continue
        recs = []
        for entry in b.get("runs", []):
            folder = str(entry.get("folder", ""))
            try:
                prev = _load_previous(_run_dir(out_dir, folder)) or {}
            except ValueError:
                continue
            rec = RunRecord(name=str(entry.get("name", folder)), folder=folder, notebook=str(prev.get("notebook", "")),
                            parameters=dict(prev.get("parameters") or {}))
            _restore(rec, prev, out_dir)
            if prev.get("status") not in (STATUS_OK, STATUS_FAILED):
                rec.status = STATUS_NOT_RUN
            recs.append(rec)
        out.append((str(b.get("title") or b["key"]), recs))
    return out


def _restore(rec: RunRecord, prev: Mapping[str, Any], out_dir: Path) -> None:
    rec.status = str(prev.get("status", STATUS_NOT_RUN))
    rec.duration_s = prev.get("duration_s")
    rec.error = prev.get("error")
    rec.attempts = prev.get("attempts", 0)
    rec.started, rec.finished = prev.get("started"), prev.get("finished")
    rec.files = [str(f) for f in prev.get("files") or []]
    try:
        rec.result = json.loads((out_dir / rec.folder / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        rec.result = {}


def _outputs(rec: RunRecord) -> set[str]:
    """File names a run of ``rec`` may write in its folder."""
    stem = Path(rec.notebook).stem
    return {Path(rec.notebook).name, f"{stem}.html", RESULT_FILE, RUN_FILE, KERNEL_LOG}


def _preflight(out_dir: Path, records: Sequence[RunRecord], previous: Mapping[str, dict[str, Any] | None],
               key: str, title: str, force: bool) -> list[str]:
    """Why writing this batch into ``out_dir`` could lose someone's work
    (one line each; empty: safe). Reads only; nothing is written."""
    if not out_dir.exists():
        return []
    if not out_dir.is_dir():
        return [f"--out {out_dir}: exists and is not a folder"]
    problems: list[str] = []
    manifest = _read_manifest(out_dir)
    keys = [b["key"] for b in manifest["batches"]]
    has_runs = any(prev is not None for prev in previous.values())
    legacy = not keys and ((out_dir / SUMMARY_FILE).exists() or has_runs)
    if not force:
        if keys and key not in keys:
            others = "; ".join(f"{b.get('title') or b['key']!s}" for b in manifest["batches"])
            problems.append(
                f"--out {out_dir}: holds another batch ({others}); use another --out, or add --force to "
                "add this batch beside it (index.html and summary.csv then list both)"
            )
        elif not keys and not legacy and any(not f.name.startswith(".") for f in out_dir.iterdir()):
            problems.append(
                f"--out {out_dir}: the folder is not empty and holds no earlier batch ({MANIFEST_FILE}); "
                "choose a new or empty folder, or add --force to write into it (files already there are never deleted)"
            )
        elif legacy and not has_runs:
            problems.append(
                f"--out {out_dir}: holds an earlier batch of other runs; use another --out, or add --force"
            )
    for rec in records:
        run_dir = out_dir / rec.folder
        if not run_dir.is_dir():
            if run_dir.exists():
                problems.append(f"--out {out_dir}: {rec.folder} exists and is not a folder (run {rec.name!r})")
            continue
        written = set((previous.get(rec.name) or {}).get("files") or [])
        for fname in sorted(_outputs(rec)):
            if (run_dir / fname).exists() and fname not in written:
                problems.append(
                    f"--out {out_dir}: {rec.folder}/{fname} was not written by this batch runner and run "
                    f"{rec.name!r} would replace it; move it away first"
                )
    return problems


def out_problems(runs: Sequence[RunSpec], out_dir: str | Path, title: str, *, force: bool = False,
                 only_failed: bool = False) -> list[str]:
    """What :func:`run_batch` would refuse about ``out_dir`` for ``runs``
    (one line each); reads only."""
    out_dir = Path(out_dir)
    try:
        records, _, previous = _plan(runs, out_dir, only_failed)
    except ConfigError as exc:
        return exc.problems
    return _preflight(out_dir, records, previous, _batch_key(runs, title), title, force)


def _store(out_dir: Path, record: RunRecord, outcome: Mapping[str, Any], previous: Mapping[str, Any] | None) -> None:
    """Write a finished run's files into its folder.

    First ``run.json`` says which files are about to be written (status
    "writing"), then each file is written atomically, then ``run.json`` is
    written complete. Files of an earlier run of this name that this run did
    not write again are removed, but only those the earlier ``run.json``
    lists: a file someone else put in the folder is never touched.
    """
    run_dir = _run_dir(out_dir, record.folder)
    run_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {Path(f).name: data for f, data in (outcome.get("files") or {}).items()}
    files[RESULT_FILE] = (json.dumps(record.result, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    earlier = {str(f) for f in ((previous or {}).get("files") or [])} - {RUN_FILE}
    final = [*files, RUN_FILE]
    record.files = sorted(set(final) | earlier)  # every file this run may have touched
    writing = record.to_json() | {"status": STATUS_WRITING}
    atomic_write(run_dir / RUN_FILE, json.dumps(writing, indent=2, ensure_ascii=False) + "\n")
    for fname, data in files.items():
        atomic_write(run_dir / fname, data)
    for old in sorted(earlier - set(final)):  # e.g. kernel.log of an earlier failed run
        (run_dir / old).unlink(missing_ok=True)
    record.files = final
    atomic_write(run_dir / RUN_FILE, json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n")


def _plan(
    runs: Sequence[RunSpec], out_dir: Path, only_failed: bool
) -> tuple[list[RunRecord], list[RunRecord], dict[str, dict[str, Any] | None]]:
    """Every run's record, the runs to execute, and each run's previous
    ``run.json`` in ``out_dir`` (read only)."""
    folders = assign_folders(r.name for r in runs)
    records: list[RunRecord] = []
    todo: list[RunRecord] = []
    previous: dict[str, dict[str, Any] | None] = {}
    for run in runs:
        assert run.notebook is not None
        rec = RunRecord(
            name=run.name,
            folder=folders[run.name],
            notebook=_notebook_label(run.notebook),
            parameters=effective_parameters(run),
        )
        records.append(rec)
        prev = _load_previous(_run_dir(out_dir, rec.folder)) if out_dir.is_dir() else None
        previous[rec.name] = prev
        if only_failed and _same(prev, rec) and prev is not None and prev.get("status") == STATUS_OK:
            _restore(rec, prev, out_dir)
        else:
            todo.append(rec)
    found = any(prev is not None for prev in previous.values())
    if only_failed and not found and not (out_dir / SUMMARY_FILE).exists():
        raise ConfigError([f"--only-failed: no earlier batch in {out_dir} (no {SUMMARY_FILE}, no run folders)"])
    return records, todo, previous


def _same(prev: Mapping[str, Any] | None, rec: RunRecord) -> bool:
    return (
        prev is not None
        and prev.get("name") == rec.name
        and prev.get("notebook") == rec.notebook
        and prev.get("parameters") == rec.parameters
    )


def connect_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT) -> Any:
    """A Dask client connected to ``address``, or :class:`ConfigError` with one
    line naming the address when Dask is missing or nothing answers there
    within ``timeout`` seconds."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError([
            "--scheduler needs Dask: install the optional extra with pip install -e \".[dask]\" "
            "(or pip install 'dask[distributed]')"
        ]) from None
    try:
        return Client(address, timeout=f"{timeout}s")
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise ConfigError([
            f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s ({first}); "
            "nothing was run and --out was not touched"
        ]) from None


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
    force: bool = False,
    on_done: Callable[[RunRecord], None] | None = None,
) -> BatchResult:
    """Validate, then execute ``runs`` in parallel and write every output.

    Raises :class:`ConfigError` before anything is written when
    :func:`validate_runs` finds a problem, when the Dask ``scheduler`` cannot
    be reached, or when writing into ``out_dir`` could lose work: a
    non-empty folder that holds no earlier batch, a folder holding a batch
    of another config, or a file in a run's folder that the runner did not
    write and would replace. ``force=True`` allows the first two (the index
    then lists every batch of the folder); a file the runner did not write
    is never replaced or deleted.

    ``workers`` defaults to the number of cores; each run executes in its
    own process with its own kernel (or, with
    ``scheduler="tcp://host:8786"``, as a task on that Dask cluster).
    ``only_failed`` re-runs just the runs of an earlier batch in ``out_dir``
    that failed, never finished, or whose notebook or parameters changed
    since. ``summary.csv`` and ``index.html`` are rewritten after every
    finished run, so they can be watched while the batch runs. Ctrl-C,
    SIGTERM and SIGHUP stop the batch the same way (see
    :attr:`BatchResult.interrupted`).
    """
    problems = validate_runs(runs)
    if problems:
        raise ConfigError(problems)
    out_dir = Path(out_dir)
    title = title or (f"Batch: {runs[0].config.name}" if runs and runs[0].config else "Batch report")
    key = _batch_key(runs, title)
    records, todo, previous = _plan(runs, out_dir, only_failed)
    problems = _preflight(out_dir, records, previous, key, title, force)
    if problems:
        raise ConfigError(problems)
    client = connect_scheduler(scheduler) if scheduler and todo else None
    result = BatchResult(out_dir=out_dir, records=records, executed=[r.name for r in todo])
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        manifest = _with_batch(_read_manifest(out_dir), key, title, records)
        _write_manifest(out_dir, manifest)
        others = _other_batches(manifest, key, out_dir)

        def write_lists() -> None:
            write_summary(out_dir, records, title, others)
            write_index(out_dir, records, title, others)

        write_lists()
        if todo:
            _execute(runs, records, todo, previous, out_dir, result, write_lists, client=client, workers=workers,
                     timeout=timeout, start_timeout=start_timeout, progress=progress, on_done=on_done)
    finally:
        if client is not None:
            client.close()
    return result


def _execute(runs, records, todo, previous, out_dir, result, write_lists, *, client, workers, timeout,
             start_timeout, progress, on_done) -> None:
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
            _store(out_dir, rec, outcome, previous.get(rec.name))
        except OSError as exc:
            rec.status = STATUS_FAILED
            rec.error = {"cell": None, "execution_count": None, "exception": type(exc).__name__,
                         "message": f"could not write the outputs: {exc}"}
        counts["ok" if rec.status == STATUS_OK else "failed"] += 1
        bar.set_postfix_str(f"ok={counts['ok']} failed={counts['failed']}")
        bar.update(1)
        if rec.status != STATUS_OK and progress:
            bar.write(f"FAILED {rec.name}: {error_text(rec.error)}", file=sys.stderr)
        write_lists()
        if on_done is not None:
            on_done(rec)

    def crashed(job: Mapping[str, Any], exc: BaseException) -> dict[str, Any]:
        return {"name": job["name"], "status": STATUS_FAILED, "attempts": 1, "files": {}, "result": {},
                "error": {"cell": None, "execution_count": None, "exception": type(exc).__name__,
                          "message": f"the worker running this notebook stopped: {exc}"}}

    try:
        with _signals_as_interrupt():
            if client is not None:
                _run_on_dask(client, jobs, finish, crashed)
            else:
                _run_local(jobs, workers, finish, crashed)
    except KeyboardInterrupt as exc:
        import signal

        result.interrupted = True
        result.signal = getattr(exc, "signum", signal.SIGINT)
        with _signals_as_interrupt(ignore=True):  # a signal now must not cut the clean-up short
            for rec in todo:
                on_disk = _load_previous(out_dir / rec.folder) or {}
                if rec.status != STATUS_PENDING and on_disk.get("status") == STATUS_WRITING:
                    rec.status = STATUS_PENDING  # stopped while its files were being written
                if rec.status == STATUS_PENDING:
                    prev = previous.get(rec.name)
                    if _same(prev, rec) and prev is not None and prev.get("status") in (STATUS_OK, STATUS_FAILED):
                        _restore(rec, prev, out_dir)  # its earlier, complete outputs are still there
                    else:
                        rec.status = STATUS_NOT_RUN
            write_lists()
    finally:
        bar.close()


def _run_local(jobs: list[dict], workers: int | None, finish, crashed) -> None:
    """Run ``jobs`` in a pool of worker processes, one kernel each.

    Every temporary file of the workers and their kernels goes into one
    private folder (``mw-batch-*``) that is removed at the end whatever
    happened. When interrupted, the workers get SIGTERM (each shuts its
    kernel down and unwinds) and, after 15 s, SIGKILL with their kernels.
    """
    import multiprocessing
    import shutil
    import tempfile
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
    _start_resource_tracker()
    tmp_dir = tempfile.mkdtemp(prefix="mw-batch-")
    pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_worker_init, initargs=(tmp_dir, os.getpid()))
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
        deadline = time.monotonic() + 15
        for proc in procs:
            proc.join(timeout=max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                _kill_tree(proc.pid)
                proc.join(timeout=5)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (if not yet running) with
    SIGHUP ignored, as it already ignores SIGINT and SIGTERM: a closed
    terminal signals the whole process group, and a tracker that died then
    would be replaced by one that prints tracebacks about the pool's
    semaphores while the batch shuts down."""
    import signal
    from multiprocessing import resource_tracker

    sighup = getattr(signal, "SIGHUP", None)
    if sighup is None:
        resource_tracker.ensure_running()
        return
    old = signal.signal(sighup, signal.SIG_IGN)  # an ignored signal stays ignored across exec
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(sighup, old)


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and its children (a worker and its kernel)."""
    import signal

    children: list[int] = []
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, timeout=5).stdout
        children = [int(x) for x in out.split()]
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    for p in [pid, *children]:
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


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


def _run_on_dask(client: Any, jobs: list[dict], finish, crashed) -> None:
    from distributed import as_completed

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
