"""Shell completion, asked the way each shell asks: bash's function, zsh's script, fish's own engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paperterm import completion
from paperterm.cli import build_parser, main
from paperterm.library import Library

BIN = str(Path(sys.executable).parent)


@pytest.fixture
def library(data_dir: Path) -> Library:
    library = Library.open(data_dir)
    library.create_list("my thesis")
    library.create_list("reading group")
    library.topics.add("MoE routing", '"mixture of experts" | moe')
    return library


def ask(words: list[str], data_dir: Path) -> list[str] | str:
    result = completion.candidates(build_parser(), words, completion.library_names(data_dir))
    return result if isinstance(result, str) else [c.value for c in result]


def test_commands_options_and_choices(data_dir: Path) -> None:
    assert ask(["li"], data_dir) == ["list", "lists"]
    assert "completion" in ask([""], data_dir)
    assert ask(["lists", ""], data_dir) == ["show", "create", "rename", "delete", "move"]
    assert ask(["bookmark", "2409.1", "--l"], data_dir) == ["--list"]
    assert ask(["bookmarks", "export", "x.bib", "--format", ""], data_dir) == ["json", "bibtex", "markdown", "csv"]
    assert ask(["completion", ""], data_dir) == ["bash", "zsh", "fish"]


def test_paths_are_left_to_the_shell(data_dir: Path) -> None:
    assert ask(["import", ""], data_dir) == completion.FILES
    assert ask(["inbox", ""], data_dir) == completion.DIRS
    assert ask(["--data-dir", ""], data_dir) == completion.DIRS
    assert ask(["sync", "sh"], data_dir) == completion.FILES


def test_list_and_topic_names_come_from_the_library(library: Library, data_dir: Path, capsys) -> None:
    assert ask(["lists", "delete", ""], data_dir) == ["to-read", "my thesis", "reading group"]
    assert ask(["lists", "rename", "my"], data_dir) == ["my thesis"]
    assert ask(["bookmark", "x", "--list", "READ"], data_dir) == ["reading group"]
    assert "MoE routing" in ask(["topics", "pin", ""], data_dir)
    other = data_dir.parent / "other"
    Library.open(other).create_list("elsewhere")
    assert main(["__complete", "bash", "--", "--data-dir", str(other), "lists", "show", ""]) == 0
    assert capsys.readouterr().out.splitlines() == ["to-read", "elsewhere"]


def test_automatic_topic_names_come_from_the_saved_catalogue(seeded: Library, data_dir: Path) -> None:
    shown = [t.name for t in seeded.topics.all()]  # computed once, and saved, as the app does
    assert "mixture of experts (MoE)" in shown
    names = ask(["topics", "show", ""], data_dir)
    assert set(shown) <= set(names)
    assert ask(["topics", "rename", "mixture"], data_dir) == ["mixture of experts (MoE)"]
    seeded.topics.set_flag("mixture of experts (MoE)", "hidden", True)
    assert "mixture of experts (MoE)" not in ask(["topics", "show", ""], data_dir)


def test_a_broken_library_completes_nothing_and_prints_no_error(data_dir: Path, capsys) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "state.json").write_text("{ not json")
    assert main(["__complete", "bash", "--", "lists", "delete", ""]) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def shell_env(data_dir: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMP", "BASH_FUNC"))}
    env.update(PATH=f"{BIN}:{os.environ['PATH']}", PAPERTERM_DATA_DIR=str(data_dir), HOME=str(home))
    return env


def run_shell(argv: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_bash_completes_through_its_function(library: Library, data_dir: Path, tmp_path: Path) -> None:
    script = """
        source <(paperterm completion bash)
        COMP_WORDS=(paperterm lists delete "$1"); COMP_CWORD=3; _paperterm; printf '%s\\n' "${COMPREPLY[@]}"
    """
    env = shell_env(data_dir, tmp_path)
    assert run_shell(["bash", "-c", script, "x", ""], env) == ["to-read", r"my\ thesis", r"reading\ group"]
    assert run_shell(["bash", "-c", script, "x", "'my"], env) == ["my thesis"]  # an open quote: the shell closes it


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_describes_names_with_help(library: Library, data_dir: Path, tmp_path: Path) -> None:
    # Outside a completion widget, zsh's helpers are stand-ins that print what they are given.
    script = """
        compdef() { : }
        _describe() { print -rl -- "${(@P)${@[-1]}}" }
        _files() { print -r -- "files $*" }
        eval "$(paperterm completion zsh)"
        words=(paperterm "$@"); CURRENT=${#words}
        _paperterm
    """
    env = shell_env(data_dir, tmp_path)
    got = run_shell(["zsh", "-fc", script, "zsh", "lists", "delete", ""], env)
    assert got == ["to-read:list", "my thesis:list", "reading group:list"]
    assert run_shell(["zsh", "-fc", script, "zsh", "import", ""], env) == ["files "]
    assert run_shell(["zsh", "-fc", script, "zsh", "inbox", ""], env) == ["files -/"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_with_its_own_engine(library: Library, data_dir: Path, tmp_path: Path) -> None:
    env = shell_env(data_dir, tmp_path)
    script = "paperterm completion fish | source; complete -C $argv[1]"
    got = run_shell(["fish", "--no-config", "-c", script, "paperterm lists delete "], env)
    assert sorted(got) == ["my thesis\tlist", "reading group\tlist", "to-read\tlist"]
    got = run_shell(["fish", "--no-config", "-c", script, "paperterm boo"], env)
    assert [line.split("\t")[0] for line in got] == ["bookmark", "bookmarks"]


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_install_writes_where_the_shell_looks(shell: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert main(["completion", shell, "--install"]) == 0
    target = completion.install_path(shell, tmp_path)
    assert target.read_text() == completion.SCRIPTS[shell]
    expected = {
        "bash": ".local/share/bash-completion/completions/paperterm",
        "zsh": ".zfunc/_paperterm",
        "fish": ".config/fish/completions/paperterm.fish",
    }[shell]
    assert target == tmp_path / expected
    assert main(["completion", shell, "--install"]) == 0  # twice: the start-up file gets its lines once
    rc = {"bash": ".bashrc", "zsh": ".zshrc", "fish": None}[shell]
    if rc is not None:
        text = (tmp_path / rc).read_text()
        lines = text.splitlines()
        assert lines and len(lines) == len(set(lines))


def test_bash_without_bash_completion_loads_it_from_bashrc(library: Library, data_dir: Path, tmp_path: Path) -> None:
    env = shell_env(data_dir, tmp_path)
    env.pop("XDG_DATA_HOME", None)
    assert run_shell(["paperterm", "completion", "bash", "--install"], env)[-1] == "open a new shell to use it"
    script = 'COMP_WORDS=(paperterm lists show ""); COMP_CWORD=3; _paperterm; printf "%s\\n" "${COMPREPLY[@]}"'
    got = run_shell(["bash", "--norc", "-c", f". ~/.bashrc; {script}"], env)
    assert got == ["to-read", r"my\ thesis", r"reading\ group"]
