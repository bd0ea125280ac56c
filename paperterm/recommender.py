"""For you over one library: its saved vectors, the reader's kept and dismissed papers, cold start.

`recommend.py` is the mathematics; this is where it meets the library: which papers count as
kept (in a reading list, with a note; triage's keep is a bookmark) or dismissed, which are
candidates (unread), where the vectors are saved and when they are brought up to date.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .atomic_io import LibraryFileError
from .recommend import MIN_KEPT, ForYou, PaperVectors, Recommendation, Taste, best, order, rank

EXPLAINED = 200  # papers whose reason is worked out with the ranking (the rest on demand)
LIKE_LIMIT = 200  # `like:ID` answers with this many papers at most: the ones worth reading next to it

if TYPE_CHECKING:
    from pathlib import Path

    from .library import Library
    from .paper import Paper


@dataclass(frozen=True, slots=True)
class Arranged:
    """Papers in For you order, the reasons of the first ones, and the cold-start notice if any."""

    ids: list[str]
    reasons: dict[str, str]
    notice: str = ""


class Recommender:
    """The vectors of one library (loaded or built on first use) and one taste per scope."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._vectors: PaperVectors | None = None
        self._tastes: dict[str | None, Taste] = {}
        # One at a time: a UI worker ranking while an import adds papers would see arrays half-grown.
        self.lock = threading.RLock()

    @property
    def folder(self) -> Path:
        return self.library.recommend_dir

    @property
    def ready(self) -> bool:
        """True once the vectors are in memory (ranking then takes milliseconds, not a build)."""
        return self._vectors is not None

    def _key(self, digests: int) -> str:
        found = self.library.digests
        return f"{digests}:{found[digests - 1].sha256 if digests else ''}"

    def vectors(self) -> PaperVectors:
        """The vectors, loaded from their file (plus papers imported since) or built and saved."""
        with self.lock:
            if self._vectors is None:
                self._vectors = self._load() or self.rebuild()
            return self._vectors

    def _load(self, refresh: list[Paper] | None = None) -> PaperVectors | None:
        """The saved vectors plus papers missing from them and `refresh` (papers just enriched)."""
        meta = PaperVectors.saved_key(self.folder)
        if meta is None:
            return None
        head = meta.split(":", 1)[0]
        count = int(head) if head.isdigit() else -1
        if not 0 < count <= len(self.library.digests) or meta != self._key(count):
            return None
        vectors = PaperVectors.load(self.folder, meta)
        if vectors is None:
            return None
        papers = self.library.papers
        stale = {p.id: p for p in refresh or []}
        stale.update((pid, papers[pid]) for pid in list(papers) if pid not in vectors.doc_of)
        if stale:
            vectors.add_papers(stale.values())
        if vectors.needs_rebuild():
            return None
        return vectors

    def rebuild(self) -> PaperVectors:
        """Vectorise every paper and save (seconds at 100k papers: callers run it in a worker)."""
        with self.lock:
            vectors = PaperVectors.build(list(self.library.papers.values()))
            if self.library.digests:
                with contextlib.suppress(LibraryFileError):  # a cache: a full or read-only disk only costs speed
                    vectors.save(self.folder, self._key(len(self.library.digests)))
            self._vectors = vectors
            self._tastes.clear()
            return vectors

    def papers_changed(self, papers: list[Paper]) -> None:
        """After an import: new and enriched papers join the delta, saved at once (≤ 1 s at 100k).

        Vectors never built are left unbuilt (the first For you builds them); saved but not
        loaded ones are loaded, so the file never falls behind the library.
        """
        if not papers:
            return
        with self.lock:
            if self._vectors is None:
                if PaperVectors.saved_key(self.folder) is None:
                    return
                self._vectors = self._load(refresh=papers)
                if self._vectors is None:
                    self.rebuild()
                    return
            else:
                self._vectors.add_papers(papers)
            if self._vectors.needs_rebuild():
                self.rebuild()
            else:
                with contextlib.suppress(LibraryFileError):  # the import itself was saved: never fail it here
                    self._vectors.save_delta(self.folder)
            self._tastes.clear()

    # -- the reader ------------------------------------------------------------

    def _canonical(self, ids: set[str]) -> set[str]:
        found = set()
        for ref in ids:
            paper = self.library.paper_for(ref)
            if paper is not None:
                found.add(paper.id)
        return found

    def kept_and_dismissed(self, list_name: str | None = None) -> tuple[set[str], set[str]]:
        """The papers this scope learns from: kept (a list's papers, or every list's and the noted)
        and dismissed."""
        state = self.library.state
        if list_name is None:
            kept = state.bookmarked_ids() | state.noted_ids()
        else:
            found = state.find_list(list_name)
            if found is None:
                names = ", ".join(rl.name for rl in state.live_lists()) or "none"
                raise LookupError(f"no reading list named {list_name!r} (lists: {names})")
            kept = set(state.list_papers(found.id))
        dismissed = {pid for pid, s in state.status.items() if s.value == "dismissed"}
        return self._canonical(kept), self._canonical(dismissed) - self._canonical(kept)

    def taste(self, list_name: str | None = None) -> Taste:
        """The scope's taste, brought up to date with the state (one similarity per changed paper)."""
        with self.lock:
            vectors = self.vectors()
            kept, dismissed = self.kept_and_dismissed(list_name)
            key = None if list_name is None else list_name.casefold()
            taste = self._tastes.get(key)
            if taste is None or taste.vectors is not vectors:
                taste = self._tastes[key] = Taste(vectors)
            taste.update(kept, dismissed)
            return taste

    def _unread_mask(self, vectors: PaperVectors) -> np.ndarray:
        mask = vectors.alive.copy()
        papers = self.library.papers
        for pid, status in self.library.state.status.items():
            if status.value != "new":
                paper = papers.get(pid) or self.library.paper_for(pid)
                doc = vectors.doc_of.get(paper.id) if paper is not None else None
                if doc is not None:
                    mask[doc] = False
        present = np.fromiter((pid in papers for pid in vectors.doc_ids), dtype=bool, count=len(vectors.doc_ids))
        return mask & present

    def for_you(self, list_name: str | None = None, limit: int | None = 50) -> ForYou:
        """Unread papers best first with their reasons; a cold start says so and falls back to pinned topics."""
        with self.lock:
            kept, dismissed = self.kept_and_dismissed(list_name)
            if len(kept) < MIN_KEPT:
                return self._cold_start(kept, dismissed, list_name, limit)
            taste = self.taste(list_name)
            items = rank(taste, self._unread_mask(taste.vectors), limit)
            return ForYou(items, len(taste.kept), len(taste.dismissed))

    def ordered(self, paper_ids: list[str], list_name: str | None = None) -> list[str]:
        """These papers in For you order (the sort any scope can use); a cold start keeps them as given."""
        return self.arrange(paper_ids, list_name, explain=0).ids

    def arrange(
        self,
        paper_ids: list[str],
        list_name: str | None = None,
        explain: int = EXPLAINED,
        *,
        drop_kept: bool = False,
    ) -> Arranged:
        """These papers (a scope, a search) in For you order, the first `explain` with their reason.

        Learned: best match first, ties in the given order. Cold start: papers of pinned topics
        first (in the given order), then the rest, with the notice saying why. `drop_kept`: leave
        out the papers learned from (the For you scope recommends only what is not kept yet).
        """
        with self.lock:
            kept, dismissed = self.kept_and_dismissed(list_name)
            if drop_kept:
                paper_ids = [pid for pid in paper_ids if pid not in kept]
            if len(kept) < MIN_KEPT:
                cold = self._cold_start(kept, dismissed, list_name, None)
                topic_of = {item.paper_id: item for item in cold.items if item.topic}
                ids = [pid for pid in paper_ids if pid in topic_of] + [pid for pid in paper_ids if pid not in topic_of]
                reasons = {pid: self.reason(topic_of[pid]) for pid in ids[:explain] if pid in topic_of}
                return Arranged(ids, reasons, cold.notice)
            taste = self.taste(list_name)
            vectors = taste.vectors
            scores = taste.scores()
            ids = order(taste, paper_ids)
            reasons = {}
            for pid in ids[:explain]:
                doc = vectors.doc_of.get(pid)
                if doc is not None and doc not in taste.kept:
                    like, terms = taste.why(doc)
                    reasons[pid] = self.reason(Recommendation(pid, float(scores[doc]), like, tuple(terms)))
            return Arranged(ids, reasons, "")

    def reason_for(self, paper_id: str, list_name: str | None = None) -> str:
        """Why For you would show this paper (for the paper pane); "" when it has nothing to say or is busy."""
        if not self.ready or not self.lock.acquire(blocking=False):
            return ""
        try:
            kept, _ = self.kept_and_dismissed(list_name)
            if len(kept) < MIN_KEPT:
                return ""
            taste = self.taste(list_name)
            doc = taste.vectors.doc_of.get(paper_id)
            if doc is None or doc in taste.kept:
                return ""
            like, terms = taste.why(doc)
            return self.reason(Recommendation(paper_id, 0.0, like, tuple(terms)))
        finally:
            self.lock.release()

    def related_now(self, paper_id: str, limit: int = 5) -> list[tuple[str, float]] | None:
        """`related` if the vectors are in memory and no worker holds them; None otherwise (the UI
        thread asks this way, so it never waits for a build or an import)."""
        if not self.ready or not self.lock.acquire(blocking=False):
            return None
        try:
            return self.related(paper_id, limit)
        finally:
            self.lock.release()

    def _cold_start(self, kept: set[str], dismissed: set[str], list_name: str | None, limit: int | None) -> ForYou:
        library = self.library
        where = f"the list {list_name!r} holds" if list_name else "you have kept"
        count = f"{len(kept)} paper{'s' if len(kept) != 1 else ''}"
        first = (
            f"Not enough to learn from yet: {where} {count}; For you learns from {MIN_KEPT} or more "
            "(bookmark, keep in triage, or write a note)."
        )
        state = library.state
        unread = [p for p in library.papers_sorted() if state.status_of(p.id) == "new" and p.id not in kept]
        pinned = [t for t in library.topics.all() if t.pinned]
        items: list[Recommendation] = []
        if pinned:
            seen: set[str] = set()
            for paper in unread:
                topic = next((t for t in pinned if paper.id in t.members), None)
                if topic is not None and paper.id not in seen:
                    seen.add(paper.id)
                    items.append(Recommendation(paper.id, 0.0, topic=topic.name))
            names = ", ".join(t.name for t in pinned)
            notice = f"{first} Meanwhile: unread papers of your pinned topics ({names}), newest first."
        else:
            items = [Recommendation(p.id, 0.0) for p in unread]
            notice = f"{first} Meanwhile: the newest unread papers (pin a topic to see its papers here instead)."
        if limit is not None:
            items = items[:limit]
        return ForYou(items, len(kept), len(dismissed), notice)

    def reason(self, item: Recommendation, width: int = 80) -> str:
        """Why a paper is there, in one line of at most `width` (the kept paper's title gives way):
        `like “Mixture of LoRA Experts” · routing, experts`."""
        if item.topic:
            return f"in your pinned topic {item.topic}"
        terms = ", ".join(t.removeprefix("@") for t in item.terms)
        like = self.library.papers.get(item.like) if item.like else None
        if like is None:
            return terms
        tail = f" · {terms}" if terms else ""
        room = max(12, width - len(tail) - len("like “”"))
        title = like.title if len(like.title) <= room else like.title[: room - 1].rstrip() + "…"
        return f"like “{title}”{tail}"

    def related(self, paper_id: str, limit: int = 5) -> list[tuple[str, float]]:
        """The papers most like this one, with their similarity."""
        with self.lock:
            vectors = self.vectors()
            papers = self.library.papers
            found = vectors.related(paper_id, limit + 5)
            return [(pid, sim) for pid, sim in found if pid in papers][:limit]

    def like_scores(self, paper_id: str, limit: int = LIKE_LIMIT) -> dict[str, float]:
        """The `limit` papers most like this one, with their similarity (for `like:ID`)."""
        with self.lock:
            vectors = self.vectors()
            doc = vectors.doc_of.get(paper_id)
            if doc is None:
                return {}
            scores = vectors.similar_to(doc)
            scores[doc] = 0.0
            scores[~vectors.alive] = 0.0
            hits = [d for d in best(scores, limit) if scores[d] > 0]
            return {vectors.doc_ids[d]: float(scores[d]) for d in hits}
