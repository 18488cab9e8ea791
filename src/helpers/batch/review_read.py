"""Reading a class's saved notebooks for the class review (no code runs).

A submission is one saved notebook of one participant. What it holds:

- the **outcome records** the checks left in its outputs (MIME type
  :data:`helpers.exercises.RECORD_MIME`, ``kind`` ``"check"``; see
  ``docs/authoring.md``, "The outcome record"); the last record of an
  exercise in the notebook is its outcome;
- the **full list of its exercises**: every ``qN.check(`` in its code cells
  and every exercise it recorded (when its source holds none, the
  workbook's own ``notebooks/NN_*.ipynb``), so an exercise the participant
  never reached counts as "not attempted";
- its **parameters**: the ``parameters`` cell's values, overridden by the
  values papermill injected (``injected-parameters`` cell or the
  notebook's papermill metadata).

Whose it is comes from its path (:func:`participant_name`). Everything
that cannot be read becomes a :class:`Unreadable` with a one-line reason
that names no one (the path is kept apart for the terminal).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .common import NOTEBOOKS_DIR

RECORD_MIME = "application/vnd.metrics-workbook.check+json"
STATUSES = ("correct", "incorrect", "not attempted")
NAME_FROM = ("folder", "file")

_CHECK_CALL = re.compile(r"^[^#\n]*?\b(q\d+)\.check\(", re.M)
_NOTEBOOK_REF = re.compile(r"\bnb(\d{2})\.exercises\(|helpers\.exercises\s+import\s+[^\n]*\bnb(\d{2})\b")
_FILE_NUMBER = re.compile(r"(?:^|[^0-9])(\d{2})_[a-z]", re.I)


@dataclass
class Submission:
    """One participant's saved notebook, read."""

    path: Path
    participant: str
    notebook: str  # "05"
    exercises: list[str]  # q1, q2, ... in order
    outcomes: dict[str, dict[str, Any]]  # exercise -> its last check record
    parameters: dict[str, Any] = field(default_factory=dict)
    mtime: float = 0.0

    def status(self, exercise: str) -> tuple[str, str]:
        """(status, mistake) of ``exercise``: the last record, or "not attempted"."""
        rec = self.outcomes.get(exercise)
        if rec is None:
            return "not attempted", ""
        status = rec["status"]
        return status, (str(rec.get("mistake") or "") if status == "incorrect" else "")


@dataclass
class Unreadable:
    """A file the review could not use, and why (one line, naming no one)."""

    path: Path
    reason: str
    participant: str = ""
    notebook: str = ""


def _exercise_key(name: str) -> tuple[int, str]:
    m = re.fullmatch(r"[a-z]+(\d+)", name)
    return (int(m.group(1)) if m else 10**6, name)


def sort_exercises(names: Any) -> list[str]:
    return sorted(set(names), key=_exercise_key)


# --------------------------------------------------------------------------
# whose submission
# --------------------------------------------------------------------------

_LMS_NOISE = re.compile(r"(?<![^\W_])(?:assignsubmission_?file|assignsubmission_?onlinetext|onlinetext|late)(?![^\W_])",
                        re.I)
#: Moodle's "download all submissions" folders: ``Amara Okafor_81234_assignsubmission_file_``.
_MOODLE_FOLDER = re.compile(r"_\d+_assignsubmission_(?:file|onlinetext)_?$", re.I)


def _tidy(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[_.\s]+", " ", text)
    return re.sub(r"\s*-\s*", "-", text).strip(" -")


def name_from_file(stem: str) -> str:
    """A participant's name from a file name (without ``.ipynb``).

    The rule (``--name-from file``): remove the workbook notebook's name
    wherever it stands (``05_customer_metrics``, ``05-customer-metrics``),
    or a notebook number standing alone at either end (``05``); remove what
    learning platforms add (``assignsubmission_file``, ``onlinetext``,
    numeric ids such as ``_123456_``, a ``(1)`` copy marker); then
    underscores and dots become spaces. ``Amara Okafor_81234_assignsubmission_file_05_customer_metrics``
    gives ``Amara Okafor``; an empty result gives the whole stem.
    """
    text = stem
    for nb in workbook_notebook_names():
        pattern = re.escape(nb).replace(r"_", r"[_\- ]")
        text = re.sub(pattern, " ", text, flags=re.I)
    text = re.sub(r"\(\d+\)", " ", text)
    text = _LMS_NOISE.sub(" ", text)
    text = re.sub(r"(?:^|(?<=[\s_\-.]))\d+(?=$|[\s_\-.])", " ", text)
    name = _tidy(text)
    return name or _tidy(stem) or stem


def participant_name(path: Path, root: Path, name_from: str = "folder") -> str:
    """Whose submission ``path`` is, by the documented rule.

    ``folder`` (the default): the name of the folder directly inside
    SUBMISSIONS that holds the file (``class/Amara Okafor/week2/05.ipynb``
    -> ``Amara Okafor``), without the suffix Moodle adds to its download
    folders (``Amara Okafor_81234_assignsubmission_file_``); a file lying
    directly in SUBMISSIONS falls back to the ``file`` rule. ``file``: :func:`name_from_file` of the file name.
    """
    rel = path.relative_to(root)
    if name_from == "folder" and len(rel.parts) > 1:
        folder = _MOODLE_FOLDER.sub("", unicodedata.normalize("NFC", rel.parts[0])).strip()
        return folder or rel.parts[0]
    return name_from_file(path.stem)


def pseudonym(name: str) -> str:
    """A stable code for a name: the same name gives the same code in every
    review (case, accents and spacing aside). Not a secret: anyone holding
    the roster can compute the codes."""
    key = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return "P-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:6].upper()


# --------------------------------------------------------------------------
# the workbook's notebooks
# --------------------------------------------------------------------------

_WORKBOOK_CACHE: dict[str, Any] = {}


def workbook_notebooks() -> dict[str, Path]:
    """``{"05": notebooks/05_customer_metrics.ipynb, ...}``."""
    if "paths" not in _WORKBOOK_CACHE:
        found: dict[str, Path] = {}
        if NOTEBOOKS_DIR.is_dir():
            for p in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):
                found.setdefault(p.name[:2], p)
        _WORKBOOK_CACHE["paths"] = found
    paths: dict[str, Path] = _WORKBOOK_CACHE["paths"]
    return paths


def workbook_notebook_names() -> list[str]:
    return [p.stem for p in workbook_notebooks().values()]


def notebook_title(nn: str) -> str:
    """``customer metrics`` for workbook notebook ``05``; empty for another."""
    p = workbook_notebooks().get(nn)
    return p.stem[3:].replace("_", " ") if p else ""


def workbook_exercises(nn: str) -> list[str]:
    """The checked exercises of the workbook's notebook ``nn`` (``qN.check(`` cells)."""
    key = f"ex:{nn}"
    if key not in _WORKBOOK_CACHE:
        names: list[str] = []
        p = workbook_notebooks().get(nn)
        if p is not None:
            try:
                names = source_exercises(json.loads(p.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                names = []
        _WORKBOOK_CACHE[key] = names
    return list(_WORKBOOK_CACHE[key])


# --------------------------------------------------------------------------
# one notebook
# --------------------------------------------------------------------------


def _text(source: Any) -> str:
    if isinstance(source, list):
        return "".join(str(s) for s in source)
    return source if isinstance(source, str) else ""


def _code_cells(nb: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for cell in nb.get("cells") or []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            yield cell


def source_exercises(nb: dict[str, Any]) -> list[str]:
    """Every ``qN`` with a ``qN.check(`` call in a code cell (comments aside)."""
    found: set[str] = set()
    for cell in _code_cells(nb):
        found.update(_CHECK_CALL.findall(_text(cell.get("source"))))
    return sort_exercises(found)


def records(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """Every well-formed outcome record in the notebook's outputs, in order."""
    out: list[dict[str, Any]] = []
    for cell in _code_cells(nb):
        for output in cell.get("outputs") or []:
            data = output.get("data") if isinstance(output, dict) else None
            if not isinstance(data, dict) or RECORD_MIME not in data:
                continue
            rec = data[RECORD_MIME]
            if isinstance(rec, (str, list)):
                try:
                    rec = json.loads(_text(rec))
                except ValueError:
                    continue
            if isinstance(rec, dict) and isinstance(rec.get("exercise"), str) and isinstance(rec.get("status"), str):
                out.append(rec)
    return out


def _literal(node: ast.AST, source: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _assignments(source: str) -> dict[str, Any]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = _literal(node.value, source)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = _literal(node.value, source)
    return found


def saved_parameters(nb: dict[str, Any]) -> dict[str, Any]:
    """The parameters the notebook ran with: the ``parameters`` cell, then
    papermill's injected values (cell or metadata) over it."""
    params: dict[str, Any] = {}
    injected: dict[str, Any] = {}
    for cell in _code_cells(nb):
        tags = (cell.get("metadata") or {}).get("tags") or []
        if "parameters" in tags and not params:
            params = _assignments(_text(cell.get("source")))
        elif "injected-parameters" in tags:
            injected = _assignments(_text(cell.get("source")))
    meta = ((nb.get("metadata") or {}).get("papermill") or {}).get("parameters")
    if isinstance(meta, dict):
        injected = {**meta, **injected}
    return {**params, **injected}


def _notebook_of(nb: dict[str, Any], recs: list[dict[str, Any]], path: Path) -> str:
    numbers = Counter(str(r.get("notebook") or "") for r in recs if r.get("notebook"))
    if numbers:
        return numbers.most_common(1)[0][0]
    for cell in _code_cells(nb):
        m = _NOTEBOOK_REF.search(_text(cell.get("source")))
        if m:
            return m.group(1) or m.group(2)
    m = _FILE_NUMBER.search(path.name)
    if m and m.group(1) in workbook_notebooks():
        return m.group(1)
    return ""


def _mentions_workbook(nb: dict[str, Any]) -> bool:
    for cell in _code_cells(nb):
        src = _text(cell.get("source"))
        if "helpers" in src and ("exercises" in src or "from helpers" in src or "import helpers" in src):
            return True
    return False


def read_submission(path: Path, participant: str) -> Submission | Unreadable:
    """Read one file; never raises for bad content."""
    try:
        return _read_submission(path, participant)
    except Exception as exc:  # a malformed notebook must not stop the review
        return Unreadable(path, f"not a readable notebook (malformed: {type(exc).__name__})", participant)


def _read_submission(path: Path, participant: str) -> Submission | Unreadable:
    try:
        raw = path.read_bytes()
        mtime = path.stat().st_mtime
    except OSError as exc:
        return Unreadable(path, f"cannot be opened ({exc.strerror or type(exc).__name__})", participant)
    if not raw.strip():
        return Unreadable(path, "an empty file", participant)
    if path.suffix.lower() != ".ipynb":
        what = path.suffix.lower() or "no extension"
        unpack = "; unpack it into SUBMISSIONS first" if what == ".zip" else ""
        return Unreadable(path, f"not a notebook (a {what} file{unpack})", participant)
    try:
        nb = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return Unreadable(path, "not a notebook (not text)", participant)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        where = f" at line {line}" if line else ""
        return Unreadable(path, f"corrupt: not valid JSON{where} (was it saved completely?)", participant)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return Unreadable(path, "not a notebook (JSON without notebook cells)", participant)
    recs = records(nb)
    nn = _notebook_of(nb, recs, path)
    checks = [r for r in recs if r.get("kind", "check") == "check" and r.get("status") in STATUSES]
    if not recs:
        if nn or _mentions_workbook(nb):  # q1.check( alone is no proof: learntools courses use it too
            label = f"notebook {nn}" if nn else "a notebook of this workbook"
            return Unreadable(path, f"{label} saved before any check ran (no outcome recorded; "
                              "outputs never run or cleared)", participant, nn)
        return Unreadable(path, "not a notebook of this workbook (no exercise of it; another course's?)", participant)
    if not nn:
        return Unreadable(path, "outcome records without a notebook number", participant)
    outcomes: dict[str, dict[str, Any]] = {}
    for rec in checks:
        if str(rec.get("notebook") or nn) == nn:
            outcomes[rec["exercise"]] = rec  # the last record of an exercise wins
    names = set(source_exercises(nb)) | set(outcomes)
    if not names:
        names = set(workbook_exercises(nn))
    return Submission(path, participant, nn, sort_exercises(names), outcomes, saved_parameters(nb), mtime)


# --------------------------------------------------------------------------
# a folder of submissions
# --------------------------------------------------------------------------


def find_files(root: Path, skip: Path | None = None) -> list[Path]:
    """Every file under ``root`` (recursively), hidden files and folders
    (``.ipynb_checkpoints``, ``.DS_Store``, ``__MACOSX``) and ``skip`` aside."""
    skip_resolved = skip.resolve() if skip is not None else None
    out: list[Path] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d != "__MACOSX"
            and (skip_resolved is None or (here / d).resolve() != skip_resolved)
        )
        out.extend(here / f for f in sorted(files) if not f.startswith(".") and not f.startswith("~$"))
    return out


@dataclass
class ClassRead:
    """Everything read from SUBMISSIONS: the submissions used and the files not used."""

    submissions: list[Submission]
    unreadable: list[Unreadable]
    files_seen: int = 0

    @property
    def participants(self) -> list[str]:
        return sorted({s.participant for s in self.submissions}, key=str.casefold)


def read_class(root: str | Path, *, name_from: str = "folder", pseudonymize: bool = False,
               skip: Path | None = None) -> ClassRead:
    """Read every file under ``root``. Duplicates of one participant's
    notebook: the newest (modification time, then path) is used, the others
    are listed as unreadable."""
    root = Path(root)
    files = find_files(root, skip)
    read: list[Submission] = []
    bad: list[Unreadable] = []
    for path in files:
        name = participant_name(path, root, name_from)
        if pseudonymize:
            name = pseudonym(name)
        item = read_submission(path, name)
        (read if isinstance(item, Submission) else bad).append(item)  # type: ignore[arg-type]
    newest: dict[tuple[str, str], Submission] = {}
    for sub in sorted(read, key=lambda s: (s.mtime, str(s.path))):
        key = (sub.participant.casefold(), sub.notebook)
        older = newest.get(key)
        if older is not None:
            bad.append(Unreadable(older.path, f"an older copy of the same participant's notebook {sub.notebook} "
                                  "(the newest copy is read)", older.participant, older.notebook))
        newest[key] = sub
    kept = sorted(newest.values(), key=lambda s: (s.participant.casefold(), s.notebook))
    bad.sort(key=lambda u: str(u.path))
    return ClassRead(kept, bad, len(files))
