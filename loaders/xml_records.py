"""Bibliographic XML: OAI-PMH harvests (arXiv's `arXiv`, `arXivRaw` and `oai_dc` metadata; `ListRecords`
or `GetRecord`) and PubMed XML (`PubmedArticleSet`, from efetch or the web site's export).

The stdlib parser reads the XML through defusedxml, so entity expansion ("billion laughs") and
external entities are refused. Elements are matched by local name: the same arXiv record is found
whether or not its `<arXiv>` element declares the namespace (real harvests mix both).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlParseError

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
from .text_cleanup import clean_line, clean_paragraphs, first_last, fix_mojibake, split_authors

_ROOT = re.compile(r"<(?:[\w-]+:)?(?P<root>OAI-PMH|PubmedArticleSet)\b")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


def sniff(text: str) -> float:
    head = text[:5000]
    match = _ROOT.search(head)
    if not match:
        return 0.0
    return 0.95 if re.search(r"<(?:\w+:)?(?:record|PubmedArticle)\b", text[:500000]) else 0.3


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if _local(child.tag) == name)


def _child(element: Element | None, *names: str) -> Element | None:
    """element/name1/name2…, by local name; None where a level is missing."""
    for name in names:
        if element is None:
            return None
        element = next(_children(element, name), None)
    return element


def _descendants(element: Element, name: str) -> Iterator[Element]:
    return (node for node in element.iter() if _local(node.tag) == name)


def _text(element: Element | None) -> str:
    """All the text inside, inline markup (`<i>`, `<sup>`) included."""
    return "".join(element.itertext()) if element is not None else ""


def _start_lines(text: str, name: str) -> list[int]:
    pattern = re.compile(rf"<(?:[\w-]+:)?{name}[\s>]")
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


def parse(text: str, source: str) -> ParseResult:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(text.lstrip("\ufeff").encode("utf-8"))
    except XmlParseError as exc:
        line = exc.position[0] if exc.position else None
        raise ParseError(source, f"not well-formed XML ({exc})", line) from None
    except DefusedXmlException as exc:
        raise ParseError(source, f"refused: the XML declares entities ({type(exc).__name__})", 1) from None
    result = ParseResult(format=FORMAT.name, papers=[])
    if _local(root.tag) == "PubmedArticleSet":
        articles = list(_children(root, "PubmedArticle"))
        lines = _start_lines(text, "PubmedArticle")
        for index, article in enumerate(articles):
            _add(result, source, _pubmed(article), lines[index] if index < len(lines) else None, index)
    else:
        records = list(_descendants(root, "record"))
        lines = _start_lines(text, "record")
        for index, element in enumerate(records):
            _add(result, source, _oai(element), lines[index] if index < len(lines) else None, index)
    if not result.papers:
        raise ParseError(source, "no records with a title (`<record>…<title>` or `<PubmedArticle>…<ArticleTitle>`)", 1)
    return result


def _add(result: ParseResult, source: str, record: PaperRecord | None, line: int | None, index: int) -> None:
    if record is None:
        result.warnings.append(ParseWarning(source, line, f"record {index + 1} has no title; skipped"))
        return
    record.line = line
    result.papers.append(record)


def _oai(element: Element) -> PaperRecord | None:
    """One OAI-PMH record, whichever metadata format it carries (arXiv, arXivRaw, oai_dc)."""
    metadata = _child(element, "metadata")
    if metadata is None or not len(metadata):
        return None  # a deleted record has a header only
    meta = metadata[0]
    title = clean_line(latex_to_text(fix_mojibake(_text(_child(meta, "title")))))
    if not title:
        return None
    abstract = _text(_child(meta, "abstract")) or _text(_child(meta, "description"))
    record = PaperRecord(title=title, abstract=clean_paragraphs(latex_to_text(fix_mojibake(abstract))))
    authors = _child(meta, "authors")
    if authors is not None and len(authors):
        for author in _children(authors, "author"):
            name = " ".join(p for p in (_text(_child(author, "forenames")), _text(_child(author, "keyname"))) if p)
            if name := clean_line(latex_to_text(name)):
                record.authors.append(name)
    elif authors is not None:  # arXivRaw: one string
        record.authors = [clean_line(latex_to_text(a)) for a in split_authors(_text(authors).replace("\n", " "))]
    else:  # oai_dc: `Last, First` per creator
        record.authors = [first_last(clean_line(_text(c))) for c in _children(meta, "creator") if _text(c).strip()]
    header_id = _text(_child(element, "header", "identifier"))
    ids = [_text(_child(meta, "id")), header_id, *(_text(i) for i in _children(meta, "identifier"))]
    record.arxiv_id = next((aid for raw in ids if raw and (aid := normalise_arxiv_id(raw))), None)
    record.doi = normalise_doi(_text(_child(meta, "doi")))
    record.arxiv_id = record.arxiv_id or arxiv_id_of_doi(record.doi)
    versions = [_text(_child(v, "date")) for v in _children(meta, "version")]
    created = _text(_child(meta, "created")) or next(iter(versions), "") or _text(_child(meta, "date"))
    record.published = partial_day(created.strip()[:10]) or _rfc_day(created)
    if categories := " ".join(_text(_child(meta, "categories")).split()):
        record.extra["categories"] = categories
    if comments := clean_line(_text(_child(meta, "comments"))):
        record.extra["comment"] = comments
    if venue := clean_line(_text(_child(meta, "journal-ref"))):
        record.extra["venue"] = venue
    if record.arxiv_id:
        record.links.append(f"https://arxiv.org/abs/{record.arxiv_id}")
    return record


def _rfc_day(raw: str) -> str | None:
    """arXivRaw's version dates: `Tue, 13 Jan 2016 20:00:01 GMT` → `2016-01-13`."""
    match = re.search(r"(\d{1,2}) ([A-Za-z]{3}) (\d{4})", raw)
    if not match or match[2].lower() not in _MONTHS:
        return None
    return f"{match[3]}-{_MONTHS[match[2].lower()]:02d}-{int(match[1]):02d}"


def _pubmed(article: Element) -> PaperRecord | None:
    citation = _child(article, "MedlineCitation")
    art = _child(citation, "Article")
    if citation is None or art is None:
        return None
    title = clean_line(fix_mojibake(_text(_child(art, "ArticleTitle")) or _text(_child(art, "VernacularTitle"))))
    if not title:
        return None
    parts = []
    for node in _descendants(art, "AbstractText"):
        label, body = node.get("Label"), clean_paragraphs(_text(node))
        parts.append(f"{label}: {body}" if label and body else body)
    record = PaperRecord(title=title, abstract="\n\n".join(p for p in parts if p))
    for author in _descendants(art, "Author"):
        name = _text(_child(author, "CollectiveName")) or " ".join(
            p for p in (_text(_child(author, "ForeName")), _text(_child(author, "LastName"))) if p
        )
        if name := clean_line(name):
            record.authors.append(name)
    pmid = _text(_child(citation, "PMID")).strip()
    record.pmid = pmid if pmid.isdigit() else None
    ids = {node.get("IdType"): _text(node) for node in _descendants(article, "ArticleId")}
    ids |= {f"e-{node.get('EIdType')}": _text(node) for node in _children(art, "ELocationID")}
    record.doi = normalise_doi(ids.get("e-doi") or ids.get("doi") or "")
    record.arxiv_id = normalise_arxiv_id(ids.get("arxiv") or "") or arxiv_id_of_doi(record.doi)
    record.published = _pubmed_date(_child(art, "Journal", "JournalIssue", "PubDate")) or _pubmed_date(
        _child(art, "ArticleDate")
    )
    if venue := clean_line(_text(_child(art, "Journal", "Title"))):
        record.extra["venue"] = venue
    if record.pmid:
        record.links.append(f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/")
    return record


def _pubmed_date(node: Element | None) -> str | None:
    """`<Year>2001</Year><Month>Jun</Month>` → `2001-06`; `<MedlineDate>2019 Jan-Feb</MedlineDate>` → `2019`."""
    if node is None:
        return None
    year = _text(_child(node, "Year")).strip() or _text(_child(node, "MedlineDate"))[:4]
    if not partial_day(year):
        return None
    month_text = _text(_child(node, "Month")).strip()
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text[:3].lower())
    if not month or not 1 <= month <= 12:
        return year
    day = _text(_child(node, "Day")).strip()
    return partial_day(f"{year}-{month:02d}-{int(day):02d}" if day.isdigit() else f"{year}-{month:02d}")


FORMAT = DigestFormat(
    name="xml-records",
    description="Bibliographic XML: arXiv OAI-PMH (arXiv, arXivRaw, oai_dc metadata) and PubMed XML (PubmedArticleSet)",
    example="<OAI-PMH>…<record><metadata><arXiv><id>…</id><title>…</title>… / <PubmedArticleSet><PubmedArticle>…",
    sniff=sniff,
    parse=parse,
)
