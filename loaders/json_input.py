"""JSON digests: parsed once however many formats sniff the same text, and lines found for records."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson

_NOT_JSON = object()


@lru_cache(maxsize=1)  # detection and parsing read the same text in turn; keep no more alive
def _parsed(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _NOT_JSON


def load_json(text: str) -> Any | None:
    """The parsed document, or None when the text is not JSON (an object or a list)."""
    stripped = text.lstrip("\ufeff \t\n")
    if not stripped.startswith(("{", "[")):
        return None
    value = _parsed(text)
    return None if value is _NOT_JSON else value


def json_error(text: str) -> tuple[str, int]:
    """Why the text is not valid JSON, and the line where the parser stopped."""
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return exc.msg, exc.lineno
    return "not a JSON object or list", 1


class LineFinder:
    """The line of each record in the file: where its title first appears after the previous one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def line_of(self, *needles: str) -> int | None:
        for needle in needles:
            if not needle:
                continue
            for probe in (orjson.dumps(needle).decode()[1:-1][:60], needle[:60]):
                found = self.text.find(probe, self.pos)
                if found != -1:
                    self.line += self.text.count("\n", self.pos, found)
                    self.pos = found + 1  # the next record is after this one, even with the same title
                    return self.line
        return None
