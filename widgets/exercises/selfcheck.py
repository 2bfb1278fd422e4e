"""'Where I am': private self-ratings at the start and at the end of the workshop.

The same questions (``content/selfcheck.toml``) appear in Module 1 (``moment =
"start"``) and Module 10 (``moment = "end"``). Answers are saved in the active
partner's private space under ``selfcheck/<moment>/<item>``, so both modules
share them. At the end, the person sees their own start and end answers side by
side. Nothing is ever compared with the partner's, and nothing is scored.
"""
from __future__ import annotations

import html

import ipywidgets as w

from .. import curriculum
from ..kit.exercise import Exercise, register
from ..kit.fields import ScaleField

PREFIX = "selfcheck/"
MOMENTS = ("start", "end")


@register("self_check")
class SelfCheck(Exercise):
    def build(self) -> None:
        self.content = curriculum.data("selfcheck")
        self.moment = self.spec.get("moment", "start")
        if self.moment not in MOMENTS:
            raise ValueError(f"self_check moment must be one of {MOMENTS}, not {self.moment!r}")
        self.key_prefix = f"{PREFIX}{self.moment}/"  # shared by Modules 1 and 10, not per module
        self.fields = [self.bind(ScaleField(item["id"], item["label"], low=item["low"], high=item["high"]))
                       for item in self.content["items"]]
        self.comparison = w.HTML("", layout=w.Layout(width="100%"))
        note = w.HTML(f'<p class="ca-note">{html.escape(self.content["not_validated"])}</p>',
                      layout=w.Layout(width="100%"))
        parts = [note, *self.fields]
        if self.moment == "end":
            parts.append(self.comparison)
            for field in self.fields:
                field.observe(lambda _: self.draw_comparison(), "value")
        self.body.children = parts

    def load(self, saved: dict) -> None:
        for field in self.fields:
            field.show(saved.get(field.field_id))
        self.draw_comparison()

    def draw_comparison(self) -> None:
        """The active person's own start and end answers, side by side (end only)."""
        view = self.view()
        if self.moment != "end" or view is None:
            self.comparison.value = ""
            return
        c, e = self.content, html.escape
        start = view.items(f"{PREFIX}start/")
        if not any(isinstance(v, int) for v in start.values()):
            self.comparison.value = f"<h4>{e(c['compare_heading'])}</h4><p class='ca-help'>{e(c['no_start'])}</p>"
            return

        def shown(value) -> str:
            return str(value) if isinstance(value, int) else c["not_answered"]

        rows = "".join(
            f"<tr><td>{e(item['label'])}</td><td>{e(shown(start.get(PREFIX + 'start/' + item['id'])))}</td>"
            f"<td>{e(shown(field.value))}</td></tr>"
            for item, field in zip(c["items"], self.fields)
        )
        self.comparison.value = (
            f"<h4>{e(c['compare_heading'])}</h4><p class='ca-help'>{e(c['compare_help'])}</p>"
            f"<table class='ca-table'><tr><th>&nbsp;</th><th>{e(c['start_column'])}</th>"
            f"<th>{e(c['now_column'])}</th></tr>{rows}</table>"
        )
