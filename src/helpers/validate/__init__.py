"""Schemas for the workbook's datasets and a validator that explains problems in one line.

Every dataset the notebooks use has a declarative :class:`Schema` in :data:`SCHEMAS`: the
columns in order (type, unit, nullable, range or allowed values), the primary key and
row-level rules (funnel stages monotone, a post-test score only for students who stayed, ...).

:func:`read_csv_validated` reads a CSV file (or CSV text) as strings, checks the structure
(encoding, header, ragged rows), converts column by column and checks values, keys and rules.
The first problem found raises :class:`DataValidationError` with a one-line message that names
the file, the column and the first offending rows as *file line numbers* (the header is line
1), plus a few of the bad values::

    data/customer_survey.csv: column 'nps' must be an integer 0-10; bad values at lines 7, 19, 33 (3 rows): 11, -1, 12

Command line::

    python -m helpers.validate PATH [--kind KIND]

prints ``ok: PATH (KIND, N rows)`` and exits 0 for a valid file; prints the one-line problem on
stderr and exits 1 for an invalid one; exits 2 on a usage error (unknown kind, kind not
inferable from the file name).
"""

from __future__ import annotations

from helpers.validate.core import (
    SHOW_LINES as SHOW_LINES,
    SHOW_VALUES as SHOW_VALUES,
    KEEP_ROWS as KEEP_ROWS,
    DataValidationError as DataValidationError,
    _rebuild_error as _rebuild_error,
    UnknownKindError as UnknownKindError,
    ColumnKind as ColumnKind,
    _TYPE_WORDS as _TYPE_WORDS,
    _num as _num,
    Column as Column,
    RuleCheck as RuleCheck,
    Rule as Rule,
    Schema as Schema,
    _f as _f,
    _isnull as _isnull,
    _month_number as _month_number,
    _group_codes as _group_codes,
    _prev_in_group as _prev_in_group,
    _backwards as _backwards,
    _gap as _gap,
    _decreases as _decreases,
    _not_constant as _not_constant,
    _first_in_group as _first_in_group,
    _last_in_group as _last_in_group,
    require_columns as require_columns,
)
from helpers.validate.schemas import (
    _implies as _implies,
    _null_iff as _null_iff,
    _null_if as _null_if,
    _id as _id,
    _flag as _flag,
    _int as _int,
    _float as _float,
    _cat as _cat,
    SEGMENTS as SEGMENTS,
    TALIS_ITEMS as TALIS_ITEMS,
    TALIS_REVERSED as TALIS_REVERSED,
    _TALIS_TEXT as _TALIS_TEXT,
    EXCLUSIONS as EXCLUSIONS,
    FINAL_RESULTS as FINAL_RESULTS,
    _SCHEMA_LIST as _SCHEMA_LIST,
    SCHEMAS as SCHEMAS,
    data_dictionary_markdown as data_dictionary_markdown,
    _schema as _schema,
    infer_kind as infer_kind,
)
from helpers.validate.reading import (
    _lines_text as _lines_text,
    _show as _show,
    _fail as _fail,
    _decode as _decode,
    _read_source as _read_source,
    _parse_records as _parse_records,
    _convert as _convert,
    _with_missing as _with_missing,
    _check_keys as _check_keys,
    _check_rules as _check_rules,
    _check_header as _check_header,
    _ragged as _ragged,
    _clean_header as _clean_header,
    _parse_fast as _parse_fast,
    _parse_careful as _parse_careful,
    _validate_columns as _validate_columns,
    read_csv_validated as read_csv_validated,
    validate_file as validate_file,
    frame_to_csv_text as frame_to_csv_text,
    validate_frame as validate_frame,
)
from helpers.validate.cli import (
    _Parser as _Parser,
    main as main,
)


__all__ = [
    "require_columns",
    "Column",
    "DataValidationError",
    "Rule",
    "SCHEMAS",
    "Schema",
    "UnknownKindError",
    "data_dictionary_markdown",
    "frame_to_csv_text",
    "infer_kind",
    "main",
    "read_csv_validated",
    "validate_file",
    "validate_frame",
]
