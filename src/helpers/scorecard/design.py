"""A scorecard design as plain data, its check, and its YAML file.

A design is a mapping a learner can write in a notebook cell or a YAML file::

    name: Northfield first-year success          # optional
    north_star:
      metric: retention
      counter: access                             # optional for the north star
      reason: Retention rises without helping anyone if under-served entrants are steered out.
    drivers:                                      # 3 to 6
      - metric: yield
        counter: summer_melt
        reason: Pressing admitted students to commit raises yield; many melt away by the fall.
      - ...
    thresholds:                                   # optional: smallest change worth acting on,
      retention: 2                                # in the metric's unit of change (pp, points, ...)

Every metric key comes from :data:`helpers.scorecard.catalogue.METRICS`, all from one
sector. :func:`check_design` refuses a design with one line naming the first problem;
:func:`load_design` does the same for a file and names the file.
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .catalogue import METRICS, SECTORS

__all__ = [
    "DesignError", "Pair", "Design", "DEFAULT_DESIGNS", "default_design", "check_design",
    "load_design", "save_design", "design_yaml", "design_table", "check_sector",
    "MIN_DRIVERS", "MAX_DRIVERS",
]

MIN_DRIVERS, MAX_DRIVERS = 3, 6
_TOP_KEYS = ("name", "north_star", "drivers", "thresholds")
_PAIR_KEYS = ("metric", "counter", "reason")


class DesignError(ValueError):
    """A scorecard design (a cell's data or a YAML file) that cannot be used; one line."""

    def _render_traceback_(self) -> list[str]:
        """IPython/Jupyter hook: show the one-line message instead of a traceback."""
        return [f"DesignError: {self}"]


@dataclass(frozen=True)
class Pair:
    """A line of the scorecard: a metric, its counter-metric (or ``""``) and why."""

    role: str  # "north star" or "driver"
    metric: str
    counter: str
    reason: str


@dataclass(frozen=True)
class Design:
    """A checked design: name, sector, the pairs (north star first) and thresholds."""

    name: str
    sector: str
    pairs: tuple[Pair, ...]
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def north_star(self) -> Pair:
        return self.pairs[0]

    @property
    def drivers(self) -> tuple[Pair, ...]:
        return self.pairs[1:]

    @property
    def keys(self) -> list[str]:
        """Every metric on the card, once, in card order."""
        return list(dict.fromkeys(k for p in self.pairs for k in (p.metric, p.counter) if k))

    def threshold(self, key: str) -> float:
        """The practical threshold of a metric: the design's, else the catalogue default."""
        return float(self.thresholds.get(key, METRICS[key].practical))

    def to_dict(self) -> dict[str, Any]:
        """The design as the plain data :func:`check_design` reads (and YAML stores)."""
        def pair(p: Pair) -> dict[str, str]:
            out = {"metric": p.metric}
            if p.counter:
                out["counter"] = p.counter
            if p.reason:
                out["reason"] = p.reason
            return out

        data: dict[str, Any] = {}
        if self.name:
            data["name"] = self.name
        data["north_star"] = pair(self.north_star)
        data["drivers"] = [pair(p) for p in self.drivers]
        if self.thresholds:
            data["thresholds"] = {k: _plain_number(v) for k, v in self.thresholds.items()}
        return data


def _plain_number(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


def check_sector(sector: str) -> str:
    """``sector`` if valid; a one-line DesignError naming the valid sectors otherwise."""
    if sector not in SECTORS:
        raise DesignError(f"sector must be one of {', '.join(map(repr, SECTORS))}; got {sector!r}")
    return sector


# ---------------------------------------------------------------------- default designs

DEFAULT_DESIGNS: dict[str, dict[str, Any]] = {
    "education": {
        "name": "First-year success",
        "north_star": {"metric": "retention", "counter": "access",
                       "reason": "Retention rises without helping anyone if under-served entrants are steered out "
                                 "before the census date."},
        "drivers": [
            {"metric": "yield", "counter": "summer_melt",
             "reason": "Pressing admitted students to commit raises yield; many of them melt away before the fall."},
            {"metric": "participation", "counter": "withdrawal",
             "reason": "Participation among students still enrolled climbs when disengaged students withdraw."},
            {"metric": "post_gain", "counter": "transfer_gain",
             "reason": "Teaching to the test lifts the post-test but not an independent test of the same skills."},
            {"metric": "teacher_satisfaction", "counter": "teacher_response",
             "reason": "Satisfaction measured on fewer respondents flatters: unhappy teachers answer less often."},
        ],
    },
    "business": {
        "name": "Healthy growth",
        "north_star": {"metric": "crr", "counter": "gross_margin",
                       "reason": "Retention can be bought with discounts and costly rescue offers; margin shows the price."},
        "drivers": [
            {"metric": "nps", "counter": "survey_response",
             "reason": "NPS from a shrinking, self-selected group of respondents says more about who answered."},
            {"metric": "aht", "counter": "repeat",
             "reason": "Short calls that do not solve the problem come back as repeat contacts (failure demand)."},
            {"metric": "first_value", "counter": "first_year_churn",
             "reason": "Counting a first login as value moves onboarding; customers who found no value still leave."},
            {"metric": "new_customers", "counter": "cac",
             "reason": "Growth bought with more spending per customer, or with poorly matched customers, is not healthy."},
        ],
    },
}


def default_design(sector: str) -> dict[str, Any]:
    """A copy of the sector's default design, as plain data."""
    import copy

    return copy.deepcopy(DEFAULT_DESIGNS[check_sector(sector)])


# ---------------------------------------------------------------------- the check


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    if not close:
        labels = {METRICS[k].label.lower(): k for k in options if k in METRICS}
        hit = difflib.get_close_matches(word.lower(), list(labels), n=1, cutoff=0.5)
        close = [labels[hit[0]]] if hit else []
    return f" (did you mean {close[0]!r}?)" if close else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in {"", "____"}) or repr(value) == "____"


def check_design(design: Any, source: str = "your design", sector: str | None = None) -> Design:
    """The design, checked; :class:`DesignError` with one line naming the first problem.

    Refused: not a mapping, an unknown entry, no north star, fewer than 3 or more than 6
    drivers, a driver without a counter-metric, a counter-metric equal to its driver or to
    the north star, an unknown metric (with "did you mean"), a metric given as a list, a
    missing reason, metrics from both sectors, the same driver twice, a threshold that is
    not a finite number >= 0 or is for a metric not on the card, and (when ``sector`` is
    given) a design of the other sector. ``source`` starts the message (a file name, or
    "your design").
    """
    def fail(message: str) -> DesignError:
        return DesignError(f"{source}: {message}")

    if not isinstance(design, Mapping):
        raise fail(f"a design is a mapping with north_star and drivers, not {type(design).__name__}")
    for key in design:
        if key not in _TOP_KEYS:
            raise fail(f"unknown entry {key!r}{_did_you_mean(str(key), list(_TOP_KEYS))}; "
                       f"a design has {', '.join(_TOP_KEYS)}")
    name = design.get("name", "")
    name = "" if _blank(name) else str(name)
    ns_raw = design.get("north_star")
    if _blank(ns_raw) or (isinstance(ns_raw, Mapping) and _blank(ns_raw.get("metric"))):
        raise fail("no north star: add north_star with the metric (a key of the catalogue) that everything serves")
    ns_raw = {"metric": ns_raw} if isinstance(ns_raw, str) else ns_raw
    drivers_raw = design.get("drivers")
    if drivers_raw is None:
        raise fail(f"no drivers: add drivers, a list of {MIN_DRIVERS} to {MAX_DRIVERS} entries with metric, "
                   "counter and reason")
    if isinstance(drivers_raw, (str, bytes, Mapping)) or not hasattr(drivers_raw, "__iter__"):
        raise fail(f"drivers must be a list of {MIN_DRIVERS} to {MAX_DRIVERS} entries, not {type(drivers_raw).__name__}")
    drivers_raw = list(drivers_raw)
    if not MIN_DRIVERS <= len(drivers_raw) <= MAX_DRIVERS:
        raise fail(f"{len(drivers_raw)} driver{'s' if len(drivers_raw) != 1 else ''}: "
                   f"a scorecard needs {MIN_DRIVERS} to {MAX_DRIVERS}")

    keys = list(METRICS)

    def metric_key(value: Any, where: str) -> str:
        if _blank(value):
            raise fail(f"{where}: no metric given")
        if isinstance(value, (list, tuple, set, Mapping)):
            raise fail(f"{where}: give one metric key in quotes, not a {type(value).__name__}")
        key = str(value).strip()
        if key not in METRICS:
            raise fail(f"{where}: unknown metric {key!r}{_did_you_mean(key, keys)}; see the catalogue for the keys")
        return key

    def read_pair(raw: Any, role: str, where: str) -> Pair:
        if not isinstance(raw, Mapping):
            raise fail(f"{where} must be a mapping with metric, counter and reason, not {type(raw).__name__}")
        for k in raw:
            if k not in _PAIR_KEYS:
                raise fail(f"{where}: unknown entry {k!r}{_did_you_mean(str(k), list(_PAIR_KEYS))}; "
                           f"each entry has {', '.join(_PAIR_KEYS)}")
        metric = metric_key(raw.get("metric"), where)
        counter_raw = raw.get("counter")
        if _blank(counter_raw):
            if role == "driver":
                raise fail(f"{where} ({metric}) has no counter-metric: add counter, the metric that would "
                           "show if it were moved the cheap way")
            counter = ""
        else:
            counter = metric_key(counter_raw, f"{where} ({metric}), counter")
            if counter == metric:
                raise fail(f"{where}: the counter-metric {counter!r} is the metric itself; pick one that would "
                           "show the shortcut")
        reason = raw.get("reason")
        if counter and _blank(reason):
            raise fail(f"{where} ({metric} / {counter}) has no reason: say which shortcut {counter} guards against")
        return Pair(role, metric, counter, "" if _blank(reason) else " ".join(str(reason).split()))

    ns = read_pair(ns_raw, "north star", "north_star")
    pairs = [ns]
    for i, raw in enumerate(drivers_raw, start=1):
        p = read_pair(raw, "driver", f"driver {i}")
        if p.metric == ns.metric:
            raise fail(f"driver {i}: {p.metric!r} is the north star; a driver is a metric that moves it")
        if p.counter == ns.metric:
            raise fail(f"driver {i} ({p.metric}): the counter-metric {p.counter!r} is the north star; "
                       "pick a metric that shows this driver's shortcut")
        if any(p.metric == q.metric for q in pairs[1:]):
            raise fail(f"driver {i}: {p.metric!r} is already a driver")
        pairs.append(p)

    sectors = {METRICS[k].sector for q in pairs for k in (q.metric, q.counter) if k}
    if len(sectors) > 1:
        edu = sorted({k for q in pairs for k in (q.metric, q.counter) if k and METRICS[k].sector == "education"})
        biz = sorted({k for q in pairs for k in (q.metric, q.counter) if k and METRICS[k].sector == "business"})
        raise fail(f"mixes education metrics ({', '.join(edu)}) with business metrics ({', '.join(biz)}); "
                   "a scorecard is for one organisation")
    on_card = {k for q in pairs for k in (q.metric, q.counter) if k}

    thresholds_raw = design.get("thresholds") or {}
    if not isinstance(thresholds_raw, Mapping):
        raise fail(f"thresholds must be a mapping of metric key to a number, not {type(thresholds_raw).__name__}")
    thresholds: dict[str, float] = {}
    for k, v in thresholds_raw.items():
        key = str(k)
        if key not in on_card:
            raise fail(f"thresholds: {key!r} is not on the card{_did_you_mean(key, sorted(on_card))}")
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not float(v) >= 0 or math.isinf(float(v)):
            raise fail(f"thresholds: {key} must be a number >= 0 (a change in {METRICS[key].change_words}), got {v!r}")
        thresholds[key] = float(v)
    found = sectors.pop()
    if sector is not None and found != sector:
        raise fail(f"uses {found} metrics, but sector is {sector!r}: set sector = {found!r} in the parameters "
                   f"cell, or pick {sector} metrics from the catalogue")
    return Design(name, found, tuple(pairs), thresholds)


# ---------------------------------------------------------------------- YAML files


def _resolve(path: str | Path, base: str | Path | None) -> Path:
    p = Path(path).expanduser()
    if p.is_absolute() or base is None:
        return p
    return Path(base) / p


class _DuplicateKey(Exception):
    """A YAML mapping that names the same entry twice (the later one would win silently)."""


def _unique_key_loader() -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise _DuplicateKey(f"{key!r} appears twice (line {key_node.start_mark.line + 1}); "
                                        "keep one of them")
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader


_UniqueKeyLoader = _unique_key_loader()


def load_design(path: str | Path, base: str | Path | None = None) -> Design:
    """Read and check a design file (YAML); :class:`DesignError` naming the file otherwise.

    A relative ``path`` is taken from ``base`` (default: the current folder, which for a
    notebook is the notebook's folder). Refused with one line: a file that does not exist
    or cannot be read, an empty file, text that is not YAML, and any design problem of
    :func:`check_design`.
    """
    import yaml

    shown = str(path)
    if not shown.strip():
        raise DesignError("design_file is empty: give the path of a YAML design file, or leave it \"\" to use the design cell")
    file = _resolve(path, base)
    where = f"design file {shown!r}"
    if not file.exists():
        raise DesignError(f"{where} not found (looked for {file.resolve()})")
    if file.is_dir():
        raise DesignError(f"{where} is a folder, not a file")
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DesignError(f"{where} cannot be read: it is not UTF-8 text") from None
    except OSError as exc:
        raise DesignError(f"{where} cannot be read: {exc.strerror or exc}") from None
    if not text.strip():
        raise DesignError(f"{where} is empty: it needs north_star and drivers")
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise DesignError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        line = f" (line {mark.line + 1}: {problem})" if mark is not None else f" ({problem})"
        raise DesignError(f"{where} is not valid YAML{line}") from None
    if data is None:
        raise DesignError(f"{where} is empty: it needs north_star and drivers")
    if not isinstance(data, Mapping):
        raise DesignError(f"{where}: a design is a mapping with north_star and drivers, "
                          f"not {type(data).__name__}")
    return check_design(data, source=where)


def design_yaml(design: Design) -> str:
    """The design as YAML text that :func:`load_design` reads back to the same design."""
    import yaml

    header = (f"# Scorecard design ({design.sector}). Run it with notebook 09: design_file = \"<this file>\".\n"
              "# Metric keys: the catalogue in notebook 09. thresholds: smallest change worth acting on.\n")
    return header + yaml.safe_dump(design.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def save_design(design: Design, path: str | Path) -> Path:
    """Write the design as YAML; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(design_yaml(design), encoding="utf-8")
    return target


def design_table(design: Design) -> pd.DataFrame:
    """The design before any number: role, metric, its direction, counter-metric, the
    shortcut it guards against, and the practical thresholds."""
    rows = []
    for p in design.pairs:
        m = METRICS[p.metric]
        c = METRICS[p.counter] if p.counter else None
        rows.append({
            "role": p.role,
            "metric": m.label,
            "better": "up" if m.higher_is_better else "down",
            "threshold": m.fmt_change(design.threshold(p.metric), signed=False),
            "counter-metric": c.label if c else "(none)",
            "counter better": ("up" if c.higher_is_better else "down") if c else "",
            "counter threshold": c.fmt_change(design.threshold(p.counter), signed=False) if c else "",
            "shortcut it guards against": p.reason,
        })
    return pd.DataFrame(rows)
