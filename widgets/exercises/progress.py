"""Progress over the weeks, drawn from the journal: check-ins, wins, steps on the ladder.

Charts describe, they never judge: no totals to beat, no streaks. Each chart
comes with the same facts in words, for screen readers and for anyone who
prefers them.
"""
from __future__ import annotations

import datetime as _dt
import html
import io

import ipywidgets as w

from .. import curriculum
from ..errors import kindly
from ..kit.exercise import Exercise, register
from .checkin import chart_measures, checkin_history

WEEKS = 8


def _exercise_prefixes(kind: str) -> list[tuple[str, dict]]:
    found = []
    for module in curriculum.modules():
        for block in module.exercises:
            if block["type"] == kind:
                found.append((f"m{module.number:02d}/{block['id']}/", block))
    return found


def weekly_checkin_means(view, today: _dt.date, measure: str) -> list[tuple[_dt.date, float | None]]:
    history = checkin_history(view, days=WEEKS * 7, today=today)
    weeks = []
    for i in range(WEEKS):
        start = today - _dt.timedelta(days=7 * (WEEKS - i) - 1)
        end = start + _dt.timedelta(days=6)
        values = [v[measure] for d, v in history.items()
                  if start <= _dt.date.fromisoformat(d) <= end and isinstance(v.get(measure), int)]
        weeks.append((start, sum(values) / len(values) if values else None))
    return weeks


def wins_by_week(view_for, today: _dt.date) -> list[tuple[_dt.date, int]]:
    """Entries of a wins log (Module 6) whose kind is a win, counted by week.

    ``view_for(block)`` gives the journal space the block is kept in (the couple's
    shared space for a shared log, the person's own for a private one).
    """
    dates = []
    for prefix, block in _exercise_prefixes("log"):
        if "wins" not in prefix:
            continue
        for key, value in view_for(block).items(prefix + "entries/").items():
            if isinstance(value, dict) and "win" in str(value.get("kind", "")).lower() and value.get("date"):
                try:
                    dates.append(_dt.date.fromisoformat(value["date"]))
                except ValueError:
                    continue
    weeks = []
    for i in range(WEEKS):
        start = today - _dt.timedelta(days=7 * (WEEKS - i) - 1)
        end = start + _dt.timedelta(days=6)
        weeks.append((start, sum(1 for d in dates if start <= d <= end)))
    return weeks


def ladder_states(view_for) -> list[tuple[str, str]]:
    steps = []
    for prefix, block in _exercise_prefixes("ladder"):
        saved = view_for(block).items(prefix)
        for i, step in enumerate(block.get("items", []), start=1):
            steps.append((step["title"], saved.get(f"{prefix}step{i}") or "Not yet"))
    return steps


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def line_chart(points, title: str, ylim=(0, 10)) -> str:
    import matplotlib

    matplotlib.use("svg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 2.6), dpi=72)
    ax = fig.add_subplot()
    xs = [p[0] for p in points if p[1] is not None]
    ys = [p[1] for p in points if p[1] is not None]
    if xs:
        ax.plot(xs, ys, color="#1d5c63", linewidth=2.5, marker="o", markersize=7)
    ax.set_ylim(ylim[0] - 0.5, ylim[1] + 0.5)
    ax.set_title(title, loc="left", fontsize=14, color="#1f2a30")
    ax.set_xticks([p[0] for p in points][::2])
    ax.set_xticklabels([p[0].strftime("%d %b") for p in points][::2])
    ax.grid(axis="y", color="#d5dcdf")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    fig.tight_layout()
    return _svg(fig)


@register("progress")
class Progress(Exercise):
    """Charts from the journal: the person's own check-ins, and the couple's shared wins and ladder.

    Nothing from the other partner's private space."""

    def build(self) -> None:
        self.show_kinds = list(self.spec.get("show", ["checkins", "wins", "ladder"]))
        measures = curriculum.data("checkin")["measures"]
        self.measure = w.Dropdown(options=[(m["label"], m["id"]) for m in measures], value=measures[0]["id"],
                                  description="Check-in to show", style={"description_width": "initial"},
                                  layout=w.Layout(width="100%"))
        self.measure.observe(lambda _: self.draw(), "value")
        self.charts = w.HTML("", layout=w.Layout(width="100%"))
        self.charts.add_class("ca-chart")
        self.body.children = [self.measure, self.charts]
        self.status.layout.display = "none"

    def load(self, saved: dict) -> None:
        """Today's questions, and a retired one (the old combined desire question) only for someone who answered it."""
        view = self.view()
        current = curriculum.data("checkin")["measures"]
        options = [(m["label"], m["id"]) for m in current]
        if view is not None:
            history = checkin_history(view, days=WEEKS * 7, today=self.page.today)
            retired = [m for m in chart_measures() if m not in current]
            options += [(m["label"], m["id"]) for m in retired
                        if any(isinstance(v.get(m["id"]), int) for v in history.values())]
        if list(self.measure.options) != options:
            self.measure.options = options
        self.measure.value = current[0]["id"]  # each person starts from the first chart, not the last one's choice
        self.draw()

    def space_of(self, block: dict):
        """Where another block's answers are kept, for the person at the page: shared, or their own."""
        return self.page.space(block.get("scope", "private"))

    def draw(self) -> None:
        view = self.view()
        if view is None:
            self.charts.value = ""
            return
        self._draw(view)

    @kindly(context="progress charts")
    def _draw(self, view) -> None:
        today = self.page.today
        parts = []
        if "checkins" in self.show_kinds:
            label = dict((v, k) for k, v in self.measure.options)[self.measure.value]
            weeks = weekly_checkin_means(view, today, self.measure.value)
            if any(v is not None for _, v in weeks):
                words = "; ".join(f"week of {d.strftime('%d %b')}: {v:.1f}" for d, v in weeks if v is not None)
                parts.append(f'<div role="img" aria-label="{html.escape(label)} by week: {html.escape(words)}">'
                             f"{line_chart(weeks, f'{label}, weekly average')}</div>")
            else:
                parts.append(f"<p>{html.escape('No check-ins in the last eight weeks yet. That is fine.')}</p>")
        if "wins" in self.show_kinds:
            wins = wins_by_week(self.space_of, today)
            if any(n for _, n in wins):
                words = ", ".join(f"{d.strftime('%d %b')}: {n}" for d, n in wins)
                parts.append("<h4>Small wins noted, by week</h4>"
                             f"<p>{html.escape(words)}</p>")
        if "ladder" in self.show_kinds:
            steps = ladder_states(self.space_of)
            if any(state != "Not yet" for _, state in steps):
                rows = "".join(f"<tr><th scope='row'>{html.escape(t)}</th><td>{html.escape(s)}</td></tr>"
                               for t, s in steps)
                parts.append("<h4>Steps on the ladder</h4><table class='ca-table'>"
                             f"<tr><th scope='col'>Step</th><th scope='col'>Where we are</th></tr>{rows}</table>")
        self.charts.value = "".join(parts)
