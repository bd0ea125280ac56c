"""Research topics, discovered from the papers themselves, and the user's own.

Discovery:
- Candidates are phrases of one to three words from titles (titles name what a paper
  is about), never starting or ending with a stopword or a generic word, with words
  reduced to a light stem so that `distil`, `distilled` and `distillation`, or
  `expert` and `experts`, are one candidate. A phrase is shown in its most common
  written form.
- An acronym defined in an abstract — `Mixture-of-Experts (MoE)` — is an alias of
  its phrase: papers saying `MoE` belong to "mixture of experts".
- Generic phrases are never topics: a fixed list (`we propose`, `state of the art`,
  `large language`, `results show`, …) and any phrase found in more than a quarter of
  the titles (`language models` in an LLM digest).
- Membership rule: a paper belongs to a topic when the phrase (or its acronym) is in
  its title, or occurs at least twice in its abstract.
- Topics are chosen greedily by how many papers they hold, skipping one whose papers
  are mostly inside a topic already chosen that shares a word with it, so "knowledge
  distillation" and "dataset distillation" are kept and a bare "distillation" is not.
  Ties break by name: the same library always gives the same topics, and topics chosen
  before get a bonus so a few new papers do not rename the sidebar.

User topics (kept in the user's state) are a name and a rule in the search language;
their papers are whatever the rule matches, so they catch future imports too.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from .paper import Paper
from .text_tokens import STOPWORDS, title_words

# Words a topic may hold inside but never start or end with: they qualify, they do not name.
GENERIC_EDGE = frozenset(
    "efficient effective improved improving improve enhancing enhance enhanced better simple scalable "
    "robust unified unifying general generalized large small deep fast faster lightweight free "
    "leveraging leverage exploring explore understanding rethinking revisiting towards "
    "study case analysis approach approaches method methods framework frameworks task tasks performance "
    "results result paper work system systems use evaluation evaluating benchmark "
    "benchmarks survey review technique techniques strategy strategies problem problems what how when why "
    "make making made high low level modeling modelling pre post non self end full open real world scale "
    "scaling physics compressing sampling integration selection prediction detection maximizing "
    "minimizing generating achieving boosting bridging empowering unlocking unleashing facilitating "
    "enabling mitigating measuring pursuing hopping matching guiding adaptive "
    "student teacher students teachers existing including following increasing leading resulting remaining "
    "underlying emerging growing promising interesting challenging corresponding surprising varying "
    "competing ongoing according having being providing capturing achieving trained pretrained learned "
    "diverse various different multiple specific existing previous proposed".split()
)
# Words a phrase may start with but not end with ("dataset distillation", not "distillation dataset").
GENERIC_END = frozenset("data dataset datasets".split())
GENERIC_PHRASES = frozenset(
    (
        "we propose",
        "in this paper",
        "state of the art",
        "large language",
        "results show",
        "language model",
        "language models",
        "large language model",
        "large language models",
        "experimental results",
        "deep learning",
        "machine learning",
        "neural network",
        "neural networks",
        "proposed method",
        "extensive experiments",
        "pre trained",
        "fine tuning",
        "llms",
        "llm",
        "ai",
        "artificial intelligence",
        "case study",
        "large scale",
        "real world",
        "training free",
        "open source",
        "zero shot",
        "few shot",
        "end to end",
        "reasoning",
        "learning",
        "generation",
        "representation",
        "representations",
        "transformer",
        "transformers",
        "knowledge",
        "information",
        "efficiency",
        "inference",
        "optimization",
        "adaptation",
        "agents",
        "alignment",
        "understanding",
        "evaluation",
        "training",
        "models",
        "model",
        "data",
        "embedding",
        "embeddings",
        "attention",
        "language",
        "text",
        "graph",
        "search",
        "vision",
        "key value",
        "communication",
        "collaboration",
        "decoding",
        "browsing",
        "expansion",
        "natural language",
        "language processing",
        "domain specific",
        "trade offs",
        "top k",
        "latent space",
        "long context",
        "foundation models",
        "foundation model",
        "pretrained models",
        "deep neural networks",
        "learning models",
        "learning model",
        "based models",
        "generative models",
        "vision language",
    )
)
# Never a topic, not even a broad one.
HARD_GENERIC = frozenset(
    "model models language languages learning data large neural training framework method methods "
    "approach paper study llm llms deep network networks system systems task tasks performance towards "
    "via using based new novel efficient effective improving multi text".split()
)
BROAD_TARGET = 0.9
MAX_BROAD = 30
EVALUATED_PER_TOPIC = 3
MAX_GENERIC_RATIO = 0.25
MIN_PAPERS = 2
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,7}s?)\)")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light stemmer: plural, -ing, -ed, -ation, -er, and a doubled final consonant."""
    w = word.lower()
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ations", "ation", "ings", "ing", "ed", "ers", "er"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return w


Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    key: str  # "auto:knowledg distil" or "user:NAME"
    name: str
    members: frozenset[str]
    kind: str  # auto | user
    rule: str = ""  # the query, for user topics and for `topic:` filtering by phrase
    trend: tuple[int, ...] = ()
    pinned: bool = False
    broad: bool = False  # a single title word, chosen to cover papers no phrase topic holds
    spellings: frozenset[str] = frozenset()  # a broad topic's words as written (`expert`, `experts`)
    # The written forms membership is decided by (title holds one; or abstract repeats one):
    # kept so papers imported later join without rediscovering (see `topic_catalogue`).
    forms: tuple[str, ...] = ()


ABSTRACT_SAMPLE = 3000
SAMPLE_PAPERS = 5000  # topics are found among this many newest papers


def _is_name(word: str) -> bool:
    """`InfoDiffusion`, `FlashAttention`, `GPT4`: a system's name, not a research area."""
    rest = word[1:]
    return rest != rest.lower() or not word.isalpha()


def _phrases(words: list[str]) -> Iterable[tuple[Key, str]]:
    """(stem key, surface form) of each 1-3 word phrase not starting or ending with a stopword."""
    lower = [w.lower() for w in words]
    for i in range(len(words)):
        if lower[i] in STOPWORDS or lower[i] in GENERIC_EDGE:
            continue
        for n in (1, 2, 3):
            if n == 1 and _is_name(words[i]):
                continue
            j = i + n
            if j > len(words):
                break
            last = lower[j - 1]
            if n > 1 and (len(lower[i]) < 3 or len(last) < 3):
                continue
            if last in STOPWORDS or last in GENERIC_EDGE or (n > 1 and last in GENERIC_END):
                continue
            if n > 1 and last.endswith("ed"):  # "knowledge grounded", "tool augmented": qualifiers
                continue
            if n == 3 and lower[i + 1] in STOPWORDS and lower[i + 1] not in ("of", "for", "to"):
                continue
            if n == 2 and lower[i + 1] in STOPWORDS:
                continue
            yield tuple(stem(w) for w in lower[i:j]), " ".join(lower[i:j])


AREA_SUFFIXES = ("tion", "sion", "ing", "val", "ics", "ogy", "ysis")


def _is_generic(surface: str, key: Key) -> bool:
    """Generic phrases never become topics; a single word must read as the name of a field
    (`summarization`, `retrieval`, `pruning`), not an adjective or a common noun."""
    if surface in GENERIC_PHRASES or " ".join(key) in GENERIC_PHRASES:
        return True
    content = [w for w in surface.split() if w not in STOPWORDS]
    if all(w in HARD_GENERIC for w in content):  # "models training": nothing specific in it
        return True
    if len(key) == 1:
        word = surface
        if len(word) < 5 or word in GENERIC_EDGE or word.isdigit():
            return True
        return not word.endswith(AREA_SUFFIXES)
    return False


def acronym_aliases(texts: Iterable[str]) -> dict[str, tuple[Key, str]]:
    """`Mixture-of-Experts (MoE)` → {"moe": (("mixture", "of", "expert"), "MoE")}, when the letters fit."""
    votes: dict[str, Counter[Key]] = defaultdict(Counter)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for match in _ACRONYM.finditer(text):
            acronym = match.group(1)
            letters = [c.lower() for c in acronym if c.isupper()] or [acronym[0].lower()]
            words = title_words(text[max(0, match.start() - 80) : match.start()])[-5:]
            for n in range(len(words), 0, -1):
                tail = words[-n:]
                content = [w for w in tail if w.lower() not in STOPWORDS]
                if (
                    content
                    and len(content) == len(letters)
                    and all(w[0].lower() == c for w, c in zip(content, letters, strict=True))
                ):
                    plural = len(acronym) > 2 and acronym.endswith("s") and acronym[-2].isupper()
                    short = acronym[:-1] if plural else acronym
                    votes[short.lower()][tuple(stem(w.lower()) for w in tail)] += 1
                    spellings[short.lower()][short] += 1
                    break
    return {
        acronym: (counts.most_common(1)[0][0], spellings[acronym].most_common(1)[0][0])
        for acronym, counts in votes.items()
        if len(acronym) >= 2
    }


def discover(
    papers: list[Paper],
    *,
    central_in_abstract: Callable[[list[str], set[str] | None], set[str]],
    titles_with: Callable[[list[str]], set[str]] | None = None,
    previous: Iterable[str] = (),
    limit: int | None = None,
) -> list[Topic]:
    """Automatic topics of a library.

    `central_in_abstract(forms)` returns the papers whose abstract repeats every content word of
    one of the forms (the library answers it from its search index, without reading abstracts).
    """
    total = max(1, len(papers))
    if limit is None:
        limit = max(12, min(80, total // 4))
    # Topics are discovered and ranked on the newest papers; a larger library then gets the
    # chosen topics' full membership from the index, so the cost does not grow with it.
    sampled = len(papers) > SAMPLE_PAPERS
    if sampled:
        papers = sorted(papers, key=lambda p: (p.date, p.id), reverse=True)[:SAMPLE_PAPERS]
    within = {p.id for p in papers} if sampled else None
    title_docs: dict[Key, set[str]] = defaultdict(set)
    surfaces: dict[Key, Counter[str]] = defaultdict(Counter)
    for paper in papers:
        for key, surface in _phrases(title_words(paper.title)):
            title_docs[key].add(paper.id)
            surfaces[key][surface] += 1
    # Abstracts of the newest papers propose phrases too, when a phrase is central to one
    # (twice in it): the long tail of topics that titles alone are too short to show.
    newest = sorted(papers, key=lambda p: (p.date, p.id), reverse=True)[:ABSTRACT_SAMPLE]
    abstract_docs: dict[Key, int] = Counter()
    for paper in newest:
        seen: Counter[Key] = Counter()
        for sentence in re.split(r"[.;:!?()]", paper.abstract):
            for key, surface in _phrases(title_words(sentence)):
                if len(key) > 1:
                    seen[key] += 1
                    surfaces[key][surface] += 0  # known surface, no title weight
        for key, count in seen.items():
            if count >= 2:
                abstract_docs[key] += 1
    for key, count in abstract_docs.items():
        if count >= 2 and key not in title_docs:
            title_docs[key] = set()
    aliases = acronym_aliases(p.abstract[:1500] for p in papers)
    by_key = {key: acronym for acronym, (key, _) in aliases.items()}
    spelled = {key: spelling for _, (key, spelling) in aliases.items()}
    for acronym, (key, _) in aliases.items():  # titles that say `MoE` belong to "mixture of experts"
        if (acronym,) in title_docs and key in title_docs:
            title_docs[key] |= title_docs[(acronym,)]
    sample_total = max(1, len(papers))
    previous_keys = set(previous)
    acronym_keys = {(a,) for a in aliases}
    candidates = []
    for key, docs in title_docs.items():
        surface = surfaces[key].most_common(1)[0][0]
        if (not docs and key not in abstract_docs) or (docs and len(docs) < MIN_PAPERS and key not in abstract_docs):
            continue
        if _is_generic(surface, key) or len(docs) / sample_total > MAX_GENERIC_RATIO:
            continue
        if any((word,) in acronym_keys for word in key):  # "MoE", "MoE models": the phrase's topic
            continue
        candidates.append((key, surface))
    # Abstract membership (the phrase at least twice in the abstract) costs reading abstracts, so
    # only the likeliest candidates get it: the greedy choice below cannot take more than `limit`.
    candidates.sort(key=lambda c: (-len(title_docs[c[0]]) - (5 if c[0] in abstract_docs else 0), c[1]))
    candidates = candidates[: limit * EVALUATED_PER_TOPIC]
    members: dict[Key, set[str]] = {}
    for key, _surface in candidates:
        forms = sorted(set(surfaces[key]) | ({by_key[key]} if key in by_key else set()))
        members[key] = title_docs[key] | central_in_abstract(forms, within)

    def weight(candidate: tuple[Key, str]) -> tuple[float, str]:
        key, surface = candidate
        bonus = 1.25 if " ".join(key) in previous_keys else 1.0
        return (-len(members[key]) * bonus, surface)

    # Phrases before single words: "knowledge distillation" and "dataset distillation" are
    # chosen before "distillation", which is then redundant when they hold most of its papers.
    ranked = sorted((c for c in candidates if len(c[0]) > 1), key=weight)
    ranked += sorted((c for c in candidates if len(c[0]) == 1), key=weight)
    chosen: list[tuple[Key, str]] = []
    for key, surface in ranked:
        mine = members[key]
        if len(mine) < MIN_PAPERS:
            continue
        related = set()
        for other, _ in chosen:
            if set(key) & set(other):
                related |= members[other]
        fresh = len(mine - related)
        if related and (fresh < 3 or fresh / len(mine) < 0.2):
            continue  # mostly inside a related topic chosen already
        chosen.append((key, surface))
        if len(chosen) >= limit:
            break
    chosen.sort(key=lambda c: (-len(members[c[0]]), c[1]))
    covered: set[str] = set().union(*(members[k] for k, _ in chosen)) if chosen else set()
    broad = _broad_topics(papers, covered, {k for k, _ in chosen}, sample_total)
    if sampled and titles_with is not None:
        for key, _surface in chosen:
            forms = sorted(set(surfaces[key]) | ({by_key[key]} if key in by_key else set()))
            members[key] = titles_with(forms) | central_in_abstract(forms, None)
        broad = [
            Topic(
                t.key,
                t.name,
                frozenset(titles_with(sorted(t.spellings))),
                "auto",
                broad=True,
                spellings=t.spellings,
                forms=t.forms,
            )
            for t in broad
        ]
    topics = []
    for key, surface in chosen:
        label = surface
        if key in by_key:
            label = f"{surface} ({spelled[key]})"
        forms = tuple(sorted(set(surfaces[key]) | ({by_key[key]} if key in by_key else set())))
        topics.append(Topic(f"auto:{' '.join(key)}", label, frozenset(members[key]), "auto", forms=forms))
    topics.extend(broad)
    return topics


def _broad_topics(papers: list[Paper], covered: set[str], taken: set[Key], total: int) -> list[Topic]:
    """Single title words that name an area broadly (`knowledge`, `sparsity`, `agents`), chosen
    greedily by how many papers without a topic they hold, until most papers have one."""
    docs: dict[str, set[str]] = defaultdict(set)
    spelling: dict[str, Counter[str]] = defaultdict(Counter)
    for paper in papers:
        for word in title_words(paper.title):
            lower = word.lower()
            if lower in STOPWORDS or lower in HARD_GENERIC or lower in GENERIC_EDGE or len(lower) < 4:
                continue
            if _is_name(word) or lower.endswith("ed"):
                continue
            key = stem(lower)
            if (key,) in taken:
                continue
            docs[key].add(paper.id)
            spelling[key][lower] += 1
    # Lazy greedy set cover: a word's gain only shrinks, so re-check just the head of the heap.
    least = max(2, total // 200)
    heap = [(-len(ids), key) for key, ids in docs.items() if least <= len(ids) <= MAX_GENERIC_RATIO * total]
    heapq.heapify(heap)
    chosen: list[Topic] = []
    covered = set(covered)
    while heap and len(covered) < BROAD_TARGET * total and len(chosen) < MAX_BROAD:
        _, key = heapq.heappop(heap)
        gain = len(docs[key] - covered)
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, key))
            continue
        if gain < least:
            break
        name = spelling[key].most_common(1)[0][0]
        chosen.append(
            Topic(
                f"auto:{key}",
                name,
                frozenset(docs[key]),
                "auto",
                broad=True,
                spellings=frozenset(spelling[key]),
                forms=tuple(sorted(spelling[key])),
            )
        )
        covered |= docs[key]
    return chosen


def trend(members: Iterable[str], date_of: Callable[[str], str], dates: list[str]) -> tuple[int, ...]:
    """Papers per digest date (the last `len(dates)` dates), for the sidebar's sparkline; `date_of`
    gives a paper's first-seen day ("" if unknown) without reading the paper."""
    index = {d: i for i, d in enumerate(dates)}
    counts = [0] * len(dates)
    for pid in members:
        at = index.get(date_of(pid))
        if at is not None:
            counts[at] += 1
    return tuple(counts)
