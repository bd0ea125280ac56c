"""Carrying reading lists, triage and notes between machines as one plain JSON file.

The sync file is the user state (lists, entries, status, topics, notes, what each device has
seen and the devices' names) without the local device id, plus `papers`: title, abstract,
authors, publication date and where each was seen, for every paper still in a list or with a
note, so a machine that never imported a paper can show it as it was. `import` merges the file
into the library; `sync` merges and then writes the merged state back, atomically, so any
number of machines pointed at one file converge. The state merge is `LibraryState.merge`.

A sync file may come from anywhere: it is validated whole, and refused, changing nothing,
when it brings more than a library should take (see `LIMITS`).
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

from loaders import PaperRecord, ParseResult

from . import clock
from .atomic_io import LibraryFileError, keep_backup, read_upgraded, write_json
from .cache_rebuild import INPUTS_DIR, SYNC_FORMAT, keep_input, records_payload
from .kept_inputs import writing_inputs
from .library import Library
from .library_state import SCHEMA_VERSION as STATE_SCHEMA
from .library_state import SILENT_AFTER, LibraryState, covers, upgrade_from_1
from .paper_store import ParsedDigest
from .state_schema import SchemaError, validate_paper_meta, validate_state
from .wording import plural

KIND = "paperterm-sync"
SCHEMA_VERSION = 2
MAX_BYTES = 256 * 1024 * 1024
# What one sync file may bring. A larger one is refused naming the field: these are far above
# any real library's, and below what would make every later click slow.
LIMITS = {
    "papers": 50_000,  # papers described
    "entries": 100_000,  # list entries, removed ones included
    "undescribed": 1_000,  # list entries and notes for papers the file does not describe
    "note_text": 20_000_000,  # characters of note text in all
}
MAX_AHEAD = timedelta(days=36525)  # stamps a century ahead of this clock are refused (never a real clock)
_STATE_KEYS = ("lists", "entries", "status", "notes", "topics", "seen", "devices", "forgot")


@dataclass(slots=True)
class SyncFile:
    state: LibraryState
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)
    upgraded_from: int | None = None


@dataclass(slots=True)
class SyncReport:
    """What a merge brought in, for the one-line summary."""

    lists: int = 0
    entries: int = 0
    status: int = 0
    notes: int = 0
    new_papers: int = 0
    conflicts: int = 0  # notes that became two texts in this merge
    standing: int = 0  # notes still holding two texts from an earlier merge
    devices: list[str] = field(default_factory=list)  # names of the devices whose changes came in
    ahead: str = ""  # a device whose stamps run ahead of this machine's clock, and by how much

    def line(self) -> str:
        parts = [
            plural(self.entries, "list entry", "list entries"),
            plural(self.status, "status", "statuses"),
            plural(self.notes, "note"),
            plural(self.lists, "list"),
            plural(self.new_papers, "paper new to this machine", "papers new to this machine"),
        ]
        shown = [p for p in parts if not p.startswith("0 ")]
        text = "changed here: " + (", ".join(shown) if shown else "nothing")
        if self.devices:
            text += f" (from {', '.join(self.devices)})"
        if self.conflicts:
            text += (
                f"; {plural(self.conflicts, 'note was', 'notes were')} edited on two machines at once:"
                " both texts kept, marked, until you edit it"
            )
        if self.standing:
            text += f"; {plural(self.standing, 'note still holds', 'notes still hold')} two texts"
        if self.ahead:
            text += f"; {self.ahead}"
        return text


def _upgrade_sync_1(payload: dict[str, Any]) -> dict[str, Any]:
    """Sync schema 1 → 2: the state part as state schema 1 → 2; `sources` text becomes `sightings`."""
    upgraded = upgrade_from_1({k: payload[k] for k in _STATE_KEYS[:5] if k in payload})
    papers = payload.get("papers", {})
    if isinstance(papers, dict):
        papers = {pid: _upgrade_meta_1(meta) if isinstance(meta, dict) else meta for pid, meta in papers.items()}
    upgraded.pop("fingerprint", None)
    return {**payload, **upgraded, "state_schema_version": STATE_SCHEMA, "papers": papers}


def _upgrade_meta_1(meta: dict[str, Any]) -> dict[str, Any]:
    meta = dict(meta)
    sources = meta.pop("sources", None)
    day = meta.pop("date", None)
    if isinstance(sources, list):
        sightings = []
        for source in sources:
            if isinstance(source, str):
                name, _, rest = source.rpartition(" (")
                sightings.append({"digest": name or source, "date": rest.rstrip(")") or None, "device": ""})
        meta["sightings"] = sightings
    elif isinstance(day, str):
        meta["sightings"] = [{"digest": "(unknown digest)", "date": day, "device": ""}]
    return meta


def read_sync_file(path: Path, known: Callable[[str], bool] = lambda pid: False) -> SyncFile:
    """Read and validate a sync file completely before anything is changed. `known` says which
    papers the reading library has (entries for them need no description in the file)."""
    try:
        # Capped whatever the path is: a FIFO or a link to /dev/urandom has no size to check first.
        payload, upgraded_from = read_upgraded(
            path, kind=KIND, schema_version=SCHEMA_VERSION, upgrades={1: _upgrade_sync_1}, max_bytes=MAX_BYTES
        )
        state_version = payload.get("state_schema_version", STATE_SCHEMA)
        if not isinstance(state_version, int) or isinstance(state_version, bool) or state_version < 1:
            raise SchemaError("state_schema_version: expected a whole number")
        if state_version > STATE_SCHEMA:
            raise LibraryFileError(
                path, f"holds state of schema {state_version}, newer than this paperterm reads", "Upgrade paperterm."
            )
        state_part = {k: payload.get(k, [] if k in ("lists", "entries", "topics") else {}) for k in _STATE_KEYS}
        validate_state(state_part)
        papers = payload.get("papers", {})
        if not isinstance(papers, dict):
            raise SchemaError("papers: expected an object")
        for pid, meta in papers.items():
            validate_paper_meta(meta, f"papers[{pid!r}]")
        _check_limits(state_part, papers, known)
    except SchemaError as exc:
        raise LibraryFileError(path, f"has a wrong field ({exc})", "Nothing was changed.") from None
    except _OverLimit as exc:
        raise LibraryFileError(path, f"brings too much: {exc}", "Nothing was changed.") from None
    state = LibraryState.from_json({**state_part, "device": "sync-file"})
    _cover_own_records(state)
    return SyncFile(state, papers, upgraded_from)


class _OverLimit(ValueError):
    pass


def _check_limits(state: dict[str, Any], papers: dict[str, Any], known: Callable[[str], bool]) -> None:
    if len(papers) > LIMITS["papers"]:
        raise _OverLimit(f"papers describes {len(papers):,} papers, more than the {LIMITS['papers']:,} allowed")
    entries = state["entries"]
    if len(entries) > LIMITS["entries"]:
        raise _OverLimit(f"entries holds {len(entries):,} entries, more than the {LIMITS['entries']:,} allowed")
    undescribed = sum(1 for e in entries if not e["removed"] and e["paper"] not in papers and not known(e["paper"]))
    undescribed += sum(1 for pid in state["notes"] if pid not in papers and not known(pid))
    if undescribed > LIMITS["undescribed"]:
        raise _OverLimit(
            f"entries and notes name {undescribed:,} papers that neither papers nor this library describes, "
            f"more than the {LIMITS['undescribed']:,} allowed"
        )
    text = sum(len(v["text"]) for note in state["notes"].values() for v in note.get("versions", []))
    if text > LIMITS["note_text"]:
        raise _OverLimit(f"notes hold {text:,} characters of text, more than the {LIMITS['note_text']:,} allowed")
    latest = clock.format_stamp(clock.wall_now() + MAX_AHEAD)
    for where, records in (("entries", entries), ("lists", state["lists"]), ("topics", state["topics"])):
        for i, raw in enumerate(records):
            if raw["changed"] > latest:
                raise _OverLimit(f"{where}[{i}].changed is {raw['changed']}, more than a century ahead of this clock")
    for pid, raw in state["status"].items():
        if raw["changed"] > latest:
            raise _OverLimit(f"status[{pid!r}].changed is {raw['changed']}, more than a century ahead of this clock")
    for pid, note in state["notes"].items():
        for j, version in enumerate(note.get("versions", [])):
            if version["changed"] > latest:
                raise _OverLimit(
                    f"notes[{pid!r}].versions[{j}].changed is {version['changed']}, more than a century ahead"
                )
    for device_id, stamp in state["seen"].items():
        if stamp > latest:
            raise _OverLimit(f"seen[{device_id!r}] is {stamp}, more than a century ahead of this clock")


def _cover_own_records(state: LibraryState) -> None:
    """A file's knowledge covers at least the changes it holds (a hand-made file may omit `seen`)."""
    records = [*state.lists.values(), *state.entries.values(), *state.status.values(), *state.topics.values()]
    records += [v for note in state.notes.values() for v in note.versions.values()]
    for record in records:
        if record.by != "default" and not covers(state.seen, record.by, record.changed):
            state.seen[record.by] = record.changed


def export_payload(library: Library, previous: SyncFile | None = None) -> dict[str, Any]:
    """The sync file for the library's current state: papers only for what is still kept (a kept
    paper this library lacks keeps the old file's description)."""
    state = library.state
    payload = state.canonical()
    papers: dict[str, dict[str, Any]] = {}
    for pid in sorted(state.kept_ids()):
        old = previous.papers.get(pid) if previous else None
        if library.paper_for(pid) is not None:
            papers[pid] = _richer(old, paper_meta(library, pid))
        elif old is not None:
            papers[pid] = old
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "state_schema_version": STATE_SCHEMA,
        "exported_at": clock.now()[:19] + "Z",
        **{k: payload[k] for k in _STATE_KEYS},
        "papers": papers,
    }


def paper_meta(library: Library, pid: str) -> dict[str, Any]:
    """What another machine needs to show the paper as this one does, provenance included."""
    paper = library.paper_for(pid)
    assert paper is not None
    meta: dict[str, Any] = {"title": paper.title, "abstract": paper.abstract, "url": paper.url}
    if paper.arxiv_id:
        meta["arxiv_id"] = paper.arxiv_id
    if paper.authors:
        meta["authors"] = list(paper.authors)
    published = (paper.extra or {}).get("published")
    if isinstance(published, str) and published:
        meta["published"] = published
    here = library.state.device_name(library.state.device)
    meta["sightings"] = [
        {
            "digest": s.digest.name,
            "date": s.digest.date,
            # a sighting that itself came by sync already names its device in the digest name
            "device": "" if s.digest.format == SYNC_FORMAT else here,
        }
        for s in library.sightings(paper)
    ]
    return meta


def _sighting_key(s: dict[str, Any]) -> tuple[str, str, str]:
    return (s.get("date") or "", s["digest"], s.get("device") or "")


def _richer(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return new
    merged = {**old, **new}
    if len(old.get("abstract") or "") > len(new.get("abstract") or ""):
        merged["abstract"] = old["abstract"]
    both = {_sighting_key(s): s for s in [*old.get("sightings", []), *new.get("sightings", [])]}
    merged["sightings"] = [both[k] for k in sorted(both)]
    return merged


def _writable_target(path: Path) -> None:
    """Refused before anything is merged, so that a sync file that cannot be written changes nothing:
    a folder (the file is written there, not read), or a file in a folder this process cannot write
    (a read-only mount, another user's folder)."""
    if path.is_dir():
        raise LibraryFileError(path, "is a folder", f"Name the sync file to write in it: {path / 'paperterm.json'}")
    folder = path.parent
    if folder.is_dir() and not os.access(folder, os.W_OK):
        raise LibraryFileError(
            path,
            "cannot be written (its folder is read-only or not writable by you); nothing was changed",
            "Make the folder writable, or sync with a file in another folder.",
        )


def export_file(library: Library, path: Path) -> int:
    """Write the sync file; returns how many papers it carries."""
    _writable_target(path)
    previous = read_sync_file(path, _knows(library)) if path.exists() else None
    payload = export_payload(library, previous)
    write_json(path, payload, indent=True)
    return len(payload["papers"])


def import_file(library: Library, path: Path, *, rejoin: bool = False) -> SyncReport:
    """Merge a sync file into the library. The file is validated whole first; a bad one changes nothing."""
    incoming = read_sync_file(path, _knows(library))
    return _merge_in(library, incoming, path, rejoin=rejoin)


def sync(library: Library, path: Path, *, rejoin: bool = False) -> SyncReport:
    """Merge the file into the library, then write the merged state back to the file."""
    _writable_target(path)
    incoming = read_sync_file(path, _knows(library)) if path.exists() else SyncFile(LibraryState(device="sync-file"))
    report = _merge_in(library, incoming, path, rejoin=rejoin)
    if incoming.upgraded_from is not None:  # written by an older paperterm: keep it before replacing it
        keep_backup(path, library.root / "backups")
    try:
        write_json(path, export_payload(library, incoming), indent=True)
    except LibraryFileError as exc:  # a full disk: the merge is saved here, the file is as it was
        raise LibraryFileError(
            path,
            f"{exc.problem} after its changes were merged into this library ({report.line()})",
            "Free some space, then sync again to write this library's changes to it.",
        ) from None
    return report


def _knows(library: Library) -> Callable[[str], bool]:
    return lambda pid: library.paper_for(pid) is not None


class StaleDevice(LibraryFileError):
    """This library missed removals the file has dropped, and holds older changes of its own."""


def _check_not_stale(state: LibraryState, incoming: SyncFile, path: Path) -> None:
    """Refuse to merge a library that holds unsynced changes of its own stamped below a removal it
    never saw and the file has since dropped (compacted, e.g. while this machine was silent past
    the horizon): merged blindly, such a change would win although the removal outranks it,
    bringing a removed paper back. With --rejoin the user says: keep them."""
    count, remover = state.outranked_unseen(incoming.state)
    if count and remover is not None:
        others = [stamp for d, stamp in state.seen.items() if d != state.device]
        last = max(others, default="")
        when = f"last synced {last[:10]}" if last else "never synced"
        problem = (
            f"this library ({when}) holds {plural(count, 'change')} made before removals on "
            f"{incoming.state.device_name(remover)} that it never saw and that the file has since dropped"
        )
    else:
        count, remover = incoming.state.outranked_unseen(state)
        if not count or remover is None:
            return
        problem = (
            f"the file holds {plural(count, 'change')} made before removals on {state.device_name(remover)} "
            "that it never saw and that this library has since dropped"
        )
    raise StaleDevice(
        path,
        f"{problem} (tombstones are kept until every device has seen them, or for {SILENT_AFTER.days} days)",
        f"Nothing was changed. `paperterm sync {path} --rejoin` merges anyway and keeps those changes "
        "(a paper bookmarked there stays bookmarked even if it was removed meanwhile).",
    )


def _merge_in(library: Library, incoming: SyncFile, path: Path, *, rejoin: bool = False) -> SyncReport:
    if not rejoin:
        library.refresh()
        _check_not_stale(library.state, incoming, path)
    report = SyncReport()
    report.new_papers = _import_unknown_papers(library, incoming, path)

    def change(state: LibraryState) -> None:
        if not rejoin:
            _check_not_stale(state, incoming, path)  # again under the lock: the freshest state
        merged = state.merge(incoming.state)
        came: set[str] = set()
        report.lists = _count_shown(
            state.lists,
            merged.lists,
            came,
            lambda st, rl: (rl.name, rl.position, st.find_list(rl.id) is not None),
            state,
            merged,
        )
        report.entries = _count_shown(
            state.entries, merged.entries, came, lambda st, e: st.entry_visible(e), state, merged
        )
        report.status = _count_shown(state.status, merged.status, came, lambda st, s: s.value, state, merged, "new")
        report.notes = 0
        for pid in state.notes.keys() | merged.notes.keys():
            before, after = state.notes.get(pid), merged.notes.get(pid)
            if (before.versions if before else {}) == (after.versions if after else {}):
                continue
            report.notes += 1
            came.update(v.by for v in (after.versions.values() if after else []))
            if after is not None and len(after.versions) > 1:
                if before is not None and len(before.versions) > 1:
                    report.standing += 1
                else:
                    report.conflicts += 1
        report.standing += sum(
            1 for pid, note in merged.notes.items() if len(note.versions) > 1 and state.notes.get(pid) == note
        )
        came.discard(state.device)
        came.discard("default")
        report.devices = sorted(merged.device_name(d) for d in came)
        report.ahead = _ahead(merged, state)
        merged.record_seen()
        merged.compact()
        for name in LibraryState.__slots__:
            if name not in ("device", "fingerprint", "wall"):
                setattr(state, name, getattr(merged, name))

    library.edit_state(change)
    library.refresh()
    return report


def _ahead(merged: LibraryState, before: LibraryState) -> str:
    """Said once: when a merge first takes this library's clock well ahead of this machine's."""
    now = clock.wall_now()
    limit = clock.format_stamp(now + timedelta(minutes=5))
    if before.high_water() > limit or merged.high_water() <= limit:
        return ""
    device, stamp = max(merged.seen.items(), key=lambda item: item[1])
    days = (clock.parse(stamp) - now).total_seconds() / 86400
    span = f"{days:,.0f} days" if days >= 2 else f"{days * 24:.1f} hours"
    return (
        f"changes from {merged.device_name(device)} are stamped {span} ahead of this machine's clock "
        "(a clock set ahead somewhere); changes made here are still stamped after them, so they win"
    )


def _count_shown(
    before: dict[Any, Any],
    after: dict[Any, Any],
    came: set[str],
    shown: Callable[[LibraryState, Any], Any],
    old: LibraryState,
    new: LibraryState,
    absent: Any = False,
) -> int:
    """How many records the merge changed as the user sees them; their devices are added to `came`."""
    changed = 0
    for key in before.keys() | after.keys():
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        if (shown(old, was) if was is not None else absent) != (shown(new, now) if now is not None else absent):
            changed += 1
            if now is not None:
                came.add(now.by)
    return changed


def _import_unknown_papers(library: Library, incoming: SyncFile, path: Path) -> int:
    """Papers the file carries that this library has never seen become papers here, each seen in
    the digests the file names, on their dates, as seen on the device that saw them."""
    wanted = incoming.state.kept_ids()
    groups: dict[tuple[str, str | None], list[PaperRecord]] = defaultdict(list)
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
            published=meta.get("published"),
            # A paper known by its DOI or PMID alone keeps that id here: under a title id, its list
            # entries and note (which name the DOI id) showed nowhere.
            doi=pid.removeprefix("doi:") if pid.startswith("doi:") else None,
            pmid=pid.removeprefix("pmid:") if pid.startswith("pmid:") else None,
        )
        sightings = meta.get("sightings") or [{"digest": f"sync: {path.name}", "date": None, "device": ""}]
        for sighting in sightings:
            name = sighting["digest"] + (f" on {sighting['device']}" if sighting.get("device") else "")
            groups[(name, sighting.get("date"))].append(record)
    if not groups:
        return 0
    with writing_inputs(library.root / INPUTS_DIR):  # the copies are this import's until the commit
        digests = []
        for (name, day), records in sorted(groups.items(), key=lambda item: (item[0][1] or "", item[0][0])):
            body = orjson.dumps([name, day, [[r.title, r.abstract, r.arxiv_id] for r in records]])
            digests.append(
                ParsedDigest(
                    name=name,
                    # The sync file changes with every sync: its papers are kept under inputs/ for `doctor --repair`.
                    path=str(keep_input(library.root, records_payload(records), "sync")),
                    sha256=hashlib.sha256(b"sync\0" + body).hexdigest(),
                    result=ParseResult(format=SYNC_FORMAT, papers=records),
                    date=day,
                    date_source="sync",
                )
            )
        report = library.store.commit(digests, clock.now()[:19] + "+00:00")
    library._papers_changed(report.new_ids)
    return len(set(report.new_ids))
