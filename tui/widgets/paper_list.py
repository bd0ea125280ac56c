"""The paper list: a Line-API view that draws only the rows on screen, so 100,000 papers scroll as 100.

It holds paper ids and a cursor; what each row says comes from a `RowSource` the
screen passes down. It posts `Highlighted` when the cursor moves and `Opened` on enter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True, slots=True)
class Row:
    title: str
    date: str  # what the list is sorted by, where it is a value: the day seen, the paper's own date, upvotes
    topic: str
    status: str  # new | read | dismissed
    bookmarked: bool
    noted: bool
    published: str | None = None  # the paper's own date, in its own column when the list is wide; None: no column


OWN_DATE_FROM = 76  # list width from which the paper's own date has a column beside the sort's


def column_legend(width: int, shown: str, own_column: bool) -> str:
    """The header's words for the date columns when the list is wide enough to show the paper's own
    date beside the sort's column (`shown`: "seen", "upvotes"); "" when there is one column, which
    the sort's name already describes ("by newest seen", "by paper date")."""
    return f"columns: paper's date │ {shown}" if own_column and width >= OWN_DATE_FROM else ""


class RowSource(Protocol):
    """What the list needs to draw a row; the screen supplies one backed by the core."""

    def row(self, paper_id: str) -> Row: ...

    def highlight(self, text: str) -> list[tuple[int, int]]: ...


class _NoRows:
    def row(self, paper_id: str) -> Row:
        return Row(paper_id, "", "", "new", False, False)

    def highlight(self, text: str) -> list[tuple[int, int]]:
        return []


class PaperList(ScrollView, can_focus=True):
    """Papers, one per line: state marks, title (search matches highlighted), topic, date."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("g,home", "first", "Top", show=False),
        Binding("G,end", "last", "Bottom", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("enter", "open", "Read"),
        Binding("v", "select", "Select (b bookmarks the selection)", show=False),
        Binding("escape", "clear_selection", "Clear the selection", show=False),
    ]
    COMPONENT_CLASSES = {
        "paper-list--cursor",
        "paper-list--unread",
        "paper-list--read",
        "paper-list--dismissed",
        "paper-list--match",
        "paper-list--meta",
        "paper-list--published",
        "paper-list--mark",
    }
    DEFAULT_CSS = """
    PaperList { background: $surface; overflow-x: hidden; }
    PaperList > .paper-list--cursor { background: $accent 40%; }
    PaperList:focus > .paper-list--cursor { background: $accent; color: $text; }
    PaperList > .paper-list--unread { text-style: bold; }
    PaperList > .paper-list--read { }
    PaperList > .paper-list--dismissed { color: $text-disabled; text-style: strike; }
    PaperList > .paper-list--match { color: $warning; text-style: bold underline; }
    PaperList > .paper-list--meta { color: $text-muted; }
    PaperList > .paper-list--published { color: $text-muted; text-style: italic; }
    PaperList > .paper-list--mark { color: $secondary; }
    """

    # repaint=False: `watch_cursor` refreshes the two lines that changed, not the whole list.
    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        def __init__(self, paper_id: str | None, index: int) -> None:
            super().__init__()
            self.paper_id = paper_id
            self.index = index

    class Opened(Message):
        def __init__(self, paper_id: str) -> None:
            super().__init__()
            self.paper_id = paper_id

    class Resized(Message):
        """The list's width changed: what depends on it outside the list (the header) follows."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ids: list[str] = []
        self.source: RowSource = _NoRows()
        self._empty_message = ""
        self.selected: set[str] = set()  # `v`: papers picked for an action on them all
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)

    # -- data down -------------------------------------------------------------

    def set_rows(self, ids: list[str], source: RowSource, *, keep: str | None = None, empty: str = "") -> None:
        """Show these papers; keep the cursor on `keep` when it is still listed."""
        self.ids = ids
        if self.selected:  # a search's ids are listed lazily: asked only about the selected papers
            listed = set(ids) if isinstance(ids, list) else ids
            self.selected = {pid for pid in self.selected if pid in listed}
        self.source = source
        self._strips.clear()  # a new query highlights other words
        self._empty_message = empty
        self.virtual_size = Size(self.size.width, len(ids))
        index = 0
        if keep is not None:
            try:
                index = ids.index(keep)
            except ValueError:
                index = min(self.cursor, max(0, len(ids) - 1))
        self.cursor = index
        self.refresh()

    @property
    def current(self) -> str | None:
        return self.ids[self.cursor] if 0 <= self.cursor < len(self.ids) else None

    def visible_ids(self) -> list[str]:
        top = int(self.scroll_offset.y)
        return self.ids[top : top + self.scrollable_content_region.height]

    # -- cursor ----------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.ids) - 1)) if self.ids else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old - int(self.scroll_offset.y))
        self.refresh_line(new - int(self.scroll_offset.y))
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True)
        self.post_message(self.Highlighted(self.current, new))

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.ids) - 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - 1)

    def action_select(self) -> None:
        """Select the paper (or unselect it) and move to the next."""
        current = self.current
        if current is None:
            return
        self.selected ^= {current}
        self._strips.clear()
        self.refresh()
        self.cursor += 1

    def action_clear_selection(self) -> None:
        self.clear_selection()

    def clear_selection(self) -> None:
        if self.selected:
            self.selected = set()
            self._strips.clear()
            self.refresh()

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < len(self.ids):
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.ids))
        self.post_message(self.Resized())

    # -- drawing ---------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        if not self.ids and y == 1 and self._empty_message:
            return Strip([Segment(f"  {self._empty_message}", self.get_component_rich_style("paper-list--meta"))])
        if index >= len(self.ids):
            return Strip.blank(width, self.rich_style)
        paper_id = self.ids[index]
        row = self.source.row(paper_id)
        chosen = paper_id in self.selected
        key = (paper_id, row, width, index == self.cursor, self.has_focus, self.app.theme, chosen)
        strip = self._strips.get(key)
        if strip is None:
            # Scrolling by a line redraws every visible row; all but one were drawn a moment ago.
            strip = self._draw_row(row, width, index == self.cursor, chosen)
            self._strips[key] = strip
        return strip

    def _draw_row(self, row: Row, width: int, is_cursor: bool, chosen: bool = False) -> Strip:
        text = self._row_text(row, width, chosen)
        segments = list(text.render(self.app.console))
        strip = Strip(segments).adjust_cell_length(width, self.rich_style)
        if is_cursor:
            # On top of each segment's own style: the segments carry the list's background.
            cursor = self.get_component_rich_style("paper-list--cursor")
            strip = Strip(Segment.apply_style(strip, post_style=cursor), strip.cell_length)
        return strip

    def _row_text(self, row: Row, width: int, chosen: bool = False) -> Text:
        style_of: Callable[[str], Style] = self.get_component_rich_style
        meta = style_of("paper-list--meta")
        marks = Text(style=style_of("paper-list--mark"))
        marks.append("•" if row.status == "new" else ("×" if row.status == "dismissed" else " "))
        marks.append("★" if row.bookmarked else " ")
        marks.append("✎" if row.noted else " ")
        marks.append("✓" if chosen else " ")
        right = Text()
        topic_width = 0 if width < 70 else min(22, width // 6)
        if topic_width:
            topic = row.topic[: topic_width - 1] + "…" if len(row.topic) > topic_width else row.topic
            right.append(f" {topic:<{topic_width}}", meta)
        if row.published is not None and width >= OWN_DATE_FROM:
            right.append(f" {row.published:>10}", style_of("paper-list--published"))
        right.append(f" {row.date or '':>10}", meta)
        title_width = max(8, width - marks.cell_len - right.cell_len)
        state = {"new": "paper-list--unread", "dismissed": "paper-list--dismissed"}.get(row.status, "paper-list--read")
        title = Text(row.title, style=style_of(state), no_wrap=True, end="")
        match = style_of("paper-list--match")
        for start, end in self.source.highlight(row.title):
            title.stylize(match, start, end)
        title.truncate(title_width, overflow="ellipsis", pad=True)
        return Text.assemble(marks, title, right, no_wrap=True, end="")
