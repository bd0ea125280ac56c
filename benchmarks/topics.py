"""Topic discovery time: from scratch, and again after a small digest is imported.

    python benchmarks/topics.py --papers 100000 [--json]

Uses the benchmark library of benchmarks/search.py (index already saved). Topics are
computed in a fresh process (as the app's worker does, off the UI thread). Target:
≤ 5 s at 100,000 papers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.search import prepare

PROBE = r"""
import json, shutil, sys, tempfile, time
from pathlib import Path
from paperterm.library import Library
source = Path(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "lib"
    shutil.copytree(source, root)
    library = Library.open(root)
    library.search_engine()
    start = time.perf_counter()
    topics = library.topics.all()
    first = time.perf_counter() - start
    names = [t.name for t in topics[:10]]
    extra = Path(tmp) / "digest-2031-01-01.txt"
    extra.write_text("Daily Papers\n\nJan 1\n\n" + "\n\n".join(
        f"Knowledge Distillation Study {i}\n\n" + "We study knowledge distillation in depth. " * 10 for i in range(20)))
    library.import_paths([str(extra)])
    start = time.perf_counter()
    after = library.topics.all()
    again = time.perf_counter() - start
    stable = [t.name for t in after[:10]] == names
    covered = len(set().union(*(t.members for t in after))) / len(library.papers)
print(json.dumps({"topics": len(topics), "first_s": first, "after_import_s": again,
                  "top10_stable": stable, "coverage": covered, "top5": names[:5]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    root = prepare(args.papers)
    done = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, check=True)
    measured = json.loads(done.stdout)
    result = {
        "papers": args.papers,
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in measured.items()},
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"papers                  {result['papers']:>10}")
    print(f"topics found            {result['topics']:>10}  (coverage {result['coverage']:.0%})")
    print(f"discovery               {result['first_s']:>10.3f} s   (target ≤ 5 at 100k)")
    print(
        f"after a 20-paper import {result['after_import_s']:>10.3f} s   "
        f"(top 10 names unchanged: {result['top10_stable']})"
    )
    print(f"top topics              {', '.join(result['top5'])}")


if __name__ == "__main__":
    main()
