"""What a triage decision means, in one place for the app and the CLI.

`keep` bookmarks in the default list and marks read; `skip` marks read; `dismiss` hides the
paper from unread views. Toggles (read, dismissed, bookmarked) and the sidebar's actions on
a list or topic live here too, so `paperterm triage` and the app's keys change the library
the same way. Nothing here records undo: the caller runs each action inside an undo step
(`UndoHistory.step`), which records exactly what it changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from .errors import BadAction
from .wording import plural

if TYPE_CHECKING:
    from .library import Library


class Decision(StrEnum):
    KEEP = "keep"
    SKIP = "skip"
    DISMISS = "dismiss"


def decide(library: Library, paper_id: str, decision: Decision) -> None:
    """Apply one triage decision to a paper."""
    if decision is Decision.KEEP:
        library.bookmark(paper_id)
        library.set_status(paper_id, "read")
    elif decision is Decision.SKIP:
        library.set_status(paper_id, "read")
    else:
        library.set_status(paper_id, "dismissed")


def toggle_read(library: Library, paper_id: str) -> str:
    """Read ↔ unread; returns the new status."""
    value = "new" if library.state.status_of(paper_id) == "read" else "read"
    library.set_status(paper_id, value)
    return value


def toggle_dismissed(library: Library, paper_id: str) -> str:
    """Dismissed ↔ unread; returns the new status."""
    value = "new" if library.state.status_of(paper_id) == "dismissed" else "dismissed"
    library.set_status(paper_id, value)
    return value


def toggle_in_list(library: Library, paper_id: str, list_name: str | None = None) -> bool:
    """Put the paper in the list (default: to-read) or take it out; True when it is in it now."""
    state = library.state
    found = state.find_list(list_name) if list_name is not None else state.ensure_default_list()
    if found is None:
        raise BadAction(f"no reading list named {list_name!r}")
    inside = paper_id in state.list_papers(found.id)
    if inside:
        library.unbookmark(paper_id, found.name)
    else:
        library.bookmark(paper_id, found.name)
    return not inside


def bookmark_all(library: Library, paper_ids: Iterable[str], list_name: str | None = None) -> int:
    """Put every one of `paper_ids` in the list (default: to-read); how many were not in it yet."""
    return sum(library.bookmark(pid, list_name) for pid in paper_ids)


def mark_read(library: Library, paper_ids: Iterable[str]) -> list[str]:
    """Mark the unread ones among `paper_ids` read, in one write; returns those that changed."""
    return library.set_status_many(paper_ids, "read", only_from="new")


class ScopeAction(StrEnum):
    RENAME = "rename"
    PIN = "pin"
    HIDE = "hide"
    MERGE = "merge"
    REMOVE = "remove"


def act_on_scope(library: Library, kind: str, name: str, action: ScopeAction, value: str = "") -> str:
    """Rename, pin, hide, merge or remove a reading list (`kind` "list") or a topic (`kind` "topic").

    `name` is the list's name or the topic's key or name. Topic actions take the library lock
    (they recompute topics): call them from a worker in the app. Returns what an action that
    takes away something the user made did ("Deleted list thesis (2 papers)"), so the face can
    say it and how to undo it; "" for the others.
    """
    if kind == "list":
        if action is ScopeAction.RENAME:
            library.rename_list(name, value)
            return ""
        if action is ScopeAction.REMOVE:
            return f"Deleted list {name} ({plural(len(library.delete_list(name)), 'paper')})"
        raise BadAction(f"a reading list cannot be {action.value}ed")
    if kind != "topic":
        raise BadAction(f"only reading lists and topics can be {action.value}d")
    topic = library.topics.find(name)
    if action is ScopeAction.RENAME:
        library.topics.rename(name, value)
    elif action is ScopeAction.PIN:
        library.topics.set_flag(name, "pinned", not topic.pinned)
    elif action is ScopeAction.HIDE:
        library.topics.set_flag(name, "hidden", True)
        return f"Hid topic {topic.name}"
    elif action is ScopeAction.MERGE:
        library.topics.merge(name, value)
        return f"Merged topic {topic.name} into {value}"
    else:
        library.topics.remove(name)
        return f"{'Removed' if topic.kind == 'user' else 'Hid'} topic {topic.name}"
    return ""
