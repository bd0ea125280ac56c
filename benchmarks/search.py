"""Search speed: per-keystroke latency, cold start to search-ready, peak memory, and fzf on the same text.

    python benchmarks/search.py --papers 100000 [--json]

Builds (once, cached in the temp dir) a library of N papers from
../shared/bench/make_corpus.py with its search index saved, then in a fresh process:
- times from process start until the first search has answered (cold start);
- types each of 20 queries one character at a time and times every keystroke;
- reports the process's peak RSS;
- runs the same queries through `fzf --filter` over the titles and over title+abstract
  lines (whole process per query), for comparison. fzf comes from the system package
  manager (`apt-get install fzf`); without it those columns are left out.

Targets at 100,000 papers: p95 ≤ 16 ms and max ≤ 50 ms per keystroke, ready ≤ 2 s,
peak RSS ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import corpus

QUERIES = [
    "knowledge distillation",
    "knowlege distilation",  # typos
    "mixture of experts",
    "moe routing",
    "dataset condensation",
    "d",  # short prefixes
    "da",
    "diffusion models",
    "federated learning",
    '"dense retrieval"',  # phrase
    "retrieval -dense",  # exclusion
    "sparse date:>=2023-06-01",  # filter
    "graph neural networks",
    "summarizaton",
    "contrastive learning",
    "token pruning",
    "is:unread quantization",
    "benchmark evaluation",
    "large language models reasoning",
    "zero shot",
]

PROBE = r"""
import json, resource, sys, time
start = time.perf_counter()
from pathlib import Path
from paperterm.library import Library
from paperterm.search_query import QueryError
library = Library.open(Path(sys.argv[1]))
library.search("a")
ready = time.perf_counter() - start
queries = json.loads(sys.argv[2])
latencies = []
for query in queries:
    for end in range(1, len(query) + 1):
        t = time.perf_counter()
        try:
            library.search(query[:end])
        except QueryError:
            pass
        latencies.append((time.perf_counter() - t) * 1000)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ready_s": ready, "latencies": latencies, "rss_mb": rss}))
"""


def prepare(papers: int) -> Path:
    """A library of N papers with its index saved (built once per size)."""
    from paperterm.library import Library

    root = Path(tempfile.gettempdir()) / f"paperterm-bench-library-{papers}"
    done = root / ".complete"
    if done.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    library = Library.open(root)
    library.import_paths([str(corpus(papers))])
    start = time.perf_counter()
    library.search_engine()
    (root / "index-build-seconds").write_text(f"{time.perf_counter() - start:.2f}")
    done.write_text("ok")
    return root


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def fzf_times(root: Path) -> tuple[float | None, float | None]:
    """Mean ms per query of `fzf --filter` on titles, and on title + abstract lines."""
    fzf = shutil.which("fzf")
    if fzf is None:
        print("fzf not found (apt-get install fzf): its columns are skipped", file=sys.stderr)
        return None, None
    from paperterm.library import Library

    library = Library.open(root)
    with tempfile.TemporaryDirectory() as tmp:
        titles = Path(tmp) / "titles.txt"
        full = Path(tmp) / "full.txt"
        titles.write_text("\n".join(p.title for p in library.papers.values()) + "\n")
        full.write_text("\n".join(f"{p.title} {p.abstract}" for p in library.papers.values()) + "\n")
        results = []
        for source in (titles, full):
            elapsed = 0.0
            for query in QUERIES:
                with open(source, "rb") as handle:
                    start = time.perf_counter()
                    subprocess.run([fzf, "--filter", query], stdin=handle, stdout=subprocess.DEVNULL, check=False)
                    elapsed += time.perf_counter() - start
            results.append(elapsed / len(QUERIES) * 1000)
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    root = prepare(args.papers)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), json.dumps(QUERIES)],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(probe.stdout)
    latencies = measured["latencies"]
    fzf_titles, fzf_full = fzf_times(root)
    ours_per_query = sum(latencies) / len(QUERIES)
    result = {
        "papers": args.papers,
        "keystrokes": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "max_ms": round(max(latencies), 2),
        "ready_s": round(measured["ready_s"], 3),
        "rss_mb": round(measured["rss_mb"], 1),
        "index_build_s": float((root / "index-build-seconds").read_text()),
        "fzf_titles_ms": None if fzf_titles is None else round(fzf_titles, 1),
        "fzf_full_ms": None if fzf_full is None else round(fzf_full, 1),
        "ours_per_query_ms": round(ours_per_query, 1),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"papers                 {result['papers']:>10}")
    print(f"keystrokes timed       {result['keystrokes']:>10}  ({len(QUERIES)} queries typed a character at a time)")
    print(f"per keystroke p50      {result['p50_ms']:>10.2f} ms")
    print(f"per keystroke p95      {result['p95_ms']:>10.2f} ms   (target ≤ 16)")
    print(f"per keystroke max      {result['max_ms']:>10.2f} ms   (target ≤ 50)")
    print(f"start → search-ready   {result['ready_s']:>10.3f} s    (target ≤ 2, index already saved)")
    print(f"peak RSS               {result['rss_mb']:>10.1f} MB   (target ≤ 300)")
    print(f"index build (once)     {result['index_build_s']:>10.2f} s")
    if fzf_titles is not None and fzf_full is not None:
        print(f"fzf --filter, titles   {fzf_titles:>10.1f} ms/query (whole process)")
        print(f"fzf --filter, full     {fzf_full:>10.1f} ms/query (whole process)")
        print(
            f"paperterm, all keys    {ours_per_query:>10.1f} ms/query (every keystroke of a query, summed): "
            f"{fzf_full / ours_per_query:.1f}× faster than one fzf run on title+abstract"
        )


if __name__ == "__main__":
    main()
