"""Durable JSON files: atomic replace, a schema version in each, and an inter-process lock.

Every file paperterm writes goes through `write_json`: a temp file in the same
folder, fsync, `os.replace`, fsync of the folder. A reader therefore sees the
old file or the new one, never half of one, whatever kills the writer.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import os
import shutil
import stat
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson


class LibraryFileError(Exception):
    """A library file that cannot be used as it is. The message says what to do."""

    def __init__(self, path: Path, problem: str, advice: str = "") -> None:
        self.path = path
        self.problem = problem
        self.advice = advice
        text = f"{path}: {problem}"
        super().__init__(f"{text}. {advice}" if advice else text)


class BackupWarning(UserWarning):
    """A copy for `backups/` could not be written. The change it accompanied was saved; the CLI prints
    this as one line and the app as a notification, but neither fails the action."""


_OS_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "Free some space and try again."),
    errno.EDQUOT: ("the disk quota is used up", "Free some space and try again."),
    errno.EROFS: ("the file system is read-only", "Make it writable, or choose another --data-dir."),
    errno.EACCES: ("permission denied", "Check the folder's owner and permissions, or choose another --data-dir."),
    errno.EPERM: ("not permitted", "Check the folder's owner and permissions, or choose another --data-dir."),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "Move it aside, or choose another --data-dir."),
    errno.EEXIST: ("a file is in the way of a folder", "Move it aside, or choose another --data-dir."),
    errno.EISDIR: ("it is a folder, not a file", "Name a file."),
    errno.ENOENT: ("it does not exist", "Check the path."),
}


def os_failure(exc: OSError, path: Path | None = None, doing: str = "could not be written") -> LibraryFileError:
    """An OSError as the one-line message the user sees: the path, what happened, and what to do.

    Every write of the core funnels through here, so the CLI and the app both report a full disk, a
    read-only folder or a data dir that is a file the same way, without a traceback.
    """
    where = path or Path(exc.filename or ".")
    reason, advice = _OS_REASONS.get(exc.errno or 0, (exc.strerror or str(exc), "Try again."))
    return LibraryFileError(where, f"{doing} ({reason})", advice)


def write_json(path: Path, payload: Any, *, indent: bool = False, copy_to: Path | None = None) -> int:
    """Write `payload` to `path` atomically and durably, and the same bytes to `copy_to` (a spare
    kept in `backups/`) if given; returns the bytes written.

    The spare is a second copy: failing to write it (a read-only or full `backups/`) must not fail
    the change already saved, so it is reported as a `BackupWarning` instead of raised.
    """
    option = orjson.OPT_INDENT_2 if indent else 0
    data = orjson.dumps(payload, option=option | orjson.OPT_APPEND_NEWLINE)
    write_bytes(path, data)
    if copy_to is not None:
        try:
            write_bytes(copy_to, data)
        except LibraryFileError as exc:
            warnings.warn(f"{path.name} was saved, but its spare copy was not: {exc}", BackupWarning, stacklevel=2)
    return len(data)


def write_bytes(path: Path, data: bytes) -> None:
    write_chunks(path, (data,))


def write_chunks(path: Path, chunks: Iterable[bytes | memoryview]) -> None:
    """`write_bytes` for a file written piece by piece (large derived files), never whole in memory."""
    if path.is_symlink():  # write through to the link's target, so the link (and its target) stay in use
        path = Path(os.path.realpath(path))
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):  # the old file is untouched: say so, in one line
            raise os_failure(exc, path, "could not be saved; it was left as it was") from None
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


MAX_JSON_BYTES = 1024 * 1024 * 1024  # far above any file paperterm writes; a cap for what it reads


Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


def read_upgraded(
    path: Path,
    *,
    kind: str,
    schema_version: int,
    upgrades: Mapping[int, Upgrade],
    max_bytes: int = MAX_JSON_BYTES,
) -> tuple[dict[str, Any], int | None]:
    """Read a file, upgrading one written by an older paperterm step by step (`upgrades[n]` turns
    schema n into n + 1). Returns the payload and the version it was upgraded from (None if current).

    The caller keeps a backup of the old file before writing the upgraded one back.
    """
    payload = read_json(path, kind=kind, schema_version=schema_version, allow_older=True, max_bytes=max_bytes)
    version = payload["schema_version"]
    if version == schema_version:
        return payload, None
    for step in range(version, schema_version):
        if step not in upgrades:
            raise LibraryFileError(
                path, f"has schema {version}, which this paperterm cannot upgrade", "Open it with an older paperterm."
            )
        payload = upgrades[step](payload)
        payload["schema_version"] = step + 1
    return payload, version


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_capped(path: Path, limit: int, what: str = "file") -> bytes:
    """A regular file's bytes, at most `limit` of them: FIFOs, devices and sockets are refused (their
    size says nothing and reading them may never end), and a file that grows past the cap while read
    is refused too. `what` names the file in the messages ("digest", "sync file")."""
    try:
        # O_NONBLOCK: opening a FIFO nobody writes to would otherwise wait for ever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise LibraryFileError(path, f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LibraryFileError(
                path,
                f"is {_kind_of(info.st_mode)}, not a {what} paperterm can read",
                "Save its content to a regular file and name that"
                + (" (or pipe it in: `paperterm import - < PATH`)." if what == "digest" else "."),
            )
        if info.st_size > limit:
            raise LibraryFileError(
                path, f"is {info.st_size // 2**20} MiB, more than a {what} can be", "Split it into smaller files."
            )
        return _read_limited(fd, limit, path, what)
    finally:
        os.close(fd)


def read_stream_capped(fd: int, limit: int, name: str = "<stdin>", what: str = "digest") -> bytes:
    """Standard input (or any descriptor), at most `limit` bytes. A device that is not a terminal
    (`< /dev/zero`) is refused at once; a pipe is read up to the cap."""
    check_stream(fd, name, what)
    return _read_limited(fd, limit, Path(name), what)


def check_stream(fd: int, name: str = "<stdin>", what: str = "digest") -> None:
    """Refuse a device that is not a terminal (`< /dev/zero` would never end)."""
    info = os.fstat(fd)
    if (stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)) and not os.isatty(fd):
        raise LibraryFileError(
            Path(name), f"is {_kind_of(info.st_mode)}, not a {what}", "Redirect a file or a pipe into it."
        )


def stream_reader(fd: int, name: str = "<stdin>") -> Callable[[int], bytes]:
    """`read(n)` on a descriptor that waits out a non-blocking pipe's empty moments and says what failed."""

    def read(size: int) -> bytes:
        while True:
            try:
                return os.read(fd, size)
            except BlockingIOError:  # a pipe with nothing yet (opened non-blocking)
                time.sleep(0.01)
            except OSError as exc:
                raise LibraryFileError(Path(name), f"cannot be read ({exc.strerror})") from None

    return read


def _read_limited(fd: int, limit: int, path: Path, what: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    read = stream_reader(fd, str(path))
    while True:
        chunk = read(min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise LibraryFileError(
                path, f"is larger than {limit // 2**20} MiB, more than a {what} can be", "Split it into smaller files."
            )


def read_json(
    path: Path, *, kind: str, schema_version: int, allow_older: bool = False, max_bytes: int = MAX_JSON_BYTES
) -> dict[str, Any]:
    """Read a file we wrote, checking it is ours and not from a newer paperterm."""
    data = read_capped(path, max_bytes)
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = data.count(b"\n", 0, getattr(exc, "pos", 0) or 0) + 1
        raise LibraryFileError(path, f"is not valid JSON (line {line}: {exc.msg})") from None
    if not isinstance(payload, dict) or payload.get("kind") != kind:
        raise LibraryFileError(path, f"is not a {kind} file")
    version = payload.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LibraryFileError(path, "has no valid schema_version")
    if version < schema_version and not allow_older:
        raise LibraryFileError(path, f"has schema {version}, which this paperterm cannot upgrade")
    if version > schema_version:
        raise LibraryFileError(
            path,
            f"was written by a newer paperterm (schema {version}, this one reads up to {schema_version})",
            "Upgrade paperterm to use this library.",
        )
    return payload


def keep_backup(path: Path, folder: Path) -> Path | None:
    """Copy a file we refuse to use (or are about to upgrade) into `folder`, so nothing is lost.

    Once per distinct content: the open app re-reads a damaged file every refresh, and a copy each
    time would fill the disk; an identical copy already kept is returned instead. None when there is
    nothing to copy or the copy could not be written (reported as a `BackupWarning`: the caller's own
    message matters more than the spare).
    """
    try:
        if not path.is_file():
            return None
        digest = file_sha256(path)
        for kept in folder.glob(f"{glob.escape(path.name)}.*.bak"):
            if kept.stat().st_size == path.stat().st_size and file_sha256(kept) == digest:
                return kept
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{path.name}.{stamp}.bak"
        shutil.copy2(path, target)
    except OSError as exc:
        warnings.warn(f"{path} could not be copied to {folder}: {os_failure(exc)}", BackupWarning, stacklevel=2)
        return None
    return target


def kept_at(backup: Path | None) -> str:
    """The sentence that tells the user where the copy of a refused file is (or that there is none)."""
    return f"A copy is kept at {backup}." if backup else "It could not be copied to backups/."


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = 30.0) -> Iterator[None]:
    """Exclusive lock shared by every paperterm process on one data dir."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")  # noqa: SIM115 - closed by the `with` below
    except OSError as exc:
        raise os_failure(exc, path, "cannot be locked") from None
    with handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LibraryFileError(
                        path, "is locked by another paperterm process", "Close it, or try again."
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def lock_if_free(path: Path, *, create: bool = True) -> Iterator[bool]:
    """True while this process holds `path`'s lock, taken without waiting; False while another process
    holds it, or when it cannot be opened (a read-only data dir): then the caller touches nothing.
    With `create=False` nothing is made: a missing lock file is free (no process ever took it)."""
    try:
        handle = open(path, "a+b" if create else "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        yield not create
        return
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
