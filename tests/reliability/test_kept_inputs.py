"""A killed `paperterm import -` leaves its copy of standard input in `inputs/`: the next launch (or
import) removes it, `doctor` reports it and `--repair` removes it, and neither ever removes a copy
that a finished import refers to, nor the copy of an import still under way in another process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from paperterm.atomic_io import file_lock
from paperterm.doctor import check
from paperterm.library import Library

from ..conftest import cli_env, run_cli

REPO = Path(__file__).resolve().parents[2]


def _jsonl(first: int, count: int) -> bytes:
    rows = (
        {"id": f"2401.{n:05d}", "title": f"Streaming study number {n}", "abstract": "We stream. " * 8}
        for n in range(first, first + count)
    )
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def _copies(root: Path) -> set[str]:
    return {p.name for p in (root / "inputs").iterdir() if p.name != ".lock"}


def _import_killed_after_its_copy(root: Path, data: bytes) -> None:
    """`paperterm import -` killed after it copied standard input, before its digest was saved:
    the test holds the library lock, so the import waits right there."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperterm", "import", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**cli_env(root), "PYTHONPATH": str(REPO)},
        cwd=REPO,
    )
    with file_lock(root / ".lock"):
        assert proc.stdin is not None
        proc.stdin.write(data)
        proc.stdin.close()
        before = _copies(root)
        deadline = time.monotonic() + 60
        while not any(n.startswith("stdin-") for n in _copies(root) - before):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.02)
        # An import under way holds its copy: a launch in the meantime leaves it alone.
        Library.open(root)
        assert _copies(root) - before
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        assert stream is not None
        stream.close()
    assert proc.returncode == -signal.SIGKILL


def test_a_killed_stdin_import_leaves_a_copy_the_next_launch_removes(data_dir: Path) -> None:
    finished = run_cli(data_dir, "import", "-", stdin=_jsonl(0, 30))
    assert finished.returncode == 0, finished.stderr
    kept = _copies(data_dir)
    assert len(kept) == 1  # the finished import's copy: what `doctor --repair` reads again
    _import_killed_after_its_copy(data_dir, _jsonl(100, 40))
    left = _copies(data_dir) - kept
    assert len(left) == 1

    library = Library.open(data_dir)  # the next launch, or the next import, which opens the library
    assert _copies(data_dir) == kept
    assert len(library.papers) == 30
    again = run_cli(data_dir, "import", "-", stdin=_jsonl(100, 40))  # the same input, imported whole now
    assert again.returncode == 0 and b"40 new" in again.stdout, again.stderr
    assert len(_copies(data_dir)) == 2
    assert len(Library.open(data_dir).papers) == 70


def test_doctor_reports_a_leftover_copy_and_repair_removes_only_it(data_dir: Path) -> None:
    assert run_cli(data_dir, "import", "-", stdin=_jsonl(0, 30)).returncode == 0
    kept = _copies(data_dir)
    _import_killed_after_its_copy(data_dir, _jsonl(100, 40))
    (data_dir / "inputs" / ".stdin.tmp-999999-1").write_bytes(b"{}\n")  # a copy killed mid-write

    found = {f.what: f for f in check(data_dir)}["kept inputs"]
    assert found.status == "problem" and "2 copies in inputs/" in found.message, found.message
    repaired = {f.what: f for f in check(data_dir, repair=True)}["kept inputs"]
    assert repaired.status == "repaired", repaired.message
    assert _copies(data_dir) == kept
    assert {f.what: f for f in check(data_dir)}["kept inputs"].status == "ok"
    # The finished import's copy is what a repair of the cache reads again: still there, still used.
    (data_dir / "library" / "manifest.json").write_bytes(b"\x00 damaged")
    check(data_dir, repair=True)
    assert len(Library.open(data_dir).papers) == 30 and _copies(data_dir) == kept


def test_nothing_is_removed_while_the_manifest_cannot_be_read(data_dir: Path) -> None:
    assert run_cli(data_dir, "import", "-", stdin=_jsonl(0, 5)).returncode == 0
    kept = _copies(data_dir)
    (data_dir / "library" / "manifest.json").write_bytes(b"\x00 damaged")
    assert {f.what: f for f in check(data_dir)}["kept inputs"].status == "ok"
    assert {f.what: f for f in check(data_dir, repair=True)}["kept inputs"].status == "ok"
    assert _copies(data_dir) == kept
