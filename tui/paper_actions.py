"""The keys that act on one paper, shared by the main screen and the reader (one home for both)."""

from __future__ import annotations

from textual.binding import Binding

from .messages import PaperVerb


def _paper(key: str, verb: PaperVerb, description: str, *, show: bool = True) -> Binding:
    return Binding(key, f"paper('{verb.value}')", description, show=show)


PAPER_BINDINGS = [
    _paper("r", PaperVerb.TOGGLE_READ, "Read/unread"),
    _paper("x", PaperVerb.DISMISS, "Dismiss"),
    _paper("b", PaperVerb.BOOKMARK, "Bookmark"),
    _paper("B", PaperVerb.PICK_LIST, "Lists…"),
    _paper("n", PaperVerb.EDIT_NOTE, "Note"),
    _paper("e", PaperVerb.NOTE_IN_EDITOR, "Note in $EDITOR", show=False),
    _paper("o", PaperVerb.OPEN, "Open in browser", show=False),
    _paper("O", PaperVerb.OPEN_LINK, "Open a link…", show=False),
    _paper("p", PaperVerb.OPEN_PDF, "Open the PDF", show=False),
    _paper("y", PaperVerb.COPY, "Copy…", show=False),
    _paper("Y", PaperVerb.COPY_BIBTEX, "Copy BibTeX", show=False),
    _paper("a", PaperVerb.TOGGLE_AUTHORS, "All authors / fold", show=False),
    Binding("u", "app.undo", "Undo"),
]
