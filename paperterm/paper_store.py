"""The paper cache: everything digests said, rebuildable, laid out so saves stay small.

Layout under `<data dir>/library/`:

- `manifest.json` — the digests imported (numbered) and the list of segment files.
- `seg-NNNNNN.json` — rows of papers that one import added or changed; a later
  segment's row for an id replaces an earlier one's.
- `seg-NNNNNN.abstracts` — those papers' abstracts as UTF-8 text, which rows point
  into by offset; read through mmap only when an abstract is shown or indexed.
- `columns.bin` — derived from the segments (see `paper_columns`): where each live row lies,
  and what the list, sorts and counts need. Papers become `Paper` objects only when asked
  for (`papers` is a read-only mapping that reads one row back with one `pread`), so opening
  a library of a million papers makes none.

An import writes one new segment and then the manifest, each atomically; a crash
between the two leaves an orphan segment that no manifest names, and the library
loads as it was. Segments are compacted into one when they pile up. The user's own
state (lists, triage, notes) is not here: see `library_state`.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from loaders import PaperRecord, ParseResult, normalise_doi, paper_id

from .atomic_io import LibraryFileError, file_lock, keep_backup, kept_at, read_json, write_chunks, write_json
from .heap import collector_paused
from .identity_index import LOOSE_MIN, IdentityIndex, loose_title
from .paper import AbstractBlob, Digest, Paper
from .paper_columns import PaperColumns, scan_segment, segment_stamp

SCHEMA_VERSION = 1
MANIFEST_KIND = "paperterm-library"
SEGMENT_KIND = "paperterm-papers"
MANIFEST_LAST_GOOD = "manifest.last-good.json"
COMPACT_AFTER_SEGMENTS = 24  # small segments allowed before they are merged
SMALL_SEGMENT = 10_000  # live rows below which a segment is merged with other small ones
COMPACT_ROWS = 100_000  # live rows one compaction reads and writes again at most
COLUMNS_FILE = "columns.bin"
KEPT_APART_LISTED = 10_000  # title-only records kept apart, listed by `import --verbose` (all are counted)
PAPERS_CACHED = 2048  # papers kept as objects once read (the rows on screen, the pane, a search's head)


@dataclass(slots=True)
class ParsedDigest:
    """A digest read and parsed by the importer, ready to be merged into the store."""

    name: str
    path: str
    sha256: str
    result: ParseResult
    date: str | None
    date_source: str


@dataclass(frozen=True, slots=True)
class KeptApart:
    """A record with no arXiv id, DOI or PMID whose title named several papers: made a paper of its own."""

    source: str  # the digest's name (`<stdin>` for standard input)
    line: int | None
    title: str
    matches: int


@dataclass(slots=True)
class MergeReport:
    """What one commit changed: per digest, how many papers were new or already known."""

    new_ids: list[str] = field(default_factory=list)
    known_ids: list[str] = field(default_factory=list)
    merged_ids: list[str] = field(default_factory=list)  # known papers this import added metadata to
    title_merged_ids: list[str] = field(default_factory=list)  # papers matched by title alone, not by an id
    kept_apart: list[KeptApart] = field(default_factory=list)  # title-only records whose title named several papers
    kept_apart_count: int = 0  # all of them (the list stops at KEPT_APART_LISTED)
    merged_count: int = 0  # a streamed digest's merged and title-merged papers: counted, not listed
    title_merged_count: int = 0
    digests_added: list[Digest] = field(default_factory=list)
    digests_known: list[str] = field(default_factory=list)


class PaperMap(Mapping[str, Paper]):
    """The library's papers by id, each made a `Paper` only when asked for.

    Membership, length and the ids come from the columns; `store[pid]` reads one row back.
    `values()` and `items()` read the segments whole, for the few callers that need every
    paper (a full index or vector build, compaction).
    """

    def __init__(self, store: PaperStore) -> None:
        self._store = store

    def __getitem__(self, pid: str) -> Paper:
        return self._store.paper(pid)

    def __setitem__(self, pid: str, paper: Paper) -> None:
        """Hold a paper in memory only (a benchmark's made-up papers): never written, and gone when
        the library is next opened. Imports go through `PaperStore.commit`."""
        self._store._fresh[pid] = paper

    def __contains__(self, pid: object) -> bool:
        store = self._store
        return pid in store._fresh or pid in store.columns.row_of

    def __iter__(self) -> Iterator[str]:
        store = self._store
        ids = store.columns.ids
        count = len(ids)
        yield from ids[:count]
        row_of = store.columns.row_of
        yield from [pid for pid in list(store._fresh) if pid not in row_of]

    def __len__(self) -> int:
        store = self._store
        row_of = store.columns.row_of
        return len(row_of) + sum(1 for pid in list(store._fresh) if pid not in row_of)

    def values(self) -> list[Paper]:  # type: ignore[override]
        return self._store.every_paper()

    def items(self) -> list[tuple[str, Paper]]:  # type: ignore[override]
        return [(p.id, p) for p in self._store.every_paper()]


class PaperStore:
    """Papers and digests on disk, with an in-memory view kept current by `refresh`."""

    def __init__(self, root: Path, *, spare: bool = True) -> None:
        self.root = root
        self.spare = spare  # keep `backups/manifest.last-good.json` (not while a repair builds aside)
        self.manifest_path = root / "manifest.json"
        self.lock_path = root.parent / ".lock"
        self.backups = root.parent / "backups"
        self.columns_path = root / COLUMNS_FILE
        self.columns = PaperColumns()
        self.papers = PaperMap(self)
        self._fresh: dict[str, Paper] = {}  # papers the import in progress made or changed, not yet in a segment
        self._cache: OrderedDict[str, Paper] = OrderedDict()
        self._files: dict[str, tuple[int, AbstractBlob]] = {}  # segment → its open rows file and abstracts
        self._columns_lock = threading.RLock()
        self._columns_dirty = False
        self._identity: IdentityIndex | None = None  # which paper a record names: built when an import first asks
        self.last_changed: list[str] = []  # the ids `refresh` found new or rewritten
        self.digests: list[Digest] = []
        self._by_sha: dict[str, Digest] = {}
        self._segments: list[str] = []
        self._dropped: list[str] = []  # segments a compaction merged away: removed once the manifest is written
        self._title_merged: set[str] = set()  # papers the import in progress matched by title alone
        self._kept_apart: list[KeptApart] = []  # title-only records of this import whose title named several papers
        self._kept_apart_count = 0
        self._enriched: set[str] = set()  # papers given richer metadata by the import in progress
        self._stamp: tuple[int, int] | None = None  # title id → id, for papers whose id is their arXiv id

    # -- reading -------------------------------------------------------------

    def load(self) -> None:
        """Read the manifest and every segment it names. A missing library is an empty one."""
        manifest = self._read_manifest()
        self._set_digests(manifest)
        self._open_columns(manifest["segments"])

    def _manifest_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.manifest_path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def refresh(self) -> bool:
        """Pick up what other processes imported since we loaded; True when anything changed."""
        stamp = self._manifest_stamp()
        if stamp == self._stamp and stamp is not None:
            return False
        manifest = self._read_manifest()
        segments: list[str] = manifest["segments"]
        if segments == self._segments and len(manifest["digests"]) == len(self.digests):
            return False
        self._set_digests(manifest)
        if segments[: len(self._segments)] == self._segments:
            self.last_changed = self._load_segments(segments[len(self._segments) :])
        else:  # compacted elsewhere: start over
            before = self.columns.row_of
            self._open_columns(segments)
            self.last_changed = [pid for pid in self.columns.ids if pid not in before]
        return True

    def _read_manifest(self) -> dict[str, Any]:
        self._stamp = self._manifest_stamp()
        if not self.manifest_path.exists():
            return {"digests": [], "segments": []}
        try:
            manifest = read_json(self.manifest_path, kind=MANIFEST_KIND, schema_version=SCHEMA_VERSION)
            if not isinstance(manifest.get("digests"), list) or not isinstance(manifest.get("segments"), list):
                raise LibraryFileError(self.manifest_path, "is missing its digests or segments")
        except LibraryFileError as exc:
            backup = keep_backup(self.manifest_path, self.backups)
            raise LibraryFileError(
                exc.path,
                exc.problem,
                f"{kept_at(backup)} "
                + (
                    exc.advice  # e.g. "Upgrade paperterm" for a newer schema
                    or "`paperterm doctor --repair` rebuilds the paper cache from your digest files; "
                    "reading lists and notes (state.json) are not affected."
                ),
            ) from None
        return manifest

    def _refused(self, path: Path, problem: str, advice: str = "") -> LibraryFileError:
        backup = keep_backup(path, self.backups)
        return LibraryFileError(
            path,
            problem,
            f"{kept_at(backup)} " + (advice or "`paperterm doctor --repair` rebuilds the paper cache."),
        )

    def _set_digests(self, manifest: dict[str, Any]) -> None:
        self.digests = [Digest.from_json(raw) for raw in manifest["digests"]]
        self._by_sha = {d.sha256: d for d in self.digests}

    def _open_columns(self, names: list[str]) -> None:
        """The columns for these segments: the saved file when it was built from exactly them (or
        from the first of them: only the rest are read), else built from the segments."""
        try:
            stamp = segment_stamp(self.root, names)
        except OSError as exc:
            missing = next((n for n in names if not (self.root / n).exists()), names[0] if names else "")
            raise self._refused(self.root / missing, f"cannot be read ({exc.strerror})") from None
        saved = PaperColumns.load(self.columns_path) if names else None
        columns, todo = PaperColumns(), list(names)
        if saved is not None:
            kept = saved[1].get("segments")
            prefix = isinstance(kept, list) and kept and stamp[: len(kept)] == kept
            if prefix and saved[0].segments == names[: len(kept)]:
                columns, todo = saved[0], names[len(kept) :]
        with self._columns_lock:
            self.columns = columns
            self._segments = [n for n in names if n not in todo]
            self._forget_papers()
        self._load_segments(todo)
        if todo:
            self.save_columns()

    def _forget_papers(self) -> None:
        """Drop what was read from the segments before (they may be gone): read again when asked."""
        self._cache.clear()
        self._fresh.clear()
        self._files.clear()
        self._identity = None

    def _load_segments(self, names: list[str]) -> list[str]:
        """Read these segments into the columns (their papers are not kept); the ids they hold."""
        changed: list[str] = []
        with collector_paused():
            for name in names:
                path = self.root / name
                try:
                    payload = read_json(path, kind=SEGMENT_KIND, schema_version=SCHEMA_VERSION)
                    blob = AbstractBlob(path.with_suffix(".abstracts"))
                    if len(blob) != payload["abstract_bytes"]:
                        raise ValueError("its abstracts file has the wrong size")
                    changed += self._take_in(name, payload["rows"], blob)
                except OSError as exc:
                    raise self._refused(path, f"cannot be read ({exc.strerror})") from None
                except (KeyError, TypeError, ValueError, IndexError) as exc:
                    raise self._refused(path, f"is damaged ({exc})") from None
                except LibraryFileError as exc:
                    raise self._refused(path, exc.problem, exc.advice) from None
                self._segments.append(name)
        return changed

    def _take_in(self, name: str, rows: list[Any], blob: AbstractBlob, pending: Digest | None = None) -> list[str]:
        """One segment's rows into the columns; the papers they replace are read again when asked."""
        dates = {d.number: d.date or "" for d in self.digests}
        if pending is not None:
            dates[pending.number] = pending.date or ""
        scanned = scan_segment(self.root / name, rows, dates, blob)
        with self._columns_lock:
            columns = self.columns
            old, old_arxiv = len(columns.ids), columns.arrays["arxiv"]
            ids = columns.apply(name, scanned)
            for pid in ids:
                self._cache.pop(pid, None)
                self._fresh.pop(pid, None)
            self._columns_dirty = True
            if self._identity is not None and self._identity.columns is columns:
                at = columns.rows(ids)
                new = at >= old
                gained = ~new & (old_arxiv[np.minimum(at, max(old - 1, 0))] == b"") if old else new & False
                self._identity.add_rows(at, new, gained)
        return ids

    def save_columns(self) -> None:
        """Write the columns for the segments the manifest names (a cache: a full disk only costs speed)."""
        with self._columns_lock:
            if not self._columns_dirty or self.columns.segments != self._segments:
                return
            try:
                self.columns.save(self.columns_path, {"segments": segment_stamp(self.root, self._segments)})
            except (LibraryFileError, OSError):
                return
            self._columns_dirty = False

    # -- papers, read when asked for -----------------------------------------------------

    def paper(self, pid: str) -> Paper:
        """The paper with this id, read from its segment (KeyError when the library lacks it)."""
        found = self._fresh.get(pid)
        if found is not None:
            return found
        with self._columns_lock:
            cached = self._cache.get(pid)
            if cached is not None:
                self._cache.move_to_end(pid)
                return cached
            row = self.columns.row_of[pid]
            paper = self._read_row(row)
            if paper.id != pid:  # the columns do not describe the segments: never trusted, rebuilt
                self._rebuild_columns()
                paper = self._read_row(self.columns.row_of[pid])
            self._cache[pid] = paper
            if len(self._cache) > PAPERS_CACHED:
                self._cache.popitem(last=False)
            return paper

    def _read_row(self, row: int) -> Paper:
        columns = self.columns
        arrays = columns.arrays
        name = columns.segments[int(arrays["seg"][row])]
        fd, blob = self._segment_files(name)
        start, end = int(arrays["start"][row]), int(arrays["end"][row])
        try:
            if start >= 0:
                raw = orjson.loads(os.pread(fd, end - start, start))
            else:  # a segment not laid out as orjson writes it: read whole, the row by its index
                raw = read_json(self.root / name, kind=SEGMENT_KIND, schema_version=SCHEMA_VERSION)["rows"][end]
            paper = Paper.from_row(raw, blob)
        except (orjson.JSONDecodeError, LibraryFileError, KeyError, TypeError, ValueError, IndexError):
            return Paper("", "")  # not the row asked for: the caller rebuilds the columns
        paper.date = columns.text("date", row)
        return paper

    def _segment_files(self, name: str) -> tuple[int, AbstractBlob]:
        found = self._files.get(name)
        if found is None:
            path = self.root / name
            try:
                found = (os.open(path, os.O_RDONLY), AbstractBlob(path.with_suffix(".abstracts")))
            except OSError as exc:
                raise self._refused(path, f"cannot be read ({exc.strerror})") from None
            self._files[name] = found
        return found

    def _rebuild_columns(self) -> None:
        self.columns_path.unlink(missing_ok=True)
        self._open_columns(list(self._segments))

    def every_paper(self) -> list[Paper]:
        """Every paper as an object, in the library's order (the columns' rows)."""
        columns = self.columns
        found: list[Paper | None] = [None] * len(columns.ids)
        with collector_paused():
            for row, paper in self._stream(columns):
                found[row] = paper
        row_of = columns.row_of
        extra = [p for pid, p in list(self._fresh.items()) if pid not in row_of]
        return [p for p in found if p is not None] + extra

    def iter_papers(self) -> Iterator[Paper]:
        """Every paper, a segment at a time (a full index build at a million papers holds one
        segment's papers, not the library's), in the order of the segments."""
        for _, paper in self._stream(self.columns):
            yield paper

    def _stream(self, columns: PaperColumns, only: set[str] | None = None) -> Iterator[tuple[int, Paper]]:
        """(row, paper) for every live row of these columns (of the segments named in `only`), read
        segment by segment. The arrays are replaced, never changed, by an import, so this reads a
        consistent set without a lock."""
        count = len(columns.arrays["seg"])
        seg_of, row_of = columns.arrays["seg"], columns.row_of
        for number, name in enumerate(list(columns.segments)):
            if only is not None and name not in only:
                continue
            path = self.root / name
            try:
                payload = read_json(path, kind=SEGMENT_KIND, schema_version=SCHEMA_VERSION)
                _, blob = self._segment_files(name)
                rows = payload["rows"]
            except OSError as exc:
                raise self._refused(path, f"cannot be read ({exc.strerror})") from None
            except (KeyError, TypeError) as exc:
                raise self._refused(path, f"is damaged ({exc})") from None
            del payload
            for raw in rows:
                row = row_of.get(raw[0])
                if row is not None and row < count and seg_of[row] == number:
                    fresh = self._fresh.get(raw[0])
                    if fresh is not None:
                        yield row, fresh
                        continue
                    paper = Paper.from_row(raw, blob)
                    paper.date = columns.text("date", row)
                    yield row, paper

    def date_of(self, pid: str) -> str:
        """The day a paper was first seen in a digest ("" when unknown), without reading the paper."""
        fresh = self._fresh.get(pid)
        if fresh is not None:
            return fresh.date
        row = self.columns.row_of.get(pid)
        return self.columns.text("date", row) if row is not None else ""

    def _index(self) -> IdentityIndex:
        """Which paper a record names (see `identity_index`), over the current columns."""
        with self._columns_lock:
            if self._identity is None or self._identity.columns is not self.columns:
                self._identity = IdentityIndex(self.columns)
            return self._identity

    def digest(self, number: int) -> Digest | None:
        if 1 <= number <= len(self.digests):
            found = self.digests[number - 1]
            if found.number == number:
                return found
        return next((d for d in self.digests if d.number == number), None)

    def by_arxiv(self, arxiv_id: str) -> Paper | None:
        pid = self._index().by_id("arxiv", arxiv_id)
        return self.papers.get(pid) if pid is not None else None

    def by_alias(self, ref: str) -> Paper | None:
        """A paper known here by another id: its title id, arXiv id, DOI (`10.…` or `doi:10.…`) or PMID."""
        index = self._index()
        doi = normalise_doi(ref)
        pid = (
            next(iter(index.find("title", ref)), None)
            or index.by_id("arxiv", ref)
            or (index.by_id("doi", doi) if doi else None)
            or index.by_id("pmid", ref.removeprefix("pmid:"))
        )
        return self.papers.get(pid) if pid is not None else None

    def known_digest(self, sha256: str) -> Digest | None:
        return self._by_sha.get(sha256)

    # -- writing -------------------------------------------------------------

    def commit(self, parsed: list[ParsedDigest], imported_at: str) -> MergeReport:
        """Merge parsed digests into the library and write them durably, under the library lock."""
        report = MergeReport()
        with file_lock(self.lock_path):
            self.refresh()
            self._remove_orphans()
            self._enriched.clear()
            self._title_merged.clear()
            self._kept_apart.clear()
            self._kept_apart_count = 0
            changed: dict[str, Paper] = {}
            for item in parsed:
                if item.sha256 in self._by_sha:
                    report.digests_known.append(item.name)
                    continue
                digest = Digest(
                    number=(self.digests[-1].number + 1) if self.digests else 1,
                    name=item.name,
                    path=item.path,
                    sha256=item.sha256,
                    format=item.result.format,
                    date=item.date,
                    date_source=item.date_source,
                    imported_at=imported_at,
                    papers=len(item.result.papers),
                    warnings=len(item.result.warnings),
                )
                self.digests.append(digest)
                self._by_sha[digest.sha256] = digest
                report.digests_added.append(digest)
                for record in item.result.papers:
                    paper, is_new = self._merge_record(record, digest)
                    if paper is None:
                        continue
                    changed[paper.id] = paper
                    (report.new_ids if is_new else report.known_ids).append(paper.id)
                    if not is_new and paper.id in self._enriched:
                        report.merged_ids.append(paper.id)
            report.title_merged_ids = sorted(self._title_merged)
            report.kept_apart, report.kept_apart_count = list(self._kept_apart), self._kept_apart_count
            if report.digests_added:
                self._write(list(changed.values()))
        return report

    def _merge_record(self, record: PaperRecord, digest: Digest) -> tuple[Paper | None, bool]:
        title_id = paper_id(record.title, None)
        existing, by_title, matches = self._find(record, title_id)
        sighting = (digest.number, record.line or 0)
        if existing is None and matches > 1 and not (record.arxiv_id or record.doi or record.pmid):
            self._kept_apart_count += 1
            if len(self._kept_apart) < KEPT_APART_LISTED:
                self._kept_apart.append(KeptApart(digest.name, record.line, record.title, matches))
        if existing is None:
            paper = Paper(
                id=record.paper_id,
                title=record.title,
                abstract=record.abstract,
                authors=list(record.authors),
                links=list(record.links),
                arxiv_id=record.arxiv_id,
                sightings=[sighting],
                extra=_record_extra(record),
                date=digest.date or "",
            )
            self._fresh[paper.id] = paper
            self._remember(paper, title_id)
            return paper, True
        if any(n == digest.number for n, _ in existing.sightings):
            return None, False  # the same paper twice in one digest
        self._fresh[existing.id] = existing  # changed: held until its segment is written
        existing.sightings.append(sighting)
        if _enrich(existing, record):
            self._enriched.add(existing.id)
        if by_title:
            self._title_merged.add(existing.id)
        self._remember(existing)
        if digest.date and (not existing.date or digest.date < existing.date):
            existing.date = digest.date
        return existing, False

    def commit_stream(
        self, item: ParsedDigest, batches: Iterable[list[PaperRecord]], imported_at: str
    ) -> tuple[MergeReport, Digest | None]:
        """Merge a digest too large to hold (the arXiv snapshot) batch by batch, under the library lock.

        Each batch's new and changed papers go to their own segment as soon as it is merged, so only
        one batch of records and abstracts is in memory at a time; the manifest names the digest and
        the segments only at the end, so an import cut short leaves the library as it was.
        `item.result.papers` is ignored; the digest's paper count is what the batches held.
        """
        report = MergeReport()
        with file_lock(self.lock_path):
            self.refresh()
            if item.sha256 in self._by_sha:
                report.digests_known.append(item.name)
                return report, None
            self._remove_orphans()
            self._enriched.clear()
            self._title_merged.clear()
            self._kept_apart.clear()
            self._kept_apart_count = 0
            number = (self.digests[-1].number + 1) if self.digests else 1
            pending = Digest(number, item.name, item.path, item.sha256, item.result.format, item.date,
                             item.date_source, imported_at, 0, len(item.result.warnings))  # fmt: skip
            records = 0
            segments = list(self._segments)
            for batch in batches:
                changed: dict[str, Paper] = {}
                for record in batch:
                    records += 1
                    paper, is_new = self._merge_record(record, pending)
                    if paper is None:
                        continue
                    changed[paper.id] = paper
                    (report.new_ids if is_new else report.known_ids).append(paper.id)
                if changed:
                    name = self._write_segment(list(changed.values()), segments, pending)
                    segments.append(name)
                # Let this batch's records and papers go now, not when the next batch is done: else
                # two batches are held while the next one is read.
                batch.clear()
                del changed
                # Counted a batch at a time, not held: a paper is merged at most once per digest, and
                # only a known one (one this import made already has this digest's sighting).
                report.merged_count += len(self._enriched)
                report.title_merged_count += len(self._title_merged)
                self._enriched.clear()
                self._title_merged.clear()
            report.kept_apart, report.kept_apart_count = list(self._kept_apart), self._kept_apart_count
            digest = Digest(**{**pending.to_json(), "papers": records})
            self.digests.append(digest)
            self._by_sha[digest.sha256] = digest
            report.digests_added.append(digest)
            self._segments = segments
            self._compact()
            self._write_manifest()
            self._stamp = self._manifest_stamp()
        return report, digest

    def _remove_orphans(self) -> None:
        """Remove segments no manifest names: what an import killed mid-way wrote (a streamed arXiv
        snapshot's batches, gigabytes). Called under the library lock, so no import is writing one. Kept
        while the last-good spare names digests this cache lacks: then a repair may need their papers."""
        if self._spare_knows_more():
            return
        for path in unnamed_segments(self.root, self._segments):
            path.unlink(missing_ok=True)

    def _remember(self, paper: Paper, title_id: str | None = None) -> None:
        """A paper this import made (`title_id` given) or changed, for the records after it, until its
        segment is written: its ids, and a new paper's title keys (a known paper's title never changes)."""
        index = self._index()
        index.remember("arxiv", paper.arxiv_id or "", paper.id)
        index.remember("doi", str(paper.extra.get("doi") or ""), paper.id)
        index.remember("pmid", str(paper.extra.get("pmid") or ""), paper.id)
        if title_id is not None:
            if paper.id != title_id and not paper.id.startswith("t:"):
                index.remember("title", title_id, paper.id)
            index.remember("loose", loose_title(paper.title), paper.id)

    def _find(self, record: PaperRecord, title_id: str) -> tuple[Paper | None, bool, int]:
        """The paper a record describes, whether it was found by title rather than by an id, and how
        many papers its title named when that was more than one (then it is kept apart).

        By arXiv id, DOI or PMID first. By title only when that is unambiguous: the title names one
        paper, and that paper has no arXiv id or DOI that differs from the record's (two papers with
        the same title — "Comment on X" and "X" — stay two).
        """
        index = self._index()
        for kind, value in (("arxiv", record.arxiv_id), ("doi", record.doi), ("pmid", record.pmid)):
            if value and (alias := index.by_id(kind, value)) is not None and alias in self.papers:
                return self.papers[alias], False, 0
        found = self.papers.get(title_id)
        matches = 0
        if found is None:
            named = index.find("title", title_id)
            found = self.papers.get(named[0]) if len(named) == 1 else None
            matches = len(named)
        if found is None:
            loose = loose_title(record.title)
            named = index.find("loose", loose) if len(loose) >= LOOSE_MIN else []
            found = self.papers.get(named[0]) if len(named) == 1 else None
            matches = max(matches, len(named))
        if found is None or _different_ids(found, record):
            return None, False, matches
        return found, True, 0

    def _write(self, changed: list[Paper]) -> None:
        name = self._write_segment(changed)
        self._segments.append(name)
        self._compact()
        self._write_manifest()
        self._stamp = self._manifest_stamp()

    def _write_segment(self, papers: list[Paper], names: list[str] | None = None, pending: Digest | None = None) -> str:
        """Abstracts first, then the rows that point into them; the manifest names neither yet.
        The columns take the rows in at once, and the papers are dropped: read back when asked."""
        name = f"seg-{_next_segment_number(self._segments if names is None else names):06d}.json"
        blob = bytearray()
        rows = [p.to_row(blob) for p in papers]
        path = self.root / name
        write_chunks(path.with_suffix(".abstracts"), (memoryview(blob),))  # not copied to bytes first
        write_json(
            path,
            {
                "schema_version": SCHEMA_VERSION,
                "kind": SEGMENT_KIND,
                "abstract_bytes": len(blob),
                "rows": rows,
            },
        )
        fresh = AbstractBlob(path.with_suffix(".abstracts"))
        for paper, row in zip(papers, rows, strict=True):
            paper._abstract, paper._blob, paper._span = None, fresh, (row[2][0], row[2][1])
        self._take_in(name, rows, fresh, pending)
        return name

    def _compact(self) -> None:
        """Merge small segments into one when more than `COMPACT_AFTER_SEGMENTS` of them pile up; the
        caller writes the manifest, and the merged segments' files go only after it names the new one.

        Only the live rows of the segments with fewest (under `SMALL_SEGMENT` each, `COMPACT_ROWS` in
        all) are read and written again, into a segment after every other: a live row is its paper's
        latest, so it stays so. A streamed import's segments (50,000 papers each) are left as they are,
        so compacting never holds more than `COMPACT_ROWS` papers, whatever the library's size.
        """
        columns = self.columns
        if columns.segments != self._segments:
            return  # not the columns of these segments (never so after a write): nothing is moved
        live = np.bincount(columns.arrays["seg"], minlength=len(columns.segments))
        small = [int(seg) for seg in np.argsort(live, kind="stable") if live[seg] < SMALL_SEGMENT]
        if len(small) <= COMPACT_AFTER_SEGMENTS:
            return
        chosen: set[str] = set()
        total = 0
        for seg in small:
            if total + live[seg] > COMPACT_ROWS:
                break
            chosen.add(columns.segments[seg])
            total += int(live[seg])
        if len(chosen) < 2:
            return
        papers = [paper for _, paper in self._stream(columns, chosen)]
        names = list(self._segments)
        if papers:
            names.append(self._write_segment(papers, names))
        del papers
        with self._columns_lock:
            columns.drop_segments(chosen)
            self._columns_dirty = True
            for name in chosen:
                fd, _ = self._files.pop(name, (None, None))
                if fd is not None:
                    os.close(fd)
        self._segments = [n for n in names if n not in chosen]
        self._dropped = sorted(chosen)

    def _write_manifest(self) -> None:
        """The manifest, then the files of segments a compaction merged away (no manifest names them)."""
        payload = {
            "schema_version": SCHEMA_VERSION,
            "kind": MANIFEST_KIND,
            "digests": [d.to_json() for d in self.digests],
            "segments": self._segments,
        }
        # The spare says which digest files the cache came from, so `doctor --repair` can rebuild it.
        # It is never replaced by a manifest that knows fewer digests (a cache that lost some).
        spare = self.backups / MANIFEST_LAST_GOOD if self.spare and not self._spare_knows_more() else None
        write_json(self.manifest_path, payload, indent=True, copy_to=spare)
        for stale in self._dropped:
            (self.root / stale).unlink(missing_ok=True)
            (self.root / stale).with_suffix(".abstracts").unlink(missing_ok=True)
        self._dropped = []

    def _spare_knows_more(self) -> bool:
        return spare_knows_more(self.backups / MANIFEST_LAST_GOOD, self._by_sha)

    def size_on_disk(self) -> int:
        if not self.root.exists():
            return 0
        return sum(p.stat().st_size for p in self.root.iterdir() if p.is_file())


def _enrich(paper: Paper, record: PaperRecord) -> bool:
    """Keep the richer metadata when the same paper arrives from another digest; True if any was added.

    A snippet (a Scholar alert's cut-short text) never replaces a real abstract, however long.
    """
    changed = False
    snippet = bool(record.extra.get("snippet"))
    if len(record.abstract) > len(paper.abstract) and not (snippet and paper.abstract):
        paper.abstract = record.abstract
        changed = True
    if record.authors and (not paper.authors or (_abbreviated(paper.authors) and not _abbreviated(record.authors))):
        paper.authors = list(record.authors)
        changed = True
    if record.arxiv_id and not paper.arxiv_id:
        paper.arxiv_id = record.arxiv_id
        changed = True
    new_links = [link for link in record.links if link not in paper.links]
    if new_links:
        paper.links = [*paper.links, *new_links]
        changed = True
    extra = _record_extra(record)
    if any(key not in paper.extra for key in extra):
        paper.extra = {**extra, **paper.extra}
        changed = True
    return changed


def _different_ids(paper: Paper, record: PaperRecord) -> bool:
    """The record names another paper: a different arXiv id (versions aside) or a different DOI."""
    if record.arxiv_id and paper.arxiv_id and record.arxiv_id != paper.arxiv_id:
        return True
    doi = normalise_doi(str(paper.extra.get("doi") or ""))
    return bool(record.doi and doi and doi != record.doi)


def _abbreviated(authors: Sequence[str]) -> bool:
    """Scholar's `Z Chen, S Kommrusch`: initials only, so full names from another digest win."""
    return all(re.match(r"^[A-Z]{1,3} \S", name) for name in authors)


def _record_extra(record: PaperRecord) -> dict[str, Any]:
    """The fields a record carries beyond the columns: its own date (`published`), DOI and PMID among them."""
    extra = dict(record.extra)
    if record.published and "published" not in extra:
        extra["published"] = record.published
    if record.doi:
        extra["doi"] = record.doi
    if record.pmid:
        extra["pmid"] = record.pmid
    return extra


def _next_segment_number(names: list[str]) -> int:
    numbers = [int(n[4:10]) for n in names if n.startswith("seg-") and n[4:10].isdigit()]
    return max(numbers, default=0) + 1


def unnamed_segments(library: Path, named: Iterable[str]) -> list[Path]:
    """Segment files no manifest names (`named`: its segments): what an import killed or failed
    (a full disk) between writing a segment and the manifest left behind."""
    keep = set(named)
    return sorted(
        p
        for p in library.glob("seg-*")
        if p.suffix in (".json", ".abstracts") and p.with_suffix(".json").name not in keep
    )


def spare_knows_more(spare: Path, shas: Collection[str]) -> bool:
    """Whether the last-good spare manifest names a digest a cache of these digests lacks: then it is
    the better copy, kept as is (and so are segments it may need)."""
    try:
        manifest = read_json(spare, kind=MANIFEST_KIND, schema_version=SCHEMA_VERSION)
        named = {d["sha256"] for d in manifest["digests"]}
    except (LibraryFileError, KeyError, TypeError):
        return False  # none, or damaged: the new manifest is better
    return not named <= set(shas)
