"""Learning outcomes (notebook 07, second half): Hake's normalized gain, survivorship,
effect sizes between teaching modes and sections, and teaching to the test."""
from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .. import charts, metrics
from ..validate import require_columns as _require

# ======================================================================================
# 07 Learning outcomes: gains, survivorship, effect sizes, teaching to the test
# ======================================================================================

_ASSESS_COLUMNS = ("student_id", "section", "teaching_mode", "pre_score", "post_score", "transfer_score", "dropped")


def _completers(assessments: pd.DataFrame) -> pd.DataFrame:
    return assessments[assessments["post_score"].notna().to_numpy()]


def class_gains(assessments: pd.DataFrame, by: str | None = "teaching_mode") -> pd.DataFrame:
    """Class-average normalized gains per group (matched students only).

    Per group: ``enrolled``, ``completed`` (took the post-test), the completers' mean pre
    and post scores, ``hake_gain`` = (<post> - <pre>) / (100 - <pre>) on the completers'
    class means (:func:`metrics.hake_gain`, Hake 1998), ``mean_individual_gain`` = the
    average of per-student gains (:func:`metrics.mean_individual_gain`, Bao 2006: not the
    same number), ``category`` (Hake's low < 0.3 <= medium <= 0.7 < high) and
    ``transfer_gain`` - the Hake gain on the independent transfer test.
    """
    _require(assessments, _ASSESS_COLUMNS, "the assessments data")
    a = assessments
    groups = [("all", a)] if by is None else [(str(k), g) for k, g in a.groupby(by, sort=True, observed=True)]
    rows = []
    for key, g in groups:
        c = _completers(g)
        if len(c) == 0:
            continue
        pre, post = c["pre_score"].to_numpy(), c["post_score"].to_numpy()
        tr = c["transfer_score"].to_numpy()
        hg = metrics.hake_gain(pre, post)
        rows.append({
            "group": key, "enrolled": len(g), "completed": len(c),
            "mean_pre": float(pre.mean()), "mean_post": float(post.mean()),
            "hake_gain": hg, "mean_individual_gain": metrics.mean_individual_gain(pre, post),
            "category": metrics.hake_category(hg),
            "transfer_gain": metrics.hake_gain(pre, tr),
        })
    out = pd.DataFrame(rows)
    return out.rename(columns={"group": by}) if by else out


def survivorship_gains(assessments: pd.DataFrame, by: str | None = "teaching_mode") -> pd.DataFrame:
    """Three class gains per group, to show what dropouts do to a reported gain.

    * ``unmatched`` - completers' mean post against *everyone's* mean pre (the dropouts'
      pre-tests stay in, their post-tests are missing): biased upward when the weaker
      students leave;
    * ``matched`` - completers only, pre and post of the same students
      (:func:`metrics.hake_gain`): honest about the survivors, silent about the leavers;
    * ``dropouts_zero_gain`` - everyone, with each dropout's post set to their pre (a
      pessimistic bound: they learned nothing).

    All three use :func:`metrics.hake_gain` on class means. ``dropout_pct`` is the share
    of the group without a post-test, and ``pre_dropouts`` / ``pre_completers`` their mean
    pre-test scores.
    """
    _require(assessments, _ASSESS_COLUMNS, "the assessments data")
    a = assessments
    groups = [("all", a)] if by is None else [(str(k), g) for k, g in a.groupby(by, sort=True, observed=True)]
    rows = []
    for key, g in groups:
        done = g["post_score"].notna().to_numpy()
        pre = g["pre_score"].to_numpy()
        post = g["post_score"].to_numpy()
        rows.append({
            "group": key,
            "dropout_pct": 100.0 * float((~done).mean()),
            "pre_completers": float(pre[done].mean()),
            "pre_dropouts": float(pre[~done].mean()) if (~done).any() else float("nan"),
            "unmatched": metrics.hake_gain(float(pre.mean()), float(post[done].mean())),
            "matched": metrics.hake_gain(pre[done], post[done]),
            "dropouts_zero_gain": metrics.hake_gain(pre, np.where(done, post, pre)),
        })
    out = pd.DataFrame(rows)
    return out.rename(columns={"group": by}) if by else out


def mode_effect_sizes(assessments: pd.DataFrame, score: str = "post_score", a: str = "interactive", b: str = "traditional") -> dict[str, Any]:
    """Cohen's d and Hedges' g of ``score`` between two teaching modes (a minus b).

    d = (M_a - M_b) / s_pooled with s_pooled from both groups' n - 1 variances
    (:func:`metrics.cohens_d`, Cohen 1988: 0.2 / 0.5 / 0.8 small / medium / large);
    g = d * J, J = 1 - 3 / (4 (n_a + n_b) - 9) (:func:`metrics.hedges_g`, Hedges 1981).
    Students without the score (dropouts) are left out of both groups.
    """
    _require(assessments, ["teaching_mode", score], "the assessments data")
    mode = assessments["teaching_mode"].astype(object).to_numpy()
    x = assessments.loc[mode == a, score].dropna().to_numpy()
    y = assessments.loc[mode == b, score].dropna().to_numpy()
    d = metrics.cohens_d(x, y)
    return {"score": score, "a": a, "b": b, "n_a": int(x.size), "n_b": int(y.size),
            "mean_a": float(x.mean()), "mean_b": float(y.mean()), "d": d, "g": metrics.hedges_g(x, y),
            "J": metrics.hedges_correction(int(x.size), int(y.size)), "label": metrics.effect_size_label(d)}


def prepost_effect_size(assessments: pd.DataFrame, mode: str = "interactive") -> float:
    """A *within-group* pre/post "d": (mean post - mean pre) / pooled SD of the two tests,
    completers of one teaching mode (:func:`metrics.cohens_d` on post vs pre).

    Shown only to warn: it measures growth over a term, not a difference between teaching
    methods, and is typically several times larger than a between-group d - never compare
    the two.
    """
    c = _completers(assessments[assessments["teaching_mode"].astype(object).to_numpy() == mode])
    return metrics.cohens_d(c["post_score"].to_numpy(), c["pre_score"].to_numpy())


def section_table(assessments: pd.DataFrame) -> pd.DataFrame:
    """Per section: teaching mode, completers, Hake gain on the post-test (the tested
    format) and on the transfer test (an independent low-stakes assessment of the same
    concepts), and ``gap`` = post gain - transfer gain."""
    t = class_gains(assessments, by="section")
    modes = assessments.groupby("section", sort=True)["teaching_mode"].first().astype(object)
    t.insert(1, "teaching_mode", t["section"].map(modes))
    t = t.rename(columns={"hake_gain": "post_gain"})
    t["gap"] = t["post_gain"] - t["transfer_gain"]
    return t[["section", "teaching_mode", "enrolled", "completed", "mean_pre", "post_gain", "transfer_gain", "gap"]]


def teach_to_test(sections: pd.DataFrame, z: float = 3.5, min_gap: float = 0.15) -> pd.DataFrame:
    """Flag sections whose tested gain runs far ahead of their transfer gain.

    Teaching to the test raises scores on the tested format without the understanding the
    transfer test measures (the Atlanta cheating case of notebook 01 is the extreme form). A section is flagged when its ``gap`` is an outlier - robust
    z = (gap - median) / (1.4826 * MAD) above ``z`` (Iglewicz & Hoaglin's 3.5) - *and*
    at least ``min_gap`` in absolute terms. Adds ``robust_z`` and ``flagged``.
    """
    gap = sections["gap"].to_numpy(dtype="float64")
    med = float(np.median(gap))
    mad = float(np.median(np.abs(gap - med))) * 1.4826
    rz = (gap - med) / mad if mad > 0 else np.where(gap > med, np.inf, 0.0)
    out = sections.copy()
    out["robust_z"] = rz
    out["flagged"] = (rz > z) & (gap >= min_gap)
    return out


def section_chart(sections: pd.DataFrame, *, width: int = 360, height: int = 300) -> alt.LayerChart | alt.FacetChart:
    """Post-test gain against transfer-test gain per section, with the line where they agree."""
    s = sections.copy()
    if "flagged" not in s.columns:
        s["flagged"] = False
    s["status"] = np.where(s["flagged"], "flagged", s["teaching_mode"].astype(str))
    flagged = s[s["flagged"]]
    rest = s[~s["flagged"]]
    near = int(((rest["gap"] > -0.05) & (rest["gap"] < 0.15)).sum())  # on or just below the diagonal
    if flagged.empty:
        far = "no section stands out."
    else:
        parts = [f"{r.section} (post gain {r.post_gain:.2f}, transfer gain {r.transfer_gain:.2f})" for r in flagged.itertuples()]
        far = f"section{'s' if len(parts) > 1 else ''} {' and '.join(parts)} {'sit' if len(parts) > 1 else 'sits'} far below it."
    desc = ("Each point is a section: Hake gain on the post-test (x) against gain on the transfer test (y). "
            f"{near} of the {len(rest)}{' other' if len(flagged) else ''} sections lie on or just below the diagonal "
            "(gap under 0.15); " + far)
    # the axes cover the usual range of gains and stretch when a section falls outside it
    top = max(0.8, float(np.nanmax(s[["post_gain", "transfer_gain"]].to_numpy())) + 0.05) if len(s) else 0.8
    x_low = min(0.0, float(np.nanmin(s["post_gain"])) - 0.05) if len(s) else 0.0
    y_low = min(-0.1, float(np.nanmin(s["transfer_gain"])) - 0.05) if len(s) else -0.1
    diag = alt.Chart(pd.DataFrame({"x": [max(x_low, y_low), top], "y": [max(x_low, y_low), top]})).mark_line(
        strokeDash=[4, 4], color="#888").encode(x="x:Q", y="y:Q")
    pts = alt.Chart(s).mark_point(size=90, filled=True).encode(
        x=alt.X("post_gain:Q", title="gain on the post-test (tested format)", scale=alt.Scale(domain=[x_low, top])),
        y=alt.Y("transfer_gain:Q", title="gain on the transfer test", scale=alt.Scale(domain=[y_low, top])),
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=["traditional", "interactive", "flagged"], range=[charts.PALETTE[0], charts.PALETTE[2], charts.PALETTE[5]])),
        shape=alt.Shape("status:N", title=None, scale=alt.Scale(domain=["traditional", "interactive", "flagged"], range=["circle", "square", "triangle-up"])),
        tooltip=["section", "teaching_mode", alt.Tooltip("post_gain:Q", format=".2f"), alt.Tooltip("transfer_gain:Q", format=".2f")],
    )
    labels = alt.Chart(s[s["flagged"]]).mark_text(align="left", dx=8, dy=-6, fontSize=12, color="#333").encode(
        x="post_gain:Q", y="transfer_gain:Q", text="section:N")
    return alt.layer(diag, pts, labels).properties(title="Tested gains vs transfer gains by section", description=desc, width=width, height=height)


