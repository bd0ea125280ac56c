"""The loader alone on the arXiv metadata snapshot's format: records/s and the process's peak memory.

    .venv/bin/python -m benchmarks.arxiv_snapshot --records 200000 --keep /tmp/me/arxiv-200k.jsonl

Writes a JSON Lines file in the Kaggle `arxiv-metadata-oai-snapshot` format (no copy of the real
multi-GB snapshot is needed), then reads it with `stream_records` a line at a time, without a
library: what the import's loader side costs, apart from the library holding the papers.
`--keep PATH` keeps the file (to time `paperterm import PATH` or `import - < PATH` on it); with
`--write-only` nothing is timed (`--records 1000000 --write-only --keep /tmp/me/arxiv-1m.jsonl`
makes the million-record file of the README's Import table).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from loaders import PaperRecord
from loaders.json_records import stream_records

WORDS = (
    "quantum graph neural network learning model spectral lattice boson inference robust sparse transformer "
    "diffusion manifold entropy"
).split()


def write_snapshot(path: Path, records: int) -> None:
    """`records` lines shaped like the Kaggle snapshot's (hard-wrapped abstracts, two versions), each
    with its own arXiv id (numbered within its month, as arXiv does)."""
    rnd = random.Random(7)
    numbered: dict[str, int] = {}  # the papers of each month so far: every id distinct, however many records
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(records):
            year = 7 + n * 19 // records
            month = f"{year:02d}{1 + n % 12:02d}"
            number = numbered[month] = numbered.get(month, 0) + 1
            ident = f"{month}.{number:05d}" if year >= 15 or number > 9999 else f"{month}.{number:04d}"
            abstract = "\n".join(" ".join(rnd.choice(WORDS) for _ in range(12)) for _ in range(12))
            record = {
                "id": ident,
                "submitter": "A. Person",
                "authors": "A. Person, B. Other and C. Third",
                "title": " ".join(rnd.choice(WORDS) for _ in range(8)).capitalize() + f" {n}",
                "comments": "12 pages",
                "journal-ref": None,
                "doi": None,
                "categories": "cs.LG stat.ML",
                "abstract": f"  {abstract}\n",
                "versions": [
                    {"version": "v1", "created": f"Mon, {1 + n % 28} Apr 20{year:02d} 19:18:40 GMT"},
                    {"version": "v2", "created": "Tue, 1 Jan 2019 00:00:00 GMT"},
                ],
                "update_date": "2019-01-01",
                "authors_parsed": [["Person", "A.", ""], ["Other", "B.", ""]],
            }
            handle.write(json.dumps(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="write the file here and keep it")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-only", action="store_true", help="write the file (with --keep) and stop")
    args = parser.parse_args()
    if args.write_only:
        if args.keep is None:
            parser.error("--write-only needs --keep PATH")
        write_snapshot(args.keep, args.records)
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "snapshot.jsonl"
        write_snapshot(path, args.records)
        start = time.perf_counter()
        with open(path, "rb") as handle:
            read = sum(1 for found in stream_records(handle, str(path)) if isinstance(found, PaperRecord))
        seconds = time.perf_counter() - start
        result = {
            "records": read,
            "mb": round(path.stat().st_size / 1e6),
            "records_per_s": round(read / seconds),
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['records']:,} records ({result['mb']} MB): {result['records_per_s']:,} records/s, "
              f"peak {result['peak_mib']} MiB (the whole process)")  # fmt: skip
    sys.exit(0 if read == args.records else 1)


if __name__ == "__main__":
    main()
