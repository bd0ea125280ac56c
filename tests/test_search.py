"""Search relevance on the two sample digests, filters, incremental updates, and the title property."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
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
