"""Folding the search index's delta into its base, without reading a paper.

Papers imported after a full build are indexed into a delta (`delta.json`), which search scans
in Python on every keystroke; left alone it grows with every import. A fold writes base + delta
as a new base: the vocabulary gains the delta's new tokens (both lists are sorted, so every old
token keeps its order and only moves up), and each field's postings are the old ones copied in
runs, with each delta token's documents written after (or, for a paper re-indexed by a later
digest, merged into) its block. Document numbers do not change: the delta's documents already
come after the base's, so the per-document arrays saved beside the index stay valid.

`build_into` clears its folder before writing, so a fold writes into a sibling folder
(`.index-fold-<pid>`) and swaps it in whole: one atomic exchange of the two folders where the
system has it (Linux `renameat2`), else two renames that a later run undoes or completes. A fold
killed at any point leaves the old index and its delta in place and usable; the next fold, launch
or `doctor --repair` removes the dead folder.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import errno
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import orjson

from .atomic_io import LibraryFileError, fsync_dir, os_failure
from .search_index import FIELDS, REPEATED, DocIds, SearchIndex, _letter_bits, _Postings, is_alive, save_array

# Papers in the delta before it is folded: a tenth of the base, from 200 to 2,000 papers (a fold
# costs about 5 s of CPU at a million papers; the delta costs every keystroke a scan in Python).
FOLD_MIN, FOLD_MAX = 200, 2_000
WORK = "fold"  # `.index-fold-<pid>`: a fold being written (or, after the exchange, the old index)
ASIDE = "old"  # `.index-old-<pid>`: the old index moved aside (systems without an atomic exchange)
DOC_ARRAYS = ("docs.dates.npy", "docs.known.npy", "docs.recency.npy")  # the engine's, numbered as ours


def due(index: SearchIndex) -> bool:
    """Whether the delta is large enough to fold: it costs every keystroke a scan in Python."""
    return index.key is not None and index.delta_size >= min(FOLD_MAX, max(FOLD_MIN, index.base_docs // 10))


def leftovers(folder: Path) -> list[Path]:
    """Sibling folders of folds that are no longer running (killed, or the machine stopped)."""
    found = []
    for kind in (WORK, ASIDE):
        for path in folder.parent.glob(f".{folder.name}-{kind}-*"):
            pid = path.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not is_alive(int(pid)):
                found.append(path)
    return found


def settle(folder: Path) -> None:
    """Undo what a killed fold left: an index moved aside and not replaced goes back, and dead fold
    folders are removed. Called before the index is read or folded."""
    for path in leftovers(folder):
        if path.name.startswith(f".{folder.name}-{ASIDE}-") and not (folder / "index.json").exists():
            with contextlib.suppress(OSError):
                if folder.exists():
                    shutil.rmtree(folder)  # an empty or half-made folder in its place
                os.rename(path, folder)
                continue
        shutil.rmtree(path, ignore_errors=True)


def fold(index: SearchIndex, folder: Path, key: str) -> SearchIndex:
    """Write `index` (its saved base, opened from `folder`, and its delta) as one base for the library
    state `key`, swap it in for `folder`, and open it. Notes are not folded: they come from the state."""
    if index.key is None:
        raise ValueError("only a saved index can be folded")
    settle(folder)
    work = folder.parent / f".{folder.name}-{WORK}-{_owner()}"
    try:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        vocab, old_pos, new_pos = _merged_vocab(index)
        for name in (*FIELDS, REPEATED):
            postings = index.repeated if name == REPEATED else index.fields[name]
            table = index.delta_repeated if name == REPEATED else index.delta[name]
            assert postings is not None
            _fold_field(index, postings, table, old_pos, new_pos, len(vocab), work / name)
            _stage("postings")
        folded = SearchIndex()
        base = index.doc_ids.base
        width = max(base.dtype.itemsize // 4, *map(len, index.doc_ids.extra), 1)
        extra = np.array(index.doc_ids.extra, dtype=f"U{width}")
        folded.doc_ids = DocIds(np.concatenate([base.astype(f"U{width}"), extra]))
        folded.base_docs = len(folded.doc_ids)
        folded._set_vocab(vocab)
        _carry_fuzzy_tables(index, folded, old_pos, new_pos)
        folded._save_meta(work, key)  # index.json last: the folder is whole
        _carry_doc_arrays(folder, work, key, folded.base_docs)
        fsync_dir(work)
        _stage("written")
        _swap(work, folder)
        _stage("swapped")
        shutil.rmtree(work, ignore_errors=True)  # after the exchange it holds the old index
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise os_failure(exc, folder, "could not be folded") from None
    loaded = SearchIndex.load(folder, key)
    if loaded is None:
        raise LibraryFileError(folder / "index.json", "was folded but cannot be read back", "Try again.")
    return loaded


def _merged_vocab(index: SearchIndex) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """The base's vocabulary with the delta's new tokens; each old token's new number, and each new one's."""
    tables = [index.delta[name] for name in FIELDS] + [index.delta_repeated]
    new = sorted({t for table in tables for t, docs in table.items() if docs and index.token_id(t) is None})
    inserted_at = np.array([bisect.bisect_left(index.vocab, t) for t in new], dtype=np.int64)
    old_pos = np.arange(len(index.vocab), dtype=np.int64)
    old_pos += np.searchsorted(inserted_at, old_pos, side="right")
    new_pos = {t: int(at) + i for i, (t, at) in enumerate(zip(new, inserted_at.tolist(), strict=True))}
    vocab = sorted(index.vocab + new) if new else list(index.vocab)  # two sorted runs: a linear merge
    return vocab, old_pos, new_pos


def _fold_field(
    index: SearchIndex,
    postings: _Postings,
    table: Mapping[str, set[int]],
    old_pos: np.ndarray,
    new_pos: dict[str, int],
    size: int,
    out: Path,
) -> None:
    """One field's postings, base and delta, written to `out.offsets.npy` and `out.docs.npy`.

    The base's postings are copied in runs between the delta's tokens, straight from the memory
    map to the output file: nothing the size of the postings is held in memory."""
    old_off = np.asarray(postings.offsets, dtype=np.int64)
    old_docs = postings.docs
    # Per delta token: its new number, its old number (-1: new), whether its block is rewritten
    # whole (a base paper indexed again by a later digest), and the documents to write.
    entries: list[tuple[int, int, bool, np.ndarray]] = []
    counts = np.zeros(size, dtype=np.int64)
    counts[old_pos] = np.diff(old_off)
    for token, docs in table.items():
        if not docs:
            continue
        added = np.fromiter(sorted(docs), dtype=np.int32, count=len(docs))
        old = index.token_id(token)
        if old is None:
            entries.append((new_pos[token], -1, False, added))
            counts[new_pos[token]] = len(added)
            continue
        at = int(old_pos[old])
        lo, hi = int(old_off[old]), int(old_off[old + 1])
        if hi > lo and added[0] < index.base_docs:  # a base paper indexed again by a later digest
            # Both sorted: the new documents are inserted where they go (a copy, not a sort).
            block = _read(old_docs, lo, hi)
            places = np.searchsorted(block, added)
            fresh = block[np.minimum(places, len(block) - 1)] != added
            whole = np.insert(block, places[fresh], added[fresh]).astype(np.int32)
            entries.append((at, old, True, whole))
            counts[at] = len(whole)
        else:
            entries.append((at, old, False, added))
            counts[at] += len(added)
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    path = Path(f"{out}.docs.npy")
    # The base's postings are copied file to file by the kernel (`copy_file_range`): the output and
    # the old postings never pass through this process's memory.
    source = Path(old_docs.filename) if isinstance(old_docs, np.memmap) and old_docs.filename else None
    with open(path, "wb") as handle:
        shape = (int(offsets[-1]),)
        np.lib.format.write_array_header_1_0(handle, {"descr": "<i4", "fortran_order": False, "shape": shape})
        data_at = handle.tell()
        handle.truncate(data_at + 4 * shape[0])
        with open(source, "rb") if source is not None else contextlib.nullcontext() as old_handle:

            def copy_old(upto: int) -> None:
                nonlocal copied
                if upto > copied:
                    lo, hi = int(old_off[copied]), int(old_off[upto])
                    at = data_at + 4 * int(offsets[old_pos[copied]])
                    if old_handle is not None:
                        _copy_range(old_handle.fileno(), handle.fileno(), old_docs.offset + 4 * lo, at, 4 * (hi - lo))
                    else:
                        os.pwrite(handle.fileno(), np.ascontiguousarray(old_docs[lo:hi], dtype="<i4").tobytes(), at)
                    copied = upto

            copied = 0  # old tokens [0, copied) are in place
            for at, old, whole, added in sorted(entries, key=lambda e: e[0]):
                start = int(offsets[at])
                if old < 0:  # a new token: the old tokens sorting before it go first
                    copy_old(int(np.searchsorted(old_pos, at)))
                elif whole:
                    copy_old(old)
                    copied = old + 1
                else:
                    copy_old(old + 1)
                    start += int(old_off[old + 1] - old_off[old])
                os.pwrite(handle.fileno(), added.astype("<i4").tobytes(), data_at + 4 * start)
            copy_old(len(old_off) - 1)
        os.fsync(handle.fileno())
    save_array(Path(f"{out}.offsets.npy"), offsets)


def _read(docs: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """docs[lo:hi], read from the file rather than through its memory map (whose pages, once
    touched, would count in this process's memory for as long as the map is open)."""
    if isinstance(docs, np.memmap) and docs.filename:
        with open(docs.filename, "rb") as handle:
            return np.fromfile(handle, dtype=docs.dtype, count=hi - lo, offset=docs.offset + docs.itemsize * lo)
    return np.asarray(docs[lo:hi])


def _copy_range(source: int, target: int, source_at: int, target_at: int, count: int) -> None:
    """`count` bytes from one file to another, in the kernel where it can (else 16 MiB at a time)."""
    while count > 0:
        try:
            done = os.copy_file_range(source, target, count, source_at, target_at)
        except (AttributeError, OSError):  # not Linux, or across file systems on an old kernel
            done = os.pwrite(target, os.pread(source, min(count, 1 << 24), source_at), target_at)
        if done <= 0:
            raise OSError(errno.EIO, "short copy")
        count, source_at, target_at = count - done, source_at + done, target_at + done


def _carry_fuzzy_tables(index: SearchIndex, folded: SearchIndex, old_pos: np.ndarray, new_pos: dict[str, int]) -> None:
    """The fuzzy matcher's letter tables: the base's moved to their new numbers, the new tokens' made
    (making them for the whole vocabulary holds every token as 128 bytes at once)."""
    index._length_bucket(0)  # the base's, loaded from its folder (or made once)
    assert index._letters is not None and index._unfiltered is not None
    size = len(folded.vocab)
    letters = np.zeros(size, dtype=np.uint32)
    unfiltered = np.zeros(size, dtype=bool)
    letters[old_pos] = index._letters
    unfiltered[old_pos] = index._unfiltered
    if new_pos:
        bits, wild = _letter_bits(list(new_pos))
        where = np.fromiter(new_pos.values(), dtype=np.int64, count=len(new_pos))
        letters[where], unfiltered[where] = bits, wild
    lengths = np.fromiter(map(len, folded.vocab), dtype=np.int32, count=size)
    folded._by_length = np.argsort(lengths, kind="stable")
    folded._length_starts = np.searchsorted(
        lengths[folded._by_length], np.arange(int(lengths.max(initial=0)) + 2), side="left"
    )
    folded._letters, folded._unfiltered = letters, unfiltered


def _carry_doc_arrays(old: Path, work: Path, key: str, docs: int) -> None:
    """The engine's per-document arrays saved for this very library state and document count: the
    numbering is unchanged, so they are linked into the new folder, not made again (seconds at 1M)."""
    try:
        meta = orjson.loads((old / "docs.json").read_bytes())
        if meta.get("stamp") != key or meta.get("docs") != docs:
            return
        names = [*DOC_ARRAYS, *(f"docs.order{i}.npy" for i in range(int(meta["columns"])))]
        for name in [*names, "docs.json"]:  # docs.json last: it vouches for the rest
            _link(old / name, work / name)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, orjson.JSONDecodeError):
        for name in work.glob("docs.*"):
            if name.name not in ("docs.ids.npy", "docs.sorted.npy", "docs.order.npy"):
                name.unlink(missing_ok=True)


def _link(source: Path, target: Path) -> None:
    """A hard link (the arrays are only ever replaced, never written in place), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _swap(work: Path, folder: Path) -> None:
    """Put `work` where `folder` is. One atomic exchange where the system has it (`work` then holds
    the old index); else the old index moved aside and the new one renamed in, which `settle`
    undoes if killed between the two."""
    if _exchange(work, folder):
        fsync_dir(folder.parent)
        return
    aside = folder.parent / f".{folder.name}-{ASIDE}-{_owner()}"
    os.rename(folder, aside)
    _stage("aside")
    os.rename(work, folder)
    fsync_dir(folder.parent)
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's `renameat2(RENAME_EXCHANGE)`; False where unavailable."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # an old kernel or a file system without it
        return False
    raise OSError(error, os.strerror(error), str(b))


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _owner() -> int:
    """The process a fold's folders are named after (so a later run can tell a dead one)."""
    return os.getpid()


def _stage(name: str) -> None:
    """A point where a fold may be killed (the tests stop it at each)."""
