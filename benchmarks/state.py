"""State size and save cost after years of use: they must follow what is kept, not the history.

    python benchmarks/state.py [--cycles 10000] [--notes 2000] [--json]

Two machines (two data dirs) share one sync file. The laptop imports a corpus, bookmarks and
removes `--cycles` papers (one add and one remove each), writes `--notes` notes and edits each
twice, syncing with the desktop every 1,000 changes. Then: the size of state.json and of the sync
file, how many records they hold, and the time of one bookmark save (bookmark or unbookmark,
each appended to the state's journal and fsynced before it returns), against a library holding
the same live state with no history at all; and the time of one fold of the journal into
state.json (which a save pays once the journal outgrows a quarter of the state).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import corpus
from paperterm import sync
from paperterm.library import Library
from paperterm.library_state import LibraryState

KEPT_BOOKMARKS = 500
NOTE = "Read the ablation first; the routing loss matters more than they say. " * 5  # ~360 characters


def _sync_round(laptop: Library, desktop: Library, path: Path) -> None:
    sync.sync(laptop, path)
    sync.sync(desktop, path)
    sync.sync(laptop, path)


def _history(laptop: Library, desktop: Library, path: Path, ids: list[str], cycles: int, notes: int) -> None:
    for start in range(0, cycles, 1000):
        batch = ids[start : start + 1000]

        def churn(state: LibraryState, batch: list[str] = batch) -> None:
            for pid in batch:
                state.set_in_list("to-read", pid, True)
                state.set_in_list("to-read", pid, False)

        laptop.edit_state(churn)
        _sync_round(laptop, desktop, path)
    kept = ids[:KEPT_BOOKMARKS]
    laptop.edit_state(lambda state: [state.set_in_list("to-read", pid, True) for pid in kept])
    noted = ids[-notes:]
    for edit in range(3):
        for start in range(0, notes, 1000):

            def write(state: LibraryState, batch: list[str] = noted[start : start + 1000], edit: int = edit) -> None:
                for pid in batch:
                    state.set_note(pid, f"{NOTE}(edit {edit})")

            laptop.edit_state(write)
            _sync_round(laptop, desktop, path)


def _save_ms(library: Library, pid: str, rounds: int = 40) -> float:
    """Median wall time of one bookmark save (alternating bookmark and unbookmark)."""
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        if i % 2 == 0:
            library.bookmark(pid)
        else:
            library.unbookmark(pid)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _live_copy(source: Library, root: Path) -> Library:
    """A library with the same papers and the same live state, built without any history."""
    shutil.copytree(source.store.root, root / "library")
    fresh = Library.open(root)
    kept = source.state.list_papers("to-read")
    notes = {pid: source.state.note_of(pid) for pid in source.state.notes}

    def build(state: LibraryState) -> None:
        for pid in kept:
            state.set_in_list("to-read", pid, True)
        for pid, text in notes.items():
            state.set_note(pid, text)

    fresh.edit_state(build)
    return fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--notes", type=int, default=2_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    digests = corpus(args.cycles + args.notes + 1000)
    with tempfile.TemporaryDirectory(prefix="paperterm-state-bench-") as tmp:
        base = Path(tmp)
        laptop = Library.open(base / "laptop")
        laptop.import_paths([str(p) for p in sorted(digests.glob("*.txt"))])
        desktop = Library.open(base / "desktop")
        path = base / "shared.json"
        ids = sorted(laptop.papers)[: args.cycles + args.notes]
        started = time.perf_counter()
        _history(laptop, desktop, path, ids, args.cycles, args.notes)
        history_s = time.perf_counter() - started
        probe = ids[args.cycles // 2]  # a paper bookmarked and removed long ago
        with_history = _save_ms(laptop, probe)
        journal_bytes = laptop.state_store.journal_path.stat().st_size
        started = time.perf_counter()
        laptop.state_store.fold()
        fold_ms = (time.perf_counter() - started) * 1000
        fresh = _live_copy(laptop, base / "fresh")
        without_history = _save_ms(fresh, probe)
        state = laptop.state
        payload = json.loads(path.read_text())
        result = {
            "cycles": args.cycles,
            "notes": args.notes,
            "state_json_bytes": laptop.state_store.path.stat().st_size,
            "state_json_bytes_no_history": fresh.state_store.path.stat().st_size,
            "sync_file_bytes": path.stat().st_size,
            "state_entries": len(state.entries),
            "state_tombstones": sum(1 for e in state.entries.values() if e.removed),
            "state_note_versions": sum(len(n.versions) for n in state.notes.values()),
            "sync_file_papers": len(payload["papers"]),
            "bookmark_save_ms": round(with_history, 2),
            "bookmark_save_ms_no_history": round(without_history, 2),
            "journal_bytes_after_40_saves": journal_bytes,
            "fold_ms": round(fold_ms, 1),
            "history_build_s": round(history_s, 1),
        }
    if args.json:
        print(json.dumps(result))
        return
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value:,}" if isinstance(value, int) else f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
