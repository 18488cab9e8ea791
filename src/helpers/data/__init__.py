"""Sample data for the workbook: seeded, vectorized generators and validated loading.

Every dataset is made by a function ``make_<name>(seed=42, **sizes)`` from
``numpy.random.default_rng(seed)``; the same seed and sizes always give the same frame. The
generators plant patterns on purpose (gaming agents, Simpson's paradox, survey non-response,
summer melt, cohort shaping, teaching to the test, ...); ``data/README.md`` lists them and
:func:`planted` returns the hidden facts behind them for a given seed (which agents game,
which section teaches to the test, ...).

A seed is one organisation (a support centre, a business, an institution, a district): its
base rates are drawn around the published or illustrative targets (:func:`_rate`,
:func:`_mix`), so every rate a metric or counter-metric watches varies from seed to seed as
it would between real organisations. The single-period generators take ``period``: another
period of the *same* organisation (same agents, customers, sections, schools and teachers;
new draws of behaviour). Generators whose metric can be gamed take ``gaming`` (0 = honest).
Where a planted *relative* pattern must hold for every seed, the generators draw
*stratified* uniforms within the organisation (within a group of ``m`` rows exactly one
uniform falls in each interval ``[k/m, (k+1)/m)``), so the pattern cannot vanish by chance
while which rows are affected stays random.

Notebooks call :func:`load`::

    df = load("customer_survey", seed=7)                    # generated from the seed
    df = load("customer_survey", data_dir="my_data")        # my_data/customer_survey.csv

Both paths go through the validator in :mod:`helpers.validate`, so a generated frame is
identical, dtypes included, to the committed CSV for seed 42.

Command line: ``python -m helpers.data --seed 42 --out data [--only NAME ...] [--size NAME=N ...]``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.validate import (
    EXCLUSIONS as EXCLUSIONS,
    FINAL_RESULTS as FINAL_RESULTS,
    SCHEMAS as SCHEMAS,
    SEGMENTS as SEGMENTS,
    TALIS_ITEMS as TALIS_ITEMS,
    TALIS_REVERSED as TALIS_REVERSED,
    DataValidationError as DataValidationError,
    UnknownKindError as UnknownKindError,
    frame_to_csv_text as frame_to_csv_text,
    read_csv_validated as read_csv_validated,
)

from helpers.data._random import (
    Frame as Frame,
    Truth as Truth,
    _check_sizes as _check_sizes,
    _codes as _codes,
    _strat_uniform as _strat_uniform,
    _rank_within as _rank_within,
    _sigmoid as _sigmoid,
    _logit as _logit,
    _ids as _ids,
    _pick as _pick,
    _choice_idx as _choice_idx,
    _ordinal as _ordinal,
    _finish as _finish,
    _weekdays as _weekdays,
    _rate as _rate,
    _mix as _mix,
    _check_period as _check_period,
    _check_gaming as _check_gaming,
    _streams as _streams,
    _allocate as _allocate,
)
from helpers.data.support import (
    TEAMS as TEAMS,
    GAMING_TEAM as GAMING_TEAM,
    _CHANNEL_RESPONSE as _CHANNEL_RESPONSE,
    _CSAT_RESOLVED as _CSAT_RESOLVED,
    _CSAT_UNRESOLVED as _CSAT_UNRESOLVED,
    _quarter_days as _quarter_days,
    _support_contacts as _support_contacts,
    make_support_contacts as make_support_contacts,
)
from helpers.data.customer import (
    _customer_survey as _customer_survey,
    make_customer_survey as make_customer_survey,
    PLANS as PLANS,
    REGIONS as REGIONS,
    CHURN_HAZARD as CHURN_HAZARD,
    PREMIER_SHARE as PREMIER_SHARE,
    _customer_accounts as _customer_accounts,
    make_customer_accounts as make_customer_accounts,
    _adoption_curve as _adoption_curve,
    _maturity as _maturity,
    _usage as _usage,
    make_product_usage as make_product_usage,
    make_release_log as make_release_log,
    JOURNEY_STAGES as JOURNEY_STAGES,
    _customer_journey as _customer_journey,
    make_customer_journey as make_customer_journey,
)
from helpers.data.education import (
    SOURCES as SOURCES,
    RESIDENCY as RESIDENCY,
    _enrollment_funnel as _enrollment_funnel,
    make_enrollment_funnel as make_enrollment_funnel,
    _LEAVE as _LEAVE,
    SHAPED_SHARE as SHAPED_SHARE,
    _TRANSFER_SHARE as _TRANSFER_SHARE,
    _COMPLETE as _COMPLETE,
    _EXCLUDE_FIRST as _EXCLUDE_FIRST,
    _EXCLUDE_LATER as _EXCLUDE_LATER,
    _RETURN_SHARE as _RETURN_SHARE,
    _student_terms as _student_terms,
    make_student_terms as make_student_terms,
    COURSES as COURSES,
    DEADLINES as DEADLINES,
    RESULT_SHARES as RESULT_SHARES,
    _lms_activity as _lms_activity,
    make_lms_activity as make_lms_activity,
    _assessments as _assessments,
    make_assessments as make_assessments,
    _ITEM_CUTS as _ITEM_CUTS,
    _educator_survey as _educator_survey,
    make_educator_survey as make_educator_survey,
)


__all__ = [
    "DATASETS",
    "DataValidationError",
    "generate",
    "load",
    "main",
    "planted",
    "size_parameters",
    "write_all",
    *(f"make_{n}" for n in SCHEMAS),
]


# --------------------------------------------------------------------------------------
# Registry and public API
# --------------------------------------------------------------------------------------

Generator = Callable[..., Frame]

#: Dataset name -> generator ``make_<name>(seed=42, **sizes)``.
DATASETS: dict[str, Generator] = {
    "support_contacts": make_support_contacts,
    "customer_survey": make_customer_survey,
    "customer_accounts": make_customer_accounts,
    "product_usage": make_product_usage,
    "release_log": make_release_log,
    "customer_journey": make_customer_journey,
    "enrollment_funnel": make_enrollment_funnel,
    "student_terms": make_student_terms,
    "lms_activity": make_lms_activity,
    "assessments": make_assessments,
    "educator_survey": make_educator_survey,
}

_TRUTH: dict[str, Callable[..., Truth]] = {
    "support_contacts": lambda seed, **k: _support_contacts(seed, **k)[1],
    "customer_survey": lambda seed, **k: _customer_survey(seed, **k)[1],
    "customer_accounts": lambda seed, **k: _customer_accounts(seed, **k)[1],
    "product_usage": lambda seed, **k: _usage(seed, **k)[2],
    "release_log": lambda seed, **k: _usage(seed, **k)[2],
    "customer_journey": lambda seed, **k: _customer_journey(seed, **k)[1],
    "enrollment_funnel": lambda seed, **k: _enrollment_funnel(seed, **k)[1],
    "student_terms": lambda seed, **k: _student_terms(seed, **k)[1],
    "lms_activity": lambda seed, **k: _lms_activity(seed, **k)[1],
    "assessments": lambda seed, **k: _assessments(seed, **k)[1],
    "educator_survey": lambda seed, **k: _educator_survey(seed, **k)[1],
}


def _generator(name: str) -> Generator:
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise UnknownKindError(
            f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}") from None


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def size_parameters(name: str) -> dict[str, Any]:
    """The size parameters of a dataset's generator and their defaults."""
    sig = inspect.signature(_generator(name))
    return {k: p.default for k, p in sig.parameters.items() if k != "seed"}


def generate(name: str, seed: int = 42, **sizes: Any) -> Frame:
    """Generate dataset ``name`` from ``seed``; ``sizes`` go to ``make_<name>``."""
    gen = _generator(name)
    return gen(seed=_check_seed(seed), **sizes)


def planted(name: str, seed: int = 42, **sizes: Any) -> Truth:
    """The hidden facts behind a dataset's planted patterns for this seed (for instructors
    and tests), e.g. ``planted("support_contacts")["gaming_agents"]``."""
    _generator(name)
    full = {**size_parameters(name), **sizes}
    return _TRUTH[name](_check_seed(seed), **full)


def _sizes_for(name: str, sizes: dict[str, Any]) -> dict[str, Any]:
    params = size_parameters(name)
    return {k: v for k, v in sizes.items() if k in params}


def _check_size_names(names: Sequence[str], sizes: dict[str, Any]) -> None:
    known = {k for n in names for k in size_parameters(n)}
    unknown = sorted(set(sizes) - known)
    if unknown:
        raise TypeError(f"unknown size parameter(s) {', '.join(unknown)}; known: "
                        f"{', '.join(sorted(known))}")


def write_all(out_dir: str | Path, seed: int = 42, only: Sequence[str] | None = None,
              **sizes: Any) -> list[Path]:
    """Write every dataset (or ``only`` those named) as ``<out_dir>/<name>.csv``.

    Each size parameter goes to every generator that has a parameter of that name
    (e.g. ``n_students`` sizes student_terms and lms_activity). Returns the paths written.
    """
    names = list(only) if only else list(DATASETS)
    for name in names:
        _generator(name)
    _check_size_names(names, sizes)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        df = generate(name, seed, **_sizes_for(name, sizes))
        path = out / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(frame_to_csv_text(df))
        paths.append(path)
    return paths


_CACHE: dict[tuple, Frame] = {}
_CACHE_MAX_ROWS = 200_000


def load(name: str, seed: int = 42, data_dir: str | Path = "", **sizes: Any) -> Frame:
    """Load a dataset for a notebook, always validated.

    * ``data_dir`` empty: generate it from ``seed`` (and ``sizes``), write it to CSV text and
      read that back through the validator, so the frame is identical (dtypes included) to
      reading the committed ``data/<name>.csv`` for seed 42.
    * ``data_dir`` given: read and validate ``<data_dir>/<name>.csv`` (``seed`` and ``sizes``
      are not used, so a notebook can pass its parameters either way).

    Raises :class:`helpers.validate.DataValidationError` with a one-line message for bad
    input.
    """
    _generator(name)
    if data_dir not in ("", None):
        # Sizes describe generated data only; a notebook passes its size parameters
        # either way, so they are checked for spelling and otherwise not used here.
        _check_size_names([name], sizes)
        return read_csv_validated(Path(data_dir) / f"{name}.csv", name)
    seed = _check_seed(seed)
    key = (name, seed, tuple(sorted(sizes.items())))
    if key in _CACHE:
        return _CACHE[key].copy()
    df = generate(name, seed, **sizes)
    out = read_csv_validated(frame_to_csv_text(df), name, label=f"generated {name} (seed {seed})")
    if len(out) <= _CACHE_MAX_ROWS:
        if len(_CACHE) >= 64:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = out.copy()
    return out


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _parse_size(text: str) -> tuple[str, int | float]:
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}")
    try:
        return name, int(value)
    except ValueError:
        pass
    try:
        return name, float(value)  # gaming=1.5
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.data --seed 42 --out DIR [--only NAME ...] [--size NAME=N ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data",
        description="Write the workbook's sample datasets as CSV files.",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--only", nargs="+", choices=list(DATASETS), metavar="NAME",
                        help=f"datasets to write (default: all): {', '.join(DATASETS)}")
    parser.add_argument("--size", action="append", type=_parse_size, default=[],
                        metavar="NAME=N", help="a size parameter, e.g. n_students=143000, or "
                        "period=2 (another period of the same organisation), gaming=1.5")
    args = parser.parse_args(argv)
    try:
        paths = write_all(args.out, seed=args.seed, only=args.only, **dict(args.size))
    except (TypeError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for path in paths:
        rows = path.read_bytes().count(b"\n") - 1
        print(f"wrote {path} ({rows} rows, {path.stat().st_size} bytes)")
    return 0
