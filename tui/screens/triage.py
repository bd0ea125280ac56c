"""`t`: triage — one unread paper at a time, full screen, one key per decision.

keep (bookmark to the default list and mark read), skip (mark read), dismiss, later
(stays unread, goes to the back of the queue), note, undo. The counter says how many
papers are left.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from ..widgets.key_footer import KeyFooter
from ..widgets.paper_detail import paper_renderable

TRIAGE_BINDINGS = [
    Binding("k,b", "decide('keep')", "Keep"),
    Binding("s,space", "decide('skip')", "Skip (read)"),
    Binding("x", "decide('dismiss')", "Dismiss"),
    Binding("l", "later", "Later"),
    Binding("n", "note", "Note"),
    Binding("u", "undo", "Undo"),
    Binding("o", "open", "Open"),
    Binding("j,down", "scroll_down", "Scroll", show=False),
    Binding("up", "scroll_up", "Scroll up", show=False),
    Binding("escape,q", "close", "Done"),
]


class TriageScreen(Screen[None]):
    BINDINGS = TRIAGE_BINDINGS

    def __init__(self, queue: list[str], scope_label: str) -> None:
        super().__init__()
        self.queue = list(queue)
        self.scope_label = scope_label
        self.done: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label(id="triage-counter")
        with VerticalScroll(id="triage-body"):
            yield Static(id="triage-text")
        yield KeyFooter()

    def on_mount(self) -> None:
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
        info = self.app.paper_info(self.current)  # type: ignore[attr-defined]
        spans = self.app.library.topics.interest_spans  # type: ignore[attr-defined]
        body.update(paper_renderable(info, spans(info["title"]), spans(info["abstract"])))
        self.query_one("#triage-body").scroll_home(animate=False)

    def action_decide(self, decision: str) -> None:
        paper_id = self.current
        if paper_id is None:
            return
        self.app.triage_decision(paper_id, decision)  # type: ignore[attr-defined]
        self.done.append(self.queue.pop(0))
        self.show_current()

    def action_later(self) -> None:
        if len(self.queue) > 1:
            self.queue.append(self.queue.pop(0))
            self.show_current()

    def action_note(self) -> None:
        if self.current is not None:
            self.app.edit_note(self.current)  # type: ignore[attr-defined]

    def action_open(self) -> None:
        if self.current is not None:
            self.app.open_paper(self.current)  # type: ignore[attr-defined]

    def action_undo(self) -> None:
        step = self.app.undo()  # type: ignore[attr-defined]
        if step is not None and self.done and self.done[-1] == step.before.paper_id:
            self.queue.insert(0, self.done.pop())
            self.show_current()

    def action_scroll_down(self) -> None:
        self.query_one("#triage-body").scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#triage-body").scroll_up()

    def library_changed(self) -> None:
        self.show_current()

    def action_close(self) -> None:
        self.dismiss(None)
