"""Durable JSON files: atomic replace, a schema version in each, and an inter-process lock.

Every file paperterm writes goes through `write_json`: a temp file in the same
folder, fsync, `os.replace`, fsync of the folder. A reader therefore sees the
old file or the new one, never half of one, whatever kills the writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
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


def write_json(path: Path, payload: Any, *, indent: bool = False, copy_to: Path | None = None) -> int:
    """Write `payload` to `path` atomically and durably, and the same bytes to `copy_to` (a spare
    kept in `backups/`) if given; returns the bytes written."""
    option = orjson.OPT_INDENT_2 if indent else 0
    data = orjson.dumps(payload, option=option | orjson.OPT_APPEND_NEWLINE)
    write_bytes(path, data)
    if copy_to is not None:
        write_bytes(copy_to, data)
    return len(data)


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


def read_upgraded(
    path: Path, *, kind: str, schema_version: int, upgrades: Mapping[int, Upgrade]
) -> tuple[dict[str, Any], int | None]:
    """Read a file, upgrading one written by an older paperterm step by step (`upgrades[n]` turns
    schema n into n + 1). Returns the payload and the version it was upgraded from (None if current).

    The caller keeps a backup of the old file before writing the upgraded one back.
    """
    payload = read_json(path, kind=kind, schema_version=schema_version, allow_older=True)
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


def read_json(path: Path, *, kind: str, schema_version: int, allow_older: bool = False) -> dict[str, Any]:
    """Read a file we wrote, checking it is ours and not from a newer paperterm."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LibraryFileError(path, f"cannot be read ({exc.strerror})") from None
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
    """Copy a file we refuse to use (or are about to upgrade) into `folder`, so nothing is lost."""
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{path.name}.{stamp}.bak"
    shutil.copy2(path, target)
    return target


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = 30.0) -> Iterator[None]:
    """Exclusive lock shared by every paperterm process on one data dir."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
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
