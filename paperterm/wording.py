"""Counts said as a person says them, for the CLI and the app alike: `1 paper`, `2 papers`, `4.0 MB`."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`plural(1, "paper")` → "1 paper"; `plural(3, "paper")` → "3 papers" (`many` for irregular nouns)."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def byte_size(count: int) -> str:
    """`300 B`, `4.0 MB`, `1.4 GB`: a file's size as a person reads it."""
    value = float(count)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
