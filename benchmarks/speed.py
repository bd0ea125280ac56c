"""The README's Speed table: import, load, index, search and the real terminal, one run each per size.

    python benchmarks/speed.py --papers 10000 100000 1000000 [--json]

Runs `import.py`, `search.py --rebuild` (with tantivy up to 100,000 papers) and `terminal.py`
one after another, each in a process of its own, and prints one Markdown row per size with the
floor (a minimal Textual app) and tantivy beside our numbers. Nothing is averaged or picked:
every figure is from the one run printed (first paint and its floor: terminal.py's medians of
launches alternated within that run). Give the machine to it alone; the load average at the
start and the end is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TANTIVY_UP_TO = 100_000  # tantivy's 1M index build alone takes longer than the rest of a row


def run(script: str, papers: int, *extra: str) -> dict:
    """One benchmark in its own process; its JSON line is the last line it prints."""
    command = [sys.executable, str(HERE / script), "--papers", str(papers), "--json", *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(papers: int) -> dict:
    """Import, then search (index rebuilt and timed), then the terminal, for one size."""
    search_flags = ["--rebuild", "--no-fzf"] + ([] if papers <= TANTIVY_UP_TO else ["--no-tantivy"])
    return {
        "papers": papers,
        "import": run("import.py", papers, "--no-reimport"),
        "search": run("search.py", papers, *search_flags),
        "terminal": run("terminal.py", papers),
    }


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def table(rows: list[dict]) -> str:
    """The README's rows: ours first, the floor and tantivy beside the figure they compare with."""
    head = (
        "| papers | import (papers/s, peak RSS) | load (RSS) | index build wall (CPU), peak RSS, size "
        "| per keystroke p50 / p95 / max | tantivy p50 / p95 / max (build) "
        "| first paint (floor) | list after paint | first search | burst query | 50 `j` | app RSS |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        i, s, t = r["import"], r["search"], r["terminal"]
        tantivy = (
            f"{s['tantivy_p50_ms']:.1f} / {s['tantivy_p95_ms']:.1f} / {s['tantivy_max_ms']:.0f} ms "
            f"({s['tantivy_build_s']:.0f} s)"
            if "tantivy_p95_ms" in s
            else ("not run" if r["papers"] > TANTIVY_UP_TO else "not installed: `pip install -e '.[bench]'`")
        )
        lines.append(
            f"| {r['papers']:,} "
            f"| {i['first_import_s']:.1f} s ({i['papers_per_s']:,}/s, {i['import_peak_rss_mb']:,} MB) "
            f"| {i['load_s']:.2f} s ({i['load_rss_mb']} MB) "
            f"| {s['index_build_s']:.1f} s ({s['index_build_cpu_s']:.1f} s), {s['index_build_rss_mb']:,.0f} MB, "
            f"{s['index_mb']} MB "
            f"| {s['p50_ms']:.1f} / {s['p95_ms']:.1f} / {s['max_ms']:.0f} ms "
            f"| {tantivy} "
            f"| {t['first_paint_s']:.2f} s ({t['floor_paint_s']:.2f} s, {t['paint_ratio']}×) "
            f"| {t['list_after_paint_s']:.2f} s "
            f"| {t['first_search_s']:.2f} s "
            f"| {t['burst_query_ms']:.0f} ms "
            f"| {t['j50_settled_ms']:.0f} ms "
            f"| {t['rss_mb']:.0f} MB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--json", action="store_true", help="print every benchmark's JSON instead")
    args = parser.parse_args()
    before = load_average()
    rows = []
    for papers in args.papers:
        rows.append(row(papers))
        print(f"{papers:,} papers done (load {load_average()})", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps({"load_before": before, "load_after": load_average(), "rows": rows}))
        return
    print(table(rows))
    print(f"\nload average before / after: {before} / {load_average()} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
