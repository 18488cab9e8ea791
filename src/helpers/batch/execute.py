"""Executing notebooks: in place (the committed copies) and one batch run
(in a worker process or on a Dask worker)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping

from .common import (
    CELL_TIMEOUT,
    IN_PLACE_CELL_TIMEOUT,
    KERNEL_LOG,
    KERNEL_NAME,
    RESULT_FILE,
    RESULTS_ENV,
    RUN_NAME_ENV,
    START_TIMEOUT,
    STATUS_FAILED,
    STATUS_OK,
    WIDGET_PLACEHOLDER,
    WIDGET_VIEW,
)
from .params import _quiet_papermill
from .report import export_html

# --------------------------------------------------------------------------
# executing the committed notebooks in place
# --------------------------------------------------------------------------


def execute_in_place(path: str | Path, timeout: int = IN_PLACE_CELL_TIMEOUT, attempts: int = 2) -> float:
    """Execute one notebook with default parameters and save it in place.

    Returns the time taken in seconds. The saved notebook has kernel name
    ``python3`` and execution counts from 1, top to bottom. A cell that raises
    fails at once; a run that fails for another reason (a kernel that does not
    start or answer, a lost reply on a busy machine) is tried ``attempts``
    times in all. The file is replaced only after a complete run.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    for attempt in range(1, attempts + 1):
        nb = nbformat.read(path, as_version=4)
        nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
        nb.metadata.pop("widgets", None)  # widget state is not kept: the static results carry the lesson
        start = time.perf_counter()
        client = NotebookClient(
            nb,
            timeout=timeout,
            startup_timeout=120,
            kernel_name=KERNEL_NAME,
            resources={"metadata": {"path": str(path.parent.resolve())}},
            store_widget_state=True,  # nbclient needs it to route Output-widget messages
        )
        try:
            client.execute()
        except CellExecutionError:
            raise
        except Exception as exc:
            if attempt == attempts:
                raise
            print(f"retrying {path.name} after {type(exc).__name__}: {str(exc).strip()[:200]}", file=sys.stderr)
            continue
        break
    elapsed = time.perf_counter() - start
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)  # saved widget state is dropped: the static results carry the lesson
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:  # its model is not saved, so say what to do instead
                del data[WIDGET_VIEW]
                data["text/plain"] = WIDGET_PLACEHOLDER
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)
    return elapsed


# --------------------------------------------------------------------------
# executing one run (in a worker process, or on a Dask worker)
# --------------------------------------------------------------------------


def _kernel_manager_class(extra_env: Mapping[str, str], log_file: Any = None):
    """A kernel manager class that starts its kernel with ``extra_env`` added
    to the environment (per run, without touching this process's
    ``os.environ``, so concurrent runs in one process cannot mix them up),
    and the kernel process's own stdout/stderr (its start-up log, not the
    notebook's output) sent to ``log_file``."""
    from jupyter_client.manager import AsyncKernelManager

    env_add = dict(extra_env)

    class _RunKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw: Any):
            env = dict(kw.pop("env", None) or os.environ)
            env.update(env_add)
            kw["env"] = env
            if log_file is not None:
                kw.setdefault("stdout", log_file)
                kw.setdefault("stderr", log_file)
            return await super()._async_pre_start_kernel(**kw)

    return _RunKernelManager


def _started(nb_path: Path) -> bool:
    """Whether any cell of the (partial) output notebook began executing.

    papermill marks every cell "completed" when a run ends, even one that
    never started (a kernel that died on start-up), so a cell counts as
    started only with an execution count, a start time, or status
    "running"/"failed"."""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("papermill") or {}
        if cell.get("execution_count") or meta.get("start_time") or meta.get("status") in {"running", "failed"}:
            return True
    return False


def _error_from(exc: BaseException) -> dict[str, Any]:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return {
            "cell": exc.cell_index,
            "execution_count": exc.exec_count,
            "exception": exc.ename,
            "message": str(exc.evalue),
        }
    text = str(exc).strip()
    return {"cell": None, "execution_count": None, "exception": type(exc).__name__, "message": text.splitlines()[-1] if text else ""}


def _is_timeout(exc: BaseException) -> bool:
    return type(exc).__name__ == "CellTimeoutError"


def _running_cell(nb_path: Path) -> tuple[int | None, Any]:
    """Index and execution count of the cell that was running when a partial
    output notebook was last saved (the cell that timed out)."""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    cells = nb.get("cells", [])
    for i, cell in enumerate(cells):
        if (cell.get("metadata", {}).get("papermill") or {}).get("status") == "running":
            return i, cell.get("execution_count")
    last = None
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and (cell.get("metadata", {}).get("papermill") or {}).get("start_time"):
            last = i
    return (last, cells[last].get("execution_count")) if last is not None else (None, None)


def _cell_id(raw: bytes, index: Any) -> str | None:
    try:
        cell = json.loads(raw.decode("utf-8"))["cells"][int(index)]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return str(cell["id"]) if cell.get("id") else None

def _run_papermill(job: Mapping[str, Any], out_nb: Path, results: Path, log_file: Any = None) -> None:
    import papermill

    notebook = Path(job["notebook"])
    env = {RESULTS_ENV: str(results), RUN_NAME_ENV: job["name"]}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if var not in os.environ:  # one core per run: runs are the parallel unit
            env[var] = "1"
    with _quiet_papermill():
        papermill.execute_notebook(
            str(notebook),
            str(out_nb),
            parameters=dict(job["parameters"]),
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            start_timeout=job.get("start_timeout", START_TIMEOUT),
            execution_timeout=job.get("timeout", CELL_TIMEOUT),
            # the kernel's working folder is the notebook's folder (as in JupyterLab)
            resources={"metadata": {"path": str(notebook.parent)}},
            kernel_manager_class=_kernel_manager_class(env, log_file),
        )


def execute_run(job: Mapping[str, Any]) -> dict[str, Any]:
    """Execute one run and return its outcome; never raises for a failed run.

    ``job`` holds ``name``, ``notebook`` (absolute path), ``parameters``
    (plain values, already validated), and optionally ``timeout`` (seconds
    per cell) and ``start_timeout``. The work happens in a private temporary
    folder; the outcome carries the produced files as bytes (``files``: the
    executed or partial notebook, its HTML report), the recorded figures
    (``result``), ``status``, ``duration_s``, ``attempts`` and ``error``. The
    caller writes the files, so nothing half-done ever lands in ``--out``.

    A kernel that fails to start (an error before any cell ran, other than a
    cell error) is retried once.
    """
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    nb_name = Path(job["notebook"]).name
    stem = Path(nb_name).stem
    started = _dt.datetime.now(_dt.timezone.utc)
    t0 = time.perf_counter()
    outcome: dict[str, Any] = {
        "name": job["name"],
        "status": STATUS_FAILED,
        "error": None,
        "attempts": 0,
        "result": {},
        "files": {},
        "started": started.isoformat(timespec="seconds"),
    }
    with tempfile.TemporaryDirectory(prefix="mw-run-") as tmp:
        _CURRENT_RUN["tmp"] = tmp
        out_nb = Path(tmp) / nb_name
        results = Path(tmp) / RESULT_FILE
        kernel_log = Path(tmp) / KERNEL_LOG
        for attempt in (1, 2):
            outcome["attempts"] = attempt
            for leftover in (out_nb, results):
                leftover.unlink(missing_ok=True)
            try:
                with open(kernel_log, "ab") as log:
                    _run_papermill(job, out_nb, results, log)
            except PapermillExecutionError as exc:
                outcome["error"] = _error_from(exc)
                break
            except Exception as exc:
                outcome["error"] = _error_from(exc)
                if _is_timeout(exc):
                    cell, count = _running_cell(out_nb)
                    limit = job.get("timeout", CELL_TIMEOUT)
                    outcome["error"] = {"cell": cell, "execution_count": count, "exception": "timeout",
                                        "message": f"timed out after {limit} s"}
                    break
                if attempt == 1 and not _started(out_nb):
                    outcome["error"]["message"] = "kernel failed to start, retrying: " + outcome["error"]["message"]
                    continue
                if not _started(out_nb):
                    outcome["error"]["message"] = "kernel failed to start twice: " + outcome["error"]["message"]
                break
            else:
                outcome["status"] = STATUS_OK
                outcome["error"] = None
                break
        if results.is_file():
            try:
                outcome["result"] = json.loads(results.read_text(encoding="utf-8"))
            except ValueError as exc:
                outcome["result"] = {}
                if outcome["error"] is None:
                    outcome["status"] = STATUS_FAILED
                    outcome["error"] = {"cell": None, "execution_count": None, "exception": "ValueError",
                                        "message": f"unreadable results record: {exc}"}
        if outcome["status"] != STATUS_OK and kernel_log.is_file() and kernel_log.stat().st_size:
            outcome["files"][KERNEL_LOG] = kernel_log.read_bytes()[-200_000:]
        if out_nb.is_file():
            raw = out_nb.read_bytes()
            outcome["files"][nb_name] = raw
            try:
                nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
                if outcome["error"] and outcome["error"].get("cell") is not None:
                    outcome["error"]["cell_id"] = _cell_id(raw, outcome["error"]["cell"])
                names = [nb_name, f"{stem}.html", RESULT_FILE, "run.json"] + ([KERNEL_LOG] if KERNEL_LOG in outcome["files"] else [])
                report = export_html(nb, run=job["name"], notebook=nb_name, parameters=job["parameters"], files=names)
                outcome["files"][f"{stem}.html"] = report.encode("utf-8")
            except Exception as exc:  # a report that cannot be exported is a failure too
                if outcome["error"] is None:
                    outcome["status"] = STATUS_FAILED
                    outcome["error"] = {"cell": None, "execution_count": None, "exception": type(exc).__name__,
                                        "message": f"HTML export failed: {exc}"}
    outcome["duration_s"] = round(time.perf_counter() - t0, 2)
    outcome["finished"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return outcome


def _worker_init(tmp_dir: str | None = None, runner_pid: int | None = None) -> None:
    """In a worker process: Ctrl-C and SIGHUP (sent to the whole process
    group by a terminal) are the main process's business (it stops the
    workers with SIGTERM), and SIGTERM unwinds cleanly (kernel shut down,
    temporary files removed). A Python handler, not SIG_IGN, so kernels
    started from here still get the default SIGINT behaviour. With
    ``tmp_dir``, every temporary file of the worker and of its kernels goes
    there (the batch removes that folder at its end, whatever happened).
    With ``runner_pid``, the worker stops by itself once that process is
    gone."""
    import signal

    if tmp_dir:
        tempfile.tempdir = tmp_dir
        os.environ["TMPDIR"] = tmp_dir
    if runner_pid:
        _watch_runner(runner_pid)

    signal.signal(signal.SIGINT, lambda signum, frame: None)
    if hasattr(signal, "SIGHUP"):  # a closed terminal: the main process stops the batch
        signal.signal(signal.SIGHUP, lambda signum, frame: None)
    signal.signal(signal.SIGTERM, _exit_on_signal)


def _watch_runner(runner_pid: int, every: float = 1.0) -> None:
    """Stop this worker (as on SIGTERM) when the runner process is gone: it
    was killed outright (``kill -9``), so nobody will collect the result,
    and the worker, its kernel and the forkserver (which lives as long as a
    worker does) would otherwise wait forever."""
    import signal
    import threading

    def gone() -> bool:
        try:
            os.kill(runner_pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        try:  # a zombie: dead, not yet reaped by its parent
            return Path(f"/proc/{runner_pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except (OSError, IndexError):
            return False

    def watch() -> None:
        while True:
            time.sleep(every)
            if gone():
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="mw-runner-watch", daemon=True).start()


#: The temporary folder of the run this worker is executing (for the
#: SIGTERM handler).
_CURRENT_RUN: dict[str, str | None] = {"tmp": None}


def _child_pids(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the kernel a worker started)."""
    out = []
    proc = Path("/proc")
    if proc.is_dir():
        for stat in proc.glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 1 and fields[1] == str(pid):
                out.append(int(stat.parent.name))
        return out
    import subprocess

    try:
        text = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(x) for x in text.split() if x.isdigit()]


def _exit_on_signal(signum: int, frame: Any) -> None:
    """SIGTERM in a worker: stop its kernel (a process in its own session,
    which a signal to the batch's process group does not reach), remove the
    run's temporary folder, and exit at once. Not ``SystemExit``: the
    process pool's worker loop catches every exception of a task and would
    go on waiting for the next one."""
    import shutil
    import signal as _signal

    kids = _child_pids(os.getpid())
    leftovers = [f for pid in kids for f in _connection_files(pid)]
    for pid in kids:
        with contextlib.suppress(OSError):
            os.kill(pid, _signal.SIGTERM)
    deadline = time.monotonic() + 3
    while kids and time.monotonic() < deadline:
        kids = [pid for pid in kids if _alive(pid)]
        time.sleep(0.1)
    for pid in kids:
        with contextlib.suppress(OSError):
            os.kill(pid, _signal.SIGKILL)
    for f in leftovers:  # a kernel stopped this way leaves its connection file
        with contextlib.suppress(OSError):
            os.unlink(f)
    tmp = _CURRENT_RUN.get("tmp")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    os._exit(128 + signum)


def _connection_files(pid: int) -> list[str]:
    """The kernel connection file named on a kernel's command line (``-f FILE``)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return []
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-f" and args[i + 1].endswith(".json")]


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (reaping it when it is our finished child)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True

