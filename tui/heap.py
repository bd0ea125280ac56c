"""Keep the garbage collector's pauses off the keyboard path."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Exempt what is alive now (100,000 papers, the search index) from the cyclic collector.

    A full collection walks every live object: at 100k papers that is a 100 ms pause landing
    on whichever key press happens to trigger it. Objects freed later are still reclaimed by
    reference counting; only cycles among these survivors would wait.
    """
    gc.freeze()
