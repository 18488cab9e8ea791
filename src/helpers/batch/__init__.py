"""Running notebooks: in place for the committed copies, and in batches for a class.

``python -m helpers.batch execute-in-place NOTEBOOK...`` re-executes notebooks
top to bottom with their default parameters and saves them where they are
(``make notebooks``). The kernel runs in the notebook's own folder, as in
JupyterLab and nbval, so relative paths behave the same everywhere.

``python -m helpers.batch run CONFIG --out DIR`` runs one notebook per
participant, cohort or organisation, each with its own parameters, as a YAML
config describes (see ``docs/instructors.md`` and ``batches/``):

1. the config is read and every run is checked *before anything runs*: the
   notebook exists, every parameter is declared in its ``parameters`` cell and
   has the declared type. Any problem: one line per problem, exit status 2,
   nothing started and nothing written;
2. the runs execute in parallel, one process and one kernel each, with a
   progress bar; a failing run never stops the others;
3. each run gets ``DIR/<folder>/`` with the executed notebook, an HTML report
   that needs no network, ``result.json`` (the figures the notebook recorded
   with :func:`record_result`) and ``run.json`` (status, duration, parameters,
   error), and ``DIR/summary.csv`` plus ``DIR/index.html`` list every run.

Exit status: 0 when every run succeeded, 1 when any failed, 2 when the config
is refused, 130 when interrupted.

The Python API is what the CLI calls: :func:`load_config`,
:func:`validate_runs`, :func:`run_batch`, and, inside a notebook,
:func:`record_result`. Heavy imports (papermill, nbconvert, yaml) happen inside
the functions that need them, so a notebook importing :func:`record_result`
pays nothing for them.
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
