"""The user's preferences (`settings.json` in the data dir): small, versioned, written atomically."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .atomic_io import LibraryFileError, read_json, write_json

KIND = "paperterm-settings"
SCHEMA_VERSION = 1


@dataclass(slots=True)
class Settings:
    mark_read_on_move: bool = False  # in the Unread view, moving past a paper marks it read
    inbox: str | None = None  # a folder imported on every launch
    theme: str | None = None


def load_settings(data_dir: Path) -> Settings:
    path = data_dir / "settings.json"
    if not path.exists():
        return Settings()
    payload = read_json(path, kind=KIND, schema_version=SCHEMA_VERSION)
    values = {}
    for spec in fields(Settings):
        value = payload.get(spec.name, getattr(Settings(), spec.name))
        expected = bool if spec.name == "mark_read_on_move" else (str, type(None))
        if not isinstance(value, expected):
            raise LibraryFileError(path, f"setting {spec.name!r} has the wrong type", "Fix or delete the file.")
        values[spec.name] = value
    return Settings(**values)


def save_settings(data_dir: Path, settings: Settings) -> None:
    write_json(
        data_dir / "settings.json",
        {"schema_version": SCHEMA_VERSION, "kind": KIND, **asdict(settings)},
        indent=True,
    )
