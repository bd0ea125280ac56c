"""Shared pieces of the reliability suite."""

from __future__ import annotations

from pathlib import Path

import pytest


def digest_text(number: int, papers: int) -> str:
    """A Daily Papers page (blank-line layout) with `papers` unique titles and abstracts."""
    lines = ["Daily Papers", "", "byAK and the research community", "", "Jan 6", ""]
    for i in range(papers):
        lines += [
            f"Paper {number:03d}-{i:03d}: A Study of Reliable Storage Number {i}",
            "",
            f"We study reliable storage in digest {number}, paper {i}. " * 6,
            "",
        ]
    return "\n".join(lines)


@pytest.fixture
def digest_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    for number in range(60):
        (folder / f"digest-2024-01-{number % 28 + 1:02d}-{number:02d}.txt").write_text(digest_text(number, 120))
    return folder
