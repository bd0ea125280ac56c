"""Paper lists saved as JSON by scrapers and scripts: a list of `{title, abstract}` objects, or
`{date, papers: [...]}`.

Field names vary between tools, so each is looked up under its common spellings:
`abstract`/`summary`/`details.abstract`, `url`/`paper_url`/`arxiv_page_url`, `authors`
as strings or `{name}` objects, `upvotes`/`stars` (sometimes a string). A scraped
"abstract" that is really the submitter's comment ("Author here 👋", "Code: https://…")
is kept as a comment, not shown as the abstract.
"""

from __future__ import annotations

import re
from typing import Any

from .formats import DigestFormat
from .json_fields import abstract_text, iso_day, path, text_of
from .json_input import LineFinder, load_json
from .record_fields import record_of
from .records import DigestDate, ParseError, ParseResult, ParseWarning
from .text_cleanup import find_links

_ABSTRACT_KEYS = (("abstract",), ("summary",), ("details", "abstract"), ("description",))
_LINK_KEYS = (("url",), ("paper_url",), ("details", "arxiv_page_url"), ("details", "page_url"), ("link",), ("pdf_url",))
_REPO = re.compile(r"https://github\.com/[^/]+/[^/]+")
_DATE_KEYS = (("date",), ("scraped_date",), ("published",), ("publishedAt",))
_SEEN_KEYS = {"date", "scraped_date", "scraped_at"}
# Keys this loader reads or knowingly ignores: items made mostly of other keys (CSL-JSON's `author`,
# `issued`, `DOI`; Semantic Scholar's `externalIds`) belong to the generic reader, which knows them.
_KNOWN_KEYS = {
    "title", "abstract", "summary", "details", "description", "url", "paper_url", "link", "pdf_url", "authors",
    "upvotes", "stars", "published", "publishedAt", "id", "arxiv_id", "date", "scraped_date", "thumbnail",
    "comments", "numComments", "github", "github_url", "code", "votes",
}  # fmt: skip


def _items(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        return data["papers"]
    return None


def _is_paper(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("title"), str) and "paper" not in item


def sniff(text: str) -> float:
    items = _items(load_json(text))
    if not items:
        return 0.0
    sample = items[:5]
    if not all(_is_paper(item) for item in sample):
        return 0.0
    keys = [key for item in sample for key in item]
    if sum(key in _KNOWN_KEYS for key in keys) < 0.6 * len(keys):
        return 0.3
    has_text = any(any(text_of(path(item, *key)) for key in _ABSTRACT_KEYS) for item in sample)
    return 0.8 if has_text else 0.5


def _looks_like_abstract(text: str) -> bool:
    """A real abstract: several sentences of prose, not a one-line comment or a link."""
    return len(text) >= 200 and text.count(". ") >= 2


def parse(text: str, source: str) -> ParseResult:
    data = load_json(text)
    items = _items(data)
    if items is None:
        raise ParseError(source, "expected a JSON list of papers or an object with a `papers` list", 1)
    result = ParseResult(format=FORMAT.name, papers=[])
    finder = LineFinder(text)
    comments = 0
    for index, item in enumerate(items):
        line = finder.line_of(text_of(item.get("title")) if isinstance(item, dict) else "")
        if not _is_paper(item):
            result.warnings.append(ParseWarning(source, line, f"item {index + 1} is not a paper with a title; skipped"))
            continue
        # The generic reader's field families (DOI, year, venue, arXiv id in any link…); an item's
        # `date`/`scraped_date` is the day the scraper listed it (a seen date), not the paper's own.
        record = record_of({k: v for k, v in item.items() if k not in _SEEN_KEYS}, line)
        if record is None:
            result.warnings.append(ParseWarning(source, line, f"item {index + 1} has an empty title; skipped"))
            continue
        abstract = next((a for key in _ABSTRACT_KEYS if (a := abstract_text(path(item, *key)))), "")
        if abstract and not _looks_like_abstract(abstract) and "details" in item:
            record.extra["comment"] = abstract  # "Author here 👋": the submitter's comment, not an abstract
            record.abstract = ""
            record.links = [link for link in record.links if link not in find_links(abstract)]
            comments += 1
        github = path(item, "details", "github_links")
        if isinstance(github, list):
            record.links += [g for g in github if isinstance(g, str) and _REPO.match(g) and g not in record.links]
        votes = item.get("upvotes", item.get("stars"))
        if isinstance(votes, int) or (isinstance(votes, str) and votes.isdigit()):
            record.extra["upvotes"] = int(votes)
        result.papers.append(record)
    if comments:
        result.warnings.append(
            ParseWarning(
                source, None, f"{comments} papers had a comment instead of an abstract; kept as comments, not abstracts"
            )
        )
    if not result.papers:
        raise ParseError(source, "no papers with a title found", 1)
    top = data if isinstance(data, dict) else (items[0] if isinstance(items[0], dict) else {})
    day = next((d for key in _DATE_KEYS if (d := iso_day(path(top, *key)))), None)
    if day:
        result.digest_date = DigestDate.from_iso(day)
    return result


FORMAT = DigestFormat(
    name="paper-json",
    description="JSON list of papers from scrapers: [{title, abstract, authors, url}] or {date, papers: [...]}",
    example='{"date": "2024-10-10", "papers": [{"title": "…", "abstract": "…", "authors": ["…"], "url": "…"}]}',
    sniff=sniff,
    parse=parse,
)
