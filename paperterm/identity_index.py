"""Which known paper a record names, without a Python object per paper.

An import asks, for every record, which paper has its arXiv id, its title key (`t:` + hash of the
normalised title) or its loose title (the title with nothing but letters and digits). At a million
papers dicts of those keys cost hundreds of bytes a paper, held for the whole import; here each
kind is a sorted array of 64-bit hashes beside the columns' row of each (12 bytes a key), searched
with `np.searchsorted`. The hashes are per-row columns of `PaperColumns`, computed once when a
segment is taken in and saved in `columns.bin`, so building a kind here is one argsort: no process
reads every title to import a few papers. Every hit is checked against the real value (the `arxiv`
and `title_id` columns, the row's title), so a hash collision never merges two papers. Papers the running import
made or changed that are not written yet (no row) sit in a small side table, emptied each time a
segment is written and its rows are added to the arrays.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .paper_columns import HASH_KINDS as KINDS
from .paper_columns import LOOSE_MIN, PaperColumns, key_hash, loose_title

__all__ = ["KINDS", "LOOSE_MIN", "IdentityIndex", "key_hash", "loose_title"]


class IdentityIndex:
    """arXiv ids, title keys and loose titles → papers, over one `PaperColumns`.

    Sorted from the columns' hash column of a kind when first asked, then kept current by `add_rows`
    for each segment taken in and `remember` for papers not written yet.
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
            column = self.columns.arrays[f"hash_{kind}"]
            rows = np.flatnonzero(column).astype(np.int32)
            hashes = column[rows]
            order = np.argsort(hashes, kind="stable")
            self._keys_of[kind] = (hashes[order], rows[order])
        return self._keys_of[kind]

    def add_rows(self, rows: np.ndarray, new: np.ndarray, gained: np.ndarray) -> None:
        """A segment's rows, just taken into the columns at `rows`: the keys of the `new` rows, and the
        arXiv id a known row `gained` (a paper's title never changes once it is known)."""
        for kind in list(self._keys_of):
            at = rows[(new | gained) if kind == "arxiv" else new].astype(np.int32)
            hashes = self.columns.arrays[f"hash_{kind}"][at]
            if (keep := hashes != 0).any():
                self._insert(kind, hashes[keep], at[keep])
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
        lo = int(np.searchsorted(hashes, h, side="left"))
        ids: list[str] = []
        if lo < len(hashes) and hashes[lo] == h:  # else (a new paper's keys, the usual case) one search, not two
            hi = int(np.searchsorted(hashes, h, side="right"))
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
