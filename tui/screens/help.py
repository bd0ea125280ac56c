"""`?`: every key of the app, gathered from the same BINDINGS that drive the footer and the palette."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.scroll_keys import ScrollBody

KEY_NAMES = {"question_mark": "?", "slash": "/", "plus": "+", "escape": "esc", "ctrl+p": "ctrl+p", "full_stop": "."}


def key_label(keys: str) -> str:
    """`question_mark,q` → `?, q`: keys as the user types them, for the help and the palette."""
    return ", ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


def binding_rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            rows.append((key_label(binding.key), binding.description))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help")]

    def __init__(self, sections: list[tuple[str, list[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2), expand=False)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for title, bindings in self.sections:
            table.add_row(Text(title, style="bold underline"), "")
            for keys, description in binding_rows(bindings):
                table.add_row(keys, description)
            table.add_row("", "")
        table.add_row(Text("Anywhere", style="bold underline"), "")
        table.add_row("ctrl+p", "command palette: every action by name")
        with ScrollBody(id="help-body"):  # j k g G space scroll it, as every pane
            yield Static(Text("paperterm keys", style="bold"), id="help-title")
            yield Static(table)
