"""The scopes a reader moves between — all, unread, each list, each topic, each digest day — with counts.

Each scope is a query in the search language, so choosing one in the sidebar and
typing in the search bar combine by simply joining the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the TUI imports this before the library module loads
    from .library import Library

MAX_DAYS = 60  # digest days listed one by one in the sidebar


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str  # all | unread | new | foryou | list | topic | day (foryou: key "all" or a list id)
    key: str
    label: str
    query: str
    total: int
    unread: int
    trend: tuple[int, ...] = ()  # papers per digest date, oldest first (topics)


def quote(value: str) -> str:
    return f'"{value}"' if any(ch.isspace() for ch in value) or not value else value


def overview(library: Library, *, since: str | None = None) -> list[Scope]:
    """Every scope with its paper and unread counts, in sidebar order.

    Topics are the ones computed so far (`TopicCatalogue.cached`): counting never waits for them.
    `since` (when the last session started) adds "What's new": papers first imported after it.
    """
    state = library.state
    papers = library.papers
    touched = {pid for pid, s in state.status.items() if s.value != "new" and pid in papers}
    scopes = [
        Scope("all", "all", "All", "", len(papers), len(papers) - len(touched)),
        Scope("unread", "unread", "Unread", "is:unread", len(papers) - len(touched), len(papers) - len(touched)),
    ]
    if since:
        fresh = library.added_since(since)
        unread = sum(1 for pid in fresh if pid not in touched)
        scopes.append(Scope("new", "new", "What's new", f"added:>{since}", len(fresh), unread))
    unread_total = len(papers) - len(touched)

    def recommendable(kept: set[str]) -> int:
        """Unread papers For you can show: it leaves out the unread ones it learns from."""
        found = {pid for pid in kept if pid in papers}  # no paper read for a plain id: counting stays cheap
        found |= {paper.id for pid in kept - found if (paper := library.paper_for(pid)) is not None}
        return unread_total - len(found - touched)

    everything = recommendable(state.bookmarked_ids() | state.noted_ids())
    scopes.append(Scope("foryou", "all", "For you", "is:unread", everything, everything))
    for reading_list in state.live_lists():  # a list is a research interest: For you learns it alone
        label = f"For you · {reading_list.name}"
        shown = recommendable(set(state.list_papers(reading_list.id)))
        scopes.append(Scope("foryou", reading_list.id, label, "is:unread", shown, shown))
    for reading_list in state.live_lists():
        members = [pid for pid in state.list_papers(reading_list.id) if library.paper_for(pid) is not None]
        unread = sum(1 for pid in members if state.status_of(pid) == "new")
        query = f"list:{quote(reading_list.name)}"
        scopes.append(Scope("list", reading_list.id, reading_list.name, query, len(members), unread))
    for topic in library.topics.cached():
        unread = sum(1 for pid in topic.members if pid not in touched)
        query = f"topic:{quote(topic.name)}"
        scopes.append(Scope("topic", topic.key, topic.name, query, len(topic.members), unread, topic.trend))
    per_day, unread_day = library.day_counts(touched)
    days = [day for day in sorted(per_day, reverse=True) if day]
    for day in days[:MAX_DAYS]:
        scopes.append(Scope("day", day, day, f"date:{day}", per_day[day], unread_day[day]))
    if len(days) > MAX_DAYS:  # older days are a `date:` search away; listing hundreds helps no one
        older = sum(per_day[d] for d in days[MAX_DAYS:])
        unread = sum(unread_day[d] for d in days[MAX_DAYS:])
        scopes.append(
            Scope("day", "older", f"older ({len(days) - MAX_DAYS} days)", f"date:<{days[MAX_DAYS - 1]}", older, unread)
        )
    return scopes
