"""Crash during a save: SIGKILL a paperterm process at random moments while it imports and while it
saves bookmarks and notes; after each kill the library must load, and every change the process
reported saved must be there. 5 kills in CI; `pytest --slow` does 100."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperterm.library import Library

REPO = Path(__file__).resolve().parents[2]


def kill_once(data_dir: Path, digests: Path, start: int, delay: float) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.worker", str(data_dir), str(digests), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    # The random moment counts from the first change saved, not from the process's start: on a loaded
    # machine Python's start-up alone can outlast the delay, and every kill would land before any work.
    assert proc.stdout is not None
    first = proc.stdout.readline()
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
    return (first + out).decode().splitlines()


def check(data_dir: Path, reported: list[str], notes: dict[str, str]) -> None:
    library = Library.open(data_dir)  # must load: no half-written file is ever in place
    state = library.state
    bookmarked = set(state.list_papers("to-read"))
    for line in reported:
        kind, *rest = line.split()[1:]
        if kind == "import":
            assert any(d.name == rest[0] for d in library.store.digests), line
        elif kind == "bookmark":
            assert rest[0] in bookmarked, line
        elif kind == "note":
            step = int(rest[1])
            notes[rest[0]] = f"note {step}: " + "words of a long note " * (step % 50)
        elif kind == "read":
            assert state.status_of(rest[0]) == "read", line
    for paper, text in notes.items():  # the latest note reported saved, or a later one
        saved = state.note_of(paper)
        assert saved == text or saved.startswith("note "), (paper, saved[:40])


def run_kills(data_dir: Path, digests: Path, kills: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    notes: dict[str, str] = {}
    start = 0
    reported_total = 0
    for _ in range(kills):
        reported = kill_once(data_dir, digests, start, rng.uniform(0.0, 1.4))
        check(data_dir, reported, notes)
        reported_total += len(reported)
        start += max(1, len(reported) // 4)
    return {"kills": kills, "changes_reported_saved": reported_total}


def test_kills_during_imports_and_saves(data_dir: Path, digest_dir: Path) -> None:
    result = run_kills(data_dir, digest_dir, kills=5, seed=7)
    assert result["changes_reported_saved"] > 0


@pytest.mark.slow
def test_one_hundred_kills(data_dir: Path, digest_dir: Path) -> None:
    result = run_kills(data_dir, digest_dir, kills=100, seed=2026)
    print(f"\n100 kills: {result['changes_reported_saved']} changes reported saved, all found after the kill")
