"""One of two paperterm processes writing to one data dir at once (see test_concurrency.py).

    python -m tests.reliability.concurrent_worker DATA_DIR ROLE PAPERS_FILE DIGEST_DIR

Role `a` takes the even papers, role `b` the odd ones: each bookmarks its papers into its own
list and the shared `to-read`, notes them, and imports digests as it goes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from paperterm.library import Library


def main() -> None:
    data_dir, role, papers_file, digests = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    papers = papers_file.read_text().split()
    mine = papers[0::2] if role == "a" else papers[1::2]
    files = sorted(digests.iterdir())
    library = Library.open(data_dir)
    if library.state.find_list(f"list-{role}") is None:  # a later round finds it there
        library.create_list(f"list-{role}")
    for step, paper in enumerate(mine):
        library.bookmark(paper)
        library.bookmark(paper, f"list-{role}")
        library.set_note(paper, f"{role} wrote this about {paper}")
        if step % 5 == 0:
            library.import_paths([str(files[(step // 5 + (0 if role == "a" else 7)) % len(files)])])
    print("done", flush=True)


if __name__ == "__main__":
    main()
