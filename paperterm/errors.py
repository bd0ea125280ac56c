"""The core's user-facing errors, in a module light enough for the TUI to import before the library loads."""

from __future__ import annotations


class BadAction(ValueError):
    """An action the user asked for that cannot be done (no such list, a clashing name)."""


class PaperNotFound(LookupError):
    """No paper, or more than one, matches the id the user gave."""
