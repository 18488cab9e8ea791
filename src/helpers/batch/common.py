"""Constants, plain-data conversion, atomic writes, the results record, and
the records every other module of the batch runner shares. Imports nothing
heavy, so a notebook importing :func:`record_result` pays nothing."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

KERNEL_NAME = "python3"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: No lesson cell needs more than a few seconds; a cell still running after
#: this long is a lost reply, and the run is tried again.
IN_PLACE_CELL_TIMEOUT = 180
WIDGET_PLACEHOLDER = "[Interactive widget: run the notebook (Kernel > Restart Kernel and Run All Cells) to use it.]"
CELL_TIMEOUT = 600
#: Seconds to wait for a kernel to start. Generous: under load (many kernels
#: starting at once) a start can take far longer than the usual second or two.
START_TIMEOUT = 180
#: Environment variable telling :func:`record_result` where to write.
RESULTS_ENV = "MW_RESULTS_PATH"
#: Environment variable holding the run's name (for notebooks that want it).
RUN_NAME_ENV = "MW_RUN_NAME"

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOKS_DIR = ROOT / "notebooks"

SUMMARY_FILE = "summary.csv"
INDEX_FILE = "index.html"
RUN_FILE = "run.json"
RESULT_FILE = "result.json"
#: The kernel process's own log (start-up messages), kept for failed runs only.
KERNEL_LOG = "kernel.log"
#: Folder names a run can never take (they would clash with batch-level files).
RESERVED_FOLDERS = {SUMMARY_FILE, INDEX_FILE}
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
MAX_FOLDER_LENGTH = 80

STATUS_OK = "ok"
STATUS_FAILED = "failed"
STATUS_PENDING = "pending"
STATUS_NOT_RUN = "not run"

CONFIG_KEYS = {"title", "defaults", "matrix", "runs"}
DEFAULTS_KEYS = {"notebook", "parameters"}
RUN_KEYS = {"name", "notebook", "parameters", "matrix"}

# --------------------------------------------------------------------------
# small utilities
# --------------------------------------------------------------------------


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is either absent, the old
    file, or the complete new file: never half written.

    The data goes to a hidden temporary file in the same folder (``.NAME.*.tmp``),
    is flushed to disk, then renamed over ``path`` with :func:`os.replace`
    (atomic on POSIX and Windows). On any error or interrupt the temporary file
    is removed and the exception re-raised.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _plain(value: Any, what: str) -> Any:
    """``value`` as plain JSON data (builtins only); raise TypeError otherwise."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if math.isnan(value) else (value if math.isfinite(value) else str(value))
    # numpy / pandas scalars without importing them
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return _plain(item(), what)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if hasattr(value, "isoformat") and callable(value.isoformat):  # pandas Timestamp
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{what}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{what}[{i}]") for i, v in enumerate(value)]
    if type(value).__name__ == "Decimal":
        return float(value)
    raise TypeError(
        f"{what}: cannot record a {type(value).__name__}; use numbers, text, True/False, "
        "None, or lists of them"
    )


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------
# the results record (called by a notebook at its end)
# --------------------------------------------------------------------------


def record_result(**figures: Any) -> dict[str, Any]:
    """Record a notebook's key figures for the batch runner; return them.

    Call it once at the end of a notebook (``batch.record_result(nps=12.5,
    retention=81.2)``). The figures are converted to plain JSON values
    (numpy and pandas scalars become numbers, dates become ISO text, NaN
    becomes ``None``); anything else raises ``TypeError`` naming the figure.

    Under the batch runner (the environment variable ``MW_RESULTS_PATH`` is
    set), the figures are written atomically to that file as a JSON object;
    called again in the same run, later figures are merged into it. The runner
    copies it to ``result.json`` in the run's folder and into ``summary.csv``.

    Outside a batch (JupyterLab, nbval, papermill by hand) nothing is written
    and nothing is printed: the function only returns the dict, so it can be
    shown or tested.
    """
    record = {name: _plain(value, f"figure {name!r}") for name, value in figures.items()}
    target = os.environ.get(RESULTS_ENV, "").strip()
    if target:
        path = Path(target)
        merged: dict[str, Any] = {}
        if path.exists():
            try:
                merged = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                merged = {}
        merged.update(record)
        atomic_write(path, json.dumps(merged, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    return record


class ConfigError(Exception):
    """A config (or a run in it) is refused; ``problems`` holds one line each."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def error_text(error: Mapping[str, Any] | None) -> str:
    """One line for an error record: ``cell 7 (In [5]): ValueError: boom``,
    or ``cell 7: timed out after 600 s``."""
    if not error:
        return ""
    where = ""
    timeout = error.get("exception") == "timeout"
    if timeout:
        prefix = f"cell {error['cell']}: " if error.get("cell") is not None else ""
        return f"{prefix}{error.get('message') or 'timed out'}"
    if error.get("cell") is not None:
        where = f"cell {error['cell']}"
        if error.get("execution_count"):
            where += f" (In [{error['execution_count']}])"
        where += ": "
    message = str(error.get("message") or "").replace("\n", " ").strip()
    return f"{where}{error.get('exception', 'Error')}" + (f": {message}" if message else "")


# --------------------------------------------------------------------------
# the batch
# --------------------------------------------------------------------------


@dataclass
class RunRecord:
    """What ``run.json`` holds for one run (and one row of ``summary.csv``)."""

    name: str
    folder: str
    notebook: str
    parameters: dict[str, Any]
    status: str = STATUS_PENDING
    duration_s: float | None = None
    error: dict[str, Any] | None = None
    result: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    started: str | None = None
    finished: str | None = None
    files: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "folder": self.folder,
            "notebook": self.notebook,
            "parameters": self.parameters,
            "status": self.status,
            "duration_s": self.duration_s,
            "error": self.error,
            "error_text": error_text(self.error),
            "attempts": self.attempts,
            "started": self.started,
            "finished": self.finished,
            "files": self.files,
        }


@dataclass
class BatchResult:
    """The outcome of :func:`run_batch`: one record per run of the config."""

    out_dir: Path
    records: list[RunRecord]
    executed: list[str] = field(default_factory=list)
    interrupted: bool = False
    #: The signal that interrupted the batch (2 Ctrl-C, 15 SIGTERM, 1 SIGHUP).
    signal: int | None = None

    @property
    def ok(self) -> list[RunRecord]:
        return [r for r in self.records if r.status == STATUS_OK]

    @property
    def failed(self) -> list[RunRecord]:
        """Runs that ran and failed."""
        return [r for r in self.records if r.status == STATUS_FAILED]

    @property
    def not_run(self) -> list[RunRecord]:
        """Runs that did not run (the batch was interrupted first)."""
        return [r for r in self.records if r.status not in (STATUS_OK, STATUS_FAILED)]

    @property
    def exit_code(self) -> int:
        """0 all ok, 1 some run failed, 128 + signal number when interrupted
        (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)."""
        if self.interrupted:
            return 128 + int(self.signal or 2)
        return 0 if all(r.status == STATUS_OK for r in self.records) else 1

