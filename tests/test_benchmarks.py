"""Each benchmark runs end to end on a tiny library (numbers are not checked: a smoke test only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.corpus import MAKER

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not MAKER.exists(), reason="../shared/bench/make_corpus.py is not beside the repo")


def bench(name: str, tmp_path: Path, *args: str) -> dict:
    env = {**os.environ, "PAPERTERM_BENCH_DIR": str(tmp_path), "PAPERTERM_CORPORA": ""}
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / f"{name}.py"), "--papers", "300", "--json", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_search_and_topics_benchmarks(tmp_path: Path) -> None:
    search = bench("search", tmp_path, "--no-fzf")
    assert search["keystrokes"] > 300 and search["p95_ms"] > 0
    topics = bench("topics", tmp_path, "--new", "20")
    assert topics["topics"] > 0


@pytest.mark.slow  # a real terminal, waiting for the screen to settle between steps
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_terminal_benchmark(tmp_path: Path) -> None:
    result = bench("terminal", tmp_path)
    assert result["floor_paint_s"] > 0 and result["first_paint_s"] > 0  # medians of alternated launches
    assert result["list_after_paint_s"] >= 0 and result["list_s"] <= result["first_search_s"]
    assert len(result["paints_s"]["paperterm"]) == len(result["paints_s"]["floor"]) + 1
    assert "match every word" in result["burst_status"]


@pytest.mark.slow  # every benchmark of a README row, the terminal one included
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_speed_table_row(tmp_path: Path) -> None:
    env = {**os.environ, "PAPERTERM_BENCH_DIR": str(tmp_path), "PAPERTERM_CORPORA": ""}
    command = [sys.executable, str(REPO / "benchmarks" / "speed.py"), "--papers", "300"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 300 ")]
    assert len(rows) == 1 and rows[0].count("|") == 13, done.stdout
