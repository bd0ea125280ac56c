"""Type a note into the real app in a pseudo-terminal at ~8 characters a second, then end it the
way users and systems do: close the terminal (SIGHUP), `kill -TERM`, `kill -9`, or a burst of keys
followed at once by ctrl+q. Afterwards the note on disk is compared with what was typed.

Run alone: `python -m tests.reliability.typing_harness --tries 20` prints one line per fault.
No tmux needed: a pty from `os.openpty` is the terminal, so it runs on CI machines too.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..terminal import readable

REPO = Path(__file__).resolve().parents[2]
CPS = 8.0  # characters a second, a steady typist
FAULTS = ("hup", "term", "kill9", "quit")
WORDS = "the model distils a teacher into a small student with fewer tokens and keeps the score".split()


@dataclass
class Try:
    fault: str
    typed: str
    saved: str
    exit_code: int | None
    restored: bool  # the terminal got its main screen back (alt screen left)
    traceback: str  # the end of the output from the first "Traceback", if any
    last_second: int  # characters typed in the last second before the fault

    @property
    def lost(self) -> int:
        """Characters typed but not saved; everything when the saved text is not a prefix of it."""
        return len(self.typed) - len(self.saved) if self.typed.startswith(self.saved) else len(self.typed)


@dataclass
class Tally:
    fault: str
    tries: list[Try] = field(default_factory=list)

    def line(self) -> str:
        lost = [t.lost for t in self.tries]
        typed = sum(len(t.typed) for t in self.tries)
        over = sum(t.lost > t.last_second for t in self.tries)
        return (
            f"{self.fault}: {len(self.tries)} tries, {typed} characters typed, {sum(lost)} lost "
            f"(max {max(lost, default=0)} in one try; {over} tries lost more than the last second), "
            f"{sum(bool(t.traceback) for t in self.tries)} tracebacks, "
            f"{sum(not t.restored for t in self.tries if t.fault in ('term', 'quit'))} terminals left unrestored"
        )


class Terminal:
    """The app in a pty of its own, as its controlling terminal; output is drained continuously."""

    def __init__(self, data_dir: Path, size: tuple[int, int] = (120, 40)) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(REPO)}
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "paperterm", "--data-dir", str(data_dir)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=REPO,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.master: int | None = master
        self.output = bytearray()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        # Only this thread reads and closes the master: a close() while another thread sits in
        # read() on it would not close the terminal until that read returned.
        assert self.master is not None
        master = self.master
        while not self._closing.is_set():
            if not readable(master, 0.02):
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            with self._lock:
                self.output += chunk
        os.close(master)

    def seen(self, text: str) -> bool:
        with self._lock:
            return text.encode() in self.output

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.seen(text):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"{text!r} never appeared; output ends {bytes(self.output[-400:])!r}")
            time.sleep(0.05)

    def send(self, data: str) -> None:
        assert self.master is not None
        os.write(self.master, data.encode())

    def close(self) -> None:
        """Close the terminal window: the kernel hangs up the pty and sends SIGHUP."""
        self._closing.set()
        self._reader.join()
        self.master = None

    def wait(self, timeout: float = 15.0) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            return None
        finally:
            time.sleep(0.1)  # the reader's last chunk
            if self.master is not None:
                self.close()


def sentence(rng: random.Random, length: int) -> str:
    text = ""
    while len(text) < length:
        text += rng.choice(WORDS) + " "
    return text[:length]


def one_try(template: Path, work: Path, fault: str, rng: random.Random, size: tuple[int, int]) -> Try:
    from paperterm.library import Library

    data_dir = work / f"try-{fault}-{rng.random():.8f}"
    shutil.copytree(template, data_dir)
    term = Terminal(data_dir, size)
    try:
        term.wait_for("Unread")  # the sidebar is drawn
        time.sleep(0.3)  # the list is there
        term.send("n")
        term.wait_for("Note on")
        time.sleep(0.2)
        typed = ""
        stamps: list[float] = []
        if fault == "quit":
            typed = sentence(rng, rng.randint(5, 30))
            for char in typed[:-10]:
                term.send(char)
                stamps.append(time.monotonic())
                time.sleep(1 / CPS)
            term.send(typed[-10:] + "\x11")  # the last words in one burst, ctrl+q in the same write
            stamps += [time.monotonic()] * min(10, len(typed))
        else:
            typed = sentence(rng, rng.randint(8, 40))
            for char in typed:
                term.send(char)
                stamps.append(time.monotonic())
                time.sleep(1 / CPS * rng.uniform(0.6, 1.4))
            time.sleep(rng.uniform(0, 1 / CPS))  # the fault lands at a random moment between keys
            if fault == "hup":
                term.close()
            elif fault == "term":
                os.kill(term.proc.pid, signal.SIGTERM)
            else:
                os.kill(term.proc.pid, signal.SIGKILL)
        ended = time.monotonic()
        code = term.wait()
    finally:
        if term.proc.poll() is None:
            os.killpg(term.proc.pid, signal.SIGKILL)
            term.proc.wait()
    library = Library.open(data_dir)
    noted = list(library.state.noted_ids())
    saved = library.state.note_of(noted[0]) if noted else ""
    output = bytes(term.output)
    shutil.rmtree(data_dir, ignore_errors=True)
    return Try(
        fault=fault,
        typed=typed,
        saved=saved,
        exit_code=code,
        restored=output.rfind(b"\x1b[?1049l") > output.rfind(b"\x1b[?1049h"),
        traceback=_traceback(output),
        last_second=sum(1 for stamp in stamps if stamp > ended - 1.0),
    )


def _traceback(output: bytes) -> str:
    start = output.find(b"Traceback")
    return "" if start < 0 else output[start:].decode(errors="replace")[-3000:]


def make_template(folder: Path) -> Path:
    """A data dir holding the two sample digests, copied for each try (no first-run import)."""
    from paperterm.library import Library

    template = folder / "template"
    Library.open(template).import_samples()
    return template


def run(
    tries: int,
    faults: tuple[str, ...] = FAULTS,
    seed: int = 12,
    size: tuple[int, int] = (120, 40),
    work: Path | None = None,
) -> dict[str, Tally]:
    import tempfile

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="paperterm-typing-", dir=work) as folder:
        template = make_template(Path(folder))
        tallies = {fault: Tally(fault) for fault in faults}
        for _ in range(tries):
            for fault in faults:
                tallies[fault].tries.append(one_try(template, Path(folder), fault, rng, size))
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=20, help="tries of each fault")
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    cols, rows = (int(n) for n in args.size.split("x"))
    tallies = run(args.tries, tuple(args.faults.split(",")), args.seed, (cols, rows))
    for tally in tallies.values():
        print(tally.line())
        for each in tally.tries:
            if each.lost or each.traceback or each.exit_code is None:
                print(
                    f"  lost {each.lost} of {len(each.typed)} (exit {each.exit_code}): "
                    f"typed {each.typed!r} saved {each.saved!r}"
                )


if __name__ == "__main__":
    main()
