"""The README's two commands, run as a new user runs them: on the system Python, from a fresh copy.

The install test runs the README's install-and-run line word for word in a pseudo-terminal, with
a new HOME and the system PATH (no pyenv, no virtualenv), so it is the command a Debian or Ubuntu
user pastes: pipx builds the wheel, installs it, and the app opens on the bundled samples.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from paperterm import __version__

from .conftest import REPO
from .terminal import Terminal

SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
PACKAGES = ("paperterm", "loaders", "tui")
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache")


def readme_block(heading: str) -> str:
    """The first ```sh block under a README heading: the command a user copies."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)\n```", section, re.S)
    assert block is not None, f"no sh block under '## {heading}'"
    lines = [line.split(" #")[0].strip() for line in block.group(1).splitlines()]
    commands = [line for line in lines if line]
    assert len(commands) == 1, f"'## {heading}' must show one command, not {commands}"
    return commands[0]


def fresh_copy(tmp_path: Path) -> Path:
    """The project as a clone has it: the source files, none of this checkout's build or venv."""
    copy = tmp_path / "paperterm-src"
    shutil.copytree(REPO, copy, ignore=NOT_SOURCE)
    return copy


def system_env(home: Path) -> dict[str, str]:
    """What a new login on a stock machine has: a HOME, the system PATH, a terminal type."""
    return {"HOME": str(home), "PATH": SYSTEM_PATH, "TERM": "xterm-256color", "LANG": "C.UTF-8"}


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = readme_block("Run the tests")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci, f".ci/run must run {command!r} as one line"
    assert command.startswith("python3 -m venv .venv"), "the tests install into their own virtual environment"


def test_wheel_holds_every_module_the_sample_library_and_the_stylesheet(tmp_path: Path) -> None:
    out = tmp_path / "wheel"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(fresh_copy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [wheel] = out.glob("paperterm-*.whl")
    assert f"-{__version__}-" in wheel.name
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        path.relative_to(REPO).as_posix()
        for package in PACKAGES
        for path in (REPO / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".tcss", ".txt", ".json")
    }
    assert wanted, "found no source files"
    assert not wanted - names, f"missing from the wheel: {sorted(wanted - names)}"
    assert "paperterm/samples/hf-daily-papers-compact.txt" in names
    assert "tui/paperterm.tcss" in names


@pytest.mark.skipif(sys.platform != "linux", reason="checks the stock Linux install path")
def test_readme_install_command_works_on_the_system_python(tmp_path: Path) -> None:
    pipx = shutil.which("pipx", path=SYSTEM_PATH)
    if pipx is None:
        pytest.skip("pipx is not installed (the README says: apt install pipx); .ci/run installs it")
    command = readme_block("Install and run")
    home = tmp_path / "home"
    home.mkdir()
    source = fresh_copy(tmp_path)
    with Terminal(["bash", "-c", command], cwd=source, env=system_env(home), size=(120, 40)) as term:
        term.wait_for("to-read", timeout=300)  # the sidebar: the app is open on the bundled samples
        assert "All · 174 papers" in term.wait_for("174 papers", timeout=60)
        term.write("q")
        assert term.wait_exit(timeout=30) == 0
    installed = home / ".local" / "bin" / "paperterm"
    venv_python = (home / ".local" / "pipx" / "venvs" / "paperterm" / "pyvenv.cfg").read_text()
    assert "/usr/bin" in venv_python or "/usr/local/bin" in venv_python, venv_python  # not a pyenv Python
    # A new interactive shell finds it on the PATH (pipx ensurepath wrote the profile).
    again = subprocess.run(
        ["bash", "-ic", "command -v paperterm && paperterm --version"],
        env=system_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == [str(installed), "paperterm", __version__]
    # The user's library stays where the README says it is, and survives an uninstall.
    data = home / ".local" / "share" / "paperterm"
    assert (data / "state.json").exists() or (data / "library").is_dir()
    gone = subprocess.run(
        ["pipx", "uninstall", "paperterm"], env=system_env(home), capture_output=True, timeout=120, check=False
    )
    assert gone.returncode == 0, gone.stderr
    assert not installed.exists()
    assert (data / "library").is_dir()


def test_readme_names_where_the_data_lives_and_how_to_remove_it() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    uninstall = text.split("## Uninstall\n", 1)[1].split("\n## ", 1)[0]
    assert "pipx uninstall paperterm" in uninstall
    assert "~/.local/share/paperterm" in uninstall
    assert "rm -rf ~/.local/share/paperterm" in uninstall


def test_terminal_helper_sees_what_a_program_prints(tmp_path: Path) -> None:
    """The pseudo-terminal the install test relies on: output is read, input reaches the program."""
    env = dict(os.environ)
    # The program lingers before it exits: Linux may drop what a pty's slave wrote just before it closed.
    script = "read -r x; echo got-$x; sleep 1; exit 3"
    with Terminal(["bash", "-c", script], cwd=tmp_path, env=env, size=(80, 24)) as term:
        term.write("hello\r")
        assert "got-hello" in term.wait_for("got-hello", timeout=10)
        assert term.wait_exit(timeout=10) == 3
