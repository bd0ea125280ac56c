"""An inverted index over titles, authors, abstracts and notes, fast enough to search on every keystroke.

Each field's postings are stored CSR-style in numpy: the vocabulary is sorted, so
every token sharing a prefix is one contiguous slice of the postings array, and a
prefix such as `d` costs one slice rather than thousands of lookups. Fuzzy matches
come from rapidfuzz over the vocabulary, bucketed by length and narrowed first by each token's
set of letters (a token missing more than k of the word's letters, or holding more than k
letters the word lacks, is more than k edits away), a vectorised test that leaves rapidfuzz
a few percent of the vocabulary. The built index is
saved beside the paper cache (`.npy` files, memory-mapped on load, document ids
included) and papers imported later go into a delta, saved as `delta.json` on each
import; notes, which change as the user types, live in the delta in memory only
(they come from the state).
"""

from __future__ import annotations

import bisect
import contextlib
import multiprocessing
import os
import shutil
import tempfile
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import overload

import numpy as np
import orjson
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .atomic_io import LibraryFileError, os_failure, read_json, write_bytes, write_json
from .paper import Paper
from .text_tokens import repeated_words, token_set
from .token_batch import token_pairs

SCHEMA_VERSION = 3  # 3: document ids in memory-mapped arrays, not in index.json
KIND = "paperterm-search-index"
DELTA_KIND = "paperterm-search-delta"
FIELDS = ("title", "authors", "abstract")  # scored fields
REPEATED = "repeated"  # words twice or more in an abstract: for topics, never scored
WEIGHTS = {"title": 3.0, "authors": 2.0, "abstract": 1.0, "note": 2.0}
# How good a match of a query word is, by kind. A typo in a title (3 × 0.3) stays below an exact
# abstract match (1.0): typos are forgiven when nothing better exists.
EXACT, PREFIX, FUZZY1, FUZZY2 = 1.0, 0.8, 0.3, 0.2
SPILL_PREFIX = ".build-"  # + the building process's id: a build's chunk files, removed when it ends
CHUNK = 5_000  # papers tokenised at once while building: bounds the build's memory
SHORT_PREFIX = 3


@dataclass(frozen=True, slots=True)
class Expansion:
    """The vocabulary a query word matches, and how well."""

    exact: str
    prefix: tuple[int, int] | None  # range in the sorted vocabulary
    fuzzy: tuple[tuple[str, float], ...]


class _Postings:
    """One field's postings: for token i, docs[offsets[i]:offsets[i+1]]."""

    __slots__ = ("docs", "offsets")

    def __init__(self, offsets: np.ndarray, docs: np.ndarray) -> None:
        self.offsets = offsets
        self.docs = docs

    def range_docs(self, lo: int, hi: int) -> np.ndarray:
        return self.docs[self.offsets[lo] : self.offsets[hi]]

    def range_index(self, lo: int, hi: int) -> np.ndarray:
        """`range_docs` as the platform's index type: numpy writes through an int32 index array
        three times slower than through one of its own `intp` (it converts it in a slow loop)."""
        return self.docs[self.offsets[lo] : self.offsets[hi]].astype(np.intp)


class DocIds(Sequence[str]):
    """Document number → paper id. The built part is one array of ids, memory-mapped from
    `docs.ids.npy` with its sorted copy (`docs.sorted.npy`, `docs.order.npy`) for lookups by
    id, so opening a million-paper index reads no per-paper data; papers added since are a list."""

    def __init__(self, base: np.ndarray, sorted_ids: np.ndarray | None = None, order: np.ndarray | None = None) -> None:
        self.base = base
        self._sorted = sorted_ids
        self._order = order
        self.extra: list[str] = []
        self.extra_of: dict[str, int] = {}
        self._all: np.ndarray | None = None

    @classmethod
    def of(cls, ids: list[str]) -> DocIds:
        return cls(np.array(ids, dtype=f"U{max(map(len, ids), default=1)}"))

    def sorted_lookup(self) -> tuple[np.ndarray, np.ndarray]:
        """The base ids sorted, and each one's document number (made once if not saved)."""
        if self._sorted is None or self._order is None:
            self._order = np.argsort(self.base, kind="stable").astype(np.int32)
            self._sorted = self.base[self._order]
        return self._sorted, self._order

    def __len__(self) -> int:
        return len(self.base) + len(self.extra)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return self.array()[index].tolist()
        if index < 0:
            index += len(self)
        if index < len(self.base):
            return str(self.base[index])
        return self.extra[index - len(self.base)]

    def __iter__(self) -> Iterator[str]:
        yield from self.base.tolist()
        yield from self.extra

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DocIds | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def append(self, paper_id: str) -> int:
        number = len(self)
        self.extra.append(paper_id)
        self.extra_of[paper_id] = number
        self._all = None
        return number

    def array(self) -> np.ndarray:
        """Every id as one array (the memory-mapped one itself while nothing was added)."""
        if not self.extra:
            return self.base
        if self._all is None or len(self._all) != len(self):
            width = max(self.base.dtype.itemsize // 4, max(map(len, self.extra)), 1)
            self._all = np.concatenate([self.base.astype(f"U{width}"), np.array(self.extra, dtype=f"U{width}")])
        return self._all

    def lookup(self, paper_ids: Iterable[str]) -> np.ndarray:
        """The document numbers of those ids that are indexed (any order)."""
        wanted = list(paper_ids)
        found = [self.extra_of[i] for i in wanted if i in self.extra_of]
        if wanted and len(self.base):
            sorted_ids, order = self.sorted_lookup()
            # Keys of the array's own width: another width would make numpy cast the whole array.
            width = sorted_ids.dtype.itemsize // 4
            keys = np.array([i for i in wanted if len(i) <= width], dtype=sorted_ids.dtype)
            at = np.minimum(np.searchsorted(sorted_ids, keys), len(sorted_ids) - 1)
            hit = sorted_ids[at] == keys
            found.extend(order[at[hit]].tolist())
        return np.array(found, dtype=np.int64)

    def get(self, paper_id: str, default: int | None = None) -> int | None:
        found = self.extra_of.get(paper_id)
        if found is not None:
            return found
        if len(self.base):
            sorted_ids, order = self.sorted_lookup()
            if len(paper_id) > sorted_ids.dtype.itemsize // 4:
                return default  # longer than every saved id
            at = int(np.searchsorted(sorted_ids, np.array(paper_id, dtype=sorted_ids.dtype)))
            if at < len(sorted_ids) and sorted_ids[at] == paper_id:
                return int(order[at])
        return default

    def __contains__(self, paper_id: object) -> bool:
        return isinstance(paper_id, str) and self.get(paper_id) is not None


class _DocOf:
    """`doc_of[paper_id]` → document number, over `DocIds`."""

    __slots__ = ("ids",)

    def __init__(self, ids: DocIds) -> None:
        self.ids = ids

    def get(self, paper_id: str, default: int | None = None) -> int | None:
        return self.ids.get(paper_id, default)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self.ids

    def __getitem__(self, paper_id: str) -> int:
        found = self.ids.get(paper_id)
        if found is None:
            raise KeyError(paper_id)
        return found


class SearchIndex:
    """Token → documents, for the papers of one library. Documents are numbered in `doc_ids` order."""

    def __init__(self) -> None:
        self.doc_ids = DocIds(np.zeros(0, dtype="U1"))
        self.vocab: list[str] = []
        self._by_length: np.ndarray | None = None  # vocabulary numbers ordered by token length
        self._length_starts: np.ndarray | None = None  # where each length starts in `_by_length`
        self._letters: np.ndarray | None = None  # per token, its letter classes as bits
        self._unfiltered: np.ndarray | None = None  # tokens the letter test cannot judge
        self.fields: dict[str, _Postings] = {}
        self.base_docs = 0
        # Delta: docs added after the build (per field token → docs), and notes.
        self.delta: dict[str, dict[str, set[int]]] = {f: defaultdict(set) for f in (*FIELDS, "note")}
        self.repeated: _Postings | None = None
        self.delta_repeated: dict[str, set[int]] = defaultdict(set)
        self.delta_vocab: set[str] = set()
        self._note_tokens: dict[int, set[str]] = {}
        self.key: str | None = None  # the library state the saved base was built for (None: not saved)

    # -- building ------------------------------------------------------------

    @classmethod
    def build(cls, papers: Iterable[Paper]) -> SearchIndex:
        """Index papers, the whole index held in memory (small libraries and tests; see `build_into`)."""
        index = cls()
        with tempfile.TemporaryDirectory(prefix="paperterm-index-") as spill:
            vocab, fields = index._build_parts(papers, Path(spill))
            index._set_vocab(vocab)
            for name, postings in fields:
                if name == REPEATED:
                    index.repeated = postings
                else:
                    index.fields[name] = postings
        index.base_docs = len(index.doc_ids)
        return index

    @classmethod
    def build_into(cls, papers: Iterable[Paper], folder: Path, key: str) -> SearchIndex:
        """Index papers straight into `folder` and open the result memory-mapped.

        Memory stays bounded at a million papers: papers are tokenised `CHUNK` at a time and each
        chunk's postings spilled to disk; the merge then fills one field at a time, which is
        written out and dropped before the next. `index.json` goes last, so a build killed half
        way leaves no index that claims to be whole (the next launch builds again)."""
        index = cls()
        try:
            remove_saved(folder)
            folder.mkdir(parents=True, exist_ok=True)
            remove_stale_spills(folder)
            with tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=folder) as spill:
                vocab, fields = index._build_parts(papers, Path(spill))
                for name, postings in fields:
                    save_array(folder / f"{name}.offsets.npy", postings.offsets)
                    save_array(folder / f"{name}.docs.npy", postings.docs)
                    del postings
        except OSError as exc:
            raise os_failure(exc, folder, "could not be built") from None
        index._set_vocab(vocab)
        index.base_docs = len(index.doc_ids)
        index._save_meta(folder, key)
        loaded = cls.load(folder, key)
        if loaded is None:
            raise LibraryFileError(folder / "index.json", "was written but cannot be read back", "Try again.")
        return loaded

    def _build_parts(self, papers: Iterable[Paper], spill: Path) -> tuple[list[str], Iterator[tuple[str, _Postings]]]:
        """Tokenise papers into chunk files under `spill`; the sorted vocabulary, and each field's
        postings made on demand (one field in memory at a time)."""
        ids: list[str] = []
        tokens: set[str] = set()
        chunks = 0
        with _ChunkWriters() as writers:
            for batch in _batches(papers, CHUNK):
                texts = [p.title or "" for p in batch]
                texts += [" ".join(p.authors) for p in batch]
                texts += [p.abstract or "" for p in batch]
                tokens.update(writers.submit(str(spill / str(chunks)), texts, len(ids)))
                ids.extend(p.id for p in batch)
                chunks += 1
            tokens.update(writers.drain())
        self.doc_ids = DocIds.of(ids)
        del ids
        vocab = sorted(tokens)
        del tokens
        position = {t: i for i, t in enumerate(vocab)}
        maps = []
        for number in range(chunks):
            words = orjson.loads((spill / str(number) / "vocab.json").read_bytes())
            maps.append(np.fromiter(map(position.__getitem__, words), dtype=np.int32, count=len(words)))
        del position

        def fields() -> Iterator[tuple[str, _Postings]]:
            for name in (*FIELDS, REPEATED):
                counts = np.zeros(len(vocab), dtype=np.int64)
                for number, local in enumerate(maps):
                    tok = np.load(spill / str(number) / f"{name}.tok.npy")
                    counts += np.bincount(local[tok], minlength=len(vocab))
                offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
                np.cumsum(counts, out=offsets[1:])
                docs = np.empty(int(offsets[-1]), dtype=np.int32)
                cursor = offsets[:-1].copy()
                for number, local in enumerate(maps):
                    folder = spill / str(number)
                    tok = local[np.load(folder / f"{name}.tok.npy")]
                    if not len(tok):
                        continue
                    # Chunks come in document order, so each token's documents stay ascending.
                    first = np.flatnonzero(np.append(True, tok[1:] != tok[:-1]))
                    run_start = np.repeat(first, np.diff(np.append(first, len(tok))))
                    docs[cursor[tok] + (np.arange(len(tok)) - run_start)] = np.load(folder / f"{name}.doc.npy")
                    cursor += np.bincount(tok, minlength=len(vocab))
                yield name, _Postings(offsets, docs)
                del docs, offsets  # before the next field's array is made

        return vocab, fields()

    def _set_vocab(self, vocab: list[str]) -> None:
        self.vocab = vocab
        self._by_length = self._length_starts = self._letters = self._unfiltered = None
        self._expand.cache_clear()

    def _length_bucket(self, length: int) -> np.ndarray:
        """Vocabulary numbers of the tokens of this length (the letter bits made on first use)."""
        if self._by_length is None or self._length_starts is None:
            lengths = np.fromiter(map(len, self.vocab), dtype=np.int32, count=len(self.vocab))
            self._by_length = np.argsort(lengths, kind="stable")
            self._length_starts = np.searchsorted(
                lengths[self._by_length], np.arange(int(lengths.max(initial=0)) + 2), side="left"
            )
            self._letters, self._unfiltered = _letter_bits(self.vocab)
        if not 0 <= length < len(self._length_starts) - 1:
            return self._by_length[:0]
        return self._by_length[self._length_starts[length] : self._length_starts[length + 1]]

    def _within(self, word: str, max_edits: int) -> list[tuple[str, int]]:
        """Vocabulary tokens 1..max_edits edits (Levenshtein) from `word`, with their distance."""
        found: list[tuple[str, int]] = []
        bits = np.uint32(_bits_of(word))
        for length in range(len(word) - max_edits, len(word) + max_edits + 1):
            bucket = self._length_bucket(length)
            if not len(bucket):
                continue
            assert self._letters is not None and self._unfiltered is not None
            theirs = self._letters[bucket]
            near = (_popcount(bits & ~theirs) <= max_edits) & (_popcount(theirs & ~bits) <= max_edits)
            near |= self._unfiltered[bucket]
            candidates = [self.vocab[i] for i in bucket[near].tolist()]
            for token, distance, _ in process.extract(
                word, candidates, scorer=Levenshtein.distance, score_cutoff=max_edits, limit=None
            ):
                if distance:
                    found.append((token, distance))
        return found

    @property
    def doc_of(self) -> _DocOf:
        return _DocOf(self.doc_ids)

    def _add_doc_id(self, paper_id: str) -> int:
        return self.doc_ids.append(paper_id)

    def token_id(self, token: str) -> int | None:
        """The token's number in the sorted vocabulary (a bisect: no dictionary of it is kept)."""
        at = bisect.bisect_left(self.vocab, token)
        return at if at < len(self.vocab) and self.vocab[at] == token else None

    # -- incremental updates -------------------------------------------------

    def add_papers(self, papers: Iterable[Paper]) -> None:
        """Index papers imported after the build (or changed by a later digest) in the delta."""
        for paper in papers:
            doc = self.doc_of.get(paper.id)
            if doc is None:
                doc = self._add_doc_id(paper.id)
            for name, text in (
                ("title", paper.title),
                ("authors", " ".join(paper.authors)),
                ("abstract", paper.abstract),
            ):
                for token in token_set(text):
                    self.delta[name][token].add(doc)
                    if self.token_id(token) is None:
                        self.delta_vocab.add(token)
            for token in repeated_words(paper.abstract):
                self.delta_repeated[token].add(doc)
        self._expand.cache_clear()

    def set_note(self, paper_id: str, text: str) -> None:
        """Re-index one paper's note: only that paper's note tokens change."""
        doc = self.doc_of.get(paper_id)
        if doc is None:
            return
        notes = self.delta["note"]
        for token in self._note_tokens.pop(doc, set()):
            notes[token].discard(doc)
        tokens = token_set(text) if text.strip() else set()
        for token in tokens:
            notes[token].add(doc)
            if self.token_id(token) is None:
                self.delta_vocab.add(token)
        if tokens:
            self._note_tokens[doc] = tokens
        self._expand.cache_clear()

    def save_delta(self, folder: Path, key: str) -> None:
        """Write the papers indexed since the build (`delta.json`, small: an import's worth), stamped
        with the base it extends and the library state (`key`) it brings the index up to, so the
        next launch neither rebuilds nor re-reads the papers. Notes are not in it: they come from
        the state. Written atomically; a killed import leaves the previous delta, which the next
        launch tops up from the papers of the digests after its key."""
        if self.key is None:
            return
        write_json(
            folder / "delta.json",
            {
                "schema_version": SCHEMA_VERSION,
                "kind": DELTA_KIND,
                "base_key": self.key,
                "key": key,
                "base_docs": self.base_docs,
                "docs": self.doc_ids.extra,
                "fields": {
                    name: {token: sorted(docs) for token, docs in table.items() if docs}
                    for name, table in self.delta.items()
                    if name != "note"
                },
                "repeated": {token: sorted(docs) for token, docs in self.delta_repeated.items() if docs},
            },
        )

    def load_delta(self, folder: Path) -> str | None:
        """Add the saved delta if it extends this very base; the library state it is stamped with."""
        try:
            meta = read_json(folder / "delta.json", kind=DELTA_KIND, schema_version=SCHEMA_VERSION)
            if self.key is None or meta["base_key"] != self.key or meta["base_docs"] != self.base_docs:
                return None
            ids = meta["docs"]
            size = self.base_docs + len(ids)
            tables = {name: meta["fields"][name] for name in FIELDS}
            for table in (*tables.values(), meta["repeated"]):
                for docs in table.values():
                    if not all(isinstance(d, int) and 0 <= d < size for d in docs):
                        return None
            key = meta["key"]
            if not isinstance(key, str) or not all(isinstance(i, str) for i in ids):
                return None
        except (LibraryFileError, KeyError, TypeError, AttributeError):
            return None  # a cache: a missing or damaged delta means reading those papers again
        for paper_id in ids:
            self._add_doc_id(paper_id)
        for name, table in tables.items():
            for token, docs in table.items():
                self.delta[name][token].update(docs)
                if self.token_id(token) is None:
                    self.delta_vocab.add(token)
        for token, docs in meta["repeated"].items():
            self.delta_repeated[token].update(docs)
        self._expand.cache_clear()
        return key

    def snapshot(self) -> SearchIndex:
        """This index as it is now, for a fold: the same saved base, a copy of the delta (its papers
        and tokens; notes are left out), so imports may go on adding to this one meanwhile."""
        copy = SearchIndex.__new__(SearchIndex)
        copy.__dict__.update(self.__dict__)
        copy.doc_ids = DocIds(self.doc_ids.base, self.doc_ids._sorted, self.doc_ids._order)
        for paper_id in self.doc_ids.extra:
            copy.doc_ids.append(paper_id)
        copy.delta = {name: defaultdict(set) for name in self.delta}
        for name in FIELDS:
            copy.delta[name].update((token, set(docs)) for token, docs in self.delta[name].items() if docs)
        copy.delta_repeated = defaultdict(set, ((t, set(d)) for t, d in self.delta_repeated.items() if d))
        copy._note_tokens = {}
        return copy

    @property
    def delta_size(self) -> int:
        return len(self.doc_ids) - self.base_docs

    # -- matching ------------------------------------------------------------

    def expand(self, word: str, as_prefix: bool) -> Expansion:
        return self._expand(word, as_prefix)

    @lru_cache(maxsize=4096)  # noqa: B019 - the index lives as long as its cache; cleared on change
    def _expand(self, word: str, as_prefix: bool) -> Expansion:
        prefix = None
        if as_prefix or len(word) >= 2:
            lo = bisect.bisect_left(self.vocab, word)
            hi = bisect.bisect_left(self.vocab, word + "\uffff")
            if hi > lo:
                prefix = (lo, hi)
        fuzzy: list[tuple[str, float]] = []
        max_edits = 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0
        if max_edits:
            for token, distance in self._within(word, max_edits):
                fuzzy.append((token, FUZZY1 if distance == 1 else FUZZY2))
            for token in self.delta_vocab:
                if token != word and abs(len(token) - len(word)) <= max_edits:
                    distance = Levenshtein.distance(word, token, score_cutoff=max_edits)
                    if distance <= max_edits:
                        fuzzy.append((token, FUZZY1 if distance == 1 else FUZZY2))
            # Two letters swapped ("routign") is the commonest typo: one edit, not Levenshtein's two.
            # Looked up directly (n - 1 candidates) rather than with a slower transposition-aware scorer.
            swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)} - {word}
            found = {token for token, _ in fuzzy}
            for token in swaps:
                if self._known(token):
                    fuzzy = [(t, q) for t, q in fuzzy if t != token] if token in found else fuzzy
                    fuzzy.append((token, FUZZY1))
        return Expansion(word, prefix, tuple(fuzzy))

    def _known(self, token: str) -> bool:
        at = bisect.bisect_left(self.vocab, token)
        return (at < len(self.vocab) and self.vocab[at] == token) or token in self.delta_vocab

    def word_scores(self, word: str, as_prefix: bool, prefix_quality: float = PREFIX) -> tuple[np.ndarray, np.ndarray]:
        """Per document: the best weighted match of `word`, and whether it matched in the title."""
        size = len(self.doc_ids)
        best = np.zeros(size, dtype=np.float32)
        in_title = np.zeros(size, dtype=bool)
        exp = self.expand(word, as_prefix)
        exact_id = self.token_id(word)
        hits: list[tuple[float, np.ndarray]] = []
        for name, postings in self.fields.items():
            weight = WEIGHTS[name]
            field_hits = []
            # A word of one or two letters is still being typed: as a prefix it would match most
            # of every abstract, so it reaches titles and authors only (exact matches count anywhere).
            covered = (0, 0)  # tokens whose documents the prefix already scores higher
            if exp.prefix is not None and (len(word) >= SHORT_PREFIX or name != "abstract"):
                lo, hi = exp.prefix
                # The word itself sorts first among the tokens it starts: scored exact below, not twice.
                start = lo + 1 if exact_id == lo else lo
                field_hits.append((prefix_quality * weight, postings.range_index(start, hi)))
                covered = exp.prefix
            for token, quality in exp.fuzzy:
                token_id = self.token_id(token)
                if token_id is not None and not (covered[0] <= token_id < covered[1] and quality <= prefix_quality):
                    field_hits.append((quality * weight, postings.range_index(token_id, token_id + 1)))
            if exact_id is not None:
                field_hits.append((EXACT * weight, postings.range_index(exact_id, exact_id + 1)))
            for _score, docs in field_hits:
                if docs.size and name == "title":
                    in_title[docs] = True
            hits.extend(h for h in field_hits if h[1].size)
        # Written from the weakest match to the strongest, each write keeps the best: no max needed.
        for score, docs in sorted(hits, key=lambda h: h[0]):
            best[docs] = np.float32(score)
        for name, table in self.delta.items():
            if not table:
                continue
            weight = WEIGHTS[name]
            for token, docs in table.items():
                if not docs:
                    continue
                if token == word:
                    quality = EXACT
                elif (
                    (as_prefix or len(word) >= 2)
                    and token.startswith(word)
                    and (len(word) >= SHORT_PREFIX or name != "abstract")
                ):
                    quality = prefix_quality
                else:
                    quality = next((q for t, q in exp.fuzzy if t == token), 0.0)
                if quality:
                    arr = np.fromiter(docs, dtype=np.int32, count=len(docs))
                    _raise_to(best, arr, quality * weight)
                    if name == "title":
                        in_title[arr] = True
        return best, in_title

    def token_mask(self, word: str, fields: Iterable[str]) -> np.ndarray:
        """Documents holding exactly `word` in any of `fields`, saved postings and delta alike
        (`REPEATED` is the field of words twice or more in an abstract)."""
        mask = np.zeros(len(self.doc_ids), dtype=bool)
        token_id = self.token_id(word)
        for name in fields:
            postings = self.repeated if name == REPEATED else self.fields.get(name)
            if token_id is not None and postings is not None:
                mask[postings.range_index(token_id, token_id + 1)] = True
            table = self.delta_repeated if name == REPEATED else self.delta.get(name, {})
            docs = table.get(word)
            if docs:
                mask[np.fromiter(docs, dtype=np.int32, count=len(docs))] = True
        return mask

    def forgiving_mask(self, word: str, field: str) -> np.ndarray:
        """Documents whose `field` holds `word`, a word it starts, or one a typo away (`author:`)."""
        mask = np.zeros(len(self.doc_ids), dtype=bool)
        exp = self.expand(word, True)
        tokens = {word, *(t for t, _ in exp.fuzzy)}
        postings = self.fields.get(field)
        if postings is not None:
            if exp.prefix is not None:
                mask[postings.range_index(*exp.prefix)] = True
            for token in tokens:
                token_id = self.token_id(token)
                if token_id is not None:
                    mask[postings.range_index(token_id, token_id + 1)] = True
        for token, docs in self.delta.get(field, {}).items():
            if docs and (token in tokens or token.startswith(word)):
                mask[np.fromiter(docs, dtype=np.int32, count=len(docs))] = True
        return mask

    def matching_tokens(self, word: str, as_prefix: bool) -> tuple[set[str], str | None]:
        """Tokens that count as a match of `word` (for highlighting), and the prefix, if any."""
        exp = self.expand(word, as_prefix)
        tokens = {word, *(t for t, _ in exp.fuzzy)}
        prefix = word if (as_prefix or len(word) >= 2) else None
        return tokens, prefix

    # -- persistence ---------------------------------------------------------

    def save(self, folder: Path, key: str) -> None:
        """Write the built part (base) of the index (its delta goes to `save_delta`)."""
        remove_saved(folder)
        folder.mkdir(parents=True, exist_ok=True)
        saved = dict(self.fields)
        if self.repeated is not None:
            saved[REPEATED] = self.repeated
        for name, postings in saved.items():
            save_array(folder / f"{name}.offsets.npy", postings.offsets)
            save_array(folder / f"{name}.docs.npy", postings.docs)
        self._save_meta(folder, key)
        self.key = key

    def _save_meta(self, folder: Path, key: str) -> None:
        """The fuzzy matcher's tables, the vocabulary, then `index.json`: written last, it says the rest is whole."""
        self._length_bucket(0)  # the fuzzy matcher's tables, saved so a launch need not make them
        assert self._by_length is not None and self._length_starts is not None
        assert self._letters is not None and self._unfiltered is not None
        for name, table in (
            ("by_length", self._by_length),
            ("length_starts", self._length_starts),
            ("letters", self._letters),
            ("unfiltered", self._unfiltered),
        ):
            save_array(folder / f"vocab.{name}.npy", table)
        write_bytes(folder / "vocab.json", orjson.dumps(self.vocab))
        base = DocIds.of(self.doc_ids[: self.base_docs]) if self.doc_ids.extra else self.doc_ids
        sorted_ids, order = base.sorted_lookup()
        save_array(folder / "docs.ids.npy", base.base)
        save_array(folder / "docs.sorted.npy", sorted_ids)
        save_array(folder / "docs.order.npy", order)
        write_json(
            folder / "index.json",
            {
                "schema_version": SCHEMA_VERSION,
                "kind": KIND,
                "key": key,
                "docs": self.base_docs,
                "vocab_size": len(self.vocab),
            },
        )

    def _load_fuzzy_tables(self, folder: Path) -> None:
        """The saved fuzzy-matching tables, when present and of this vocabulary's size (else made on use)."""
        try:
            tables = [
                np.load(folder / f"vocab.{n}.npy") for n in ("by_length", "length_starts", "letters", "unfiltered")
            ]
        except (OSError, ValueError):
            return
        by_length, starts, letters, unfiltered = tables
        size = len(self.vocab)
        if len(by_length) == len(letters) == len(unfiltered) == size and len(starts) and starts[-1] == size:
            self._by_length, self._length_starts, self._letters, self._unfiltered = tables

    @staticmethod
    def saved_key(folder: Path) -> str | None:
        """The key a saved index was built for, without loading it."""
        try:
            meta = read_json(folder / "index.json", kind=KIND, schema_version=SCHEMA_VERSION)
        except LibraryFileError:
            return None
        key = meta.get("key")
        return key if isinstance(key, str) else None

    @classmethod
    def load(cls, folder: Path, key: str) -> SearchIndex | None:
        """The saved index if it was built for this library state (`key`), else None."""
        meta_path = folder / "index.json"
        if not meta_path.exists():
            return None
        try:
            meta = read_json(meta_path, kind=KIND, schema_version=SCHEMA_VERSION)
            if meta.get("key") != key or meta.get("schema_version") != SCHEMA_VERSION:
                return None
            index = cls()
            ids, sorted_ids, order = (
                np.load(folder / f"docs.{n}.npy", mmap_mode="r") for n in ("ids", "sorted", "order")
            )
            if not len(ids) == len(sorted_ids) == len(order) == meta["docs"]:
                return None
            index.doc_ids = DocIds(ids, sorted_ids, order)
            vocab = orjson.loads((folder / "vocab.json").read_bytes())
            if len(vocab) != meta["vocab_size"]:
                return None
            index._set_vocab(vocab)
            for name in (*FIELDS, REPEATED):
                offsets = np.load(folder / f"{name}.offsets.npy", mmap_mode="r")
                docs = np.load(folder / f"{name}.docs.npy", mmap_mode="r")
                # Sizes only: reading every posting to check it would make each launch cost O(postings).
                if len(offsets) != len(vocab) + 1 or len(docs) != int(offsets[-1]):
                    return None
                if name == REPEATED:
                    index.repeated = _Postings(offsets, docs)
                else:
                    index.fields[name] = _Postings(offsets, docs)
            index.base_docs = len(index.doc_ids)
            index.key = key
            index._load_fuzzy_tables(folder)
            return index
        except (LibraryFileError, OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            return None  # the index is a cache: a damaged one is simply rebuilt


def _batches(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    """Papers `size` at a time (at least one batch, empty for no papers: a build makes one chunk)."""
    batch: list[Paper] = []
    made = False
    for paper in papers:
        batch.append(paper)
        if len(batch) == size:
            yield batch
            made, batch = True, []
    if batch or not made:
        yield batch


def spill_chunk(folder: str, texts: list[str], first_doc: int) -> list[str]:
    """Tokenise a chunk of papers (text k·n + i is field k of paper i: titles, authors, abstracts)
    and write its vocabulary and (token, doc) pairs per field under `folder`; its vocabulary.

    The chunk's words are sorted and numbered once, by `token_pairs`. A module function: the build's
    worker processes run it."""
    n = len(texts) // len(FIELDS)
    pairs = token_pairs(texts, repeated=True)
    path = Path(folder)
    path.mkdir()
    (path / "vocab.json").write_bytes(orjson.dumps(pairs.tokens))  # scratch: no fsync
    field = pairs.doc // max(n, 1)
    parts = [(name, field == k, pairs.tok, pairs.doc - k * n) for k, name in enumerate(FIELDS)]
    parts.append((REPEATED, pairs.rep_doc >= 2 * n, pairs.rep_tok, pairs.rep_doc - 2 * n))
    for name, keep, tok, doc in parts:
        # Filtering keeps the (token, doc) order: each field's pairs stay sorted.
        np.save(path / f"{name}.tok.npy", tok[keep].astype(np.int32))
        np.save(path / f"{name}.doc.npy", (doc[keep] + first_doc).astype(np.int32))
    return pairs.tokens


PARALLEL_AFTER = 4  # chunks tokenised in this process before worker processes are started
PENDING = 2  # chunks waiting per worker: bounds the texts held for them


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class _ChunkWriters:
    """Runs `spill_chunk` for a build: in this process for a small library, and past
    `PARALLEL_AFTER` chunks in worker processes, one per core (the build reads the papers while the
    workers tokenise). At most `PENDING` chunks per worker wait, so memory stays bounded. Workers are
    forked (a spawned one would import the program's main module again); where a system cannot
    fork, everything runs in this process. A worker runs only `spill_chunk` on what it is sent."""

    def __init__(self) -> None:
        forks = "fork" in multiprocessing.get_all_start_methods()
        self.workers = min(4, _cores()) if forks else 1
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[Future[list[str]]] = deque()
        self._made = 0

    def __enter__(self) -> _ChunkWriters:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, folder: str, texts: list[str], first_doc: int) -> list[str]:
        """Start one chunk; the vocabularies of the chunks finished meanwhile (concatenated)."""
        self._made += 1
        if self.workers < 2 or self._made <= PARALLEL_AFTER:
            return spill_chunk(folder, texts, first_doc)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        self._pending.append(self._pool.submit(spill_chunk, folder, texts, first_doc))
        done: list[str] = []
        while len(self._pending) >= PENDING * self.workers or (self._pending and self._pending[0].done()):
            done += self._pending.popleft().result()
        return done

    def drain(self) -> list[str]:
        """The vocabularies of every chunk still running."""
        done: list[str] = []
        while self._pending:
            done += self._pending.popleft().result()
        return done


LETTER_WIDTH = 32  # tokens longer than this are always handed to rapidfuzz
_POPCOUNT16 = np.array([bin(i).count("1") for i in range(1 << 16)], dtype=np.uint8)


def _bits_of(word: str) -> int:
    """A word's letter classes as bits: a..z, and one bit for any digit, one for anything else."""
    bits = 0
    for ch in word:
        if "a" <= ch <= "z":
            bits |= 1 << (ord(ch) - 97)
        elif "0" <= ch <= "9":
            bits |= 1 << 26
        else:
            bits |= 1 << 27
    return bits


def _letter_bits(vocab: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """`_bits_of` for every token at once (numpy over a fixed-width byte array), and which tokens
    it cannot judge (not ASCII, or longer than LETTER_WIDTH): those always go to rapidfuzz."""
    # Code points, truncated to LETTER_WIDTH, straight from the strings (no encoding per token).
    points = np.array(vocab, dtype=f"U{LETTER_WIDTH}") if vocab else np.zeros(0, dtype=f"U{LETTER_WIDTH}")
    chars = points.view(np.uint32).reshape(len(vocab), LETTER_WIDTH)
    bits = np.zeros(len(vocab), dtype=np.uint32)
    one = np.uint32(1)
    for column in chars.T:
        letter = (column >= 97) & (column <= 122)
        digit = (column >= 48) & (column <= 57)
        other = (column != 0) & ~letter & ~digit
        shift = np.where(letter, column.astype(np.uint32) - 97, np.where(digit, 26, 27)).astype(np.uint32)
        bits |= np.where(letter | digit | other, np.left_shift(one, shift), 0).astype(np.uint32)
    lengths = np.fromiter(map(len, vocab), dtype=np.int32, count=len(vocab))
    unfiltered = (lengths > LETTER_WIDTH) | ~np.fromiter(map(str.isascii, vocab), dtype=bool, count=len(vocab))
    return bits, unfiltered


def _popcount(values: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.bitwise_count(values)
    return _POPCOUNT16[values & 0xFFFF] + _POPCOUNT16[values >> 16]


def _raise_to(best: np.ndarray, docs: np.ndarray, score: float) -> None:
    """best[docs] = max(best[docs], score), for a postings slice (unique docs)."""
    current = best[docs]
    best[docs] = np.maximum(current, np.float32(score))


def save_array(path: Path, array: np.ndarray) -> None:
    """`np.save` through a temp file, fsync and `os.replace` (streamed: a 500 MB array is not copied)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as handle:
            np.save(handle, np.ascontiguousarray(array))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise os_failure(exc, path, "could not be saved") from None


def dead_spills(folder: Path) -> list[Path]:
    """Chunk folders left by builds that were killed (their process is gone): 1.4 GB at 1M papers."""
    found = []
    for spill in folder.glob(f"{SPILL_PREFIX}*"):
        pid = spill.name[len(SPILL_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not is_alive(int(pid)):
            found.append(spill)
    return found


def remove_stale_spills(folder: Path) -> None:
    """Remove the chunk folders of killed builds (the next build's first step, and `doctor --repair`)."""
    for spill in dead_spills(folder):
        shutil.rmtree(spill, ignore_errors=True)


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_saved(folder: Path) -> None:
    """Unmark the saved index (its delta, and the per-document arrays made for its documents) as
    whole, before anything in it is rewritten."""
    for name in ("index.json", "delta.json", "docs.json"):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
