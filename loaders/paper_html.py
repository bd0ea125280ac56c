"""A paper's own web page saved as HTML (arXiv abstract pages, publishers, Hugging Face paper pages), or a
page that links to papers.

The paper is read from what the page declares for machines, in order of trust: Highwire/Google
Scholar `citation_*` meta tags (`citation_title`, `citation_author`, `citation_arxiv_id`,
`citation_doi`, `citation_date`…), JSON-LD (`ScholarlyArticle`, `Article`), then Open Graph
(`og:title`, `og:description`, `og:url`). A page with none of these but with links to arXiv or
Hugging Face papers yields one paper per linked paper, titled by the link text. The stdlib parser
reads the markup; nothing is fetched or executed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import orjson

from .formats import DigestFormat
from .latex_text import latex_to_text
from .record_fields import record_of
from .records import (
    PaperRecord,
    ParseError,
    ParseResult,
    arxiv_id_of_doi,
    normalise_arxiv_id,
    normalise_doi,
    partial_day,
)
from .text_cleanup import clean_line, clean_paragraphs, first_last, fix_mojibake

LOOKED_FOR = "`citation_*` or `og:` meta tags, JSON-LD (ScholarlyArticle), or links to arXiv / Hugging Face papers"
_PAPER_LINK = re.compile(r"(?:arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/|^/papers/)(?P<id>[^?#\s]+)")
_HTML = re.compile(r"<(?:!doctype html|html|head|meta|body)\b", re.I)


class _Page(HTMLParser):
    """Meta tags (name/property → values), JSON-LD blocks, the <title>, and links with their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.json_ld: list[str] = []
        self.title = ""
        self.links: list[tuple[str, str, int]] = []
        self._in: str | None = None
        self._buffer: list[str] = []
        self._href: tuple[str, int] | None = None
        self._anchor: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (values.get("name") or values.get("property") or "").lower()
            if key and values.get("content"):
                self.meta.setdefault(key, []).append(values["content"])
        elif tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._in, self._buffer = "ld", []
        elif tag == "title" and not self.title:
            self._in, self._buffer = "title", []
        elif tag == "a" and values.get("href"):
            self._href, self._anchor = (values["href"], self.getpos()[0]), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in == "ld":
            self.json_ld.append("".join(self._buffer))
            self._in = None
        elif tag == "title" and self._in == "title":
            self.title = "".join(self._buffer)
            self._in = None
        elif tag == "a" and self._href is not None:
            self.links.append((self._href[0], "".join(self._anchor), self._href[1]))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buffer.append(data)
        if self._href is not None:
            self._anchor.append(data)


def sniff(text: str) -> float:
    head = text[:200000]
    if not _HTML.search(head[:5000]):
        return 0.0
    if re.search(r"<meta\s[^>]*name=[\"']citation_title", head, re.I):
        return 0.6
    if re.search(r"application/ld\+json|property=[\"']og:title", head, re.I) or _PAPER_LINK.search(head):
        return 0.3
    return 0.0


def _meta_record(meta: dict[str, list[str]]) -> PaperRecord | None:
    def one(*keys: str) -> str:
        return next((values[0] for key in keys if (values := meta.get(key))), "")

    title = clean_line(latex_to_text(fix_mojibake(one("citation_title", "dc.title", "og:title", "twitter:title"))))
    if not title:
        return None
    record = PaperRecord(
        title=title,
        abstract=clean_paragraphs(
            fix_mojibake(one("citation_abstract", "dc.description", "description", "og:description"))
        ),
    )
    names = meta.get("citation_author") or meta.get("dc.creator") or []
    record.authors = [first_last(clean_line(n)) for n in names if clean_line(n)]
    record.doi = normalise_doi(one("citation_doi", "dc.identifier"))
    pmid = one("citation_pmid").strip()
    record.pmid = pmid if pmid.isdigit() else None
    urls = [u for u in (one("citation_abstract_html_url"), one("og:url"), one("citation_pdf_url")) if u]
    record.links = [u for u in dict.fromkeys(urls) if u.startswith(("http://", "https://"))]
    record.arxiv_id = normalise_arxiv_id(one("citation_arxiv_id")) or next(
        (aid for u in record.links if (aid := normalise_arxiv_id(u))), None
    )
    record.arxiv_id = record.arxiv_id or arxiv_id_of_doi(record.doi)
    day = one("citation_publication_date", "citation_date", "citation_online_date", "dc.date", "article:published_time")
    record.published = partial_day(day.strip()[:10].replace("/", "-")) or partial_day(day.strip()[:4])
    if venue := clean_line(one("citation_journal_title", "citation_conference_title")):
        record.extra["venue"] = venue
    return record


def _json_ld_records(blocks: list[str]) -> list[PaperRecord]:
    found: list[PaperRecord] = []
    for block in blocks:
        try:
            data: Any = orjson.loads(block)
        except orjson.JSONDecodeError:
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for item in items:
            if isinstance(item, dict) and "article" in str(item.get("@type", "")).lower():
                shaped = {**item, "title": item.get("headline") or item.get("name")}
                if (record := record_of(shaped)) is not None:
                    found.append(record)
    return found


def _fill(record: PaperRecord, other: PaperRecord) -> None:
    """Fields `record` lacks, taken from another description of the same page."""
    record.abstract = record.abstract or other.abstract
    record.authors = record.authors or other.authors
    record.arxiv_id = record.arxiv_id or other.arxiv_id
    record.doi = record.doi or other.doi
    record.pmid = record.pmid or other.pmid
    record.published = record.published or other.published
    record.links += [link for link in other.links if link not in record.links]
    for key, value in other.extra.items():
        record.extra.setdefault(key, value)


def parse(text: str, source: str) -> ParseResult:
    page = _Page()
    page.feed(text)
    page.close()
    result = ParseResult(format=FORMAT.name, papers=[])
    declared = _meta_record(page.meta) if "citation_title" in page.meta else None
    ld = _json_ld_records(page.json_ld)
    tagged = _meta_record(page.meta)  # Open Graph (and citation_*) tags
    sources = [r for r in (declared, ld[0] if ld else None, tagged) if r is not None]
    record = sources[0] if sources else None
    if record is not None and (declared or ld or record.arxiv_id or record.doi or "huggingface.co/papers/" in text):
        for other in sources[1:]:  # each source may add what the more trusted ones left out
            _fill(record, other)
        record.line = 1
        result.papers.append(record)
        return result
    seen: set[str] = set()
    for href, anchor, line in page.links:
        match = _PAPER_LINK.search(href)
        title = clean_line(fix_mojibake(anchor))
        pid = normalise_arxiv_id(match["id"]) if match else None
        if not pid or pid in seen or len(title.split()) < 3:
            continue
        seen.add(pid)
        link = href if href.startswith("http") else f"https://huggingface.co{href}"
        result.papers.append(PaperRecord(title=title, line=line, links=[link], arxiv_id=pid))
    if not result.papers:
        raise ParseError(source, f"no paper found in this HTML page: looked for {LOOKED_FOR}", 1, not_a_digest=True)
    return result


FORMAT = DigestFormat(
    name="paper-html",
    description="A paper's web page (citation_* meta tags, JSON-LD, og: tags) or a page linking to arXiv/HF papers",
    example='<meta name="citation_title" content="…"><meta name="citation_author" content="…">…',
    sniff=sniff,
    parse=parse,
)
