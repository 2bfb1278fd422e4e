"""The facilitator's dashboard for a group session (``facilitator/dashboard.ipynb``).

The notebook is thin (written by :func:`write_notebook`); everything is here:

* the module's timed agenda, from ``widgets.curriculum.module(n).segments``,
  with a timer per segment and a visible "time left";
* the ground rules, large, for a projector (from Module 1's "Ground rules");
* the participant address and its QR code (an inline SVG: nothing external);
* the group pulse totals, with a reset between sessions.

``closer-again serve --module N --group G`` serves it on this computer only, at
the participant port + 1. It reads the running session (module, address, code)
from the group folder; the ``module`` parameter overrides the module.
"""
from __future__ import annotations

import asyncio
import html

import ipywidgets as w
import mistune
from IPython.display import HTML, display

from .. import curriculum, locations
from ..authoring.group_notebooks import write_notebook
from ..kit import style
from ..kit.ticking import start_in_background
from .access import pretty_code
from .pulse import PulseResults
from .qr import qr_svg_data_uri
from .session import read_session

ROOT = locations.ROOT
_t = curriculum.html_text


def ground_rules_html() -> str:
    """Module 1's ground rules, as the participants read them."""
    for module in curriculum.modules():
        for block in module.blocks:
            if block["kind"] == "prose" and block.get("heading", "").lower() == "ground rules":
                return mistune.html(block["text"].strip())
    return ""


class SegmentTimer(w.VBox):
    """One agenda row: title, kind, planned minutes, and its own start/pause timer."""

    def __init__(self, agenda: "Agenda", index: int, segment: curriculum.Segment):
        super().__init__(layout=w.Layout(width="100%"))
        self.add_class("ca-agenda-item")
        self.agenda = agenda
        self.index = index
        self.segment = segment
        self.remaining = segment.minutes * 60
        self.running = False
        self.title = w.HTML("", layout=w.Layout(width="100%"))
        self.clock = w.HTML("", layout=w.Layout(width="100%"))
        self.clock.add_class("ca-clock")
        t = curriculum.text
        self.start_button = w.Button(description=t("dashboard.start"), button_style="primary",
                                     tooltip=t("dashboard.start_tip", segment=segment.title))
        self.pause_button = w.Button(description=t("dashboard.pause"), tooltip=t("dashboard.pause_tip", segment=segment.title))
        self.reset_button = w.Button(description=t("dashboard.reset"), tooltip=t("dashboard.reset_tip", segment=segment.title))
        self.start_button.on_click(lambda _: self.agenda.start(self.index))
        self.pause_button.on_click(lambda _: self.agenda.pause())
        self.reset_button.on_click(lambda _: self.reset())
        self.children = (self.title, self.clock,
                         w.HBox([self.start_button, self.pause_button, self.reset_button],
                                layout=w.Layout(flex_flow="row wrap")))
        self.draw()

    def reset(self) -> None:
        if self.running:
            self.agenda.pause()
        self.remaining = self.segment.minutes * 60
        self.draw()

    def draw(self) -> None:
        s = self.segment
        marker = "▶ " if self.running else ""
        (self.add_class if self.running else self.remove_class)("ca-running")
        self.title.value = (f"<h3>{marker}{self.index + 1}. {html.escape(s.title)}</h3>"
                            f"<p class='ca-help'>{_t('dashboard.segment_meta', kind=s.kind, minutes=s.minutes)}</p>")
        mins, secs = divmod(abs(self.remaining), 60)
        if self.remaining > 0:
            self.clock.value = f'<p class="ca-time-left"><strong>{mins}:{secs:02d}</strong> {_t("dashboard.time_left")}</p>'
        else:
            self.clock.value = (f'<p class="ca-time-left" role="status"><strong>{_t("dashboard.time_up")}</strong> '
                                f'{_t("dashboard.over", time=f"{mins}:{secs:02d}")}</p>')


class Agenda(w.VBox):
    """The module's segments, one running timer at a time (an asyncio task in the kernel)."""

    def __init__(self, module_number: int):
        super().__init__(layout=w.Layout(width="100%"))
        self.add_class("ca-card")
        self.module = curriculum.module(module_number)
        self.timers = [SegmentTimer(self, i, s) for i, s in enumerate(self.module.segments)]
        self.total = w.HTML("", layout=w.Layout(width="100%"))
        self.current: int | None = None
        self._task = None
        self.children = (self.total, *self.timers)
        self.draw_total()

    def draw_total(self) -> None:
        left = sum(max(t.remaining, 0) for t in self.timers)
        mins = (left + 59) // 60
        self.total.value = (f"<h2>{_t('dashboard.agenda', number=self.module.number, title=self.module.title)}</h2>"
                            f"<p><strong>{_t('dashboard.minutes_left', minutes=mins)}</strong> "
                            f"{_t('dashboard.planned', minutes=self.module.minutes)}</p>")

    def start(self, index: int) -> None:
        self.pause()
        self.current = index
        self.timers[index].running = True
        self.timers[index].draw()
        self._task = start_in_background(self._run)

    def pause(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.current is not None:
            self.timers[self.current].running = False
            self.timers[self.current].draw()

    def tick(self, seconds: int = 1) -> None:
        if self.current is None:
            return
        timer = self.timers[self.current]
        timer.remaining -= seconds
        timer.draw()
        self.draw_total()

    async def _run(self) -> None:
        # bounded: a segment's timer stops by itself an hour after it ran out
        timer = self.timers[self.current]
        while timer.remaining > -3600:
            await asyncio.sleep(1)
            self.tick()


class FacilitatorDashboard:
    """The parts of the dashboard, each displayed by one line of the notebook."""

    def __init__(self, module: int = 0):

        self.session = read_session()
        number = int(module or self.session.get("module") or curriculum.modules()[0].number)
        self.module = curriculum.module(number)
        self.agenda = Agenda(number)
        self.pulse = PulseResults(number)

    def header(self) -> None:
        display(HTML(style.style_tag()
                     + f'<header class="ca-header"><p class="ca-meta">{_t("dashboard.label")}</p>'
                     f"<h1>{_t('dashboard.module', number=self.module.number, title=self.module.title)}</h1>"
                     f"<p>{_t('dashboard.for_you')}</p></header>"))

    def join_html(self) -> str:

        url, code = self.session.get("url"), self.session.get("code")
        if not url:
            return (f"<h2>{_t('dashboard.how_to_join')}</h2><p class='ca-note'>{_t('dashboard.no_session')} "
                    "<code>python3 workshop.py serve --module N --group G --network</code>.</p>")
        return (
            f"<h2>{_t('dashboard.how_to_join')}</h2>"
            f"<p>{_t('dashboard.scan')}</p>"
            f'<p><img class="ca-qr" src="{qr_svg_data_uri(url)}" alt="{_t("dashboard.qr_alt", url=url)}" '
            'style="width:260px;max-width:100%;height:auto;background:#fff"></p>'
            f'<p style="font-size:1.4em">{html.escape(url.split("?", 1)[0])}</p>'
            f'<p style="font-size:2em">{_t("dashboard.access_code")} <strong class="ca-access-code">'
            f"{html.escape(pretty_code(code))}</strong></p>"
        )

    def join(self) -> None:
        display(HTML(self.join_html()))

    def ground_rules(self) -> None:
        display(HTML('<div class="ca-card ca-ground-rules" style="font-size:1.35em">'
                     f"<h2>{_t('dashboard.ground_rules')}</h2>{ground_rules_html()}</div>"))

    def show_agenda(self) -> None:
        display(self.agenda)

    def show_pulse(self) -> None:
        display(self.pulse)


if __name__ == "__main__":
    print(write_notebook())
