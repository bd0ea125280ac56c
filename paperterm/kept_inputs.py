"""`inputs/`: copies of digests that have no file of their own (standard input, a sync file's papers).

A digest read from standard input is copied here before it is imported, so `doctor --repair` can
read it again. An import killed after the copy was made leaves a copy that no digest names — for
an arXiv snapshot piped in, gigabytes. Every import that writes here holds `inputs/.lock` shared
from before its copy is made until its digest is in the manifest; `leftovers` takes it
exclusively without waiting, so it runs only when no import is under way (a process killed with
SIGKILL holds no lock), and then removes exactly the files no digest of the manifest or of its
last-good spare names. A file a finished import refers to is never removed.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .atomic_io import lock_if_free
from .cache_rebuild import INPUTS_DIR, manifest_digests
from .paper import Digest
from .paper_store import MANIFEST_LAST_GOOD

INPUTS_LOCK = ".lock"


@contextlib.contextmanager
def writing_inputs(folder: Path) -> Iterator[None]:
    """Held (shared) by an import from before it copies into `folder` until its digest is committed."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / INPUTS_LOCK, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class Leftovers:
    """Files of `inputs/` that no digest names, and their size."""

    paths: list[Path]
    size: int

    def line(self) -> str:
        noun = "copy" if len(self.paths) == 1 else "copies"
        return f"{len(self.paths)} {noun} in inputs/ ({self.size / 2**20:,.1f} MiB) that no import refers to"


def _on_disk(root: Path) -> list[Digest] | None:
    """The digests the manifest and its last-good spare name now; None when either exists but
    cannot be read (then nobody can tell which copies a repair still needs)."""
    found: list[Digest] = []
    for path in (root / "library" / "manifest.json", root / "backups" / MANIFEST_LAST_GOOD):
        if not path.exists():
            continue
        digests = manifest_digests(path)
        if digests is None:
            return None
        found += digests
    return found


def _unnamed(root: Path, loaded: Iterable[Digest]) -> Leftovers:
    """Files no digest names: those the loaded manifest names are kept at once; the rest are checked
    against the manifest and its spare as they are on disk now, read only when there are any."""
    try:
        entries = [p for p in (root / INPUTS_DIR).iterdir() if p.name != INPUTS_LOCK and p.is_file()]
    except OSError:
        return Leftovers([], 0)
    named = {Path(d.path).name for d in loaded}
    candidates = [p for p in entries if p.name not in named]
    if candidates:
        known = _on_disk(root)
        if known is None:
            return Leftovers([], 0)
        named = {Path(d.path).name for d in known}
    paths = sorted(p for p in candidates if p.name not in named)
    size = 0
    for path in paths:
        with contextlib.suppress(OSError):
            size += path.stat().st_size
    return Leftovers(paths, size)


def leftovers(root: Path, loaded: Iterable[Digest], *, remove: bool) -> Leftovers:
    """The copies in the data dir's `inputs/` that no digest names, removed when `remove`; none
    while an import is under way (they may be its own). `loaded`: the digests this process holds
    (a quick first filter); the manifest and its spare are read after the lock is held, so an
    import that finished a moment ago in another process counts."""
    folder = root / INPUTS_DIR
    if not folder.is_dir():
        return Leftovers([], 0)
    with lock_if_free(folder / INPUTS_LOCK) as idle:  # none is while an import holds it shared
        if not idle:
            return Leftovers([], 0)
        found = _unnamed(root, loaded)
        if not remove:
            return found
        removed: list[Path] = []
        size = 0
        for path in found.paths:
            with contextlib.suppress(OSError):
                bytes_ = path.stat().st_size
                path.unlink()
                removed.append(path)
                size += bytes_
        return Leftovers(removed, size)
