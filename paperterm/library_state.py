"""The user's own state: reading lists, triage status and notes — the data that is never lost.

Every change is stamped by the hybrid logical clock (`clock.after`) above everything this
state has seen, and records the device that made it. Lists, list entries, status and topics
are registers where the higher stamp wins (ties broken by device id, then by value); a removal
is a tombstone. Because stamps are causal, a change made after seeing another always wins over
it, whatever the wall clocks say. Notes are multi-value: an edit replaces the versions its
device had seen, and versions written concurrently on two machines are both kept, marked.

`seen` is the state's knowledge: per device, the highest stamp merged from it. Each device's
changes travel in order (a sync file is always a whole state), so `seen[d] >= s` means every
change device d made up to s is known here. That is what lets the state stay small:
- a note version one side has seen but no longer holds was replaced there; a merge drops it,
  so superseded versions need no record at all;
- a tombstone is dropped once every device in `devices` has seen it (devices silent for
  `SILENT_AFTER` excepted); a copy of the removed entry that reaches us later is one we have
  seen, and the same rule drops it. Every dropped removal is recorded in `forgot` (per device,
  the latest): a state that has not seen it, holding an unsynced change of its own stamped below
  it, might have been outranked by a removal nobody can show it any more, and `sync` asks
  before merging (a change stamped above it wins anyway, by the clock rule);
- a list deletion records what its device had seen (`cleared`): entries it saw are hidden,
  entries added by changes it had not seen bring the list back.
`merge` is commutative, associative and idempotent. This module is pure data; `state_store`
reads and writes it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import orjson

from . import clock

SCHEMA_VERSION = 2
KIND = "paperterm-state"
STATUSES = ("new", "read", "dismissed")
DEFAULT_LIST = "to-read"
EPOCH = clock.EPOCH
# A device not heard from for this long (by the clock of what this library has seen) no longer
# holds tombstones back; if it returns, changes it made that nobody saw are still kept.
SILENT_AFTER = timedelta(days=90)
_SLUG = re.compile(r"[^a-z0-9]+")

Vector = dict[str, str]


def new_device_id() -> str:
    return secrets.token_hex(6)


def covers(vector: Vector, by: str, stamp: str) -> bool:
    """Has the holder of `vector` seen device `by`'s change stamped `stamp`?"""
    return vector.get(by, "") >= stamp


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
    # On deletion: what the deleting device had seen. Entries it covers stay hidden even if the
    # list is made again; an entry it does not cover was added unseen, and brings the list back.
    cleared: Vector = field(default_factory=dict)

    def key(self) -> tuple[str, str, bytes]:
        return _order(self.changed, self.by, [self.name, self.position, self.deleted, self.cleared])


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
    text: str
    changed: str
    by: str

    @property
    def id(self) -> str:
        return f"{self.changed}/{self.by}"


@dataclass(frozen=True, slots=True)
class Note:
    """The live versions of one note (replaced whole on every edit, never changed in place)."""

    versions: dict[str, NoteVersion] = field(default_factory=dict)

    def live(self) -> list[NoteVersion]:
        """Current versions, newest first. More than one means concurrent edits on two machines."""
        return sorted(self.versions.values(), key=lambda v: (v.changed, v.by), reverse=True)

    @property
    def changed(self) -> str:
        return max((v.changed for v in self.versions.values()), default="")

    def render(self, name_of: Callable[[str], str] = str) -> str:
        """The note as the user sees it; concurrent versions are all shown, marked with the machine
        that wrote them. Not with a time: the versions were written without seeing each other, so
        no order between them is true, and a stamp is a clock that may be a year off (or the stamp
        of something that clock had seen), which would tell the user the wrong text is the newer."""
        live = self.live()
        if len(live) <= 1:
            return live[0].text if live else ""
        parts = [live[0].text]
        for n, other in enumerate(live[1:]):
            above = f"{name_of(live[0].by)}'s text above" if n == 0 else "the texts above"
            parts.append(
                f"\n\n<<<<<<< also edited on {name_of(other.by)} without seeing {above} — merge and delete this\n"
                f"{other.text}\n>>>>>>>"
            )
        return "".join(parts)

    @property
    def text(self) -> str:
        return self.render()


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A device that changed this state: its readable name, and what it had seen at its last change."""

    name: str
    named: str  # stamp of the naming, so a rename on one machine wins over an older one
    seen: Vector = field(default_factory=dict)


@dataclass(slots=True)
class LibraryState:
    """The whole user state of one library (or one sync file)."""

    device: str = field(default_factory=new_device_id)
    lists: dict[str, ReadingList] = field(default_factory=dict)
    entries: dict[tuple[str, str], ListEntry] = field(default_factory=dict)
    status: dict[str, Status] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    topics: dict[str, TopicPref] = field(default_factory=dict)
    seen: Vector = field(default_factory=dict)
    devices: dict[str, DeviceRecord] = field(default_factory=dict)
    fingerprint: str = ""
    # Per device, the latest of its removals dropped (compacted) here or anywhere merged in.
    forgot: Vector = field(default_factory=dict)  # the machine and data dir this device id belongs to (see state_store)
    wall: clock.Wall | None = field(default=None, compare=False, repr=False)  # tests simulate clocks

    # -- reading -------------------------------------------------------------

    def _hidden_by_deletion(self, entry: ListEntry) -> bool:
        reading_list = self.lists.get(entry.list)
        return reading_list is not None and covers(reading_list.cleared, entry.by, entry.changed)

    def entry_visible(self, entry: ListEntry) -> bool:
        """In its list as the user sees it: not removed, and not hidden by a deletion that saw it."""
        return not entry.removed and not self._hidden_by_deletion(entry)

    def live_lists(self) -> list[ReadingList]:
        """Lists not deleted, and deleted lists holding an entry their deletion had not seen."""
        deleted = {rl.id for rl in self.lists.values() if rl.deleted}
        revived = (
            {e.list for e in self.entries.values() if e.list in deleted and self.entry_visible(e)} if deleted else set()
        )
        shown = (rl for rl in self.lists.values() if not rl.deleted or rl.id in revived)
        return sorted(shown, key=lambda r: (r.position, r.name))

    def find_list(self, name_or_id: str) -> ReadingList | None:
        wanted = name_or_id.strip().casefold()
        for reading_list in self.live_lists():
            if reading_list.id == name_or_id or reading_list.name.casefold() == wanted:
                return reading_list
        return None

    def list_papers(self, list_id: str) -> list[str]:
        """Paper ids in a list, in the order they were added."""
        live = [e for e in self.entries.values() if e.list == list_id and self.entry_visible(e)]
        return [e.paper for e in sorted(live, key=lambda e: (e.added, e.paper))]

    def list_ids_of(self, paper_id: str) -> set[str]:
        """Ids of the lists a paper is visibly in."""
        return {e.list for e in self.entries.values() if e.paper == paper_id and self.entry_visible(e)}

    def lists_of(self, paper_id: str) -> list[str]:
        holding = self.list_ids_of(paper_id)
        return [rl.name for rl in self.live_lists() if rl.id in holding]

    def status_of(self, paper_id: str) -> str:
        found = self.status.get(paper_id)
        return found.value if found else "new"

    def device_name(self, device_id: str) -> str:
        """The readable name of a device (two with one name, e.g. one hostname, are told apart by id)."""
        record = self.devices.get(device_id)
        if record is None or not record.name:
            return device_id
        if any(r.name == record.name for d, r in self.devices.items() if d != device_id):
            return f"{record.name} ({device_id[:4]})"
        return record.name

    def note_of(self, paper_id: str) -> str:
        note = self.notes.get(paper_id)
        return note.render(self.device_name) if note else ""

    def bookmarked_ids(self) -> set[str]:
        return {e.paper for e in self.entries.values() if self.entry_visible(e)}

    def noted_ids(self) -> set[str]:
        return {pid for pid, note in self.notes.items() if any(v.text.strip() for v in note.versions.values())}

    def kept_ids(self) -> set[str]:
        """Papers another machine needs to know to show this state: in a list, or with a note."""
        return self.bookmarked_ids() | self.noted_ids()

    def high_water(self) -> str:
        """The highest stamp this state has seen; every new change is stamped above it."""
        return max(self.seen.values(), default=EPOCH)

    # -- devices -------------------------------------------------------------

    def _stamp(self) -> str:
        stamp = clock.after(self.high_water(), self.wall)
        self.seen[self.device] = stamp
        self.record_seen()
        return stamp

    def record_seen(self) -> None:
        """Note in this device's record that it has seen everything in the state (after a change or a merge)."""
        mine = self.devices.get(self.device)
        if mine is None:
            mine = DeviceRecord("", EPOCH)
        self.devices[self.device] = replace(mine, seen=dict(self.seen))

    def name_device(self, name: str) -> None:
        """Give this device a readable name (shown in conflict markers and sync summaries)."""
        name = " ".join(name.split())
        if not name or len(name) > 100:
            raise ValueError("a device name needs 1 to 100 characters")
        stamp = self._stamp()
        self.devices[self.device] = replace(self.devices[self.device], name=name, named=stamp)

    def become_device(self, device_id: str, fingerprint: str, name: str) -> None:
        """Continue as a new device (this state was copied from another machine or data dir).
        What the old id wrote stays its own; from now on this copy writes as `device_id`."""
        self.device, self.fingerprint = device_id, fingerprint
        taken = {r.name for d, r in self.devices.items() if d != device_id}
        if name in taken:
            name = f"{name}-{device_id[:4]}"
        stamp = self._stamp()
        self.devices[device_id] = replace(self.devices[device_id], name=name, named=stamp)

    # -- changing (each stamps the change with the clock and the device) ----------

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
        revived = replace(existing, deleted=False, changed=self._stamp(), by=self.device)
        self.lists[DEFAULT_LIST] = revived
        return revived

    def create_list(self, name: str) -> ReadingList:
        """A new list; its id is the name's slug, so lists made with one name on two machines meet.
        Made again after a deletion, it starts empty (the old entries stay hidden)."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a reading list needs a name")
        if self.find_list(name) is not None:
            raise ValueError(f"a list named {name!r} exists already")
        base = _SLUG.sub("-", name.casefold()).strip("-") or "list"
        shown = {rl.id for rl in self.live_lists()}
        list_id, n = base, 2
        while list_id in shown:
            list_id, n = f"{base}-{n}", n + 1
        position = max((rl.position for rl in self.live_lists()), default=-1) + 1
        old = self.lists.get(list_id)
        made = ReadingList(list_id, name, position, False, self._stamp(), self.device, old.cleared if old else {})
        self.lists[list_id] = made
        return made

    def rename_list(self, list_id: str, name: str) -> None:
        name = " ".join(name.split())
        if not name:
            raise ValueError("a reading list needs a name")
        clash = self.find_list(name)
        if clash is not None and clash.id != list_id:
            raise ValueError(f"a list named {name!r} exists already")
        self.lists[list_id] = replace(
            self.lists[list_id], name=name, deleted=False, changed=self._stamp(), by=self.device
        )

    def move_list(self, list_id: str, position: int) -> None:
        self.lists[list_id] = replace(
            self.lists[list_id], position=position, deleted=False, changed=self._stamp(), by=self.device
        )

    def delete_list(self, list_id: str) -> list[str]:
        """Delete a list: its entries go (as tombstones, so undo can put them back) and the list
        records what this device had seen (`ReadingList.cleared`), so an add made elsewhere without
        seeing the deletion brings it back. A list made later with the same name starts empty.
        Returns the papers it held."""
        held = self.list_papers(list_id)
        for paper_id in held:
            self.set_in_list(list_id, paper_id, False)
        stamp = self._stamp()
        self.lists[list_id] = replace(
            self.lists[list_id], deleted=True, cleared=dict(self.seen), changed=stamp, by=self.device
        )
        return held

    def restore_list(self, list_id: str) -> None:
        """Bring a deleted list back under its old name (undo); its entries are restored one by one."""
        self.lists[list_id] = replace(self.lists[list_id], deleted=False, changed=self._stamp(), by=self.device)

    def set_in_list(self, list_id: str, paper_id: str, present: bool, added: str | None = None) -> bool:
        """Add or remove a paper; False when it was already so (nothing is written).

        `added` puts a paper back at its old place in the list (undo); a new add is stamped now."""
        current = self.entries.get((list_id, paper_id))
        if (current is not None and self.entry_visible(current)) == present:
            return False
        stamp = self._stamp()
        added = (added or stamp) if present else current.added  # type: ignore[union-attr]  # removing: it exists
        entry = ListEntry(list_id, paper_id, added, not present, stamp, self.device)
        # A removal stays a tombstone until a sync publishes it (`compact`), even with no other
        # device known: a machine not met yet may hold an older add that it must outrank.
        self.entries[(list_id, paper_id)] = entry
        return True

    def set_status(self, paper_id: str, value: str) -> bool:
        if value not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        if self.status_of(paper_id) == value:
            return False
        stamp = self._stamp()
        self.status[paper_id] = Status(value, stamp, self.device)
        return True

    def set_note(self, paper_id: str, text: str) -> bool:
        """Replace the note: the new version supersedes every version seen here (an empty text
        removes the note). Replaced versions leave no trace; `seen` drops their copies elsewhere."""
        note = self.notes.get(paper_id)
        if note is None and not text:
            return False
        if note is not None and len(note.versions) == 1 and note.live()[0].text == text:
            return False
        stamp = self._stamp()
        if text:
            version = NoteVersion(text, stamp, self.device)
            self.notes[paper_id] = Note({version.id: version})
        else:
            self.notes.pop(paper_id, None)
        return True

    def set_topic(self, key: str, **changes: str | bool) -> TopicPref:
        """Create or change the user's preference for a topic (name, rule, pinned, hidden, …)."""
        current = self.topics.get(key) or TopicPref(key, "", "", False, False, "", False, "", self.device)
        updated = replace(current, **changes, changed=self._stamp(), by=self.device)  # type: ignore[arg-type]
        self.topics[key] = updated
        return updated

    # -- compaction ----------------------------------------------------------

    def _voters(self) -> list[DeviceRecord]:
        """Devices whose knowledge decides whether a tombstone may go: all but those that have
        neither changed anything nor synced for `SILENT_AFTER` (by the stamps this state has seen)."""
        horizon = clock.format_stamp(clock.parse(self.high_water()) - SILENT_AFTER)
        return [
            r
            for d, r in self.devices.items()
            if d == self.device or max(self.seen.get(d, ""), *r.seen.values(), "") >= horizon
        ]

    def _forget(self, by: str, stamp: str) -> None:
        """A removal dropped: the latest one per device goes in `forgot`."""
        if stamp > self.forgot.get(by, ""):
            self.forgot[by] = stamp

    def outranked_unseen(self, other: LibraryState) -> tuple[int, str | None]:
        """Changes this state holds that `other` has not seen (list entries, statuses, topics: what
        a removal overrides), stamped below a removal `other` dropped that this state never saw:
        merged, they would win although the removal outranks them. How many, and the device that
        made the latest such removal; (0, None) when merging cannot bring anything back."""
        missed = {d: stamp for d, stamp in other.forgot.items() if not covers(self.seen, d, stamp)}
        if not missed:
            return 0, None
        latest = max(missed.values())
        records = [*self.entries.values(), *self.status.values(), *self.topics.values()]
        held = [r for r in records if r.changed < latest and not covers(other.seen, r.by, r.changed)]
        return len(held), max(missed, key=lambda d: missed[d]) if held else None

    def _stable(self, by: str, stamp: str, voters: Iterable[DeviceRecord] | None = None) -> bool:
        """Has every device that counts seen this change?"""
        chosen = self._voters() if voters is None else voters
        return all(covers(r.seen, by, stamp) for r in chosen)

    def compact(self, *, horizon_only: bool = False) -> int:
        """Drop tombstones every device has seen: removed entries, entries hidden by a list
        deletion, `new` statuses, deleted topics. Run by a sync, which publishes what it drops
        (in `forgot`). `horizon_only` (a library that does not sync): only those older than
        `SILENT_AFTER`. Returns how many records went."""
        horizon = clock.format_stamp(clock.parse(self.high_water()) - SILENT_AFTER)
        voters = self._voters()
        before = len(self.entries) + len(self.status) + len(self.topics)

        def gone(by: str, stamp: str) -> bool:
            return stamp < horizon if horizon_only else self._stable(by, stamp, voters)

        def dead_entry(e: ListEntry) -> bool:
            if e.removed:
                return gone(e.by, e.changed)
            rl = self.lists.get(e.list)
            return rl is not None and covers(rl.cleared, e.by, e.changed) and gone(rl.by, rl.changed)

        dead = [e for e in self.entries.values() if dead_entry(e)]
        dead += [s for s in self.status.values() if s.value == "new" and gone(s.by, s.changed)]
        dead += [t for t in self.topics.values() if t.deleted and gone(t.by, t.changed)]
        if not dead:
            return 0
        for record in dead:
            if isinstance(record, ListEntry) and not record.removed:  # hidden by its list's deletion
                rl = self.lists[record.list]
                self._forget(rl.by, rl.changed)
            else:
                self._forget(record.by, record.changed)
        gone = {id(r) for r in dead}
        self.entries = {k: e for k, e in self.entries.items() if id(e) not in gone}
        self.status = {k: s for k, s in self.status.items() if id(s) not in gone}
        self.topics = {k: t for k, t in self.topics.items() if id(t) not in gone}
        return before - (len(self.entries) + len(self.status) + len(self.topics))

    # -- merging -------------------------------------------------------------

    def merge(self, other: LibraryState) -> LibraryState:
        """The union of two states; the device stays ours. Pure: neither input changes."""
        merged = LibraryState(device=self.device, fingerprint=self.fingerprint, wall=self.wall)
        mine, theirs = self.seen, other.seen
        merged.lists = _merge_lww(self.lists, other.lists, mine, theirs)
        merged.entries = _merge_lww(self.entries, other.entries, mine, theirs)
        merged.status = _merge_lww(self.status, other.status, mine, theirs)
        merged.topics = _merge_lww(self.topics, other.topics, mine, theirs, order=lambda t: t.key_order())
        for pid in self.notes.keys() | other.notes.keys():
            a, b = self.notes.get(pid), other.notes.get(pid)
            versions = _merge_versions(a.versions if a else {}, b.versions if b else {}, mine, theirs)
            if versions:
                merged.notes[pid] = Note(versions)
        merged.seen = _max_vector(mine, theirs)
        merged.forgot = _max_vector(self.forgot, other.forgot)
        for device_id in self.devices.keys() | other.devices.keys():
            x, y = self.devices.get(device_id), other.devices.get(device_id)
            if x is None or y is None:
                merged.devices[device_id] = x or y  # type: ignore[assignment]
                continue
            named = max((x.named, x.name), (y.named, y.name))
            merged.devices[device_id] = DeviceRecord(named[1], named[0], _max_vector(x.seen, y.seen))
        return merged

    def copy(self) -> LibraryState:
        """An independent copy (records are immutable, so copying the maps is enough)."""
        return LibraryState(
            self.device,
            dict(self.lists),
            dict(self.entries),
            dict(self.status),
            dict(self.notes),
            dict(self.topics),
            dict(self.seen),
            dict(self.devices),
            self.fingerprint,
            dict(self.forgot),
            self.wall,
        )

    def view(self) -> dict[str, Any]:
        """What the user sees (lists and their papers, statuses, notes, topics): replicas that
        have exchanged everything show the same, whatever bookkeeping each keeps."""
        return {
            "lists": {rl.id: (rl.name, rl.position, self.list_papers(rl.id)) for rl in self.live_lists()},
            "status": {pid: s.value for pid, s in self.status.items() if s.value != "new"},
            "notes": {pid: self.note_of(pid) for pid in self.notes},
            "topics": {k: _plain(t) | {"changed": "", "by": ""} for k, t in self.topics.items() if not t.deleted},
        }

    def canonical(self) -> dict[str, Any]:
        """The state without local-only fields, for comparing replicas."""
        payload = self.to_json()
        payload.pop("device", None)
        payload.pop("fingerprint", None)
        return payload

    # -- JSON ----------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "device": self.device,
            "fingerprint": self.fingerprint,
            "seen": dict(sorted(self.seen.items())),
            "devices": {
                d: {"name": r.name, "named": r.named, "seen": dict(sorted(r.seen.items()))}
                for d, r in sorted(self.devices.items())
            },
            "lists": [_plain(rl) for rl in sorted(self.lists.values(), key=lambda r: r.id)],
            "entries": [_plain(e) for _, e in sorted(self.entries.items())],
            "status": {pid: _plain(s) for pid, s in sorted(self.status.items())},
            "topics": [_plain(t) for _, t in sorted(self.topics.items())],
            "notes": {
                pid: {"versions": [_plain(v) for v in sorted(note.versions.values(), key=lambda v: v.id)]}
                for pid, note in sorted(self.notes.items())
            },
            "forgot": dict(sorted(self.forgot.items())),
        }

    def to_json_records(self) -> dict[str, Any]:
        """The same document as `to_json`, with the records left as dataclasses for orjson to
        encode directly: a save costs a few milliseconds however many notes the library holds."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "device": self.device,
            "fingerprint": self.fingerprint,
            "seen": self.seen,
            "devices": self.devices,
            "lists": sorted(self.lists.values(), key=lambda r: r.id),
            "entries": [e for _, e in sorted(self.entries.items())],
            "status": dict(sorted(self.status.items())),
            "topics": [t for _, t in sorted(self.topics.items())],
            "notes": {pid: {"versions": list(note.versions.values())} for pid, note in sorted(self.notes.items())},
            "forgot": self.forgot,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> LibraryState:
        """Build from a validated payload (see `state_schema.validate_state`)."""
        state = cls(device=str(payload.get("device") or new_device_id()), fingerprint=payload.get("fingerprint", ""))
        state.seen = dict(payload.get("seen", {}))
        state.forgot = dict(payload.get("forgot", {}))
        for device_id, raw in payload.get("devices", {}).items():
            state.devices[device_id] = DeviceRecord(raw["name"], raw["named"], dict(raw["seen"]))
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
            versions = {v.id: v for v in (NoteVersion(**r) for r in raw.get("versions", []))}
            if versions:
                state.notes[pid] = Note(versions)
        return state


def _max_vector(a: Vector, b: Vector) -> Vector:
    merged = dict(a)
    for device_id, stamp in b.items():
        if stamp > merged.get(device_id, ""):
            merged[device_id] = stamp
    return merged


def _merge_lww(
    mine: dict[Any, Any],
    theirs: dict[Any, Any],
    mine_seen: Vector,
    theirs_seen: Vector,
    order: Callable[[Any], Any] = lambda v: v.key(),
) -> dict[Any, Any]:
    """Per key the higher stamp wins. A record only one side holds is dropped when the other side
    has seen it: that side compacted a tombstone newer than it."""
    merged: dict[Any, Any] = {}
    for key, value in mine.items():
        held = theirs.get(key)
        if held is None:
            if not covers(theirs_seen, value.by, value.changed):
                merged[key] = value
        else:
            merged[key] = value if order(value) >= order(held) else held
    for key, value in theirs.items():
        if key not in mine and not covers(mine_seen, value.by, value.changed):
            merged[key] = value
    return merged


def _merge_versions(
    mine: dict[str, NoteVersion], theirs: dict[str, NoteVersion], mine_seen: Vector, theirs_seen: Vector
) -> dict[str, NoteVersion]:
    """Versions both hold, and versions one holds that the other has not seen (else it replaced them)."""
    kept = {vid: v for vid, v in mine.items() if vid in theirs or not covers(theirs_seen, v.by, v.changed)}
    for vid, version in theirs.items():
        if vid not in mine and not covers(mine_seen, version.by, version.changed):
            kept[vid] = version
    return kept


def _plain(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def upgrade_from_1(payload: dict[str, Any]) -> dict[str, Any]:
    """State schema 1 → 2: knowledge and device records built from the stamps; deleted lists'
    entries tombstoned (schema 1 hid them by the list flag alone); superseded note versions dropped.
    Parts of the wrong shape are passed on unchanged, for the schema-2 validation to name them."""
    seen: Vector = {}

    def saw(record: Any) -> None:
        if not (isinstance(record, dict) and isinstance(record.get("by"), str)):
            return
        by, stamp = record["by"], record.get("changed")
        if isinstance(stamp, str) and by != "default" and stamp > seen.get(by, ""):
            seen[by] = stamp

    def listed(key: str) -> list[Any]:
        found = payload.get(key, [])
        return found if isinstance(found, list) else []

    lists = [
        {**raw, "cleared": {}} if isinstance(raw, dict) and "cleared" not in raw else raw for raw in listed("lists")
    ]
    deleted = {raw.get("id"): raw for raw in lists if isinstance(raw, dict) and raw.get("deleted") is True}
    entries = []
    for raw in listed("entries"):
        gone = deleted.get(raw.get("list")) if isinstance(raw, dict) else None
        if gone is not None and raw.get("removed") is False and str(raw.get("changed")) <= str(gone.get("changed")):
            raw = {**raw, "removed": True, "changed": gone.get("changed"), "by": gone.get("by")}
        entries.append(raw)
    notes = payload.get("notes", {})
    if isinstance(notes, dict):
        upgraded: dict[str, Any] = {}
        for pid, raw in notes.items():
            if not isinstance(raw, dict) or not isinstance(raw.get("versions", []), list):
                upgraded[pid] = raw
                continue
            superseded = raw.get("superseded", [])
            superseded = (
                set(superseded)
                if isinstance(superseded, list) and all(isinstance(v, str) for v in superseded)
                else set()
            )
            for old in superseded:
                stamp, _, by = old.partition("/")
                saw({"by": by, "changed": stamp})
            versions = [
                {k: v[k] for k in ("text", "changed", "by") if k in v} if isinstance(v, dict) else v
                for v in raw.get("versions", [])
                if not (isinstance(v, dict) and v.get("id") in superseded)
            ]
            if versions:
                upgraded[pid] = {"versions": versions}
        notes = upgraded
        for raw in notes.values():
            for version in raw.get("versions", []) if isinstance(raw, dict) else []:
                saw(version)
    status = payload.get("status", {})
    for record in [*lists, *entries, *(status.values() if isinstance(status, dict) else []), *listed("topics")]:
        saw(record)
    devices = {d: {"name": "", "named": EPOCH, "seen": {}} for d in seen}
    device = payload.get("device")
    if isinstance(device, str):
        devices[device] = {"name": "", "named": EPOCH, "seen": dict(seen)}
    return {
        **payload,
        "fingerprint": "",
        "seen": seen,
        "devices": devices,
        "lists": lists,
        "entries": entries,
        "notes": notes,
    }
