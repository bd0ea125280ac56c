"""Handing things to other programs — the browser, $EDITOR — never through a shell."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse


class ExternalError(Exception):
    pass


def safe_url(url: str) -> str:
    """The URL if it is http(s) with a host; anything else (file:, javascript:, …) is refused."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c in url for c in "\n\r\t\x00 "):
        raise ExternalError(f"not opening {url[:80]!r}: only http(s) links are opened")
    return url.strip()


def editor_command() -> list[str]:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(editor)


def edit_text(text: str) -> str | None:
    """Run $VISUAL/$EDITOR on a temp Markdown file; the new text, or None when unchanged."""
    command = editor_command()
    with tempfile.TemporaryDirectory(prefix="paperterm-note-") as folder:
        path = Path(folder) / "note.md"
        path.write_text(text, encoding="utf-8")
        try:
            subprocess.run([*command, str(path)], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise ExternalError(f"the editor {' '.join(command)!r} failed ({exc}); the note is unchanged") from None
        new = path.read_text(encoding="utf-8")
    return None if new == text else new
