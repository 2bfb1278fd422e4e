"""The anonymous group pulse: three short polls participants answer from their own page.

Only anonymous counts are stored, on the facilitator's laptop, in a small
SQLite file (``pulse.sqlite3`` in the group folder)::

    counts(poll, option, count)     -- no person, no time, no order
    shown(poll, option, count)      -- the totals pages show (see below)
    meta(key, value)                -- how many times it was reset; per poll, how many
                                       answers or changes came in, and at which the
                                       shown totals last moved on

The table has no row ids (``WITHOUT ROWID``), so not even the order in which
options were first chosen can be read from it. Results are only ever shown as
totals, and only once at least :data:`MIN_ANSWERS` people have answered a poll;
after that, the shown totals move on only in steps of at least three answers or
changes, so someone watching the totals cannot see what one person just chose.

A participant who changes their answer moves their one vote (the old option
goes down by one, the new one up by one, in one transaction). The browser
remembers its own choices (:class:`PulseMemory`), so a reload or a second tab
moves that vote too instead of adding one.

    from widgets.group.pulse import Pulse
    display(Pulse(3))               # a participant's page, in a group session
"""
from __future__ import annotations

import asyncio
import html
import json
import sqlite3

import ipywidgets as w

from .. import curriculum
from ..kit.fields import SingleChoiceField
from ..kit.ticking import start_in_background
from ..storage.browser import BrowserStore
from ..storage.pulse_store import MIN_ANSWERS, PulseStore, polls

# -- the polls -----------------------------------------------------------------


# -- the store -----------------------------------------------------------------


# -- showing results -------------------------------------------------------------

def _intro(key: str) -> str:
    return (f"<h3>{html.escape(curriculum.text('pulse.heading'))}</h3>"
            f"<p class='ca-help'>{html.escape(curriculum.text(key, n=str(MIN_ANSWERS)))}</p>")


def results_html(poll: Poll, results: dict[str, int] | None) -> str:
    if results is None:
        return f'<p class="ca-help ca-pulse-waiting">{html.escape(curriculum.text("pulse.waiting", n=str(MIN_ANSWERS)))}</p>'
    total = sum(results.values())
    rows = []
    for option, label in zip(poll.options, poll.labels):
        n = results.get(option, 0)
        pct = round(100 * n / total) if total else 0
        rows.append(
            f'<li class="ca-pulse-row"><span class="ca-pulse-label">{html.escape(label)}</span>'
            f'<span class="ca-pulse-bar" style="display:inline-block;height:0.8em;width:{pct * 1.5:.0f}px;'
            f'background:#2e6f73;margin:0 0.4em;vertical-align:middle" aria-hidden="true"></span>'
            f'<span class="ca-pulse-count">{n}</span></li>'
        )
    return (f'<p class="ca-pulse-total">{html.escape(curriculum.text("pulse.total", n=str(total)))}</p>'
            f'<ul class="ca-pulse-results" style="list-style:none;padding-left:0">{"".join(rows)}</ul>')


class _Refresher:
    """Re-reads the counts every few seconds while the kernel runs; changes the page only when they change."""

    def __init__(self, every: float):
        self.every = every
        self._task = None

    def start(self, refresh) -> None:
        if self.every > 0:
            self._task = start_in_background(lambda: self._run(refresh))

    async def _run(self, refresh) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                refresh()
            except sqlite3.Error:
                continue

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


def PulseMemory():  # noqa: N802 - reads as the thing it makes (a BrowserStore)
    """What this browser chose in the polls, kept in the browser (this session only), so a
    reload or a second tab moves its vote instead of adding one. The laptop keeps only counts."""

    return BrowserStore(family="closer-again-pulse-v1")


class PollCard(w.VBox):
    """One poll on a participant's page: large choice buttons (the chosen one marked ✓), then the totals."""

    def __init__(self, poll: Poll, store: PulseStore):
        super().__init__(layout=w.Layout(width="100%"))
        self.poll = poll
        self.store = store
        self.add_class("ca-pulse-poll")
        self.choices = SingleChoiceField(poll.id, poll.question, options=poll.labels)
        self._option_of = dict(zip(poll.labels, poll.options))
        self._label_of = dict(zip(poll.options, poll.labels))
        self.status = w.HTML("").add_class("ca-help")
        self.results = w.HTML("", layout=w.Layout(width="100%"))
        self.results.add_class("ca-pulse-shown")
        self._mine: str | None = None
        self._generation: int | None = None
        self.on_vote = None
        self.choices.observe(self._chosen, "value")
        self.children = (self.choices, self.status, self.results)
        self.refresh()

    def choose(self, option: str) -> None:
        """What a tap on an answer does (handy in tests)."""
        self.choices.choose(self._label_of[option])

    @property
    def chosen(self) -> str | None:
        return self._option_of.get(self.choices.value)

    def _chosen(self, change) -> None:
        option = self._option_of.get(change["new"])
        if option is None:  # pressing the chosen answer again: a vote stays counted, and stays marked
            if self._mine is not None:
                self.choices.show(self._label_of[self._mine])
            return
        if option == self._mine:
            return
        try:
            self._generation = self.store.answer(self.poll.id, option, self._mine, self._generation)
        except sqlite3.Error:
            self.status.value = html.escape(curriculum.text("pulse.not_counted"))
            self.choices.show(self._label_of.get(self._mine))
            return
        self._mine = option
        self.status.value = html.escape(curriculum.text("pulse.counted"))
        if self.on_vote is not None:
            self.on_vote()
        self.refresh()

    def remember(self, option: str, generation: int) -> None:
        """This browser's earlier choice (after a reload): shown, not counted again."""
        if option in self.poll.options and self._mine is None:
            self._mine, self._generation = option, generation
            self.choices.show(self._label_of[option])

    def refresh(self) -> None:
        text = results_html(self.poll, self.store.results(self.poll))
        if text != self.results.value:
            self.results.value = text


class Pulse(w.VBox):
    """The group pulse on a participant's page: three anonymous polls."""

    def __init__(self, module_number: int, store: PulseStore | None = None, refresh_seconds: float = 4):
        super().__init__(layout=w.Layout(width="100%"))
        self.add_class("ca-card")
        self.add_class("ca-pulse")
        self.store = store or PulseStore()
        self.cards = [PollCard(p, self.store) for p in polls(module_number)]
        intro = w.HTML(_intro("pulse.participant_intro"), layout=w.Layout(width="100%"))
        self.memory = PulseMemory()
        self.memory.observe(self._recalled, "from_browser")
        for card in self.cards:
            card.on_vote = self._remember
        self.children = (intro, *self.cards, self.memory)
        self._refresher = _Refresher(refresh_seconds)
        self._refresher.start(self.refresh)

    def _remember(self) -> None:
        self.memory.to_browser = json.dumps(
            {c.poll.id: [c._mine, c._generation] for c in self.cards if c._mine is not None})

    def _recalled(self, change) -> None:
        try:
            data = json.loads(change["new"] or "{}")
        except ValueError:
            return
        for card in self.cards:
            entry = data.get(card.poll.id) if isinstance(data, dict) else None
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], int):
                card.remember(str(entry[0]), entry[1])

    def card(self, poll_id: str) -> PollCard:
        return next(c for c in self.cards if c.poll.id == poll_id)

    def refresh(self) -> None:
        for card in self.cards:
            card.refresh()

    def __repr__(self) -> str:
        return "<Closer Again: group pulse>"


class PulseResults(w.VBox):
    """The facilitator's view: totals only (three or more answers), and a reset with confirmation."""

    def __init__(self, module_number: int, store: PulseStore | None = None, refresh_seconds: float = 3):
        super().__init__(layout=w.Layout(width="100%"))
        self.add_class("ca-card")
        self.store = store or PulseStore()
        self.polls = polls(module_number)
        self.boxes = {p.id: w.HTML("", layout=w.Layout(width="100%")) for p in self.polls}
        self.reset_button = w.Button(description=curriculum.text("pulse.clear"))
        self.confirm_button = w.Button(description=curriculum.text("pulse.clear_yes"), button_style="danger",
                                       layout=w.Layout(display="none"))
        self.cancel_button = w.Button(description=curriculum.text("pulse.clear_no"), layout=w.Layout(display="none"))
        self.message = w.HTML("").add_class("ca-help")
        self.reset_button.on_click(lambda _: self._ask(True))
        self.cancel_button.on_click(lambda _: self._ask(False))
        self.confirm_button.on_click(lambda _: self.reset())
        parts = [w.HTML(_intro("pulse.facilitator_intro"), layout=w.Layout(width="100%"))]
        for poll in self.polls:
            parts += [w.HTML(f"<h4>{html.escape(poll.question)}</h4>"), self.boxes[poll.id]]
        parts += [w.HBox([self.reset_button, self.confirm_button, self.cancel_button],
                         layout=w.Layout(flex_flow="row wrap")), self.message]
        self.children = parts
        self.refresh()
        self._refresher = _Refresher(refresh_seconds)
        self._refresher.start(self.refresh)

    def _ask(self, asking: bool) -> None:
        self.reset_button.layout.display = "none" if asking else ""
        self.confirm_button.layout.display = "" if asking else "none"
        self.cancel_button.layout.display = "" if asking else "none"
        self.message.value = html.escape(curriculum.text("pulse.clear_ask")) if asking else ""

    def reset(self) -> None:
        self.store.reset()
        self._ask(False)
        self.message.value = html.escape(curriculum.text("pulse.cleared"))
        self.refresh()

    def refresh(self) -> None:
        for poll in self.polls:
            text = results_html(poll, self.store.results(poll))
            if self.boxes[poll.id].value != text:
                self.boxes[poll.id].value = text

    def __repr__(self) -> str:
        return "<Closer Again: group pulse results>"
