"""Paper fields recognised by name family, for records whose layout nobody described in advance.

A key is compared in a loose form (lower case, no `_`/`-`/spaces, a language prefix or suffix such
as `en_title` or `title_zh` set aside): `title`, `paperTitle` and `en-title` are all titles. Each
family lists its spellings in order of preference. Values are never trusted to have one type: an
author list may be strings, `{name}`, `{given, family}` or one string; a date may be ISO text,
an RFC 2822 date, CSL `date-parts` or a bare year.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from .latex_text import latex_to_text
from .records import PaperRecord, arxiv_id_of_doi, normalise_arxiv_id, normalise_doi, partial_day
from .text_cleanup import clean_line, clean_paragraphs, find_links, first_last, fix_mojibake, split_authors

TITLE = ("title", "papertitle", "articletitle", "headline", "titletext", "papername")
NAME = ("name",)  # a title only beside an abstract: `{"name": "NLP", "papers": […]}` is a group, not a paper
ABSTRACT = (
    "abstract", "abstractnote", "abstracttext", "summary", "summarytext", "description", "abs", "tldr", "content",
)  # fmt: skip
AUTHORS = ("authors", "author", "authorlist", "authornames", "creators", "creator", "writers", "byline")
IDS = ("arxivid", "arxiv", "eprint", "id", "paperid", "number", "identifier", "arxivno")
DOI = ("doi",)
PMID = ("pmid", "pubmedid", "pubmed")
LINKS = ("url", "link", "href", "absurl", "arxivurl", "paperurl", "pageurl", "pdfurl", "pdf", "links", "urls")
DATES = (
    "published", "publishedat", "publicationdate", "datepublished", "pubdate", "date", "created", "datecreated",
    "issued", "submitted",
)  # fmt: skip
YEARS = ("year", "pubyear", "publicationyear")
VENUES = ("venue", "journal", "containertitle", "journalref", "booktitle", "publicationvenue")
CATEGORIES = ("categories", "subjects", "primarycategory")
NESTED = ("externalids", "details", "metadata", "paper", "identifiers", "ids")
_LANGS = {"en", "zh", "ko", "ja", "de", "fr", "es", "pt", "it", "ru", "cn", "kr", "jp", "eng"}
_LOOSE = re.compile(r"[^0-9a-z]+")
_RFC = re.compile(r"^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4}")


@lru_cache(maxsize=8192)  # the same few keys on every record of a file
def loose_key(key: str) -> tuple[str, str]:
    """The key's family spelling and its language tag (`en_title` → (`title`, `en`), `titleZh` → (`title`, `zh`))."""
    raw = key.strip()
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", raw).lower()
    parts = [p for p in _LOOSE.split(spaced) if p]
    if len(parts) > 1 and parts[0] in _LANGS:
        return "".join(parts[1:]), parts[0]
    if len(parts) > 1 and parts[-1] in _LANGS:
        return "".join(parts[:-1]), parts[-1]
    return "".join(parts), ""


class Fields:
    """An object's keys grouped by loose spelling; the English (or unlabelled) value wins."""

    def __init__(self, obj: dict[str, Any]) -> None:
        self.values: dict[str, Any] = {}
        self.rank: dict[str, int] = {}
        rank = self.rank
        for key, value in obj.items():
            if not isinstance(key, str) or value in (None, "", [], {}):
                continue
            name, lang = loose_key(key)
            score = 0 if lang in ("", "en", "eng") else 1
            if name not in rank or score < rank[name]:
                self.values[name], rank[name] = value, score
        for nested in NESTED:
            inner = self.values.get(nested)
            if isinstance(inner, dict):
                for key, value in inner.items():
                    if isinstance(key, str) and value not in (None, "", [], {}):
                        self.values.setdefault(loose_key(key)[0], value)

    def first(self, family: tuple[str, ...]) -> Any:
        """The family's best value: an unlabelled or English key before another language's, then by spelling."""
        values, rank = self.values, self.rank
        other = None
        for name in family:
            if name in values:
                if not rank.get(name, 0):
                    return values[name]
                other = other or name  # another language's: only when no unlabelled key follows
        return values[other] if other else None

    def has(self, family: tuple[str, ...]) -> bool:
        return any(name in self.values for name in family)


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # `{"text": …}` (S2's tldr), `{"name": …}` (a journal), `{"value": …}`
        return next((v for k in ("text", "value", "name", "title") if isinstance(v := value.get(k), str)), "")
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return " ".join(value)  # CSL's container-title may be a list
    return ""


def _title_value(fields: Fields) -> Any:
    value = fields.first(TITLE)
    if value is None and fields.has(ABSTRACT):
        value = fields.first(NAME)
    return value


def raw_title(fields: Fields) -> str:
    """The title as the file spells it (to find its line)."""
    return _string(_title_value(fields))


def title_of(fields: Fields) -> str:
    return clean_line(latex_to_text(fix_mojibake(raw_title(fields))))


def authors_of(value: Any) -> list[str]:
    """Authors as a list (of strings, `{name}`, `{given, family}`, `{firstName, lastName}`) or one string."""
    if isinstance(value, str):
        text = clean_line(latex_to_text(fix_mojibake(value)))
        if ";" in text:
            return [first_last(n.strip()) for n in text.split(";") if n.strip()]
        return [n.removesuffix(" et al.").removesuffix(" et.al.") for n in split_authors(text)]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    found = []
    for item in value:
        if isinstance(item, str):
            name = item
        elif isinstance(item, dict):
            parts = Fields(item)
            name = _string(parts.first(("name", "fullname", "literal", "display")))
            if not name:
                given = _string(parts.first(("given", "firstname", "forenames", "first")))
                family = _string(parts.first(("family", "lastname", "keyname", "surname", "last")))
                name = f"{given} {family}".strip()
        else:
            continue
        name = clean_line(latex_to_text(fix_mojibake(name)))
        if name:
            found.append(first_last(name) if name.count(",") == 1 else name)
    return found


def day_of(value: Any) -> str | None:
    """A paper date from ISO text, an RFC 2822 date, CSL `{date-parts: [[y, m, d]]}`, a year, or a version list."""
    if isinstance(value, int) and 1000 <= value <= 2999:
        return str(value)
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            numbers = [p for p in parts[0][:3] if isinstance(p, int) or (isinstance(p, str) and p.isdigit())]
            return partial_day("-".join(f"{int(n):02d}" if i else str(n) for i, n in enumerate(numbers)))
        return day_of(value.get("raw") or value.get("created") or value.get("date"))
    if isinstance(value, list) and value:  # arXiv versions: the first is when the paper appeared
        return day_of(value[0])
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _RFC.match(text):
        try:
            return parsedate_to_datetime(text).date().isoformat()
        except (TypeError, ValueError):
            return None
    found = partial_day(text[:10]) or partial_day(text[:7]) or partial_day(text[:4])
    if found is None:
        try:
            return datetime.strptime(text[:10], "%Y/%m/%d").date().isoformat()
        except ValueError:
            return None
    return found


def _id_candidates(fields: Fields) -> list[str]:
    found: list[str] = []
    for name in IDS:
        value = fields.values.get(name)
        if isinstance(value, str | int | float):
            found.append(str(value))
    return found


_URL_KEY = ("url", "link", "href", "page", "pdf")


def links_of(fields: Fields) -> list[str]:
    """Links under link-like keys: the LINKS family first, then any key ending in url/link/href (`doi_link`)."""
    found: list[str] = []
    extra = [name for name in fields.values if name.endswith(_URL_KEY) and name not in LINKS]
    for name in (*LINKS, *extra):
        value = fields.values.get(name)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            text = _string(item) or (_string(item.get("href") or item.get("url")) if isinstance(item, dict) else "")
            if text.startswith(("http://", "https://")) and text not in found:
                found.append(text)
    return found


def record_of(obj: dict[str, Any], line: int | None = None, fields: Fields | None = None) -> PaperRecord | None:
    """The paper an object describes, or None when it has no title. `fields`: `Fields(obj)` if already made."""
    fields = fields if fields is not None else Fields(obj)
    title = title_of(fields)
    if not title:
        return None
    abstract_value = fields.first(ABSTRACT)
    record = PaperRecord(
        title=title,
        abstract=clean_paragraphs(latex_to_text(fix_mojibake(_string(abstract_value)))),
        line=line,
        authors=authors_of(fields.first(AUTHORS)),
        links=links_of(fields),
    )
    doi_value = fields.first(DOI)
    record.doi = normalise_doi(_string(doi_value)) if doi_value is not None else None
    pmid = _string(fields.first(PMID)) or str(fields.first(PMID) or "")
    record.pmid = pmid if pmid.isdigit() else None
    candidates = [*_id_candidates(fields), *record.links]
    record.arxiv_id = next((aid for raw in candidates if (aid := normalise_arxiv_id(raw))), None)
    record.arxiv_id = record.arxiv_id or arxiv_id_of_doi(record.doi) or _csl_arxiv(fields)
    record.doi = record.doi or next(
        (d for link in record.links if "doi.org/" in link and (d := normalise_doi(link))), None
    )
    versions = fields.values.get("versions")
    record.published = (
        (day_of(versions) if isinstance(versions, list) else None)
        or next((d for name in DATES if (d := day_of(fields.values.get(name)))), None)
        or day_of(fields.first(YEARS))
        or (partial_day(str(y)) if isinstance(y := fields.first(YEARS), str) else None)
    )
    if (venue := clean_line(_string(fields.first(VENUES)))) and venue.lower() != "arxiv":
        record.extra["venue"] = venue
    categories = fields.first(CATEGORIES)
    if isinstance(categories, list):
        categories = " ".join(c for c in categories if isinstance(c, str))
    if isinstance(categories, str) and categories.strip():
        record.extra["categories"] = " ".join(categories.split())
    comment = fields.values.get("comments") or fields.values.get("comment")
    if isinstance(comment, str) and comment.strip():
        record.extra["comment"] = clean_line(comment)
    if record.arxiv_id and not any(normalise_arxiv_id(link) for link in record.links):
        record.links.append(f"https://arxiv.org/abs/{record.arxiv_id}")
    record.links += [link for link in find_links(record.abstract) if link not in record.links]
    return record


def _csl_arxiv(fields: Fields) -> str | None:
    """CSL-JSON from arXiv: `container-title: ArXiv` with `volume: abs/1610.01644`."""
    venue = _string(fields.first(("containertitle", "publisher", "archive"))).lower()
    volume = _string(fields.values.get("volume"))
    if venue == "arxiv" and volume.startswith("abs/"):
        return normalise_arxiv_id(volume[4:])
    return None


def paper_fields(obj: Any) -> Fields | None:
    """The object's fields when it has a title and at least one other paper field; else None."""
    if not isinstance(obj, dict):
        return None
    fields = Fields(obj)
    if not isinstance(_title_value(fields), str):
        return None
    others = (ABSTRACT, AUTHORS, DOI, PMID, LINKS, DATES, YEARS, VENUES, CATEGORIES)
    if any(fields.has(family) for family in others) or any(normalise_arxiv_id(raw) for raw in _id_candidates(fields)):
        return fields
    return None
