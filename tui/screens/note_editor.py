"""`n`: the paper's Markdown note in a TextArea. Saved as you type (debounced) and when you leave —
quitting in the middle of a sentence loses nothing."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label, TextArea

from loaders.text_cleanup import strip_controls

from ..typed_app import paperterm_app
from ..widgets.key_footer import KeyFooter

SAVE_AFTER = 0.4  # seconds of quiet before an autosave


class NoteEditor(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Save and close", priority=True),
        Binding("ctrl+s", "save", "Save now", priority=True),
    ]

    def __init__(self, paper_id: str, title: str, text: str) -> None:
        super().__init__()
        self.paper_id = paper_id
        self.paper_title = title
        self.initial = text
        self._timer: Timer | None = None
        self._saved = text
        self._latest = text  # kept here: on unmount the TextArea is already gone

    def compose(self) -> ComposeResult:
        yield Label(
            Text("Note on ", style="dim") + Text(strip_controls(self.paper_title), style="bold"),
            id="note-title",
        )
        yield TextArea(self.initial, id="note-text", soft_wrap=True, show_line_numbers=False, tab_behavior="indent")
        yield Label(Text("", style="dim"), id="note-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._latest = event.text_area.text
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_AFTER, self.action_save)
        self.query_one("#note-status", Label).update(Text("editing…", style="dim"))

    def _save(self) -> None:
        if self._latest != self._saved:
            paperterm_app(self).save_note(self.paper_id, self._latest)
            self._saved = self._latest

    def action_save(self) -> None:
        self._save()
        self.query_one("#note-status", Label).update(Text("saved", style="dim green"))

    def action_close(self) -> None:
        self.action_save()
        self.dismiss(None)

    def on_unmount(self) -> None:
        # The app quitting (ctrl+q) unmounts this screen: whatever was typed is saved first.
        if self._timer is not None:
            self._timer.stop()
        self._save()
