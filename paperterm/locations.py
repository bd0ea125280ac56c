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
