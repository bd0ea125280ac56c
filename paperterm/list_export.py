"""A reading list written for other tools: BibTeX for a paper's bibliography, Markdown for a wiki, CSV."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

FORMATS = ("bibtex", "markdown", "csv")
_BIB_SPECIAL = re.compile(r"([&%#_])")
_LIGATURE = re.compile(r"([-`'])(?=\1)")


def render(rows: list[dict[str, Any]], fmt: str, list_name: str) -> str:
    """`rows` are `Library.describe` dicts, in list order."""
    if fmt == "bibtex":
        return bibtex(rows)
    if fmt == "markdown":
        return markdown(rows, list_name)
    if fmt == "csv":
        return to_csv(rows)
    raise ValueError(f"unknown export format {fmt!r}; choose {', '.join(FORMATS)}")


_BIB_LITERAL = {
    "\\": "\\textbackslash{}",
    "{": "\\textbraceleft{}",
    "}": "\\textbraceright{}",
    "~": "\\textasciitilde{}",
    "$": "\\textdollar{}",
}


def _bib_value(text: str) -> str:
    """Any text as a BibTeX value that reads back as the same text: no brace of the text reaches the
    parser (a stray `}` would end the field and swallow the ones after it), TeX specials escaped, and
    ligatures (`--`, ``` `` ```) broken so they stay as written."""
    out = "".join(_BIB_LITERAL.get(ch, ch) for ch in text) if any(c in text for c in _BIB_LITERAL) else text
    return _LIGATURE.sub(r"\1{}", _BIB_SPECIAL.sub(r"\\\1", out))


def _year(row: dict[str, Any]) -> str:
    """The paper's own year (never the day it was seen), or "" when no source stated one."""
    extra = row.get("extra") or {}
    year = str(extra.get("year") or row.get("published") or "")[:4]
    return year if year.isdigit() else ""


def bib_key(row: dict[str, Any], taken: set[str]) -> str:
    """The source's own citation key, else `arxiv2409_01234` or `surname2024word`, made unique."""
    source_key = str((row.get("extra") or {}).get("bibtex_key") or "")
    if re.fullmatch(r"[A-Za-z0-9_:.\-/+]+", source_key):
        base = source_key
    elif row.get("arxiv_id"):
        base = "arxiv" + re.sub(r"\W", "_", row["arxiv_id"])
    else:
        author = row["authors"][0].split()[-1] if row.get("authors") else ""
        year = _year(row)
        word = next((w for w in re.findall(r"[A-Za-z]{4,}", row["title"])), "paper")
        base = unicodedata.normalize("NFKD", f"{author}{year}{word}").encode("ascii", "ignore").decode()
        base = re.sub(r"\W", "", base).lower() or "paper"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}{chr(ord('a') + n - 2)}", n + 1
    taken.add(key)
    return key


def bibtex(rows: list[dict[str, Any]]) -> str:
    taken: set[str] = set()
    entries = []
    for row in rows:
        extra = row.get("extra") or {}
        fields = [("title", "{" + _bib_value(row["title"]) + "}")]
        if row.get("authors"):
            fields.append(("author", " and ".join(_bib_value(a) for a in row["authors"])))
        if year := _year(row):
            fields.append(("year", year))
        venue = str(extra.get("venue") or "")
        if venue:
            fields.append(("journal", _bib_value(venue)))
        if extra.get("doi"):
            fields.append(("doi", _bib_value(str(extra["doi"]))))
        if row.get("arxiv_id"):
            fields += [("eprint", row["arxiv_id"]), ("archiveprefix", "arXiv")]
        fields.append(("url", row["url"]))
        if row.get("abstract"):
            fields.append(("abstract", _bib_value(row["abstract"])))
        if row.get("note"):
            fields.append(("note", _bib_value(row["note"])))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        kind = "article" if venue else "misc"
        entries.append(f"@{kind}{{{bib_key(row, taken)},\n{body}\n}}\n")
    return "\n".join(entries)


def markdown(rows: list[dict[str, Any]], list_name: str) -> str:
    lines = [f"# {list_name}", ""]
    for row in rows:
        title = row["title"].replace("[", "\\[").replace("]", "\\]")
        line = f"- [{title}]({row['url']})"
        if row.get("authors"):
            line += " — " + ", ".join(row["authors"][:3]) + (" et al." if len(row["authors"]) > 3 else "")
        if row.get("published"):
            line += f" ({row['published']})"
        lines.append(line)
        if row.get("note"):
            lines.extend("  > " + part for part in row["note"].splitlines())
    return "\n".join(lines) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["id", "title", "authors", "published", "seen", "arxiv_id", "doi", "url", "status", "note", "abstract"]
    )
    for row in rows:
        writer.writerow(
            [
                row["id"],
                _no_formula(row["title"]),
                _no_formula("; ".join(row.get("authors") or [])),
                row.get("published") or "",
                row.get("date") or "",
                row.get("arxiv_id") or "",
                str((row.get("extra") or {}).get("doi") or ""),
                row["url"],
                row["status"],
                _no_formula(row.get("note") or ""),
                _no_formula(row.get("abstract") or ""),
            ]
        )
    return buffer.getvalue()


def _no_formula(text: str) -> str:
    """A cell starting with = + - @ would run as a formula in a spreadsheet: quote it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
