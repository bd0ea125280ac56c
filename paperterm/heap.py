"""Keep the cyclic garbage collector out of bulk loads."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while a library's papers, index or topics are read in.

    Reading 100,000 papers makes a few hundred thousand containers, each allocation burst
    triggering a collection that walks everything alive so far: two thirds of the load's time.
    None of them form cycles, so reference counting alone frees what is dropped meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
