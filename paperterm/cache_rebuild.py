"""Rebuilding the paper cache (`paperterm doctor --repair`) so that no paper is ever lost.

The cache is rebuilt aside, in `<data dir>/.library-rebuild/`, from every digest the manifest or
its last-good spare names: each digest's file is read again; what arrived on standard input or
from a sync file was kept under `inputs/` when it was imported, so it is read from there; and a
digest whose file is gone gets its papers from the old cache's segments that can still be read.
Only a complete rebuild is renamed `library.rebuilt/`, and only that is swapped for `library/`
(the old one goes to `backups/`). A kill at any moment therefore leaves either the old cache or
the new one; `finish_pending` completes a swap that a kill interrupted between its two renames.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from loaders import PaperRecord, ParseError, ParseResult, parse_bytes

from .atomic_io import (
    LibraryFileError,
    file_lock,
    fsync_dir,
    keep_backup,
    read_capped,
    read_json,
    write_bytes,
)
from .importer import MAX_DIGEST_BYTES
from .paper import AbstractBlob, Digest, Paper
from .paper_store import MANIFEST_KIND, MANIFEST_LAST_GOOD, SCHEMA_VERSION, SEGMENT_KIND, PaperStore, ParsedDigest

REBUILD_DIR = ".library-rebuild"  # being written: a kill leaves it half done, the next repair starts over
READY_DIR = "library.rebuilt"  # complete: swapped in for `library/`
INPUTS_DIR = "inputs"  # digests that have no file of their own (stdin, a sync file's papers)
RECORDS_KIND = "paperterm-records"
SYNC_FORMAT = "paperterm-sync"


def keep_input(root: Path, data: bytes, origin: str) -> Path:
    """Keep bytes that have no file of their own, so a repair can read them again; returns the path.

    Named by content, so importing the same bytes twice keeps one copy.
    """
    path = root / INPUTS_DIR / f"{origin}-{hashlib.sha256(data).hexdigest()[:20]}"
    if not path.exists():
        write_bytes(path, data)
    return path


def records_payload(records: list[PaperRecord]) -> bytes:
    """Papers that came as records (from a sync file), as a file `read_records` reads back."""
    import orjson

    rows = [
        {
            "title": r.title,
            "abstract": r.abstract,
            "authors": list(r.authors),
            "links": list(r.links),
            "arxiv_id": r.arxiv_id,
            "published": r.published,
            "extra": dict(r.extra),
            "doi": r.doi,
            "pmid": r.pmid,
        }
        for r in records
    ]
    return orjson.dumps({"schema_version": 1, "kind": RECORDS_KIND, "records": rows})


def read_records(path: Path) -> list[PaperRecord]:
    payload = read_json(path, kind=RECORDS_KIND, schema_version=1, max_bytes=MAX_DIGEST_BYTES)
    try:
        return [
            PaperRecord(
                title=str(row["title"]),
                abstract=str(row.get("abstract") or ""),
                authors=[str(a) for a in row.get("authors") or []],
                links=[str(link) for link in row.get("links") or []],
                arxiv_id=row.get("arxiv_id") or None,
                published=row.get("published") or None,
                extra=dict(row.get("extra") or {}),
                doi=row.get("doi") or None,
                pmid=row.get("pmid") or None,
            )
            for row in payload["records"]
        ]
    except (KeyError, TypeError, AttributeError) as exc:
        raise LibraryFileError(path, f"is damaged ({exc})") from None


@dataclass(slots=True)
class RebuildReport:
    digests: int = 0
    papers: int = 0
    from_files: int = 0
    from_old_cache: int = 0
    recovered: int = 0  # papers of the old cache that no known digest named
    lost: list[str] = field(default_factory=list)  # digests neither their file nor the old cache could give

    def line(self) -> str:
        text = (
            f"rebuilt from {self.digests} digests ({self.papers} papers; {self.from_files} digests read again, "
            f"{self.from_old_cache} taken from the old cache)"
        )
        if self.recovered:
            text += f"; {self.recovered} papers no digest named were kept from the old cache"
        if self.lost:
            text += f"; {len(self.lost)} digests could not be rebuilt, re-import them: {', '.join(self.lost[:5])}"
        return text


def manifest_digests(path: Path) -> list[Digest] | None:
    """The digests a manifest names, or None when it cannot be read."""
    try:
        payload = read_json(path, kind=MANIFEST_KIND, schema_version=SCHEMA_VERSION)
        return [Digest.from_json(raw) for raw in payload.get("digests", [])]
    except (LibraryFileError, KeyError, TypeError, ValueError, AttributeError):
        return None


def known_digests(root: Path) -> list[Digest]:
    """Every digest the manifest or its last-good spare names (the spare may know more, after a fault)."""
    found: dict[str, Digest] = {}
    for path in (root / "library" / "manifest.json", root / "backups" / MANIFEST_LAST_GOOD):
        for digest in manifest_digests(path) or []:
            found.setdefault(digest.sha256, digest)
    return sorted(found.values(), key=lambda d: d.number)


def missing_digests(root: Path, store: PaperStore) -> list[Digest]:
    """Digests the last-good spare names that the loaded cache lacks: a partial cache."""
    have = {d.sha256 for d in store.digests}
    spare = manifest_digests(root / "backups" / MANIFEST_LAST_GOOD) or []
    return [d for d in spare if d.sha256 not in have]


def _old_papers(root: Path) -> dict[str, Paper]:
    """Papers of every segment of the old cache that can still be read (abstracts read on demand)."""
    folder = root / "library"
    papers: dict[str, Paper] = {}
    for path in sorted(folder.glob("seg-*.json")) if folder.is_dir() else []:
        try:
            payload = read_json(path, kind=SEGMENT_KIND, schema_version=SCHEMA_VERSION)
            blob = AbstractBlob(path.with_suffix(".abstracts"))
            if len(blob) != payload["abstract_bytes"]:
                continue
            for row in payload["rows"]:
                paper = Paper.from_row(row, blob)
                papers[paper.id] = paper  # a later segment's row replaces an earlier one's
        except (LibraryFileError, OSError, KeyError, TypeError, ValueError, IndexError):
            continue
    return papers


def _reread(digest: Digest) -> tuple[ParseResult, str] | None:
    """The digest parsed again from its file (or kept input), and the content's hash; None if it cannot be."""
    path = Path(digest.path)
    try:
        if digest.format == SYNC_FORMAT:
            return ParseResult(format=SYNC_FORMAT, papers=read_records(path)), digest.sha256
        data = read_capped(path, MAX_DIGEST_BYTES, "digest")
    except (LibraryFileError, OSError):
        return None
    sha = hashlib.sha256(data).hexdigest()
    for format_name in (digest.format or None, None):
        try:
            return parse_bytes(data, digest.path, format_name), sha
        except (ParseError, KeyError, ValueError):
            continue
        except Exception:  # a loader's bug: fall back to the old cache, never stop the repair
            break
    return None


def _from_old_cache(format_name: str, seen: list[tuple[Paper, int]]) -> ParseResult:
    records = [
        PaperRecord(
            title=p.title,
            abstract=p.abstract,
            line=line or None,
            authors=list(p.authors),
            links=list(p.links),
            arxiv_id=p.arxiv_id,
            extra=dict(p.extra),
        )
        for p, line in seen
    ]
    return ParseResult(format=format_name, papers=records)


def rebuild(root: Path) -> RebuildReport:
    """Rebuild the cache aside from every known digest, then swap it in; see the module's docstring."""
    report = RebuildReport()
    aside, ready = root / REBUILD_DIR, root / READY_DIR
    with file_lock(root / ".lock"):
        finish_pending(root, locked=True)
        shutil.rmtree(aside, ignore_errors=True)  # left by a repair that was killed
        digests = known_digests(root)
        old = _old_papers(root)  # still in place until the swap: they give what no file can
        by_digest: dict[int, list[tuple[Paper, int]]] = {}
        for paper in old.values():
            for number, line in paper.sightings:
                by_digest.setdefault(number, []).append((paper, line))
        parsed: list[ParsedDigest] = []
        for digest in digests:
            again = _reread(digest)
            if again is not None:
                result, sha = again
                report.from_files += 1
            elif by_digest.get(digest.number):
                result, sha = _from_old_cache(digest.format, by_digest[digest.number]), digest.sha256
                report.from_old_cache += 1
            else:
                report.lost.append(digest.name)
                continue
            parsed.append(ParsedDigest(digest.name, digest.path, sha, result, digest.date, digest.date_source))
        store = PaperStore(aside, spare=False)
        store.lock_path = aside / ".lock"  # the data dir's lock is ours already
        now = datetime.now(UTC)
        if parsed:
            store.commit(parsed, now.isoformat(timespec="seconds"))
        # Papers of the old cache that no digest gave back (no manifest named theirs): kept all the same.
        left = [p for p in old.values() if store.papers.get(p.id) is None and store.by_alias(p.id) is None]
        if left:
            report.recovered = len(left)
            result = _from_old_cache("recovered", [(p, 0) for p in left])
            sha = hashlib.sha256("\n".join(sorted(p.id for p in left)).encode()).hexdigest()
            day = min((p.date for p in left if p.date), default=now.date().isoformat())
            recovered = ParsedDigest("recovered from the old cache", "", sha, result, day, "recovered")
            store.commit([recovered], now.isoformat(timespec="seconds"))
        aside.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            (aside / ".lock").unlink()
        report.digests = len(store.digests)
        report.papers = len(store.papers)
        fsync_dir(aside)
        os.rename(aside, ready)  # complete: from here on, a kill is finished by `finish_pending`
        fsync_dir(root)
        finish_pending(root, locked=True)
        spare = root / "backups" / MANIFEST_LAST_GOOD
        manifest = root / "library" / "manifest.json"
        if manifest.exists():
            if report.lost:  # the new cache knows less than the spare: keep the spare's copy first
                keep_backup(spare, root / "backups")
            write_bytes(spare, manifest.read_bytes())
    return report


def finish_pending(root: Path, *, locked: bool = False) -> bool:
    """Swap in a complete rebuild that a kill left beside the cache; True when one was."""
    ready = root / READY_DIR
    if not ready.is_dir():
        return False
    if not locked:
        with file_lock(root / ".lock"):
            return finish_pending(root, locked=True)
    library = root / "library"
    if library.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (root / "backups").mkdir(parents=True, exist_ok=True)
        os.rename(library, root / "backups" / f"library-{stamp}")
    os.rename(ready, library)
    fsync_dir(root)
    return True
