"""Parameter checks: what a notebook's ``parameters`` cell declares, and
whether every run's values fit it."""

from __future__ import annotations

import ast
import datetime as _dt
import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .common import _plain, _short
from .config import RunSpec, _notebook_hint

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

