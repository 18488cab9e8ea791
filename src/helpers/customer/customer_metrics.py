"""Survey metrics, retention, churn, profit and CLV (notebook 05)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .. import metrics
from ..validate import require_columns as _require
from ._common import _ratio

# --------------------------------------------------------------------------------------
# Survey metrics (customer_survey)
# --------------------------------------------------------------------------------------


def rating_distribution(scores: pd.Series | Sequence[float], low: int, high: int) -> pd.DataFrame:
    """Counts and percentages of each score low..high (missing answers dropped).

    Columns ``score``, ``responses``, ``percent``; every score of the scale appears, with 0
    where nobody chose it. Raises ValueError for a score outside [low, high].
    """
    s = pd.Series(scores).dropna().astype("int64")
    if ((s < low) | (s > high)).any():
        bad = s[(s < low) | (s > high)].iloc[0]
        raise ValueError(f"scores must be between {low} and {high}; got {bad}")
    counts = np.bincount(s.to_numpy() - low, minlength=high - low + 1)
    total = counts.sum()
    return pd.DataFrame({
        "score": np.arange(low, high + 1),
        "responses": counts,
        "percent": 100.0 * counts / total if total else np.nan,
    })


def csat_by(survey: pd.DataFrame, by: str | None = "segment") -> pd.DataFrame:
    """CSAT (top-two-box, :func:`helpers.metrics.csat`) next to the mean score, per group.

    Columns ``responses``, ``csat_top2`` (percent answering 4 or 5), ``mean_score``,
    ``bottom2`` (percent answering 1 or 2). ``by=None`` gives one row for everyone.
    """
    _require(survey, ["csat"] + ([by] if by else []), "survey")
    answered = survey.loc[survey["csat"].notna()]
    key = answered[by] if by else pd.Series("all respondents", index=answered.index, name="group")
    grouped = answered.groupby(key, observed=True, sort=True)["csat"]
    out = pd.DataFrame({
        "responses": grouped.size(),
        "csat_top2": grouped.apply(metrics.csat),
        "mean_score": grouped.mean().astype("float64"),
        "bottom2": grouped.apply(lambda s: 100.0 - metrics.top_box_share(s, 3)),
    })
    out.index.name = by or "group"
    return out


def nps_table(survey: pd.DataFrame, by: str = "segment", total: bool = True) -> pd.DataFrame:
    """NPS per group of respondents, with counts, standard error and a 95 % interval.

    Columns ``respondents``, ``promoters``, ``passives``, ``detractors`` (counts), ``nps``
    (:func:`helpers.metrics.nps_from_counts`), ``se`` (:func:`helpers.metrics.nps_standard_error`)
    and ``ci_low``/``ci_high`` (:func:`helpers.metrics.nps_confidence_interval`). Only rows with
    an ``nps`` answer count. With ``total`` a last row "All respondents" pools the counts
    (Reichheld, HBR 2003).
    """
    _require(survey, ["nps", by], "survey")
    r = survey.loc[survey["nps"].notna(), [by, "nps"]]
    groups = r.groupby(by, observed=True, sort=True)["nps"]
    score = r["nps"].astype("int64")
    group = pd.DataFrame({
        by: r[by],
        "promoters": (score >= metrics.NPS_PROMOTER_MIN).astype("int64"),
        "detractors": (score <= metrics.NPS_DETRACTOR_MAX).astype("int64"),
    }).groupby(by, observed=True, sort=True).sum()
    group["respondents"] = groups.size()
    group["passives"] = group["respondents"] - group["promoters"] - group["detractors"]
    interval = groups.apply(lambda s: metrics.nps_confidence_interval(s))
    group["se"] = groups.apply(metrics.nps_standard_error)
    group["ci_low"] = [lo for lo, _ in interval]
    group["ci_high"] = [hi for _, hi in interval]
    group.index = group.index.astype(str)
    if total:
        lo, hi = metrics.nps_confidence_interval(r["nps"])
        group.loc["All respondents"] = {
            "promoters": group["promoters"].sum(), "detractors": group["detractors"].sum(),
            "respondents": len(r), "passives": group["passives"].sum(),
            "se": metrics.nps_standard_error(r["nps"]), "ci_low": lo, "ci_high": hi,
        }
    group["nps"] = metrics.nps_from_counts(group["promoters"], group["passives"], group["detractors"])
    group.index.name = by
    cols = ["respondents", "promoters", "passives", "detractors", "nps", "se", "ci_low", "ci_high"]
    return group[cols].astype({c: "int64" for c in cols[:4]})


def pooled_vs_mean_nps(table: pd.DataFrame) -> dict[str, float]:
    """The NPS of everyone (pooled counts) versus the unweighted mean of group NPS values.

    ``pooled`` = :func:`helpers.metrics.nps_from_counts` of the summed counts (the right
    answer for the whole); ``mean_of_groups`` = mean of the groups' NPS (the trap: a group of
    100 weighs as much as a group of 1,000: the averaging-ratios trap).
    ``table`` is :func:`nps_table` output; an "All respondents" row is ignored.
    """
    _require(table, ("promoters", "passives", "detractors", "nps"), "table")
    t = table.drop(index="All respondents", errors="ignore")
    pooled = metrics.nps_from_counts(int(t["promoters"].sum()), int(t["passives"].sum()),
                                     int(t["detractors"].sum()))
    return {"pooled": float(pooled), "mean_of_groups": float(t["nps"].mean())}


def nps_points(scores: pd.Series | Sequence[float]) -> np.ndarray:
    """Each valid 0-10 answer as +1 (promoter 9-10), 0 (passive 7-8) or -1 (detractor 0-6).

    The mean of these points times 100 is the NPS (the scoring behind
    :func:`helpers.metrics.nps_standard_error`). Missing answers are dropped; scores are
    validated by :func:`helpers.metrics.nps_breakdown`.
    """
    metrics.nps_breakdown(scores)  # validation: 0-10 whole numbers, at least one answer
    v = pd.Series(scores).dropna().to_numpy(dtype="float64")
    return ((v >= metrics.NPS_PROMOTER_MIN).astype("int8") - (v <= metrics.NPS_DETRACTOR_MAX).astype("int8"))


def nps_sample_estimates(points: np.ndarray, n: int, draws: int = 400, seed: int = 0) -> np.ndarray:
    """NPS of ``draws`` simulated surveys of ``n`` respondents each.

    Each survey draws ``n`` answers with replacement from ``points`` (:func:`nps_points`; the
    real respondents stand in for the customer base) and its NPS is 100 * mean(points)
    (= %promoters - %detractors, Reichheld 2003). Vectorized: one (draws, n) index array.
    Drawing with replacement makes each simulated survey a sample from a large customer base
    in which the answers occur in the respondents' proportions (a bootstrap); drawing without
    replacement from only N answers would shrink the spread as n approaches N.
    Returns a float array of length ``draws``.
    """
    pts = np.asarray(points)
    if pts.ndim != 1 or pts.size == 0:
        raise ValueError("points must be a non-empty 1-D array of -1/0/+1 (see nps_points)")
    for value, name in ((n, "n"), (draws, "draws")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, pts.size, size=(int(draws), int(n)))
    return 100.0 * pts[idx].mean(axis=1, dtype="float64")


#: Survey sizes offered by the NPS noise widget of notebook 05.
NOISE_SIZES: tuple[int, ...] = (10, 25, 50, 100, 200, 400, 800)


def _size_seed(seed: int, n: int) -> int:
    """One random stream per (seed, survey size): the same size gives the same simulated
    surveys in every table and chart."""
    return int(seed) * 100_003 + int(n)


def _z95() -> float:
    return NormalDist().inv_cdf(0.975)


def nps_noise_table(
    scores: pd.Series | Sequence[float],
    sizes: Sequence[int] | None = None,
    draws: int = 400,
    seed: int = 0,
) -> pd.DataFrame:
    """How far a survey of n respondents can land from the NPS of all respondents.

    For each n in ``sizes`` (default :data:`NOISE_SIZES`): ``half_width_95`` = 1.96 * SE_n
    with SE_n = SE_N * sqrt(N / n), SE_N from :func:`helpers.metrics.nps_standard_error` on
    all N answers (the SE formula scales with 1 / sqrt(n)); ``sim_low``/``sim_high`` = 2.5th
    and 97.5th percentiles (values that simulated surveys actually took) of
    :func:`nps_sample_estimates` (one random stream per size, so a
    size gives the same surveys here and in :func:`nps_noise_chart`); ``share_off_by_10`` = percent of simulated
    surveys more than 10 NPS points from the full NPS. The full NPS is in ``.attrs["nps"]``.
    """
    sizes = NOISE_SIZES if sizes is None else sizes
    pts = nps_points(scores)
    full = metrics.nps(scores)
    se_full = metrics.nps_standard_error(scores)
    rows = []
    for n in sizes:  # a handful of sizes, each fully vectorized
        est = nps_sample_estimates(pts, int(n), draws, _size_seed(seed, int(n)))
        rows.append({
            "n": int(n),
            "half_width_95": _z95() * se_full * np.sqrt(pts.size / n),
            "sim_low": float(np.percentile(est, 2.5, method="inverted_cdf")),
            "sim_high": float(np.percentile(est, 97.5, method="inverted_cdf")),
            "share_off_by_10": 100.0 * float(np.mean(np.abs(est - full) > 10)),
        })
    out = pd.DataFrame(rows)
    out.attrs["nps"] = full
    return out


def _noise_frames(points: np.ndarray, sizes: Sequence[int], draws: int, seed: int
                  ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Histogram rows (n, start, end, surveys) and 95 % lines (n, x, dash) for every size."""
    pts = np.asarray(points)
    full = 100.0 * float(pts.mean())
    hists, lines = [], []
    for n in sizes:  # a handful of sizes, each fully vectorized
        est = nps_sample_estimates(pts, int(n), draws, _size_seed(seed, int(n)))
        # n answers can only give NPS values on a grid of step 100/n; bins of a whole number
        # of steps (about 5 points wide), centred on the grid, hold equally many grid values
        step = 100.0 / int(n)
        width = step * max(1, round(5.0 / step))
        edges = np.arange(-100.0 - step / 2, 100.0 + width, width)
        counts, _ = np.histogram(est, bins=edges)
        keep = counts > 0
        hists.append(pd.DataFrame({"n": int(n), "start": edges[:-1][keep], "end": edges[1:][keep],
                                   "surveys": counts[keep]}))
        lo, hi = np.percentile(est, [2.5, 97.5], method="inverted_cdf")
        lines.append(pd.DataFrame({"n": int(n), "x": [full, lo, hi], "dash": ["all", "95%", "95%"]}))
    return pd.concat(hists, ignore_index=True), pd.concat(lines, ignore_index=True), full


def _noise_text(lines: pd.DataFrame, full: float, n: int, draws: int) -> tuple[str, str]:
    row = lines.loc[(lines["n"] == n) & (lines["dash"] == "95%"), "x"]
    lo, hi = float(row.min()), float(row.max())
    title = f"n = {n}: 95% of surveys between {lo:.0f} and {hi:.0f} (all respondents: {full:.0f})"
    description = (f"Histogram of the NPS of {draws} simulated surveys of {n} respondents each. "
                   f"The NPS of all respondents is {full:.1f} (solid line); the middle 95% of "
                   f"simulated surveys lies between {lo:.1f} and {hi:.1f} (dashed lines).")
    return title, description


def _noise_chart(hist: pd.DataFrame, lines: pd.DataFrame, full: float, n: int, draws: int) -> alt.LayerChart | alt.FacetChart:
    param = alt.param(name="size", value=int(n))
    bars = alt.Chart(hist).transform_filter("datum.n == size").mark_bar(color="#56B4E9").encode(
        alt.X("start", type="quantitative", bin="binned", title="NPS of one simulated survey",
              scale=alt.Scale(domain=[-100, 100]), axis=alt.Axis(tickMinStep=10)),
        alt.X2("end"),
        alt.Y("surveys", type="quantitative", title=f"surveys (of {draws})"),
    )
    rules = alt.Chart(lines).transform_filter("datum.n == size").mark_rule(size=2, color="#000000").encode(
        alt.X("x", type="quantitative"),
        alt.StrokeDash("dash", type="nominal", legend=None,
                       scale=alt.Scale(domain=["all", "95%"], range=[[1, 0], [6, 4]])),
    )
    title, description = _noise_text(lines, full, int(n), draws)
    return alt.layer(bars, rules).add_params(param).properties(
        title=title, description=description, width=480, height=220)


def nps_noise_chart(points: np.ndarray, n: int = 50, sizes: Sequence[int] = NOISE_SIZES,
                    draws: int = 400, seed: int = 0) -> alt.LayerChart | alt.FacetChart:
    """Histogram of the NPS of ``draws`` simulated surveys of ``n`` respondents
    (:func:`nps_sample_estimates`), a solid line at the NPS of all respondents and dashed
    lines at the edges of the middle 95 % of simulated surveys.

    The chart carries the histograms of every size in ``sizes`` (``n`` is added if missing)
    and shows one through a Vega-Lite parameter, so :func:`nps_noise_view` can switch size
    without simulating or rebuilding anything.
    """
    sizes = tuple(sorted({int(s) for s in sizes} | {int(n)}))
    hist, lines, full = _noise_frames(np.asarray(points), sizes, draws, seed)
    return _noise_chart(hist, lines, full, int(n), draws)


def nps_noise_view(points: np.ndarray, sizes: Sequence[int] = NOISE_SIZES, draws: int = 400,
                   seed: int = 0) -> Callable[[int], dict[str, Any]]:
    """Widget callback factory for notebook 05: survey size n -> chart spec.

    Simulates every size in ``sizes`` once (as :func:`nps_noise_chart`); each call copies
    the spec, sets the ``size`` parameter and rewrites the title and description, so the
    slider only pays for drawing the SVG (:func:`helpers.charts.show` accepts the spec).
    ``n`` must be one of ``sizes``.
    """
    sizes = tuple(sorted({int(s) for s in sizes}))
    hist, lines, full = _noise_frames(np.asarray(points), sizes, draws, seed)
    base = _noise_chart(hist, lines, full, sizes[0], draws).to_dict()

    def view(n: int) -> dict[str, Any]:
        if int(n) not in sizes:
            raise ValueError(f"n must be one of {', '.join(map(str, sizes))}; got {n!r}")
        spec = dict(base)
        spec["params"] = [dict(p, value=int(n)) if p.get("name") == "size" else p for p in base["params"]]
        spec["title"], spec["description"] = _noise_text(lines, full, int(n), draws)
        return spec

    return view


_SURVEY_COLS = ("responded", "nps", "csat", "true_satisfaction", "churned_next_quarter")


def _survey_summary(frame: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Per group of ``key``: invited, respondents, NPS and CSAT (respondents), mean true
    satisfaction and churn next quarter (everyone invited)."""
    g = frame.groupby(key, observed=True, sort=True)
    out = pd.DataFrame({
        "invited": g.size(),
        "respondents": g["responded"].sum(),
        "nps": g["nps"].apply(lambda s: metrics.nps(s) if s.notna().any() else np.nan),
        "csat_top2": g["csat"].apply(lambda s: metrics.csat(s) if s.notna().any() else np.nan),
        "true_satisfaction": g["true_satisfaction"].mean(),
        "churn_next_quarter": g["churned_next_quarter"].mean() * 100.0,
        "churned": g["churned_next_quarter"].sum(),
        "respondents_churned": (frame["churned_next_quarter"] * frame["responded"]).groupby(
            key, observed=True, sort=True).sum(),
    })
    out["respondent_churn"] = _ratio(out["respondents_churned"], out["respondents"]) * 100.0
    return out.astype({"nps": "float64", "csat_top2": "float64"})


def nonresponse_comparison(survey: pd.DataFrame) -> pd.DataFrame:
    """Respondents vs non-respondents vs everyone invited (non-response bias).

    Columns as in :func:`survey_comparison`. ``true_satisfaction`` exists only in simulated
    data (the latent satisfaction of every invited customer); in real life you compare what
    you know of everyone (churn, tenure, segment). Rows: "respondents", "non-respondents",
    "all invited".
    """
    _require(survey, _SURVEY_COLS, "survey")
    key = survey["responded"].map({1: "respondents", 0: "non-respondents"})
    parts = _survey_summary(survey, key)
    everyone = _survey_summary(survey, pd.Series("all invited", index=survey.index))
    out = pd.concat([parts, everyone]).reindex(["respondents", "non-respondents", "all invited"])
    out["response_rate"] = 100.0 * out["respondents"] / out["invited"]
    out.index.name = "group"
    return out


def response_rate_by_satisfaction(
    survey: pd.DataFrame, bins: Sequence[float] = (0, 5, 6, 7, 8, 9, 10.001)
) -> pd.DataFrame:
    """Response rate by band of true (latent) satisfaction: who answers the survey?

    Columns ``band`` (text such as "7-8"), ``invited``, ``respondents``, ``response_rate``
    (percent). Bands are left-closed: [7, 8) holds 7.0 up to 7.9.
    """
    _require(survey, ("true_satisfaction", "responded"), "survey")
    edges = np.asarray(bins, dtype="float64")
    labels = [f"{a:g}-{min(b, 10):g}" for a, b in zip(edges[:-1], edges[1:])]
    band = pd.cut(survey["true_satisfaction"], edges, right=False, labels=labels)
    g = survey.groupby(band, observed=False)["responded"]
    out = pd.DataFrame({"invited": g.size(), "respondents": g.sum()})
    out["response_rate"] = _ratio(out["respondents"], out["invited"]) * 100.0
    out.index = out.index.astype(str)
    out.index.name = "band"
    return out.reset_index()


def survey_comparison(survey: pd.DataFrame, by: str) -> pd.DataFrame:
    """Survey results per value of ``by`` (e.g. ``coached_by_agent``, ``resolved_case``).

    Columns: ``invited``, ``respondents``, ``nps`` and ``csat_top2`` (of respondents, via
    :mod:`helpers.metrics`), ``true_satisfaction`` (mean, everyone invited; simulated data
    only), ``churn_next_quarter`` (percent of everyone invited who left) and ``churned``
    (their count), ``respondent_churn`` (percent of the respondents who left) and
    ``respondents_churned``. The two churn columns have different bases: say which one a
    sentence is about.
    """
    _require(survey, (*_SURVEY_COLS, by), "survey")
    out = _survey_summary(survey, survey[by])
    out.index.name = by
    return out


def survey_scenarios(survey: pd.DataFrame) -> pd.DataFrame:
    """NPS and CSAT under three survey practices: all respondents, coached answers removed,
    and only customers whose case was resolved (the "survey only happy paths" trap).

    Columns ``respondents``, ``nps``, ``csat_top2``; rows "all respondents",
    "without coached answers", "only resolved cases".
    """
    _require(survey, (*_SURVEY_COLS, "coached_by_agent", "resolved_case"), "survey")
    r = survey.loc[survey["responded"] == 1]
    keep = {
        "all respondents": np.ones(len(r), dtype=bool),
        "without coached answers": (r["coached_by_agent"] == 0).to_numpy(),
        "only resolved cases": (r["resolved_case"] == 1).to_numpy(),
    }
    rows = {name: {"respondents": int(mask.sum()),
                   "nps": metrics.nps(r.loc[mask, "nps"]),
                   "csat_top2": metrics.csat(r.loc[mask, "csat"])}
            for name, mask in keep.items()}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "scenario"
    return out


def rating_chart(dist: pd.DataFrame, top: Sequence[int] = (4, 5), title: str = "",
                 x_title: str = "answer") -> alt.Chart:
    """Bars of a :func:`rating_distribution`, the scores in ``top`` (the boxes a top-box
    share counts) in a second colour, labels upright."""
    _require(dist, ("score", "percent"), "dist")
    frame = dist.assign(counted=np.where(dist["score"].isin(list(top)), "counted in the score",
                                         "not counted"))
    share = float(frame.loc[frame["counted"] == "counted in the score", "percent"].sum())
    boxes = " and ".join(str(t) for t in top)
    return alt.Chart(frame).mark_bar().encode(
        alt.X("score:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        alt.Y("percent:Q", title="% of answers"),
        alt.Color("counted:N", title=None, sort=["counted in the score", "not counted"],
                  scale=alt.Scale(domain=["counted in the score", "not counted"],
                                  range=["#0072B2", "#BBBBBB"]),
                  legend=alt.Legend(orient="top")),
        tooltip=["score", "responses", alt.Tooltip("percent", format=".1f")],
    ).properties(
        title=title or f"Answers per score; {boxes} make the top-box share",
        width=420, height=220,
        description=(f"Bar chart of the share of answers per score from {int(dist['score'].min())} to "
                     f"{int(dist['score'].max())}; the bars for {boxes} are coloured and add up to "
                     f"{share:.1f}% of answers. "
                     + "; ".join(f"{int(a)}: {b:.1f}%" for a, b in zip(dist["score"], dist["percent"]))),
    )


def response_rate_chart(rates: pd.DataFrame) -> alt.Chart:
    """Bars of :func:`response_rate_by_satisfaction`, bands in order, labels upright."""
    _require(rates, ("band", "response_rate"), "rates")
    return alt.Chart(rates).mark_bar().encode(
        alt.X("band:O", title="true satisfaction (0-10), normally unobservable",
              sort=list(rates["band"]), axis=alt.Axis(labelAngle=0)),
        alt.Y("response_rate:Q", title="response rate (%)"),
        tooltip=["band", "invited", "respondents", alt.Tooltip("response_rate", format=".1f")],
    ).properties(
        title="Response rate by (normally unobservable) satisfaction", width=420, height=220,
        description=("Bar chart of the survey response rate for bands of true satisfaction: "
                     + "; ".join(f"{b}: {r:.1f}%" for b, r in zip(rates["band"], rates["response_rate"]))),
    )
