"""The query language shared by the search bar, `paperterm search` and user topics.

knowlege distil            words (typos and prefixes forgiven)
"exact phrase"             the words, adjacent and in order
-word  -"a phrase"         must not match
a | b                      either side (user topic rules: `"mixture of experts" | moe`)
topic:NAME list:NAME author:NAME is:unread|read|dismissed|bookmarked|noted
date:2024-09-12 date:2024-09 date:>=2024-09-01   the day a digest showed it (seen)
published:2015 year:>=2020 published:2024-01     the paper's own date (as its source states it)
added:>=2024-09-01 added:>2024-09-12T08:30:00+00:00  first imported (what's new)
source:FILE
like:ID                    more like this: the papers most similar to that one, most similar first
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .text_tokens import words

FILTERS = ("topic", "list", "is", "date", "published", "year", "source", "author", "added", "like")
_PAPER_DATE = ("published", "year")  # the paper's own date; `date:` is the day it was seen
IS_VALUES = ("unread", "read", "dismissed", "bookmarked", "noted", "new")
_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)("?)|(\S+))')
_EMPTY_FILTER = re.compile(r"(?:^|\s)-?(\w+):(?=\s|$)")  # `topic:` with nothing after it
_DATE = re.compile(r"^(>=|<=|>|<|=)?(\d{4}(?:-\d{2}(?:-\d{2})?)?)$")
_MOMENT = re.compile(r"^(>=|<=|>|<|=)?(\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?(?:[+-]\d{2}:\d{2})?)?)?)?)$")


class QueryError(ValueError):
    """A query the engine cannot run; the message tells the user what to write instead."""


@dataclass(frozen=True, slots=True)
class DateFilter:
    op: str  # one of = >= <= > <
    value: str  # YYYY, YYYY-MM or YYYY-MM-DD

    def accepts(self, day: str) -> bool:
        if not day:
            return False
        if self.op == "=":
            return day.startswith(self.value)
        cut = day[: len(self.value)]
        return {
            ">=": cut >= self.value,
            "<=": cut <= self.value,
            ">": cut > self.value,
            "<": cut < self.value,
        }[self.op]


@dataclass(slots=True)
class Clause:
    """One alternative of a query: everything in it must hold."""

    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded_words: list[str] = field(default_factory=list)
    excluded_phrases: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class Query:
    """A parsed query: alternatives (`|`) of text clauses, and filters that apply to all of them."""

    text: str
    clauses: list[Clause]
    topics: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    dates: list[DateFilter] = field(default_factory=list)  # seen on (a digest's date)
    published: list[DateFilter] = field(default_factory=list)  # the paper's own date
    sources: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    added: list[DateFilter] = field(default_factory=list)
    likes: list[str] = field(default_factory=list)  # paper refs: `like:ID`
    negated_filters: list[tuple[str, str]] = field(default_factory=list)
    ends_in_word: bool = True  # the last word is still being typed: match it as a prefix

    @property
    def has_text(self) -> bool:
        return any(c.words or c.phrases for c in self.clauses)

    @property
    def has_filters(self) -> bool:
        filters = (self.topics, self.lists, self.states, self.dates, self.published, self.sources, self.authors)
        return any(filters) or bool(self.added or self.likes)


def parse_query(text: str) -> Query:
    """Parse a query; raises QueryError for an unknown filter or a malformed value."""
    query = Query(text=text, clauses=[Clause()], ends_in_word=bool(text) and not text[-1].isspace())
    for empty in _EMPTY_FILTER.finditer(text):
        if empty.group(1).lower() in FILTERS:  # else a word that ends in a colon ("note:")
            raise QueryError(_needs_value(empty.group(1).lower()))
    for match in _TOKEN.finditer(text):
        negated, name, quoted, closed, bare = (
            match.group(1) == "-",
            match.group(2),
            match.group(3),
            match.group(4),
            match.group(5),
        )
        if quoted is None and bare == "|" and not name:
            query.clauses.append(Clause())
            continue
        clause = query.clauses[-1]
        if name is not None:
            value = quoted if quoted is not None else (bare or "")
            _add_filter(query, name.lower(), value, negated)
            continue
        if quoted is not None and not closed and match.end() == len(text) and not negated:
            clause.words.extend(words(quoted))  # a phrase still being typed: its words, for now
            continue
        if quoted is not None:
            phrase = words(quoted)
            if phrase:
                (clause.excluded_phrases if negated else clause.phrases).append(phrase)
            continue
        for part in words(bare or ""):
            (clause.excluded_words if negated else clause.words).append(part)
    query.clauses = [c for c in query.clauses if c.words or c.phrases or c.excluded_words or c.excluded_phrases]
    if not query.clauses:
        query.clauses = [Clause()]
    if len(query.clauses) > 1 and any(not (c.words or c.phrases) for c in query.clauses):
        raise QueryError("each side of `|` needs a word or a phrase")
    return query


def _add_filter(query: Query, name: str, value: str, negated: bool) -> None:
    value = value.strip()
    if name not in FILTERS:
        known = ", ".join(f"{f}:" for f in FILTERS)
        raise QueryError(f"unknown filter `{name}:` (known: {known})")
    if not value:
        raise QueryError(_needs_value(name))
    if negated:
        if name in ("date", "added") or name in _PAPER_DATE:
            raise QueryError(f"write `{name}:<…` or `{name}:>…` instead of `-{name}:`")
        query.negated_filters.append((name, value))
        if name == "is":
            _check_is(value)
        return
    if name == "topic":
        query.topics.append(value)
    elif name == "list":
        query.lists.append(value)
    elif name == "is":
        _check_is(value)
        query.states.append(value.lower())
    elif name == "source":
        query.sources.append(value)
    elif name == "author":
        query.authors.append(value)
    elif name == "added":
        moment = _MOMENT.match(value)
        if not moment or not _real_moment(moment.group(2)):
            raise QueryError(f"`added:{value}`: write a date as 2024-09-12 or >=2024-09-01 (a time may follow: T08:30)")
        query.added.append(DateFilter(moment.group(1) or "=", moment.group(2)))
    elif name == "like":
        query.likes.append(value)
    elif name == "date" or name in _PAPER_DATE:
        match = _DATE.match(value)
        if not match or not _real_moment(match.group(2)):
            raise QueryError(f"`{name}:{value}`: write a date as 2024-09-12, 2024-09, 2024 or >=2024-09-01")
        (query.dates if name == "date" else query.published).append(DateFilter(match.group(1) or "=", match.group(2)))


def _real_moment(text: str) -> bool:
    """A date the calendar has (`2024-02-30` and `2024-99` match the pattern and nothing else): a
    filter on one would answer "No papers match" when the mistake is the user's."""
    try:
        if len(text) <= 7:  # a year, or a year and a month
            date.fromisoformat(text + "-01-01"[len(text) - 4 :])
        elif len(text) == 10:
            date.fromisoformat(text)
        else:
            datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _needs_value(name: str) -> str:
    """The error for a filter with nothing after it, with an example of what to write."""
    example = {
        "topic": 'a topic\'s name: `topic:retrieval`, `topic:"MoE routing"` (`paperterm topics` lists them)',
        "list": "a reading list's name: `list:to-read` (`paperterm lists` lists them)",
        "is": f"one of {', '.join(IS_VALUES)}: `is:unread`",
        "source": "a part of a digest file's name: `source:2024-09-12`",
        "date": "the day seen: `date:2024-09-12`, `date:2024-09` or `date:>=2024-09-01`",
        "published": "the paper's own date: `published:2015`, `published:>=2024-01`",
        "year": "the paper's own year: `year:2015` or `year:>=2020`",
        "author": "a part of an author's name: `author:hinton`",
        "added": "when it was imported: `added:2024-09-12` or `added:>=2024-09-01`",
        "like": "a paper's id: `like:2409.00001`",
    }.get(name, "")
    if not example:
        return f"`{name}:` needs a value"
    return f"`{name}:` needs a value, {example}"


def _check_is(value: str) -> None:
    if value.lower() not in IS_VALUES:
        raise QueryError(f"`is:{value}`: use one of {', '.join(IS_VALUES)}")


class FilterSource:
    """What filters need to know beyond the papers: lists, topics, triage status, notes, digests."""

    def list_members(self, name: str) -> set[str]:
        raise QueryError(f"no reading list named {name!r}")

    def topic_members(self, name: str) -> set[str]:
        raise QueryError(f"no topic named {name!r}")

    def state_members(self, state: str) -> tuple[set[str], bool]:
        """Ids with that state, and whether the set is the complement (e.g. unread = not read)."""
        raise QueryError(f"unknown state {state!r}")

    def source_members(self, text: str) -> set[str]:
        return set()

    def added_members(self, moment: DateFilter) -> set[str]:
        """Papers first imported at a moment the filter accepts."""
        return set()

    def note_text(self, paper_id: str) -> str:
        return ""

    def like_scores(self, ref: str) -> dict[str, float]:
        """The papers most like the paper `ref` names, with their similarity (`like:`)."""
        raise QueryError(f"`like:{ref}`: no paper similarity here")
