"""Generators of the education datasets: enrollment funnel, student terms, LMS activity,
assessments and educator survey.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.validate import EXCLUSIONS, FINAL_RESULTS, TALIS_ITEMS, TALIS_REVERSED

from helpers.data._random import (
    Frame,
    Truth,
    _check_gaming,
    _check_sizes,
    _choice_idx,
    _codes,
    _finish,
    _ids,
    _logit,
    _mix,
    _ordinal,
    _pick,
    _rank_within,
    _rate,
    _sigmoid,
    _strat_uniform,
    _streams,
)


# --------------------------------------------------------------------------------------
# 5. enrollment_funnel
# --------------------------------------------------------------------------------------

SOURCES = ("web", "school_visit", "referral", "college_fair")
RESIDENCY = ("in-state", "out-of-state", "international")


def _enrollment_funnel(seed: int, n_per_cohort: int, first_cohort: int, n_cohorts: int,
                       gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_per_cohort=n_per_cohort, n_cohorts=n_cohorts)
    g = _check_gaming(gaming)
    rng = np.random.default_rng(seed)
    n = n_per_cohort * n_cohorts
    cohort = first_cohort + np.repeat(np.arange(n_cohorts), n_per_cohort)
    k = cohort - first_cohort
    # the institution's own rates, drifting a little from one entering class to the next
    def drift(target: float, sd: float) -> np.ndarray:
        level = _logit(_rate(rng, target, sd))
        return np.asarray(_sigmoid(level + rng.normal(0, sd / 2, n_cohorts)))[k]

    src = _choice_idx(rng, _mix(rng, (0.40, 0.20, 0.15, 0.25)), n, _strat_uniform(rng, cohort))
    fg = _strat_uniform(rng, cohort) < drift(0.34, 0.1)
    pell = _strat_uniform(rng, cohort, fg) < np.where(fg, 0.55, 0.22)
    res = _choice_idx(rng, _mix(rng, (0.68, 0.24, 0.08)), n, _strat_uniform(rng, cohort))
    inquired = _strat_uniform(rng, cohort, src) < np.array([0.92, 0.95, 0.97, 0.60])[src]
    apply_p = np.array([0.42, 0.52, 0.62, 0.32])[src] * drift(0.5, 0.12) / 0.5
    applied = inquired & (_strat_uniform(rng, cohort, src) < apply_p)
    admitted = applied & (_strat_uniform(rng, cohort, applied) < drift(0.67, 0.12))
    dep_p = np.array([0.36, 0.33, 0.22])[res] * drift(0.5, 0.12) / 0.5
    deposited = admitted & (_strat_uniform(rng, cohort, admitted) < dep_p)
    melt_p = np.array([[0.05, 0.13], [0.14, 0.20]])[fg.astype(int), pell.astype(int)]
    melt_p = (melt_p + np.where(res == 2, 0.08, 0.0)) * drift(0.5, 0.15) / 0.5
    melted = deposited & (_strat_uniform(rng, deposited, fg, pell) < melt_p)
    # gaming (last class only): admitted students are pressed to pay a deposit early; many of
    # the pressed ones melt away before the census date
    last = cohort == first_cohort + n_cohorts - 1
    pressed = last & admitted & ~deposited & (rng.random(n) < min(0.6, 0.15 * g))
    deposited = deposited | pressed
    melted = melted | (pressed & (rng.random(n) < 0.6))
    enrolled = deposited & ~melted
    order = np.lexsort((rng.random(n), cohort))
    cols = {
        "applicant_id": _ids("P", n, 6),
        "cohort_year": cohort[order],
        "source": _pick(SOURCES, src)[order],
        "first_generation": fg[order],
        "pell": np.where(applied, pell, np.nan)[order],
        "residency": _pick(RESIDENCY, res)[order],
        "inquired": inquired[order],
        "applied": applied[order],
        "admitted": admitted[order],
        "deposited": deposited[order],
        "enrolled_census": enrolled[order],
        "melted": melted[order],
    }
    return _finish("enrollment_funnel", cols), {"gaming": g, "pressed_deposits": int(pressed.sum())}


def make_enrollment_funnel(seed: int = 42, n_per_cohort: int = 2500, first_cohort: int = 2022,
                           n_cohorts: int = 3, gaming: float = 0.0) -> Frame:
    """Prospective students and how far each got: inquiry -> application -> admission ->
    deposit -> enrolled at census (deposited but not enrolled = summer melt).

    Args:
        seed: random seed: one institution (its rates drift a little between classes).
        n_per_cohort: prospects per entering class.
        first_cohort: fall of the first entering class.
        n_cohorts: number of entering classes.
        gaming: 0 (default) to 3: in the last class, about ``15% x gaming`` of the admitted
            students who would not have paid a deposit are pressed to pay one; 60% of them
            melt before the census date (yield up, summer melt up).
    """
    return _enrollment_funnel(seed, n_per_cohort, first_cohort, n_cohorts, gaming)[0]


# --------------------------------------------------------------------------------------
# 6. student_terms
# --------------------------------------------------------------------------------------

# Year-by-year hazards for students still enrolled, full-time (index 0) and part-time (1).
_LEAVE = np.array([  # leave the institution at transition k (k = 1..6)
    [0.200, 0.080, 0.050, 0.045, 0.060, 0.080],
    [0.530, 0.230, 0.160, 0.120, 0.110, 0.110],
])
#: Share of high-risk first-generation / Pell entrants steered out of the shaped cohort
#: (at ``gaming=1``).
SHAPED_SHARE = 0.35
_TRANSFER_SHARE = np.array([0.33, 0.20])  # share of leavers found at another institution
_COMPLETE = np.array([  # complete at transition k (k = 4..6), of those still enrolled
    [0.56, 0.62, 0.46],
    [0.12, 0.25, 0.30],
])
#: Allowable exclusions: hazard at the first transition (every cohort's full-time and
#: part-time group has at least one when it has 200 or more students) and at each later
#: one, among students enrolled.
_EXCLUDE_FIRST, _EXCLUDE_LATER = 0.0030, 0.0015
#: Exclusions that end (military, foreign aid, church mission): share who re-enroll two
#: falls later.
_RETURN_SHARE = 0.45


def _student_terms(seed: int, n_students: int, first_cohort: int, n_cohorts: int,
                   n_terms: int, shaped_cohort: int | None, gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_students=n_students, n_cohorts=n_cohorts, n_terms=n_terms)
    g = _check_gaming(gaming)
    if shaped_cohort is None:
        shaped_cohort = first_cohort + n_cohorts - 1
    rng = np.random.default_rng(seed)
    n = n_students
    cohort = first_cohort + (np.arange(n) * n_cohorts) // n
    ck = cohort - first_cohort
    pt = _strat_uniform(rng, cohort) < _rate(rng, 0.22, 0.1)
    fg = _strat_uniform(rng, cohort) < _rate(rng, 0.36, 0.1)
    pell = _strat_uniform(rng, cohort, fg) < np.where(fg, 0.55, 0.22)
    risk = rng.normal(0, 1, n) + 0.45 * fg + 0.35 * pell
    risk = risk - risk.mean()
    att = pt.astype("int64")
    # this institution's own leave and completion levels, drifting a little between cohorts
    leave_shift = rng.normal(0, 0.12, 2)[att] + rng.normal(0, 0.05, (n_cohorts, 2))[ck, att]
    complete_shift = rng.normal(0, 0.1)

    # withdrawals before the first census date; in the shaped cohort the institution steered
    # out its highest-risk first-generation / Pell entrants
    withdrew = _strat_uniform(rng, cohort) < _rate(rng, 0.02, 0.2)
    target = (cohort == shaped_cohort) & (fg | pell)
    shaped_share = min(0.9, SHAPED_SHARE * g)
    score = risk + rng.normal(0, 0.35, n)  # drawn for honest runs too: gaming must not shift later draws
    if target.any() and shaped_share > 0:
        cut = np.quantile(score[target], 1 - shaped_share)
        withdrew |= target & (score >= cut)

    # allowable exclusions (death, military service, ...): the kind, and for the kinds that
    # end, whether the student re-enrolls two falls later
    excl_kind = 1 + _choice_idx(rng, (0.2, 0.25, 0.35, 0.05, 0.15), n)
    returns = (excl_kind >= 3) & (rng.random(n) < _RETURN_SHARE)

    # first-year leavers: this cohort's hazard share of ALL entrants of each cohort and
    # attendance group, the riskiest (with logistic noise) first; computed before the census
    # withdrawals are removed, so shaping the cohort visibly lifts its reported retention
    first_score = 1.1 * risk + rng.logistic(0, 1, n)
    group = _codes(cohort, att)
    leave_share = _sigmoid(_logit(_LEAVE[att, 0]) + leave_shift)
    leave_first_year = _rank_within(group, -first_score) < np.round(
        leave_share * np.bincount(group)[group])

    enrolled = np.zeros((n, n_terms), dtype=bool)
    elsewhere = np.zeros((n, n_terms), dtype=bool)
    transferred = np.zeros((n, n_terms), dtype=bool)
    completed = np.zeros((n, n_terms), dtype=bool)
    excluded = np.zeros((n, n_terms), dtype=bool)
    enrolled[:, 0] = ~withdrew
    transfer_term = np.full(n, n_terms + 99)
    return_term = np.full(n, n_terms + 99)
    for k in range(1, n_terms):  # vectorized over students; one step per year
        cur = enrolled[:, k - 1]
        candidates = cur & ~excluded[:, k - 1]
        if k == 1:  # at least one exclusion per cohort and attendance group of 200 or more
            n_groups = int(group.max()) + 1
            n_cand = np.bincount(group, weights=candidates, minlength=n_groups).astype("int64")
            count = np.maximum(rng.binomial(n_cand, _EXCLUDE_FIRST), n_cand >= 200)
            pick = _rank_within(np.where(candidates, group, -1), rng.random(n))
            new_excl = candidates & (pick < count[group])
        else:
            new_excl = candidates & (rng.random(n) < _EXCLUDE_LATER)
        excluded[:, k] = excluded[:, k - 1] | new_excl
        return_term = np.where(new_excl & returns, k + 2, return_term)
        live = cur & ~new_excl
        comp_p = np.zeros(n)
        if 4 <= k <= 3 + _COMPLETE.shape[1]:
            comp_p = np.clip(_sigmoid(_logit(_COMPLETE[att, k - 4]) + complete_shift)
                             * np.exp(-0.35 * risk), 0, 0.95)
        leave_base = _LEAVE[att, min(k, _LEAVE.shape[1]) - 1]
        leave_p = _sigmoid(_logit(leave_base) + leave_shift + 1.1 * risk)
        done = live & (rng.random(n) < comp_p)
        if k == 1:
            leave = live & leave_first_year
        else:
            leave = live & ~done & (rng.random(n) < leave_p)
        moved = leave & (rng.random(n) < _TRANSFER_SHARE[att])
        transfer_term = np.where(moved, k, transfer_term)
        completed[:, k] = completed[:, k - 1] | done
        enrolled[:, k] = (live & ~done & ~leave) | (return_term == k)
        transferred[:, k] = transferred[:, k - 1] | moved
        elsewhere[:, k] = transferred[:, k] & (k - transfer_term < 4)

    rows = np.where(withdrew, 1, n_terms)
    sid = np.repeat(np.arange(n), rows)
    term_index = np.arange(rows.sum()) - np.repeat(np.cumsum(rows) - rows, rows)
    exclusion = np.where(excluded[sid, term_index], excl_kind[sid], 0)
    ids = _ids("S", n, 6)
    cols = {
        "student_id": ids[sid],
        "cohort_year": cohort[sid],
        "term": cohort[sid] + term_index,
        "term_index": term_index,
        "attendance": _pick(("full-time", "part-time"), att[sid]),
        "first_generation": fg[sid],
        "pell": pell[sid],
        "enrolled": enrolled[sid, term_index],
        "enrolled_elsewhere": elsewhere[sid, term_index],
        "transferred_out": transferred[sid, term_index],
        "completed": completed[sid, term_index],
        "exclusion": _pick(EXCLUSIONS, exclusion),
        "withdrew_before_census": withdrew[sid] & (term_index == 0),
    }
    ever = excluded[:, -1]
    back = ever & (enrolled & excluded).any(axis=1)
    truth: Truth = {
        "shaped_cohort": int(shaped_cohort),
        "gaming": g,
        "excluded_students": [str(s) for s in ids[ever]],
        "excluded_then_reenrolled": [str(s) for s in ids[back]],
    }
    return _finish("student_terms", cols), truth


def make_student_terms(seed: int = 42, n_students: int = 3000, first_cohort: int = 2016,
                       n_cohorts: int = 3, n_terms: int = 7,
                       shaped_cohort: int | None = None, gaming: float = 1.0) -> Frame:
    """Fall-term records of first-time, degree-seeking students (IPEDS / NSC style).

    About 6.5 rows per student: ``n_students=153_000`` gives about a million rows in about
    two seconds.

    Args:
        seed: random seed: one institution (its rates drift a little between cohorts).
        n_students: entering students over all cohorts (split evenly).
        first_cohort: fall of the first entering cohort.
        n_cohorts: number of entering cohorts.
        n_terms: fall terms per student including the entry fall (7 = entry + six years,
            enough for the 150%-of-normal-time graduation rate).
        shaped_cohort: the cohort in which high-risk first-generation and Pell entrants were
            steered to withdraw before census (default: the last cohort).
        gaming: how hard the shaped cohort is shaped, 0 (not at all) to 3; at 1 (default)
            about 35% of its first-generation and Pell entrants are steered out.
    """
    return _student_terms(seed, n_students, first_cohort, n_cohorts, n_terms, shaped_cohort,
                          gaming)[0]


# --------------------------------------------------------------------------------------
# 7. lms_activity
# --------------------------------------------------------------------------------------

COURSES = ("STAT101", "BIOL110", "HIST120")
#: Assignment deadline weeks of each course (15-week term).
DEADLINES = {"STAT101": (4, 8, 12, 15), "BIOL110": (5, 10, 15), "HIST120": (3, 7, 11, 15)}
RESULT_SHARES = {"Distinction": 0.09, "Pass": 0.38, "Fail": 0.22, "Withdrawn": 0.31}


def _lms_activity(seed: int, n_students: int, n_weeks: int, period: int,
                  gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_students=n_students)
    if n_weeks < 6:
        raise ValueError(f"n_weeks must be at least 6, got {n_weeks}")
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    n = n_students
    # the institution's own outcome mix (around the OULAD-like shares); gaming steers
    # disengaged students who would fail into withdrawing, which lifts participation
    shares = _mix(org, list(RESULT_SHARES.values()), 250.0)
    steered = min(shares[2] * 0.8, 0.08 * g)
    shares[2] -= steered
    shares[3] += steered
    course = rng.integers(0, len(COURSES), n)
    eng = rng.normal(0, 1, n)

    # outcomes: this term's counts drawn around the institution's mix, the least engaged
    # (with noise) most likely to withdraw
    n_dist, _, n_fail, n_wd = (int(c) for c in rng.multinomial(n, shares))
    result = np.full(n, 1)  # Pass
    wd_rank = np.argsort(-eng + rng.normal(0, 0.8, n))[::-1]
    withdrawn = np.zeros(n, dtype=bool)
    withdrawn[wd_rank[:n_wd]] = True
    result[withdrawn] = 3
    rest = np.flatnonzero(~withdrawn)
    by_score = rest[np.argsort(eng[rest] + rng.normal(0, 0.6, len(rest)))]
    result[by_score[:n_fail]] = 2
    result[by_score[len(by_score) - n_dist:]] = 0
    wd_week = np.where(withdrawn, 2 + np.floor(rng.beta(1.3, 1.7, n) * (n_weeks - 2)), np.inf)
    # steered students (gaming) are told to withdraw early, in weeks 2-4
    steer = withdrawn & (rng.random(n) < steered / max(float(shares[3]), 1e-9))
    wd_week = np.where(steer, 2 + rng.integers(0, 3, n), wd_week)
    wd_week = np.where(withdrawn, np.minimum(wd_week, n_weeks - 1), np.inf)  # only withdrawers fade

    deadline = np.zeros((len(COURSES), n_weeks + 2), dtype=bool)
    for ci, name in enumerate(COURSES):  # three courses: a tiny loop over a constant
        weeks = [min(d, n_weeks) for d in DEADLINES[name]]
        deadline[ci, weeks] = True

    last_week = np.where(withdrawn, wd_week, n_weeks).astype("int64")
    sid = np.repeat(np.arange(n), last_week)
    week = 1 + np.arange(last_week.sum()) - np.repeat(np.cumsum(last_week) - last_week, last_week)
    r = len(sid)
    c = course[sid]
    is_deadline = deadline[c, week]
    before_deadline = deadline[c, week + 1]
    base = np.exp(3.0 + 0.45 * eng + rng.normal(0, 0.5, n))[sid]
    factor = np.where(is_deadline, 2.6, np.where(before_deadline, 1.5, 1.0)) * 0.985 ** week
    to_go = wd_week[sid] - week  # weeks left before withdrawal (inf if not withdrawing)
    fade = np.where(to_go < 4, np.maximum(0.08, 0.22 * to_go + 0.1), 1.0)
    fail_fade = np.where((result[sid] == 2) & (week > n_weeks / 2), 0.7, 1.0)
    lam = base * factor * fade * fail_fade * rng.gamma(2.0, 0.5, r)
    # some weeks a student does not log in at all (less often in deadline weeks)
    # (and students heading for a fail drift away in the second half of the term)
    late_fail = (result[sid] == 2) & (week > n_weeks / 2)
    skip = rng.random(r) < _sigmoid(-2.0 - 1.1 * eng[sid] - 1.2 * is_deadline + 1.3 * late_fail)
    clicks = np.where(skip, 0, rng.poisson(lam))
    active = clicks > 0
    sessions = np.minimum(clicks, rng.poisson(0.5 + 0.45 * np.sqrt(clicks)) + active)
    posts = rng.poisson(0.12 * np.exp(0.5 * eng[sid]) * active * fade)
    sub_p = np.where(is_deadline, _sigmoid(1.6 + 1.2 * eng[sid]) * (to_go > 0), 0.15)
    submissions = (active & (rng.random(r) < sub_p)).astype("int64")
    cols = {
        "student_id": _ids("L" if period == 1 else f"L{period}-", n, 5)[sid],
        "course_id": _pick(COURSES, course)[sid],
        "week": week,
        "clicks": clicks,
        "sessions": sessions,
        "posts": posts,
        "submissions": submissions,
        "active": active,
        "final_result": _pick(FINAL_RESULTS, result)[sid],
        "withdrawal_week": np.where(withdrawn, wd_week, np.nan)[sid],
    }
    truth: Truth = {
        "deadline_weeks": {k: [min(d, n_weeks) for d in v] for k, v in DEADLINES.items()},
        "result_shares": {k: float(v) for k, v in zip(RESULT_SHARES, shares)},
        "gaming": g,
    }
    return _finish("lms_activity", cols), truth


def make_lms_activity(seed: int = 42, n_students: int = 600, n_weeks: int = 15, period: int = 1,
                      gaming: float = 0.0) -> Frame:
    """Weekly learning-platform activity per student (modelled after OULAD; illustrative).

    Args:
        seed: random seed: one institution (its outcome mix varies around the OULAD-like
            shares).
        n_students: students, each in one of three courses.
        n_weeks: weeks in the term (at least 6).
        period: term of the same institution (1 = the default; other terms have new
            students, ids ``L<period>-00001``, ...).
        gaming: 0 (default) to 3: disengaged students who would fail are steered to
            withdraw (about 8 points of the outcome mix per unit), which lifts weekly
            participation among those still enrolled.
    """
    return _lms_activity(seed, n_students, n_weeks, period, gaming)[0]


# --------------------------------------------------------------------------------------
# 8. assessments
# --------------------------------------------------------------------------------------


def _assessments(seed: int, n_sections: int, students_per_section: int, period: int,
                 gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_sections=n_sections, students_per_section=students_per_section)
    if n_sections < 4:
        raise ValueError(f"n_sections must be at least 4, got {n_sections}")
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    # the course: which sections teach interactively, which traditional ones teach to the
    # test (in this order as gaming grows), each section's intake and dropout level
    interactive_secs = org.permutation(n_sections)[: n_sections // 2]
    mode = np.isin(np.arange(n_sections), interactive_secs)
    traditional = org.permutation(np.flatnonzero(~mode))
    intensity = np.zeros(n_sections)
    intensity[traditional] = np.clip(g - np.arange(len(traditional)), 0, 1)
    pre_level = org.normal(38, 3, n_sections)
    dropout_rate = org.beta(7, 32, n_sections)  # about 18% on average, 9-29% by section

    # one term of students
    n = n_sections * students_per_section
    sec = np.repeat(np.arange(n_sections), students_per_section)
    pre = np.clip(pre_level[sec] + rng.normal(0, 12, n), 5, 90)
    ability = 0.6 * (pre - 38) / 12 + rng.normal(0, 0.8, n)
    gain = np.where(mode[sec], 0.48, 0.23) + 0.07 * ability + rng.normal(0, 0.08, n)
    t = intensity[sec]
    g_post = (1 - t) * gain + t * (0.58 + 0.05 * ability + rng.normal(0, 0.08, n))
    post = np.clip(pre + g_post * (100 - pre) + rng.normal(0, 4, n), 0, 100)
    g_transfer = (1 - t) * 0.9 * gain + t * (0.02 + rng.normal(0, 0.05, n))
    transfer = np.clip(pre + g_transfer * (100 - pre) + rng.normal(0, 5, n), 0, 100)
    # dropouts: each section loses its own share, the students who were learning least
    # (low gain) and started lowest going first
    n_drop = rng.binomial(students_per_section, dropout_rate)
    drop_score = (gain - gain.mean()) / max(float(gain.std()), 1e-9) + 1.5 * (pre - 38) / 12
    dropped = _rank_within(sec, drop_score + rng.normal(0, 0.4, n)) < n_drop[sec]
    section_ids = _ids("S", n_sections, 2)
    prefix = "ST" if period == 1 else f"ST{period}-"
    cols = {
        "student_id": _ids(prefix, n, 4),
        "section": section_ids[sec],
        "teaching_mode": np.where(mode[sec], "interactive", "traditional"),
        "pre_score": np.round(pre, 1),
        "post_score": np.where(dropped, np.nan, np.round(post, 1)),
        "transfer_score": np.where(dropped, np.nan, np.round(transfer, 1)),
        "dropped": dropped,
    }
    t2t = [str(s) for s in section_ids[traditional[intensity[traditional] > 0]]]
    truth: Truth = {
        "teach_to_test_section": t2t[0] if t2t else None,
        "teach_to_test_sections": t2t,
        "gaming": g,
        # what the course would report if every student had stayed (the dropouts'
        # post-tests as they would have been): the completers' gain flatters it
        "gain_if_all_stayed": float((post.mean() - pre.mean()) / (100 - pre.mean())),
    }
    return _finish("assessments", cols), truth


def make_assessments(seed: int = 42, n_sections: int = 8, students_per_section: int = 40,
                     period: int = 1, gaming: float = 1.0) -> Frame:
    """Pre-test, post-test and an independent transfer test in sections of one course.

    Half the sections teach interactively (Hake gain ~0.48), half traditionally (~0.23); one
    traditional section teaches to the test (see :func:`planted`). Each section loses its
    own share of students before the post-test (about 17% on average), mostly those who
    were learning least.

    Args:
        seed: random seed: one course (its sections, their teaching and dropout levels).
        n_sections: sections (at least 4).
        students_per_section: students enrolled in each section.
        period: term of the same course (1 = the default; other terms have new students,
            ids ``ST<period>-0001``, ..., in the same sections).
        gaming: teaching to the test, 0 (no section) to 3: one traditional section at full
            strength at 1 (default), a second one joins above 1, and so on.
    """
    return _assessments(seed, n_sections, students_per_section, period, gaming)[0]


# --------------------------------------------------------------------------------------
# 9. educator_survey
# --------------------------------------------------------------------------------------

# cut points of the latent item response for 1|2, 2|3, 3|4 (agree = 3 or 4)
_ITEM_CUTS = {
    "prof_advantages": (-2.2, -1.1, 0.6),
    "prof_choose_again": (-2.3, -1.2, 0.4),
    "prof_regret": (-0.3, 1.2, 2.4),
    "prof_other_profession": (-0.9, 0.5, 1.9),
    "school_change": (-0.5, 0.8, 2.0),
    "school_enjoy": (-2.4, -1.4, 0.3),
    "school_recommend": (-2.1, -1.0, 0.6),
    "job_satisfied_overall": (-2.6, -1.5, 0.5),
}


def _educator_survey(seed: int, n_schools: int, teachers_per_school: int, period: int,
                     gaming: float) -> tuple[Frame, Truth]:
    _check_sizes(n_schools=n_schools, teachers_per_school=teachers_per_school)
    g = _check_gaming(gaming)
    org, rng = _streams(seed, period)
    # the district: schools, their teachers and what lasts from year to year
    size = np.maximum(3, org.poisson(teachers_per_school, n_schools))
    school = np.repeat(np.arange(n_schools), size)
    n = len(school)
    low_income = np.round(100 * org.beta(2.0, 2.4, n_schools), 1)
    z = (low_income - 45) / 22
    school_sat = -0.55 * z + org.normal(0, 0.2, n_schools)
    school_score = 68 - 7.5 * z + org.normal(0, 2.5, n_schools)
    teacher_sat = org.normal(0, 0.9, n)
    teacher_score = org.normal(0, 5, n)
    response_level = 0.95 + org.normal(0, 0.2)

    # one survey year: satisfaction and class results move a little
    theta = school_sat[school] + teacher_sat + rng.normal(0, 0.45, n)
    class_score = np.clip(school_score[school] + teacher_score + rng.normal(0, 3.3, n), 0, 100)
    # gaming: leaders press the satisfied to answer and let the others be
    slope = 0.75 + 0.9 * g
    responded = rng.random(n) < _sigmoid(response_level + slope * theta)
    cols: dict[str, Any] = {
        "teacher_id": _ids("T", n, 4),
        "school_id": _ids("SCH", n_schools, 3)[school],
        "school_low_income_pct": low_income[school],
        "class_mean_score": np.round(class_score, 1),
        "responded": responded,
    }
    for item in TALIS_ITEMS:
        sign = -1.0 if item in TALIS_REVERSED else 1.0
        latent = sign * 0.85 * theta + rng.normal(0, 1.0, n)
        value = _ordinal(latent, _ITEM_CUTS[item]).astype("float64")
        cols[item] = np.where(responded, value, np.nan)
    pd_hours = np.round(rng.gamma(2.0, 14, n) * np.exp(0.1 * theta))
    cols["pd_hours"] = np.where(responded, pd_hours, np.nan)
    cols["left_next_year"] = rng.random(n) < _sigmoid(-2.2 - 0.7 * theta)
    return _finish("educator_survey", cols), {"gaming": g}


def make_educator_survey(seed: int = 42, n_schools: int = 60, teachers_per_school: int = 25,
                         period: int = 1, gaming: float = 0.0) -> Frame:
    """A TALIS-style teacher job-satisfaction survey with school context and outcomes.

    Args:
        seed: random seed: one district (its schools and teachers).
        n_schools: schools.
        teachers_per_school: average teachers invited per school (Poisson, at least 3).
        period: survey year of the same district (1 = the default; other years survey the
            same teachers in the same schools, whose satisfaction moves a little).
        gaming: 0 (default) to 3: school leaders press satisfied teachers to answer and let
            the others be, so response falls among the less satisfied.
    """
    return _educator_survey(seed, n_schools, teachers_per_school, period, gaming)[0]
