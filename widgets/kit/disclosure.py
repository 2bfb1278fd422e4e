"""A section that opens and closes: a real button (keyboard, screen readers) above its content.

ipywidgets' Accordion draws its headers as plain ``div`` elements that a
keyboard cannot reach, so we use this instead::

    section = Disclosure("Words", [field_1, field_2])
    section.toggle.click()      # opens it: section.is_open is True

A section with many controls can build them only when it is first opened
(``build`` returns its children), so a page does not carry them while closed::

    section = Disclosure("Words", build=make_rows)
    section.forget()            # closes what was built (for the next person); built again on opening
"""
from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
import traitlets

from .shared_models import shared_layout
from .widget_tree import close_trees


class Disclosure(w.VBox):
    is_open = traitlets.Bool(False)

    def __init__(self, title: str, children=(), is_open: bool = False, build: Callable[[], list] | None = None):
        super().__init__(layout=w.Layout(width="100%"))  # its own: a section may be hidden as a whole
        self.title = title
        self._build = build
        self.built = build is None
        self.toggle = w.ToggleButton(value=is_open, description=title, layout=shared_layout(width="100%"))
        self.toggle.add_class("ca-disclosure")
        self.content = w.VBox(list(children), layout=w.Layout(width="100%"))
        self.content.add_class("ca-disclosure-body")
        self.toggle.observe(lambda ch: setattr(self, "is_open", ch["new"]), "value")
        self.observe(self._draw, "is_open")
        self.is_open = is_open
        self._draw()
        self.children = (self.toggle, self.content)

    def ensure_built(self) -> None:
        """Build the content now (a section built on demand), if it is not built yet."""
        if not self.built:
            self.built = True
            self.content.children = tuple(self._build())

    def forget(self) -> None:
        """Close the section and, if it builds on demand, close what it built (built again on opening)."""
        self.is_open = False
        if self._build is not None and self.built:
            dropped = self.content.children
            self.content.children = ()
            self.built = False
            close_trees(dropped)

    def _draw(self, _change=None) -> None:
        if self.is_open:
            self.ensure_built()
        self.toggle.value = self.is_open
        self.toggle.description = f"{'▾' if self.is_open else '▸'} {self.title}"
        self.content.layout.display = "" if self.is_open else "none"
