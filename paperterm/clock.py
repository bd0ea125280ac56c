"""Stamps for the user's changes: a hybrid logical clock, so a change made after seeing another wins.

A stamp reads like a UTC time (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, sorting as a string), but it
is `max(wall clock, floor + 1 µs)`, where the floor is the highest stamp the library has seen —
its own changes and everything merged from sync files. So a change is always stamped above
everything it could have seen, whatever the wall clocks of this or any other machine say:
an NTP step back, a machine reset to 2001 or a year ahead cannot reorder a change before
one it followed. The price: after meeting a machine whose clock runs ahead, stamps run ahead
too (by 1 µs a change) until the wall clock catches up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
EPOCH = "1970-01-01T00:00:00.000000Z"
TICK = timedelta(microseconds=1)
# Tests and `faketime`-less runs can shift this process's wall clock (seconds, may be negative).
OFFSET_ENV = "PAPERTERM_CLOCK_OFFSET"

Wall = Callable[[], datetime]


def wall_now() -> datetime:
    """The machine's clock (UTC), shifted by $PAPERTERM_CLOCK_OFFSET seconds when that is set."""
    now = datetime.now(UTC)
    offset = os.environ.get(OFFSET_ENV)
    if offset:
        with contextlib.suppress(ValueError, OverflowError):
            now += timedelta(seconds=float(offset))
    return now


def parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, FORMAT).replace(tzinfo=UTC)


def format_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FORMAT)


def after(floor: str, wall: Wall | None = None) -> str:
    """The next stamp: the wall clock, unless that is not above `floor`; then `floor` + 1 µs."""
    now = format_stamp((wall or wall_now)())
    if now > floor:
        return now
    try:
        return format_stamp(parse(floor) + TICK)
    except OverflowError:  # year 9999 (sync files stamped that far ahead are refused)
        return floor


def now() -> str:
    """A stamp from the wall clock alone, for things that order nothing (export times)."""
    return format_stamp(wall_now())
