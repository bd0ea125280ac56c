"""The user's preferences (`settings.json` in the data dir): small, versioned, written atomically.

Schema 2 holds several inbox folders (`inboxes`) where schema 1 held one (`inbox`); a schema-1
file is upgraded when it is read, after a copy of it is kept in `backups/`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .atomic_io import LibraryFileError, keep_backup, kept_at, read_upgraded, write_json

KIND = "paperterm-settings"
SCHEMA_VERSION = 2


def _inbox_list(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 → 2: the single `inbox` folder becomes the list `inboxes`."""
    upgraded = dict(payload)
    inbox = upgraded.pop("inbox", None)
    upgraded["inboxes"] = [inbox] if isinstance(inbox, str) and inbox else []
    return upgraded


UPGRADES = {1: _inbox_list}


@dataclass(slots=True)
class Settings:
    mark_read_on_move: bool = False  # in the Unread view, moving past a paper marks it read
    inboxes: list[str] = field(default_factory=list)  # folders imported on every launch
    theme: str | None = None
    sort_orders: dict[str, str] = field(default_factory=dict)  # scope ("list:to-read") → order name
    last_view: dict[str, str] = field(default_factory=dict)  # scope, search and paper shown at quit
    last_session: str | None = None  # when the app last started (ISO, UTC): "new since last session"


_TYPES: dict[str, Any] = {
    "mark_read_on_move": bool,
    "inboxes": list,
    "theme": (str, type(None)),
    "sort_orders": dict,
    "last_view": dict,
    "last_session": (str, type(None)),
}


def load_settings(data_dir: Path) -> Settings:
    path = data_dir / "settings.json"
    if not path.exists():
        return Settings()
    try:
        payload, upgraded_from = read_upgraded(path, kind=KIND, schema_version=SCHEMA_VERSION, upgrades=UPGRADES)
    except LibraryFileError as exc:
        backup = keep_backup(path, data_dir / "backups")
        raise LibraryFileError(
            path, exc.problem, exc.advice or f"{kept_at(backup)} `paperterm doctor --repair` resets it."
        ) from None
    values = {}
    for spec in fields(Settings):
        value = payload.get(spec.name, getattr(Settings(), spec.name))
        if not isinstance(value, _TYPES[spec.name]) or (
            isinstance(value, list | dict) and not all(isinstance(v, str) for v in _strings(value))
        ):
            backup = keep_backup(path, data_dir / "backups")
            raise LibraryFileError(
                path,
                f"setting {spec.name!r} has the wrong type",
                f"{kept_at(backup)} `paperterm doctor --repair` resets the settings.",
            )
        values[spec.name] = value
    settings = Settings(**values)
    if upgraded_from is not None:
        keep_backup(path, data_dir / "backups")
        save_settings(data_dir, settings)
    return settings


def _strings(value: list[Any] | dict[str, Any]) -> list[Any]:
    return [*value.keys(), *value.values()] if isinstance(value, dict) else list(value)


def save_settings(data_dir: Path, settings: Settings) -> None:
    write_json(
        data_dir / "settings.json",
        {"schema_version": SCHEMA_VERSION, "kind": KIND, **asdict(settings)},
        indent=True,
    )
