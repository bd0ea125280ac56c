"""The messages screens post up to the app, and what the app's library-changed signal carries.

Screens never call the app by name: a key on a paper posts `PaperAction` with a `PaperVerb`,
the app runs it through the core, then publishes a `LibraryChange` on
`app.library_changed_signal`, which every screen showing library data subscribes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from textual.message import Message


class PaperVerb(StrEnum):
    """What a key can do to the paper under the cursor (the binding's `paper('…')` argument)."""

    TOGGLE_READ = "toggle_read"
    DISMISS = "dismiss"
    BOOKMARK = "bookmark"
    PICK_LIST = "pick_list"
    EDIT_NOTE = "edit_note"
    NOTE_IN_EDITOR = "note_in_editor"
    OPEN = "open"
    OPEN_LINK = "open_link"
    OPEN_PDF = "open_pdf"
    COPY = "copy"
    COPY_BIBTEX = "copy_bibtex"
    TOGGLE_AUTHORS = "toggle_authors"


class PaperAction(Message):
    """A screen asks the app to act on one paper."""

    def __init__(self, verb: PaperVerb, paper_id: str) -> None:
        super().__init__()
        self.verb = verb
        self.paper_id = paper_id


@dataclass(frozen=True, slots=True)
class LibraryChange:
    """Published after the library changed. `paper_id`: the one paper touched, if only one;
    `reloaded`: papers or topics changed too (an import, a topic edit), not only marks."""

    paper_id: str | None = None
    reloaded: bool = False
