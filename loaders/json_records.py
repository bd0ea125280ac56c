"""Paper-like records anywhere in a JSON document or a JSON Lines file: the reader the specific JSON
loaders fall back on (CSL-JSON, Semantic Scholar batches, the arXiv metadata snapshot, scrapers'
own layouts).

The document is walked breadth-first; an object with a title and one more paper field
(`record_fields`) is a record, and its key path is kept as its group when records are grouped in a
dict of lists (`{"SLAM": [...], "NeRF": [...]}`). A string value that is a Markdown table row
(bots that store `|**date**|**title**|…|` per paper) is read as that row. `null` slots (an API's
"not found") are skipped with a warning.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from .formats import DigestFormat
from .json_input import LineFinder, load_json
from .record_fields import Fields, paper_fields, raw_title, record_of
from .records import PaperRecord, ParseError, ParseResult, ParseWarning, normalise_arxiv_id
from .text_records import is_table_row, row_record

MAX_DEPTH = 12
_GENERIC = re.compile(r"(?i)^(papers?|items?|results?|records?|entries|data|hits|list|rows)$")  # not a group's name
LOOKED_FOR = (
    "objects with a title (`title`, `paperTitle`, `en_title`…) and another paper field "
    "(abstract/summary, authors, id or URL with an arXiv id, DOI, date, year), or Markdown table rows"
)


def _jsonl_objects(text: str) -> list[tuple[int, Any]] | None:
    """(line, value) per non-blank line when the text is JSON Lines; None when it is not."""
    found: list[tuple[int, Any]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith(("{", "[")):
            return None
        try:
            found.append((number, orjson.loads(stripped)))
        except orjson.JSONDecodeError:
            if not found:
                return None
            found.append((number, None))  # a damaged line: reported, the rest still read
    return found if len(found) >= 1 else None


def looks_like_jsonl(head: bytes) -> bool:
    """The opening bytes of a file hold two or more lines that each start a JSON object (JSON Lines)."""
    lines = [line for line in head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n")[:3] if line.strip()]
    if len(lines) < 2 or not all(line.lstrip().startswith(b"{") for line in lines):
        return False
    try:
        return isinstance(orjson.loads(lines[0]), dict)
    except orjson.JSONDecodeError:
        return False


def stream_records(lines: Iterable[bytes], source: str, first_line: int = 1) -> Iterator[PaperRecord | ParseWarning]:
    """Records of a JSON Lines file read one line at a time (the arXiv snapshot is several GB): only the
    current line is held. A line that is not JSON, or holds nothing paper-like, yields a warning."""
    finder = LineFinder("")
    for number, raw in enumerate(lines, start=first_line):
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            yield ParseWarning(source, number, "not valid JSON; line skipped")
            continue
        found, _ = _walk(value)
        if not found:
            yield ParseWarning(source, number, "no paper-like record on this line; skipped")
        for item, group in found:
            if (record := _record(item, group, finder, number)) is not None:
                yield record


def _looks_like_jsonl(text: str) -> bool:
    head = text.lstrip("\ufeff \t\n")[:200000]
    lines = [line for line in head.split("\n")[:3] if line.strip()]
    if not lines or not lines[0].lstrip().startswith("{"):
        return False
    try:
        return isinstance(orjson.loads(lines[0]), dict)
    except orjson.JSONDecodeError:
        return False


def _walk(value: Any) -> tuple[list[tuple[Any, str]], int]:
    """Paper-like objects and Markdown-row strings under `value` with their group label; and null slots seen."""
    found: list[tuple[Any, str]] = []
    nulls = 0
    queue: deque[tuple[Any, str, int]] = deque([(value, "", 0)])
    while queue:
        node, group, depth = queue.popleft()
        if depth > MAX_DEPTH:
            continue
        if isinstance(node, dict):
            if (fields := paper_fields(node)) is not None:
                found.append(((node, fields), group))
                continue
            for key, child in node.items():
                label = group if isinstance(child, dict | list) and _is_id(key) else str(key)
                if isinstance(child, str) and is_table_row(child):
                    found.append(((key, child), group or str(key)))
                elif isinstance(child, dict | list):
                    # A list's key labels the records in it however deep (`{"results": {"NLP": [...]}}`).
                    grouped = label if depth < 2 or (isinstance(child, list) and not _GENERIC.match(label)) else group
                    queue.append((child, grouped, depth + 1))
        elif isinstance(node, list):
            for child in node:
                if child is None:
                    nulls += 1
                elif isinstance(child, str) and is_table_row(child):
                    found.append(((None, child), group))
                elif isinstance(child, dict | list):
                    queue.append((child, group, depth + 1))
    return found, nulls


def _is_id(key: str) -> bool:
    return normalise_arxiv_id(key) is not None


def records_in(value: Any) -> tuple[list[tuple[Any, str]], int]:
    return _walk(value)


def sniff(text: str) -> float:
    data = load_json(text)
    if data is None and _looks_like_jsonl(text):
        objects = _jsonl_objects(text[:200000].rsplit("\n", 1)[0] if len(text) > 200000 else text)
        data = [value for _, value in objects or []]
    if data is None:
        return 0.0
    found, _ = _walk(data if not isinstance(data, list) else data[:50])
    return 0.45 if found else 0.0


def _record(
    item: tuple[dict[str, Any], Fields] | tuple[str | None, str], group: str, finder: LineFinder, line: int | None
) -> PaperRecord | None:
    if isinstance(item[1], str):
        key, row = item
        record = row_record(row, None, line or finder.line_of(str(key or ""), row[:60]))
        if record is not None and key and not record.arxiv_id:
            record.arxiv_id = normalise_arxiv_id(str(key))
    else:
        node, fields = item
        record = record_of(node, line, fields)
        if record is not None and line is None:
            raw = raw_title(fields)
            record.line = finder.line_of(raw, record.title)
    if record is not None and group:
        record.extra.setdefault("section", group)
    return record


def parse(text: str, source: str) -> ParseResult:
    data = load_json(text)
    result = ParseResult(format=FORMAT.name, papers=[])
    finder = LineFinder(text)
    if data is None:
        objects = _jsonl_objects(text) if _looks_like_jsonl(text) else None
        if objects is None:
            raise ParseError(source, "neither a JSON document nor JSON Lines", 1)
        for line, value in objects:
            if value is None:
                result.warnings.append(ParseWarning(source, line, "not valid JSON; line skipped"))
                continue
            found, _ = _walk(value)
            if not found:
                result.warnings.append(ParseWarning(source, line, "no paper-like record on this line; skipped"))
            for item, group in found:
                if (record := _record(item, group, finder, line)) is not None:
                    result.papers.append(record)
    else:
        found, nulls = _walk(data)
        for item, group in found:
            if (record := _record(item, group, finder, None)) is not None:
                result.papers.append(record)
        if nulls:
            result.warnings.append(ParseWarning(source, None, f"{nulls} empty (null) slot(s) skipped"))
    if not result.papers:
        raise ParseError(source, f"no paper-like records found: looked for {LOOKED_FOR}", 1, not_a_digest=True)
    return result


FORMAT = DigestFormat(
    name="json-records",
    description="Any JSON or JSON Lines holding paper-like records (CSL-JSON, Semantic Scholar, arXiv snapshot, …)",
    example='{"id": "0704.0001", "title": "…", "authors": "A, B", "abstract": "…", "versions": [{"created": "…"}]}',
    sniff=sniff,
    parse=parse,
)
