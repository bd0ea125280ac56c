"""`n`: the paper's Markdown note in a TextArea, saved while you type by the core's `NoteAutosave`
(within 0.5 s of the last key, about once a second while typing goes on). A note that cannot be
saved (disk full, read-only folder) stays here marked unsaved and is retried; `esc` and quitting
never throw it away."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label, TextArea

from loaders.text_cleanup import strip_controls
from paperterm.note_autosave import RETRY, NoteAutosave, SaveStatus, recovered_text

from ..typed_app import paperterm_app
from ..widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from paperterm.library import Library


class NoteEditor(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Save and close", priority=True),
        Binding("ctrl+s", "save", "Save now", priority=True),
    ]

    class Saved(Message):
        """Posted by the saving thread after each attempt."""

        def __init__(self, status: SaveStatus) -> None:
            super().__init__()
            self.status = status

    def __init__(self, library: Library, paper_id: str, title: str) -> None:
        super().__init__()
        self.paper_id = paper_id
        self.paper_title = title
        saved = library.state.note_of(paper_id)
        found = recovered_text(library.root, paper_id)
        self.recovered = found is not None and found[0] != saved
        self.initial = found[0] if found is not None and self.recovered else saved
        self.autosave = NoteAutosave(
            library,
            paper_id,
            self.initial,
            on_status=self._report,
            unsaved=self.recovered,
            recovery=found[1] if found is not None else None,
        )
        self.last_status = SaveStatus(True)

    def _report(self, status: SaveStatus) -> None:
        """From the saving thread; a save that ends after the app has closed tells no one."""
        with contextlib.suppress(RuntimeError):  # the app's event loop is closed
            self.post_message(self.Saved(status))

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
        if self.recovered:
            self._show(Text("unsaved: recovered from the last session, saving…", style="bold yellow"))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.autosave.update(event.text_area.text)
        if self.last_status.saved:
            self._show(Text("editing…", style="dim"))

    def on_note_editor_saved(self, message: Saved) -> None:
        failed_before = not self.last_status.saved
        self.last_status = status = message.status
        if not status.saved:
            kept = f"; the text is kept in {status.recovery}." if status.recovery else "."
            error = status.error.rstrip(".")
            self._show(Text(f"● UNSAVED — {error}. Retried every {RETRY:g} s{kept}", style="bold red"))
            if not failed_before:
                self.notify(
                    f"The note could not be saved: {error}. It stays in the editor and is retried{kept}",
                    severity="error",
                    timeout=10,
                )
        elif not self.autosave.unsaved:
            self._show(Text("saved", style="dim green"))
            if failed_before:
                self.notify("The note is saved now.", timeout=3)

    def _show(self, text: Text) -> None:
        self.query_one("#note-status", Label).update(text)

    async def settle(self) -> None:
        """Apply the keys already queued for the editor (a burst typed just before ctrl+q or a
        signal): they are in the TextArea's message queue, ahead of this callback."""
        area = self.query_one(TextArea)
        done = asyncio.Event()
        if area.call_later(done.set):
            await done.wait()
        self.autosave.update(area.text)

    async def finish(self) -> SaveStatus:
        """Apply queued keys and write the note, off the UI thread; the editor stays usable."""
        await self.settle()
        return await asyncio.to_thread(self.autosave.save)

    def save_now(self) -> SaveStatus:
        """Write what the editor shows, at once, on this thread (a signal is ending the app)."""
        self.autosave.update(self.query_one(TextArea).text)
        return self.autosave.save()

    async def action_save(self) -> None:
        await self.finish()

    async def action_close(self) -> None:
        status = await self.finish()
        if not status.saved:
            self.notify(
                f"Not closing: the note is not saved ({status.error.rstrip('.')}). It stays here and is retried.",
                severity="error",
                timeout=10,
            )
            return
        self.autosave.close()
        self.dismiss(None)
        paperterm_app(self).library_changed(self.paper_id)

    def on_unmount(self) -> None:
        # Whatever closes the screen (the app ending in an unforeseen way) writes the text first.
        if self.autosave.unsaved:
            self.autosave.save()
        self.autosave.close()
