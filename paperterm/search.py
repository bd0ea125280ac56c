"""Running a query: filters, ranking and highlight spans over the library's search index.

Ranking, most important first: how many of the query's words a paper matches;
then the matches' weight (title above authors and notes above abstract; exact
above prefix above typo); then how close together the words stand; then recency.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .paper import Paper
from .search_index import FIELDS, REPEATED, SearchIndex
from .search_query import Clause, FilterSource, Query, parse_query
from .text_tokens import QUERY_STOPWORDS, fold_text, spans, words

PROXIMITY_CANDIDATES = 40
PHRASE_VERIFY_LIMIT = 1500  # phrase checks read abstracts: the best-scoring candidates only


@dataclass(slots=True)
class SearchResults:
    """Ranked paper ids, and what each query word matched, so any result can be highlighted."""

    query: Query
    ids: list[str]
    scores: list[float]
    full_matches: int = 0  # how many results match every word
    _matchers: list[tuple[set[str], str | None]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

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
        order: Callable[[Paper], Any] = lambda p: p.date,
        seen_on: Callable[[Paper], set[str]] = lambda p: {p.date},
    ) -> None:
        """`order` is the library's sort key (newest last): ties in rank keep the library's order.
        `seen_on` gives every digest date a paper appeared on, for `date:` filters."""
        self.index = index
        self.papers = papers
        self.filters = filters
        self.order = order
        self.seen_on = seen_on
        self._repeats: dict[int, set[str]] = {}  # doc → its other digest dates (few papers have any)
        self._dates: np.ndarray | None = None
        self._published: np.ndarray | None = None  # per document: the paper's own date, for `published:`
        self._recency: np.ndarray | None = None
        self._known: np.ndarray | None = None
        self._ids: np.ndarray | None = None

    def _id_array(self) -> np.ndarray:
        """doc number → paper id, as an array so a ranking turns into ids in one C loop."""
        if self._ids is None or len(self._ids) != len(self.index.doc_ids):
            self._ids = np.array(self.index.doc_ids, dtype=object)
        return self._ids

    def invalidate(self) -> None:
        """Call after the set of papers or their dates changed (an import)."""
        self._dates = None
        self._published = None
        self._recency = None
        self._known = None

    def _doc_dates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per document: its date, its recency rank in [0, 1), and whether the library still has it."""
        if self._dates is None or len(self._dates) != len(self.index.doc_ids):
            papers = self.papers
            self._known = np.fromiter(
                (pid in papers for pid in self.index.doc_ids), dtype=bool, count=len(self.index.doc_ids)
            )
            docs = [papers.get(pid) for pid in self.index.doc_ids]
            days = [p.date if p is not None else "" for p in docs]
            self._dates = np.array(days, dtype="U10")
            # recency in [0, 1): the library's own order (newest digest first, then as listed)
            present = [i for i, p in enumerate(docs) if p is not None]
            present.sort(key=lambda i: self.order(docs[i]))  # type: ignore[arg-type]
            recency = np.zeros(len(days), dtype=np.float32)
            self._repeats = {}
            for i, paper in enumerate(docs):
                if paper is not None and len(paper.sightings) > 1:
                    others = self.seen_on(paper) - {paper.date}
                    if others:
                        self._repeats[i] = others
            recency[np.asarray(present, dtype=np.int64)] = np.arange(1, len(present) + 1, dtype=np.float32) / (
                len(present) + 1
            )
            self._recency = recency
        assert self._recency is not None and self._known is not None
        return self._dates, self._recency, self._known

    def search(self, text: str, limit: int | None = None) -> SearchResults:
        """Ranked results for a query string; raises QueryError for a malformed query."""
        query = parse_query(text)
        return self.run(query, limit)

    def run(self, query: Query, limit: int | None = None) -> SearchResults:
        index = self.index
        size = len(index.doc_ids)
        dates, recency, known = self._doc_dates()
        mask = self._filter_mask(query, size, dates) & known
        matchers: list[tuple[set[str], str | None]] = []
        if not query.has_text:
            for clause in query.clauses:
                mask &= ~self._excluded(clause, size)
            score = recency.copy()
            if query.likes:  # more like this: most similar first, recency breaks ties
                score = self._like_scores(query.likes, size) + recency * 1e-4
            full = int(mask.sum())
        else:
            score = np.zeros(size, dtype=np.float32)
            full_mask = np.zeros(size, dtype=bool)
            for clause in query.clauses:
                clause_score, clause_full = self._clause(clause, query, size, matchers)
                score = np.maximum(score, clause_score)
                full_mask |= clause_full
            mask &= score > 0
            score = score + recency * 0.01
            full = int((mask & full_mask).sum())
        chosen = np.flatnonzero(mask)
        ranked = chosen[np.argsort(-score[chosen], kind="stable")]
        if query.has_text and len(ranked) > 1:
            ranked = self._rerank_by_proximity(ranked, score, query)
        if limit is not None:
            ranked = ranked[:limit]
        ids = self._id_array()[ranked].tolist()
        return SearchResults(query, ids, score[ranked].tolist(), full, matchers)

    def _ids_with_all(self, words_: list[str], field: str) -> list[str]:
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
    ) -> tuple[np.ndarray, np.ndarray]:
        index = self.index
        total = np.zeros(size, dtype=np.float32)
        matched = np.zeros(size, dtype=np.int16)
        in_title = np.ones(size, dtype=bool)
        required = [w for w in clause.words if w not in QUERY_STOPWORDS] or list(clause.words)
        last = clause.words[-1] if clause.words and query.ends_in_word else None
        for word in clause.words:
            as_prefix = word == last
            best, title_hit = index.word_scores(word, as_prefix)
            matchers.append(index.matching_tokens(word, as_prefix))
            if word in required:
                matched += best > 0
                total += best
                in_title &= title_hit
            else:
                total += best * 0.1
        present = np.ones(size, dtype=bool)
        for phrase in clause.phrases:
            present &= self._phrase_docs(phrase, size, total)
            matchers.append((set(phrase), None))
        if clause.words:
            present &= matched > 0
        present &= ~self._excluded(clause, size)
        full = present & (matched == len(required))
        score = matched.astype(np.float32) * 100.0 + total + in_title * 5.0
        score += len(clause.phrases) * 100.0
        return np.where(present, score, 0.0).astype(np.float32), full

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
        ascii_pattern = re.compile(r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, phrase)) + r"(?![a-z0-9])")
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
            paper = self.papers[self.index.doc_ids[doc]]
            bonus = 0.0
            # Words together in the title count most, then words together in the abstract.
            for text, weight in ((paper.title, 4.0), (paper.abstract, 2.0)):
                window = _smallest_window(words(text), clause_words)
                if window is not None:
                    bonus += weight / (1 + window - n)
            adjusted.append((-(float(score[doc]) + bonus), doc))
        adjusted.sort()
        return np.concatenate([np.array([d for _, d in adjusted], dtype=ranked.dtype), ranked[len(head) :]])

    # -- filters -------------------------------------------------------------

    def _filter_mask(self, query: Query, size: int, dates: np.ndarray) -> np.ndarray:
        mask = np.ones(size, dtype=bool)
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
        if query.likes:
            mask &= self._like_scores(query.likes, size) > 0
        for date_filter in query.dates:
            part = _date_mask(dates, date_filter.op, date_filter.value)
            for doc, others in self._repeats.items():  # also seen in another day's digest
                if not part[doc] and any(date_filter.accepts(day) for day in others):
                    part[doc] = True
            mask &= part
        if query.published:
            if self._published is None or len(self._published) != size:
                docs = [self.papers.get(pid) for pid in self.index.doc_ids]
                self._published = np.array([p.published if p is not None else "" for p in docs], dtype="U10")
            for date_filter in query.published:
                mask &= _date_mask(self._published, date_filter.op, date_filter.value)
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
            else:
                mask &= ~self._id_mask(lookup[name](value), size)
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
        doc_of = self.index.doc_of
        docs = [doc_of[i] for i in ids if i in doc_of]
        if docs:
            mask[np.asarray(docs, dtype=np.int64)] = True
        return mask


def _date_mask(dates: np.ndarray, op: str, value: str) -> np.ndarray:
    """Vectorised `DateFilter.accepts`: compare each date cut to the value's precision."""
    cut = dates.astype(f"U{len(value)}")
    has_date = dates != ""
    if op == "=":
        return has_date & (cut == value)
    compare = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}[op]
    return has_date & compare(cut, value)


def _smallest_window(tokens: list[str], wanted: list[str]) -> int | None:
    """Length of the shortest run of `tokens` holding a token starting with each wanted word."""
    words_ = tuple(dict.fromkeys(wanted))
    hits = [(i, next(w for w in words_ if t.startswith(w))) for i, t in enumerate(tokens) if t.startswith(words_)]
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
