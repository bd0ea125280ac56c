"""Tagged reference exports: RIS (Zotero, Scopus, Ovid/PsycINFO, EndNote) and Web of Science's
"plain text" (`PT J` … `ER`, tags without `  - `).

rispy reads both layouts (records, repeated tags, continuation lines); this module maps the
tags of either family to papers. Tag synonyms differ between exporters — `TI`/`T1`, `AB`/`N2`,
`AU`/`A1`, `PY`/`Y1`/`DA`, `JO`/`JF`/`T2`/`SO` — so each field is looked up under all of them.
A `DO` line may hold a bare DOI or a `dx.doi.org` link; the DOI gives the paper its id.
"""

from __future__ import annotations

import re
from typing import Any

from .formats import DigestFormat
from .latex_text import latex_to_text
from .records import (
    PaperRecord,
    ParseError,
    ParseResult,
    ParseWarning,
    arxiv_id_of_doi,
    normalise_arxiv_id,
    normalise_doi,
    partial_day,
)
from .text_cleanup import clean_line, clean_paragraphs, first_last, fix_mojibake

_RIS_START = re.compile(r"^TY  - ", re.M)
_WOS_START = re.compile(r"^PT [A-Z]\s*$", re.M)
_WOS_HEAD = re.compile(r"^(?:\ufeff)?(?:FN |VR |PT )", re.M)

_TITLE = ("TI", "T1")
_ABSTRACT = ("AB", "N2")
_AUTHORS_RIS = ("AU", "A1")
_AUTHORS_WOS = ("AF", "AU")  # AF: full names; AU: `Parkes-Loach, PS`
_DATES = ("DA", "PY", "Y1", "Y2")
_VENUE = ("T2", "JO", "JF", "J2", "JA", "SO", "BT")
_LINKS = ("UR", "L1", "L2", "L4")
_DOI = ("DO", "DI", "M3")


class _AnyTag(dict):
    """Every tag keeps its own two letters as its name (rispy maps tags through this)."""

    def __missing__(self, key: str) -> str:
        return key


class _AllTags:
    """Every tag is read as a list: repeated tags and continuation lines are all kept."""

    def __contains__(self, _tag: object) -> bool:
        return True


def sniff(text: str) -> float:
    head = text[:20000]
    if _RIS_START.search(head) and re.search(r"^ER  -", text, re.M):
        return 0.9
    if _WOS_HEAD.match(head) and _WOS_START.search(head) and re.search(r"^ER\s*$", text, re.M):
        return 0.9
    return 0.0


def _first(record: dict[str, Any], tags: tuple[str, ...], sep: str = " ") -> str:
    for tag in tags:
        values = record.get(tag)
        if values:
            return sep.join(v for v in values if isinstance(v, str))
    return ""


def _most_precise_day(entry: dict[str, Any], tags: tuple[str, ...]) -> str | None:
    """`DA  - 2021/02/01/` beats `PY  - 2021`; Ovid's `Y1  - 2019//` is a year."""
    days = []
    for tag in tags:
        for value in entry.get(tag) or []:
            day = re.sub(r"/+", "-", value.strip()).strip("-")
            if found := partial_day(day) or partial_day(day[:4]):
                days.append(found)
    return max(days, key=len, default=None)


def _start_lines(text: str, pattern: re.Pattern[str]) -> list[int]:
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


def parse(text: str, source: str) -> ParseResult:
    import rispy  # imported here: only tagged exports need it

    wos = not _RIS_START.search(text[:20000])
    parser = rispy.WokParser if wos else rispy.RisParser
    try:
        entries = rispy.loads(text, implementation=parser, mapping=_AnyTag(), list_tags=_AllTags())
    except (rispy.parser.ParseError, ValueError, KeyError, AttributeError) as exc:
        raise ParseError(source, f"not readable as {'Web of Science' if wos else 'RIS'}: {exc}") from None
    starts = _start_lines(text, _WOS_START if wos else _RIS_START)
    result = ParseResult(format=FORMAT.name, papers=[])
    for index, entry in enumerate(entries):
        line = starts[index] if index < len(starts) else None
        title = clean_line(latex_to_text(fix_mojibake(_first(entry, _TITLE))))
        if not title:
            result.warnings.append(ParseWarning(source, line, f"record {index + 1} has no title; skipped"))
            continue
        record = PaperRecord(title=title, line=line)
        abstract = _first(entry, _ABSTRACT, "\n")
        record.abstract = clean_paragraphs(fix_mojibake(abstract))
        author_tags = _AUTHORS_WOS if wos else _AUTHORS_RIS
        names = next((entry[t] for t in author_tags if entry.get(t)), [])
        record.authors = [first_last(clean_line(fix_mojibake(n))) for n in names if isinstance(n, str) and n.strip()]
        for tag in _DOI:
            for value in entry.get(tag) or []:
                record.doi = record.doi or normalise_doi(value)
        for tag in _LINKS:
            for value in entry.get(tag) or []:
                for link in value.split():
                    if link.startswith(("http://", "https://")) and link not in record.links:
                        record.links.append(link)
        record.arxiv_id = arxiv_id_of_doi(record.doi) or next(
            (aid for link in record.links if (aid := normalise_arxiv_id(link))), None
        )
        record.published = _most_precise_day(entry, ("PY",) if wos else _DATES)  # WoS `DA` is the export day
        venue = clean_line(fix_mojibake(_first(entry, _VENUE)))
        if venue:
            record.extra["venue"] = venue.title() if venue.isupper() and len(venue) > 4 else venue
        if pmid := _first(entry, ("PM",)).strip():
            record.pmid = pmid if pmid.isdigit() else None
        result.papers.append(record)
    if not result.papers:
        raise ParseError(source, "no records with a title (`TI  - …` or `T1  - …`)", 1)
    return result


FORMAT = DigestFormat(
    name="ris",
    description="Tagged reference exports: RIS (Zotero, Scopus, Ovid, EndNote) and Web of Science plain text (rispy)",
    example="TY  - JOUR / TI  - … / AU  - Last, First / AB  - … / DO  - 10.… / PY  - 2021 / ER  -",
    sniff=sniff,
    parse=parse,
)
