"""What `paperterm` imports before its first frame: the library loads in a worker once the frame is
drawn, so the command line, the app and its main screen must not import the core's store, index
or numpy on the way there (they took longer to import than the frame takes to draw)."""

from __future__ import annotations

import subprocess
import sys

# Loaded by the start-up worker or by a command, never before the first frame.
AFTER_FIRST_FRAME = {
    "numpy",
    "paperterm.library",
    "paperterm.importer",
    "paperterm.paper_store",
    "paperterm.search_index",
    "paperterm.topic_catalogue",
    "paperterm.sync",
    "paperterm.bookmark_export",
    "rich.progress",  # the import command's progress bar
    "textual.widgets._text_area",  # the note editor's
}


def loaded_by(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    script = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_opening_the_app_imports_nothing_the_first_frame_does_not_draw() -> None:
    # What `paperterm` (cli.main → open_app → tui.app.run) has imported when the app starts.
    loaded = loaded_by("import paperterm.cli, tui.app")
    assert not loaded & AFTER_FIRST_FRAME, sorted(loaded & AFTER_FIRST_FRAME)
