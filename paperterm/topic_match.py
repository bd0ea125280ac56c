"""Which topics a `topic:` filter means, forgiving as the rest of the search.

`topic:moe`, `topic:"mixture of experts"`, `topic:mixture` and `topic:mixtrue` all find the
topic named "mixture of experts (MoE)": an exact name or key first; else names that start
with the text; else names holding every word of it (a word of the name may be the text's
word as a prefix, the acronym in brackets, a plural, or one typo away).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from rapidfuzz.distance import OSA

from .text_tokens import fold_text, words


class Named(Protocol):
    key: str
    name: str


T = TypeVar("T", bound=Named)


def _word_fits(wanted: str, word: str) -> bool:
    if word.startswith(wanted) or (wanted.startswith(word) and len(word) >= 3):
        return True
    edits = 2 if len(wanted) >= 8 else 1 if len(wanted) >= 4 else 0
    return edits > 0 and OSA.distance(wanted, word, score_cutoff=edits) <= edits


def match_topics(topics: Sequence[T], text: str) -> list[T]:
    """The topics `text` names, best kind of match only (exact, then prefix, then words)."""
    wanted = text.strip().casefold()
    exact = [t for t in topics if t.key == text or t.name.casefold() == wanted]
    if exact:
        return exact
    folded = fold_text(text)
    if not folded:
        return []
    prefix = [t for t in topics if fold_text(t.name).startswith(folded)]
    if prefix:
        return prefix
    asked = words(text)
    found = []
    for topic in topics:
        name_words = words(topic.name)
        if all(any(_word_fits(w, n) for n in name_words) for w in asked):
            found.append(topic)
    return found
