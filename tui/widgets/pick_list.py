"""A list to pick from that moves as every list of the app does: `j` `k` as well as the arrows,
`g` `G` as well as home and end. The sidebar, the link and copy pickers and the list picker use it."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList

PICK_BINDINGS = [
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    Binding("g", "first", "First", show=False),
    Binding("G", "last", "Last", show=False),
]


class PickList(OptionList):
    """An `OptionList` with the app's vim keys beside Textual's own (arrows, home, end, pages)."""

    BINDINGS = PICK_BINDINGS
