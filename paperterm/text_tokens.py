"""Words as search and topics see them: case- and accent-free, split at punctuation and inside compounds.

`Mixture-of-Experts` is `mixture`, `of`, `experts`; `QuantMoE` is `quantmoe` and also
`moe` (a suffix starting at a case change), so `moe` finds it; `Café` is `cafe`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
# Parts of a compound word: runs of capitals before a capitalised word, capitalised or lower words,
# capital runs, digit runs.
_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")
MIN_SUFFIX = 2

# Too common to require in a search (a query's `of` need not appear in every match).
QUERY_STOPWORDS = frozenset(
    (
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it"),
        *("of", "on", "or", "the", "to", "via", "vs", "with", "without"),
    )
)
# Words a topic's name never starts or ends with (and never is): the query ones and more.
STOPWORDS = QUERY_STOPWORDS | frozenset(
    "can do does has have how its our than "
    "that their them these this those towards toward was we what when where which while who "
    "why will within your you not no all any both each more most other over under up out one "
    "two three first new novel beyond across through between using based et al eg ie also such during "
    "regarding concerning".split()
)
_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*|\d+[A-Za-z][A-Za-z0-9]*")


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case without accents: `Émile` → `emile`."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _is_compound(word: str) -> bool:
    if word.islower() or word.isdigit():
        return False
    return not (word.isupper() or (word[0].isupper() and word[1:].islower()))


def compound_suffixes(word: str) -> list[tuple[str, int]]:
    """(folded suffix, offset in word) for each part boundary inside a compound word."""
    if len(word) < 3 or not _is_compound(word):
        return []
    found = []
    for match in _PART.finditer(word):
        start = match.start()
        if start and len(word) - start >= MIN_SUFFIX:
            found.append((fold(word[start:]), start))
    return found


_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_ASCII_LOWER_WORD = re.compile(r"[a-z0-9]+")


def token_set(text: str) -> set[str]:
    """Every token a text can be found by (words and compound suffixes)."""
    if text.isascii():  # the common case, kept fast: one findall, then work on distinct words only
        distinct = set(_ASCII_WORD.findall(text))
        found = {w.lower() for w in distinct}
        for word in distinct:
            if not word.islower() and _is_compound(word):
                for suffix, _ in compound_suffixes(word):
                    found.add(suffix)
        return found
    found = set()
    for word in _WORD.findall(text):
        found.add(fold(word))
        if not word.islower():
            for suffix, _ in compound_suffixes(word):
                found.add(suffix)
    return found


def repeated_words(text: str) -> set[str]:
    """Words occurring at least twice in a text: what a topic's phrase must be made of to be
    central to an abstract."""
    counts = Counter(words(text))
    return {word for word, n in counts.items() if n > 1}


def words(text: str) -> list[str]:
    """The folded words of a text, in order (no compound suffixes): for phrases and proximity."""
    if text.isascii():
        return _ASCII_LOWER_WORD.findall(text.lower())
    return [fold(w) for w in _WORD.findall(text)]


def spans(text: str) -> Iterator[tuple[str, int, int, bool]]:
    """(token, start, end, is_suffix) for every token in a text, with its place, for highlighting."""
    for match in _WORD.finditer(text):
        word = match.group()
        start = match.start()
        yield fold(word), start, match.end(), False
        if not word.islower():
            for suffix, offset in compound_suffixes(word):
                yield suffix, start + offset, match.end(), True


def title_words(title: str) -> list[str]:
    """A title's words as written (case kept, `'s` and hyphens split off): what topic names are made of."""
    return _TITLE_WORD.findall(title.replace("'s ", " ").replace("’s ", " ").replace("-", " "))


def fold_text(text: str) -> str:
    """The whole text folded, words joined by single spaces: for exact-phrase checks."""
    return " ".join(words(text))
