"""Import speed and memory: first import, repeated import, load from disk, size on disk.

    python benchmarks/import.py --papers 100000 [--json] [--no-reimport]

The import runs in this process, so its peak RSS (VmHWM, read right after it) is the import's;
the load is timed in a fresh process, with that process's RSS. Targets at 100,000 papers: first
import ≤ 5 s, re-import ≤ 3 s, load ≤ 1 s; at 1,000,000: papers/s within 20% of 100k's, peak
RSS ≤ 1.5 GB. The import's CPU time is printed beside its wall time: on a machine others are
using, the ratio of CPU papers/s is what still compares two sizes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import corpus
from paperterm.library import Library

LOAD_PROBE = """
import sys, time
t = time.perf_counter()
from paperterm.library import Library
lib = Library.open(__import__('pathlib').Path(sys.argv[1]))
ids = lib.ids_sorted()  # what the list shows first
seconds = time.perf_counter() - t
rss = [line.split()[1] for line in open('/proc/self/status') if line.startswith('VmRSS')][0]
print(seconds, len(lib.papers), int(rss) / 1024)
"""


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB: unlike `ru_maxrss`, not inherited across fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-reimport", action="store_true", help="skip the re-import (long at 1M)")
    args = parser.parse_args()
    folder = corpus(args.papers)
    files = sorted(str(p) for p in folder.glob("*.txt"))
    with tempfile.TemporaryDirectory(prefix="paperterm-bench-") as tmp:
        root = Path(tmp)
        library = Library.open(root)
        start, cpu = time.perf_counter(), time.process_time()
        summary = library.import_paths(files)
        first, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = peak_rss_mb()
        assert summary.new + summary.known == args.papers, summary.line()  # equal titles merge
        repeat = 0.0
        if not args.no_reimport:
            start = time.perf_counter()
            again = library.import_paths(files)
            repeat = time.perf_counter() - start
            assert again.new == 0
        loads, rss = [], []
        for _ in range(3):
            probe = subprocess.run(
                [sys.executable, "-c", LOAD_PROBE, str(root)], capture_output=True, text=True, check=True
            )
            seconds, count, resident = probe.stdout.split()
            assert int(count) == summary.new
            loads.append(float(seconds))
            rss.append(float(resident))
        size = library.store.size_on_disk()
    result = {
        "papers": args.papers,
        "files": len(files),
        "first_import_s": round(first, 3),
        "papers_per_s": round(args.papers / first),
        "first_import_cpu_s": round(cpu, 3),  # this process's CPU: compares runs on a busy machine
        "papers_per_cpu_s": round(args.papers / cpu),
        "import_peak_rss_mb": round(peak),
        "reimport_s": round(repeat, 3),
        "load_s": round(min(loads), 3),
        "load_rss_mb": round(min(rss)),
        "cache_mb": round(size / 2**20, 1),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"papers            {result['papers']:>10} in {result['files']} digest files")
    print(f"first import      {result['first_import_s']:>10.3f} s   ({result['papers_per_s']} papers/s)")
    print(f"  its CPU time    {result['first_import_cpu_s']:>10.3f} s   ({result['papers_per_cpu_s']} papers/CPU s)")
    print(f"import peak RSS   {result['import_peak_rss_mb']:>10} MB  (VmHWM of the importing process)")
    print(f"re-import         {result['reimport_s']:>10.3f} s   (all known)")
    print(f"load from disk    {result['load_s']:>10.3f} s   (best of 3, fresh process, incl. imports, list order)")
    print(f"load RSS          {result['load_rss_mb']:>10} MB")
    print(f"cache on disk     {result['cache_mb']:>10.1f} MB")


if __name__ == "__main__":
    main()
