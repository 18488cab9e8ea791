"""Rebuild the bad-input corpus: ``python tests/bad_data/make_bad_data.py``.

Each file is a tiny valid dataset (seed 42) with ONE thing broken, named
``<kind>__<what_is_wrong>.csv``. ``expected.csv`` records, for every file, the column the
validator must name (empty for whole-file problems), the file line it must name (empty when
no line applies) and a phrase its message must contain. The expectations are computed here,
from the edit that breaks the file, not typed in by hand.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from helpers import data
from helpers.validate import frame_to_csv_text

HERE = Path(__file__).resolve().parent

TINY = {
    "support_contacts": dict(n_agents=2, contacts_per_agent=4, n_gamers=1),
    "customer_survey": dict(n_customers=8),
    "customer_accounts": dict(n_customers=3, n_months=4),
    "student_terms": dict(n_students=3),
    "enrollment_funnel": dict(n_per_cohort=8, n_cohorts=1),
    "assessments": dict(n_sections=4, students_per_section=3),
    "lms_activity": dict(n_students=4, n_weeks=6),
    "educator_survey": dict(n_schools=2, teachers_per_school=3),
    "product_usage": dict(n_customers=2, n_weeks=3, release_week=1),
}


def rows(kind: str) -> list[list[str]]:
    """The tiny valid dataset as a list of CSV records (header first)."""
    text = frame_to_csv_text(data.generate(kind, 42, **TINY[kind]))
    return [r for r in csv.reader(text.splitlines())]


def to_text(records: list[list[str]]) -> str:
    return "".join(",".join(r) + "\n" for r in records)


def set_field(records: list[list[str]], line: int, column: str, value: str) -> None:
    records[line - 1][records[0].index(column)] = value


def first_line(records: list[list[str]], pred: Callable[[dict[str, str]], bool]) -> int:
    """File line number (header = 1) of the first record matching ``pred``."""
    header = records[0]
    for i, r in enumerate(records[1:], start=2):
        if pred(dict(zip(header, r))):
            return i
    raise LookupError("no record matches")


CASES: list[tuple[str, str | None, int | None, str]] = []  # (file, column, line, phrase)


def case(name: str, content: str | bytes, column: str | None, line: int | None, phrase: str) -> None:
    path = HERE / f"{name}.csv"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    CASES.append((path.name, column, line, phrase))


def build() -> None:
    for old in HERE.glob("*.csv"):
        old.unlink()
    CASES.clear()

    sc = rows("support_contacts")
    header = sc[0]
    case("support_contacts__empty_file", "", None, None, "empty")
    case("support_contacts__header_only", to_text(sc[:1]), None, None, "no data rows")

    r = rows("support_contacts")
    r[4] = r[4] + ["extra"]
    case("support_contacts__row_with_extra_field", to_text(r), None, 5, "wrong number of fields")
    r = rows("support_contacts")
    r[6] = r[6][:-1]
    case("support_contacts__row_with_missing_field", to_text(r), None, 7, "wrong number of fields")
    r = rows("support_contacts")
    r[3][header.index("agent_id")] = '"AG01'
    text = to_text(r)
    case("support_contacts__unbalanced_quote", text, None, 4, "wrong number of fields")

    for name, column, line, value, phrase in [
        ("text_in_integer_column", "transfers", 3, "abc", "must be an integer"),
        ("fraction_in_integer_column", "transfers", 6, "1.5", "must be an integer"),
        ("negative_handle_time", "handle_time_min", 4, "-3.5", "must be a number > 0"),
        ("csat_zero", "csat", 8, "0", "must be an integer 1-5"),
        ("flag_not_0_or_1", "resolved_first_contact", 5, "2", "must be 0 or 1"),
        ("unknown_channel", "channel", 9, "fax", "must be one of"),
        ("impossible_date", "date", 2, "2024-02-30", "must be a date"),
        ("date_in_wrong_format", "date", 7, "03/27/2024", "must be a date"),
        ("empty_agent_id", "agent_id", 6, "", "must not be empty"),
    ]:
        r = rows("support_contacts")
        set_field(r, line, column, value)
        case(f"support_contacts__{name}", to_text(r), column, line, phrase)

    r = rows("support_contacts")
    r[5][0] = r[4][0]  # line 6 reuses the contact_id of line 5
    case("support_contacts__duplicate_key", to_text(r), "contact_id", 6, "duplicate key")
    r = rows("support_contacts")
    r.insert(4, list(r[3]))  # line 5 repeats line 4 exactly
    case("support_contacts__duplicate_record", to_text(r), "contact_id", 5, "duplicate records")

    cs = rows("customer_survey")
    r = rows("customer_survey")
    resp = [i for i in range(2, len(r) + 1) if r[i - 1][cs[0].index("responded")] == "1"]
    set_field(r, resp[0], "nps", "11")
    set_field(r, resp[-1], "nps", "-1")
    case("customer_survey__nps_out_of_range", to_text(r), "nps", resp[0], "must be an integer 0-10")
    r = rows("customer_survey")
    line = first_line(r, lambda d: d["responded"] == "0")
    set_field(r, line, "nps", "9")
    case("customer_survey__score_without_response", to_text(r), "nps", line, "responded is 0")
    r = [row[: cs[0].index("nps")] + row[cs[0].index("nps") + 1:] for row in rows("customer_survey")]
    case("customer_survey__missing_column_nps", to_text(r), "nps", 1, "missing column")
    r = [row + ["comment" if i == 0 else "ok"] for i, row in enumerate(rows("customer_survey"))]
    case("customer_survey__unexpected_extra_column", to_text(r), "comment", 1, "unexpected column")
    r = rows("customer_survey")
    set_field(r, 5, "segment", "\u00c9tudiants")
    raw = to_text(r).encode("latin-1")
    case("customer_survey__latin1_encoding", raw, None, 5, "not UTF-8")

    r = rows("student_terms")
    line = first_line(r, lambda d: d["term_index"] == "1")
    set_field(r, line, "term", str(int(r[line - 1][r[0].index("cohort_year")]) - 1))
    case("student_terms__term_before_cohort_year", to_text(r), "term", line, "cohort_year + term_index")

    r = rows("customer_accounts")
    a = first_line(r, lambda d: d["month"] == "2023-02")
    r[a - 1], r[a] = r[a], r[a - 1]  # swap months 2023-02 and 2023-03 of the first customer
    case("customer_accounts__months_go_backwards", to_text(r), "month", a + 1, "goes backwards")

    r = rows("enrollment_funnel")
    line = first_line(r, lambda d: d["applied"] == "0")
    set_field(r, line, "admitted", "1")
    case("enrollment_funnel__admitted_without_applying", to_text(r), "admitted", line,
         "later stage implies")

    r = rows("assessments")
    set_field(r, 4, "dropped", "1")
    case("assessments__post_score_for_dropped_student", to_text(r), "post_score", 4,
         "dropped is 1")

    r = rows("lms_activity")
    line = first_line(r, lambda d: d["withdrawal_week"] != "")
    wd = r[line - 1][r[0].index("withdrawal_week")]
    last = max(i for i in range(2, len(r) + 1) if r[i - 1][0] == r[line - 1][0])
    extra = list(r[last - 1])
    extra[r[0].index("week")] = str(int(wd) + 1)
    r.insert(last, extra)
    case("lms_activity__activity_after_withdrawal", to_text(r), "week", last + 1,
         "after the student's withdrawal_week")

    r = rows("educator_survey")
    line = first_line(r, lambda d: d["responded"] == "1")
    set_field(r, line, "school_enjoy", "5")
    case("educator_survey__item_out_of_range", to_text(r), "school_enjoy", line,
         "must be an integer 1-4")

    r = rows("product_usage")
    set_field(r, 3, "week", "2024-01-02")
    case("product_usage__week_not_a_monday", to_text(r), "week", 3, "must be a Monday")

    with open(HERE / "expected.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "column", "line", "phrase"])
        for name, column, line, phrase in CASES:
            w.writerow([name, column or "", "" if line is None else line, phrase])


if __name__ == "__main__":
    build()
    print(f"wrote {len(CASES)} bad files and expected.csv to {HERE}")
