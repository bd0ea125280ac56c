"""The main screen: scopes on the left, the paper list in the middle, the paper on the right (or below).

It owns what is shown — the chosen scope and the search text — and turns them into
one query for the core. Searches and counts run in workers; the list and sidebar are
given their data when the worker is done.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label
from textual.worker import get_current_worker

from loaders.text_cleanup import strip_controls
from paperterm import sorting
from paperterm.library_overview import Scope, overview
from paperterm.triage import ScopeAction
from paperterm.wording import plural

from ..heap import settle_heap
from ..messages import LibraryChange, PaperAction, PaperVerb
from ..paper_actions import PAPER_BINDINGS
from ..typed_app import paperterm_app
from ..widgets.key_footer import KeyFooter
from ..widgets.paper_detail import PaperDetail
from ..widgets.paper_list import PaperList, Row, column_legend
from ..widgets.scope_sidebar import ScopeSidebar
from ..widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from paperterm.library import Library
    from paperterm.paper import Paper
    from paperterm.recommender import Arranged
    from paperterm.search import SearchResults

ALL = Scope("all", "all", "All", "", 0, 0)
NARROW_BELOW = 110
FIRST_ANSWER_WAIT = 5.0  # seconds For you and topics wait, at launch, for the first results to show
FOR_YOU_WARM_LIMIT = 200_000  # above this, For you's vectors are built when first asked for, not at launch
WIDE_FROM = 180
DETAIL_DELAY = 0.05  # seconds the cursor rests before the paper pane is redrawn


@dataclass(slots=True)
class LibraryRows:
    """Rows for the paper list, read from the core; marks are sets refreshed after each change."""

    library: Library
    results: SearchResults | None = None
    topic_of: dict[str, str] = field(default_factory=dict)
    bookmarked: set[str] = field(default_factory=set)
    noted: set[str] = field(default_factory=set)
    order: str = sorting.NEWEST  # the list's order: its date column shows what it is sorted by
    reasons: dict[str, str] = field(default_factory=dict)  # For you: why each of the first papers is there

    def refresh_marks(self) -> None:
        state = self.library.state
        self.bookmarked = state.bookmarked_ids()
        self.noted = state.noted_ids()

    def row(self, paper_id: str) -> Row:
        paper = self.library.paper_for(paper_id)
        if paper is None:
            return Row(paper_id, "", "", "new", False, False)
        return Row(
            title=paper.title,
            date=self._date_column(paper),
            topic=self.reasons.get(paper.id) or self.topic_of.get(paper.id, ""),
            status=self.library.state.status_of(paper.id),
            bookmarked=paper.id in self.bookmarked,
            noted=paper.id in self.noted,
            published=None if self.order == "paper date" else paper.published,
        )

    def highlight(self, text: str) -> list[tuple[int, int]]:
        return self.results.highlight(text) if self.results is not None else []

    def _date_column(self, paper: Paper) -> str:
        """What the list is sorted by, where it is a value: the paper's own date, its upvotes."""
        if self.order == "paper date":
            return sorting.paper_date(paper)
        if self.order == "upvotes":
            votes = sorting.upvotes(paper)
            return f"▲ {votes}" if votes >= 0 else ""
        return paper.date

    def column_name(self) -> str:
        """What `_date_column` shows, in the list header's words."""
        return "upvotes" if self.order == "upvotes" else "seen"


MAIN_BINDINGS = [
    # First, so the footer shows them at any width.
    Binding("question_mark", "help", "Help"),
    Binding("q", "app.quit", "Quit"),
    # Priority: it runs before the keys typed right after it are routed, so they reach the search bar.
    Binding("slash", "search", "Search", priority=True),
    *PAPER_BINDINGS,
    Binding("t", "triage", "Triage"),
    Binding("s", "cycle_sort", "Sort"),
    Binding("J", "next_unread", "Next unread", show=False),
    Binding("F", "toggle_for_you_order", "For you order", tooltip="Sort this scope by what you keep (again: newest)"),
    *[Binding(str(n), f"related({n})", f"Related paper {n}", show=False) for n in range(1, 6)],
    Binding("R", "mark_page_read", "Mark page read", show=False),
    Binding("A", "mark_view_read", "Mark all shown read", show=False),
    Binding("i", "import_digest", "Import"),
    Binding("W", "import_report", "Last import's warnings", show=False),
    Binding("ctrl+r", "reload", "Reload from disk", show=False),
    Binding("ctrl+t", "toggle_mark_on_move", "Toggle mark-read-on-move", show=False),
]


class MainScreen(Screen[None]):
    BINDINGS = MAIN_BINDINGS
    AUTO_FOCUS = "#papers"

    scope: reactive[Scope] = reactive(ALL, always_update=True)
    search_text: reactive[str] = reactive("")

    def __init__(self) -> None:
        super().__init__()
        self.rows: LibraryRows | None = None
        self.index_ready = False
        self.topics_ready = False
        self._answered = threading.Event()  # the first results are on screen (see `prepare_index`)
        self._last_highlighted: str | None = None
        self._results_status: tuple[list[str], list[str], bool] | None = None  # the header's parts, to refit
        self._detail_timer: Timer | None = None
        self._restore: str | None = None  # the paper the cursor was on at the last quit
        self._view_timer: Timer | None = None
        self._related: list[str] = []  # the related papers the paper pane lists, for keys 1–5

    def compose(self) -> ComposeResult:
        with Container(id="body"):
            yield ScopeSidebar(id="sidebar")
            with Vertical(id="center"):
                yield SearchBar(id="search")
                yield Label("Loading the library…", id="list-status")
                yield PaperList(id="papers")
            yield PaperDetail(id="detail")
        yield KeyFooter()

    @property
    def library(self) -> Library:
        return paperterm_app(self).library

    def on_mount(self) -> None:
        self.query_one(PaperList).loading = True
        self.query_one(PaperList).focus()
        paperterm_app(self).library_changed_signal.subscribe(self, self.library_changed, immediate=True)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_BELOW, "-narrow")
        self.set_class(self.size.width >= WIDE_FROM, "-wide")

    @on(PaperList.Resized)
    def _refit_status(self) -> None:
        if self._results_status is not None:
            self._show_results_status(*self._results_status)

    # -- the library arrives (from the app's loading worker) ---------------------

    def library_ready(self, ids: list[str]) -> None:
        """First paint of real data: the newest papers (`ids`, ordered by the loading worker),
        without waiting for the search index."""
        self._restore_view()
        self.rows = LibraryRows(self.library)
        self.rows.refresh_marks()
        papers = self.query_one(PaperList)
        papers.loading = False
        papers.set_rows(ids, self.rows, empty="The library is empty: press i to import a digest.")
        self._set_status(f"All · {len(ids)} papers · indexing for search…")
        self.refresh_sidebar()
        self.prepare_index()

    @work(thread=True, exclusive=True, group="index")
    def prepare_index(self) -> None:
        """The search engine, then the topics: search answers as soon as the index is loaded, and
        topics (read back, or placed or discovered in this worker) never hold a lock it needs."""
        library = self.library
        library.search_engine()
        self.app.call_from_thread(self._index_done)
        # The first results before the rest: For you's vectors and the topics would compete with
        # that search for the interpreter, and at launch the search is what the user waits for.
        self._answered.wait(FIRST_ANSWER_WAIT)
        self.app.call_from_thread(self.warm_for_you)
        topics = library.topics.all()
        topic_of: dict[str, str] = {}
        for topic in reversed(topics):  # the first (largest, pinned) topic wins
            for pid in topic.members:
                topic_of[pid] = topic.name
        self.app.call_from_thread(self._topics_done, topic_of)
        # Papers imported since the index was built are scanned in Python per keystroke: once there
        # are many, they are folded into the saved index here, off the UI thread (seconds at 1M).
        library.fold_index()

    @work(thread=True, exclusive=True, group="vectors")
    def warm_for_you(self) -> None:
        """Load (or build, once) the vectors behind For you and related papers, off the UI thread."""
        library = self.library
        if len(library.papers) > FOR_YOU_WARM_LIMIT and not (library.recommend_dir / "vectors.json").exists():
            return  # building them reads every paper: in a library this large, only once For you is used
        library.recommender.vectors()
        self.app.call_from_thread(self._for_you_ready)

    def _for_you_ready(self) -> None:
        self.show_detail(self.query_one(PaperList).current)  # the related papers can show now

    def _index_done(self) -> None:
        self.index_ready = True
        keep, self._restore = self._restore or self.query_one(PaperList).current, None
        self.run_query(keep=keep)

    def _topics_done(self, topic_of: dict[str, str]) -> None:
        self.topics_ready = True
        if self.rows is not None:
            self.rows.topic_of = topic_of
            papers = self.query_one(PaperList)
            papers.refresh()
            self.show_detail(papers.current)  # the pane names the paper's topics
        self.refresh_sidebar()
        settle_heap()

    # -- scope and search ----------------------------------------------------------

    def watch_scope(self) -> None:
        self.run_query()
        self._remember_view()

    def watch_search_text(self) -> None:
        self.run_query()
        self._remember_view()

    # -- the view is restored on the next launch ---------------------------------------

    def _restore_view(self) -> None:
        """The scope, search and paper of the last session (the sidebar confirms the scope later)."""
        view = paperterm_app(self).settings.last_view
        if view.get("kind") and view.get("kind") != "all":
            self.set_reactive(
                MainScreen.scope,
                Scope(view["kind"], view.get("key", ""), view.get("label", ""), view.get("query", ""), 0, 0),
            )
        if view.get("search"):
            self.set_reactive(MainScreen.search_text, view["search"])
            search = self.query_one(SearchBar)
            with search.prevent(SearchBar.Changed):
                search.value = view["search"]
        self._restore = view.get("paper") or None

    def _remember_view(self) -> None:
        """Saved a moment after the view settles (and at quit), not on every key."""
        if self.rows is None:
            return
        if self._view_timer is not None:
            self._view_timer.stop()
        self._view_timer = self.set_timer(1.0, self.save_view)

    def save_view(self) -> None:
        if self.rows is None:
            return
        scope = self.scope
        view = {
            "kind": scope.kind,
            "key": scope.key,
            "label": scope.label,
            "query": scope.query,
            "search": self.search_text,
            "paper": self._last_highlighted or "",  # not the list's: at quit it is already unmounted
        }
        paperterm_app(self).update_settings(last_view=view)

    def on_unmount(self) -> None:
        if self._view_timer is not None:
            self._view_timer.stop()
        self.save_view()

    def ranked_for_you(self) -> bool:
        """The list is in For you order (the For you scope's own, or the sort chosen for any scope)."""
        return self.rows is not None and self.rows.order == sorting.FOR_YOU

    def for_you_list(self) -> str | None:
        """The reading list (id) a For you · LIST scope learns from; None: everything kept."""
        return self.scope.key if self.scope.kind == "foryou" and self.scope.key != "all" else None

    @on(SearchBar.Changed)
    def _search_changed(self, event: SearchBar.Changed) -> None:
        self.search_text = event.value

    @on(SearchBar.Left)
    def _search_left(self) -> None:
        self.set_focus(self.query_one(PaperList))

    @on(ScopeSidebar.ScopeChosen)
    def _scope_chosen(self, event: ScopeSidebar.ScopeChosen) -> None:
        self.scope = event.scope
        self.query_one(PaperList).focus()

    def current_query(self) -> str:
        return f"{self.scope.query} {self.search_text}".strip() if self.scope.query else self.search_text

    def run_query(self, keep: str | None = None) -> None:
        """Show the current scope and search. A new query starts at its best match; a refresh of
        the same view (`keep`) stays on the paper the user was on."""
        if self.rows is None:
            return
        if not self.index_ready and not self.current_query().strip():
            return
        self.search(self.current_query(), keep)

    @work(thread=True, exclusive=True, group="search")
    def search(self, text: str, keep: str | None) -> None:
        from paperterm.search import SearchSuperseded
        from paperterm.search_query import QueryError

        library = self.library
        chosen = self.sort_choice
        for_you_scope = self.scope.kind == "foryou"
        worker = get_current_worker()
        try:
            # No library lock: an import or topics never hold it up. Keys typed in a burst each
            # start a search; one that waited for the engine while a newer one came is not run.
            results = library.search(text, superseded=lambda: worker.is_cancelled)
            searching = results.query.has_text
            order = sorting.effective(chosen, searching)
            if order in (sorting.RELEVANCE, sorting.FOR_YOU):  # For you is arranged below, with reasons
                ids = results.ids
            else:
                ids = sorting.sort_ids(library, results.ids, order, searching=searching, leading=results.full_matches)
        except QueryError as exc:
            self.app.call_from_thread(self._set_status, str(exc), True)
            return
        except SearchSuperseded:
            return
        arranged = None
        if (order == sorting.FOR_YOU or for_you_scope) and not get_current_worker().is_cancelled:
            # Learning is incremental (one similarity per kept or dismissed paper since the last
            # ranking); only the first For you builds the vectors, and says so.
            if not library.recommender.ready:
                self.app.call_from_thread(self._set_status, "For you: reading the library's words (once)…")
            try:
                if order == sorting.FOR_YOU:
                    arranged = library.recommender.arrange(
                        list(results.ids), self.for_you_list(), drop_kept=for_you_scope
                    )
                else:  # the For you scope in another order: still only what is not kept yet
                    kept, _ = library.recommender.kept_and_dismissed(self.for_you_list())
                    ids = [pid for pid in ids if pid not in kept]
            except LookupError as exc:
                self.app.call_from_thread(self._set_status, str(exc.args[0]), True)
                return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_results, results, ids, order, keep, arranged)

    def _show_results(
        self, results: SearchResults, ids: list[str], order: str, keep: str | None, arranged: Arranged | None = None
    ) -> None:
        if self.rows is None:
            return
        if arranged is not None:
            ids = list(arranged.ids)
        self.rows.reasons = arranged.reasons if arranged is not None else {}
        self.rows.results = results if results.query.has_text else None
        self.rows.order = order
        papers = self.query_one(PaperList)
        empty = "No papers match." if self.library.papers else "The library is empty: press i to import a digest."
        papers.set_rows(ids, self.rows, keep=keep, empty=empty)
        label = self.scope.label
        parts = [f"{label} · {plural(len(ids), 'paper')}"]  # the For you scope leaves out what is kept
        if results.query.has_text:
            parts.append(f"{results.full_matches:,} match every word")
        parts.append(f"by {order} (s)")
        notice = arranged.notice if arranged is not None else ""
        if notice:  # a cold start says why the order is not learned
            parts.append(notice)
        notes = []
        if results.query.dates:  # which date the filter compared
            notes.append("date: filters the day seen")
        if results.query.published:
            notes.append("published: filters the paper's own date")
        self._show_results_status(parts, notes, bool(notes or notice))
        self._answered.set()
        self.show_detail(papers.current)

    # -- sorting (remembered per scope) ------------------------------------------------

    @property
    def scope_id(self) -> str:
        return f"{self.scope.kind}:{self.scope.key}"

    @property
    def sort_choice(self) -> str:
        """The order chosen for this scope; the For you scope's own is For you."""
        chosen = paperterm_app(self).settings.sort_orders.get(self.scope_id, "")
        return chosen or (sorting.FOR_YOU if self.scope.kind == "foryou" else "")

    def action_cycle_sort(self) -> None:
        searching = bool(self.search_text.strip())
        self.sort_by(sorting.next_order(self.sort_choice, searching))

    def sort_by(self, order: str) -> None:
        """Show this view in `order` from now on (kept for this scope across sessions), from its top."""
        app = paperterm_app(self)
        orders = dict(app.settings.sort_orders)
        orders[self.scope_id] = order
        app.update_settings(sort_orders=orders)
        self.run_query()

    def _show_results_status(self, parts: list[str], notes: list[str], wraps: bool) -> None:
        """The header of shown results (`wraps`: it carries notes read whole, on more lines). Its
        column legend depends on the list's width, which may not be laid out yet when the first
        results arrive, so a resize shows it again."""
        self._results_status = (parts, notes, wraps)
        legend = ""
        if self.rows is not None:
            width = self.query_one(PaperList).scrollable_content_region.width
            legend = column_legend(width, self.rows.column_name(), self.rows.order != "paper date")
        self._paint_status(" · ".join([*parts, *([legend] if legend else []), *notes]), wraps=wraps)

    def _set_status(self, message: str, error: bool = False) -> None:
        self._results_status = None
        self._paint_status(message, error)

    def _paint_status(self, message: str, error: bool = False, wraps: bool = False) -> None:
        status = self.query_one("#list-status", Label)
        status.set_class(error, "-error")
        status.set_class(wraps, "-notes")
        status.update(Text(strip_controls(message), style="bold red" if error else "dim"))

    # -- the selected paper --------------------------------------------------------

    @on(PaperList.Highlighted)
    def _highlighted(self, event: PaperList.Highlighted) -> None:
        previous = self._last_highlighted
        self._last_highlighted = event.paper_id
        app = paperterm_app(self)
        settings = app.settings
        if (
            settings.mark_read_on_move
            and self.scope.kind == "unread"
            and previous is not None
            and previous != event.paper_id
            and self.library.state.status_of(previous) == "new"
        ):
            app.set_status(previous, "read")
        # The paper pane follows once the cursor rests: redrawing it re-lays out the screen,
        # and moving through the list (holding `j`) should redraw two lines, not everything.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, lambda: self.show_detail(event.paper_id))

    @on(PaperList.Opened)
    def _opened(self, event: PaperList.Opened) -> None:
        from .reader import ReaderScreen

        papers = self.query_one(PaperList)
        self.app.push_screen(ReaderScreen(papers.ids, papers.cursor, self.spans_of))

    def spans_of(self, info: dict) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        if self.rows is None or self.rows.results is None:
            return [], []
        return self.rows.results.highlight(info["title"]), self.rows.results.highlight(info["abstract"])

    def show_detail(self, paper_id: str | None) -> None:
        detail = self.query_one(PaperDetail)
        if paper_id is None or self.library.paper_for(paper_id) is None:
            detail.show(None)
            return
        info = paperterm_app(self).paper_info(paper_id)
        if self.ranked_for_you() and self.rows is not None:
            info["why"] = self.rows.reasons.get(paper_id) or self.library.recommender.reason_for(
                paper_id, self.for_you_list()
            )
        self._related = [item["id"] for item in info.get("related", [])]
        detail.show(info, *self.spans_of(info))

    # -- after the library changed ---------------------------------------------------

    def library_changed(self, change: LibraryChange) -> None:
        """Marks changed: redraw them and the detail now, recount the sidebar in a worker.
        Papers or topics changed (`reloaded`): redo the query and the topics."""
        if self.rows is None:
            return
        self.rows.refresh_marks()
        if change.reloaded:
            self.prepare_index()
            return
        papers = self.query_one(PaperList)
        if self.ranked_for_you():  # a bookmark or a dismissal re-ranks (in the search worker)
            self.run_query(keep=papers.current)
        papers.refresh()
        if change.paper_id is None or change.paper_id == papers.current:
            self.show_detail(papers.current)
        self.refresh_sidebar()

    @work(thread=True, exclusive=True, group="overview")
    def refresh_sidebar(self) -> None:
        with self.library.lock:
            scopes = overview(self.library, since=paperterm_app(self).previous_session)
        self.app.call_from_thread(self._set_scopes, scopes)

    def _set_scopes(self, scopes: list[Scope]) -> None:
        self.query_one(ScopeSidebar).set_scopes(scopes, f"{self.scope.kind}:{self.scope.key}")
        current = next((s for s in scopes if (s.kind, s.key) == (self.scope.kind, self.scope.key)), None)
        topics_known = self.topics_ready or self.scope.kind != "topic"  # topics are listed once computed
        if current is None and self.scope.kind != "all" and topics_known:
            self.scope = ALL  # the list or topic shown was removed

    # -- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the library loads, only searching (typed ahead) and help work; the rest show dimmed."""
        if self.rows is None and action not in ("search", "help"):
            return None
        return True

    def action_search(self) -> None:
        search = self.query_one(SearchBar)
        if self.focused is search:
            # A `/` typed in the query is just a character: queued behind the keys the search bar
            # has not handled yet (inserted now, it landed before the rest of a burst: `/TCPIP`).
            search.post_message(events.Key("slash", "/"))
            return
        # Focus now, not later (as `focus()` would): keys typed right after `/` must reach
        # the search bar, not trigger list actions.
        self.set_focus(search)

    def action_paper(self, verb: str) -> None:
        papers = self.query_one(PaperList)
        current = papers.current
        if PaperVerb(verb) is PaperVerb.BOOKMARK and papers.selected:
            paperterm_app(self).bookmark_many([pid for pid in papers.ids if pid in papers.selected])
            papers.clear_selection()
            return
        if current is None:
            self.notify("No paper selected.", severity="warning")
            return
        self.post_message(PaperAction(PaperVerb(verb), current))

    def action_triage(self) -> None:
        from .triage import TriageScreen

        ids = self.query_one(PaperList).ids
        state = self.library.state
        queue = [pid for pid in ids if state.status_of(pid) == "new"]
        self.app.push_screen(TriageScreen(queue, self.scope.label))

    def action_toggle_for_you_order(self) -> None:
        """The For you sort for this scope (remembered like any order); again: newest first."""
        searching = bool(self.search_text.strip())
        order = sorting.FOR_YOU
        if sorting.effective(self.sort_choice, searching) == sorting.FOR_YOU:
            order = sorting.effective("", searching)
        self.sort_by(order)
        learned = order == sorting.FOR_YOU
        self.notify("For you order: best match for what you keep first." if learned else f"By {order}.")

    def action_related(self, number: int) -> None:
        """Open related paper `number` of the paper pane in the reader (its neighbours a step away)."""
        from .reader import ReaderScreen

        if not 0 < number <= len(self._related):
            self.notify("No related paper with that number (related papers show once For you is ready).")
            return
        self.app.push_screen(ReaderScreen(list(self._related), number - 1, self.spans_of))

    def action_mark_page_read(self) -> None:
        visible = self.query_one(PaperList).visible_ids()
        count = paperterm_app(self).mark_read(visible)
        self.notify(f"Marked {plural(count, 'paper')} read.")

    def action_mark_view_read(self) -> None:
        """Every paper of the current scope and search, as one undo step."""
        shown = self.query_one(PaperList).ids
        count = paperterm_app(self).mark_read(shown)
        self.notify(f"Marked {plural(count, 'paper')} of {self.scope.label} read · u undoes it.")

    def action_next_unread(self) -> None:
        """To the next unread paper below the cursor, wrapping round to the top."""
        papers = self.query_one(PaperList)
        state = self.library.state
        ids = papers.ids
        for step in range(1, len(ids) + 1):
            index = (papers.cursor + step) % len(ids)
            if state.status_of(ids[index]) == "new":
                papers.cursor = index
                return
        self.notify("Nothing unread in this view.", timeout=2)

    def action_import_digest(self) -> None:
        from .prompts import ImportPrompt

        def chosen(path: str | None) -> None:
            if path:
                paperterm_app(self).import_paths([path])

        self.app.push_screen(ImportPrompt(), chosen)

    def show_search(self, text: str) -> None:
        """Show this search (a palette command's), as if typed in the search bar."""
        self.query_one(SearchBar).value = text
        self.search_text = text

    def action_import_report(self) -> None:
        paperterm_app(self).show_import_report()

    def show_progress(self, message: str) -> None:
        """An import's progress, in the list header until the results replace it."""
        self._set_status(message)

    def action_reload(self) -> None:
        paperterm_app(self).reload_library()

    def action_toggle_mark_on_move(self) -> None:
        paperterm_app(self).toggle_setting("mark_read_on_move")

    def action_help(self) -> None:
        paperterm_app(self).action_help()

    # -- sidebar actions (keys on the sidebar) -------------------------------------------

    def _sidebar_scope(self) -> Scope | None:
        return self.query_one(ScopeSidebar).highlighted_scope()

    def action_new_topic(self) -> None:
        from .prompts import TextPrompt

        def with_rule(name: str | None) -> None:
            if not name:
                return

            def done(rule: str | None) -> None:
                if rule:
                    paperterm_app(self).add_topic(name, rule)

            self.app.push_screen(
                TextPrompt(f"Papers in {name!r} match (search language):", placeholder='"mixture of experts" | moe'),
                done,
            )

        self.app.push_screen(TextPrompt("New topic: its name", placeholder="MoE routing"), with_rule)

    def action_rename_scope(self) -> None:
        from .prompts import TextPrompt

        scope = self._sidebar_scope()
        if scope is None or scope.kind not in ("list", "topic"):
            self.notify("Highlight a reading list or a topic in the sidebar to rename it.", severity="warning")
            return

        def done(name: str | None) -> None:
            if name:
                paperterm_app(self).scope_action(ScopeAction.RENAME, scope, name)

        self.app.push_screen(TextPrompt(f"Rename {scope.label!r} to:", value=scope.label), done)

    def action_pin_topic(self) -> None:
        self._topic_flag(ScopeAction.PIN)

    def action_hide_topic(self) -> None:
        self._topic_flag(ScopeAction.HIDE)

    def _topic_flag(self, what: ScopeAction) -> None:
        scope = self._sidebar_scope()
        if scope is None or scope.kind != "topic":
            self.notify("Highlight a topic in the sidebar first.", severity="warning")
            return
        paperterm_app(self).scope_action(what, scope)

    def action_merge_topic(self) -> None:
        from .prompts import TextPrompt

        scope = self._sidebar_scope()
        if scope is None or scope.kind != "topic":
            self.notify("Highlight the topic to merge in the sidebar first.", severity="warning")
            return

        def done(target: str | None) -> None:
            if target:
                paperterm_app(self).scope_action(ScopeAction.MERGE, scope, target)

        self.app.push_screen(TextPrompt(f"Merge {scope.label!r} into which topic?"), done)

    def action_remove_scope(self) -> None:
        scope = self._sidebar_scope()
        if scope is None or scope.kind not in ("list", "topic"):
            self.notify("Highlight a reading list or a topic to remove it.", severity="warning")
            return
        paperterm_app(self).scope_action(ScopeAction.REMOVE, scope)
