"""The selected paper in full: title, authors and links, abstract with matches highlighted, where it
was seen, its lists and its note. Everything from a digest is shown as literal text."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from loaders.text_cleanup import strip_controls

Spans = list[tuple[int, int]]


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
    if info["authors"]:
        parts.append(literal(", ".join(info["authors"]), "italic"))
    meta = Text(style="dim")
    meta.append(info["id"])
    meta.append(f"  ·  {info['date'] or 'no date'}  ·  {info['status']}")
    if info.get("topics"):
        meta.append("  ·  ")
        meta.append(strip_controls(", ".join(info["topics"])))
    parts.append(meta)
    if info["lists"]:
        parts.append(Text("★ ", style="yellow") + literal(", ".join(info["lists"])))
    if info["arxiv_id"]:
        parts.append(literal(info["url"], "underline blue"))
    else:
        parts.append(Text("o: search arXiv for this title", style="dim"))
    for link in info["links"][:5]:
        parts.append(literal(link, "blue"))
    parts.append(Text())
    parts.append(highlighted(info["abstract"] or "(no abstract)", abstract_spans, ""))
    parts.append(Text())
    seen = Text("Seen in", style="bold dim")
    for source in info["sources"]:
        seen.append("\n  ")
        seen.append(strip_controls(f"{source['file']}:{source['line']}"), style="dim")
        seen.append(f"  {source['date'] or ''} (date from {source['date_source']})", style="dim")
    parts.append(seen)
    elsewhere = (info.get("extra") or {}).get("seen_elsewhere")
    if elsewhere:
        parts.append(literal(f"  on another machine: {elsewhere}", "dim"))
    if info["note"]:
        parts.append(Text())
        parts.append(Text("Note", style="bold"))
        parts.append(literal(info["note"]))
    return Group(*parts)


class PaperDetail(VerticalScroll, can_focus=True):
    """Shows one paper; the screen sets it with `show`."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    def show(
        self,
        info: dict[str, Any] | None,
        title_spans: Spans | None = None,
        abstract_spans: Spans | None = None,
    ) -> None:
        body = self.query_one("#detail-body", Static)
        if info is None:
            body.update(Text("No paper selected.", style="dim"))
        else:
            body.update(paper_renderable(info, title_spans or [], abstract_spans or []))
        self.scroll_home(animate=False)
