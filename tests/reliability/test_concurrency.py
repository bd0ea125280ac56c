"""Two processes at once on one data dir: both bookmark, note and import concurrently; no write of
either is lost and nothing is corrupted. (The TUI picking up a CLI import while open is tested in
tests/test_tui.py::test_open_tui_picks_up_a_cli_import.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperterm.library import Library

REPO = Path(__file__).resolve().parents[2]


def run_pair(data_dir: Path, digest_dir: Path, tmp_path: Path, papers: list[str]) -> None:
    papers_file = tmp_path / "papers.txt"
    papers_file.write_text("\n".join(papers))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reliability.concurrent_worker",
                str(data_dir),
                role,
                str(papers_file),
                str(digest_dir),
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for role in ("a", "b")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and b"done" in out, err.decode()[-2000:]


@pytest.mark.parametrize("rounds", [1, pytest.param(5, marks=pytest.mark.slow)])
def test_two_processes_lose_no_write(
    seeded: Library, data_dir: Path, digest_dir: Path, tmp_path: Path, rounds: int
) -> None:
    papers = sorted(seeded.papers)[:60]
    for _ in range(rounds):
        run_pair(data_dir, digest_dir, tmp_path, papers)
        library = Library.open(data_dir)
        state = library.state
        assert sorted(state.list_papers("to-read")) == papers
        assert sorted(state.list_papers("list-a")) == sorted(papers[0::2])
        assert sorted(state.list_papers("list-b")) == sorted(papers[1::2])
        for index, paper in enumerate(papers):
            assert state.note_of(paper) == f"{'a' if index % 2 == 0 else 'b'} wrote this about {paper}"
        imported = {d.name for d in library.store.digests}
        assert sum(name.startswith("digest-") for name in imported) >= 4  # both processes' imports are there
        assert len(library.papers) == 174 + 120 * sum(name.startswith("digest-") for name in imported)
