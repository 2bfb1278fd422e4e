"""The daily check-in: seven 0-10 scales and a note, per partner per day, with a chart."""
from __future__ import annotations

import datetime as _dt
import html
import io

import ipywidgets as w

from . import curriculum
from .errors import kindly
from .exercise import Exercise, register
from .fields import ScaleField, TextField

CHECKIN_PREFIX = "m01/checkin/"
CHART_DAYS = 28


def checkin_history(view, days: int = CHART_DAYS, today: _dt.date | None = None) -> dict[str, dict]:
    """Check-ins of the last ``days`` days, keyed by ISO date, from one partner's space."""
    today = today or _dt.date.today()
    first = today - _dt.timedelta(days=days - 1)
    out = {}
    for key, value in view.items(CHECKIN_PREFIX).items():
        rest = key[len(CHECKIN_PREFIX):]
        day, _, field = rest.partition("/")
        try:
            when = _dt.date.fromisoformat(day)
        except ValueError:
            continue
        if first <= when <= today and field:
            out.setdefault(day, {})[field] = value
    return dict(sorted(out.items()))


def chart_svg(history: dict[str, dict], measure_id: str, label: str, today: _dt.date) -> str:
    """A calm line chart of one measure over the last four weeks, as SVG text."""
    import matplotlib

    matplotlib.use("svg")
    from matplotlib.figure import Figure

    first = today - _dt.timedelta(days=CHART_DAYS - 1)
    points = [
        (_dt.date.fromisoformat(day), values[measure_id])
        for day, values in history.items()
        if isinstance(values.get(measure_id), int)
    ]
    fig = Figure(figsize=(7, 2.8), dpi=72)
    ax = fig.add_subplot()
    if points:
        xs, ys = zip(*points)
        ax.plot(xs, ys, color="#1d5c63", linewidth=2.5, marker="o", markersize=7)
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks([0, 5, 10])
    ax.set_xlim(first - _dt.timedelta(days=0.5), today + _dt.timedelta(days=0.5))
    ax.set_title(label, fontsize=14, color="#1f2a30", loc="left")
    ax.grid(axis="y", color="#d5dcdf")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.tick_params(labelsize=12, colors="#1f2a30")
    ticks = [first + _dt.timedelta(days=7 * i) for i in range(4)] + [today]
    ax.set_xticks(ticks)
    ax.set_xticklabels([d.strftime("%d %b") for d in ticks])
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def chart_table(history: dict[str, dict], measures: list[dict]) -> str:
    """The same data as a table, for screen readers and for anyone who prefers numbers."""
    head = "".join(f"<th scope='col'>{html.escape(m['label'])}</th>" for m in measures)
    rows = []
    for day, values in reversed(history.items()):
        cells = "".join(
            f"<td>{values[m['id']] if isinstance(values.get(m['id']), int) else '–'}</td>" for m in measures
        )
        rows.append(f"<tr><th scope='row'>{html.escape(day)}</th>{cells}</tr>")
    return (
        "<details><summary>Show as a table</summary>"
        f"<div style='overflow-x:auto'><table class='ca-table'><tr><th scope='col'>Day</th>{head}</tr>"
        + "".join(rows)
        + "</table></div></details>"
    )


@register("checkin")
class CheckIn(Exercise):
    """Today's check-in for the active partner, saved field by field as it is given."""

    def build(self) -> None:
        content = curriculum.data("checkin")
        self.measures = content["measures"]
        self.today = self.page.today
        self.scales = [
            self.bind(ScaleField(m["id"], m["label"], low=m["low"], high=m["high"])) for m in self.measures
        ]
        self.note = self.bind(
            TextField("note", content["note_label"], help=content["note_help"], max_chars=content["note_limit"], rows=3)
        )
        self.date_line = w.HTML(
            f"<p><strong>{html.escape(self.today.strftime('%A %d %B %Y'))}</strong></p>"
        )
        self.chart_pick = w.Dropdown(
            options=[(m["label"], m["id"]) for m in self.measures],
            value=self.measures[0]["id"],
            description=content["chart_pick"],
            style={"description_width": "initial"},
            layout=w.Layout(width="100%"),
        )
        self.chart_pick.observe(lambda _: self.draw_chart(), "value")
        self.chart = w.HTML("", layout=w.Layout(width="100%")).add_class("ca-chart")
        self.body.children = [
            self.date_line,
            *self.scales,
            self.note,
            w.HTML(f"<h4>{html.escape(content['chart_title'])}</h4>"),
            self.chart_pick,
            self.chart,
        ]

    @property
    def key_prefix_today(self) -> str:
        return f"{self.today.isoformat()}/"

    def load(self, saved: dict) -> None:
        day = self.key_prefix_today
        for field in [*self.scales, self.note]:
            field.show(saved.get(day + field.field_id))
        self.draw_chart()

    def save(self, field_id: str, value) -> bool:
        if field_id.startswith("_"):
            return super().save(field_id, value)
        ok = super().save(self.key_prefix_today + field_id, value)
        if ok:
            self.draw_chart()
        return ok

    def draw_chart(self) -> None:
        view = self.view()
        if view is None:
            self.chart.value = ""
            return
        self._draw(view)

    @kindly(context="checkin chart")
    def _draw(self, view) -> None:
        history = checkin_history(view, today=self.today)
        if not history:
            self.chart.value = html.escape(curriculum.data("checkin")["chart_empty"])
            return
        measure = next(m for m in self.measures if m["id"] == self.chart_pick.value)
        svg = chart_svg(history, measure["id"], measure["label"], self.today)
        label = html.escape(f"Line chart of {measure['label']} over the last four weeks")
        self.chart.value = f'<div role="img" aria-label="{label}">{svg}</div>' + chart_table(
            history, self.measures
        )
