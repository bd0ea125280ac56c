"""Clean-up shared by every loader: digest text is untrusted and often wrapped.

Terminal escape sequences, control characters and bidi overrides are removed
here, at the source, so no later layer can be tricked into interpreting them.
Rich markup such as `[bold]` is *kept* as literal text; the display layers
are responsible for never interpreting it.
"""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/PM/APC/SOS strings, and 2-byte escapes.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\)?"
)
# C0 controls but tab/newline, DEL, C1 controls, bidi embedding/override/isolate marks.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters; keep newlines and tabs."""
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", text)


def clean_line(text: str) -> str:
    """A single-line field (title, author): NFC, no controls, runs of spaces folded."""
    if text.isascii() and text.isprintable():
        return (_SPACES.sub(" ", text) if "  " in text or "\t" in text else text).strip()
    text = unicodedata.normalize("NFC", strip_controls(_LINE_BREAKS.sub("\n", text)))
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def clean_paragraphs(text: str) -> str:
    """Abstract text: hard-wrapped lines joined, blank lines kept as paragraph breaks."""
    if text.isascii():
        if text.isprintable():  # one clean line: the common case, kept fast
            return (_SPACES.sub(" ", text) if "  " in text or "\t" in text else text).strip()
        if text.replace("\n", "").replace("\t", "").isprintable() and not _PARAGRAPH_BREAK.search(text):
            # Hard-wrapped ASCII with no control character and one paragraph (an arXiv abstract):
            # no normalising, no control stripping, one split. Same result as below, several times faster.
            return " ".join(text.split())
    text = unicodedata.normalize("NFC", strip_controls(_LINE_BREAKS.sub("\n", text)))
    paragraphs = _PARAGRAPH_BREAK.split(text)
    joined = (_SPACES.sub(" ", p.replace("\n", " ")).strip() for p in paragraphs)
    return "\n\n".join(p for p in joined if p)


_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def find_links(text: str) -> list[str]:
    """http(s) links mentioned in a text (code and project pages in abstracts), in order, once each."""
    seen: dict[str, None] = {}
    for match in _URL.finditer(text):
        seen.setdefault(match.group(0).rstrip(".,;:"), None)
    return list(seen)


# A UTF-8 lead byte read as Latin-1/cp1252 (Ã, Â, Î, â…) followed by a continuation byte read the same way.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def fix_mojibake(text: str) -> str:
    """`JosÃ© RaÃºl` → `José Raúl`: UTF-8 that was once decoded as Latin-1 (ftfy decides, conservatively)."""
    if text.isascii() or not _MOJIBAKE.search(text):
        return text
    import ftfy  # only for the rare text that needs it

    return ftfy.fix_encoding(text)


_AUTHOR_SEPARATORS = re.compile(r",\s*|\s+and\s+")


def split_authors(names: str) -> list[str]:
    """`A, B and C` (arXiv, RSS `dc:creator`, plain CSV) → `["A", "B", "C"]`."""
    return [name.strip() for name in _AUTHOR_SEPARATORS.split(names) if name.strip()]


_NAME_SUFFIX = re.compile(r"(?:jr|sr|ii|iii|iv|2nd|3rd)\.?", re.IGNORECASE)


def first_last(name: str) -> str:
    """`Last, First` (BibTeX, Zotero) → `First Last`; a name without a comma is kept.

    A generational suffix stays after the surname whichever way it is written: `O'Brien, Jr.`,
    BibTeX's `King, Jr., Martin` and `King, Martin, Jr.` (it is not a first name)."""
    if "," not in name:
        return name
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 2 and _NAME_SUFFIX.fullmatch(parts[1]):
        return f"{parts[0]} {parts[1]}"
    if len(parts) == 3 and _NAME_SUFFIX.fullmatch(parts[1]):
        return f"{parts[2]} {parts[0]} {parts[1]}".strip()
    if len(parts) == 3 and _NAME_SUFFIX.fullmatch(parts[2]):
        return f"{parts[1]} {parts[0]} {parts[2]}".strip()
    last, first = (part.strip() for part in name.split(",", 1))
    return f"{first} {last}".strip()
