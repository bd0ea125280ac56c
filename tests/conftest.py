"""Shared fixtures. No test touches the real user data dir: every one gets its own temp library."""

from __future__ import annotations

import io
import os
import shutil
import sys
from dataclasses import dataclass
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


@pytest.fixture(scope="session")
def _sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample library imported, indexed and with its topics, once per test session."""
    from paperterm.library import Library

    root = tmp_path_factory.mktemp("template") / "library"
    library = Library.open(root)
    library.import_samples()
    library.search_engine()
    library.topics.all()
    return root


@pytest.fixture
def sample_dir(data_dir: Path, _sample_template: Path) -> Path:
    """A copy of the sample library, as the app leaves it after its first run: what most app
    tests start from, without paying for the import and the index build each time."""
    shutil.copytree(_sample_template, data_dir)
    return data_dir


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


@dataclass(frozen=True, slots=True)
class CliResult:
    """What one `paperterm` command line printed and returned, as `subprocess.run` reports it."""

    returncode: int
    stdout: bytes
    stderr: bytes


def run_cli(data_dir: Path, *args: str, stdin: bytes = b"") -> CliResult:
    """Run `paperterm ARGS…` in this process (`main(argv)`, output captured), on `data_dir`.

    A subprocess costs an interpreter start and the imports (about a second on a loaded
    machine); only tests where a real process is the point (kills, locks, the entry point)
    start one.
    """
    from paperterm.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_env = os.environ.get("PAPERTERM_DATA_DIR")
    wrappers = [
        io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"),
        io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", write_through=True),
    ]
    sys.stdin, sys.stdout, sys.stderr = wrappers
    os.environ["PAPERTERM_DATA_DIR"] = str(data_dir)
    try:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: usage errors and --help
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        for stream in wrappers[1:]:
            stream.flush()
        printed, complained = out.getvalue(), err.getvalue()
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        if saved_env is None:
            os.environ.pop("PAPERTERM_DATA_DIR", None)
        else:
            os.environ["PAPERTERM_DATA_DIR"] = saved_env
        for stream in wrappers:
            stream.detach()  # closing a wrapper would close its buffer
    return CliResult(code, printed, complained)


def state_bytes(data_dir: Path) -> bytes:
    """The saved state as bytes: `state.json` and its change journal (what "nothing changed" compares)."""
    return b"\0".join(
        (data_dir / name).read_bytes() if (data_dir / name).exists() else b""
        for name in ("state.json", "state.journal")
    )
