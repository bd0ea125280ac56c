"""Several levels of undo for triage: each step remembers a paper's state before an action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the TUI imports this before the library module loads
    from .library import Library, PaperState

MAX_STEPS = 200


@dataclass(frozen=True, slots=True)
class UndoStep:
    label: str
    before: PaperState


class UndoHistory:
    """Undo restores the paper's status, lists and note as they were, as a new (synced) change."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._steps: list[UndoStep] = []

    def remember(self, label: str, paper_id: str) -> None:
        """Call before an action on `paper_id`."""
        self._steps.append(UndoStep(label, self.library.snapshot(paper_id)))
        del self._steps[:-MAX_STEPS]

    def undo(self) -> UndoStep | None:
        if not self._steps:
            return None
        step = self._steps.pop()
        self.library.restore(step.before)
        return step

    def __len__(self) -> int:
        return len(self._steps)
