"""For you: vectors, the reader's taste, cold start, related papers, `like:` and `paperterm recommend`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperterm.library import Library
from paperterm.paper import Paper
from paperterm.recommend import MIN_KEPT, PaperVectors, Taste, _count_terms, rank
from paperterm.search_query import QueryError

from .conftest import COMPACT, run_cli

THEMES = {
    "moe": "mixture experts routing sparse gating experts load balancing router",
    "robot": "robot manipulation grasping dexterous policy gripper tactile",
    "galaxy": "galaxy stellar halo redshift cluster dark matter survey",
}


def themed(n: int = 8) -> list[Paper]:
    papers = []
    for theme, text in THEMES.items():
        vocab = text.split()
        for i in range(n):
            words_ = " ".join(vocab[(i + k) % len(vocab)] for k in range(5))
            papers.append(Paper(f"{theme}{i}", f"{theme} study {i}: {words_}", f"We study {words_} {theme}."))
    return papers


def test_related_papers_share_the_theme_and_the_paper_itself_is_left_out() -> None:
    vectors = PaperVectors.build(themed())
    related = vectors.related("robot0", 5)
    assert len(related) == 5
    assert all(pid.startswith("robot") and pid != "robot0" for pid, _ in related)
    assert all(0 < sim <= 1.0 for _, sim in related)
    assert vectors.shared_terms(vectors.doc_of["robot0"], vectors.doc_of[related[0][0]])


def test_word_forms_make_papers_alike_but_prefixes_are_never_shown_as_reasons() -> None:
    """`galaxies` and `galactic` share the prefix `~galax` with `galaxy`: the papers are alike through it,
    and the reasons name words, never the prefix."""
    plain = [
        Paper("a", "Galaxy clustering", "We measure galaxy clustering."),
        Paper("b", "Galaxies clustered", "Galaxies are clustered and galactic."),
        Paper("c", "Robot grasping", "A robot grasps objects."),
        Paper("d", "Protein folding", "Proteins fold."),
    ]
    vectors = PaperVectors.build(plain)
    assert "~galax" in vectors.term_of and "~clust" in vectors.term_of
    assert vectors.similar_to(vectors.doc_of["a"])[vectors.doc_of["b"]] > 0.2  # no word in common but prefixes
    assert vectors.related("a", 1)[0][0] == "b"
    assert vectors.shared_terms(vectors.doc_of["a"], vectors.doc_of["b"]) == []
    taste = Taste(vectors)
    taste.update(["a"], [])
    assert not any(term.startswith("~") for term in taste.why(vectors.doc_of["b"])[1])


def test_a_paper_alike_to_the_whole_library_is_lowered_by_its_mean_similarity() -> None:
    """The score takes off half a paper's mean similarity to every live paper (kept in `library_similarity`,
    measured where the vectors are built, loaded or extended)."""
    empty = [Paper(f"empty{i}", "", "") for i in range(3)]  # no terms: first, among the others, last
    vectors = PaperVectors.build([empty[0], *themed()[:12], empty[1], *themed()[12:], empty[2]])
    brute = np.mean([vectors.similar_to(d) for d in range(len(vectors))], axis=0)
    np.testing.assert_allclose(vectors.library_similarity, brute, atol=2e-3)
    taste = Taste(vectors)
    taste.update(["moe0", "moe1", "moe2"], [])
    mean_kept = taste.kept_sum / 3
    np.testing.assert_allclose(taste.scores(), mean_kept - 0.5 * vectors.library_similarity, atol=1e-6)
    vectors.add_papers([Paper("broad", "A survey", "mixture experts robot grasping galaxy stellar halo")])
    assert len(vectors.library_similarity) == len(vectors)
    broad = vectors.doc_of["broad"]
    assert vectors.library_similarity[broad] > np.median(vectors.library_similarity)


def test_self_similarity_is_one() -> None:
    vectors = PaperVectors.build(themed())
    sims = vectors.similar_to(vectors.doc_of["galaxy3"])
    assert sims[vectors.doc_of["galaxy3"]] == pytest.approx(1.0, abs=1e-3)  # float16 weights: 3 digits


def test_kept_papers_of_one_theme_rank_that_theme_first_with_reasons() -> None:
    vectors = PaperVectors.build(themed())
    taste = Taste(vectors)
    taste.update(["moe0", "moe1", "moe2"], [])
    ranked = rank(taste, None, 5)
    assert [r.paper_id[:3] for r in ranked] == ["moe"] * 5
    assert all(r.paper_id not in ("moe0", "moe1", "moe2") for r in ranked)
    assert ranked[0].like in ("moe0", "moe1", "moe2")
    assert ranked[0].terms


def test_dismissing_lowers_a_paper_like_the_dismissed_one() -> None:
    vectors = PaperVectors.build(themed())
    taste = Taste(vectors)
    taste.update(["moe0", "robot0"], [])
    before = taste.scores()[vectors.doc_of["robot3"]]
    taste.update(["moe0", "robot0"], ["robot1"])
    assert taste.scores()[vectors.doc_of["robot3"]] < before


@settings(max_examples=30, deadline=None)
@given(steps=st.lists(st.tuples(st.sets(st.integers(0, 23), max_size=5), st.sets(st.integers(0, 23), max_size=3))))
def test_incremental_taste_equals_a_fresh_one(steps: list[tuple[set[int], set[int]]]) -> None:
    """Keeping and dismissing one paper at a time lands where learning from scratch does."""
    papers = themed()
    vectors = PaperVectors.build(papers)
    taste = Taste(vectors)
    for kept, dismissed in steps:
        taste.update([papers[i].id for i in kept], [papers[i].id for i in dismissed])
    if steps:
        fresh = Taste(vectors)
        fresh.update([papers[i].id for i in steps[-1][0]], [papers[i].id for i in steps[-1][1]])
        np.testing.assert_allclose(taste.scores(), fresh.scores(), atol=1e-5)
        assert taste.centroid.keys() == fresh.centroid.keys()


def test_saved_vectors_with_a_delta_answer_as_the_built_ones(tmp_path: Path) -> None:
    papers = themed()
    vectors = PaperVectors.build(papers[:16])
    vectors.save(tmp_path, "k")
    vectors.add_papers(papers[16:])
    vectors.add_papers([Paper("moe1", "galaxy halo redshift", "stellar cluster survey")])  # enriched: replaced
    vectors.save_delta(tmp_path)
    loaded = PaperVectors.load(tmp_path, "k")
    assert loaded is not None
    assert loaded.doc_ids == vectors.doc_ids
    assert not loaded.alive[1] and loaded.doc_of["moe1"] == len(loaded) - 1  # the old moe1 replaced
    np.testing.assert_allclose(loaded.similar_to(0), vectors.similar_to(0), atol=1e-6)
    assert [p for p, _ in loaded.related("galaxy2", 3)] == [p for p, _ in vectors.related("galaxy2", 3)]
    assert PaperVectors.load(tmp_path, "other key") is None


def test_damaged_vector_files_are_rebuilt_not_trusted(tmp_path: Path) -> None:
    PaperVectors.build(themed()).save(tmp_path, "k")
    (tmp_path / "post_ptr.npy").write_bytes(b"garbage")
    assert PaperVectors.load(tmp_path, "k") is None


def test_the_benchmarks_alternatives_and_ceiling_find_the_kept_theme() -> None:
    """`benchmarks/recommend.py quality --alternatives`: each alternative, and the classifier that
    learns from half the labelled papers, rank the kept papers' theme first."""
    from benchmarks.recommend import alternative_scorers, char_ngram_gram, label_ceiling, library_gram

    papers = themed(45)
    vectors = PaperVectors.build(papers)
    gram = library_gram(vectors)
    assert gram.shape == (135, 135) and gram[5, 5] == pytest.approx(1.0, abs=1e-3)
    docs = [next(p for p in papers if p.id == pid) for pid in vectors.doc_ids]
    texts = [f"{p.title} {p.abstract}" for p in docs]
    chars, chars_cut = char_ngram_gram(texts), char_ngram_gram(texts, 20)
    np.testing.assert_allclose(np.diag(chars), 1.0, atol=1e-5)
    np.testing.assert_allclose(chars, chars.T, atol=1e-5)
    assert (chars_cut >= 0).all() and not np.allclose(chars, chars_cut)
    kept = [vectors.doc_of[f"galaxy{i}"] for i in range(5)]
    scorers = alternative_scorers(gram, chars, chars_cut)
    assert {"chars_blend", "chars_blend_hub", "chars192_blend_hub"} <= set(scorers)
    for name, scorer in scorers.items():
        scores = scorer(kept)
        scores[kept] = -np.inf
        top = [vectors.doc_ids[d] for d in np.argsort(-scores)[:10]]
        assert all(pid.startswith("galaxy") for pid in top), name
    cats = [{pid.rstrip("0123456789")} if i % 3 else set() for i, pid in enumerate(vectors.doc_ids)]
    ceiling = label_ceiling(gram, cats, sorted(THEMES), splits=2, more=chars)
    assert ceiling["labelled_papers"] == 45
    assert min(ceiling[name] for name in ceiling if name != "labelled_papers") >= 0.9
    assert {"svm_all_kept", "supervised_richer"} <= set(ceiling)


# -- on a library -------------------------------------------------------------------


def _theme_ids(library: Library, word: str, n: int) -> list[str]:
    found = [p.id for p in library.papers_sorted() if word in p.title.lower()]
    assert len(found) >= n, f"the samples have {len(found)} papers with {word!r} in the title"
    return found[:n]


def test_cold_start_says_so_and_falls_back_to_newest_or_pinned_topics(seeded: Library) -> None:
    found = seeded.recommender.for_you(limit=5)
    assert found.cold and "kept 0 papers" in found.notice and "newest unread" in found.notice
    assert len(found.items) == 5
    topic = seeded.topics.all()[0]
    seeded.topics.set_flag(topic.name, "pinned", True)
    found = seeded.recommender.for_you(limit=50)
    assert f"pinned topics ({topic.name})" in found.notice
    assert found.items and all(item.paper_id in topic.members and item.topic == topic.name for item in found.items)
    assert seeded.recommender.reason(found.items[0]) == f"in your pinned topic {topic.name}"


def test_bookmarks_teach_for_you_and_each_change_shows_on_the_next_call(seeded: Library) -> None:
    experts = _theme_ids(seeded, "experts", MIN_KEPT + 2)
    for pid in experts[:MIN_KEPT]:
        seeded.bookmark(pid)
    found = seeded.recommender.for_you(limit=5)
    assert not found.cold and found.kept == MIN_KEPT
    assert sum("experts" in seeded.papers[i.paper_id].title.lower() for i in found.items) >= 3
    assert not {i.paper_id for i in found.items} & set(experts[:MIN_KEPT])  # kept papers are not recommended
    first = found.items[0].paper_id
    seeded.set_status(first, "dismissed")
    again = seeded.recommender.for_you(limit=5)
    assert first not in {i.paper_id for i in again.items}
    assert again.dismissed == 1
    reason = seeded.recommender.reason(again.items[0])
    assert reason.startswith("like “")


def test_for_you_per_list_learns_from_that_list_only(seeded: Library) -> None:
    seeded.create_list("thesis")
    for pid in _theme_ids(seeded, "experts", MIN_KEPT):
        seeded.bookmark(pid, "thesis")
    assert not seeded.recommender.for_you("thesis").cold
    seeded.create_list("empty")
    assert "the list 'empty' holds 0 papers" in seeded.recommender.for_you("empty").notice
    with pytest.raises(LookupError):
        seeded.recommender.for_you("nosuch")


def test_for_you_order_sorts_any_scope(seeded: Library) -> None:
    for pid in _theme_ids(seeded, "experts", MIN_KEPT):
        seeded.bookmark(pid)
    ids = [p.id for p in seeded.papers_sorted()][:60]
    ordered = seeded.recommender.ordered(ids)
    assert sorted(ordered) == sorted(ids) and ordered != ids


def test_cli_lists_and_searches_in_for_you_order(seeded: Library, data_dir: Path) -> None:
    kept = _theme_ids(seeded, "experts", MIN_KEPT)
    for pid in kept:
        seeded.bookmark(pid)
    listed = json.loads(run_cli(data_dir, "list", "--sort", "for-you", "--json", "--limit", "8").stdout)
    others = [row for row in listed if row["id"] not in kept]
    assert sum("expert" in row["title"].lower() for row in others) >= len(others) - 1
    newest = json.loads(run_cli(data_dir, "list", "--json", "--limit", "8").stdout)
    assert [r["id"] for r in listed] != [r["id"] for r in newest]
    found = json.loads(run_cli(data_dir, "search", "model", "--sort", "for-you", "--json", "--limit", "3").stdout)
    assert all("expert" in row["title"].lower() for row in found)


def test_like_search_ranks_the_most_similar_first(seeded: Library) -> None:
    target = _theme_ids(seeded, "experts", 1)[0]
    results = seeded.search(f"like:{target}", limit=5)
    related = [pid for pid, _ in seeded.recommender.related(target, 5)]
    assert results.ids == related
    assert target not in results.ids
    narrowed = seeded.search(f"like:{target} is:unread", limit=3)
    assert narrowed.ids == related[:3]
    assert not set(seeded.search(f"-like:{target}").ids) & set(related)
    with pytest.raises(QueryError, match="no paper with id"):
        seeded.search("like:nosuchpaper")


def test_an_import_updates_saved_vectors_incrementally(data_dir: Path) -> None:
    library = Library.open(data_dir)
    library.import_paths([str(COMPACT)])
    library.recommender.vectors()  # built and saved
    folder = library.recommender.folder
    assert (folder / "vectors.json").exists()
    other = Library.open(data_dir)  # another process: vectors on disk, not in memory
    other.import_samples()
    assert (folder / "delta.json").exists()
    delta = json.loads((folder / "delta.json").read_text())
    assert delta["docs"], "the new papers went into the saved delta"
    fresh = Library.open(data_dir)
    vectors = fresh.recommender.vectors()
    assert set(fresh.papers) <= set(vectors.doc_ids)


def test_cli_recommend_human_json_and_errors(seeded: Library, data_dir: Path) -> None:
    cold = run_cli(data_dir, "recommend", "--limit", "3")
    assert cold.returncode == 0
    assert b"Not enough to learn from yet" in cold.stderr
    for pid in _theme_ids(seeded, "experts", MIN_KEPT):
        seeded.bookmark(pid)
    done = run_cli(data_dir, "recommend", "--json", "--limit", "4")
    payload = json.loads(done.stdout)
    assert payload["kept"] == MIN_KEPT and payload["notice"] == "" and len(payload["papers"]) == 4
    assert payload["papers"][0]["why"].startswith("like “")
    human = run_cli(data_dir, "recommend", "--limit", "2")
    assert b"like \xe2\x80\x9c" in human.stdout
    bad = run_cli(data_dir, "recommend", "--list", "nosuch")
    assert bad.returncode == 1 and b"no reading list named 'nosuch'" in bad.stderr


def test_vectors_saved_by_an_older_schema_are_rebuilt_not_read(tmp_path: Path) -> None:
    """Schema 1 kept 64 float32 terms a paper: such a cache is dropped and built anew."""
    vectors = PaperVectors.build(themed())
    vectors.save(tmp_path, "key")
    assert PaperVectors.load(tmp_path, "key") is not None
    meta = json.loads((tmp_path / "vectors.json").read_text())
    (tmp_path / "vectors.json").write_text(json.dumps({**meta, "schema_version": 1}))
    assert PaperVectors.load(tmp_path, "key") is None
    assert PaperVectors.saved_key(tmp_path) is None


@given(st.lists(st.integers(0, 40), max_size=300), st.integers(1, 64))
@settings(max_examples=60, deadline=None)
def test_terms_counted_in_chunks_as_in_one_count(terms: list[int], chunk: int) -> None:
    """The load counts each term's papers a chunk at a time (so a launch's query is not held up):
    whatever the chunk boundaries, the counts are one whole count's."""
    array = np.array(terms, dtype=np.int32)
    assert _count_terms(array, 41, chunk).tolist() == np.bincount(array, minlength=41).tolist()
