"""Search speed: per-keystroke latency, cold start to search-ready, peak memory, and fzf on the same text.

    python benchmarks/search.py --papers 100000 [--json]

Builds (once, cached in the temp dir) a library of N papers from
../shared/bench/make_corpus.py with its search index saved, then in a fresh process:
- times from process start until the first search has answered (cold start);
- types each of 20 queries one character at a time and times every keystroke;
- reports the process's peak RSS;
- runs the same queries through `fzf --filter` over the titles and over title+abstract
  lines (whole process per query), for comparison. fzf comes from the system package
  manager (`apt-get install fzf`); without it those columns are left out;
- builds a tantivy index of the same papers (title, authors, abstract; `pip install -e '.[bench]'`,
  a benchmark dependency only) and types the same keystrokes into it: every word a fuzzy
  term query (1 edit from 4 letters, 2 from 8, a swap counting one), the last one also as a
  prefix, title ×3 and authors ×2, top 50 with the count. Filters (`date:`, `is:`) are left
  out of its queries, so its column is a floor for the text part.

Memory is the measuring process's own peak (VmHWM), not `ru_maxrss`, which a child inherits.
The index build is timed in a fresh process of its own (wall and CPU time, peak RSS, and the
RSS of the loaded papers before it), once per library and index version (`--rebuild` again);
a 200-paper import is timed as the index meets it (delta, per-paper arrays, saved delta).

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

from benchmarks.corpus import bench_dir, corpus

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

VMHWM = r"""
def vmhwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
"""

PROBE = (
    VMHWM
    + r"""
import json, sys, time
start = time.perf_counter()
from pathlib import Path
from paperterm.library import Library
from paperterm.search_query import QueryError
library = Library.open(Path(sys.argv[1]))
library.search("a")
ready = time.perf_counter() - start
import gc
gc.freeze()  # as the app does once the library is loaded (tui/heap.py): no full collections on keys
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
# A 200-paper import as the index meets it: copies of 200 papers under new ids, indexed into the
# delta, the per-document arrays updated, the delta saved (to a scratch folder, not the library's).
import copy, tempfile
from paperterm.paper import Paper
engine = library.search_engine()
sample = list(library.papers.values())[:200]
fresh = []
for i, paper in enumerate(sample):
    twin = copy.copy(paper)
    twin.id = f"bench-import-{i}"
    twin.title = f"Zyxwvut benchmark import {i} " + paper.title
    fresh.append(twin)
t = time.perf_counter()
for twin in fresh:
    library.papers[twin.id] = twin
engine.add_papers(fresh)
with tempfile.TemporaryDirectory() as scratch:
    engine.index.save_delta(Path(scratch), "bench")
update = time.perf_counter() - t
found = len(library.search("zyxwvut"))
result = {"ready_s": ready, "latencies": latencies, "rss_mb": vmhwm(), "update_s": update, "update_found": found}
print(json.dumps(result))
"""
)

BUILD = (
    VMHWM
    + r"""
import json, resource, sys, time
from pathlib import Path
from paperterm.library import Library
library = Library.open(Path(sys.argv[1]))
library.papers  # loaded before the clock starts: the build is what is timed
before = vmhwm()
start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
library.rebuild_index()
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"build_s": time.perf_counter() - start,
                  "build_cpu_s": after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime,
                  "build_rss_mb": vmhwm(), "loaded_rss_mb": before}))
"""
)

TANTIVY_BUILD = (
    VMHWM
    + r"""
import json, shutil, sys, time
from pathlib import Path
import tantivy
from paperterm.library import Library
library = Library.open(Path(sys.argv[1]))
folder = Path(sys.argv[2])
shutil.rmtree(folder, ignore_errors=True)
folder.mkdir(parents=True)
start = time.perf_counter()
builder = tantivy.SchemaBuilder()
builder.add_text_field("id", stored=True, tokenizer_name="raw")
for name in ("title", "authors", "abstract"):
    builder.add_text_field(name)
index = tantivy.Index(builder.build(), path=str(folder))
writer = index.writer()
for paper in library.papers.values():
    writer.add_document(tantivy.Document(
        id=paper.id, title=paper.title, authors=" ".join(paper.authors), abstract=paper.abstract))
writer.commit()
writer.wait_merging_threads()
built = time.perf_counter() - start
size = sum(f.stat().st_size for f in folder.iterdir())
print(json.dumps({"build_s": built, "index_mb": size / 1e6, "rss_mb": vmhwm()}))
"""
)

TANTIVY_PROBE = (
    VMHWM
    + r"""
import json, re, sys, time
import tantivy
index = tantivy.Index.open(sys.argv[1])
index.reload()
schema = index.schema
searcher = index.searcher()
BOOST = {"title": 3.0, "authors": 2.0, "abstract": 1.0}

def word_query(word, prefix):
    edits = 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0
    parts = []
    for field, boost in BOOST.items():
        if edits or prefix:
            q = tantivy.Query.fuzzy_term_query(schema, field, word, distance=edits, prefix=prefix)
        else:
            q = tantivy.Query.term_query(schema, field, word)
        parts.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, boost)))
    return tantivy.Query.boolean_query(parts)

def build(text):
    text = re.sub(r"\b(date|is|list|topic|source):\S*", " ", text)
    clauses = []
    phrases = re.findall(r'"([^"]+)"?', text)
    text = re.sub(r'"[^"]*"?', " ", text)
    tokens = text.split()
    for i, token in enumerate(tokens):
        word = re.sub(r"[^a-z0-9]", "", token.lower())
        if not word:
            continue
        if token.startswith("-") and len(token) > 1:
            clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "abstract", word)))
        else:
            clauses.append((tantivy.Occur.Should, word_query(word, i == len(tokens) - 1 and not text.endswith(" "))))
    for phrase in phrases:
        words = [w for w in re.findall(r"[a-z0-9]+", phrase.lower())]
        if len(words) > 1:
            clauses.append((tantivy.Occur.Must, tantivy.Query.phrase_query(schema, "abstract", words)))
        elif words:
            clauses.append((tantivy.Occur.Must, word_query(words[0], False)))
    return tantivy.Query.boolean_query(clauses) if clauses else None

queries = json.loads(sys.argv[2])
latencies = []
for query in queries:
    for end in range(1, len(query) + 1):
        t = time.perf_counter()
        built = build(query[:end])
        if built is not None:
            result = searcher.search(built, 50, count=True)
            [searcher.doc(address)["id"] for _, address in result.hits]
        latencies.append((time.perf_counter() - t) * 1000)
print(json.dumps({"latencies": latencies, "rss_mb": vmhwm()}))
"""
)


def prepare(papers: int) -> Path:
    """A library of N papers with its index saved (built once per size)."""
    from paperterm.library import Library

    root = bench_dir() / f"paperterm-bench-library-{papers}"
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


def build_times(root: Path, rebuild: bool) -> dict[str, float]:
    """Time a full index build in a fresh process (its own VmHWM), when asked or when the saved
    index is not this version's; kept beside the library and reused otherwise."""
    from paperterm.library import Library
    from paperterm.search_index import SearchIndex

    done = root / "index-build.json"
    library = Library.open(root)
    current = SearchIndex.load(library.index_dir, library.digest_key(len(library.digests))) is not None
    if rebuild or not current or not done.exists():
        built = subprocess.run([sys.executable, "-c", BUILD, str(root)], capture_output=True, text=True, check=True)
        done.write_text(built.stdout)
    return json.loads(done.read_text())


def tantivy_times(root: Path, papers: int) -> dict[str, float] | None:
    """Build (once per size) and query a tantivy index of the same papers; None without tantivy."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        print("tantivy not installed (pip install -e '.[bench]'): its column is skipped", file=sys.stderr)
        return None
    folder = root.parent / f"{root.name}-tantivy"
    done = folder.parent / f"{folder.name}.json"
    if not done.exists():
        built = subprocess.run(
            [sys.executable, "-c", TANTIVY_BUILD, str(root), str(folder)], capture_output=True, text=True, check=True
        )
        done.write_text(built.stdout)
    build = json.loads(done.read_text())
    command = [sys.executable, "-c", TANTIVY_PROBE, str(folder), json.dumps(QUERIES)]
    probe = subprocess.run(command, capture_output=True, text=True, check=True)
    measured = json.loads(probe.stdout)
    latencies = measured["latencies"]
    return {
        "tantivy_p50_ms": round(percentile(latencies, 0.50), 2),
        "tantivy_p95_ms": round(percentile(latencies, 0.95), 2),
        "tantivy_max_ms": round(max(latencies), 2),
        "tantivy_build_s": round(build["build_s"], 2),
        "tantivy_index_mb": round(build["index_mb"], 1),
        "tantivy_build_rss_mb": round(build["rss_mb"], 1),
        "tantivy_query_rss_mb": round(measured["rss_mb"], 1),
    }


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
    parser.add_argument("--no-fzf", action="store_true", help="leave out the fzf columns")
    parser.add_argument("--no-tantivy", action="store_true", help="leave out the tantivy column")
    parser.add_argument("--rebuild", action="store_true", help="time a full index build again (else reused)")
    args = parser.parse_args()
    root = prepare(args.papers)
    build = build_times(root, args.rebuild)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), json.dumps(QUERIES)],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(probe.stdout)
    latencies = measured["latencies"]
    fzf_titles, fzf_full = fzf_times(root) if not args.no_fzf else (None, None)
    tantivy = None if args.no_tantivy else tantivy_times(root, args.papers)
    ours_per_query = sum(latencies) / len(QUERIES)
    result = {
        "papers": args.papers,
        "keystrokes": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "max_ms": round(max(latencies), 2),
        "ready_s": round(measured["ready_s"], 3),
        "rss_mb": round(measured["rss_mb"], 1),
        "index_build_s": round(build["build_s"], 1),
        "index_build_cpu_s": round(build["build_cpu_s"], 1),
        "index_build_rss_mb": round(build["build_rss_mb"], 1),
        "library_loaded_rss_mb": round(build["loaded_rss_mb"], 1),
        "update_200_s": round(measured["update_s"], 3),
        "update_200_found": measured["update_found"],
        "fzf_titles_ms": None if fzf_titles is None else round(fzf_titles, 1),
        "fzf_full_ms": None if fzf_full is None else round(fzf_full, 1),
        "ours_per_query_ms": round(ours_per_query, 1),
        "index_mb": round(sum(f.stat().st_size for f in (root / "library" / "index").iterdir()) / 1e6, 1),
        **(tantivy or {}),
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
    print(
        f"index build            {result['index_build_s']:>10.1f} s ({result['index_build_cpu_s']} s CPU), "
        f"{result['index_mb']} MB, peak RSS {result['index_build_rss_mb']} MB "
        f"(papers loaded before it: {result['library_loaded_rss_mb']} MB)"
    )
    print(
        f"200-paper import       {result['update_200_s'] * 1000:>10.0f} ms to index, update the per-paper arrays and "
        f"save the delta ({result['update_200_found']} of the 200 found after)"
    )
    if tantivy is not None:
        t = tantivy
        print(
            f"tantivy per keystroke  {t['tantivy_p50_ms']:>10.2f} / {t['tantivy_p95_ms']:.2f} / "
            f"{t['tantivy_max_ms']:.2f} ms (p50 / p95 / max)"
        )
        print(
            f"tantivy build          {t['tantivy_build_s']:>10.2f} s, {t['tantivy_index_mb']} MB, "
            f"peak RSS {t['tantivy_build_rss_mb']} MB (build) / {t['tantivy_query_rss_mb']} MB (queries)"
        )
    if fzf_titles is not None and fzf_full is not None:
        print(f"fzf --filter, titles   {fzf_titles:>10.1f} ms/query (whole process)")
        print(f"fzf --filter, full     {fzf_full:>10.1f} ms/query (whole process)")
        print(
            f"paperterm, all keys    {ours_per_query:>10.1f} ms/query (every keystroke of a query, summed): "
            f"{fzf_full / ours_per_query:.1f}× faster than one fzf run on title+abstract"
        )


if __name__ == "__main__":
    main()
