"""The registry of digest formats: every module in this package that defines `FORMAT`.

Adding a format is adding a file; detection asks each format how sure it is.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from .formats import DigestFormat
from .records import ParseError, ParseResult
from .text_decode import decode_digest

_SUPPORT_MODULES = {"formats", "records", "registry", "text_cleanup", "text_decode"}


@cache
def formats() -> tuple[DigestFormat, ...]:
    """All known formats, in a stable order (by name)."""
    package = importlib.import_module(__package__ or "loaders")
    found: list[DigestFormat] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _SUPPORT_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        fmt = getattr(module, "FORMAT", None)
        if isinstance(fmt, DigestFormat):
            found.append(fmt)
    return tuple(sorted(found, key=lambda f: f.name))


def get_format(name: str) -> DigestFormat:
    for fmt in formats():
        if fmt.name == name:
            return fmt
    known = ", ".join(f.name for f in formats())
    raise KeyError(f"unknown format {name!r}; known formats: {known}")


_OWN_FILE = re.compile(r'^\s*\{[^{]{0,200}?"kind"\s*:\s*"(paperterm-[a-z-]+)"')
_OWN_FILE_ADVICE = {
    "paperterm-sync": "`paperterm bookmarks import FILE` merges its lists, statuses and notes (`paperterm sync FILE` "
    "also writes the merged state back)",
}


def detect(text: str, source: str) -> DigestFormat:
    """The format that is surest it can read `text`; ParseError when none recognises it.

    paperterm's own files are refused by name first: read as a digest, a sync file gave its papers
    and silently dropped the lists, statuses and notes it was written to carry."""
    own = _OWN_FILE.match(text[:400])
    if own is not None:
        advice = _OWN_FILE_ADVICE.get(own.group(1), "it is one of paperterm's own files")
        raise ParseError(source, f"this is a paperterm file ({own.group(1)}), not a digest: {advice}", 1)
    scored = sorted(((fmt.sniff(text), fmt.name, fmt) for fmt in formats()), key=lambda t: (-t[0], t[1]))
    if not scored or scored[0][0] <= 0:
        raise ParseError(
            source,
            f"nothing paper-like found: looked for {_looked_for(text)} (see `paperterm formats`)",
            1,
            not_a_digest=True,
        )
    return scored[0][2]


def _looked_for(text: str) -> str:
    """What the generic reader for this kind of text looks for, to say so when a file is refused."""
    from . import json_records, paper_html, text_records

    head = text.lstrip("\ufeff \t\n")[:1]
    if head in ("{", "["):
        return json_records.LOOKED_FOR
    if head == "<":
        return paper_html.LOOKED_FOR + ", or a known XML/feed format"
    return text_records.LOOKED_FOR


def parse_text(text: str, source: str, format_name: str | None = None) -> ParseResult:
    """Parse decoded text, detecting the format unless one is named."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = get_format(format_name) if format_name else detect(text, source)
    try:
        return fmt.parse(text, source)
    except ParseError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError) as exc:
        # A loader bug on odd input must still reach the user as a parse error, never a traceback.
        raise ParseError(source, f"could not be read as {fmt.name}: {exc}") from exc


def parse_bytes(data: bytes, source: str, format_name: str | None = None) -> ParseResult:
    """Decode and parse a digest's bytes; warnings from decoding are kept in the result."""
    text, warnings = decode_digest(data, source)
    result = parse_text(text, source, format_name)
    result.warnings[:0] = warnings
    return result
