"""The shape every format module shares: a name, how to recognise it, how to parse it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .records import ParseResult


@dataclass(frozen=True, slots=True)
class DigestFormat:
    """A digest format. `sniff` scores text from 0 (not this) to 1 (certainly this)."""

    name: str
    description: str
    example: str
    sniff: Callable[[str], float]
    parse: Callable[[str, str], ParseResult]
