"""Validation of state and sync payloads: every field's type is checked before anything is built.

A sync file comes from another machine or another person; a wrong type anywhere
must be a clear error naming the field, and must change nothing.
"""

from __future__ import annotations

import re
from typing import Any

from .library_state import STATUSES

MAX_TEXT = 1_000_000
MAX_DEVICES = 1000
_ID = re.compile(r"^[\w.:/@+-]{1,200}$")
# A paper's id is whatever the store made of its arXiv id, DOI, PMID or title: a DOI may hold
# `( ) ; < > [ ] #` (`doi:10.1016/s0140-6736(20)30183-5`), so only spaces, control characters and `..` are out.
_PAPER_ID = re.compile(r"^[^\s\x00-\x1f\x7f]{1,1000}$")
# Stamps are always written with six fraction digits: they must sort as text (see clock).
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


class SchemaError(ValueError):
    """A payload of the wrong shape; the message names the field."""


def _expect(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise SchemaError(f"{where}: {what}")


def _text(value: Any, where: str, *, limit: int = MAX_TEXT) -> None:
    _expect(isinstance(value, str), where, "expected text")
    _expect(len(value) <= limit, where, f"longer than {limit} characters")


def _ident(value: Any, where: str) -> None:
    _expect(isinstance(value, str) and bool(_ID.match(value)) and ".." not in value, where, "not a valid id")


def _paper(value: Any, where: str) -> None:
    valid = isinstance(value, str) and bool(_PAPER_ID.match(value)) and ".." not in value  # `../` never
    _expect(valid, where, "not a valid id")


def validate_ids(*, paper: Any, reading_list: Any = "to-read") -> None:
    """A paper id (and a list id) as a status or a list entry stores them."""
    _paper(paper, f"paper id {str(paper)[:80]!r}")
    _ident(reading_list, f"list id {str(reading_list)[:80]!r}")


def _stamp(value: Any, where: str) -> None:
    _expect(isinstance(value, str) and bool(_STAMP.match(value)), where, "not a UTC timestamp")


def _bool(value: Any, where: str) -> None:
    _expect(isinstance(value, bool), where, "expected true or false")


def _vector(value: Any, where: str) -> None:
    _expect(
        isinstance(value, dict) and len(value) <= MAX_DEVICES,
        where,
        f"expected an object of at most {MAX_DEVICES} devices",
    )
    for device_id, stamp in value.items():
        _ident(device_id, f"{where}[{device_id!r}]")
        _stamp(stamp, f"{where}[{device_id!r}]")


def validate_state(payload: dict[str, Any]) -> None:
    """Raise SchemaError unless `payload` has exactly the shapes `LibraryState.from_json` needs."""
    fingerprint = payload.get("fingerprint", "")
    _text(fingerprint, "fingerprint", limit=200)
    _vector(payload.get("seen", {}), "seen")
    _vector(payload.get("forgot", {}), "forgot")
    devices = payload.get("devices", {})
    _expect(
        isinstance(devices, dict) and len(devices) <= MAX_DEVICES,
        "devices",
        f"expected an object of at most {MAX_DEVICES} devices",
    )
    for device_id, raw in devices.items():
        where = f"devices[{device_id!r}]"
        _ident(device_id, where)
        _expect(isinstance(raw, dict) and set(raw) == {"name", "named", "seen"}, where, "unexpected fields")
        _text(raw["name"], f"{where}.name", limit=100)
        _stamp(raw["named"], f"{where}.named")
        _vector(raw["seen"], f"{where}.seen")
    lists = payload.get("lists", [])
    _expect(isinstance(lists, list), "lists", "expected a list")
    for i, raw in enumerate(lists):
        where = f"lists[{i}]"
        _expect(isinstance(raw, dict), where, "expected an object")
        _expect(
            set(raw) == {"id", "name", "position", "deleted", "cleared", "changed", "by"}, where, "unexpected fields"
        )
        _ident(raw["id"], f"{where}.id")
        _text(raw["name"], f"{where}.name", limit=200)
        _expect(type(raw["position"]) is int, f"{where}.position", "expected a whole number")
        _bool(raw["deleted"], f"{where}.deleted")
        _vector(raw["cleared"], f"{where}.cleared")
        _stamp(raw["changed"], f"{where}.changed")
        _ident(raw["by"], f"{where}.by")
    entries = payload.get("entries", [])
    _expect(isinstance(entries, list), "entries", "expected a list")
    for i, raw in enumerate(entries):
        where = f"entries[{i}]"
        _expect(isinstance(raw, dict), where, "expected an object")
        _expect(set(raw) == {"list", "paper", "added", "removed", "changed", "by"}, where, "unexpected fields")
        _ident(raw["list"], f"{where}.list")
        _paper(raw["paper"], f"{where}.paper")
        _stamp(raw["added"], f"{where}.added")
        _bool(raw["removed"], f"{where}.removed")
        _stamp(raw["changed"], f"{where}.changed")
        _ident(raw["by"], f"{where}.by")
    status = payload.get("status", {})
    _expect(isinstance(status, dict), "status", "expected an object")
    for pid, raw in status.items():
        where = f"status[{pid!r}]"
        _paper(pid, where)
        _expect(isinstance(raw, dict) and set(raw) == {"value", "changed", "by"}, where, "unexpected fields")
        _expect(raw["value"] in STATUSES, f"{where}.value", f"expected one of {', '.join(STATUSES)}")
        _stamp(raw["changed"], f"{where}.changed")
        _ident(raw["by"], f"{where}.by")
    topics = payload.get("topics", [])
    _expect(isinstance(topics, list), "topics", "expected a list")
    topic_fields = {"key", "name", "rule", "pinned", "hidden", "merged_into", "deleted", "changed", "by"}
    for i, raw in enumerate(topics):
        where = f"topics[{i}]"
        _expect(isinstance(raw, dict) and set(raw) == topic_fields, where, "unexpected fields")
        _expect(isinstance(raw["key"], str), f"{where}.key", "expected text")
        _ident(raw["key"].replace(" ", "_"), f"{where}.key")
        _text(raw["name"], f"{where}.name", limit=200)
        _text(raw["rule"], f"{where}.rule", limit=2000)
        _text(raw["merged_into"], f"{where}.merged_into", limit=300)
        for flag in ("pinned", "hidden", "deleted"):
            _bool(raw[flag], f"{where}.{flag}")
        _stamp(raw["changed"], f"{where}.changed")
        _ident(raw["by"], f"{where}.by")
    notes = payload.get("notes", {})
    _expect(isinstance(notes, dict), "notes", "expected an object")
    for pid, raw in notes.items():
        where = f"notes[{pid!r}]"
        _paper(pid, where)
        _expect(isinstance(raw, dict) and set(raw) <= {"versions"}, where, "unexpected fields")
        versions = raw.get("versions", [])
        _expect(isinstance(versions, list), f"{where}.versions", "expected a list")
        for j, version in enumerate(versions):
            vwhere = f"{where}.versions[{j}]"
            _expect(
                isinstance(version, dict) and set(version) == {"text", "changed", "by"}, vwhere, "unexpected fields"
            )
            _text(version["text"], f"{vwhere}.text")
            _stamp(version["changed"], f"{vwhere}.changed")
            _ident(version["by"], f"{vwhere}.by")


PAPER_META_FIELDS = {"title": str, "abstract": str, "arxiv_id": str, "url": str, "published": str}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def validate_paper_meta(meta: Any, where: str) -> None:
    _expect(isinstance(meta, dict), where, "expected an object")
    _expect("title" in meta, where, "needs a title")
    for key, value in meta.items():
        if key == "authors":
            _expect(isinstance(value, list) and len(value) <= 2000, f"{where}.authors", "expected a list")
            for k, author in enumerate(value):
                _text(author, f"{where}.authors[{k}]", limit=500)
        elif key == "sightings":
            _expect(isinstance(value, list) and len(value) <= 1000, f"{where}.sightings", "expected a list")
            for k, seen in enumerate(value):
                swhere = f"{where}.sightings[{k}]"
                _expect(
                    isinstance(seen, dict) and set(seen) == {"digest", "date", "device"}, swhere, "unexpected fields"
                )
                _text(seen["digest"], f"{swhere}.digest", limit=1000)
                _text(seen["device"], f"{swhere}.device", limit=100)
                day = seen["date"]
                _expect(
                    day is None or (isinstance(day, str) and bool(_DAY.match(day))),
                    f"{swhere}.date",
                    "expected YYYY-MM-DD or null",
                )
        elif key in PAPER_META_FIELDS:
            if value is None and key != "title":
                continue
            _text(value, f"{where}.{key}", limit=MAX_TEXT if key == "abstract" else 5000)
        else:
            raise SchemaError(f"{where}.{key}: unexpected field")
