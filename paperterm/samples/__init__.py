"""The two real Daily Papers digests paperterm was made from, shipped as the starter library."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# The pages carry no year (the blank-line one says `Sep 12`, the compact one no date at all);
# these dates keep the starter library the same on every machine.
SAMPLE_DATES = {
    "hf-daily-papers-compact.txt": "2025-09-11",
    "hf-daily-papers-blank-lines.txt": "2025-09-12",
}


def sample_files() -> list[tuple[Path, str]]:
    """(path, date) of each bundled digest, oldest first."""
    folder = resources.files(__name__)
    return [(Path(str(folder / name)), date) for name, date in SAMPLE_DATES.items()]
