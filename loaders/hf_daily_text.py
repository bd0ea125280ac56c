"""The Hugging Face Daily Papers page copied as plain text, in both of its layouts.

Compact: one line per title and one per abstract, and the page header
(`Get trending papers…`, `Subscribe`) glued to the first title. Blank-line:
blocks separated by blank lines, a header of `new`, `Daily Papers`,
`byAK and the research community` and a date such as `Sep 12`.

Titles and abstracts alternate. The parser trusts that rhythm and uses the
shape of a block (short and title-like, or long and sentence-like) only to
resynchronise after a title that lost its abstract.
"""

from __future__ import annotations

import re

from .formats import DigestFormat
from .latex_text import latex_to_text
from .records import DigestDate, PaperRecord, ParseError, ParseResult, ParseWarning, normalise_arxiv_id
from .text_cleanup import clean_line, clean_paragraphs, find_links

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}
_DATE_LINE = re.compile(r"^(?P<mon>[A-Z][a-z]{2,8})\.? (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?$")
_HEADER_LINES = re.compile(
    r"^(?:new|subscribe|daily papers|byak and the research community"
    r"|get trending papers in your email inbox(?: once a day)?!?)$",
    re.I,
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")
_MARKERS = ("Get trending papers in your email inbox", "byAK and the research community")
# Page furniture that can appear between entries when the page is copied with more detail.
_UPVOTES = re.compile(r"^\d{1,6}$")
_SUBMITTED = re.compile(r"^Submitted by\s+(?P<who>\S.*)$", re.I)
_ARXIV_LINE = re.compile(r"^(?:arXiv:\s*)?(?P<id>\d{4}\.\d{4,5}(?:v\d+)?)$", re.I)
_END_PUNCT = tuple(".!?)]\"'”’…")


def _is_abstract_like(block: str) -> bool:
    return len(block) >= 200 or (block.endswith(".") and block.count(" ") >= 12)


def _digest_date(line: str) -> DigestDate | None:
    match = _DATE_LINE.match(line)
    if not match:
        return None
    month = _MONTHS.get(match["mon"][:3].lower())
    day = int(match["day"])
    if not month or not 1 <= day <= 31:
        return None
    return DigestDate(month=month, day=day, year=int(match["year"]) if match["year"] else None)


def _blocks(text: str) -> tuple[list[tuple[int, str]], bool]:
    """Split into (line number, text) blocks; paragraphs in the blank-line layout, else lines."""
    lines = text.split("\n")
    nonblank = sum(1 for line in lines if line.strip())
    paragraphs: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            paragraphs.append((start, current))
            current = []
    if current:
        paragraphs.append((start, current))
    blank_layout = len(paragraphs) > 1 and len(paragraphs) * 4 > nonblank
    if blank_layout:
        blocks: list[tuple[int, str]] = []
        for start, parts in paragraphs:
            if len(parts) > 1 and all(_HEADER_LINES.match(p) or _digest_date(p) for p in parts):
                # The page header typed without blank lines between its lines: still furniture.
                blocks += [(start + offset, part) for offset, part in enumerate(parts)]
            else:
                blocks.append((start, " ".join(parts)))
        return blocks, True
    return [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()], False


def sniff(text: str) -> float:
    head = text[:3000]
    if any(marker in head for marker in _MARKERS):
        return 1.0
    stripped = head.lstrip()
    if not stripped or stripped[0] in "{[<@%#\\":
        return 0.0
    blocks, _ = _blocks(text[:20000])
    if any(_HEADER_LINES.match(block) for _, block in blocks[:6]):
        return 0.9
    if len(blocks) >= 2 and not _is_abstract_like(blocks[0][1]) and _is_abstract_like(blocks[1][1]):
        return 0.3
    return 0.0


def parse(text: str, source: str) -> ParseResult:
    blocks, blank_layout = _blocks(text)
    result = ParseResult(format="hf-daily-text", papers=[])
    warn = result.warnings.append

    # Header: page furniture before the first title; `Subscribe` may be glued to that title.
    index = 0
    while index < len(blocks):
        number, block = blocks[index]
        date = _digest_date(block)
        if date and result.digest_date is None:
            result.digest_date = date
        elif _HEADER_LINES.match(block):
            pass
        elif _GLUED_SUBSCRIBE.match(block) and not _is_abstract_like(block):
            blocks[index] = (number, block[len("Subscribe") :])
            break
        else:
            break
        index += 1

    # Page furniture (upvotes, `Submitted by`, arXiv ids) is lifted out and kept with the next block.
    content: list[tuple[int, str, dict[str, str | int]]] = []
    pending_meta: dict[str, str | int] = {}
    for number, block in blocks[index:]:
        if not _absorb_meta(block, pending_meta):
            content.append((number, block, pending_meta))
            pending_meta = {}

    papers = result.papers
    index = 0
    while index < len(content):
        number, block, meta = content[index]
        if _is_abstract_like(block):
            if blank_layout and papers and papers[-1].abstract:
                papers[-1].abstract += "\n\n" + clean_paragraphs(latex_to_text(block))
            else:
                warn(ParseWarning(source, number, "text with no title before it was skipped"))
            index += 1
            continue
        title = clean_line(latex_to_text(block))
        record = PaperRecord(title=title, line=number)
        _apply_meta(record, meta)
        following = content[index + 1] if index + 1 < len(content) else None
        after = content[index + 2][1] if index + 2 < len(content) else None
        if following is None:
            warn(ParseWarning(source, number, "the last title has no abstract (truncated file?)"))
            index += 1
        elif _is_abstract_like(following[1]) or not (after is not None and _is_abstract_like(after)):
            record.abstract = clean_paragraphs(latex_to_text(following[1]))
            _apply_meta(record, following[2])
            index += 2
        else:
            warn(ParseWarning(source, number, f"title {title[:60]!r} has no abstract"))
            index += 1
        record.links = find_links(record.abstract)
        papers.append(record)

    if not papers:
        raise ParseError(source, "no papers found: expected titles each followed by an abstract", 1)
    last = papers[-1]
    if last.abstract and not last.abstract.endswith(_END_PUNCT):
        warn(ParseWarning(source, last.line, "the last abstract looks cut off (truncated file?)"))
    return result


def _absorb_meta(block: str, pending: dict[str, str | int]) -> bool:
    """Upvote counts, `Submitted by` and bare arXiv ids belong to a paper; they are never titles."""
    if _UPVOTES.match(block):
        pending["upvotes"] = int(block)
    elif match := _SUBMITTED.match(block):
        pending["submitted_by"] = clean_line(match["who"])
    elif match := _ARXIV_LINE.match(block):
        pending["arxiv_id"] = match["id"]
    else:
        return False
    return True


def _apply_meta(record: PaperRecord, meta: dict[str, str | int]) -> None:
    for key, value in meta.items():
        if key == "arxiv_id":
            record.arxiv_id = normalise_arxiv_id(str(value))
        else:
            record.extra[key] = value


FORMAT = DigestFormat(
    name="hf-daily-text",
    description="Hugging Face Daily Papers page copied as text (compact or blank-line layout)",
    example="Daily Papers / Sep 12 / <title> / <abstract> / <title> / …",
    sniff=sniff,
    parse=parse,
)
