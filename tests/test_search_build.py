"""The index build: vectorised tokenising equals `token_set`, chunked builds equal the rules, and a
killed build leaves nothing that claims to be an index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperterm import search_index
from paperterm.paper import Paper
from paperterm.search_index import FIELDS, REPEATED, SPILL_PREFIX, SearchIndex
from paperterm.text_tokens import repeated_words, token_set
from paperterm.token_batch import WIDTH, token_pairs

# Letters of both cases, digits, punctuation, accents and a non-Latin letter: compounds, folding, splits.
ALPHABET = "aAbBeEmMoOzZ019 -_.,'\néÉüßΩ"
texts = st.text(alphabet=ALPHABET, max_size=60) | st.sampled_from(
    ["QuantMoE and BERT GPT4 3D ResNet50 XMLHttpRequest", "Café naïve Émile", "x" * (WIDTH + 3) + " y y"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(texts, max_size=8))
def test_batch_tokens_are_each_texts_token_set(batch: list[str]) -> None:
    pairs = token_pairs(batch, repeated=True)
    found: list[set[str]] = [set() for _ in batch]
    again: list[set[str]] = [set() for _ in batch]
    for tok, doc in zip(pairs.tok.tolist(), pairs.doc.tolist(), strict=True):
        found[doc].add(pairs.tokens[tok])
    for tok, doc in zip(pairs.rep_tok.tolist(), pairs.rep_doc.tolist(), strict=True):
        again[doc].add(pairs.tokens[tok])
    assert found == [token_set(t) for t in batch]
    assert again == [repeated_words(t) for t in batch]
    assert pairs.tokens == sorted(pairs.tokens)
    keys = pairs.tok.astype(np.int64) * (len(batch) + 1) + pairs.doc
    assert (np.diff(keys) > 0).all()  # sorted by (token, document), no pair twice


def _papers(texts_: list[str]) -> list[Paper]:
    return [
        Paper(f"p{i}", text[: len(text) // 2], authors=[text[-5:]] if text else [], abstract=text)
        for i, text in enumerate(texts_)
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts, max_size=12), st.integers(1, 4))
def test_a_chunked_build_holds_exactly_each_papers_tokens(
    monkeypatch: pytest.MonkeyPatch, batch: list[str], chunk: int
) -> None:
    monkeypatch.setattr(search_index, "CHUNK", chunk)
    papers = _papers(batch)
    index = SearchIndex.build(papers)
    texts_of = {"title": lambda p: p.title, "authors": lambda p: " ".join(p.authors), "abstract": lambda p: p.abstract}
    for name in (*FIELDS, REPEATED):
        postings = index.repeated if name == REPEATED else index.fields[name]
        assert postings is not None
        for number, token in enumerate(index.vocab):
            docs = postings.range_docs(number, number + 1).tolist()
            assert docs == sorted(docs)
            tokens_of = (
                (lambda p: repeated_words(p.abstract))
                if name == REPEATED
                else (lambda p, n=name: token_set(texts_of[n](p)))
            )
            assert docs == [d for d, p in enumerate(papers) if token in tokens_of(p)]
    assert set(index.vocab) == set().union(*(token_set(t) for p in papers for t in (p.title, p.abstract, *p.authors)))


def test_a_killed_build_leaves_no_index_and_the_next_one_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "CHUNK", 2)
    papers = _papers(["knowledge distillation", "mixture of experts", "sparse routing", "dense retrieval"])
    folder = tmp_path / "index"
    SearchIndex.build_into(papers[:2], folder, "old")

    def killed() -> Iterator[Paper]:
        yield from papers[:3]
        raise KeyboardInterrupt  # as a kill would, mid-way through the chunks

    with pytest.raises(KeyboardInterrupt):
        SearchIndex.build_into(killed(), folder, "new")
    assert SearchIndex.load(folder, "old") is None and SearchIndex.load(folder, "new") is None
    dead = folder / f"{SPILL_PREFIX}999999999-x"  # what a process killed outright leaves
    (dead / "0").mkdir(parents=True)
    built = SearchIndex.build_into(papers, folder, "new")
    assert not dead.exists() and not list(folder.glob(f"{SPILL_PREFIX}*"))
    assert SearchIndex.load(folder, "new") is not None
    assert built.doc_ids == [p.id for p in papers]
    assert built.token_mask("routing", ("abstract",)).tolist() == [False, False, True, False]


def test_a_build_that_cannot_write_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    folder.write_text("a file where the index folder should be")
    with pytest.raises(search_index.LibraryFileError, match="could not be built"):
        SearchIndex.build_into(_papers(["a b"]), folder, "k")


words_ = st.sampled_from(
    [
        "knowledge",
        "distillation",
        "mixture",
        "experts",
        "MoE",
        "QuantMoE",
        "routing",
        "sparse",
        "dense",
        "café",
        "graph",
    ]
)
paper_texts = st.lists(words_, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(paper_texts, min_size=2, max_size=14), st.data())
def test_an_updated_index_answers_exactly_like_a_fresh_build(
    tmp_path_factory: pytest.TempPathFactory, texts_: list[str], data: st.DataObject
) -> None:
    from paperterm.search import PaperSearch
    from paperterm.search_query import FilterSource

    papers = [
        Paper(f"p{i}", t.split(" ", 2)[0] + " " + t[::-1][:9], abstract=t, date=f"2024-01-{i % 28 + 1:02d}")
        for i, t in enumerate(texts_)
    ]
    split = data.draw(st.integers(1, len(papers) - 1))
    folder = tmp_path_factory.mktemp("index")
    SearchIndex.build_into(papers[:split], folder, "1:a").add_papers(papers[split:])  # as an import does
    updated = SearchIndex.load(folder, "1:a")
    assert updated is not None
    updated.add_papers(papers[split:])
    updated.save_delta(folder, "2:b")
    reopened = SearchIndex.load(folder, "1:a")
    assert reopened is not None and reopened.load_delta(folder) == "2:b"  # what the next launch sees
    by_id = {p.id: p for p in papers}
    fresh = PaperSearch(SearchIndex.build(papers), by_id, FilterSource())
    again = PaperSearch(reopened, by_id, FilterSource())
    queries = [
        "knowledge",
        "kn",
        "distilation",
        "moe",
        "expert rout",
        '"mixture experts"',
        "sparse -dense",
        "cafe",
        "grph",
    ]
    for query in [*queries, data.draw(words_).lower()]:
        want, got = fresh.search(query), again.search(query)
        assert list(got.ids) == list(want.ids) and got.full_matches == want.full_matches, query


def test_a_delta_for_another_base_or_damaged_is_not_used(tmp_path: Path) -> None:
    papers = _papers(["knowledge distillation", "mixture of experts", "sparse routing"])
    SearchIndex.build_into(papers[:2], tmp_path, "1:a")
    index = SearchIndex.load(tmp_path, "1:a")
    assert index is not None
    index.add_papers(papers[2:])
    index.save_delta(tmp_path, "2:b")
    SearchIndex.build_into(papers[:1], tmp_path / "other", "1:z")
    (tmp_path / "other" / "delta.json").write_bytes((tmp_path / "delta.json").read_bytes())
    other = SearchIndex.load(tmp_path / "other", "1:z")
    assert other is not None and other.load_delta(tmp_path / "other") is None and len(other.doc_ids) == 1
    (tmp_path / "delta.json").write_text('{"schema_version": 3, "kind": "paperterm-search-delta"')  # cut short
    fresh = SearchIndex.load(tmp_path, "1:a")
    assert fresh is not None and fresh.load_delta(tmp_path) is None and len(fresh.doc_ids) == 2


def test_an_import_saves_the_delta_and_a_killed_one_is_topped_up(data_dir: Path) -> None:
    from paperterm.library import Library

    from .conftest import BLANK, COMPACT

    query = "token condensation test time"
    app = Library.open(data_dir)
    app.import_paths([str(BLANK)])
    app.search("x")  # the engine exists: the build is saved
    folder = app.index_dir
    assert SearchIndex.saved_key(folder) == app.digest_key(1) and not (folder / "delta.json").exists()
    cli = Library.open(data_dir)  # another process, with no engine of its own
    cli.import_paths([str(COMPACT)])
    delta = orjson.loads((folder / "delta.json").read_bytes())
    assert delta["key"] == cli.digest_key(2) and len(delta["docs"]) == 94
    assert app.refresh()  # the open app picks the import up, and saves the same delta
    expected = list(app.search(query).ids)
    assert expected and orjson.loads((folder / "delta.json").read_bytes())["key"] == app.digest_key(2)
    reopened = Library.open(data_dir)
    assert list(reopened.search(query).ids) == expected
    assert reopened.search_engine().index.delta_size == 94
    # An import killed after the paper cache's manifest, before the delta: the papers are read again.
    (folder / "delta.json").unlink()
    assert list(Library.open(data_dir).search(query).ids) == expected
    assert orjson.loads((folder / "delta.json").read_bytes())["key"] == app.digest_key(2)


def test_per_document_dates_are_saved_for_the_next_launch(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperterm.library import Library
    from paperterm.search import PaperSearch

    from .conftest import BLANK, COMPACT

    lib = Library.open(data_dir)
    lib.import_paths([str(BLANK), str(COMPACT)])
    queries = ["distillation", "moe date:>=2024-09-01", "sparse retrieval"]
    expected = [list(lib.search(q).ids) for q in queries]
    assert (lib.index_dir / "docs.json").exists()

    def made(self: PaperSearch) -> None:
        raise AssertionError("the per-document arrays were made again")

    with monkeypatch.context() as patched:
        patched.setattr(PaperSearch, "_make_doc_dates", made)
        again = Library.open(data_dir)
        assert [list(again.search(q).ids) for q in queries] == expected
    # Another library state (a digest more) or a rebuilt index: made again, not read.
    lib.rebuild_index()
    assert not (lib.index_dir / "docs.json").exists()
    assert [list(Library.open(data_dir).search(q).ids) for q in queries] == expected


def test_an_import_keeps_the_per_document_arrays_current(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's import and the CLI's (no engine) both save the arrays for the new library state."""
    from paperterm.library import Library
    from paperterm.search import PaperSearch

    from .conftest import BLANK, COMPACT, SHARED

    third = SHARED / "digests" / "real2" / "arxiv_bot_json_markdown-rows_cv-arxiv-daily_2022-12-26.json"
    queries = ["distillation", "moe date:>=2024-09-01", "sparse retrieval", "model"]
    made: list[int] = []
    make = PaperSearch._make_doc_dates

    def counted(self: PaperSearch) -> None:
        made.append(len(self.index.doc_ids))
        make(self)

    monkeypatch.setattr(PaperSearch, "_make_doc_dates", counted)
    app = Library.open(data_dir)
    app.import_paths([str(BLANK)])
    app.search("x")  # the engine exists: index and arrays saved
    assert len(made) == 1
    app.import_paths([str(COMPACT)])  # the app's import: arrays updated in memory, and saved
    expected = [list(app.search(q).ids) for q in queries]
    assert [list(Library.open(data_dir).search(q).ids) for q in queries] == expected
    assert len(made) == 1, "the next launch after the app's import made the arrays again"
    cli = Library.open(data_dir)  # another process, with no engine of its own
    assert cli.import_paths([str(third)]).new_ids
    assert len(made) == 1, "the CLI's import made the arrays"
    reopened = Library.open(data_dir)
    after = [list(reopened.search(q).ids) for q in queries]
    assert len(made) == 1, "the next launch after the CLI's import made the arrays again"
    fresh = Library.open(data_dir)
    fresh.search_engine().invalidate()
    assert [list(fresh.search(q).ids) for q in queries] == after  # equal to arrays made from scratch
    assert len(made) == 2


def test_a_build_in_worker_processes_is_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = ["knowledge", "distillation", "QuantMoE", "café", "routing", "sparse", "x" * (WIDTH + 2), "Ωmega"]
    papers = _papers([" ".join(words[(i * k) % len(words)] for k in range(1, i % 6 + 2)) for i in range(40)])
    monkeypatch.setattr(search_index, "CHUNK", 3)
    monkeypatch.setattr(search_index, "PARALLEL_AFTER", 10**9)
    alone = SearchIndex.build_into(papers, tmp_path / "alone", "k")
    monkeypatch.setattr(search_index, "PARALLEL_AFTER", 2)
    monkeypatch.setattr(search_index, "_cores", lambda: 2)
    shared = SearchIndex.build_into(papers, tmp_path / "shared", "k")
    assert list(shared.doc_ids) == list(alone.doc_ids) and shared.vocab == alone.vocab
    for name in (*FIELDS, REPEATED):
        for part in ("offsets", "docs"):
            saved = [np.load(tmp_path / each / f"{name}.{part}.npy") for each in ("alone", "shared")]
            assert np.array_equal(*saved), (name, part)
    assert not list((tmp_path / "shared").glob(f"{SPILL_PREFIX}*"))
