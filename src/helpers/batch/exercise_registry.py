"""How each workbook notebook builds its exercises from its parameters.

Each lesson notebook loads its data with its parameters and then calls
``nbNN.exercises(...)``. :data:`REGISTRY` mirrors that, notebook by
notebook, so the answer keys (:mod:`.answers`) and the class review's hints
(:mod:`.review`) come from the very same exercise definitions without
executing any notebook. ``CALL`` is the notebook's own call, word for word;
``tests/test_answers.py`` fails when a notebook's call and the registry
disagree.

:func:`exercise_info` gives the texts of a notebook's exercises (question,
hints, solution, why, known mistakes), built once per notebook and
parameters and cached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .common import NOTEBOOKS_DIR


@dataclass(frozen=True)
class Entry:
    """One notebook: its exercises call as written in the notebook, and a builder."""

    call: str
    build: Callable[[dict[str, Any]], Any]


def _data_dir(p: Mapping[str, Any]) -> str:
    """``data_dir`` as the notebook's kernel sees it (relative to notebooks/)."""
    value = str(p.get("data_dir") or "")
    if not value:
        return ""
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else NOTEBOOKS_DIR / path)


def _nb00(p: dict[str, Any]) -> Any:
    from helpers import data, support
    from helpers.exercises import nb00

    contacts = data.load("support_contacts", seed=p["seed"], data_dir=_data_dir(p),
                         n_agents=p["n_agents"], contacts_per_agent=p["contacts_per_agent"])
    agents = support.agent_summary(contacts)
    return nb00.exercises(contacts, agents, p["target_minutes"])


def _nb01(p: dict[str, Any]) -> Any:
    from helpers import data, simulate
    from helpers.exercises import nb01

    contacts = data.load("support_contacts", seed=p["seed"], data_dir=_data_dir(p))
    run = simulate.simulate_team(p["pressure"], p["incentive_weight"], p["audit_weight"], p["team_size"], p["periods"],
                                 p["seed"])
    sweep = simulate.pressure_sweep(audit_weights=(0.0, 0.25, 0.5, 1.0), incentive_weight=p["incentive_weight"],
                                    team_size=p["team_size"], periods=p["periods"], seed=p["seed"])
    return nb01.exercises(run, contacts, sweep)


def _nb02(p: dict[str, Any]) -> Any:
    from helpers import data, simulate
    from helpers.exercises import nb02

    table = simulate.league_table(n_agents=p["league_agents"], surveys=p["surveys_per_agent"], base_rate=p["true_csat"],
                                  periods=3, seed=p["seed"])
    contacts = data.load("support_contacts", seed=p["seed"], data_dir=_data_dir(p))
    assessments = data.load("assessments", seed=p["seed"], data_dir=_data_dir(p))
    many = simulate.rank_stability([p["surveys_per_agent"]], n_agents=p["league_agents"], base_rate=p["true_csat"],
                                   skill_sd=0.0, n_sims=p["n_sims"], seed=p["seed"])
    return nb02.exercises(table, many, contacts, assessments, p["pass_mark"])


def _nb03(p: dict[str, Any]) -> Any:
    from helpers import data, simulate, support
    from helpers.exercises import nb01, nb03

    data_dir = _data_dir(p)
    run = simulate.simulate_team(p["pressure"], p["incentive_weight"], 0.0, p["team_size"], p["periods"], p["seed"])
    contacts = data.load("support_contacts", seed=p["seed"], data_dir=data_dir)
    sample_agents = support.agent_summary(contacts)
    truth = (nb01.gaming_suspects(sample_agents, contacts) if data_dir
             else data.planted("support_contacts", seed=p["seed"])["gaming_agents"])
    sample_agents["gamer"] = sample_agents["agent_id"].isin(truth)
    accounts = simulate.cross_sell_scenario(n_employees=p["n_bankers"], customers_per_employee=p["customers_per_banker"],
                                            seed=p["seed"])
    return nb03.exercises(run.agents, sample_agents, accounts, p["repeat_limit"], p["fcr_limit"], seed=p["seed"],
                          pressure=p["pressure"], incentive_weight=p["incentive_weight"], team_size=p["team_size"],
                          periods=p["periods"])


def _nb04(p: dict[str, Any]) -> Any:
    from helpers import data
    from helpers.exercises import nb04

    data_dir = _data_dir(p)
    usage_sizes = {} if data_dir else {"n_customers": p["n_customers"]}
    journey_sizes = {} if data_dir else {"n_customers": p["journey_customers"]}
    usage = data.load("product_usage", seed=p["seed"], data_dir=data_dir, **usage_sizes)
    release_log = data.load("release_log", seed=p["seed"], data_dir=data_dir, **usage_sizes)
    journey = data.load("customer_journey", seed=p["seed"], data_dir=data_dir, **journey_sizes)
    return nb04.exercises(usage=usage, release_log=release_log, journey=journey,
                          shares_shown=(p["adoption_threshold"], p["outcome_share"]))


def _nb05(p: dict[str, Any]) -> Any:
    from helpers import data
    from helpers.exercises import nb05

    data_dir = _data_dir(p)
    survey_sizes = {} if data_dir else {"n_customers": p["survey_customers"]}
    account_sizes = {} if data_dir else {"n_customers": p["account_customers"], "n_months": p["n_months"]}
    survey = data.load("customer_survey", seed=p["seed"], data_dir=data_dir, **survey_sizes)
    accounts = data.load("customer_accounts", seed=p["seed"], data_dir=data_dir, **account_sizes)
    return nb05.exercises(survey=survey, accounts=accounts, annual_discount_rate=p["annual_discount_rate"],
                          small_survey=p["small_survey"])


def _nb06(p: dict[str, Any]) -> Any:
    from helpers import data, education
    from helpers.exercises import nb06

    data_dir = _data_dir(p)
    funnel_sizes = {} if data_dir else {"n_per_cohort": p["n_prospects"]}
    terms_sizes = {} if data_dir else {"n_students": p["n_students"]}
    funnel = data.load("enrollment_funnel", seed=p["seed"], data_dir=data_dir, **funnel_sizes)
    terms = data.load("student_terms", seed=p["seed"], data_dir=data_dir, **terms_sizes)
    outcomes = education.cohort_outcomes(terms)
    return nb06.exercises(funnel, terms, outcomes, p["funnel_year"], p["cohort_year"])


def _nb07(p: dict[str, Any]) -> Any:
    from helpers import data
    from helpers.exercises import nb07

    data_dir = _data_dir(p)
    lms_sizes = {} if data_dir else {"n_students": p["n_students"], "n_weeks": p["n_weeks"]}
    test_sizes = {} if data_dir else {"n_sections": p["n_sections"], "students_per_section": p["students_per_section"]}
    lms = data.load("lms_activity", seed=p["seed"], data_dir=data_dir, **lms_sizes)
    assessments = data.load("assessments", seed=p["seed"], data_dir=data_dir, **test_sizes)
    return nb07.exercises(lms, assessments)


def _nb08(p: dict[str, Any]) -> Any:
    from helpers import data, education
    from helpers.exercises import nb08

    data_dir = _data_dir(p)
    survey_sizes = {} if data_dir else {"n_schools": p["n_schools"], "teachers_per_school": p["teachers_per_school"]}
    survey = data.load("educator_survey", seed=p["seed"], data_dir=data_dir, **survey_sizes)
    scored = education.scale_scores(survey)
    return nb08.exercises(survey, scored)


def _design_cell(sector: str) -> Any:
    """``my_design`` as the workbook's own design cell of notebook 09 sets it
    (the workbook's code, not a participant's)."""
    from .review_read import workbook_notebooks

    path = workbook_notebooks().get("09")
    if path is None:
        raise LookupError("notebooks/09_*.ipynb not found")
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        src = "".join(cell.get("source", [])) if isinstance(cell.get("source"), list) else str(cell.get("source", ""))
        if cell.get("cell_type") == "code" and "my_design =" in src:
            namespace: dict[str, Any] = {"sector": sector}
            exec(compile(src, f"{path.name} design cell", "exec"), namespace)  # noqa: S102 - the workbook's own cell
            return namespace["my_design"]
    raise LookupError(f"{path.name}: no cell sets my_design")


def _nb09(p: dict[str, Any]) -> Any:
    from helpers import scorecard
    from helpers.exercises import nb09

    data_dir = _data_dir(p)
    design_file = str(p.get("design_file") or "")
    if design_file and not Path(design_file).is_absolute():
        design_file = str(NOTEBOOKS_DIR / design_file)
    file_design = scorecard.choose_design(None, design_file) if design_file else None
    sector = file_design.sector if file_design else scorecard.check_sector(p["sector"])
    gaming = scorecard.check_gaming(p["gaming"])
    my_design = _design_cell(sector)
    design = file_design or scorecard.check_design(my_design)
    catalogue_keys = list(scorecard.catalogue_table(sector)["key"])
    periods = scorecard.load_periods(catalogue_keys, seed=p["seed"], period=p["period"], data_dir=data_dir, gaming=gaming)
    catalogue = scorecard.measure(catalogue_keys, periods)
    draws = scorecard.noise_draws(design, seed=p["seed"], period=p["period"], n_draws=p["n_draws"], noise_z=p["noise_z"])
    return nb09.exercises(design, my_design, catalogue, draws, noise_z=p["noise_z"], gaming=gaming)


#: notebook number -> its ``nbNN.exercises(...)`` call and a builder.
REGISTRY: dict[str, Entry] = {
    "00": Entry("nb00.exercises(contacts, agents, target_minutes)", _nb00),
    "01": Entry("nb01.exercises(run, contacts, sweep)", _nb01),
    "02": Entry("nb02.exercises(table, many, contacts, assessments, pass_mark)", _nb02),
    "03": Entry("nb03.exercises(sim_agents, sample_agents, accounts, repeat_limit, fcr_limit, seed=seed, pressure=pressure, "
                "incentive_weight=incentive_weight, team_size=team_size, periods=periods)", _nb03),
    "04": Entry("nb04.exercises(usage=usage, release_log=release_log, journey=journey, "
                "shares_shown=(adoption_threshold, outcome_share))", _nb04),
    "05": Entry("nb05.exercises(survey=survey, accounts=accounts, annual_discount_rate=annual_discount_rate, "
                "small_survey=small_survey)", _nb05),
    "06": Entry("nb06.exercises(funnel, terms, outcomes, funnel_year, cohort_year)", _nb06),
    "07": Entry("nb07.exercises(lms, assessments)", _nb07),
    "08": Entry("nb08.exercises(survey, scored)", _nb08),
    "09": Entry("nb09.exercises(design, my_design, catalogue, draws, noise_z=noise_z, gaming=gaming)", _nb09),
}


def default_parameters(nn: str) -> dict[str, Any]:
    """The defaults of the workbook notebook ``nn``'s parameters cell."""
    from .params import notebook_parameters
    from .review_read import workbook_notebooks

    path = workbook_notebooks().get(nn)
    if path is None:
        return {}
    return {name: d.default for name, d in notebook_parameters(path).items()}


def build_exercises(nn: str, parameters: Mapping[str, Any] | None = None) -> Any:
    """The :class:`~helpers.exercises.ExerciseSet` notebook ``nn`` builds with
    ``parameters`` (over its defaults). Raises ``LookupError`` for a notebook
    the registry does not know; the data loaders' errors pass through."""
    entry = REGISTRY.get(nn)
    if entry is None:
        raise LookupError(f"no exercise builder for notebook {nn}")
    values = default_parameters(nn)
    values.update({k: v for k, v in (parameters or {}).items() if v is not None or k not in values})
    return entry.build(values)


@dataclass(frozen=True)
class ExerciseInfo:
    """What the review shows about one checked exercise."""

    name: str
    question: str = ""
    hints: tuple[str, ...] = ()
    solution_code: str = ""
    why: str = ""
    mistakes: tuple[str, ...] = ()
    #: The solution as ``qN.solution()`` prints it on the data the set was built
    #: on (code, the value it gives, why); empty when not asked for.
    solution: str = ""


def _solution(item: Any) -> str:
    try:
        return str(item.solution_text())
    except Exception:  # the value could not be computed: the code alone will do
        return ""


def info_from_set(ex_set: Any, with_solutions: bool = False) -> dict[str, ExerciseInfo]:
    out: dict[str, ExerciseInfo] = {}
    for item in getattr(ex_set, "exercises", []):
        out[item.name] = ExerciseInfo(
            name=item.name,
            question=str(getattr(item, "question", "") or ""),
            hints=tuple(str(h) for h in getattr(item, "hints", ()) or ()),
            solution_code=str(getattr(item, "solution_code", "") or ""),
            why=str(getattr(item, "why", "") or ""),
            mistakes=tuple(str(m[0]) for m in getattr(item, "mistakes", ()) or ()),
            solution=_solution(item) if with_solutions else "",
        )
    return out


#: (notebook, parameters as JSON) -> texts, or the one-line reason they are missing.
_INFO_CACHE: dict[tuple[str, str], dict[str, ExerciseInfo] | str] = {}
#: Extra builders for notebooks outside the workbook (tests, a course's own
#: notebooks): notebook number -> function(parameters) -> ExerciseSet.
EXTRA: dict[str, Callable[[dict[str, Any]], Any]] = {}


def exercise_info(nn: str, parameters: Mapping[str, Any] | None = None,
                  with_solutions: bool = False) -> tuple[dict[str, ExerciseInfo], str]:
    """(texts of notebook ``nn``'s exercises, "" ) or ({}, why they are
    missing). Built once per notebook and parameters; never raises. With
    ``with_solutions`` each text carries the solution as printed on that data."""
    key = (nn, json.dumps(dict(parameters or {}), sort_keys=True, default=str) + ("+s" if with_solutions else ""))
    if key not in _INFO_CACHE:
        try:
            if nn in EXTRA:
                ex_set = EXTRA[nn](dict(parameters or {}))
            else:
                ex_set = build_exercises(nn, parameters)
            _INFO_CACHE[key] = info_from_set(ex_set, with_solutions)
        except Exception as exc:  # a hint that cannot be built must not stop a review
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            _INFO_CACHE[key] = f"the exercises of notebook {nn} could not be built ({type(exc).__name__}: {first})"
    found = _INFO_CACHE[key]
    return (found, "") if isinstance(found, dict) else ({}, found)
