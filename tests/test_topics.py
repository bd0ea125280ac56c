"""Topics on the two sample digests: names a researcher accepts, coverage, determinism, user topics."""

from __future__ import annotations

import json
from pathlib import Path

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
    topics = seeded.topics()
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
    names = {t.name.split(" (")[0] for t in seeded.topics()}
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
    first = [(t.key, t.name, sorted(t.members)) for t in seeded.topics()]
    again = Library.open(seeded.root)
    assert [(t.key, t.name, sorted(t.members)) for t in again.topics()] == first


def test_membership_rule_title_or_twice_in_abstract(seeded: Library) -> None:
    topic = seeded.find_topic("knowledge distillation (KD)")
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
    before = {t.name for t in seeded.topics()}
    extra = tmp_path / "extra.txt"
    extra.write_text(
        "Daily Papers\n\nSep 13\n\nA Note on Knowledge Distillation for Retrieval\n\n"
        + "We study knowledge distillation for dense retrieval in detail. " * 5
    )
    seeded.import_paths([str(extra)])
    after = {t.name for t in seeded.topics()}
    assert before <= after


def test_user_topic_persists_and_catches_later_imports(data_dir: Path, tmp_path: Path) -> None:
    library = Library.open(data_dir)
    library.import_paths([str(BLANK)])
    topic = library.add_topic("MoE", '"mixture of experts" | moe')
    first = set(topic.members)
    assert first
    reopened = Library.open(data_dir)
    assert set(reopened.find_topic("moe").members) == first
    later = tmp_path / "later.txt"
    later.write_text(
        "Daily Papers\n\nSep 13\n\nRouting Tokens in MoE Layers\n\n" + "Sparse experts are routed here. " * 8
    )
    reopened.import_paths([str(later)])
    caught = reopened.find_topic("MoE").members - first
    assert [reopened.papers[pid].title for pid in caught] == ["Routing Tokens in MoE Layers"]
    assert reopened.search("topic:MoE routing").ids[0] in caught


def test_rename_hide_merge_pin(seeded: Library) -> None:
    seeded.rename_topic("summarization", "Summaries")
    seeded.set_topic_flag("Summaries", "pinned", True)
    assert seeded.topics()[0].name == "Summaries"
    seeded.merge_topics("dataset condensation", "dataset distillation")
    merged = seeded.find_topic("dataset distillation")
    assert all(t.name != "dataset condensation" for t in seeded.topics())
    assert len(merged.members) >= 8
    seeded.set_topic_flag("dense retrieval", "hidden", True)
    assert all(t.name != "dense retrieval" for t in Library.open(seeded.root).topics())
    assert seeded.unhide_topics() == 1


def test_topics_cli_json(data_dir: Path) -> None:
    assert run_cli(data_dir, "import", str(BLANK)).returncode == 0
    done = run_cli(data_dir, "topics", "--json")
    rows = json.loads(done.stdout)
    assert rows and {"name", "papers", "unread", "trend"} <= set(rows[0])
