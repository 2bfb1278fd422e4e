"""Progress over the weeks, drawn from the journal: check-ins and small wins.

Nothing here charts how far a couple got (on the touch ladder or anywhere else).

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


def weekly_checkin_means(view, today: _dt.date, measure: str,
                         refs: tuple[curriculum.ExerciseRef, ...]) -> list[tuple[_dt.date, float | None]]:
    """Weekly averages of one check-in question, from the check-ins ``refs`` name (in ``view``, one person's space)."""
    history: dict[str, dict] = {}
    for ref in refs:
        for day, values in checkin_history(view, ref.key(), days=WEEKS * 7, today=today).items():
            history.setdefault(day, {}).update(values)
    weeks = []
    for i in range(WEEKS):
        start = today - _dt.timedelta(days=7 * (WEEKS - i) - 1)
        end = start + _dt.timedelta(days=6)
        values = [v[measure] for d, v in history.items()
                  if start <= _dt.date.fromisoformat(d) <= end and isinstance(v.get(measure), int)]
        weeks.append((start, sum(values) / len(values) if values else None))
    return weeks


def wins_by_week(view_for, today: _dt.date, refs: tuple[curriculum.ExerciseRef, ...]) -> list[tuple[_dt.date, int]]:
    """Entries of the wins logs ``refs`` name (Module 6's, as content declares) whose kind is a win, by week.

    ``view_for(ref)`` gives the journal space the log is kept in (the couple's
    shared space for a shared log, the person's own for a private one).
    """
    dates = []
    for ref in refs:
        for key, value in view_for(ref).items(ref.key("entries/")).items():
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


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no timestamp: the same answers draw the same chart
    text = buf.getvalue()
    return text[text.index("<svg"):]


def line_chart(points, title: str, ylim=(0, 10)) -> str:
    # matplotlib is heavy (about half a second and 40 MB): imported on purpose only when a chart is drawn
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
    """Charts from the journal: the person's own check-ins, and the couple's shared wins.

    Nothing from the other partner's private space."""

    def build(self) -> None:
        self.show_kinds = list(self.spec.get("show", ["checkins", "wins"]))
        measures = curriculum.data("checkin")["measures"]
        self.measure = w.Dropdown(options=[(m["label"], m["id"]) for m in measures], value=measures[0]["id"],
                                  description=curriculum.text("progress_charts.measure"), style={"description_width": "initial"},
                                  layout=w.Layout(width="100%"))
        self.measure.observe(lambda _: self.draw(), "value")
        self.charts = w.HTML("", layout=w.Layout(width="100%"))
        self.charts.add_class("ca-chart")
        self.body.children = [self.measure, self.charts]
        self.show_status = False

    def load(self, saved: dict) -> None:
        """Today's questions, and a retired one (the old combined desire question) only for someone who answered it."""
        view = self.view()
        current = curriculum.data("checkin")["measures"]
        options = [(m["label"], m["id"]) for m in current]
        if view is not None:
            history = {}
            for ref in curriculum.reads(self.spec, "checkins"):
                history.update(checkin_history(view, ref.key(), days=WEEKS * 7, today=self.page.today))
            retired = [m for m in chart_measures() if m not in current]
            options += [(m["label"], m["id"]) for m in retired
                        if any(isinstance(v.get(m["id"]), int) for v in history.values())]
        if list(self.measure.options) != options:
            self.measure.options = options
        self.measure.value = current[0]["id"]  # each person starts from the first chart, not the last one's choice
        self.draw()

    def space_of(self, ref: curriculum.ExerciseRef):
        """Where another exercise's answers are kept, for the person at the page: shared, or their own."""
        return self.page.space(ref.scope)

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
            weeks = weekly_checkin_means(view, today, self.measure.value, curriculum.reads(self.spec, "checkins"))
            if any(v is not None for _, v in weeks):
                words = "; ".join(curriculum.text("progress_charts.week_of", date=d.strftime("%d %b"), value=f"{v:.1f}")
                                  for d, v in weeks if v is not None)
                aria = curriculum.html_text("progress_charts.by_week", measure=label, weeks=words)
                parts.append(f'<div role="img" aria-label="{aria}">'
                             f"{line_chart(weeks, curriculum.text('progress_charts.weekly_average', measure=label))}</div>")
            else:
                parts.append(f"<p>{curriculum.html_text('progress_charts.no_checkins')}</p>")
        if "wins" in self.show_kinds:
            wins = wins_by_week(self.space_of, today, curriculum.reads(self.spec, "wins"))
            if any(n for _, n in wins):
                words = ", ".join(f"{d.strftime('%d %b')}: {n}" for d, n in wins)
                parts.append(f"<h4>{curriculum.html_text('progress_charts.wins')}</h4>"
                             f"<p>{html.escape(words)}</p>")
        self.charts.value = "".join(parts)
