"""Running a query: filters, ranking and highlight spans over the library's search index.

Ranking, most important first: how many of the query's words a paper matches;
then the matches' weight (title above authors and notes above abstract; exact
above prefix above typo); then how close together the words stand; then recency.
"""

from __future__ import annotations

import bisect
import contextlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, overload

import numpy as np

from .atomic_io import LibraryFileError, read_json, write_json
from .heap import collector_paused
from .paper import Paper
from .paper_columns import DocColumns
from .search_index import FIELDS, REPEATED, SCHEMA_VERSION, SearchIndex, save_array
from .search_query import Clause, FilterSource, Query, parse_query
from .text_tokens import QUERY_STOPWORDS, fold_text, spans, words

PROXIMITY_CANDIDATES = 40
PHRASE_VERIFY_LIMIT = 1500  # phrase checks read abstracts: the best-scoring candidates only
HEAD = 256  # results ranked at once; the rest are sorted only if someone reads that far
DOCS_KIND = "paperterm-search-docs"  # the per-document dates and order saved beside the index
WORDS_CACHED = 4096  # papers whose title and abstract words are kept for the proximity rerank
PARTIALS_CACHED = 8  # the query words' sums kept for the next keystroke (three arrays of one entry per paper)
SAMPLE = 64  # the head's threshold is first guessed from HEAD × SAMPLE scores (a guess: checked, never trusted)


class RankedIds(Sequence[str]):
    """Result ids in rank order, made into strings as they are read.

    A query matching most of a million papers ranks its best `HEAD` at once and finds, sorts
    and turns into ids the rest only when something reads past them (then all at once, in C,
    not one id at a time); the list shows one screenful, and asks whether its selected papers
    are still listed without listing the rest. The order is exactly that of a stable sort by
    descending score."""

    def __init__(
        self,
        head: np.ndarray,
        tail: np.ndarray | Callable[[], np.ndarray],
        score: np.ndarray,
        id_array: np.ndarray,
        length: int | None = None,
        member: Callable[[str], bool] | None = None,
    ) -> None:
        """`tail`: the other results in document order, or what makes them (then `length` counts
        all); `member`: whether an id is among the results, answered without listing them."""
        self._head = head
        self._tail: np.ndarray | Callable[[], np.ndarray] | None = tail  # unsorted until needed
        self._score = score
        self._id_array = id_array
        self._length = length if length is not None else len(head) + len(tail)  # type: ignore[arg-type]
        self._order: np.ndarray | None = head if self._length == len(head) else None
        self._member = member
        self._all: list[str] | None = None  # every id, once something read past the head

    def _listed(self) -> list[str]:
        if self._all is None:
            self._all = self._id_array[self.docs()].tolist()
        return self._all

    def docs(self) -> np.ndarray:
        """Every result's document number, in rank order."""
        if self._order is None:
            tail = self._tail if self._tail is not None else np.empty(0, dtype=np.int64)
            if callable(tail):
                tail = tail()
            tail = tail[np.argsort(-self._score[tail], kind="stable")]
            self._order = np.concatenate([self._head, tail])
            self._tail = None
        return self._order

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if stop <= len(self._head) and step == 1 and self._all is None:
                return self._id_array[self._head[start:stop]].tolist()
            return self._listed()[index]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        if index < len(self._head) and self._all is None:
            return str(self._id_array[self._head[index]])
        return self._listed()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._listed())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RankedIds | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to a list, so unhashable like one

    def __repr__(self) -> str:
        return f"RankedIds({self[:5]!r}{' …' if self._length > 5 else ''}, {self._length} results)"

    def __contains__(self, value: object) -> bool:
        if self._member is not None:
            return isinstance(value, str) and self._member(value)
        return value in set(self._listed())

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        found = np.flatnonzero(self._id_array[self._head] == value)
        if not len(found):
            found = np.flatnonzero(self._id_array[self.docs()] == value)
        hits = [int(i) for i in found if start <= i < (self._length if stop is None else stop)]
        if not hits:
            raise ValueError(f"{value!r} is not among the results")
        return hits[0]

    def scores(self) -> list[float]:
        return self._score[self.docs()].tolist()


class SearchSuperseded(Exception):
    """A query given up unanswered because a newer one was asked while it waited for the engine."""


@dataclass(slots=True)
class SearchResults:
    """Ranked paper ids, and what each query word matched, so any result can be highlighted."""

    query: Query
    ids: RankedIds
    full_matches: int = 0  # how many results match every word
    _matchers: list[tuple[set[str], str | None]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def scores(self) -> list[float]:
        return self.ids.scores()

    def highlight(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every matched word in `text`, merged and in order."""
        if not self._matchers:
            return []
        found: list[tuple[int, int]] = []
        for token, start, end, _ in spans(text):
            for exact, prefix in self._matchers:
                if token in exact or (prefix is not None and token.startswith(prefix)):
                    found.append((start, end))
                    break
        found.sort()
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


class PaperSearch:
    """Search over one library's papers, through its index."""

    def __init__(
        self,
        index: SearchIndex,
        papers: dict[str, Paper],
        filters: FilterSource,
        order_columns: Callable[[list[Paper]], list[np.ndarray]] = lambda ps: [np.array([p.date for p in ps])],
        seen_on: Callable[[Paper], set[str]] = lambda p: {p.date},
        doc_columns: Callable[[list[str]], DocColumns] | None = None,
    ) -> None:
        """`order_columns` gives the library's order (newest last) as `np.lexsort` keys, least
        significant first: ties in rank keep the library's order. `seen_on` gives every digest
        date a paper appeared on, for `date:` filters. `doc_columns`, when given, supplies all of
        that per document from the library's columns instead, so no paper is read for it."""
        self.index = index
        self.papers = papers
        self.filters = filters
        self.order_columns = order_columns
        self.seen_on = seen_on
        self.doc_columns = doc_columns
        self._repeats: dict[int, set[str]] = {}  # doc → its other digest dates (few papers have any)
        self._dates: np.ndarray | None = None
        self._published: np.ndarray | None = None  # per document: the paper's own date, for `published:`
        self._recency: np.ndarray | None = None
        self._columns: list[np.ndarray] = []  # per document: the library order's sort keys
        self._known: np.ndarray | None = None
        self._ids: np.ndarray | None = None
        # Held for a search (milliseconds) and for changes to the index; nothing slow takes it.
        self.lock = threading.RLock()
        self._words: OrderedDict[int, tuple[_Positions, _Positions]] = OrderedDict()  # doc → title, abstract
        # The words typed so far → what they matched (see `_words_matched`): a keystroke that changes
        # the last word adds that word to the sums of the ones before it, not every word again.
        self._partials: OrderedDict[tuple[_WordKey, ...], _Partial] = OrderedDict()
        self._recency01: tuple[np.ndarray, np.ndarray] | None = None  # recency, and recency × 0.01
        self._days: list[tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = []  # dates → `_day_numbers`

    def add_papers(self, papers: Iterable[Paper]) -> None:
        """Index papers imported (or enriched) since the index was built."""
        changed = list(papers)
        with self.lock:
            self.index.add_papers(changed)
            self._partials.clear()
            self._update_doc_dates(changed)

    def set_notes(self, notes: dict[str, str]) -> None:
        with self.lock:
            for paper_id, text in notes.items():
                self.index.set_note(paper_id, text)
            self._partials.clear()

    def replace_index(self, index: SearchIndex) -> None:
        with self.lock:
            self.index = index
            self.invalidate()
            self._words.clear()
            self._partials.clear()

    def _id_array(self) -> np.ndarray:
        """doc number → paper id, as an array so a ranking turns into ids in one C loop."""
        if self._ids is None or len(self._ids) != len(self.index.doc_ids):
            # Memory-mapped from the saved index (nothing made per launch), read as a plain array:
            # numpy's memmap type runs Python code on every index into it.
            self._ids = np.asarray(self.index.doc_ids.array())
        return self._ids

    def invalidate(self) -> None:
        """Call after the set of papers or their dates changed (an import)."""
        self._dates = None
        self._published = None
        self._recency = None
        self._known = None
        self._columns = []
        self._days = []

    def _doc_dates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per document: its date, its recency rank in [0, 1), and whether the library still has it."""
        if self._dates is None or len(self._dates) != len(self.index.doc_ids):
            with collector_paused():
                self._make_doc_dates()
        assert self._dates is not None and self._recency is not None and self._known is not None
        return self._dates, self._recency, self._known

    def _make_doc_dates(self) -> None:
        if self.doc_columns is not None:
            columns = self.doc_columns(self.index.doc_ids)
            self._known, self._dates, self._published = columns.known, columns.dates, columns.published
            self._repeats, self._columns = columns.repeats, columns.order_columns
            self._rank()
            return
        papers = self.papers
        docs = [papers.get(pid) for pid in self.index.doc_ids]
        self._known = np.fromiter((p is not None for p in docs), dtype=bool, count=len(docs))
        present = np.flatnonzero(self._known)
        kept: list[Paper] = [docs[i] for i in present.tolist()]  # type: ignore[misc]
        self._dates = np.array([p.date if p is not None else "" for p in docs], dtype="U10")
        self._columns = [np.zeros(len(docs), dtype=c.dtype) for c in self.order_columns(kept[:1])] if kept else []
        for column, values in zip(self._columns, self.order_columns(kept) if kept else [], strict=True):
            column[present] = values
        self._repeats = {}
        for i, paper in enumerate(docs):
            if paper is not None and len(paper.sightings) > 1:
                self._note_repeats(i, paper)
        self._rank()

    def _note_repeats(self, doc: int, paper: Paper) -> None:
        others = self.seen_on(paper) - {paper.date} if len(paper.sightings) > 1 else set()
        if others:
            self._repeats[doc] = others
        else:
            self._repeats.pop(doc, None)

    def _rank(self) -> None:
        """recency in [0, 1): the library's own order (newest digest first, then as listed), sorted
        as columns (one C sort) rather than by a key function per paper."""
        assert self._known is not None
        present = np.flatnonzero(self._known)
        recency = np.zeros(len(self._known), dtype=np.float32)
        if len(present):
            order = present[np.lexsort([column[present] for column in self._columns])]
            recency[order] = np.arange(1, len(present) + 1, dtype=np.float32) / (len(present) + 1)
        self._recency = recency

    def _update_doc_dates(self, papers: list[Paper]) -> None:
        """After an import: the changed papers' dates and order columns, then one re-rank (no pass
        over every paper in Python, which at a million papers takes seconds)."""
        if self._dates is None or self._known is None or not self._columns:
            return
        self._days = []  # the dates change in place
        size = len(self.index.doc_ids)
        grow = size - len(self._dates)
        if grow < 0:
            self.invalidate()
            return
        if grow:
            self._dates = np.concatenate([self._dates, np.full(grow, "", dtype="U10")])
            self._known = np.concatenate([self._known, np.zeros(grow, dtype=bool)])
            self._columns = [np.concatenate([c, np.zeros(grow, dtype=c.dtype)]) for c in self._columns]
        doc_of = self.index.doc_of
        docs = [doc_of.get(p.id) for p in papers]
        pairs = [(d, p) for d, p in zip(docs, papers, strict=True) if d is not None]
        if not pairs:
            self._rank()
            return
        where = np.array([d for d, _ in pairs], dtype=np.int64)
        changed = [p for _, p in pairs]
        values = self.order_columns(changed)
        if len(values) != len(self._columns) or any(
            v.dtype.kind != c.dtype.kind for v, c in zip(values, self._columns, strict=False)
        ):
            self.invalidate()
            return
        for i, column in enumerate(self._columns):
            if values[i].dtype.itemsize > column.dtype.itemsize:
                self._columns[i] = column = column.astype(values[i].dtype)
            column[where] = values[i]
        self._dates[where] = [p.date for p in changed]
        self._known[where] = True
        self._published = None
        for doc, paper in pairs:
            self._note_repeats(doc, paper)
        self._rank()

    def prepare(self, folder: Path | None = None, stamp: str = "") -> None:
        """Make the per-document arrays now (in the loading worker), not on the first keystroke.

        With a `folder`, they are read from it when saved for this `stamp` (the library's state)
        and this many documents, else made and saved there: a launch on an unchanged library
        makes nothing per paper."""
        with self.lock:
            if folder is None or self._dates is not None or not self._read_doc_dates(folder, stamp):
                self._doc_dates()
                if folder is not None:
                    self._save_doc_dates(folder, stamp)
            self._id_array()
            assert self._dates is not None
            self._days_of(self._dates)  # for `date:` filters, from the first keystroke on

    def save_prepared(self, folder: Path, stamp: str) -> None:
        """After an import: the arrays, updated in place, saved for the library's new state, so the
        next launch reads them instead of making them again (seconds at a million papers)."""
        with self.lock:
            if self._dates is not None and self._columns and len(self._dates) == len(self.index.doc_ids):
                self._save_doc_dates(folder, stamp)

    def extend_saved(self, folder: Path, valid: Callable[[str], bool], papers: list[Paper], stamp: str) -> bool:
        """Without arrays of its own (the CLI's import): read the ones saved for an earlier state that
        `valid` accepts, update them for the imported `papers`, and save them for `stamp`. False (and
        nothing saved) when they cannot be carried: the next launch makes them."""
        with self.lock:
            if not self._read_doc_dates(folder, valid, prefix=True):
                return False
            before = len(self._dates) if self._dates is not None else 0
            self._update_doc_dates(papers)
            if self._known is None or len(self._known) != len(self.index.doc_ids) or not self._known[before:].all():
                self.invalidate()  # a document the import did not bring has no row: not guessed
                return False
            self._save_doc_dates(folder, stamp)
            return True

    def _save_doc_dates(self, folder: Path, stamp: str) -> None:
        assert self._dates is not None and self._known is not None and self._recency is not None
        arrays = {"dates": self._dates, "known": self._known, "recency": self._recency}
        arrays.update({f"order{i}": column for i, column in enumerate(self._columns)})
        with contextlib.suppress(LibraryFileError, OSError):  # a cache: the next launch makes them again
            (folder / "docs.json").unlink(missing_ok=True)  # no stamp over half-rewritten arrays
            for name, array in arrays.items():
                save_array(folder / f"docs.{name}.npy", array)
            write_json(
                folder / "docs.json",
                {
                    "schema_version": SCHEMA_VERSION,
                    "kind": DOCS_KIND,
                    "stamp": stamp,
                    "docs": len(self._dates),
                    "columns": len(self._columns),
                    "repeats": {str(doc): sorted(days) for doc, days in self._repeats.items()},
                },
            )

    def _read_doc_dates(self, folder: Path, stamp: str | Callable[[str], bool], prefix: bool = False) -> bool:
        """The saved arrays, when saved for `stamp` (or a stamp it accepts) and every document, or
        with `prefix` the first documents (those of an earlier state)."""
        size = len(self.index.doc_ids)
        try:
            meta = read_json(folder / "docs.json", kind=DOCS_KIND, schema_version=SCHEMA_VERSION)
            accepted = stamp(meta["stamp"]) if callable(stamp) else meta["stamp"] == stamp
            if not accepted or not (meta["docs"] <= size if prefix else meta["docs"] == size):
                return False
            size = int(meta["docs"])
            read = {n: np.load(folder / f"docs.{n}.npy") for n in ("dates", "known", "recency")}
            columns = [np.load(folder / f"docs.order{i}.npy") for i in range(int(meta["columns"]))]
            repeats = {int(doc): set(days) for doc, days in meta["repeats"].items()}
        except (LibraryFileError, OSError, ValueError, KeyError, TypeError):
            return False
        if any(len(a) != size for a in (*read.values(), *columns)):
            return False
        self._dates, self._known, self._recency = read["dates"], read["known"], read["recency"]
        self._columns, self._repeats = columns, repeats
        return True

    def search(self, text: str, limit: int | None = None) -> SearchResults:
        """Ranked results for a query string; raises QueryError for a malformed query."""
        query = parse_query(text)
        return self.run(query, limit)

    def run(
        self, query: Query, limit: int | None = None, superseded: Callable[[], bool] | None = None
    ) -> SearchResults:
        """`superseded`: asked once the lock is held; when it says a newer query came while this
        one waited (keys typed in a burst), SearchSuperseded is raised instead of ranking."""
        with self.lock:
            if superseded is not None and superseded():
                raise SearchSuperseded(query.text)
            return self._run(query, limit)

    def _run(self, query: Query, limit: int | None) -> SearchResults:
        """Every array here has one entry per paper, so each pass over one counts at a million
        papers: the words' sums come from the last keystroke's (`_words_matched`), the filters
        narrow one mask in place, and only the head of the ranking is found and sorted."""
        index = self.index
        size = len(index.doc_ids)
        dates, recency, known = self._doc_dates()
        matchers: list[tuple[set[str], str | None]] = []
        if not query.has_text:
            mask = known.copy()
            for clause in query.clauses:
                if clause.excluded_words or clause.excluded_phrases:
                    mask &= ~self._excluded(clause, size)
            score = recency
            if query.likes:  # more like this: most similar first, recency breaks ties
                score = self._like_scores(query.likes, size) + recency * 1e-4
            self._filter(query, size, dates, mask)
            full = int(np.count_nonzero(mask))
        else:
            parts = [self._clause(clause, query, size, matchers) for clause in query.clauses]
            score, present, full_mask = parts[0]
            for clause_score, clause_present, clause_full in parts[1:]:
                score = np.maximum(score, clause_score)
                present |= clause_present
                full_mask |= clause_full
            mask = known & present  # a paper scores above 0 exactly where a clause holds it
            self._filter(query, size, dates, mask)
            score += self._recency_hundredth(recency)
            full = int(np.count_nonzero(mask & full_mask))
        head, tail, found = _best_of(mask, score, max(HEAD, limit or 0))
        if query.has_text and len(head) > 1:
            head = self._rerank_by_proximity(head, score, query)
        if limit is not None:
            head, tail, found = head[:limit], head[:0], min(found, limit)
        member = None if limit is not None else _member_of(mask, self.index.doc_ids.get)
        return SearchResults(query, RankedIds(head, tail, score, self._id_array(), found, member), full, matchers)

    def _recency_hundredth(self, recency: np.ndarray) -> np.ndarray:
        """recency × 0.01, the tie-break every text query adds: made once per order, not per keystroke."""
        if self._recency01 is None or self._recency01[0] is not recency:
            self._recency01 = (recency, recency * 0.01)
        return self._recency01[1]

    def _ids_with_all(self, words_: list[str], field: str) -> list[str]:
        with self.lock:
            mask = np.ones(len(self.index.doc_ids), dtype=bool)
            for word in words_:
                mask &= self.index.token_mask(word, (field,))
            return self._id_array()[np.flatnonzero(mask)].tolist()

    def titles_containing(self, words_: list[str]) -> list[str]:
        """Ids of papers whose title holds every one of these exact words (topic membership)."""
        return self._ids_with_all(words_, "title")

    def abstracts_repeating(self, words_: list[str]) -> list[str]:
        """Ids of papers whose abstract holds every one of these words at least twice (topics)."""
        return self._ids_with_all(words_, REPEATED)

    # -- text clauses --------------------------------------------------------

    def _clause(
        self, clause: Clause, query: Query, size: int, matchers: list[tuple[set[str], str | None]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per document: the clause's score (0 where it does not hold), where it holds, and where
        it holds with every word matched."""
        index = self.index
        required = [w for w in clause.words if w not in QUERY_STOPWORDS] or list(clause.words)
        last = clause.words[-1] if clause.words and query.ends_in_word else None
        keys = tuple(_WordKey(word, word == last, word in required) for word in clause.words)
        for key in keys:
            matchers.append(index.matching_tokens(key.word, key.as_prefix))
        matched, total, in_title = self._words_matched(keys, size)
        present = matched > 0 if clause.words else np.ones(size, dtype=bool)
        for phrase in clause.phrases:
            present &= self._phrase_docs(phrase, size, total)
            matchers.append((set(phrase), None))
        if clause.excluded_words or clause.excluded_phrases:
            present &= ~self._excluded(clause, size)
        full = present & (matched == len(required))
        # matched × 100 + total, then the title bonus and 100 per phrase: the bonus is a whole
        # number, so adding it in float32 rounds once, exactly as float64 then float32 would.
        score = matched.astype(np.float32)
        score *= np.float32(100.0)
        score += total
        bonus = len(clause.phrases) * 100.0
        score += np.where(in_title, np.float32(bonus + 5.0), np.float32(bonus)) if bonus else in_title * np.float32(5.0)
        score *= present
        return score, present, full

    def _words_matched(self, keys: tuple[_WordKey, ...], size: int) -> _Partial:
        """How many required words each document matches, their weighted sum (other words at a
        tenth), and whether the title holds every required word. Sums of the words before the one
        being typed are kept: they are added to in the same order, so the sums are the same."""
        start, found = 0, None
        for end in range(len(keys), 0, -1):
            found = self._partials.get(keys[:end])
            if found is not None and len(found.total) == size:
                self._partials.move_to_end(keys[:end])
                start = end
                break
        else:
            found = None
        if found is not None and start == len(keys):
            return found
        for end in range(start + 1, len(keys) + 1):
            key = keys[end - 1]
            best, title_hit = self.index.word_scores(key.word, key.as_prefix)
            if found is None:  # the first word: sums from zero are the word's own scores
                found = (
                    _Partial((best > 0).astype(np.int16), best, title_hit)
                    if key.required
                    else _Partial(np.zeros(size, dtype=np.int16), best * 0.1, np.ones(size, dtype=bool))
                )
            elif key.required:
                found = _Partial(found.matched + (best > 0), found.total + best, found.in_title & title_hit)
            else:
                found = _Partial(found.matched, found.total + best * 0.1, found.in_title)
            self._partials[keys[:end]] = found
            if len(self._partials) > PARTIALS_CACHED:
                self._partials.popitem(last=False)
        if found is None:  # no words: a clause of phrases
            return _Partial(np.zeros(size, dtype=np.int16), np.zeros(size, dtype=np.float32), np.ones(size, dtype=bool))
        return found

    def _phrase_docs(self, phrase: list[str], size: int, order_hint: np.ndarray) -> np.ndarray:
        """Documents holding the phrase's words adjacent and in order."""
        candidates = np.ones(size, dtype=bool)
        for word in phrase:
            candidates &= self._exact_docs(word)
        if len(phrase) == 1:
            return candidates  # one word: the exact token is the phrase
        found = np.zeros(size, dtype=bool)
        docs = np.flatnonzero(candidates)
        if len(docs) > PHRASE_VERIFY_LIMIT:
            docs = docs[np.argsort(-order_hint[docs], kind="stable")[:PHRASE_VERIFY_LIMIT]]
        # The first word, then "not after a letter or digit" as a look back over it: a pattern that
        # starts with a literal is scanned for that literal, several times faster on an abstract.
        first = re.escape(phrase[0])
        rest = "".join(rf"[^a-z0-9]+{re.escape(w)}" for w in phrase[1:])
        ascii_pattern = re.compile(first + rf"(?<![a-z0-9]{first})" + rest + r"(?![a-z0-9])")
        needle = f" {' '.join(phrase)} "
        for doc in docs.tolist():
            paper = self.papers.get(self.index.doc_ids[doc])
            if paper is None:
                continue
            for text in (
                paper.title,
                " ".join(paper.authors),
                paper.abstract,
                self.filters.note_text(paper.id),
            ):
                if not text:
                    continue
                if text.isascii():
                    hit = ascii_pattern.search(text.lower()) is not None
                else:
                    hit = needle in f" {fold_text(text)} "
                if hit:
                    found[doc] = True
                    break
        return found

    def _exact_docs(self, word: str) -> np.ndarray:
        return self.index.token_mask(word, (*FIELDS, "note"))

    def _excluded(self, clause: Clause, size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        for word in clause.excluded_words:
            mask |= self._exact_docs(word)
        for phrase in clause.excluded_phrases:
            mask |= self._phrase_docs(phrase, size, np.zeros(size, dtype=np.float32))
        return mask

    def _rerank_by_proximity(self, ranked: np.ndarray, score: np.ndarray, query: Query) -> np.ndarray:
        """Among the best candidates with equal word coverage, words close together rank higher."""
        clause_words = [w for c in query.clauses for w in c.words if w not in QUERY_STOPWORDS]
        if len(clause_words) < 2:
            return ranked
        head = ranked[:PROXIMITY_CANDIDATES].tolist()
        adjusted = []
        n = len(set(clause_words))
        for doc in head:
            bonus = 0.0
            # Words together in the title count most, then words together in the abstract.
            for tokens, weight in zip(self._doc_words(doc), (4.0, 2.0), strict=True):
                window = _smallest_window(tokens, clause_words)
                if window is not None:
                    bonus += weight / (1 + window - n)
            adjusted.append((-(float(score[doc]) + bonus), doc))
        adjusted.sort()
        return np.concatenate([np.array([d for _, d in adjusted], dtype=ranked.dtype), ranked[len(head) :]])

    def _doc_words(self, doc: int) -> tuple[_Positions, _Positions]:
        """A paper's title and abstract words, kept for the next keystrokes (which rerank the same papers)."""
        found = self._words.get(doc)
        if found is None:
            paper = self.papers[self.index.doc_ids[doc]]
            found = (_Positions(words(paper.title)), _Positions(words(paper.abstract)))
            self._words[doc] = found
            if len(self._words) > WORDS_CACHED:
                self._words.popitem(last=False)
        else:
            self._words.move_to_end(doc)
        return found

    # -- filters -------------------------------------------------------------

    def _filter(self, query: Query, size: int, dates: np.ndarray, mask: np.ndarray) -> None:
        """Narrow `mask` (in place) to the papers every filter of the query accepts."""
        source = self.filters
        for name in query.lists:
            mask &= self._id_mask(source.list_members(name), size)
        for name in query.topics:
            mask &= self._id_mask(source.topic_members(name), size)
        for state in query.states:
            ids, complement = source.state_members(state)
            part = self._id_mask(ids, size)
            mask &= ~part if complement else part
        for text in query.sources:
            mask &= self._id_mask(source.source_members(text), size)
        for name in query.authors:
            mask &= self._author_mask(name, size)
        for moment in query.added:
            mask &= self._id_mask(source.added_members(moment), size)
        if query.likes:
            mask &= self._like_scores(query.likes, size) > 0
        for date_filter in query.dates:
            part = _date_mask(dates, self._days_of(dates), date_filter.op, date_filter.value)
            for doc, others in self._repeats.items():  # also seen in another day's digest
                if not part[doc] and any(date_filter.accepts(day) for day in others):
                    part[doc] = True
            mask &= part
        if query.published:
            if (self._published is None or len(self._published) != size) and self.doc_columns is not None:
                self._published = self.doc_columns(self.index.doc_ids).published
            if self._published is None or len(self._published) != size:
                docs = [self.papers.get(pid) for pid in self.index.doc_ids]
                self._published = np.array([p.published if p is not None else "" for p in docs], dtype="U10")
            for date_filter in query.published:
                mask &= _date_mask(self._published, self._days_of(self._published), date_filter.op, date_filter.value)
        for name, value in query.negated_filters:
            lookup: dict[str, Callable[[str], set[str]]] = {
                "list": source.list_members,
                "topic": source.topic_members,
                "source": source.source_members,
                "like": lambda ref: set(source.like_scores(ref)),
            }
            if name == "is":
                ids, complement = source.state_members(value.lower())
                part = self._id_mask(ids, size)
                mask &= part if complement else ~part
            elif name == "author":
                mask &= ~self._author_mask(value, size)
            else:
                mask &= ~self._id_mask(lookup[name](value), size)

    def _days_of(self, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`_day_numbers` of the seen or the published dates, made once per state of those arrays."""
        for array, days in self._days:
            if array is dates:
                return days
        days = _day_numbers(dates)
        self._days = [(dates, days), *self._days[:1]]
        return days

    def _author_mask(self, name: str, size: int) -> np.ndarray:
        """Papers with an author matching every word of `name`, typos and prefixes forgiven."""
        mask = np.ones(size, dtype=bool)
        for word in words(name):
            mask &= self.index.forgiving_mask(word, "authors")
        return mask

    def _like_scores(self, refs: list[str], size: int) -> np.ndarray:
        """Per document: its similarity to the `like:` papers (the least of them, so all must hold)."""
        total: np.ndarray | None = None
        doc_of = self.index.doc_of
        for ref in refs:
            part = np.zeros(size, dtype=np.float32)
            for pid, sim in self.filters.like_scores(ref).items():
                doc = doc_of.get(pid)
                if doc is not None:
                    part[doc] = sim
            total = part if total is None else np.minimum(total, part)
        assert total is not None
        return total

    def _id_mask(self, ids: set[str], size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        if ids:
            mask[self.index.doc_ids.lookup(ids)] = True
        return mask


def _best_of(mask: np.ndarray, score: np.ndarray, count: int) -> tuple[np.ndarray, Callable[[], np.ndarray], int]:
    """`_best_first` over the documents of `mask`: its head, what makes the rest, and how many in all.

    The head's threshold is guessed from the scores of every `step`-th document, a bit low, and
    the documents of `mask` scoring that much or more found in one pass; when they are at least
    `count`, the `count`-th best of all is among them, so their head is exactly the head of all.
    Else (a guess too high: rare) every document is ranked."""
    found = int(np.count_nonzero(mask))
    step = len(score) // (count * SAMPLE)
    if found > count and step > 1:
        sample = score[::step][mask[::step]]
        rank = 2 * -(-count // step) + SAMPLE // 4  # twice the head, and a margin
        if len(sample) >= rank:
            guess = -np.partition(-sample, rank - 1)[rank - 1]
            near = np.flatnonzero(score >= guess)
            near = near[mask[near]]
            if len(near) >= count:
                head, _ = _best_first(near, score, count)
                least = score[head[-1]]

                def rest() -> np.ndarray:
                    chosen = np.flatnonzero(mask)
                    return chosen[score[chosen] < least]

                return head, rest, found
    head, tail = _best_first(np.flatnonzero(mask), score, count)
    return head, lambda: tail, found


def _member_of(mask: np.ndarray, doc_of: Callable[[str], int | None]) -> Callable[[str], bool]:
    """Whether a paper id is among the results `mask` keeps: one lookup, not a set of every result."""

    def member(paper_id: str) -> bool:
        doc = doc_of(paper_id)
        return doc is not None and doc < len(mask) and bool(mask[doc])

    return member


def _best_first(chosen: np.ndarray, score: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The `count` best of `chosen` in stable descending order of score, and the rest unsorted.

    Every document scoring as well as the `count`-th is in the head, so the head is exactly the
    start of a stable sort of all of them."""
    if len(chosen) <= count:
        return chosen[np.argsort(-score[chosen], kind="stable")], chosen[:0]
    values = score[chosen]
    threshold = -np.partition(-values, count - 1)[count - 1]
    best = values >= threshold
    head = chosen[best]
    return head[np.argsort(-score[head], kind="stable")], chosen[~best]


def _date_mask(dates: np.ndarray, days: tuple[np.ndarray, np.ndarray], op: str, value: str) -> np.ndarray:
    """Vectorised `DateFilter.accepts`: compare each date cut to the value's precision.

    Whole dates compare as their `_day_numbers` (cut to the value's precision, the digits compare
    as the characters do), the rest as strings: strings of a million dates cost ten times more."""
    number, whole = days
    compare = {"=": np.equal, ">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}[op]
    mask = compare(number // {4: 10_000, 7: 100}.get(len(value), 1), int(value.replace("-", "")))
    mask &= whole
    others = np.flatnonzero(~whole & (dates != ""))
    if len(others):
        cut = dates[others].astype(f"U{len(value)}")
        mask[others] = cut == value if op == "=" else compare(cut, value)
    return mask


def _day_numbers(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each date as the number YYYYMMDD, and whether it is a whole date (else 0 and False); read
    column by column from the characters' code points, a few milliseconds at a million dates."""
    number = np.zeros(len(dates), dtype=np.uint32)
    if dates.dtype != np.dtype("U10"):
        return number, np.zeros(len(dates), dtype=bool)
    points = dates.view(np.uint32).reshape(len(dates), 10)
    whole = (points[:, 4] == ord("-")) & (points[:, 7] == ord("-"))
    for column in (0, 1, 2, 3, 5, 6, 8, 9):
        digit = points[:, column] - np.uint32(ord("0"))  # below "0" wraps round: large
        whole &= digit <= 9
        number *= np.uint32(10)
        number += digit
    number *= whole
    return number, whole


class _WordKey(NamedTuple):
    """A query word as it is scored: matched as a prefix (being typed), and counted in coverage."""

    word: str
    as_prefix: bool
    required: bool


class _Partial(NamedTuple):
    """The sums of some query words, per document (never changed once made: later keystrokes reuse them)."""

    matched: np.ndarray  # int16: required words matched
    total: np.ndarray  # float32: the weighted matches
    in_title: np.ndarray  # bool: the title holds every required word


class _Positions:
    """A text's words, sorted and distinct, so the words starting with a prefix are one bisect away
    (the proximity rerank asks this on every keystroke); where a word stands is found when first
    asked: a rerank reads a few of a text's words, and 40 new texts arrive with a new query word."""

    __slots__ = ("_at", "sorted", "tokens")

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.sorted = sorted(set(tokens))
        self._at: dict[str, list[int]] = {}

    def starting_with(self, prefix: str) -> list[str]:
        lo = bisect.bisect_left(self.sorted, prefix)
        hi = bisect.bisect_left(self.sorted, prefix + "\uffff")
        return self.sorted[lo:hi]

    def at(self, token: str) -> list[int]:
        """Where `token` stands in the text, in order."""
        found = self._at.get(token)
        if found is None:
            found = self._at[token] = [i for i, t in enumerate(self.tokens) if t == token]
        return found


def _smallest_window(text: _Positions, wanted: list[str]) -> int | None:
    """Length of the shortest run of the text's words holding a word starting with each wanted word."""
    words_ = tuple(dict.fromkeys(wanted))
    claimed: set[str] = set()
    hits: list[tuple[int, str]] = []
    for word in words_:  # a token counts for the first wanted word it starts with
        for token in text.starting_with(word):
            if token not in claimed:
                claimed.add(token)
                hits.extend((i, word) for i in text.at(token))
    if len({w for _, w in hits}) < len(words_):
        return None
    hits.sort()
    need = dict.fromkeys(words_, 0)
    missing = len(need)
    best: int | None = None
    left = 0
    for position, word in hits:
        need[word] += 1
        if need[word] == 1:
            missing -= 1
        while missing == 0:
            start, first = hits[left]
            width = position - start + 1
            best = width if best is None else min(best, width)
            need[first] -= 1
            if need[first] == 0:
                missing += 1
            left += 1
    return best
