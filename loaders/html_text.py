"""HTML fragments (feed descriptions, Scholar alert mails) to plain text, with the stdlib parser.

Tags are dropped, entities decoded, `<br>` and block ends become line breaks. Nothing
is fetched or executed; scripts and styles are skipped entirely.
"""

from __future__ import annotations

from html.parser import HTMLParser

_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
_SKIP = {"script", "style", "head", "title"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Readable text of an HTML fragment; plain text passes through with entities decoded."""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)
