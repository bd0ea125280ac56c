"""Handing things to other programs — the browser, $EDITOR — never through a shell."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    import webbrowser


class ExternalError(Exception):
    pass


def safe_url(url: str) -> str:
    """The URL if it is http(s) with a host; anything else (file:, javascript:, …) is refused."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c in url for c in "\n\r\t\x00 "):
        raise ExternalError(f"not opening {url[:80]!r}: only http(s) links are opened")
    return url.strip()


def find_browser() -> tuple[webbrowser.BaseBrowser, bool]:
    """The browser `webbrowser` would start, and whether it runs in this terminal in the foreground
    (lynx, w3m or `www-browser` where there is no display, a `$BROWSER` command): such a browser
    must be handed the terminal, as $EDITOR is, or it draws over the app and both read the keys."""
    import webbrowser  # only when a link is opened

    try:
        found = webbrowser.get()
    except webbrowser.Error:
        raise ExternalError("no web browser found: set $BROWSER, or copy the link with y") from None
    in_terminal = isinstance(found, webbrowser.GenericBrowser) and not isinstance(found, webbrowser.BackgroundBrowser)
    return found, in_terminal


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else vi, split as a shell would (`code --wait`)."""
    name = "VISUAL" if os.environ.get("VISUAL") else "EDITOR"
    editor = os.environ.get(name) or "vi"
    try:
        command = shlex.split(editor)
    except ValueError as exc:  # an unbalanced quote
        raise ExternalError(f"${name} ({editor!r}) is not a command line ({exc}): fix it, e.g. {name}=nano") from None
    return command or ["vi"]


class EditedText:
    """Text edited in $VISUAL/$EDITOR, in a temp folder that is removed only once the caller has
    saved the result (`saved`): when the editor fails, is killed with the terminal (its swap file),
    or the save fails (a full disk), what was written is still there, at `path`."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.folder = Path(tempfile.mkdtemp(prefix="paperterm-note-"))
        self.path = self.folder / "note.md"
        self.path.write_text(text, encoding="utf-8")

    def run(self) -> str | None:
        """Run the editor; the new text, or None when unchanged."""
        try:
            command = editor_command()
        except ExternalError:
            self.saved()
            raise
        try:
            subprocess.run([*command, str(self.path)], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            if self._touched():
                raise ExternalError(
                    f"the editor {' '.join(command)!r} failed ({exc}); the note is unchanged, and what you "
                    f"wrote is kept in {self.folder}"
                ) from None
            self.saved()
            raise ExternalError(f"the editor {' '.join(command)!r} failed ({exc}); the note is unchanged") from None
        try:
            new = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ExternalError(
                f"the editor saved the note in an encoding other than UTF-8; the note is unchanged, and what "
                f"you wrote is kept in {self.folder}"
            ) from None
        if new == self.original:
            self.saved()
            return None
        return new

    def _touched(self) -> bool:
        """Anything written: the note changed, or the editor left a swap or rescue file beside it."""
        try:
            return self.path.read_text(encoding="utf-8") != self.original or any(
                p != self.path for p in self.folder.iterdir()
            )
        except (OSError, UnicodeDecodeError):
            return True

    def saved(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def edit_text(text: str) -> str | None:
    """Run $VISUAL/$EDITOR on a temp Markdown file; the new text, or None when unchanged."""
    edit = EditedText(text)
    new = edit.run()
    edit.saved()
    return new
