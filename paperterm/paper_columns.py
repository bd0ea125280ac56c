"""Per-paper columns beside the segments, so a library opens without a Python object per paper.

The JSON segments stay the canonical cache. This is derived from them: for every live row,
where it sits in its segment (so one paper is read back with one `pread`), and the few
values the list, the sorts, counts, date filters and the engine's recency need, as numpy
arrays. Saved as one file, `library/columns.bin`: a JSON header (schema version, kind, the
stamp of the segments and digests it was built from, where each array lies) followed by the
arrays, written temp + fsync + `os.replace`. A file whose stamp differs from the manifest's
segments is never trusted: rebuilt from the segments (only the new ones when it covers a
prefix of them), and a damaged one is simply rebuilt.

Each row also keeps the 64-bit hashes of its identity keys (arXiv id, title key, loose title;
0 = none), computed once when its segment is taken in, so an import into a big library finds
papers by key without reading every title again (see `identity_index`).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from loaders import normalise_title, paper_id

from .atomic_io import write_chunks
from .paper import AbstractBlob, Paper

SCHEMA_VERSION = 2  # 2: the identity key hashes (a file of 1 is rebuilt from the segments)
KIND = "paperterm-columns"
MAGIC = b"PTCOLS1\n"
ALIGN = 64
# (name, dtype) of the fixed-width columns, one value per row.
NUMERIC = (
    ("seg", np.int32),  # the segment's position in `segments`
    ("start", np.int64),  # the row's bytes in its segment file; -1: read the segment whole (row index in `end`)
    ("end", np.int64),
    ("first_num", np.int32),  # the first sighting: newest-seen order's tie breaks
    ("first_line", np.int32),
    ("max_num", np.int32),  # the latest digest it was seen in: what a saved index or topic lacks
    ("upvotes", np.int32),  # -1 when the digest gave none
    ("title_start", np.int64),  # into `titles`; a replaced row points past the old bytes
    ("title_len", np.int32),
    ("sight_start", np.int64),  # into `sight_nums`: every digest it was seen in
    ("sight_len", np.int32),
    ("hash_arxiv", np.uint64),  # `key_hash` of the row's identity keys, 0 when it has none of that kind
    ("hash_title", np.uint64),  # its title key, when it is not the paper's id (a t: paper is found by id)
    ("hash_loose", np.uint64),  # its loose title, when at least LOOSE_MIN long
)
HASH_KINDS = ("arxiv", "title", "loose")
LOOSE_MIN = 12  # loose titles shorter than this ("Introduction") are too common to merge on
TEXT = ("date", "sort_date", "published", "paper_date", "arxiv", "title_id")  # short ASCII-ish strings, fixed width


def segment_stamp(root: Path, names: Sequence[str]) -> list[list[Any]]:
    """What a segment list looks like on disk (rows and abstracts files): a rewritten or damaged
    segment changes a size or an mtime."""
    stamp: list[list[Any]] = []
    for name in names:
        rows, abstracts = (root / name).stat(), (root / name).with_suffix(".abstracts").stat()
        stamp.append([name, rows.st_size, rows.st_mtime_ns, abstracts.st_size, abstracts.st_mtime_ns])
    return stamp


def key_hash(key: str) -> int:
    """A key's 64-bit hash, never 0 (0 marks a row without that key)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little") or 1


def loose_title(title: str) -> str:
    """The title key with nothing but letters and digits: the same paper written `ℓ_0` by one digest
    and `ℓ0` by another still matches."""
    return "".join(normalise_title(title).split())


def identity_hashes(pid: str, title: str, title_id: str, arxiv: str) -> tuple[int, int, int]:
    """The (arXiv id, title key, loose title) hashes a row keeps; 0 for a key it has none of."""
    loose = loose_title(title)
    return (
        key_hash(arxiv) if arxiv else 0,
        key_hash(title_id) if title_id and title_id != pid else 0,
        key_hash(loose) if len(loose) >= LOOSE_MIN else 0,
    )


@dataclass(slots=True)
class ScannedRow:
    """One live row of a segment, with the values the columns keep."""

    id: str
    start: int
    end: int
    title: str
    title_id: str
    arxiv: str
    date: str
    sort_date: str
    published: str
    paper_date: str
    first: tuple[int, int]
    numbers: list[int]
    upvotes: int
    doi: str
    pmid: str
    hashes: tuple[int, int, int]  # `identity_hashes`


def scan_segment(path: Path, rows: list[Any], dates: dict[int, str], blob: AbstractBlob) -> list[ScannedRow]:
    """The columns' values for a segment's rows (already parsed), and where each row's bytes are.

    Segments are written by orjson, so a row dumped again is byte for byte what the file holds;
    where that fails (a file written otherwise) the row is found by its index instead.
    """
    data = path.read_bytes()
    pos = data.find(b'"rows":')
    pos = data.find(b"[", pos) + 1 if pos >= 0 else -1
    found: list[ScannedRow] = []
    for number, row in enumerate(rows):
        start, end = -1, number
        if pos > 0:
            while pos < len(data) and data[pos] in b" \t\r\n,":
                pos += 1
            dumped = orjson.dumps(row)
            if data.startswith(dumped, pos):
                start, end = pos, pos + len(dumped)
                pos = end
            else:
                pos = -1
        paper = Paper.from_row(row, blob)
        paper.date = min((dates.get(n, "") for n, _ in paper.sightings), default="")
        extra = paper.extra or {}
        votes = extra.get("upvotes")
        title_id, arxiv = paper_id(paper.title, None), paper.arxiv_id or ""
        found.append(
            ScannedRow(
                id=paper.id,
                start=start,
                end=end,
                title=paper.title,
                title_id=title_id,
                arxiv=arxiv,
                date=paper.date,
                sort_date=paper.sort_date,
                published=paper.published,
                paper_date=paper.published or paper.date,
                first=paper.sightings[0] if paper.sightings else (0, 0),
                numbers=[n for n, _ in paper.sightings],
                upvotes=votes if isinstance(votes, int) and not isinstance(votes, bool) else -1,
                doi=str(extra.get("doi") or ""),
                pmid=str(extra.get("pmid") or ""),
                hashes=identity_hashes(paper.id, paper.title, title_id, arxiv),
            )
        )
    return found


class PaperColumns:
    """The library's papers as columns: row r is `ids[r]`, in the order papers were first imported."""

    def __init__(self) -> None:
        self.segments: list[str] = []
        self.ids: list[str] = []
        self.row_of: dict[str, int] = {}
        self.arrays: dict[str, np.ndarray] = {name: np.zeros(0, dtype=dtype) for name, dtype in NUMERIC}
        for name in TEXT:
            self.arrays[name] = np.zeros(0, dtype="S1")
        self.titles = np.zeros(0, dtype=np.uint8)  # UTF-8, mapped from the file: read a title at a time
        self.sight_nums = np.zeros(0, dtype=np.int32)
        self.doi: dict[str, str] = {}  # DOI → the first paper that named it
        self.pmid: dict[str, str] = {}
        # name → the buffer an array (or `_titles`, `_sight_nums`) is a view of, with room for more
        # rows: `apply` writes new rows past what the view shows, then publishes a longer view.
        self._buffers: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    # -- values of one row ----------------------------------------------------------

    def title(self, row: int) -> str:
        start = int(self.arrays["title_start"][row])
        return self.titles[start : start + int(self.arrays["title_len"][row])].tobytes().decode("utf-8")

    def numbers(self, row: int) -> list[int]:
        start = int(self.arrays["sight_start"][row])
        return self.sight_nums[start : start + int(self.arrays["sight_len"][row])].tolist()

    def text(self, name: str, row: int) -> str:
        return self.arrays[name][row].decode("utf-8")

    def sightings(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live sighting as (row, digest number), flat: for filters over where papers were seen."""
        lengths = self.arrays["sight_len"].astype(np.int64)
        owner = np.repeat(np.arange(len(lengths)), lengths)
        within = np.arange(len(owner)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return owner, self.sight_nums[np.repeat(self.arrays["sight_start"], lengths) + within]

    def rows_seen_in(self, numbers: Iterable[int]) -> np.ndarray:
        """Rows of papers seen in any of these digests."""
        owner, nums = self.sightings()
        rows = np.sort(owner[np.isin(nums, np.fromiter(numbers, dtype=np.int32))])
        return rows[np.append(True, rows[1:] != rows[:-1])] if len(rows) else rows  # a sort: np.unique hashes, slower

    def rows(self, ids: Iterable[str]) -> np.ndarray:
        """Row numbers of these ids (-1 for an id the library lacks)."""
        wanted = ids if isinstance(ids, list) else list(ids)
        if len(wanted) <= len(self.ids) and wanted == self.ids[: len(wanted)]:
            return np.arange(len(wanted), dtype=np.int64)  # the usual case: an index in the library's order
        row_of = self.row_of
        return np.fromiter((row_of.get(pid, -1) for pid in wanted), dtype=np.int64, count=len(wanted))

    # -- changes ----------------------------------------------------------------------

    def apply(self, segment: str, scanned: list[ScannedRow]) -> list[str]:
        """Take in one segment's rows (a later segment's row replaces an earlier one of the same id).

        A reader in another thread never sees a row change under it, nor one the arrays do not have
        yet: new rows are written past the end its views show (into spare room, or a new buffer when
        there is none), a column whose value changes for a replaced row only into a copy, and new
        views and ids are published after. So a commit costs its own rows, not the library's: a
        column is copied only when full, or for the few values a paper seen again changes (its
        segment, where its row lies, its sightings; not its title, its keys, its first sighting)."""
        if segment in self.segments:
            seg = self.segments.index(segment)
        else:
            seg = len(self.segments)
            self.segments.append(segment)
        old = len(self.ids)
        added: dict[str, int] = {}
        rows = np.empty(len(scanned), dtype=np.int64)
        for i, item in enumerate(scanned):
            row = self.row_of.get(item.id)
            if row is None:
                row = added.setdefault(item.id, old + len(added))
            rows[i] = row
        grown = old + len(added)
        known = rows < old  # rows a reader sees: written in place only with the values they hold
        # A paper seen again keeps its title's bytes when its title is the same (it usually is).
        kept = np.zeros(len(scanned), dtype=bool)
        for at in np.flatnonzero(known).tolist():
            kept[at] = self.title(int(rows[at])) == scanned[at].title
        titles = [
            b"" if same else item.title.encode("utf-8") for same, item in zip(kept.tolist(), scanned, strict=True)
        ]
        title_len = np.fromiter((len(b) for b in titles), dtype=np.int64, count=len(scanned))
        title_start = len(self.titles) + np.cumsum(title_len) - title_len
        title_start[kept] = self.arrays["title_start"][rows[kept]]
        title_len[kept] = self.arrays["title_len"][rows[kept]]
        sight_len = np.fromiter((len(item.numbers) for item in scanned), dtype=np.int64, count=len(scanned))
        values: dict[str, Any] = {
            "seg": np.full(len(scanned), seg),
            "start": [item.start for item in scanned],
            "end": [item.end for item in scanned],
            "first_num": [item.first[0] for item in scanned],
            "first_line": [item.first[1] for item in scanned],
            "max_num": [max(item.numbers, default=0) for item in scanned],
            "upvotes": [item.upvotes for item in scanned],
            "title_start": title_start,
            "title_len": title_len,
            "sight_start": len(self.sight_nums) + np.cumsum(sight_len) - sight_len,
            "sight_len": sight_len,
        }
        for at, kind in enumerate(HASH_KINDS):
            values[f"hash_{kind}"] = [item.hashes[at] for item in scanned]
        arrays: dict[str, np.ndarray] = {}
        for name, dtype in NUMERIC:
            fresh = np.asarray(values[name], dtype=dtype)
            shown = self.arrays[name]
            column = self._room(name, shown, np.dtype(dtype), grown, _holds(shown, rows, known, fresh))
            column[rows] = fresh
            arrays[name] = column[:grown]
        for name in TEXT:
            fresh = np.array([getattr(item, name).encode("utf-8") for item in scanned] or [b""])[: len(scanned)]
            shown = self.arrays[name]
            width = max(shown.dtype.itemsize, fresh.dtype.itemsize)
            column = self._room(name, shown, np.dtype(f"S{width}"), grown, _holds(shown, rows, known, fresh))
            column[rows] = fresh
            arrays[name] = column[:grown]
        # A replaced row points past its old bytes, which stay: these only ever grow at the end.
        self.titles = self._appended("_titles", self.titles, np.frombuffer(b"".join(titles), dtype=np.uint8))
        flat = np.fromiter((n for item in scanned for n in item.numbers), dtype=np.int32)
        self.sight_nums = self._appended("_sight_nums", self.sight_nums, flat)
        self.arrays = arrays
        for item in scanned:
            if item.doi:
                self.doi.setdefault(item.doi, item.id)
            if item.pmid:
                self.pmid.setdefault(item.pmid, item.id)
        self.ids.extend(added)
        self.row_of.update(added)
        return [item.id for item in scanned]

    def _room(self, name: str, shown: np.ndarray, dtype: np.dtype[Any], rows: int, in_place: bool) -> np.ndarray:
        """A buffer of at least `rows` rows whose first rows are what `shown` shows: the one `shown`
        is a view of when that is ours, of this dtype, long enough and `in_place` allowed; else a new
        one, as long as the old when that had room (a copy to replace rows), else half again longer
        than `shown` (at a million papers the spare room is resident: a doubling cost 150 MB of
        peak). Left unfilled: every row past `shown` is written before a view shows it."""
        buffer = self._buffers.get(name)
        ours = buffer is not None and shown.base is buffer and buffer.dtype == dtype
        if ours and in_place and len(buffer) >= rows:
            return buffer
        room = len(buffer) if ours and len(buffer) >= rows else max(rows, len(shown) * 3 // 2)
        buffer = np.empty(room, dtype=dtype)
        buffer[: len(shown)] = shown
        self._buffers[name] = buffer
        return buffer

    def _appended(self, name: str, shown: np.ndarray, more: np.ndarray) -> np.ndarray:
        """`shown` and then `more`, as a view of a buffer that grows by doubling (the bytes `shown`
        shows are never written, so a reader holding it is not disturbed)."""
        end = len(shown) + len(more)
        buffer = self._room(name, shown, shown.dtype, end, True)
        buffer[len(shown) : end] = more
        return buffer[:end]

    def drop_segments(self, names: set[str]) -> None:
        """Forget segments that no live row lies in any more (merged into a later one by a compaction):
        the others' positions close up."""
        keep = [at for at, name in enumerate(self.segments) if name not in names]
        position = np.full(len(self.segments), -1, dtype=np.int32)
        position[keep] = np.arange(len(keep), dtype=np.int32)
        seg = position[self.arrays["seg"]]
        if len(seg) and seg.min() < 0:
            raise ValueError("a live row lies in a segment being dropped")
        self.arrays = {**self.arrays, "seg": seg}
        self.segments = [self.segments[at] for at in keep]

    # -- on disk ------------------------------------------------------------------------

    def save(self, path: Path, stamp: dict[str, Any]) -> None:
        """One file, header then arrays; written whole, atomically (a reader sees the old or the new)."""
        ids = "\n".join(self.ids).encode("utf-8")
        parts: dict[str, np.ndarray] = {
            **self.arrays,
            "sight_nums": self.sight_nums,
            "_titles": self.titles,
            "_ids": np.frombuffer(ids, dtype=np.uint8),
        }
        layout: dict[str, list[Any]] = {}
        offset = 0
        for name, array in parts.items():
            layout[name] = [array.dtype.str, len(array), offset]
            offset += _aligned(array.nbytes)
        header = orjson.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "kind": KIND,
                "stamp": stamp,
                "segments": self.segments,
                "rows": len(self.ids),
                "arrays": layout,
                "doi": self.doi,
                "pmid": self.pmid,
            }
        )
        head = MAGIC + struct.pack("<Q", len(header)) + header

        def chunks() -> Iterator[bytes | memoryview]:
            yield head + b"\0" * (_aligned(len(head)) - len(head))
            for array in parts.values():
                data = np.ascontiguousarray(array)
                yield memoryview(data).cast("B")
                yield b"\0" * (_aligned(data.nbytes) - data.nbytes)

        write_chunks(path, chunks())  # array by array: never a second copy of the whole file in memory

    @classmethod
    def load(cls, path: Path) -> tuple[PaperColumns, dict[str, Any]] | None:
        """The saved columns and the stamp they were built from; None when missing or unreadable
        (then they are rebuilt: nothing in this file is ever needed)."""
        try:
            found = _header(path)
            if found is None or found[0].get("schema_version") != SCHEMA_VERSION:
                return None
            header, size = found
            base = _aligned(len(MAGIC) + 8 + size)
            mapped = np.memmap(path, dtype=np.uint8, mode="r")
            parts: dict[str, np.ndarray] = {}
            for name, (dtype, count, offset) in header["arrays"].items():
                width = np.dtype(dtype).itemsize
                start = base + offset
                if start + count * width > len(mapped):
                    return None
                parts[name] = mapped[start : start + count * width].view(dtype)
            rows = int(header["rows"])
            columns = cls()
            columns.segments = list(header["segments"])
            columns.titles = parts.pop("_titles")
            ids = parts.pop("_ids").tobytes().decode("utf-8")
            columns.ids = ids.split("\n") if rows else []
            columns.sight_nums = parts.pop("sight_nums")
            if len(columns.ids) != rows or any(len(parts[name]) != rows for name in parts):
                return None
            if set(parts) != {name for name, _ in NUMERIC} | set(TEXT):
                return None
            columns.arrays = parts
            columns.row_of = dict(zip(columns.ids, range(rows), strict=True))
            columns.doi, columns.pmid = dict(header["doi"]), dict(header["pmid"])
            stamp = header["stamp"]
            if not isinstance(stamp, dict):
                return None
        except (OSError, ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError):
            return None
        return columns, stamp


def saved_schema(path: Path) -> int | None:
    """The schema version a columns file was written with; None when it is not one (or unreadable)."""
    try:
        found = _header(path)
    except (OSError, ValueError, struct.error):
        return None
    version = found[0].get("schema_version") if found else None
    return version if isinstance(version, int) else None


def _header(path: Path) -> tuple[dict[str, Any], int] | None:
    """A columns file's JSON header and its size in bytes; None when the file is not a columns file."""
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            return None
        (size,) = struct.unpack("<Q", handle.read(8))
        header = orjson.loads(handle.read(size))
    return (header, size) if isinstance(header, dict) and header.get("kind") == KIND else None


@dataclass(frozen=True, slots=True)
class DocColumns:
    """What the search engine needs per indexed document, without reading its paper.

    `order_columns` are the library's order as `np.lexsort` keys, one value per document (what
    `Library._newest_first_columns` gives for papers); `repeats` the other digest dates of papers
    seen on several days."""

    known: np.ndarray
    dates: np.ndarray
    published: np.ndarray
    order_columns: list[np.ndarray]
    repeats: dict[int, set[str]]


def descending(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Positions sorted by `keys` (the last most significant, as `np.lexsort`), largest first, ties
    kept in the order given: what `sorted(..., reverse=True)` does, in one C sort."""
    count = len(keys[0]) if keys else 0
    order = np.lexsort([key[::-1] for key in keys])
    return (count - 1 - order)[::-1]


def _holds(shown: np.ndarray, rows: np.ndarray, known: np.ndarray, fresh: np.ndarray) -> bool:
    """Whether the rows a reader sees (`known`) already hold these values: then writing the column in
    place changes nothing a reader can see."""
    return not known.any() or bool(np.array_equal(shown[rows[known]], fresh[known]))


def _aligned(size: int) -> int:
    return (size + ALIGN - 1) // ALIGN * ALIGN
