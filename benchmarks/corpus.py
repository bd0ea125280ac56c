"""Benchmark corpora from ../shared/bench/make_corpus.py, made once per size and reused."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKER = REPO.parent / "shared" / "bench" / "make_corpus.py"


def corpus(papers: int, folder: Path | None = None) -> Path:
    """A folder of daily digests holding `papers` papers (deterministic; cached in the temp dir)."""
    target = folder or Path(tempfile.gettempdir()) / f"paperterm-corpus-{papers}"
    done = target / ".complete"
    if done.exists():
        return target
    if not MAKER.exists():
        sys.exit(f"benchmark corpus maker not found at {MAKER} (../shared must sit beside the repo)")
    subprocess.run([sys.executable, str(MAKER), str(papers), str(target)], check=True, stdout=subprocess.DEVNULL)
    done.write_text("ok")
    return target
