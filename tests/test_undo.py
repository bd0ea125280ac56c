"""Undo inverts exactly the change it undoes (compare-and-set), never what another writer did since.

Two `Library` objects on one data dir stand for the app and the CLI (or a sync) writing at once.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperterm.atomic_io import LibraryFileError
from paperterm.library import Library
from paperterm.library_state import LibraryState
from paperterm.undo import UndoHistory, changes_between

from .test_state_upgrade import V1_STATE

P, Q, R = "2409.00001", "2409.00002", "2409.00003"


@pytest.fixture
def app(data_dir: Path) -> Library:
    return Library.open(data_dir)


@pytest.fixture
def cli(data_dir: Path, app: Library) -> Library:
    return Library.open(data_dir)


def test_undo_keeps_what_the_cli_wrote_since(app: Library, cli: Library) -> None:
    """The issue's scenario: `b` in the app; the CLI notes the paper and files it in another list; `u`."""
    history = UndoHistory(app)
    history.record("bookmark", lambda: app.bookmark(P))
    cli.set_note(P, "from the CLI")
    cli.create_list("thesis")
    cli.bookmark(P, "thesis")
    app.refresh()

    result = history.undo()

    assert result is not None and result.skipped == []
    saved = Library.open(app.root).state
    assert saved.note_of(P) == "from the CLI"
    assert saved.lists_of(P) == ["thesis"]
    assert P not in saved.list_papers("to-read")


def test_a_piece_changed_since_is_left_and_reported(app: Library, cli: Library) -> None:
    history = UndoHistory(app)
    history.record("mark read", lambda: (app.set_status(P, "read"), app.bookmark(P)))
    cli.set_status(P, "dismissed")

    result = history.undo()

    assert result is not None
    saved = Library.open(app.root).state
    assert saved.status_of(P) == "dismissed"  # the CLI's, not the undo's "new"
    assert P not in saved.list_papers("to-read")  # the part nobody touched is undone
    assert result.skipped == [f"{P} is dismissed now"]
    assert "Left as changed since" in result.message()


def test_a_batch_is_one_step_and_spares_papers_changed_since(app: Library, cli: Library) -> None:
    app.set_status(R, "dismissed")
    history = UndoHistory(app)
    history.record("mark page read", lambda: app.set_status_many([P, Q, R], "read", only_from="new"))
    assert Library.open(app.root).state.status_of(R) == "dismissed"  # only unread ones are marked
    cli.set_status(Q, "dismissed")

    result = history.undo()

    assert result is not None and len(history) == 0
    saved = Library.open(app.root).state
    assert (saved.status_of(P), saved.status_of(Q), saved.status_of(R)) == ("new", "dismissed", "dismissed")


def test_an_action_that_changed_nothing_is_not_a_step(app: Library) -> None:
    history = UndoHistory(app)
    history.record("read", lambda: app.set_status(P, "read"))
    history.record("read again", lambda: app.set_status(P, "read"))
    assert len(history) == 1
    result = history.undo()
    assert result is not None and result.step.label == "read"


def test_a_failed_save_is_not_a_step_and_a_failed_undo_keeps_its_step(
    app: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = UndoHistory(app)
    history.record("read", lambda: app.set_status(P, "read"))
    history.record("bookmark", lambda: app.bookmark(Q))

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(LibraryFileError, match="the disk is full"):
        history.record("dismiss", lambda: app.set_status(R, "dismissed"))
    assert history.last_label == "bookmark" and app.state.status_of(R) == "new"
    with pytest.raises(LibraryFileError, match="the disk is full"):
        history.undo()
    assert history.last_label == "bookmark" and len(history) == 2  # still there to undo once there is room
    monkeypatch.undo()
    result = history.undo()
    assert result is not None and result.step.label == "bookmark" and Q not in app.state.bookmarked_ids()
    assert history.last_label == "read"


def test_deleting_a_list_removes_its_entries_so_a_new_list_of_that_name_starts_empty(app: Library) -> None:
    app.create_list("thesis")
    app.bookmark(P, "thesis")
    app.bookmark(Q, "thesis")

    assert app.delete_list("thesis") == [P, Q]
    made = app.create_list("thesis")

    saved = Library.open(app.root).state
    assert saved.list_papers(made.id) == []
    removed = [e for e in saved.entries.values() if e.list == made.id]
    # Removed, not hidden: tombstones, or none at all where no other device has to be told
    # (the state's knowledge vector carries the removal to stale copies; see library_state).
    assert all(e.removed for e in removed)


def test_a_list_deleted_before_entries_were_tombstoned_is_made_anew_empty(tmp_path: Path) -> None:
    """State files written before deletes removed entries (schema 1): the upgrade removes them,
    so the old entries stay out of a new list of that name."""
    root = tmp_path / "old"
    root.mkdir()
    (root / "state.json").write_text(json.dumps(V1_STATE))  # list "Old" deleted, holding a paper
    library = Library.open(root)
    made = library.create_list("Old")
    assert Library.open(root).state.list_papers(made.id) == []


def test_undoing_a_list_delete_brings_back_the_list_and_its_papers_in_order(app: Library) -> None:
    app.create_list("other")
    app.create_list("thesis")
    for paper in (Q, P, R):
        app.bookmark(paper, "thesis")
    app.move_list("thesis", 0)
    history = UndoHistory(app)
    history.record("delete thesis", lambda: app.delete_list("thesis"))
    assert Library.open(app.root).state.find_list("thesis") is None

    result = history.undo()

    assert result is not None and result.skipped == []
    saved = Library.open(app.root).state
    found = saved.find_list("thesis")
    assert found is not None and saved.list_papers(found.id) == [Q, P, R]
    assert [rl.name for rl in saved.live_lists()][:1] == ["thesis"]


def test_undoing_a_list_delete_does_not_refill_a_list_made_anew_since(app: Library, cli: Library) -> None:
    app.create_list("thesis")
    app.bookmark(P, "thesis")
    history = UndoHistory(app)
    history.record("delete thesis", lambda: app.delete_list("thesis"))
    made = cli.create_list("thesis")
    cli.bookmark(Q, "thesis")

    result = history.undo()

    assert result is not None
    assert result.skipped == ["list 'thesis' was made anew or brought back since, so its 1 paper stays out"]
    assert result.message().startswith("Could not undo: delete thesis.")
    assert Library.open(app.root).state.list_papers(made.id) == [Q]


def test_undoing_a_new_list_keeps_it_when_others_filed_papers_in_it(app: Library, cli: Library) -> None:
    history = UndoHistory(app)
    with history.step("list thesis"):
        app.create_list("thesis")
        app.bookmark(P, "thesis")
    cli.bookmark(Q, "thesis")

    result = history.undo()

    assert result is not None and result.skipped
    saved = Library.open(app.root).state
    found = saved.find_list("thesis")
    assert found is not None and saved.list_papers(found.id) == [Q]


def test_undoing_an_edit_leaves_a_rename_made_elsewhere(app: Library, cli: Library) -> None:
    app.create_list("thesis")
    history = UndoHistory(app)
    history.record("move", lambda: app.move_list("thesis", 0))
    cli.rename_list("thesis", "dissertation")
    history.undo()
    assert Library.open(app.root).state.find_list("dissertation") is not None


def test_topic_remove_hide_and_merge_are_undoable(seeded: Library) -> None:
    seeded.topics.add("MoE", '"mixture of experts" | moe')
    auto = next(t for t in seeded.topics.all() if t.kind == "auto")
    history = UndoHistory(seeded)

    history.record("remove", lambda: seeded.topics.remove("MoE"))
    history.record("hide", lambda: seeded.topics.set_flag(auto.key, "hidden", True))
    keys = {t.key for t in seeded.topics.all()}
    assert "user:moe" not in keys and auto.key not in keys

    history.undo()
    history.undo()

    keys = {t.key for t in seeded.topics.all()}
    assert {"user:moe", auto.key} <= keys
    assert seeded.topics.find("MoE").rule == '"mixture of experts" | moe'
    assert len(history) == 0


def test_merging_an_automatic_topic_is_undone(seeded: Library) -> None:
    auto = [t for t in seeded.topics.all() if t.kind == "auto"]
    history = UndoHistory(seeded)
    history.record("merge", lambda: seeded.topics.merge(auto[1].key, auto[0].key))
    assert auto[1].key not in {t.key for t in seeded.topics.all()}

    history.undo()

    topics = {t.key: t for t in seeded.topics.all()}
    assert auto[1].key in topics and topics[auto[0].key].members == auto[0].members


def test_merging_user_topics_is_undone_in_one_step(seeded: Library) -> None:
    seeded.topics.add("MoE", '"mixture of experts"')
    seeded.topics.add("Routing mine", "routing")
    history = UndoHistory(seeded)
    history.record("merge", lambda: seeded.topics.merge("Routing mine", "MoE"))
    assert seeded.topics.find("MoE").rule == '"mixture of experts" | routing'

    history.undo()

    assert seeded.topics.find("MoE").rule == '"mixture of experts"'
    assert seeded.topics.find("Routing mine").rule == "routing"


def test_edits_on_another_thread_are_not_part_of_a_step(app: Library) -> None:
    import threading

    history = UndoHistory(app)
    with history.step("read"):
        app.set_status(P, "read")
        worker = threading.Thread(target=lambda: app.set_status(Q, "dismissed"))
        worker.start()
        worker.join()
    history.undo()
    saved = Library.open(app.root).state
    assert (saved.status_of(P), saved.status_of(Q)) == ("new", "dismissed")


# -- the property: undo never overwrites another writer --------------------------------------

PAPERS = (P, Q, R)
_action = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(PAPERS), st.sampled_from(("new", "read", "dismissed"))),
    st.tuples(st.just("bookmark"), st.sampled_from(PAPERS), st.booleans()),
    st.tuples(st.just("note"), st.sampled_from(PAPERS), st.sampled_from(("", "a", "b"))),
)


def _apply(library: Library, action: tuple[str, str, object]) -> None:
    kind, paper, value = action
    if kind == "status":
        library.set_status(paper, str(value))
    elif kind == "bookmark":
        (library.bookmark if value else library.unbookmark)(paper, "to-read")
    else:
        library.set_note(paper, str(value))


_roots = iter(range(10**6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mine=st.lists(_action, min_size=1, max_size=4), theirs=st.lists(_action, max_size=4))
def test_undo_restores_what_i_changed_and_nothing_else(tmp_path: Path, mine: list, theirs: list) -> None:
    """Undo every step after another writer's edits: a piece only I changed is back as it was;
    a piece I did not change, or that one of my steps changed and the other writer changed
    after, holds the other writer's value."""
    root = tmp_path / f"lib-{next(_roots)}"
    app, cli = Library.open(root), Library.open(root)
    start = app.state.copy()
    history = UndoHistory(app)
    mine_changed: dict[tuple[str, tuple[str, ...]], int] = {}
    for action in mine:
        before = Library.open(root).state
        history.record("act", lambda action=action: _apply(app, action))
        for change in changes_between(before, Library.open(root).state):
            mine_changed[(change.kind, change.key)] = mine_changed.get((change.kind, change.key), 0) + 1
    before_theirs = Library.open(root).state
    for action in theirs:
        _apply(cli, action)
    after_theirs = Library.open(root).state
    theirs_changed = {(c.kind, c.key) for c in changes_between(before_theirs, after_theirs)}

    while history.undo() is not None:
        pass

    end = Library.open(root).state
    for piece in mine_changed.keys() | theirs_changed:
        if piece in theirs_changed and mine_changed.get(piece, 0) <= 1:
            assert _value_at(end, piece) == _value_at(after_theirs, piece), f"undo overwrote {piece}"
        elif piece not in theirs_changed:
            assert _value_at(end, piece) == _value_at(start, piece), f"undo left {piece} changed"


def _value_at(state: LibraryState, piece: tuple[str, tuple[str, ...]]) -> object:
    kind, key = piece
    if kind == "status":
        return state.status_of(key[0])
    if kind == "note":
        return state.note_of(key[0])
    entry = state.entries.get((key[0], key[1]))
    return None if entry is None or entry.removed else entry.added
