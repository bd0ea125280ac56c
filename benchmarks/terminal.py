"""The app as a user meets it: the installed `paperterm` in a real terminal (tmux, 120×40) on N papers.

    python benchmarks/terminal.py --papers 100000 [--json]

Starts `paperterm --data-dir LIB` in a detached tmux session on a private tmux server and
reads the screen (`tmux capture-pane`) every few milliseconds, timing from just before the
session is created:
- launch → first paint: the first capture showing a whole frame, its bottom row (the footer)
  drawn — for paperterm its main screen: sidebar, search bar, "Loading the library…" where the
  list goes, paper pane and footer; the same for the floor, a minimal Textual app
  (benchmarks/floor.py: a Header, a 1,000-row DataTable, a Footer) started the same way. The
  two are launched alternately (--paint-runs each, plus the launch measured below) and the
  medians compared;
- launch → the list shows papers (the status line counts them);
- launch → the first search answered: `/` and a query are typed as soon as the first
  frame is painted, and the clock stops when its results are counted on the status line;
- a query typed in one burst → its results on screen (the status line shows the count and
  full matches the library gives that query, asked in process beforehand), timed from the
  moment the keys were sent;
- 50 `j` sent in one burst → the screen stops changing (paper pane included);
- the process's RSS once all that is done, and its peak (VmHWM).

paperterm's modules are compiled to bytecode first, as installing it does: a shell with
PYTHONDONTWRITEBYTECODE set would otherwise make an editable install compile them on every
launch (Textual's own modules are compiled when installed, so the floor never pays that).
The library is the one benchmarks/search.py prepares (index saved, topics computed once by
a first launch here). Targets at 100,000 papers: first paint ≤ 1.2 × the floor, list ≤ 1.0 s
after first paint, first search ≤ 1.5 s after launch, burst query ≤ 150 ms after the last key;
at 1,000,000 papers, first search ≤ 3 s after launch. Timings are taken by polling the
screen: each is late by up to one poll (~10 ms, more on a loaded machine).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.search import prepare

FLOOR = Path(__file__).with_name("floor.py")  # the minimal Textual app, started the same way
SIZE = (120, 40)
FIRST_QUERY = "distillation"
BURST_QUERY = "mixture of experts"
POLL = 0.008
LIST_SHOWN = re.compile(r"All · [\d,]+ papers")  # counts are written with thousands separators
ANSWERED = re.compile(r"[\d,]+ papers · [\d,]+ match every word|No papers match")
ANSI = re.compile(r"\x1b\[[0-9;:]*[A-Za-z]")
STATUS = re.compile(r"\w+ · [\d,]+ papers(?: · [\d,]+ match every word)?|No papers match")

WARM = r"""
import json, sys
from pathlib import Path
from paperterm.library import Library
library = Library.open(Path(sys.argv[1]))
library.topics.all()
results = library.search(sys.argv[2])
print(json.dumps([len(results), results.full_matches]))
"""


@dataclass
class Screen:
    """One tmux session on a private server, read by polling."""

    command: list[str]
    socket: str
    name: str = "bench"
    started: float = 0.0
    frames: list[tuple[float, str]] = field(default_factory=list)  # (seconds since launch, screen text)

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)
        return done.stdout

    def launch(self) -> None:
        width, height = SIZE
        shell = " ".join(_quote(part) for part in self.command)
        self.started = time.monotonic()
        session = ["new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), "exec " + shell]
        subprocess.run(["tmux", "-L", self.socket, *session], check=True)

    def now(self) -> float:
        return time.monotonic() - self.started

    def capture(self) -> str:
        text = self.tmux("capture-pane", "-p", "-e", "-t", self.name)  # -e: the cursor row is only a colour
        at = self.now()
        if not self.frames or self.frames[-1][1] != text:
            self.frames.append((at, text))
        return text

    def wait_for(self, found: re.Pattern[str] | None, timeout: float = 120.0) -> float:
        """Seconds since launch when the screen first showed `found` (None: a whole first frame)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.capture()
            plain = _plain(text)
            if (found is None and _painted(plain)) or (found is not None and found.search(plain)):
                return self.frames[-1][0]
            time.sleep(POLL)
        raise SystemExit(f"timed out waiting for {found.pattern if found else 'a first paint'}:\n{self.capture()}")

    def settle(
        self, quiet: float = 1.5, timeout: float = 60.0, after: float | None = None, text_only: bool = False
    ) -> float:
        """Poll until the screen has not changed for `quiet` seconds (and, with `after`, has changed
        since then: a busy app may take longer than `quiet` to answer); its last change's time.

        `text_only` ignores changes of colour alone: a focused search box's blinking cursor
        changes the screen every half second, so a screen with one never settles by colour."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.capture()
            changed = self._last_change(text_only)
            answered = after is None or changed >= after
            if answered and self.now() - changed >= quiet:
                return changed
            time.sleep(POLL)
        return self._last_change(text_only)

    def _last_change(self, text_only: bool) -> float:
        """When the screen last changed (its text alone, with `text_only`)."""
        if not text_only:
            return self.frames[-1][0]
        last = _plain(self.frames[-1][1])
        at = self.frames[-1][0]
        for seen, text in reversed(self.frames):
            if _plain(text) != last:
                break
            at = seen
        return at

    def send(self, *keys: str, literal: bool = False) -> float:
        """Send keys in one write; seconds since launch just before they were sent."""
        at = self.now()
        self.tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)
        return at

    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").strip())

    def close(self) -> None:
        """End the session and wait for its program to be gone, so it takes no CPU from the next."""
        try:
            pid = self.pid()
        except ValueError:  # the program has ended already
            pid = None
        self.tmux("kill-server")
        deadline = time.monotonic() + 10
        while pid is not None and Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def _plain(text: str) -> str:
    return ANSI.sub("", text)


def _painted(plain: str) -> bool:
    """A whole frame is on screen: its bottom row (the footer, in both apps) is drawn. A frame is
    written top to bottom, so a capture can catch one half drawn; this waits for all of it."""
    rows = plain.splitlines()
    return len(rows) >= SIZE[1] and bool(rows[SIZE[1] - 1].strip())


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"


def _status_line(text: str) -> str:
    """The list's status (the count of results), without the panes beside it."""
    found = STATUS.search(_plain(text))
    return found.group() if found else ""


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def first_paint(command: list[str], socket: str) -> float:
    """Launch → the first whole frame, for one launch that then ends."""
    screen = Screen(command, socket)
    try:
        screen.launch()
        return screen.wait_for(None)
    finally:
        screen.close()


def installed_bytecode() -> None:
    """Compile paperterm's modules as installing it does (pip writes a wheel's bytecode): in a shell
    with PYTHONDONTWRITEBYTECODE set, an editable install would otherwise compile every module it
    imports from source on every launch, a cost no installed app pays (Textual's are compiled)."""
    for package in ("paperterm", "tui", "loaders"):
        spec = importlib.util.find_spec(package)
        for folder in spec.submodule_search_locations or [] if spec else []:
            compileall.compile_dir(folder, quiet=1)


def paperterm_command(root: Path, program: str | None = None) -> list[str]:
    if program:  # another build to compare with, e.g. "env PYTHONPATH=/tmp/old python -m paperterm"
        return [*program.split(), "--data-dir", str(root)]
    installed = Path(sys.executable).with_name("paperterm")
    program = str(installed) if installed.exists() else shutil.which("paperterm")
    if program is None:
        raise SystemExit("the paperterm command is not installed (pip install -e . in this environment)")
    return [program, "--data-dir", str(root)]


def measure(root: Path, socket: str, program: str | None, burst_answer: re.Pattern[str]) -> dict[str, float]:
    """One launch, timed as the module's docstring says; `burst_answer` is the status line the burst
    query's whole answer shows (its count and full matches, from the library in process): the
    clock stops there, not at a pause, which on a busy machine can fall on a query half typed."""
    screen = Screen(paperterm_command(root, program), socket)
    try:
        screen.launch()
        paint = screen.wait_for(None)
        screen.send("/", FIRST_QUERY, literal=True)
        listed = screen.wait_for(LIST_SHOWN)
        answered = screen.wait_for(ANSWERED)
        screen.settle(text_only=True)
        # A query typed in one burst: the clock stops when the status line reaches its final count.
        screen.send("C-u")
        screen.settle(quiet=0.8, text_only=True)
        sent = screen.send(BURST_QUERY, literal=True)
        burst = screen.wait_for(burst_answer) - sent  # the screen before it (C-u: no query) cannot match
        final = _status_line(screen.frames[-1][1])
        screen.send("Escape")
        screen.settle(quiet=0.8)
        sent = screen.send("j" * 50, literal=True)
        moved = screen.settle(after=sent) - sent
        rss, hwm = memory(screen.pid())
    finally:
        screen.close()
    return {
        "first_paint_s": paint,
        "list_s": listed,
        "first_search_s": answered,
        "burst_query_ms": burst * 1000,
        "j50_settled_ms": moved * 1000,
        "rss_mb": rss,
        "hwm_mb": hwm,
        "burst_status": final,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--library", type=Path, help="an existing data dir to open (default: the benchmark library)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--program", help="the command to measure instead of the installed paperterm")
    parser.add_argument("--paint-runs", type=int, default=3, help="launches of each, alternated, for first paint")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed (apt-get install tmux)")
    root = args.library or prepare(args.papers)
    socket = f"paperterm-bench-{os.getpid()}"
    # Topics are computed once and saved, as a user's first launch does; the launches timed here
    # read them back, as every later launch does.
    warm = subprocess.run([sys.executable, "-c", WARM, str(root), BURST_QUERY], check=True, capture_output=True)
    count, full = json.loads(warm.stdout)
    burst_answer = re.compile(rf"· {count:,} papers? · {full:,} match every word")
    installed_bytecode()
    app = paperterm_command(root, args.program)
    floors, paints = [], []
    for run in range(args.paint_runs):  # alternated, so a change in the machine's load meets both
        floors.append(first_paint([sys.executable, str(FLOOR)], f"{socket}-floor{run}"))  # a server each
        paints.append(first_paint(app, f"{socket}-paint{run}"))
    result = measure(root, f"{socket}-app", args.program, burst_answer)
    list_after = result["list_s"] - result["first_paint_s"]
    paints.append(result.pop("first_paint_s"))
    out = {
        "papers": args.papers,
        "floor_paint_s": round(statistics.median(floors), 3),
        "first_paint_s": round(statistics.median(paints), 3),
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()},
    }
    out["paint_ratio"] = round(out["first_paint_s"] / out["floor_paint_s"], 2)
    out["list_after_paint_s"] = round(list_after, 3)
    out["paints_s"] = {"floor": [round(p, 3) for p in floors], "paperterm": [round(p, 3) for p in paints]}
    if args.json:
        print(json.dumps(out))
        return
    print(f"papers                        {out['papers']:>10}   (tmux {SIZE[0]}×{SIZE[1]})")
    runs = f"median of {len(floors)} / {len(paints)} launches"
    print(f"floor: minimal app, paint     {out['floor_paint_s']:>10.3f} s    ({runs})")
    ratio, after = out["paint_ratio"], out["list_after_paint_s"]
    print(f"launch → first paint          {out['first_paint_s']:>10.3f} s    ({ratio}× floor; target ≤ 1.2)")
    print(f"launch → list shows papers    {out['list_s']:>10.3f} s    ({after:.3f} s after paint; target ≤ 1.0)")
    print(f"launch → first search answers {out['first_search_s']:>10.3f} s    (target ≤ 1.5 at 100k, ≤ 3 at 1M)")
    print(f"burst query → results         {out['burst_query_ms']:>10.0f} ms   (target ≤ 150; {out['burst_status']!r})")
    print(f"50 j → screen settled         {out['j50_settled_ms']:>10.0f} ms")
    print(f"RSS after load / peak         {out['rss_mb']:>10.0f} MB / {out['hwm_mb']:.0f} MB")


if __name__ == "__main__":
    main()
