"""The floor both start-up benchmarks measure paperterm against: a minimal Textual app (a Header,
a 1,000-row DataTable and a Footer), what any Textual app pays to show a first screen.

    python benchmarks/floor.py   # runs it (benchmarks/terminal.py starts it this way in tmux)
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class Floor(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("title", "date")
        table.add_rows([(f"Paper number {i} about things", "2024-09-12") for i in range(1000)])


if __name__ == "__main__":
    Floor().run()
