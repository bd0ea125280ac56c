"""Which user topics' rules name each other, and the cycles that must never be saved or run.

A user topic is a name and a rule in the search language; the rule may name other topics
(`topic:distillation -survey`). A rule that names its own topic, directly or through other
user topics (`A: topic:B`, `B: topic:A`), has no answer: computing it would never end. Such a
rule is refused before it is saved; a state file that already holds one (written by an older
paperterm, or merged in from a sync) still loads, with the topics on the cycle disabled and a
message saying which and how to fix them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .errors import BadAction
from .search_query import QueryError, parse_query

if TYPE_CHECKING:
    from .library_state import LibraryState, TopicPref


def named_topics(rule: str) -> list[str]:
    """The topic names a rule filters on (`topic:X` and `-topic:X`); none for a malformed rule."""
    try:
        query = parse_query(rule)
    except QueryError:
        return []
    return [*query.topics, *(value for name, value in query.negated_filters if name == "topic")]


def _live_user_topics(prefs: Mapping[str, TopicPref]) -> dict[str, TopicPref]:
    return {k: p for k, p in prefs.items() if k.startswith("user:") and not p.deleted}


def dependencies(prefs: Mapping[str, TopicPref]) -> dict[str, list[str]]:
    """For each live user topic, the user topics its rule names (by name or key)."""
    live = _live_user_topics(prefs)
    by_name = {p.name.casefold(): k for k, p in live.items()}
    found: dict[str, list[str]] = {}
    for key, pref in live.items():
        named = (n.strip() for n in named_topics(pref.rule))
        found[key] = list(dict.fromkeys(k for n in named if (k := n if n in live else by_name.get(n.casefold()))))
    return found


def cycles(prefs: Mapping[str, TopicPref]) -> dict[str, list[str]]:
    """Each user topic on a cycle, with the cycle as names (`A → B → A`)."""
    graph = dependencies(prefs)
    names = {k: p.name for k, p in prefs.items()}
    on_cycle: dict[str, list[str]] = {}
    for start in graph:
        path = _path_back(graph, start)
        if path is not None:
            on_cycle[start] = [names[k] for k in path]
    return on_cycle


def _path_back(graph: dict[str, list[str]], start: str) -> list[str] | None:
    """A path from `start` through the graph back to `start`, or None (depth-first, no recursion)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, []):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def evaluation_order(prefs: Mapping[str, TopicPref]) -> list[str]:
    """Live user topics not on a cycle, each after the user topics its rule names."""
    graph = dependencies(prefs)
    blocked = set(cycles(prefs))
    order: list[str] = []
    placed: set[str] = set()
    pending = [k for k in graph if k not in blocked]
    while pending:
        ready = [k for k in pending if all(d in placed for d in graph[k] if d not in blocked)]
        if not ready:  # only keys that depend on a cycle's members remain
            ready = pending
        for key in ready:
            order.append(key)
            placed.add(key)
        pending = [k for k in pending if k not in placed]
    return order


def refusal(key: str, prefs: Mapping[str, TopicPref]) -> str | None:
    """Why a change that left topic `key` as it is in `prefs` must not be saved, or None."""
    cycle = cycles(prefs).get(key)
    if cycle is None:
        return None
    if len(cycle) == 2:
        return f"the rule of topic {cycle[0]!r} names the topic itself (`topic:{cycle[0]}`); name other topics only"
    return f"topic rules would name each other in a circle ({' → '.join(cycle)}); change one of them"


def left_out_topic(prefs: Mapping[str, TopicPref], name: str) -> str | None:
    """The key of the user topic called `name` (or with that key) if it is left out for naming
    itself, so it can still be removed; None otherwise."""
    wanted = name.strip().casefold()
    for key in cycles(prefs):
        if key == name or prefs[key].name.casefold() == wanted:
            return key
    return None


def problems(prefs: Mapping[str, TopicPref]) -> list[str]:
    """One line per user topic disabled because its rule leads back to itself (a state that holds one)."""
    return [
        f"topic {' → '.join(cycle)} names itself, so it is left out: "
        f"fix its rule with `paperterm topics remove {cycle[0]!r}` and add it again"
        for cycle in cycles(prefs).values()
    ]


def set_checked(state: LibraryState, key: str, **changes: str | bool) -> None:
    """Change a topic's preference inside a state edit, refusing (so nothing is saved) a change that
    leaves its rule naming itself."""
    state.set_topic(key, **changes)
    problem = refusal(key, state.topics)
    if problem is not None:
        raise BadAction(problem)
