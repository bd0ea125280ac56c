"""The library as the CLI and the TUI see it: papers, digests, the user's state, and the actions on them.

Both faces call these methods and never touch files themselves. Paper data
(rebuildable) and user state (sacred) live in separate stores with separate locks,
so a long import never delays a bookmark.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .atomic_io import LibraryFileError
from .cache_rebuild import INPUTS_DIR, SYNC_FORMAT, finish_pending, keep_input
from .errors import BadAction, PaperNotFound
from .heap import collector_paused
from .importer import (
    VERBOSE_LIMIT,
    DigestInput,
    ImportSummary,
    Reader,
    expand_paths,
    import_inputs,
    import_stream,
    read_input,
    read_paths,
    spool,
    streams,
)
from .kept_inputs import leftovers, writing_inputs
from .library_state import LibraryState, ReadingList
from .locations import check_data_dir
from .locations import data_dir as default_data_dir
from .paper import Digest, Paper
from .paper_columns import DocColumns, descending
from .paper_store import PaperStore
from .samples import sample_files
from .search_query import DateFilter, FilterSource, QueryError, parse_query
from .state_store import StateStore
from .text_tokens import fold_text
from .topic_catalogue import TopicCatalogue

if TYPE_CHECKING:  # the engine (numpy, rapidfuzz) loads on the first search, not at start-up
    from .recommender import Recommender
    from .search import PaperSearch, SearchResults
    from .search_index import SearchIndex
    from .undo import UndoHistory

T = TypeVar("T")


def _checked(action: Callable[..., T], *args: str) -> T:
    try:
        return action(*args)
    except ValueError as exc:
        raise BadAction(str(exc)) from None


class _LibraryFilters(FilterSource):
    """The search filters' view of a library's lists, topics, triage state and notes."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def list_members(self, name: str) -> set[str]:
        state = self.library.state
        found = state.find_list(name)
        if found is None:
            names = ", ".join(rl.name for rl in state.live_lists())
            raise QueryError(f"no reading list named {name!r} (lists: {names})")
        return set(state.list_papers(found.id))

    def topic_members(self, name: str) -> set[str]:
        return self.library.topics.members(name)

    def added_members(self, moment: DateFilter) -> set[str]:
        first = self.library.first_seen()
        return {pid for pid, when in first.items() if moment.accepts(when)}

    def state_members(self, state_name: str) -> tuple[set[str], bool]:
        state = self.library.state
        if state_name in ("unread", "new"):
            return {pid for pid, s in state.status.items() if s.value != "new"}, True
        if state_name in ("read", "dismissed"):
            return {pid for pid, s in state.status.items() if s.value == state_name}, False
        if state_name == "bookmarked":
            return state.bookmarked_ids(), False
        if state_name == "noted":
            return state.noted_ids(), False
        raise QueryError(f"unknown state {state_name!r}")

    def source_members(self, text: str) -> set[str]:
        wanted = text.casefold()
        numbers = {d.number for d in self.library.digests if wanted in d.name.casefold()}
        if not numbers:
            raise QueryError(f"no imported digest file matches {text!r}")
        columns = self.library.store.columns
        return {columns.ids[row] for row in columns.rows_seen_in(numbers).tolist()}

    def note_text(self, paper_id: str) -> str:
        return self.library.state.note_of(paper_id)

    def like_scores(self, ref: str) -> dict[str, float]:
        try:
            paper = self.library.resolve(ref)
        except PaperNotFound as exc:
            raise QueryError(f"`like:{ref}`: {exc}") from None
        return self.library.recommender.like_scores(paper.id)


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where a paper was seen: a digest, and the line of its title there."""

    digest: Digest
    line: int


class Library:
    """One data dir: the paper cache plus the user's state."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_data_dir()
        self.store = PaperStore(self.root / "library")
        self.state_store = StateStore(self.root)
        self._search: PaperSearch | None = None
        self.topics = TopicCatalogue(self)
        self._recommender: Recommender | None = None
        # Imports and reloads (which change the papers) take this. Searches do not: the engine has
        # its own short lock, and topics compute under the catalogue's, so a search never waits
        # for topics or an import.
        self.lock = threading.RLock()
        self._engine_lock = threading.RLock()  # the engine is created once, by whoever asks first
        # Shown every state edit made while it is recording, as copies before and after (undo).
        self.edit_observer: UndoHistory | None = None

    @classmethod
    def open(cls, root: Path | None = None) -> Library:
        library = cls(root)
        library.load()
        return library

    def load(self) -> None:
        check_data_dir(self.root)
        finish_pending(self.root)  # a repair killed just before swapping in its complete cache
        self.store.load()
        self.state_store.load()
        self.remove_leftover_inputs()

    def remove_leftover_inputs(self) -> int:
        """Remove copies of standard input that a killed import left in `inputs/` and no digest
        names (see `kept_inputs`); how many. Done on every open, so the next launch or import does it."""
        found = leftovers(self.root, self.store.digests, remove=True)
        return len(found.paths)

    def refresh(self) -> bool:
        """Pick up other processes' imports and edits; True when anything changed."""
        noted_before = set(self.state.notes)  # a note removed elsewhere must leave the index too
        papers = self.store.refresh()
        state = self.state_store.refresh()
        if papers:
            self.topics.papers_changed()
        if state:
            self.topics.state_changed()
        changed = [self.papers[pid] for pid in self.store.last_changed if pid in self.papers] if papers else []
        if papers and self._recommender is not None:
            self._recommender.papers_changed(changed)
        if self._search is not None:
            if papers:
                self._search.add_papers(changed)
                self._save_index_delta()
            if state:
                self._search.set_notes({pid: self.state.note_of(pid) for pid in noted_before | set(self.state.notes)})
        return papers or state

    # -- papers --------------------------------------------------------------

    @property
    def papers(self) -> Mapping[str, Paper]:
        """Every paper by id; each is read from the cache when asked for (see `PaperStore`)."""
        return self.store.papers

    @property
    def state(self) -> LibraryState:
        return self.state_store.state

    @property
    def digests(self) -> list[Digest]:
        return self.store.digests

    def is_empty(self) -> bool:
        return not self.store.digests

    def resolve(self, ref: str) -> Paper:
        """A paper by id, arXiv id, DOI or PMID, or a unique prefix of its id (like git)."""
        ref = ref.strip()
        papers = self.papers
        if ref in papers:
            return papers[ref]
        by_arxiv = self.store.by_arxiv(ref) or self.store.by_alias(ref)
        if by_arxiv is not None:
            return by_arxiv
        matches = [pid for pid in papers if pid.startswith(ref) or pid.startswith(f"t:{ref}")] if ref else []
        if len(matches) == 1:
            return papers[matches[0]]
        if len(matches) > 1:
            raise PaperNotFound(f"{ref!r} matches {len(matches)} papers; give more of the id")
        raise PaperNotFound(f"no paper with id {ref!r}")

    def seen_on(self, paper: Paper) -> set[str]:
        """Every digest date the paper appeared on."""
        dates = set()
        for number, _ in paper.sightings:
            digest = self.store.digest(number)
            if digest is not None and digest.date:
                dates.add(digest.date)
        return dates

    def sightings(self, paper: Paper) -> list[Sighting]:
        found = []
        for number, line in paper.sightings:
            digest = self.store.digest(number)
            if digest is not None:
                found.append(Sighting(digest, line))
        return sorted(found, key=lambda s: (s.digest.date or "", s.digest.number))

    def papers_sorted(self, *, date_filter: str | None = None, source: str | None = None) -> list[Paper]:
        """Newest digest first, then in the order the digest listed them."""
        papers = self.papers
        return [papers[pid] for pid in self.ids_sorted(date_filter=date_filter, source=source)]

    def ids_sorted(self, *, date_filter: str | None = None, source: str | None = None) -> list[str]:
        """`papers_sorted`'s ids, from the columns: no paper is read."""
        columns = self.store.columns
        arrays = columns.arrays
        rows = np.arange(len(columns.ids))
        if date_filter:
            rows = np.intersect1d(rows, columns.rows_seen_in(d.number for d in self.digests if d.date == date_filter))
        if source:
            wanted = source.casefold()
            named = (d.number for d in self.digests if wanted in d.name.casefold())
            rows = np.intersect1d(rows, columns.rows_seen_in(named))
        keys = [-arrays["first_line"][rows], -arrays["first_num"][rows], arrays["sort_date"][rows]]
        ids = columns.ids
        return [ids[row] for row in rows[descending(keys)].tolist()]

    def day_counts(self, touched: set[str]) -> tuple[Counter[str], Counter[str]]:
        """Per digest day: the papers seen that day, and those of them not in `touched` (read or
        dismissed), counted on the columns."""
        columns = self.store.columns
        dated = sorted({d.date for d in self.digests if d.date})
        place = {day: at for at, day in enumerate(dated)}
        day_of = np.full(max((d.number for d in self.digests), default=0) + 1, -1, dtype=np.int64)
        for d in self.digests:
            if d.date:
                day_of[d.number] = place[d.date]
        owner, numbers = columns.sightings()
        days = day_of[np.minimum(numbers, len(day_of) - 1)]
        pairs = np.sort(owner[days >= 0] * max(len(dated), 1) + days[days >= 0])
        seen = pairs[np.append(True, pairs[1:] != pairs[:-1])] if len(pairs) else pairs  # each (paper, day) once
        rows, at = np.divmod(seen, max(len(dated), 1))
        unread = np.ones(len(columns.ids), dtype=bool)
        unread[columns.rows([pid for pid in touched if pid in columns.row_of])] = False
        every = np.bincount(at, minlength=len(dated)).tolist()
        fresh = np.bincount(at[unread[rows]], minlength=len(dated)).tolist()
        per_day = Counter({day: n for day, n in zip(dated, every, strict=True) if n})
        return per_day, Counter({day: n for day, n in zip(dated, fresh, strict=True) if n})

    def sorted_by(self, ids: Sequence[str], key: str, *, reverse: bool) -> list[str]:
        """These ids (those the library has) by a column: "newest seen", "paper date", "upvotes" or
        "title"; ties keep the order given."""
        columns = self.store.columns
        arrays = columns.arrays
        ids = ids if isinstance(ids, list) else list(ids)  # a search's ranked ids, listed once (in C)
        rows = columns.rows(ids)
        present = np.flatnonzero(rows >= 0)
        rows = rows[present]
        if key == "newest seen":
            keys = [-arrays["first_line"][rows], -arrays["first_num"][rows], arrays["date"][rows]]
        elif key == "title":
            keys = [np.array([fold_text(columns.title(row)) for row in rows.tolist()] or [""])[: len(rows)]]
        else:
            keys = [arrays["paper_date" if key == "paper date" else key][rows]]
        order = descending(keys) if reverse else np.lexsort(keys)
        return [ids[i] for i in present[order].tolist()]

    def describe(self, paper: Paper) -> dict[str, Any]:
        """Everything known about a paper, as plain data (for `--json`, exports and the TUI)."""
        state = self.state
        return {
            "id": paper.id,
            "title": paper.title,
            "abstract": paper.abstract,
            "authors": paper.authors,
            "links": paper.links,
            "arxiv_id": paper.arxiv_id,
            "url": paper.url,
            "date": paper.date or None,  # the day it was first seen in a digest (`date:` filters)
            "published": paper.published or None,  # the paper's own date (`published:`/`year:` filters)
            "sources": [
                {
                    "file": s.digest.name,
                    "path": s.digest.path,
                    "date": s.digest.date,
                    "date_source": s.digest.date_source,
                    "line": s.line,
                    # carried by a sync file: `file` is "<digest> on <device>", as that machine saw it
                    "synced": s.digest.format == SYNC_FORMAT,
                }
                for s in self.sightings(paper)
            ],
            "status": state.status_of(paper.id),
            "lists": state.lists_of(paper.id),
            "note": state.note_of(paper.id),
            **({"extra": paper.extra} if paper.extra else {}),
        }

    # -- importing -----------------------------------------------------------

    def import_paths(
        self,
        args: list[str],
        *,
        explicit_date: date | None = None,
        format_name: str | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        verbose: bool = False,
    ) -> ImportSummary:
        """`verbose`: keep each record's source line for `import --verbose` (of a streamed file, up to 100,000)."""
        with self._read_back_if_failed():
            return self._import_paths(args, explicit_date, format_name, progress, verbose)

    @contextlib.contextmanager
    def _read_back_if_failed(self) -> Iterator[None]:
        """An import that fails part way (a full disk at its segment or its manifest) has merged its
        papers into the cache in memory already: the cache is read back as saved, so this process
        neither shows papers that are not on disk nor takes the file for one imported before (`0 new,
        232 already known, 1 file imported before`) when it is tried again."""
        try:
            yield
        except Exception:
            with contextlib.suppress(LibraryFileError, OSError):
                self.store.load()
            raise

    def _import_paths(
        self,
        args: list[str],
        explicit_date: date | None,
        format_name: str | None,
        progress: Callable[[int, int, str], None] | None,
        verbose: bool,
    ) -> ImportSummary:
        paths, problems = expand_paths(args)
        folders = any(Path(a).expanduser().is_dir() for a in args)
        streamed = [p for p in paths if format_name in (None, "json-records") and streams(p)]
        paths = [p for p in paths if p not in streamed]
        summary = ImportSummary()
        for path in streamed:  # JSON Lines of any size: a batch at a time, never read whole
            summary.absorb(
                import_stream(
                    self.store,
                    path,
                    explicit_date=explicit_date,
                    progress=progress,
                    verbose_limit=VERBOSE_LIMIT * verbose,
                )
            )
        summary.absorb(
            import_inputs(
                self.store,
                itertools.chain(problems, read_paths(paths)),  # a file at a time: a list would hold them all
                explicit_date=explicit_date,
                format_name=format_name,
                total=len(paths) + len(problems),
                progress=progress,
                skip_unrecognised=folders,
                keep_records=verbose,
            )
        )
        self._papers_changed([*summary.new_ids, *summary.changed_ids])
        return summary

    def import_inbox(self, inboxes: list[str]) -> ImportSummary | None:
        """Import what is new in the inbox folders (a setting): saving a digest there is all a user does.

        Files imported before are recognised by their content and skipped cheaply; None when no
        inbox is set.
        """
        if not inboxes:
            return None
        summary = ImportSummary()
        folders = [Path(inbox).expanduser() for inbox in inboxes]
        for missing in (f for f in folders if not f.is_dir()):
            summary.skipped.append(f"{missing}: the inbox folder does not exist (`paperterm inbox --remove` it)")
        present = [str(f) for f in folders if f.is_dir()]
        if present:
            summary.absorb(self.import_paths(present))
        return summary

    def import_stdin(
        self,
        read: Reader,
        *,
        explicit_date: date | None = None,
        format_name: str | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        verbose: bool = False,
    ) -> ImportSummary:
        """Standard input, copied a MiB at a time into `inputs/` (so a repair can read it again), then
        streamed when it is JSON Lines (an arXiv snapshot piped in) or else parsed whole like a file."""
        with writing_inputs(self.root / INPUTS_DIR), self._read_back_if_failed():  # the copy is this import's
            kept, sha = spool(read, self.root / INPUTS_DIR, "stdin", progress)  # until its digest is saved
            if format_name in (None, "json-records") and streams(kept):
                summary = import_stream(
                    self.store,
                    kept,
                    explicit_date=explicit_date,
                    progress=progress,
                    copy_of="<stdin>",
                    sha256=sha,
                    verbose_limit=VERBOSE_LIMIT * verbose,
                )
            else:
                item = DigestInput(name="<stdin>", path=str(kept), data=read_input(kept).data, mtime=None)
                summary = import_inputs(
                    self.store,
                    [item],
                    explicit_date=explicit_date,
                    format_name=format_name,
                    total=1,
                    keep_records=verbose,
                )
        self._papers_changed([*summary.new_ids, *summary.changed_ids])
        return summary

    def import_bytes(
        self, data: bytes, name: str, *, explicit_date: date | None = None, format_name: str | None = None
    ) -> ImportSummary:
        # Kept as a file of its own (by content), so `doctor --repair` can read it again.
        with writing_inputs(self.root / INPUTS_DIR), self._read_back_if_failed():
            kept = keep_input(self.root, data, "stdin")
            item = DigestInput(name=name, path=str(kept), data=data, mtime=None)
            summary = import_inputs(self.store, [item], explicit_date=explicit_date, format_name=format_name, total=1)
        self._papers_changed([*summary.new_ids, *summary.changed_ids])
        return summary

    def first_seen(self) -> dict[str, str]:
        """When each paper was first imported (its earliest digest's import time, ISO, UTC)."""
        first, times = self._first_imported()
        named = [*times, ""]
        return {pid: named[at] for pid, at in zip(self.store.columns.ids, first.tolist(), strict=True)}

    def added_since(self, moment: str) -> list[str]:
        """The papers first imported after `moment` (ISO, UTC): "What's new", without a dict of every paper."""
        first, times = self._first_imported()
        after = bisect.bisect_right(times, moment)  # `times` is sorted: these ranks are later
        ids = self.store.columns.ids
        return [ids[row] for row in np.flatnonzero((first >= after) & (first < len(times))).tolist()]

    def _first_imported(self) -> tuple[np.ndarray, list[str]]:
        """Per row of the columns, the rank of its earliest digest's import time in the sorted
        `times` (len(times) for a paper seen in no digest)."""
        columns = self.store.columns
        owner, numbers = columns.sightings()
        times = sorted({d.imported_at for d in self.digests} | {""})
        place = {when: at for at, when in enumerate(times)}
        rank = np.zeros(max((d.number for d in self.digests), default=0) + 1, dtype=np.int64)
        for d in self.digests:
            rank[d.number] = place[d.imported_at]
        known = numbers < len(rank)
        first = np.full(len(columns.ids), len(times), dtype=np.int64)
        np.minimum.at(first, owner[known], rank[numbers[known]])
        return first, times

    def import_samples(self) -> ImportSummary:
        """The bundled Daily Papers digests, with fixed dates so every machine sees the same library."""
        summary = ImportSummary()
        for path, day in sample_files():
            summary.absorb(
                import_inputs(
                    self.store,
                    [read_input(path)],
                    explicit_date=date.fromisoformat(day),
                    explicit_source="bundled sample",
                    total=1,
                )
            )
        self._papers_changed([*summary.new_ids, *summary.changed_ids])
        return summary

    # -- the user's actions: each is saved at once, under the state lock --------

    def edit_state(self, change: Callable[[LibraryState], T]) -> T:
        """Apply `change` to the freshest state under the lock and save it (see `StateStore.edit`)."""
        # No library lock: the state store's own file lock suffices, and `edit` swaps in a fresh
        # state object, so readers in other threads never see one change under them. A bookmark
        # therefore never waits for an import or an index build.
        observer = self.edit_observer if self.edit_observer is not None and self.edit_observer.recording() else None
        with self.state_store.edit() as state:
            before = state.copy() if observer is not None else None
            result = change(state)
        if observer is not None and before is not None:
            observer.observe(before, state)
        self.topics.state_changed()
        return result

    def paper_for(self, ref: str) -> Paper | None:
        """A paper by the id the state uses, following aliases (a title id, an arXiv id)."""
        return self.papers.get(ref) or self.store.by_alias(ref)

    def _list_id(self, state: LibraryState, name: str | None) -> str:
        if name is None:
            return state.ensure_default_list().id
        found = state.find_list(name)
        if found is None:
            names = ", ".join(rl.name for rl in state.live_lists()) or "none"
            raise BadAction(f"no reading list named {name!r} (lists: {names})")
        return found.id

    def set_status(self, paper_id: str, value: str) -> bool:
        """Mark a paper new (unread), read or dismissed; False when it already was."""
        return self.edit_state(lambda state: state.set_status(paper_id, value))

    def set_status_many(self, paper_ids: Iterable[str], value: str, *, only_from: str | None = None) -> list[str]:
        """Mark many papers in one write (`R`, acting on a view); with `only_from`, only papers in
        that status. Returns the papers changed."""

        ids = list(paper_ids)

        def change(state: LibraryState) -> list[str]:
            chosen = [p for p in ids if only_from is None or state.status_of(p) == only_from]
            return [p for p in chosen if state.set_status(p, value)]

        return self.edit_state(change)

    def bookmark(self, paper_id: str, list_name: str | None = None) -> bool:
        """Put a paper in a list (the default `to-read` when none is named)."""
        return self.edit_state(lambda state: state.set_in_list(self._list_id(state, list_name), paper_id, True))

    def unbookmark(self, paper_id: str, list_name: str | None = None) -> bool:
        """Take a paper out of a list; with no list named, out of every list."""

        def change(state: LibraryState) -> bool:
            if list_name is not None:
                return state.set_in_list(self._list_id(state, list_name), paper_id, False)
            removed = [state.set_in_list(rl.id, paper_id, False) for rl in state.live_lists()]
            return any(removed)

        return self.edit_state(change)

    def create_list(self, name: str) -> ReadingList:
        return self.edit_state(lambda state: _checked(state.create_list, name))

    def rename_list(self, name: str, new_name: str) -> None:
        self.edit_state(lambda state: _checked(state.rename_list, self._list_id(state, name), new_name))

    def delete_list(self, name: str) -> list[str]:
        """Delete a list and its entries; returns the papers it held."""
        return self.edit_state(lambda state: state.delete_list(self._list_id(state, name)))

    def move_list(self, name: str, position: int) -> None:
        """Put a list at `position` (0 first) among the lists, renumbering the others."""

        def change(state: LibraryState) -> None:
            list_id = self._list_id(state, name)
            order = [rl.id for rl in state.live_lists() if rl.id != list_id]
            order.insert(max(0, min(position, len(order))), list_id)
            for number, each in enumerate(order):
                if state.lists[each].position != number:
                    state.move_list(each, number)

        self.edit_state(change)

    def set_note(self, paper_id: str, text: str) -> bool:
        changed = self.edit_state(lambda state: state.set_note(paper_id, text))
        if changed and self._search is not None:
            self._search.set_notes({paper_id: self.state.note_of(paper_id)})
        return changed

    def state_edited(self, note_ids: Iterable[str] = (), topics: bool = False) -> None:
        """Bring what is derived from the state up to date after an edit made through `edit_state`
        by code that is not one of the actions above (undo): notes in the index, topics."""
        if self._search is not None:
            self._search.set_notes({pid: self.state.note_of(pid) for pid in note_ids})
        if topics:
            self.topics.prefs_changed()

    # -- search --------------------------------------------------------------

    @property
    def index_dir(self) -> Path:
        return self.store.root / "index"

    def digest_key(self, digests: int) -> str:
        """Names the library as of its first `digests` digests: derived caches (index, topics) carry it."""
        return f"{digests}:{self.digests[digests - 1].sha256 if digests else ''}"

    def search_engine(self) -> PaperSearch:
        """The search engine, loading the saved index (or building and saving it) on first use."""
        if self._search is not None:
            return self._search
        with self._engine_lock:
            if self._search is None:
                with collector_paused():
                    index = self._load_index()
                    if index is None:
                        index = self.rebuild_index()
                notes = self._index_notes(index)
                search = self._engine_over(index)
                # Here, in the loading worker: the first keystroke makes no per-paper arrays, and
                # a saved index keeps them beside it for the next launch on this library state.
                saved = self.index_dir if index.key is not None else None
                search.prepare(saved, self.digest_key(len(self.digests)))
                self._search = search
                self._notes_saved_since(notes)
        return self._search

    def _engine_over(self, index: SearchIndex) -> PaperSearch:
        from .search import PaperSearch

        return PaperSearch(
            index,
            self.papers,
            _LibraryFilters(self),
            order_columns=_newest_first_columns,
            seen_on=self.seen_on,
            doc_columns=self.doc_columns,
        )

    def _index_notes(self, index: SearchIndex) -> dict[str, Any]:
        """Put every note into a new index; returns the notes it was given (see `_notes_saved_since`)."""
        notes = dict(self.state.notes)
        for pid, note in notes.items():
            if note.versions:
                index.set_note(pid, self.state.note_of(pid))
        return notes

    def _notes_saved_since(self, notes: dict[str, Any]) -> None:
        """Index the notes saved while an index was being built from `notes`. A note save (the
        autosave thread, the CLI through a refresh) does not wait for a build: it updates the
        engine when there is one, and this catches the saves made before the new index was in use."""
        current = self.state.notes
        changed = [pid for pid in notes.keys() | current.keys() if notes.get(pid) is not current.get(pid)]
        if changed and self._search is not None:
            self._search.set_notes({pid: self.state.note_of(pid) for pid in changed})

    def _load_index(self, changed: list[Paper] | None = None) -> SearchIndex | None:
        """A saved index built for the first k digests is valid; papers from later digests go in its delta.

        `changed`: the papers an import just added or changed. When they account for every digest
        after the saved stamp, only they are indexed (no pass over the library's papers)."""
        from .index_fold import settle
        from .search_index import SearchIndex

        settle(self.index_dir)  # a fold killed half way: its folders removed, an index moved aside put back
        meta = SearchIndex.saved_key(self.index_dir)
        if meta is None:
            return None
        count = int(meta.split(":", 1)[0]) if meta.split(":", 1)[0].isdigit() else -1
        if not 0 < count <= len(self.digests) or meta != self.digest_key(count):
            return None
        index = SearchIndex.load(self.index_dir, meta)
        if index is None:
            return None
        stamp = index.load_delta(self.index_dir)
        if stamp is not None:
            upto = self._digests_of(stamp)
            if count <= upto:
                count = upto
            else:  # the delta belongs to another history of this library: start again from the base
                index = SearchIndex.load(self.index_dir, meta)
                if index is None:
                    return None
        if count == len(self.digests):
            return index  # up to date: a launch reads nothing per paper
        if changed is not None and self._brought_since(count, changed):
            index.add_papers(changed)
        else:  # the columns say which papers came later or are missing; only those are read
            columns = self.store.columns
            ids = columns.ids[: len(columns.arrays["max_num"])]  # one length: an import may be adding rows
            later = [ids[row] for row in np.flatnonzero(columns.arrays["max_num"] > count).tolist()]
            known = index.doc_ids.lookup(ids)
            missing = [] if len(known) == len(ids) else [pid for pid in ids if pid not in index.doc_of]
            papers = self.papers
            index.add_papers([papers[pid] for pid in dict.fromkeys([*later, *missing])])
        with contextlib.suppress(LibraryFileError):
            index.save_delta(self.index_dir, self.digest_key(len(self.digests)))
        return index

    def _digests_of(self, stamp: str) -> int:
        """How many of this library's digests a cache's stamp names (-1: another history or damaged)."""
        head = stamp.split(":", 1)[0]
        count = int(head) if head.isdigit() else -1
        return count if 0 < count <= len(self.digests) and stamp == self.digest_key(count) else -1

    def _brought_since(self, count: int, changed: list[Paper]) -> bool:
        """Whether `changed` holds every paper of the digests after the first `count`."""
        newer = set(range(count + 1, len(self.digests) + 1))
        return newer <= {number for p in changed for number, _ in p.sightings}

    def doc_columns(self, doc_ids: Sequence[str]) -> DocColumns:
        """Per indexed document: whether the library has it, its dates and its place in the library's
        order, from the columns (the engine reads no paper for them)."""
        columns = self.store.columns
        arrays = columns.arrays
        rows = columns.rows(doc_ids)
        known = rows >= 0
        present = np.flatnonzero(known)
        kept = rows[present]
        dates = np.zeros(len(rows), dtype="U10")
        dates[present] = arrays["date"][kept].astype("U10")
        published = np.zeros(len(rows), dtype="U10")
        published[present] = arrays["published"][kept].astype("U10")
        lines, numbers = np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
        lines[present] = -arrays["first_line"][kept]
        numbers[present] = -arrays["first_num"][kept]
        digest_dates = {d.number: d.date for d in self.digests if d.date}
        repeats: dict[int, set[str]] = {}
        for doc in present[arrays["sight_len"][kept] > 1].tolist():
            row = int(rows[doc])
            others = {digest_dates[n] for n in columns.numbers(row) if n in digest_dates} - {str(dates[doc])}
            if others:
                repeats[doc] = others
        return DocColumns(known, dates, published, [lines, numbers, dates.copy()], repeats)

    def rebuild_index(self) -> SearchIndex:
        """Build the index over every paper and save it (seconds at 100,000 papers: run it in a worker)."""
        from .search_index import SearchIndex

        key = self.digest_key(len(self.digests))
        papers = self.store.iter_papers  # a segment at a time: bounded memory at a million papers
        index = None
        if self.digests:
            with contextlib.suppress(LibraryFileError):  # a cache: a full or read-only disk only costs speed
                index = SearchIndex.build_into(papers(), self.index_dir, key)
        if index is None:
            index = SearchIndex.build(papers())
        notes = self._index_notes(index)
        if self._search is not None:
            self._search.replace_index(index)
            self._notes_saved_since(notes)
        return index

    def search(
        self, text: str, limit: int | None = None, superseded: Callable[[], bool] | None = None
    ) -> SearchResults:
        """Ranked results; raises QueryError (with a message for the user) for a malformed query,
        and SearchSuperseded when `superseded` says so once the engine is free (`PaperSearch.run`)."""
        query = parse_query(text)
        if query.topics or any(name == "topic" for name, _ in query.negated_filters):
            self.topics.all()  # computed before the engine's lock is taken, never while holding it
        return self.search_engine().run(query, limit, superseded)

    def _papers_changed(self, ids: Iterable[str]) -> None:
        """Keep the index current after an import: new and enriched papers go into its delta."""
        self.store.save_columns()
        self.topics.papers_changed()
        from .index_fold import due

        wanted = self._recommender is not None or (self.recommend_dir / "vectors.json").exists()
        indexed = self._search is not None or (self.index_dir / "index.json").exists()
        if not wanted and not indexed:
            return  # nothing derived to update: no paper is read back
        changed = [self.papers[i] for i in dict.fromkeys(ids) if i in self.papers]
        if wanted:
            # Only then: an import into a library that never asked For you loads no numpy for it.
            self.recommender.papers_changed(changed)
        with self._engine_lock:
            if self._search is not None:
                self._search.add_papers(changed)
                self._save_index_delta()
            elif (self.index_dir / "index.json").exists():
                # No engine in this process (the CLI): the saved index is topped up from the papers
                # of the digests after its stamp, and its delta saved, so the app's next launch
                # reads the index as it is.
                with collector_paused():
                    index = self._load_index(changed)
                    if index is not None and index.key is not None:
                        # The per-document arrays saved by the last launch, updated for these papers.
                        def carried(stamp: str) -> bool:
                            count = self._digests_of(stamp)
                            return count >= 0 and self._brought_since(count, changed)

                        stamp = self.digest_key(len(self.digests))
                        self._engine_over(index).extend_saved(self.index_dir, carried, changed, stamp)
                        if due(index):  # the delta has grown large: folded into the base now
                            self._fold_into_base(index, stamp)

    def fold_index(self, force: bool = False) -> int | None:
        """Fold the search index's delta into its base when it has grown past `index_fold.due` (or
        whenever it holds papers, with `force`): the papers folded (0: none), None when there is no
        saved index to fold into. Seconds at a million papers, in a worker: the delta is copied under
        the library's lock and folded outside it, so imports, triage and searches go on meanwhile;
        what they changed is added to the folded index when it is swapped in."""
        from .index_fold import due

        with self.lock, self._engine_lock:
            index = self._search.index if self._search is not None else self._load_index()
            if index is None or index.key is None:
                return None
            if not index.delta_size or not (force or due(index)):
                return 0
            snapshot = index.snapshot()
            stamp = self.digest_key(len(self.digests))
        if not self._fold_into_base(snapshot, stamp):
            return 0
        if self._search is not None:
            with self.lock, self._engine_lock, collector_paused():
                current = self._load_index()  # the folded base, and the papers imported meanwhile
                if current is not None:
                    notes = self._index_notes(current)
                    self._search.replace_index(current)
                    self._search.prepare(self.index_dir, self.digest_key(len(self.digests)))
                    self._notes_saved_since(notes)
        return snapshot.delta_size

    def _fold_into_base(self, index: SearchIndex, stamp: str) -> bool:
        from .index_fold import fold

        try:
            with collector_paused():
                fold(index, self.index_dir, stamp)
        except LibraryFileError:
            return False  # a cache: a full or read-only disk leaves the index and delta as they were
        return True

    def _save_index_delta(self) -> None:
        """The delta and the per-document arrays, both for the library's new state: the next
        launch reads them as they are."""
        from .search_index import SearchIndex

        assert self._search is not None
        key = self._search.index.key
        if key is not None and SearchIndex.saved_key(self.index_dir) != key:
            return  # another process folded or rebuilt the index: ours would not number its documents
        stamp = self.digest_key(len(self.digests))
        with contextlib.suppress(LibraryFileError):  # a cache: the next launch reads those papers again
            self._search.index.save_delta(self.index_dir, stamp)
        if self._search.index.key is not None:
            self._search.save_prepared(self.index_dir, stamp)

    # -- for you ---------------------------------------------------------------

    @property
    def recommend_dir(self) -> Path:
        """Where For you's vectors are saved (a cache beside the paper cache, rebuildable)."""
        return self.store.root / "recommend"

    @property
    def recommender(self) -> Recommender:
        """For you, related papers and `like:` (vectors loaded or built on first use)."""
        if self._recommender is None:
            from .recommender import Recommender

            self._recommender = Recommender(self)
        return self._recommender

    # -- numbers -------------------------------------------------------------

    def completion_names(self, kind: str) -> list[str]:
        """Reading-list ("lists") or topic ("topics") names for shell completion, from the state
        file and the saved topic choice: no paper is loaded, so a tab press answers at once."""
        state = self.state_store.load()
        if kind == "lists":
            return [rl.name for rl in state.live_lists()]
        return self.topics.saved_names(state.topics)

    def stats(self) -> dict[str, Any]:
        dates = sorted({d.date for d in self.digests if d.date})
        state = self.state
        return {
            "papers": len(self.papers),
            "digests": len(self.digests),
            "dates": len(dates),
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
            "lists": len(state.live_lists()),
            "bookmarked": len(state.bookmarked_ids()),
            "notes": len(state.noted_ids()),
            "read": sum(1 for s in state.status.values() if s.value == "read"),
            "dismissed": sum(1 for s in state.status.values() if s.value == "dismissed"),
            "cache_bytes": self.store.size_on_disk(),
            "state_bytes": sum(
                f.stat().st_size for f in (self.state_store.path, self.state_store.journal_path) if f.exists()
            ),
            "data_dir": str(self.root),
        }


def _newest_first_columns(papers: list[Paper]) -> list[Any]:
    """`_newest_first` as `np.lexsort` columns (least significant first), for sorting in one C call."""
    firsts = [p.sightings[0] if p.sightings else (0, 0) for p in papers]
    lines = np.fromiter((-line for _, line in firsts), dtype=np.int64, count=len(papers))
    numbers = np.fromiter((-number for number, _ in firsts), dtype=np.int64, count=len(papers))
    return [lines, numbers, np.array([p.date for p in papers], dtype="U10")]


def _newest_first(paper: Paper) -> tuple[str, int, int]:
    """Sort key (use with reverse=True): the paper's own date where a source stated it, else the day it
    was first seen; then digest order, then line order. A 1901 classic imported today sorts as 1901."""
    number, line = paper.sightings[0] if paper.sightings else (0, 0)
    return (paper.sort_date, -number, -line)
