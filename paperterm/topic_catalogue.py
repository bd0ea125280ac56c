"""The topic catalogue: every topic the sidebar, `topic:` and the CLI know, and the user's say over them.

One owner for what is topic-shaped: automatic topics (discovered by `topics.discover`, saved
with their members in `library/topics.json`), the user's own topics (a name and a rule, kept in
the user's state), and pin / hide / rename / merge of either.

Automatic topics are a rebuildable cache keyed like the search index (the digests they were
computed for). Opening an unchanged library reads them back and recomputes nothing; papers
imported since are placed into the saved topics by the topics' own membership rule (a form in
the title, or twice in the abstract), a few milliseconds per hundred papers. Topics are
discovered again only when the library grew by a tenth since they were (or is small enough
that discovery is cheap), keeping earlier names where they still fit.

Computing never holds a lock that search, the list or a key needs: the heavy work runs under
the catalogue's own lock, calling the search engine briefly per phrase, and readers that must
not wait (the sidebar, triage highlighting, the paper pane) take `cached()`.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .atomic_io import LibraryFileError, read_json, write_json
from .errors import BadAction
from .heap import collector_paused
from .search_query import QueryError, parse_query
from .text_tokens import QUERY_STOPWORDS, spans, words
from .topic_match import match_topics
from .topic_rules import evaluation_order, left_out_topic, set_checked
from .topic_rules import problems as rule_problems
from .topics import HARD_GENERIC, SAMPLE_PAPERS, Topic, discover, trend

if TYPE_CHECKING:
    from .library import Library
    from .library_state import TopicPref
    from .paper import Paper

CACHE_KIND = "paperterm-topics"
SCHEMA_VERSION = 2  # 1 kept only the chosen keys; 2 keeps members and forms too
REDISCOVER_GROWTH = 0.1  # discover again once the library grew by this fraction
TREND_DAYS = 14


class _Form:
    """One written form of a topic, matched as whole words in lowercased text."""

    __slots__ = ("parts", "pattern")

    def __init__(self, form: str) -> None:
        self.parts = words(form)
        self.pattern = re.compile(_phrase_source(self.parts))

    def within(self, text: str, times: int = 1) -> bool:
        if not all(part in text for part in self.parts):  # a substring test rules most texts out
            return False
        return (self.pattern.search(text) is not None) if times == 1 else len(self.pattern.findall(text)) >= times


@dataclass(slots=True)
class _AutoTopic:
    """An automatic topic as saved: its forms (how papers join it) and its members."""

    key: str
    name: str
    broad: bool
    forms: tuple[str, ...]
    abstract_forms: tuple[str, ...]  # forms that also join by abstract (specific, not too common)
    members: frozenset[str]
    _title: tuple[_Form, ...] | None = field(default=None, repr=False)
    _abstract: tuple[_Form, ...] | None = field(default=None, repr=False)

    def holds(self, title: str, abstract: str) -> bool:
        """The membership rule, for one paper's lowercased title and abstract: a form in the title,
        or one twice in the abstract. A plain substring test of each form's words goes first."""
        if self._title is None or self._abstract is None:
            self._title = tuple(_Form(f) for f in self.forms if words(f))
            self._abstract = tuple(_Form(f) for f in self.abstract_forms if words(f))
        if any(form.within(title) for form in self._title):
            return True
        return bool(abstract) and any(form.within(abstract, times=2) for form in self._abstract)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "broad": self.broad,
            "forms": list(self.forms),
            "abstract_forms": list(self.abstract_forms),
            "members": list(self.members),
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> _AutoTopic:
        return cls(
            str(row["key"]),
            str(row["name"]),
            bool(row["broad"]),
            tuple(map(str, row["forms"])),
            tuple(map(str, row["abstract_forms"])),
            frozenset(map(str, row["members"])),
        )


class TopicCatalogue:
    """The library's topics: computed off the UI thread, read by everyone."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.path = library.store.root / "topics.json"
        self._auto: list[_AutoTopic] | None = None
        self._auto_key: str | None = None  # the digests the automatic members are valid for
        self._discovered_papers = 0
        self._previous: list[str] = []  # keys chosen before, so a few new papers do not rename topics
        self._view: list[Topic] | None = None
        self._stale = True
        self._composing: list[Topic] | None = None  # the topics made so far, while user rules run
        self._too_common: set[str] = set()
        self._lock = threading.Lock()  # held while topics are discovered or updated; nobody else needs it

    # -- reading -------------------------------------------------------------

    def cached(self) -> list[Topic]:
        """The topics last computed, at once: for whoever must not wait (a key press, a redraw)."""
        return self._view or []

    def all(self) -> list[Topic]:
        """Topics for the sidebar: pinned first, then by size; hidden and merged ones left out."""
        if self._composing is not None:  # a user rule naming a topic sees the automatic ones only
            return self._composing
        self._ensure_auto()
        view = self._view
        if view is None or self._stale:
            view = self._compose()
        return view

    def find(self, name: str) -> Topic:
        wanted = name.strip().casefold()
        for topic in self.all():
            if topic.key == name or topic.name.casefold() == wanted:
                return topic
        raise BadAction(f"no topic named {name!r} (see `paperterm topics`)")

    def members(self, name: str) -> set[str]:
        """The papers of the topics `topic:NAME` means, forgiving as the rest of the search (see
        topic_match): `topic:moe` finds "mixture of experts (MoE)". QueryError when none matches."""
        found = match_topics(self.all(), name)
        if not found:
            raise QueryError(f"no topic named {name!r} (see `paperterm topics`)")
        return set().union(*(t.members for t in found))

    def problems(self) -> list[str]:
        """User topics left out because their rules name each other in a circle, one line each."""
        return rule_problems(self.library.state.topics)

    def interest_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the words of the user's own and pinned topics stand in `text` (for triage).

        Reads the cached topics: it runs on a key press and never waits for a computation."""
        wanted: set[str] = set()
        for topic in self.cached():
            if topic.kind == "user":
                for clause in parse_query(topic.rule).clauses:
                    wanted.update(clause.words)
                    for phrase in clause.phrases:
                        wanted.update(phrase)
            elif topic.pinned:
                wanted.update(words(topic.name.split(" (")[0]))
        wanted -= QUERY_STOPWORDS
        if not wanted:
            return []
        return [(start, end) for token, start, end, _ in spans(text) if token in wanted]

    # -- keeping current -----------------------------------------------------

    def papers_changed(self) -> None:
        """Papers were imported: the next `all()` places them (or discovers again)."""
        self._stale = True

    def state_changed(self) -> None:
        """The user's state changed: a user topic's rule may filter on lists or triage status."""
        if any(t.kind == "user" for t in self._view or []):
            self._stale = True

    def _ensure_auto(self) -> None:
        library = self.library
        with self._lock:
            key = library.digest_key(len(library.digests))
            if self._auto is not None and self._auto_key == key:
                return
            if self._auto is None:
                with collector_paused():
                    self._load_saved()
                if self._auto_key == key:
                    self._stale = True
                    return
            since = self._valid_for()
            growth = len(library.papers) - self._discovered_papers
            if (
                since is not None
                and self._auto is not None
                and self._discovered_papers > SAMPLE_PAPERS
                and growth <= REDISCOVER_GROWTH * self._discovered_papers
            ):
                # Only the papers seen since are read (the columns say which), not the library.
                columns = library.store.columns
                rows = np.flatnonzero(columns.arrays["max_num"] > since).tolist()
                self._place([library.papers[columns.ids[row]] for row in rows])
            else:
                self._discover(list(library.papers.values()))
            self._auto_key = key
            self._stale = True
            if library.digests:
                with contextlib.suppress(LibraryFileError):  # a cache: not kept on a full or read-only disk
                    self._save()

    def _valid_for(self) -> int | None:
        """How many digests the saved members cover, when the library has only grown since."""
        if self._auto_key is None:
            return None
        count, _, _ = self._auto_key.partition(":")
        if not count.isdigit() or not 0 < int(count) <= len(self.library.digests):
            return None
        return int(count) if self.library.digest_key(int(count)) == self._auto_key else None

    def _place(self, papers: list[Paper]) -> None:
        """Put papers imported (or enriched) since into the saved topics, by each topic's rule."""
        assert self._auto is not None
        texts = [(p.id, p.title.lower(), p.abstract.lower()) for p in papers]  # each abstract read once
        ids = {pid for pid, _, _ in texts}
        for topic in self._auto:
            joined = {pid for pid, title, abstract in texts if topic.holds(title, abstract)}
            topic.members = (topic.members - ids) | joined  # a new set: readers never see it change

    def _discover(self, papers: list[Paper]) -> None:
        self._too_common = set()
        found = discover(
            papers,
            central_in_abstract=self._central_in_abstract,
            titles_with=self._titles_with,
            previous=[k.removeprefix("auto:") for k in self._previous],
        )
        self._auto = [
            _AutoTopic(
                t.key,
                t.name,
                t.broad,
                t.forms,
                () if t.broad else tuple(f for f in t.forms if _specific(f) and f not in self._too_common),
                t.members,
            )
            for t in found
        ]
        self._previous = [t.key for t in found]
        self._discovered_papers = len(papers)

    def _load_saved(self) -> None:
        try:
            saved = read_json(self.path, kind=CACHE_KIND, schema_version=SCHEMA_VERSION, allow_older=True)
        except LibraryFileError:
            return  # a cache: missing or damaged means discover again
        if saved.get("schema_version") == SCHEMA_VERSION:
            try:
                topics = [_AutoTopic.from_json(row) for row in saved["topics"]]
                key = str(saved["key"])
                discovered = int(saved["discovered_papers"])
            except (KeyError, TypeError, ValueError):
                topics = []
            else:
                self._auto, self._auto_key, self._discovered_papers = topics, key, discovered
                self._previous = [t.key for t in topics]
                return
        self._previous = [str(k) for k in saved.get("keys", []) if isinstance(k, str)]

    def saved_names(self, prefs: dict[str, TopicPref]) -> list[str]:
        """Every topic's name as the sidebar shows it, from the saved catalogue and the user's say,
        without loading a paper (shell completion asks this on every tab press)."""
        if self._auto is None:
            self._load_saved()
        names = []
        for topic in self._auto or []:
            pref = prefs.get(topic.key)
            if pref is None:
                names.append(topic.name)
            elif not (pref.hidden or pref.merged_into):
                names.append(pref.name or topic.name)
        own = [p.name for key, p in prefs.items() if key.startswith("user:") and not (p.deleted or p.hidden)]
        return own + names

    def _save(self) -> None:
        assert self._auto is not None
        write_json(
            self.path,
            {
                "schema_version": SCHEMA_VERSION,
                "kind": CACHE_KIND,
                "key": self._auto_key,
                "discovered_papers": self._discovered_papers,
                "topics": [t.to_json() for t in self._auto],
            },
        )

    # -- membership through the search index (discovery) ----------------------

    def _central_in_abstract(self, forms: list[str], within: set[str] | None = None) -> set[str]:
        """Papers (among `within`, if given) whose abstract holds one of the forms at least twice.

        The index narrows the papers to those repeating every word of a form; only their
        abstracts are read, to count the form itself. A form whose words half the library
        repeats is too common to say what an abstract is about: it joins papers by title only.
        """
        library = self.library
        engine = library.search_engine()
        found: set[str] = set()
        too_common = max(2000, len(library.papers) // 50)
        for form in forms:
            parts = words(form)
            if not _specific(form):
                continue  # nothing specific in it: papers join through their titles only
            pattern = re.compile(_phrase_source(parts))
            candidates = engine.abstracts_repeating([w for w in parts if w not in QUERY_STOPWORDS])
            if within is not None:
                candidates = [pid for pid in candidates if pid in within]
            if len(candidates) > too_common:
                self._too_common.add(form)
                continue
            for pid in candidates:
                if pid in found:
                    continue
                paper = library.papers.get(pid)
                if paper is not None and len(pattern.findall(paper.abstract.lower())) >= 2:
                    found.add(pid)
        return found

    def _titles_with(self, forms: list[str]) -> set[str]:
        """Papers whose title holds one of the forms (words adjacent, in order): via the index."""
        library = self.library
        engine = library.search_engine()
        found: set[str] = set()
        for form in forms:
            parts = words(form)
            if not parts:
                continue
            pattern = re.compile(_phrase_source(parts))
            for pid in engine.titles_containing(parts):
                paper = library.papers.get(pid)
                if paper is not None and pid not in found and pattern.search(paper.title.lower()):
                    found.add(pid)
        return found

    # -- the view: automatic topics under the user's preferences, and the user's own -----

    def _compose(self) -> list[Topic]:
        library = self.library
        self._stale = False
        auto_topics = self._auto or []
        prefs = library.state.topics
        dates = sorted({d.date for d in library.digests if d.date})[-TREND_DAYS:]
        members: dict[str, frozenset[str]] = {t.key: t.members for t in auto_topics}
        for key, pref in prefs.items():
            if key.startswith("auto:") and pref.merged_into and key in members and pref.merged_into in members:
                members[pref.merged_into] = members[pref.merged_into] | members[key]
        result: list[Topic] = []
        for topic in auto_topics:
            pref = prefs.get(topic.key)
            if pref is not None and (pref.hidden or pref.merged_into):
                continue
            name = pref.name if pref is not None and pref.name else topic.name
            ids = members[topic.key]
            pinned = bool(pref and pref.pinned)
            days = trend(ids, library.store.date_of, dates)
            result.append(Topic(topic.key, name, ids, "auto", "", days, pinned, topic.broad, forms=topic.forms))
        # A user rule may name topics: each runs after those it names, and sees the topics made so
        # far (`_composing`); a rule that leads back to itself is never run (`problems`).
        self._composing = result
        try:
            for key in evaluation_order(prefs):
                pref = prefs[key]
                if pref.hidden:
                    continue
                try:
                    ids = frozenset(library.search(pref.rule).ids)
                except QueryError:
                    ids = frozenset()
                days = trend(ids, library.store.date_of, dates)
                result.append(Topic(key, pref.name, ids, "user", pref.rule, days, pref.pinned))
        finally:
            self._composing = None
        result.sort(key=lambda t: (not t.pinned, t.kind != "user", t.broad, -len(t.members), t.name.casefold()))
        self._view = result
        return result

    # -- the user's say --------------------------------------------------------

    def prefs_changed(self) -> None:
        """The user's say over topics changed (an edit, or an undo of one): compose them again."""
        self._stale = True

    def add(self, name: str, rule: str) -> Topic:
        """A topic of the user's own: papers matching `rule` (the search language) belong to it."""
        name = " ".join(name.split())
        if not name:
            raise BadAction("a topic needs a name")
        query = parse_query(rule)  # a malformed rule is an error now, not an empty topic later
        excludes = query.negated_filters or any(c.excluded_words or c.excluded_phrases for c in query.clauses)
        if not (query.has_text or query.has_filters or excludes):  # `''`, `((`: it would hold every paper
            example = "'\"mixture of experts\" | moe'"
            raise BadAction(f"a topic needs a rule, a search: paperterm topics add {name!r} {example}")
        if any(t.name.casefold() == name.casefold() for t in self.all()):
            raise BadAction(f"a topic named {name!r} exists already")
        key = "user:" + (re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "topic")
        self.library.edit_state(
            lambda state: set_checked(state, key, name=name, rule=rule, deleted=False, hidden=False)
        )
        self.prefs_changed()
        return self.find(name)

    def rename(self, name: str, new_name: str) -> None:
        topic = self.find(name)
        new_name = " ".join(new_name.split())
        if not new_name:
            raise BadAction("a topic needs a name")
        self.library.edit_state(lambda state: set_checked(state, topic.key, name=new_name))
        self.prefs_changed()

    def set_flag(self, name: str, flag: str, value: bool) -> None:
        """Pin or hide a topic."""
        topic = self.find(name)
        self.library.edit_state(lambda state: state.set_topic(topic.key, **{flag: value}))
        self.prefs_changed()

    def unhide_all(self) -> int:
        hidden = [k for k, p in self.library.state.topics.items() if p.hidden]
        self.library.edit_state(lambda state: [state.set_topic(k, hidden=False) for k in hidden])
        self.prefs_changed()
        return len(hidden)

    def merge(self, source: str, target: str) -> None:
        """Fold `source` into `target`: target gains its papers, source leaves the sidebar."""
        src, dst = self.find(source), self.find(target)
        if src.key == dst.key:
            raise BadAction("a topic cannot be merged into itself")
        if src.kind == "user":
            if dst.kind != "user":
                raise BadAction("merge an automatic topic into another, or your topic into one of yours")
            combined = f"{dst.rule} | {src.rule}"
            self.library.edit_state(
                lambda state: (
                    state.set_topic(src.key, deleted=True),
                    set_checked(state, dst.key, rule=combined),
                )
            )
        else:
            self.library.edit_state(lambda state: state.set_topic(src.key, merged_into=dst.key))
        self.prefs_changed()

    def remove(self, name: str) -> None:
        """Delete a topic of the user's own (also one left out because its rule names itself), or
        hide an automatic one."""
        left_out = left_out_topic(self.library.state.topics, name)
        if left_out is not None:
            key, flag = left_out, "deleted"
        else:
            topic = self.find(name)
            key, flag = topic.key, "deleted" if topic.kind == "user" else "hidden"
        self.library.edit_state(lambda state: state.set_topic(key, **{flag: True}))
        self.prefs_changed()


def _specific(form: str) -> bool:
    """A form with a word that says what a paper is about (not only `model`, `learning`, `of`)."""
    parts = words(form)
    return bool(parts) and not all(w in QUERY_STOPWORDS or w in HARD_GENERIC for w in parts)


def _phrase_source(parts: Iterable[str]) -> str:
    """The words adjacent and in order, in lowercased text, whatever punctuation is between."""
    return r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, parts)) + r"(?![a-z0-9])"
