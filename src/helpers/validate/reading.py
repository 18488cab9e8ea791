"""Reading a CSV against its schema: decoding, parsing (fast path, careful path), type conversion and the
column, key and row-rule checks that raise :class:`DataValidationError`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.validate.core import Column, DataValidationError, SHOW_LINES, SHOW_VALUES, Schema
from helpers.validate.schemas import _schema, infer_kind


def _lines_text(lines: Sequence[int] | np.ndarray, total: int | None = None) -> str:
    total = len(lines) if total is None else total
    shown = ", ".join(str(int(x)) for x in list(lines)[:SHOW_LINES])
    more = ", ..." if total > SHOW_LINES else ""
    noun = "row" if total == 1 else "rows"
    return f"{'line' if total == 1 else 'lines'} {shown}{more} ({total} {noun})"


def _show(v: object) -> str:
    """A raw field as shown in messages: numbers as they are, other text quoted."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return "(empty)"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    s = str(v)
    if len(s) > 30:
        s = s[:27] + "..."
    try:
        float(s)
        return s
    except ValueError:
        return repr(s)


def _fail(label: str, column: str | None, requirement: str, bad: np.ndarray,
          line_no: np.ndarray, values: Sequence[object] | np.ndarray | None = None,
          what: str = "bad values",
          shown: Sequence[str] | None = None, name_column: bool = True) -> None:
    """Raise the one-line error for the rows where ``bad`` is True.

    The first few offending values are shown from ``values`` (raw fields) or, already
    formatted, from ``shown``; with neither, only the lines are named.
    """
    idx = np.flatnonzero(bad)
    lines = line_no[idx]
    if shown is None and values is not None:
        shown = [_show(values[i]) for i in idx[:SHOW_VALUES]]
    tail = f": {', '.join(shown[:SHOW_VALUES])}" if shown else ""
    col = f"column '{column}' " if column and name_column else ""
    raise DataValidationError(
        f"{col}{requirement}; {what} at {_lines_text(lines)}{tail}",
        path=label,
        column=column,
        rows=lines,
    )


def _decode(raw: bytes, label: str) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise DataValidationError(
            f"not UTF-8 text: byte 0x{raw[e.start]:02x} at line {line} cannot be decoded; "
            "save the file as UTF-8 (CSV UTF-8 in Excel)",
            path=label,
            rows=(line,),
        ) from None


def _read_source(source: str | Path | bytes, label: str | None) -> tuple[str, str]:
    """Return (text, label) for a path, CSV text or bytes."""
    if isinstance(source, bytes):
        label = label or "<bytes>"
        return _decode(source, label), label
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return source.removeprefix("\ufeff"), label or "<text>"
    if not isinstance(source, (str, Path)):
        raise TypeError(f"source must be a path, CSV text or bytes, not {type(source).__name__}")
    path = Path(source)
    label = label or str(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataValidationError("file not found", path=label) from None
    except IsADirectoryError:
        raise DataValidationError("is a directory, not a CSV file", path=label) from None
    except PermissionError:
        raise DataValidationError("cannot read the file: permission denied", path=label) from None
    except OSError as e:
        raise DataValidationError(f"cannot read the file: {e.strerror or e}", path=label) from None
    return _decode(raw, label), label


def _parse_records(text: str, label: str) -> tuple[list[list[str]], list[int]]:
    """CSV records and the file line on which each starts; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    lines: list[int] = []
    prev = 0
    try:
        for rec in reader:
            start = prev + 1
            prev = reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            records.append(rec)
            lines.append(start)
    except csv.Error as e:
        raise DataValidationError(
            f"cannot parse the CSV at line {reader.line_num}: {e}", path=label,
            rows=(reader.line_num,),
        ) from None
    return records, lines


def _convert(col: Column, raw: np.ndarray, line_no: np.ndarray, label: str) -> object:
    """Convert one column of raw strings, raising on the first kind of problem."""
    null = raw == ""
    if not col.nullable and null.any():
        _fail(label, col.name, "must not be empty", null, line_no, what="empty fields")
    kind = col.kind
    if kind in ("int", "float"):
        try:  # fast path: Python's float() parses every field (empty fields as NaN)
            num = np.fromiter(map(float, np.where(null, "nan", raw)), dtype="float64",
                              count=len(raw))
        except ValueError:  # some field is not a number: parse leniently to find it
            num = np.asarray(pd.to_numeric(raw, errors="coerce"), dtype="float64")
        with np.errstate(invalid="ignore"):
            bad = ~null & ~np.isfinite(num)
            if kind == "int":
                bad |= ~null & (num != np.round(num))
            ok = ~null & ~bad
            if col.min is not None:
                bad |= ok & ((num <= col.min) if col.min_exclusive else (num < col.min))
            if col.max is not None:
                bad |= ok & (num > col.max)
        if bad.any():
            _fail(label, col.name, f"must be {col.requirement()}", bad, line_no, raw)
        if kind == "float":
            return num
        values = np.where(null, 0, num).astype("int64")
        if col.nullable:
            return pd.arrays.IntegerArray(values, null.copy())
        return values
    if kind == "bool":
        one = raw == "1"
        bad = ~null & ~one & (raw != "0")
        if bad.any():
            _fail(label, col.name, f"must be {col.requirement()}", bad, line_no, raw)
        values = one.astype("int64")
        if col.nullable:
            return pd.arrays.IntegerArray(values, null.copy())
        return values
    if kind == "category":
        codes = pd.Index(list(col.allowed)).get_indexer(raw)
        bad = ~null & (codes == -1)
        if bad.any():
            _fail(label, col.name, f"must be {col.requirement()}", bad, line_no, raw)
        return pd.Categorical.from_codes(codes, categories=list(col.allowed), ordered=col.ordered)
    if kind in ("date", "month"):
        width, fmt = (10, "%Y-%m-%d") if kind == "date" else (7, "%Y-%m")
        parsed = pd.to_datetime(pd.Series(raw, dtype=object), format=fmt, errors="coerce")
        lengths = np.frompyfunc(len, 1, 1)(raw).astype("int64")
        bad = ~null & (parsed.isna().to_numpy() | (lengths != width))
        if bad.any():
            _fail(label, col.name, f"must be {col.requirement()}", bad, line_no, raw)
        if kind == "date":
            return parsed.astype("datetime64[us]").to_numpy()
        return pd.array(_with_missing(raw, null), dtype="str")
    return pd.array(_with_missing(raw, null), dtype="str")


def _with_missing(raw: np.ndarray, null: np.ndarray) -> np.ndarray:
    """``raw`` as objects with None where ``null``."""
    out = np.asarray(raw, dtype=object).copy()
    out[null] = None
    return out


def _check_keys(schema: Schema, df: pd.DataFrame, line_no: np.ndarray, label: str) -> None:
    key = list(schema.key)
    dup = df.duplicated(subset=key, keep=False).to_numpy()
    if not dup.any():
        return
    full = df.duplicated(keep=False).to_numpy()
    key_text = " + ".join(key)
    keys = df[key].astype(str).agg("/".join, axis=1).to_numpy() if len(key) > 1 else df[key[0]].to_numpy()
    if (dup & full).any():
        _fail(label, key[0], f"duplicate records: the same row appears more than once "
              f"(key {key_text})", dup & full, line_no, keys, what="repeated rows",
              name_column=False)
    _fail(label, key[0], f"duplicate key: each {key_text} must appear once", dup, line_no, keys,
          what="duplicates", name_column=False)


def _check_rules(schema: Schema, df: pd.DataFrame, line_no: np.ndarray, label: str) -> None:
    for rule in schema.rules:
        bad = np.asarray(rule.check(df), dtype=bool)
        if bad.any():
            show = rule.show or (rule.column,)
            idx = np.flatnonzero(bad)[:SHOW_VALUES]
            sub = df.iloc[idx]
            texts = [" ".join(f"{c}={_show(sub[c].iloc[i])}" for c in show) for i in range(len(idx))]
            _fail(label, rule.column, rule.message, bad, line_no, what="bad rows", shown=texts)


def _check_header(header: list[str], header_line: int, schema: Schema, label: str) -> None:
    expected = schema.names
    seen: set[str] = set()
    repeated = [h for h in header if h in seen or seen.add(h)]  # type: ignore[func-returns-value]
    if repeated:
        raise DataValidationError(
            f"column '{repeated[0]}' appears more than once in the header (line {header_line})",
            path=label, column=repeated[0], rows=(header_line,))
    missing = [c for c in expected if c not in header]
    if missing:
        raise DataValidationError(
            f"missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)} in the header (line {header_line}); "
            f"expected columns: {', '.join(expected)}",
            path=label, column=missing[0], rows=(header_line,))
    extra = [c for c in header if c not in expected]
    if extra:
        raise DataValidationError(
            f"unexpected column{'s' if len(extra) > 1 else ''} "
            f"{', '.join(repr(c) for c in extra)} in the header (line {header_line}); "
            f"expected columns: {', '.join(expected)}",
            path=label, column=extra[0], rows=(header_line,))


def _ragged(widths: np.ndarray, n: int, line_no: np.ndarray, label: str) -> None:
    bad = widths != n
    if bad.any():
        idx = np.flatnonzero(bad)
        shown = ", ".join(f"{widths[i]} fields" for i in idx[:SHOW_VALUES])
        raise DataValidationError(
            f"wrong number of fields (the header has {n}); bad rows at "
            f"{_lines_text(line_no[idx])}: {shown}",
            path=label, rows=line_no[idx])


def _clean_header(fields: list[str]) -> list[str]:
    header = [h.strip() for h in fields]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:].strip()
    return header


def _parse_fast(text: str, schema: Schema, label: str
                ) -> tuple[list[str], dict[str, np.ndarray], np.ndarray] | None:
    """Parse plain CSV text (no quotes, no blank lines) with pandas' C reader.

    Returns None whenever the text needs the careful path (quotes, blank or whitespace-only
    lines, ragged rows, ...): that path finds and names the offending lines.
    """
    if '"' in text or text.startswith(("\n", "\r")):
        return None
    body = text.rstrip("\r\n")
    if "\r" in body.replace("\r\n", "") or "\n\n" in body or "\n\r\n" in body:
        return None
    first = body.split("\n", 1)[0].rstrip("\r")
    header = _clean_header(first.split(","))
    _check_header(header, 1, schema, label)
    try:
        frame = pd.read_csv(io.StringIO(body), dtype=str, na_filter=False, header=0,
                            engine="c")
    except (pd.errors.ParserError, ValueError):
        return None
    n = len(header)
    if frame.shape[1] != n or len(frame) == 0:
        return None
    # the C reader rejects long rows; equal comma totals then rule out short ones
    if body.count(",") != (len(frame) + 1) * (n - 1):
        return None
    columns = {h: frame.iloc[:, i].to_numpy(dtype=object) for i, h in enumerate(header)}
    return header, columns, np.arange(2, len(frame) + 2, dtype="int64")


def _parse_careful(text: str, schema: Schema, label: str
                   ) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """Parse any CSV text with the csv module, tracking the line each record starts on."""
    records, lines = _parse_records(text, label)
    if not records:
        raise DataValidationError(
            f"file is empty; expected a header line: {','.join(schema.names)}", path=label)
    header = _clean_header(records[0])
    _check_header(header, lines[0], schema, label)
    data = records[1:]
    if not data:
        raise DataValidationError(
            f"no data rows: the file has only a header line ({len(header)} columns)", path=label)
    line_no = np.asarray(lines[1:], dtype="int64")
    widths = np.fromiter((len(r) for r in data), dtype="int64", count=len(data))
    _ragged(widths, len(header), line_no, label)
    columns = dict(zip(header, (np.array(c, dtype=object) for c in zip(*data))))
    return header, columns, line_no


def _validate_columns(columns: dict[str, np.ndarray], line_no: np.ndarray, schema: Schema,
                      label: str) -> pd.DataFrame:
    out: dict[str, object] = {}
    for col in schema.columns:
        out[col.name] = _convert(col, columns[col.name], line_no, label)
    df = pd.DataFrame(out)
    _check_keys(schema, df, line_no, label)
    _check_rules(schema, df, line_no, label)
    return df


def read_csv_validated(source: str | Path | bytes, kind: str, label: str | None = None) -> pd.DataFrame:
    """Read a CSV file (path), CSV text (a str containing a newline) or bytes, and validate it.

    Returns a typed frame in schema column order: integers as ``int64`` (``Int64`` when
    nullable), 0/1 flags as integers, categories as ``category``, dates as ``datetime64``,
    months and identifiers as ``str``. Raises :class:`DataValidationError` on the first
    problem, naming ``label`` (default: the path) and file line numbers.
    """
    schema = _schema(kind)
    text, label = _read_source(source, label)
    if not text.strip():
        raise DataValidationError(
            f"file is empty; expected a header line: {','.join(schema.names)}", path=label)
    parsed = _parse_fast(text, schema, label)
    if parsed is None:
        parsed = _parse_careful(text, schema, label)
    _, columns, line_no = parsed
    return _validate_columns(columns, line_no, schema, label)


def validate_file(path: str | Path, kind: str | None = None) -> pd.DataFrame:
    """Validate a CSV file; ``kind`` defaults to the file's stem (``x/support_contacts.csv``)."""
    kind = kind or infer_kind(path)
    return read_csv_validated(Path(path), kind, label=str(path))


def frame_to_csv_text(df: pd.DataFrame) -> str:
    """The CSV text the workbook writes for a frame: no index, ``\\n`` line ends, ISO dates,
    empty fields for nulls and the shortest round-trip representation of floats."""
    return df.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")


def validate_frame(df: pd.DataFrame, kind: str, label: str | None = None) -> pd.DataFrame:
    """Validate a frame by writing it as CSV text and reading it back.

    Line numbers in errors refer to that CSV text: row ``i`` (0-based) is line ``i + 2``.
    Returns the validated, typed frame.
    """
    return read_csv_validated(frame_to_csv_text(df), kind, label=label or f"<{kind} frame>")
