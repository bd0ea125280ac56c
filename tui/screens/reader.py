"""`enter`: one paper full-screen for reading, with the triage keys at hand."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ..widgets.key_footer import KeyFooter
from ..widgets.paper_detail import paper_renderable

READER_BINDINGS = [
    Binding("escape,q", "close", "Back"),
    Binding("right,l", "step(1)", "Next paper"),
    Binding("left,h", "step(-1)", "Previous paper"),
    Binding("j,down", "scroll_down", "Scroll down", show=False),
    Binding("k,up", "scroll_up", "Scroll up", show=False),
    Binding("r", "paper('toggle_read')", "Read/unread"),
    Binding("x", "paper('dismiss_paper')", "Dismiss"),
    Binding("b", "paper('bookmark')", "Bookmark"),
    Binding("B", "paper('pick_list')", "Lists…"),
    Binding("n", "paper('edit_note')", "Note"),
    Binding("e", "paper('note_in_editor')", "Note in $EDITOR"),
    Binding("o", "paper('open_paper')", "Open"),
    Binding("y", "paper('copy_title')", "Copy title"),
    Binding("Y", "paper('copy_bibtex')", "Copy BibTeX"),
    Binding("u", "app.undo", "Undo"),
]


class ReaderScreen(Screen[None]):
    BINDINGS = READER_BINDINGS

    def __init__(self, ids: list[str], index: int, spans_of: object) -> None:
        super().__init__()
        self.ids = ids
        self.index = index
        self.spans_of = spans_of

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="reader-body"):
            yield Static(id="reader-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.render_paper()

    @property
    def paper_id(self) -> str:
        return self.ids[self.index]

    def render_paper(self) -> None:
        info = self.app.paper_info(self.paper_id)  # type: ignore[attr-defined]
        title_spans, abstract_spans = self.spans_of(info)  # type: ignore[operator]
        self.query_one("#reader-text", Static).update(paper_renderable(info, title_spans, abstract_spans))
        self.sub_title = f"{self.index + 1} of {len(self.ids)}"

    def action_step(self, delta: int) -> None:
        self.index = max(0, min(len(self.ids) - 1, self.index + delta))
        self.render_paper()
        self.query_one("#reader-body").scroll_home(animate=False)

    def action_scroll_down(self) -> None:
        self.query_one("#reader-body").scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#reader-body").scroll_up()

    def action_paper(self, name: str) -> None:
        getattr(self.app, name)(self.paper_id)

    def library_changed(self) -> None:
        self.render_paper()

    def action_close(self) -> None:
        self.dismiss(None)
