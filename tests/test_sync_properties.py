"""Several simulated machines, each with its own clock offset and drift, acting and syncing through
one file in random orders: they converge, and no change is lost that was made after its machine
had seen what it overrides (the hybrid logical clock and the knowledge vectors at work)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from paperterm.library_state import LibraryState, covers

PAPERS = ["p1", "p2"]
LIST_NAMES = ["Thesis", "Group"]
START = datetime(2026, 1, 1, tzinfo=UTC)
# A clock reset to 2001, a day behind, right, five minutes ahead (NTP will correct it), a year ahead.
OFFSETS = [
    START.replace(year=2001) - START,
    timedelta(days=-1),
    timedelta(0),
    timedelta(minutes=5),
    timedelta(days=366),
]

OP = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(["to-read", *LIST_NAMES]), st.sampled_from(PAPERS)),
    st.tuples(st.just("remove"), st.sampled_from(["to-read", *LIST_NAMES]), st.sampled_from(PAPERS)),
    st.tuples(st.just("create"), st.sampled_from(LIST_NAMES), st.just("")),
    st.tuples(st.just("rename"), st.sampled_from(LIST_NAMES), st.sampled_from(["A", "B"])),
    st.tuples(st.just("delete"), st.sampled_from(LIST_NAMES), st.just("")),
    st.tuples(st.just("status"), st.sampled_from(["new", "read", "dismissed"]), st.sampled_from(PAPERS)),
    st.tuples(st.just("note"), st.sampled_from(["", "x", "y", "a longer note"]), st.sampled_from(PAPERS)),
    st.tuples(st.just("topic"), st.booleans(), st.sampled_from(["auto:moe", "auto:rag"])),
    st.tuples(st.just("ntp"), st.just(""), st.just("")),  # the clock steps back five minutes
)
# (machine, op or sync, seconds of real time before it)
STEP = st.tuples(st.integers(0, 2), st.one_of(OP, st.just(("sync", "", ""))), st.integers(0, 4000))
MACHINES = st.lists(st.tuples(st.sampled_from(OFFSETS), st.sampled_from([0.5, 1.0, 2.0])), min_size=3, max_size=3)


@dataclass
class Op:
    """One change as it happened: the register it wrote, the record it left, what its machine knew."""

    n: int
    register: tuple[str, ...]
    record: Any  # the record written (None: the change removed it, e.g. a note emptied)
    knew: frozenset[int]
    cleared: dict[str, str] | None = None  # a list deletion's knowledge
    stamp: tuple[str, str] = ("", "")  # the stamp given (known even when no record is left)


@dataclass
class Machine:
    state: LibraryState
    offset: timedelta
    drift: float
    knows: set[int] = field(default_factory=set)


class World:
    def __init__(self, clocks: list[tuple[timedelta, float]]) -> None:
        self.elapsed = 0.0
        self.machines: list[Machine] = []
        for i, (offset, drift) in enumerate(clocks):
            machine = Machine(LibraryState(device=f"dev{i}"), offset, drift)
            machine.state.wall = lambda m=machine: START + m.offset + timedelta(seconds=self.elapsed * m.drift)
            machine.state.ensure_default_list()
            self.machines.append(machine)
        self.file = LibraryState(device="sync-file")
        self.file_knows: set[int] = set()
        self.ops: list[Op] = []
        self.rejoined: set[tuple[str, str]] = set()  # stamps of changes kept by a `--rejoin`

    def sync(self, machine: Machine) -> None:
        """What `paperterm sync` does: merge the file in, note it was seen, compact, write it back.
        A machine `sync` asks to `--rejoin` (its unsynced changes older than a dropped removal it
        never saw) says yes: those changes are kept by the user's choice, noted in `rejoined`."""
        for held, other in ((machine.state, self.file), (self.file, machine.state)):
            if held.outranked_unseen(other)[0]:
                self.rejoined |= {
                    (r.changed, r.by)
                    for r in [*held.entries.values(), *held.status.values(), *held.topics.values()]
                    if not covers(other.seen, r.by, r.changed)
                }
        merged = machine.state.merge(self.file)
        merged.record_seen()
        merged.compact()
        machine.state = merged
        machine.knows |= self.file_knows
        self.file = merged.copy()
        self.file_knows = set(machine.knows)

    def act(self, who: int, op: tuple[str, Any, Any]) -> None:
        machine = self.machines[who]
        state = machine.state
        kind, arg, target = op
        if kind == "sync":
            self.sync(machine)
            return
        if kind == "ntp":
            machine.offset -= timedelta(minutes=5)
            return
        knew = frozenset(machine.knows)
        register: tuple[str, ...]
        cleared = None
        if kind in ("add", "remove"):
            found = state.find_list(arg)
            if found is None or not state.set_in_list(found.id, target, kind == "add"):
                return
            register = ("entry", found.id, target)
            record = state.entries.get((found.id, target))
        elif kind == "create":
            try:
                made = state.create_list(arg)
            except ValueError:
                return
            register, record = ("list", made.id), made
        elif kind in ("rename", "delete"):
            found = state.find_list(arg) or state.find_list(target)
            if found is None or found.id == "to-read":
                return
            if kind == "rename":
                try:
                    state.rename_list(found.id, target)
                except ValueError:
                    return
            else:
                entries_before = dict(state.entries)
                state.delete_list(found.id)
                now = (state.seen[state.device], state.device)
                for key in entries_before.keys() | state.entries.keys():  # its entries go with it
                    if entries_before.get(key) is not state.entries.get(key):
                        self.ops.append(Op(len(self.ops), ("entry", *key), state.entries.get(key), knew, stamp=now))
                        machine.knows.add(len(self.ops) - 1)
            register, record = ("list", found.id), state.lists[found.id]
            cleared = record.cleared if kind == "delete" else None
        elif kind == "status":
            if not state.set_status(target, arg):
                return
            register, record = ("status", target), state.status.get(target)
        elif kind == "note":
            if not state.set_note(target, arg):
                return
            note = state.notes.get(target)
            register, record = ("note", target), (note.live()[0] if note else None)
        else:
            register, record = ("topic", target), state.set_topic(target, hidden=arg)
        n = len(self.ops)
        self.ops.append(Op(n, register, record, knew, cleared, (state.seen[state.device], state.device)))
        machine.knows.add(n)

    def settle(self) -> None:
        for _ in range(2):
            for machine in self.machines:
                self.sync(machine)


def _maximal(ops: list[Op]) -> list[Op]:
    """The changes no other change on the same register was made after seeing."""
    return [x for x in ops if not any(x.n in y.knew for y in ops if y is not x)]


def _dot(record: Any) -> tuple[str, str] | None:
    return None if record is None else (record.changed, record.by)


def _stamp_of(op: Op) -> tuple[str, str]:
    """The stamp a change was given (a removal dropped at once carries none: it is the op's own)."""
    return _dot(op.record) or op.stamp


def _final_record(state: LibraryState, register: tuple[str, ...]) -> Any:
    kind, *key = register
    if kind == "entry":
        return state.entries.get((key[0], key[1]))
    if kind == "list":
        return state.lists.get(key[0])
    if kind == "status":
        return state.status.get(key[0])
    if kind == "topic":
        return state.topics.get(key[0])
    raise AssertionError(kind)


@settings(max_examples=200, deadline=None)
@given(MACHINES, st.lists(STEP, min_size=10, max_size=60))
def test_machines_with_skewed_clocks_converge_and_lose_no_informed_change(clocks, script) -> None:
    world = World(clocks)
    for who, op, seconds in script:
        world.elapsed += seconds
        world.act(who, op)
    world.settle()

    views = [m.state.view() for m in world.machines]
    assert views[0] == views[1] == views[2] == world.file.view()
    final = world.machines[0].state

    by_register: dict[tuple[str, ...], list[Op]] = {}
    for op in world.ops:
        by_register.setdefault(op.register, []).append(op)
    for register, ops in by_register.items():
        tops = _maximal(ops)
        if register[0] == "note":
            # Multi-value: exactly the latest edit of each concurrent line of edits survives.
            note = final.notes.get(register[1])
            live = {(v.changed, v.by) for v in note.versions.values()} if note else set()
            assert live == {_dot(x.record) for x in tops if x.record is not None}, register
            continue
        record = _final_record(final, register)
        winners = {_dot(x.record) for x in tops}
        if register[0] == "entry":
            # Concurrent changes to one entry (neither made after seeing the other): the higher
            # stamp wins, whichever is an add. An add is never lost to a removal it had seen.
            latest = max(tops, key=lambda x: _stamp_of(x))
            if latest.record is not None and not latest.record.removed:
                assert record == latest.record, (register, record, latest.record)
            elif record is not None and not record.removed:  # a removal outranks it: only a rejoin keeps it
                assert _dot(record) in world.rejoined, (register, record, latest.record)
        if record is None:  # compacted: a removal, a `new` status, a deleted topic, an entry its list's deletion saw
            cleared = final.lists[register[1]].cleared if register[0] == "entry" else {}
            assert any(
                x.record is None
                or getattr(x.record, "removed", False)
                or getattr(x.record, "value", "") == "new"
                or getattr(x.record, "deleted", False)
                or covers(cleared, x.record.by, x.record.changed)
                for x in tops
            ), register
        else:
            assert _dot(record) in winners, (register, record, winners)

    # List deletion vs a concurrent add: an add the deletion had not seen stays visible.
    for register, ops in by_register.items():
        if register[0] != "entry":
            continue
        list_id, paper = register[1], register[2]
        entry = final.entries.get((list_id, paper))
        if entry is None or entry.removed:
            continue
        reading_list = final.lists[list_id]
        seen_by_deletion = covers(reading_list.cleared, entry.by, entry.changed)
        assert (paper in final.list_papers(list_id)) == (not seen_by_deletion)
        if not seen_by_deletion:
            assert list_id in {rl.id for rl in final.live_lists()}
        deletions = [o for o in world.ops if o.register == ("list", list_id) and o.cleared is not None]
        adder = next(o for o in ops if _dot(o.record) == _dot(entry))
        # The knowledge vector says exactly what the deleting machine had seen.
        for deletion in deletions:
            if deletion.cleared == reading_list.cleared:
                assert seen_by_deletion == (adder.n in deletion.knew)
