"""`enter`: one paper full-screen for reading, with the paper's keys at hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from ..messages import LibraryChange, PaperAction, PaperVerb
from ..paper_actions import PAPER_BINDINGS
from ..typed_app import paperterm_app
from ..widgets.key_footer import KeyFooter
from ..widgets.paper_detail import Spans, paper_renderable
from ..widgets.scroll_keys import ScrollBody

READER_BINDINGS = [
    Binding("escape,q", "close", "Back"),
    Binding("right,l", "step(1)", "Next paper"),
    Binding("left,h", "step(-1)", "Previous paper"),
    *[Binding(str(n), f"related({n})", f"Related paper {n}", show=False) for n in range(1, 6)],
    *PAPER_BINDINGS,
]

SpansOf = Callable[[dict[str, Any]], tuple[Spans, Spans]]


class ReaderScreen(Screen[None]):
    BINDINGS = READER_BINDINGS
    AUTO_FOCUS = "#reader-body"

    def __init__(self, ids: list[str], index: int, spans_of: SpansOf) -> None:
        super().__init__()
        self.ids = ids
        self.index = index
        self.spans_of = spans_of
        self._related: list[str] = []

    def compose(self) -> ComposeResult:
        with ScrollBody(id="reader-body"):
            yield Static(id="reader-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        paperterm_app(self).library_changed_signal.subscribe(self, self.library_changed, immediate=True)
        self.render_paper()

    @property
    def paper_id(self) -> str:
        return self.ids[self.index]

    def render_paper(self) -> None:
        info = paperterm_app(self).paper_info(self.paper_id)
        self._related = [item["id"] for item in info.get("related", [])]
        title_spans, abstract_spans = self.spans_of(info)
        self.query_one("#reader-text", Static).update(paper_renderable(info, title_spans, abstract_spans))
        self.sub_title = f"{self.index + 1} of {len(self.ids)}"

    def action_step(self, delta: int) -> None:
        self.index = max(0, min(len(self.ids) - 1, self.index + delta))
        self.render_paper()
        self.query_one("#reader-body").scroll_home(animate=False)

    def action_related(self, number: int) -> None:
        """Read related paper `number`: it goes in right after this one, so `h` comes back here."""
        if not 0 < number <= len(self._related):
            self.notify("No related paper with that number.")
            return
        self.ids = [*self.ids[: self.index + 1], self._related[number - 1], *self.ids[self.index + 1 :]]
        self.action_step(1)

    def action_paper(self, verb: str) -> None:
        self.post_message(PaperAction(PaperVerb(verb), self.paper_id))

    def library_changed(self, change: LibraryChange) -> None:
        if self.is_current:
            self.render_paper()

    def action_close(self) -> None:
        self.dismiss(None)
