"""Which known paper a record names, without a Python object per paper.

An import asks, for every record, which paper has its arXiv id, its title key (`t:` + hash of the
normalised title) or its loose title (the title with nothing but letters and digits). At a million
papers dicts of those keys cost hundreds of bytes a paper, held for the whole import; here each
kind is a sorted array of 64-bit hashes beside the columns' row of each (12 bytes a key), searched
with `np.searchsorted`, and every hit is checked against the real value (the `arxiv` and `title_id`
columns, the row's title), so a hash collision never merges two papers. Papers the running import
made or changed that are not written yet (no row) sit in a small side table, emptied each time a
segment is written and its rows are added to the arrays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from loaders import normalise_title

from .paper_columns import PaperColumns, ScannedRow

KINDS = ("arxiv", "title", "loose")
BUILD_CHUNK = 65_536
LOOSE_MIN = 12  # loose titles shorter than this ("Introduction") are too common to merge on


def key_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def loose_title(title: str) -> str:
    """The title key with nothing but letters and digits: the same paper written `ℓ_0` by one digest
    and `ℓ0` by another still matches."""
    return "".join(normalise_title(title).split())


def _hashes(keys: Iterable[str]) -> np.ndarray:
    return np.fromiter((key_hash(k) for k in keys), dtype=np.uint64)


class IdentityIndex:
    """arXiv ids, title keys and loose titles → papers, over one `PaperColumns`.

    Built from the columns when first asked (the loose titles, which read every title, only when a
    record misses by id and by title key), then kept current by `add_rows` for each segment taken
    in and `remember` for papers not written yet.
    """

    def __init__(self, columns: PaperColumns) -> None:
        self.columns = columns
        # kind → (sorted hashes, the row of each): one tuple, replaced whole, so a reader in another
        # thread never pairs new hashes with old rows
        self._keys_of: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # key → the id (or ids, rarely) of papers not written yet: a str, not a set, for the usual one
        self._pending: dict[str, dict[str, str | list[str]]] = {kind: {} for kind in (*KINDS, "doi", "pmid")}

    # -- building ---------------------------------------------------------------------

    def _built(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        if kind not in self._keys_of:
            hashes: list[np.ndarray] = []
            rows: list[np.ndarray] = []
            count = len(self.columns.ids)
            for start in range(0, count, BUILD_CHUNK):  # a chunk's keys at a time: never every key as a str
                found = self._keys(kind, start, min(count, start + BUILD_CHUNK))
                hashes.append(_hashes(key for _, key in found))
                rows.append(np.fromiter((row for row, _ in found), dtype=np.int32, count=len(found)))
            flat = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
            at = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
            order = np.argsort(flat, kind="stable")
            self._keys_of[kind] = (flat[order], at[order])
        return self._keys_of[kind]

    def _keys(self, kind: str, start: int, stop: int) -> list[tuple[int, str]]:
        """(row, key) of the rows in [start, stop) that have a key of this kind."""
        columns = self.columns
        if kind == "loose":
            keys = ((row, loose_title(columns.title(row))) for row in range(start, stop))
            return [(row, key) for row, key in keys if len(key) >= LOOSE_MIN]
        raw = columns.arrays["arxiv" if kind == "arxiv" else "title_id"][start:stop].tolist()
        if kind == "arxiv":
            return [(start + i, value.decode()) for i, value in enumerate(raw) if value]
        ids = columns.ids  # a paper known by its title key (a t: paper) is found by its id instead
        return [(start + i, key) for i, value in enumerate(raw) if ids[start + i] != (key := value.decode())]

    def add_rows(self, scanned: Sequence[ScannedRow], rows: np.ndarray, new: np.ndarray, gained: np.ndarray) -> None:
        """A segment's rows, just taken into the columns at `rows`: the keys of the `new` rows, and the
        arXiv id a known row `gained` (a paper's title never changes once it is known)."""
        for kind in list(self._keys_of):
            found: list[tuple[int, str]] = []
            for i, item in enumerate(scanned):
                if kind == "arxiv":
                    if item.arxiv and (new[i] or gained[i]):
                        found.append((int(rows[i]), item.arxiv))
                elif not new[i]:
                    continue
                elif kind == "title":
                    if item.id != item.title_id:
                        found.append((int(rows[i]), item.title_id))
                elif len(loose := loose_title(item.title)) >= LOOSE_MIN:
                    found.append((int(rows[i]), loose))
            if found:
                self._insert(kind, _hashes(k for _, k in found), np.fromiter((r for r, _ in found), dtype=np.int32))
        row_of = self.columns.row_of
        for pending in self._pending.values():
            for key, held in list(pending.items()):
                left = [pid for pid in _listed(held) if pid not in row_of]
                if not left:
                    del pending[key]
                elif len(left) != len(_listed(held)):
                    pending[key] = left[0] if len(left) == 1 else left

    def _insert(self, kind: str, hashes: np.ndarray, rows: np.ndarray) -> None:
        order = np.argsort(hashes, kind="stable")
        hashes, rows = hashes[order], rows[order]
        known, rows_of = self._keys_of[kind]
        at = np.searchsorted(known, hashes, side="right")
        self._keys_of[kind] = (np.insert(known, at, hashes), np.insert(rows_of, at, rows))

    def remember(self, kind: str, key: str, pid: str) -> None:
        """A paper the running import made or changed, not in the columns yet (or not under this key)."""
        if key and (kind != "loose" or len(key) >= LOOSE_MIN):
            pending = self._pending[kind]
            held = pending.setdefault(key, pid)
            if pid not in _listed(held):
                pending[key] = [*_listed(held), pid]

    # -- lookups ----------------------------------------------------------------------------

    def find(self, kind: str, key: str) -> list[str]:
        """The ids of every paper with this key, oldest row first (the side table's last)."""
        if not key:
            return []
        hashes, rows = self._built(kind)
        h = np.uint64(key_hash(key))
        lo, hi = np.searchsorted(hashes, h, side="left"), np.searchsorted(hashes, h, side="right")
        columns = self.columns
        check = self._checker(kind)
        found = sorted({int(r) for r in rows[lo:hi].tolist() if check(int(r), key)})
        ids = [columns.ids[r] for r in found]
        return ids + sorted(set(_listed(self._pending[kind].get(key, []))) - set(ids))

    def by_id(self, kind: str, value: str) -> str | None:
        """The paper with this arXiv id (the latest to claim it), DOI or PMID (the first to name it)."""
        if kind == "arxiv":
            found = self.find("arxiv", value)
            return found[-1] if found else None
        known = (self.columns.doi if kind == "doi" else self.columns.pmid).get(value)
        return known or min(_listed(self._pending[kind].get(value, [])), default=None)

    def _checker(self, kind: str) -> Callable[[int, str], bool]:
        columns = self.columns
        if kind == "arxiv":
            return lambda row, key: columns.text("arxiv", row) == key
        if kind == "title":
            return lambda row, key: columns.text("title_id", row) == key
        return lambda row, key: loose_title(columns.title(row)) == key


def _listed(held: str | list[str]) -> list[str]:
    return [held] if isinstance(held, str) else held
