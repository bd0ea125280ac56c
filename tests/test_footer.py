"""Whole at every width: the footer never cuts a key mid-word (`?` and `q` among the first),
the list header never cuts why For you is not learned yet."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from tui.app import PapertermApp
from tui.widgets.key_footer import KeyFooter

from .pilot import settle


def _footer_width(footer: KeyFooter) -> tuple[int, int]:
    """Cells the shown keys take, and the cells there are for them (the palette key docked right)."""
    keys = list(footer.query_children(FooterKey))
    palette = sum(key.render().cell_len + 1 for key in keys if key.has_class("-command-palette"))
    used = sum(key.render().cell_len for key in keys if key.display and not key.has_class("-command-palette"))
    return used, footer.size.width - palette


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (250, 70)])
async def test_footer_keys_fit_whole(sample_dir: Path, size: tuple[int, int]) -> None:
    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("r")  # `u` (undo) joins the footer after a change
        await settle(pilot)
        footer = app.main.query_one(KeyFooter)
        footer.call_later(footer.rebuild)  # as a burst of binding changes does
        await settle(pilot)
        used, room = _footer_width(footer)
        shown = footer.shown_keys()
        assert used <= room, f"{used} cells of keys in {room}: the last one is cut"
        assert {"question_mark", "q"} <= set(shown[:3])  # after the focused list's `enter`, if any
        if size[0] == 80:
            assert "i" not in shown  # it does not fit, so it is hidden whole (listed under `?`)
        if size[0] == 250:
            assert {"u", "t", "s", "F", "i"} <= set(shown)
        await pilot.resize_terminal(60, 24)
        await settle(pilot)
        used, room = _footer_width(footer)
        assert used <= room and {"question_mark", "q"} <= set(footer.shown_keys()[:3])


async def test_the_cold_start_notice_is_read_whole_at_80x24(sample_dir: Path) -> None:
    """Why For you is not learned yet is the header's longest text: it takes the lines it needs."""
    from textual.widgets import Label

    app = PapertermApp(sample_dir, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        header = app.main.query_one("#list-status", Label)
        text = str(header.render())
        assert "Not enough to learn from yet" in text
        lines = header.render_lines(header.region.reset_offset)  # what is drawn, line by line
        drawn = " ".join("".join(seg.text for seg in strip).strip() for strip in lines)
        assert drawn.endswith(text.split()[-1]), f"cut: {drawn!r}"
