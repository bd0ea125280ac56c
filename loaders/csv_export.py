"""CSV exports of reference managers (Zotero: `Title`, `Abstract Note`, `Author`, `Url`, `DOI`,
`Publication Year`; also plain `title,abstract` sheets). The stdlib `csv` module reads the
quoting; column names are matched case-insensitively under their common spellings.
"""

from __future__ import annotations

import csv
import io

from .formats import DigestFormat
from .latex_text import latex_to_text
from .records import (
    PaperRecord,
    ParseError,
    ParseResult,
    ParseWarning,
    normalise_arxiv_id,
    normalise_doi,
    partial_day,
)
from .text_cleanup import clean_line, clean_paragraphs, first_last, fix_mojibake, split_authors

# The stdlib refuses fields over 128 KiB, which aborted whole folder imports; a digest is capped at
# 512 MiB before it gets here, so no field can exceed this.
csv.field_size_limit(1 << 30)

_COLUMNS = {
    "title": ("title",),
    "abstract": ("abstract note", "abstract", "summary", "abstractnote"),
    "authors": ("author", "authors", "creators"),
    "url": ("url", "link"),
    "doi": ("doi",),
    "year": ("publication year", "year"),
    "venue": ("publication title", "journal", "venue"),
    "arxiv": ("arxiv", "arxiv id", "eprint"),
}


def _header(text: str) -> list[str] | None:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        row = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return None
    return [cell.strip().lower() for cell in row]


def sniff(text: str) -> float:
    header = _header(text)
    if not header or "title" not in header or len(header) < 2:
        return 0.0
    return 0.85 if any(name in header for name in _COLUMNS["abstract"]) else 0.5


def _authors(value: str, zotero: bool) -> list[str]:
    """Zotero writes `Last, First; Last, First`; others write `First Last, First Last`."""
    if ";" in value or zotero:
        return [first_last(p.strip()) for p in value.split(";") if p.strip()]
    return split_authors(value)


def parse(text: str, source: str) -> ParseResult:
    header = _header(text)
    if not header or "title" not in header:
        raise ParseError(source, "a CSV export needs a `Title` column in its first line", 1)
    index = {key: next((header.index(n) for n in names if n in header), None) for key, names in _COLUMNS.items()}
    zotero = "item type" in header and "key" in header
    result = ParseResult(format=FORMAT.name, papers=[])
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    next(reader)
    row_start = 2
    for row in reader:
        line = row_start
        row_start = reader.line_num + 1

        def cell(key: str, row: list[str] = row) -> str:
            at = index[key]
            return fix_mojibake(row[at]) if at is not None and at < len(row) else ""

        if not any(c.strip() for c in row):
            continue
        title = clean_line(latex_to_text(cell("title")))
        if not title:
            result.warnings.append(ParseWarning(source, line, "a row without a title was skipped"))
            continue
        record = PaperRecord(
            title=title,
            abstract=clean_paragraphs(latex_to_text(cell("abstract"))),
            line=line,
            authors=_authors(clean_line(cell("authors")), zotero),
        )
        url = cell("url").strip()
        if url.startswith(("http://", "https://")):
            record.links.append(url)
        record.arxiv_id = normalise_arxiv_id(cell("arxiv")) or normalise_arxiv_id(url)
        doi = cell("doi").strip()
        if doi:
            record.doi = normalise_doi(doi)
            if "arxiv." in doi.lower():
                record.arxiv_id = record.arxiv_id or normalise_arxiv_id(doi.lower().split("arxiv.", 1)[1])
        if year := cell("year").strip():
            record.extra["year"] = year
            record.published = partial_day(year[:4])
        if venue := clean_line(cell("venue")):
            record.extra["venue"] = venue
        result.papers.append(record)
    if not result.papers:
        raise ParseError(source, "no rows with a title", 2)
    return result


FORMAT = DigestFormat(
    name="csv",
    description="CSV export of a reference manager (Zotero columns: Title, Abstract Note, Author, Url, DOI)",
    example='"Key","Item Type","Publication Year","Author","Title",…,"Abstract Note",…',
    sniff=sniff,
    parse=parse,
)
