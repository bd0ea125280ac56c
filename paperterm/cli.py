"""The `paperterm` command: no arguments opens the app; subcommands script the same core.

Exit codes: 0 ok, 1 bad input (a file, id or query that cannot be used), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from loaders import formats

from . import __version__
from . import cli_output as ui
from .atomic_io import LibraryFileError
from .importer import ImportSummary
from .library import Library, PaperNotFound
from .locations import ENV_VAR
from .search_query import QueryError

OK, BAD_INPUT, USAGE = 0, 1, 2


class BadInput(Exception):
    """A user error the CLI reports in one line, exiting 1."""


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-09-12") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperterm",
        description="Triage paper digests from the keyboard. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"paperterm {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", help=f"library folder (default: ${ENV_VAR}, else the user data dir)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import digest files, folders or globs (- for stdin)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--date", type=_iso_date, help="the digests' date (YYYY-MM-DD), when the files lack a year"
    )
    p.add_argument(
        "--format", dest="format_name", metavar="NAME", help="skip detection (see `paperterm formats`)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("list", help="list papers, newest digest first")
    p.add_argument("--date", help="only papers from digests of this date (YYYY-MM-DD)")
    p.add_argument("--source", help="only papers from digest files whose name contains this")
    p.add_argument("--limit", type=int, default=0, help="at most this many (default: all)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="show one paper in full")
    p.add_argument("id", help="paper id, arXiv id, or a unique prefix")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "search", help="ranked, typo-tolerant search (filters: topic: list: is: date: source:)"
    )
    p.add_argument("query", nargs="+")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("stats", help="papers, digests, dates and size of the library")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("formats", help="the digest formats paperterm reads")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    root = Path(args.data_dir).expanduser() if args.data_dir else None
    try:
        if args.command is None:
            return open_app(root)
        handler = COMMANDS[args.command]
        if args.command == "formats":
            return handler(None, args)
        library = Library.open(root)
        return handler(library, args)
    except (LibraryFileError, BadInput, PaperNotFound, QueryError) as exc:
        ui.error(str(exc))
        return BAD_INPUT
    except KeyboardInterrupt:
        ui.error("interrupted; nothing half-written was kept")
        return 130


def open_app(root: Path | None) -> int:
    """Open the TUI; with no terminal (or no TUI yet) print the library summary instead."""
    library = Library.open(root)
    if library.is_empty():
        summary = library.import_samples()
        ui.err.print(
            f"Your library was empty, so it starts with the {summary.new} papers of the two bundled "
            "Daily Papers digests. Add your own with `paperterm import PATH`."
        )
    return cmd_stats(library, argparse.Namespace(json=False))


# -- commands ------------------------------------------------------------------


def cmd_import(library: Library, args: argparse.Namespace) -> int:
    if args.format_name:
        names = {f.name for f in formats()}
        if args.format_name not in names:
            raise BadInput(f"unknown format {args.format_name!r}; known: {', '.join(sorted(names))}")
    files = [p for p in args.paths if p != "-"]
    summary = ImportSummary()
    if "-" in args.paths:
        data = sys.stdin.buffer.read()
        part = library.import_bytes(data, "<stdin>", explicit_date=args.date, format_name=args.format_name)
        _add(summary, part)
    if files:
        part = _with_progress(
            not args.json,
            lambda progress: library.import_paths(
                files, explicit_date=args.date, format_name=args.format_name, progress=progress
            ),
        )
        _add(summary, part)
    if args.json:
        ui.print_json(
            {
                "new": summary.new,
                "known": summary.known,
                "files_imported": summary.files_imported,
                "files_already_imported": summary.files_already,
                "skipped": summary.skipped,
                "warnings": [str(w) for w in summary.warnings],
            }
        )
    else:
        for line in summary.skipped:
            ui.warning(f"skipped {line}")
        for warning in summary.warnings[:20]:
            ui.warning(str(warning))
        if len(summary.warnings) > 20:
            ui.warning(f"… and {len(summary.warnings) - 20} more warnings")
        ui.out.print(ui.styled(f"Imported: {summary.line()}."))
    hard_failures = [s for s in summary.skipped if "not a digest paperterm recognises" not in s]
    return BAD_INPUT if hard_failures else OK


def _add(total: ImportSummary, part: ImportSummary) -> None:
    total.new += part.new
    total.known += part.known
    total.files_imported += part.files_imported
    total.files_already += part.files_already
    total.skipped += part.skipped
    total.warnings += part.warnings


def _with_progress(
    show: bool, run: Callable[[Callable[[int, int, str], None] | None], ImportSummary]
) -> ImportSummary:
    """A progress bar on stderr when a person is watching and there are several files."""
    if not show or not ui.err.is_terminal:
        return run(None)
    with Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}"),
        TimeRemainingColumn(),
        console=ui.err,
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=None, name="")

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total or None, name=ui.safe(name)[:40])

        return run(progress)


def cmd_list(library: Library, args: argparse.Namespace) -> int:
    papers = library.papers_sorted(date_filter=args.date, source=args.source)
    if args.limit > 0:
        papers = papers[: args.limit]
    rows = [library.describe(p) for p in papers]
    if args.json:
        ui.print_json(rows)
    elif rows:
        ui.out.print(ui.paper_table(rows))
    else:
        ui.err.print(
            "No papers match." if library.papers else "The library is empty: `paperterm import PATH`."
        )
    return OK


def cmd_show(library: Library, args: argparse.Namespace) -> int:
    paper = library.describe(library.resolve(args.id))
    if args.json:
        ui.print_json(paper)
    else:
        ui.paper_detail(paper)
    return OK


def cmd_search(library: Library, args: argparse.Namespace) -> int:
    text = " ".join(args.query)
    results = library.search(text, limit=args.limit if args.limit > 0 else None)
    rows = []
    for pid, score in zip(results.ids, results.scores, strict=True):
        row = library.describe(library.papers[pid])
        row["score"] = round(score, 3)
        row["title_spans"] = results.highlight(row["title"])
        row["abstract_spans"] = results.highlight(row["abstract"])
        rows.append(row)
    if args.json:
        ui.print_json(rows)
    elif rows:
        ui.out.print(ui.paper_table(rows, score=True))
    else:
        ui.err.print("No papers match.")
    return OK


def cmd_stats(library: Library, args: argparse.Namespace) -> int:
    stats = library.stats()
    if args.json:
        ui.print_json(stats)
        return OK
    span = f"{stats['first_date']} … {stats['last_date']}" if stats["first_date"] else "no dates"
    lines = [
        f"papers      {stats['papers']}",
        f"digests     {stats['digests']} ({stats['dates']} dates: {span})",
        f"triage      {stats['read']} read, {stats['dismissed']} dismissed",
        f"lists       {stats['lists']} ({stats['bookmarked']} papers bookmarked)",
        f"notes       {stats['notes']}",
        f"on disk     {_size(stats['cache_bytes'])} paper cache, {_size(stats['state_bytes'])} your state",
        f"data dir    {stats['data_dir']}",
    ]
    for line in lines:
        ui.out.print(ui.styled(line))
    return OK


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"


def cmd_formats(_library: Library | None, args: argparse.Namespace) -> int:
    rows = [{"name": f.name, "description": f.description, "example": f.example} for f in formats()]
    if args.json:
        ui.print_json(rows)
        return OK
    for row in rows:
        ui.out.print(ui.styled(f"{row['name']:<18} {row['description']}"))
        ui.out.print(ui.styled(f"{'':<18} e.g. {row['example']}", "dim"))
    return OK


COMMANDS: dict[str, Callable[..., int]] = {
    "import": cmd_import,
    "list": cmd_list,
    "show": cmd_show,
    "search": cmd_search,
    "stats": cmd_stats,
    "formats": cmd_formats,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
