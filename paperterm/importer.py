"""Turning paths the user names into digests in the library: expand, read, hash, parse, date, commit."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from loaders import DigestDate, PaperRecord, ParseError, ParseResult, ParseWarning, parse_bytes
from loaders.json_records import FORMAT as JSON_RECORDS
from loaders.json_records import looks_like_jsonl, stream_records

from .atomic_io import LibraryFileError, file_sha256, fsync_dir, os_failure, read_capped
from .heap import collect_young, collector_paused
from .paper_store import KeptApart, MergeReport, PaperStore, ParsedDigest
from .wording import plural

MAX_DIGEST_BYTES = 512 * 1024 * 1024
_ISO_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_GLOB_CHARS = re.compile(r"[*?\[]")
VERBOSE_LIMIT = 100_000  # records of a streamed file listed by `import --verbose`
STREAM_BATCH = 50_000  # records merged and written per segment when a JSON Lines file is streamed
_HEAD_BYTES = 256 * 1024

Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class DigestInput:
    """Bytes to import and what is known about where they came from."""

    name: str
    path: str
    data: bytes
    mtime: float | None


_FIELDS = ("abstract", "authors", "arXiv id", "DOI", "PMID", "own date")


@dataclass(slots=True)
class FileReport:
    """What was understood in one imported file: its format, how many papers, which fields they had."""

    path: str
    format: str
    papers: int
    fields: dict[str, int]
    records: list[tuple[int | None, str, str]]  # (source line, paper id, title), for `import --verbose`

    @classmethod
    def of(cls, path: str, result: ParseResult, *, keep_records: bool = True) -> FileReport:
        report = cls(path, result.format, 0, dict.fromkeys(_FIELDS, 0), [])
        for paper in result.papers:
            report.count(paper, keep_record=keep_records)
        return report

    def count(self, paper: PaperRecord, keep_record: bool = True) -> None:
        self.papers += 1
        for name, present in zip(
            _FIELDS,
            (paper.abstract, paper.authors, paper.arxiv_id, paper.doi, paper.pmid, paper.published),
            strict=True,
        ):
            self.fields[name] += bool(present)
        if keep_record:
            self.records.append((paper.line, paper.paper_id, paper.title))

    def line(self) -> str:
        """`x.ris: ris, 100 papers (98 with abstract, 100 authors, 100 DOI, 100 own date)`."""
        known = ", ".join(f"{n} {name}" for name, n in self.fields.items() if n)
        noun = "paper" if self.papers == 1 else "papers"
        return f"{self.path}: {self.format}, {self.papers} {noun}" + (f" ({known})" if known else "")


@dataclass(slots=True)
class ImportSummary:
    """What an import did, for the CLI's summary line and the TUI's notification."""

    new: int = 0
    known: int = 0
    merged: int = 0  # of the known: papers this import added metadata to (an arXiv id, authors, a longer abstract)
    title_merged: int = 0  # papers matched by title alone (no shared arXiv id, DOI or PMID)
    kept_apart: int = 0  # title-only records whose title named several papers: each made a paper of its own
    kept_apart_listed: list[KeptApart] = field(default_factory=list)  # (not all of them past KEPT_APART_LISTED)
    files_imported: int = 0
    files_already: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: reason", one per file not imported
    warnings: list[ParseWarning] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)  # known papers seen again (new provenance)
    files: list[FileReport] = field(default_factory=list)  # what was understood in each file read

    def absorb(self, other: ImportSummary) -> None:
        """Add another import's counts to this one (several imports reported as one)."""
        self.new += other.new
        self.known += other.known
        self.merged += other.merged
        self.title_merged += other.title_merged
        self.kept_apart += other.kept_apart
        self.kept_apart_listed += other.kept_apart_listed
        self.files += other.files
        self.files_imported += other.files_imported
        self.files_already += other.files_already
        self.skipped += other.skipped
        self.warnings += other.warnings
        self.new_ids += other.new_ids
        self.changed_ids += other.changed_ids

    @property
    def ok(self) -> bool:
        return not self.skipped

    def kept_apart_lines(self, limit: int | None = 5) -> list[str]:
        """`1 title matched 2 papers: kept apart: Title (x.jsonl line 3)`, then one line per record
        (up to `limit`; None: every one listed)."""
        if not self.kept_apart:
            return []
        listed = self.kept_apart_listed
        most = max((k.matches for k in listed), default=2)
        named = "2 papers" if most == 2 else "2 or more papers"
        if self.kept_apart == 1 and listed:
            return [f"1 title matched {listed[0].matches} papers: kept apart: {_where(listed[0])}"]
        lines = [f"{self.kept_apart:,} titles matched {named} each: kept apart (a paper of their own):"]
        shown = listed if limit is None else listed[:limit]
        lines += [f"  {_where(k)}: {k.matches} papers" for k in shown]
        if self.kept_apart > len(shown):
            more = "" if limit is None else " (--verbose lists them)"
            lines.append(f"  … and {self.kept_apart - len(shown):,} more{more}")
        return lines

    def line(self) -> str:
        parts = [f"{self.new:,} new", f"{self.known:,} already known"]
        if self.merged:
            parts.append(f"{self.merged:,} of them merged with new details")
        if self.title_merged:
            parts.append(f"{self.title_merged:,} matched by title alone")
        if self.kept_apart:
            parts.append(f"{plural(self.kept_apart, 'title')} matching several papers kept apart")
        if self.files_already:
            parts.append(f"{plural(self.files_already, 'file')} imported before")
        parts.append(plural(len(self.warnings), "warning"))
        if self.skipped:
            parts.append(f"{plural(len(self.skipped), 'file')} skipped")
        return ", ".join(parts)


def _where(kept: KeptApart) -> str:
    line = f" line {kept.line}" if kept.line else ""
    return f"{kept.title} ({kept.source}{line})"


def expand_paths(args: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Files named directly, found in folders (recursively), or matched by a glob; and what was not found."""
    found: list[Path] = []
    problems: list[str] = []
    for arg in args:
        path = Path(arg).expanduser()
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        elif _GLOB_CHARS.search(arg):
            matches = sorted(Path(m) for m in glob.glob(os.path.expanduser(arg), recursive=True))
            files = [m for m in matches if m.is_file()]
            if files:
                found.extend(files)
            else:
                problems.append(f"{arg}: no file matches")
        elif path.exists():  # a FIFO, a device, a socket: read_input says which, and what to do
            found.append(path)
        else:
            problems.append(f"{arg}: no such file or folder")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique, problems


def read_input(path: Path) -> DigestInput:
    """A digest file's bytes, read with a cap whatever the file is (a FIFO or a device is refused)."""
    data = read_capped(path, MAX_DIGEST_BYTES, "digest")
    return DigestInput(name=path.name, path=str(path), data=data, mtime=path.stat().st_mtime)


def resolve_date(stated: DigestDate | None, explicit: date | None, name: str, mtime: float | None) -> tuple[str, str]:
    """The digest's date and where it came from (recorded with the digest, shown to the user).

    `--date` wins; then a full date in the digest; then the digest's month and day with the year
    from an ISO date in the file name or else the file's modification time; then the file name's
    date; then the modification time; then today (stdin).
    """
    if explicit is not None:
        return explicit.isoformat(), "option"
    in_name = _name_date(name)
    if stated is not None:
        if stated.year is not None:
            return _safe_iso(stated.year, stated.month, stated.day, "digest")
        if in_name is not None and (in_name.month, in_name.day) == (stated.month, stated.day):
            return in_name.isoformat(), "digest+filename"
        reference = _mtime_date(mtime) or datetime.now(UTC).date()
        year = reference.year
        if (stated.month, stated.day) > (reference.month, reference.day):
            year -= 1  # a digest cannot be newer than its file: `Dec 30` saved on Jan 2 is last year's
        return _safe_iso(year, stated.month, stated.day, "digest+mtime")
    if in_name is not None:
        return in_name.isoformat(), "filename"
    modified = _mtime_date(mtime)
    if modified is not None:
        return modified.isoformat(), "mtime"
    return datetime.now(UTC).date().isoformat(), "import-time"


def _safe_iso(year: int, month: int, day: int, source: str) -> tuple[str, str]:
    try:
        return date(year, month, day).isoformat(), source
    except ValueError:  # `Feb 29` in a non-leap year
        return date(year, month, 28).isoformat(), source


def _name_date(name: str) -> date | None:
    match = _ISO_IN_NAME.search(name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _mtime_date(mtime: float | None) -> date | None:
    return datetime.fromtimestamp(mtime).date() if mtime is not None else None


COMMIT_EVERY = 50_000  # papers parsed before they are written as one segment


def import_inputs(
    store: PaperStore,
    inputs: Iterable[DigestInput | str],
    *,
    explicit_date: date | None = None,
    explicit_source: str = "option",
    format_name: str | None = None,
    total: int = 0,
    progress: Progress | None = None,
    skip_unrecognised: bool = False,
    keep_records: bool = False,
) -> ImportSummary:
    """Parse every input and commit them; a file that fails to parse is skipped and named.

    `keep_records`: keep each record's source line, id and title for `import --verbose` (else a
    million-paper import would hold a million of them for nothing).

    Parsed digests are written as a segment every `COMMIT_EVERY` papers, so an import's memory
    stays bounded however many files it reads (a whole arXiv dump is a million papers).
    `inputs` may hold error strings (from reading) which are reported as skipped files.
    """
    summary = ImportSummary()
    parsed: list[ParsedDigest] = []
    pending = 0
    merged: set[str] = set()
    already: set[str] = set()
    done = 0

    def commit() -> None:
        report: MergeReport = store.commit(parsed, datetime.now(UTC).isoformat(timespec="seconds"))
        summary.new += len(report.new_ids)
        summary.known += len(report.known_ids)
        merged.update(report.merged_ids)
        summary.title_merged += len(report.title_merged_ids)
        summary.kept_apart += report.kept_apart_count
        summary.kept_apart_listed += report.kept_apart
        summary.files_imported += len(report.digests_added)
        summary.files_already += len(report.digests_known)
        summary.new_ids += report.new_ids
        summary.changed_ids += report.known_ids
        parsed.clear()
        collect_young()  # this batch's cycles, if a loader made any; the library's lists are not walked

    with collector_paused():  # collected a batch at a time instead (see `commit`)
        for item in inputs:
            done += 1
            if isinstance(item, str):
                summary.skipped.append(item)
                continue
            if progress:
                progress(done, total, item.name)
            sha = hashlib.sha256(item.data).hexdigest()
            known = store.known_digest(sha)
            if known is not None or sha in already:
                summary.files_already += 1
                summary.known += known.papers if known else 0
                continue
            try:
                result: ParseResult = parse_bytes(item.data, item.path, format_name)
            except ParseError as exc:
                if skip_unrecognised and exc.not_a_digest:
                    # Walking a folder meets photos and notes: one line each, not a failed import.
                    summary.skipped.append(f"{item.path}: not a digest paperterm recognises")
                else:
                    summary.skipped.append(str(exc))
                continue
            except Exception as exc:  # a loader's bug on one file must not stop a folder import
                summary.skipped.append(f"{item.path}: could not be read as a digest ({type(exc).__name__}: {exc})")
                continue
            stamp, source = resolve_date(result.digest_date, explicit_date, item.name, item.mtime)
            if explicit_date is not None:
                source = explicit_source  # who gave the date: `--date` ("option") or the bundled samples
            summary.warnings.extend(result.warnings)
            summary.files.append(FileReport.of(item.path, result, keep_records=keep_records))
            already.add(sha)
            parsed.append(ParsedDigest(item.name, item.path, sha, result, stamp, source))
            pending += len(result.papers)
            if pending >= COMMIT_EVERY:
                commit()
                pending = 0
        if parsed:
            commit()
    summary.merged = len(merged)
    return summary


def read_paths(paths: list[Path]) -> Iterable[DigestInput | str]:
    """Read files lazily, one at a time, so a 100-file import never holds them all in memory."""
    for path in paths:
        try:
            yield read_input(path)
        except LibraryFileError as exc:
            yield str(exc)
        except OSError as exc:
            yield f"{path}: cannot be read ({exc.strerror})"


Reader = Callable[[int], bytes]  # read up to n bytes; b"" at the end


def spool(read: Reader, folder: Path, origin: str, progress: Progress | None = None) -> tuple[Path, str]:
    """Copy a stream (standard input) into `folder`, named by its content, a MiB at a time; the copy
    and its SHA-256.

    Only one chunk is held, so a multi-GB JSON Lines pipe costs disk, not memory; the copy is what
    `import_stream` reads and what `doctor --repair` reads again. A stream that is not JSON Lines is
    refused past `MAX_DIGEST_BYTES` (it will be parsed whole). Progress is in MiB, total unknown.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{origin}.tmp-{os.getpid()}-{time.monotonic_ns()}"
    sha = hashlib.sha256()
    size = 0
    head = b""
    try:
        with open(tmp, "wb") as handle:
            while chunk := read(1 << 20):
                sha.update(chunk)
                handle.write(chunk)
                size += len(chunk)
                if len(head) < _HEAD_BYTES:
                    head += chunk[: _HEAD_BYTES - len(head)]
                if size > MAX_DIGEST_BYTES and not looks_like_jsonl(head):
                    raise LibraryFileError(
                        Path("<stdin>"),
                        f"is larger than {MAX_DIGEST_BYTES // 2**20} MiB and not JSON Lines, more than a digest can be",
                        "Split it into smaller files (JSON Lines of any size is streamed).",
                    )
                if progress:
                    progress(size >> 20, 0, f"{origin} (MiB)")
            handle.flush()
            os.fsync(handle.fileno())
        kept = folder / f"{origin}-{sha.hexdigest()[:20]}"
        os.replace(tmp, kept)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise os_failure(exc, tmp, "could not be kept; nothing was imported") from None
        raise
    fsync_dir(folder)
    return kept, sha.hexdigest()


def streams(path: Path) -> bool:
    """A regular JSON Lines file: imported a batch at a time (`import_stream`), never read whole. A FIFO or
    a device is never opened here (that could wait for ever); `read_input` refuses it with advice."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as handle:
            return looks_like_jsonl(handle.read(_HEAD_BYTES))
    except OSError:
        return False


def import_stream(
    store: PaperStore,
    path: Path,
    *,
    explicit_date: date | None = None,
    progress: Progress | None = None,
    verbose_limit: int = 0,
    copy_of: str | None = None,
    sha256: str | None = None,
) -> ImportSummary:
    """Import a JSON Lines file of any size (the arXiv metadata snapshot) in bounded memory.

    One pass hashes the file (a file imported before is recognised without parsing it); a second
    reads it line by line, merging and writing `STREAM_BATCH` records at a time. Progress is
    reported in MiB read. Only the first `verbose_limit` records are kept for `import --verbose` to
    list (none unless asked: a kept line per record would grow with the file).
    `copy_of` names what `path` is a copy of (standard input kept by `spool`, which has no file date
    and whose hash `spool` already took).
    """
    summary = ImportSummary()
    stat = path.stat()
    total_mib = max(1, stat.st_size >> 20)
    digest_sha = sha256 or file_sha256(path)
    known = store.known_digest(digest_sha)
    if known is not None:
        summary.files_already += 1
        summary.known += known.papers
        return summary
    name = copy_of or path.name
    stamp, source = resolve_date(None, explicit_date, name, None if copy_of else stat.st_mtime)
    report = FileReport(copy_of or str(path), JSON_RECORDS.name, 0, dict.fromkeys(_FIELDS, 0), [])
    result = ParseResult(format=JSON_RECORDS.name, papers=[])
    item = ParsedDigest(name, str(path), digest_sha, result, stamp, source)

    def batches() -> Iterable[list[PaperRecord]]:
        batch: list[PaperRecord] = []
        with open(path, "rb") as handle:
            for found in stream_records(_counted(handle, progress, name, total_mib), report.path):
                if isinstance(found, ParseWarning):
                    result.warnings.append(found)
                    continue
                report.count(found, keep_record=report.papers < verbose_limit)
                batch.append(found)
                if len(batch) >= STREAM_BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch

    merge, digest = store.commit_stream(item, batches(), datetime.now(UTC).isoformat(timespec="seconds"))
    if digest is None:
        summary.files_already += 1
        return summary
    summary.warnings.extend(result.warnings)
    summary.files.append(report)
    summary.new = len(merge.new_ids)
    summary.known = len(merge.known_ids)
    summary.merged = merge.merged_count
    summary.title_merged = merge.title_merged_count
    summary.kept_apart, summary.kept_apart_listed = merge.kept_apart_count, merge.kept_apart
    summary.files_imported = 1
    summary.new_ids = merge.new_ids
    summary.changed_ids = merge.known_ids
    if not report.papers:
        summary.skipped.append(f"{report.path}: no paper-like records in this JSON Lines file")
    return summary


def _counted(handle: Iterable[bytes], progress: Progress | None, name: str, total_mib: int) -> Iterable[bytes]:
    """The file's lines, reporting progress (MiB read) every 4 MiB."""
    read = 0
    reported = 0
    for line in handle:
        read += len(line)
        if progress and read - reported >= 4 << 20:
            reported = read
            progress(read >> 20, total_mib, f"{name} (MiB)")
        yield line
    if progress:
        progress(total_mib, total_mib, f"{name} (MiB)")
