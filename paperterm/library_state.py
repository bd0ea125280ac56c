"""The user's own state: reading lists, triage status and notes — the data that is never lost.

Every piece is a register stamped with the time it changed and the device that
changed it, so two copies of the state (two processes, two machines) merge
without coordination: for lists, list entries and status the later change wins,
ties broken by device id and then by value, and a removal is a tombstone that
wins over an older add and loses to a newer one. Notes are multi-value: an edit
replaces the versions its author had seen, and versions written concurrently on
two machines are both kept until the user edits the note again. `merge` is
therefore commutative, associative and idempotent.

This module is pure data; `state_store` reads and writes it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from . import clock

SCHEMA_VERSION = 1
KIND = "paperterm-state"
STATUSES = ("new", "read", "dismissed")
DEFAULT_LIST = "to-read"
EPOCH = "1970-01-01T00:00:00.000000Z"
_SLUG = re.compile(r"[^a-z0-9]+")


def new_device_id() -> str:
    return secrets.token_hex(6)


def _order(changed: str, by: str, value: Any) -> tuple[str, str, bytes]:
    return (changed, by, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


@dataclass(frozen=True, slots=True)
class ReadingList:
    id: str
    name: str
    position: int
    deleted: bool
    changed: str
    by: str

    def key(self) -> tuple[str, str, bytes]:
        return _order(self.changed, self.by, [self.name, self.position, self.deleted])


@dataclass(frozen=True, slots=True)
class ListEntry:
    list: str
    paper: str
    added: str
    removed: bool
    changed: str
    by: str

    def key(self) -> tuple[str, str, bytes]:
        return _order(self.changed, self.by, [self.added, self.removed])


@dataclass(frozen=True, slots=True)
class Status:
    value: str
    changed: str
    by: str

    def key(self) -> tuple[str, str, bytes]:
        return _order(self.changed, self.by, self.value)


@dataclass(frozen=True, slots=True)
class TopicPref:
    """The user's say over one topic: an automatic one renamed, pinned, hidden or merged into
    another, or a topic of their own (`rule` in the search language)."""

    key: str  # auto:<stems> or user:<slug>
    name: str
    rule: str
    pinned: bool
    hidden: bool
    merged_into: str
    deleted: bool
    changed: str
    by: str

    def key_order(self) -> tuple[str, str, bytes]:
        return _order(
            self.changed,
            self.by,
            [self.name, self.rule, self.pinned, self.hidden, self.merged_into, self.deleted],
        )


@dataclass(frozen=True, slots=True)
class NoteVersion:
    id: str
    text: str
    changed: str
    by: str
    shared: bool = False  # local only: has this version left the machine (export/sync)?


@dataclass(slots=True)
class Note:
    versions: dict[str, NoteVersion] = field(default_factory=dict)
    superseded: set[str] = field(default_factory=set)

    def live(self) -> list[NoteVersion]:
        """Current versions, newest first. More than one means concurrent edits on two machines."""
        return sorted(self.versions.values(), key=lambda v: (v.changed, v.by, v.id), reverse=True)

    @property
    def changed(self) -> str:
        return max((v.changed for v in self.versions.values()), default="")

    @property
    def text(self) -> str:
        """The note as the user sees it; concurrent versions are all shown, clearly marked."""
        live = self.live()
        if len(live) <= 1:
            return live[0].text if live else ""
        parts = [live[0].text]
        for other in live[1:]:
            parts.append(
                f"\n\n<<<<<<< also edited on device {other.by} at {other.changed} — merge and delete this\n"
                f"{other.text}\n>>>>>>>"
            )
        return "".join(parts)


@dataclass(slots=True)
class LibraryState:
    """The whole user state of one library (or one sync file)."""

    device: str = field(default_factory=new_device_id)
    lists: dict[str, ReadingList] = field(default_factory=dict)
    entries: dict[tuple[str, str], ListEntry] = field(default_factory=dict)
    status: dict[str, Status] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    topics: dict[str, TopicPref] = field(default_factory=dict)

    # -- reading -------------------------------------------------------------

    def live_lists(self) -> list[ReadingList]:
        return sorted((rl for rl in self.lists.values() if not rl.deleted), key=lambda r: (r.position, r.name))

    def find_list(self, name_or_id: str) -> ReadingList | None:
        wanted = name_or_id.strip().casefold()
        for reading_list in self.live_lists():
            if reading_list.id == name_or_id or reading_list.name.casefold() == wanted:
                return reading_list
        return None

    def list_papers(self, list_id: str) -> list[str]:
        """Paper ids in a list, in the order they were added."""
        live = [e for e in self.entries.values() if e.list == list_id and not e.removed]
        return [e.paper for e in sorted(live, key=lambda e: (e.added, e.paper))]

    def lists_of(self, paper_id: str) -> list[str]:
        names = {rl.id: rl.name for rl in self.live_lists()}
        return [
            names[e.list] for e in self.entries.values() if e.paper == paper_id and not e.removed and e.list in names
        ]

    def status_of(self, paper_id: str) -> str:
        found = self.status.get(paper_id)
        return found.value if found else "new"

    def note_of(self, paper_id: str) -> str:
        note = self.notes.get(paper_id)
        return note.text if note else ""

    def bookmarked_ids(self) -> set[str]:
        live = {rl.id for rl in self.live_lists()}
        return {e.paper for e in self.entries.values() if not e.removed and e.list in live}

    def noted_ids(self) -> set[str]:
        return {pid for pid, note in self.notes.items() if note.text.strip()}

    def kept_ids(self) -> set[str]:
        """Papers another machine needs to know to show this state: in a list, or with a note."""
        return {e.paper for e in self.entries.values() if not e.removed} | self.noted_ids()

    # -- changing (each returns nothing; stamps the change with time and device) --

    def ensure_default_list(self) -> ReadingList:
        existing = self.lists.get(DEFAULT_LIST)
        if existing is not None and not existing.deleted:
            return existing
        if existing is None:
            # The same register on every machine, older than any real change: creating the
            # default list is not an edit, so it never overrides a rename made elsewhere.
            made = ReadingList(DEFAULT_LIST, DEFAULT_LIST, 0, False, EPOCH, "default")
            self.lists[DEFAULT_LIST] = made
            return made
        revived = replace(existing, deleted=False, changed=clock.now(), by=self.device)
        self.lists[DEFAULT_LIST] = revived
        return revived

    def create_list(self, name: str) -> ReadingList:
        """A new list; its id is the name's slug, so lists made with one name on two machines meet."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a reading list needs a name")
        if self.find_list(name) is not None:
            raise ValueError(f"a list named {name!r} exists already")
        base = _SLUG.sub("-", name.casefold()).strip("-") or "list"
        list_id, n = base, 2
        while list_id in self.lists and not self.lists[list_id].deleted:
            list_id, n = f"{base}-{n}", n + 1
        position = max((rl.position for rl in self.live_lists()), default=-1) + 1
        if list_id in self.lists:  # a deleted list's id: entries it held when deleted stay out
            for paper_id in self.list_papers(list_id):
                self.set_in_list(list_id, paper_id, False)
        made = ReadingList(list_id, name, position, False, clock.now(), self.device)
        self.lists[list_id] = made
        return made

    def rename_list(self, list_id: str, name: str) -> None:
        name = " ".join(name.split())
        if not name:
            raise ValueError("a reading list needs a name")
        clash = self.find_list(name)
        if clash is not None and clash.id != list_id:
            raise ValueError(f"a list named {name!r} exists already")
        self.lists[list_id] = replace(self.lists[list_id], name=name, changed=clock.now(), by=self.device)

    def move_list(self, list_id: str, position: int) -> None:
        self.lists[list_id] = replace(self.lists[list_id], position=position, changed=clock.now(), by=self.device)

    def delete_list(self, list_id: str) -> list[str]:
        """Delete a list and its entries (as tombstones, so the removal syncs): a list made later
        with the same name starts empty. Returns the papers it held."""
        held = self.list_papers(list_id)
        for paper_id in held:
            self.set_in_list(list_id, paper_id, False)
        self.lists[list_id] = replace(self.lists[list_id], deleted=True, changed=clock.now(), by=self.device)
        return held

    def restore_list(self, list_id: str) -> None:
        """Bring a deleted list back under its old name (undo); its entries are restored one by one."""
        self.lists[list_id] = replace(self.lists[list_id], deleted=False, changed=clock.now(), by=self.device)

    def set_in_list(self, list_id: str, paper_id: str, present: bool, added: str | None = None) -> bool:
        """Add or remove a paper; False when it was already so (nothing is written).

        `added` puts a paper back at its old place in the list (undo); a new add is stamped now."""
        current = self.entries.get((list_id, paper_id))
        if current is not None and current.removed != present:
            return False
        if current is None and not present:
            return False
        stamp = clock.now()
        added = (added or stamp) if present else (current.added if current else stamp)
        self.entries[(list_id, paper_id)] = ListEntry(list_id, paper_id, added, not present, stamp, self.device)
        return True

    def set_status(self, paper_id: str, value: str) -> bool:
        if value not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        if self.status_of(paper_id) == value:
            return False
        self.status[paper_id] = Status(value, clock.now(), self.device)
        return True

    def set_note(self, paper_id: str, text: str) -> bool:
        """Replace the note. An unshared version of this device is rewritten in place (autosave
        keeps no history); otherwise a new version supersedes every version seen here."""
        note = self.notes.setdefault(paper_id, Note())
        if note.text == text and len(note.versions) <= 1:
            return False
        stamp = clock.now()
        live = note.live()
        if len(live) == 1 and not live[0].shared and live[0].by == self.device:
            note.versions[live[0].id] = replace(live[0], text=text, changed=stamp)
            return True
        version = NoteVersion(f"{stamp}/{self.device}", text, stamp, self.device)
        note.superseded.update(note.versions)
        note.versions = {version.id: version}
        return True

    def set_topic(self, key: str, **changes: str | bool) -> TopicPref:
        """Create or change the user's preference for a topic (name, rule, pinned, hidden, …)."""
        current = self.topics.get(key) or TopicPref(key, "", "", False, False, "", False, "", self.device)
        updated = replace(current, **changes, changed=clock.now(), by=self.device)  # type: ignore[arg-type]
        self.topics[key] = updated
        return updated

    def copy(self) -> LibraryState:
        """An independent copy, for comparing the state before and after a change (undo).

        Records are immutable, so the maps are copied shallowly; only notes are mutable."""
        return LibraryState(
            device=self.device,
            lists=dict(self.lists),
            entries=dict(self.entries),
            status=dict(self.status),
            notes={pid: Note(dict(n.versions), set(n.superseded)) for pid, n in self.notes.items()},
            topics=dict(self.topics),
        )

    def mark_shared(self) -> None:
        for note in self.notes.values():
            note.versions = {k: replace(v, shared=True) for k, v in note.versions.items()}

    # -- merging -------------------------------------------------------------

    def merge(self, other: LibraryState) -> LibraryState:
        """The union of two states; the device stays ours. Pure: neither input changes."""
        merged = LibraryState(device=self.device)
        merged.lists = _merge_lww(self.lists, other.lists)
        merged.entries = _merge_lww(self.entries, other.entries)
        merged.status = _merge_lww(self.status, other.status)
        merged.topics = _merge_lww(self.topics, other.topics, order=lambda t: t.key_order())
        for pid in self.notes.keys() | other.notes.keys():
            mine, theirs = self.notes.get(pid), other.notes.get(pid)
            superseded = (mine.superseded if mine else set()) | (theirs.superseded if theirs else set())
            versions: dict[str, NoteVersion] = {}
            for source in (mine, theirs):
                for vid, version in (source.versions if source else {}).items():
                    if vid in superseded:
                        continue
                    held = versions.get(vid)
                    if held is None or (version.changed, version.text) > (held.changed, held.text):
                        version = replace(version, shared=bool(held and held.shared) or version.shared)
                        versions[vid] = version
                    elif version.shared and not held.shared:
                        versions[vid] = replace(held, shared=True)
            merged.notes[pid] = Note(versions, superseded)
        return merged

    def canonical(self) -> dict[str, Any]:
        """The state without local-only fields, for comparing replicas."""
        payload = self.to_json()
        payload.pop("device", None)
        for note in payload["notes"].values():
            for version in note["versions"]:
                version.pop("shared", None)
        return payload

    # -- JSON ----------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "device": self.device,
            "lists": [_plain(rl) for rl in sorted(self.lists.values(), key=lambda r: r.id)],
            "entries": [_plain(e) for _, e in sorted(self.entries.items())],
            "status": {pid: _plain(s) for pid, s in sorted(self.status.items())},
            "topics": [_plain(t) for _, t in sorted(self.topics.items())],
            "notes": {
                pid: {
                    "versions": [_plain(v) for v in sorted(note.versions.values(), key=lambda v: v.id)],
                    "superseded": sorted(note.superseded),
                }
                for pid, note in sorted(self.notes.items())
            },
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> LibraryState:
        """Build from a validated payload (see `state_schema.validate`)."""
        state = cls(device=str(payload.get("device") or new_device_id()))
        for raw in payload.get("lists", []):
            rl = ReadingList(**raw)
            state.lists[rl.id] = rl
        for raw in payload.get("entries", []):
            entry = ListEntry(**raw)
            state.entries[(entry.list, entry.paper)] = entry
        for pid, raw in payload.get("status", {}).items():
            state.status[pid] = Status(**raw)
        for raw in payload.get("topics", []):
            pref = TopicPref(**raw)
            state.topics[pref.key] = pref
        for pid, raw in payload.get("notes", {}).items():
            versions = {v["id"]: NoteVersion(**v) for v in raw.get("versions", [])}
            state.notes[pid] = Note(versions, set(raw.get("superseded", [])))
        return state


def _merge_lww(
    mine: dict[Any, Any], theirs: dict[Any, Any], order: Callable[[Any], Any] = lambda v: v.key()
) -> dict[Any, Any]:
    merged = dict(mine)
    for key, value in theirs.items():
        held = merged.get(key)
        if held is None or order(value) > order(held):
            merged[key] = value
    return merged


def _plain(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}
