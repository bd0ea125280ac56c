"""The `paperterm` command on a temp data dir: in-process (`main(argv)`), and as a real
process where the process is the point (the console script, a kill mid-import)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperterm.library import Library
from paperterm.text_tokens import fold_text

from .conftest import BLANK, COMPACT, SHARED, CliResult, cli_env, run_cli, state_bytes

# The console script beside this Python (the README's `.venv/bin/pytest` runs without activating the venv).
_BESIDE = Path(sys.executable).with_name("paperterm")
ENTRY = str(_BESIDE) if _BESIDE.exists() else shutil.which("paperterm")


def run(data_dir: Path, *args: str, stdin: bytes = b"", entry: bool = False) -> CliResult | subprocess.CompletedProcess:
    if not entry:
        return run_cli(data_dir, *args, stdin=stdin)
    command = [ENTRY] if ENTRY else [sys.executable, "-m", "paperterm"]
    return subprocess.run(
        [*command, *args], input=stdin, capture_output=True, env=cli_env(data_dir), timeout=120, check=False
    )


@pytest.mark.skipif(ENTRY is None, reason="the paperterm console script is not installed")
def test_entry_point_import_then_stats_reports_174(data_dir: Path) -> None:
    done = run(data_dir, "import", str(BLANK), str(COMPACT), entry=True)
    assert done.returncode == 0, done.stderr
    assert b"174 new" in done.stdout
    stats = run(data_dir, "stats", "--json", entry=True)
    assert json.loads(stats.stdout)["papers"] == 174
    human = run(data_dir, "stats", entry=True)
    assert b"papers      174" in human.stdout


def test_search_json_prints_ranked_papers_with_spans(data_dir: Path) -> None:
    run(data_dir, "import", str(BLANK), str(COMPACT))
    done = run(data_dir, "search", "knowledge distillation", "--json", "--limit", "10")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 10
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    for row in rows:
        assert "knowledge distillation" in row["title"].lower()
        start, end = row["title_spans"][0]
        assert row["title"][start:end].lower() in ("knowledge", "distillation")


def test_import_stdin_and_json_summary(data_dir: Path) -> None:
    done = run(data_dir, "import", "-", "--date", "2024-09-12", "--json", stdin=BLANK.read_bytes())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == 80
    listed = json.loads(run(data_dir, "list", "--json", "--date", "2024-09-12").stdout)
    assert len(listed) == 80
    assert listed[0]["sources"][0]["date_source"] == "option"


def test_import_folder_and_glob(data_dir: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    shutil.copy(BLANK, inbox / "sub" / "a.txt")
    (inbox / "notes.json").write_text('{"not": "a digest"}')
    done = run(data_dir, "import", str(inbox))
    assert done.returncode == 0, done.stderr
    assert b"80 new" in done.stdout
    assert b"notes.json: not a digest paperterm recognises" in done.stderr
    shutil.copy(COMPACT, inbox / "b.txt")
    done = run(data_dir, "import", str(inbox / "*.txt"))
    assert b"94 new" in done.stdout


def test_show_list_and_prefix_ids(data_dir: Path) -> None:
    run(data_dir, "import", str(BLANK))
    rows = json.loads(run(data_dir, "list", "--json", "--limit", "1").stdout)
    pid = rows[0]["id"]
    shown = run(data_dir, "show", pid[:8], "--json")
    assert json.loads(shown.stdout)["title"] == rows[0]["title"]
    human = run(data_dir, "show", pid)
    assert rows[0]["title"].encode() in human.stdout
    assert b"seen in hf-daily-papers-blank-lines.txt:13" in human.stdout


@pytest.mark.parametrize(
    "args, code, message",
    [
        (("show", "nope"), 1, b"no paper with id 'nope'"),
        (("search", "foo:bar"), 1, b"unknown filter `foo:`"),
        (("import", "/does/not/exist.txt"), 1, b"no such file or folder"),
        (("import", "x.txt", "--date", "Sep 12"), 2, b"is not a date"),
        (("frobnicate",), 2, b"invalid choice"),
        (("import", "x", "--format", "nope"), 1, b"unknown format 'nope'"),
    ],
)
def test_exit_codes(data_dir: Path, args: tuple[str, ...], code: int, message: bytes) -> None:
    done = run(data_dir, *args)
    assert done.returncode == code
    assert message in done.stderr
    assert b"Traceback" not in done.stderr


def test_bad_file_is_named_and_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    run(data_dir, "import", str(BLANK))
    before = (data_dir / "library" / "manifest.json").read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    done = run(data_dir, "import", str(bad))
    assert done.returncode == 1
    assert f"{bad}:1: this is a binary file".encode() in done.stderr
    assert (data_dir / "library" / "manifest.json").read_bytes() == before


def test_an_unknown_topic_or_a_negative_limit_is_one_line_not_a_traceback(data_dir: Path) -> None:
    run(data_dir, "import", str(BLANK))
    done = run(data_dir, "topics", "show", "no such topic")
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode().strip() == "error: no topic named 'no such topic' (see `paperterm topics`)"
    for command in ("list", "search", "recommend"):
        args = ["search", "distillation"] if command == "search" else [command]
        done = run(data_dir, *args, "--limit", "-5")
        assert done.returncode == 2 and done.stdout == b"", command  # not the list less its last five
        assert b"'-5' is not a count" in done.stderr


def test_a_bad_date_an_empty_topic_rule_or_a_folder_to_write_is_refused_in_one_line(
    data_dir: Path, tmp_path: Path
) -> None:
    """Each used to look like success: `list --date 2024-13-01` said "No papers match", a topic with an
    empty rule was added holding every paper, and a folder given to `bookmarks export` or `sync` was
    refused as a file "paperterm can read" with the advice to save its content to a regular file."""
    run(data_dir, "import", str(BLANK))
    done = run(data_dir, "list", "--date", "2024-13-01")
    assert done.returncode == 2 and b"'2024-13-01' is not a date like 2024-09-12" in done.stderr, done.stderr
    state = state_bytes(data_dir)
    for rule in ("  ", "((", '""'):
        done = run(data_dir, "topics", "add", "everything", rule)
        assert done.returncode == 1 and done.stderr.decode().startswith("error: a topic needs a rule"), done.stderr
    assert run(data_dir, "topics", "add", "--", "not surveys", "-survey").returncode == 0  # exclusions are a rule
    state = state_bytes(data_dir)
    assert state_bytes(data_dir) == state
    for command in (["bookmarks", "export"], ["sync"]):
        done = run(data_dir, *command, str(tmp_path))
        assert done.returncode == 1, command
        message = done.stderr.decode().strip()
        inside = tmp_path / "paperterm.json"
        assert message == f"error: {tmp_path}: is a folder. Name the sync file to write in it: {inside}"
    assert state_bytes(data_dir) == state


def test_what_the_state_file_cannot_hold_is_refused_before_it_is_written(data_dir: Path, tmp_path: Path) -> None:
    """A note over the size limit, or a list name too long for its id, used to be saved and then make
    every later command refuse the library; a paper whose DOI holds `(` could not be bookmarked
    without the same. Now the first is refused in one line, and the second is kept."""
    digest = tmp_path / "wiley.json"
    doi = "10.1016/S0140-6736(20)30183-5"
    digest.write_text(json.dumps([{"title": "Clinical features of patients", "DOI": doi, "abstract": "x y"}]))
    run(data_dir, "import", str(digest))
    pid = f"doi:{doi.lower()}"
    assert run(data_dir, "bookmark", pid).returncode == 0
    assert run(data_dir, "note", pid, "--set", "read it").returncode == 0
    assert run(data_dir, "mark", pid, "read").returncode == 0
    refused = [
        run(data_dir, "note", pid, "--stdin", stdin=b"x" * 1_000_001),
        run(data_dir, "lists", "create", "L" * 300),
    ]
    for done in refused:
        assert done.returncode == 1
        assert done.stderr.decode().startswith("error: cannot be saved (") and b"nothing was changed" in done.stderr
    shown = run(data_dir, "show", pid, "--json")
    assert shown.returncode == 0, shown.stderr  # the library still opens
    listed = run(data_dir, "lists", "show", "to-read", "--json")
    assert [row["id"] for row in json.loads(listed.stdout)] == [pid]
    assert run(data_dir, "note", pid, "--print").stdout.rstrip() == b"read it"


def test_a_paper_known_by_its_doi_alone_keeps_its_list_and_note_through_a_sync(data_dir: Path, tmp_path: Path) -> None:
    """Carried by sync, it became a paper with a title id: the list entry and the note, which name
    the DOI id, were counted in the summary and then shown nowhere."""
    digest = tmp_path / "doi-only.json"
    digest.write_text(json.dumps([{"title": "Clinical features", "DOI": "10.1016/S0140-6736(20)30183-5"}]))
    run(data_dir, "import", str(digest))
    pid = "doi:10.1016/s0140-6736(20)30183-5"
    run(data_dir, "bookmark", pid)
    run(data_dir, "note", pid, "--set", "read it")
    synced = tmp_path / "sync.json"
    assert run(data_dir, "sync", str(synced)).returncode == 0
    other = tmp_path / "other"
    assert run(other, "sync", str(synced)).returncode == 0
    assert run(other, "note", pid, "--print").stdout.rstrip() == b"read it"
    listed = run(other, "lists", "show", "to-read", "--json")
    assert [row["id"] for row in json.loads(listed.stdout)] == [pid]


def test_every_command_and_action_has_help(data_dir: Path) -> None:
    from paperterm.cli import build_parser

    commands: list[tuple[str, ...]] = []
    for action in build_parser()._subparsers._group_actions[0].choices.items():  # type: ignore[union-attr]
        name, parser = action
        commands.append((name,))
        if parser._subparsers is not None:
            commands += [(name, sub) for sub in parser._subparsers._group_actions[0].choices]
    assert ("lists", "create") in commands and ("topics", "merge") in commands and ("bookmarks", "export") in commands
    for command in commands:
        done = run(data_dir, *command, "--help")
        assert done.returncode == 0, command
        assert b"usage: paperterm " + " ".join(command).encode() in done.stdout


def test_lists_and_topics_command_lines_of_the_readme(data_dir: Path) -> None:
    """Every form the README documents, in the one nested-subcommand style."""
    run(data_dir, "import", str(BLANK))
    assert run(data_dir, "lists", "create", "thesis").returncode == 0
    assert run(data_dir, "lists", "move", "thesis", "1").returncode == 0
    assert [r["name"] for r in json.loads(run(data_dir, "lists", "--json").stdout)] == ["thesis", "to-read"]
    assert run(data_dir, "lists", "rename", "thesis", "Thesis").returncode == 0
    assert json.loads(run(data_dir, "lists", "show", "Thesis", "--json").stdout) == []
    assert json.loads(run(data_dir, "lists", "--json", "show", "Thesis").stdout) == []
    assert run(data_dir, "lists", "delete", "Thesis").returncode == 0
    assert b"thesis" not in run(data_dir, "lists").stdout.lower()
    done = run(data_dir, "lists", "move", "to-read", "0")
    assert done.returncode == 2 and b"a number from 1" in done.stderr
    done = run(data_dir, "lists", "rename", "to-read")
    assert done.returncode == 2 and b"required: NEW" in done.stderr
    assert b"Added topic 'MoE'" in run(data_dir, "topics", "add", "MoE", '"mixture of experts" | moe').stdout
    assert run(data_dir, "topics", "pin", "MoE").returncode == 0
    assert json.loads(run(data_dir, "topics", "--json").stdout)[0]["name"] == "MoE"
    assert json.loads(run(data_dir, "topics", "show", "MoE", "--json").stdout)
    assert run(data_dir, "topics", "hide", "MoE").returncode == 0
    assert b"1 topic shown again" in run(data_dir, "topics", "unhide").stdout
    assert run(data_dir, "topics", "unpin", "MoE").returncode == 0
    assert run(data_dir, "topics", "rename", "MoE", "Experts").returncode == 0
    assert run(data_dir, "topics", "remove", "Experts").returncode == 0
    done = run(data_dir, "topics", "merge", "retrieval")
    assert done.returncode == 2 and b"required: INTO" in done.stderr


def test_triage_from_the_cli_follows_the_apps_rules(data_dir: Path) -> None:
    run(data_dir, "import", str(BLANK))
    ids = [r["id"] for r in json.loads(run(data_dir, "list", "--json", "--limit", "3").stdout)]
    assert b"Keep: 1 paper." in run(data_dir, "triage", "keep", ids[0]).stdout
    assert b"Skip: 1 paper." in run(data_dir, "triage", "skip", ids[1]).stdout
    assert b"Dismiss: 1 paper." in run(data_dir, "triage", "dismiss", ids[2]).stdout
    state = Library.open(data_dir).state
    assert [state.status_of(pid) for pid in ids] == ["read", "read", "dismissed"]
    assert state.list_papers("to-read") == [ids[0]]


@pytest.mark.parametrize(
    "name, start",
    [("refs.bib", "@misc{"), ("list.md", "# to-read"), ("list.csv", "id,"), ("sync.json", "{")],
)
def test_bookmarks_export_infers_the_format_from_the_extension(
    data_dir: Path, tmp_path: Path, name: str, start: str
) -> None:
    run(data_dir, "import", str(BLANK))
    first = json.loads(run(data_dir, "list", "--json", "--limit", "1").stdout)[0]["id"]
    run(data_dir, "bookmark", first)
    target = tmp_path / name
    assert run(data_dir, "bookmarks", "export", str(target)).returncode == 0
    assert target.read_text().startswith(start)


def test_hostile_titles_print_literally(data_dir: Path) -> None:
    text = "Daily Papers\n\n[bold red]Boom[/] \x1b]8;;http://x\x07link\n\n" + "An abstract sentence. " * 20
    run(data_dir, "import", "-", stdin=text.encode())
    done = run(data_dir, "list")
    assert b"[bold red]Boom[/] link" in done.stdout
    assert b"\x1b" not in done.stdout


def test_killing_an_import_leaves_a_library_that_loads(data_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    maker = SHARED / "bench" / "make_corpus.py"
    if not maker.exists():
        pytest.skip("../shared/bench/make_corpus.py is not beside this checkout")
    subprocess.run([sys.executable, str(maker), "4000", str(corpus)], check=True, capture_output=True)
    run(data_dir, "import", str(BLANK))
    for delay in (0.3, 0.6, 0.9, 1.2):
        proc = subprocess.Popen(
            [sys.executable, "-m", "paperterm", "import", str(corpus)],
            env=cli_env(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        library = Library.open(data_dir)
        assert len(library.papers) in (80, 4080)
    done = run(data_dir, "import", str(corpus))
    assert done.returncode == 0
    assert len(Library.open(data_dir).papers) == 4080


def test_mark_query_sort_and_a_note_round_trip(data_dir: Path) -> None:
    run(data_dir, "import", str(BLANK), str(COMPACT))
    found = json.loads(run(data_dir, "search", "topic:moe", "--json", "--limit", "0").stdout)
    assert len(found) > 5
    assert f"Marked {len(found)} papers read.".encode() in run(data_dir, "mark", "--query", "topic:moe", "read").stdout
    state = Library.open(data_dir).state
    assert sum(1 for s in state.status.values() if s.value == "read") == len(found)
    assert run(data_dir, "mark", "read").returncode == 1
    titles = [r["title"] for r in json.loads(run(data_dir, "list", "--sort", "title", "--json").stdout)]
    assert titles == sorted(titles, key=fold_text)
    ranked = json.loads(run(data_dir, "search", "retrieval", "--sort", "title", "--json", "--limit", "5").stdout)
    assert [r["title"] for r in ranked] == sorted((r["title"] for r in ranked), key=fold_text)
    pid = found[0]["id"]
    long_note = "word " * 60 + "\n\n- a list item that is long enough to be wrapped by a narrow terminal " * 3
    run(data_dir, "note", pid, "--set", long_note)
    printed = run(data_dir, "note", pid, "--print").stdout.decode()
    assert printed.rstrip("\n") == long_note.rstrip("\n")
    run(data_dir, "note", pid, "--set", printed)
    assert Library.open(data_dir).state.note_of(pid).rstrip("\n") == long_note.rstrip("\n")


def test_author_and_forgiving_topic_filters(data_dir: Path, tmp_path: Path) -> None:
    papers = [
        {"title": f"Paper {i}", "abstract": "Words about xylophonic experts. " * 5, "authors": authors}
        for i, authors in enumerate([["Geoffrey Hinton", "Ada Lovelace"], ["Yann LeCun"], ["Ada Byron"]])
    ]
    digest = tmp_path / "authors.json"
    digest.write_text(json.dumps({"date": "2024-09-20", "papers": papers}))
    run(data_dir, "import", str(BLANK), str(COMPACT), str(digest))

    def titles(query: str) -> list[str]:
        done = run(data_dir, "search", query, "--json", "--limit", "0")
        assert done.returncode == 0, done.stderr
        return sorted(r["title"] for r in json.loads(done.stdout))

    assert titles("author:hinton") == ["Paper 0"]
    assert titles('author:"geofrey hintn"') == ["Paper 0"]  # typos forgiven, as in words
    assert titles("author:ada") == ["Paper 0", "Paper 2"]
    assert titles("author:lovelace author:hinton") == ["Paper 0"]
    assert titles("xylophonic -author:ada") == ["Paper 1"]
    moe = titles('topic:"mixture of experts (MoE)"')
    assert len(moe) > 5
    for forgiving in ("topic:moe", 'topic:"mixture of experts"', "topic:mixture", "topic:mixtrue"):
        assert titles(forgiving) == moe, forgiving
    done = run(data_dir, "search", "topic:zzzz")
    assert done.returncode == 1 and b"no topic named 'zzzz'" in done.stderr


def test_stats_counts_in_words_that_agree_with_the_number(seeded: Library, data_dir: Path) -> None:
    first, second = (p.id for p in seeded.papers_sorted()[:2])
    seeded.bookmark(first)
    assert b"(1 paper bookmarked)" in run(data_dir, "stats").stdout
    seeded.bookmark(second)
    assert b"(2 papers bookmarked)" in run(data_dir, "stats").stdout


@pytest.mark.skipif(ENTRY is None, reason="the paperterm console script is not installed")
def test_piped_output_cuts_no_title_and_a_terminal_width_does(data_dir: Path) -> None:
    """Into a pipe (`paperterm list | grep`, `> file`) lines are as long as their text, as `ls` or
    `git log` give them; with `COLUMNS` set (a terminal's width) titles give way with an ellipsis."""
    run(data_dir, "import", str(BLANK), str(COMPACT))
    title = "InfoDiffusion: Representation Learning Using Information Maximizing Diffusion Models"
    piped = run(data_dir, "list", "--limit", "200", entry=True)
    assert piped.returncode == 0, piped.stderr
    assert title.encode() in piped.stdout
    narrow = subprocess.run(
        [ENTRY, "list", "--limit", "200"], capture_output=True, env={**cli_env(data_dir), "COLUMNS": "70"}, check=False
    )
    assert title.encode() not in narrow.stdout and "InfoDiffusion: Represent…".encode() in narrow.stdout


def test_importing_a_sync_file_as_a_digest_is_refused_with_the_command_that_reads_it(tmp_path: Path) -> None:
    """Read as a digest, a sync file gave its papers and silently dropped its lists and notes."""
    here, there = tmp_path / "here", tmp_path / "there"
    run(here, "import", str(BLANK))
    paper = json.loads(run(here, "list", "--json", "--limit", "1").stdout)[0]["id"]
    run(here, "bookmark", paper)
    sync = tmp_path / "sync.json"
    assert run(here, "bookmarks", "export", str(sync)).returncode == 0
    done = run(there, "import", str(sync))
    assert done.returncode == 1
    assert b"paperterm file (paperterm-sync), not a digest" in done.stderr
    assert b"paperterm bookmarks import FILE" in done.stderr and b"Traceback" not in done.stderr
    assert b"0 new" in done.stdout


def test_a_search_sorted_by_date_keeps_the_papers_matching_every_word_first(data_dir: Path, tmp_path: Path) -> None:
    """Sorted by newest seen, a search listed every paper matching any word by date: the one paper
    matching both words came after the newer ones matching one."""
    older, newer = tmp_path / "digest-2024-01-05.json", tmp_path / "digest-2025-06-01.json"
    older.write_text(json.dumps([{"title": "The quokka attention model", "abstract": "Both words."}]))
    newer.write_text(
        json.dumps([{"title": f"Quokka census number {n}", "abstract": "One word only."} for n in range(3)])
    )
    assert run(data_dir, "import", str(older), str(newer)).returncode == 0
    for sort in ("newest-seen", "title"):
        done = run(data_dir, "search", "quokka attention", "--sort", sort, "--json")
        titles = [r["title"] for r in json.loads(done.stdout)]
        assert titles[0] == "The quokka attention model", (sort, titles)
        assert len(titles) == 4
    done = run(data_dir, "search", "quokka", "--sort", "newest-seen", "--json")
    assert json.loads(done.stdout)[-1]["title"] == "The quokka attention model"  # one word: by date alone


def test_bookmark_says_how_many_were_there_already_only_when_some_were(data_dir: Path) -> None:
    run(data_dir, "import", str(BLANK))
    first, second = (r["id"] for r in json.loads(run(data_dir, "list", "--json", "--limit", "2").stdout))
    assert run(data_dir, "bookmark", first).stdout.decode().strip() == "Bookmarked 1 paper in to-read."
    done = run(data_dir, "bookmark", first, second)
    assert done.stdout.decode().strip() == "Bookmarked 1 paper in to-read (1 paper was there already)."


def test_doctor_on_a_data_dir_that_does_not_exist_says_so_and_makes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "nowhere"
    done = run(root, "doctor")
    assert done.returncode == 0 and done.stdout.decode().startswith(f"No library at {root} yet"), done.stdout
    assert not root.exists()
