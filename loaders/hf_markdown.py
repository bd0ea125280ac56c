"""Daily Papers digests written as Markdown (e.g. `daily_papers_ko`): one `### [Title](https://arxiv.org/abs/ID)`
heading per paper, then a thumbnail, `Vote: N`, `Authors: …`, and summary bullets.

These digests carry no original abstract: the bullets (often translated) become the
abstract so search finds them, and the paper keeps its arXiv id for de-duplication.
"""

from __future__ import annotations

import re

from .formats import DigestFormat
from .latex_text import latex_to_text
from .records import DigestDate, PaperRecord, ParseError, ParseResult, ParseWarning, normalise_arxiv_id
from .text_cleanup import clean_line, clean_paragraphs, find_links, fix_mojibake
from .text_records import label_of

_HEADING = re.compile(r"^#{2,4}\s+(?:\d+\.\s*)?\[(?P<title>.+)\]\((?P<url>[^)\s]+)\)\s*$")
_PLAIN_HEADING = re.compile(r"^#{3,4}\s+(?P<title>\S.*?)\s*$")
_DAY = re.compile(r"^#{1,2}\s.*?(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
_VOTE = re.compile(r"^(?:Vote|Upvotes?|Votes?):\s*(?P<n>\d+)\s*$", re.I)
_AUTHORS = re.compile(r"^(?:\*\*)?Authors?(?:\*\*)?:\s*(?P<names>.+)$", re.I)
_IMAGE = re.compile(r"^!\[[^\]]*\]\([^)]*\)\s*$")
_BULLET = re.compile(r"^\s*[-*•]\s+")
_EMPHASIS = re.compile(r"\*{1,3}([^*]+)\*{1,3}")


def sniff(text: str) -> float:
    head = text[:20000]
    linked = len(re.findall(r"^#{2,4}\s+(?:\d+\.\s*)?\[.+\]\(https?://(?:arxiv\.org|huggingface\.co)/", head, re.M))
    return min(0.9, 0.3 + 0.1 * linked) if linked else 0.0


def parse(text: str, source: str) -> ParseResult:
    result = ParseResult(format=FORMAT.name, papers=[])
    lines = text.split("\n")
    current: PaperRecord | None = None
    body: list[str] = []
    in_abstract = False  # under an `#### Abstract` heading: that section, not the lines above it, is the text

    def finish() -> None:
        if current is not None:
            bullets = [_EMPHASIS.sub(r"\1", _BULLET.sub("", line)).strip() for line in body]
            current.abstract = clean_paragraphs(latex_to_text(fix_mojibake("\n\n".join(b for b in bullets if b))))
            current.links += [link for link in find_links(current.abstract) if link not in current.links]
            result.papers.append(current)

    for number, line in enumerate(lines, start=1):
        if (match := _DAY.match(line)) and result.digest_date is None and current is None:
            result.digest_date = DigestDate(int(match["m"]), int(match["d"]), int(match["y"]))
            continue
        if match := _HEADING.match(line):
            finish()
            body, in_abstract = [], False
            title = clean_line(latex_to_text(fix_mojibake(match["title"])))
            current = PaperRecord(title=title, line=number, links=[match["url"]])
            current.arxiv_id = normalise_arxiv_id(match["url"])
            continue
        if current is None or _IMAGE.match(line) or not line.strip():
            continue
        if match := _VOTE.match(line.strip()):
            current.extra["upvotes"] = int(match["n"])
        elif match := _AUTHORS.match(line.strip()):
            current.authors = [clean_line(a) for a in match["names"].split(",") if clean_line(a)]
        elif _PLAIN_HEADING.match(line) and label_of(line) == "abstract" and not in_abstract:
            body, in_abstract = [], True
        elif _PLAIN_HEADING.match(line):
            finish()
            current, body, in_abstract = None, [], False
        else:
            body.append(line)
    finish()
    if not result.papers:
        raise ParseError(source, "no papers found: expected `### [Title](https://arxiv.org/abs/…)` headings", 1)
    empty = sum(1 for p in result.papers if not p.abstract)
    if empty:
        result.warnings.append(ParseWarning(source, None, f"{empty} papers had no text under their heading"))
    return result


FORMAT = DigestFormat(
    name="hf-markdown",
    description="Daily Papers digest in Markdown: `### [Title](arXiv link)`, Vote, Authors, summary bullets",
    example="## Daily Papers (2025-02-21) / ### [Title](https://arxiv.org/abs/2502.14499) / Vote: 121 / Authors: …",
    sniff=sniff,
    parse=parse,
)
