"""The Daily Papers API (`huggingface.co/api/daily_papers`) saved as JSON.

A list of entries, each with a `paper` object (`id` = arXiv id, `title`, `summary`,
`authors[].name`, `publishedAt`, `upvotes`, newer: `ai_summary`, `ai_keywords`) and
top-level `publishedAt`, `title`, `numComments`. One real downloader wrote the list
as Python `repr()` strings (`'…'`, `True`, `None`); those are read with
`ast.literal_eval` (never `eval`), with a warning.
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import Any

from .formats import DigestFormat
from .json_fields import abstract_text, iso_day, path, text_of, title_text
from .json_input import LineFinder, load_json
from .record_fields import authors_of
from .records import DigestDate, PaperRecord, ParseError, ParseResult, ParseWarning, normalise_arxiv_id
from .text_cleanup import find_links

_MAX_REPR = 2_000_000  # a repr string longer than this is not a paper


def _is_entry(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("paper"), dict) and "title" in item["paper"]


def _is_repr(item: Any) -> bool:
    return isinstance(item, str) and item.lstrip().startswith("{'paper'")


def sniff(text: str) -> float:
    data = load_json(text)
    if not isinstance(data, list) or not data:
        return 0.0
    sample = data[:10]  # most, not all: a damaged entry or two must not hide the file's format
    if sum(_is_entry(item) for item in sample) * 2 > len(sample):
        return 0.95
    if sum(_is_repr(item) for item in sample) * 2 > len(sample):
        return 0.9
    return 0.0


def _record(item: dict[str, Any], line: int | None) -> PaperRecord | None:
    paper = item["paper"]
    # The top-level title keeps LaTeX ("$L_2$") where `paper.title` lost it ("L_2").
    title = title_text(item.get("title")) or title_text(paper.get("title"))
    if not title:
        return None
    arxiv_id = normalise_arxiv_id(text_of(paper.get("id")))
    record = PaperRecord(
        title=title,
        abstract=abstract_text(paper.get("summary")) or abstract_text(item.get("summary")),
        line=line,
        authors=authors_of(paper.get("authors")),
        arxiv_id=arxiv_id,
        published=iso_day(paper.get("publishedAt")),
    )
    if arxiv_id:
        record.links.append(f"https://huggingface.co/papers/{arxiv_id}")
    for key in ("projectPage", "githubRepo"):
        link = text_of(paper.get(key))
        if link.startswith(("http://", "https://")):
            record.links.append(link)
    record.links += [link for link in find_links(record.abstract) if link not in record.links]
    if isinstance(paper.get("upvotes"), int):
        record.extra["upvotes"] = paper["upvotes"]
    if isinstance(item.get("numComments"), int):
        record.extra["comments"] = item["numComments"]
    if summary := abstract_text(paper.get("ai_summary")):
        record.extra["ai_summary"] = summary
    keywords = paper.get("ai_keywords")
    if isinstance(keywords, list):
        record.extra["keywords"] = ", ".join(k for k in keywords if isinstance(k, str))[:500]
    submitter = text_of(path(item, "submittedBy", "fullname")) or text_of(path(paper, "submittedOnDailyBy", "fullname"))
    if submitter:
        record.extra["submitted_by"] = title_text(submitter)
    return record


def parse(text: str, source: str) -> ParseResult:
    data = load_json(text)
    if not isinstance(data, list):
        raise ParseError(source, "expected a JSON list of Daily Papers entries", 1)
    result = ParseResult(format=FORMAT.name, papers=[])
    finder = LineFinder(text)
    repaired = 0
    days: Counter[str] = Counter()
    for index, item in enumerate(data):
        if _is_repr(item):
            line = finder.line_of(item[:40])
            if len(item) > _MAX_REPR:
                result.warnings.append(ParseWarning(source, line, f"entry {index + 1} is too long to read; skipped"))
                continue
            try:
                item = ast.literal_eval(item)
            except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
                result.warnings.append(
                    ParseWarning(source, line, f"entry {index + 1} is a damaged Python-repr string; skipped")
                )
                continue
            repaired += 1
        else:
            line = finder.line_of(text_of(item.get("title")) if isinstance(item, dict) else "")
        if not _is_entry(item):
            result.warnings.append(ParseWarning(source, line, f"entry {index + 1} has no `paper` object; skipped"))
            continue
        record = _record(item, line)
        if record is None:
            result.warnings.append(ParseWarning(source, line, f"entry {index + 1} has no title; skipped"))
            continue
        result.papers.append(record)
        # The day it was on the Daily Papers page: `submittedOnDailyAt` where the API has it.
        if day := iso_day(path(item, "paper", "submittedOnDailyAt")) or iso_day(item.get("publishedAt")):
            days[day] += 1
    if repaired:
        result.warnings.insert(
            0,
            ParseWarning(
                source,
                None,
                f"{repaired} entries were Python-repr strings instead of JSON objects (a known downloader bug); "
                "read them as literals",
            ),
        )
    if not result.papers:
        raise ParseError(source, "no Daily Papers entries with a title found", 1)
    if days:  # the day the list was published on the Daily Papers page
        result.digest_date = DigestDate.from_iso(days.most_common(1)[0][0])
    return result


FORMAT = DigestFormat(
    name="hf-api-json",
    description="Daily Papers API JSON (huggingface.co/api/daily_papers), incl. Python-repr damaged dumps",
    example='[{"paper": {"id": "2406.11833", "title": "…", "summary": "…", "authors": [{"name": "…"}]}, …}]',
    sniff=sniff,
    parse=parse,
)
