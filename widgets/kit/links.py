"""Same-tab links that a keyboard and a screen reader can use."""
from __future__ import annotations

import ipywidgets as w

from .shared_models import shared_layout


class Links(w.HTML):
    """Links that open in the same tab (HTML outputs would open a new tab for each)."""

    def __init__(self, markup: str, label: str):
        super().__init__(markup, layout=shared_layout(width="100%"))
        self._label = label

    def __repr__(self) -> str:
        return f"<Closer Again: {self._label}>"
