"""Whole-screen snapshots of the main layouts (pytest-textual-snapshot; `--snapshot-update` to accept)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from tui.app import PapertermApp
from tui.screens.main import DETAIL_DELAY
from tui.widgets.key_footer import KeyFooter

from .pilot import settle

Steps = Callable[[Pilot], Awaitable[None]]


class _SnapshotApp(PapertermApp):
    """The app without the paper pane's related papers: which ones show, and whether they show yet,
    depends on when the For-you vectors finish loading, so a picture with them is not repeatable.
    The Pilot tests in test_tui.py (keys 1–5) cover them."""

    def paper_info(self, paper_id: str) -> dict:
        info = super().paper_info(paper_id)
        info.pop("related", None)
        return info


def _app(data_dir: Path) -> PapertermApp:
    return _SnapshotApp(data_dir, watch=False)


async def _ready(pilot: Pilot) -> None:
    await _settled(pilot)
    pilot.app.clear_notifications()
    await pilot.pause(0.1)


def steady(run_before: Steps) -> Steps:
    """Then stop every cursor blinking: the picture must not depend on when it was taken."""

    async def run(pilot: Pilot) -> None:
        await run_before(pilot)
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False
        for footer in pilot.app.screen.query(KeyFooter):  # the keys as they are now, not as a late
            footer.call_later(footer.rebuild)  # rebuild on a busy machine would leave them
        await pilot.pause(0.2)

    return run


async def _settled(pilot: Pilot) -> None:
    """Workers done, and the paper pane (redrawn once the cursor rests) caught up, even on a busy machine.

    The For-you vectors load in a worker started by another worker; the pane gains its related
    papers when they arrive, so the picture waits for them too (else it depends on the machine's speed).
    """
    await settle(pilot)
    app = pilot.app
    for _ in range(200):  # 10 s at most
        if getattr(app, "ready", False) and app.library.recommender.ready:
            break
        await pilot.pause(0.05)
    await settle(pilot)
    await pilot.pause(DETAIL_DELAY * 4)
    await settle(pilot)


def test_main_screen(snap_compare, sample_dir: Path) -> None:
    assert snap_compare(_app(sample_dir), terminal_size=(120, 36), run_before=steady(_ready))


def test_search_state(snap_compare, sample_dir: Path) -> None:
    async def search(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("slash", *"knowlege distilation")
        await _settled(pilot)

    assert snap_compare(_app(sample_dir), terminal_size=(120, 36), run_before=steady(search))


def test_note_editor(snap_compare, sample_dir: Path) -> None:
    async def note(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("n", *"Compare with the token-graph KD paper.", "ctrl+s")  # "saved", not a race
        await pilot.pause(0.1)

    assert snap_compare(_app(sample_dir), terminal_size=(100, 24), run_before=steady(note))


def test_help_screen(snap_compare, sample_dir: Path) -> None:
    async def help_(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(_app(sample_dir), terminal_size=(100, 40), run_before=steady(help_))


def test_narrow_terminal(snap_compare, sample_dir: Path) -> None:
    assert snap_compare(_app(sample_dir), terminal_size=(80, 24), run_before=steady(_ready))


def test_main_screen_120x40(snap_compare, sample_dir: Path) -> None:
    """Sidebar rows one line each even once the sidebar scrolls; the footer shows ? and q."""
    assert snap_compare(_app(sample_dir), terminal_size=(120, 40), run_before=steady(_ready))


def test_wide_terminal(snap_compare, sample_dir: Path) -> None:
    assert snap_compare(_app(sample_dir), terminal_size=(250, 70), run_before=steady(_ready))


def test_query_error_is_shown_whole_at_80x24(snap_compare, sample_dir: Path) -> None:
    async def bad_query(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("slash", *"date:September topic:moe")
        await _settled(pilot)

    assert snap_compare(_app(sample_dir), terminal_size=(80, 24), run_before=steady(bad_query))
