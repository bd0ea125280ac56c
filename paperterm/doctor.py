"""`paperterm doctor`: check every file of a data dir, and repair what can be repaired.

A check without `--repair` writes nothing, derived files included: it says what is wrong and what
`--repair` would do (a stale or damaged `columns.bin` is rebuilt by `--repair` or by the next
launch, not by looking at it). Repairs never delete the user's data: a damaged file is copied to
`backups/` first. Your state (lists, notes) is restored from the last good copy the state store
keeps; the paper cache is rebuilt aside and swapped in whole (see `cache_rebuild`); the search
index, stray temp files and segments no manifest names are simply removed (rebuilt or useless).
"""

from __future__ import annotations

import contextlib
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import index_fold
from .atomic_io import LibraryFileError, file_lock, keep_backup, lock_if_free, read_json, read_upgraded, write_bytes
from .cache_rebuild import (
    INPUTS_DIR,
    READY_DIR,
    REBUILD_DIR,
    finish_pending,
    known_digests,
    missing_digests,
    rebuild,
)
from .kept_inputs import INPUTS_LOCK, leftovers
from .library_state import KIND as STATE_KIND
from .paper_columns import SCHEMA_VERSION as COLUMNS_SCHEMA
from .paper_columns import PaperColumns, saved_schema, segment_stamp
from .paper_store import COLUMNS_FILE, MANIFEST_KIND, MANIFEST_LAST_GOOD, PaperStore, spare_knows_more, unnamed_segments
from .paper_store import SCHEMA_VERSION as CACHE_SCHEMA
from .search_index import SearchIndex, dead_spills, remove_stale_spills
from .settings import KIND as SETTINGS_KIND
from .settings import SCHEMA_VERSION as SETTINGS_SCHEMA
from .settings import UPGRADES as SETTINGS_UPGRADES
from .settings import load_settings
from .state_schema import SchemaError, validate_state
from .state_store import JOURNAL, LAST_GOOD, UPGRADES, JournalNotice, StateStore
from .state_store import SCHEMA_VERSION as STATE_SCHEMA
from .wording import byte_size, plural

STALE_TEMP_SECONDS = 600  # a temp file this old belongs to a process that died mid-write
NAMED_LEFTOVERS = 3  # leftover files a finding names (it counts them all)


@dataclass(frozen=True, slots=True)
class Finding:
    what: str
    status: str  # ok | problem | repaired
    message: str

    def to_json(self) -> dict[str, str]:
        return {"what": self.what, "status": self.status, "message": self.message}


class _InspectedStore(PaperStore):
    """The paper cache read as it is on disk: columns it has to build from the segments (none saved,
    or older than them) stay in memory, because a check changes nothing."""

    def save_columns(self) -> None:
        return


def check(root: Path, *, repair: bool = False) -> list[Finding]:
    """Every check, in order; with `repair`, each problem found is repaired where possible. Without
    it nothing in the data dir is written (a damaged file is only copied to `backups/`, as any read
    of it does)."""
    return [
        _check_settings(root, repair),
        _check_state(root, repair),
        _check_columns(root, repair),  # before the cache's check, whose load would rebuild it unasked
        _check_cache(root, repair),
        _check_index(root, repair),
        _check_temp_files(root, repair),
        _check_inputs(root, repair),
    ]


def _older_schema(path: Path, kind: str, current: int) -> int | None:
    """The schema of a file an older paperterm wrote, which opening it upgrades in place (after a
    copy to `backups/`); None for a current, missing or unreadable one (the load reports that)."""
    try:
        version = read_json(path, kind=kind, schema_version=current, allow_older=True).get("schema_version")
    except (LibraryFileError, OSError):
        return None
    return version if isinstance(version, int) and version < current else None


def _check_settings(root: Path, repair: bool) -> Finding:
    path = root / "settings.json"
    older = _older_schema(path, SETTINGS_KIND, SETTINGS_SCHEMA)
    if older is not None and not repair:
        try:
            read_upgraded(path, kind=SETTINGS_KIND, schema_version=SETTINGS_SCHEMA, upgrades=SETTINGS_UPGRADES)
        except LibraryFileError as exc:
            return Finding("settings", "problem", f"{exc.problem}; --repair resets the settings to their defaults")
        return Finding(
            "settings", "ok", f"schema {older}, from an older paperterm: --repair or the next launch upgrades it"
        )
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
    older = _older_schema(store.path, STATE_KIND, STATE_SCHEMA)
    if older is not None and not repair and _valid_state(store.path):  # loading it would write the upgrade
        return Finding(
            "state (lists, notes)",
            "ok",
            f"schema {older}, from an older paperterm: --repair or the next launch upgrades it (the old file kept)",
        )
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
    return Finding("state (lists, notes)", "ok", f"{plural(lists, 'list')}, {plural(notes, 'note')}")


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
    store = PaperStore(root / "library") if repair else _InspectedStore(root / "library")
    interrupted = (root / REBUILD_DIR).exists()
    try:
        if repair:
            finish_pending(root)  # a repair killed between its two renames: its complete cache goes in
        elif (root / READY_DIR).is_dir():
            return Finding(
                "paper cache",
                "problem",
                f"a repair was stopped just before swapping in the cache it rebuilt ({READY_DIR}/); "
                "--repair (or the next launch) puts it in place, the current one in backups/",
            )
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
        papers, digests = plural(len(store.papers), "paper"), plural(len(store.digests), "digest")
        return Finding("paper cache", "ok", f"{papers} from {digests}")
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
    list, sorts and counts read), holding nothing of the user's. Any launch rebuilds a damaged or
    older one, or brings a stale one up to date (30 s at a million papers); `--repair` does it now,
    and a check without it only says so."""
    library = root / "library"
    path = library / COLUMNS_FILE
    what = "paper columns"
    later = "--repair or the next launch"
    if not path.exists():
        return Finding(what, "ok", f"{COLUMNS_FILE} not built yet ({later} makes it from the segments)")
    size = byte_size(path.stat().st_size)
    saved = PaperColumns.load(path)
    if saved is not None:
        columns, stamp = saved
        try:
            manifest = read_json(library / "manifest.json", kind=MANIFEST_KIND, schema_version=CACHE_SCHEMA)
            current = stamp.get("segments") == segment_stamp(library, manifest["segments"])
        except (LibraryFileError, OSError, KeyError, TypeError):
            current = True  # the cache's own check reports an unreadable manifest or segment
        described = f"{COLUMNS_FILE}, {size}, {plural(len(columns.ids), 'paper')}"
        if current:
            return Finding(what, "ok", f"{described}: matches the segments")
        if repair:
            return _rebuild_columns(library, f"{described} was older than the segments")
        return Finding(what, "ok", f"{described}: older than the segments ({later} brings it up to date)")
    written = saved_schema(path)
    older = written is not None and written < COLUMNS_SCHEMA
    replaced = f"{COLUMNS_FILE} ({size}, derived from the segments) " + (
        f"was written by an older paperterm (schema {written})" if older else "is damaged"
    )
    if not repair:
        return Finding(what, "ok" if older else "problem", f"{replaced}; {later} rebuilds it from the segments")
    with contextlib.suppress(OSError):
        path.unlink()
    return _rebuild_columns(library, replaced)


def _rebuild_columns(library: Path, why: str) -> Finding:
    """Build or update `columns.bin` as a launch does (the store saves what it read from the segments)."""
    path = library / COLUMNS_FILE
    before = _file_id(path)
    try:
        store = PaperStore(library)
        store.load()
    except (LibraryFileError, OSError):  # the cache's check, next, reports it; its repair makes new columns
        return Finding("paper columns", "ok", f"{why}; it is rebuilt with the paper cache (below)")
    if _file_id(path) in (before, None):  # the store saves it as a cache: a failed write is not raised
        return Finding("paper columns", "problem", f"{why}; it could not be written (a full disk, a read-only folder?)")
    papers = plural(len(store.columns.ids), "paper")
    return Finding("paper columns", "repaired", f"{why}: rebuilt from the segments ({papers})")


def _file_id(path: Path) -> tuple[int, int] | None:
    """Which version of a file is there (every write replaces it: a new inode), or None."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


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
                f"{plural(len(dead), 'folder')} ({size}) left by killed index builds or folds; --repair removes "
                + ("it" if len(dead) == 1 else "them"),
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
    """Temp files of writes a kill cut short, and segments no manifest names: what an import that
    failed (a full disk) or was killed between its segment and its manifest wrote. The next import
    removes such segments too; they are kept while the last-good manifest names digests the cache
    lacks (the cache's repair reads them)."""
    now = time.time()
    stale = [
        p
        for folder in (root, root / "library", root / "backups")
        if folder.is_dir()
        for p in folder.glob(".*.tmp-*")
        if now - p.stat().st_mtime > STALE_TEMP_SECONDS
    ]
    with _library_idle(root, wait=repair) as idle:
        orphans = _orphan_segments(root) if idle else []
        found = sorted(stale + orphans)
        if not found:
            busy = "" if idle else " (the data dir could not be locked, so segments were not looked at)"
            return Finding("temp files", "ok", f"none left over{busy}")
        named = ", ".join(p.name for p in found[:NAMED_LEFTOVERS]) + (
            f" and {len(found) - NAMED_LEFTOVERS} more" if len(found) > NAMED_LEFTOVERS else ""
        )
        size = byte_size(sum(_disk_use(p) for p in found))
        cause = " and ".join(
            part
            for part, present in (("interrupted writes", stale), ("an import that did not finish", orphans))
            if present
        )
        if not repair:
            them = "it" if len(found) == 1 else "them"
            return Finding("temp files", "problem", f"{named} ({size}) left by {cause}; --repair removes {them}")
        for path in found:
            path.unlink(missing_ok=True)
        return Finding("temp files", "repaired", f"removed {named} ({size}) left by {cause}")


@contextlib.contextmanager
def _library_idle(root: Path, *, wait: bool) -> Iterator[bool]:
    """True while no import holds the data dir's lock (a segment it wrote is not named yet). A repair
    takes the lock (waiting for an import to end); a check only tests it, creating nothing."""
    if wait:
        with contextlib.ExitStack() as held:
            try:
                held.enter_context(file_lock(root / ".lock"))
            except LibraryFileError:  # a read-only data dir, or an import that goes on: nothing removed
                yield False
                return
            yield True
        return
    with lock_if_free(root / ".lock", create=False) as idle:
        yield idle


def _orphan_segments(root: Path) -> list[Path]:
    """Segment files that the manifest does not name, by the rule the next import removes them by;
    none when the manifest cannot be read (the cache's check reports that)."""
    library = root / "library"
    try:
        manifest = read_json(library / "manifest.json", kind=MANIFEST_KIND, schema_version=CACHE_SCHEMA)
        named = [str(n) for n in manifest["segments"]]
        shas = {d["sha256"] for d in manifest["digests"]}
    except (LibraryFileError, KeyError, TypeError):
        return []
    if spare_knows_more(root / "backups" / MANIFEST_LAST_GOOD, shas):
        return []
    return unnamed_segments(library, named)


def _check_inputs(root: Path, repair: bool) -> Finding:
    """Copies of standard input that a killed import left in `inputs/` (see `kept_inputs`)."""
    found = leftovers(root, [], remove=repair)
    if not found.paths:
        try:
            kept = sum(1 for p in (root / INPUTS_DIR).iterdir() if p.name != INPUTS_LOCK and p.is_file())
        except OSError:
            kept = 0
        if not kept:
            return Finding("kept inputs", "ok", "none (nothing was imported from standard input or a sync file)")
        return Finding("kept inputs", "ok", f"{plural(kept, 'copy', 'copies')} in inputs/, each one an import's")
    if not repair:
        them = "it" if len(found.paths) == 1 else "them"
        return Finding("kept inputs", "problem", f"{found.line()} (an interrupted import); --repair removes {them}")
    return Finding("kept inputs", "repaired", f"removed {found.line()}")
