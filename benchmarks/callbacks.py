"""Widget callbacks: a registry of what each notebook's sliders call, and their latency.

Each :class:`Callback` names the notebook, the helpers function the widget calls, the
control it moves, and a zero-argument ``setup`` that loads the data once (as the
notebook does before its widget cell) and returns a zero-argument ``step``: one slider
move, a new control value each call. The benchmark times ``step()`` plus drawing its
chart exactly as the widget does, through :func:`helpers.charts.show`, which renders
with ``helpers.charts.render_bundle(spec, svg_copy=False)`` (the display itself is
switched off).

The registry is tolerant: a module or function that does not exist yet is reported as
"not available", and any other error in setup as "error", never a crash. To keep the
registry honest, :func:`discover` reads every notebook's ``if interactive:`` cell and
lists the helpers functions its ``interactive_output``/``interact`` callbacks call;
one that no registry entry names is reported so that it can be added here.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import itertools
import re
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from .common import Section, fmt_ms, median, notebooks, percentile, profile_call

TARGET_S = 0.100


class NotAvailable(Exception):
    """The module or function a callback needs does not exist (yet)."""


@dataclass(frozen=True)
class Callback:
    notebook: str  # two-digit number, e.g. "00"
    name: str  # as the notebook calls it: "support.target_view"
    control: str  # what the widget moves, and over which values
    setup: Callable[[], Callable[[], Any]]


# ----------------------------------------------------------------------------- helpers


def need(module: str, *names: str) -> Any:
    """``helpers.<module>``, checking it has ``names``; :class:`NotAvailable` otherwise."""
    try:
        mod = importlib.import_module(f"helpers.{module}")
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == f"helpers.{module}" or exc.name == "helpers"):
            raise NotAvailable(f"helpers.{module} does not exist yet") from None
        raise
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise NotAvailable(f"helpers.{module} has no {', '.join(missing)} yet")
    return mod


def notebook_defaults(number: str) -> dict[str, Any]:
    """The literal defaults of notebook ``number``'s ``parameters`` cell ({} if none)."""
    for path in notebooks():
        if path.name.startswith(number + "_"):
            try:
                import nbformat

                nb = nbformat.read(path, as_version=4)
            except Exception:
                return {}
            for cell in nb.cells:
                if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
                    out = {}
                    for node in ast.parse(_python_only(cell.source)).body:
                        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                            with contextlib.suppress(ValueError, SyntaxError):
                                out[node.targets[0].id] = ast.literal_eval(node.value)
                    return out
    return {}


def cycling(values: Iterable[Any], call: Callable[[Any], Any]) -> Callable[[], Any]:
    """A zero-argument step that calls ``call`` with the next of ``values`` each time."""
    it: Iterator[Any] = itertools.cycle(list(values))
    return lambda: call(next(it))


def grid(start: float, stop: float, step: float) -> list[float]:
    n = int(round((stop - start) / step))
    return [round(start + i * step, 10) for i in range(n + 1)]


def _sized(params: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {k: params[k] for k in names if k in params}


def stepper(fn: Callable[..., Any], args: tuple, values: Iterable[Mapping[str, Any]]) -> Callable[[], Any]:
    """A step for ``fn`` in either form the workbook uses.

    *Factory*: ``view = fn(*args)`` is built once (as the notebook does before its
    widget) and each step calls ``view(**value)``. *Direct*: when ``fn(*args)`` needs the
    control values or returns a chart instead of a function, each step calls
    ``fn(*args, **value)``.
    """
    values = list(values)
    try:
        view = fn(*args)
    except TypeError:
        view = None
    if callable(view) and not hasattr(view, "to_dict"):
        return cycling(values, lambda kw: view(**kw))
    return cycling(values, lambda kw: fn(*args, **kw))


def each(name: str, values: Iterable[Any]) -> list[dict[str, Any]]:
    return [{name: v} for v in values]


# ---------------------------------------------------------------------------- registry
# One setup per widget. Each loads data with the notebook's default parameters when the
# notebook exists (its parameters cell), else with the generators' defaults, and moves
# one control over its range.


def _nb00_target() -> Callable[[], Any]:
    data, support = need("data", "load"), need("support", "agent_summary", "target_view")
    p = notebook_defaults("00")
    contacts = data.load("support_contacts", seed=p.get("seed", 42), **_sized(p, ("n_agents", "contacts_per_agent")))
    view = support.target_view(support.agent_summary(contacts))
    return cycling(grid(4.0, 14.0, 0.5), view)


def _nb01_team() -> Callable[[], Any]:
    simulate = need("simulate", "team_view")
    p = notebook_defaults("01")
    kw = _sized(p, ("incentive_weight", "audit_weight", "team_size", "periods", "seed"))
    return cycling(grid(0.0, 1.0, 0.05), lambda v: simulate.team_view(pressure=v, **kw))


def _league_kw(p: Mapping[str, Any]) -> dict[str, Any]:
    kw = _sized(p, ("seed",))
    if "league_agents" in p:
        kw["n_agents"] = p["league_agents"]
    return kw


def _nb02_league_surveys() -> Callable[[], Any]:
    simulate = need("simulate", "league_view")
    p = notebook_defaults("02")
    kw = _league_kw(p)
    skill = p.get("skill_sd", 0.0)
    return cycling([5, 10, 20, 30, 50, 100, 200, 500], lambda v: simulate.league_view(surveys=v, skill_sd=skill, **kw))


def _nb02_league_skill() -> Callable[[], Any]:
    simulate = need("simulate", "league_view")
    p = notebook_defaults("02")
    kw = _league_kw(p)
    # 41 distinct spreads: every timed call is a spread not seen before, as on the first
    # visit of each slider position (the stability curve is cached per spread)
    return cycling(grid(0.0, 0.1, 0.0025), lambda v: simulate.league_view(surveys=30, skill_sd=v, **kw))


def _nb03_scorecard() -> Callable[[], Any]:
    simulate = need("simulate", "scorecard_view", "simulate_team")
    data, support = need("data", "load", "planted"), need("support", "agent_summary")
    p = notebook_defaults("03")
    seed = p.get("seed", 42)
    run = simulate.simulate_team(seed=seed)
    agents = support.agent_summary(data.load("support_contacts", seed=seed))
    agents["gamer"] = agents["agent_id"].isin(data.planted("support_contacts", seed=seed)["gaming_agents"])
    sources = {"simulated team": (run.agents, "true_fcr_pct"), "sample data": (agents, "fcr_pct")}
    return stepper(simulate.scorecard_view, (sources,), each("repeat_limit", grid(10.0, 40.0, 2.5)))


def _nb04_adoption() -> Callable[[], Any]:
    customer = need("customer", "adoption_view", "weekly_adoption", "release_week")
    data = need("data", "load")
    p = notebook_defaults("04")
    sizes = _sized(p, ("n_customers", "n_weeks", "release_week"))
    weekly = customer.weekly_adoption(data.load("product_usage", seed=p.get("seed", 42), **sizes))
    release = customer.release_week(data.load("release_log", seed=p.get("seed", 42), **sizes))
    return stepper(customer.adoption_view, (weekly, release), each("threshold", grid(5.0, 60.0, 5.0)))


def _nb05_nps_noise() -> Callable[[], Any]:
    customer = need("customer", "nps_noise_view", "nps_points")
    data = need("data", "load")
    p = notebook_defaults("05")
    survey = data.load("customer_survey", seed=p.get("seed", 42), **_sized(p, ("n_customers",)))
    points = customer.nps_points(survey["nps"])
    sizes = getattr(customer, "NOISE_SIZES", (25, 50, 100, 200, 400, 800))
    return stepper(customer.nps_noise_view, (points,), each("n", sizes))


def _nb06_selectivity() -> Callable[[], Any]:
    education = need("education", "selectivity_view", "cohort_outcomes")
    data = need("data", "load")
    p = notebook_defaults("06")
    terms = data.load("student_terms", seed=p.get("seed", 42), **_sized(p, ("n_students",)))
    outcomes = education.cohort_outcomes(terms)
    year = int(outcomes["cohort_year"].min())
    return stepper(education.selectivity_view, (outcomes, year), each("kept_share", grid(0.2, 1.0, 0.05)))


def _nb07_early_warning() -> Callable[[], Any]:
    education = need("education", "early_warning_view")
    data = need("data", "load")
    p = notebook_defaults("07")
    lms = data.load("lms_activity", seed=p.get("seed", 42), **_sized(p, ("n_students", "n_weeks")))
    steps = [{"window": w, "min_active_weeks": m} for w in (3, 4, 5, 6) for m in range(0, w + 1)]
    return stepper(education.early_warning_view, (lms,), steps)


def _nb08_schools() -> Callable[[], Any]:
    education = need("education", "school_comparison_view", "scale_scores")
    data = need("data", "load")
    p = notebook_defaults("08")
    survey = data.load("educator_survey", seed=p.get("seed", 42), **_sized(p, ("n_schools", "teachers_per_school")))
    scored = education.scale_scores(survey)
    return stepper(education.school_comparison_view, (scored,), each("min_respondents", range(2, 16)))


def _nb09_card() -> Callable[[], Any]:
    scorecard = need("scorecard", "card_view", "load_periods", "measure", "check_design", "default_design")
    p = notebook_defaults("09")
    design = scorecard.check_design(scorecard.default_design(p.get("sector", "education")))
    periods = scorecard.load_periods(design.keys, seed=p.get("seed", 42), period=p.get("period", 2024),
                                     gaming=p.get("gaming", 1.0))
    measured = scorecard.measure(design, periods)
    steps = [{"noise_z": z, "threshold_scale": t} for z in grid(1.0, 4.0, 0.5) for t in (0.5, 1.0, 2.0)]
    return stepper(scorecard.card_view, (measured, design), steps)


REGISTRY: list[Callback] = [
    Callback("00", "support.target_view", "target slider, 4-14 min", _nb00_target),
    Callback("01", "simulate.team_view", "pressure slider, 0-1", _nb01_team),
    Callback("02", "simulate.league_view", "surveys per agent, 5-500", _nb02_league_surveys),
    Callback("02", "simulate.league_view", "skill spread, 0-0.1, first visit", _nb02_league_skill),
    Callback("03", "simulate.scorecard_view", "repeat-contact limit, 10-40 %", _nb03_scorecard),
    Callback("04", "customer.adoption_view", "threshold, 5-60 %", _nb04_adoption),
    Callback("05", "customer.nps_noise_view", "respondents, 25-800", _nb05_nps_noise),
    Callback("06", "education.selectivity_view", "kept share, 0.2-1", _nb06_selectivity),
    Callback("07", "education.early_warning_view", "window and threshold", _nb07_early_warning),
    Callback("08", "education.school_comparison_view", "minimum respondents, 2-15", _nb08_schools),
    Callback("09", "scorecard.card_view", "noise (SE) and threshold scale", _nb09_card),
]


# ---------------------------------------------------------------------------- discovery


def _python_only(source: str) -> str:
    """Cell source with IPython magics and shell lines commented out."""
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


_NOT_CALLBACKS = {"charts.show", "charts.render_bundle", "display", "print", "dict", "float", "int", "str", "list"}


def _helpers_aliases(sources: Iterable[str]) -> dict[str, str]:
    """alias -> helpers module name, from ``from helpers import x`` / ``import helpers.x as y``."""
    out: dict[str, str] = {}
    for src in sources:
        try:
            tree = ast.parse(_python_only(src))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "helpers":
                for a in node.names:
                    out[a.asname or a.name] = a.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers."):
                for a in node.names:
                    out[a.asname or a.name] = node.module.split(".", 1)[1] + "." + a.name
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("helpers.") and a.asname:
                        out[a.asname] = a.name.split(".", 1)[1]
    return out


def _calls_in(node: ast.AST) -> list[str]:
    return [d for n in ast.walk(node) if isinstance(n, ast.Call) and (d := _dotted(n.func))]


def discover(paths: Iterable[Path] | None = None) -> dict[str, list[str]]:
    """Notebook number -> helpers functions its widget callbacks call (``module.func``).

    Reads the code cells containing ``if interactive``; for each
    ``interactive_output(f, ...)``, ``interact(f, ...)`` or ``interactive(f, ...)`` it
    follows ``f`` (a lambda, a function defined in the cell, a name bound to a helpers
    call such as ``view = support.target_view(agents)``, or a helpers function itself).
    """
    found: dict[str, list[str]] = {}
    for path in notebooks() if paths is None else paths:
        import nbformat

        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            continue
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        aliases = _helpers_aliases(code)
        names: list[str] = []
        for src in code:
            if not re.search(r"\bif\s+interactive\b", src):
                continue
            try:
                tree = ast.parse(_python_only(src))
            except SyntaxError:
                continue
            bound: dict[str, str] = {}
            defs: dict[str, ast.AST] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    target = _dotted(node.value.func)
                    for t in node.targets:
                        if isinstance(t, ast.Name) and target:
                            bound[t.id] = target
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    defs[node.name] = node
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                fname = _dotted(node.func) or ""
                if fname.split(".")[-1] not in ("interactive_output", "interact", "interactive"):
                    continue
                f = node.args[0]
                if isinstance(f, ast.Lambda):
                    called = _calls_in(f.body)
                elif isinstance(f, ast.Name) and f.id in defs:
                    called = _calls_in(defs[f.id])
                else:
                    called = [d for d in [_dotted(f)] if d]
                for c in called:
                    c = bound.get(c, c)
                    head, _, rest = c.partition(".")
                    if head in aliases:
                        c = f"{aliases[head]}.{rest}" if rest else aliases[head]
                    if c in _NOT_CALLBACKS or "." not in c or c.split(".")[0] == "widgets":
                        continue
                    if c not in names:
                        names.append(c)
        found[path.name[:2]] = names
    return found


# --------------------------------------------------------------------------- measuring


@contextlib.contextmanager
def _no_display(sink: list) -> Iterator[None]:
    """Make IPython's ``display`` a sink, so :func:`helpers.charts.show` renders but shows nothing."""
    import IPython.display as ipd

    original = ipd.display
    ipd.display = lambda *a, **k: sink.append(a[0] if a else None)
    try:
        yield
    finally:
        ipd.display = original


def _short_error(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}{where}"[:200]


def run(repeat: int = 20, *, registry: list[Callback] | None = None, profile: bool = False) -> Section:
    """Time every registered callback; returns the report section."""
    from helpers import charts

    charts.setup()
    section = Section(
        "callbacks",
        "Widget callbacks",
        intro=(
            f"One slider move = the helpers function the widget calls plus drawing its chart through "
            f"`helpers.charts.show` (`render_bundle(spec, svg_copy=False)`), display switched off. "
            f"Data loaded once with the notebook's default parameters; each timed call gets the next "
            f"control value. Median of {repeat} calls after one warm-up call (shown as *first call*). "
            f"*compute* = the callback; *to spec* = `chart.to_dict()` when the callback returns a chart "
            f"rather than a spec (Altair builds and validates it); *render* = vl-convert to SVG, then HTML."
        ),
        headers=["notebook", "callback", "control", "first call", "compute", "to spec", "render", "median", "p90", "target", "result"],
    )
    t_section = time.perf_counter()
    existing = {p.name[:2] for p in notebooks()}
    discovered = discover()
    sink: list = []
    for cb in registry if registry is not None else REGISTRY:
        nb = cb.notebook + ("" if cb.notebook in existing else " (not written yet)")
        row = [nb, f"`{cb.name}`", cb.control]
        try:
            step = cb.setup()
        except NotAvailable as exc:
            section.rows.append(row + ["-"] * 6 + ["<= 100 ms", "n/a: not available"])
            section.check(f"callback {cb.notebook} {cb.name} ({cb.control})", "not available", "<= 100 ms", None, str(exc))
            section.notes.append(f"{cb.notebook} `{cb.name}`: not available - {exc}.")
            continue
        except Exception as exc:  # a module being written: report, do not crash
            section.rows.append(row + ["-"] * 6 + ["<= 100 ms", "n/a: error"])
            section.check(f"callback {cb.notebook} {cb.name} ({cb.control})", "error in setup", "<= 100 ms", None, _short_error(exc))
            section.notes.append(f"{cb.notebook} `{cb.name}`: setup failed - {_short_error(exc)}.")
            continue
        totals: list[float] = []
        computes: list[float] = []
        specs: list[float] = []
        draws: list[float] = []
        first = float("nan")
        try:
            with _no_display(sink):
                for i in range(repeat + 1):
                    sink.clear()
                    t0 = time.perf_counter()
                    chart = step()
                    t1 = time.perf_counter()
                    # what charts.show does first: an Altair chart (or FastChart) becomes a spec
                    spec = chart if isinstance(chart, Mapping) else chart.to_dict()
                    t2 = time.perf_counter()
                    charts.show(spec)  # render_bundle(spec, svg_copy=False) + display
                    t3 = time.perf_counter()
                    if not sink or "text/html" not in (sink[-1] or {}):
                        raise RuntimeError("charts.show displayed no HTML bundle")
                    if i == 0:
                        first = t3 - t0
                        continue
                    computes.append(t1 - t0)
                    specs.append(t2 - t1)
                    draws.append(t3 - t2)
                    totals.append(t3 - t0)
        except Exception as exc:
            section.rows.append(row + ["-"] * 6 + ["<= 100 ms", "n/a: error"])
            section.check(f"callback {cb.notebook} {cb.name} ({cb.control})", "error", "<= 100 ms", None, _short_error(exc))
            section.notes.append(f"{cb.notebook} `{cb.name}`: failed when called - {_short_error(exc)}.")
            continue
        med = median(totals)
        c = section.check(f"callback {cb.notebook} {cb.name} ({cb.control})", fmt_ms(med), "<= 100 ms", med <= TARGET_S)
        section.rows.append(row + [fmt_ms(first), fmt_ms(median(computes)), fmt_ms(median(specs)), fmt_ms(median(draws)), fmt_ms(med),
                                   fmt_ms(percentile(totals, 90)), "<= 100 ms", c.result])
        if profile and c.ok is False:
            def one() -> None:
                with _no_display(sink):
                    charts.show(step())
            section.profiles.append((f"callback {cb.notebook} `{cb.name}` ({cb.control}): one call, by cumulative time",
                                     profile_call(one)))
    # notebooks' widget callbacks that no registry entry names
    registered = {(cb.notebook, cb.name) for cb in registry or REGISTRY}
    for number, names in sorted(discovered.items()):
        for name in names:
            if (number, name) not in registered:
                section.rows.append([number, f"`{name}`", "found in the widget cell", "-", "-", "-", "-", "-", "-", "<= 100 ms", "n/a: not registered"])
                section.check(f"callback {number} {name}", "not registered", "<= 100 ms", None,
                              "called by the notebook's widget, missing from benchmarks/callbacks.py")
        if not names:
            section.notes.append(f"notebook {number}: no widget callback found in an `if interactive:` cell.")
    missing = [(cb.notebook, cb.name) for cb in registry or REGISTRY
               if cb.notebook in discovered and discovered[cb.notebook] and cb.name not in discovered[cb.notebook]
               and not cb.name.endswith("*_view")]
    for number, name in missing:
        section.notes.append(f"notebook {number}: registered `{name}` is not called by its widget cell "
                             f"(it calls {', '.join('`' + n + '`' for n in discovered[number])}); check the registry.")
    section.seconds = time.perf_counter() - t_section
    return section
