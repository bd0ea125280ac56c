"""`paperterm doctor --repair` never loses a paper: not those that came from standard input or a
sync file, not those whose digest file is gone, and not when it is killed at any moment.

The kill test damages the manifest of a library built from digest files, stdin and a sync file,
then SIGKILLs `doctor --repair` at random moments (5 tries in CI, 40 with `--slow`). After each
kill, `doctor` must either report the cache as a problem or find every paper; the last-good
manifest must never know fewer digests than before; and a repair run to its end brings every
paper back, bookmarks included.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperterm.cache_rebuild import READY_DIR, REBUILD_DIR, manifest_digests
from paperterm.doctor import check
from paperterm.library import Library
from paperterm.paper_store import MANIFEST_LAST_GOOD
from paperterm.sync import export_file, import_file

from .conftest import digest_text

REPO = Path(__file__).resolve().parents[2]


def build(root: Path, tmp: Path) -> tuple[set[str], set[str]]:
    """A library from 6 digest files, one stdin import and one sync file; returns (papers, bookmarked)."""
    files = tmp / "digests"
    files.mkdir()
    for number in range(6):
        (files / f"digest-2024-01-{number + 1:02d}.txt").write_text(digest_text(number, 40))
    library = Library.open(root)
    library.import_paths([str(files)])
    library.import_bytes(digest_text(50, 30).encode(), "<stdin>")
    other = Library.open(tmp / "other-machine")
    other.import_bytes(digest_text(60, 10).encode(), "<stdin>")
    travelled = sorted(other.papers)[:5]
    for pid in travelled:
        other.bookmark(pid)
    export_file(other, tmp / "sync.json")
    import_file(library, tmp / "sync.json")
    library = Library.open(root)
    marked = {*travelled, sorted(library.papers)[0], sorted(library.papers)[-1]}
    for pid in marked:
        library.bookmark(pid)
    return set(library.papers), marked


def papers_after(root: Path) -> set[str]:
    return set(Library.open(root).papers)


def damage_manifest(root: Path) -> None:
    (root / "library" / "manifest.json").write_bytes(b"\x00 not json")


def test_stdin_and_sync_papers_come_back(tmp_path: Path) -> None:
    root = tmp_path / "data"
    papers, marked = build(root, tmp_path)
    assert len(papers) == 6 * 40 + 30 + 5
    damage_manifest(root)
    findings = {f.what: f for f in check(root, repair=True)}
    assert findings["paper cache"].status == "repaired", findings["paper cache"].message
    library = Library.open(root)
    assert set(library.papers) == papers
    assert all(library.paper_for(pid) is not None for pid in marked)  # no "no paper with id"


def test_papers_whose_files_are_gone_come_from_the_old_cache(tmp_path: Path) -> None:
    root = tmp_path / "data"
    papers, _ = build(root, tmp_path)
    shutil.rmtree(tmp_path / "digests")  # the user tidied their downloads
    shutil.rmtree(root / "inputs")
    damage_manifest(root)
    message = {f.what: f for f in check(root, repair=True)}["paper cache"].message
    assert papers_after(root) == papers, message


def test_no_manifest_and_no_spare_still_keeps_every_paper(tmp_path: Path) -> None:
    root = tmp_path / "data"
    papers, _ = build(root, tmp_path)
    damage_manifest(root)
    (root / "backups" / MANIFEST_LAST_GOOD).unlink()
    check(root, repair=True)
    assert papers_after(root) == papers


def test_a_partial_cache_is_reported_and_repaired(tmp_path: Path) -> None:
    """What the old repair left after a kill: a cache with fewer digests than its last-good manifest."""
    root = tmp_path / "data"
    papers, _ = build(root, tmp_path)
    shutil.rmtree(root / "library")
    Library.open(root).import_paths([str(tmp_path / "digests" / "digest-2024-01-01.txt")])
    assert len(manifest_digests(root / "backups" / MANIFEST_LAST_GOOD) or []) == 8  # not overwritten
    cache = {f.what: f for f in check(root)}["paper cache"]
    assert cache.status == "problem" and "last good manifest names 7 more" in cache.message
    check(root, repair=True)
    assert papers_after(root) == papers
    assert {f.what: f for f in check(root)}["paper cache"].status == "ok"


def repair_process(root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PAPERTERM_DATA_DIR": str(root)}
    return subprocess.Popen(
        [sys.executable, "-m", "paperterm", "doctor", "--repair"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )


def kills(tmp_path: Path, tries: int) -> dict[str, int]:
    template = tmp_path / "template"
    papers, marked = build(template, tmp_path)
    damage_manifest(template)
    digests = len(manifest_digests(template / "backups" / MANIFEST_LAST_GOOD) or [])
    probe = tmp_path / "probe"
    shutil.copytree(template, probe)
    started = time.monotonic()
    repair_process(probe).communicate()  # how long a whole repair takes, start-up included
    whole = time.monotonic() - started
    outcome = {"killed before the swap": 0, "killed after the swap": 0, "finished": 0}
    rng = random.Random(12)
    for attempt in range(tries):
        root = tmp_path / f"try-{attempt}"
        shutil.copytree(template, root)
        proc = repair_process(root)
        time.sleep(rng.uniform(0.0, whole * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        cache = {f.what: f for f in check(root)}["paper cache"]
        if cache.status == "ok":  # a repair that got as far as the swap: then it has every paper
            assert papers_after(root) == papers, cache.message
        else:
            assert cache.status == "problem", cache.message
        spare = manifest_digests(root / "backups" / MANIFEST_LAST_GOOD) or []
        assert len(spare) >= digests, "the last-good manifest was overwritten by a worse one"
        if proc.returncode == 0:
            outcome["finished"] += 1
        else:
            outcome["killed after the swap" if cache.status == "ok" else "killed before the swap"] += 1
        check(root, repair=True)
        library = Library.open(root)
        assert set(library.papers) == papers
        assert all(library.paper_for(pid) is not None for pid in marked)
        assert not (root / REBUILD_DIR).exists() and not (root / READY_DIR).exists()
        shutil.rmtree(root)
    return outcome


def test_kill_during_repair_loses_nothing(tmp_path: Path) -> None:
    outcome = kills(tmp_path, 5)
    assert sum(outcome.values()) == 5


@pytest.mark.slow
def test_kill_during_repair_loses_nothing_40_times(tmp_path: Path) -> None:
    outcome = kills(tmp_path, 40)
    print(outcome)
    assert sum(outcome.values()) == 40
