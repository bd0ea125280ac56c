"""MEDLINE/PubMed text ("nbib", PubMed's "Save as PubMed format"): `PMID- …`, `TI  - …`, `AB  - …`,
4-character tags padded to a `- ` separator, continuation lines indented 6 spaces, records
separated by blank lines.

A record is identified by its PMID; its DOI comes from `AID - 10.… [doi]` or `LID`.
`FAU` (`Casbon, James A`) is preferred to `AU` (`Casbon JA`).
"""

from __future__ import annotations

import re

from .formats import DigestFormat
from .records import PaperRecord, ParseError, ParseResult, ParseWarning, normalise_doi
from .text_cleanup import clean_line, clean_paragraphs, first_last, fix_mojibake

_TAG = re.compile(r"^(?P<tag>[A-Z][A-Z0-9]{0,3})\s*- (?P<value>.*)$")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


def sniff(text: str) -> float:
    head = text[:5000].lstrip()
    if not head.startswith("PMID- "):
        return 0.0
    return 0.9 if re.search(r"^TI  - ", text[:50000], re.M) else 0.3


def _records(text: str) -> list[tuple[int, list[tuple[str, str]]]]:
    """Each record's first line and its (tag, value) pairs, continuation lines joined to their tag."""
    records: list[tuple[int, list[tuple[str, str]]]] = []
    fields: list[tuple[str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        match = _TAG.match(line)
        if match and match["tag"] == "PMID":
            fields = []
            records.append((number, fields))
        if match:
            fields.append((match["tag"], match["value"].rstrip()))
        elif fields and line.startswith(" "):
            tag, value = fields[-1]
            fields[-1] = (tag, f"{value}\n{line.strip()}")
    return records


def _published(value: str) -> str | None:
    """`2006 Mar 1` → `2006-03-01`; `2006` → `2006`."""
    parts = value.split()
    if not parts or not re.fullmatch(r"\d{4}", parts[0]):
        return None
    month = _MONTHS.get(parts[1][:3].lower()) if len(parts) > 1 else None
    if month is None:
        return parts[0]
    if len(parts) > 2 and parts[2].isdigit() and 1 <= int(parts[2]) <= 31:
        return f"{parts[0]}-{month:02d}-{int(parts[2]):02d}"
    return f"{parts[0]}-{month:02d}"


def parse(text: str, source: str) -> ParseResult:
    result = ParseResult(format=FORMAT.name, papers=[])
    for line, fields in _records(text):
        tags: dict[str, list[str]] = {}
        for tag, value in fields:
            tags.setdefault(tag, []).append(value)

        def one(tag: str, tags: dict[str, list[str]] = tags) -> str:
            return tags.get(tag, [""])[0]

        title = clean_line(fix_mojibake(one("TI")))
        if not title:
            result.warnings.append(ParseWarning(source, line, f"PMID {one('PMID')} has no title; skipped"))
            continue
        record = PaperRecord(title=title, line=line, abstract=clean_paragraphs(fix_mojibake(one("AB"))))
        names = tags.get("FAU") or tags.get("AU") or []
        record.authors = [first_last(clean_line(fix_mojibake(n))) for n in names if n.strip()]
        pmid = one("PMID").strip()
        record.pmid = pmid if pmid.isdigit() else None
        for value in [*tags.get("AID", []), *tags.get("LID", [])]:
            if value.endswith("[doi]"):
                record.doi = record.doi or normalise_doi(value.removesuffix("[doi]"))
        record.published = _published(one("DP"))
        if venue := clean_line(one("JT") or one("TA")):
            record.extra["venue"] = venue
        if record.pmid:
            record.links.append(f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/")
        result.papers.append(record)
    if not result.papers:
        raise ParseError(source, "no MEDLINE records with a title (`PMID- …` then `TI  - …`)", 1)
    return result


FORMAT = DigestFormat(
    name="medline",
    description="MEDLINE/PubMed text (.nbib, PubMed format): PMID, TI, AB, FAU/AU, DP, AID [doi]",
    example="PMID- 16403221 / TI  - … / AB  - … / FAU - Casbon, James A / DP  - 2006 / AID - 10.1186/… [doi]",
    sniff=sniff,
    parse=parse,
)
