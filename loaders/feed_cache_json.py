"""Feeds cached as JSON after feedparser normalised them: `{feed_url: {feed: {...}, entries: [...]}}`.

Tools that poll rss.arxiv.org often keep this cache instead of the XML. Entries are
the same dicts feedparser returns, so they map to papers exactly as live feeds do.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

from .feed import entry_record
from .formats import DigestFormat
from .json_fields import text_of
from .json_input import LineFinder, load_json
from .records import DigestDate, ParseError, ParseResult, ParseWarning


def _feeds(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("entries"), list):
        return [data]
    return [v for v in data.values() if isinstance(v, dict) and isinstance(v.get("entries"), list)]


def sniff(text: str) -> float:
    feeds = _feeds(load_json(text))
    if not feeds:
        return 0.0
    sample = [e for f in feeds for e in f["entries"][:3]]
    return 0.9 if sample and all(isinstance(e, dict) and "title" in e for e in sample) else 0.0


def _parsed_date(value: str) -> time.struct_time | None:
    try:
        return parsedate_to_datetime(value).timetuple()
    except (TypeError, ValueError, IndexError):
        return None


def parse(text: str, source: str) -> ParseResult:
    feeds = _feeds(load_json(text))
    if not feeds:
        raise ParseError(source, "expected cached feeds: {url: {feed, entries}}", 1)
    result = ParseResult(format=FORMAT.name, papers=[])
    finder = LineFinder(text)
    seen: set[str] = set()
    day: time.struct_time | None = None
    for feed in feeds:
        published = _parsed_date(text_of((feed.get("feed") or {}).get("published")))
        day = day or published
        for entry in feed["entries"]:
            if not isinstance(entry, dict):
                continue
            entry = dict(entry)
            if entry.get("published") and not entry.get("published_parsed"):
                entry["published_parsed"] = _parsed_date(text_of(entry["published"]))
            if isinstance(entry.get("author"), str) and not entry.get("authors"):
                entry["authors"] = [{"name": entry["author"]}]
            line = finder.line_of(text_of(entry.get("title")), text_of(entry.get("id")))
            record = entry_record(entry, line)
            if record is None:
                result.warnings.append(ParseWarning(source, line, "an entry without a title was skipped"))
                continue
            if record.paper_id in seen:  # the same paper announced in two of the cached feeds
                continue
            seen.add(record.paper_id)
            result.papers.append(record)
    if not result.papers:
        raise ParseError(source, "the cached feeds have no entries with a title", 1)
    if day:
        result.digest_date = DigestDate(day.tm_mon, day.tm_mday, day.tm_year)
    return result


FORMAT = DigestFormat(
    name="feed-cache-json",
    description="RSS/Atom feeds cached as JSON after feedparser (e.g. rss.arxiv.org polled by a script)",
    example='{"https://rss.arxiv.org/rss/cs.CL": {"feed": {…}, "entries": [{"id": …, "title": …, "summary": …}]}}',
    sniff=sniff,
    parse=parse,
)
