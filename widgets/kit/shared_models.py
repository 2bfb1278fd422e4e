"""Layout and style models shared by many widgets, so a page carries hundreds of models fewer.

Every ipywidgets control comes with its own ``Layout`` model and its own style
model, even when they say nothing ("width: 100%", or all defaults). Each is a
model the kernel sends and the browser builds before the page answers a press.
ipywidgets lets many widgets point at one layout or style model, so:

- ``shared_layout(width="100%")`` gives the one ``Layout`` with these settings.
  Use it only for a widget whose layout is never changed afterwards (no
  ``widget.layout.display = "none"`` later): a change would reach every widget
  that shares it.
- ``share_default_styles()`` (done when the kit is imported) makes controls
  built without a ``style=`` share one default style model per style class.
  Closer Again never changes a style model after building it (a ``style=``
  given at build time still makes the widget its own).

Shared models are never closed by ``widget_tree.close_tree``; if something
closes them anyway (``Widget.close_all()`` in tests), the next call makes a new one.
"""
from __future__ import annotations

import ipywidgets as w

_layouts: dict[tuple, w.Layout] = {}
_styles: dict[tuple, w.Widget] = {}


def _alive(model: w.Widget | None) -> bool:
    return model is not None and getattr(model, "comm", None) is not None


def is_shared(model: w.Widget) -> bool:
    """True for a layout or style model that other widgets may point at too."""
    return any(m is model for m in _layouts.values()) or any(m is model for m in _styles.values())


class SharedLayout(w.Layout):
    """A ``Layout`` that refuses changes once built: a change would reach every widget sharing it."""

    def __init__(self, **settings):
        super().__init__(**settings)
        self._frozen = True

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False) and name in self.keys and not name.startswith("_"):
            raise AttributeError(f"a shared layout cannot be changed ({name}): give this widget its own Layout")
        super().__setattr__(name, value)


def shared_layout(**settings) -> w.Layout:
    """The one ``Layout`` with these settings (it refuses changes: see ``SharedLayout``)."""
    key = tuple(sorted(settings.items()))
    layout = _layouts.get(key)
    if not _alive(layout):
        layout = _layouts[key] = SharedLayout(**settings)
    return layout


def shared_style(klass: type, **settings) -> w.Widget:
    """The one style model of class ``klass`` with these settings (never change it after use)."""
    key = (klass, tuple(sorted(settings.items())))
    style = _styles.get(key)
    if not _alive(style):
        style = _styles[key] = klass(**settings)
    return style


#: controls whose default style model is shared (every style class a page uses)
_CONTROLS = (w.HTML, w.HTMLMath, w.Label, w.Button, w.ToggleButton, w.Checkbox, w.Text, w.Textarea,
             w.Password, w.Dropdown, w.DatePicker, w.Combobox, w.FileUpload, w.ToggleButtons,
             w.RadioButtons, w.Select, w.IntText, w.FloatText)


def share_default_styles() -> None:
    """Controls built without ``style=`` share one default style model per style class."""
    for control in _CONTROLS:
        trait = control.class_traits().get("style")
        if trait is None or getattr(trait, "_closer_again_shared", False):
            continue
        klass = trait.klass
        trait.make_dynamic_default = lambda klass=klass: shared_style(klass)
        trait._closer_again_shared = True
