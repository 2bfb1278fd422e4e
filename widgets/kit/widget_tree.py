"""Closing widgets that are taken out, so a page never keeps models it no longer shows.

ipywidgets keeps every widget model alive, in the kernel and in the browser,
until it is closed; replacing a box's children does not close the old ones.
A card that rebuilds rows for the person at the page must close the rows it
drops, or they pile up with every hand-over, still holding the previous
person's words.
"""
from __future__ import annotations

from collections.abc import Iterable

import ipywidgets as w

from .shared_models import is_shared


def close_tree(widget: w.Widget) -> None:
    """Close a widget, everything inside it, and their own layout and style models (never shared ones)."""
    for child in tuple(getattr(widget, "children", ()) or ()):
        close_tree(child)
    for part in ("layout", "style"):
        model = getattr(widget, part, None)
        if isinstance(model, w.Widget) and not is_shared(model):
            model.close()
    widget.close()


def close_trees(widgets: Iterable[w.Widget]) -> None:
    """Close widgets that were taken out of the page (after they are no longer anyone's child)."""
    for widget in widgets:
        close_tree(widget)
