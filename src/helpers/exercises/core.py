"""Exercises, code exercises, predictions and reflections, and the set a notebook uses.

- :class:`Exercise`: the learner computes a value; ``q1.check(value)``.
- :class:`CodeExercise`: the learner writes a function; ``q1.check(my_function)`` runs it on
  the run's own data **and** on edge cases (learntools' ``FunctionProblem`` pattern) and
  reports the first case it gets wrong in one line.
- :class:`Prediction`: the learner writes a guess before a key result; ``p1.reveal(guess)``
  compares it with the result afterwards. Not scored.
- :class:`Reflection`: a prompt, an answer cell, a model answer.

Expected values are never constants: each exercise computes them from the data the
notebook loaded, so every seed, size and data folder checks correctly.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .compare import Comparer, norm_label, number, to_number
from .feedback import ANSWERED, CORRECT, INCORRECT, NOT_ATTEMPTED, Feedback, Status, ____, as_given, is_blank

__all__ = ["Case", "CodeExercise", "Exercise", "ExerciseSet", "Prediction", "Reflection", "distinct_mistakes"]

Mistake = tuple[str, Callable[[], Any], str]
CodeMistake = tuple[str, Callable[..., Any], str]


def _show(value: Any, decimals: int) -> str:
    """A value as a solution prints it: numbers at the check's precision."""
    number_ = to_number(value)
    if number_ is not None and not isinstance(value, pd.Series | pd.DataFrame):
        if float(number_).is_integer() and decimals == 0:
            return f"{int(number_):,}"
        return f"{number_:,.{decimals}f}"
    if isinstance(value, pd.Series):
        rounded = value.round(decimals) if pd.api.types.is_numeric_dtype(value) else value
        return "\n" + rounded.to_string()
    if isinstance(value, pd.DataFrame):
        return "\n" + value.round(decimals).to_string()
    if isinstance(value, set | frozenset | list | tuple):
        return "[" + ", ".join(sorted(map(str, value))) + "]"
    return repr(value)


def _decimals(compare: Comparer, default: int = 2) -> int:
    return int(getattr(compare, "decimals", default))


def _same(a: Any, b: Any) -> bool:
    """True when two computed values are the same (a mistake that coincides with the answer)."""
    x, y = to_number(a), to_number(b)
    if x is not None and y is not None:
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
    try:
        return bool(a == b)
    except Exception:
        return False


def distinct_mistakes(mistakes: Sequence[Mistake], expected: float, tol: float, margin: float = 2.0) -> list[Mistake]:
    """The known mistakes this run's data can tell apart from the answer.

    A mistake is kept when its value is a finite number more than ``margin * tol`` from
    ``expected`` (with the default 2, no answer within the check's tolerance of the right
    one can match it; with 1, the check itself still tries the answer first); each value
    is computed once. Use it to build an exercise's ``mistakes`` when
    some of them coincide with the answer on some data (equal group sizes, no
    exclusions, ...).
    """
    kept: list[Mistake] = []
    for label, wrong, message in mistakes:
        try:
            value = float(wrong())
        except Exception:
            continue
        if math.isfinite(value) and abs(value - float(expected)) > margin * tol + 1e-9:
            kept.append((label, _constant(value), message))
    return kept


def _constant(value: float) -> Callable[[], float]:
    return lambda: value


@dataclass
class _Checked:
    """What every checked item shares: a name, hints, a solution and the outcome record."""

    name: str
    question: str
    hints: Sequence[str] = ()
    solution_code: str = ""
    why: str = ""
    explain: str = ""
    notebook: str = ""
    _hint_index: int = field(default=0, init=False, repr=False)

    def _feedback(self, status: Status, message: str, answer: Any = ____, mistake: str = "") -> Feedback:
        return Feedback(status, message, self.name, self.notebook, mistake,
                        "" if answer is ____ else as_given(answer))

    def _tip(self) -> str:
        if not self.hints:
            return f" See {self.name}.solution() if you are stuck."
        remaining = len(self.hints) - self._hint_index
        left = f" ({remaining} hint{'s' if remaining != 1 else ''} left)" if remaining > 0 else ""
        return f" Try {self.name}.hint(){left}."

    def hint(self, n: int | None = None) -> None:
        """Print the next hint (or hint ``n``, 1-based); later hints say more."""
        print(self.hint_text(n))

    def hint_text(self, n: int | None = None) -> str:
        """The text :meth:`hint` prints (advances to the next hint)."""
        if not self.hints:
            return "No hint for this one: see .solution()."
        if n is None:
            idx = min(self._hint_index, len(self.hints) - 1)
            self._hint_index = min(self._hint_index + 1, len(self.hints))
        else:
            idx = max(0, min(int(n), len(self.hints)) - 1)
        return f"Hint {idx + 1}/{len(self.hints)}: {self.hints[idx]}"

    def solution(self) -> None:
        """Print the solution: the pandas, the value it gives on this run's data, and why."""
        print(self.solution_text())

    def expected_value(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _decimals(self) -> int:  # pragma: no cover - overridden
        return 2

    def solution_text(self) -> str:
        """The text :meth:`solution` prints."""
        expected = self.expected_value()
        is_year = getattr(getattr(self, "compare", None), "kind", "") == "year" and to_number(expected) is not None
        value = str(int(to_number(expected) or 0)) if is_year else _show(expected, self._decimals())  # 2018, not 2,018.00
        text = f"Solution:\n{self.solution_code.strip()}\n# gives {value} on this notebook's data"
        if self.why:
            text += f"\nWhy: {self.why}"
        return text


@dataclass
class Exercise(_Checked):
    """A question whose answer is a value the learner computes.

    ``expected`` computes the right answer from this run's data (called once, lazily);
    ``compare`` decides whether an answer matches (:func:`~helpers.exercises.number`,
    :func:`~helpers.exercises.members`, ...); ``mistakes`` are known wrong approaches as
    ``(label, function computing the wrong value, message)``: an answer equal to one gets
    that message. A mistake the tolerance would accept is a defect that :meth:`self_test`
    reports (unless it coincides with the right answer on this data).
    """

    expected: Callable[[], Any] = field(default=lambda: None)
    compare: Comparer = field(default_factory=number)
    mistakes: Sequence[Mistake] = ()
    _cache: Any = field(default=None, init=False, repr=False)
    _cached: bool = field(default=False, init=False, repr=False)

    def expected_value(self) -> Any:
        """The answer computed from this run's own data (cached)."""
        if not self._cached:
            self._cache = self.expected()
            self._cached = True
        return self._cache

    def _decimals(self) -> int:
        return _decimals(self.compare)

    def _mistake_values(self) -> Iterator[tuple[str, Any, str]]:
        for label, wrong_value, message in self.mistakes:
            try:
                yield label, wrong_value(), message
            except Exception:
                continue

    def check(self, answer: Any = ____) -> Feedback:
        """Check ``answer``: correct, incorrect (with help) or not attempted."""
        if is_blank(answer):
            note = ""
            if answer is not None and not isinstance(answer, str) and answer is not ____:
                note = "your answer is missing (NaN): if you computed it, look for missing values or a division by zero; "
            return self._feedback(NOT_ATTEMPTED, f"{note}replace ____ with your answer, run the cell, then check again "
                                  f"(stuck? {self.name}.hint())", answer)
        expected = self.expected_value()
        problem = self.compare(answer, expected)
        if problem is None:
            return self._feedback(CORRECT, "well done." + (f" {self.explain}" if self.explain else ""), answer)
        for label, wrong, message in self._mistake_values():
            if _same(wrong, expected) or self.compare(wrong, expected) is None:
                continue
            if self.compare(answer, wrong) is None:
                if getattr(problem, "precision", False) and not _same(answer, wrong):
                    continue  # "82" for 81.8 is a rounding matter, even if a mistake gives 82.1
                return self._feedback(INCORRECT, f"{problem}. It looks like {label}: {message}", answer, label)
        tip = self._tip() if getattr(problem, "generic", False) else ""
        return self._feedback(INCORRECT, f"{problem}.{tip}", answer)

    def copy_signature(self) -> dict[str, Any]:
        """What a copied answer would look like (for the test that no answer is shown above it)."""
        kind = getattr(self.compare, "kind", "other")
        value = self.expected_value()
        sig: dict[str, Any] = {"exercise": self.name, "kind": kind}
        if kind == "number":
            sig["value"] = float(to_number(value) or 0.0)
            sig["tol"] = list(getattr(self.compare, "tolerance", (0.0, 0.0)))
        elif kind == "ids":
            sig["value"] = sorted(str(v) for v in value)
        elif kind in ("label", "year", "boolean"):
            sig["value"] = str(value)
            options = getattr(self.compare, "options", None)
            sig["options"] = list(options) if options else None
        elif kind == "frame" and isinstance(value, pd.Series):
            sig["value"] = [float(v) for v in pd.to_numeric(value, errors="coerce").dropna()]
            sig["tol"] = list(getattr(self.compare, "tolerance", (0.0, 0.0)))
        return sig

    def self_test(self) -> list[str]:
        """Problems with this exercise's own logic on this data (empty when sound).

        The expected value passes its own check, and so does the value the solution
        prints; the placeholder and NaN are "not attempted"; every listed mistake that
        differs from the right answer on this data is judged incorrect and named.
        """
        problems: list[str] = []
        saved = self._hint_index
        expected = self.expected_value()
        if not self.check(expected).correct:
            problems.append(f"{self.name}: the expected value fails its own check")
        shown = to_number(expected)
        if shown is not None and getattr(self.compare, "kind", "") == "number":
            printed = round(shown, self._decimals())
            if not self.check(printed).correct:
                problems.append(f"{self.name}: the value the solution prints ({printed}) fails the check")
        for blank in (____, float("nan")):
            if self.check(blank).status != NOT_ATTEMPTED:
                problems.append(f"{self.name}: {blank!r} is not reported as not attempted")
        for label, wrong_value, _ in self.mistakes:
            try:
                wrong = wrong_value()
            except Exception as exc:  # check() skips it; say so here
                problems.append(f"{self.name}: mistake '{label}' cannot be computed ({type(exc).__name__}: {exc})")
                continue
            if _same(wrong, expected):
                continue  # this data cannot tell the mistake from the answer
            if self.compare(wrong, expected) is None:
                problems.append(f"{self.name}: the tolerance accepts the known mistake '{label}' ({as_given(wrong)})")
                continue
            fb = self.check(wrong)
            if fb.status != INCORRECT or not fb.mistake:
                problems.append(f"{self.name}: mistake '{label}' is not reported as that mistake")
        self._hint_index = saved
        return problems


@dataclass
class Case:
    """One input a :class:`CodeExercise` calls the learner's function with.

    ``label`` names the case in feedback ("this run's survey answers", "missing
    answers"); ``why`` says what it tests, shown when the learner's function fails it.
    """

    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    why: str = ""

    def copies(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return copy.deepcopy(tuple(self.args)), copy.deepcopy(dict(self.kwargs))

    def describe(self) -> str:
        parts = [as_given(a, 60) for a in self.args] + [f"{k}={as_given(v, 40)}" for k, v in self.kwargs.items()]
        return ", ".join(parts)


def _is_template(fn: Any) -> bool:
    code = getattr(fn, "__code__", None)
    return code is not None and "____" in code.co_names


@dataclass
class CodeExercise(_Checked):
    """A question whose answer is a function the learner writes.

    ``reference`` is the right function; ``cases`` returns the inputs to try, the run's
    own data first, then edge cases. ``check(fn)`` calls ``fn`` on copies of each case's
    arguments and compares its result with the reference's through ``compare``; the
    first case it gets wrong is reported in one line (input, what it returned, what was
    expected, and the known mistake when ``mistakes`` holds a wrong implementation that
    returns the same). A function that raises gets its exception named in one line.
    """

    reference: Callable[..., Any] = field(default=lambda *a, **k: None)
    cases: Callable[[], Sequence[Case]] = field(default=lambda: ())
    compare: Comparer = field(default_factory=lambda: number(abs_tol=1e-6, decimals=4))
    mistakes: Sequence[CodeMistake] = ()
    _cases: list[Case] | None = field(default=None, init=False, repr=False)

    def case_list(self) -> list[Case]:
        if self._cases is None:
            self._cases = list(self.cases())
            if not self._cases:
                raise ValueError(f"{self.name}: a code exercise needs at least one case")
        return self._cases

    def expected_value(self) -> Any:
        """The reference's result on the first case (this run's data)."""
        args, kwargs = self.case_list()[0].copies()
        return self.reference(*args, **kwargs)

    def _decimals(self) -> int:
        return _decimals(self.compare, 4)

    def check(self, fn: Any = ____) -> Feedback:
        """Run the learner's function on every case; correct only when all pass."""
        if is_blank(fn) or _is_template(fn):
            return self._feedback(NOT_ATTEMPTED, "replace ____ in your function with code that returns the answer, "
                                  f"run the cell, then check again (stuck? {self.name}.hint())")
        if not callable(fn):
            return self._feedback(INCORRECT, f"you passed {as_given(fn)}, not a function: pass the function itself, "
                                  f"without brackets: {self.name}.check(my_function)", fn)
        name = getattr(fn, "__name__", "your function")
        cases = self.case_list()
        for case in cases:
            args, kwargs = case.copies()
            where = f"on {case.label or 'a case'} ({case.describe()})"
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:  # the learner's code: name the error, no traceback
                detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
                why = f" {case.why}" if case.why else ""
                return self._feedback(INCORRECT, f"{where} {name} raised {type(exc).__name__}"
                                      f"{': ' + detail if detail else ''}.{why}", fn)
            if result is None:
                return self._feedback(INCORRECT, f"{where} {name} returned None: did you forget `return`?", fn)
            args, kwargs = case.copies()
            expected = self.reference(*args, **kwargs)
            problem = self.compare(result, expected)
            if problem is None:
                continue
            if isinstance(expected, pd.Series | pd.DataFrame):
                # a table is too long for one line: say what is off, not the whole expectation
                message = f"{where} {name} returned {as_given(result)}: {problem}."
            else:
                message = f"{where} {name} returned {as_given(result)}; expected {_show(expected, self._decimals()).strip()}."
                if not getattr(problem, "generic", False):
                    message += f" ({problem})"
            if case.why:
                message += f" {case.why}"
            for label, wrong_fn, hint in self.mistakes:
                try:
                    args, kwargs = case.copies()
                    wrong = wrong_fn(*args, **kwargs)
                except Exception:
                    continue
                if self.compare(wrong, expected) is not None and self.compare(result, wrong) is None:
                    return self._feedback(INCORRECT, f"{message} It looks like {label}: {hint}", fn, label)
            return self._feedback(INCORRECT, message + self._tip(), fn)
        labels = ", ".join(c.label for c in cases if c.label)
        msg = f"{name} passed all {len(cases)} cases" + (f" ({labels})" if labels else "") + "."
        return self._feedback(CORRECT, msg + (f" {self.explain}" if self.explain else ""), fn)

    def solution_text(self) -> str:
        value = _show(self.expected_value(), self._decimals())
        text = f"Solution:\n{self.solution_code.strip()}\n# on this notebook's data it returns {value}"
        if self.why:
            text += f"\nWhy: {self.why}"
        return text

    def copy_signature(self) -> dict[str, Any]:
        return {"exercise": self.name, "kind": "code"}

    def self_test(self) -> list[str]:
        """The reference passes, a template is "not attempted", every wrong implementation fails."""
        problems: list[str] = []
        saved = self._hint_index
        if not self.check(self.reference).correct:
            problems.append(f"{self.name}: the reference function fails its own check: {self.check(self.reference)}")
        namespace: dict[str, Any] = {"____": ____}
        exec("def template(*args, **kwargs):\n    ____\n", namespace)
        if self.check(namespace["template"]).status != NOT_ATTEMPTED:
            problems.append(f"{self.name}: a function still holding ____ is not reported as not attempted")
        for label, wrong_fn, _ in self.mistakes:
            fb = self.check(wrong_fn)
            if fb.status != INCORRECT:
                problems.append(f"{self.name}: the wrong implementation '{label}' passes every case")
        self._hint_index = saved
        return problems


@dataclass
class Prediction:
    """A guess written before a key result, compared with it afterwards (not scored)."""

    name: str
    question: str
    actual: Callable[[], Any]
    unit: str = ""
    decimals: int = 1
    note: str = ""
    notebook: str = ""

    def reveal(self, guess: Any = ____) -> Feedback:
        """Compare the learner's guess with what the data says."""
        actual = self.actual()
        shown = _show(actual, self.decimals).strip() + self.unit
        if is_blank(guess):
            return Feedback(NOT_ATTEMPTED, f"you wrote no prediction. The data says {shown}. Next time write a guess "
                            "first: the gap between guess and result is what you learn from.",
                            self.name, self.notebook, kind="prediction")
        g, a = to_number(guess), to_number(actual)
        if g is not None and a is not None:
            gap = g - a
            said = f"you predicted {as_given(guess)}{self.unit}; the data says {shown}"
            # a gap between two percents is in percentage points, not percent
            gap_unit = " percentage points" if self.unit.strip() == "%" else self.unit
            if abs(gap) < 0.5 * 10 ** (-self.decimals):
                verdict = "spot on."
            else:
                verdict = f"you were {abs(gap):,.{self.decimals}f}{gap_unit} too {'high' if gap > 0 else 'low'}."
            if self.unit.strip() == "%" and 0 < abs(g) < 1 and abs(a) >= 1:
                verdict += f" (If you meant a share, {as_given(guess)} is {100 * g:g}%.)"
            message = f"{said}: {verdict}"
        else:
            match = norm_label(guess) == norm_label(actual)
            message = f"you predicted {as_given(guess)}; the data says {shown}" + (": right." if match else ".")
        if self.note:
            message += f" {self.note}"
        return Feedback(ANSWERED, message, self.name, self.notebook, answer=as_given(guess), kind="prediction")


@dataclass
class Reflection:
    """A reflection prompt: an answer cell for the learner, then a model answer."""

    name: str
    prompt: str
    model_answer: str
    notebook: str = ""

    def solution(self) -> None:
        """Print the model answer."""
        print(self.solution_text())

    def solution_text(self) -> str:
        return f"One good answer:\n{self.model_answer.strip()}"

    def check(self, answer: Any = ____) -> Feedback:
        """Acknowledge a written answer (not scored) and point to the model answer."""
        if is_blank(answer):
            return Feedback(NOT_ATTEMPTED, f"write your thoughts in the answer cell, then compare with {self.name}.solution()",
                            self.name, self.notebook, kind="reflection")
        return Feedback(ANSWERED, f"noted: there is no single right answer; compare with {self.name}.solution()",
                        self.name, self.notebook, answer=as_given(answer, 60), kind="reflection")


Item = Exercise | CodeExercise | Prediction | Reflection


def _caller_notebook() -> str:
    """'05' when called from ``helpers.exercises.nb05``; empty otherwise."""
    frame = sys._getframe(2)
    module = str(frame.f_globals.get("__name__", ""))
    tail = module.rsplit(".", 1)[-1]
    return tail[2:] if tail.startswith("nb") and tail[2:].isdigit() else ""


class ExerciseSet:
    """The exercises of one notebook, reachable as attributes (``ex.q1``, ``ex.p1``, ``ex.r1``).

    ``notebook`` ("05") goes into every outcome record; by default it is taken from the
    defining module's name (``helpers.exercises.nb05``).
    """

    def __init__(self, *items: Item, notebook: str | None = None) -> None:
        self.notebook = notebook if notebook is not None else _caller_notebook()
        self._items: dict[str, Item] = {}
        for item in items:
            if item.name in self._items:
                raise ValueError(f"duplicate exercise name {item.name!r}")
            item.notebook = self.notebook
            self._items[item.name] = item

    def __getattr__(self, name: str) -> Any:
        items = self.__dict__.get("_items", {})
        if name in items:
            return items[name]
        raise AttributeError(f"no exercise named {name!r}; have {', '.join(items)}")

    def __iter__(self) -> Iterator[Item]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    @property
    def exercises(self) -> list[Exercise | CodeExercise]:
        """The checked items (values and functions)."""
        return [i for i in self._items.values() if isinstance(i, Exercise | CodeExercise)]

    @property
    def code_exercises(self) -> list[CodeExercise]:
        return [i for i in self._items.values() if isinstance(i, CodeExercise)]

    @property
    def predictions(self) -> list[Prediction]:
        return [i for i in self._items.values() if isinstance(i, Prediction)]

    @property
    def reflections(self) -> list[Reflection]:
        return [i for i in self._items.values() if isinstance(i, Reflection)]

    def self_test(self) -> list[str]:
        """Every checked item's :meth:`self_test` problems, all together."""
        problems: list[str] = []
        for ex in self.exercises:
            problems.extend(ex.self_test())
        return problems

    def copy_signatures(self) -> list[dict[str, Any]]:
        """Each checked item's :meth:`Exercise.copy_signature`, with the notebook."""
        return [{"notebook": self.notebook, **ex.copy_signature()} for ex in self.exercises]

