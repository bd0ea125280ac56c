"""The search bar: the query as typed goes up as `Changed`; Esc clears it and gives focus back."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    BINDINGS = [
        Binding("escape", "clear_and_leave", "Clear search"),
        Binding("down,enter", "leave", "To the list", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder='/ search: words, "phrase", -word, topic: list: is:unread date:>=2024-09-01 source:',
            id=id,
        )

    class Left(Message):
        """The user is done typing: the screen moves focus to the list."""

    def action_clear_and_leave(self) -> None:
        self.value = ""
        self.post_message(self.Left())

    def action_leave(self) -> None:
        self.post_message(self.Left())
