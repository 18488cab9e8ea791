"""Reading a batch config (YAML) and expanding it into runs."""

from __future__ import annotations

import difflib
import itertools
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import CONFIG_KEYS, DEFAULTS_KEYS, NOTEBOOKS_DIR, ROOT, RUN_KEYS, ConfigError

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
        assert isinstance(nb_ref, str)
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



def _config_title(path: Path) -> str:
    try:
        data = _read_yaml(path)
    except ConfigError:
        return f"Batch: {path.name}"
    if isinstance(data, dict) and isinstance(data.get("title"), str):
        return data["title"]
    return f"Batch: {path.name}"

