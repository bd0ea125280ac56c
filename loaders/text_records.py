"""Papers in Markdown or plain text whatever the layout: the reader the specific text loaders fall back on.

Three shapes are read, in this order:

- **Tables**: a header row names the columns (title/paper, date, authors, abstract, PDF/links,
  comment; in several languages); each row is a paper. A title cell may be `**[Title](link)**`,
  `N) Title  summary…` or `**Title** - summary`; an abstract may sit in `<details><p>…</p></details>`.
- **A paper per heading** (`## 3. Title`, `### [Title](link)`): its section's `Label: value` lines
  (`Authors:`/`Autoren:`/`作者:`, `Date:`/`Datum:`, `arXiv:`) and an `Abstract` (`Zusammenfassung`,
  `摘要`…) section or label, preferred over any other text.
- **Items and blocks**: numbered or bulleted items, or blank-line separated blocks, that carry an arXiv,
  Hugging Face or DOI link (or a bare `arXiv:ID`).

A heading or block without a paper id or field is a section, not a paper. A file is refused only
when no shape yields a paper; the message says what was looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .formats import DigestFormat
from .html_text import html_to_text
from .latex_text import latex_to_text
from .records import (
    PaperRecord,
    ParseError,
    ParseResult,
    arxiv_id_of_doi,
    normalise_arxiv_id,
    normalise_doi,
    partial_day,
)
from .text_cleanup import clean_line, clean_paragraphs, fix_mojibake, split_authors

LOOKED_FOR = (
    "Markdown tables with a title column, a heading or numbered/bulleted item per paper, or text blocks "
    "with arXiv / Hugging Face / DOI links"
)
_LABELS = {
    "title": ("title", "titel", "titre", "título", "titulo", "标题", "題名", "제목", "paper", "name"),
    "authors": ("authors", "author", "autoren", "autor", "auteurs", "auteur", "autores", "作者", "著者", "저자", "by"),
    "abstract": (
        "abstract", "zusammenfassung", "kurzfassung", "résumé", "resume", "resumen", "resumo", "摘要", "要旨",
        "초록", "요약", "summary", "tl;dr", "tldr", "description", "beschreibung",
    ),
    "date": (
        "date", "datum", "published", "publish date", "veröffentlicht", "publication date", "日期", "날짜", "fecha",
    ),
    "year": ("year", "jahr", "année", "año", "年份"),
    "link": ("link", "links", "url", "pdf", "arxiv", "paper link", "code", "doi", "hf", "huggingface"),
    "venue": ("venue", "journal", "konferenz", "conference", "published in"),
    "comment": ("comment", "comments", "kommentar", "note", "notes"),
}  # fmt: skip
_LABEL_OF = {spelling: kind for kind, spellings in _LABELS.items() for spelling in spellings}
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>https?://[^)\s]+)\)")
_BARE_URL = re.compile(r"https?://[^\s<>\"')\]|]+")
_ARXIV_TEXT = re.compile(r"\barXiv[:\s]\s*(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7})", re.I)
_ID_URL = re.compile(r"https?://(?:www\.)?(?:arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/|(?:dx\.)?doi\.org/10\.)")
_ID_MENTION = re.compile(
    r"(?:https?://)?(?:www\.)?(?:arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/|(?:dx\.)?doi\.org/10\.)"
    r"|\bdoi[:\s]\s*10\.\d{4,9}/",
    re.I,
)  # with or without a scheme (notes write `huggingface.co/papers/ID`); slow on a whole file, so per block
_SCHEMELESS_ID = re.compile(r"(?:arxiv\.org/abs/|huggingface\.co/papers/)\d")  # a literal first: fast on a file
_BARE_ID = re.compile(r"(?:arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/)(?P<id>[\w./-]+)", re.I)
_NAME_PART = r"(?:[A-Z][\w'’.-]*|van|von|der|de|da|di|le|la|du)"
_NAME = re.compile(rf"^{_NAME_PART}(?:\s+{_NAME_PART}){{0,4}}$")
_SCHEMELESS_URL = re.compile(r"\b(?:www\.)?[\w-]+(?:\.[\w-]+)+/\S*")
_LEADING_NAMES = re.compile(r"^\(?(?P<names>[^.()]{2,200}?\bet\.?\s*al\.?)\)?[\s,.;:]*(?P<rest>.*)$", re.S)
_LEADING_LINK = re.compile(r"^\s*(?:\d{1,4}[.)]\s*|[-*+•]\s+)?(?:\*\*|__)?\[")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,4}[.)])\s+(?P<text>\S.*)$")
_NUMBER = re.compile(r"^\s*(?:\d{1,4}[.)]|[-*+•](?=\s))\s*")
_LABEL_LINE = re.compile(
    r"^\s*(?:[-*+•]\s*)?(?:\*\*|__)?(?P<label>[^:：*_\n]{1,24}?)(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(?P<value>.*)$"
)
_ISO_DAY = re.compile(r"\b(\d{4})[-./](\d{2})[-./](\d{2})\b")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_DETAILS = re.compile(r"<details>.*?</details>", re.I | re.S)
_SUMMARY = re.compile(r"<summary>.*?</summary>", re.I | re.S)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_ET_AL = re.compile(r"\s*et\.?\s*al\.?\s*$", re.I)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")


def label_of(text: str) -> str | None:
    """The field a label names (`Autoren` → `authors`, `#### Zusammenfassung` → `abstract`), in several languages."""
    return _label(text.lstrip("#").strip())


def _label(text: str) -> str | None:
    return _LABEL_OF.get(_EMPHASIS.sub(r"\2", text).strip().strip("*_#").strip().lower())


def _plain(markdown: str) -> str:
    """Markdown inline text as plain text: links keep their text, emphasis and images go, HTML is read."""
    text = _IMAGE.sub("", markdown)
    text = _LINK.sub(lambda m: m["text"], text)
    text = _EMPHASIS.sub(r"\2", text)
    if "<" in text or "&" in text:
        text = html_to_text(text.replace("<br>", "\n").replace("<br/>", "\n"))
    return text.replace("\\|", "|").replace("\\&", "&").replace("\\_", "_").replace("\\*", "*")


def _links(text: str) -> list[str]:
    found = [m["url"] for m in _LINK.finditer(text)]
    found += [u.rstrip(".,;:") for u in _BARE_URL.findall(_LINK.sub("", text))]
    return list(dict.fromkeys(found))


def _ids(record: PaperRecord, text: str) -> None:
    """arXiv id, DOI and links from everything written about the paper."""
    for link in _links(text):
        if link not in record.links:
            record.links.append(link)
    for link in record.links:
        record.arxiv_id = record.arxiv_id or normalise_arxiv_id(link)
        if "doi.org/" in link:
            record.doi = record.doi or normalise_doi(link)
    if not record.arxiv_id and (match := _ARXIV_TEXT.search(text) or _BARE_ID.search(text)):
        record.arxiv_id = normalise_arxiv_id(match["id"].rstrip(".,;:"))
    if not record.doi and (match := re.search(r"(?:\bdoi[:\s]\s*|^\s*)(10\.\d{4,9}/\S+)", text, re.I)):
        record.doi = normalise_doi(match[1])
    record.arxiv_id = record.arxiv_id or arxiv_id_of_doi(record.doi)


def _distinct_ids(text: str) -> int:
    ids = {normalise_arxiv_id(m) for m in re.findall(r"arxiv\.org/(?:abs|pdf)/(\S+?)(?=[)\s\]|>\"']|$)", text)}
    ids |= {m.lower() for m in re.findall(r"\b10\.\d{4,9}/[^\s)\]|>\"'`]+", text)}
    return len(ids - {None})


def _only_links(line: str) -> bool:
    """A line of nothing but links or images (`https://…`, `[PDF](…) [Code](…)`): not prose."""
    rest = _LINK.sub("", _IMAGE.sub("", line))
    rest = _SCHEMELESS_URL.sub("", _BARE_URL.sub("", rest))
    return not re.sub(r"[\s|,·•\-–—*_()\[\]]+", "", rest)


def _has_id(text: str) -> bool:
    return bool(_ID_MENTION.search(text) or _ARXIV_TEXT.search(text))


def _title_text(raw: str) -> str:
    text = _NUMBER.sub("", raw.strip(), count=1) if _NUMBER.match(raw) else raw
    return clean_line(latex_to_text(fix_mojibake(_plain(text)))).strip(" -–—:|")


def _authors(value: str) -> list[str]:
    """`A, B and C`, `A, B und C`, `A; B & C`: one name each; `et al.` dropped."""
    text = _ET_AL.sub("", clean_line(_plain(value)))  # before ` et ` is read as French "and"
    text = re.sub(r"\s*(?:;|&|\s(?:und|et|y|e|и|和)\s)\s*", ", ", text)
    return [_ET_AL.sub("", name) for name in split_authors(text) if _ET_AL.sub("", name)]


def _day(value: str) -> str | None:
    if match := _ISO_DAY.search(value):
        return partial_day(f"{match[1]}-{match[2]}-{match[3]}")
    return partial_day(value.strip()[:4]) if re.match(r"^\s*\d{4}\b", value) else None


def _apply(record: PaperRecord, kind: str, value: str) -> None:
    """A labelled value (`Authors: …`) into the record."""
    if kind == "authors":
        record.authors = record.authors or _authors(value)
    elif kind == "abstract":
        record.abstract = record.abstract or clean_paragraphs(latex_to_text(fix_mojibake(_plain(value))))
    elif kind in ("date", "year"):
        record.published = record.published or _day(_plain(value))
    elif kind == "venue":
        record.extra.setdefault("venue", clean_line(_plain(value)))
    elif kind == "comment" and (comment := clean_line(_plain(_details_body(value)))):
        record.extra.setdefault("comment", comment)
    elif kind == "title" and not record.title:
        record.title = _title_text(value)
    _ids(record, value)


# -- tables ------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    body = row.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", body)]


def is_table_row(text: str) -> bool:
    """A Markdown table row: `|…|…|`, at least three cells."""
    stripped = text.strip()
    return stripped.startswith("|") and stripped.count("|") >= 4 and "\n" not in stripped


def _details_body(cell: str) -> str:
    """`<details><summary>Show</summary><p>text</p></details>` → `text`; other cells unchanged."""
    if "<details" not in cell.lower():
        return cell
    return _SUMMARY.sub("", cell)


def _split_title(cell: str) -> tuple[str, str]:
    """A title cell's title and the summary written after it (`**Title** - summary`, `1) Title  summary`)."""
    text = _NUMBER.sub("", cell.strip(), count=1)
    if match := re.match(r"^(\*\*|__)(?P<title>.+?)\1\s*[-–—:]?\s*(?P<rest>.*)$", text, re.S):
        return match["title"], match["rest"]
    if match := re.match(r"^(?P<title>\[[^\]]+\]\([^)]+\))\s*[-–—:]?\s*(?P<rest>.*)$", text, re.S):
        return match["title"], match["rest"]
    if match := re.match(r"^[*_]*(?P<title>[^*_\s].{0,300}?)(?:\*\*|__)\s*[-–—:]\s+(?P<rest>.*)$", text, re.S):
        return match["title"], match["rest"]  # a mistyped opening (`*8Title** - …`)
    title, sep, rest = text.partition("  ")
    return (title, rest) if sep and rest.strip() else (text, "")


def row_record(row: str, header: list[str | None] | None, line: int | None) -> PaperRecord | None:
    """One table row as a paper; without a header the columns are guessed from their content."""
    cells = _cells(row)
    kinds = header if header is not None else _guess_columns(cells)
    record = PaperRecord(title="", line=line)
    summary = ""
    for kind, cell in zip(kinds, cells, strict=False):
        if not cell or cell.lower() == "null":
            continue
        if kind == "title" and not record.title:
            title, summary = _split_title(cell)
            record.title = _title_text(title)
            _ids(record, title)
        elif kind == "abstract":
            _apply(record, "abstract", _details_body(cell))
        elif kind in _LABELS:
            _apply(record, kind, cell)
        else:
            _ids(record, cell)
    if not record.title:
        return None
    if summary and not record.abstract:
        record.abstract = clean_paragraphs(latex_to_text(fix_mojibake(_plain(summary))))
    return record


def _guess_columns(cells: list[str]) -> list[str | None]:
    """No header: the first long bold or plain cell is the title, a date cell is the date, `et.al.` is authors."""
    kinds: list[str | None] = []
    title_seen = False
    for cell in cells:
        plain = _plain(cell).strip()
        if _ISO_DAY.fullmatch(plain):
            kinds.append("date")
        elif _ET_AL.search(plain) or re.search(r"\bet\.?\s*al\b", plain):
            kinds.append("authors")
        elif not title_seen and len(plain) > 8 and not _ID_URL.search(cell) and " " in plain:
            kinds.append("title")
            title_seen = True
        else:
            kinds.append("link")
    return kinds


def _header_kinds(cells: list[str]) -> list[str | None] | None:
    kinds = [_label(_plain(c)) for c in cells]
    if "title" not in kinds:
        return None
    return kinds


@dataclass(slots=True)
class _Found:
    papers: list[PaperRecord] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # line numbers read as part of a table


def _tables(lines: list[str]) -> _Found:
    found = _Found()
    index = 0
    section = ""
    while index < len(lines):
        line = lines[index]
        if heading := _HEADING.match(line):
            section = _plain(heading["text"]).strip()
        header = line.strip().startswith("|") and line.count("|") >= 3
        if header and index + 1 < len(lines) and _SEPARATOR.match(lines[index + 1]):
            kinds = _header_kinds(_cells(line))
            start = index
            index += 2
            while index < len(lines) and lines[index].strip().startswith("|"):
                if kinds is not None:
                    record = row_record(lines[index], kinds, index + 1)
                    if record is not None:
                        if section:
                            record.extra.setdefault("section", section)
                        found.papers.append(record)
                index += 1
            if kinds is not None:
                found.used.update(range(start, index))
            continue
        index += 1
    return found


# -- headings, items and blocks ----------------------------------------------


def names_in(text: str) -> list[str]:
    """`Ann Lee, Bo Chen and Cy Wu` as names; [] when the text is not only a list of names (prose, a title)."""
    value = text.strip().rstrip(".")
    if not value or len(value) > 300 or re.search(r"\d|https?:|[!?;:]", value):
        return []
    names = _authors(value)
    return names if names and all(_NAME.match(name) for name in names) else []


def _section_record(title_line: str, body: list[tuple[int, str]], line: int) -> PaperRecord | None:
    """A heading or item and the lines under it, as a paper when they carry an id or a paper field."""
    title_raw = title_line
    lead = ""
    if _LEADING_LINK.match(title_line):  # `* **[Title](link)** — Ann Lee et al. What it does.`
        title_raw, lead = _split_title(title_line)
    record = PaperRecord(title=_title_text(title_raw), line=line)
    _ids(record, title_raw)
    if lead := _plain(lead).strip():
        if match := _LEADING_NAMES.match(lead):
            record.authors, lead = _authors(match["names"]), match["rest"]
        elif (first := lead.split(". ", 1)) and (names := names_in(first[0])):
            record.authors, lead = names, first[1] if len(first) > 1 else ""
        body = [(line, lead), *body]
    fields = 0
    text: list[str] = []
    abstract: list[str] = []
    in_abstract = False
    for _number, raw in body:
        if heading := _HEADING.match(raw):
            kind = _label(heading["text"])
            in_abstract = kind == "abstract"
            fields += kind is not None
            continue
        if in_abstract:
            abstract.append(raw)
            continue
        if not text and not record.authors and not fields and (names := names_in(_plain(raw))):
            record.authors = names  # a block's unlabelled line of names, right under its title
            continue
        match = _LABEL_LINE.match(raw)
        kind = _label(match["label"]) if match else None
        if match and kind is not None:
            fields += 1
            if kind == "abstract" and not match["value"].strip():
                in_abstract = True
            elif kind == "title" and record.title and not _has_id(title_raw):
                _apply(record, "title", match["value"])
            else:
                _apply(record, kind, match["value"])
            continue
        text.append(raw)
    if abstract:
        record.abstract = clean_paragraphs(latex_to_text(fix_mojibake(_plain("\n".join(abstract)))))
    joined = "\n".join(text)
    _ids(record, joined)
    if not record.abstract:
        prose = [line for line in text if line.strip() and not _only_links(line)]
        record.abstract = clean_paragraphs(latex_to_text(fix_mojibake(_plain("\n".join(prose)))))
    paperish = record.arxiv_id or record.doi or fields or any("huggingface.co/papers/" in u for u in record.links)
    if not record.title or not paperish or len(record.title) > 400 or _distinct_ids(joined) > 3:
        return None  # a section listing many papers, not one paper
    if not fields and not _has_id(title_raw) and len(joined) > 4000:
        return None  # a long document section that merely mentions a paper
        return None
    return record


def _headed(lines: list[str], skip: set[int]) -> list[PaperRecord]:
    """A paper per heading: the innermost headings whose sections carry an id or paper fields."""
    heads = [
        (i, m["text"])
        for i, line in enumerate(lines)
        if i not in skip and (m := _HEADING.match(line)) and _label(m["text"]) is None
    ]
    papers: list[PaperRecord] = []
    for n, (start, text) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        body = [(i + 1, lines[i]) for i in range(start + 1, end) if i not in skip]
        record = _section_record(text, body, start + 1)
        if record is not None:
            papers.append(record)
    return papers


def _items(lines: list[str], skip: set[int]) -> list[PaperRecord]:
    """Numbered/bulleted items and blank-line blocks that carry a paper id."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if i in skip or not line.strip() or _HEADING.match(line):
            if current:
                blocks.append(current)
            current = []
            continue
        if _ITEM.match(line) and current and _has_id("\n".join(t for _, t in current)):
            blocks.append(current)  # the next item starts a new paper
            current = []
        current.append((i + 1, line))
    if current:
        blocks.append(current)
    papers = []
    for block in blocks:
        if not _has_id("\n".join(t for _, t in block)):
            continue
        first_line, first = block[0]
        label = _LABEL_LINE.match(first)
        if label and _label(label["label"]) == "title":
            first = label["value"]
        record = _section_record(first, block[1:], first_line)
        if record is not None:
            papers.append(record)
    return papers


def read_text(text: str) -> list[PaperRecord]:
    lines = text.split("\n")
    found = _tables(lines)
    papers = list(found.papers)
    headed = _headed(lines, found.used)
    used = set(found.used)
    if headed:
        papers += headed
    else:
        papers += _items(lines, used)
    papers.sort(key=lambda p: p.line or 0)
    return papers


def sniff(text: str) -> float:
    head = text[:60000]
    if head.lstrip().startswith(("<", "{", "[")) and not head.lstrip().startswith("[!"):
        return 0.0
    signals = _ID_URL.search(head) or _ARXIV_TEXT.search(head) or _SCHEMELESS_ID.search(head)
    tables = bool(re.search(r"^\|.*\|\s*$\n^\s*\|?\s*:?-{2,}", head, re.M))
    if not signals and not tables:
        return 0.0
    return 0.35 if signals or tables else 0.0


def parse(text: str, source: str) -> ParseResult:
    papers = read_text(text)
    if not papers:
        raise ParseError(source, f"no papers found: looked for {LOOKED_FOR}", 1, not_a_digest=True)
    return ParseResult(format=FORMAT.name, papers=papers)


FORMAT = DigestFormat(
    name="text-records",
    description="Markdown or plain-text digests of any layout: tables, a paper per heading, numbered items, blocks",
    example="## 1. Title / Autoren: … / [arXiv](https://arxiv.org/abs/2401.00001) / #### Abstract / …",
    sniff=sniff,
    parse=parse,
)
