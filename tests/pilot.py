"""What the app tests share: waiting for the app's workers, and reading what it shows as plain text.

One home for these, so test modules never import one another (a test module imported by another
is a second place its helpers seem to live)."""

from __future__ import annotations

import contextlib
import io

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled

from tui.app import PapertermApp
from tui.widgets.paper_detail import PaperDetail
from tui.widgets.paper_list import PaperList

SIZE = (120, 40)


async def settle(pilot: Pilot) -> None:
    """Wait until the app's workers (loading, indexing, searching, counting) are done."""
    for _ in range(4):
        await pilot.pause(0.05)
        with contextlib.suppress(WorkerCancelled):  # a search superseded by a newer one
            await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.05)


def plist(app: PapertermApp) -> PaperList:
    return app.main.query_one(PaperList)


def status_text(app: PapertermApp) -> str:
    return shown(app.main.query_one("#list-status", Static))


def shown(static: Static) -> str:
    """The text a Static displays, as plain text."""
    return rendered(static.content)


def rendered(content: object) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def detail_text(app: PapertermApp) -> str:
    return rendered(app.main.query_one(PaperDetail).content)


def current_id(app: PapertermApp) -> str:
    current = plist(app).current
    assert current is not None
    return current
