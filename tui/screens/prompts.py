"""Small modal prompts: a line of text, a path with completion, a reading list to pick."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from loaders.text_cleanup import strip_controls

from ..widgets.pick_list import PickList
from ..widgets.scroll_keys import ScrollBody


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line; enter answers, esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", suggester: Suggester | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.suggester = suggester

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt"):
            yield Label(Text(self.title_text, style="bold"))
            yield Input(value=self.value, placeholder=self.placeholder, suggester=self.suggester)
            yield Label(Text("enter to confirm · esc to cancel", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PathSuggester(Suggester):
    """Completes a path from the file system (tab or → accepts), like a shell."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, _, stem = expanded.rpartition("/")
        base = Path(folder or ".")
        try:
            names = sorted(p.name + ("/" if p.is_dir() else "") for p in base.iterdir() if p.name.startswith(stem))
        except OSError:
            return None
        names = [n for n in names if not n.startswith(".") or stem.startswith(".")]
        if not names:
            return None
        return value[: len(value) - len(stem)] + names[0]


class ImportPrompt(TextPrompt):
    """`i`: a file, folder or glob to import; → or tab completes the path."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("tab", "complete", "Complete path", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(
            "Import digests: a file, a folder or a glob",
            placeholder="~/Downloads/daily-papers.txt",
            suggester=PathSuggester(),
        )

    def action_complete(self) -> None:
        field = self.query_one(Input)
        field.action_cursor_right()  # accepts the suggestion when the cursor is at the end


class ReportScreen(ModalScreen[None]):
    """A report to read (the last import's warnings and skipped files); esc closes it."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with ScrollBody(id="help-body"):
            yield Static(Text(self.title_text, style="bold"), id="help-title")
            yield Static(Text(strip_controls("\n".join(self.lines) or "Nothing to report.")))


class ChoicePicker(ModalScreen[str | None]):
    """Pick one of a few named things (a link to open, what to copy); enter picks, esc cancels.
    Options that cannot be picked are shown dimmed with the reason in their label."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[tuple[str, Text, bool]], *, one_line: bool = False) -> None:
        """`options`: (value, label, can be picked); `one_line`: each cut with … rather than wrapped
        (previews of what would be copied; a link to open is shown whole)."""
        super().__init__()
        self.title_text = title
        self.options = options
        self.one_line = one_line

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt"):
            yield Label(Text(self.title_text, style="bold"))
            yield PickList(
                *(Option(label, id=str(i), disabled=not ok) for i, (_, label, ok) in enumerate(self.options)),
                id="choices",
                classes="one-line" if self.one_line else "",
            )
            yield Label(Text("j k ↑ ↓ move · enter to pick · esc to cancel", style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.options[int(event.option.id or 0)][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class ListChoice:
    name: str
    new: bool  # the user typed a name for a list to create


class ListPicker(ModalScreen[ListChoice | None]):
    """`B`: pick a reading list for the paper (★ marks the lists it is in), or name a new one."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, lists: list[tuple[str, str, bool]]) -> None:
        """`lists`: (id, name, paper is in it)."""
        super().__init__()
        self.lists = lists

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt"):
            yield Label(Text("Toggle the paper in a list (enter), or type a new list's name", style="bold"))
            options = []
            for list_id, name, member in self.lists:
                label = Text("★ " if member else "  ", style="yellow")
                label.append(name)
                options.append(Option(label, id=list_id))
            yield PickList(*options, id="picker-lists")
            yield Input(placeholder="new list name, then enter", id="picker-new", select_on_focus=False)
            yield Label(Text("j k ↑ ↓ move · enter toggles · tab: a name starting with j or k", style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = next((n for i, n, _ in self.lists if i == event.option.id), None)
        self.dismiss(ListChoice(name, new=False) if name is not None else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        self.dismiss(ListChoice(name, new=True) if name else None)

    def on_key(self, event: events.Key) -> None:
        """Typing while the lists have focus starts a new list's name: the label promises as much.
        `j` and `k` move in the lists as in every list, until a name is begun (tab reaches the
        field for a name that starts with one of them)."""
        field = self.query_one("#picker-new", Input)
        if event.key in ("j", "k") and not field.value and self.focused is not field:
            return  # the list's own binding moves it
        # The field consumes what is typed into it, so a printable key reaching the screen was
        # meant for it: typed fast, the keys after the first can be queued before focus moves.
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.set_focus(field)
            field.insert_text_at_cursor(event.character)

    def action_cancel(self) -> None:
        self.dismiss(None)
