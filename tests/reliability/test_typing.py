"""Typing into the real app in a pty, then the terminal closes (SIGHUP), TERM, kill -9, or ctrl+q
right after a burst (`typing_harness.py`). 1 try of each in CI; `pytest --slow` does 20 of each."""

from __future__ import annotations

from pathlib import Path

import pytest

from .typing_harness import Tally, run


def check(tallies: dict[str, Tally]) -> None:
    for fault, tally in tallies.items():
        print(tally.line())
        for each in tally.tries:
            assert not each.traceback, f"{fault}: {each.traceback}"
            assert each.exit_code is not None, f"{fault}: the app did not end"
            if fault == "kill9":
                assert each.lost <= each.last_second, each  # at most the last second of typing
            else:
                assert each.lost == 0, each
                assert each.exit_code == 0, each
            if fault in ("term", "quit"):
                assert each.restored, f"{fault}: the terminal was left in the app's screen"


def test_typing_then_hangup_term_kill_and_quit(tmp_path: Path) -> None:
    check(run(tries=1, seed=3, work=tmp_path))


@pytest.mark.slow
def test_twenty_tries_of_each_fault(tmp_path: Path) -> None:
    check(run(tries=20, seed=2026, work=tmp_path))


@pytest.mark.slow
def test_faults_at_80x24(tmp_path: Path) -> None:
    check(run(tries=3, seed=80, size=(80, 24), work=tmp_path))
