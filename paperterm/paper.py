"""The core's paper model: one paper, wherever and however often it was seen."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus


@dataclass(frozen=True, slots=True)
class Digest:
    """One imported digest file. Numbered in import order; papers refer to it by number."""

    number: int
    name: str
    path: str
    sha256: str
    format: str
    date: str | None
    date_source: str
    imported_at: str
    papers: int
    warnings: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "path": self.path,
            "sha256": self.sha256,
            "format": self.format,
            "date": self.date,
            "date_source": self.date_source,
            "imported_at": self.imported_at,
            "papers": self.papers,
            "warnings": self.warnings,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Digest:
        return cls(
            number=int(raw["number"]),
            name=str(raw["name"]),
            path=str(raw.get("path", "")),
            sha256=str(raw["sha256"]),
            format=str(raw.get("format", "")),
            date=raw.get("date"),
            date_source=str(raw.get("date_source", "")),
            imported_at=str(raw.get("imported_at", "")),
            papers=int(raw.get("papers", 0)),
            warnings=int(raw.get("warnings", 0)),
        )


class AbstractBlob:
    """Abstracts of one segment, concatenated UTF-8 in a file, read with `pread` when needed.

    Keeping abstracts out of memory is what lets a 100,000-paper library load in well
    under a second and stay small: one is decoded only when shown or indexed. `pread`
    rather than mmap, so reading many (indexing, phrase checks) leaves nothing resident.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)
        self._size = os.fstat(self._fd).st_size

    def read(self, offset: int, length: int) -> str:
        return os.pread(self._fd, length, offset).decode("utf-8", errors="replace") if length else ""

    def __len__(self) -> int:
        return self._size

    def __del__(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            os.close(self._fd)


_NONE: tuple[()] = ()  # shared by the many papers with no authors or links
_NO_EXTRA: dict[str, Any] = {}  # shared and never mutated: papers replace `extra`, never update it


class Paper:
    """A paper in the library. `sightings` are (digest number, line) pairs: its provenance."""

    __slots__ = (
        "_abstract",
        "_blob",
        "_span",
        "arxiv_id",
        "authors",
        "date",
        "extra",
        "id",
        "links",
        "sightings",
        "title",
    )

    def __init__(
        self,
        id: str,
        title: str,
        abstract: str = "",
        authors: Sequence[str] | None = None,
        links: Sequence[str] | None = None,
        arxiv_id: str | None = None,
        sightings: list[tuple[int, int]] | None = None,
        extra: dict[str, Any] | None = None,
        date: str = "",
    ) -> None:
        self.id = id
        self.title = title
        self._abstract: str | None = abstract
        self._blob: AbstractBlob | None = None
        self._span: tuple[int, int] = (0, 0)
        self.authors: Sequence[str] = authors or _NONE
        self.links: Sequence[str] = links or _NONE
        self.arxiv_id = arxiv_id
        self.sightings: list[tuple[int, int]] = sightings if sightings is not None else []
        self.extra: dict[str, Any] = extra or _NO_EXTRA
        self.date = date  # the earliest digest date: derived on load, not stored

    @property
    def abstract(self) -> str:
        if self._abstract is not None:
            return self._abstract
        if self._blob is None:
            return ""
        return self._blob.read(*self._span)

    @abstract.setter
    def abstract(self, text: str) -> None:
        self._abstract = text
        self._blob = None

    def __repr__(self) -> str:
        return f"Paper({self.id!r}, {self.title!r})"

    def to_row(self, blob: bytearray) -> list[Any]:
        """The stored row; the abstract is appended to `blob` and referenced by offset and length."""
        data = self.abstract.encode("utf-8")
        offset = len(blob)
        blob += data
        flat = [n for pair in self.sightings for n in pair]
        return [
            self.id,
            self.title,
            [offset, len(data)],
            list(self.authors) or None,
            list(self.links) or None,
            self.arxiv_id,
            flat,
            self.extra or None,
        ]

    @classmethod
    def from_row(cls, row: list[Any], blob: AbstractBlob) -> Paper:
        flat = row[6]
        paper = cls(
            id=row[0],
            title=row[1],
            authors=row[3],
            links=row[4],
            arxiv_id=row[5],
            sightings=list(zip(flat[0::2], flat[1::2], strict=True)),
            extra=row[7],
        )
        offset, length = row[2]
        if offset < 0 or length < 0 or offset + length > len(blob):
            raise ValueError(f"abstract of {row[0]!r} lies outside its blob")
        paper._abstract = None
        paper._blob = blob
        paper._span = (offset, length)
        return paper

    @property
    def published(self) -> str:
        """The paper's own date (`2015`, `2015-06`, `2015-06-01`): as a source stated it, else the month
        a new-style arXiv id encodes (`2401.00001` → `2024-01`); "" when unknown. Never a date it was seen."""
        stated = self.extra.get("published") if self.extra else None
        if isinstance(stated, str) and stated:
            return stated
        arxiv = self.arxiv_id or ""
        if len(arxiv) >= 9 and arxiv[4] == "." and arxiv[:4].isdigit():
            return f"20{arxiv[:2]}-{arxiv[2:4]}"
        return ""

    @property
    def sort_date(self) -> str:
        """Newest-first order: the paper's own date as a source stated it, else the day it was first seen."""
        stated = self.extra.get("published") if self.extra else None
        return stated if isinstance(stated, str) and stated else self.date

    @property
    def url(self) -> str:
        """The arXiv abstract page when the id is known, else the DOI's page, else an arXiv title search."""
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        doi = self.extra.get("doi") if self.extra else None
        if isinstance(doi, str) and doi.startswith("10."):
            return f"https://doi.org/{doi}"
        return "https://arxiv.org/search/?searchtype=title&query=" + quote_plus(self.title)
