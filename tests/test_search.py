"""Search relevance on the two sample digests, filters, incremental updates, and the title property."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from paperterm.library import Library
from paperterm.search_index import SearchIndex
from paperterm.search_query import QueryError, parse_query

from .conftest import BLANK, COMPACT


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("search") / "lib"
    lib = Library.open(root)
    lib.import_samples()
    return lib


def titles(library: Library, query: str, n: int = 5) -> list[str]:
    return [library.papers[pid].title for pid in library.search(query).ids[:n]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("knowlege distilation token graph", "Knowledge Distillation via Token-level Relationship Graph"),
        ("dataset condensaton benchmark", "DC-BENCH: Dataset Condensation Benchmark"),
        (
            "mixture of experts editing",
            "Efficiently Editing Mixture-of-Experts Models with Compressed Experts",
        ),
        ("lexrank", "LexRank: Graph-based Lexical Centrality as Salience in Text Summarization"),
        # swapped letters, the commonest typo, count as one edit: "routign" is "routing"
        ("improving routign sparse", "Improving Routing in Sparse Mixture of Experts with Graph of Tokens"),
        ("splade mistral", "Mistral-SPLADE: LLMs for better Learned Sparse Retrieval"),
        (
            "taid",
            "TAID: Temporally Adaptive Interpolated Distillation for Efficient Knowledge Transfer in Language Models",
        ),
    ],
)
def test_typod_and_partial_queries_find_the_paper_first(library: Library, query: str, expected: str) -> None:
    assert titles(library, query, 1) == [expected]


def test_prefix_of_the_word_being_typed(library: Library) -> None:
    for title in titles(library, "distil", 10):
        assert "distil" in title.lower()
    assert titles(library, "knowledge dist", 1)[0].lower().count("knowledge distillation") == 1


def test_compound_tokens(library: Library) -> None:
    found = titles(library, "moe", 30)
    for expected in ("QuantMoE-Bench", "Sigma-Moe-Tiny", "MoEC"):
        assert any(expected in t for t in found), expected


def test_hyphens_case_and_accents_do_not_matter(library: Library) -> None:
    assert titles(library, "MIXTURE-OF-EXPERTS", 3) == titles(library, "mixture of experts", 3)
    assert titles(library, "distillätion", 3) == titles(library, "distillation", 3)


def test_title_matches_rank_above_abstract_only(library: Library) -> None:
    results = library.search("federated learning")
    in_title = ["federated learning" in library.papers[p].title.lower() for p in results.ids]
    first_abstract_only = in_title.index(False)
    assert all(in_title[:first_abstract_only]) and not any(in_title[first_abstract_only:])


def test_all_words_rank_above_some(library: Library) -> None:
    results = library.search("sparse retrieval inference")
    full = results.full_matches
    assert full > 0
    for pid in results.ids[:full]:
        paper = library.papers[pid]
        text = f"{paper.title} {paper.abstract}".lower()
        assert all(w in text for w in ("sparse", "retriev", "inference"))


def test_phrase_exclusion_and_alternatives(library: Library) -> None:
    for pid in library.search('"dense retrieval"').ids:
        paper = library.papers[pid]
        assert "dense retrieval" in f"{paper.title} {paper.abstract}".lower().replace("-", " ")
    for pid in library.search("distillation -knowledge").ids:
        assert "knowledge" not in library.papers[pid].title.lower()
    either = set(library.search("summarization | recommendation").ids)
    assert set(library.search("summarization").ids) | set(library.search("recommendation").ids) <= either


def test_filters(library: Library) -> None:
    assert len(library.search("date:2025-09-12").ids) == 80
    assert len(library.search("date:>=2025-09-12").ids) == 80
    assert len(library.search("date:<2025-09-12").ids) == 119  # the whole digest of the 11th
    assert len(library.search("date:2025-09").ids) == 174
    assert len(library.search("source:compact").ids) == 119
    assert len(library.search("is:unread").ids) == 174
    assert library.search('topic:"mixture of experts (MoE)" routing').ids


@pytest.mark.parametrize(
    "query, message",
    [
        ("color:red", "unknown filter `color:`"),
        ("is:maybe", "use one of"),
        ("date:yesterday", "write a date"),
        ("date:2024-99", "write a date"),  # the pattern's shape, not a date: it answered "No papers match"
        ("published:>=2023-02-29", "write a date"),
        ("added:2024-09-12T25:00", "write a date"),
        ("list:nowhere", "no reading list named 'nowhere'"),
        ("topic:nothing", "no topic named 'nothing'"),
        ("source:zzz", "no imported digest file matches"),
    ],
)
def test_bad_filters_are_errors(library: Library, query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        library.search(query)


def test_state_filters_follow_triage(data_dir: Path) -> None:
    lib = Library.open(data_dir)
    lib.import_paths([str(BLANK)])
    first = lib.search("").ids[0]
    lib.bookmark(first)
    lib.set_status(first, "read")
    lib.set_note(first, "zebra crossing")
    assert lib.search("is:bookmarked").ids == [first]
    assert lib.search("is:read").ids == [first]
    assert first not in lib.search("is:unread").ids
    assert lib.search("list:to-read").ids == [first]
    assert lib.search("zebra").ids == [first]  # notes are searched
    assert lib.search("is:noted").ids == [first]


def test_spans_cover_the_matched_words(library: Library) -> None:
    results = library.search("knowlege distilation")
    title = library.papers[results.ids[0]].title
    spans = results.highlight(title)
    assert [title[a:b].lower() for a, b in spans][:2] == ["knowledge", "distillation"]
    results = library.search("moe")
    assert "MoE" in [t[a:b] for t in ["QuantMoE-Bench"] for a, b in results.highlight(t)]


def test_incremental_updates_without_a_rebuild(data_dir: Path, tmp_path: Path) -> None:
    lib = Library.open(data_dir)
    lib.import_paths([str(BLANK)])
    engine = lib.search_engine()
    base = engine.index
    lib.set_note(lib.search("").ids[0], "xylophone theory")
    assert lib.search("xylophone").ids
    lib.import_paths([str(COMPACT)])
    assert lib.search_engine().index is base  # the same index, extended
    assert base.delta_size == 94
    assert titles(lib, "token condensation test time", 1) == [
        "Is Less More? Exploring Token Condensation as Training-free Test-time Adaptation"
    ]
    # the saved index is reused, and papers imported after it go to the delta
    again = Library.open(data_dir)
    assert titles(again, "token condensation test time", 1) == titles(lib, "token condensation test time", 1)


def test_saved_index_round_trip(library: Library, tmp_path: Path) -> None:
    index = SearchIndex.build(library.papers.values())
    index.save(tmp_path, "k")
    loaded = SearchIndex.load(tmp_path, "k")
    assert loaded is not None and loaded.vocab == index.vocab and loaded.doc_ids == index.doc_ids
    assert SearchIndex.load(tmp_path, "other key") is None


def test_query_parsing() -> None:
    query = parse_query('moe "dense retrieval" -survey topic:"MoE routing" date:>=2024-09-01 is:unread')
    clause = query.clauses[0]
    assert clause.words == ["moe"] and clause.phrases == [["dense", "retrieval"]]
    assert clause.excluded_words == ["survey"]
    assert query.topics == ["MoE routing"] and query.states == ["unread"]
    assert query.dates[0].op == ">=" and query.dates[0].value == "2024-09-01"
    still_typing = parse_query('"dense retr')
    assert still_typing.clauses[0].words == ["dense", "retr"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_paper_is_the_top_result_for_its_own_title(library: Library, data: st.DataObject) -> None:
    pid = data.draw(st.sampled_from(sorted(library.papers)))
    title = library.papers[pid].title
    top = library.search(title.replace('"', " ")).ids[0]
    assert library.papers[top].title == title


# -- the engine's shortcuts give exactly the plain computation's answer ---------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.25]), min_size=0, max_size=60),
    st.integers(min_value=1, max_value=20),
)
def test_ranking_the_head_first_is_a_stable_sort(values: list[float], count: int) -> None:
    """Ties included: the head and the lazily sorted rest read exactly as one stable sort."""
    import numpy as np

    from paperterm.search import RankedIds, _best_first

    score = np.array(values, dtype=np.float32)
    chosen = np.arange(len(values))
    head, tail = _best_first(chosen, score, count)
    names = np.array([f"p{i}" for i in range(len(values))], dtype=object)
    ranked = RankedIds(head, tail, score, names)
    expected = [f"p{i}" for i in np.argsort(-score, kind="stable")]
    assert list(ranked) == expected
    assert len(ranked) == len(expected)
    assert [ranked[i] for i in range(len(expected))] == expected
    assert ranked[2:9] == expected[2:9]
    for name in expected[::7]:
        assert ranked.index(name) == expected.index(name)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0]), st.booleans()), min_size=0, max_size=120),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=4),
)
@example([(7.0, True)] + [(0.0, True)] * 12 + [(7.0, True)] + [(0.0, True)] * 26, 3, 1)  # a guess too high
def test_the_head_found_above_a_guessed_threshold_is_the_head_of_all(
    rows: list[tuple[float, bool]], count: int, sample: int
) -> None:
    """The guess comes from every step-th score: wherever the best scores sit (on the sampled
    documents or between them, tied or not, filtered out or not), the head and the rest read
    exactly as a stable sort of all the documents the mask keeps."""
    import numpy as np

    from paperterm import search
    from paperterm.search import RankedIds, _best_of

    score = np.array([v for v, _ in rows], dtype=np.float32)
    mask = np.array([m for _, m in rows], dtype=bool)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SAMPLE", sample)
        head, rest, found = _best_of(mask, score, count)
    names = np.array([f"p{i}" for i in range(len(rows))], dtype=object)
    kept = np.flatnonzero(mask)
    expected = [f"p{i}" for i in kept[np.argsort(-score[kept], kind="stable")]]
    assert found == len(expected) and list(RankedIds(head, rest, score, names, found)) == expected
    assert len(head) >= min(count, found)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="abcdeilnorst", min_size=4, max_size=10))
def test_letter_test_never_drops_a_near_token(library: Library, word: str) -> None:
    """Tokens within the edit budget, found through the letter bits, are those a full scan finds."""
    from rapidfuzz.distance import Levenshtein

    index = library.search_engine().index
    budget = 2 if len(word) >= 8 else 1
    scanned = {(t, d) for t in index.vocab if 0 < (d := Levenshtein.distance(word, t)) <= budget}
    assert set(index._within(word, budget)) == scanned


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["mix", "mixture", "of", "experts", "expert", "moe", "routing", "x"]), max_size=30),
    st.lists(st.sampled_from(["mix", "exp", "rout", "of", "moe"]), min_size=1, max_size=3),
)
def test_proximity_window_from_word_positions(tokens: list[str], wanted: list[str]) -> None:
    """The window found through each text's word positions is the one a scan of its words finds."""
    from paperterm.search import _Positions, _smallest_window

    words_ = tuple(dict.fromkeys(wanted))
    hits = [(i, next(w for w in words_ if t.startswith(w))) for i, t in enumerate(tokens) if t.startswith(words_)]
    best = None
    for i, (start, _) in enumerate(hits):
        seen: set[str] = set()
        for end, word in hits[i:]:
            seen.add(word)
            if len(seen) == len(words_):
                best = end - start + 1 if best is None else min(best, end - start + 1)
                break
    assert _smallest_window(_Positions(tokens), wanted) == best


def test_saved_fuzzy_tables_are_read_back_and_stale_ones_remade(tmp_path: Path) -> None:
    import numpy as np

    from paperterm.paper import Paper

    papers = [Paper(f"p{i}", f"Knowledge distillation {i}", abstract="routing experts tokens") for i in range(30)]
    built = SearchIndex.build(papers)
    built.save(tmp_path, "key")
    loaded = SearchIndex.load(tmp_path, "key")
    assert loaded is not None and loaded._letters is not None  # read, not made on first use
    assert loaded._within("distilation", 2) == built._within("distilation", 2) == [("distillation", 1)]
    np.save(tmp_path / "vocab.letters.npy", np.zeros(3, dtype=np.uint32))  # another vocabulary's
    stale = SearchIndex.load(tmp_path, "key")
    assert stale is not None and stale._letters is None
    assert stale._within("routng", 1) == [("routing", 1)]


# -- the ranking, computed plainly: a change to any of its rules fails here -----------------------

VOCAB = ["mixture", "mixtures", "experts", "expert", "routing", "knowledge", "distillation", "data", "dataset"]
VOCAB += ["of", "the", "graph", "grpah", "sparse", "spare", "lee", "li"]


def _plain_ranking(papers: list, query_text: str, recency: object, head_size: int) -> tuple:
    """The engine's rules, one paper at a time in plain Python with the engine's float32 sums:
    coverage × 100, best field match per word (weights, exact > prefix > one typo > two), stop
    words at a tenth, +5 when the title holds every word, +100 per phrase, recency × 0.01; a
    stable sort; the proximity rerank applied to the top of the head as the engine does."""
    import re

    import numpy as np
    from rapidfuzz.distance import Levenshtein

    from paperterm.search_index import EXACT, FUZZY1, FUZZY2, PREFIX, SHORT_PREFIX, WEIGHTS
    from paperterm.text_tokens import QUERY_STOPWORDS, fold_text, token_set

    f32 = np.float32
    query = parse_query(query_text)
    fields = [
        {"title": token_set(p.title), "authors": token_set(" ".join(p.authors)), "abstract": token_set(p.abstract)}
        for p in papers
    ]
    vocab = set().union(*(t for f in fields for t in f.values()))

    def quality(word: str, token: str, as_prefix: bool, field: str) -> float:
        if token == word:
            return EXACT
        best = 0.0
        if (
            (as_prefix or len(word) >= 2)
            and token.startswith(word)
            and (len(word) >= SHORT_PREFIX or field != "abstract")
        ):
            best = PREFIX
        edits = 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0
        swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)} - {word}
        if edits and token in swaps:
            best = max(best, FUZZY1)
        elif edits and token in vocab and 0 < (d := Levenshtein.distance(word, token)) <= edits:
            best = max(best, FUZZY1 if d == 1 else FUZZY2)
        return best

    def phrase_in(paper: object, phrase: list[str]) -> bool:
        pattern = re.compile(r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, phrase)) + r"(?![a-z0-9])")
        for text in (paper.title, " ".join(paper.authors), paper.abstract):
            if text and (
                pattern.search(text.lower()) if text.isascii() else f" {' '.join(phrase)} " in f" {fold_text(text)} "
            ):
                return True
        return False

    scores, full_count, kept = [], 0, []
    for doc, paper in enumerate(papers):
        best_score, is_full = f32(0), False
        for clause in query.clauses:
            required = [w for w in clause.words if w not in QUERY_STOPWORDS] or list(clause.words)
            last = clause.words[-1] if clause.words and query.ends_in_word else None
            matched, total, in_title = 0, f32(0), True
            for word in clause.words:
                best, title_hit = f32(0), False
                for field, tokens in fields[doc].items():
                    q = max((quality(word, t, word == last, field) for t in tokens), default=0.0)
                    best = max(best, f32(q * WEIGHTS[field]))
                    title_hit |= field == "title" and q > 0
                if word in required:
                    matched += best > 0
                    total = f32(total + best)
                    in_title &= title_hit
                else:
                    total = f32(total + best * f32(0.1))
            present = all(
                phrase_in(paper, p) if len(p) > 1 else p[0] in set().union(*fields[doc].values())
                for p in clause.phrases
            )
            present &= matched > 0 or not clause.words
            present &= not any(w in set().union(*fields[doc].values()) for w in clause.excluded_words)
            if present:
                value = f32(float(f32(f32(matched) * f32(100)) + total) + 5.0 * in_title + 100.0 * len(clause.phrases))
                best_score = max(best_score, value)
                is_full |= matched == len(required)
        if best_score > 0:
            kept.append(doc)
            scores.append(f32(best_score + recency[doc] * f32(0.01)))  # type: ignore[index]
            full_count += is_full
    order = [kept[i] for i in np.argsort(-np.array(scores, dtype=np.float32), kind="stable")]
    ranked = [scores[kept.index(d)] for d in order]
    head = len(order) if len(order) <= head_size else sum(s >= ranked[head_size - 1] for s in ranked)
    return [str(d) for d in order], len(order), full_count, head, dict(zip(kept, scores, strict=True))  # type: ignore[return-value]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4),
            st.lists(st.sampled_from(VOCAB), max_size=10),
            st.integers(1, 9),
        ),
        min_size=2,
        max_size=40,
    ),
    st.lists(
        st.sampled_from(
            [
                *VOCAB,
                "mixtrue",
                "distilation",
                "knowlege",
                "rout",
                "ex",
                "d",
                "-sparse",
                '"of the"',
                '"mixture of experts"',
                "|",
            ]
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_every_prefix_of_a_query_ranks_as_the_plain_computation(
    monkeypatch: pytest.MonkeyPatch, texts: list[tuple[list[str], list[str], int]], parts: list[str]
) -> None:
    """Typed a character at a time (the engine keeps the sums of earlier words between
    keystrokes), every prefix answers as the plain computation of the ranking rules: ids in
    order, count and full matches. A small head and sample make the head's threshold guessed."""
    import numpy as np

    from paperterm import search
    from paperterm.paper import Paper
    from paperterm.search import PaperSearch
    from paperterm.search_query import FilterSource

    monkeypatch.setattr(search, "HEAD", 3)
    monkeypatch.setattr(search, "SAMPLE", 2, raising=False)
    papers = [
        Paper(
            str(i), " ".join(t), abstract=" ".join(a), authors=["lee"] if i % 3 else ["li"], date=f"2024-01-{day:02d}"
        )
        for i, (t, a, day) in enumerate(texts)
    ]
    engine = PaperSearch(SearchIndex.build(papers), {p.id: p for p in papers}, FilterSource())
    text = " ".join(parts)
    for end in range(1, len(text) + 1):
        try:
            got = engine.search(text[:end])
        except QueryError:
            continue
        recency = engine._doc_dates()[1]
        order, count, full, head, scores = _plain_ranking(papers, text[:end], recency, search.HEAD)
        if got.query.has_text and head > 1:
            score = np.zeros(len(papers), dtype=np.float32)
            for doc, value in scores.items():
                score[doc] = value
            reranked = engine._rerank_by_proximity(np.array([int(d) for d in order[:head]]), score, got.query)
            order = [str(d) for d in reranked] + order[head:]
        assert (list(got.ids), len(got), got.full_matches) == (order, count, full), text[:end]


def test_words_kept_between_keystrokes_are_forgotten_when_notes_or_papers_change() -> None:
    """The sums of the words before the one being typed are kept for the next keystroke; a note
    written or a paper enriched in between must show in the very next answer."""
    from paperterm.paper import Paper
    from paperterm.search import PaperSearch
    from paperterm.search_query import FilterSource

    papers = [Paper(f"p{i}", f"Sparse routing {i}", abstract="tokens and experts") for i in range(6)]
    by_id = {p.id: p for p in papers}
    engine = PaperSearch(SearchIndex.build(papers), by_id, FilterSource())
    assert engine.search("zebra rout").full_matches == 0  # "zebra" kept, matching nothing
    engine.set_notes({"p4": "zebra crossing"})
    assert list(engine.search("zebra rout").ids)[:1] == ["p4"]
    assert engine.search("quagga rout").full_matches == 0
    enriched = Paper("p2", "Sparse routing 2", abstract="quagga tokens")
    by_id["p2"] = enriched
    engine.add_papers([enriched])
    assert list(engine.search("quagga rout").ids)[:1] == ["p2"]


def test_membership_in_results_is_answered_without_listing_them(library: Library) -> None:
    """The list asks whether its selected papers are still among a search's results: each answer
    is one lookup (a million results are not turned into ids for it), and the true one."""
    results = library.search("sparse mixture")
    listed = list(library.search("sparse mixture").ids)
    assert 0 < len(listed) < len(library.papers)
    outside = next(pid for pid in library.papers if pid not in set(listed))
    for pid in [*listed[::7], listed[-1], outside, "no-such-paper", 42]:
        assert (pid in results.ids) == (pid in listed), pid
    assert results.ids._all is None  # nothing was listed to answer


def test_a_query_superseded_while_it_waited_is_not_ranked(library: Library) -> None:
    """Keys typed in a burst each start a search; one that finds a newer query asked once the
    engine is free gives up, so the last key's answer is not queued behind every earlier one."""
    from paperterm.search import SearchSuperseded

    with pytest.raises(SearchSuperseded):
        library.search("mixture of exp", superseded=lambda: True)
    assert len(library.search("mixture of exp", superseded=lambda: False)) > 0
