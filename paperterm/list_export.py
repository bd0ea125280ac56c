"""A reading list written for other tools: BibTeX for a paper's bibliography, Markdown for a wiki, CSV."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

FORMATS = ("bibtex", "markdown", "csv")
_BIB_SPECIAL = re.compile(r"([&%$#_])")


def render(rows: list[dict[str, Any]], fmt: str, list_name: str) -> str:
    """`rows` are `Library.describe` dicts, in list order."""
    if fmt == "bibtex":
        return bibtex(rows)
    if fmt == "markdown":
        return markdown(rows, list_name)
    if fmt == "csv":
        return to_csv(rows)
    raise ValueError(f"unknown export format {fmt!r}; choose {', '.join(FORMATS)}")


def _bib_value(text: str) -> str:
    """Braces balanced and TeX specials escaped, so any title is a valid BibTeX value."""
    text = text.replace("\\", "\\textbackslash{}")
    depth, out = 0, []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                out.append("\\}")
                continue
            depth -= 1
        out.append(ch)
    out.append("}" * depth)
    return _BIB_SPECIAL.sub(r"\\\1", "".join(out))


def bib_key(row: dict[str, Any], taken: set[str]) -> str:
    """`surname2024word`, or `arxiv2409_01234`, made unique."""
    if row.get("arxiv_id"):
        base = "arxiv" + re.sub(r"\W", "_", row["arxiv_id"])
    else:
        author = row["authors"][0].split()[-1] if row.get("authors") else ""
        year = (row.get("date") or "")[:4]
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
        fields = [("title", "{" + _bib_value(row["title"]) + "}")]
        if row.get("authors"):
            fields.append(("author", " and ".join(_bib_value(a) for a in row["authors"])))
        if row.get("date"):
            fields.append(("year", row["date"][:4]))
        if row.get("arxiv_id"):
            fields += [("eprint", row["arxiv_id"]), ("archiveprefix", "arXiv")]
        fields.append(("url", row["url"]))
        if row.get("abstract"):
            fields.append(("abstract", _bib_value(row["abstract"])))
        if row.get("note"):
            fields.append(("note", _bib_value(row["note"])))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@misc{{{bib_key(row, taken)},\n{body}\n}}\n")
    return "\n".join(entries)


def markdown(rows: list[dict[str, Any]], list_name: str) -> str:
    lines = [f"# {list_name}", ""]
    for row in rows:
        title = row["title"].replace("[", "\\[").replace("]", "\\]")
        line = f"- [{title}]({row['url']})"
        if row.get("authors"):
            line += " — " + ", ".join(row["authors"][:3]) + (" et al." if len(row["authors"]) > 3 else "")
        if row.get("date"):
            line += f" ({row['date']})"
        lines.append(line)
        if row.get("note"):
            lines.extend("  > " + part for part in row["note"].splitlines())
    return "\n".join(lines) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "title", "authors", "date", "arxiv_id", "url", "status", "note", "abstract"])
    for row in rows:
        writer.writerow(
            [
                row["id"],
                _no_formula(row["title"]),
                _no_formula("; ".join(row.get("authors") or [])),
                row.get("date") or "",
                row.get("arxiv_id") or "",
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
