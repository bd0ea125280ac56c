"""Regenerate screenshots/*.svg of paperterm's main screens from the bundled sample digests.

    python screenshots/make.py

Runs the app headless on a temporary library (so the real one is never touched) and
saves each screen with Textual's `save_screenshot`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from textual.pilot import Pilot  # noqa: E402

from tui.app import PapertermApp  # noqa: E402

Steps = Callable[[Pilot], Awaitable[None]]


async def settle(pilot: Pilot) -> None:
    for _ in range(4):
        await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.1)


async def main_screen(pilot: Pilot) -> None:
    pilot.app.clear_notifications()
    await pilot.press("j", "j", "b", "j", "r", "j", "j")


async def search(pilot: Pilot) -> None:
    pilot.app.clear_notifications()
    await pilot.press("slash", *"knowlege distilation token")
    await settle(pilot)


async def triage(pilot: Pilot) -> None:
    pilot.app.clear_notifications()
    await pilot.press("t", "s", "b")


async def note(pilot: Pilot) -> None:
    pilot.app.clear_notifications()
    await pilot.press("n", *"Compare with the token-graph KD paper; check their CIFAR-100 numbers.")
    await pilot.pause(0.6)


async def link_picker(pilot: Pilot) -> None:
    pilot.app.clear_notifications()
    await pilot.press("O")


async def help_screen(pilot: Pilot) -> None:
    pilot.app.clear_notifications()
    await pilot.press("question_mark")


async def first_launch(pilot: Pilot) -> None:
    """As a new user sees it: the welcome note over the sample library."""


SHOTS: list[tuple[str, tuple[int, int], Steps]] = [
    ("main", (130, 38), main_screen),
    ("search", (130, 38), search),
    ("triage", (110, 30), triage),
    ("note", (110, 26), note),
    ("help", (110, 44), help_screen),
    ("first-launch", (100, 30), first_launch),
    ("narrow", (80, 24), main_screen),
    ("wide", (250, 70), main_screen),
    ("links", (110, 30), link_picker),
]


async def shoot(name: str, size: tuple[int, int], steps: Steps) -> None:
    with tempfile.TemporaryDirectory(prefix="paperterm-shots-") as tmp:
        app = PapertermApp(Path(tmp), watch=False)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await steps(pilot)
            await settle(pilot)
            app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


async def run() -> None:
    for name, size, steps in SHOTS:
        await shoot(name, size, steps)


if __name__ == "__main__":
    asyncio.run(run())
