"""Atom and RSS feeds: the arXiv API (Atom, 2016 and current), rss.arxiv.org and feeds shaped like it,
and RSS made from the Daily Papers page. feedparser reads the XML (namespaces, CDATA, entities,
both Atom generations); this module maps entries to papers.

rss.arxiv.org descriptions read `arXiv:2504.16102v1 Announce Type: new Abstract: …`: only the
abstract is kept, the announce type goes to the paper's extra fields.
"""

from __future__ import annotations

import html
import re
import time
from typing import Any

from .formats import DigestFormat
from .html_text import html_to_text
from .json_input import LineFinder
from .latex_text import latex_to_text
from .records import DigestDate, PaperRecord, ParseError, ParseResult, ParseWarning, normalise_arxiv_id
from .text_cleanup import clean_line, clean_paragraphs, find_links, fix_mojibake, split_authors

_ROOT = re.compile(r"<(?:rss|feed|rdf:RDF)\b", re.I)
_ANNOUNCE = re.compile(
    r"(?:^|\s)arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.I | re.S
)


def sniff(text: str) -> float:
    head = text[:3000].lstrip("\ufeff \t\n")
    if not head.startswith("<") or not _ROOT.search(head):
        return 0.0
    return 0.9 if re.search(r"<(?:entry|item)\b", text[:200000], re.I) else 0.3


def entry_record(entry: dict[str, Any], line: int | None) -> PaperRecord | None:
    """One feed entry (feedparser's normalised dict) as a paper; shared with the feed-cache JSON loader."""
    title = clean_line(latex_to_text(fix_mojibake(html_to_text(str(entry.get("title") or "")))))
    if not title:
        return None
    summary = fix_mojibake(html_to_text(str(entry.get("summary") or entry.get("description") or "")))
    extra: dict[str, str | int | float] = {}
    announce_id = ""
    if match := _ANNOUNCE.search(summary):
        announce_id = match["id"]
        extra["announce"] = match["type"].lower()
        summary = summary[match.end() :]  # a summary in front (a filtered feed's translation) goes too
    elif entry.get("arxiv_announce_type"):
        extra["announce"] = str(entry["arxiv_announce_type"]).lower()
    links = [str(link.get("href")) for link in entry.get("links") or [] if link.get("href")]
    if entry.get("link") and entry["link"] not in links:
        links.insert(0, str(entry["link"]))
    arxiv_id = None
    for candidate in (str(entry.get("id") or ""), *links, announce_id):
        candidate = candidate.replace("oai:arXiv.org:", "")
        arxiv_id = normalise_arxiv_id(candidate)
        if arxiv_id:
            break
    authors = [clean_line(latex_to_text(fix_mojibake(str(a.get("name") or "")))) for a in entry.get("authors") or []]
    if len(authors) == 1 and "," in authors[0]:  # RSS `dc:creator` lists everyone in one string
        authors = split_authors(authors[0])
    record = PaperRecord(
        title=title,
        abstract=clean_paragraphs(latex_to_text(summary)),
        line=line,
        authors=[a for a in authors if a],
        links=links[:3],
        arxiv_id=arxiv_id,
    )
    record.links += [link for link in find_links(record.abstract) if link not in record.links]
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        record.published = time.strftime("%Y-%m-%d", parsed)
    tags = [str(t.get("term")) for t in entry.get("tags") or [] if t.get("term") and len(str(t.get("term"))) < 40]
    if tags:
        extra["categories"] = " ".join(tags)
    for key in ("arxiv_comment", "arxiv_journal_ref", "arxiv_doi"):
        if entry.get(key):
            extra[key.removeprefix("arxiv_")] = clean_line(str(entry[key]))
    record.extra = extra
    return record


def digest_date_of(feed: dict[str, Any], papers: list[PaperRecord]) -> DigestDate | None:
    """A daily feed states its day (`published`); a query result does not, so its newest entry decides."""
    parsed = feed.get("published_parsed")
    if parsed:
        return DigestDate(parsed.tm_mon, parsed.tm_mday, parsed.tm_year)
    dates = sorted(p.published for p in papers if p.published)
    if dates:
        return DigestDate.from_iso(dates[-1])
    return None


def parse(text: str, source: str) -> ParseResult:
    import feedparser  # imported here: it is slow to import and only feeds need it

    parsed = feedparser.parse(text, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.entries:
        if parsed.get("bozo"):
            exc = parsed.get("bozo_exception")
            line = getattr(exc, "getLineNumber", lambda: None)()
            raise ParseError(source, f"not a readable feed: {exc}", line)
        raise ParseError(source, "the feed has no entries", 1)
    result = ParseResult(format=FORMAT.name, papers=[])
    finder = LineFinder(text)
    seen: set[str] = set()
    for entry in parsed.entries:
        title = str(entry.get("title") or "")
        line = finder.line_of(html.escape(title[:50], quote=False), title[:50], str(entry.get("id") or ""))
        record = entry_record(entry, line)
        if record is None:
            result.warnings.append(ParseWarning(source, line, "an entry without a title was skipped"))
            continue
        if record.paper_id in seen:
            result.warnings.append(ParseWarning(source, line, f"{record.title[:60]!r} is listed twice; kept the first"))
            continue
        seen.add(record.paper_id)
        result.papers.append(record)
    if parsed.get("bozo") and parsed.entries:
        result.warnings.append(ParseWarning(source, None, f"the feed is not well-formed XML: {parsed.bozo_exception}"))
    result.digest_date = digest_date_of(parsed.feed, result.papers)
    return result


FORMAT = DigestFormat(
    name="feed",
    description="Atom or RSS feed: arXiv API results, rss.arxiv.org, Daily Papers RSS",
    example="<feed><entry><id>http://arxiv.org/abs/2202.12139v1</id><title>…</title><summary>…</summary>",
    sniff=sniff,
    parse=parse,
)
