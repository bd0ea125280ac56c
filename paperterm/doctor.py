"""`paperterm doctor`: check every file of a data dir, and repair what can be repaired.

Repairs never delete the user's data: a damaged file is copied to `backups/` first.
Your state (lists, notes) is restored from the last good copy the state store keeps;
the paper cache is rebuilt aside and swapped in whole (see `cache_rebuild`); the search
index and stray temp files are simply removed (both are rebuilt or useless).
"""

from __future__ import annotations

import contextlib
import shutil
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import index_fold
from .atomic_io import LibraryFileError, keep_backup, read_json, read_upgraded, write_bytes
from .cache_rebuild import REBUILD_DIR, finish_pending, known_digests, missing_digests, rebuild
from .kept_inputs import leftovers
from .library_state import KIND as STATE_KIND
from .paper_columns import PaperColumns, segment_stamp
from .paper_store import COLUMNS_FILE, MANIFEST_KIND, PaperStore
from .paper_store import SCHEMA_VERSION as CACHE_SCHEMA
from .search_index import SearchIndex, dead_spills, remove_stale_spills
from .settings import load_settings
from .state_schema import SchemaError, validate_state
from .state_store import JOURNAL, LAST_GOOD, UPGRADES, JournalNotice, StateStore
from .state_store import SCHEMA_VERSION as STATE_SCHEMA
from .wording import byte_size, plural

STALE_TEMP_SECONDS = 600  # a temp file this old belongs to a process that died mid-write


@dataclass(frozen=True, slots=True)
class Finding:
    what: str
    status: str  # ok | problem | repaired
    message: str

    def to_json(self) -> dict[str, str]:
        return {"what": self.what, "status": self.status, "message": self.message}


def check(root: Path, *, repair: bool = False) -> list[Finding]:
    """Every check, in order; with `repair`, each problem found is repaired where possible."""
    return [
        _check_settings(root, repair),
        _check_state(root, repair),
        _check_columns(root, repair),  # before the cache's check, whose load would rebuild it unasked
        _check_cache(root, repair),
        _check_index(root, repair),
        _check_temp_files(root, repair),
        _check_inputs(root, repair),
    ]


def _check_settings(root: Path, repair: bool) -> Finding:
    path = root / "settings.json"
    try:
        load_settings(root)
    except LibraryFileError as exc:
        if not repair:
            return Finding("settings", "problem", f"{exc.problem}; --repair resets the settings to their defaults")
        backup = keep_backup(path, root / "backups")
        path.unlink()
        return Finding("settings", "repaired", f"reset to defaults; the damaged file is kept at {backup}")
    return Finding("settings", "ok", "readable" if path.exists() else "defaults (no settings file)")


def _valid_state(path: Path) -> bool:
    try:
        validate_state(read_upgraded(path, kind=STATE_KIND, schema_version=STATE_SCHEMA, upgrades=UPGRADES)[0])
    except (LibraryFileError, SchemaError):
        return False
    return True


def _check_state(root: Path, repair: bool) -> Finding:
    store = StateStore(root)
    try:
        with warnings.catch_warnings(record=True) as noticed:
            warnings.simplefilter("always", JournalNotice)
            state = store.load()
    except LibraryFileError as exc:
        if exc.path == store.journal_path:
            return _repair_journal(store, exc.problem) if repair else _journal_problem(exc.problem)
        candidates = [store.backups / LAST_GOOD, *sorted(store.backups.glob("state.json.*.bak"), reverse=True)]
        good = next((c for c in candidates if c.exists() and _valid_state(c)), None)
        if not repair:
            hint = f"--repair restores {good.name}" if good else "no good copy in backups/: restore from a sync file"
            return Finding("state (lists, notes)", "problem", f"{exc.problem}; {hint}")
        if good is None:
            return Finding(
                "state (lists, notes)",
                "problem",
                f"{exc.problem}; no good copy in backups/. Import your sync file (`paperterm bookmarks import`) "
                "after moving state.json aside.",
            )
        keep_backup(store.path, store.backups)
        write_bytes(store.path, good.read_bytes())
        when = datetime.fromtimestamp(good.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return Finding("state (lists, notes)", "repaired", f"restored {good.name} (saved {when})")
    torn = [str(w.message) for w in noticed if issubclass(w.category, JournalNotice)]
    if torn:
        problem = torn[0].split(": ", 1)[-1].split(" (")[0]
        return _repair_journal(store, problem) if repair else _journal_problem(problem)
    lists = len(state.live_lists())
    notes = len(state.noted_ids())
    return Finding("state (lists, notes)", "ok", f"{lists} lists, {notes} notes")


def _journal_problem(problem: str) -> Finding:
    return Finding(
        "state (lists, notes)",
        "problem",
        f"{JOURNAL}: {problem}; --repair keeps every change before that point and sets the rest aside in backups/",
    )


def _repair_journal(store: StateStore, problem: str) -> Finding:
    kept = store.repair_journal()
    return Finding(
        "state (lists, notes)",
        "repaired",
        f"{JOURNAL}: {problem}; {plural(kept, 'change')} before that point folded into state.json, "
        "the journal kept in backups/",
    )


def _check_cache(root: Path, repair: bool) -> Finding:
    store = PaperStore(root / "library")
    interrupted = (root / REBUILD_DIR).exists()
    try:
        finish_pending(root)  # a repair killed between its two renames: its complete cache goes in
        store.load()
        missing = missing_digests(root, store)
        problem = (
            f"holds {len(store.digests)} digests but the last good manifest names {len(missing)} more "
            "(an interrupted import or repair)"
            if missing
            else ""
        )
    except LibraryFileError as exc:
        problem = f"{exc.path.name}: {exc.problem}"
    if not problem and not interrupted:
        return Finding("paper cache", "ok", f"{len(store.papers)} papers from {len(store.digests)} digests")
    if not problem:  # the cache is fine; a killed repair left its unfinished copy
        if not repair:
            return Finding("paper cache", "problem", f"an interrupted repair left {REBUILD_DIR}/; --repair removes it")
        shutil.rmtree(root / REBUILD_DIR, ignore_errors=True)
        return Finding("paper cache", "repaired", f"removed {REBUILD_DIR}/ left by an interrupted repair")
    if not repair:
        sources = known_digests(root)
        present = sum(1 for d in sources if Path(d.path).is_file())
        return Finding(
            "paper cache",
            "problem",
            f"{problem}; --repair rebuilds it aside from {len(sources)} digests ({present} files still on disk, "
            "the rest from the old cache)",
        )
    report = rebuild(root)
    status = "problem" if report.lost else "repaired"
    return Finding("paper cache", status, report.line())


def _check_columns(root: Path, repair: bool) -> Finding:
    """`library/columns.bin`: derived from the segments (where each paper's row lies, and what the
    list, sorts and counts read), holding nothing of the user's. Any command that opens the library
    rebuilds a damaged one (37 s at a million papers), this check included: it says so, with or
    without `--repair`."""
    library = root / "library"
    path = library / COLUMNS_FILE
    what = "paper columns"
    if not path.exists():
        return Finding(what, "ok", f"{COLUMNS_FILE} not built yet (made from the segments on the next launch)")
    size = byte_size(path.stat().st_size)
    saved = PaperColumns.load(path)
    if saved is not None:
        columns, stamp = saved
        try:
            manifest = read_json(library / "manifest.json", kind=MANIFEST_KIND, schema_version=CACHE_SCHEMA)
            current = stamp.get("segments") == segment_stamp(library, manifest["segments"])
        except (LibraryFileError, OSError, KeyError, TypeError):
            current = True  # the cache's own check reports an unreadable manifest or segment
        state = "matches the segments" if current else "older than the segments (updated on the next launch)"
        return Finding(what, "ok", f"{COLUMNS_FILE}, {size}, {len(columns.ids)} papers: {state}")
    damaged = f"{COLUMNS_FILE} ({size}, derived from the segments) was damaged"
    try:
        path.unlink()
        store = PaperStore(library)
        store.load()  # builds the columns from the segments and saves them
    except (LibraryFileError, OSError):
        return Finding(what, "problem", f"{damaged}; it is rebuilt once the paper cache is readable")
    return Finding(what, "repaired", f"{damaged}: rebuilt from the segments ({len(store.columns.ids)} papers)")


def _check_index(root: Path, repair: bool) -> Finding:
    """The saved search index, and what killed index builds and folds left beside it: a build's chunk
    files (1.4 GB at a million papers) and a fold's folder, removed by the next build or fold, or by
    `--repair` now."""
    folder = root / "library" / "index"
    dead = dead_spills(folder) + index_fold.leftovers(folder)
    if dead:
        size = byte_size(sum(_disk_use(p) for p in dead))
        if not repair:
            return Finding(
                "search index",
                "problem",
                f"{plural(len(dead), 'folder')} ({size}) left by killed index builds or folds; --repair removes them",
            )
        remove_stale_spills(folder)
        index_fold.settle(folder)  # an index a killed fold moved aside goes back first
        removed = f"removed {plural(len(dead), 'folder')} ({size}) left by killed index builds or folds"
        return Finding("search index", "repaired", removed)
    if not (folder / "index.json").exists():
        return Finding("search index", "ok", "not built yet (built on the first search)")
    if SearchIndex.saved_key(folder) is not None:
        size = byte_size(sum(_disk_use(p) for p in folder.iterdir()))
        return Finding("search index", "ok", f"readable, {size} (rebuilt or extended whenever the library changes)")
    if not repair:
        return Finding("search index", "problem", "unreadable; --repair removes it (it is rebuilt on the next search)")
    shutil.rmtree(folder)
    return Finding("search index", "repaired", "removed; it is rebuilt on the next search")


def _disk_use(path: Path) -> int:
    """Bytes in a file or folder (a folder a killed process left may be half removed: errors skipped)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for each in path.rglob("*"):
        with contextlib.suppress(OSError):
            total += each.stat().st_size if each.is_file() else 0
    return total


def _check_temp_files(root: Path, repair: bool) -> Finding:
    now = time.time()
    stale = [
        p
        for folder in (root, root / "library", root / "backups")
        if folder.is_dir()
        for p in folder.glob(".*.tmp-*")
        if now - p.stat().st_mtime > STALE_TEMP_SECONDS
    ]
    if not stale:
        return Finding("temp files", "ok", "none left over")
    if not repair:
        return Finding("temp files", "problem", f"{len(stale)} left by interrupted writes; --repair removes them")
    for path in stale:
        path.unlink(missing_ok=True)
    return Finding("temp files", "repaired", f"removed {len(stale)} left by interrupted writes")


def _check_inputs(root: Path, repair: bool) -> Finding:
    """Copies of standard input that a killed import left in `inputs/` (see `kept_inputs`)."""
    found = leftovers(root, [], remove=repair)
    if not found.paths:
        return Finding("kept inputs", "ok", "every copy in inputs/ belongs to an import")
    if not repair:
        return Finding("kept inputs", "problem", f"{found.line()} (an interrupted import); --repair removes them")
    return Finding("kept inputs", "repaired", f"removed {found.line()}")
