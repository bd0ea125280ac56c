"""The library as the CLI and the TUI see it: papers, digests, the user's state, and the actions on them.

Both faces call these methods and never touch files themselves. Paper data
(rebuildable) and user state (sacred) live in separate stores with separate locks,
so a long import never delays a bookmark.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .atomic_io import LibraryFileError, read_json, write_json
from .cache_rebuild import finish_pending, keep_input
from .errors import BadAction
from .importer import (
    DigestInput,
    ImportSummary,
    expand_paths,
    import_inputs,
    import_stream,
    read_input,
    read_paths,
    streams,
)
from .library_state import LibraryState, ReadingList
from .locations import check_data_dir
from .locations import data_dir as default_data_dir
from .paper import Digest, Paper
from .paper_store import PaperStore
from .samples import sample_files
from .search_query import FilterSource, QueryError, parse_query
from .state_store import StateStore
from .text_tokens import QUERY_STOPWORDS, spans, words
from .topic_rules import evaluation_order
from .topic_rules import problems as topic_problems
from .topic_rules import refusal as topic_refusal
from .topics import HARD_GENERIC, Topic, discover
from .topics import trend as topic_trend

if TYPE_CHECKING:  # the engine (numpy, rapidfuzz) loads on the first search, not at start-up
    from .recommender import Recommender
    from .search import PaperSearch, SearchResults
    from .search_index import SearchIndex
    from .undo import UndoHistory

T = TypeVar("T")


class PaperNotFound(LookupError):
    pass


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
        return self.library.topic_members(name)

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
        return {p.id for p in self.library.papers.values() if any(n in numbers for n, _ in p.sightings)}

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
        self._auto_topics_cache: list[Topic] | None = None
        self._topics: list[Topic] | None = None
        self._composing: list[Topic] | None = None  # the topics made so far, while user rules run
        self._recommender: Recommender | None = None
        # Workers (imports, index builds, searches) and the UI share one library: they take this.
        self.lock = threading.RLock()
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

    def refresh(self) -> bool:
        """Pick up other processes' imports and edits; True when anything changed."""
        before = set(self.papers) if self._search is not None or self._recommender is not None else set()
        noted_before = set(self.state.notes)  # a note removed elsewhere must leave the index too
        papers = self.store.refresh()
        state = self.state_store.refresh()
        if papers:
            self._auto_topics_cache = None
        if papers or state:
            self._topics = None
        if papers and self._recommender is not None:
            self._recommender.papers_changed([p for pid, p in self.papers.items() if pid not in before])
        if self._search is not None:
            if papers:
                self._search.index.add_papers(p for pid, p in self.papers.items() if pid not in before)
                self._search.invalidate()
            if state:
                for pid in noted_before | set(self.state.notes):
                    self._search.index.set_note(pid, self.state.note_of(pid))
        return papers or state

    # -- papers --------------------------------------------------------------

    @property
    def papers(self) -> dict[str, Paper]:
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
        chosen: Iterable[Paper] = self.papers.values()
        if date_filter:
            chosen = [p for p in chosen if date_filter in self.seen_on(p)]
        if source:
            wanted = source.casefold()
            chosen = [p for p in chosen if any(wanted in s.digest.name.casefold() for s in self.sightings(p))]
        return sorted(chosen, key=_newest_first, reverse=True)

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
    ) -> ImportSummary:
        paths, problems = expand_paths(args)
        folders = any(Path(a).expanduser().is_dir() for a in args)
        streamed = [p for p in paths if format_name in (None, "json-records") and streams(p)]
        paths = [p for p in paths if p not in streamed]
        summary = ImportSummary()
        for path in streamed:  # JSON Lines of any size: a batch at a time, never read whole
            summary.absorb(import_stream(self.store, path, explicit_date=explicit_date, progress=progress))
        summary.absorb(
            import_inputs(
                self.store,
                [*problems, *read_paths(paths)],
                explicit_date=explicit_date,
                format_name=format_name,
                total=len(paths) + len(problems),
                progress=progress,
                skip_unrecognised=folders,
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

    def import_bytes(
        self, data: bytes, name: str, *, explicit_date: date | None = None, format_name: str | None = None
    ) -> ImportSummary:
        # Kept as a file of its own (by content), so `doctor --repair` can read it again.
        kept = keep_input(self.root, data, "stdin")
        item = DigestInput(name=name, path=str(kept), data=data, mtime=None)
        summary = import_inputs(self.store, [item], explicit_date=explicit_date, format_name=format_name, total=1)
        self._papers_changed([*summary.new_ids, *summary.changed_ids])
        return summary

    def import_samples(self) -> ImportSummary:
        """The bundled Daily Papers digests, with fixed dates so every machine sees the same library."""
        summary = ImportSummary()
        for path, day in sample_files():
            summary.absorb(
                import_inputs(self.store, [read_input(path)], explicit_date=date.fromisoformat(day), total=1)
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
        if any(p.kind == "user" for p in self._topics or []):
            self._topics = None  # a user topic's rule may filter on lists or status
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
            self._search.index.set_note(paper_id, self.state.note_of(paper_id))
        return changed

    def state_edited(self, note_ids: Iterable[str] = (), topics: bool = False) -> None:
        """Bring what is derived from the state up to date after an edit made through `edit_state`
        by code that is not one of the actions above (undo): notes in the index, topics."""
        if self._search is not None:
            for pid in note_ids:
                self._search.index.set_note(pid, self.state.note_of(pid))
        if topics:
            self._topic_changed()

    # -- search --------------------------------------------------------------

    @property
    def index_dir(self) -> Path:
        return self.store.root / "index"

    def _index_key(self, digests: int) -> str:
        return f"{digests}:{self.digests[digests - 1].sha256 if digests else ''}"

    def search_engine(self) -> PaperSearch:
        """The search engine, loading the saved index (or building and saving it) on first use."""
        if self._search is None:
            from .search import PaperSearch

            index = self._load_index()
            if index is None:
                index = self.rebuild_index()
            self._search = PaperSearch(
                index, self.papers, _LibraryFilters(self), order=_newest_first, seen_on=self.seen_on
            )
            for pid, note in self.state.notes.items():
                if note.versions:
                    index.set_note(pid, self.state.note_of(pid))
        return self._search

    def _load_index(self) -> SearchIndex | None:
        """A saved index built for the first k digests is valid; papers from later digests go in its delta."""
        from .search_index import SearchIndex

        meta = SearchIndex.saved_key(self.index_dir)
        if meta is None:
            return None
        count = int(meta.split(":", 1)[0]) if meta.split(":", 1)[0].isdigit() else -1
        if not 0 < count <= len(self.digests) or meta != self._index_key(count):
            return None
        index = SearchIndex.load(self.index_dir, meta)
        if index is None:
            return None
        later = [p for p in self.papers.values() if any(n > count for n, _ in p.sightings)]
        missing = [p for p in self.papers.values() if p.id not in index.doc_of]
        index.add_papers({p.id: p for p in [*later, *missing]}.values())
        return index

    def rebuild_index(self) -> SearchIndex:
        """Build the index over every paper and save it (seconds at 100,000 papers: run it in a worker)."""
        from .search_index import SearchIndex

        index = SearchIndex.build(self.papers.values())
        if self.digests:
            with contextlib.suppress(LibraryFileError):  # a cache: a full or read-only disk only costs speed
                index.save(self.index_dir, self._index_key(len(self.digests)))
        if self._search is not None:
            self._search.index = index
            self._search.invalidate()
            for pid, note in self.state.notes.items():
                if note.versions:
                    index.set_note(pid, self.state.note_of(pid))
        return index

    def search(self, text: str, limit: int | None = None) -> SearchResults:
        """Ranked results; raises QueryError (with a message for the user) for a malformed query."""
        return self.search_engine().search(text, limit)

    def _papers_changed(self, ids: Iterable[str]) -> None:
        """Keep the index current after an import: new and enriched papers go into its delta."""
        self._auto_topics_cache = None
        self._topics = None
        changed = [self.papers[i] for i in dict.fromkeys(ids) if i in self.papers]
        self.recommender.papers_changed(changed)
        if self._search is None:
            return
        self._search.index.add_papers(self.papers[i] for i in dict.fromkeys(ids) if i in self.papers)
        self._search.invalidate()

    # -- for you ---------------------------------------------------------------

    @property
    def recommender(self) -> Recommender:
        """For you, related papers and `like:` (vectors loaded or built on first use)."""
        if self._recommender is None:
            from .recommender import Recommender

            self._recommender = Recommender(self)
        return self._recommender

    # -- topics --------------------------------------------------------------

    def cached_topics(self) -> list[Topic]:
        """The topics last computed, without waiting for a worker that holds the lock."""
        return self._topics or []

    def topics(self) -> list[Topic]:
        """Topics for the sidebar: pinned first, then by size; hidden and merged ones left out."""
        with self.lock:
            if self._topics is None:
                self._topics = self._compute_topics()
            return self._topics

    def _auto_topics(self) -> list[Topic]:
        if self._auto_topics_cache is None:
            cache = self.store.root / "topics.json"
            previous: list[str] = []
            if cache.exists():
                try:
                    previous = list(read_json(cache, kind="paperterm-topics", schema_version=1).get("keys", []))
                except LibraryFileError:
                    previous = []
            found = discover(
                list(self.papers.values()),
                central_in_abstract=self._central_in_abstract,
                titles_with=self._titles_with,
                previous=[k.removeprefix("auto:") for k in previous],
            )
            self._auto_topics_cache = found
            keys = [t.key for t in found]
            if keys != previous and self.digests:
                with contextlib.suppress(LibraryFileError):  # a cache: not kept on a full or read-only disk
                    write_json(cache, {"schema_version": 1, "kind": "paperterm-topics", "keys": keys})
        return self._auto_topics_cache

    def _central_in_abstract(self, forms: list[str], within: set[str] | None = None) -> set[str]:
        """Papers (among `within`, if given) whose abstract holds one of the forms at least twice.

        The index narrows the papers to those repeating every word of a form; only their
        abstracts are read, to count the form itself. A form whose words half the library
        repeats is too common to say what an abstract is about: it joins papers by title only.
        """
        engine = self.search_engine()
        found: set[str] = set()
        too_common = max(2000, len(self.papers) // 50)
        for form in forms:
            parts = words(form)
            if not parts or all(w in QUERY_STOPWORDS or w in HARD_GENERIC for w in parts):
                continue  # nothing specific in it: papers join through their titles only
            pattern = _phrase_pattern(parts)
            candidates = engine.abstracts_repeating([w for w in parts if w not in QUERY_STOPWORDS])
            if within is not None:
                candidates = [pid for pid in candidates if pid in within]
            if len(candidates) > too_common:
                continue
            for pid in candidates:
                if pid in found:
                    continue
                paper = self.papers.get(pid)
                if paper is not None and len(pattern.findall(paper.abstract.lower())) >= 2:
                    found.add(pid)
        return found

    def _titles_with(self, forms: list[str]) -> set[str]:
        """Papers whose title holds one of the forms (words adjacent, in order): via the index."""
        engine = self.search_engine()
        found: set[str] = set()
        for form in forms:
            parts = words(form)
            if not parts:
                continue
            pattern = _phrase_pattern(parts)
            for pid in engine.titles_containing(parts):
                paper = self.papers.get(pid)
                if paper is not None and pid not in found and pattern.search(paper.title.lower()):
                    found.add(pid)
        return found

    def _compute_topics(self) -> list[Topic]:
        prefs = self.state.topics
        dates = sorted({d.date for d in self.digests if d.date})[-14:]
        auto = {t.key: t for t in self._auto_topics()}
        members: dict[str, set[str]] = {key: set(t.members) for key, t in auto.items()}
        for key, pref in prefs.items():
            if key.startswith("auto:") and pref.merged_into and key in members:
                target = pref.merged_into
                if target in members:
                    members[target] |= members[key]
        result: list[Topic] = []
        for key, topic in auto.items():
            pref = prefs.get(key)
            if pref is not None and (pref.hidden or pref.merged_into):
                continue
            name = pref.name if pref is not None and pref.name else topic.name
            pinned = bool(pref and pref.pinned)
            result.append(
                Topic(
                    key,
                    name,
                    frozenset(members[key]),
                    "auto",
                    topic.rule,
                    _trend(members[key], self, dates),
                    pinned,
                    topic.broad,
                )
            )
        # A user rule may name topics: each runs after those it names, and sees the topics made so
        # far (`_composing`); a rule that leads back to itself is never run (`topic_problems`).
        self._composing = result
        try:
            for key in evaluation_order(prefs):
                pref = prefs[key]
                if pref.hidden:
                    continue
                try:
                    ids = set(self.search_engine().search(pref.rule).ids)
                except QueryError:
                    ids = set()
                topic = Topic(key, pref.name, frozenset(ids), "user", pref.rule, _trend(ids, self, dates), pref.pinned)
                result.append(topic)
        finally:
            self._composing = None
        result.sort(key=lambda t: (not t.pinned, t.kind != "user", t.broad, -len(t.members), t.name.casefold()))
        return result

    def interest_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the words of the user's own and pinned topics stand in `text` (for triage)."""
        wanted: set[str] = set()
        for topic in self.topics():
            if topic.kind == "user":
                for clause in parse_query(topic.rule).clauses:
                    wanted.update(clause.words)
                    for phrase in clause.phrases:
                        wanted.update(phrase)
            elif topic.pinned:
                wanted.update(words(topic.name.split(" (")[0]))
        wanted -= QUERY_STOPWORDS
        if not wanted:
            return []
        return [(start, end) for token, start, end, _ in spans(text) if token in wanted]

    def topic_problems(self) -> list[str]:
        """User topics left out because their rules name each other in a circle, one line each."""
        return topic_problems(self.state.topics)

    def find_topic(self, name: str) -> Topic:
        wanted = name.strip().casefold()
        for topic in self._composing if self._composing is not None else self.topics():
            if topic.key == name or topic.name.casefold() == wanted:
                return topic
        raise BadAction(f"no topic named {name!r} (see `paperterm topics`)")

    def topic_members(self, name: str) -> set[str]:
        try:
            return set(self.find_topic(name).members)
        except BadAction as exc:
            raise QueryError(str(exc)) from None

    def _topic_changed(self) -> None:
        self._topics = None

    def add_topic(self, name: str, rule: str) -> Topic:
        """A topic of the user's own: papers matching `rule` (the search language) belong to it."""
        name = " ".join(name.split())
        if not name:
            raise BadAction("a topic needs a name")
        parse_query(rule)  # a malformed rule is an error now, not an empty topic later
        if any(t.name.casefold() == name.casefold() for t in self.topics()):
            raise BadAction(f"a topic named {name!r} exists already")
        key = "user:" + (re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "topic")
        self.edit_state(lambda state: _checked_rules(state, key, name=name, rule=rule, deleted=False, hidden=False))
        self._topic_changed()
        return self.find_topic(name)

    def rename_topic(self, name: str, new_name: str) -> None:
        topic = self.find_topic(name)
        new_name = " ".join(new_name.split())
        if not new_name:
            raise BadAction("a topic needs a name")
        self.edit_state(lambda state: _checked_rules(state, topic.key, name=new_name))
        self._topic_changed()

    def set_topic_flag(self, name: str, flag: str, value: bool) -> None:
        """Pin or hide a topic."""
        topic = self.find_topic(name)
        self.edit_state(lambda state: state.set_topic(topic.key, **{flag: value}))
        self._topic_changed()

    def unhide_topics(self) -> int:
        hidden = [k for k, p in self.state.topics.items() if p.hidden]
        self.edit_state(lambda state: [state.set_topic(k, hidden=False) for k in hidden])
        self._topic_changed()
        return len(hidden)

    def merge_topics(self, source: str, target: str) -> None:
        """Fold `source` into `target`: target gains its papers, source leaves the sidebar."""
        src, dst = self.find_topic(source), self.find_topic(target)
        if src.key == dst.key:
            raise BadAction("a topic cannot be merged into itself")
        if src.kind == "user":
            rule = f"({dst.rule}) | ({src.rule})" if dst.kind == "user" else None
            if rule is None:
                raise BadAction("merge an automatic topic into another, or your topic into one of yours")
            combined = f"{dst.rule} | {src.rule}"
            self.edit_state(
                lambda state: (
                    state.set_topic(src.key, deleted=True),
                    _checked_rules(state, dst.key, rule=combined),
                )
            )
        else:
            self.edit_state(lambda state: state.set_topic(src.key, merged_into=dst.key))
        self._topic_changed()

    def remove_topic(self, name: str) -> None:
        """Delete a topic of the user's own, or hide an automatic one."""
        topic = self.find_topic(name)
        flag = "deleted" if topic.kind == "user" else "hidden"
        self.edit_state(lambda state: state.set_topic(topic.key, **{flag: True}))
        self._topic_changed()

    # -- numbers -------------------------------------------------------------

    def completion_names(self, kind: str) -> list[str]:
        """Reading-list ("lists") or topic ("topics") names for shell completion, from the state
        file and the saved topic choice: no paper is loaded, so a tab press answers at once."""
        state = self.state_store.load()
        if kind == "lists":
            return [rl.name for rl in state.live_lists()]
        own = [pref.name for pref in state.topics.values() if not pref.deleted and not pref.hidden]
        return own

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
            "state_bytes": self.state_store.path.stat().st_size if self.state_store.path.exists() else 0,
            "data_dir": str(self.root),
        }


def _checked_rules(state: LibraryState, key: str, **changes: str | bool) -> None:
    """Change a topic's preference, refusing (before anything is saved) a rule that names itself."""
    state.set_topic(key, **changes)
    problem = topic_refusal(key, state.topics)
    if problem is not None:
        raise BadAction(problem)


def _phrase_pattern(parts: list[str]) -> re.Pattern[str]:
    """The words adjacent and in order, in lowercased text, whatever punctuation is between."""
    return re.compile(r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, parts)) + r"(?![a-z0-9])")


def _trend(members: Iterable[str], library: Library, dates: list[str]) -> tuple[int, ...]:
    return topic_trend(members, library.papers, dates)


def _newest_first(paper: Paper) -> tuple[str, int, int]:
    """Sort key (use with reverse=True): the paper's own date where a source stated it, else the day it
    was first seen; then digest order, then line order. A 1901 classic imported today sorts as 1901."""
    number, line = paper.sightings[0] if paper.sightings else (0, 0)
    return (paper.sort_date, -number, -line)
