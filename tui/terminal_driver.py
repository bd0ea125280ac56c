"""Textual's Linux driver, made to survive the terminal going away (window closed, tmux pane killed).

When a terminal hangs up, the kernel sends SIGHUP and SIGCONT. Textual's driver takes any SIGCONT
for a return from ctrl+z and restarts application mode on the dead terminal, in the middle of
whatever the app was doing; reading the terminal raises EIO in the input thread (a crash), and
writing it raises EIO in the output thread, after which the app hangs on its next frame. Here
SIGCONT resumes only after a ctrl+z, the input thread stops quietly, output errors are dropped,
and `hang_up` points output at /dev/null, so the SIGHUP handler can save the open note and end
the app the normal way.
"""

from __future__ import annotations

import contextlib
import os
import termios
from typing import Any, TextIO

from textual.drivers.linux_driver import LinuxDriver


class _Output:
    """The terminal's output stream, dropping writes that fail because the terminal is gone."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> None:
        with contextlib.suppress(OSError):
            self._stream.write(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class HangupSafeDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._file = _Output(self._file)  # type: ignore[assignment]

    def _sigcont_application(self, *_: object) -> None:
        if self._must_signal_resume:  # set only when ctrl+z suspended the app
            super()._sigcont_application()

    def run_input_thread(self) -> None:
        try:
            super().run_input_thread()
        except OSError:  # the terminal is gone; the SIGHUP handler ends the app
            return

    def terminal_gone(self) -> bool:
        """True after a real hang-up (a closed window), False for a `kill -HUP` with the terminal
        still there, which is then restored like after SIGTERM."""
        try:
            termios.tcgetattr(self._file.fileno())
        except (termios.error, OSError):
            return True
        return False

    def hang_up(self) -> None:
        """The terminal is gone: send what the app still draws (and any message) to /dev/null."""
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            os.dup2(null, 2)
        finally:
            os.close(null)
