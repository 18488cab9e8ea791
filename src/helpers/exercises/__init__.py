"""Self-check exercises in the learntools pattern: ``q1.check(answer)``,
``q1.hint()``, ``q1.solution()``.

An :class:`Exercise` never stores a fixed answer. It is built from a function
that computes the expected value from the notebook's own data and parameters,
so a run with another seed, size or data file still checks correctly.

Three outcomes, each plain text (papermill, nbval and a terminal show them):

- ``Correct``: the answer matches (within a tolerance for numbers);
- ``Incorrect``: the message says how it is off, and names a known mistake
  when the answer equals one (for example the mean instead of top-two-box);
- ``Not attempted``: the answer is still the placeholder ``____``.

Reflection prompts (:class:`Reflection`) have a model answer and no check.

Per-notebook exercise sets live in ``helpers.exercises.nbNN`` modules; each
exposes ``exercises(...) -> ExerciseSet`` taking the data the notebook loaded.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, Sequence

import numpy as np

__all__ = [
    "____",
    "Blank",
    "Feedback",
    "Exercise",
    "Reflection",
    "ExerciseSet",
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
]

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"

Status = Literal["correct", "incorrect", "not attempted"]


class Blank:
    """The placeholder a learner replaces with an answer (``____``)."""

    _instance: "Blank | None" = None

    def __new__(cls) -> "Blank":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"

    def __bool__(self) -> bool:
        return False


#: Put this where an answer goes; ``check`` reports "not attempted" for it.
____ = Blank()


@dataclass(frozen=True)
class Feedback:
    """The result of a check: a status and a message, shown as plain text."""

    status: Status
    message: str
    exercise: str = ""

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        mark = {CORRECT: "Correct", INCORRECT: "Not quite", NOT_ATTEMPTED: "Not attempted yet"}[self.status]
        prefix = f"[{self.exercise}] " if self.exercise else ""
        return f"{prefix}{mark}: {self.message}"

    def __repr__(self) -> str:
        return str(self)


def _is_blank(answer: Any) -> bool:
    return answer is None or isinstance(answer, Blank) or (isinstance(answer, str) and answer.strip() in {"", "____"})


def _fmt(value: Any, decimals: int = 2) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):,.{decimals}f}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(map(str, value))) + "}"
    return repr(value)


# --------------------------------------------------------------------------- kinds
# A kind compares an answer with the expected value and returns None when
# they match, or a message explaining the difference.

Comparer = Callable[[Any, Any], "str | None"]


def _to_float(answer: Any) -> float | None:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, numbers.Real):
        return float(answer)
    if isinstance(answer, np.ndarray) and answer.size == 1:
        return float(answer.reshape(-1)[0])
    try:
        import pandas as pd

        if isinstance(answer, pd.Series) and len(answer) == 1:
            return float(answer.iloc[0])
    except Exception:  # pragma: no cover - pandas always present
        pass
    return None


def number(abs_tol: float = 0.5, rel_tol: float = 0.0, decimals: int = 2) -> Comparer:
    """Compare numbers within ``abs_tol`` (or ``rel_tol`` of the expected value)."""

    def compare(answer: Any, expected: Any) -> str | None:
        value = _to_float(answer)
        if value is None:
            return f"expected a number, got {type(answer).__name__} {answer!r}"
        if math.isnan(value):
            return "your answer is NaN: check for missing values or a division by zero"
        tol = max(abs_tol, rel_tol * abs(float(expected)))
        if abs(value - float(expected)) <= tol:
            return None
        direction = "too high" if value > expected else "too low"
        return f"{_fmt(value, decimals)} is {direction}"

    compare.tolerance = (abs_tol, rel_tol)  # type: ignore[attr-defined]
    return compare


def choice(options: Sequence[str] | None = None) -> Comparer:
    """Compare a text answer case- and space-insensitively, optionally from ``options``."""

    def norm(x: Any) -> str:
        return " ".join(str(x).strip().lower().replace("_", " ").split())

    def compare(answer: Any, expected: Any) -> str | None:
        if not isinstance(answer, str):
            return f"expected text, got {type(answer).__name__} {answer!r}"
        if options is not None and norm(answer) not in {norm(o) for o in options}:
            return f"{answer!r} is not one of the options: {', '.join(map(str, options))}"
        return None if norm(answer) == norm(expected) else f"{answer!r} is not it"

    return compare


def members() -> Comparer:
    """Compare collections of ids as sets (order and duplicates do not matter)."""

    def compare(answer: Any, expected: Any) -> str | None:
        if isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
            return f"expected a list of ids, got {type(answer).__name__} {answer!r}"
        got = {str(a) for a in answer}
        want = {str(e) for e in expected}
        if got == want:
            return None
        missing, extra = want - got, got - want
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing")
        if extra:
            parts.append(f"{len(extra)} that should not be there ({', '.join(sorted(extra)[:5])})")
        return "you have " + " and ".join(parts)

    return compare


def boolean() -> Comparer:
    """Compare a True/False answer."""

    def compare(answer: Any, expected: Any) -> str | None:
        if not isinstance(answer, (bool, np.bool_)):
            return f"expected True or False, got {answer!r}"
        return None if bool(answer) == bool(expected) else f"{answer} is not right"

    return compare


# ----------------------------------------------------------------------- exercise


@dataclass
class Exercise:
    """One self-check question.

    Parameters
    ----------
    name: short id shown in feedback ("q1").
    question: the question, shown by ``q.question``.
    expected: a zero-argument function computing the expected answer from the
        notebook's data and parameters (evaluated lazily, once).
    compare: how answers are compared (:func:`number`, :func:`choice`, ...).
    hints: progressive hints; each ``hint()`` shows the next one.
    solution: code (or text) that produces the answer.
    mistakes: known wrong approaches, as (label, function computing the wrong
        value, message); an answer equal to one gets that targeted message.
    explain: a sentence shown after a correct answer (why it matters).
    """

    name: str
    question: str
    expected: Callable[[], Any]
    compare: Comparer = field(default_factory=number)
    hints: Sequence[str] = ()
    solution_code: str = ""
    mistakes: Sequence[tuple[str, Callable[[], Any], str]] = ()
    explain: str = ""
    _hint_index: int = field(default=0, init=False, repr=False)
    _cache: Any = field(default=None, init=False, repr=False)
    _cached: bool = field(default=False, init=False, repr=False)

    def expected_value(self) -> Any:
        """The answer computed from this run's own data (cached)."""
        if not self._cached:
            self._cache = self.expected()
            self._cached = True
        return self._cache

    def check(self, answer: Any = ____) -> Feedback:
        """Check ``answer``: correct, incorrect (with help) or not attempted."""
        if _is_blank(answer):
            return Feedback(
                NOT_ATTEMPTED,
                "replace ____ with your answer, run the cell, then check again "
                f"(stuck? {self.name}.hint())",
                self.name,
            )
        expected = self.expected_value()
        problem = self.compare(answer, expected)
        if problem is None:
            msg = "well done." + (f" {self.explain}" if self.explain else "")
            return Feedback(CORRECT, msg, self.name)
        for label, wrong_value, message in self.mistakes:
            try:
                wrong = wrong_value()
            except Exception:
                continue
            if self.compare(answer, wrong) is None and self.compare(wrong, expected) is not None:
                return Feedback(INCORRECT, f"{problem}. It looks like {label}: {message}", self.name)
        remaining = len(self.hints) - self._hint_index
        tip = f" Try {self.name}.hint()" + (f" ({remaining} hint{'s' if remaining != 1 else ''} left)." if remaining > 0 else ".")
        if not self.hints:
            tip = f" See {self.name}.solution() if you are stuck."
        return Feedback(INCORRECT, f"{problem}.{tip}", self.name)

    def hint(self, n: int | None = None) -> None:
        """Print the next hint (or hint ``n``, 1-based); later hints say more."""
        print(self.hint_text(n))

    def hint_text(self, n: int | None = None) -> str:
        """The text :meth:`hint` prints (advances to the next hint)."""
        if not self.hints:
            text = "No hint for this one: see .solution()."
        else:
            if n is None:
                idx = min(self._hint_index, len(self.hints) - 1)
                self._hint_index = min(self._hint_index + 1, len(self.hints))
            else:
                idx = max(0, min(int(n), len(self.hints)) - 1)
            text = f"Hint {idx + 1}/{len(self.hints)}: {self.hints[idx]}"
        return text

    def solution(self) -> None:
        """Print a solution and the value it gives on this run's data."""
        print(self.solution_text())

    def solution_text(self) -> str:
        """The text :meth:`solution` prints."""
        value = self.expected_value()
        return f"Solution:\n{self.solution_code.strip()}\n# gives {_fmt(value)} on this notebook's data"

    def self_test(self) -> list[str]:
        """Problems with this exercise's own logic (empty when sound).

        The expected value must pass its own check, the placeholder must be
        "not attempted", and every listed mistake that differs from the right
        answer on this data must be judged incorrect.
        """
        problems: list[str] = []
        saved = self._hint_index
        if not self.check(self.expected_value()).correct:
            problems.append(f"{self.name}: the expected value fails its own check")
        if self.check(____).status != NOT_ATTEMPTED:
            problems.append(f"{self.name}: the placeholder is not reported as not attempted")
        for label, wrong_value, _ in self.mistakes:
            try:
                wrong = wrong_value()
            except Exception as exc:  # a mistake that cannot be computed here is skipped by check()
                problems.append(f"{self.name}: mistake '{label}' cannot be computed ({exc})")
                continue
            # A known mistake may coincide with the right answer on some data (equal
            # group sizes make a mean of rates equal the pooled rate): check() then
            # accepts the answer, which is right. Only a distinct wrong value must fail.
            if self.compare(wrong, self.expected_value()) is not None and self.check(wrong).status != INCORRECT:
                problems.append(f"{self.name}: mistake '{label}' is not reported as incorrect")
        self._hint_index = saved
        return problems


@dataclass
class Reflection:
    """A reflection prompt: no check, a model answer to compare with your own."""

    name: str
    prompt: str
    model_answer: str

    def solution(self) -> None:
        """Print the model answer."""
        print(self.solution_text())

    def solution_text(self) -> str:
        return f"One good answer:\n{self.model_answer.strip()}"

    def check(self, answer: Any = ____) -> Feedback:
        if _is_blank(answer):
            return Feedback(NOT_ATTEMPTED, f"write your thoughts, then compare with {self.name}.solution()", self.name)
        return Feedback(CORRECT, f"thanks: there is no single right answer; compare with {self.name}.solution()", self.name)


class ExerciseSet:
    """The exercises of one notebook, reachable as attributes (``ex.q1``)."""

    def __init__(self, *items: Exercise | Reflection) -> None:
        self._items: dict[str, Exercise | Reflection] = {}
        for item in items:
            if item.name in self._items:
                raise ValueError(f"duplicate exercise name {item.name!r}")
            self._items[item.name] = item

    def __getattr__(self, name: str) -> Exercise | Reflection:
        items = self.__dict__.get("_items", {})
        if name in items:
            return items[name]
        raise AttributeError(f"no exercise named {name!r}; have {', '.join(items)}")

    def __iter__(self):
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    @property
    def exercises(self) -> list[Exercise]:
        return [i for i in self._items.values() if isinstance(i, Exercise)]

    @property
    def reflections(self) -> list[Reflection]:
        return [i for i in self._items.values() if isinstance(i, Reflection)]

    def self_test(self) -> list[str]:
        """Run :meth:`Exercise.self_test` on every exercise; return all problems."""
        problems: list[str] = []
        for ex in self.exercises:
            problems.extend(ex.self_test())
        return problems
