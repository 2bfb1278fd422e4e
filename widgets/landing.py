"""The landing page: every module in order, with its one-line summary and time."""
from __future__ import annotations

import html

import ipywidgets as w
from IPython.display import HTML, display

from . import curriculum, style
from .page import Toolbar


class Links(w.HTML):
    """Links that open in the same tab (HTML outputs would open a new tab for each)."""

    def __init__(self, markup: str, label: str):
        super().__init__(markup, layout=w.Layout(width="100%"))
        self._label = label

    def __repr__(self) -> str:
        return f"<Closer Again: {self._label}>"


def module_list_html() -> str:
    items = []
    for m in curriculum.modules():
        items.append(
            f'<li><a href="{html.escape(m.notebook_name)}">{m.number}. {html.escape(m.title)}</a>'
            f"<br>{html.escape(m.summary)}"
            f'<br><span class="ca-help">About {m.minutes} minutes in a group, or at your own pace.</span></li>'
        )
    return f'<ul class="ca-modules">{"".join(items)}</ul>'


def landing_html() -> str:
    return (
        style.style_tag()
        + '<header class="ca-header"><h1>Closer Again</h1>'
        "<p>A workshop for couples finding their way back to closeness after illness or injury.</p></header>"
        "<p>Take the modules in order, at your own pace. Start with Module 1: it explains how your answers "
        "stay private on this device. You can stop at any time. Nothing here keeps score.</p>"
        '<p class="ca-disclaimer">This is a learning workshop, not therapy or medical advice. '
        "For questions about your health, talk to your care team.</p>"
        "<h2>The modules</h2>"
    )


def show_landing(country: str = "") -> None:
    display(Toolbar(country))
    display(HTML(landing_html()))
    display(Links(module_list_html(), "the modules"))
