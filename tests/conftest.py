"""Shared fixtures. No test touches the real user data dir: every one gets its own temp library."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "paperterm" / "samples"
COMPACT = SAMPLES / "hf-daily-papers-compact.txt"
BLANK = SAMPLES / "hf-daily-papers-blank-lines.txt"
SHARED = REPO.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False, help="run the long reliability runs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="long run: pass --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point paperterm and platformdirs at temp dirs, for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("PAPERTERM_DATA_DIR", str(home / "paperterm"))
    return home


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "library"
    monkeypatch.setenv("PAPERTERM_DATA_DIR", str(root))
    return root


@pytest.fixture
def seeded(data_dir: Path):
    """A library holding both sample digests, with their fixed sample dates."""
    from paperterm.library import Library

    library = Library.open(data_dir)
    library.import_samples()
    return library


def cli_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PAPERTERM_DATA_DIR"] = str(data_dir)
    env.pop("COLUMNS", None)
    return env
