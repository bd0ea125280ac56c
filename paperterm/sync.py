"""Carrying reading lists, triage and notes between machines as one plain JSON file.

The sync file is the user state (lists, entries with tombstones, status, notes)
without the local device id, plus `papers`: title, abstract, arXiv id, authors and
provenance of every paper in a list or with a note, so a machine that never
imported a paper can still show it. `import` merges the file into the library;
`sync` merges and then writes the merged state back, atomically, so any number of
machines pointed at one synced file converge. The state merge is the CRDT merge of
`library_state`; the papers section is a union, the longer abstract winning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from loaders import PaperRecord, ParseResult

from .atomic_io import LibraryFileError, read_json, write_json
from .cache_rebuild import SYNC_FORMAT, keep_input, records_payload
from .library import Library
from .library_state import SCHEMA_VERSION as STATE_SCHEMA
from .library_state import LibraryState
from .paper_store import ParsedDigest
from .state_schema import SchemaError, validate_paper_meta, validate_state

KIND = "paperterm-sync"
SCHEMA_VERSION = 1
MAX_BYTES = 256 * 1024 * 1024


@dataclass(slots=True)
class SyncFile:
    state: LibraryState
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class SyncReport:
    """What a merge brought in, for the one-line summary."""

    lists: int = 0
    entries: int = 0
    status: int = 0
    notes: int = 0
    new_papers: int = 0
    conflicts: int = 0

    def line(self) -> str:
        parts = [
            f"{self.entries} list entries",
            f"{self.status} statuses",
            f"{self.notes} notes",
            f"{self.lists} lists",
            f"{self.new_papers} papers new to this machine",
        ]
        text = "changed here: " + ", ".join(parts)
        if self.conflicts:
            text += f"; {self.conflicts} notes edited on two machines (both texts kept)"
        return text


def read_sync_file(path: Path) -> SyncFile:
    """Read and validate a sync file completely before anything is changed."""
    # Capped whatever the path is: a FIFO or a link to /dev/urandom has no size to check first.
    payload = read_json(path, kind=KIND, schema_version=SCHEMA_VERSION, max_bytes=MAX_BYTES)
    try:
        state_version = payload.get("state_schema_version", STATE_SCHEMA)
        if not isinstance(state_version, int) or isinstance(state_version, bool) or state_version < 1:
            raise SchemaError("state_schema_version: expected a whole number")
        if state_version > STATE_SCHEMA:
            raise LibraryFileError(
                path, f"holds state of schema {state_version}, newer than this paperterm reads", "Upgrade paperterm."
            )
        state_part = {
            k: payload.get(k, [] if k in ("lists", "entries", "topics") else {})
            for k in ("lists", "entries", "status", "notes", "topics")
        }
        validate_state(state_part)
        papers = payload.get("papers", {})
        if not isinstance(papers, dict):
            raise SchemaError("papers: expected an object")
        for pid, meta in papers.items():
            validate_paper_meta(meta, f"papers[{pid!r}]")
    except SchemaError as exc:
        raise LibraryFileError(path, f"has a wrong field ({exc})", "Nothing was changed.") from None
    state = LibraryState.from_json({**state_part, "device": "sync-file"})
    return SyncFile(state, papers)


def export_payload(library: Library, previous: SyncFile | None = None) -> dict[str, Any]:
    """The sync file for the library's current state (papers unknown here keep the old file's entry)."""
    state = library.state
    payload = state.canonical()
    papers: dict[str, dict[str, Any]] = dict(previous.papers) if previous else {}
    for pid in sorted(state.kept_ids()):
        paper = library.paper_for(pid)
        if paper is not None:
            papers[pid] = _richer(papers.get(pid), paper_meta(library, pid))
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "state_schema_version": STATE_SCHEMA,
        "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **{k: payload[k] for k in ("lists", "entries", "status", "notes", "topics")},
        "papers": dict(sorted(papers.items())),
    }


def paper_meta(library: Library, pid: str) -> dict[str, Any]:
    paper = library.paper_for(pid)
    assert paper is not None
    meta: dict[str, Any] = {"title": paper.title, "abstract": paper.abstract, "url": paper.url}
    if paper.arxiv_id:
        meta["arxiv_id"] = paper.arxiv_id
    if paper.authors:
        meta["authors"] = list(paper.authors)
    if paper.date:
        meta["date"] = paper.date
    meta["sources"] = [f"{s.digest.name} ({s.digest.date})" for s in library.sightings(paper)]
    return meta


def _richer(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return new
    merged = {**old, **new}
    if len(old.get("abstract") or "") > len(new.get("abstract") or ""):
        merged["abstract"] = old["abstract"]
    merged["sources"] = sorted(set(old.get("sources", [])) | set(new.get("sources", [])))
    return merged


def export_file(library: Library, path: Path) -> int:
    """Write the sync file; returns how many papers it carries."""
    previous = read_sync_file(path) if path.exists() else None
    library.edit_state(lambda state: state.mark_shared())
    payload = export_payload(library, previous)
    write_json(path, payload, indent=True)
    return len(payload["papers"])


def import_file(library: Library, path: Path) -> SyncReport:
    """Merge a sync file into the library. The file is validated whole first; a bad one changes nothing."""
    incoming = read_sync_file(path)
    return _merge_in(library, incoming, path)


def sync(library: Library, path: Path) -> SyncReport:
    """Merge the file into the library, then write the merged state back to the file."""
    incoming = read_sync_file(path) if path.exists() else SyncFile(LibraryState(device="sync-file"))
    report = _merge_in(library, incoming, path, mark_shared=True)
    write_json(path, export_payload(library, incoming), indent=True)
    return report


def _merge_in(library: Library, incoming: SyncFile, path: Path, *, mark_shared: bool = False) -> SyncReport:
    report = SyncReport()
    report.new_papers = _import_unknown_papers(library, incoming, path)

    def change(state: LibraryState) -> None:
        merged = state.merge(incoming.state)
        report.lists = _count_changed(state.lists, merged.lists)
        report.entries = _count_changed(state.entries, merged.entries)
        report.status = _count_changed(state.status, merged.status)
        report.notes = sum(1 for pid, note in merged.notes.items() if state.note_of(pid) != note.text)
        report.conflicts = sum(1 for note in merged.notes.values() if len(note.versions) > 1)
        state.lists, state.entries, state.status, state.notes, state.topics = (
            merged.lists,
            merged.entries,
            merged.status,
            merged.notes,
            merged.topics,
        )
        if mark_shared:
            state.mark_shared()

    library.edit_state(change)
    library.refresh()
    return report


def _count_changed(before: dict[Any, Any], after: dict[Any, Any]) -> int:
    return sum(1 for key, value in after.items() if before.get(key) != value)


def _import_unknown_papers(library: Library, incoming: SyncFile, path: Path) -> int:
    """Papers the file carries that this library has never seen become papers here (a `sync` digest)."""
    wanted = incoming.state.kept_ids()
    records = []
    for pid in sorted(wanted):
        meta = incoming.papers.get(pid)
        if meta is None or library.paper_for(pid) is not None:
            continue
        record = PaperRecord(
            title=meta["title"],
            abstract=meta.get("abstract") or "",
            authors=list(meta.get("authors") or []),
            arxiv_id=meta.get("arxiv_id"),
            links=[meta["url"]] if str(meta.get("url", "")).startswith(("http://", "https://")) else [],
        )
        if meta.get("sources"):
            record.extra["seen_elsewhere"] = "; ".join(meta["sources"])
        records.append(record)
    if not records:
        return 0
    body = orjson.dumps([[r.title, r.abstract, r.arxiv_id] for r in records])
    # The sync file changes with every sync: its papers are kept under inputs/ for `doctor --repair`.
    kept = keep_input(library.root, records_payload(records), "sync")
    digest = ParsedDigest(
        name=f"sync: {path.name}",
        path=str(kept),
        sha256=hashlib.sha256(b"sync\0" + body).hexdigest(),
        result=ParseResult(format=SYNC_FORMAT, papers=records),
        date=datetime.now(UTC).date().isoformat(),
        date_source="sync",
    )
    report = library.store.commit([digest], datetime.now(UTC).isoformat(timespec="seconds"))
    library._papers_changed(report.new_ids)
    return len(report.new_ids)
