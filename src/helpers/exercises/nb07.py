"""Self-checks for notebook 07, engagement and learning.

Every expected answer is computed from the data the notebook loaded (any seed, size or data
folder). A known mistake is listed only when, on this data, it gives an answer the check can
tell apart from the right one.
"""

from __future__ import annotations

import pandas as pd

from helpers import education, metrics
from helpers.exercises import Exercise, ExerciseSet, Reflection, choice, number
from helpers.exercises.nb06 import distinct_mistakes

__all__ = ["exercises"]


def _q1(lms: pd.DataFrame) -> Exercise:
    weekly = education.weekly_participation(lms)
    last = weekly.iloc[-1]
    week = int(last["week"])
    expected = float(last["participation"])
    compare = number(abs_tol=0.1, decimals=1)
    mistakes = distinct_mistakes(compare, expected, [
        ("everyone who started the course in the denominator", lambda: float(last["participation_of_starters"]),
         "the usual participation rate divides by the students still enrolled that week; the share of starters "
         "is a useful second number, but it answers another question."),
        ("the number of active students, not a rate", lambda: float(last["active"]),
         "divide by the students enrolled that week and multiply by 100."),
        ("the mean of the course rates", lambda: float(
            education.weekly_participation(lms, "course_id").query("week == @week")["participation"].mean()),
         "courses differ in size; count active and enrolled students over all courses, then divide once."),
    ])
    return Exercise(
        "q1",
        f"What is the participation rate (percent) in week {week}, the last week of the term: the share of "
        "students still enrolled that week who were active?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            f"Keep the rows of week {week}: one row per student still enrolled.",
            "Active students / rows, times 100: metrics.participation_rate(rows['active']), or the "
            "`participation` column of education.weekly_participation(lms).",
        ],
        solution_code=f"metrics.participation_rate(lms.loc[lms['week'] == {week}, 'active'])",
        mistakes=mistakes,
        explain="Its denominator shrinks as students withdraw, so it can rise while fewer students take part.",
    )


def _q2(assessments: pd.DataFrame) -> Exercise:
    mode = assessments["teaching_mode"].astype(object)
    g = assessments[(mode == "interactive").to_numpy()]
    done = g[g["post_score"].notna().to_numpy()]
    pre, post = done["pre_score"].to_numpy(), done["post_score"].to_numpy()
    expected = metrics.hake_gain(pre, post)
    compare = number(abs_tol=0.002, decimals=3)
    mistakes = distinct_mistakes(compare, expected, [
        ("the mean of the students' individual gains", lambda: metrics.mean_individual_gain(pre, post),
         "Hake's gain is computed on the class averages; averaging each student's gain gives another number (Bao 2006)."),
        ("everyone's pre-test against the completers' post-test",
         lambda: metrics.hake_gain(float(g["pre_score"].mean()), float(post.mean())),
         "the students who dropped took the pre-test only; match pre and post of the same students."),
        ("the raw gain in points", lambda: float(post.mean() - pre.mean()),
         "divide the gain by the room there was to gain: 100 minus the mean pre-test score."),
        ("the raw gain divided by 100", lambda: float(post.mean() - pre.mean()) / 100.0,
         "divide by 100 minus the mean pre-test score, not by 100."),
    ])
    return Exercise(
        "q2",
        "What is Hake's class-average normalized gain <g> of the interactive sections, using the students who "
        "took both tests? Give a fraction such as 0.45.",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Keep the interactive rows with a post-test score (the completers).",
            "(mean post - mean pre) / (100 - mean pre), or metrics.hake_gain(pre, post).",
        ],
        solution_code=(
            "done = assessments[(assessments['teaching_mode'] == 'interactive') & assessments['post_score'].notna()]\n"
            "metrics.hake_gain(done['pre_score'], done['post_score'])"
        ),
        mistakes=mistakes,
        explain="Hake found about 0.48 for interactive-engagement courses and 0.23 for traditional ones.",
    )


def _q3(assessments: pd.DataFrame) -> Exercise:
    e = education.mode_effect_sizes(assessments, "post_score", "interactive", "traditional")
    expected = float(e["d"])
    compare = number(abs_tol=0.01, decimals=2)
    mistakes = distinct_mistakes(compare, expected, [
        ("traditional minus interactive", lambda: -expected,
         "subtract the traditional mean from the interactive mean, so a positive d favours interactive teaching."),
        ("a pre/post d inside the interactive sections", lambda: education.prepost_effect_size(assessments, "interactive"),
         "that measures growth over the term, not the difference between two teaching modes."),
        ("the difference in means without dividing", lambda: float(e["mean_a"] - e["mean_b"]),
         "Cohen's d divides the difference by the pooled standard deviation."),
    ])
    return Exercise(
        "q3",
        "What is Cohen's d for the post-test scores of interactive versus traditional sections (interactive "
        "minus traditional, students with a post-test)?",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "Two groups: the post_score of interactive completers and of traditional completers.",
            "metrics.cohens_d(interactive_scores, traditional_scores), or "
            "education.mode_effect_sizes(assessments)['d'].",
        ],
        solution_code="education.mode_effect_sizes(assessments, 'post_score', 'interactive', 'traditional')['d']",
        mistakes=mistakes,
        explain="Cohen called 0.8 'large' - but a benchmark from his book is a last resort, not a verdict.",
    )


def _q4(assessments: pd.DataFrame) -> Exercise:
    table = education.section_table(assessments)
    expected = str(table.loc[table["gap"].idxmax(), "section"])
    sections = list(table["section"])
    compare = choice(sections)
    mistakes = distinct_mistakes(compare, expected, [
        ("the section with the lowest post-test gain", lambda: str(table.loc[table["post_gain"].idxmin(), "section"]),
         "teaching to the test *raises* tested scores; compare each section's tested gain with its transfer gain."),
        ("the section with the highest transfer-test gain", lambda: str(table.loc[table["transfer_gain"].idxmax(), "section"]),
         "look for tested gains that the transfer test does not confirm."),
    ])
    return Exercise(
        "q4",
        "Which section's post-test gain runs furthest ahead of its transfer-test gain? Answer with the section "
        "id as text, e.g. \"S01\".",
        expected=lambda: expected,
        compare=compare,
        hints=[
            "The table `sections` has post_gain and transfer_gain per section.",
            "The section with the largest gap = post_gain - transfer_gain.",
        ],
        solution_code="sections.loc[sections['gap'].idxmax(), 'section']",
        mistakes=mistakes,
        explain="Only the independent low-stakes test could expose it: on the tested format it looked like the best section.",
    )


R1 = Reflection(
    "r1",
    "The course team wants to report 'our students gained X' in the annual review. About one student in eight "
    "left before the post-test, and those who left had lower pre-test scores. What would you report, and how?",
    """
Report the matched gain (students who took both tests) together with the dropout rate and a
sensitivity range: for example the gain if every dropout had learned nothing (post = pre). Say
plainly that the matched gain describes the students who stayed. Never compare the completers'
post-test with everyone's pre-test: the weaker students' pre-tests stay in, their post-tests
are missing, and the gain looks bigger than it was. The dropout rate is also a metric of its
own - a course can raise its gain by losing its weakest students.
""",
)

R2 = Reflection(
    "r2",
    "Students who click more pass more often. A vendor concludes that requiring two log-ins a week will raise "
    "pass rates. What is wrong with the conclusion, and what would you need to test it?",
    """
The correlation does not show that clicking causes passing: motivation, prior knowledge, time and
paid work drive both. A log-in requirement would also change the metric itself - students would
click to comply (Goodhart), so clicks would stop measuring engagement. To learn whether more
engagement causes better results you need an experiment: randomly assign sections (or students)
to the new requirement or not, fix the outcome and the analysis in advance, use an outcome the
intervention cannot game (a common final or a transfer test), and compare pass rates with their
uncertainty. Track the counter-metrics too: withdrawals and student workload.
""",
)

R3 = Reflection(
    "r3",
    "In Atlanta, test targets tied to bonuses ended in erasures and convictions. One section in our data "
    "'only' taught to the test. Where is the line between the two, and what would you put in place so that a "
    "school sees the problem before it grows?",
    """
Teaching to the test and cheating sit on one slope: both make the tested number rise without the
learning it was meant to show. The line is crossed when the score is changed rather than earned,
but the damage starts earlier, when instruction narrows to the tested format. Guard rails: an
independent low-stakes assessment (a transfer test) reported next to the high-stakes one, with
the gap between them watched; audits such as erasure analysis for paper tests; and incentives
that do not hang on a single score. Used as a conversation starter with the teacher, not as a
verdict, the gap guides practice instead of grading people.
""",
)


def exercises(lms: pd.DataFrame, assessments: pd.DataFrame) -> ExerciseSet:
    """The self-checks of notebook 07, computed from the notebook's own data.

    q1 participation in the last week; q2 Hake gain of the interactive sections; q3 Cohen's d
    between modes; q4 the section teaching to the test; r1 reporting gains with dropouts;
    r2 engagement and causation; r3 the Atlanta link.
    """
    return ExerciseSet(_q1(lms), _q2(assessments), _q3(assessments), _q4(assessments), R1, R2, R3)
