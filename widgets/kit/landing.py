"""The landing page: every module in order, with its one-line summary and time."""
from __future__ import annotations

import html

from IPython.display import HTML, display

from .. import curriculum
from . import style
from .help import Toolbar
from .links import Links

_t = curriculum.html_text


def module_list_html() -> str:
    items = []
    for m in curriculum.modules():
        items.append(
            f'<li><a href="{html.escape(m.notebook_name)}">{m.number}. {html.escape(m.title)}</a>'
            f"<br>{html.escape(m.summary)}"
            f'<br><span class="ca-help">{_t("landing.minutes", minutes=m.minutes)}</span></li>'
        )
    return f'<ul class="ca-modules">{"".join(items)}</ul>'


def landing_html() -> str:
    return (
        style.style_tag()
        + f'<header class="ca-header"><h1>{_t("landing.title")}</h1>'
        f'<p>{_t("landing.tagline")}</p></header>'
        f'<p>{_t("landing.intro")}</p>'
        f'<p class="ca-disclaimer">{_t("landing.disclaimer")}</p>'
        f'<h2>{_t("landing.modules")}</h2>'
    )


def show_landing(country: str = "") -> None:
    display(Toolbar(country))
    display(HTML(landing_html()))
    display(Links(module_list_html(), "the modules"))
