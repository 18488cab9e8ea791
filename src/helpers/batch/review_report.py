"""What the class review writes: ``exercises.csv``, ``class.html`` (the class,
never a ranking) and one feedback page per participant.

Pages are self-contained (inline CSS, no script, nothing from the network)
and built like the batch pages (:mod:`.report`): WCAG AA colours, underlined
links, no empty table header, no link that leads nowhere. Charts are plain
HTML bars beside the numbers they draw, so they show in any browser, offline,
and a screen reader reads the numbers.
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from .common import atomic_write
from .exercise_registry import ExerciseInfo
from .report import _INDEX_CSS, tidy_html
from .review_read import STATUSES, ClassRead, Submission, Unreadable, notebook_title, sort_exercises
from .runner import assign_folders

#: Below this many participants a notebook's table shows counts, no shares.
MIN_GROUP = 5
CSV_FILE = "exercises.csv"
CLASS_FILE = "class.html"
FEEDBACK_DIR = "feedback"
CSV_COLUMNS = ["participant", "notebook", "exercise", "status", "mistake"]
#: How many misconceptions "What to teach again" lists.
TEACH_AGAIN = 10

SMALL_GROUP_WHY = (
    "Fewer than {n} participants handed in this notebook, so it shows counts, not percentages: "
    "with so few people a percentage moves by 20 points or more when one person changes an answer, "
    "and it tells more about individuals than about the class."
)

_REVIEW_CSS = """
.bar{display:flex;width:14rem;height:1rem;border:1px solid #505050;background:#fff}
.bar span{display:block;height:100%}
.k-correct{background:#0072b2}.k-incorrect{background:#d55e00}
.k-not-attempted{background:repeating-linear-gradient(45deg,#8c8c8c 0 3px,#fff 3px 6px)}
.legend{display:flex;gap:1.2rem;flex-wrap:wrap;margin:.4rem 0 1rem 0;font-size:.9rem}
.legend span.swatch{display:inline-block;width:1rem;height:1rem;border:1px solid #505050;vertical-align:middle;margin-right:.3rem}
ol.teach li{margin-bottom:.8rem} .hint{margin:.2rem 0 0 0;padding-left:1.2rem}
.note{background:#f6f8fb;border-left:4px solid #1d4f91;padding:.4rem .8rem;margin:.6rem 0}
ul.mistakes{margin:0;padding-left:1.1rem;font-size:.9rem}
pre{background:#f4f4f4;color:#1a1a1a;padding:.5rem;overflow-x:auto;white-space:pre-wrap}
td.status-correct{color:#0b5d1e;font-weight:bold} td.status-incorrect{color:#8a3b00;font-weight:bold}
td.status-not-attempted{color:#36454f;font-weight:bold}
"""


@dataclass
class ExerciseStats:
    counts: Counter = field(default_factory=Counter)  # status -> participants
    mistakes: Counter = field(default_factory=Counter)  # label -> participants


@dataclass
class NotebookStats:
    notebook: str
    participants: int = 0
    exercises: dict[str, ExerciseStats] = field(default_factory=dict)


def class_stats(submissions: Sequence[Submission]) -> dict[str, NotebookStats]:
    """Per notebook and exercise: how many participants are correct,
    incorrect, not attempted, and how many hit each known mistake."""
    names: dict[str, set[str]] = defaultdict(set)
    for sub in submissions:
        names[sub.notebook].update(sub.exercises)
    stats: dict[str, NotebookStats] = {}
    for nn in sorted(names):
        nb = NotebookStats(nn, exercises={ex: ExerciseStats() for ex in sort_exercises(names[nn])})
        for sub in submissions:
            if sub.notebook != nn:
                continue
            nb.participants += 1
            for ex in sub.exercises:  # a participant's own version of the notebook may have fewer
                status, mistake = sub.status(ex)
                nb.exercises[ex].counts[status] += 1
                if mistake:
                    nb.exercises[ex].mistakes[mistake] += 1
        stats[nn] = nb
    return stats


def rows(submissions: Sequence[Submission]) -> list[list[str]]:
    """One row per participant x notebook x exercise (``CSV_COLUMNS``)."""
    out = []
    for sub in sorted(submissions, key=lambda s: (s.participant.casefold(), s.notebook)):
        for ex in sub.exercises:
            status, mistake = sub.status(ex)
            out.append([sub.participant, sub.notebook, ex, status, mistake])
    return out


def write_csv(out_dir: Path, submissions: Sequence[Submission]) -> Path:
    """``exercises.csv``: UTF-8 (no byte-order mark), columns exactly
    ``participant,notebook,exercise,status,mistake``; the notebook as text
    (``05``)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows(submissions))
    return atomic_write(out_dir / CSV_FILE, buf.getvalue())


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

esc = html.escape


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(title)}</title>\n<style>{_INDEX_CSS}{_REVIEW_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{body}</main>\n</body>\n</html>\n"
    )


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else ""


def _bar(counts: Counter, total: int) -> str:
    parts = []
    for status in STATUSES:
        n = counts.get(status, 0)
        if n:
            parts.append(f'<span class="k-{status.replace(" ", "-")}" style="width:{100 * n / total:.1f}%"></span>')
    return f'<div class="bar" aria-hidden="true">{"".join(parts)}</div>'


def _legend() -> str:
    return (
        '<div class="legend" aria-hidden="true">'
        + "".join(f'<span><span class="swatch k-{s.replace(" ", "-")}"></span>{esc(s)}</span>' for s in STATUSES)
        + "</div>"
    )


def _hints_html(info: ExerciseInfo | None) -> str:
    if info is None or not info.hints:
        return "<p class=\"hint\">(no hint text available for this exercise)</p>"
    return '<ul class="hint">' + "".join(f"<li>{esc(h)}</li>" for h in info.hints) + "</ul>"


def _question(info: ExerciseInfo | None) -> str:
    return esc(info.question) if info is not None and info.question else ""


Infos = Mapping[str, Mapping[str, ExerciseInfo]]


def teach_again(stats: Mapping[str, NotebookStats]) -> list[tuple[int, str, str, str, int]]:
    """(participants, notebook, exercise, mistake, handed in), most participants first."""
    items = []
    for nn, nb in stats.items():
        for ex, es in nb.exercises.items():
            for label, n in es.mistakes.items():
                items.append((n, nn, ex, label, sum(es.counts.values())))
    items.sort(key=lambda t: (-t[0], t[1], _num(t[2]), t[3]))
    return items[:TEACH_AGAIN]


def _num(exercise: str) -> int:
    digits = "".join(c for c in exercise if c.isdigit())
    return int(digits) if digits else 0


def _anchor(nn: str, ex: str = "") -> str:
    return f"nb{nn}" + (f"-{ex}" if ex else "")


def class_page(read: ClassRead, infos: Infos, notes: Mapping[str, str], *, mode: str, source: str) -> str:
    """The class report: what to teach again, then each notebook's exercises."""
    stats = class_stats(read.submissions)
    generated = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    n_people = len(read.participants)
    body = [
        "<h1>Class review</h1>",
        f"<p class=\"meta\">{n_people} participant{'s' if n_people != 1 else ''}, "
        f"{len(read.submissions)} notebook{'s' if len(read.submissions) != 1 else ''} read, "
        f"{len(read.unreadable)} file{'s' if len(read.unreadable) != 1 else ''} not read. "
        f"{esc(mode)}. Written {esc(generated)}.</p>",
        "<p>This page shows where the class as a whole found an exercise hard, so you can choose what to "
        "teach again. It names no one and ranks no one: one person's outcome on one day is a noisy "
        "measure, and a league table would turn a guide into a grade. Each participant's own page is in "
        f"the <code>{FEEDBACK_DIR}/</code> folder beside this one. The numbers for every participant and "
        f"exercise are in <a href=\"{CSV_FILE}\">{CSV_FILE}</a>.</p>",
    ]
    # what to teach again
    body.append('<h2 id="teach-again">What to teach again</h2>')
    items = teach_again(stats)
    if items:
        body.append("<p>Known mistakes, ordered by how many participants made them (their last attempt), "
                    "with the exercise's hints (as worded for the workbook's default data) as a starting point for the "
                    "explanation.</p><ol class=\"teach\">")
        for n, nn, ex, label, handed in items:
            info = infos.get(nn, {}).get(ex)
            body.append(
                f"<li><strong>{esc(label)}</strong> in <a href=\"#{_anchor(nn, ex)}\">notebook {esc(nn)}, "
                f"{esc(ex)}</a>: {n} of {handed} participant{'s' if handed != 1 else ''}."
                + (f"<br><small>{_question(info)}</small>" if _question(info) else "")
                + _hints_html(info) + "</li>"
            )
        body.append("</ol>")
    else:
        body.append("<p>No known mistake was recorded: nothing stands out to teach again.</p>")
    # per notebook
    body.append(_legend())
    for nn, nb in stats.items():
        small = nb.participants < MIN_GROUP
        body.append(f'<h2 id="{_anchor(nn)}">{esc(_heading(nn))}</h2>')
        body.append(f"<p class=\"meta\">Handed in by {nb.participants} participant{'s' if nb.participants != 1 else ''}.</p>")
        if small:
            body.append(f'<p class="note">{esc(SMALL_GROUP_WHY.format(n=MIN_GROUP))}</p>')
        if notes.get(nn):
            body.append(f'<p class="note">Hints not shown: {esc(notes[nn])}.</p>')
        head = "".join(f'<th scope="col">{esc(s)}</th>' for s in STATUSES)
        body.append(
            '<div class="table-wrap"><table>'
            f"<caption class=\"meta\" style=\"text-align:left\">Notebook {esc(nn)}: participants by outcome of each "
            f"exercise{'' if small else ' (count and share)'}</caption>"
            f'<thead><tr><th scope="col">exercise</th>{head}'
            + ("" if small else '<th scope="col">chart</th>')
            + '<th scope="col">known mistakes (participants)</th></tr></thead><tbody>'
        )
        for ex, es in nb.exercises.items():
            info = infos.get(nn, {}).get(ex)
            cells = "".join(
                f'<td class="num">{es.counts.get(s, 0)}'
                + ("" if small else f" ({_pct(es.counts.get(s, 0), sum(es.counts.values()))})") + "</td>"
                for s in STATUSES
            )
            mistakes = "".join(f"<li>{esc(label)}: {n}</li>" for label, n in
                               sorted(es.mistakes.items(), key=lambda kv: (-kv[1], kv[0])))
            unnamed = es.counts.get("incorrect", 0) - sum(es.mistakes.values())
            if unnamed > 0 and es.mistakes:
                mistakes += f"<li>another wrong answer: {unnamed}</li>"
            question = f"<br><small>{_question(info)}</small>" if _question(info) else ""
            body.append(
                f'<tr id="{_anchor(nn, ex)}"><td><strong>{esc(ex)}</strong>{question}</td>{cells}'
                + ("" if small else f"<td>{_bar(es.counts, sum(es.counts.values()))}</td>")
                + "<td>" + (f'<ul class="mistakes">{mistakes}</ul>' if mistakes else "") + "</td></tr>"
            )
        body.append("</tbody></table></div>")
    # could not read
    body.append('<h2 id="could-not-read">Could not read</h2>')
    if read.unreadable:
        body.append("<p>These files were left out (the terminal output of the review names each file; this page "
                    "names no one):</p><ol>")
        body.extend(f"<li>{esc(u.reason)}</li>" for u in read.unreadable)
        body.append("</ol>")
    else:
        body.append(f"<p>Every file in {esc(source)} was read.</p>")
    return tidy_html(_page("Class review", "\n".join(body) + "\n"), {CSV_FILE, CLASS_FILE})


def _heading(nn: str) -> str:
    title = notebook_title(nn)
    return f"Notebook {nn}: {title}" if title else f"Notebook {nn}"


def _status_cell(status: str) -> str:
    return f'<td class="status-{status.replace(" ", "-")}">{esc(status)}</td>'


def feedback_page(participant: str, subs: Sequence[Submission], infos: Infos, notes: Mapping[str, str],
                  own: Mapping[tuple[str, str], Mapping[str, ExerciseInfo]] | None = None) -> str:
    """One participant's own page: each exercise, its status, the hint for a
    wrong answer, the solution for one not attempted."""
    body = [
        f"<h1>Your exercises: {esc(participant)}</h1>",
        "<p>This page is for you, not a grade: it shows what your saved notebooks recorded when you last "
        "checked each exercise. For an exercise you got wrong, the hints point the way; for one you did not "
        "reach, the solution shows how. "
        + ("Hints and solutions here are computed on your own data (your notebook's parameters).</p>" if own else
           "Hints and solutions here describe the workbook's default data; in your notebook, <code>q1.hint()</code> "
           "and <code>q1.solution()</code> give them for your own data.</p>"),
    ]
    for sub in sorted(subs, key=lambda s: s.notebook):
        nn = sub.notebook
        body.append(f"<h2>{esc(_heading(nn))}</h2>")
        if notes.get(nn):
            body.append(f'<p class="note">Hints and solutions not available: {esc(notes[nn])}.</p>')
        body.append(
            '<div class="table-wrap"><table>'
            f"<caption class=\"meta\" style=\"text-align:left\">Notebook {esc(nn)}: your exercises</caption>"
            '<thead><tr><th scope="col">exercise</th><th scope="col">status</th>'
            '<th scope="col">what next</th></tr></thead><tbody>'
        )
        mine = (own or {}).get((sub.participant, nn)) or infos.get(nn, {})
        for ex in sub.exercises:
            status, mistake = sub.status(ex)
            info = mine.get(ex)
            question = f"<br><small>{_question(info)}</small>" if _question(info) else ""
            if status == "correct":
                nxt = "Well done."
            elif status == "incorrect":
                nxt = (f"It looks like <strong>{esc(mistake)}</strong>. " if mistake else "") + "Hints:" + _hints_html(info)
            else:
                if info is not None and info.solution:
                    nxt = "A solution on your data:<pre><code>" + esc(info.solution.strip()) + "</code></pre>"
                elif info is not None and info.solution_code:
                    nxt = "A solution:<pre><code>" + esc(info.solution_code.strip()) + "</code></pre>"
                    if info.why:
                        nxt += f"<p>Why: {esc(info.why)}</p>"
                else:
                    nxt = f"Run <code>{esc(ex)}.solution()</code> in your notebook to see a solution."
            body.append(f"<tr><td><strong>{esc(ex)}</strong>{question}</td>{_status_cell(status)}<td>{nxt}</td></tr>")
        body.append("</tbody></table></div>")
    return tidy_html(_page(f"Your exercises: {participant}", "\n".join(body) + "\n"), set())


def write_pages(out_dir: Path, read: ClassRead, infos: Infos, notes: Mapping[str, str], *, mode: str,
                source: str, own: Mapping[tuple[str, str], Mapping[str, ExerciseInfo]] | None = None) -> dict[str, Path]:
    """Write ``exercises.csv``, ``class.html`` and ``feedback/<participant>.html``
    (each atomically); return what was written by name."""
    written = {CSV_FILE: write_csv(out_dir, read.submissions)}
    written[CLASS_FILE] = atomic_write(out_dir / CLASS_FILE, class_page(read, infos, notes, mode=mode, source=source))
    by_person: dict[str, list[Submission]] = defaultdict(list)
    for sub in read.submissions:
        by_person[sub.participant].append(sub)
    files = assign_folders(sorted(by_person, key=str.casefold))
    for person, subs in by_person.items():
        page = feedback_page(person, subs, infos, notes, own)
        written[f"{FEEDBACK_DIR}/{files[person]}.html"] = atomic_write(out_dir / FEEDBACK_DIR / f"{files[person]}.html", page)
    _forget_stale_pages(out_dir, set(written))
    return written


#: The list of files the last review wrote into its folder.
MANIFEST_FILE = "review.json"


def _forget_stale_pages(out_dir: Path, written: set[str]) -> None:
    """Remove the feedback pages an earlier review wrote here that this one did
    not write again (a participant renamed, or names replaced by codes with
    --pseudonymize: an old page must not keep a name). Only pages listed in
    the earlier ``review.json`` are removed; nothing else is ever touched."""
    import json

    try:
        earlier = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        earlier = []
    for name in earlier if isinstance(earlier, list) else []:
        name = str(name)
        if name in written or not name.startswith(f"{FEEDBACK_DIR}/") or "/" in name[len(FEEDBACK_DIR) + 1:]:
            continue
        if name.endswith(".html") and ".." not in name:
            (out_dir / name).unlink(missing_ok=True)
    atomic_write(out_dir / MANIFEST_FILE, json.dumps({"format": 1, "files": sorted(written)}, indent=2,
                                                     ensure_ascii=False) + "\n")


def unreadable_line(u: Unreadable, root: Path) -> str:
    try:
        where = str(u.path.relative_to(root))
    except ValueError:
        where = str(u.path)
    return f"could not read {where}: {u.reason}"
