"""Where paperterm keeps its files: one data dir, overridable for tests and for several libraries."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "PAPERTERM_DATA_DIR"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """`--data-dir`, else `$PAPERTERM_DATA_DIR`, else the platform's user data dir for paperterm."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("paperterm", appauthor=False))


def check_data_dir(root: Path) -> None:
    """Refuse a data dir that is a file (or a device): every read and write under it would fail."""
    from .atomic_io import LibraryFileError

    if root.exists() and not root.is_dir():
        raise LibraryFileError(
            root, "is a file, not a folder, so it cannot be the data dir", "Move it, or choose another --data-dir."
        )
