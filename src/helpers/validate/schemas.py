"""The per-dataset schemas (:data:`SCHEMAS`), their shared vocabularies (segments, TALIS items, exclusions,
final results) and the data dictionary built from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.validate.core import (
    Column,
    Rule,
    Schema,
    UnknownKindError,
    _backwards,
    _decreases,
    _f,
    _first_in_group,
    _gap,
    _isnull,
    _last_in_group,
    _month_number,
    _not_constant,
)


def _implies(a: str, b: str) -> Rule:
    """Stage ``a`` = 1 requires stage ``b`` = 1 (funnel monotone)."""
    return Rule(
        a,
        f"is 1 but {b} is 0 (a later stage implies the earlier ones)",
        lambda df: (_f(df, a) == 1) & (_f(df, b) == 0),
        (a, b),
    )


def _null_iff(col: str, flag: str, flag_value: int, what: str) -> Rule:
    """``col`` is null exactly when ``flag == flag_value``."""

    def check(df: pd.DataFrame) -> np.ndarray:
        return _isnull(df, col) != (_f(df, flag) == flag_value)

    return Rule(col, f"must be empty exactly when {flag} is {flag_value} ({what})", check, (col, flag))


def _null_if(col: str, flag: str, flag_value: int) -> Rule:
    return Rule(
        col,
        f"must be empty when {flag} is {flag_value}",
        lambda df: ~_isnull(df, col) & (_f(df, flag) == flag_value),
        (col, flag),
    )


# ---- column shorthands ---------------------------------------------------------------


def _id(name: str, what: str) -> Column:
    return Column(name, "str", what)


def _flag(name: str, what: str, nullable: bool = False) -> Column:
    return Column(name, "bool", what, nullable=nullable)


def _int(name: str, what: str, lo: float | None = None, hi: float | None = None, unit: str = "",
         nullable: bool = False) -> Column:
    return Column(name, "int", what, unit=unit, min=lo, max=hi, nullable=nullable)


def _float(name: str, what: str, lo: float | None = None, hi: float | None = None,
           unit: str = "", nullable: bool = False, min_exclusive: bool = False) -> Column:
    return Column(name, "float", what, unit=unit, min=lo, max=hi, nullable=nullable,
                  min_exclusive=min_exclusive)


def _cat(name: str, what: str, allowed: Sequence[str], ordered: bool = False) -> Column:
    return Column(name, "category", what, allowed=tuple(allowed), ordered=ordered)


SEGMENTS = ("SMB", "Mid-market", "Enterprise")
TALIS_ITEMS = (
    "prof_advantages",
    "prof_choose_again",
    "prof_regret",
    "prof_other_profession",
    "school_change",
    "school_enjoy",
    "school_recommend",
    "job_satisfied_overall",
)
#: TALIS items worded negatively: agreeing means LESS satisfied (reverse before scoring).
TALIS_REVERSED = ("prof_regret", "prof_other_profession", "school_change")
_TALIS_TEXT = {
    "prof_advantages": "The advantages of being a teacher clearly outweigh the disadvantages",
    "prof_choose_again": "If I could decide again, I would still choose to work as a teacher",
    "prof_regret": "I regret that I decided to become a teacher (reversed)",
    "prof_other_profession": "I wonder whether it would have been better to choose another "
    "profession (reversed)",
    "school_change": "I would like to change to another school if that were possible (reversed)",
    "school_enjoy": "I enjoy working at this school",
    "school_recommend": "I would recommend this school as a good place to work",
    "job_satisfied_overall": "All in all, I am satisfied with my job",
}
EXCLUSIONS = ("none", "death", "permanent_disability", "military", "foreign_aid", "church_mission")
FINAL_RESULTS = ("Distinction", "Pass", "Fail", "Withdrawn")

_SCHEMA_LIST: list[Schema] = [
    Schema(
        "support_contacts",
        "one row per customer-support contact (one quarter)",
        (
            _id("contact_id", "contact identifier"),
            Column("date", "date", "date the contact was opened"),
            _id("agent_id", "agent who handled the contact"),
            _cat("team", "support team of the agent", ("Billing", "Technical", "Accounts", "Onboarding")),
            _cat("channel", "contact channel", ("phone", "chat", "email")),
            _float("handle_time_min", "handle time of the contact", 0, 600, "minutes", min_exclusive=True),
            _int("transfers", "times the contact was transferred to another agent", 0, 10),
            _flag("resolved_first_contact", "1 if the issue was resolved in this contact (FCR)"),
            _flag("repeat_within_7d", "1 if the same customer contacted again within 7 days "
                  "about the same issue (failure demand)"),
            _int("csat", "post-contact satisfaction, 1 = very dissatisfied, 5 = very satisfied; "
                 "empty if the customer did not answer", 1, 5, "1-5 scale", nullable=True),
            _int("ces", "Customer Effort Score 2.0: 'the company made it easy to handle my "
                 "issue', 1 = strongly disagree, 7 = strongly agree (higher is better); empty "
                 "if not answered", 1, 7, "1-7 scale", nullable=True),
        ),
        ("contact_id",),
        (
            Rule("ces", "must be empty when csat is empty (CES is asked after CSAT)",
                 lambda df: ~_isnull(df, "ces") & _isnull(df, "csat"), ("ces", "csat")),
        ),
    ),
    Schema(
        "customer_survey",
        "one row per customer invited to the relationship survey",
        (
            _id("customer_id", "customer identifier"),
            _cat("segment", "customer segment", SEGMENTS),
            _int("tenure_months", "months since the customer signed up", 0, 600, "months"),
            _flag("resolved_case", "1 if the customer's last support case was resolved"),
            _flag("coached_by_agent", "1 if the last case was handled by an agent who asks "
                  "customers to 'rate me 9 or 10'"),
            _flag("responded", "1 if the customer answered the survey"),
            _int("nps", "likelihood to recommend, 0-10 (promoters 9-10, passives 7-8, "
                 "detractors 0-6); empty if not responded", 0, 10, "0-10 scale", nullable=True),
            _int("csat", "satisfaction 1-5; empty if not responded or skipped", 1, 5,
                 "1-5 scale", nullable=True),
            _int("ces", "CES 2.0 ease 1-7 (higher is easier); empty if not responded or "
                 "skipped", 1, 7, "1-7 scale", nullable=True),
            _float("true_satisfaction", "simulation only: the latent satisfaction of EVERY "
                   "invited customer (unobservable in real life)", 0, 10, "0-10 scale"),
            _flag("churned_next_quarter", "1 if the customer left in the following quarter "
                  "(known for every invited customer)"),
        ),
        ("customer_id",),
        (
            _null_iff("nps", "responded", 0, "only respondents give a score"),
            _null_if("csat", "responded", 0),
            _null_if("ces", "responded", 0),
        ),
    ),
    Schema(
        "customer_accounts",
        "one row per customer per month while the customer is with the company "
        "(from the first month in the window to the month they churn)",
        (
            _id("customer_id", "customer identifier"),
            Column("month", "month", "calendar month"),
            _cat("segment", "customer segment", SEGMENTS),
            _cat("plan", "subscription plan", ("Essentials", "Premier")),
            _cat("region", "sales region", ("North", "South", "East", "West")),
            _flag("active", "1 if still a customer at the end of the month (0 only in the "
                  "churn month)"),
            _flag("new_this_month", "1 in the month the customer was acquired"),
            _flag("churned_this_month", "1 in the month the customer cancelled"),
            _float("revenue", "revenue billed in the month", 0, None, "currency units"),
            _float("cost_to_serve", "cost of serving the customer in the month (support, "
                   "hosting, account management)", 0, None, "currency units"),
            _float("acquisition_cost", "cost of acquiring the customer, on the customer's "
                   "first row only (also for customers acquired before the window)", 0, None,
                   "currency units", nullable=True),
        ),
        ("customer_id", "month"),
        (
            Rule("active", "must be 0 exactly in the churn month (active = 1 - churned_this_month)",
                 lambda df: _f(df, "active") + _f(df, "churned_this_month") != 1,
                 ("active", "churned_this_month")),
            Rule("churned_this_month", "cannot be 1 in the month the customer is new",
                 lambda df: (_f(df, "new_this_month") == 1) & (_f(df, "churned_this_month") == 1),
                 ("new_this_month", "churned_this_month")),
            Rule("month", "goes backwards for a customer (each customer's rows must be in "
                 "month order)",
                 lambda df: _backwards(df, "customer_id", _month_number(df, "month")),
                 ("customer_id", "month")),
            Rule("month", "skips months for a customer (rows must be consecutive months)",
                 lambda df: _gap(df, "customer_id", _month_number(df, "month")),
                 ("customer_id", "month")),
            Rule("new_this_month", "can be 1 only on the customer's first row",
                 lambda df: (_f(df, "new_this_month") == 1) & ~_first_in_group(df, "customer_id"),
                 ("customer_id", "month")),
            Rule("churned_this_month", "can be 1 only on the customer's last row",
                 lambda df: (_f(df, "churned_this_month") == 1) & ~_last_in_group(df, "customer_id"),
                 ("customer_id", "month")),
            Rule("acquisition_cost", "must be given on the customer's first row and only there",
                 lambda df: _isnull(df, "acquisition_cost") == _first_in_group(df, "customer_id"),
                 ("customer_id", "month", "acquisition_cost")),
            Rule("segment", "must be the same on every row of a customer",
                 lambda df: _not_constant(df, "customer_id", "segment"), ("customer_id", "segment")),
            Rule("plan", "must be the same on every row of a customer",
                 lambda df: _not_constant(df, "customer_id", "plan"), ("customer_id", "plan")),
        ),
    ),
    Schema(
        "product_usage",
        "one row per customer per week (Monday) around the launch of a self-service path",
        (
            Column("week", "date", "Monday of the week"),
            _id("customer_id", "customer identifier"),
            _flag("used_old_path", "1 if the customer used the old (assisted) path this week"),
            _flag("used_new_self_service_path", "1 if the customer used the new self-service "
                  "path this week"),
            _int("support_contacts", "support contacts opened by the customer this week", 0, 100),
            _int("tasks_completed", "tasks the customer completed in the product this week", 0, 10_000),
        ),
        ("customer_id", "week"),
        (
            Rule("week", "must be a Monday",
                 lambda df: (df["week"].dt.day_of_week != 0).to_numpy(), ("week",)),
        ),
    ),
    Schema(
        "release_log",
        "one row per week: what the product team shipped (output)",
        (
            Column("week", "date", "Monday of the week"),
            _int("features_shipped", "features released this week", 0, 1000),
            _int("help_articles_published", "self-service help articles published this week", 0, 1000),
            _flag("self_service_release", "1 in the week the new self-service path was released"),
        ),
        ("week",),
        (
            Rule("week", "must be a Monday",
                 lambda df: (df["week"].dt.day_of_week != 0).to_numpy(), ("week",)),
            Rule("week", "must increase from row to row",
                 lambda df: np.r_[False, np.diff(df["week"].to_numpy().astype("int64")) <= 0],
                 ("week",)),
        ),
    ),
    Schema(
        "customer_journey",
        "one row per customer: pass/fail on five moments of truth in the first year, and churn",
        (
            _id("customer_id", "customer identifier"),
            _cat("segment", "customer segment", SEGMENTS),
            _flag("onboarding_complete", "1 if onboarding was completed within 30 days"),
            _flag("first_value_within_14d", "1 if the customer reached their first successful "
                  "outcome with the product within 14 days"),
            _flag("first_support_case_resolved", "1 if the customer's first support case was "
                  "resolved at first contact"),
            _flag("admin_trained", "1 if the customer's administrator completed training"),
            _flag("renewal_review_held", "1 if a success review was held before renewal"),
            _int("csat_onboarding", "satisfaction with onboarding, 1-5", 1, 5, "1-5 scale"),
            _flag("churned", "1 if the customer did not renew after the first year"),
        ),
        ("customer_id",),
    ),
    Schema(
        "enrollment_funnel",
        "one row per prospective student in the admissions CRM",
        (
            _id("applicant_id", "prospect identifier"),
            _int("cohort_year", "fall term the prospect would enter", 1990, 2100, "year"),
            _cat("source", "how the prospect first reached the institution",
                 ("web", "school_visit", "referral", "college_fair")),
            _flag("first_generation", "1 if neither parent holds a bachelor's degree"),
            _flag("pell", "1 if Pell-eligible (from the FAFSA); empty for prospects who never "
                  "applied", nullable=True),
            _cat("residency", "residency for tuition", ("in-state", "out-of-state", "international")),
            _flag("inquired", "1 if the prospect asked for information"),
            _flag("applied", "1 if the prospect submitted an application"),
            _flag("admitted", "1 if admitted"),
            _flag("deposited", "1 if an enrollment deposit was paid"),
            _flag("enrolled_census", "1 if enrolled on the fall census date"),
            _flag("melted", "1 if deposited but not enrolled at census (summer melt)"),
        ),
        ("applicant_id",),
        (
            _implies("applied", "inquired"),
            _implies("admitted", "applied"),
            _implies("deposited", "admitted"),
            _implies("enrolled_census", "deposited"),
            Rule("melted", "must be 1 exactly when deposited is 1 and enrolled_census is 0",
                 lambda df: _f(df, "melted") != ((_f(df, "deposited") == 1)
                                                 & (_f(df, "enrolled_census") == 0)),
                 ("melted", "deposited", "enrolled_census")),
            _null_iff("pell", "applied", 0, "Pell eligibility is known only from an application"),
        ),
    ),
    Schema(
        "student_terms",
        "one row per first-time, degree-seeking student per fall term since entry "
        "(students who withdrew before the first census date have only their entry row)",
        (
            _id("student_id", "student identifier"),
            _int("cohort_year", "fall term of entry", 1990, 2100, "year"),
            _int("term", "fall term of this row", 1990, 2110, "year"),
            _int("term_index", "years since entry (0 = entry fall, 1 = second fall, ...)", 0, 20),
            _cat("attendance", "attendance status at entry (defines the IPEDS cohort)",
                 ("full-time", "part-time")),
            _flag("first_generation", "1 if neither parent holds a bachelor's degree"),
            _flag("pell", "1 if a Pell grant recipient at entry"),
            _flag("enrolled", "1 if enrolled at THIS institution on this fall's census date"),
            _flag("enrolled_elsewhere", "1 if enrolled at another institution this fall "
                  "(National Student Clearinghouse match)"),
            _flag("transferred_out", "1 from the first fall the student is found at another "
                  "institution"),
            _flag("completed", "1 if the student has completed a bachelor's degree at this "
                  "institution by this fall (cumulative)"),
            _cat("exclusion", "IPEDS allowable exclusion, from the fall after it happened (kept if "
                 "the student re-enrolls after military, foreign aid or church service)",
                 EXCLUSIONS),
            _flag("withdrew_before_census", "1 on the entry row of a student who withdrew "
                  "before the first census date (not in the IPEDS cohort)"),
        ),
        ("student_id", "term_index"),
        (
            Rule("term", "must equal cohort_year + term_index (a term before the cohort year is "
                 "impossible)",
                 lambda df: _f(df, "term") != _f(df, "cohort_year") + _f(df, "term_index"),
                 ("term", "cohort_year", "term_index")),
            Rule("enrolled_elsewhere", "cannot be 1 when enrolled is 1",
                 lambda df: (_f(df, "enrolled") == 1) & (_f(df, "enrolled_elsewhere") == 1),
                 ("enrolled", "enrolled_elsewhere")),
            Rule("transferred_out", "must be 1 when enrolled_elsewhere is 1",
                 lambda df: (_f(df, "enrolled_elsewhere") == 1) & (_f(df, "transferred_out") == 0),
                 ("enrolled_elsewhere", "transferred_out")),
            Rule("enrolled", "must be 0 once the student has completed",
                 lambda df: (_f(df, "completed") == 1) & (_f(df, "enrolled") == 1),
                 ("enrolled", "completed")),
            Rule("enrolled", "must be 0 once death or permanent_disability applies (a student "
                 "back from service may re-enroll)",
                 lambda df: df["exclusion"].isin(("death", "permanent_disability")).to_numpy()
                 & (_f(df, "enrolled") == 1),
                 ("enrolled", "exclusion")),
            Rule("withdrew_before_census", "can be 1 only on the entry row (term_index 0) with "
                 "enrolled 0",
                 lambda df: (_f(df, "withdrew_before_census") == 1)
                 & ((_f(df, "term_index") != 0) | (_f(df, "enrolled") == 1)),
                 ("withdrew_before_census", "term_index", "enrolled")),
            Rule("enrolled", "must be 1 on the entry row of a student in the cohort",
                 lambda df: (_f(df, "term_index") == 0) & (_f(df, "withdrew_before_census") == 0)
                 & (_f(df, "enrolled") == 0),
                 ("enrolled", "term_index", "withdrew_before_census")),
            Rule("term_index", "goes backwards for a student (each student's rows must be in "
                 "term order)",
                 lambda df: _backwards(df, "student_id", _f(df, "term_index")),
                 ("student_id", "term_index")),
            Rule("completed", "goes from 1 back to 0 for a student (completion is cumulative)",
                 lambda df: _decreases(df, "student_id", _f(df, "completed")),
                 ("student_id", "term_index", "completed")),
            Rule("cohort_year", "must be the same on every row of a student",
                 lambda df: _not_constant(df, "student_id", "cohort_year"),
                 ("student_id", "cohort_year")),
        ),
    ),
    Schema(
        "lms_activity",
        "one row per student per course week while enrolled (rows stop after the week a "
        "student withdraws)",
        (
            _id("student_id", "student identifier"),
            _id("course_id", "course (module) code"),
            _int("week", "course week", 1, 52),
            _int("clicks", "clicks in the virtual learning environment this week", 0, 100_000),
            _int("sessions", "separate log-in sessions this week", 0, 1000),
            _int("posts", "forum posts this week", 0, 1000),
            _int("submissions", "assignments or quizzes submitted this week", 0, 100),
            _flag("active", "1 if the student had any activity (clicks > 0) this week"),
            _cat("final_result", "final result of the course (illustrative mix modelled after "
                 "the OULAD dataset)", FINAL_RESULTS, ordered=True),
            _int("withdrawal_week", "week the student withdrew; empty unless final_result is "
                 "Withdrawn", 1, 52, nullable=True),
        ),
        ("student_id", "week"),
        (
            Rule("active", "must be 1 exactly when clicks > 0",
                 lambda df: _f(df, "active") != (_f(df, "clicks") > 0), ("active", "clicks")),
            Rule("sessions", "cannot exceed clicks",
                 lambda df: _f(df, "sessions") > _f(df, "clicks"), ("sessions", "clicks")),
            Rule("withdrawal_week", "must be given exactly when final_result is Withdrawn",
                 lambda df: _isnull(df, "withdrawal_week") == (df["final_result"] == "Withdrawn").to_numpy(),
                 ("withdrawal_week", "final_result")),
            Rule("week", "is after the student's withdrawal_week",
                 lambda df: _f(df, "week") > np.nan_to_num(_f(df, "withdrawal_week"), nan=np.inf),
                 ("week", "withdrawal_week")),
            Rule("course_id", "must be the same on every row of a student",
                 lambda df: _not_constant(df, "student_id", "course_id"), ("student_id", "course_id")),
            Rule("final_result", "must be the same on every row of a student",
                 lambda df: _not_constant(df, "student_id", "final_result"),
                 ("student_id", "final_result")),
        ),
    ),
    Schema(
        "assessments",
        "one row per student in an introductory course with a pre-test, post-test and an "
        "independent transfer test",
        (
            _id("student_id", "student identifier"),
            _id("section", "course section"),
            _cat("teaching_mode", "teaching approach of the section", ("traditional", "interactive")),
            _float("pre_score", "pre-test score (start of term)", 0, 100, "% correct"),
            _float("post_score", "post-test score, same instrument as the pre-test; empty for "
                   "students who dropped", 0, 100, "% correct", nullable=True),
            _float("transfer_score", "independent low-stakes test of the same concepts in a new "
                   "format (end of term); empty for students who dropped", 0, 100, "% correct",
                   nullable=True),
            _flag("dropped", "1 if the student left the course before the post-test"),
        ),
        ("student_id",),
        (
            _null_iff("post_score", "dropped", 1, "students who dropped have no post-test"),
            _null_iff("transfer_score", "dropped", 1, "students who dropped have no transfer test"),
            Rule("teaching_mode", "must be the same on every row of a section",
                 lambda df: _not_constant(df, "section", "teaching_mode"), ("section", "teaching_mode")),
        ),
    ),
    Schema(
        "educator_survey",
        "one row per teacher invited to a TALIS-style job-satisfaction survey",
        (
            _id("teacher_id", "teacher identifier"),
            _id("school_id", "school identifier"),
            _float("school_low_income_pct", "share of the school's students from low-income "
                   "families (school attribute)", 0, 100, "%"),
            _float("class_mean_score", "mean end-of-year score of the teacher's students "
                   "(administrative data, known for every teacher)", 0, 100, "points"),
            _flag("responded", "1 if the teacher answered the survey"),
            *(
                _int(item, f"'{_TALIS_TEXT[item]}': 1 = strongly disagree, 4 = strongly agree; "
                     "empty if not responded", 1, 4, "1-4 agree scale", nullable=True)
                for item in TALIS_ITEMS
            ),
            _int("pd_hours", "hours of professional development in the last 12 months; empty "
                 "if not responded", 0, 1000, "hours", nullable=True),
            _flag("left_next_year", "1 if the teacher left the school the following year (known "
                  "for every invited teacher)"),
        ),
        ("teacher_id",),
        (
            *(_null_if(item, "responded", 0) for item in (*TALIS_ITEMS, "pd_hours")),
            Rule("job_satisfied_overall", "must be given when responded is 1",
                 lambda df: _isnull(df, "job_satisfied_overall") & (_f(df, "responded") == 1),
                 ("job_satisfied_overall", "responded")),
            Rule("school_low_income_pct", "must be the same on every row of a school",
                 lambda df: _not_constant(df, "school_id", "school_low_income_pct"),
                 ("school_id", "school_low_income_pct")),
        ),
    ),
]

#: Every dataset kind -> its schema.
SCHEMAS: dict[str, Schema] = {s.name: s for s in _SCHEMA_LIST}


def data_dictionary_markdown(kind: str) -> str:
    """The data-dictionary table of one dataset, as printed in data/README.md."""
    return _schema(kind).to_markdown()


# --------------------------------------------------------------------------------------
# Reading and validating
# --------------------------------------------------------------------------------------


def _schema(kind: str) -> Schema:
    try:
        return SCHEMAS[kind]
    except (KeyError, TypeError):
        raise UnknownKindError(
            f"unknown dataset kind {kind!r}; valid kinds: {', '.join(SCHEMAS)}"
        ) from None


def infer_kind(path: str | Path) -> str:
    """The dataset kind named by a file's stem (``data/customer_survey.csv`` -> ``customer_survey``)."""
    stem = Path(path).stem
    if stem not in SCHEMAS:
        raise UnknownKindError(
            f"cannot infer the dataset kind from the file name {Path(path).name!r}; pass "
            f"--kind KIND (one of: {', '.join(SCHEMAS)})",
            path=str(path),
        )
    return stem
