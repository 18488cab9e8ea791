"""Reading a batch config (YAML) and expanding it into runs."""

from __future__ import annotations

import difflib
import itertools
import math
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import NOTEBOOKS_DIR, ROOT, ConfigError


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


#: A plain (unquoted) number written with a leading zero: YAML 1.1 reads
#: ``010`` as the octal 8 and ``008`` as the text "008".
_LEADING_ZERO = re.compile(r"[-+]?0[0-9][0-9_]*(\.[0-9]*)?")


def _leading_zeros(node: Any, path: Path) -> list[str]:
    """One line per unquoted number with a leading zero in the YAML tree."""
    import yaml

    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.ScalarNode):
            if n.style is None and _LEADING_ZERO.fullmatch(n.value):
                plain = n.value.lstrip("+-").lstrip("0") or "0"
                out.append(
                    f"{path}:{n.start_mark.line + 1}:{n.start_mark.column + 1}: {n.value} has a leading zero "
                    f"(YAML reads 010 as 8 and 008 as text): write {plain}, or quote it ('{n.value}') for text"
                )
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))
        elif isinstance(n, yaml.MappingNode):
            for k, v in reversed(n.value):
                stack.extend([v, k])
    return sorted(out, key=lambda line: [int(x) for x in re.findall(r":(\d+):(\d+):", line)[0]])


def _read_yaml_checked(path: Path) -> tuple[Any, list[str]]:
    """The YAML document at ``path`` and the problems found while reading it
    that do not stop the other checks (numbers with leading zeros). A file
    that cannot be read or parsed raises :class:`ConfigError`."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read the config: {exc}"]) from None
    loader = _yaml_loader()(text)  # a SafeLoader: plain data only
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        problems = _leading_zeros(node, path)
        return loader.construct_document(node), problems
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        detail = f"{context}, {problem}" if context and "duplicate" not in str(problem) else problem
        raise ConfigError([f"{where}: invalid YAML: {detail}"]) from None
    finally:
        loader.dispose()


def _read_yaml(path: Path) -> Any:
    return _read_yaml_checked(path)[0]


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


#: The structure of a batch config, as a JSON Schema (draft 2020-12). The
#: semantic checks (name templates, notebooks, parameters, values) are made in
#: code; this schema is also what an editor with a YAML language server can
#: use (``python -c "import json, helpers.batch.config as c; print(json.dumps(c.CONFIG_SCHEMA))"``).
CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "metrics-workbook batch config",
    "type": "object",
    "required": ["runs"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "description": "heading of index.html"},
        "defaults": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                "notebook": {"type": "string"},
                "parameters": {"$ref": "#/$defs/parameters"},
            },
        },
        "matrix": {"$ref": "#/$defs/matrix"},
        "runs": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/run"}},
    },
    "$defs": {
        "parameters": {"type": ["object", "null"], "description": "name: value for the parameters cell"},
        "matrix": {
            "type": ["object", "null"],
            "minProperties": 1,
            "additionalProperties": {"type": "array", "minItems": 1},
        },
        "run": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": ["string", "integer"], "minLength": 1},
                "notebook": {"type": "string"},
                "parameters": {"$ref": "#/$defs/parameters"},
                "matrix": {"$ref": "#/$defs/matrix"},
            },
        },
    },
}

_TYPE_WORDS = {
    "title": "text",
    "notebook": "text",
    "name": "non-empty text",
    "parameters": "a mapping of name: value",
    "defaults": "a mapping (notebook, parameters)",
    "matrix": "a mapping of parameter name to a list of values",
    "runs": "a list of runs",
}


def _kind(value: Any) -> str:
    return {dict: "mapping", list: "list", str: "text", bool: "true/false", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _run_label(p: str, runs: Any, i: int) -> str:
    entry = runs[i] if isinstance(runs, list) and i < len(runs) else None
    name = entry.get("name") if isinstance(entry, dict) else None
    if isinstance(name, (str, int)) and not isinstance(name, bool) and str(name).strip():
        return f"{p}: run {str(name).strip()!r}"
    return f"{p}: runs[{i}]"


def _unknown_key(label: str, key: Any, allowed: set[str], top: bool = False) -> str:
    hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
    what = "unknown top-level key" if top else "unknown key"
    return f"{label}: {what} {key!r}" + (
        f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(sorted(allowed))})"
    )


def schema_problems(data: Any, path: str | Path) -> tuple[list[str], set[int]]:
    """The config's structural problems (checked with :data:`CONFIG_SCHEMA`),
    one line each, and the indexes of runs that have one."""
    from jsonschema import Draft202012Validator

    p = str(path)
    if data is None:
        return [f"{p}: the config is empty; it needs a 'runs:' list"], set()
    runs = data.get("runs") if isinstance(data, dict) else None
    out: list[str] = []
    bad_runs: set[int] = set()
    errors = sorted(Draft202012Validator(CONFIG_SCHEMA).iter_errors(data), key=lambda e: [str(x) for x in e.absolute_path])
    for err in errors:
        where = list(err.absolute_path)
        if len(where) >= 2 and where[0] == "runs" and isinstance(where[1], int):
            bad_runs.add(where[1])
            label = _run_label(p, runs, where[1])
            rest = where[2:]
        elif where and where[0] == "defaults":
            label, rest = f"{p}: defaults", where[1:]
        else:
            label, rest = p, where
        key = str(rest[-1]) if rest else (str(where[-1]) if where else "")
        v = err.validator
        if v == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for extra in err.instance:
                if extra not in allowed:
                    out.append(_unknown_key(label, extra, allowed, top=not where))
        elif v == "required":
            missing = err.message.split("'")[1] if "'" in err.message else "?"
            detail = {"runs": " (a list of runs, each with name, notebook, parameters)", "name": " (text)"}.get(missing, "")
            out.append(f"{label}: missing key {missing!r}{detail}")
        elif not where and v == "type":
            out.append(f"{p}: the config must be a mapping with a 'runs:' list, not a {_kind(data)}")
        elif "matrix" in [str(x) for x in rest[:-1]] or (v in {"type", "minItems"} and rest[:1] == ["matrix"] and len(rest) == 2):
            out.append(f"{label}: matrix: {key!r} must be a non-empty list of values, e.g. {key}: [1, 2, 3]")
        elif key == "matrix":
            out.append(f"{label}: matrix: must be a mapping of parameter name to a list of values")
        elif key == "runs" and v == "minItems":
            out.append(f"{p}: 'runs' is empty")
        elif where and where[0] == "runs" and len(where) == 2:
            out.append(f"{label}: each run must be a mapping with name, notebook, parameters")
        elif key in _TYPE_WORDS:
            out.append(f"{label}: {key!r} must be {_TYPE_WORDS[key]}, not {_kind(err.instance)}")
        else:
            out.append(f"{label}: {'/'.join(map(str, rest))}: {err.message}")
    return list(dict.fromkeys(out)), bad_runs


def count_runs(data: Any) -> int:
    """How many runs the config ``data`` makes (before any other check)."""
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        return 0

    def size(matrix: Any) -> dict[str, int]:
        if not isinstance(matrix, dict):
            return {}
        return {str(k): len(v) for k, v in matrix.items() if isinstance(v, list) and v}

    top = size(data.get("matrix"))
    total = 0
    for entry in data["runs"]:
        sizes = dict(top)
        sizes.update(size(entry.get("matrix") if isinstance(entry, dict) else None))
        total += math.prod(sizes.values()) if sizes else 1
    return total


@dataclass
class Checked:
    """Everything :func:`check_config` found: the runs it could expand, every
    problem (one line each), warnings, and the run count."""

    runs: list[RunSpec]
    problems: list[str]
    warnings: list[str]
    n_runs: int
    title: str


#: Refuse a config that makes more runs than this, unless told otherwise.
MAX_RUNS = 200


def check_config(path: str | Path, max_runs: int | None = MAX_RUNS) -> Checked:
    """Every check on the config at ``path`` in one pass: the YAML, its
    structure (:data:`CONFIG_SCHEMA`), numbers with leading zeros, names and
    matrices, the run count against ``max_runs`` (``None``: no limit), then
    per run the notebook and its parameters (:func:`validate_runs`), and
    warnings for runs with identical parameters. Nothing is run or written."""
    from .params import duplicate_warnings, validate_runs

    path = Path(path)
    data, problems = _read_yaml_checked(path)
    title = data["title"] if isinstance(data, dict) and isinstance(data.get("title"), str) else f"Batch: {path.name}"
    n = count_runs(data)
    if max_runs is not None and n > max_runs:
        problems.append(
            f"{path}: the config makes {n:,} runs, more than the limit of {max_runs}; "
            f"check the matrices, or raise the limit with --max-runs {n}"
        )
    if max_runs is not None and n > max(max_runs, 5000):
        return Checked([], problems, [], n, title)  # do not expand a runaway matrix
    specs, more = _expand(data, path)
    problems.extend(more)
    problems.extend(validate_runs(specs))
    warnings = duplicate_warnings(specs) if not problems else []
    return Checked(specs, problems, warnings, n, title)


def load_config(path: str | Path) -> list[RunSpec]:
    """Read a batch config and expand it into runs.

    The YAML (read with a safe loader) has ``runs:`` (a list of ``{name,
    notebook, parameters, matrix}``) and optionally ``title:``, ``defaults:``
    (``notebook`` and shared ``parameters``) and a top-level ``matrix:`` that
    multiplies every run. A matrix maps parameter names to lists of values;
    a run is made for every combination, and the run's ``name`` is a template
    (``"{organisation}-{seed}"``) filled in with the run's parameters.
    A ``data_dir`` parameter given as a relative path is resolved relative
    to the config file.

    Raises :class:`ConfigError` listing every problem of the config itself
    (one line each, naming the file and the run). Notebook and parameter
    checks are done by :func:`validate_runs`; :func:`check_config` makes both
    in one pass.
    """
    path = Path(path)
    data, problems = _read_yaml_checked(path)
    specs, more = _expand(data, path)
    problems.extend(more)
    if problems:
        raise ConfigError(problems)
    return specs


def _resolve_data_dir(value: Any, base: Path) -> Any:
    if not isinstance(value, str) or not value.strip():
        return value
    p = Path(value.strip()).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def _expand(data: Any, path: Path) -> tuple[list[RunSpec], list[str]]:
    """The runs ``data`` describes and every problem found on the way."""
    p = str(path)
    problems, bad_runs = schema_problems(data, path)
    if not isinstance(data, dict):
        return [], problems
    raw_defaults = data.get("defaults")
    defaults: dict[str, Any] = raw_defaults if isinstance(raw_defaults, dict) else {}
    raw_params = defaults.get("parameters")
    default_params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
    default_nb = defaults.get("notebook") if isinstance(defaults.get("notebook"), str) else None
    defaults_broken = isinstance(data.get("defaults"), dict) and "notebook" in data["defaults"] and default_nb is None
    top_matrix = _matrix(data.get("matrix"))
    raw_runs = data.get("runs")
    runs_data: list[Any] = raw_runs if isinstance(raw_runs, list) else []
    base = path.parent.resolve()

    specs: list[RunSpec] = []
    for i, entry in enumerate(runs_data):
        if i in bad_runs or not isinstance(entry, dict):
            continue
        raw_name = str(entry["name"]).strip()
        label = f"{p}: run {raw_name!r}" if raw_name else f"{p}: runs[{i}]"
        if not raw_name:
            problems.append(f"{label}: 'name' must be non-empty text")
            continue
        nb_ref = entry.get("notebook", default_nb)
        if nb_ref is None:
            if not defaults_broken:
                problems.append(f"{label}: missing key 'notebook' (and no defaults: notebook)")
            continue
        params: dict[str, Any] = entry.get("parameters") or {}
        matrix = dict(top_matrix)
        matrix.update(_matrix(entry.get("matrix")))
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
        resolved = resolve_notebook(nb_ref, base)
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
            if "data_dir" in values:
                values["data_dir"] = _resolve_data_dir(values["data_dir"], base)
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
    return specs, problems


def _matrix(matrix: Any) -> dict[str, list[Any]]:
    """The valid part of a matrix (the schema reports the rest)."""
    if not isinstance(matrix, dict):
        return {}
    return {str(k): list(v) for k, v in matrix.items() if isinstance(v, list) and v}


def _config_title(path: Path) -> str:
    try:
        data = _read_yaml(path)
    except ConfigError:
        return f"Batch: {path.name}"
    if isinstance(data, dict) and isinstance(data.get("title"), str):
        return data["title"]
    return f"Batch: {path.name}"

