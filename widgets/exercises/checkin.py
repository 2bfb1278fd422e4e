"""The daily check-in: 0-10 scales and a note, per partner per day, with a chart.

The measures live in ``content/checkin.toml``. A question the check-in no longer
asks is a retired measure there: its old answers stay on the chart and in the
table under their own name, and nothing is filled in for the questions that
replaced it.
"""
from __future__ import annotations

import datetime as _dt
import html
import io

import ipywidgets as w

from .. import curriculum
from ..errors import kindly
from ..kit.exercise import Exercise, register
from ..kit.fields import ScaleField, TextField

CHART_DAYS = 28


def chart_measures() -> list[dict]:
    """Every measure a chart may show: today's questions, then retired ones (old days only)."""
    content = curriculum.data("checkin")
    return content["measures"] + content.get("retired_measures", [])


def _old_names() -> dict[str, str]:
    """A retired measure's earlier key -> its id now (an older saved copy may still use the old key)."""
    return {old: m["id"] for m in curriculum.data("checkin").get("retired_measures", []) for old in m.get("saved_as", [])}


def checkin_history(view, key_prefix: str, days: int = CHART_DAYS,
                    today: _dt.date | None = None) -> dict[str, dict]:
    """Check-ins of the last ``days`` days, keyed by ISO date, from one partner's space.

    ``key_prefix`` is the check-in exercise's own (:func:`widgets.curriculum.answer_key`):
    its answers are kept as ``<prefix><day>/<question>``.
    """
    today = today or _dt.date.today()
    first = today - _dt.timedelta(days=days - 1)
    renamed = _old_names()
    out = {}
    for key, value in view.items(key_prefix).items():
        rest = key[len(key_prefix):]
        day, _, field = rest.partition("/")
        try:
            when = _dt.date.fromisoformat(day)
        except ValueError:
            continue
        if first <= when <= today and field:
            if field in renamed:
                out.setdefault(day, {}).setdefault(renamed[field], value)
            else:
                out.setdefault(day, {})[field] = value
    return dict(sorted(out.items()))


#: how each line on a shared chart is drawn: colour, marker, line style; a retired measure is dashed grey
LINE_STYLES = [("#1d5c63", "o", "-", "●"), ("#9c4221", "s", "-", "■"), ("#4a5568", "^", "--", "▲")]
RETIRED_STYLE = ("#5f6b73", "^", "--", "▲")


def chart_svg(history: dict[str, dict], lines: list[tuple[str, tuple]], title: str, today: _dt.date) -> str:
    """A calm line chart of one or more measures over the last four weeks, as SVG text.

    ``lines`` pairs a measure id with its style from ``LINE_STYLES``.
    """
    # matplotlib is heavy (about half a second and 40 MB): imported on purpose only when a chart is drawn
    import matplotlib

    matplotlib.use("svg")
    from matplotlib.figure import Figure

    first = today - _dt.timedelta(days=CHART_DAYS - 1)
    fig = Figure(figsize=(7, 2.8), dpi=72)
    ax = fig.add_subplot()
    for measure_id, (colour, marker, dash, _) in lines:
        points = [
            (_dt.date.fromisoformat(day), values[measure_id])
            for day, values in history.items()
            if isinstance(values.get(measure_id), int)
        ]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, color=colour, linewidth=2.5, linestyle=dash, marker=marker, markersize=7)
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks([0, 5, 10])
    ax.set_xlim(first - _dt.timedelta(days=0.5), today + _dt.timedelta(days=1))  # today's dots in full
    ax.set_title(title, fontsize=14, color="#1f2a30", loc="left")
    ax.grid(axis="y", color="#d5dcdf")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.tick_params(labelsize=12, colors="#1f2a30")
    ticks = [first + _dt.timedelta(days=7 * i) for i in range(4)] + [today]
    ax.set_xticks(ticks)
    ax.set_xticklabels([d.strftime("%d %b") for d in ticks])
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no timestamp: the same answers draw the same chart
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
        f"<details><summary>{curriculum.html_text('chart.as_table')}</summary>"
        f"<div style='overflow-x:auto'><table class='ca-table'><tr><th scope='col'>{curriculum.html_text('chart.day')}</th>"
        f"{head}</tr>"
        + "".join(rows)
        + "</table></div></details>"
    )


@register("checkin")
class CheckIn(Exercise):
    """Today's check-in for the active partner, saved field by field as it is given."""

    def build(self) -> None:
        content = curriculum.data("checkin")
        self.measures = content["measures"]
        self.retired = content.get("retired_measures", [])
        self.groups = content.get("chart_groups", [])
        self.today = self.page.today
        self.scales = [
            self.bind(ScaleField(m["id"], m["label"], help=m.get("help", ""), low=m["low"], high=m["high"]))
            for m in self.measures
        ]
        self.note = self.bind(
            TextField("note", content["note_label"], help=content["note_help"], max_chars=content["note_limit"], rows=3)
        )
        self.date_line = w.HTML(
            f"<p><strong>{html.escape(self.today.strftime('%A %d %B %Y'))}</strong></p>"
        )
        self._offering = False
        self.chart_pick = w.Dropdown(
            options=self._chart_options({}),
            value=self.measures[0]["id"],
            description=content["chart_pick"],
            style={"description_width": "initial"},
            layout=w.Layout(width="100%"),
        )
        self.chart_pick.add_class("ca-chart-pick")
        self.chart_pick.observe(lambda _: None if self._offering else self.draw_chart(), "value")
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
        self._offering = True
        try:  # each person starts from the first chart: the last person's choice does not stay on the page
            self.chart_pick.value = self.chart_pick.options[0][1]
        finally:
            self._offering = False
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

    def _answered_retired(self, history: dict[str, dict]) -> list[dict]:
        """Retired measures this person answered in the chart's weeks (old days only)."""
        return [m for m in self.retired if any(isinstance(v.get(m["id"]), int) for v in history.values())]

    def _chart_options(self, history: dict[str, dict]) -> list[tuple[str, str]]:
        return ([(m["label"], m["id"]) for m in self.measures]
                + [(g["label"], g["id"]) for g in self.groups]
                + [(m["label"], m["id"]) for m in self._answered_retired(history)])

    def _offer(self, history: dict[str, dict]) -> None:
        """Offer on the chart what this person can see: a retired question only if they answered it."""
        options = self._chart_options(history)
        if options == list(self.chart_pick.options):
            return
        keep = self.chart_pick.value
        self._offering = True
        try:
            self.chart_pick.options = options
            self.chart_pick.value = keep if keep in [value for _, value in options] else options[0][1]
        finally:
            self._offering = False

    @kindly(context="checkin chart")
    def _draw(self, view) -> None:
        history = checkin_history(view, self.key_prefix, today=self.today)
        self._offer(history)
        if not history:
            self.chart.value = html.escape(curriculum.data("checkin")["chart_empty"])
            return
        known = {m["id"]: m for m in self.measures + self.retired}
        retired_ids = {m["id"] for m in self.retired}
        group = next((g for g in self.groups if g["id"] == self.chart_pick.value), None)
        if group is None:
            measure = known[self.chart_pick.value]
            lines = [(measure["id"], RETIRED_STYLE if measure["id"] in retired_ids else LINE_STYLES[0])]
            title, key = measure["label"], ""
        else:
            shown = [i for i in group["measures"]
                     if i not in retired_ids or any(isinstance(v.get(i), int) for v in history.values())]
            lines = [(i, RETIRED_STYLE if i in retired_ids else LINE_STYLES[n % len(LINE_STYLES)])
                     for n, i in enumerate(shown)]
            title, key = group["label"], self._key(lines, known)
        words = _join([f"{known[i]['label']} ({_drawn_as(style)})" if len(lines) > 1 else known[i]["label"]
                       for i, style in lines])
        label = curriculum.html_text("chart.line_chart", what=words)
        svg = chart_svg(history, lines, title, self.today)
        self.chart.value = (f'<div role="img" aria-label="{label}">{svg}</div>' + key
                            + chart_table(history, self.measures + self._answered_retired(history)))

    def _key(self, lines, known) -> str:
        """The key to a chart of several lines, in words and symbols (not colour alone)."""
        items = "".join(
            f'<li><span style="color:{colour}" aria-hidden="true">{"╌" if dash == "--" else "━"}{symbol}'
            f'{"╌" if dash == "--" else "━"}</span> {html.escape(known[i]["label"])}</li>'
            for i, (colour, _, dash, symbol) in lines
        )
        title = html.escape(curriculum.data("checkin")["chart_key"])
        return f'<p class="ca-help" aria-hidden="true">{title}</p><ul class="ca-legend" aria-hidden="true">{items}</ul>'


def _drawn_as(style: tuple) -> str:
    shapes = {"o": "chart.circles", "s": "chart.squares", "^": "chart.triangles"}
    return curriculum.text(shapes[style[1]]) + (curriculum.text("chart.dashed") if style[2] == "--" else "")


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + curriculum.text("chart.and") + parts[-1]
