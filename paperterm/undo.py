"""Undo: each step is the exact inverse of one user action, and touches nothing else.

A step is recorded by watching the state edits an action makes (`UndoHistory.step`): for every
piece of state the action changed — one paper's status, one paper in one list, one note, one
field of a reading list, one field of a topic preference — it keeps the value before and after.
Undo is a compare-and-set per piece: the value before comes back only where the piece still
holds the value the action gave it. A piece that another process, a sync or a later action
changed since is left alone, and the result says so. Pieces the action did not change are never
written, so the CLI's note or a list entry made elsewhere survives an undo in the app.

All edits made inside one `step` are one step: a batch (`R` marks a page read, acting on a whole
view) is undone with one `u`, and so is deleting a list with its entries or merging two topics.
Undo itself is a new change, stamped now, and syncs like any other.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .wording import plural

if TYPE_CHECKING:  # the TUI imports this module before the library loads
    from .library import Library
    from .library_state import LibraryState, ReadingList, TopicPref

MAX_STEPS = 200
T = TypeVar("T")
# The fields of a list or topic the user's actions set (not who and when), `deleted` first: a
# list comes back before its name and place are set.
_LIST_FIELDS = ("deleted", "name", "position")
_TOPIC_FIELDS = ("deleted", "name", "rule", "pinned", "hidden", "merged_into")


@dataclass(frozen=True, slots=True)
class Change:
    """One piece of state an action changed: `kind` names it, `key` says which one."""

    kind: str  # status | entry | note | list | topic
    key: tuple[str, ...]  # (paper,) · (list, paper) · (list, field) · (topic key, field)
    before: Any
    after: Any

    def describe(self, now: Any) -> str:
        """What is left as another writer made it, for the user."""
        if self.kind == "status":
            return f"{self.key[0]} is {now} now"
        if self.kind == "entry":
            return f"{self.key[1]} in list {self.key[0]!r}"
        if self.kind == "note":
            return f"the note of {self.key[0]}"
        if self.key[1] == "deleted":
            return f"{self.kind} {self.key[0]!r} ({now})" if isinstance(now, str) else f"{self.kind} {self.key[0]!r}"
        return f"the {self.key[1]} of {self.kind} {self.key[0]!r}"


@dataclass(slots=True)
class UndoStep:
    label: str
    changes: list[Change] = field(default_factory=list)

    @property
    def paper_ids(self) -> list[str]:
        """Papers whose status, lists or note the step changed, in the order it changed them."""
        ids = [
            c.key[0] if c.kind != "entry" else c.key[1] for c in self.changes if c.kind in ("status", "entry", "note")
        ]
        return list(dict.fromkeys(ids))


@dataclass(slots=True)
class UndoResult:
    """What an undo did: the step, and the pieces left alone because they changed since."""

    step: UndoStep
    written: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def paper_ids(self) -> list[str]:
        return self.step.paper_ids

    def message(self) -> str:
        if not self.skipped:
            return f"Undid: {self.step.label}"
        shown = "; ".join(self.skipped[:3]) + (f"; and {len(self.skipped) - 3} more" if len(self.skipped) > 3 else "")
        what = "Undid" if self.written else "Could not undo"
        return f"{what}: {self.step.label}. Left as changed since (by you elsewhere, the CLI or a sync): {shown}"


# -- reading and writing one piece through the state's own API ------------------------------


def _list_field(record: ReadingList | None, name: str) -> Any:
    if record is None:
        return True if name == "deleted" else None
    return getattr(record, name)


def _topic_field(key: str, record: TopicPref | None, name: str) -> Any:
    if record is None:  # no say yet: an automatic topic as discovered, a user topic that does not exist
        defaults: dict[str, Any] = {"deleted": key.startswith("user:"), "name": "", "rule": ""}
        return defaults.get(name, "" if name == "merged_into" else False)
    return getattr(record, name)


def _read(state: LibraryState, change: Change) -> Any:
    kind, key = change.kind, change.key
    if kind == "status":
        return state.status_of(key[0])
    if kind == "entry":
        entry = state.entries.get((key[0], key[1]))
        return None if entry is None or entry.removed else entry.added
    if kind == "note":
        return state.note_of(key[0])
    if kind == "list":
        return _list_field(state.lists.get(key[0]), key[1])
    return _topic_field(key[0], state.topics.get(key[0]), key[1])


def _write(state: LibraryState, change: Change) -> None:
    kind, key, value = change.kind, change.key, change.before
    if kind == "status":
        state.set_status(key[0], value)
    elif kind == "entry":
        state.set_in_list(key[0], key[1], value is not None, added=value)
    elif kind == "note":
        state.set_note(key[0], value)
    elif kind == "list":
        if key[1] == "deleted":
            (state.delete_list if value else state.restore_list)(key[0])
        elif key[1] == "name":
            state.rename_list(key[0], value)  # refuses a name another list took since
        else:
            state.move_list(key[0], value)
    else:
        state.set_topic(key[0], **{key[1]: value})


def _changed_keys(before: dict[Any, Any], after: dict[Any, Any]) -> list[Any]:
    """Keys whose record was replaced, added or removed (records are immutable, so identity tells).

    One pass over `after` with no set built: at 100,000 statuses this is milliseconds."""
    changed = [k for k, v in after.items() if before.get(k) is not v]
    added = sum(1 for k in changed if k not in before)
    if len(after) - added != len(before):  # keys removed (rare: records are tombstoned, not dropped)
        changed.extend(k for k in before if k not in after)
    return changed


def changes_between(before: LibraryState, after: LibraryState) -> list[Change]:
    """Every piece of state that differs between two copies, with both values."""
    found: list[Change] = []
    for pid in _changed_keys(before.status, after.status):
        found.append(Change("status", (pid,), before.status_of(pid), after.status_of(pid)))
    for list_id, pid in _changed_keys(before.entries, after.entries):
        probe = Change("entry", (list_id, pid), None, None)
        found.append(Change("entry", (list_id, pid), _read(before, probe), _read(after, probe)))
    for pid in after.notes.keys() | before.notes.keys():
        was, now = before.notes.get(pid), after.notes.get(pid)
        was_versions = list(was.versions.values()) if was else []
        now_versions = list(now.versions.values()) if now else []
        if len(was_versions) != len(now_versions) or any(
            a is not b for a, b in zip(was_versions, now_versions, strict=True)
        ):
            found.append(Change("note", (pid,), before.note_of(pid), after.note_of(pid)))
    for list_id in _changed_keys(before.lists, after.lists):
        was_list, now_list = before.lists.get(list_id), after.lists.get(list_id)
        for name in ("deleted",) if was_list is None else _LIST_FIELDS:  # a new list: undo only deletes it
            found.append(Change("list", (list_id, name), _list_field(was_list, name), _list_field(now_list, name)))
    for key in _changed_keys(before.topics, after.topics):
        was_pref, now_pref = before.topics.get(key), after.topics.get(key)
        new_topic = was_pref is None and key.startswith("user:")
        for name in ("deleted",) if new_topic else _TOPIC_FIELDS:  # a new topic: undo only deletes it
            found.append(
                Change("topic", (key, name), _topic_field(key, was_pref, name), _topic_field(key, now_pref, name))
            )
    return sorted((c for c in found if c.before != c.after), key=_apply_order)


def _apply_order(change: Change) -> tuple[int, int, str]:
    """Lists before their entries, a list's return before its name; entries in the order added."""
    kind = ("list", "topic", "status", "note", "entry").index(change.kind)
    fields = _LIST_FIELDS if change.kind == "list" else _TOPIC_FIELDS
    rank = fields.index(change.key[1]) if change.kind in ("list", "topic") else 0
    return (kind, rank, str(change.before))


def invert(state: LibraryState, step: UndoStep) -> tuple[int, list[str]]:
    """Set each piece the step changed back, where it still holds what the step wrote.

    Returns how many pieces were set back, and what was left alone. A list the undo could not
    bring back keeps its entries out too: re-adding them would fill a list someone else deleted
    or made anew."""
    skipped: list[str] = []
    written = 0
    lists_left: dict[str, int] = {}  # list id → its papers kept out
    own_entries = {c.key for c in step.changes if c.kind == "entry"}
    for change in step.changes:  # lists first (see `changes_between`), so entries find their list
        now = _read(state, change)
        if now == change.before:
            if change.kind == "list" and change.key[1] == "deleted" and not now:
                lists_left[change.key[0]] = 0  # made anew (or brought back) since: its papers are theirs
            continue  # already as before: someone did the same since
        if change.kind == "list" and change.key[0] in lists_left:
            continue  # made anew or deleted by someone else since: the rest of it is theirs
        if change.kind == "entry" and change.before is not None:
            reading_list = state.lists.get(change.key[0])
            if change.key[0] in lists_left or reading_list is None or reading_list.deleted:
                lists_left[change.key[0]] = lists_left.get(change.key[0], 0) + 1
                continue
        if change.kind == "list" and change.key[1] == "deleted" and change.before:
            others = {(change.key[0], pid) for pid in state.list_papers(change.key[0])} - own_entries
            if others:  # the list made by this step holds papers put there since: keep it
                now = f"holding {plural(len(others), 'paper')} added since"
        if now != change.after:
            skipped.append(change.describe(now))
            if change.kind == "list" and change.key[1] == "deleted":
                lists_left.setdefault(change.key[0], 0)
            continue
        try:
            _write(state, change)
            written += 1
        except ValueError:  # a list's old name taken by another list since
            skipped.append(change.describe(now))
    for list_id, kept_out in lists_left.items():
        if kept_out:
            reading_list = state.lists.get(list_id)
            name = reading_list.name if reading_list is not None else list_id
            gone = reading_list is None or reading_list.deleted
            why = "deleted" if gone else "made anew or brought back"
            stay = "stays" if kept_out == 1 else "stay"
            skipped.append(f"list {name!r} was {why} since, so its {plural(kept_out, 'paper')} {stay} out")
    return written, skipped


# -- the history ------------------------------------------------------------------------------


class UndoHistory:
    """The app's undo levels. Actions run inside `step`; `undo` inverts the newest step."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._steps: list[UndoStep] = []
        self._open: dict[int, UndoStep] = {}  # per thread: a worker's step never takes a key's edits
        library.edit_observer = self

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[UndoStep]:
        """Every state edit made inside (on this thread) becomes part of one undo step.

        A step that changed nothing is not kept, so `u` never undoes an invisible no-op."""
        thread = threading.get_ident()
        if thread in self._open:  # nested: the outer step holds everything
            yield self._open[thread]
            return
        made = self._open[thread] = UndoStep(label)
        try:
            yield made
        finally:
            del self._open[thread]
            if made.changes:
                self._steps.append(made)
                del self._steps[:-MAX_STEPS]

    def record(self, label: str, action: Callable[[], T]) -> T:
        """Run `action` (calls into the library) as one undo step."""
        with self.step(label):
            return action()

    def recording(self) -> bool:
        """Whether an edit on this thread now is part of a step (the library copies the state only then)."""
        return threading.get_ident() in self._open

    def observe(self, before: LibraryState, after: LibraryState) -> None:
        made = self._open.get(threading.get_ident())
        if made is not None:
            made.changes.extend(changes_between(before, after))

    def undo(self) -> UndoResult | None:
        """Invert the newest step, in one state edit; None when there is nothing to undo."""
        if not self._steps:
            return None
        step = self._steps[-1]
        written, skipped = self.library.edit_state(lambda state: invert(state, step))
        # Only now: an undo that could not be saved (a full disk) leaves its step to try again.
        self._steps = [s for s in self._steps if s is not step]
        self.library.state_edited(
            note_ids=[c.key[0] for c in step.changes if c.kind == "note"],
            topics=any(c.kind == "topic" for c in step.changes),
        )
        return UndoResult(step, written, skipped)

    @property
    def last_label(self) -> str | None:
        return self._steps[-1].label if self._steps else None

    def __len__(self) -> int:
        return len(self._steps)
