"""Vim and arrow keys for scrolling a pane of text: one home for the paper pane, the reader and triage."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll

SCROLL_BINDINGS = [
    Binding("j,down", "scroll_down", "Scroll down", show=False),
    Binding("k,up", "scroll_up", "Scroll up", show=False),
    Binding("pagedown,space", "page_down", "Page down", show=False),
    Binding("pageup", "page_up", "Page up", show=False),
    Binding("g,home", "scroll_home", "Top", show=False),
    Binding("G,end", "scroll_end", "Bottom", show=False),
]


class ScrollBody(VerticalScroll, can_focus=True):
    """A focusable scrolling pane with the scroll keys above."""

    BINDINGS = SCROLL_BINDINGS
