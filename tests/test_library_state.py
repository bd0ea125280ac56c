"""The user state: actions, and the merge that sync and concurrent processes rely on."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from paperterm.library_state import LibraryState, ReadingList, covers

PAPERS = ["p1", "p2", "p3", "2409.01234"]
LISTS = ["to-read", "thesis"]


def test_actions_and_queries() -> None:
    state = LibraryState(device="aaa")
    state.ensure_default_list()
    thesis = state.create_list("Thesis: MoE routing")
    assert thesis.id == "thesis-moe-routing"
    assert state.set_in_list("to-read", "p1", True)
    assert not state.set_in_list("to-read", "p1", True)
    state.set_in_list(thesis.id, "p1", True)
    assert sorted(state.lists_of("p1")) == ["Thesis: MoE routing", "to-read"]
    assert state.set_status("p2", "read") and state.status_of("p2") == "read"
    assert state.status_of("p3") == "new"
    state.set_note("p1", "first")
    state.set_note("p1", "second")
    assert state.note_of("p1") == "second"
    assert len(state.notes["p1"].versions) == 1  # autosave keeps no history
    state.rename_list(thesis.id, "Thesis")
    assert state.find_list("thesis").id == thesis.id
    state.delete_list(thesis.id)
    assert state.lists_of("p1") == ["to-read"]
    assert state.kept_ids() == {"p1"}


def test_json_round_trip() -> None:
    state = LibraryState(device="aaa")
    state.ensure_default_list()
    state.set_in_list("to-read", "p1", True)
    state.set_status("p1", "dismissed")
    state.set_note("p1", "n")
    assert LibraryState.from_json(state.to_json()).to_json() == state.to_json()


def test_state_json_written_from_records_is_the_json_document() -> None:
    state = LibraryState(device="aaa")
    state.ensure_default_list()
    state.create_list("Thesis")
    state.set_in_list("thesis", "p1", True)
    state.set_status("p1", "dismissed")
    state.set_note("p1", "n")
    state.set_topic("user:moe", name="MoE", rule="moe")
    state.delete_list("thesis")
    assert orjson.loads(orjson.dumps(state.to_json_records())) == state.to_json()


def test_later_removal_wins_and_later_add_wins() -> None:
    a, b = LibraryState(device="a"), LibraryState(device="b")
    a.set_in_list("to-read", "p1", True)
    b = b.merge(a)
    b.set_in_list("to-read", "p1", False)
    assert "p1" not in a.merge(b).list_papers("to-read")
    a.set_in_list("to-read", "p1", True)  # added again after b's removal
    a.set_in_list("to-read", "p1", False)
    a.set_in_list("to-read", "p1", True)
    assert a.merge(b).list_papers("to-read") == ["p1"]
    assert b.merge(a).list_papers("to-read") == ["p1"]


def test_concurrent_note_edits_keep_both_texts() -> None:
    a, b = LibraryState(device="a"), LibraryState(device="b")
    a.set_note("p1", "base")
    b = b.merge(a)
    a.set_note("p1", "edited on laptop")
    b.set_note("p1", "edited on desktop")
    merged = a.merge(b)
    text = merged.note_of("p1")
    assert "edited on laptop" in text and "edited on desktop" in text
    assert "also edited on" in text
    assert merged.canonical() == b.merge(a).canonical()
    merged.set_note("p1", "resolved")
    assert merged.merge(a).merge(b).note_of("p1") == "resolved"


# -- properties --------------------------------------------------------------------

OPS = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(LISTS), st.sampled_from(PAPERS)),
    st.tuples(st.just("remove"), st.sampled_from(LISTS), st.sampled_from(PAPERS)),
    st.tuples(st.just("status"), st.sampled_from(["new", "read", "dismissed"]), st.sampled_from(PAPERS)),
    st.tuples(st.just("note"), st.sampled_from(["", "x", "y", "longer note"]), st.sampled_from(PAPERS)),
    st.tuples(st.just("rename"), st.sampled_from(["A", "B", "C"]), st.sampled_from(LISTS)),
)
REPLICA_OPS = st.lists(st.tuples(st.integers(0, 2), OPS, st.integers(0, 5)), max_size=25)


def _apply(state: LibraryState, op: tuple[str, str, str]) -> None:
    kind, arg, target = op
    if kind == "add":
        state.set_in_list(arg, target, True)
    elif kind == "remove":
        state.set_in_list(arg, target, False)
    elif kind == "status":
        state.set_status(target, arg)
    elif kind == "note":
        state.set_note(target, arg)
    elif kind == "rename":
        state.lists[target] = ReadingList(target, f"{arg}-{target}", 0, False, state._stamp(), state.device)


def _replicas(script: list[tuple[int, tuple[str, str, str], int]]) -> list[LibraryState]:
    """Three devices acting and, now and then, syncing with each other the way `sync` does."""
    replicas = [LibraryState(device=d) for d in ("dev-a", "dev-b", "dev-c")]
    for who, op, sync_with in script:
        _apply(replicas[who], op)
        if sync_with < 3 and sync_with != who:
            merged = replicas[who].merge(replicas[sync_with])
            replicas[who] = merged
            replicas[sync_with] = replicas[sync_with].merge(merged)
    return replicas


@settings(max_examples=150, deadline=None)
@given(REPLICA_OPS)
def test_merge_is_commutative_associative_and_idempotent(script) -> None:
    a, b, c = _replicas(script)
    assert a.merge(b).canonical() == b.merge(a).canonical()
    assert a.merge(b).merge(c).canonical() == a.merge(b.merge(c)).canonical()
    assert a.merge(a).canonical() == a.canonical()
    assert a.merge(b).merge(b).canonical() == a.merge(b).canonical()


@settings(max_examples=150, deadline=None)
@given(REPLICA_OPS)
def test_merge_never_drops_an_add_newer_than_the_other_sides_removal_or_unseen_by_it(script) -> None:
    a, b, _ = _replicas(script)
    merged = a.merge(b)
    for key in a.entries.keys() | b.entries.keys():
        for side, other, other_state in (
            (a.entries.get(key), b.entries.get(key), b),
            (b.entries.get(key), a.entries.get(key), a),
        ):
            if side is None or side.removed:
                continue
            unseen = other is None and not covers(other_state.seen, side.by, side.changed)
            if unseen or (other is not None and side.changed > other.changed):
                assert merged.entries[key] == side, key
