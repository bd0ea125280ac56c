"""The `paperterm` command: no arguments opens the app; subcommands script the same core.

Exit codes: 0 ok, 1 bad input (a file, id or query that cannot be used), 2 usage.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from loaders import formats

from . import __version__, completion, sorting
from . import cli_output as ui
from .atomic_io import BackupWarning, LibraryFileError, check_stream, os_failure, read_stream_capped, stream_reader
from .errors import BadAction, PaperNotFound
from .external import EditedText, ExternalError
from .list_export import FORMATS as LIST_FORMATS
from .locations import ENV_VAR
from .note_autosave import save_error
from .search_query import QueryError
from .settings import load_settings, save_settings
from .triage import Decision, decide
from .wording import byte_size, plural

if TYPE_CHECKING:  # imported where a command runs: opening the app must not wait for the core (numpy, the store)
    from .importer import ImportSummary
    from .library import Library

OK, BAD_INPUT, USAGE = 0, 1, 2
MAX_NOTE_BYTES = 16 * 1024 * 1024  # a note is typed text; a larger stdin is a mistake (`< /dev/zero`)


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
    data_dir = parser.add_argument(
        "--data-dir", metavar="DIR", help=f"library folder (default: ${ENV_VAR}, else the user data dir)"
    )
    completion.complete_with(data_dir, "dirs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import digest files, folders or globs (- for stdin)")
    completion.complete_with(p.add_argument("paths", nargs="+", metavar="PATH"), "files")
    p.add_argument("--date", type=_iso_date, help="the digests' date (YYYY-MM-DD), when the files lack a year")
    p.add_argument("--format", dest="format_name", metavar="NAME", help="skip detection (see `paperterm formats`)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--verbose", "-v", action="store_true", help="list every record read, with its source line")

    p = sub.add_parser("list", help="list papers, newest first (a paper's own date if known, else the day seen)")
    p.add_argument(
        "--date",
        type=lambda text: _iso_date(text).isoformat(),  # `2024-13-01` is an error, not "No papers match"
        help="only papers from digests of this date (YYYY-MM-DD)",
    )
    p.add_argument("--source", help="only papers from digest files whose name contains this")
    p.add_argument("--limit", type=_count, default=0, help="at most this many (default: all)")
    _sort_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="show one paper in full")
    p.add_argument("id", help="paper id, arXiv id, DOI, PMID, or a unique prefix")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "search", help="ranked, typo-tolerant search (filters: topic: list: is: date: published: source: like:)"
    )
    p.add_argument("query", nargs="*", help="the query; words may start with - (`-survey` excludes)")
    p.add_argument("--limit", type=_count, default=20)
    _sort_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("recommend", help="For you: unread papers ranked by what you keep, with the reason")
    p.add_argument("--list", dest="list_name", metavar="NAME", help="learn from this reading list only")
    p.add_argument("--limit", type=_count, default=20, help="at most this many (default 20; 0: all)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("stats", help="papers, digests, dates and size of the library")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("index", help="fold the papers imported since the search index was built into it (or build it)")
    p.add_argument("--rebuild", action="store_true", help="build the index from every paper instead")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("inbox", help="folders imported on every launch: add or remove one, or import them now")
    completion.complete_with(p.add_argument("folder", nargs="?", help="add this folder as an inbox"), "dirs")
    completion.complete_with(p.add_argument("--remove", metavar="FOLDER", help="stop importing this folder"), "dirs")
    p.add_argument("--off", action="store_true", help="stop importing every inbox")

    p = sub.add_parser("doctor", help="check the library's files; --repair fixes what can be fixed (after a backup)")
    p.add_argument("--repair", action="store_true", help="repair what can be repaired; damaged files go to backups/")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("formats", help="the digest formats paperterm reads")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("lists", help="reading lists: show them, or create, rename, delete, move one")
    p.add_argument("--json", action="store_true")
    p.set_defaults(name=None)
    actions = _actions(p)
    a = _action(actions, "show", "the lists with counts, or one list's papers", json=True)
    completion.complete_with(a.add_argument("name", nargs="?", metavar="NAME"), "lists")
    a = _action(actions, "create", "create a reading list")
    a.add_argument("name", metavar="NAME")
    a = _action(actions, "rename", "rename a reading list")
    completion.complete_with(a.add_argument("name", metavar="OLD"), "lists")
    a.add_argument("new_name", metavar="NEW")
    a = _action(actions, "delete", "delete a reading list")
    completion.complete_with(a.add_argument("name", metavar="NAME"), "lists")
    a = _action(actions, "move", "put a list at a position among the lists")
    completion.complete_with(a.add_argument("name", metavar="NAME"), "lists")
    a.add_argument("position", type=_position, metavar="POSITION", help="1 is first")

    p = sub.add_parser("bookmark", help="put papers in a reading list (default: to-read)")
    p.add_argument("ids", nargs="+", metavar="ID")
    completion.complete_with(p.add_argument("--list", dest="list_name", metavar="NAME"), "lists")
    p.add_argument("--create", action="store_true", help="create the list if it does not exist")

    p = sub.add_parser("unbookmark", help="take papers out of a list (default: out of every list)")
    p.add_argument("ids", nargs="+", metavar="ID")
    completion.complete_with(p.add_argument("--list", dest="list_name", metavar="NAME"), "lists")

    p = sub.add_parser("mark", help="mark papers read, unread or dismissed (by id, or every match of --query)")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("status", choices=("read", "unread", "dismissed"))
    p.add_argument("--query", metavar="QUERY", help='every paper this search finds, e.g. "topic:moe date:2024-09"')

    p = sub.add_parser("triage", help="keep (bookmark + read), skip (read) or dismiss papers, as the app's triage")
    p.add_argument("decision", choices=[d.value for d in Decision])
    p.add_argument("ids", nargs="+", metavar="ID")

    p = sub.add_parser("note", help="edit a paper's Markdown note in $EDITOR (or --set / --stdin)")
    p.add_argument("id")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--set", dest="text", metavar="TEXT", help="replace the note with TEXT ('' clears it)")
    group.add_argument("--stdin", action="store_true", help="replace the note with standard input")
    group.add_argument("--print", dest="print_note", action="store_true", help="print the note")

    p = sub.add_parser("bookmarks", help="export or import reading lists, triage and notes")
    bsub = p.add_subparsers(dest="bookmarks_command", metavar="ACTION", required=True)
    e = bsub.add_parser("export", help="write the sync file (JSON), or one list as bibtex/markdown/csv")
    completion.complete_with(e.add_argument("file", help="file to write; - for standard output"), "files")
    e.add_argument(
        "--format",
        dest="export_format",
        choices=("json", *LIST_FORMATS),
        help="default: from the file's extension (.bib, .md, .csv), else json",
    )
    completion.complete_with(
        e.add_argument("--list", dest="list_name", metavar="NAME", help="the list to export (other formats)"), "lists"
    )
    i = bsub.add_parser("import", help="merge a sync file into this library")
    completion.complete_with(i.add_argument("file"), "files")

    p = sub.add_parser("topics", help="topics with counts; add, rename, hide, pin, merge or remove one")
    p.add_argument("--json", action="store_true")
    p.set_defaults(name=None)
    actions = _actions(p)
    a = _action(actions, "show", "the topics with counts, or one topic's papers", json=True)
    completion.complete_with(a.add_argument("name", nargs="?", metavar="NAME"), "topics")
    a = _action(actions, "add", "a topic of your own: papers matching RULE (the search language)")
    a.add_argument("name", metavar="NAME")
    a.add_argument("rule", metavar="RULE")
    a = _action(actions, "rename", "rename a topic")
    completion.complete_with(a.add_argument("name", metavar="NAME"), "topics")
    a.add_argument("new_name", metavar="NEW")
    for verb, what in (("hide", "hide a topic"), ("pin", "pin a topic first"), ("unpin", "unpin a topic")):
        completion.complete_with(_action(actions, verb, what).add_argument("name", metavar="NAME"), "topics")
    a = _action(actions, "remove", "delete a topic of yours, or hide an automatic one")
    completion.complete_with(a.add_argument("name", metavar="NAME"), "topics")
    _action(actions, "unhide", "show every hidden topic again")
    a = _action(actions, "merge", "fold one topic into another")
    completion.complete_with(a.add_argument("name", metavar="FROM"), "topics")
    completion.complete_with(a.add_argument("target", metavar="INTO"), "topics")

    p = sub.add_parser("sync", help="merge a sync file into the library, then write the merged state back")
    completion.complete_with(p.add_argument("file"), "files")
    p.add_argument(
        "--rejoin",
        action="store_true",
        help="after more than 90 days out of sync: merge anyway, keeping the changes made here since",
    )

    p = sub.add_parser("device", help="this machine's device name and the devices your state knows")
    p.add_argument("--name", metavar="NAME", help="name this machine (default: its hostname); shown to the others")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("completion", help="shell completion for bash, zsh or fish: print it, or --install it")
    p.add_argument("shell", choices=completion.SHELLS)
    p.add_argument("--install", action="store_true", help="write it where the shell looks (see the README)")
    return parser


def _sort_option(parser: argparse.ArgumentParser) -> None:
    names = [name.replace(" ", "-") for name in sorting.ORDERS]
    parser.add_argument("--sort", choices=names, help="order (default: relevance when searching, else newest-seen)")


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line; a search query may hold words that start with `-` (`search -survey`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "command", None) == "search":
        words = [*args.query, *extra]
        if any(w.startswith("--") for w in extra):
            parser.parse_args(argv)  # an unknown --option: argparse's usage error
        if not words:
            parser.error("search needs a query, e.g. `paperterm search distillation -survey`")
        args.query = _in_order(argv[argv.index("search") + 1 :], words)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _in_order(tokens: list[str], words: list[str]) -> list[str]:
    """`words` in the order the user typed them (argparse puts the ones it did not know last)."""
    remaining = list(words)
    ordered = []
    for token in tokens:
        if token in remaining:
            remaining.remove(token)
            ordered.append(token)
    return ordered + remaining


def _actions(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    """A command's actions (`paperterm lists create NAME`); without one, the command shows."""
    return parser.add_subparsers(dest="action", metavar="ACTION")


def _action(
    actions: argparse._SubParsersAction, name: str, help_text: str, *, json: bool = False
) -> argparse.ArgumentParser:
    action = actions.add_parser(name, help=help_text, description=help_text)
    if json:  # SUPPRESS: `lists --json show` keeps the --json given before the action
        action.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    return action


def _count(text: str) -> int:
    """A --limit: 0 or more (a negative one cut papers off the end of the list instead)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a count: a whole number, 0 or more")
    return int(text)


def _position(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("the position is a number from 1 (first)")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every failure the user can act on ends here as one line and exit 1."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["__complete"]:
        return complete(argv[1:])
    parser = build_parser()
    args = parse_args(parser, argv)
    root = Path(args.data_dir).expanduser() if args.data_dir else None
    with warnings.catch_warnings():
        # A spare copy for backups/ that could not be written: the change itself was saved.
        warnings.simplefilter("always", BackupWarning)
        warnings.showwarning = _show_backup_warning
        try:
            if args.command is None:
                return open_app(root)
            handler = COMMANDS[args.command]
            # These run without opening the library (doctor must run where opening it fails).
            if args.command in ("formats", "doctor", "completion"):
                return handler(root, args)
            from .library import Library

            library = Library.open(root)
            return handler(library, args)
        except (LibraryFileError, BadInput, BadAction, PaperNotFound, QueryError) as exc:
            ui.error(str(exc))
            return BAD_INPUT
        except OSError as exc:  # one a core module did not turn into a LibraryFileError itself
            ui.error(str(os_failure(exc, None, "failed")))
            return BAD_INPUT
        except KeyboardInterrupt:
            ui.error("interrupted; nothing half-written was kept")
            return 130


def _show_backup_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    ui.warning(str(message))


def open_app(root: Path | None) -> int:
    """Open the TUI; without a terminal, print the library summary instead."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        from tui.app import run

        return run(root)
    from .library import Library

    library = Library.open(root)
    if library.is_empty():
        summary = library.import_samples()
        ui.err.print(
            f"Your library was empty, so it starts with the {summary.new} papers of the two bundled "
            "Daily Papers digests. Add your own with `paperterm import PATH`."
        )
    ui.err.print("paperterm needs a terminal for the app; here is the library instead.")
    return cmd_stats(library, argparse.Namespace(json=False))


# -- commands ------------------------------------------------------------------


def cmd_import(library: Library, args: argparse.Namespace) -> int:
    if args.format_name:
        names = {f.name for f in formats()}
        if args.format_name not in names:
            raise BadInput(f"unknown format {args.format_name!r}; known: {', '.join(sorted(names))}")
    from .importer import ImportSummary

    files = [p for p in args.paths if p != "-"]
    summary = ImportSummary()
    if "-" in args.paths:
        read = _stdin_reader()
        part = _with_progress(
            not args.json,
            lambda progress: library.import_stdin(
                read, explicit_date=args.date, format_name=args.format_name, progress=progress, verbose=args.verbose
            ),
        )
        summary.absorb(part)
    if files:
        part = _with_progress(
            not args.json,
            lambda progress: library.import_paths(
                files, explicit_date=args.date, format_name=args.format_name, progress=progress, verbose=args.verbose
            ),
        )
        summary.absorb(part)
    if args.json:
        ui.print_json(
            {
                "new": summary.new,
                "known": summary.known,
                "files_imported": summary.files_imported,
                "files_already_imported": summary.files_already,
                "title_merged": summary.title_merged,
                "kept_apart": summary.kept_apart,
                "kept_apart_records": [
                    {"source": k.source, "line": k.line, "title": k.title, "papers_matched": k.matches}
                    for k in summary.kept_apart_listed
                ],
                "skipped": summary.skipped,
                "warnings": [str(w) for w in summary.warnings],
                "files": [
                    {"path": f.path, "format": f.format, "papers": f.papers, "fields": f.fields} for f in summary.files
                ],
            }
        )
    else:
        for report in summary.files:
            ui.out.print(ui.styled(f"Read {report.line()}"))
            if getattr(args, "verbose", False):
                for line, pid, title in report.records:
                    ui.out.print(ui.styled(f"  {report.path}:{line or '?'}  {pid}  {title}"))
        for line in summary.kept_apart_lines(None if args.verbose else 5):
            ui.out.print(ui.styled(line))
        for line in summary.skipped:
            ui.warning(f"skipped {line}")
        for warning in summary.warnings[:20]:
            ui.warning(str(warning))
        if len(summary.warnings) > 20:
            ui.warning(f"… and {len(summary.warnings) - 20} more warnings")
        ui.out.print(ui.styled(f"Imported: {summary.line()}."))
    hard_failures = [s for s in summary.skipped if "not a digest paperterm recognises" not in s]
    return BAD_INPUT if hard_failures else OK


def _stdin_reader() -> Callable[[int], bytes]:
    """Standard input read a chunk at a time (a device such as `/dev/zero` is refused at once)."""
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by a test or an embedding program
        return sys.stdin.buffer.read
    check_stream(fd, "<stdin>", "digest")
    return stream_reader(fd, "<stdin>")


def _read_stdin(limit: int, what: str) -> bytes:
    """Standard input with a cap: `< /dev/zero` is refused at once, an endless pipe at the cap."""
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by a test or an embedding program
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise BadInput(f"<stdin>: larger than {limit // 2**20} MiB, more than a {what} can be") from None
        return data
    return read_stream_capped(fd, limit, "<stdin>", what)


def _with_progress(show: bool, run: Callable[[Callable[[int, int, str], None] | None], ImportSummary]) -> ImportSummary:
    """A progress bar on stderr when a person is watching and there are several files."""
    if not show or not ui.err.is_terminal:
        return run(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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
    if args.sort:
        ids = sorting.sort_ids(library, [p.id for p in papers], args.sort.replace("-", " "), searching=False)
        papers = [library.papers[pid] for pid in ids]
    if args.limit > 0:
        papers = papers[: args.limit]
    rows = [library.describe(p) for p in papers]
    if args.json:
        ui.print_json(rows)
    elif rows:
        ui.out.print(ui.paper_table(rows))
    else:
        ui.err.print("No papers match." if library.papers else "The library is empty: `paperterm import PATH`.")
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
    limit = args.limit if args.limit > 0 else None
    results = library.search(text, limit=None if args.sort else limit)
    pairs = list(zip(results.ids, results.scores, strict=True))
    if args.sort:
        score_of = dict(pairs)
        ordered = sorting.sort_ids(
            library, results.ids, args.sort.replace("-", " "), searching=True, leading=results.full_matches
        )
        pairs = [(pid, score_of[pid]) for pid in ordered][:limit]
    if "topic:" in text:
        for problem in library.topics.problems():
            ui.warning(problem)
    rows = []
    for pid, score in pairs:
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


def cmd_recommend(library: Library, args: argparse.Namespace) -> int:
    recommender = library.recommender
    try:
        found = recommender.for_you(args.list_name, limit=args.limit if args.limit > 0 else None)
    except LookupError as exc:
        raise BadInput(str(exc.args[0])) from None
    rows = []
    for item in found.items:
        row = library.describe(library.papers[item.paper_id])
        row["score"] = round(item.score, 4)
        row["why"] = recommender.reason(item, width=max(40, ui.out.width - 56))
        row["like"] = item.like
        row["terms"] = list(item.terms)
        row["topic"] = item.topic
        rows.append(row)
    if args.json:
        ui.print_json({"kept": found.kept, "dismissed": found.dismissed, "notice": found.notice, "papers": rows})
        return OK
    if found.notice:
        ui.err.print(ui.styled(found.notice, "yellow"))
    if rows:
        ui.out.print(ui.paper_table(rows, why=True))
    elif not found.notice:
        ui.err.print("No unread papers left to recommend.")
    else:
        ui.err.print("No unread papers to show.")
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
        f"lists       {stats['lists']} ({plural(stats['bookmarked'], 'paper')} bookmarked)",
        f"notes       {stats['notes']}",
        f"on disk     {byte_size(stats['cache_bytes'])} paper cache, {byte_size(stats['state_bytes'])} your state",
        f"data dir    {stats['data_dir']}",
    ]
    for line in lines:
        ui.out.print(ui.styled(line))
    return OK


def cmd_index(library: Library, args: argparse.Namespace) -> int:
    """Imports fold the index's delta on their own once it is large (`index_fold.due`); this does
    it now, e.g. before timing search, or builds the index where there is none."""
    started = time.perf_counter()
    folded = None if args.rebuild else library.fold_index(force=True)
    if folded is None:
        built = len(library.rebuild_index().doc_ids)
        result = {"built": built, "folded": 0}
        line = f"Search index built over {plural(built, 'paper')}"
    else:
        result = {"built": 0, "folded": folded}
        line = (
            f"Folded {plural(folded, 'paper')} imported since the last build into the search index"
            if folded
            else "The search index is up to date: nothing to fold"
        )
    seconds = time.perf_counter() - started
    if args.json:
        ui.print_json({**result, "seconds": round(seconds, 2)})
    else:
        ui.out.print(ui.styled(f"{line} ({seconds:.1f} s)."))
    return OK


def cmd_doctor(root: Path | None, args: argparse.Namespace) -> int:
    from .doctor import check
    from .locations import check_data_dir, data_dir

    root = root or data_dir()
    check_data_dir(root)
    if not root.exists():  # every check would say "ok" of files that are not there
        if args.json:
            ui.print_json([])
            return OK
        ui.out.print(ui.styled(f"No library at {root} yet: nothing to check (the first launch or import makes it)."))
        return OK
    findings = check(root, repair=args.repair)
    if args.json:
        ui.print_json([f.to_json() for f in findings])
    else:
        marks = {"ok": ("ok", "green"), "problem": ("PROBLEM", "bold red"), "repaired": ("repaired", "yellow")}
        for finding in findings:
            label, style = marks[finding.status]
            ui.out.print(ui.styled(f"{label:<9}", style) + ui.styled(f"{finding.what:<22} {finding.message}"))
    return BAD_INPUT if any(f.status == "problem" for f in findings) else OK


def cmd_formats(_root: Path | None, args: argparse.Namespace) -> int:
    rows = [{"name": f.name, "description": f.description, "example": f.example} for f in formats()]
    if args.json:
        ui.print_json(rows)
        return OK
    for row in rows:
        ui.out.print(ui.styled(f"{row['name']:<18} {row['description']}"))
        ui.out.print(ui.styled(f"{'':<18} e.g. {row['example']}", "dim"))
    return OK


def cmd_inbox(library: Library, args: argparse.Namespace) -> int:
    settings = load_settings(library.root)
    if args.off:
        settings.inboxes = []
    elif args.remove:
        gone = str(Path(args.remove).expanduser().resolve())
        if gone not in settings.inboxes:
            raise BadInput(f"{args.remove}: not an inbox (inboxes: {', '.join(settings.inboxes) or 'none'})")
        settings.inboxes.remove(gone)
    elif args.folder:
        folder = Path(args.folder).expanduser()
        if not folder.is_dir():
            raise BadInput(f"{args.folder}: not a folder")
        if str(folder.resolve()) not in settings.inboxes:
            settings.inboxes.append(str(folder.resolve()))
    if args.off or args.remove or args.folder:
        save_settings(library.root, settings)
        ui.out.print(ui.styled(f"Inboxes: {', '.join(settings.inboxes) or 'off'}."))
        if not args.folder:
            return OK
    if not settings.inboxes:
        ui.out.print(ui.styled("No inbox is set. `paperterm inbox FOLDER` adds one; the app imports it on launch."))
        return OK
    summary = library.import_inbox(settings.inboxes)
    assert summary is not None
    for line in summary.skipped:
        ui.warning(f"skipped {line}")
    ui.out.print(ui.styled(f"Inbox {', '.join(settings.inboxes)}: {summary.line()}."))
    return OK


def cmd_lists(library: Library, args: argparse.Namespace) -> int:
    action = args.action or "show"
    try:
        if action == "create":
            library.create_list(args.name)
        elif action == "rename":
            library.rename_list(args.name, args.new_name)
        elif action == "delete":
            held = library.delete_list(args.name)
            ui.out.print(ui.styled(f"Deleted list {args.name!r} and its {plural(len(held), 'paper')}."))
        elif action == "move":
            library.move_list(args.name, args.position - 1)
    except BadAction as exc:
        raise BadInput(str(exc)) from None
    state = library.state
    if action == "show" and args.name:
        found = state.find_list(args.name)
        if found is None:
            raise BadInput(f"no reading list named {args.name!r}")
        rows = [library.describe(p) for pid in state.list_papers(found.id) if (p := library.paper_for(pid))]
        if args.json:
            ui.print_json(rows)
        else:
            ui.out.print(ui.paper_table(rows)) if rows else ui.err.print("The list is empty.")
        return OK
    lists = [{"id": rl.id, "name": rl.name, "papers": len(state.list_papers(rl.id))} for rl in state.live_lists()]
    if args.json:
        ui.print_json(lists)
    else:
        for item in lists:
            ui.out.print(ui.styled(f"{item['papers']:>5}  {item['name']}"))
    return OK


def _papers(library: Library, refs: list[str]) -> list[str]:
    return [library.resolve(ref).id for ref in refs]


def cmd_bookmark(library: Library, args: argparse.Namespace) -> int:
    ids = _papers(library, args.ids)
    if args.create and args.list_name and library.state.find_list(args.list_name) is None:
        library.create_list(args.list_name)
    try:
        changed = sum(library.bookmark(pid, args.list_name) for pid in ids)
    except BadAction as exc:
        missing = args.list_name and library.state.find_list(args.list_name) is None
        raise BadInput(f"{exc}; add --create to make it" if missing else str(exc)) from None
    target = args.list_name or "to-read"
    already = len(ids) - changed  # said only when some were: "(0 were there)" read as a count of nothing
    said = f"Bookmarked {plural(changed, 'paper')} in {target}"
    if already:
        said += f" ({plural(already, 'paper was', 'papers were')} there already)"
    ui.out.print(ui.styled(f"{said}."))
    return OK


def cmd_unbookmark(library: Library, args: argparse.Namespace) -> int:
    ids = _papers(library, args.ids)
    try:
        changed = sum(library.unbookmark(pid, args.list_name) for pid in ids)
    except BadAction as exc:
        raise BadInput(str(exc)) from None
    ui.out.print(ui.styled(f"Removed {plural(changed, 'bookmark')}."))
    return OK


def cmd_triage(library: Library, args: argparse.Namespace) -> int:
    decision = Decision(args.decision)
    ids = _papers(library, args.ids)
    for pid in ids:
        decide(library, pid, decision)
    ui.out.print(ui.styled(f"{decision.value.capitalize()}: {plural(len(ids), 'paper')}."))
    return OK


def cmd_mark(library: Library, args: argparse.Namespace) -> int:
    if not args.ids and args.query is None:
        raise BadInput("name the papers: IDs, or --query QUERY for every paper a search finds")
    value = "new" if args.status == "unread" else args.status
    ids = _papers(library, args.ids)
    if args.query is not None:
        ids += library.search(args.query).ids
    changed = sum(library.set_status(pid, value) for pid in dict.fromkeys(ids))
    ui.out.print(ui.styled(f"Marked {plural(changed, 'paper')} {args.status}."))
    return OK


def cmd_note(library: Library, args: argparse.Namespace) -> int:
    paper = library.resolve(args.id)
    if args.print_note:  # as stored, never wrapped: `--print` then `--set` keeps the note
        note = ui.safe(library.state.note_of(paper.id))
        sys.stdout.write(note if not note or note.endswith("\n") else note + "\n")
        return OK
    edit: EditedText | None = None
    if args.text is not None:
        text = args.text
    elif args.stdin:
        text = _read_stdin(MAX_NOTE_BYTES, "note").decode("utf-8", errors="replace")
    else:
        edit = EditedText(library.state.note_of(paper.id))
        try:
            edited = edit.run()
        except ExternalError as exc:
            raise BadInput(str(exc)) from None
        if edited is None:
            ui.err.print("Note unchanged.")
            return OK
        text = edited
    try:
        library.set_note(paper.id, text)
    except (OSError, LibraryFileError) as exc:
        if edit is None:
            raise
        # What was typed in the editor is not thrown away with the temp folder.
        raise BadInput(f"{save_error(exc)}; the note is unchanged, and what you wrote is kept in {edit.path}") from None
    if edit is not None:
        edit.saved()
    ui.out.print(ui.styled("Note saved." if text.strip() else "Note cleared."))
    return OK


def cmd_bookmarks(library: Library, args: argparse.Namespace) -> int:
    from . import bookmark_export, sync

    if args.bookmarks_command == "import":
        report = sync.import_file(library, Path(args.file).expanduser())
        ui.out.print(ui.styled(f"Imported {args.file}: {report.line()}."))
        return OK
    try:
        if args.file != "-":
            message = bookmark_export.export(library, Path(args.file).expanduser(), args.list_name, args.export_format)
            ui.out.print(ui.styled(message))
        elif bookmark_export.format_for(args.file, args.export_format) == "json":
            ui.print_json(sync.export_payload(library))
        else:
            sys.stdout.write(bookmark_export.list_text(library, args.list_name, args.export_format)[0])
    except BadAction as exc:
        raise BadInput(str(exc)) from None
    return OK


def cmd_topics(library: Library, args: argparse.Namespace) -> int:
    action = args.action or "show"
    try:
        if action == "add":
            topic = library.topics.add(args.name, args.rule)
            ui.out.print(
                ui.styled(f"Added topic {topic.name!r}: {plural(len(topic.members), 'paper')} match {args.rule!r}.")
            )
        elif action == "rename":
            library.topics.rename(args.name, args.new_name)
        elif action in ("hide", "pin", "unpin"):
            flag = "hidden" if action == "hide" else "pinned"
            library.topics.set_flag(args.name, flag, action != "unpin")
        elif action == "unhide":
            ui.out.print(ui.styled(f"{plural(library.topics.unhide_all(), 'topic')} shown again."))
        elif action == "merge":
            library.topics.merge(args.name, args.target)
        elif action == "remove":
            library.topics.remove(args.name)
    except BadAction as exc:
        raise BadInput(str(exc)) from None
    if action == "show" and args.name:
        topic = library.topics.find(args.name)
        rows = [library.describe(library.papers[pid]) for pid in sorted(topic.members) if pid in library.papers]
        rows.sort(key=lambda r: (r["date"] or "", r["id"]), reverse=True)
        if args.json:
            ui.print_json(rows)
        else:
            ui.out.print(ui.paper_table(rows))
        return OK
    if action != "show" and not args.json:
        return OK
    state = library.state
    rows = []
    for topic in library.topics.all():
        unread = sum(1 for pid in topic.members if state.status_of(pid) == "new")
        rows.append(
            {
                "name": topic.name,
                "key": topic.key,
                "kind": "broad" if topic.broad else topic.kind,
                "papers": len(topic.members),
                "unread": unread,
                "pinned": topic.pinned,
                "rule": topic.rule,
                "trend": list(topic.trend),
            }
        )
    if args.json:
        ui.print_json(rows)
        return OK
    covered = len(set().union(*(t.members for t in library.topics.all()))) if rows else 0
    for row in rows:
        mark = "📌 " if row["pinned"] else ("✱ " if row["kind"] == "user" else "  ")
        ui.out.print(ui.styled(f"{row['papers']:>5} {row['unread']:>5}  {mark}{row['name']}"))
    ui.err.print(f"{len(rows)} topics; {covered} of {len(library.papers)} papers have one. Columns: papers, unread.")
    for problem in library.topics.problems():
        ui.warning(problem)
    return OK


def cmd_sync(library: Library, args: argparse.Namespace) -> int:
    from . import sync

    path = Path(args.file).expanduser()
    report = sync.sync(library, path, rejoin=args.rejoin)
    state = library.state
    ui.out.print(ui.styled(f"Synced with {path} as {state.device_name(state.device)}: {report.line()}."))
    return OK


def cmd_device(library: Library, args: argparse.Namespace) -> int:
    if args.name is not None:
        try:
            library.edit_state(lambda state: state.name_device(args.name))
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    state = library.state
    rows = [
        {"id": d, "name": state.device_name(d), "this": d == state.device, "last_change": state.seen.get(d)}
        for d in sorted(state.devices, key=lambda d: (d != state.device, state.device_name(d)))
    ]
    if args.json:
        ui.print_json(rows)
        return OK
    for row in rows:
        mark = "this machine" if row["this"] else f"last change {(row['last_change'] or 'none')[:16].replace('T', ' ')}"
        ui.out.print(ui.styled(f"{row['name']}  ({row['id']}, {mark})"))
    return OK


def cmd_completion(_root: Path | None, args: argparse.Namespace) -> int:
    if not args.install:
        sys.stdout.write(completion.SCRIPTS[args.shell])
        return OK
    try:
        done = completion.install(args.shell, Path.home())
    except OSError as exc:
        raise BadInput(f"cannot install the {args.shell} completion: {exc}") from None
    for line in done:
        ui.out.print(line, markup=False, highlight=False)
    return OK


def complete(argv: Sequence[str]) -> int:
    """`paperterm __complete SHELL -- WORD…`, the completion scripts' callback (kept out of argparse,
    which would read the user's half-typed options as its own): one candidate a line out."""
    shell, words = (argv[0] if argv else ""), list(argv[1:])
    if words[:1] == ["--"]:
        words = words[1:]
    if shell not in completion.SHELLS:
        return USAGE
    data_dir = None
    for flag, value in itertools.pairwise(words):  # `paperterm --data-dir D …` completes D's names
        if flag == "--data-dir":
            data_dir = Path(value).expanduser()
    from .locations import data_dir as default_data_dir

    names = completion.library_names(default_data_dir(data_dir))
    sys.stdout.write(completion.answer(shell, completion.candidates(build_parser(), words, names)))
    return OK


COMMANDS: dict[str, Callable[..., int]] = {
    "import": cmd_import,
    "list": cmd_list,
    "show": cmd_show,
    "search": cmd_search,
    "recommend": cmd_recommend,
    "stats": cmd_stats,
    "index": cmd_index,
    "formats": cmd_formats,
    "inbox": cmd_inbox,
    "doctor": cmd_doctor,
    "lists": cmd_lists,
    "bookmark": cmd_bookmark,
    "unbookmark": cmd_unbookmark,
    "mark": cmd_mark,
    "triage": cmd_triage,
    "note": cmd_note,
    "bookmarks": cmd_bookmarks,
    "sync": cmd_sync,
    "device": cmd_device,
    "topics": cmd_topics,
    "completion": cmd_completion,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
