"""`paperterm doctor` on derived files: the paper columns (`library/columns.bin`) and what killed
index builds and folds leave beside the index (chunk folders of 1.4 GB at a million papers)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from paperterm.library import Library
from paperterm.paper_columns import PaperColumns
from paperterm.search_index import SPILL_PREFIX

from .conftest import run_cli


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(done.stdout)


def test_doctor_names_a_damaged_columns_file_and_rebuilds_it(seeded: Library, data_dir: Path) -> None:
    path = data_dir / "library" / "columns.bin"
    assert path.exists()
    papers = len(seeded.papers)
    ok = run_cli(data_dir, "doctor")
    assert ok.returncode == 0 and b"columns.bin" in ok.stdout and b"matches the segments" in ok.stdout
    path.write_bytes(path.read_bytes()[:300])  # cut short
    done = run_cli(data_dir, "doctor")
    out = done.stdout.decode()
    assert done.returncode == 0, out
    assert "columns.bin (300 B, derived from the segments) was damaged: rebuilt from the segments" in out
    saved = PaperColumns.load(path)
    assert saved is not None and len(saved[0].ids) == papers
    assert len(Library.open(data_dir).papers) == papers


def test_doctor_reports_and_repair_removes_what_killed_index_builds_left(seeded: Library, data_dir: Path) -> None:
    query = "distillation"
    expected = list(seeded.search(query).ids)
    folder = seeded.index_dir
    dead = _dead_pid()
    spill = folder / f"{SPILL_PREFIX}{dead}-x1" / "0"
    spill.mkdir(parents=True)
    (spill / "abstract.tok.npy").write_bytes(b"\0" * 3 * 2**20)
    fold = folder.parent / f".index-fold-{dead}"
    fold.mkdir()
    (fold / "abstract.docs.npy").write_bytes(b"\0" * 2**20)
    running = folder / f"{SPILL_PREFIX}{os.getpid()}-x2"  # a build still running: not touched
    running.mkdir()
    found = run_cli(data_dir, "doctor")
    assert found.returncode == 1
    assert "2 folders (4.0 MB) left by killed index builds or folds; --repair removes them" in found.stdout.decode()
    repaired = run_cli(data_dir, "doctor", "--repair")
    assert repaired.returncode == 0 and b"removed 2 folders (4.0 MB)" in repaired.stdout
    assert not spill.parent.exists() and not fold.exists() and running.exists()
    again = Library.open(data_dir)
    assert list(again.search(query).ids) == expected
    assert run_cli(data_dir, "doctor").returncode == 0


def test_doctor_puts_back_an_index_a_killed_fold_moved_aside(seeded: Library, data_dir: Path) -> None:
    query = "distillation"
    expected = list(seeded.search(query).ids)
    folder = seeded.index_dir
    key = (folder / "index.json").read_bytes()
    folder.rename(folder.parent / f".index-old-{_dead_pid()}")  # killed between its two renames
    assert run_cli(data_dir, "doctor").returncode == 1
    assert run_cli(data_dir, "doctor", "--repair").returncode == 0
    assert (folder / "index.json").read_bytes() == key  # the same index, not a rebuild
    assert list(Library.open(data_dir).search(query).ids) == expected
