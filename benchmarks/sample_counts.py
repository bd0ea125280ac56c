"""The README's per-file table: what the loaders read from every real sample beside the checkout.

.venv/bin/python -m benchmarks.sample_counts   # from the repo root; ../shared/digests must exist
"""

from __future__ import annotations

from pathlib import Path

from loaders import parse_bytes

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "digests"


def main() -> None:
    print("| file | format | records | distinct ids | abstract | authors | arXiv id | DOI/PMID | own date |")
    print("|---|---|---|---|---|---|---|---|---|")
    for folder in ("real", "real2"):
        for path in sorted((SHARED / folder).iterdir()):
            if path.name == "SOURCES.md":
                continue
            result = parse_bytes(path.read_bytes(), path.name)
            papers = result.papers
            counts = [
                sum(1 for p in papers if p.abstract),
                sum(1 for p in papers if p.authors),
                sum(1 for p in papers if p.arxiv_id),
                sum(1 for p in papers if p.doi or p.pmid),
                sum(1 for p in papers if p.published),
            ]
            cells = [f"`{folder}/{path.name}`", f"`{result.format}`", len(papers), len({p.paper_id for p in papers})]
            print("| " + " | ".join(str(c) for c in [*cells, *counts]) + " |")


if __name__ == "__main__":
    main()
