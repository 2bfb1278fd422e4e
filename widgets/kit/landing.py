"""The landing page: every module in order, with its one-line summary and time."""
from __future__ import annotations

import html

from IPython.display import HTML, display

from .. import curriculum
from . import style
from .help import Toolbar
from .links import Links


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
