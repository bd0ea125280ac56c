"""Timestamps for the user's changes: UTC, microseconds, strictly increasing within a process.

They order edits across machines (later change wins), so they must sort as strings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_last: datetime | None = None


def now() -> str:
    global _last
    stamp = datetime.now(UTC)
    if _last is not None and stamp <= _last:
        stamp = _last + timedelta(microseconds=1)
    _last = stamp
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
