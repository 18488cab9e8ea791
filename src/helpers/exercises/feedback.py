"""What a check shows and what it leaves behind: :class:`Feedback` and the outcome record.

A check returns a :class:`Feedback`. Shown as the last expression of a cell, it displays
three representations at once (a notebook front end picks the richest it can render):

- ``text/plain``: ``[q1] Correct: ...`` (papermill, nbval, a terminal);
- ``text/html``: the same words in a coloured box (JupyterLab, exported HTML);
- ``application/vnd.metrics-workbook.check+json``: the **outcome record**, a small JSON
  object that the saved notebook keeps, so a later tool can read what a class found hard
  without running anyone's code (see ``docs/authoring.md``, "The outcome record").
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np

__all__ = [
    "ANSWERED",
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "RECORD_MIME",
    "RECORD_VERSION",
    "Blank",
    "Status",
    "Feedback",
    "____",
    "as_given",
    "is_blank",
]

CORRECT: Final = "correct"
INCORRECT: Final = "incorrect"
NOT_ATTEMPTED: Final = "not attempted"
#: Status of a prediction or reflection the learner wrote (they are not scored).
ANSWERED: Final = "answered"

Status = Literal["correct", "incorrect", "not attempted", "answered"]
Kind = Literal["check", "prediction", "reflection"]

#: The MIME type of the outcome record in a saved notebook.
RECORD_MIME = "application/vnd.metrics-workbook.check+json"
RECORD_VERSION = 1


class Blank:
    """The placeholder a learner replaces with an answer (``____``)."""

    _instance: Blank | None = None

    def __new__(cls) -> Blank:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"

    def __bool__(self) -> bool:
        return False


#: Put this where an answer goes; ``check`` reports "not attempted" for it.
____ = Blank()


def is_blank(answer: Any) -> bool:
    """True for the placeholder, ``None``, empty text, ``NaN`` and ``pd.NA``."""
    if answer is None or isinstance(answer, Blank):
        return True
    if isinstance(answer, str):
        return answer.strip() in {"", "____"}
    if isinstance(answer, float | np.floating) and math.isnan(float(answer)):
        return True
    try:
        import pandas as pd

        return answer is pd.NA or answer is pd.NaT
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


def as_given(value: Any, limit: int = 80) -> str:
    """The learner's value as they gave it (never rounded), shortened to ``limit`` characters."""
    if isinstance(value, bool | np.bool_):
        text = str(bool(value))
    elif isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, numbers.Real):
        text = repr(float(value))
        if text.endswith(".0"):
            text = text[:-2]
    elif callable(value) and hasattr(value, "__name__"):
        text = f"function {value.__name__}"
    else:
        try:
            import pandas as pd

            if isinstance(value, pd.DataFrame):
                return f"a DataFrame of {len(value)} rows x {value.shape[1]} columns"
            if isinstance(value, pd.Series):
                head = ", ".join(as_given(v, 12) for v in value.head(4).tolist())
                more = ", ..." if len(value) > 4 else ""
                return f"a Series of {len(value)} values ({head}{more})"
        except ImportError:  # pragma: no cover
            pass
        if isinstance(value, np.ndarray):
            head = ", ".join(as_given(v, 12) for v in value.reshape(-1)[:4].tolist())
            return f"an array of {value.size} values ({head}{', ...' if value.size > 4 else ''})"
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_MARK = {CORRECT: "Correct", INCORRECT: "Not quite", NOT_ATTEMPTED: "Not attempted yet", ANSWERED: "Noted"}
# Text and border colours with at least 4.5:1 contrast on their backgrounds (WCAG AA).
_STYLE = {
    CORRECT: ("#0b5d1e", "#e8f5ec"),
    INCORRECT: ("#8a3b00", "#fdf0e6"),
    NOT_ATTEMPTED: ("#36454f", "#f1f3f5"),
    ANSWERED: ("#1d3f8a", "#eaf0fb"),
}


@dataclass(frozen=True)
class Feedback:
    """The result of a check: a status and a message, plus what the outcome record keeps.

    ``mistake`` is the label of the known mistake the answer matched (empty otherwise);
    ``answer`` is the learner's value as given (shortened), ``kind`` says whether this
    came from a checked exercise, a prediction or a reflection.
    """

    status: Status
    message: str
    exercise: str = ""
    notebook: str = ""
    mistake: str = ""
    answer: str = ""
    kind: Kind = "check"

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        prefix = f"[{self.exercise}] " if self.exercise else ""
        return f"{prefix}{_MARK[self.status]}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def record(self) -> dict[str, Any]:
        """The outcome record: what a class review reads from a saved notebook."""
        return {
            "version": RECORD_VERSION,
            "kind": self.kind,
            "notebook": self.notebook,
            "exercise": self.exercise,
            "status": self.status,
            "mistake": self.mistake,
            "answer": self.answer,
        }

    def _repr_html_(self) -> str:
        fg, bg = _STYLE[self.status]
        prefix = f"[{html.escape(self.exercise)}] " if self.exercise else ""
        body = html.escape(self.message).replace("\n", "<br>")
        return (
            f'<div role="status" style="border-left:4px solid {fg};background:{bg};color:{fg};'
            f'padding:6px 10px;font-family:sans-serif;white-space:pre-wrap">'
            f"{prefix}<strong>{_MARK[self.status]}</strong>: {body}</div>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": str(self), "text/html": self._repr_html_(), RECORD_MIME: self.record()}
