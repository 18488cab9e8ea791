"""A balanced scorecard the learner designs (notebook 09, the capstone).

A scorecard is a north-star outcome and three to six driver metrics, each paired with a
counter-metric that would show if the metric were being moved the cheap way (Andy Grove's
paired indicators, *High Output Management*, 1983; Kohavi, Tang & Xu's guardrail metrics,
*Trustworthy Online Controlled Experiments*, 2020; the North Star framework's one outcome
plus inputs, Amplitude). The package follows the notebook's seams:

* :mod:`.catalogue` - the metrics the data can compute, with definitions, direction,
  dataset and standard error (:data:`METRICS`, :func:`catalogue_table`);
* :mod:`.design` - a design as plain data or YAML, its check (:func:`check_design`,
  :func:`load_design`, :func:`save_design`) and the defaults (:data:`DEFAULT_DESIGNS`);
* :mod:`.periods` - two periods of one organisation, honest or gaming (:func:`load_periods`,
  :func:`planted`);
* :mod:`.assess` - change against noise, statuses, flags, the evaluation against the planted
  gaming, repeated draws and the results record (:func:`measure`, :func:`assess`,
  :func:`evaluate`, :func:`noise_draws`, :func:`key_figures`);
* :mod:`.charts` - the card chart, its widget callback and the noise-band chart;
* :mod:`.export` - the one-page HTML, CSV and YAML export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .assess import (BETTER, FLAG, IMPROVED, NO_TREND, NOISE, NOISE_Z, SMALL, STATUSES, STEADY, UNKNOWN, WATCH,
                     WORSE, WORSE_PAIR, assess, change_and_se, estimate, evaluate, explain_flags, flagged, judge,
                     chance_of_false_alarms, key_figures, measure, noise_bands, false_flags, evaluation_lines, noise_draws, scorecard_table, summary_lines, what_moved)
from .catalogue import METRICS, SECTORS, Estimate, Metric, catalogue_table, datasets_for
from .charts import VERDICT_COLOURS, card_chart, card_view, noise_chart
from .design import (DEFAULT_DESIGNS, MAX_DRIVERS, MIN_DRIVERS, Design, DesignError, Pair, check_design,
                     check_sector, default_design, design_table, design_yaml, load_design, save_design)
from .export import EXPORT_FILES, export_scorecard
from .periods import GAMED, MAX_GAMING, ParameterError, check_gaming, load_periods, planted

__all__ = [
    "SECTORS", "DEFAULT_NAMES", "METRICS", "Metric", "Estimate", "catalogue_table", "datasets_for",
    "DEFAULT_DESIGNS", "MIN_DRIVERS", "MAX_DRIVERS", "Design", "DesignError", "Pair", "check_design",
    "check_sector", "default_design", "design_table", "design_yaml", "load_design", "save_design", "choose_design",
    "GAMED", "MAX_GAMING", "ParameterError", "check_gaming", "load_periods", "planted",
    "NOISE_Z", "BETTER", "WORSE", "NOISE", "SMALL", "UNKNOWN", "FLAG", "WORSE_PAIR", "IMPROVED", "WATCH",
    "STEADY", "NO_TREND", "STATUSES", "estimate", "measure", "change_and_se", "judge", "assess", "flagged",
    "what_moved", "scorecard_table", "chance_of_false_alarms", "summary_lines", "explain_flags", "evaluate", "false_flags", "evaluation_lines", "noise_draws", "noise_bands",
    "key_figures", "VERDICT_COLOURS", "card_chart", "card_view", "noise_chart", "EXPORT_FILES",
    "export_scorecard", "default_name",
]

DEFAULT_NAMES = {"education": "Northfield College", "business": "Brightline Software"}


def default_name(sector: str) -> str:
    """A sample organisation name for the sector."""
    return DEFAULT_NAMES[check_sector(sector)]


def choose_design(cell_design: Any, design_file: str = "", base: str | Path | None = None) -> Design:
    """The design a run uses: the file when ``design_file`` is given (checked, refusals
    naming the file), else the design written in the notebook cell (checked)."""
    if isinstance(design_file, str) and not design_file.strip():
        return check_design(cell_design, source="your design")
    if not isinstance(design_file, (str, Path)):
        raise DesignError(f"design_file must be a path in quotes, got {design_file!r}")
    return load_design(design_file, base=base)
