"""The state's change journal (`state.journal`): one fsynced append per action, replayed on load.

Writing the whole state on every click costs what the state weighs (a library with 2,000 notes
is over a megabyte, written and fsynced twice); appending what the click changed costs what
the click changed. `state.json` stays the base, and the journal holds the changes made since it
was last written: a header line naming that `state.json` (by the random `journal` token written
into it), then one line per action with the records the action set or dropped, each line
checked by a CRC. `StateStore` folds the journal into `state.json` when it has grown to a
quarter of the state's size, so replaying it on load stays cheap.

Crash safety: a line is acknowledged only once it is fsynced whole, so a kill at any byte
leaves either the line or a torn tail. A torn tail (a line without its newline, or whose CRC
does not match) was never acknowledged: it is ignored with a notice, and cut off by the next
write. A fold writes the new `state.json` (with a new token) before it starts a new journal, so
a kill between the two leaves a journal whose token no longer matches: it is ignored, its
changes being in `state.json` already.
"""

from __future__ import annotations

import contextlib
import errno
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .atomic_io import LibraryFileError, fsync_dir, os_failure, read_capped, write_bytes
from .library_state import LibraryState
from .state_schema import SchemaError, validate_ids, validate_state

KIND = "paperterm-state-journal"
SCHEMA_VERSION = 1
MAX_BYTES = 1024 * 1024 * 1024
_PREFIX = b'{"crc":"'  # a line: {"crc":"<8 hex>","change":<change>}\n
_CHANGE_AT = len(b'{"crc":"00000000","change":')
# The maps of a state a change may touch, and how each is keyed in a change's "gone" part.
_MAPS = ("lists", "entries", "status", "topics", "notes", "devices")


class JournalError(ValueError):
    """A journal line of the wrong shape (not a torn tail: its CRC matched)."""


@dataclass(slots=True)
class Replay:
    """What reading a journal found: the changes, where the good part ends, what was ignored."""

    token: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    end: int = 0  # byte offset after the last whole, checked line
    ignored: int = 0  # bytes after `end` (a torn tail, or damage)


def header(token: str) -> bytes:
    return orjson.dumps({"kind": KIND, "schema_version": SCHEMA_VERSION, "state": token}) + b"\n"


def diff(before: LibraryState, after: LibraryState) -> dict[str, Any] | None:
    """The records `after` holds that `before` does not (set) and the keys it dropped (gone);
    None when nothing changed. Records are immutable: identity says most, equality the rest."""
    change: dict[str, Any] = {}
    gone: dict[str, list[Any]] = {}
    for name in _MAPS:
        old, new = getattr(before, name), getattr(after, name)
        changed = [(k, v) for k, v in new.items() if (o := old.get(k)) is not v and o != v]
        dropped = [k for k in old if k not in new] if len(new) - _added(changed, old) != len(old) else []
        if changed:
            change[name] = _records(name, changed)
        if dropped:
            gone[name] = [list(k) if isinstance(k, tuple) else k for k in dropped]
    if before.seen != after.seen:
        change["seen"] = after.seen
    if before.forgot != after.forgot:
        change["forgot"] = after.forgot
    if before.device != after.device or before.fingerprint != after.fingerprint:
        change["device"], change["fingerprint"] = after.device, after.fingerprint
    if not change and not gone:
        return None
    if gone:
        change["gone"] = gone
    return change


def _added(changed: list[tuple[Any, Any]], old: dict[Any, Any]) -> int:
    return sum(1 for k, _ in changed if k not in old)


def _records(name: str, changed: list[tuple[Any, Any]]) -> Any:
    """The shape `validate_state` and `LibraryState.from_json` read (records left for orjson)."""
    if name in ("lists", "entries", "topics"):
        return [v for _, v in changed]
    if name == "notes":
        return {k: {"versions": list(v.versions.values())} for k, v in changed}
    return dict(changed)


def encode(change: dict[str, Any]) -> bytes:
    body = orjson.dumps(change)
    return b'{"crc":"%08x","change":' % zlib.crc32(body) + body + b"}\n"


def check(line: bytes) -> None:
    """Raise SchemaError for a change that reading the journal back would refuse (a note over the
    size limit, a list name whose id is too long): written, it made the whole library unreadable.

    Statuses and list entries are made here from ids and stamps alone, so only their ids are
    checked: marking 100,000 papers read is not slowed by a full validation of each record."""
    change = orjson.loads(line)["change"]
    _validate({k: v for k, v in change.items() if k not in ("status", "entries")})
    for pid in change.get("status", {}):
        validate_ids(paper=pid)
    for entry in change.get("entries", []):
        validate_ids(paper=entry["paper"], reading_list=entry["list"])


def apply(state: LibraryState, change: dict[str, Any]) -> None:
    """Replay one validated change onto `state`."""
    part = LibraryState.from_json({k: v for k, v in change.items() if k in _MAPS})
    for name in _MAPS:
        getattr(state, name).update(getattr(part, name))
    for name, keys in change.get("gone", {}).items():
        held = getattr(state, name)
        for key in keys:
            held.pop(tuple(key) if name == "entries" else key, None)
    if "seen" in change:
        state.seen = dict(change["seen"])
    if "forgot" in change:
        state.forgot = dict(change["forgot"])
    if "device" in change:
        state.device, state.fingerprint = change["device"], change["fingerprint"]


def _validate(change: Any) -> None:
    if not isinstance(change, dict):
        raise SchemaError("expected an object")
    validate_state({k: v for k, v in change.items() if k in (*_MAPS, "seen", "forgot")})
    gone = change.get("gone", {})
    if not isinstance(gone, dict) or not set(gone) <= set(_MAPS):
        raise SchemaError("gone: unexpected fields")
    for name, keys in gone.items():
        pair = name == "entries"
        if not isinstance(keys, list) or not all(
            (isinstance(k, list) and len(k) == 2 and all(isinstance(p, str) for p in k)) if pair else isinstance(k, str)
            for k in keys
        ):
            raise SchemaError(f"gone.{name}: expected a list of keys")
    if "device" in change and not (isinstance(change["device"], str) and isinstance(change.get("fingerprint"), str)):
        raise SchemaError("device: expected text")


def read(path: Path, start: int = 0, token: str | None = None, *, tolerant: bool = False) -> Replay | None:
    """The journal's checked changes from byte `start` (0: from the header). None when there is no
    journal, or it belongs to another `state.json` than the one holding `token`. A line whose CRC
    matches but whose change is malformed is damage, refused; `tolerant` (repair) stops there."""
    try:
        data = read_capped(path, MAX_BYTES, "journal")
    except LibraryFileError:
        if not path.exists():
            return None
        raise
    first = data.find(b"\n")
    try:
        head = orjson.loads(data[: first + 1]) if first >= 0 else None
    except orjson.JSONDecodeError:
        head = None
    if not isinstance(head, dict) or head.get("kind") != KIND or not isinstance(head.get("state"), str):
        raise LibraryFileError(path, "is not a paperterm state journal (its first line is damaged)")
    version = head.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise LibraryFileError(
            path, f"was written by a newer paperterm (schema {version})", "Upgrade paperterm to use this library."
        )
    if token is not None and head["state"] != token:
        return None
    replay = Replay(head["state"], end=max(start, first + 1))
    at = replay.end
    while at < len(data):
        stop = data.find(b"\n", at)
        line = data[at : stop + 1] if stop >= 0 else b""
        body = line[_CHANGE_AT:-2]
        if (
            not line.startswith(_PREFIX)
            or not line.endswith(b"}\n")
            or line[16:_CHANGE_AT] != b'","change":'
            or line[8:16] != b"%08x" % zlib.crc32(body)
        ):
            break  # a torn tail (or damage): nothing after it can be trusted
        try:
            change = orjson.loads(body)
            _validate(change)
        except (orjson.JSONDecodeError, SchemaError) as exc:
            if tolerant:
                break
            raise LibraryFileError(path, f"has a wrong change at byte {at} ({exc})") from None
        replay.changes.append(change)
        at = stop + 1
    replay.end, replay.ignored = at, len(data) - at
    return replay


def start(path: Path, token: str) -> int:
    """A new, empty journal for the `state.json` holding `token`; returns its length."""
    data = header(token)
    write_bytes(path, data)
    return len(data)


def append(path: Path, at: int, line: bytes) -> int:
    """Append one change at byte `at` (cutting off a torn tail beyond it) and fsync; returns the
    new end. On failure the file is cut back to `at`, and the error says nothing was saved."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as exc:
        raise os_failure(exc, path, "could not be saved; it was left as it was") from None
    try:
        try:
            if os.fstat(fd).st_size != at:
                os.ftruncate(fd, at)
            written = os.pwrite(fd, line, at)
            if written != len(line):
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            os.fsync(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, at)
                os.fsync(fd)
            raise os_failure(exc, path, "could not be saved; it was left as it was") from None
    finally:
        os.close(fd)
    return at + len(line)


def remove(path: Path) -> None:
    """Drop a journal (its changes are in `state.json`)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        fsync_dir(path.parent)
