"""The records every loader produces, and the one error type they raise.

Loaders are pure: text in, these records out. Everything about where a file
lives, when it was modified or how it is stored belongs to the core package.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

_NON_WORD = re.compile(r"[^0-9a-z]+")
_ID_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:(?:export\.)?arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/)", re.I)
_ARXIV_NEW = re.compile(r"^\d{4}\.\d{4,5}$")
_ARXIV_OLD = re.compile(r"^[a-z-]+(?:\.[A-Z]{2})?/\d{7}$")


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
    published: str | None = None
    extra: dict[str, str | int | float] = field(default_factory=dict)

    @property
    def paper_id(self) -> str:
        return paper_id(self.title, self.arxiv_id)


@dataclass(slots=True)
class ParseResult:
    """What one digest yielded: its papers, its own date if it states one, and warnings."""

    format: str
    papers: list[PaperRecord]
    digest_date: DigestDate | None = None
    warnings: list[ParseWarning] = field(default_factory=list)


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


def paper_id(title: str, arxiv_id: str | None) -> str:
    """Stable id: the arXiv id when known, else `t:` and 12 hex digits of the title key's hash."""
    if arxiv_id:
        return arxiv_id
    digest = hashlib.sha256(normalise_title(title).encode("utf-8")).hexdigest()
    return f"t:{digest[:12]}"
