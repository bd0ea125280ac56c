"""A user topic's rule may name other topics, never itself (directly or through others): such a rule
is refused before it is saved, and a state that already holds one still loads, the topic left out
with a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperterm.errors import BadAction
from paperterm.library import Library
from paperterm.library_state import LibraryState
from paperterm.search_query import QueryError
from paperterm.topic_rules import cycles, evaluation_order

from .conftest import BLANK, COMPACT, run_cli


def _saved_topics(root: Path) -> dict:
    return {k: p for k, p in Library.open(root).state.topics.items() if k.startswith("user:")}


def test_a_rule_naming_its_own_topic_is_refused_and_nothing_is_saved(seeded: Library) -> None:
    with pytest.raises(BadAction, match="names the topic itself"):
        seeded.topics.add("selfref", "topic:selfref")
    assert _saved_topics(seeded.root) == {}
    assert seeded.topics.all()  # and topics still work


def test_a_circle_through_other_topics_is_refused(seeded: Library) -> None:
    seeded.topics.add("A", "distillation topic:B")
    with pytest.raises(BadAction, match=r"A → B → A|B → A → B"):
        seeded.topics.add("B", "routing | topic:A")
    assert set(_saved_topics(seeded.root)) == {"user:a"}


def test_a_rename_that_closes_a_circle_is_refused(seeded: Library) -> None:
    seeded.topics.add("A", "distillation topic:X")
    seeded.topics.add("B", "-topic:A routing")
    with pytest.raises(BadAction, match="circle"):
        seeded.topics.rename("B", "X")
    assert seeded.topics.find("B").kind == "user"


def test_a_rule_may_name_other_topics(seeded: Library) -> None:
    distillation = seeded.topics.find("distillation")
    seeded.topics.add("Mine", "topic:distillation")
    seeded.topics.add("Mine too", "topic:Mine")
    assert seeded.topics.find("Mine").members == distillation.members
    assert seeded.topics.find("Mine too").members == distillation.members


def test_a_state_holding_a_circle_loads_with_those_topics_left_out(seeded: Library) -> None:
    def written_elsewhere(state: LibraryState) -> None:  # an older paperterm, or a sync, saved it
        state.set_topic("user:selfref", name="selfref", rule="topic:selfref")
        state.set_topic("user:fine", name="fine", rule="distillation")

    seeded.edit_state(written_elsewhere)
    reopened = Library.open(seeded.root)
    reopened.import_samples()

    keys = {t.key for t in reopened.topics.all()}
    assert "user:fine" in keys and "user:selfref" not in keys
    assert [p.split(":")[0] for p in reopened.topics.problems()] == [
        "topic selfref → selfref names itself, so it is left out"
    ]
    with pytest.raises(QueryError, match="no topic named 'selfref'"):
        reopened.search("topic:selfref")


def test_evaluation_order_puts_a_topic_after_those_it_names() -> None:
    state = LibraryState()
    state.set_topic("user:c", name="C", rule="topic:B x")
    state.set_topic("user:b", name="B", rule="topic:A")
    state.set_topic("user:a", name="A", rule="y")
    state.set_topic("user:d", name="D", rule="topic:D")
    assert evaluation_order(state.topics) == ["user:a", "user:b", "user:c"]
    assert cycles(state.topics) == {"user:d": ["D", "D"]}


def test_cli_refuses_a_rule_naming_itself_and_topics_keep_working(data_dir: Path) -> None:
    run_cli(data_dir, "import", str(BLANK), str(COMPACT))
    done = run_cli(data_dir, "topics", "add", "selfref", "topic:selfref")
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr and b"RecursionError" not in done.stderr
    assert b"names the topic itself" in done.stderr
    assert run_cli(data_dir, "topics").returncode == 0
    assert run_cli(data_dir, "search", "topic:distillation").returncode == 0


def test_cli_warns_about_a_circle_already_saved(data_dir: Path) -> None:
    run_cli(data_dir, "import", str(BLANK))
    Library.open(data_dir).edit_state(lambda state: state.set_topic("user:loop", name="loop", rule="topic:loop"))
    done = run_cli(data_dir, "topics")
    assert done.returncode == 0
    assert b"warning: topic loop \xe2\x86\x92 loop names itself" in done.stderr
    assert run_cli(data_dir, "topics", "remove", "loop").returncode == 0  # what the warning says to do
    done = run_cli(data_dir, "topics")
    assert b"warning" not in done.stderr
