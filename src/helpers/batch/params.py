"""Parameter checks: what a notebook's ``parameters`` cell declares, and
whether every run's values fit it."""

from __future__ import annotations

import ast
import datetime as _dt
import difflib
import json
import re
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

    @property
    def allowed(self) -> Allowed | None:
        """The values the help text declares (see :func:`parse_allowed`)."""
        return parse_allowed(self.help)


_NUM = r"[-+]?\d+(?:\.\d+)?"
_BOUND = re.compile(rf"(>=|≥|>|<=|≤|<|at least|at most|more than|less than)\s*({_NUM})$")
_SPAN = re.compile(rf"({_NUM})\s*(?:-|–|to)\s*({_NUM})$")
_SAMPLE = re.compile(r"\s+in the (?:sample|generated) data$")


@dataclass(frozen=True)
class Allowed:
    """Values a parameter accepts, as declared at the end of its help text.

    ``options``: the only values allowed (``(one of: education, business)``);
    ``low``/``high``: bounds (``(>= 1)``, ``(> 0)``, ``(at most 10)``,
    ``(0 to 1)``, ``(2015-2024)``; a span includes both ends);
    ``generated_only``: the annotation ends with "in the sample data", so it
    applies only when the notebook generates its data (``data_dir`` empty).
    ``text`` is the annotation as written, for messages.
    """

    text: str
    options: tuple[Any, ...] = ()
    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True
    generated_only: bool = False

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed (``None`` when it is)."""
        if self.options:
            if value in self.options:
                return None
            close = difflib.get_close_matches(str(value), [str(o) for o in self.options], n=1, cutoff=0.6)
            return "must be one of " + ", ".join(map(str, self.options)) + (f" (did you mean {close[0]!r}?)" if close else "")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None  # the type check reports it
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return f"must be {'>=' if self.low_inclusive else '>'} {_num(self.low)}"
        if self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)):
            return f"must be {'<=' if self.high_inclusive else '<'} {_num(self.high)}"
        return None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def parse_allowed(help_text: str) -> Allowed | None:
    """The allowed values a parameter's help text declares in parentheses.

    The convention (docs/authoring.md), anywhere in the help comment:
    ``(one of: education, business)`` (options, quotes optional),
    ``(at least 6)``, ``(at most 10)``, ``(more than 0)``, ``(less than 5)``,
    ``(0 to 1)`` or ``(2015-2024)`` (both ends included); bounds combine
    with a comma or "and": ``(at least 1, at most 60)``. ``>``, ``<``,
    ``≥``, ``≤``, ``>=`` and ``<=`` are understood too, but a help comment
    should hold no ``=`` (papermill cannot parse such a line). An annotation
    ending with "in the sample data" (``(2022-2024 in the sample data)``)
    holds only for generated data. Parentheses with anything else are
    ordinary help text.
    """
    found: list[Allowed] = []
    for group in re.findall(r"\(([^()]*)\)", help_text or ""):
        text = group.strip()
        body, generated_only = _SAMPLE.sub("", text), bool(_SAMPLE.search(text))
        if body.lower().startswith("one of:"):
            items = [x.strip().strip("\"'") for x in re.split(r",|\bor\b", body[7:])]
            options = tuple(_literal_or_text(x) for x in items if x)
            if options:
                found.append(Allowed(f"({text})", options=options, generated_only=generated_only))
            continue
        low = high = None
        low_inc = high_inc = True
        ok = True
        for part in re.split(r",|\band\b", body):
            part = part.strip()
            m_bound, m_span = _BOUND.fullmatch(part), _SPAN.fullmatch(part)
            if m_span:
                low, high = float(m_span.group(1)), float(m_span.group(2))
            elif m_bound:
                op, num = m_bound.group(1), float(m_bound.group(2))
                if op in (">=", "≥", ">", "at least", "more than"):
                    low, low_inc = num, op not in (">", "more than")
                else:
                    high, high_inc = num, op not in ("<", "less than")
            else:
                ok = False
                break
        if ok and (low is not None or high is not None):
            found.append(Allowed(f"({text})", low=low, low_inclusive=low_inc, high=high, high_inclusive=high_inc,
                                 generated_only=generated_only))
    return found[-1] if found else None


def _literal_or_text(text: str) -> Any:
    value = _literal(text)
    return text if value is _UNKNOWN else value


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
    for name, (default, help_text) in _cell_assignments(path).items():
        if name not in declared:
            ptype = None if default is _UNKNOWN else _TYPE_OF.get(type(default))
            declared[name] = Declared(name, ptype, None if default is _UNKNOWN else default, help_text)
        elif not declared[name].help and help_text:
            d = declared[name]
            declared[name] = Declared(d.name, d.type, d.default, help_text)
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


def _cell_assignments(path: Path) -> dict[str, tuple[Any, str]]:
    """Every ``name = literal  # help`` of the parameters cell, read from its
    syntax tree: (default, help comment of that line)."""
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
            lines = source.splitlines()
            found: dict[str, tuple[Any, str]] = {}
            for node in tree.body:
                target, value = None, None
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    target, value = node.targets[0].id, node.value
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                    target, value = node.target.id, node.value
                if target is None or value is None:
                    continue
                end = node.end_lineno or node.lineno
                tail = lines[end - 1][node.end_col_offset or 0:] if end - 1 < len(lines) else ""
                help_text = tail.split("#", 1)[1].strip() if "#" in tail else ""
                found[target] = (_literal(ast.get_source_segment(source, value)), help_text)
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
                continue
            allowed = spec.allowed
            own_data = bool(str(run.parameters.get("data_dir") or "").strip())
            if allowed is not None and not (allowed.generated_only and own_data):
                why = allowed.problem(value)
                if why:
                    problems.append(
                        f"{where}: parameter {name!r}{from_where} is {_short(value)}, but {why} "
                        f"(declared in {nb_name}: {allowed.text})"
                    )
                    continue
            if name == "data_dir" and isinstance(value, str) and value.strip():
                folder = Path(value).expanduser()
                if not folder.is_dir():
                    base = f"relative to {run.config.parent}, " if run.config and not Path(value).is_absolute() else ""
                    problems.append(
                        f"{where}: parameter 'data_dir'{from_where}: folder {value!r} not found ({base}"
                        f"a relative path is resolved relative to the config file)"
                        if not folder.exists() else f"{where}: parameter 'data_dir'{from_where}: {value!r} is not a folder"
                    )
    return problems



def duplicate_warnings(runs: Sequence[RunSpec]) -> list[str]:
    """One line per group of runs that would get identical parameters for the
    same notebook (two participants with the same data); not an error."""
    groups: dict[str, list[str]] = {}
    for run in runs:
        if run.notebook is None:
            continue
        try:
            params = effective_parameters(run)
        except Exception:  # reported by validate_runs
            continue
        key = json.dumps([str(run.notebook), params], sort_keys=True, default=str)
        groups.setdefault(key, []).append(run.name)
    out = []
    for names in groups.values():
        if len(names) > 1:
            shown = ", ".join(repr(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            out.append(f"runs {shown} have identical parameters for the same notebook, so they get the same data "
                       "(give each its own seed if that is not meant)")
    return out
