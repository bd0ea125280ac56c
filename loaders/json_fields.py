"""Reading paper fields out of JSON objects whose types cannot be trusted."""

from __future__ import annotations

from datetime import date
from typing import Any

from .latex_text import latex_to_text
from .text_cleanup import clean_line, clean_paragraphs, fix_mojibake


def text_of(value: Any) -> str:
    """A string field, or "" for anything else (a number, a list, null)."""
    return value if isinstance(value, str) else ""


def path(obj: Any, *keys: str) -> Any:
    """obj[k1][k2]…, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def title_text(value: Any) -> str:
    return clean_line(latex_to_text(fix_mojibake(text_of(value))))


def abstract_text(value: Any) -> str:
    return clean_paragraphs(latex_to_text(fix_mojibake(text_of(value))))


def iso_day(value: Any) -> str | None:
    """`2024-06-17T17:59:47.000Z` → `2024-06-17`; None when it is not such a date."""
    text = text_of(value)[:10]
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None
