"""Find exercise answers that a notebook shows before the exercise asks for them.

A run of a notebook ends with a cell printing each exercise's *copy signature*
(:meth:`helpers.exercises.Exercise.copy_signature`): the expected value and how the check
compares it. :func:`copyable` then reads every output above the exercise's first
``qN.check(`` cell (text, HTML, and the text inside SVG charts) and reports an exercise
whose answer a learner could copy from there:

- a number: any printed number the check would accept (so "82" does not give away 81.8
  when the check asks for one decimal); whole numbers under 100 are skipped, since they
  appear everywhere (weeks, counts, ticks) and cannot be told apart from an answer;
- ids: an output whose ids of the same shape are exactly the expected set;
- a label from a list of options: an output naming the right option and no other;
- a Series answer: an output holding every one of its values at the check's precision.

Code exercises cannot be copied (the learner's function is run on edge cases) and years,
True/False and labels without options are not judged.
"""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any

SIGNATURES = """
import json as _json
from helpers.exercises import ExerciseSet as _ES
_sets = [v for v in list(globals().values()) if isinstance(v, _ES)]
print("COPY-SIGNATURES " + _json.dumps([s for x in _sets for s in x.copy_signatures()], default=str))
"""

#: Exercises allowed to repeat a value shown above them (notebook, exercise).
EXEMPT = {("00", "q1")}  # 00's first warm-up: reading a printed number is the skill

_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
_TAG = re.compile(r"<[^>]+>")
_SVG_TEXT = re.compile(r"<text[^>]*>(.*?)</text>", re.S)


def signatures(nb: Any) -> list[dict[str, Any]]:
    for out in nb.cells[-1].get("outputs", []):
        for line in out.get("text", "").splitlines():
            if line.startswith("COPY-SIGNATURES "):
                return json.loads(line[len("COPY-SIGNATURES "):])
    raise AssertionError("the run printed no copy signatures")


def _texts(output: Any) -> list[str]:
    texts: list[str] = []
    if "text" in output:
        texts.append(output["text"])
    data = output.get("data", {})
    if "text/plain" in data:
        texts.append(data["text/plain"])
    if "text/html" in data:
        raw = data["text/html"]
        for b64 in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", raw):
            texts.append(" ".join(_SVG_TEXT.findall(base64.b64decode(b64).decode("utf-8", "replace"))))
        texts.append(html.unescape(_TAG.sub(" ", re.sub(r'src="data:[^"]*"', "", raw))))
    if "image/svg+xml" in data:
        texts.append(" ".join(_SVG_TEXT.findall(data["image/svg+xml"])))
    return texts


def _numbers(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in _NUMBER.findall(text)]


def _accepts(token: float, value: float, tol: list[float]) -> bool:
    return abs(token - value) <= max(tol[0], tol[1] * abs(value)) + 1e-12


def _shape(ident: str) -> str:
    return re.sub(r"\d+", r"\\d+", re.sub(r"[A-Za-z]+", "[A-Za-z]+", re.escape(ident)))


def _norm(s: str) -> str:
    return " ".join(str(s).strip().casefold().replace("_", " ").replace("-", " ").split())


def _shown(sig: dict[str, Any], text: str) -> bool:
    kind = sig["kind"]
    if kind == "number":
        value = float(sig["value"])
        if float(value).is_integer() and abs(value) < 100:
            return False
        return any(_accepts(t, value, sig["tol"]) for t in _numbers(text))
    if kind == "ids":
        want = {_norm(v) for v in sig["value"]}
        if not want:
            return False
        shapes = {_shape(v) for v in sig["value"]}
        pattern = re.compile(r"(?<![\w])(?:" + "|".join(sorted(shapes)) + r")(?![\w])")
        return {_norm(t) for t in pattern.findall(text)} == want
    if kind == "label" and sig.get("options"):
        low = _norm(text)
        def has(label: str) -> bool:
            return re.search(r"(?<![\w])" + re.escape(_norm(label)) + r"(?![\w])", low) is not None
        others = [o for o in sig["options"] if _norm(o) != _norm(sig["value"])]
        return has(sig["value"]) and not any(has(o) for o in others)
    if kind == "frame" and len(sig.get("value", [])) >= 2:
        tokens = _numbers(text)
        return all(any(_accepts(t, v, sig["tol"]) for t in tokens) for v in sig["value"])
    return False


def copyable(nb: Any, notebook: str) -> list[str]:
    """One line per exercise whose answer is shown above its first check."""
    problems = []
    for sig in signatures(nb):
        name = sig["exercise"]
        if (notebook, name) in EXEMPT:
            continue
        first = next((i for i, c in enumerate(nb.cells)
                      if c.cell_type == "code" and re.search(rf"\b{name}\.check\(", c.source)), None)
        if first is None:
            problems.append(f"{notebook} {name}: no cell calls {name}.check(")
            continue
        for i, cell in enumerate(nb.cells[:first]):
            for out in cell.get("outputs", []):
                for text in _texts(out):
                    if _shown(sig, text):
                        snippet = " ".join(text.split())[:120]
                        problems.append(f"{notebook} {name}: the answer is shown in the output of cell {i}: {snippet!r}")
                        break
                else:
                    continue
                break
    return problems
