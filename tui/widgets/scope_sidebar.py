"""The sidebar: All, Unread, reading lists, topics and digest days, each with its counts.

Choosing a scope posts `ScopeChosen`; the screen turns it into a query. Topic rows
carry a small trend of papers per digest day; the highlighted topic's trend is drawn
full-size by a Sparkline under the list.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Sparkline
from textual.widgets.option_list import Option

from paperterm.library_overview import Scope

from .pick_list import PICK_BINDINGS, PickList

_BLOCKS = " ▁▂▃▄▅▆▇█"
_HEADINGS = {"list": "Reading lists", "topic": "Topics", "day": "Digest days"}
SCROLLBAR = 1  # cells the option list's vertical scrollbar takes
TREND_ROOM = 36  # the sidebar width from which topic rows carry a mini trend
NAME_ROOM = 15  # cells a scope's name keeps before the counts shrink to the unread one


def mini_trend(values: tuple[int, ...], width: int = 6) -> str:
    """The last `width` values as block characters, scaled to the largest."""
    tail = values[-width:]
    top = max(tail, default=0)
    if not top:
        return " " * width
    return "".join(_BLOCKS[round(v / top * (len(_BLOCKS) - 1))] for v in tail).rjust(width)


class ScopeList(PickList):
    BINDINGS = [
        *PICK_BINDINGS[:2],  # j k, named here so the help lists them (g G and the arrows work too)
        Binding("plus,a", "screen.new_topic", "New topic", tooltip="Add a topic of your own (a search rule)"),
        Binding("e", "screen.rename_scope", "Rename"),
        Binding("p", "screen.pin_topic", "Pin topic"),
        Binding("h", "screen.hide_topic", "Hide topic"),
        Binding("m", "screen.merge_topic", "Merge topic"),
        Binding("delete", "screen.remove_scope", "Remove"),
    ]


class ScopeSidebar(Vertical):
    """Scopes down, `ScopeChosen` up."""

    class ScopeChosen(Message):
        def __init__(self, scope: Scope) -> None:
            super().__init__()
            self.scope = scope

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scopes: list[Scope] = []
        self._option_scope: dict[str, Scope] = {}
        # The highlighted scope that went away (deleted) and where the highlight fell instead: if it
        # comes back (undo) before the user moves, the highlight goes back to it.
        self._lost: tuple[str | None, str | None] = (None, None)

    def compose(self) -> ComposeResult:
        yield Label(Text("unread/total", style="dim"), id="scope-legend")
        yield ScopeList(id="scopes")
        yield Label("", id="trend-label")
        yield Sparkline([], id="trend")

    @property
    def option_list(self) -> ScopeList:
        return self.query_one(ScopeList)

    def on_resize(self) -> None:
        # A resize can still be queued as the app ends and the list is already removed.
        if self.scopes and self.query(ScopeList):
            self.set_scopes(self.scopes, None)

    def set_scopes(self, scopes: list[Scope], selected_key: str | None) -> None:
        """Show these scopes, keeping the highlight on the same scope where it still exists."""
        listing = self.option_list
        highlighted = listing.highlighted_option.id if listing.highlighted_option else None
        self.scopes = scopes
        self._option_scope = {}
        options: list[Option | None] = []
        heading = ""
        digits = max((len(str(s.total)) for s in scopes), default=1)
        # The option list's padding, and its scrollbar once the scopes outgrow it: a row one cell
        # too wide wraps onto a second line.
        room = max(10, self.size.width - 2 - SCROLLBAR)
        # Narrow: no trends, and when names would get fewer than NAME_ROOM cells, the unread count
        # alone; every row keeps the same columns, so none is wider than another.
        trends = room >= TREND_ROOM
        totals = room - (2 * digits + 2) >= NAME_ROOM
        self.query_one("#scope-legend", Label).update(Text("unread/total" if totals else "unread", style="dim"))
        for scope in scopes:
            group = _HEADINGS.get(scope.kind, "")
            if group != heading:
                options.append(None)
                options.append(Option(Text(group, style="bold dim"), disabled=True, id=f"heading:{group}"))
                heading = group
            option_id = f"{scope.kind}:{scope.key}"
            self._option_scope[option_id] = scope
            if totals:
                counts = Text(f" {scope.unread:>{digits}}/{scope.total:<{digits}}", style="dim")
            else:  # narrow: the unread count alone, so names keep most of the row
                counts = Text(f" {scope.unread:>{digits}}", style="dim")
            if trends:  # every row keeps the trend's cells, so the counts line up
                shown = scope.kind == "topic" and sum(1 for v in scope.trend if v) >= 3
                counts.append(" " + (mini_trend(scope.trend, 4) if shown else " " * 4), style="green")
            name = Text(scope.label, style="bold" if scope.unread else "")  # user text, never markup
            name.truncate(max(4, room - counts.cell_len), overflow="ellipsis", pad=True)
            options.append(Option(name + counts, id=option_id))
        listing.clear_options()
        listing.add_options(options)  # None draws a separator between groups
        keep = highlighted or (f"{selected_key}" if selected_key else None)
        lost, fallback = self._lost
        if lost is not None and (highlighted != fallback or lost in self._option_scope):
            if highlighted == fallback:
                keep = lost  # the scope removed is back (undo) and the highlight has not moved since
            self._lost = (None, None)
        for index, option in enumerate(listing.options):
            if option.id == keep:
                listing.highlighted = index
                break
        else:
            listing.highlighted = 0 if listing.option_count else None
            top = listing.highlighted_option
            self._lost = (keep, top.id if top else None)

    def scope_for(self, option_id: str | None) -> Scope | None:
        return self._option_scope.get(option_id or "")

    def highlighted_scope(self) -> Scope | None:
        option = self.option_list.highlighted_option
        return self.scope_for(option.id if option else None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        scope = self.scope_for(event.option.id)
        if scope is not None:
            self.post_message(self.ScopeChosen(scope))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        scope = self.scope_for(event.option.id)
        label = self.query_one("#trend-label", Label)
        spark = self.query_one(Sparkline)
        if scope is not None and scope.kind == "topic" and scope.trend:
            label.update(Text(f"Papers per digest day in {scope.label}", style="dim"))
            spark.data = list(scope.trend)
            spark.display = True
        else:
            label.update("")
            spark.data = []
            spark.display = False
