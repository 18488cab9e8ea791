"""helpers.validate: one-line errors for every kind of bad input, schemas, and the CLI."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import data
from helpers.validate import (
    SCHEMAS,
    DataValidationError,
    UnknownKindError,
    frame_to_csv_text,
    infer_kind,
    read_csv_validated,
    validate_file,
    validate_frame,
)

BAD = Path(__file__).parent / "bad_data"


def _cases() -> list[dict[str, str]]:
    with open(BAD / "expected.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


CASES = _cases()


def _tiny_text(kind: str) -> str:
    sizes = {
        "support_contacts": dict(n_agents=3, contacts_per_agent=4, n_gamers=1),
        "customer_survey": dict(n_customers=12),
    }[kind]
    return frame_to_csv_text(data.generate(kind, 42, **sizes))


# ---- the bad-input corpus --------------------------------------------------------------


def test_corpus_has_one_file_per_case_and_nothing_else() -> None:
    on_disk = sorted(p.name for p in BAD.glob("*.csv") if p.name != "expected.csv")
    assert on_disk == sorted(c["file"] for c in CASES)
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c["file"].removesuffix(".csv") for c in CASES])
def test_bad_file_gives_one_line_error_naming_file_column_and_line(case: dict[str, str]) -> None:
    path = BAD / case["file"]
    kind = case["file"].split("__")[0]
    with pytest.raises(DataValidationError) as info:
        validate_file(path, kind=kind)
    err = info.value
    msg = str(err)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: ")
    assert err.path == str(path)
    assert case["phrase"] in msg
    if case["column"]:
        assert err.column == case["column"]
        assert case["column"] in msg
    else:
        assert err.column is None
    if case["line"]:
        line = int(case["line"])
        assert line in err.rows
        assert re.search(rf"\blines? (?:[\d, ]*\b)?{line}\b", msg), msg
    else:
        assert err.rows == ()
    assert err._render_traceback_() == [f"DataValidationError: {msg}"]


# ---- unreadable sources ----------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "support_contacts.csv"
    with pytest.raises(DataValidationError, match=r"support_contacts\.csv: file not found$"):
        validate_file(path)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    path = tmp_path / "support_contacts.csv"
    path.mkdir()
    with pytest.raises(DataValidationError, match="is a directory"):
        validate_file(path)


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "support_contacts.csv"
    path.write_text(_tiny_text("support_contacts"), encoding="utf-8")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)  # root can read anything, so simulate it
    with pytest.raises(DataValidationError, match="permission denied") as info:
        validate_file(path)
    assert str(info.value).startswith(str(path))


def test_unknown_kind_lists_the_valid_kinds(tmp_path: Path) -> None:
    with pytest.raises(UnknownKindError) as info:
        read_csv_validated(tmp_path / "x.csv", "no_such_kind")
    for kind in SCHEMAS:
        assert kind in str(info.value)
    with pytest.raises(UnknownKindError, match="cannot infer"):
        infer_kind("mine.csv")
    assert infer_kind("some/dir/lms_activity.csv") == "lms_activity"


# ---- sources, layouts and what is accepted --------------------------------------------


def test_text_bytes_and_path_give_the_same_frame(tmp_path: Path) -> None:
    text = _tiny_text("customer_survey")
    path = tmp_path / "customer_survey.csv"
    path.write_text(text, encoding="utf-8")
    a = read_csv_validated(text, "customer_survey")
    b = read_csv_validated(text.encode("utf-8"), "customer_survey")
    c = validate_file(path)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_harmless_variations_are_accepted(tmp_path: Path) -> None:
    text = _tiny_text("support_contacts")
    ref = read_csv_validated(text, "support_contacts")
    variants = {
        "crlf": text.replace("\n", "\r\n"),
        "bom": "\ufeff" + text,
        "trailing blank lines": text + "\n\n",
    }
    for name, variant in variants.items():
        got = read_csv_validated(variant, "support_contacts", label=name)
        pd.testing.assert_frame_equal(got, ref, obj=name)
    # columns in another order are put back in schema order
    shuffled = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    shuffled = shuffled[list(reversed(shuffled.columns))]
    got = read_csv_validated(shuffled.to_csv(index=False), "support_contacts")
    pd.testing.assert_frame_equal(got, ref)


def test_validated_dtypes_follow_the_schema() -> None:
    for kind, schema in SCHEMAS.items():
        df = data.load(kind)
        assert list(df.columns) == schema.names, kind
        for col in schema.columns:
            assert df[col.name].dtype == pd.Series(dtype=col.pandas_dtype()).dtype, (kind, col.name)


def test_message_shows_at_most_five_lines_and_counts_all() -> None:
    raw = pd.read_csv(pd.io.common.StringIO(_tiny_text("customer_survey")), dtype=str,
                      keep_default_na=False)
    n_bad = 7
    raw.loc[raw.index[:n_bad], "tenure_months"] = "-1"
    with pytest.raises(DataValidationError) as info:
        read_csv_validated(raw.to_csv(index=False), "customer_survey", label="t.csv")
    msg = str(info.value)
    expected_lines = [i + 2 for i in range(n_bad)]
    assert msg.startswith("t.csv: column 'tenure_months'")
    assert f"lines {', '.join(map(str, expected_lines[:5]))}, ... ({n_bad} rows)" in msg
    assert list(info.value.rows) == expected_lines


def test_validate_frame_counts_lines_like_the_csv() -> None:
    df = data.load("support_contacts")
    assert validate_frame(df, "support_contacts").equals(df)
    bad = df.copy()
    bad["handle_time_min"] = bad["handle_time_min"].astype("float64")
    bad.loc[3, "handle_time_min"] = -1.0
    with pytest.raises(DataValidationError) as info:
        validate_frame(bad, "support_contacts", label="my frame")
    assert info.value.rows == (3 + 2,)
    assert str(info.value).startswith("my frame: column 'handle_time_min'")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    row=st.integers(min_value=0, max_value=11),
    col=st.integers(min_value=0, max_value=10),
    value=st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
        st.integers(min_value=-20, max_value=20).map(str),
        st.sampled_from(["", "nan", "inf", "1e9", "0.5", "NA", "2024-13-01", '"', ",", "\n"]),
    ),
)
def test_any_single_cell_corruption_is_valid_or_a_one_line_error(row: int, col: int, value: str) -> None:
    text = _tiny_text("customer_survey")
    records = list(csv.reader(text.splitlines()))
    records[1 + row][col] = value
    lines = []
    for r in records:
        w = []
        for f in r:
            w.append(f'"{f}"' if any(ch in f for ch in ',"\n') and f != '"' else f)
        lines.append(",".join(w))
    corrupted = "\n".join(lines) + "\n"
    try:
        df = read_csv_validated(corrupted, "customer_survey", label="fuzz.csv")
    except DataValidationError as e:
        assert "\n" not in str(e)
        assert str(e).startswith("fuzz.csv: ")
    else:
        assert list(df.columns) == SCHEMAS["customer_survey"].names


# ---- schemas ------------------------------------------------------------------------


def test_schemas_are_well_formed() -> None:
    for kind, schema in SCHEMAS.items():
        names = schema.names
        assert len(names) == len(set(names)), kind
        assert set(schema.key) <= set(names), kind
        for rule in schema.rules:
            assert rule.column in names, (kind, rule.column)
            assert set(rule.show) <= set(names), (kind, rule.show)
        for col in schema.columns:
            assert col.description, (kind, col.name)
            if col.kind == "category":
                assert col.allowed, (kind, col.name)


def test_every_rule_is_exercised_by_a_passing_dataset() -> None:
    """Each row rule holds on the generated data (so it cannot be vacuously wrong)."""
    for kind, schema in SCHEMAS.items():
        df = data.load(kind)
        for rule in schema.rules:
            mask = np.asarray(rule.check(df), dtype=bool)
            assert mask.shape == (len(df),), (kind, rule.message)
            assert not mask.any(), (kind, rule.message)


# ---- command line -----------------------------------------------------------------------


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpers.validate", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )


def test_cli_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "customer_survey.csv"
    text = _tiny_text("customer_survey")
    path.write_text(text, encoding="utf-8")
    n_rows = text.count("\n") - 1
    res = _cli(str(path))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"ok: {path} (customer_survey, {n_rows} rows)"
    assert res.stderr == ""


def _cli_cases(tmp_path: Path) -> list[tuple[tuple[str, ...], int, str]]:
    bad = BAD / "customer_survey__nps_out_of_range.csv"
    mine = tmp_path / "mine.csv"
    mine.write_bytes(bad.read_bytes())
    folder = tmp_path / "lms_activity.csv"
    folder.mkdir()
    return [
        ((str(bad), "--kind", "customer_survey"), 1, "column 'nps'"),
        ((str(bad),), 2, "cannot infer"),
        ((str(mine), "--kind", "customer_survey"), 1, str(mine)),
        ((str(tmp_path / "support_contacts.csv"),), 1, "file not found"),
        ((str(folder),), 1, "is a directory, not a CSV file"),
        ((str(tmp_path),), 2, "cannot infer"),
        ((str(mine),), 2, "cannot infer"),
        ((str(mine), "--kind", "nope"), 2, "unknown dataset kind"),
        ((), 2, "usage"),
        ((str(mine), "--bogus"), 2, "usage"),
    ]


def test_cli_main_exit_codes_and_one_line_errors(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.validate import main

    for args, code, phrase in _cli_cases(tmp_path):
        assert main(list(args)) == code, args
        out, err = capsys.readouterr()
        assert out == "", args
        lines = err.splitlines()
        assert len(lines) == 1, (args, err)
        assert phrase in lines[0], (args, lines[0])


def test_cli_subprocess_invalid_and_usage_errors(tmp_path: Path) -> None:
    cases = _cli_cases(tmp_path)
    for args, code, phrase in (cases[0], cases[-3]):  # one invalid file, one usage error
        res = _cli(*args)
        assert res.returncode == code, (args, res.stderr)
        assert res.stdout == "", args
        lines = res.stderr.splitlines()
        assert len(lines) == 1, (args, res.stderr)
        assert phrase in lines[0], (args, lines[0])
        assert "Traceback" not in res.stderr


def test_error_survives_pickling() -> None:
    import pickle

    err = DataValidationError("column 'x' must be 0 or 1; bad values at line 3 (1 row): 2",
                              path="f.csv", column="x", rows=[3])
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is DataValidationError
    assert (str(back), back.path, back.column, back.rows) == (str(err), "f.csv", "x", (3,))


def test_require_columns_names_what_is_missing() -> None:
    import pandas as pd
    from helpers.validate import require_columns

    frame = pd.DataFrame({"a": [1], "b": [2]})
    require_columns(frame, ["a", "b"], "frame")  # nothing missing: no error
    with pytest.raises(ValueError, match=r"frame is missing column\(s\) c; it has a, b"):
        require_columns(frame, ["a", "c"], "frame")
    with pytest.raises(ValueError, match="must be a pandas DataFrame; got list"):
        require_columns([1, 2], ["a"], "frame")
