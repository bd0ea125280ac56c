"""BibTeX files (Zotero, Google Scholar, arXiv exports) with `title`/`abstract`/`author`/`eprint`/`doi`/`url`.

bibtexparser reads the entries (nested braces, `@string` and month macros); the
project's LaTeX clean-up turns `{\\"o}`, `\\textit{…}` and case-protecting braces
into readable Unicode. Entries without a title are skipped with a warning.
"""

from __future__ import annotations

import re

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
from .text_cleanup import clean_line, clean_paragraphs, first_last, fix_mojibake

_ENTRY = re.compile(r"^\s*@(?P<type>[A-Za-z]+)\s*[{(]\s*(?P<key>[^,\s]*)\s*,", re.M)
_SKIP_TYPES = {"comment", "string", "preamble"}


def sniff(text: str) -> float:
    head = text[:20000]
    entries = [m for m in _ENTRY.finditer(head) if m["type"].lower() not in _SKIP_TYPES]
    if not entries:
        return 0.0
    return 0.9 if re.search(r"^\s*title\s*=", head, re.M | re.I) else 0.4


def _field(entry: dict[str, str], name: str) -> str:
    return fix_mojibake(entry.get(name, ""))


def parse(text: str, source: str) -> ParseResult:
    import bibtexparser  # imported here: only BibTeX files need it
    from bibtexparser.bparser import BibTexParser

    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
    try:
        database = bibtexparser.loads(text, parser=parser)
    except Exception as exc:  # bibtexparser raises pyparsing's and its own exception types
        raise ParseError(source, f"not readable as BibTeX: {exc}", getattr(exc, "lineno", None)) from None
    lines = {m["key"]: text.count("\n", 0, m.start("type")) + 1 for m in _ENTRY.finditer(text)}
    result = ParseResult(format=FORMAT.name, papers=[])
    for entry in database.entries:
        key = entry.get("ID", "")
        line = lines.get(key)
        title = clean_line(latex_to_text(_field(entry, "title")))
        if not title:
            result.warnings.append(ParseWarning(source, line, f"entry {key or '?'} has no title; skipped"))
            continue
        record = PaperRecord(
            title=title,
            abstract=clean_paragraphs(latex_to_text(_field(entry, "abstract"))),
            line=line,
            authors=[
                first_last(name)
                for name in (clean_line(latex_to_text(a)) for a in re.split(r"\s+and\s+", _field(entry, "author")))
                if name
            ],
        )
        eprint, url, doi = _field(entry, "eprint"), _field(entry, "url").strip(), _field(entry, "doi").strip()
        archive = _field(entry, "archiveprefix").lower()
        record.arxiv_id = (
            (normalise_arxiv_id(eprint) if eprint and archive in ("", "arxiv") else None)
            or normalise_arxiv_id(url)
            or (normalise_arxiv_id(doi.lower().split("arxiv.", 1)[1]) if "arxiv." in doi.lower() else None)
        )
        if url.startswith(("http://", "https://")):
            record.links.append(url)
        record.doi = normalise_doi(doi) if doi else None
        if year := _field(entry, "year").strip():
            record.extra["year"] = year
            record.published = partial_day(year[:4])
        venue = clean_line(latex_to_text(_field(entry, "journal") or _field(entry, "booktitle")))
        if venue:
            record.extra["venue"] = venue
        record.extra["bibtex_key"] = key
        result.papers.append(record)
    if not result.papers:
        raise ParseError(source, "no BibTeX entries with a title", 1)
    missing = sum(1 for p in result.papers if not p.abstract)
    if missing:
        result.warnings.append(ParseWarning(source, None, f"{missing} entries have no abstract"))
    return result


FORMAT = DigestFormat(
    name="bibtex",
    description="BibTeX (.bib) with title, abstract, author, eprint, doi, url",
    example="@article{key, title = {…}, author = {Last, First and …}, abstract = {…}, eprint = {2003.07441}}",
    sniff=sniff,
    parse=parse,
)
