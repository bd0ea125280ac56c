"""How the CLI prints: Rich tables for people, orjson for `--json`; digest text never as markup.

Every string that came from a digest or a sync file goes into a `rich.text.Text`
(which never interprets `[bold]`-style markup) after its control characters are
removed, so a hostile title can neither style the terminal nor send it escapes.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from loaders.text_cleanup import strip_controls

PIPE_WIDTH = 100_000  # no terminal to fit: a line as long as its text, as `ls` or `git log` into a pipe


def _console(stderr: bool = False) -> Console:
    """A console the width of the terminal, or, into a pipe or a file with no `COLUMNS` set, one that
    cuts nothing: titles and reasons whole, for grep and for a file read later."""
    console = Console(stderr=stderr, highlight=False, markup=False, emoji=False, soft_wrap=True)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPE_WIDTH
    return console


out = _console()
err = _console(stderr=True)


def safe(text: str | None) -> str:
    return strip_controls(text or "")


def styled(text: str | None, style: str = "") -> Text:
    return Text(safe(text), style=style)


def print_json(payload: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
    sys.stdout.flush()


def error(message: str) -> None:
    err.print(Text("error: ", style="bold red") + Text(safe(message)))


def warning(message: str) -> None:
    err.print(Text("warning: ", style="yellow") + Text(safe(message)))


def paper_table(rows: list[dict[str, Any]], *, score: bool = False, why: bool = False) -> Table:
    """Papers one a row; with `why`, each title is followed by the reason it is recommended (dim)."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    id_width = max((len(r["id"]) for r in rows), default=2)
    table.add_column("id", style="cyan", no_wrap=True, min_width=id_width)
    table.add_column("published", style="dim", no_wrap=True, min_width=9)
    table.add_column("seen", style="dim", no_wrap=True, min_width=10)
    table.add_column("", no_wrap=True, min_width=3)
    if score:
        table.add_column("score", justify="right", style="dim", no_wrap=True, min_width=5)
    # Rich shrinks every no-wrap column when a row overflows; cap the title so only it gives way.
    fixed = id_width + 9 + 10 + 3 + (5 if score else 0) + 2 * (5 if score else 4)
    table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=max(20, out.width - fixed - 1))
    for row in rows:
        marks = (
            ("•" if row["status"] == "new" else " ") + ("★" if row["lists"] else " ") + ("✎" if row["note"] else " ")
        )
        style = "dim" if row["status"] == "dismissed" else ("bold" if row["status"] == "new" else "")
        cells: list[Text | str] = [
            styled(row["id"]),
            row.get("published") or "",
            row["date"] or "",
            marks,
            styled(row["title"], style) + (styled(f"\n  {row['why']}", "dim") if why and row.get("why") else ""),
        ]
        if score:
            cells.insert(4, f"{row['score']:.1f}")
        table.add_row(*cells)
    return table


def paper_detail(paper: dict[str, Any]) -> None:
    out.print(styled(paper["title"], "bold"))
    if paper["authors"]:
        out.print(styled(", ".join(paper["authors"]), "italic"))
    meta = Text()
    meta.append(f"{paper['id']}", style="cyan")
    if paper.get("published"):
        meta.append(f"  published {paper['published']}")
    meta.append(f"  seen {paper['date'] or 'on no date'}  {paper['status']}")
    if paper["lists"]:
        meta.append("  ★ " + ", ".join(safe(n) for n in paper["lists"]))
    out.print(meta)
    out.print(styled(paper["url"], "blue"))
    out.print()
    out.print(styled(paper["abstract"] or "(no abstract)"), soft_wrap=False)
    out.print()
    for source in paper["sources"]:
        where = safe(source["file"]) if source.get("synced") else f"{safe(source['file'])}:{source['line']}"
        how = "carried by sync" if source.get("synced") else f"date from {source['date_source']}"
        out.print(Text(f"seen in {where} ({source['date']}, {how})", style="dim"))
    if paper["note"]:
        out.print()
        out.print(Text("Note", style="bold"))
        out.print(styled(paper["note"]), soft_wrap=False)
