"""`bookmarks export` for the CLI and the app's palette: the format follows the file's extension
(`.bib` BibTeX, `.md` Markdown, `.csv` CSV, anything else the JSON sync file) unless named."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import sync
from .atomic_io import write_bytes
from .errors import BadAction
from .list_export import render
from .wording import plural

if TYPE_CHECKING:
    from .library import Library

EXTENSION_FORMATS = {".bib": "bibtex", ".bibtex": "bibtex", ".md": "markdown", ".markdown": "markdown", ".csv": "csv"}


def format_for(file: str, given: str | None = None) -> str:
    return given or EXTENSION_FORMATS.get(Path(file).suffix.lower(), "json")


def list_text(library: Library, list_name: str | None, fmt: str) -> tuple[str, int, str]:
    """(the list rendered in `fmt`, how many papers, the list's name)."""
    state = library.state
    name = list_name or "to-read"
    found = state.find_list(name)
    if found is None:
        raise BadAction(f"no reading list named {name!r}")
    rows = [library.describe(p) for pid in state.list_papers(found.id) if (p := library.paper_for(pid))]
    return render(rows, fmt, found.name), len(rows), found.name


def export(library: Library, path: Path, list_name: str | None = None, fmt: str | None = None) -> str:
    """Write the sync file or one list to `path`; says what was written."""
    fmt = format_for(str(path), fmt)
    if fmt == "json":
        count = sync.export_file(library, path)
        their = "its" if count == 1 else "their"
        return f"Wrote {path} ({plural(count, 'paper')} with {their} lists, status and notes)."
    text, count, name = list_text(library, list_name, fmt)
    write_bytes(path, text.encode("utf-8"))
    return f"Wrote {plural(count, 'paper')} of {name} to {path}."
