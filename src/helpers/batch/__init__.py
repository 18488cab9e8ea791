"""Running notebooks: in place for the committed copies, and in batches for a class.

``python -m helpers.batch execute-in-place NOTEBOOK...`` re-executes notebooks
top to bottom with their default parameters and saves them where they are
(``make notebooks``). The kernel runs in the notebook's own folder, as in
JupyterLab and nbval, so relative paths behave the same everywhere.

``python -m helpers.batch run CONFIG --out DIR`` runs one notebook per
participant, cohort or organisation, each with its own parameters, as a YAML
config describes (see ``docs/instructors.md`` and ``batches/``):

1. everything is checked *before anything runs*, all problems in one pass:
   the config's structure (a JSON Schema), numbers with leading zeros, the run
   count (``--max-runs``), every notebook and parameter (declared, of the
   declared type, within the values its help text declares), ``data_dir``
   (relative to the config), ``--out`` (nothing in it may be lost) and
   ``--scheduler`` (reachable). Any problem: one line per problem, exit
   status 2, nothing started and nothing written. ``check CONFIG`` makes the
   same checks and estimates the time, without running anything;
2. the runs execute in parallel, one process and one kernel each, with a
   progress bar; a failing run never stops the others; Ctrl-C, SIGTERM and
   SIGHUP stop the batch cleanly;
3. each run gets ``DIR/<folder>/`` with the executed notebook, an accessible
   HTML report that needs no network, ``result.json`` (the figures the
   notebook recorded with :func:`record_result`) and ``run.json`` (status,
   duration, parameters, error, files), and ``DIR/summary.csv`` plus
   ``DIR/index.html`` list every run of every batch in ``DIR``
   (``DIR/batch.json``). A run never replaces or deletes a file it did not
   write.

Exit status: 0 when every run succeeded, 1 when any failed, 2 when refused,
128 + the signal when interrupted (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).

Around a class session: ``prepare CONFIG --out DIR`` writes each participant's
copy of the notebooks with their parameters filled in (nothing executed);
``answers CONFIG --out DIR`` writes each run's expected answers from the
exercise definitions (no notebook executed); ``review SUBMISSIONS --out DIR``
reads the outcome records that the checks left in participants' saved
notebooks and reports what the class found hard, never a ranking
(:mod:`~helpers.batch.prepare`, :mod:`~helpers.batch.answers`,
:mod:`~helpers.batch.review`).

The package follows the seams of the work: :mod:`~helpers.batch.config`
(reading and expanding a config), :mod:`~helpers.batch.params` (parameters
cells and value checks), :mod:`~helpers.batch.execute` (one run; notebooks in
place), :mod:`~helpers.batch.report` (reports, summary, index),
:mod:`~helpers.batch.runner` (folders, safety, parallel runs, signals) and
:mod:`~helpers.batch.cli` (subcommands, registered with
:func:`~helpers.batch.cli.register`). The Python API is what the CLI calls:
:func:`check_config`, :func:`load_config`, :func:`validate_runs`,
:func:`run_batch`, and, inside a notebook, :func:`record_result`. Heavy
imports (papermill, nbconvert, yaml, jsonschema) happen inside the functions
that need them, so a notebook importing :func:`record_result` pays nothing
for them.
"""

from .common import (
    CELL_TIMEOUT,
    INDEX_FILE,
    KERNEL_NAME,
    NOTEBOOKS_DIR,
    RESULT_FILE,
    RESULTS_ENV,
    ROOT,
    RUN_FILE,
    RUN_NAME_ENV,
    START_TIMEOUT,
    STATUS_FAILED,
    STATUS_NOT_RUN,
    STATUS_OK,
    STATUS_PENDING,
    SUMMARY_FILE,
    BatchResult,
    ConfigError,
    RunRecord,
    atomic_write,
    error_text,
    record_result,
)
from .config import CONFIG_SCHEMA, MAX_RUNS, Checked, RunSpec, check_config, load_config, resolve_notebook
from .params import Allowed, Declared, duplicate_warnings, effective_parameters, notebook_parameters, parse_allowed, validate_runs
from .report import export_html, write_index, write_summary
from .execute import execute_in_place, execute_run
from .runner import (
    MANIFEST_FILE,
    STATUS_WRITING,
    BatchInterrupted,
    _run_dir as _run_dir,
    assign_folders,
    connect_scheduler,
    out_problems,
    run_batch,
    sanitize_name,
)
from .cli import build_parser, main, register

__all__ = [
    "check_config",
    "Checked",
    "CONFIG_SCHEMA",
    "MAX_RUNS",
    "Allowed",
    "parse_allowed",
    "duplicate_warnings",
    "MANIFEST_FILE",
    "STATUS_WRITING",
    "BatchInterrupted",
    "connect_scheduler",
    "out_problems",
    "register",
    "execute_in_place",
    "main",
    "build_parser",
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
    "write_summary",
    "write_index",
    "error_text",
    "atomic_write",
    "CELL_TIMEOUT",
    "INDEX_FILE",
    "KERNEL_NAME",
    "NOTEBOOKS_DIR",
    "RESULT_FILE",
    "RESULTS_ENV",
    "ROOT",
    "RUN_FILE",
    "RUN_NAME_ENV",
    "START_TIMEOUT",
    "STATUS_FAILED",
    "STATUS_NOT_RUN",
    "STATUS_OK",
    "STATUS_PENDING",
    "SUMMARY_FILE",
]
