"""paperterm's Textual app: owns the library (the core), the undo history and the workers.

Screens post `PaperAction` messages; the app calls the core (triage rules live in
`paperterm.triage`), records undo, and publishes `library_changed_signal`, which the
screens subscribe to. The library
loads in a worker so the first screen paints at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import warnings
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen
from textual.signal import Signal

from loaders.text_cleanup import strip_controls
from paperterm import triage
from paperterm.atomic_io import BackupWarning, LibraryFileError
from paperterm.errors import BadAction
from paperterm.external import EditedText, ExternalError, find_browser, safe_url
from paperterm.settings import Settings, load_settings, save_settings
from paperterm.wording import plural

from .heap import settle_heap
from .messages import LibraryChange, PaperAction, PaperVerb
from .screens.help import key_label
from .screens.main import MAIN_BINDINGS, MainScreen
from .screens.reader import READER_BINDINGS
from .screens.triage import TRIAGE_BINDINGS
from .terminal_driver import HangupSafeDriver
from .widgets.paper_list import PaperList
from .widgets.scope_sidebar import ScopeList
from .widgets.scroll_keys import SCROLL_BINDINGS
from .widgets.search_bar import SearchBar

if TYPE_CHECKING:  # loaded by the start-up worker, after the first frame is on screen
    from textual.notifications import SeverityLevel

    from paperterm.library import Library
    from paperterm.library_overview import Scope
    from paperterm.undo import UndoHistory, UndoResult

    from .screens.note_editor import NoteEditor
    from .screens.prompts import ListChoice

T = TypeVar("T")
WATCH_SECONDS = 2.0  # how often to look for other processes' imports and edits
END_WITHIN = 5.0  # after SIGHUP/SIGTERM, the process ends by then even if a save or the teardown hangs


class PapertermApp(App[None]):
    CSS_PATH = Path(__file__).with_name("paperterm.tcss")  # absolute: subclasses may live anywhere
    TITLE = "paperterm"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]

    def __init__(self, data_dir: Path | None = None, *, watch: bool = True, signals: bool = False) -> None:
        super().__init__()
        self._signals = signals  # handle SIGHUP/SIGTERM (a real terminal; tests opt in)
        self._ending = False
        self._watchdog: threading.Timer | None = None  # ends the process if ending after a signal hangs
        self._quit_anyway = False
        self._data_dir = data_dir
        # Set by the start-up worker; until then only keys that need no library are enabled.
        self.library: Library
        self.undo_history: UndoHistory
        self.ready = False
        self.settings = Settings()
        self.main = MainScreen()
        self.load_error: str | None = None
        self.previous_session: str | None = None  # when the app last started: "new since then"
        self.all_authors = False  # `a`: long author lists shown whole rather than folded
        self.last_import: list[str] = []  # the last import's summary, skipped files and warnings (`W`)
        self._watch = watch
        self._told: set[str] = set()  # warnings already shown once
        self._reload_problem = ""  # what the last look at the files could not read (told once, not every 2 s)
        self.library_changed_signal: Signal[LibraryChange] = Signal(self, "library-changed")

    # -- start-up ------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        return HangupSafeDriver if driver.__name__ == "LinuxDriver" else driver

    def on_mount(self) -> None:
        if self._signals:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(signum, self._signalled, signum)
        # A spare copy for backups/ that could not be written: the change itself was saved, so a
        # notification, not an error (the core reports it as a BackupWarning).
        warnings.simplefilter("always", BackupWarning)
        warnings.showwarning = self._show_warning
        self.push_screen(self.main)
        # After the first frame: the loading thread's parsing holds the GIL, and would delay it.
        self.call_after_refresh(self.load_library)

    @work(thread=True, exclusive=True, group="load")
    def load_library(self) -> None:
        # Imported here, not at the top: the core's modules take longer to import than the
        # first frame takes to draw.
        from paperterm.library import Library
        from paperterm.undo import UndoHistory

        try:
            self.library = Library(self._data_dir)
            self.undo_history = UndoHistory(self.library)
            with self.library.lock:
                self.library.load()
                self.settings = load_settings(self.library.root)
                self.previous_session = self.settings.last_session
                self.settings.last_session = datetime.now(UTC).isoformat(timespec="seconds")
                first_run = self.library.is_empty() and not self.settings.inboxes
                if first_run:
                    summary = self.library.import_samples()
                # The list's order, here: at a million papers it takes the UI thread 0.2 s, and
                # the keys typed as the list appears (`/`, a query) would wait behind it.
                newest = self.library.ids_sorted()
        except LibraryFileError as exc:
            self.call_from_thread(self._fail, str(exc))
            return
        self.call_from_thread(self._loaded, summary.new if first_run else 0, newest)
        from .screens import note_editor  # noqa: F401  # its TextArea: here, once the list shows, not on the first `n`

        if self.settings.inboxes:
            self.call_from_thread(self.import_inbox)

    @work(thread=True, exclusive=True, group="import")
    def import_inbox(self) -> None:
        """The inbox folder (a setting) is imported on every launch, after the list is on screen."""
        try:
            with self.library.lock:
                summary = self.library.import_inbox(self.settings.inboxes)
        except LibraryFileError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        if summary is None or not (summary.new or summary.skipped):
            return
        message = f"Inbox: {summary.line()}."
        for skipped in summary.skipped[:3]:
            message += f"\nskipped {skipped}"
        self.call_from_thread(self.notify, message, severity="warning" if summary.skipped else "information")
        if summary.new:
            self.call_from_thread(self.library_changed, reloaded=True)

    def _show_warning(self, message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        self.notify(str(message), severity="warning", timeout=8)

    def _loaded(self, samples: int, newest: list[str]) -> None:
        self.ready = True
        self.update_settings(last_session=self.settings.last_session)
        if self.settings.theme and self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.main.library_ready(newest)
        settle_heap()
        if samples:
            self.notify(
                f"Your library was empty, so it starts with the {samples} papers of two bundled Daily Papers "
                "digests. Press i to import your own.",
                title="Welcome to paperterm",
                timeout=10,
            )
        self.tell_topic_problems()
        if self._watch:
            self.set_interval(WATCH_SECONDS, self.reload_library)

    def tell_topic_problems(self) -> None:
        """Say once which user topics are left out because their rules name themselves."""
        for problem in self.library.topics.problems():
            if problem not in self._told:
                self._told.add(problem)
                self.notify(problem, severity="warning", timeout=15, markup=False)

    def _fail(self, message: str) -> None:
        self.load_error = message
        self.exit(message=f"paperterm cannot open the library:\n{message}", return_code=1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.ready or action != "undo"

    def watch_theme(self, theme: str) -> None:
        if self.ready and self.settings.theme != theme and self.library.state_store.path.parent.exists():
            self.settings.theme = theme
            try:
                save_settings(self.library.root, self.settings)
            except LibraryFileError as exc:
                self.notify(str(exc), severity="error")

    # -- acting on papers (screens post `PaperAction`) -----------------------------------

    def paper_info(self, paper_id: str) -> dict[str, Any]:
        paper = self.library.paper_for(paper_id)
        assert paper is not None
        info = self.library.describe(paper)
        info["topics"] = [t.name for t in self.library.topics.cached() if paper.id in t.members]
        info["all_authors"] = self.all_authors
        related = self.library.recommender.related_now(paper.id)  # None while a worker builds the vectors
        if related is not None:
            info["related"] = [
                {"id": pid, "title": self.library.papers[pid].title, "similarity": sim}
                for pid, sim in related
                if pid in self.library.papers
            ]
        return info

    def on_paper_action(self, message: PaperAction) -> None:
        if not self.ready:
            return
        handlers: dict[PaperVerb, Callable[[str], object]] = {
            PaperVerb.TOGGLE_READ: self.toggle_read,
            PaperVerb.DISMISS: self.dismiss_paper,
            PaperVerb.BOOKMARK: self.bookmark,
            PaperVerb.PICK_LIST: self.pick_list,
            PaperVerb.EDIT_NOTE: self.edit_note,
            PaperVerb.NOTE_IN_EDITOR: self.note_in_editor,
            PaperVerb.OPEN: self.open_paper,
            PaperVerb.OPEN_LINK: self.pick_link,
            PaperVerb.OPEN_PDF: self.open_pdf,
            PaperVerb.COPY: self.pick_copy,
            PaperVerb.COPY_BIBTEX: self.copy_bibtex,
            PaperVerb.TOGGLE_AUTHORS: self.toggle_authors,
        }
        handlers[message.verb](message.paper_id)

    def _act(self, label: str, paper_id: str, change: Callable[[], T]) -> T | None:
        """Run one triage action through the core as one undo step; its result, or None when the
        core refused it (said in a notification)."""
        try:
            result = self.undo_history.record(label, change)
        except (BadAction, LibraryFileError) as exc:
            self.notify(str(exc), severity="error")
            return None
        self.library_changed(paper_id)
        return result

    def library_changed(self, paper_id: str | None = None, *, reloaded: bool = False) -> None:
        """Tell every screen showing library data (they subscribe to `library_changed_signal`)."""
        self.library_changed_signal.publish(LibraryChange(paper_id, reloaded))

    def set_status(self, paper_id: str, value: str) -> None:
        self._act(f"mark {value}", paper_id, lambda: self.library.set_status(paper_id, value))

    def toggle_read(self, paper_id: str) -> None:
        self._act("read/unread", paper_id, lambda: triage.toggle_read(self.library, paper_id))

    def dismiss_paper(self, paper_id: str) -> None:
        self._act("dismiss", paper_id, lambda: triage.toggle_dismissed(self.library, paper_id))

    def bookmark(self, paper_id: str) -> None:
        inside = self._act("bookmark", paper_id, lambda: triage.toggle_in_list(self.library, paper_id))
        if inside is not None:
            self.notify(("Bookmarked in " if inside else "Removed from ") + "to-read", timeout=2)

    def bookmark_many(self, paper_ids: list[str]) -> None:
        """Bookmark a selection of papers in to-read: one undo step."""
        label = f"bookmark {plural(len(paper_ids), 'paper')}"
        added = self._act(label, paper_ids[0], lambda: triage.bookmark_all(self.library, paper_ids))
        if added is not None:
            self.notify(f"Bookmarked {plural(added, 'paper')} in to-read.", timeout=3)

    def pick_list(self, paper_id: str) -> None:
        from .screens.prompts import ListPicker

        state = self.library.state
        member = state.list_ids_of(paper_id)
        lists = [(rl.id, rl.name, rl.id in member) for rl in state.live_lists()]

        def chosen(choice: ListChoice | None) -> None:
            if choice is None:
                return
            with self.undo_history.step(f"list {choice.name}"):  # a new list and its first paper: one step
                if choice.new and self.library.state.find_list(choice.name) is None:  # an existing name picks it
                    try:
                        self.library.create_list(choice.name)
                    except (BadAction, LibraryFileError) as exc:
                        self.notify(str(exc), severity="error")
                        return
                found = self.library.state.find_list(choice.name)
                if found is None:
                    return
                inside = self._act("list", paper_id, lambda: triage.toggle_in_list(self.library, paper_id, found.name))
            if inside is not None:
                self.notify(("Added to " if inside else "Removed from ") + found.name, timeout=2)

        self.push_screen(ListPicker(lists), chosen)

    def triage_decision(self, paper_id: str, decision: triage.Decision) -> None:
        self._act(decision.value, paper_id, lambda: triage.decide(self.library, paper_id, decision))

    def mark_read(self, paper_ids: Iterable[str]) -> int:
        """Mark the unread ones of `paper_ids` read: one write, one undo step."""
        ids = list(paper_ids)
        try:
            with self.undo_history.step("mark read") as made:
                changed = triage.mark_read(self.library, ids)
                made.label = f"mark {plural(len(changed), 'paper')} read"
        except LibraryFileError as exc:
            self.notify(str(exc), severity="error")
            return 0
        self.library_changed()
        return len(changed)

    def undo(self) -> UndoResult | None:
        try:
            result = self.undo_history.undo()
        except LibraryFileError as exc:
            self.notify(str(exc), severity="error")
            return None
        if result is None:
            self.notify("Nothing to undo.", severity="warning", timeout=2)
            return None
        self.notify(result.message(), severity="warning" if result.skipped else "information", timeout=6, markup=False)
        ids = result.paper_ids
        # One paper: redraw it; lists, topics or many papers: redraw everything.
        self.library_changed(ids[0] if len(ids) == 1 else None, reloaded=len(ids) != 1)
        return result

    def action_undo(self) -> None:
        self.undo()

    def edit_note(self, paper_id: str) -> None:
        paper = self.library.paper_for(paper_id)
        if paper is not None:
            from .screens.note_editor import NoteEditor

            self.push_screen(NoteEditor(self.library, paper_id, paper.title))

    def note_in_editor(self, paper_id: str) -> None:
        from paperterm.note_autosave import save_error

        edit = EditedText(self.library.state.note_of(paper_id))
        try:
            try:
                with self.suspend():
                    text = edit.run()
            except SuspendNotSupported:  # no terminal to hand over (headless): run it as is
                text = edit.run()
        except ExternalError as exc:
            self.notify(str(exc), severity="error")
            return
        if text is None:
            return
        try:
            self._act("note", paper_id, lambda: self.library.set_note(paper_id, text))
        except OSError as exc:
            self.notify(save_error(exc), severity="error")
        if self.library.state.note_of(paper_id) == text:
            edit.saved()
        else:
            self.notify(f"The note was not saved; what you wrote is kept in {edit.path}.", severity="error", timeout=15)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is shown literally: they carry list, topic and file names and errors
        quoting them, typed by the user or taken from digests (a list named `x[/]` was markup that
        failed to parse when the toast was drawn, and the app died)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def open_paper(self, paper_id: str) -> None:
        paper = self.library.paper_for(paper_id)
        if paper is None:
            return
        try:
            url = safe_url(paper.url)
        except ExternalError as exc:
            self.notify(str(exc), severity="error")
            return
        self._open(url)

    def _open(self, url: str) -> None:
        try:
            url = safe_url(url)
        except ExternalError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Opening {url}", timeout=3, markup=False)
        self.open_url(url)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Open the link; a browser that runs in the terminal (lynx over SSH) gets it, as $EDITOR does."""
        try:
            browser, in_terminal = find_browser()
        except ExternalError as exc:
            self.notify(str(exc), severity="error")
            return
        if not in_terminal:
            super().open_url(url, new_tab=new_tab)
            return
        try:
            with self.suspend():
                browser.open(url)
        except SuspendNotSupported:  # no terminal to hand over (headless)
            browser.open(url)

    def open_pdf(self, paper_id: str) -> None:
        from paperterm.links import pdf_url

        paper = self.library.paper_for(paper_id)
        if paper is None:
            return
        url = pdf_url(paper)
        if url is None:
            self.notify("No PDF is known for this paper: O lists its links.", severity="warning", timeout=4)
            return
        self._open(url)

    def pick_link(self, paper_id: str) -> None:
        """A picker of the paper's links (only http(s) ones can be picked)."""
        from paperterm.links import paper_links

        from .screens.prompts import ChoicePicker

        paper = self.library.paper_for(paper_id)
        if paper is None:
            return
        options = []
        for link in paper_links(paper):
            label = Text(strip_controls(link.label), style="bold") + "  " + Text(strip_controls(link.url), style="blue")
            if not link.openable:
                label.append("  (not http(s): not opened)", style="dim")
            options.append((link.url, label, link.openable))

        def chosen(url: str | None) -> None:
            if url:
                self._open(url)

        self.push_screen(ChoicePicker("Open which link?", options), chosen)

    def pick_copy(self, paper_id: str) -> None:
        """A picker of what to copy: the title, the arXiv id, the link, the BibTeX entry."""
        from paperterm.list_export import bibtex

        from .screens.prompts import ChoicePicker

        paper = self.library.paper_for(paper_id)
        if paper is None:
            return
        choices = [("title", "Title", paper.title)]
        if paper.arxiv_id:
            choices.append(("arXiv id", "arXiv id", paper.arxiv_id))
        choices.append(("link", "Link", paper.url))
        choices.append(("BibTeX entry", "BibTeX", bibtex([self.library.describe(paper)])))
        texts = {name: text for name, _, text in choices}
        options = []
        for name, label, text in choices:
            preview = strip_controls(text.splitlines()[0] if text else "")[:300]  # one line, cut with …
            options.append((name, Text(f"{label:<9}", style="bold") + Text(preview, style="dim"), True))

        def chosen(name: str | None) -> None:
            if name:
                self.copy_to_clipboard(texts[name])
                self.notify(f"{name[0].upper()}{name[1:]} copied to the clipboard.", timeout=2, markup=False)

        self.push_screen(ChoicePicker("Copy what?", options, one_line=True), chosen)

    def copy_bibtex(self, paper_id: str) -> None:
        from paperterm.list_export import bibtex

        paper = self.library.paper_for(paper_id)
        if paper is not None:
            self.copy_to_clipboard(bibtex([self.library.describe(paper)]))
            self.notify("BibTeX entry copied to the clipboard.", timeout=2)

    def toggle_authors(self, paper_id: str) -> None:
        """Long author lists fold to "et al."; this shows them all (or folds them again)."""
        self.all_authors = not self.all_authors
        self.library_changed(paper_id)

    # -- library-wide actions (each takes the library lock: always in a worker) ------------------

    @work(thread=True, exclusive=True, group="import")
    def import_paths(self, paths: list[str]) -> None:
        """One notification while importing (progress goes to the list header), then one summary;
        its warnings and skipped files are kept for `W` to show."""
        self.call_from_thread(self.notify, f"Importing {', '.join(paths)}…", timeout=4, markup=False)

        def progress(done: int, total: int, name: str) -> None:
            self.call_from_thread(self.main.show_progress, f"Importing {done}/{total}: {name}")

        try:
            with self.library.lock:
                summary = self.library.import_paths(paths, progress=progress)
        except LibraryFileError as exc:
            self.last_import = [f"Importing {', '.join(paths)} failed:", "", str(exc)]
            self.call_from_thread(self.notify, f"{exc}\nW shows it again.", severity="error", markup=False)
            return
        self.last_import = [f"Imported {', '.join(paths)}: {summary.line()}.", ""]
        self.last_import += [f"skipped {line}" for line in summary.skipped]
        self.last_import += [f"warning: {w}" for w in summary.warnings]
        message = f"Imported: {summary.line()}."
        if summary.skipped or summary.warnings:
            message += "\nW shows the warnings and skipped files."
        severity = "warning" if summary.skipped or summary.warnings else "information"
        self.call_from_thread(self.notify, message, severity=severity, timeout=8, markup=False)
        self.call_from_thread(self.library_changed, reloaded=True)

    def show_import_report(self) -> None:
        from .screens.prompts import ReportScreen

        lines = self.last_import or ["Nothing was imported in this session yet: i imports a digest."]
        self.push_screen(ReportScreen("The last import", lines))

    def reload_library(self) -> None:
        """Pick up what other paperterm processes (the CLI importing, another window) wrote."""
        self._reload_worker()

    @work(thread=True, exclusive=True, group="reload")
    def _reload_worker(self) -> None:
        if not self.library.lock.acquire(blocking=False):
            return  # a worker is importing or indexing: look again on the next tick
        try:
            changed = self.library.refresh()
        except LibraryFileError as exc:
            if str(exc) != self._reload_problem:  # the same damaged file is told once, until it changes
                self._reload_problem = str(exc)
                self.call_from_thread(self.notify, str(exc), severity="error")
            return
        finally:
            self.library.lock.release()
        self._reload_problem = ""
        if changed:
            self.call_from_thread(self.library_changed, reloaded=True)
            self.call_from_thread(self.tell_topic_problems)  # a sync may bring a rule that names itself

    def toggle_setting(self, name: str) -> None:
        value = not getattr(self.settings, name)
        if not self.update_settings(**{name: value}):
            return
        self.notify(f"{name.replace('_', ' ')}: {'on' if value else 'off'}", timeout=3)

    def update_settings(self, **values: object) -> bool:
        """Change settings and save them (kept in memory only before the library has loaded);
        False when they could not be saved (said in a notification)."""
        for name, value in values.items():
            setattr(self.settings, name, value)
        if self.ready and self.library.state_store.path.parent.exists():
            try:
                save_settings(self.library.root, self.settings)
            except LibraryFileError as exc:
                self.notify(str(exc), severity="error")
                return False
        return True

    @work(thread=True, group="topics")
    def add_topic(self, name: str, rule: str) -> None:
        try:
            with self.library.lock, self.undo_history.step(f"add topic {name}"):
                topic = self.library.topics.add(name, rule)
        except (BadAction, ValueError, LibraryFileError) as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.call_from_thread(self.notify, f"Topic {topic.name!r}: {len(topic.members)} papers.", timeout=3)
        self.call_from_thread(self.library_changed, reloaded=True)

    @work(thread=True, group="topics")
    def scope_action(self, action: triage.ScopeAction, scope: Scope, value: str = "") -> None:
        """Rename, pin, hide, merge or remove the list or topic highlighted in the sidebar: one undo
        step each; what removes something the user made says what it did and how to get it back."""
        name = scope.label if scope.kind == "list" else scope.key
        try:
            with self.library.lock, self.undo_history.step(f"{action.value} {scope.label}") as made:
                done = triage.act_on_scope(self.library, scope.kind, name, action, value)
                made.label = done[:1].lower() + done[1:] if done else made.label
        except (BadAction, LibraryFileError) as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        if done:
            self.call_from_thread(self.notify, f"{done} — u to undo", timeout=8, markup=False)
        self.call_from_thread(self.library_changed, reloaded=True)

    # -- ending: nothing typed is lost ------------------------------------------------------

    def _note_editors(self) -> list[NoteEditor]:
        from .screens.note_editor import NoteEditor

        return [screen for screen in self.screen_stack if isinstance(screen, NoteEditor)]

    async def action_quit(self) -> None:
        """Quit, after the keys already typed reach the open note and the note is saved. A note
        that cannot be saved keeps the app open; a second ctrl+q quits and says where it is kept."""
        lost: list[Text] = []
        for editor in self._note_editors():
            status = await editor.finish()
            if status.saved:
                continue
            error, title = status.error.rstrip("."), strip_controls(editor.paper_title)
            if not self._quit_anyway:
                self._quit_anyway = True
                kept = f"kept in {status.recovery}" if status.recovery else "printed when paperterm ends"
                self.notify(
                    f"Not quitting: the note could not be saved ({error}). Press ctrl+q again to quit anyway; "
                    f"the note is {kept}.",
                    severity="error",
                    timeout=15,
                )
                return
            if status.recovery is not None:
                lost.append(
                    Text(
                        f"The unsaved note on {title!r} is kept in {status.recovery}; it comes back when you "
                        "open that note again."
                    )
                )
            else:
                lost.append(
                    Text(f"The note on {title!r} could not be saved ({error}). Here it is:\n\n{editor.autosave.text}\n")
                )
        self.exit(message=Text("\n").join(lost) if lost else None)

    def _signalled(self, signum: int) -> None:
        """SIGHUP (the terminal closed) or SIGTERM: save the open note and end cleanly."""
        if self._ending:
            return
        self._ending = True
        if isinstance(self._driver, HangupSafeDriver):  # a real terminal (not a test's headless one)
            self._watchdog = threading.Timer(END_WITHIN, os._exit, (1,))
            self._watchdog.daemon = True
            self._watchdog.start()
            if signum == signal.SIGHUP and self._driver.terminal_gone():
                self._driver.hang_up()
        for editor in self._note_editors():
            editor.save_now()  # at once, in case the rest does not get its turn
        self.call_later(self._end_after_signal)

    async def _end_after_signal(self) -> None:
        for editor in self._note_editors():
            await editor.finish()  # keys typed just before the signal, still queued
        self.exit()

    # -- help and the command palette ------------------------------------------------------

    def help_sections(self) -> list[tuple[str, list]]:
        from .screens.note_editor import NoteEditor

        return [
            ("Main screen", MAIN_BINDINGS),
            ("Paper list", PaperList.BINDINGS),
            ("Search bar", SearchBar.BINDINGS),
            ("Sidebar", ScopeList.BINDINGS),
            ("Reader (enter)", READER_BINDINGS),
            ("Triage (t)", TRIAGE_BINDINGS),
            ("Scrolling (paper pane, reader, triage)", SCROLL_BINDINGS),
            ("Note editor (n)", NoteEditor.BINDINGS),
        ]

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.help_sections()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key of the current screen (and its focused widget) by name, then Textual's own."""
        seen: set[str] = set()
        sources: list[tuple[Any, list]] = [(screen, list(screen.BINDINGS))]
        if screen.focused is not None:
            sources.append((screen.focused, list(screen.focused.BINDINGS)))
        if screen is self.main:  # the list's and the sidebar's actions, wherever the focus is
            sources.append((screen.query_one(PaperList), list(PaperList.BINDINGS)))
            sources.append((screen.query_one(ScopeList), list(ScopeList.BINDINGS)))
        for target, bindings in sources:
            for binding in bindings:
                if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                yield SystemCommand(
                    binding.description, f"key: {key_label(binding.key)}", partial(target.run_action, binding.action)
                )
        if screen is self.main and self.ready:
            yield from self._library_commands()
        yield from super().get_system_commands(screen)

    def _library_commands(self) -> Iterable[SystemCommand]:
        """Library-wide verbs that have no key of their own."""
        from paperterm.sorting import available

        main = self.main
        for order in available(bool(main.search_text.strip())):
            yield SystemCommand(f"Sort by {order}", "this view, remembered for its scope", partial(main.sort_by, order))
        yield SystemCommand("Papers added since a date…", "what's new: added:>=DATE", self._ask_since)
        yield SystemCommand("Export bookmarks to a file…", ".bib, .md, .csv: that format; else JSON", self._ask_export)
        yield SystemCommand("Sync with a file…", "merge the sync file in, write the merged state back", self._ask_sync)
        yield SystemCommand("Unhide every topic", "topics hidden with h come back", self.unhide_topics)

    def _ask(self, title: str, placeholder: str, then: Callable[[str], object], *, path: bool = False) -> None:
        from .screens.prompts import PathSuggester, TextPrompt

        def done(value: str | None) -> None:
            if value:
                then(value)

        suggester = PathSuggester() if path else None
        self.push_screen(TextPrompt(title, placeholder=placeholder, suggester=suggester), done)

    def _ask_since(self) -> None:
        def show(day: str) -> None:
            moment = day.strip()  # "2024-09-01" means since then; a comparison typed is kept as typed
            self.main.show_search(f"added:{moment if moment[:1] in '<>=' else '>=' + moment}")

        self._ask("Papers added since (YYYY-MM-DD):", "2024-09-01", show)

    def _ask_export(self) -> None:
        scope = self.main.scope
        list_name = scope.label if scope.kind == "list" else None
        what = list_name or "to-read (or every list, as JSON)"
        self._ask(f"Export {what} to:", "~/refs.bib", partial(self.export_bookmarks, list_name=list_name), path=True)

    def _ask_sync(self) -> None:
        self._ask("Sync with the file:", "~/Dropbox/paperterm.json", self.sync_with, path=True)

    @work(thread=True, group="files")
    def export_bookmarks(self, file: str, list_name: str | None = None) -> None:
        from paperterm.bookmark_export import export

        try:
            message = export(self.library, Path(file).expanduser(), list_name)
        except (BadAction, LibraryFileError) as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.call_from_thread(self.notify, message, timeout=6, markup=False)

    @work(thread=True, group="files")
    def sync_with(self, file: str) -> None:
        from paperterm import sync

        path = Path(file).expanduser()
        try:
            with self.library.lock:
                report = sync.sync(self.library, path)
        except (BadAction, LibraryFileError) as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.call_from_thread(self.notify, f"Synced with {path}: {report.line()}.", timeout=8, markup=False)
        self.call_from_thread(self.library_changed, reloaded=True)

    @work(thread=True, group="topics")
    def unhide_topics(self) -> None:
        with self.library.lock:
            count = self.library.topics.unhide_all()
        self.call_from_thread(self.notify, f"{plural(count, 'topic')} shown again.", timeout=3)
        self.call_from_thread(self.library_changed, reloaded=True)


def run(data_dir: Path | None = None) -> int:
    app = PapertermApp(data_dir, signals=True)
    app.run()
    if app._watchdog is not None:
        app._watchdog.cancel()
    return 1 if app.load_error else 0
