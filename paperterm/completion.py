"""Shell completion for bash, zsh and fish, answered by paperterm itself.

Each shell's script is a few lines that hand the words typed so far to `paperterm __complete`;
the candidates come from walking the same argparse parser that runs the commands, so a new
command or option completes without touching the scripts. Reading-list and topic names come from
the library (its state file and its saved topic catalogue; no paper is loaded).

An argument says what it completes by a `complete` attribute set where it is declared:
`"lists"`, `"topics"`, `"files"` or `"dirs"` (see `complete_with`).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .atomic_io import write_bytes

SHELLS = ("bash", "zsh", "fish")
FILES, DIRS = ":files", ":dirs"  # answers that ask the shell to complete paths itself

NameSource = Callable[[str], list[str]]  # "lists" | "topics" → names


def complete_with(action: argparse.Action, kind: str) -> argparse.Action:
    """Mark what an argument's values are, for completion: lists, topics, files or dirs."""
    action.complete = kind  # type: ignore[attr-defined]
    return action


@dataclass(frozen=True, slots=True)
class Candidate:
    value: str
    help: str = ""


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _option_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {option: action for action in parser._actions for option in action.option_strings}


def _positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]


def _values_for(action: argparse.Action, names: NameSource) -> list[Candidate] | str:
    kind = getattr(action, "complete", None)
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        return [Candidate(str(choice)) for choice in action.choices]
    if kind in ("lists", "topics"):
        return [Candidate(name, kind[:-1]) for name in names(kind)]
    if kind == "dirs":
        return DIRS
    if kind == "files":
        return FILES
    return []


def candidates(parser: argparse.ArgumentParser, words: list[str], names: NameSource) -> list[Candidate] | str:
    """What may come next, given the words after `paperterm` (the last one is being typed)."""
    *done, current = words or [""]
    pending: argparse.Action | None = None  # an option that still wants its value
    positional = 0
    for word in done:
        if pending is not None:
            pending = None
            continue
        if word.startswith("-") and word != "-":
            action = _option_actions(parser).get(word.split("=", 1)[0])
            if action is not None and action.nargs != 0 and "=" not in word:
                pending = action
            continue
        sub = _subparsers(parser)
        if sub is not None and word in sub.choices:
            parser, positional = sub.choices[word], 0
            continue
        positional += 1
    if pending is not None:
        return _matching(_values_for(pending, names), current)
    if current.startswith("-"):
        found = [
            Candidate(option, action.help or "")
            for action in parser._actions
            for option in action.option_strings
            if action.help != argparse.SUPPRESS
        ]
        return [c for c in found if c.value.startswith(current)]
    sub = _subparsers(parser)
    if sub is not None:
        helps = {a.dest: a.help or "" for a in sub._choices_actions}
        found = [Candidate(name, helps.get(name, "")) for name in sub.choices if not name.startswith("_")]
    else:
        found = []
        for action in _positionals(parser):
            many = action.nargs in ("*", "+", argparse.REMAINDER)
            width = 1 if action.nargs in (None, "?") else (action.nargs if isinstance(action.nargs, int) else 0)
            if many or positional < width:
                return _matching(_values_for(action, names), current)
            positional -= width
    return _matching(found, current)


def _matching(found: list[Candidate] | str, current: str) -> list[Candidate] | str:
    """The candidates the typed word starts (case aside, and an opening quote aside)."""
    if isinstance(found, str):
        return found
    wanted = current.strip("'\"").casefold()
    return [c for c in found if c.value.casefold().startswith(wanted)]


def answer(shell: str, result: list[Candidate] | str) -> str:
    """The lines a shell's script reads: one candidate a line (with a description where it shows one)."""
    if isinstance(result, str):
        return result + "\n"
    lines = []
    for c in result:
        one_line = re.sub(r"\s+", " ", c.help).strip()
        if shell == "fish" and one_line:
            lines.append(f"{c.value}\t{one_line}")
        elif shell == "zsh":
            lines.append(c.value.replace("\\", "\\\\").replace(":", "\\:") + (f":{one_line}" if one_line else ""))
        else:
            lines.append(c.value)
    return "".join(line + "\n" for line in lines)


BASH = r"""# bash completion for paperterm (paperterm completion bash)
_paperterm() {
    local cur="${COMP_WORDS[COMP_CWORD]}" line
    local -a out
    mapfile -t out < <(paperterm __complete bash -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
    COMPREPLY=()
    case "${out[0]}" in
        :files) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        :dirs) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    esac
    for line in "${out[@]}"; do
        [[ $cur == [\"\']* ]] && COMPREPLY+=("$line") || COMPREPLY+=("$(printf '%q' "$line")")
    done
}
complete -F _paperterm paperterm
"""

ZSH = r"""#compdef paperterm
# zsh completion for paperterm (paperterm completion zsh)
_paperterm() {
    local -a out
    out=("${(@f)$(paperterm __complete zsh -- "${(@Q)words[2,CURRENT]}" 2>/dev/null)}")
    case "$out[1]" in
        :files) _files; return ;;
        :dirs) _files -/; return ;;
    esac
    (( ${#out} )) && [[ -n "$out[1]" ]] && _describe -t values paperterm out
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _paperterm "$@"
else
    compdef _paperterm paperterm
fi
"""

FISH = r"""# fish completion for paperterm (paperterm completion fish)
function __paperterm_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l out (paperterm __complete fish -- $words (commandline -ct) 2>/dev/null)
    switch "$out[1]"
        case ':files'
            __fish_complete_path (commandline -ct)
        case ':dirs'
            __fish_complete_directories (commandline -ct)
        case '*'
            printf '%s\n' $out
    end
end
complete -c paperterm -f -a '(__paperterm_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def _rc_lines(shell: str, home: Path, target: Path) -> tuple[Path, list[str]] | None:
    """The lines a shell's start-up file needs to load the script (fish needs none).

    bash: bash-completion loads the file on its own where it is installed, but minimal systems lack
    it, so ~/.bashrc sources the file too (loading it twice is harmless). zsh: ~/.zfunc on fpath.
    """
    if shell == "bash":
        shown = "~/" + target.relative_to(home).as_posix() if target.is_relative_to(home) else str(target)
        return home / ".bashrc", [f"[ -f {shown} ] && . {shown}"]
    if shell == "zsh":
        return home / ".zshrc", ["fpath=(~/.zfunc $fpath)", "autoload -Uz compinit && compinit"]
    return None


def install_path(shell: str, home: Path) -> Path:
    """Where each shell (or bash-completion) looks for a user's completions."""
    if shell == "bash":
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        return data / "bash-completion" / "completions" / "paperterm"
    if shell == "zsh":
        return home / ".zfunc" / "_paperterm"
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "fish" / "completions" / "paperterm.fish"


def install(shell: str, home: Path) -> list[str]:
    """Write the script where the shell finds it, and the start-up lines that load it (once).

    Returns what was done, one line each, for the user.
    """
    target = install_path(shell, home)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(target, SCRIPTS[shell].encode())
    done = [f"wrote {target}"]
    rc = _rc_lines(shell, home, target)
    if rc is not None:
        rc_file, lines = rc
        old = rc_file.read_text(encoding="utf-8") if rc_file.exists() else ""
        missing = [line for line in lines if line not in old]
        if missing:
            new = old + ("\n" if old and not old.endswith("\n") else "") + "".join(line + "\n" for line in missing)
            write_bytes(rc_file, new.encode())
            done.append(f"added to {rc_file}: " + "; ".join(missing))
    done.append("open a new shell to use it")
    return done


def library_names(root: Path) -> NameSource:
    """Reading-list and topic names, read from the library's files without loading any paper."""

    def names(kind: str) -> list[str]:
        from .library import Library

        try:
            return _unique(Library(root).completion_names(kind))
        except Exception:  # completing a word must never print an error into the user's command line
            return []

    return names


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
