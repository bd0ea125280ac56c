"""Bytes to text: pick the encoding a digest was saved in, refuse binaries."""

from __future__ import annotations

from .records import ParseError, ParseWarning

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: every other byte of ASCII text is NUL."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_digest(data: bytes, source: str) -> tuple[str, list[ParseWarning]]:
    """Decode a digest's bytes: UTF-8 (with or without BOM), UTF-16, else Windows-1252 with a warning.

    Raises ParseError for an empty or binary file, naming the line of the first NUL byte.
    """
    if not data.strip():
        raise ParseError(source, "the file is empty", not_a_digest=True)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), []
            except UnicodeDecodeError as exc:
                raise ParseError(
                    source, f"not valid {encoding} despite its byte-order mark", _line_of(data, exc.start)
                ) from None
    utf16 = _looks_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), []
        except UnicodeDecodeError:
            pass
    nul = data.find(b"\x00")
    if nul != -1:
        raise ParseError(
            source, "this is a binary file, not a text digest (NUL byte)", _line_of(data, nul), not_a_digest=True
        )
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        text = data.decode("cp1252", errors="replace")
        control = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t\f")
        if control > len(text[:4096]) * 0.05:
            raise ParseError(source, "this is a binary file, not a text digest", line, not_a_digest=True) from None
        warning = ParseWarning(source, line, "not UTF-8; read as Windows-1252 (Latin-1)")
        return text, [warning]
