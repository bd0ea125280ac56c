"""The selected paper in full: title, authors and links, abstract with matches highlighted, where it
was seen, its lists and its note. Everything from a digest is shown as literal text."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from loaders.text_cleanup import strip_controls

from .scroll_keys import SCROLL_BINDINGS

Spans = list[tuple[int, int]]
FOLD_AUTHORS = 8  # longer author lists fold to the first few "et al." (`a` shows them all)
SHOWN_AUTHORS = 5


def literal(text: str | None, style: str = "") -> Text:
    """Digest text as a Text: never parsed as markup, control characters removed."""
    return Text(strip_controls(text or ""), style=style)


def highlighted(text: str, spans: Spans, style: str, match_style: str = "bold reverse") -> Text:
    body = literal(text, style)
    for start, end in spans:
        body.stylize(match_style, start, end)
    return body


def paper_renderable(info: dict[str, Any], title_spans: Spans, abstract_spans: Spans) -> Group:
    """The paper as the detail pane and the reader draw it."""
    parts: list[Text] = [highlighted(info["title"], title_spans, "bold")]
    authors = info["authors"]
    if len(authors) > FOLD_AUTHORS and not info.get("all_authors"):
        folded = literal(", ".join(authors[:SHOWN_AUTHORS]) + " et al.", "italic")
        folded.append(f"  ({len(authors) - SHOWN_AUTHORS} more · a shows all)", style="dim")
        parts.append(folded)
    elif authors:
        parts.append(literal(", ".join(authors), "italic"))
    meta = Text(style="dim")
    meta.append(info["id"])
    if info.get("published"):
        meta.append(f"  ·  published {info['published']}")
    meta.append(f"  ·  seen {info['date'] or 'on no date'}  ·  {info['status']}")
    if info.get("topics"):
        meta.append("  ·  ")
        meta.append(strip_controls(", ".join(info["topics"])))
    parts.append(meta)
    extra = info.get("extra") or {}
    details = [
        str(value) if key != "upvotes" else f"{value} upvotes"
        for key in ("venue", "categories", "upvotes", "announce")
        if (value := extra.get(key)) not in (None, "")
    ]
    if details:
        parts.append(literal("  ·  ".join(details), "dim"))
    if info.get("why"):
        parts.append(Text("For you: ", style="bold green") + literal(info["why"], "green"))
    if info["lists"]:
        parts.append(Text("★ ", style="yellow") + literal(", ".join(info["lists"])))
    if info["arxiv_id"] or "doi.org/" in info["url"]:
        parts.append(literal(info["url"], "underline blue"))
    else:
        parts.append(Text("o: search arXiv for this title", style="dim"))
    for link in [link for link in info["links"] if link != info["url"]][:5]:
        parts.append(literal(link, "blue"))
    parts.append(Text())
    parts.append(highlighted(info["abstract"] or "(no abstract)", abstract_spans, ""))
    parts.append(Text())
    if info.get("related"):
        parts.append(Text("Related papers", style="bold") + Text("  (1–5 opens one)", style="dim"))
        for number, item in enumerate(info["related"], 1):
            line = Text(f"{number} ", style="bold cyan") + literal(item["title"])
            line.append(f"  {item['similarity']:.2f}", style="dim")
            parts.append(line)
        parts.append(Text())
    seen = Text("Seen in", style="bold dim")
    for source in info["sources"]:
        seen.append("\n  ")
        if source.get("synced"):  # another machine saw it there; the sync file carried the paper here
            seen.append(strip_controls(source["file"]), style="dim")
            seen.append(f"  {source['date'] or 'on no date'} (carried by sync)", style="dim")
            continue
        seen.append(strip_controls(f"{source['file']}:{source['line']}"), style="dim")
        seen.append(f"  {source['date'] or ''} (date from {source['date_source']})", style="dim")
    parts.append(seen)
    for key, label in (("ai_summary", "AI summary"), ("comment", "Comment on the page")):
        if extra.get(key):
            parts.append(Text())
            parts.append(Text(label, style="bold dim"))
            parts.append(literal(str(extra[key]), "dim"))
    if info["note"]:
        parts.append(Text())
        parts.append(Text("Note", style="bold"))
        parts.append(literal(info["note"]))
    return Group(*parts)


class PaperDetail(ScrollView, can_focus=True):
    """Shows one paper; the screen sets it with `show`.

    A Line-API view: the paper is wrapped into lines once per paper (and per width), and only
    the lines on screen are drawn. Showing another paper repaints this pane alone; a `Static`
    here would re-lay out the whole screen on every cursor move through the list.
    """

    BINDINGS = SCROLL_BINDINGS
    DEFAULT_CSS = """
    PaperDetail { overflow-y: scroll; overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content: RenderableType = Text("No paper selected.", style="dim")
        self._lines: list[Strip] = []
        self._width = -1
        self._base_style = Style()

    def show(
        self,
        info: dict[str, Any] | None,
        title_spans: Spans | None = None,
        abstract_spans: Spans | None = None,
    ) -> None:
        if info is None:
            self.content = Text("No paper selected.", style="dim")
        else:
            self.content = paper_renderable(info, title_spans or [], abstract_spans or [])
        self._width = -1
        self._wrap()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def _wrap(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        if width == self._width:
            return
        self._width = width
        console = self.app.console
        options = console.options.update(width=width, highlight=False)
        lines = console.render_lines(self.content, options, pad=False)
        self._lines = [Strip(line).simplify() for line in lines]
        size = Size(width, len(self._lines))
        if size != self.virtual_size:
            # Only the scrollbar depends on the virtual size here (the pane's own size is fixed
            # by the layout and its scrollbar always shown), so skip the screen re-layout that
            # assigning the reactive would queue.
            self.set_reactive(PaperDetail.virtual_size, size)
            self._scroll_update(size)

    def on_resize(self) -> None:
        self._wrap()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style, once per paint rather than once per line: it walks the ancestors.
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        self._wrap()
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        style = self._base_style
        if index >= len(self._lines):
            return Strip.blank(width, style)
        strip = self._lines[index].adjust_cell_length(width)
        return Strip(Segment.apply_style(strip, style), strip.cell_length)
