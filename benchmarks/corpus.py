"""Benchmark corpora from ../shared/bench/make_corpus.py, made once per size and reused."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKER = REPO.parent / "shared" / "bench" / "make_corpus.py"
# A folder of corpora made already (`10k`, `100k`, `1m` inside), e.g. on a machine shared by several.
SHARED = os.environ.get("PAPERTERM_CORPORA")
NAMES = {10_000: "10k", 100_000: "100k", 1_000_000: "1m"}


def bench_dir() -> Path:
    """Where benchmark libraries are kept (`PAPERTERM_BENCH_DIR`, else the temp dir)."""
    return Path(os.environ.get("PAPERTERM_BENCH_DIR") or tempfile.gettempdir())


def corpus(papers: int, folder: Path | None = None) -> Path:
    """A folder of daily digests holding `papers` papers (deterministic; cached in the temp dir)."""
    if folder is None and SHARED and papers in NAMES and (Path(SHARED) / NAMES[papers]).is_dir():
        return Path(SHARED) / NAMES[papers]
    target = folder or bench_dir() / f"paperterm-corpus-{papers}"
    done = target / ".complete"
    if done.exists():
        return target
    if not MAKER.exists():
        sys.exit(f"benchmark corpus maker not found at {MAKER} (../shared must sit beside the repo)")
    subprocess.run([sys.executable, str(MAKER), str(papers), str(target)], check=True, stdout=subprocess.DEVNULL)
    done.write_text("ok")
    return target
