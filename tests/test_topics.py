"""Topics on the two sample digests: names a researcher accepts, coverage, determinism, user topics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import pytest

from paperterm.library import Library
from paperterm.text_tokens import title_words
from paperterm.topics import GENERIC_PHRASES, _phrases, acronym_aliases, stem

from .conftest import BLANK, run_cli

ACCEPTED = {
    "distillation", "retrieval", "mixture of experts (MoE)", "knowledge distillation (KD)", "ranking",
    "compression", "information retrieval (IR)", "recommendation", "condensation", "diffusion models",
    "summarization", "dataset distillation", "routing", "knowledge graph (KG)", "sparse representation",
    "dataset condensation", "federated learning (FL)", "active learning (AL)", "multi agent",
    "dense retrieval", "question answering (QA)", "document summarization",
}  # fmt: skip


def test_top_15_topics_are_research_areas_and_85_percent_have_one(seeded: Library) -> None:
    topics = seeded.topics.all()
    top = [t.name for t in topics[:15]]
    assert set(top) <= ACCEPTED, set(top) - ACCEPTED
    for expected in (
        "knowledge distillation (KD)",
        "mixture of experts (MoE)",
        "dataset distillation",
        "diffusion models",
        "summarization",
    ):
        assert expected in top
    covered = set().union(*(t.members for t in topics))
    assert len(covered) / len(seeded.papers) >= 0.85


def test_generic_phrases_are_never_topics(seeded: Library) -> None:
    names = {t.name.split(" (")[0] for t in seeded.topics.all()}
    for generic in (
        "we propose",
        "in this paper",
        "state of the art",
        "large language",
        "results show",
        "language models",
        "large language models",
    ):
        assert generic in GENERIC_PHRASES
        assert generic not in names


def test_topics_are_deterministic(seeded: Library) -> None:
    first = [(t.key, t.name, sorted(t.members)) for t in seeded.topics.all()]
    again = Library.open(seeded.root)
    assert [(t.key, t.name, sorted(t.members)) for t in again.topics.all()] == first


def test_membership_rule_title_or_twice_in_abstract(seeded: Library) -> None:
    topic = seeded.topics.find("knowledge distillation (KD)")
    for pid in topic.members:
        paper = seeded.papers[pid]
        in_title = "knowledge distillation" in paper.title.lower()
        in_abstract = paper.abstract.lower().replace("-", " ").count("knowledge distillation")
        assert in_title or in_abstract >= 2 or paper.abstract.count("KD") >= 1, paper.title


def test_variants_merge_and_acronyms_alias() -> None:
    assert stem("distillation") == stem("distilled") == stem("distilling") == stem("distil")
    assert stem("experts") == stem("expert")
    aliases = acronym_aliases(["We study Mixture-of-Experts (MoE) layers.", "sparse Mixture of Experts (MoEs)"])
    assert aliases["moe"] == (("mixture", "of", "expert"), "MoE")
    assert [s for _, s in _phrases(title_words("Efficient Knowledge Distillation via Graphs"))] == [
        "knowledge",
        "knowledge distillation",
        "distillation",
        "graphs",
    ]


def test_new_papers_keep_existing_names(seeded: Library, tmp_path: Path) -> None:
    before = {t.name for t in seeded.topics.all()}
    extra = tmp_path / "extra.txt"
    extra.write_text(
        "Daily Papers\n\nSep 13\n\nA Note on Knowledge Distillation for Retrieval\n\n"
        + "We study knowledge distillation for dense retrieval in detail. " * 5
    )
    seeded.import_paths([str(extra)])
    after = {t.name for t in seeded.topics.all()}
    assert before <= after


def test_user_topic_persists_and_catches_later_imports(data_dir: Path, tmp_path: Path) -> None:
    library = Library.open(data_dir)
    library.import_paths([str(BLANK)])
    topic = library.topics.add("MoE", '"mixture of experts" | moe')
    first = set(topic.members)
    assert first
    reopened = Library.open(data_dir)
    assert set(reopened.topics.find("moe").members) == first
    later = tmp_path / "later.txt"
    later.write_text(
        "Daily Papers\n\nSep 13\n\nRouting Tokens in MoE Layers\n\n" + "Sparse experts are routed here. " * 8
    )
    reopened.import_paths([str(later)])
    caught = reopened.topics.find("MoE").members - first
    assert [reopened.papers[pid].title for pid in caught] == ["Routing Tokens in MoE Layers"]
    assert reopened.search("topic:MoE routing").ids[0] in caught


def test_rename_hide_merge_pin(seeded: Library) -> None:
    seeded.topics.rename("summarization", "Summaries")
    seeded.topics.set_flag("Summaries", "pinned", True)
    assert seeded.topics.all()[0].name == "Summaries"
    seeded.topics.merge("dataset condensation", "dataset distillation")
    merged = seeded.topics.find("dataset distillation")
    assert all(t.name != "dataset condensation" for t in seeded.topics.all())
    assert len(merged.members) >= 8
    seeded.topics.set_flag("dense retrieval", "hidden", True)
    assert all(t.name != "dense retrieval" for t in Library.open(seeded.root).topics.all())
    assert seeded.topics.unhide_all() == 1


def test_topics_cli_json(data_dir: Path) -> None:
    assert run_cli(data_dir, "import", str(BLANK)).returncode == 0
    done = run_cli(data_dir, "topics", "--json")
    rows = json.loads(done.stdout)
    assert rows and {"name", "papers", "unread", "trend"} <= set(rows[0])


def test_an_unchanged_library_reads_its_topics_back(seeded: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    first = [(t.key, t.name, sorted(t.members)) for t in seeded.topics.all()]

    def no_discovery(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("topics were discovered again for an unchanged library")

    monkeypatch.setattr("paperterm.topic_catalogue.discover", no_discovery)
    reopened = Library.open(seeded.root)
    assert [(t.key, t.name, sorted(t.members)) for t in reopened.topics.all()] == first
    assert reopened._search is None  # nor was the search index needed to show them


def test_an_import_places_new_papers_into_saved_topics(
    seeded: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the size where discovery is cheap, an import adds to the saved topics, not rediscovers."""
    monkeypatch.setattr("paperterm.topic_catalogue.SAMPLE_PAPERS", 10)
    before = {t.key: t.members for t in seeded.topics.all()}

    def no_discovery(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("a small import discovered topics again")

    monkeypatch.setattr("paperterm.topic_catalogue.discover", no_discovery)
    extra = tmp_path / "extra.txt"
    extra.write_text(
        "Daily Papers\n\nSep 13\n\nA Note on Sparse Gates\n\n"
        + "We study knowledge distillation for small students. " * 3
        + "\n\nFederated Learning at the Edge\n\nPhones train together.\n"
    )
    reopened = Library.open(seeded.root)
    reopened.import_paths([str(extra)])
    after = {t.key: t.members for t in reopened.topics.all()}
    added = {key: {reopened.papers[p].title for p in after[key] - before[key]} for key in before}
    assert added["auto:knowledge distil"] == {"A Note on Sparse Gates"}  # twice in the abstract
    assert added["auto:federat learn"] == {"Federated Learning at the Edge"}  # in the title
    assert {key for key, titles in added.items() if titles} == {
        "auto:knowledge distil",
        "auto:distil",
        "auto:federat learn",
    }
    assert all(before[key] <= after[key] for key in before)


def test_topics_from_an_older_cache_keep_their_names(seeded: Library) -> None:
    """A schema 1 cache (keys only) is read for its names; members are computed again."""
    names = [t.key for t in seeded.topics.all()]
    cache = seeded.store.root / "topics.json"
    cache.write_text(json.dumps({"schema_version": 1, "kind": "paperterm-topics", "keys": names}))
    assert [t.key for t in Library.open(seeded.root).topics.all()] == names
    assert json.loads(cache.read_text())["schema_version"] == 2
