"""Topic discovery time: from scratch, and again after a small digest is imported.

    python benchmarks/topics.py --papers 100000 [--json]

Uses the benchmark library of benchmarks/search.py (index already saved). Topics are
computed in a fresh process (as the app's worker does, off the UI thread): discovered from
scratch, read back by a launch on the unchanged library, and updated after an import of
`--new` papers (placed into the saved topics, not discovered again). Targets at 100,000
papers: discovery ≤ 5 s, unchanged launch ~0, a 200-paper import ≤ 1 s.
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
    (root / "library" / "topics.json").unlink(missing_ok=True)
    library = Library.open(root)
    library.search_engine()
    start = time.perf_counter()
    topics = library.topics.all()
    first = time.perf_counter() - start
    names = [t.name for t in topics[:10]]
    reopened = Library.open(root)
    start = time.perf_counter()
    reopened.topics.all()
    unchanged = time.perf_counter() - start
    extra = Path(tmp) / "digest-2031-01-01.txt"
    extra.write_text("Daily Papers\n\nJan 1\n\n" + "\n\n".join(
        f"Knowledge Distillation Study {i}\n\n" + "We study knowledge distillation in depth. " * 10
        for i in range(int(sys.argv[2]))))
    library.import_paths([str(extra)])
    start = time.perf_counter()
    after = library.topics.all()
    again = time.perf_counter() - start
    stable = [t.name for t in after[:10]] == names
    covered = len(set().union(*(t.members for t in after))) / len(library.papers)
print(json.dumps({"topics": len(topics), "first_s": first, "unchanged_s": unchanged, "after_import_s": again,
                  "top10_stable": stable, "coverage": covered, "top5": names[:5]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--new", type=int, default=200, help="papers in the digest imported afterwards")
    args = parser.parse_args()
    root = prepare(args.papers)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), str(args.new)], capture_output=True, text=True, check=True
    )
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
    print(f"launch, unchanged        {result['unchanged_s']:>10.3f} s   (read back from topics.json)")
    print(
        f"after a {args.new}-paper import {result['after_import_s']:>6.3f} s   "
        f"(target ≤ 1 at 100k; top 10 names unchanged: {result['top10_stable']})"
    )
    print(f"top topics              {', '.join(result['top5'])}")


if __name__ == "__main__":
    main()
