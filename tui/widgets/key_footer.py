"""The footer of key bindings, recomposed once per burst of changes, showing only whole keys.

Textual's Footer rebuilds all of its keys on every bindings-changed signal; at start-up five
such signals arrive before the first frame (the screen stack settling, focus landing), so the
first frame paid for five footers. This one coalesces a burst into one rebuild.

Textual's Footer also cuts the last key that does not fit mid-word (`B L▏` at 80 columns),
which reads as a glitch: this one shows the keys that fit whole, in their order (the most
used first), and `?` lists them all.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self.rebuild)

    async def rebuild(self) -> None:
        """Recompose the keys as they are now, then fit them to the width."""
        self._rebuild_pending = False
        await self.recompose()
        self.fit_keys()

    def on_resize(self) -> None:
        self.fit_keys()

    def fit_keys(self) -> None:
        """Hide the keys after the first one that would be cut by the footer's right edge."""
        keys = list(self.query_children(FooterKey))
        palette = [key for key in keys if key.has_class("-command-palette")]
        # The palette key is docked right behind a one-cell border.
        room = self.size.width - sum(key.render().cell_len + 1 for key in palette)
        used = 0
        fits = True
        for key in keys:
            if key in palette:
                continue
            used += key.render().cell_len
            fits = fits and used <= room
            key.display = fits

    def shown_keys(self) -> list[str]:
        """The keys the footer shows whole (what a test checks against the width)."""
        return [
            key.key for key in self.query_children(FooterKey) if key.display and not key.has_class("-command-palette")
        ]
