"""The issue's scenarios, as the user meets them: two data dirs standing for two machines, their
clocks moved with $PAPERTERM_CLOCK_OFFSET, a data dir copied, through the `paperterm` CLI."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from paperterm import sync
from paperterm.clock import OFFSET_ENV
from paperterm.library import Library
from paperterm.state_store import StateStore

from .conftest import BLANK, REPO, run_cli, state_bytes

HF_API = REPO / "tests" / "fixtures" / "formats" / "hf-api.json"

YEAR = str(366 * 86400)


class _AnyStamp(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and len(other) == 27 and other.endswith("Z")

    __hash__ = str.__hash__


ANY_STAMP = _AnyStamp()
TO_2001 = str(-25 * 365 * 86400)


def cli(root: Path, *args: str, offset: str = "0", monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(OFFSET_ENV, offset)
    done = run_cli(root, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()


@pytest.fixture
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Two machines with the same digest imported, a shared sync file, and a paper id to act on."""
    one, other, shared = tmp_path / "fast", tmp_path / "right", tmp_path / "shared.json"
    for root in (one, other):
        cli(root, "import", str(BLANK), monkeypatch=monkeypatch)
    ids = [r["id"] for r in json.loads(cli(one, "list", "--json", "--limit", "3", monkeypatch=monkeypatch))]
    return one, other, shared, ids


def to_read(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown = json.loads(cli(root, "lists", "show", "to-read", "--json", monkeypatch=monkeypatch))
    return [r["id"] for r in shown]


def test_a_year_ahead_machine_cannot_bring_back_a_paper_removed_after_its_bookmark(two, monkeypatch) -> None:
    fast, right, shared, (pid, *_) = two
    cli(fast, "bookmark", pid, offset=YEAR, monkeypatch=monkeypatch)
    cli(fast, "sync", str(shared), offset=YEAR, monkeypatch=monkeypatch)
    said = cli(right, "sync", str(shared), monkeypatch=monkeypatch)
    assert "are stamped 366 days ahead of this machine's clock" in said
    cli(right, "unbookmark", pid, monkeypatch=monkeypatch)
    cli(right, "sync", str(shared), monkeypatch=monkeypatch)
    said = cli(fast, "sync", str(shared), offset=YEAR, monkeypatch=monkeypatch)
    assert "changed here: 1 list entry (from " in said
    assert to_read(fast, monkeypatch) == [] and to_read(right, monkeypatch) == []
    said = cli(right, "sync", str(shared), monkeypatch=monkeypatch)
    assert "stamped" not in said  # said once
    assert to_read(right, monkeypatch) == []


def test_a_machine_reset_to_2001_keeps_its_new_bookmark(two, monkeypatch) -> None:
    old, right, shared, (pid, *_) = two
    cli(right, "bookmark", pid, monkeypatch=monkeypatch)
    cli(right, "unbookmark", pid, monkeypatch=monkeypatch)
    cli(right, "sync", str(shared), monkeypatch=monkeypatch)
    cli(old, "sync", str(shared), offset=TO_2001, monkeypatch=monkeypatch)
    cli(old, "bookmark", pid, offset=TO_2001, monkeypatch=monkeypatch)  # after seeing the removal
    cli(old, "sync", str(shared), offset=TO_2001, monkeypatch=monkeypatch)
    cli(right, "sync", str(shared), monkeypatch=monkeypatch)
    assert to_read(old, monkeypatch) == [pid] == to_read(right, monkeypatch)


def test_an_ntp_step_back_never_undoes_the_users_latest_action(two, monkeypatch) -> None:
    machine, _, shared, (pid, *_) = two
    cli(machine, "bookmark", pid, offset="300", monkeypatch=monkeypatch)  # five minutes fast
    cli(machine, "sync", str(shared), offset="300", monkeypatch=monkeypatch)
    cli(machine, "unbookmark", pid, monkeypatch=monkeypatch)  # NTP has corrected the clock
    cli(machine, "sync", str(shared), monkeypatch=monkeypatch)
    assert to_read(machine, monkeypatch) == []


def test_a_copied_data_dir_becomes_a_new_device_and_concurrent_note_edits_are_both_kept(
    two, tmp_path: Path, monkeypatch
) -> None:
    laptop, _, shared, (pid, *_) = two
    cli(laptop, "device", "--name", "laptop", monkeypatch=monkeypatch)
    cli(laptop, "note", pid, "--set", "base", monkeypatch=monkeypatch)
    cli(laptop, "sync", str(shared), monkeypatch=monkeypatch)
    copy = tmp_path / "copy"
    shutil.copytree(laptop, copy, symlinks=True)  # `cp -a`, a restored backup
    original = Library.open(laptop).state.device
    assert Library.open(copy).state.device == original  # reading changes nothing
    cli(copy, "note", pid, "--set", "edited on the copy", monkeypatch=monkeypatch)
    cli(laptop, "note", pid, "--set", "edited on the laptop", monkeypatch=monkeypatch)
    copied = Library.open(copy).state
    assert copied.device != original and Library.open(laptop).state.device == original
    host = socket.gethostname().split(".")[0]
    assert copied.device_name(copied.device) == f"{host}-{copied.device[:4]}" or host != "laptop"
    cli(copy, "sync", str(shared), monkeypatch=monkeypatch)
    said = cli(laptop, "sync", str(shared), monkeypatch=monkeypatch)
    assert "1 note was edited on two machines at once" in said
    assert f"(from {copied.device_name(copied.device)})" in said
    note = Library.open(laptop).state.note_of(pid)
    assert note.startswith("edited on the laptop") or note.startswith("edited on the copy")
    assert "edited on the laptop" in note and "edited on the copy" in note
    copy_name = copied.device_name(copied.device)
    assert (
        f"also edited on laptop without seeing {copy_name}'s text above" in note
        or f"also edited on {copy_name} without seeing laptop's text above" in note
    )
    again = cli(laptop, "sync", str(shared), monkeypatch=monkeypatch)
    assert "edited on two machines" not in again and "1 note still holds two texts" in again
    cli(laptop, "note", pid, "--set", "merged by hand", monkeypatch=monkeypatch)
    cli(laptop, "sync", str(shared), monkeypatch=monkeypatch)
    cli(copy, "sync", str(shared), monkeypatch=monkeypatch)
    assert Library.open(copy).state.note_of(pid) == "merged by hand"


def test_a_paper_added_to_a_list_the_other_machine_deleted_brings_the_list_back(two, monkeypatch) -> None:
    a, b, shared, (p1, p2, _) = two
    cli(a, "bookmark", p1, "--list", "Reading group", "--create", monkeypatch=monkeypatch)
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)
    cli(b, "sync", str(shared), monkeypatch=monkeypatch)
    cli(a, "lists", "delete", "Reading group", monkeypatch=monkeypatch)
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)
    cli(b, "bookmark", p2, "--list", "Reading group", monkeypatch=monkeypatch)  # B has not seen the deletion
    cli(b, "sync", str(shared), monkeypatch=monkeypatch)
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)
    for machine in (a, b):
        shown = json.loads(cli(machine, "lists", "show", "Reading group", "--json", monkeypatch=monkeypatch))
        assert [r["id"] for r in shown] == [p2]  # p1 went with the deletion that saw it


def test_papers_carried_by_sync_keep_their_dates_provenance_and_year(tmp_path: Path, monkeypatch) -> None:
    laptop, fresh, shared = tmp_path / "laptop", tmp_path / "fresh", tmp_path / "shared.json"
    cli(laptop, "import", str(HF_API), "--date", "2025-03-04", monkeypatch=monkeypatch)
    cli(laptop, "device", "--name", "laptop", monkeypatch=monkeypatch)
    rows = json.loads(cli(laptop, "list", "--json", monkeypatch=monkeypatch))
    pid = next(r["id"] for r in rows if (r.get("extra") or {}).get("published"))
    cli(laptop, "bookmark", pid, monkeypatch=monkeypatch)
    cli(laptop, "sync", str(shared), monkeypatch=monkeypatch)
    said = cli(fresh, "sync", str(shared), monkeypatch=monkeypatch)
    assert "1 paper new to this machine" in said
    there = json.loads(cli(fresh, "show", pid, "--json", monkeypatch=monkeypatch))
    here = json.loads(cli(laptop, "show", pid, "--json", monkeypatch=monkeypatch))
    assert there["date"] == here["date"] is not None
    assert [s["file"] for s in there["sources"]] == [f"{s['file']} on laptop" for s in here["sources"]]
    assert [s["date"] for s in there["sources"]] == [s["date"] for s in here["sources"]]
    assert there["extra"]["published"] == here["extra"]["published"]  # the paper's own date, hence its year


def test_removed_bookmarks_leave_no_tombstones_and_no_papers_once_every_device_saw_them(two, monkeypatch) -> None:
    a, b, shared, ids = two
    for pid in ids:
        cli(a, "bookmark", pid, monkeypatch=monkeypatch)
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)
    cli(b, "sync", str(shared), monkeypatch=monkeypatch)
    cli(a, "unbookmark", *ids, monkeypatch=monkeypatch)
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)
    # The sync told `a` of `b`, which has not seen the removals yet: tombstones, but no papers.
    payload = json.loads(shared.read_text())
    assert [e["removed"] for e in payload["entries"]] == [True] * len(ids) and payload["papers"] == {}
    cli(b, "sync", str(shared), monkeypatch=monkeypatch)
    assert to_read(b, monkeypatch) == []
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)  # a learns that b has seen them: dropped
    assert json.loads(shared.read_text())["entries"] == []
    cli(b, "bookmark", ids[0], monkeypatch=monkeypatch)  # now both know each other: a removal leaves a tombstone
    cli(b, "sync", str(shared), monkeypatch=monkeypatch)
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)
    cli(a, "unbookmark", ids[0], monkeypatch=monkeypatch)
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)
    payload = json.loads(shared.read_text())
    assert [e["removed"] for e in payload["entries"]] == [True] and payload["papers"] == {}
    cli(b, "sync", str(shared), monkeypatch=monkeypatch)  # b has seen it now
    cli(a, "sync", str(shared), monkeypatch=monkeypatch)  # and a knows b has
    assert json.loads(shared.read_text())["entries"] == []
    assert StateStore(a).load().entries == {}
    assert to_read(a, monkeypatch) == [] == to_read(b, monkeypatch)


def _file_with(tmp_path: Path, **parts) -> Path:
    payload = {"schema_version": 2, "kind": "paperterm-sync", "state_schema_version": 2, **parts}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(payload))
    return path


STAMP = "2026-01-01T00:00:00.000000Z"


@pytest.mark.parametrize(
    "limit, parts, field",
    [
        (
            "note_text",
            {"notes": {f"p{i}": {"versions": [{"text": "x" * 600, "changed": STAMP, "by": "d"}]} for i in range(2)}},
            "notes hold 1,200 characters",
        ),
        (
            "undescribed",
            {
                "entries": [
                    {"list": "to-read", "paper": f"p{i}", "added": STAMP, "removed": False, "changed": STAMP, "by": "d"}
                    for i in range(11)
                ]
            },
            "entries and notes name 11",
        ),
        ("papers", {"papers": {f"p{i}": {"title": "t"} for i in range(11)}}, "papers describes 11 papers"),
        (
            "entries",
            {
                "entries": [
                    {"list": "to-read", "paper": f"p{i}", "added": STAMP, "removed": True, "changed": STAMP, "by": "d"}
                    for i in range(11)
                ]
            },
            "entries holds 11 entries",
        ),
    ],
)
def test_a_sync_file_over_a_limit_is_refused_naming_the_field(
    two, tmp_path: Path, monkeypatch, limit: str, parts: dict, field: str
) -> None:
    a, *_ = two
    monkeypatch.setitem(sync.LIMITS, limit, 10 if limit != "note_text" else 1000)
    before = state_bytes(a)
    path = _file_with(tmp_path, **parts)
    monkeypatch.setenv(OFFSET_ENV, "0")
    done = run_cli(a, "sync", str(path))
    assert done.returncode == 1
    assert field in done.stderr.decode() and "Nothing was changed" in done.stderr.decode()
    assert state_bytes(a) == before


def test_stamps_centuries_ahead_are_refused(two, tmp_path: Path, monkeypatch) -> None:
    a, *_ = two
    far = "2999-01-01T00:00:00.000000Z"
    path = _file_with(tmp_path, status={"p1": {"value": "read", "changed": far, "by": "d"}})
    done = run_cli(a, "sync", str(path))
    assert done.returncode == 1 and "status['p1'].changed is 2999" in done.stderr.decode()


async def test_the_paper_pane_shows_where_and_when_another_machine_saw_a_synced_paper(
    tmp_path: Path, monkeypatch
) -> None:
    from tests.pilot import detail_text, settle
    from tui.app import PapertermApp

    laptop, fresh, shared = tmp_path / "laptop", tmp_path / "fresh", tmp_path / "shared.json"
    cli(laptop, "import", str(HF_API), "--date", "2025-03-04", monkeypatch=monkeypatch)
    cli(laptop, "device", "--name", "laptop", monkeypatch=monkeypatch)
    pid = json.loads(cli(laptop, "list", "--json", monkeypatch=monkeypatch))[0]["id"]
    cli(laptop, "bookmark", pid, monkeypatch=monkeypatch)
    cli(laptop, "sync", str(shared), monkeypatch=monkeypatch)
    cli(fresh, "sync", str(shared), monkeypatch=monkeypatch)
    app = PapertermApp(fresh, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = " ".join(detail_text(app).split())
    assert f"{HF_API.name} on laptop 2025-03-04 (carried by sync)" in shown, shown
    assert f"{HF_API.name} on laptop:" not in shown  # no line number: the line was on the other machine


def _day(n: int) -> str:
    return str(n * 86400)


def test_a_machine_silent_past_the_horizon_is_told_to_rejoin_instead_of_bringing_a_removal_back(
    tmp_path: Path, monkeypatch
) -> None:
    a, b, c, shared = tmp_path / "a", tmp_path / "b", tmp_path / "c", tmp_path / "shared.json"
    for root in (a, b, c):
        cli(root, "import", str(BLANK), monkeypatch=monkeypatch)
    pid, other = [r["id"] for r in json.loads(cli(a, "list", "--json", "--limit", "2", monkeypatch=monkeypatch))]
    cli(a, "bookmark", pid, monkeypatch=monkeypatch)
    for root in (a, b, c, a, b):
        cli(root, "sync", str(shared), monkeypatch=monkeypatch)
    # c goes quiet; on day 50 it takes the paper out and puts it back, and files another one.
    cli(c, "unbookmark", pid, offset=_day(50), monkeypatch=monkeypatch)
    cli(c, "bookmark", pid, offset=_day(50), monkeypatch=monkeypatch)
    cli(c, "bookmark", other, offset=_day(50), monkeypatch=monkeypatch)
    # Day 100: a removes it (after c's re-add by every clock, without seeing it); a and b sync, and
    # the removal's tombstone is dropped, c being silent for more than 90 days.
    cli(a, "unbookmark", pid, offset=_day(100), monkeypatch=monkeypatch)
    for root in (a, b, a):
        cli(root, "sync", str(shared), offset=_day(100), monkeypatch=monkeypatch)
    assert json.loads(shared.read_text())["entries"] == [] and json.loads(shared.read_text())["forgot"]
    before, file_before = state_bytes(c), shared.read_bytes()
    monkeypatch.setenv(OFFSET_ENV, _day(101))
    refused = run_cli(c, "sync", str(shared))
    assert refused.returncode == 1
    message = " ".join(refused.stderr.decode().split())
    assert "holds 2 changes made before removals on" in message, message  # the re-add and the other bookmark
    assert "--rejoin" in message, message
    assert state_bytes(c) == before and shared.read_bytes() == file_before  # nothing changed, nothing lost
    # Re-sync as told: c's own changes are kept (its re-add too, as the message said), a's are taken.
    cli(c, "sync", str(shared), "--rejoin", offset=_day(101), monkeypatch=monkeypatch)
    for root in (a, b):
        cli(root, "sync", str(shared), offset=_day(101), monkeypatch=monkeypatch)
    assert to_read(a, monkeypatch) == to_read(b, monkeypatch) == to_read(c, monkeypatch) == [pid, other]
    cli(c, "sync", str(shared), offset=_day(102), monkeypatch=monkeypatch)  # back in step: no more asking


def test_a_silent_machine_without_changes_of_its_own_just_catches_up(tmp_path: Path, monkeypatch) -> None:
    a, c, shared = tmp_path / "a", tmp_path / "c", tmp_path / "shared.json"
    for root in (a, c):
        cli(root, "import", str(BLANK), monkeypatch=monkeypatch)
    pid = json.loads(cli(a, "list", "--json", "--limit", "1", monkeypatch=monkeypatch))[0]["id"]
    cli(a, "bookmark", pid, monkeypatch=monkeypatch)
    for root in (a, c, a):
        cli(root, "sync", str(shared), monkeypatch=monkeypatch)
    cli(a, "unbookmark", pid, offset=_day(100), monkeypatch=monkeypatch)
    cli(a, "sync", str(shared), offset=_day(100), monkeypatch=monkeypatch)
    assert json.loads(shared.read_text())["entries"] == []  # dropped: c silent for 100 days
    cli(c, "sync", str(shared), offset=_day(101), monkeypatch=monkeypatch)
    assert to_read(c, monkeypatch) == []  # its old copy of the bookmark does not come back


@pytest.mark.parametrize("remover_offset", ["0", YEAR, TO_2001])
def test_a_paper_re_added_after_seeing_its_removal_comes_back_on_every_machine(
    two, monkeypatch, remover_offset: str
) -> None:
    """Removed on one machine (by unbookmarking, then by deleting its list), re-added on the other
    after syncing that removal: it comes back everywhere, whatever the remover's clock says."""
    remover, other, shared, (pid, *_) = two
    cli(remover, "lists", "create", "thesis", offset=remover_offset, monkeypatch=monkeypatch)
    cli(remover, "bookmark", pid, offset=remover_offset, monkeypatch=monkeypatch)
    cli(remover, "bookmark", pid, "--list", "thesis", offset=remover_offset, monkeypatch=monkeypatch)
    for root, offset in ((remover, remover_offset), (other, "0"), (remover, remover_offset)):
        cli(root, "sync", str(shared), offset=offset, monkeypatch=monkeypatch)
    cli(remover, "unbookmark", pid, "--list", "to-read", offset=remover_offset, monkeypatch=monkeypatch)
    cli(remover, "lists", "delete", "thesis", offset=remover_offset, monkeypatch=monkeypatch)
    for root, offset in ((remover, remover_offset), (other, "0"), (remover, remover_offset)):
        cli(root, "sync", str(shared), offset=offset, monkeypatch=monkeypatch)  # both have seen it; compacted
    assert to_read(other, monkeypatch) == [] and "thesis" not in cli(other, "lists", monkeypatch=monkeypatch)
    cli(other, "bookmark", pid, monkeypatch=monkeypatch)
    cli(other, "lists", "create", "thesis", monkeypatch=monkeypatch)
    cli(other, "bookmark", pid, "--list", "thesis", monkeypatch=monkeypatch)
    for root, offset in ((other, "0"), (remover, remover_offset), (other, "0")):
        cli(root, "sync", str(shared), offset=offset, monkeypatch=monkeypatch)
    for root, offset in ((remover, remover_offset), (other, "0")):
        assert to_read(root, monkeypatch) == [pid], root
        monkeypatch.setenv(OFFSET_ENV, offset)
        shown = json.loads(cli(root, "lists", "show", "thesis", "--json", offset=offset, monkeypatch=monkeypatch))
        assert [r["id"] for r in shown] == [pid], root


def test_a_machine_never_synced_is_asked_only_for_changes_older_than_a_dropped_removal(
    tmp_path: Path, monkeypatch
) -> None:
    """The clock rule, where the removal's tombstone is already gone: a change stamped below it
    would lose to it, so merging it blindly would bring the paper back; one above it wins anyway."""
    a, b, early, late, shared = (tmp_path / n for n in ("a", "b", "early", "late", "shared.json"))
    for root in (a, b, early, late):
        cli(root, "import", str(BLANK), monkeypatch=monkeypatch)
    pid = json.loads(cli(a, "list", "--json", "--limit", "1", monkeypatch=monkeypatch))[0]["id"]
    cli(early, "bookmark", pid, offset=_day(1), monkeypatch=monkeypatch)  # never synced yet
    cli(a, "bookmark", pid, offset=_day(2), monkeypatch=monkeypatch)
    for root in (a, b, a):
        cli(root, "sync", str(shared), offset=_day(2), monkeypatch=monkeypatch)
    cli(a, "unbookmark", pid, offset=_day(3), monkeypatch=monkeypatch)
    for root in (a, b, a):
        cli(root, "sync", str(shared), offset=_day(3), monkeypatch=monkeypatch)  # b saw it: dropped
    assert json.loads(shared.read_text())["entries"] == []
    cli(late, "bookmark", pid, offset=_day(4), monkeypatch=monkeypatch)  # after the removal by every clock
    cli(late, "sync", str(shared), offset=_day(4), monkeypatch=monkeypatch)  # not asked: it wins by the clock rule
    monkeypatch.setenv(OFFSET_ENV, _day(5))
    refused = run_cli(early, "sync", str(shared))
    assert refused.returncode == 1 and "never synced" in refused.stderr.decode()
    for root in (a, b, late):
        cli(root, "sync", str(shared), offset=_day(5), monkeypatch=monkeypatch)
    assert to_read(a, monkeypatch) == to_read(b, monkeypatch) == [pid]  # late's add, made after the removal


def test_a_removal_made_before_any_sync_outranks_an_older_add_synced_first(two, monkeypatch) -> None:
    """The clock rule for a machine that had met nobody when it removed the paper: its removal
    stays a tombstone until a sync publishes it, so the other machine's older add loses to it
    (it used to be dropped at once, and the add, synced first, came back on both)."""
    a, b, shared, (pid, *_) = two
    cli(b, "bookmark", pid, offset=_day(0), monkeypatch=monkeypatch)
    cli(a, "bookmark", pid, offset=_day(1), monkeypatch=monkeypatch)
    cli(a, "unbookmark", pid, offset=_day(1), monkeypatch=monkeypatch)
    for root in (b, a, b):
        cli(root, "sync", str(shared), offset=_day(2), monkeypatch=monkeypatch)
    assert to_read(a, monkeypatch) == [] == to_read(b, monkeypatch)


def test_a_library_that_never_syncs_drops_old_tombstones_and_asks_about_older_adds(two, monkeypatch) -> None:
    a, b, shared, (pid, other, _) = two
    cli(b, "bookmark", pid, offset=_day(0), monkeypatch=monkeypatch)  # b, never synced either
    cli(a, "bookmark", pid, offset=_day(1), monkeypatch=monkeypatch)
    cli(a, "unbookmark", pid, offset=_day(1), monkeypatch=monkeypatch)
    assert any(e.removed for e in StateStore(a).load().entries.values())  # within the horizon: kept
    cli(a, "bookmark", other, offset=_day(100), monkeypatch=monkeypatch)
    state = StateStore(a).load()
    assert not any(e.removed for e in state.entries.values()) and state.forgot == {state.device: ANY_STAMP}
    cli(b, "sync", str(shared), offset=_day(100), monkeypatch=monkeypatch)  # b's older add reaches the file first
    monkeypatch.setenv(OFFSET_ENV, _day(100))
    refused = run_cli(a, "sync", str(shared))
    message = " ".join(refused.stderr.decode().split())
    assert refused.returncode == 1 and "the file holds 1 change made before removals on" in message, message
    cli(a, "sync", str(shared), "--rejoin", offset=_day(100), monkeypatch=monkeypatch)
    assert to_read(a, monkeypatch) == [pid, other]  # kept, as the user chose


def test_a_conflict_marker_does_not_show_a_skewed_clocks_time(two, monkeypatch) -> None:
    """A note edited on a machine a year ahead and on one whose clock is right, without seeing each
    other: the marker names both machines and no time (it showed the fast one's, a year ahead, and
    put that text first as if it were the newer)."""
    fast, right, shared, (pid, *_) = two
    cli(fast, "device", "--name", "fast", monkeypatch=monkeypatch)
    cli(right, "device", "--name", "desk", monkeypatch=monkeypatch)
    cli(right, "note", pid, "--set", "written second, on the right clock", monkeypatch=monkeypatch)
    cli(fast, "note", pid, "--set", "written first, a year ahead", offset=YEAR, monkeypatch=monkeypatch)
    cli(fast, "sync", str(shared), offset=YEAR, monkeypatch=monkeypatch)
    said = cli(right, "sync", str(shared), monkeypatch=monkeypatch)
    assert "1 note was edited on two machines at once" in said
    note = Library.open(right).state.note_of(pid)
    ahead = Library.open(fast).state.notes[pid].changed[:4]
    assert ahead not in note and " UTC" not in note, note
    assert "<<<<<<< also edited on desk without seeing fast's text above — merge and delete this" in note, note
