"""Folding the index's delta into its base: the folded index is the index a fresh build makes, and a
fold killed at any point leaves the old index and its delta working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperterm import index_fold
from paperterm.paper import Paper
from paperterm.search_index import FIELDS, REPEATED, SearchIndex

WORDS = ["knowledge", "distillation", "mixture", "experts", "MoE", "QuantMoE", "routing", "sparse", "café", "graph"]
NEW_WORDS = ["zebra", "aardvark", "routings", "distil", "Ωmega", "moe2", "x" * 40]
paper_texts = st.lists(st.sampled_from(WORDS + NEW_WORDS), min_size=1, max_size=8).map(" ".join)


def _paper(i: int, text: str, more: str = "") -> Paper:
    title = text.split(" ", 2)[0] + " " + text[::-1][:9]
    return Paper(f"p{i}", title, abstract=f"{text} {more}".strip(), date=f"2024-01-{i % 28 + 1:02d}")


def _postings(index: SearchIndex) -> dict[str, dict[str, list[int]]]:
    """Every field's postings as token → documents (as the saved arrays hold them)."""
    out: dict[str, dict[str, list[int]]] = {}
    for name in (*FIELDS, REPEATED):
        postings = index.repeated if name == REPEATED else index.fields[name]
        assert postings is not None
        out[name] = {
            token: postings.range_docs(i, i + 1).tolist()
            for i, token in enumerate(index.vocab)
            if postings.range_docs(i, i + 1).size
        }
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(paper_texts, min_size=2, max_size=14), st.data())
def test_a_folded_index_is_the_index_a_fresh_build_makes(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], data: st.DataObject
) -> None:
    from paperterm.search import PaperSearch
    from paperterm.search_query import FilterSource

    split = data.draw(st.integers(1, len(texts) - 1))
    papers = [_paper(i, t) for i, t in enumerate(texts)]
    folder = tmp_path_factory.mktemp("lib") / "index"
    SearchIndex.build_into(papers[:split], folder, "1:a")
    # Some base papers seen again in a later digest with more text (re-indexed into the delta).
    enriched = data.draw(st.sets(st.integers(0, split - 1), max_size=3))
    more = data.draw(paper_texts)
    for i in enriched:
        papers[i] = _paper(i, texts[i], more)
    index = SearchIndex.load(folder, "1:a")
    assert index is not None
    index.add_papers([papers[i] for i in sorted(enriched)] + papers[split:])
    index.save_delta(folder, "2:b")
    index = SearchIndex.load(folder, "1:a")
    assert index is not None and index.load_delta(folder) == "2:b"

    folded = index_fold.fold(index, folder, "2:b")

    fresh = SearchIndex.build(papers)
    assert folded.key == "2:b" and folded.delta_size == 0 and not (folder / "delta.json").exists()
    assert list(folded.doc_ids) == list(fresh.doc_ids) and folded.vocab == fresh.vocab
    assert _postings(folded) == _postings(fresh)
    reopened = SearchIndex.load(folder, "2:b")
    assert reopened is not None
    fresh._length_bucket(0)
    for name in ("_letters", "_unfiltered", "_by_length", "_length_starts"):
        assert np.array_equal(getattr(reopened, name), getattr(fresh, name)), name
    by_id = {p.id: p for p in papers}
    want, got = PaperSearch(fresh, by_id, FilterSource()), PaperSearch(reopened, by_id, FilterSource())
    for query in ["knowledge", "kn", "distilation", "zebr", "moe", '"mixture experts"', "sparse -graph", "cafe"]:
        assert list(got.search(query).ids) == list(want.search(query).ids), query
    assert not list(folder.parent.glob(".index-*"))  # nothing left beside it


def _library_with_a_delta(data_dir: Path) -> tuple[str, list[str]]:
    """A library whose index has a saved base (one digest) and a delta (a second digest's 94 papers)."""
    from paperterm.library import Library

    from .conftest import BLANK, COMPACT

    query = "token condensation test time"
    first = Library.open(data_dir)
    first.import_paths([str(BLANK)])
    first.search("x")  # builds and saves the base
    Library.open(data_dir).import_paths([str(COMPACT)])  # the CLI: the delta saved beside it
    expected = list(Library.open(data_dir).search(query).ids)
    assert expected
    return query, expected


def _dead_pid() -> int:
    """The id of a process that has ended (what a killed fold's folders are named after)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(done.stdout)


class Killed(BaseException):
    """Stands for SIGKILL: no `except` or cleanup of the fold runs."""


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("stage", ["postings", "written", "aside", "swapped"])
def test_a_fold_killed_at_any_stage_leaves_a_working_library(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, stage: str, exchange: bool
) -> None:
    from paperterm.library import Library

    if stage == "aside" and exchange:
        pytest.skip("the exchange has no in-between")
    query, expected = _library_with_a_delta(data_dir)
    dead = _dead_pid()
    monkeypatch.setattr(index_fold, "_owner", lambda: dead)
    if not exchange:
        monkeypatch.setattr(index_fold, "_exchange", lambda a, b: False)

    def kill(name: str) -> None:
        if name == stage:
            raise Killed

    monkeypatch.setattr(index_fold, "_stage", kill)
    library = Library.open(data_dir)
    with pytest.raises(Killed):
        library.fold_index(force=True)
    monkeypatch.undo()

    again = Library.open(data_dir)
    assert list(again.search(query).ids) == expected  # the old index and delta, or the folded one
    folder = again.index_dir
    assert not list(folder.parent.glob(".index-*"))  # the dead fold's folders are gone
    if stage == "swapped":
        assert again.search_engine().index.delta_size == 0  # the fold had completed
    else:
        assert again.search_engine().index.delta_size == 94  # the old base and its delta
    assert orjson.loads((folder / "index.json").read_bytes())["key"]
    assert bool(again.fold_index(force=True)) == (stage != "swapped")  # the next fold completes (or has nothing to do)
    reopened = Library.open(data_dir)
    assert list(reopened.search(query).ids) == expected and reopened.search_engine().index.delta_size == 0


def test_the_app_folds_a_grown_delta_and_keeps_searching(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperterm.library import Library

    query, expected = _library_with_a_delta(data_dir)
    app = Library.open(data_dir)
    first = app.papers[expected[0]]
    app.set_note(first.id, "zanzibar quokka")  # a note: in the engine only, never folded into the files
    assert app.search_engine().index.delta_size == 94
    monkeypatch.setattr(index_fold, "FOLD_MAX", 1_000)
    assert app.fold_index() == 0  # 94 papers over a base of 41: not due yet below 200
    monkeypatch.setattr(index_fold, "FOLD_MIN", 50)
    assert app.fold_index() == 94
    engine = app.search_engine()
    assert engine.index.delta_size == 0 and engine.index.key == app.digest_key(2)
    assert list(app.search(query).ids) == expected and list(app.search("quokka").ids) == [first.id]
    assert not (app.index_dir / "delta.json").exists()
    reopened = Library.open(data_dir)
    assert list(reopened.search(query).ids) == expected and reopened.search_engine().index.delta_size == 0


def test_an_import_that_grows_the_delta_past_the_threshold_folds_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperterm.library import Library

    from .conftest import BLANK, COMPACT

    Library.open(data_dir).import_paths([str(BLANK)])
    Library.open(data_dir).search("x")  # the base, saved
    monkeypatch.setattr(index_fold, "FOLD_MIN", 50)
    cli = Library.open(data_dir)
    cli.import_paths([str(COMPACT)])  # 94 papers: past 50, so the CLI's import folds them
    meta = orjson.loads((cli.index_dir / "index.json").read_bytes())
    assert meta["key"] == cli.digest_key(2) and meta["docs"] == len(cli.papers)
    assert not (cli.index_dir / "delta.json").exists()
    fresh = Library.open(data_dir)
    ids = list(fresh.search("token condensation test time").ids)
    assert ids and fresh.search_engine().index.delta_size == 0


def test_paperterm_index_folds_now_or_builds(data_dir: Path) -> None:
    from .conftest import run_cli

    query, expected = _library_with_a_delta(data_dir)
    result = run_cli(data_dir, "index", "--json")
    assert result.returncode == 0 and orjson.loads(result.stdout)["folded"] == 94
    assert b"nothing to fold" in run_cli(data_dir, "index").stdout
    assert orjson.loads(run_cli(data_dir, "index", "--rebuild", "--json").stdout)["built"] > 94
    found = run_cli(data_dir, "search", query, "--json")
    shown = [p["id"] for p in orjson.loads(found.stdout)]
    assert shown and shown == expected[: len(shown)]
