"""Running notebooks: in place for the committed copies, and in batches for a class.

``python -m helpers.batch execute-in-place NOTEBOOK...`` re-executes notebooks
top to bottom with their default parameters and saves them where they are
(``make notebooks``). The kernel runs in the notebook's own folder, as in
JupyterLab and nbval, so relative paths behave the same everywhere.

``python -m helpers.batch run CONFIG --out DIR`` runs one notebook per
participant, cohort or organisation, each with its own parameters, as a YAML
config describes (see ``docs/instructors.md`` and ``batches/``):

1. the config is read and every run is checked *before anything runs*: the
   notebook exists, every parameter is declared in its ``parameters`` cell and
   has the declared type. Any problem: one line per problem, exit status 2,
   nothing started and nothing written;
2. the runs execute in parallel, one process and one kernel each, with a
   progress bar; a failing run never stops the others;
3. each run gets ``DIR/<folder>/`` with the executed notebook, an HTML report
   that needs no network, ``result.json`` (the figures the notebook recorded
   with :func:`record_result`) and ``run.json`` (status, duration, parameters,
   error), and ``DIR/summary.csv`` plus ``DIR/index.html`` list every run.

Exit status: 0 when every run succeeded, 1 when any failed, 2 when the config
is refused, 130 when interrupted.

The Python API is what the CLI calls: :func:`load_config`,
:func:`validate_runs`, :func:`run_batch`, and, inside a notebook,
:func:`record_result`. Heavy imports (papermill, nbconvert, yaml) happen inside
the functions that need them, so a notebook importing :func:`record_result`
pays nothing for them.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import datetime as _dt
import difflib
import html
import io
import itertools
import json
import math
import os
import re
import string
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

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

ROOT = Path(__file__).resolve().parents[2]
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

__all__ = [
    "execute_in_place",
    "main",
    "RunSpec",
    "Declared",
    "BatchResult",
    "RunRecord",
    "ConfigError",
    "load_config",
    "validate_runs",
    "resolve_notebook",
    "notebook_parameters",
    "effective_parameters",
    "sanitize_name",
    "assign_folders",
    "run_batch",
    "execute_run",
    "record_result",
    "export_html",
    "atomic_write",
]


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


# --------------------------------------------------------------------------
# config: the runs to make
# --------------------------------------------------------------------------


class ConfigError(Exception):
    """A config (or a run in it) is refused; ``problems`` holds one line each."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class RunSpec:
    """One run: a notebook and the parameters to inject.

    ``notebook`` is the resolved path (``None`` when it could not be found:
    :func:`validate_runs` reports it); ``notebook_ref`` is what the config
    said. ``sources`` tells, per parameter, where its value came from
    ("defaults", "parameters" or "matrix"), for error messages.
    """

    name: str
    notebook: Path | None
    parameters: dict[str, Any] = field(default_factory=dict)
    notebook_ref: str = ""
    config: Path | None = None
    origin: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.notebook is not None and not isinstance(self.notebook, Path):
            self.notebook = Path(self.notebook)
        if not self.notebook_ref:
            self.notebook_ref = str(self.notebook) if self.notebook is not None else ""

    def where(self) -> str:
        prefix = f"{self.config}: " if self.config else ""
        return f"{prefix}run {self.name!r}"


def _yaml_loader():
    import yaml

    class _StrictSafeLoader(yaml.SafeLoader):
        """yaml.SafeLoader that refuses a key given twice in one mapping
        (plain safe_load silently keeps the last one)."""

    def construct_mapping(loader, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen[key] = True
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    _StrictSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return _StrictSafeLoader


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read the config: {exc}"]) from None
    try:
        return yaml.load(text, Loader=_yaml_loader())  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        detail = f"{context}, {problem}" if context and "duplicate" not in str(problem) else problem
        raise ConfigError([f"{where}: invalid YAML: {detail}"]) from None


def _notebook_candidates(ref: str, base: Path | None) -> list[Path]:
    ref_path = Path(ref).expanduser()
    names = [ref_path] if ref_path.suffix == ".ipynb" else [ref_path.with_name(ref_path.name + ".ipynb"), ref_path]
    out: list[Path] = []
    for name in names:
        if name.is_absolute():
            out.append(name)
            continue
        for folder in (base, Path.cwd(), ROOT, NOTEBOOKS_DIR):
            if folder is not None:
                out.append(folder / name)
    return out


def resolve_notebook(ref: str, base: Path | None = None) -> Path | None:
    """Find the notebook ``ref`` names: a path (absolute, relative to the
    config's folder ``base``, the current folder or the repository), or a
    notebook name from ``notebooks/`` with or without ``.ipynb``, or just its
    number (``"05"``). Returns the resolved path, or ``None``."""
    for cand in _notebook_candidates(ref, base):
        if cand.is_file():
            return cand.resolve()
    if re.fullmatch(r"\d{2}", ref.strip()) and NOTEBOOKS_DIR.is_dir():
        hits = sorted(NOTEBOOKS_DIR.glob(f"{ref.strip()}_*.ipynb"))
        if len(hits) == 1:
            return hits[0].resolve()
    return None


def _notebook_hint(ref: str) -> str:
    names = sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")) if NOTEBOOKS_DIR.is_dir() else []
    close = difflib.get_close_matches(Path(ref).stem, names, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _template_fields(template: str) -> list[str] | None:
    try:
        return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError:
        return None


def load_config(path: str | Path) -> list[RunSpec]:
    """Read a batch config and expand it into runs.

    The YAML (read with a safe loader) has ``runs:`` (a list of ``{name,
    notebook, parameters, matrix}``) and optionally ``title:``, ``defaults:``
    (``notebook`` and shared ``parameters``) and a top-level ``matrix:`` that
    multiplies every run. A matrix maps parameter names to lists of values;
    a run is made for every combination, and the run's ``name`` is a template
    (``"{organisation}-{seed}"``) filled in with the run's parameters.

    Raises :class:`ConfigError` listing every problem (one line each, naming
    the file and the run). Notebook and parameter checks are done by
    :func:`validate_runs`.
    """
    path = Path(path)
    data = _read_yaml(path)
    problems: list[str] = []
    p = str(path)
    if data is None:
        raise ConfigError([f"{p}: the config is empty; it needs a 'runs:' list"])
    if not isinstance(data, dict):
        raise ConfigError([f"{p}: the config must be a mapping with a 'runs:' list, not a {type(data).__name__}"])
    for key in data:
        if key not in CONFIG_KEYS:
            problems.append(f"{p}: unknown top-level key {key!r} (allowed: {', '.join(sorted(CONFIG_KEYS))})")
    if "title" in data and not isinstance(data["title"], str):
        problems.append(f"{p}: 'title' must be text")

    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(f"{p}: 'defaults' must be a mapping (notebook, parameters)")
        defaults = {}
    for key in defaults:
        if key not in DEFAULTS_KEYS:
            problems.append(f"{p}: defaults: unknown key {key!r} (allowed: {', '.join(sorted(DEFAULTS_KEYS))})")
    default_params = defaults.get("parameters") or {}
    if not isinstance(default_params, dict):
        problems.append(f"{p}: defaults: 'parameters' must be a mapping of name: value")
        default_params = {}
    default_nb = defaults.get("notebook")
    if default_nb is not None and not isinstance(default_nb, str):
        problems.append(f"{p}: defaults: 'notebook' must be text")
        default_nb = None

    top_matrix, msg = _check_matrix(data.get("matrix"), f"{p}: matrix")
    if msg:
        problems.append(msg)

    runs_data = data.get("runs")
    if runs_data is None:
        problems.append(f"{p}: missing key 'runs' (a list of runs, each with name, notebook, parameters)")
        runs_data = []
    elif not isinstance(runs_data, list):
        problems.append(f"{p}: 'runs' must be a list of runs, not a {type(runs_data).__name__}")
        runs_data = []
    elif not runs_data:
        problems.append(f"{p}: 'runs' is empty")

    specs: list[RunSpec] = []
    for i, entry in enumerate(runs_data):
        label = f"{p}: runs[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{label}: each run must be a mapping with name, notebook, parameters")
            continue
        raw_name = entry.get("name")
        if isinstance(raw_name, (str, int)) and not isinstance(raw_name, bool) and str(raw_name).strip():
            raw_name = str(raw_name).strip()
            label = f"{p}: run {raw_name!r}"
        else:
            problems.append(f"{label}: missing key 'name' (text)" if raw_name is None else f"{label}: 'name' must be non-empty text")
            raw_name = None
        bad = False
        for key in entry:
            if key not in RUN_KEYS:
                hint = difflib.get_close_matches(str(key), sorted(RUN_KEYS), n=1)
                problems.append(
                    f"{label}: unknown key {key!r}"
                    + (f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(sorted(RUN_KEYS))})")
                )
                bad = True
        nb_ref = entry.get("notebook", default_nb)
        if nb_ref is None:
            problems.append(f"{label}: missing key 'notebook' (and no defaults: notebook)")
            bad = True
        elif not isinstance(nb_ref, str):
            problems.append(f"{label}: 'notebook' must be text")
            bad = True
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            problems.append(f"{label}: 'parameters' must be a mapping of name: value")
            bad = True
            params = {}
        run_matrix, msg = _check_matrix(entry.get("matrix"), f"{label}: matrix")
        if msg:
            problems.append(msg)
            bad = True
        if raw_name is None or bad:
            continue
        matrix = dict(top_matrix)
        matrix.update(run_matrix)
        clash = sorted(set(matrix) & set(params))
        if clash:
            problems.append(f"{label}: parameter {clash[0]!r} is set both in 'parameters' and in a matrix")
            continue
        fields = _template_fields(raw_name)
        if fields is None:
            problems.append(f"{label}: the name is not a valid template (write literal braces as '{{{{' and '}}}}')")
            continue
        varying = [k for k, v in matrix.items() if len(v) > 1]
        missing = [k for k in varying if k not in fields]
        if missing:
            problems.append(
                f"{label}: the name must use every matrix parameter that varies, so each run gets its own "
                f"name: add {', '.join('{' + k + '}' for k in missing)}"
            )
            continue
        resolved = resolve_notebook(nb_ref, path.parent.resolve())
        keys = list(matrix)
        for combo in itertools.product(*(matrix[k] for k in keys)) if keys else [()]:
            values = dict(default_params)
            sources = {k: "defaults" for k in default_params}
            values.update(params)
            sources.update({k: "parameters" for k in params})
            values.update(dict(zip(keys, combo)))
            sources.update({k: "matrix" for k in keys})
            try:
                name = raw_name.format_map(values)
            except KeyError as exc:
                problems.append(f"{label}: the name uses {{{exc.args[0]}}}, which is not a parameter of this run")
                break
            except (ValueError, IndexError, AttributeError) as exc:
                problems.append(f"{label}: the name template cannot be filled in: {exc}")
                break
            name = name.strip()
            if not name:
                problems.append(f"{label}: the name is empty once filled in")
                break
            specs.append(
                RunSpec(
                    name=name,
                    notebook=resolved,
                    parameters=values,
                    notebook_ref=nb_ref,
                    config=path,
                    origin=f"runs[{i}]",
                    sources=sources,
                )
            )
    seen: dict[str, RunSpec] = {}
    for spec in specs:
        if spec.name in seen:
            first = seen[spec.name]
            problems.append(
                f"{p}: run {spec.name!r}: duplicate run name ({first.origin} and {spec.origin}); every run needs its own name"
            )
        else:
            seen[spec.name] = spec
    if problems:
        raise ConfigError(problems)
    return specs


def _check_matrix(matrix: Any, label: str) -> tuple[dict[str, list[Any]], str | None]:
    if matrix is None:
        return {}, None
    if not isinstance(matrix, dict) or not matrix:
        return {}, f"{label}: must be a mapping of parameter name to a list of values"
    for key, values in matrix.items():
        if not isinstance(values, list) or not values:
            return {}, f"{label}: {key!r} must be a non-empty list of values, e.g. {key}: [1, 2, 3]"
    return {str(k): list(v) for k, v in matrix.items()}, None


# --------------------------------------------------------------------------
# validation: declared parameters and their types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """A parameter declared in a notebook's ``parameters`` cell."""

    name: str
    type: str | None  # "int", "float", "bool", "str", "list", "dict"; None accepts anything
    default: Any
    help: str = ""


_TYPE_OF = {bool: "bool", int: "int", float: "float", str: "str", list: "list", tuple: "list", dict: "dict"}
_ANNOTATIONS = {"int": "int", "float": "float", "bool": "bool", "str": "str", "list": "list", "dict": "dict"}
_PARAM_CACHE: dict[tuple[str, int, int], dict[str, Declared]] = {}


def notebook_parameters(path: str | Path) -> dict[str, Declared]:
    """The parameters a notebook declares, with the type each value must have.

    Names and help come from ``papermill.inspect_notebook``. papermill takes a
    type only from an annotation or a ``# type:`` comment; otherwise the type
    is inferred here from the default literal (``seed = 42`` -> int). A
    ``None`` default, or a default that is not a literal, accepts any value.
    Lines papermill cannot parse (a second ``=`` in the help comment) are
    read from the cell's syntax tree instead, so they are not lost.
    """
    import papermill

    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key in _PARAM_CACHE:
        return _PARAM_CACHE[key]
    with _quiet_papermill():  # its "Unable to parse line" warning: such lines are read below
        inspected = papermill.inspect_notebook(str(path))
    declared: dict[str, Declared] = {}
    for name, info in inspected.items():
        annotated = info.get("inferred_type_name")
        default = _literal(info.get("default"))
        if annotated and annotated != "None":
            ptype = _ANNOTATIONS.get(annotated.strip())
        else:
            ptype = None if default is _UNKNOWN else _TYPE_OF.get(type(default))
        declared[name] = Declared(name, ptype, None if default is _UNKNOWN else default, info.get("help", ""))
    for name, default in _cell_assignments(path).items():
        if name not in declared:
            ptype = None if default is _UNKNOWN else _TYPE_OF.get(type(default))
            declared[name] = Declared(name, ptype, None if default is _UNKNOWN else default, "")
    _PARAM_CACHE[key] = declared
    return declared


_UNKNOWN = object()


class _quiet_papermill:
    """Silence papermill's logger warnings (parameter-cell parsing notes that
    this module handles itself) for the duration of a ``with`` block."""

    def __enter__(self):
        import logging

        self._logger = logging.getLogger("papermill")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._logger.setLevel(self._level)


def _literal(text: Any) -> Any:
    if not isinstance(text, str):
        return _UNKNOWN
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _UNKNOWN


def _cell_assignments(path: Path) -> dict[str, Any]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    for cell in nb.get("cells", []):
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return {}
            found: dict[str, Any] = {}
            for node in tree.body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    found[node.targets[0].id] = _literal(ast.get_source_segment(source, node.value))
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                    found[node.target.id] = _literal(ast.get_source_segment(source, node.value))
            return found
    return {}


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"{type(value).__name__} {value.isoformat()}"
    return f"{type(value).__name__} {_short(value)}"


def _check_value(value: Any, ptype: str | None) -> tuple[bool, Any]:
    """Whether ``value`` fits ``ptype``, and the value cast to builtins."""
    if ptype is None:
        try:
            return True, _plain(value, "value")
        except TypeError:
            return False, value
    if ptype == "bool":
        return isinstance(value, bool), value
    if ptype == "int":
        return isinstance(value, int) and not isinstance(value, bool), value
    if ptype == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok, float(value) if ok else value
    if ptype == "str":
        return isinstance(value, str), value
    if ptype == "list":
        if not isinstance(value, (list, tuple)):
            return False, value
        try:
            return True, _plain(list(value), "value")
        except TypeError:
            return False, value
    if ptype == "dict":
        if not isinstance(value, dict):
            return False, value
        try:
            return True, _plain(value, "value")
        except TypeError:
            return False, value
    return True, value


def effective_parameters(run: RunSpec) -> dict[str, Any]:
    """The parameters to inject for ``run``: its values cast to plain
    builtins (ints given for a float become floats), plus ``interactive =
    False`` when the notebook declares ``interactive`` and the run does not
    set it (a batch has no one to move the sliders). Call after
    :func:`validate_runs` found no problem."""
    assert run.notebook is not None
    declared = notebook_parameters(run.notebook)
    out: dict[str, Any] = {}
    for name, value in run.parameters.items():
        _, cast = _check_value(value, declared[name].type if name in declared else None)
        out[name] = cast
    if "interactive" in declared and "interactive" not in out:
        out["interactive"] = False
    return out


def validate_runs(runs: Sequence[RunSpec]) -> list[str]:
    """Every problem that would make a run fail or run with the wrong
    parameters, one line each (empty: all runs can start).

    Checks that the notebook exists and has a ``parameters`` cell, that every
    parameter is declared there (with a "did you mean" for typos), and that
    every value has the declared type: int (not bool), float (int accepted),
    bool, str, list, dict; a ``None`` default accepts anything.
    """
    problems: list[str] = []
    for run in runs:
        where = run.where()
        if run.notebook is None or not Path(run.notebook).is_file():
            base = f"{run.config.parent}, " if run.config else ""
            problems.append(
                f"{where}: notebook {run.notebook_ref!r} not found (looked in {base}the current folder, "
                f"the repository and notebooks/){_notebook_hint(run.notebook_ref)}"
            )
            continue
        nb_name = Path(run.notebook).name
        try:
            declared = notebook_parameters(run.notebook)
        except Exception as exc:  # unreadable notebook
            problems.append(f"{where}: cannot read notebook {nb_name}: {type(exc).__name__}: {exc}")
            continue
        if not declared and run.parameters:
            problems.append(f"{where}: notebook {nb_name} has no cell tagged 'parameters', so it takes no parameters")
            continue
        for name, value in run.parameters.items():
            origin = run.sources.get(name, "parameters")
            from_where = "" if origin == "parameters" else f" (from {origin})"
            if name not in declared:
                close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (it has: {', '.join(sorted(declared))})"
                problems.append(f"{where}: notebook {nb_name} has no parameter {name!r}{from_where}{hint}")
                continue
            spec = declared[name]
            ok, _ = _check_value(value, spec.type)
            if not ok:
                extra = ""
                if isinstance(value, (_dt.date, _dt.datetime)) and spec.type == "str":
                    extra = " (quote it in the YAML to keep it as text)"
                elif spec.type is None:
                    extra = " (only plain values: numbers, text, true/false, lists)"
                expected = spec.type or "a plain value"
                problems.append(
                    f"{where}: parameter {name!r}{from_where} must be {expected} (declared in {nb_name}), "
                    f"got {_describe(value)}{extra}"
                )
    return problems


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


# --------------------------------------------------------------------------
# executing one run (in a worker process, or on a Dask worker)
# --------------------------------------------------------------------------


_EXPORTER = None


def export_html(nb: Any) -> str:
    """A self-contained HTML report of notebook ``nb`` (nbformat node).

    nbconvert's "lab" template, without anything fetched from the network:
    no require.js, no MathJax (formulas stay as TeX text), no mermaid, no
    widget manager from a CDN, and the notebook's saved widget state is
    dropped. The CSS is inlined and charts are ``<img>`` with ``data:`` URIs,
    so the report opens offline, from an e-mail or a USB stick.
    """
    global _EXPORTER
    import copy

    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    if _EXPORTER is None:
        template = (
            "{%- extends 'lab/index.html.j2' -%}\n"
            "{%- block html_head_js -%}{%- endblock html_head_js -%}\n"
            "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
            "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
            "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
        )
        _EXPORTER = HTMLExporter(
            template_name="lab",
            extra_loaders=[DictLoader({"mw_offline.html.j2": template})],
            template_file="mw_offline.html.j2",
        )
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and "application/vnd.jupyter.widget-view+json" in data and len(data) > 1:
                data.pop("application/vnd.jupyter.widget-view+json")
    body, _ = _EXPORTER.from_notebook_node(nb)
    return body


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
    """Whether any cell of the (partial) output notebook began executing."""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        status = (cell.get("metadata", {}).get("papermill") or {}).get("status")
        if cell.get("execution_count") or status in {"running", "completed", "failed"}:
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


def error_text(error: Mapping[str, Any] | None) -> str:
    """One line for an error record: ``cell 7 (In [5]): ValueError: boom``."""
    if not error:
        return ""
    where = ""
    if error.get("cell") is not None:
        where = f"cell {error['cell']}"
        if error.get("execution_count"):
            where += f" (In [{error['execution_count']}])"
        where += ": "
    message = str(error.get("message") or "").replace("\n", " ").strip()
    return f"{where}{error.get('exception', 'Error')}" + (f": {message}" if message else "")


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
                outcome["files"][f"{stem}.html"] = export_html(nb).encode("utf-8")
            except Exception as exc:  # a report that cannot be exported is a failure too
                if outcome["error"] is None:
                    outcome["status"] = STATUS_FAILED
                    outcome["error"] = {"cell": None, "execution_count": None, "exception": type(exc).__name__,
                                        "message": f"HTML export failed: {exc}"}
    outcome["duration_s"] = round(time.perf_counter() - t0, 2)
    outcome["finished"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return outcome


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

    @property
    def ok(self) -> list[RunRecord]:
        return [r for r in self.records if r.status == STATUS_OK]

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.records if r.status != STATUS_OK]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 0 if all(r.status == STATUS_OK for r in self.records) else 1


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


def _figure_columns(records: Sequence[RunRecord]) -> list[tuple[str, str]]:
    fixed = {"name", "folder", "notebook", "parameters", "status", "duration_s", "error", "report"}
    cols: list[tuple[str, str]] = []
    seen: set[str] = set()
    for r in records:
        for key in r.result:
            if key not in seen:
                seen.add(key)
                cols.append((key, f"result_{key}" if key in fixed else key))
    return cols


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _report_file(r: RunRecord) -> str | None:
    return next((f for f in r.files if f.endswith(".html")), None)


def write_summary(out_dir: Path, records: Sequence[RunRecord]) -> Path:
    """Write ``summary.csv``: one row per run, figures as extra columns."""
    figures = _figure_columns(records)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "folder", "notebook", "parameters", "status", "duration_s",
                     *[col for _, col in figures], "error"])
    for r in records:
        writer.writerow([
            r.name, r.folder, r.notebook, json.dumps(r.parameters, ensure_ascii=False, sort_keys=True),
            r.status, "" if r.duration_s is None else f"{r.duration_s:.2f}",
            *[_cell(r.result.get(key)) for key, _ in figures],
            error_text(r.error),
        ])
    return atomic_write(out_dir / SUMMARY_FILE, buf.getvalue())


_INDEX_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:2rem;color:#222;max-width:80rem}
h1{font-size:1.5rem;margin-bottom:.2rem} p.meta{color:#555;margin-top:0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{font-weight:bold;padding:.1rem .4rem;border-radius:.25rem;white-space:nowrap}
.ok{background:#d9f2e6;color:#0b5d36}.failed{background:#fbe0d6;color:#8a2a00}
.pending,.not-run{background:#eee;color:#444}
code{font-size:.85rem;word-break:break-word}
"""


def write_index(out_dir: Path, records: Sequence[RunRecord], title: str = "Batch report") -> Path:
    """Write ``index.html``: every run with its status and links to its
    report, notebook and records. Self-contained (inline CSS, no scripts)."""
    from urllib.parse import quote

    figures = _figure_columns(records)
    n_ok = sum(r.status == STATUS_OK for r in records)
    n_failed = sum(r.status == STATUS_FAILED for r in records)
    other = len(records) - n_ok - n_failed
    esc = html.escape
    rows = []
    for r in records:
        report = _report_file(r)
        nb_file = next((f for f in r.files if f.endswith(".ipynb")), None)
        link = lambda f, text: f'<a href="{quote(r.folder)}/{quote(f)}">{esc(text)}</a>'  # noqa: E731
        name_cell = link(report, r.name) if report else esc(r.name)
        extra = [link(nb_file, "notebook")] if nb_file else []
        if RUN_FILE in r.files:
            extra.append(link(RUN_FILE, "run.json"))
        params = ", ".join(f"{esc(str(k))}={esc(json.dumps(v, ensure_ascii=False))}" for k, v in r.parameters.items())
        cls = r.status.replace(" ", "-")
        figs = "".join(f'<td class="num">{esc(str(_cell(r.result.get(k))))}</td>' for k, _ in figures)
        rows.append(
            f"<tr><td>{name_cell}<br><small>{' · '.join(extra)}</small></td>"
            f"<td><span class=\"status {cls}\">{esc(r.status)}</span></td>"
            f"<td>{esc(Path(r.notebook).name)}</td><td><code>{params}</code></td>"
            f"<td class=\"num\">{'' if r.duration_s is None else f'{r.duration_s:.1f}'}</td>"
            f"{figs}<td>{esc(error_text(r.error))}</td></tr>"
        )
    head = "".join(f"<th>{esc(col)}</th>" for _, col in figures)
    generated = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    counts = f"{len(records)} runs: {n_ok} ok, {n_failed} failed" + (f", {other} not finished" if other else "")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{esc(title)}</title>\n"
        f"<style>{_INDEX_CSS}</style>\n</head>\n<body>\n<main>\n<h1>{esc(title)}</h1>\n"
        f"<p class=\"meta\">{esc(counts)}. Updated {esc(generated)}. "
        f"Figures and errors are also in <a href=\"{SUMMARY_FILE}\">{SUMMARY_FILE}</a>.</p>\n"
        "<table>\n<thead><tr><th>run (report)</th><th>status</th><th>notebook</th><th>parameters</th>"
        f"<th>seconds</th>{head}<th>error</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</main>\n</body>\n</html>\n"
    )
    return atomic_write(out_dir / INDEX_FILE, page)


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
        if only_failed and same and prev.get("status") == STATUS_OK:
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
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["papermill", "nbconvert", "nbformat", "jupyter_client"])
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


def _worker_init() -> None:
    """In a worker process: Ctrl-C is the main process's business (it stops
    the workers with SIGTERM), and SIGTERM unwinds cleanly (kernel shut down,
    temporary files removed). A Python handler, not SIG_IGN, so kernels
    started from here still get the default SIGINT behaviour."""
    import signal

    signal.signal(signal.SIGINT, lambda signum, frame: None)
    signal.signal(signal.SIGTERM, _exit_on_signal)


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


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
    futures: dict[str, tuple[Any, dict]] = {}
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


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def _cmd_execute_in_place(args: argparse.Namespace) -> int:
    status = 0
    for name in args.notebooks:
        try:
            seconds = execute_in_place(name)
        except Exception as exc:  # report and go on with the others
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            print(f"FAILED {name}: {first}", file=sys.stderr)
            status = 1
        else:
            size = Path(name).stat().st_size
            print(f"ok {name} ({seconds:.1f} s, {size / 1024:.0f} KB)")
    return status


def _cmd_run(args: argparse.Namespace) -> int:
    def refuse(problems: Sequence[str]) -> int:
        for line in problems:
            print(f"error: {line}", file=sys.stderr)
        n = len(problems)
        print(f"refused: {n} problem{'s' if n != 1 else ''}; no run started", file=sys.stderr)
        return 2

    if args.workers is not None and args.workers < 1:
        return refuse([f"--workers must be at least 1, got {args.workers}"])
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        return refuse([f"--out {out_dir}: exists and is not a folder"])
    try:
        runs = load_config(args.config)
        title = _config_title(Path(args.config))
        problems = validate_runs(runs)
        if problems:
            return refuse(problems)
        if args.scheduler:
            try:
                import distributed  # noqa: F401
            except ImportError:
                return refuse(["--scheduler needs Dask: install the optional extra with pip install -e \".[dask]\""])
        result = run_batch(
            runs,
            out_dir,
            workers=args.workers,
            only_failed=args.only_failed,
            scheduler=args.scheduler,
            timeout=args.timeout,
            progress=not args.quiet,
            title=title,
        )
    except ConfigError as exc:
        return refuse(exc.problems)
    if not result.executed:
        print(f"nothing to re-run: all {len(result.records)} runs in {out_dir} succeeded")
    n_ok, n_failed = len(result.ok), len(result.failed)
    print(f"{n_ok} ok, {n_failed} not ok of {len(result.records)} runs; "
          f"summary: {out_dir / SUMMARY_FILE}, reports: {out_dir / INDEX_FILE}")
    if result.interrupted:
        print("interrupted: finished runs are saved; run again with --only-failed to finish the rest", file=sys.stderr)
    return result.exit_code


def _config_title(path: Path) -> str:
    try:
        data = _read_yaml(path)
    except ConfigError:
        return f"Batch: {path.name}"
    if isinstance(data, dict) and isinstance(data.get("title"), str):
        return data["title"]
    return f"Batch: {path.name}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers.batch", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("execute-in-place", help="re-execute notebooks with default parameters and save them")
    p.add_argument("notebooks", nargs="+")
    p.set_defaults(func=_cmd_execute_in_place)
    r = sub.add_parser(
        "run",
        help="run a batch of notebooks described by a YAML config",
        description="Run one notebook per participant, cohort or organisation, as CONFIG describes. "
        "Exit status: 0 all ok, 1 some run failed, 2 config refused (nothing run), 130 interrupted.",
    )
    r.add_argument("config", help="YAML batch config (see batches/ and docs/instructors.md)")
    r.add_argument("--out", required=True, help="output folder (one sub-folder per run, summary.csv, index.html)")
    r.add_argument("--workers", type=int, default=None, help="runs at the same time (default: number of cores)")
    r.add_argument("--only-failed", action="store_true",
                   help="re-run only the runs that failed (or never finished) in an earlier batch in --out")
    r.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on a Dask distributed cluster (e.g. tcp://10.0.0.5:8786); needs the 'dask' extra")
    r.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds a cell may take (default {CELL_TIMEOUT})")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    # Run through the importable module, not this __main__ copy, so that the
    # functions sent to worker processes are found there as helpers.batch.*.
    from helpers import batch as _batch

    sys.exit(_batch.main())
