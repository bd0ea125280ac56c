"""App start-up: process start → first painted screen → list usable, against a minimal Textual app.

    python benchmarks/startup.py --papers 100000 [--json]

Each measurement runs headless (`App.run_test`) in a fresh process; times are taken
on the system-wide monotonic clock from just before the process is spawned. The floor
is a minimal Textual app (a Header, a 1,000-row DataTable and a Footer) measured in
the same run. Then, in the paperterm process, cursor moves (`j`) and page scrolls
(`pagedown`) are timed through the Pilot.

Targets at 100,000 papers: first paint ≤ 1.3 × the floor; list usable ≤ 2 s;
cursor move and page scroll under 16 ms per key.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.search import prepare

FLOOR = r"""
import asyncio, json, sys, time
from textual.app import App
from textual.widgets import DataTable, Footer, Header

marks = {}

class Floor(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("title", "date")
        table.add_rows([(f"Paper number {i} about things", "2024-09-12") for i in range(1000)])
        self.call_after_refresh(lambda: marks.setdefault("paint", time.monotonic()))

async def main():
    app = Floor()
    async with app.run_test(size=(120, 40)) as pilot:
        while "paint" not in marks:
            await pilot.pause(0.005)
        await pilot.pause(0.2)
        moves, move_cpu = [], []
        for _ in range(100):
            t, c = time.perf_counter(), time.process_time()
            await pilot.press("down")
            moves.append((time.perf_counter() - t) * 1000); move_cpu.append((time.process_time() - c) * 1000)
    marks.update(moves=moves, move_cpu=move_cpu)
    print(json.dumps(marks))

asyncio.run(main())
"""

PAPERTERM = r"""
import asyncio, json, sys, time
from pathlib import Path
from tui.app import PapertermApp
from tui.widgets.paper_list import PaperList

marks = {}

class Timed(PapertermApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(lambda: marks.setdefault("paint", time.monotonic()))

    def _loaded(self, samples):
        super()._loaded(samples)
        self.call_after_refresh(lambda: marks.setdefault("usable", time.monotonic()))

async def main():
    app = Timed(Path(sys.argv[1]), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while "usable" not in marks:
            await pilot.pause(0.005)
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        rows = len(app.main.query_one(PaperList).ids)
        moves, pages, move_cpu, page_cpu = [], [], [], []
        for _ in range(100):
            t, c = time.perf_counter(), time.process_time()
            await pilot.press("j")
            moves.append((time.perf_counter() - t) * 1000); move_cpu.append((time.process_time() - c) * 1000)
        for _ in range(30):
            t, c = time.perf_counter(), time.process_time()
            await pilot.press("pagedown")
            pages.append((time.perf_counter() - t) * 1000); page_cpu.append((time.process_time() - c) * 1000)
    marks.update(rows=rows, moves=moves, pages=pages, move_cpu=move_cpu, page_cpu=page_cpu)
    print(json.dumps(marks))

asyncio.run(main())
"""


def timed(script: str, *args: str) -> dict:
    spawned = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    marks = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("paint", "usable"):
        if key in marks:
            marks[key] -= spawned
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    root = prepare(args.papers)
    floors = [timed(FLOOR) for _ in range(args.runs)]
    floor = min(f["paint"] for f in floors)
    runs = [timed(PAPERTERM, str(root)) for _ in range(args.runs)]
    best = min(runs, key=lambda r: r["usable"])

    def gather(key: str, source: list[dict]) -> list[float]:
        return sorted(m for r in source for m in r[key])

    def p95(values: list[float]) -> float:
        return round(values[int(0.95 * (len(values) - 1))], 2)

    moves, pages = gather("moves", runs), gather("pages", runs)
    move_cpu, page_cpu = gather("move_cpu", runs), gather("page_cpu", runs)
    floor_moves, floor_cpu = gather("moves", floors), gather("move_cpu", floors)
    result = {
        "papers": args.papers,
        "rows": best["rows"],
        "floor_paint_s": round(floor, 3),
        "first_paint_s": round(min(r["paint"] for r in runs), 3),
        "paint_ratio": round(min(r["paint"] for r in runs) / floor, 2),
        "list_usable_s": round(best["usable"], 3),
        "move_p50_ms": round(statistics.median(moves), 2),
        "move_p95_ms": p95(moves),
        "page_p50_ms": round(statistics.median(pages), 2),
        "page_p95_ms": p95(pages),
        "move_cpu_p50_ms": round(statistics.median(move_cpu), 2),
        "move_cpu_p95_ms": p95(move_cpu),
        "page_cpu_p50_ms": round(statistics.median(page_cpu), 2),
        "page_cpu_p95_ms": p95(page_cpu),
        "floor_move_p50_ms": round(statistics.median(floor_moves), 2),
        "floor_move_cpu_p50_ms": round(statistics.median(floor_cpu), 2),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"papers                  {result['papers']:>10}  ({result['rows']} rows in the list)")
    print(f"floor: minimal app      {result['floor_paint_s']:>10.3f} s to first paint")
    print(
        f"paperterm first paint   {result['first_paint_s']:>10.3f} s   "
        f"({result['paint_ratio']}× the floor; target ≤ 1.3)"
    )
    print(f"paperterm list usable   {result['list_usable_s']:>10.3f} s   (target ≤ 2)")
    print(
        f"cursor move (j)         CPU p50 {result['move_cpu_p50_ms']:.2f} ms, p95 {result['move_cpu_p95_ms']:.2f} ms"
        f"  (wall through the Pilot p50 {result['move_p50_ms']:.1f} ms; target < 16)"
    )
    print(
        f"page scroll (pagedown)  CPU p50 {result['page_cpu_p50_ms']:.2f} ms, p95 {result['page_cpu_p95_ms']:.2f} ms"
        f"  (wall through the Pilot p50 {result['page_p50_ms']:.1f} ms)"
    )
    print(
        f"floor cursor move       CPU p50 {result['floor_move_cpu_p50_ms']:.2f} ms"
        f"  (wall p50 {result['floor_move_p50_ms']:.1f} ms: the Pilot waits ≥ 2 × 20 ms for idle after every key)"
    )


if __name__ == "__main__":
    main()
