"""Digest loaders: text in, paper records out. No I/O beyond reading the input given."""

from .formats import DigestFormat
from .records import (
    DigestDate,
    PaperRecord,
    ParseError,
    ParseResult,
    ParseWarning,
    arxiv_id_of_doi,
    normalise_arxiv_id,
    normalise_doi,
    normalise_title,
    paper_id,
    partial_day,
)
from .registry import detect, formats, get_format, parse_bytes, parse_text

__all__ = [
    "DigestDate",
    "DigestFormat",
    "PaperRecord",
    "ParseError",
    "ParseResult",
    "ParseWarning",
    "arxiv_id_of_doi",
    "detect",
    "formats",
    "get_format",
    "normalise_arxiv_id",
    "normalise_doi",
    "normalise_title",
    "paper_id",
    "parse_bytes",
    "parse_text",
    "partial_day",
]
