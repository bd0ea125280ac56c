"""`t`: triage — one unread paper at a time, full screen, one key per decision.

keep (bookmark to the default list and mark read), skip (mark read), dismiss, later
(stays unread, goes to the back of the queue), note, undo. What each decision does is
`paperterm.triage`'s rule, shared with `paperterm triage`. No decision key moves or
scrolls anywhere else in the app (j/k/space scroll here as everywhere). The counter says
how many papers are left.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label, Static

from paperterm.triage import Decision

from ..messages import LibraryChange, PaperAction, PaperVerb
from ..typed_app import paperterm_app
from ..widgets.key_footer import KeyFooter
from ..widgets.paper_detail import paper_renderable
from ..widgets.scroll_keys import ScrollBody

TRIAGE_BINDINGS = [
    Binding("b", "decide('keep')", "Keep (bookmark)"),
    Binding("s", "decide('skip')", "Skip (read)"),
    Binding("x", "decide('dismiss')", "Dismiss"),
    Binding("w", "later", "Later"),
    Binding("n", "note", "Note"),
    Binding("u", "undo", "Undo"),
    Binding("o", "open", "Open"),
    Binding("escape,q", "close", "Done"),
]


class TriageScreen(Screen[None]):
    BINDINGS = TRIAGE_BINDINGS
    AUTO_FOCUS = "#triage-body"

    def __init__(self, queue: list[str], scope_label: str) -> None:
        super().__init__()
        self.queue = list(queue)
        self.scope_label = scope_label
        self.done: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label(id="triage-counter")
        with ScrollBody(id="triage-body"):
            yield Static(id="triage-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        paperterm_app(self).library_changed_signal.subscribe(self, self.library_changed, immediate=True)
        self.show_current()

    @property
    def current(self) -> str | None:
        return self.queue[0] if self.queue else None

    def show_current(self) -> None:
        counter = self.query_one("#triage-counter", Label)
        body = self.query_one("#triage-text", Static)
        if self.current is None:
            counter.update(Text(f"Triage · {self.scope_label} · all done", style="bold green"))
            body.update(
                Text(
                    f"Nothing left unread here. {len(self.done)} decided this session. Esc returns to the list.",
                    style="dim",
                )
            )
            return
        counter.update(
            Text.assemble(
                ("Triage", "bold"),
                f" · {self.scope_label} · ",
                (f"{len(self.queue)} left", "bold yellow"),
                f" · {len(self.done)} done",
            )
        )
        app = paperterm_app(self)
        info = app.paper_info(self.current)
        spans = app.library.topics.interest_spans
        body.update(paper_renderable(info, spans(info["title"]), spans(info["abstract"])))
        self.query_one("#triage-body").scroll_home(animate=False)

    def action_decide(self, decision: str) -> None:
        paper_id = self.current
        if paper_id is None:
            return
        paperterm_app(self).triage_decision(paper_id, Decision(decision))
        self.done.append(self.queue.pop(0))
        self.show_current()

    def action_later(self) -> None:
        if len(self.queue) > 1:
            self.queue.append(self.queue.pop(0))
            self.show_current()

    def action_note(self) -> None:
        if self.current is not None:
            self.post_message(PaperAction(PaperVerb.EDIT_NOTE, self.current))

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(PaperAction(PaperVerb.OPEN, self.current))

    def action_undo(self) -> None:
        result = paperterm_app(self).undo()
        if result is not None and self.done and self.done[-1] in result.paper_ids:
            self.queue.insert(0, self.done.pop())
            self.show_current()

    def library_changed(self, change: LibraryChange) -> None:
        if self.is_current:
            self.show_current()

    def action_close(self) -> None:
        self.dismiss(None)
