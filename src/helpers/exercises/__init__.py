"""Self-check exercises in the learntools pattern: ``q1.check(answer)``, ``q1.hint()``,
``q1.solution()``; code exercises ``q2.check(my_function)``; predictions
``p1.reveal(my_prediction)``; reflections ``r1.check(my_answer_r1)``, ``r1.solution()``.

An exercise never stores a fixed answer: it is built from a function that computes the
expected value from the notebook's own data and parameters, so a run with another seed,
size or data file still checks correctly.

Outcomes, each plain text (papermill, nbval and a terminal show them) with an HTML box and
a machine-readable outcome record kept in the saved notebook (:mod:`.feedback`):

- ``Correct``: the answer matches (within a tolerance for numbers);
- ``Not quite``: the message says how it is off, names a known mistake when the answer
  equals one, and recognises rounding, fraction-vs-percent, case and container slips;
- ``Not attempted yet``: the answer is still the placeholder ``____`` (or missing).

Modules: :mod:`.feedback` (Feedback, the record), :mod:`.compare` (comparers),
:mod:`.core` (the exercise kinds and :class:`ExerciseSet`). Per-notebook exercise sets
live in ``helpers.exercises.nbNN``; each exposes ``exercises(...) -> ExerciseSet`` taking
the data the notebook loaded.
"""

from __future__ import annotations

from .compare import Comparer, Mismatch, boolean, choice, frame, members, norm_label, number, to_number, year
from .core import Case, CodeExercise, Exercise, ExerciseSet, Prediction, Reflection, distinct_mistakes
from .feedback import (
    ANSWERED,
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    RECORD_MIME,
    RECORD_VERSION,
    Blank,
    Feedback,
    ____,
    as_given,
    is_blank,
)

__all__ = [
    "ANSWERED",
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "RECORD_MIME",
    "RECORD_VERSION",
    "Blank",
    "Case",
    "CodeExercise",
    "Comparer",
    "Exercise",
    "ExerciseSet",
    "Feedback",
    "Mismatch",
    "Prediction",
    "Reflection",
    "____",
    "as_given",
    "boolean",
    "choice",
    "distinct_mistakes",
    "frame",
    "is_blank",
    "members",
    "norm_label",
    "number",
    "to_number",
    "year",
]
