"""Google Scholar alert mails: the HTML itself, an .eml holding it, or the Gmail API's JSON
(`users.messages.get`, the body base64url-encoded in `payload.body.data` or in a part).

Each paper is an `<a class="gse_alrt_title">` whose link goes through
`scholar.google.com/scholar_url?url=…` (the real link is taken out of it), then a line of
abbreviated authors and venue, then the snippet (a cut-short abstract) in `gse_alrt_sni`.
"""

from __future__ import annotations

import base64
import binascii
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlparse

from .formats import DigestFormat
from .json_fields import path, text_of
from .json_input import load_json
from .mail import looks_like_mail, mail_date, read_mail
from .records import PaperRecord, ParseError, ParseResult, ParseWarning, normalise_arxiv_id
from .text_cleanup import clean_line, clean_paragraphs, fix_mojibake

_MARK = "gse_alrt_title"
_ANCHOR = re.compile(  # a real alert's title link: the class and an href, in either order
    r"<a\s(?=[^>]*\bhref=)[^>]*class=[\"'][^\"']*\bgse_alrt_title\b", re.I
)


class _Alert(HTMLParser):
    """Collects (title, link, byline, snippet) per `gse_alrt_title` anchor."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.papers: list[dict[str, str]] = []
        self.field: str | None = None
        self.depth = 0
        self.after_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        classes = (attr.get("class") or "").split()
        if tag == "a" and _MARK in classes:
            self.papers.append({"title": "", "href": attr.get("href") or "", "byline": "", "snippet": ""})
            self.field, self.depth = "title", 1
            return
        if not self.papers:
            return
        if tag == "div" and "gse_alrt_sni" in classes:
            self.field, self.depth = "snippet", 1
        elif tag == "div" and self.after_title and self.field is None:
            self.field, self.depth = "byline", 1
        elif self.field and tag not in ("br", "img"):
            self.depth += 1
        elif self.field == "snippet" and tag == "br":
            self.papers[-1]["snippet"] += " "

    def handle_endtag(self, tag: str) -> None:
        if self.field is None or tag in ("br", "img"):
            return
        self.depth -= 1
        if self.depth <= 0:
            self.after_title = self.field == "title"
            self.field = None

    def handle_data(self, data: str) -> None:
        if self.field:
            self.papers[-1][self.field] += data


def _real_link(href: str) -> str:
    parsed = urlparse(href)
    if parsed.netloc.endswith("scholar.google.com") and parsed.path == "/scholar_url":
        target = parse_qs(parsed.query).get("url", [""])[0]
        return target if target.startswith(("http://", "https://")) else ""
    return href if href.startswith(("http://", "https://")) else ""


def _gmail_messages(data: Any) -> list[dict[str, Any]]:
    items = data if isinstance(data, list) else [data]
    return [m for m in items if isinstance(m, dict) and isinstance(m.get("payload"), dict)]


def _gmail_html(payload: dict[str, Any]) -> str:
    """The text/html body of a Gmail API payload, searching parts depth-first."""
    parts = [payload]
    while parts:
        part = parts.pop(0)
        if not isinstance(part, dict):
            continue
        data = text_of(path(part, "body", "data"))
        if data and text_of(part.get("mimeType")).startswith("text/html"):
            try:
                return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", errors="replace")
            except (binascii.Error, ValueError):
                return ""
        if isinstance(part.get("parts"), list):
            parts.extend(part["parts"])
    return ""


def sniff(text: str) -> float:
    if _ANCHOR.search(text[:500000]):
        return 0.95
    data = load_json(text)
    messages = _gmail_messages(data) if data is not None else []
    if (
        messages
        and "scholar"
        in text_of(path(messages[0], "snippet")).lower() + str(path(messages[0], "payload", "headers")).lower()
    ):
        return 0.9
    return 0.0


def _alert_papers(html: str, source: str, line: int | None, result: ParseResult) -> None:
    parser = _Alert()
    parser.feed(html)
    parser.close()
    for found in parser.papers:
        title = clean_line(fix_mojibake(found["title"]))
        if not title:
            result.warnings.append(ParseWarning(source, line, "an alert item without a title was skipped"))
            continue
        link = _real_link(found["href"])
        byline = clean_line(fix_mojibake(found["byline"]))
        record = PaperRecord(
            title=title,
            abstract=clean_paragraphs(fix_mojibake(found["snippet"])),
            line=line,
            links=[link] if link else [],
        )
        people = byline.split(" - ", 1)[0]
        record.authors = [p.strip() for p in people.split(",") if p.strip() and p.strip() != "…"]
        if " - " in byline:
            record.extra["venue"] = byline.split(" - ", 1)[1]
        arxiv = re.search(r"arXiv:(\d{4}\.\d{4,5})", byline)
        record.arxiv_id = normalise_arxiv_id(link) or (arxiv and normalise_arxiv_id(arxiv.group(1))) or None
        record.extra["snippet"] = 1  # the abstract is Scholar's cut-short snippet
        result.papers.append(record)


def parse(text: str, source: str) -> ParseResult:
    result = ParseResult(format=FORMAT.name, papers=[])
    data = load_json(text) if text.lstrip("\ufeff \n").startswith(("{", "[")) else None
    if data is not None:
        messages = _gmail_messages(data)
        if not messages:
            raise ParseError(source, "expected Gmail API messages (objects with a `payload`)", 1)
        for number, message in enumerate(messages, start=1):
            html = _gmail_html(message["payload"])
            if not html:
                result.warnings.append(ParseWarning(source, None, f"message {number} has no readable HTML body"))
                continue
            _alert_papers(html, f"{source} (message {number})", None, result)
            headers = {
                text_of(h.get("name")).lower(): text_of(h.get("value"))
                for h in path(message, "payload", "headers") or []
                if isinstance(h, dict)
            }
            result.digest_date = result.digest_date or mail_date(headers.get("date"))
    elif looks_like_mail(text):
        mail = read_mail(text)
        result.digest_date = mail.date
        _alert_papers(mail.body, source, None, result)
    else:
        _alert_papers(text, source, None, result)
    if not result.papers:
        raise ParseError(source, "no Scholar alert items found (`gse_alrt_title` links)", 1)
    return result


FORMAT = DigestFormat(
    name="scholar-alert",
    description="Google Scholar alert mail: HTML, .eml, or Gmail API JSON",
    example='<a class="gse_alrt_title" href="…scholar_url?url=https://arxiv.org/pdf/1912.02015…">Title</a>',
    sniff=sniff,
    parse=parse,
)
