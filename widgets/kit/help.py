"""Help is always one press away: the pause and help bar, and the help and crisis contacts."""
from __future__ import annotations

import html

import ipywidgets as w
import traitlets

from .. import curriculum, settings
from .shared_models import shared_layout


def country_code(country: str = "") -> str:
    data = curriculum.data("resources")
    code = ((country or "").strip() or settings.current().country or data["country"]).upper()
    return code if code in data["countries"] else data["country"]


def resources_html(country: str = "") -> str:
    data = curriculum.data("resources")
    code = country_code(country)
    rows = []
    local = data.get("local", {}).get("contacts", [])
    if local:
        rows.append(f"<h4>{html.escape(data['local']['title'])}</h4><ul>")
        rows += [f"<li><strong>{html.escape(c['name'])}</strong>: {html.escape(c['how'])}</li>" for c in local]
        rows.append("</ul>")
    here = data["countries"][code]
    rows.append(f"<h4>{html.escape(here['name'])}</h4><ul>")
    rows += [f"<li><strong>{html.escape(c['name'])}</strong>: {html.escape(c['how'])}</li>" for c in here["contacts"]]
    rows.append("</ul>")
    always = data["always"]
    rows.append(f"<p><strong>{html.escape(always['emergency'])}</strong></p>")
    rows.append(f"<p>{html.escape(always['care_team'])}</p>")
    rows.append(f"<p>{html.escape(always['worldwide'])}</p>")
    rows.append(f'<p class="ca-disclaimer">{html.escape(always["not_therapy"])}</p>')
    return "".join(rows)


class Toolbar(w.HBox):
    """'Pause' (a short grounding exercise) and 'Help now', fixed at the bottom of every page."""

    open_panel = traitlets.Unicode("")  # "", "pause" or "help"

    def __init__(self, country: str = ""):
        super().__init__(layout=shared_layout(width="100%", flex_flow="row wrap"))
        self.add_class("ca-toolbar")
        self.pause_button = w.Button(
            description=curriculum.text("pause.button"),
            tooltip=curriculum.text("pause.button_label"),
            button_style="primary",
            layout=shared_layout(),
        )
        self.help_button = w.Button(
            description=curriculum.text("pause.help_button"),
            tooltip=curriculum.text("pause.help_label"),
            layout=shared_layout(),
        )
        self.back_button = w.Button(description=curriculum.text("pause.back"), button_style="primary",
                                    layout=shared_layout())
        self.panel_text = w.HTML("", layout=shared_layout(width="100%"))
        inner = w.VBox([self.panel_text, self.back_button], layout=shared_layout(width="100%"))
        inner.add_class("ca-overlay-inner")
        self.overlay = w.VBox([inner], layout=w.Layout(display="none"))
        self.overlay.add_class("ca-overlay")
        self.overlay.add_class("ca-dialog")
        self._country = country
        self.pause_button.on_click(lambda _: self.show("pause"))
        self.help_button.on_click(lambda _: self.show("help"))
        self.back_button.on_click(lambda _: self.show(""))
        self.children = (self.pause_button, self.help_button, self.overlay)

    def show(self, panel: str) -> None:
        self.open_panel = panel
        if panel == "pause":
            g = curriculum.data("grounding")
            steps = "".join(f"<li>{html.escape(s)}</li>" for s in g["steps"])
            self.panel_text.value = (
                f'<h2 tabindex="-1">{html.escape(g["title"])}</h2>'
                '<div class="ca-breath" aria-hidden="true"></div>'
                f"<ol>{steps}</ol><p>{html.escape(g['closing'])}</p>"
            )
        elif panel == "help":
            self.panel_text.value = (
                f'<h2 tabindex="-1">{html.escape(curriculum.text("pause.help_label"))}</h2>'
                + resources_html(self._country)
            )
        self.overlay.layout.display = "" if panel else "none"

    def __repr__(self) -> str:
        return "<Closer Again: pause and help>"
