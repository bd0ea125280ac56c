"""The arXiv daily listing e-mail ("cs daily Subj-class mailing", "astro-ph daily 53 new + 4 crosses"),
saved as text or as an .eml.

Entries sit between separator lines of dashes. Each starts with `\\\\`, then
`arXiv:YYMM.NNNNN` (with `(*cross-listing*)` for cross-lists), a `Date:` line (the paper's own
date: when v1 was submitted) or a `replaced with revised version …` line, and
`Title:`/`Authors:`/`Categories:`/`Comments:` fields that wrap onto indented lines. The abstract
sits between two `\\\\` lines; replacement entries (after the `%%--%%` line) have none.
"""

from __future__ import annotations

import re

from .formats import DigestFormat
from .latex_text import latex_to_text
from .mail import looks_like_mail, read_mail
from .record_fields import day_of
from .records import DigestDate, PaperRecord, ParseError, ParseResult, ParseWarning, normalise_arxiv_id
from .text_cleanup import clean_line, clean_paragraphs, fix_mojibake, split_authors

_SEPARATOR = re.compile(r"^-{20,}\s*$")
_ID_LINE = re.compile(r"^arXiv:(?P<id>\S+)(?P<cross>\s+\(\*cross-listing\*\))?\s*$")
_FIELD = re.compile(
    r"^(?P<key>Title|Authors?|Categories|Comments|Journal-ref|DOI|Report-no|MSC-class|ACM-class):\s?(?P<value>.*)$"
)
_REPLACED = re.compile(r"^replaced with revised version", re.I)
_DATE_LINE = re.compile(r"^Date:\s*(?P<date>[^(]+?)\s*(?:\(|$)")  # `Date: Wed, 1 Mar 2023 19:00:02 GMT   (3197kb,D)`
_LINK_LINE = re.compile(r"^\\\\ \( (?P<url>https?://\S+)")
_SUBJECT = re.compile(r"daily|new submissions|mailing", re.I)


def sniff(text: str) -> float:
    head = text[:20000]
    if not re.search(r"^arXiv:\d{4}\.\d{4,5}|^arXiv:[a-z-]+/\d{7}", head, re.M):
        return 0.0
    score = 0.5
    if re.search(r"^Title: ", head, re.M) and re.search(r"^\\\\\s*$", head, re.M):
        score += 0.4
    if _SUBJECT.search(head[:3000]):
        score += 0.05
    return score


def _entries(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """Blocks between separators that contain an `arXiv:` line, with the 1-based line of that line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = start
    for number, line in enumerate(lines[start:], start=start + 1):
        if _SEPARATOR.match(line) or line.startswith("%%"):
            if current:
                blocks.append((first, current))
            current = []
            continue
        if not current:
            first = number
        current.append(line)
    if current:
        blocks.append((first, current))
    return [(first, block) for first, block in blocks if any(_ID_LINE.match(line) for line in block)]


def _record(block: list[str], first_line: int, source: str, warn: list[ParseWarning]) -> PaperRecord | None:
    fields: dict[str, str] = {}
    key: str | None = None
    arxiv_raw = ""
    cross = replaced = False
    abstract: list[str] = []
    submitted: str | None = None
    slashes = 0
    line_no = first_line
    for offset, line in enumerate(block):
        if (match := _ID_LINE.match(line)) and not arxiv_raw:
            arxiv_raw, cross = match["id"], bool(match["cross"])
            line_no = first_line + offset
            continue
        if line.strip() == "\\\\":
            slashes += 1
            key = None
            continue
        if _LINK_LINE.match(line):
            break
        if slashes >= 2 and arxiv_raw:
            abstract.append(line)
            continue
        if _REPLACED.match(line):
            replaced = True
            continue
        if submitted is None and (match := _DATE_LINE.match(line)):
            submitted = day_of(match["date"])  # the entry's own (v1) date; a replacement has none
            continue
        if match := _FIELD.match(line):
            key = match["key"].rstrip("s") if match["key"] in ("Authors", "Author") else match["key"]
            fields[key] = match["value"]
        elif key and line.startswith((" ", "\t")) and line.strip():
            fields[key] += " " + line.strip()
        elif not line.strip():
            key = None
    title = clean_line(latex_to_text(fix_mojibake(fields.get("Title", ""))))
    if not arxiv_raw or not title:
        warn.append(ParseWarning(source, line_no, "an entry without an arXiv id or a title was skipped"))
        return None
    arxiv_id = normalise_arxiv_id(arxiv_raw)
    record = PaperRecord(
        title=title,
        abstract=clean_paragraphs(latex_to_text(fix_mojibake("\n".join(abstract)))),
        line=line_no,
        arxiv_id=arxiv_id,
        published=submitted,
    )
    authors = clean_line(latex_to_text(fix_mojibake(fields.get("Author", ""))))
    if authors:
        record.authors = split_authors(authors)
    if arxiv_id:
        record.links = [f"https://arxiv.org/abs/{arxiv_id}"]
    record.extra["announce"] = "replace" if replaced else ("cross" if cross else "new")
    for name in ("Categories", "Comments", "Journal-ref", "DOI"):
        if fields.get(name):
            record.extra[name.lower()] = clean_line(latex_to_text(fields[name]))
    return record


def parse(text: str, source: str) -> ParseResult:
    digest_date: DigestDate | None = None
    offset = 0
    if looks_like_mail(text):
        mail = read_mail(text)
        digest_date = mail.date
        if mail.html:
            raise ParseError(source, "this e-mail has only an HTML body; the arXiv listing mail is plain text", 1)
        body = mail.body.replace("\r\n", "\n")
        # Report lines of the file, not of the body: the body follows the headers.
        offset = text[: text.find(body[:200])].count("\n") if body[:200] and body[:200] in text else mail.header_lines
    else:
        body = text
    lines = body.split("\n")
    result = ParseResult(format=FORMAT.name, papers=[], digest_date=digest_date)
    warn = result.warnings
    seen: set[str] = set()
    for first, block in _entries(lines, 0):
        record = _record(block, first + offset, source, warn)
        if record is None:
            continue
        key = record.arxiv_id or record.title
        if key in seen:
            warn.append(ParseWarning(source, record.line, f"arXiv:{key} is listed twice; kept the first"))
            continue
        seen.add(key)
        result.papers.append(record)
    if not result.papers:
        raise ParseError(source, "no arXiv entries found (expected `arXiv:YYMM.NNNNN` lines with `Title:`)", 1)
    missing = sum(1 for p in result.papers if not p.abstract and p.extra.get("announce") != "replace")
    if missing:
        warn.append(ParseWarning(source, None, f"{missing} new or cross-listed entries had no abstract"))
    return result


FORMAT = DigestFormat(
    name="arxiv-email",
    description="arXiv daily listing e-mail (new, cross-lists and replacements), as text or .eml",
    example="\\\\ / arXiv:2411.03340 / Title: … / Authors: … / Categories: cs.CV / \\\\ / <abstract> / \\\\",
    sniff=sniff,
    parse=parse,
)
