"""The app driven as a user drives it: keys pressed with the Pilot, then what is shown and what was saved.

There is one test per key listed in the help screen (`KEY_TESTS`), and a test that
fails when a key is added to the help without a test of its own.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from paperterm.library import Library
from paperterm.settings import load_settings
from tui.app import PapertermApp
from tui.screens.help import HelpScreen, binding_rows
from tui.screens.main import ALL as ALL_SCOPE
from tui.screens.note_editor import NoteEditor
from tui.screens.prompts import ChoicePicker, ImportPrompt, ListPicker, ReportScreen, TextPrompt
from tui.screens.reader import ReaderScreen
from tui.screens.triage import TriageScreen
from tui.widgets.paper_detail import PaperDetail
from tui.widgets.paper_list import PaperList
from tui.widgets.scope_sidebar import ScopeList, ScopeSidebar
from tui.widgets.search_bar import SearchBar

from .conftest import BLANK
from .pilot import SIZE, current_id, detail_text, plist, rendered, settle, shown, status_text


def state(app: PapertermApp):
    return Library.open(app.library.root).state  # what is on disk, not what the app holds


# -- the user's story ------------------------------------------------------------------


async def test_search_answers_while_topics_are_still_being_computed(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Topics (seconds on a large library) hold no lock a search needs: the query answers first."""
    from paperterm.topic_catalogue import TopicCatalogue

    release = threading.Event()
    computing = threading.Event()
    original = TopicCatalogue.all

    def slow_topics(self: TopicCatalogue) -> list:
        computing.set()
        release.wait(10)
        return original(self)

    monkeypatch.setattr(TopicCatalogue, "all", slow_topics)
    app = PapertermApp(data_dir, watch=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if computing.is_set():
                    break
            assert computing.is_set()
            await pilot.press("slash", *"distillation")
            for _ in range(100):
                await pilot.pause(0.05)
                if "match every word" in status_text(app):
                    break
            assert "match every word" in status_text(app), status_text(app)
            assert "distillation" in app.library.papers[current_id(app)].title.lower()
            assert not release.is_set()  # answered while the topics were still being computed
            release.set()
            await settle(pilot)
            assert app.library.topics.cached()
    finally:
        release.set()


async def test_triage_story_survives_a_restart(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(plist(app).ids) == 174
        assert "All · 174 papers" in status_text(app)
        await pilot.press("slash", *"knowlege distilation token graph")
        await settle(pilot)
        found = current_id(app)
        assert app.library.papers[found].title == "Knowledge Distillation via Token-level Relationship Graph"
        await pilot.press("enter", "b")
        await pilot.press("B", *"reading group", "enter")  # typing names a new list
        await pilot.press("escape")  # clears the search
        await settle(pilot)
        await pilot.press("slash", "escape")
        grouped = [found]
        for _ in range(2):
            await pilot.press("j")
            grouped.append(current_id(app))
            await pilot.press("B", "down", "enter")
        await pilot.press("n", *"worth a reread")
        await pilot.press("escape", "q")
    saved = Library.open(data_dir).state
    assert found in saved.list_papers("to-read")
    group = saved.find_list("reading group")
    assert group is not None and saved.list_papers(group.id) == grouped
    assert [saved.note_of(pid) for pid in saved.noted_ids()] == ["worth a reread"]
    noted = next(iter(saved.noted_ids()))

    again = PapertermApp(data_dir, watch=False)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        plist(again).cursor = plist(again).ids.index(noted)
        await settle(pilot)
        shown = detail_text(again)
        assert "worth a reread" in shown
        assert "reading group" in shown


async def test_keys_typed_fast_after_slash_go_to_the_search(data_dir: Path) -> None:
    """A burst (a fast typist, a terminal sending several keys at once) must not trigger list keys."""
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for char in "/knowledge":
            app.post_message(events.Key("slash" if char == "/" else char, char))
        await settle(pilot)
        assert app.main.query_one(SearchBar).value == "knowledge"
        assert app.screen is app.main  # `n` did not open the note editor
        assert app.library.state.status == {}
        await pilot.press("slash")
        assert app.main.query_one(SearchBar).value == "knowledge/"
        for char in "TCP/IP":  # a `/` in a burst stays where it was typed (it was put before the queued keys)
            app.post_message(events.Key("slash" if char == "/" else char, char))
        await settle(pilot)
        assert app.main.query_one(SearchBar).value == "knowledge/TCP/IP"


async def test_a_list_name_typed_fast_into_the_picker_is_kept_whole(data_dir: Path) -> None:
    """Typed in a burst, the keys after the first are queued before focus reaches the name field."""
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = current_id(app)
        await pilot.press("B")
        for char in "thesis":
            app.screen.post_message(events.Key(char, char))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("j", "B", *"thesis", "enter")  # an existing list's name picks that list
        await settle(pilot)
        second = current_id(app)
    saved = Library.open(data_dir).state
    thesis = saved.find_list("thesis")
    assert thesis is not None and saved.list_papers(thesis.id) == [first, second]
    assert [rl.name for rl in saved.live_lists()] == ["to-read", "thesis"]


async def test_the_list_picker_moves_with_j_and_k_and_takes_any_name_after_tab(data_dir: Path) -> None:
    """j and k move in the picker's lists as in every list; a name starting with j or k is typed after tab."""
    Library.open(data_dir).create_list("thesis")
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = current_id(app)
        await pilot.press("B", "j", "j", "k", "enter")  # to-read, thesis: the second
        await settle(pilot)
        await pilot.press("B", "tab", *"journal club", "enter")
        await settle(pilot)
    saved = Library.open(data_dir).state
    thesis, journal = saved.find_list("thesis"), saved.find_list("journal club")
    assert thesis is not None and saved.list_papers(thesis.id) == [first]
    assert journal is not None and saved.list_papers(journal.id) == [first]
    assert saved.list_papers("to-read") == []


async def test_the_copy_pickers_previews_take_one_line_each(data_dir: Path) -> None:
    """A long title was cut at 70 characters mid-word and wrapped onto a second line; now each
    preview is one line, ended with … where the picker is too narrow."""
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        long = next(p for p in app.library.papers.values() if len(p.title) > 70)
        plist(app).cursor = plist(app).ids.index(long.id)
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePicker)
        picker = app.screen.query_one("#choices", OptionList)
        lines = [line.text for line in picker.render_lines(picker.region.reset_offset)]
        title = next(line for line in lines if "Title" in line)
        assert title.rstrip(" ▎").endswith("…"), lines
        assert sum(1 for line in lines if line.strip(" ▊▎▔▁")) == picker.option_count, lines


async def test_a_failed_import_is_what_w_shows_afterwards(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk during `i`: the error is a notification, and `W` shows it (it showed the import before)."""
    from paperterm.atomic_io import LibraryFileError

    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        full = LibraryFileError(data_dir / "library" / "manifest.json", "could not be saved (the disk is full)")
        monkeypatch.setattr(app.library, "import_paths", lambda *a, **k: (_ for _ in ()).throw(full))
        await pilot.press("i", *"/tmp/digest.txt", "enter")
        await settle(pilot)
        assert any("the disk is full" in n.message for n in app._notifications)
        await pilot.press("W")
        assert isinstance(app.screen, ReportScreen)
        report = "\n".join(app.screen.lines)  # type: ignore[attr-defined]
        assert report.startswith("Importing /tmp/digest.txt failed:") and "the disk is full" in report, report


async def test_quitting_while_typing_a_note_loses_nothing(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        await pilot.press("n", *"half a thou")
        await pilot.press("ctrl+q")
    assert Library.open(data_dir).state.note_of(target) == "half a thou"


async def test_hostile_titles_are_shown_literally(data_dir: Path) -> None:
    library = Library.open(data_dir)
    library.import_bytes(
        ("Daily Papers\n\n[bold red]Boom[/] [link=file:///etc/passwd]x[/link] \x1b[31mred\n\n"
         + "An abstract with [i]markup[/i] in it. " * 10).encode(),
        "evil.txt",
    )  # fmt: skip
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = detail_text(app)
        assert "[bold red]Boom[/] [link=file:///etc/passwd]x[/link] red" in shown
        assert "[i]markup[/i]" in shown


async def test_keys_before_the_library_has_loaded_do_nothing(data_dir: Path) -> None:
    """The first frame comes before the library: keys pressed then must not crash or act."""

    class NeverLoads(PapertermApp):
        def load_library(self) -> None:  # type: ignore[override]
            pass

    app = NeverLoads(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        await pilot.press("b", "u", "r", "x", "t", "n", "i", "R", "ctrl+r", "j", "enter")
        await pilot.pause(0.1)
        assert app.is_running and app.screen is app.main
        assert "Loading the library" in status_text(app)
        assert not app.ready
    assert Library.open(data_dir).state.list_papers("to-read") == []


async def test_a_resize_reaching_the_sidebar_as_the_app_ends_is_ignored(data_dir: Path) -> None:
    """Quitting from the note editor once raised NoMatches: a resize queued for the sidebar arrived
    after its list had been removed (tests/reliability/test_typing.py saw the traceback)."""
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sidebar = app.main.query_one(ScopeSidebar)
        assert sidebar.scopes
        await sidebar.query_one(ScopeList).remove()
        sidebar.on_resize()


async def test_the_list_is_ordered_for_launch_off_the_ui_thread(data_dir: Path, monkeypatch) -> None:
    """Ordering a million papers takes 0.2 s: the loading worker does it, so the keys typed as the
    list appears (`/` and a query) are not held up behind it."""
    threads: list[threading.Thread] = []
    original = Library.ids_sorted

    def ids_sorted(self: Library, **filters: str | None) -> list[str]:
        threads.append(threading.current_thread())
        return original(self, **filters)

    monkeypatch.setattr(Library, "ids_sorted", ids_sorted)
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert plist(app).ids
    assert threads and threading.main_thread() not in threads


async def test_moving_in_the_list_never_re_lays_out_the_screen(data_dir: Path) -> None:
    """Cursor moves redraw lines, not the layout: a layout pass per key is what made them slow."""
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        layouts = 0
        original = app.main._refresh_layout

        def counted(*args: object, **kwargs: object) -> None:
            nonlocal layouts
            layouts += 1
            original(*args, **kwargs)

        app.main._refresh_layout = counted  # type: ignore[method-assign]
        first = detail_text(app)
        for _ in range(5):
            await pilot.press("j")
            await pilot.pause(0.1)  # the paper pane follows once the cursor rests
        assert detail_text(app) != first
        assert layouts == 0


async def test_works_at_80x24(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.main.has_class("-narrow")
        detail = app.main.query_one(PaperDetail)
        assert detail.region.y > plist(app).region.y  # below the list
        assert plist(app).region.height >= 8


async def test_command_palette_offers_the_actions(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        commands = {c.title for c in app.get_system_commands(app.main)}
        assert {"Bookmark", "Triage", "New topic", "Pin topic", "Read", "Import", "Undo"} <= commands
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Bookmark")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert Library.open(data_dir).state.list_papers("to-read") == [target]


async def test_works_at_250x70(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=(250, 70)) as pilot:
        await settle(pilot)
        assert not app.main.has_class("-narrow")
        detail = app.main.query_one(PaperDetail)
        assert detail.region.x > plist(app).region.right - 1  # beside the list
        assert plist(app).region.height >= 60
        assert len(plist(app).visible_ids()) >= 60


async def test_undo_in_the_app_keeps_what_the_cli_wrote_since(data_dir: Path) -> None:
    """`b` in the app; the CLI notes the paper and files it in another list; the app reloads; `u`."""
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = current_id(app)
        await pilot.press("b")
        cli = Library.open(data_dir)
        cli.set_note(target, "written by the CLI")
        cli.create_list("thesis")
        cli.bookmark(target, "thesis")
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        saved = state(app)
        assert saved.note_of(target) == "written by the CLI"
        assert saved.lists_of(target) == ["thesis"]
        assert "written by the CLI" in detail_text(app)
        assert "Undid: bookmark" in notifications(app)


async def test_a_saved_topic_rule_naming_itself_is_left_out_with_a_message(data_dir: Path) -> None:
    library = Library.open(data_dir)
    library.import_samples()
    library.edit_state(lambda state: state.set_topic("user:loop", name="loop", rule="topic:loop"))
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("topic loop → loop names itself" in m for m in notifications(app))
        assert all(t.key != "user:loop" for t in app.library.topics.all())
        await pilot.press("slash", *"topic:distillation")
        await settle(pilot)
        assert plist(app).ids


async def test_open_tui_picks_up_a_cli_import(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        other = Library.open(data_dir)
        other.import_bytes(b"Daily Papers\n\nSep 13\n\nA Brand New Paper\n\n" + b"Abstract words here. " * 20, "x.txt")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "All · 175 papers" in status_text(app)


async def test_reopening_restores_scope_search_and_cursor(sample_dir: Path) -> None:
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.scope = next(s for s in app.main.query_one("ScopeSidebar").scopes if s.kind == "topic")
        await settle(pilot)
        await pilot.press("slash", *"distil", "enter")
        await settle(pilot)
        await pilot.press("j", "j")
        await pilot.pause(0.1)
        scope, chosen = app.main.scope, current_id(app)
        await pilot.press("q")
    again = PapertermApp(sample_dir, watch=False)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert (again.main.scope.kind, again.main.scope.key) == (scope.kind, scope.key)
        assert again.main.query_one(SearchBar).value == "distil"
        assert current_id(again) == chosen
        assert f"{scope.label} · " in status_text(again)


async def test_whats_new_holds_papers_imported_since_the_last_start(sample_dir: Path) -> None:
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert all(s.kind != "new" for s in app.main.query_one("ScopeSidebar").scopes)  # no earlier session
    await _import_json_now(sample_dir, "A Paper Imported Between Sessions")
    again = PapertermApp(sample_dir, watch=False)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        new = next(s for s in again.main.query_one("ScopeSidebar").scopes if s.kind == "new")
        assert (new.label, new.total) == ("What's new", 1)
        again.main.scope = new
        await settle(pilot)
        assert [again.library.papers[pid].title for pid in plist(again).ids] == ["A Paper Imported Between Sessions"]


async def _import_json_now(root: Path, title: str) -> None:
    import asyncio

    await asyncio.sleep(1.1)  # import times are kept to the second: after the session's start
    paper = {"title": title, "abstract": "Words about things. " * 5}
    Library.open(root).import_bytes(json.dumps({"date": "2024-09-20", "papers": [paper]}).encode(), "new.json")


async def test_a_damaged_state_file_is_told_once_not_on_every_look(sample_dir: Path) -> None:
    """The app looks at its files every 2 s; a state file damaged meanwhile is one notification,
    until it is repaired (and told again if it is damaged again)."""
    library = Library.open(sample_dir)
    library.bookmark(library.papers_sorted()[0].id)
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        state_file = sample_dir / "state.json"
        good = state_file.read_bytes()

        def told() -> list[str]:
            return [n.message for n in app._notifications if "state.json" in n.message]

        state_file.write_bytes(b'{"truncated')
        for _ in range(3):
            app.reload_library()
            await settle(pilot)
        assert len(told()) == 1, told()
        state_file.write_bytes(good)
        app.reload_library()
        await settle(pilot)
        state_file.write_bytes(b'{"damaged again')
        app.reload_library()
        await settle(pilot)
        assert len(told()) == 2, told()


async def test_palette_asks_for_papers_added_since_a_moment(sample_dir: Path) -> None:
    """*Papers added since a date…* asks for the moment in a prompt and shows `added:>=` it."""
    await _import_json_now(sample_dir, "A Paper Imported Later")
    later = Library.open(sample_dir)
    added = next(p.id for p in later.papers.values() if p.title == "A Paper Imported Later")
    seen = later.first_seen()
    moment = seen[added][:19]  # to the second, as a user may type it
    first_day = min(seen.values())[:10]
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(plist(app).ids) == 175

        async def since(typed: str) -> None:
            await pilot.press("ctrl+p")
            await pilot.pause(0.3)
            await pilot.press(*"added since")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TextPrompt)
            await pilot.press(*typed, "enter")
            await settle(pilot)

        await since(moment)
        assert app.main.query_one(SearchBar).value == f"added:>={moment}"
        assert plist(app).ids == [added]
        await since(first_day)  # a day: every paper imported since
        assert len(plist(app).ids) == 175
        await since(f"<{moment}")  # a comparison typed is kept
        assert app.main.query_one(SearchBar).value == f"added:<{moment}"
        assert len(plist(app).ids) == 174 and added not in plist(app).ids
        await since("last week")
        assert "added:" in status_text(app) and "write a date" in status_text(app)
        assert app.screen is app.main and app.is_running


async def test_palette_unhides_topics_and_exports(sample_dir: Path, tmp_path: Path) -> None:
    library = Library.open(sample_dir)
    library.topics.set_flag("retrieval", "hidden", True)
    library.bookmark(library.papers_sorted()[0].id)
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.main)}
        assert {"Unhide every topic", "Export bookmarks to a file…", "Sync with a file…", "Sort by title"} <= titles
        assert all(s.label != "retrieval" for s in app.main.query_one("ScopeSidebar").scopes)
        app.unhide_topics()
        await settle(pilot)
        assert any(s.label == "retrieval" for s in app.main.query_one("ScopeSidebar").scopes)
        target = tmp_path / "refs.bib"
        app.export_bookmarks(str(target))
        await settle(pilot)
        assert target.read_text().startswith("@misc{")
        keys = {c.help for c in app.get_system_commands(app.main) if c.title == "Help"}
        assert keys == {"key: ?"}


# -- one test per key in the help screen --------------------------------------------------

Check = Callable[[Pilot, PapertermApp], Awaitable[None]]


async def _main_search(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("slash")
    assert isinstance(app.focused, SearchBar)


async def _main_read(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("r")
    assert state(app).status_of(target) == "read"
    await pilot.press("r")
    assert state(app).status_of(target) == "new"


async def _main_dismiss(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("x")
    assert state(app).status_of(target) == "dismissed"


async def _main_bookmark(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("b")
    assert state(app).list_papers("to-read") == [target]
    await pilot.press("b")
    assert state(app).list_papers("to-read") == []


async def _main_lists(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("B")
    assert isinstance(app.screen, ListPicker)
    await pilot.press(*"thesis", "enter")  # typing starts a new list's name
    saved = state(app)
    assert saved.list_papers(saved.find_list("thesis").id) == [target]


async def test_a_list_name_that_looks_like_markup_is_shown_literally_in_the_notification(sample_dir: Path) -> None:
    """`x[/]` was parsed as markup when its toast was drawn: MarkupError, and the app died."""
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("B", *"x[/] [bold]y", "enter")
        await pilot.pause(0.3)  # the toast is drawn
        toasts = [rendered(toast.render()) for toast in app.screen.query("Toast")]
        assert any("Added to x[/] [bold]y" in text for text in toasts), toasts
        assert app.is_running


async def _main_undo(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("x", "b", "u")
    assert state(app).list_papers("to-read") == []
    await pilot.press("u")
    assert state(app).status_of(target) == "new"


async def _main_triage(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("t")
    assert isinstance(app.screen, TriageScreen)
    assert "174 left" in shown(app.screen.query_one("#triage-counter", Static))


async def _main_note(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("n")
    assert isinstance(app.screen, NoteEditor)
    await pilot.press(*"a note")
    await pilot.pause(0.6)  # the debounced autosave
    assert state(app).note_of(target) == "a note"


async def _editor(pilot: Pilot, app: PapertermApp, key: str) -> None:
    target = current_id(app)
    await pilot.press(key)
    await pilot.pause(0.2)
    assert state(app).note_of(target) == "from the editor\n"


async def _main_editor(pilot: Pilot, app: PapertermApp) -> None:
    await _editor(pilot, app, "e")


async def _open(pilot: Pilot, app: PapertermApp, key: str = "o") -> None:
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    await pilot.press(key)
    assert opened and opened[0].startswith("https://arxiv.org/search/?searchtype=title&query=")


async def test_a_browser_that_runs_in_the_terminal_is_handed_the_terminal(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over SSH `webbrowser` picks lynx or w3m (`www-browser`): started under the running app it drew
    over the screen and read the keys. It gets the terminal as $EDITOR does; no browser at all is said."""
    import webbrowser

    seen: list[object] = []

    class TextBrowser(webbrowser.GenericBrowser):
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            seen.append(url)
            return True

    @contextlib.contextmanager
    def suspend():
        seen.append("suspend")
        yield
        seen.append("resume")

    monkeypatch.setattr(webbrowser, "get", lambda using=None: TextBrowser("lynx"))
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.suspend = suspend  # type: ignore[method-assign]
        await pilot.press("o")
        assert len(seen) == 3 and seen[0] == "suspend" and seen[2] == "resume"
        assert str(seen[1]).startswith("https://arxiv.org/search/?searchtype=title&query=")

        def no_browser(using: str | None = None) -> webbrowser.BaseBrowser:
            raise webbrowser.Error("could not locate runnable browser")

        monkeypatch.setattr(webbrowser, "get", no_browser)
        await pilot.press("o")
        await pilot.pause()
        assert any("no web browser found" in text for text in notifications(app))


async def _main_open(pilot: Pilot, app: PapertermApp) -> None:
    await _open(pilot, app)


async def _copy_title(pilot: Pilot, app: PapertermApp) -> None:
    """`y` offers what to copy: the title first, then (an arXiv paper's) id, the link, BibTeX."""
    target = current_id(app)
    await pilot.press("y")
    assert isinstance(app.screen, ChoicePicker)
    await pilot.press("enter")
    assert app.clipboard == app.library.papers[target].title
    await pilot.press("y", "down", "enter")  # the samples have no arXiv ids: the link is next
    assert app.clipboard == app.library.papers[target].url
    app.copy_to_clipboard("")
    await pilot.press("y", "j", "j", "k", "enter")  # j and k move as the arrows do (they were ignored)
    assert app.clipboard == app.library.papers[target].url
    await pilot.press("y", "end", "enter")
    assert app.clipboard.startswith("@misc{")


async def _links_paper(app: PapertermApp) -> str:
    """A paper with an arXiv id and links of every kind (a hostile one among them), made current."""
    paper = {
        "title": "Linked Paper With Code",
        "abstract": "An abstract that talks about many things at length. Code: https://github.com/x/linked",
        "url": "https://arxiv.org/abs/2409.01234",
    }
    return await _import_json(app, paper)


async def _import_json(app: PapertermApp, *papers: dict) -> str:
    """Import papers (as a scraper's JSON list) from another process's view, then reload; the
    first one's id."""
    library = Library.open(app.library.root)
    library.import_bytes(json.dumps({"date": "2024-09-20", "papers": list(papers)}).encode(), "extra.json")
    app.reload_library()
    await app.workers.wait_for_complete()
    return next(p.id for p in Library.open(app.library.root).papers.values() if p.title == papers[0]["title"])


async def _open_link(pilot: Pilot, app: PapertermApp, in_reader: bool = False) -> None:
    target = await _links_paper(app)
    await settle(pilot)
    plist(app).cursor = plist(app).ids.index(target)
    await settle(pilot)
    if in_reader:
        await _in_reader(pilot, app)
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    await pilot.press("O")
    assert isinstance(app.screen, ChoicePicker)
    picker = app.screen.query_one("#choices", OptionList)
    labels = [rendered(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]
    assert labels[0].startswith("arXiv page") and labels[1].startswith("PDF")
    assert any(label.startswith("Code") and "github.com/x/linked" in label for label in labels)
    await pilot.press("j", "enter")
    assert opened == ["https://arxiv.org/pdf/2409.01234"]
    await pilot.press("p")
    assert opened[-1] == "https://arxiv.org/pdf/2409.01234"


async def _open_pdf_without_one(pilot: Pilot, app: PapertermApp) -> None:
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    await pilot.press("p")  # the samples have no arXiv ids and no PDF links
    assert opened == []
    assert any("No PDF" in n.message for n in app._notifications)


async def _authors_fold(pilot: Pilot, app: PapertermApp, in_reader: bool = False) -> None:
    paper = {
        "title": "A Paper With Fifty Authors",
        "abstract": "An abstract that talks about many things at length. " * 3,
        "authors": [f"Author{i} Name{i}" for i in range(50)],
    }
    target = await _import_json(app, paper)
    await settle(pilot)
    assert len(app.library.papers[target].authors) == 50
    plist(app).cursor = plist(app).ids.index(target)
    await settle(pilot)

    def text() -> str:
        return shown(app.screen.query_one("#reader-text", Static)) if in_reader else detail_text(app)

    if in_reader:
        await _in_reader(pilot, app)
    assert "et al." in text() and "45 more" in text() and "Author49" not in text()
    await pilot.press("a")
    await settle(pilot)
    assert "Author49 Name49" in text() and "et al." not in text()
    await pilot.press("a")
    await settle(pilot)
    assert "et al." in text()


async def _main_sort(pilot: Pilot, app: PapertermApp) -> None:
    """`s` cycles the orders; the header says which; each scope remembers its own, across sessions."""
    await _import_json(
        app,
        *({"title": t, "abstract": "Words about things. " * 5, "upvotes": v} for t, v in (("Few", 5), ("Many", 99))),
    )
    await settle(pilot)
    assert "by newest seen" in status_text(app)
    await pilot.press("s")
    await settle(pilot)
    assert "by paper date" in status_text(app)
    await pilot.press("s")
    await settle(pilot)
    assert "by upvotes" in status_text(app)
    votes = [app.library.papers[pid].extra.get("upvotes", -1) for pid in plist(app).ids]
    assert votes[:3] == [99, 5, -1]
    await pilot.press("s")
    await settle(pilot)
    assert "by title" in status_text(app)
    titles = [app.library.papers[pid].title.casefold() for pid in plist(app).ids[:20]]
    assert titles == sorted(titles)
    await pilot.press("slash", *"retrieval", "enter")
    await settle(pilot)
    assert "by title" in status_text(app)  # chosen for this scope: kept while searching
    app.main.scope = next(s for s in app.main.query_one("ScopeSidebar").scopes if s.kind == "unread")
    await settle(pilot)
    assert "by relevance" in status_text(app)  # another scope: searching ranks by relevance
    assert load_settings(app.library.root).sort_orders == {"all:all": "title"}


async def _main_next_unread(pilot: Pilot, app: PapertermApp) -> None:
    ids = plist(app).ids
    Library.open(app.library.root).set_status(ids[1], "read")
    Library.open(app.library.root).set_status(ids[2], "dismissed")
    await pilot.press("ctrl+r")
    await settle(pilot)
    await pilot.press("J")
    assert plist(app).cursor == 3
    plist(app).cursor = len(ids) - 1
    await pilot.press("J")
    assert plist(app).cursor == 0  # wraps round


async def _main_view_read(pilot: Pilot, app: PapertermApp) -> None:
    """`A` marks every paper of the view (not only the page) read, and one `u` undoes it all."""
    await pilot.press("slash", *"retrieval", "enter")
    await settle(pilot)
    shown_ids = list(plist(app).ids)
    assert 20 < len(shown_ids) < 174
    await pilot.press("A")
    await settle(pilot)
    saved = state(app)
    assert all(saved.status_of(pid) == "read" for pid in shown_ids)
    assert sum(1 for pid in app.library.papers if saved.status_of(pid) == "read") == len(shown_ids)
    await pilot.press("u")
    await settle(pilot)
    assert all(state(app).status_of(pid) == "new" for pid in shown_ids)


async def _main_import_report(pilot: Pilot, app: PapertermApp) -> None:
    """Importing a folder says so once, then once more with the summary; `W` shows its warnings."""
    folder = app.library.root.parent / "inbox"
    folder.mkdir()
    for n in range(6):
        (folder / f"digest-{n}.txt").write_text(
            f"Daily Papers\n\nSep {n + 1}\n\nPaper Number {n}\n\n" + "An abstract sentence here. " * 10
        )
    (folder / "notes.json").write_text('{"not": "a digest"}')
    messages: list[str] = []
    shown_now = app.notify
    # Every notification posted, not the ones still up: on a loaded machine the import outlasts the
    # first one's timeout, and counting what is still shown failed the test.
    app.notify = lambda message, **options: (messages.append(message), shown_now(message, **options))[1]  # type: ignore[method-assign]
    await pilot.press("i", *str(folder), "enter")
    await settle(pilot)
    assert len(messages) == 2, messages
    assert messages[0].startswith("Importing") and "6 new" in messages[1] and "W shows" in messages[1]
    await pilot.press("W")
    assert isinstance(app.screen, ReportScreen)
    assert "notes.json" in "\n".join(app.screen.lines)  # type: ignore[attr-defined]


async def _copy_bibtex(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("Y")
    assert app.clipboard.startswith("@misc{") and "title = {{" in app.clipboard


async def _main_page_read(pilot: Pilot, app: PapertermApp) -> None:
    visible = plist(app).visible_ids()
    await pilot.press("R")
    saved = state(app)
    assert len(visible) > 10 and all(saved.status_of(pid) == "read" for pid in visible)
    await pilot.press("u")  # the whole page is one step
    saved = state(app)
    assert all(saved.status_of(pid) == "new" for pid in visible)


async def _main_import(pilot: Pilot, app: PapertermApp) -> None:
    extra = app.library.root.parent / "extra-digest.txt"
    extra.write_text(BLANK.read_text().replace("DC-BENCH: Dataset Condensation Benchmark", "A Paper Added Now"))
    await pilot.press("i")
    assert isinstance(app.screen, ImportPrompt)
    await pilot.press(*str(extra), "enter")
    await settle(pilot)
    assert "All · 175 papers" in status_text(app)


async def _main_reload(pilot: Pilot, app: PapertermApp) -> None:
    Library.open(app.library.root).set_status(current_id(app), "dismissed")
    await pilot.press("ctrl+r")
    await settle(pilot)
    assert app.library.state.status_of(current_id(app)) == "dismissed"


async def _main_mark_on_move(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("ctrl+t")
    assert app.settings.mark_read_on_move
    app.main.scope = next(s for s in app.main.query_one("ScopeSidebar").scopes if s.kind == "unread")
    await settle(pilot)
    first = current_id(app)
    await pilot.press("j")
    assert state(app).status_of(first) == "read"


async def _main_help(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("question_mark")
    assert isinstance(app.screen, HelpScreen)
    body = app.screen.query_one("#help-body")
    assert body.max_scroll_y > 0  # taller than the screen: it scrolls with j k g G, as every pane
    await pilot.press("j", "j", "j")
    await pilot.pause()
    assert body.scroll_y == 3
    await pilot.press("G")
    await pilot.pause()
    assert body.scroll_y == body.max_scroll_y
    await pilot.press("k", "g")
    await pilot.pause()
    assert body.scroll_y == 0


async def _main_quit(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("q")
    assert app._exit


async def _list_down(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("j", "down")
    assert plist(app).cursor == 2


async def _list_up(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("j", "j", "j", "k", "up")
    assert plist(app).cursor == 1


async def _list_top(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("G", "g")
    assert plist(app).cursor == 0


async def _list_bottom(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("G")
    assert plist(app).cursor == 173
    assert plist(app).scroll_offset.y > 0  # the current row stays visible


async def _list_page_down(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("pagedown")
    assert plist(app).cursor > 20


async def _list_page_up(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("pagedown", "pagedown", "pageup")
    assert 20 < plist(app).cursor < 60


async def _list_select(pilot: Pilot, app: PapertermApp) -> None:
    """`v` selects papers (✓); `b` then bookmarks the selection, as one undo step."""
    ids = plist(app).ids
    await pilot.press("v", "j", "v")  # the first and the third
    assert plist(app).selected == {ids[0], ids[2]}
    await pilot.press("b")
    await settle(pilot)
    assert state(app).list_papers("to-read") == [ids[0], ids[2]]
    assert plist(app).selected == set()
    await pilot.press("u")
    await settle(pilot)
    assert state(app).list_papers("to-read") == []


async def _list_clear_selection(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("v", "v")
    assert len(plist(app).selected) == 2
    await pilot.press("escape")
    assert plist(app).selected == set()
    await pilot.press("b")  # no selection: the paper under the cursor only
    assert state(app).list_papers("to-read") == [current_id(app)]


async def _list_open(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("enter")
    assert isinstance(app.screen, ReaderScreen)
    assert app.library.papers[target].title in shown(app.screen.query_one("#reader-text", Static))


async def _search_escape(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("slash", *"moe")
    await settle(pilot)
    assert "moe" in status_text(app) or "papers" in status_text(app)
    assert len(plist(app).ids) < 174
    await pilot.press("escape")
    await settle(pilot)
    assert len(plist(app).ids) == 174 and isinstance(app.focused, PaperList)


async def _search_leave(pilot: Pilot, app: PapertermApp) -> None:
    await pilot.press("slash", *"retrieval", "enter")
    await settle(pilot)
    assert isinstance(app.focused, PaperList)
    assert app.main.query_one(SearchBar).value == "retrieval"


async def _sidebar(pilot: Pilot, app: PapertermApp) -> None:
    app.main.query_one(ScopeList).focus()
    await pilot.pause(0.05)


async def _sidebar_move(pilot: Pilot, app: PapertermApp) -> None:
    await _sidebar(pilot, app)
    sidebar = app.main.query_one(ScopeList)
    # All → Unread → For you → For you · to-read → to-read, over the "Reading lists" heading
    await pilot.press("j", "j", "j", "j")
    assert sidebar.highlighted_option.id == "list:to-read"
    await pilot.press("k", "k", "k")
    assert sidebar.highlighted_option.id == "unread:unread"
    await pilot.press("enter")
    await settle(pilot)
    assert app.main.scope.kind == "unread"


async def _highlight_scope(pilot: Pilot, app: PapertermApp, label: str) -> None:
    await _sidebar(pilot, app)
    sidebar = app.main.query_one(ScopeList)
    for index, option in enumerate(sidebar.options):
        if option.id and option.id.endswith(label) and not option.id.startswith("foryou:"):
            sidebar.highlighted = index
            return
    raise AssertionError(f"no scope {label}")


async def _sidebar_new_topic(pilot: Pilot, app: PapertermApp) -> None:
    await _sidebar(pilot, app)
    await pilot.press("a")
    assert isinstance(app.screen, TextPrompt)
    await pilot.press(*"MoE", "enter", *'"mixture of experts" | moe', "enter")
    await settle(pilot)
    assert len(app.library.topics.find("MoE").members) >= 20
    assert any(s.label == "MoE" for s in app.main.query_one("ScopeSidebar").scopes)


async def _sidebar_rename(pilot: Pilot, app: PapertermApp) -> None:
    await _highlight_scope(pilot, app, "auto:summariz")
    await pilot.press("e")
    field = app.screen.query_one(Input)
    field.value = ""
    await pilot.press(*"Summaries", "enter")
    await settle(pilot)
    assert Library.open(app.library.root).topics.find("Summaries").key == "auto:summariz"


async def _sidebar_pin(pilot: Pilot, app: PapertermApp) -> None:
    await _highlight_scope(pilot, app, "auto:summariz")
    await pilot.press("p")
    await settle(pilot)
    assert app.library.topics.all()[0].key == "auto:summariz"


def notifications(app: PapertermApp) -> list[str]:
    return [n.message for n in app._notifications]


async def _sidebar_hide(pilot: Pilot, app: PapertermApp) -> None:
    await _highlight_scope(pilot, app, "auto:summariz")
    await pilot.press("h")
    await settle(pilot)
    assert all(t.key != "auto:summariz" for t in app.library.topics.all())
    assert any(m.startswith("Hid topic") and m.endswith("u to undo") for m in notifications(app))
    await pilot.press("u")
    await settle(pilot)
    assert any(t.key == "auto:summariz" for t in app.library.topics.all())


async def _sidebar_merge(pilot: Pilot, app: PapertermApp) -> None:
    await _highlight_scope(pilot, app, "auto:dataset condens")
    await pilot.press("m", *"dataset distillation", "enter")
    await settle(pilot)
    assert all(t.key != "auto:dataset condens" for t in app.library.topics.all())
    await pilot.press("u")
    await settle(pilot)
    assert any(t.key == "auto:dataset condens" for t in app.library.topics.all())


async def _sidebar_remove(pilot: Pilot, app: PapertermApp) -> None:
    app.library.create_list("old list")
    held = plist(app).ids[:2]
    for paper_id in held:
        app.library.bookmark(paper_id, "old list")
    app.main.refresh_sidebar()
    await settle(pilot)
    await _highlight_scope(pilot, app, "old-list")
    await pilot.press("delete")
    await settle(pilot)
    assert state(app).find_list("old list") is None
    assert "Deleted list old list (2 papers) — u to undo" in notifications(app)

    sidebar = app.main.query_one(ScopeList)
    assert sidebar.highlighted_option.id == "all:all"
    await pilot.press("u")
    await settle(pilot)
    saved = state(app)
    found = saved.find_list("old list")
    assert found is not None and saved.list_papers(found.id) == held
    assert sidebar.highlighted_option.id.endswith("old-list")  # the highlight is back on the list

    await _highlight_scope(pilot, app, "old-list")
    await pilot.press("delete")
    await settle(pilot)
    made = app.library.create_list("old list")
    assert state(app).list_papers(made.id) == []  # a list made anew starts empty


async def _in_reader(pilot: Pilot, app: PapertermApp) -> str:
    target = current_id(app)
    await pilot.press("enter")
    assert isinstance(app.screen, ReaderScreen)
    return target


async def _reader_close(pilot: Pilot, app: PapertermApp) -> None:
    await _in_reader(pilot, app)
    await pilot.press("escape")
    assert app.screen is app.main


async def _reader_next(pilot: Pilot, app: PapertermApp) -> None:
    await _in_reader(pilot, app)
    await pilot.press("l", "right")
    assert app.screen.index == 2  # type: ignore[attr-defined]


async def _reader_prev(pilot: Pilot, app: PapertermApp) -> None:
    await _in_reader(pilot, app)
    await pilot.press("l", "l", "h")
    assert app.screen.index == 1  # type: ignore[attr-defined]


async def _scrolled(pilot: Pilot, app: PapertermApp, where: str, down: tuple[str, ...], up: tuple[str, ...]) -> None:
    """In the reader, triage and the paper pane alike, `down` scrolls the text down and `up` back."""
    await pilot.resize_terminal(60, 12)  # small enough that the abstract must scroll
    await pilot.pause(0.1)
    if where == "reader":
        await _in_reader(pilot, app)
        body = app.screen.query_one("#reader-body")
    elif where == "triage":
        await _in_triage(pilot, app)
        body = app.screen.query_one("#triage-body")
    else:
        body = app.main.query_one(PaperDetail)
        body.focus()
    await pilot.pause(0.1)
    assert body.max_scroll_y > 0
    await pilot.press(*down)
    await pilot.pause(0.3)
    below = body.scroll_y
    assert below > 0
    await pilot.press(*up)
    await pilot.pause(0.3)
    assert body.scroll_y < below


async def _reader_status(pilot: Pilot, app: PapertermApp, key: str, expect: str) -> None:
    target = await _in_reader(pilot, app)
    await pilot.press(key)
    assert state(app).status_of(target) == expect
    assert expect in shown(app.screen.query_one("#reader-text", Static))


async def _reader_bookmark(pilot: Pilot, app: PapertermApp) -> None:
    target = await _in_reader(pilot, app)
    await pilot.press("b")
    assert state(app).list_papers("to-read") == [target]


async def _reader_lists(pilot: Pilot, app: PapertermApp) -> None:
    await _in_reader(pilot, app)
    await pilot.press("B")
    assert isinstance(app.screen, ListPicker)


async def _reader_note(pilot: Pilot, app: PapertermApp) -> None:
    await _in_reader(pilot, app)
    await pilot.press("n")
    assert isinstance(app.screen, NoteEditor)


async def _reader_editor(pilot: Pilot, app: PapertermApp) -> None:
    await _in_reader(pilot, app)
    target = app.screen.paper_id  # type: ignore[attr-defined]
    await pilot.press("e")
    await pilot.pause(0.2)
    assert state(app).note_of(target) == "from the editor\n"


async def _reader_open(pilot: Pilot, app: PapertermApp) -> None:
    await _in_reader(pilot, app)
    await _open(pilot, app)


async def _reader_copy_title(pilot: Pilot, app: PapertermApp) -> None:
    target = await _in_reader(pilot, app)
    await pilot.press("y", "enter")
    assert app.clipboard == app.library.papers[target].title


async def _reader_copy_bibtex(pilot: Pilot, app: PapertermApp) -> None:
    await _in_reader(pilot, app)
    await pilot.press("Y")
    assert app.clipboard.startswith("@misc{")


async def _reader_undo(pilot: Pilot, app: PapertermApp) -> None:
    target = await _in_reader(pilot, app)
    await pilot.press("x", "u")
    assert state(app).status_of(target) == "new"


async def _in_triage(pilot: Pilot, app: PapertermApp) -> str:
    target = current_id(app)
    await pilot.press("t")
    assert isinstance(app.screen, TriageScreen)
    return target


async def _triage_decision(pilot: Pilot, app: PapertermApp, key: str, status: str, kept: bool) -> None:
    target = await _in_triage(pilot, app)
    await pilot.press(key)
    saved = state(app)
    assert saved.status_of(target) == status
    assert (target in saved.list_papers("to-read")) == kept
    assert "173 left · 1 done" in shown(app.screen.query_one("#triage-counter", Static))


async def _triage_later(pilot: Pilot, app: PapertermApp) -> None:
    target = await _in_triage(pilot, app)
    await pilot.press("w")
    screen = app.screen
    assert screen.queue[-1] == target and state(app).status_of(target) == "new"  # type: ignore[attr-defined]


async def _triage_note(pilot: Pilot, app: PapertermApp) -> None:
    await _in_triage(pilot, app)
    await pilot.press("n")
    assert isinstance(app.screen, NoteEditor)


async def _triage_undo(pilot: Pilot, app: PapertermApp) -> None:
    target = await _in_triage(pilot, app)
    await pilot.press("x", "u")
    assert state(app).status_of(target) == "new"
    assert app.screen.current == target  # type: ignore[attr-defined]


async def _triage_open(pilot: Pilot, app: PapertermApp) -> None:
    await _in_triage(pilot, app)
    await _open(pilot, app)


async def _triage_close(pilot: Pilot, app: PapertermApp) -> None:
    await _in_triage(pilot, app)
    await pilot.press("escape")
    assert app.screen is app.main


async def _note_close(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("n", *"closing saves")
    await pilot.press("escape")
    assert app.screen is app.main
    assert state(app).note_of(target) == "closing saves"
    assert "closing saves" in detail_text(app)


async def _note_save(pilot: Pilot, app: PapertermApp) -> None:
    target = current_id(app)
    await pilot.press("n", *"saved now", "ctrl+s")
    assert state(app).note_of(target) == "saved now"
    assert isinstance(app.screen, NoteEditor)


def _experts(app: PapertermApp) -> list[str]:
    """Sample papers on one theme (mixture of experts), newest first."""
    return [p.id for p in app.library.papers_sorted() if "experts" in p.title.lower()]


def _for_you_scope(app: PapertermApp, label: str = "For you"):
    return next(s for s in app.main.query_one("ScopeSidebar").scopes if s.kind == "foryou" and s.label == label)


async def _main_for_you_order(pilot: Pilot, app: PapertermApp) -> None:
    newest = list(plist(app).ids)
    for pid in _experts(app)[:3]:
        app.library.bookmark(pid)
    await pilot.press("F")
    await settle(pilot)
    assert "by for you (s)" in status_text(app)
    top = plist(app).ids[:8]
    assert sum("expert" in app.library.papers[pid].title.lower() for pid in top) >= 6
    await pilot.press("F")
    await settle(pilot)
    assert plist(app).ids == newest


async def _main_related(pilot: Pilot, app: PapertermApp, number: int) -> None:
    assert "Related papers" in detail_text(app)
    related = [pid for pid, _ in app.library.recommender.related(current_id(app), 5)]
    await pilot.press(str(number))
    assert isinstance(app.screen, ReaderScreen)
    assert app.screen.paper_id == related[number - 1]
    assert app.library.papers[related[number - 1]].title in shown(app.screen.query_one("#reader-text", Static))


async def _reader_related(pilot: Pilot, app: PapertermApp, number: int) -> None:
    first = current_id(app)
    await pilot.press("enter")
    assert "Related papers" in shown(app.screen.query_one("#reader-text", Static))
    related = [pid for pid, _ in app.library.recommender.related(first, 5)]
    await pilot.press(str(number))
    assert app.screen.paper_id == related[number - 1]  # type: ignore[attr-defined]
    await pilot.press("h")
    assert app.screen.paper_id == first  # type: ignore[attr-defined]


async def test_for_you_scope_says_cold_start_then_learns_from_each_bookmark(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.scope = _for_you_scope(app)
        await settle(pilot)
        assert "Not enough to learn from yet" in status_text(app)
        assert plist(app).ids, "a cold start still shows papers, and says why"
        experts = _experts(app)
        for pid in experts[:2]:
            app.library.bookmark(pid)
        plist(app).cursor = plist(app).ids.index(experts[2])
        await pilot.press("b")  # the third kept paper: For you learns now
        await settle(pilot)
        assert "by for you (s)" in status_text(app)
        ids = plist(app).ids
        assert not set(experts[:3]) & set(ids), "kept papers are not recommended again"
        assert sum("expert" in app.library.papers[pid].title.lower() for pid in ids[:6]) >= 4
        assert "For you: like “" in detail_text(app)
        first = ids[0]
        plist(app).cursor = 0
        await pilot.press("x")  # dismissing re-ranks at once
        await settle(pilot)
        assert first not in plist(app).ids
        await pilot.press("t")  # triage walks the queue in For you order
        assert isinstance(app.screen, TriageScreen)
        assert app.screen.queue[:5] == plist(app).ids[:5]


async def test_for_you_is_a_sort_order_of_any_scope_remembered_and_walked_by_triage(sample_dir: Path) -> None:
    """`s` reaches "for you" in any scope (after title); the header names it, the rows and the pane say
    why, the scope remembers it across sessions, and triage walks the unread papers in that order."""
    library = Library.open(sample_dir)
    experts = [p.id for p in library.papers_sorted() if "experts" in p.title.lower()]
    for pid in experts[:3]:
        library.bookmark(pid)
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.scope = next(s for s in app.main.query_one("ScopeSidebar").scopes if s.kind == "unread")
        await settle(pilot)
        newest = list(plist(app).ids)
        for expected in ("paper date", "upvotes", "title", "for you"):
            await pilot.press("s")
            await settle(pilot)
            assert f"by {expected} (s)" in status_text(app)
        ranked = list(plist(app).ids)
        assert sorted(ranked) == sorted(newest) and ranked != newest
        assert sum("expert" in app.library.papers[pid].title.lower() for pid in ranked[:8]) >= 6
        first = next(pid for pid in ranked if pid not in experts[:3])
        assert ranked.index(first) < 3  # kept papers are not first for being like themselves
        assert app.main.rows is not None and app.main.rows.row(first).topic.startswith("like “")
        plist(app).cursor = ranked.index(first)
        await settle(pilot)
        assert "For you: like “" in detail_text(app)
        await pilot.press("t")
        assert isinstance(app.screen, TriageScreen)
        assert app.screen.queue == ranked  # every paper of the Unread scope is unread
        await pilot.press("escape")
        app.main.scope = ALL_SCOPE
        await settle(pilot)
        assert "by newest seen (s)" in status_text(app)  # another scope keeps its own order
    assert load_settings(sample_dir).sort_orders == {"unread:unread": "for you"}

    again = PapertermApp(sample_dir, watch=False)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        again.main.scope = next(s for s in again.main.query_one("ScopeSidebar").scopes if s.kind == "unread")
        await settle(pilot)
        assert "by for you (s)" in status_text(again)
        assert plist(again).ids == ranked
        await pilot.press("s")  # round again to the first order
        await settle(pilot)
        assert "by newest seen (s)" in status_text(again) and plist(again).ids == newest


async def test_the_for_you_scope_in_another_order_still_leaves_out_what_is_kept(sample_dir: Path) -> None:
    library = Library.open(sample_dir)
    kept = [p.id for p in library.papers_sorted() if "experts" in p.title.lower()][:3]
    for pid in kept:
        library.bookmark(pid)
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.scope = _for_you_scope(app)
        await settle(pilot)
        assert "by for you (s)" in status_text(app)  # the For you scope's own order
        ranked = list(plist(app).ids)
        # The counts are of what it shows: the unread papers but the kept ones.
        assert f"For you · {len(ranked)} papers" in status_text(app)
        assert _for_you_scope(app).total == _for_you_scope(app).unread == len(ranked)
        assert _for_you_scope(app, "For you · to-read").total == len(ranked)
        await pilot.press("s")
        await settle(pilot)
        assert "by newest seen (s)" in status_text(app)
        assert sorted(plist(app).ids) == sorted(ranked) and not set(kept) & set(plist(app).ids)
        assert plist(app).ids != ranked


async def test_for_you_per_list_is_in_the_sidebar(data_dir: Path) -> None:
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.library.create_list("thesis")
        for pid in _experts(app)[:3]:
            app.library.bookmark(pid, "thesis")
        app.library_changed(reloaded=True)
        await settle(pilot)
        app.main.scope = _for_you_scope(app, "For you · thesis")
        await settle(pilot)
        assert "by for you (s)" in status_text(app)
        assert "expert" in app.library.papers[plist(app).ids[0]].title.lower()


KEY_TESTS: dict[tuple[str, str], Check] = {
    ("Main screen", "/"): _main_search,
    ("Main screen", "r"): _main_read,
    ("Main screen", "x"): _main_dismiss,
    ("Main screen", "b"): _main_bookmark,
    ("Main screen", "B"): _main_lists,
    ("Main screen", "u"): _main_undo,
    ("Main screen", "t"): _main_triage,
    ("Main screen", "n"): _main_note,
    ("Main screen", "e"): _main_editor,
    ("Main screen", "o"): _main_open,
    ("Main screen", "y"): _copy_title,
    ("Main screen", "O"): _open_link,
    ("Main screen", "p"): _open_pdf_without_one,
    ("Main screen", "a"): _authors_fold,
    ("Main screen", "s"): _main_sort,
    ("Main screen", "J"): _main_next_unread,
    ("Main screen", "A"): _main_view_read,
    ("Main screen", "W"): _main_import_report,
    ("Main screen", "Y"): _copy_bibtex,
    ("Main screen", "R"): _main_page_read,
    ("Main screen", "i"): _main_import,
    ("Main screen", "ctrl+r"): _main_reload,
    ("Main screen", "ctrl+t"): _main_mark_on_move,
    ("Main screen", "?"): _main_help,
    ("Main screen", "q"): _main_quit,
    ("Paper list", "j, down"): _list_down,
    ("Paper list", "k, up"): _list_up,
    ("Paper list", "g, home"): _list_top,
    ("Paper list", "G, end"): _list_bottom,
    ("Paper list", "pagedown, space"): _list_page_down,
    ("Paper list", "pageup"): _list_page_up,
    ("Paper list", "enter"): _list_open,
    ("Paper list", "v"): _list_select,
    ("Paper list", "esc"): _list_clear_selection,
    ("Search bar", "esc"): _search_escape,
    ("Search bar", "down, enter"): _search_leave,
    ("Sidebar", "j"): _sidebar_move,
    ("Sidebar", "k"): _sidebar_move,
    ("Sidebar", "+, a"): _sidebar_new_topic,
    ("Sidebar", "e"): _sidebar_rename,
    ("Sidebar", "p"): _sidebar_pin,
    ("Sidebar", "h"): _sidebar_hide,
    ("Sidebar", "m"): _sidebar_merge,
    ("Sidebar", "delete"): _sidebar_remove,
    ("Reader (enter)", "esc, q"): _reader_close,
    ("Reader (enter)", "right, l"): _reader_next,
    ("Reader (enter)", "left, h"): _reader_prev,
    ("Reader (enter)", "r"): lambda p, a: _reader_status(p, a, "r", "read"),
    ("Reader (enter)", "x"): lambda p, a: _reader_status(p, a, "x", "dismissed"),
    ("Reader (enter)", "b"): _reader_bookmark,
    ("Reader (enter)", "B"): _reader_lists,
    ("Reader (enter)", "n"): _reader_note,
    ("Reader (enter)", "e"): _reader_editor,
    ("Reader (enter)", "o"): _reader_open,
    ("Reader (enter)", "y"): _reader_copy_title,
    ("Reader (enter)", "O"): lambda p, a: _open_link(p, a, in_reader=True),
    ("Reader (enter)", "p"): lambda p, a: _open_link(p, a, in_reader=True),
    ("Reader (enter)", "a"): lambda p, a: _authors_fold(p, a, in_reader=True),
    ("Reader (enter)", "Y"): _reader_copy_bibtex,
    ("Reader (enter)", "u"): _reader_undo,
    ("Triage (t)", "b"): lambda p, a: _triage_decision(p, a, "b", "read", True),
    ("Triage (t)", "s"): lambda p, a: _triage_decision(p, a, "s", "read", False),
    ("Triage (t)", "x"): lambda p, a: _triage_decision(p, a, "x", "dismissed", False),
    ("Triage (t)", "w"): _triage_later,
    ("Triage (t)", "n"): _triage_note,
    ("Triage (t)", "u"): _triage_undo,
    ("Triage (t)", "o"): _triage_open,
    ("Triage (t)", "esc, q"): _triage_close,
    ("Scrolling (paper pane, reader, triage)", "j, down"): lambda p, a: _scrolled(
        p, a, "reader", ("j", "down"), ("k",)
    ),
    ("Scrolling (paper pane, reader, triage)", "k, up"): lambda p, a: _scrolled(p, a, "triage", ("j", "j"), ("up",)),
    ("Scrolling (paper pane, reader, triage)", "pagedown, space"): lambda p, a: _scrolled(
        p, a, "detail", ("space",), ("k",)
    ),
    ("Scrolling (paper pane, reader, triage)", "pageup"): lambda p, a: _scrolled(
        p, a, "reader", ("pagedown", "pagedown"), ("pageup",)
    ),
    ("Scrolling (paper pane, reader, triage)", "g, home"): lambda p, a: _scrolled(p, a, "triage", ("G",), ("g",)),
    ("Scrolling (paper pane, reader, triage)", "G, end"): lambda p, a: _scrolled(p, a, "detail", ("end",), ("home",)),
    ("Main screen", "F"): _main_for_you_order,
    **{("Main screen", str(n)): (lambda p, a, n=n: _main_related(p, a, n)) for n in range(1, 6)},
    **{("Reader (enter)", str(n)): (lambda p, a, n=n: _reader_related(p, a, n)) for n in range(1, 6)},
    ("Note editor (n)", "esc"): _note_close,
    ("Note editor (n)", "ctrl+s"): _note_save,
}


def _help_keys() -> list[tuple[str, str]]:
    app = PapertermApp(Path("/nonexistent"), watch=False)
    return [(title, keys) for title, bindings in app.help_sections() for keys, _ in binding_rows(bindings)]


def test_every_key_in_the_help_has_a_test() -> None:
    missing = [key for key in _help_keys() if key not in KEY_TESTS]
    assert missing == []
    extra = [key for key in KEY_TESTS if key not in _help_keys()]
    assert extra == []


@pytest.mark.parametrize("section, keys", list(KEY_TESTS), ids=[f"{s}:{k}" for s, k in KEY_TESTS])
async def test_key(section: str, keys: str, sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = sample_dir
    editor = data_dir.parent / "fake-editor.py"
    editor.parent.mkdir(parents=True, exist_ok=True)
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('from the editor\\n')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await KEY_TESTS[(section, keys)](pilot, app)
