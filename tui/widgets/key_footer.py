"""The footer of key bindings, recomposed once per burst of changes.

Textual's Footer rebuilds all of its keys on every bindings-changed signal; at start-up five
such signals arrive before the first frame (the screen stack settling, focus landing), so the
first frame paid for five footers. This one coalesces a burst into one rebuild.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
