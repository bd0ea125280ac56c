"""The one typed way for a screen to reach paperterm's app (instead of `self.app.x  # type: ignore`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from .app import PapertermApp


def paperterm_app(node: MessagePump) -> PapertermApp:
    from .app import PapertermApp  # here, not at the top: the app module imports the screens

    app = node.app
    assert isinstance(app, PapertermApp), f"{node!r} is not running in paperterm's app"
    return app
