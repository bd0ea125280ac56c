"""App start-up: process start → first painted screen → list usable, against a minimal Textual app.

    python benchmarks/startup.py --papers 100000 [--json]

Each measurement runs headless (`App.run_test`) in a fresh process; times are taken
on the system-wide monotonic clock from just before the process is spawned. The floor
is benchmarks/floor.py, a minimal Textual app (a Header, a 1,000-row DataTable and a
Footer), measured in the same run; paperterm's modules are compiled first, as installing
it does (see benchmarks/terminal.py). Then, in the paperterm process, cursor moves (`j`) and page scrolls
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
from benchmarks.terminal import installed_bytecode

REPO = Path(__file__).resolve().parent.parent

# Shared by both measured apps: a frame clock and the key timings.
COMMON = r"""
import asyncio, json, sys, time

marks = {}
frames = []  # CPU time at the end of every frame written to the (headless) terminal

class FrameClock:
    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if renderable is not None:
            frames.append(time.process_time())

async def keys(pilot, key, count):
    # Per key: CPU from the key to the frame that shows the cursor moved (`first`), and all CPU
    # the key caused, including the paper pane redrawn once the cursor rests (`total`).
    first, total = [], []
    for _ in range(count):
        frames.clear()
        c = time.process_time()
        await pilot.press(key)
        end = time.process_time()
        first.append(((frames[0] if frames else end) - c) * 1000)
        total.append((end - c) * 1000)
    return first, total

async def measure_keys(pilot, move_key):
    _, noop = await keys(pilot, "f12", 30)  # an unbound key: the Pilot's and dispatch's own cost
    move_first, move_cpu = await keys(pilot, move_key, 100)
    page_first, page_cpu = await keys(pilot, "pagedown", 30)
    marks.update(noop_cpu=noop, move_first=move_first, move_cpu=move_cpu, page_first=page_first, page_cpu=page_cpu)
"""

FLOOR = (
    COMMON
    + r"""
sys.path.insert(0, sys.argv[1])
from benchmarks.floor import Floor

class Timed(FrameClock, Floor):
    def on_mount(self):  # Textual calls every class's on_mount in the MRO: Floor's runs after this
        self.call_after_refresh(lambda: marks.setdefault("paint", time.monotonic()))

async def main():
    app = Timed()
    async with app.run_test(size=(120, 40)) as pilot:
        while "paint" not in marks:
            await pilot.pause(0.005)
        await pilot.pause(0.2)
        await measure_keys(pilot, "down")
    print(json.dumps(marks))

asyncio.run(main())
"""
)

PAPERTERM = (
    COMMON
    + r"""
from pathlib import Path
from tui.app import PapertermApp
from tui.widgets.paper_list import PaperList

class Timed(FrameClock, PapertermApp):
    def on_mount(self):  # Textual calls every class's on_mount in the MRO: the app's runs after this
        self.call_after_refresh(lambda: marks.setdefault("paint", time.monotonic()))

    def _loaded(self, samples, newest):
        super()._loaded(samples, newest)
        self.call_after_refresh(lambda: marks.setdefault("usable", time.monotonic()))

async def main():
    app = Timed(Path(sys.argv[1]), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while "usable" not in marks:
            await pilot.pause(0.005)
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        marks["rows"] = len(app.main.query_one(PaperList).ids)
        await measure_keys(pilot, "j")
    print(json.dumps(marks))

asyncio.run(main())
"""
)


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
    installed_bytecode()
    floors = [timed(FLOOR, str(REPO)) for _ in range(args.runs)]
    floor = min(f["paint"] for f in floors)
    runs = [timed(PAPERTERM, str(root)) for _ in range(args.runs)]
    best = min(runs, key=lambda r: r["usable"])

    def gather(key: str, source: list[dict]) -> list[float]:
        return sorted(m for r in source for m in r[key])

    def p95(values: list[float]) -> float:
        return round(values[int(0.95 * (len(values) - 1))], 2)

    def summary(prefix: str, source: list[dict]) -> dict[str, float]:
        out = {}
        for key in ("noop_cpu", "move_first", "move_cpu", "page_first", "page_cpu"):
            values = gather(key, source)
            out[f"{prefix}{key}_p50_ms"] = round(statistics.median(values), 2)
            out[f"{prefix}{key}_p95_ms"] = p95(values)
        return out

    result = {
        "papers": args.papers,
        "rows": best["rows"],
        "floor_paint_s": round(floor, 3),
        "first_paint_s": round(min(r["paint"] for r in runs), 3),
        "paint_ratio": round(min(r["paint"] for r in runs) / floor, 2),
        "list_usable_s": round(best["usable"], 3),
        **summary("", runs),
        **summary("floor_", floors),
    }
    if args.json:
        print(json.dumps(result))
        return
    r = result
    print(f"papers                  {r['papers']:>10}  ({r['rows']} rows in the list)")
    print(f"floor: minimal app      {r['floor_paint_s']:>10.3f} s to first paint")
    print(f"paperterm first paint   {r['first_paint_s']:>10.3f} s   ({r['paint_ratio']}× the floor; target ≤ 1.3)")
    print(f"paperterm list usable   {r['list_usable_s']:>10.3f} s   (target ≤ 2)")
    print("CPU per key, ms (p50 / p95); target < 16 from key to the frame that shows it")
    print("                         key → frame      all the key caused*     floor: key → frame / all")
    for label, key in (("cursor move (j)", "move"), ("page scroll (pagedown)", "page")):
        print(
            f"  {label:<22} {r[f'{key}_first_p50_ms']:6.2f} / {r[f'{key}_first_p95_ms']:6.2f}"
            f"      {r[f'{key}_cpu_p50_ms']:6.2f} / {r[f'{key}_cpu_p95_ms']:6.2f}"
            f"         {r[f'floor_{key}_first_p50_ms']:6.2f} / {r[f'floor_{key}_cpu_p50_ms']:6.2f}"
        )
    print(
        f"  unbound key (f12)                          {r['noop_cpu_p50_ms']:6.2f} / {r['noop_cpu_p95_ms']:6.2f}"
        f"         the Pilot's own cost per key"
    )
    print("  * including the paper pane, redrawn in its own frame once the cursor rests 50 ms")


if __name__ == "__main__":
    main()
