"""Counts said as a person says them, for the CLI and the app alike: `1 paper`, `2 papers`."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`plural(1, "paper")` → "1 paper"; `plural(3, "paper")` → "3 papers" (`many` for irregular nouns)."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"
