"""A section that opens and closes: a real button (keyboard, screen readers) above its content.

ipywidgets' Accordion draws its headers as plain ``div`` elements that a
keyboard cannot reach, so we use this instead::

    section = Disclosure("Words", [field_1, field_2])
    section.toggle.click()      # opens it: section.is_open is True
"""
from __future__ import annotations

import ipywidgets as w
import traitlets


class Disclosure(w.VBox):
    is_open = traitlets.Bool(False)

    def __init__(self, title: str, children=(), is_open: bool = False):
        super().__init__(layout=w.Layout(width="100%"))
        self.title = title
        self.toggle = w.ToggleButton(value=is_open, description=title, layout=w.Layout(width="100%"))
        self.toggle.add_class("ca-disclosure")
        self.content = w.VBox(list(children), layout=w.Layout(width="100%"))
        self.content.add_class("ca-disclosure-body")
        self.toggle.observe(lambda ch: setattr(self, "is_open", ch["new"]), "value")
        self.observe(self._draw, "is_open")
        self.is_open = is_open
        self._draw()
        self.children = (self.toggle, self.content)

    def _draw(self, _change=None) -> None:
        self.toggle.value = self.is_open
        self.toggle.description = f"{'▾' if self.is_open else '▸'} {self.title}"
        self.content.layout.display = "" if self.is_open else "none"
