"""A paperterm process for the kill harness: imports digests and saves bookmarks and notes in a loop,
printing `ok …` after each change the library reported saved. The harness SIGKILLs it at a random
moment and then checks that every `ok` line is true of the library on disk.

    python -m tests.reliability.worker DATA_DIR DIGEST_DIR START
"""

from __future__ import annotations

import sys
from pathlib import Path

from paperterm.library import Library


def main() -> None:
    data_dir, digests, start = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    library = Library.open(data_dir)
    files = sorted(digests.iterdir())
    for step in range(start, start + 10_000):
        digest = files[step % len(files)]
        library.import_paths([str(digest)])
        print(f"ok import {digest.name}", flush=True)
        papers = sorted(library.papers)
        paper = papers[step % len(papers)]
        library.bookmark(paper)
        print(f"ok bookmark {paper}", flush=True)
        note = f"note {step}: " + "words of a long note " * (step % 50)
        library.set_note(paper, note)
        print(f"ok note {paper} {step}", flush=True)
        library.set_status(paper, "read")
        print(f"ok read {paper}", flush=True)


if __name__ == "__main__":
    main()
