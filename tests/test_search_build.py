"""The index build: vectorised tokenising equals `token_set`, chunked builds equal the rules, and a
killed build leaves nothing that claims to be an index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
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
