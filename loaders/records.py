"""The records every loader produces, and the one error type they raise.

Loaders are pure: text in, these records out. Everything about where a file
lives, when it was modified or how it is stored belongs to the core package.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")
_ID_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:(?:export\.)?arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/)", re.I)
_ARXIV_NEW = re.compile(r"^\d{4}\.\d{4,5}$")
_ARXIV_OLD = re.compile(r"^[a-z-]+(?:\.[A-Z]{2})?/\d{7}$")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>`']+)", re.I)
_DOI_WHOLE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.I)
_DOI_ARXIV = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_PARTIAL_DAY = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class ParseError(Exception):
    """Input that cannot be read as a digest. Names the file and, when known, the line."""

    def __init__(self, source: str, message: str, line: int | None = None, *, not_a_digest: bool = False) -> None:
        self.source = source
        self.line = line
        self.message = message
        # Empty, binary or of no known format: a folder walk skips such files instead of failing.
        self.not_a_digest = not_a_digest
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something skipped or guessed while the rest of the file was sound."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class DigestDate:
    """A date as a digest states it: the Daily Papers page says `Sep 12`, with no year."""

    month: int
    day: int
    year: int | None = None

    @classmethod
    def from_iso(cls, day: str) -> DigestDate:
        """`2024-06-18` (the form the loaders' `iso_day` gives) as a DigestDate."""
        year, month, dom = (int(part) for part in day[:10].split("-"))
        return cls(month, dom, year)


@dataclass(slots=True)
class PaperRecord:
    """One paper as a digest describes it."""

    title: str
    abstract: str = ""
    line: int | None = None
    authors: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    arxiv_id: str | None = None
    published: str | None = None  # the paper's own date: `2015`, `2015-06` or `2015-06-01` (never a seen date)
    extra: dict[str, str | int | float] = field(default_factory=dict)
    doi: str | None = None  # normalised by `normalise_doi`
    pmid: str | None = None

    @property
    def paper_id(self) -> str:
        return paper_id(self.title, self.arxiv_id, self.doi, self.pmid)


@dataclass(slots=True)
class ParseResult:
    """What one digest yielded: its papers, its own date if it states one, and warnings."""

    format: str
    papers: list[PaperRecord]
    digest_date: DigestDate | None = None
    warnings: list[ParseWarning] = field(default_factory=list)


@lru_cache(maxsize=16384)  # an import asks for each record's title key several times (id, merge, report)
def normalise_title(title: str) -> str:
    """Title key for identity: accents, case, punctuation and spacing do not count."""
    if title.isascii():
        return _NON_WORD.sub(" ", title.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", title)
    ascii_ish = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", ascii_ish).strip()


def normalise_arxiv_id(raw: str) -> str | None:
    """`arXiv:2409.01234v2` → `2409.01234`; None when it is not an arXiv id."""
    text = raw.strip()
    text = _ID_URL.sub("", text)
    text = re.sub(r"^(?:oai:arxiv\.org:)+|^arxiv:", "", text, flags=re.I)
    text = re.sub(r"(?:v\d+)?(?:\.pdf)?$", "", text)
    if _ARXIV_NEW.match(text) or _ARXIV_OLD.match(text):
        return text
    return None


def normalise_doi(raw: str) -> str | None:
    """`https://doi.org/10.1000/X.Y` or `doi:10.1000/x.y` → `10.1000/x.y` (DOIs are case-insensitive).

    A field that holds one DOI and nothing else is taken whole: old Wiley DOIs carry `<` and `>`
    (`10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-o`), which in running text end one."""
    text = raw.strip()
    whole = _DOI_WHOLE.match(text)
    if whole:
        doi = whole.group(1).rstrip(".,")
        while doi.endswith(")") and doi.count(")") > doi.count("("):
            doi = doi[:-1]
        return doi.lower()
    match = _DOI.search(text)
    if not match:
        return None
    return match.group(1).rstrip(".,;)]}").lower()


def arxiv_id_of_doi(doi: str | None) -> str | None:
    """arXiv's own DOIs (`10.48550/arxiv.1312.6114`) name an arXiv paper."""
    match = _DOI_ARXIV.match(doi or "")
    return normalise_arxiv_id(match.group(1)) if match else None


def partial_day(raw: str) -> str | None:
    """`2015`, `2015-06` or `2015-06-01` when `raw` is one (a plausible year, real month and day)."""
    match = _PARTIAL_DAY.match(raw.strip())
    if not match or not 1000 <= int(match[1]) <= 2999:
        return None
    if match[2] and not 1 <= int(match[2]) <= 12:
        return match[1]
    if match[3] and not 1 <= int(match[3]) <= 31:
        return f"{match[1]}-{match[2]}"
    return match.group(0)


def paper_id(title: str, arxiv_id: str | None, doi: str | None = None, pmid: str | None = None) -> str:
    """Stable id: the arXiv id, else `doi:…`, else `pmid:…`, else `t:` and 12 hex digits of the title key's hash."""
    if arxiv_id:
        return arxiv_id
    if doi:
        return f"doi:{doi}"
    if pmid:
        return f"pmid:{pmid}"
    digest = hashlib.sha256(normalise_title(title).encode("utf-8")).hexdigest()
    return f"t:{digest[:12]}"
