"""A program in a real pseudo-terminal, with the screen it draws, for tests that check what a user sees.

pyte emulates the terminal, so `wait_for` looks at the screen as drawn (cursor moves, colours and
all), not at a byte stream in which the words of one line may be split by escape codes.
Made for programs that stay up (an app): Linux may discard what a pty's other side wrote in the
moment before it closed, so a program that prints and exits at once can lose its last output.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import pyte


def readable(fd: int, seconds: float) -> bool:
    """Whether `fd` has something to read within `seconds`. `poll`, not `select`: under xdist a
    worker's descriptors pass 1024, where `select` fails ("filedescriptor out of range")."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0, int(seconds * 1000))))


class TerminalTimeout(AssertionError):
    """What was waited for did not appear; the message holds the screen as it was."""


class Terminal:
    def __init__(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], size: tuple[int, int] = (120, 40)
    ) -> None:
        columns, lines = size
        self.screen = pyte.Screen(columns, lines)
        self._stream = pyte.ByteStream(self.screen)
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**env, "COLUMNS": str(columns), "LINES": str(lines)},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,  # the pty becomes its controlling terminal, as in a terminal window
            close_fds=True,
        )
        os.close(slave)
        self._master = master
        self.transcript = bytearray()

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def pump(self, seconds: float) -> None:
        """Read what the program draws for up to `seconds` (less if it exits)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if not readable(self._master, left):
                return
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: the program closed the terminal
                return
            if not chunk:
                return
            self.transcript += chunk
            self._stream.feed(chunk)

    def wait_for(self, needle: str, *, timeout: float) -> str:
        """Until `needle` is on the screen; returns the screen's line that holds it."""
        end = time.monotonic() + timeout
        while True:
            for line in self.screen.display:
                if needle in line:
                    return line.strip()
            if time.monotonic() > end or self.process.poll() is not None:
                self.pump(0.2)
                tail = bytes(self.transcript[-2000:]).decode("utf-8", "replace")
                raise TerminalTimeout(f"{needle!r} not on screen:\n{self.text()}\n--- last output ---\n{tail}")
            self.pump(0.1)

    def write(self, keys: str) -> None:
        os.write(self._master, keys.encode())

    def wait_exit(self, *, timeout: float) -> int:
        end = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < end:
            self.pump(0.1)
        if self.process.poll() is None:
            raise TerminalTimeout(f"still running after {timeout} s:\n{self.text()}")
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        os.close(self._master)
