"""One module page: header, who is answering, exercises, pause and help, footer.

A notebook makes one ``ModulePage`` and asks it for each part::

    page = ModulePage(1, journal_path=journal_path, partner_names=partner_names)

The page is handed its journal (``journal=``), or opens the one the settings
choose (:func:`widgets.storage.opening.open_journal`): the file named by
``journal_path`` (the notebook's parameter), or, in a group session, one held in
the participant's browser. The page never asks which kind it got.
    page.header()
    page.who()
    page.show("checkin")
    page.footer()
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import html
import sys
import time

import ipywidgets as w
import traitlets
from IPython.display import HTML, display

from .. import curriculum
from ..errors import report as report_error
from ..storage.journal import PARTNER_SLOTS, Journal, JournalError
from ..storage.opening import open_journal
from ..storage.space_lock import WrongPassphrase
from . import style, ticking
from .disclosure import Disclosure
from .exercise import EXERCISE_TYPES, Exercise
from .help import Toolbar
from .links import Links
from .lock_panel import PageWatch, SpaceLockPanel
from .shared_models import shared_layout
from .sources import page_sources_html

_t = curriculum.html_text

def split_names(partner_names) -> list[str]:
    if isinstance(partner_names, str):
        parts = partner_names.split(",")
    else:
        parts = list(partner_names or [])
    return [p.strip()[:60] for p in parts if p and p.strip()][:2]


# -- help and crisis resources ------------------------------------------------


# -- pause and help, one click away -------------------------------------------


# -- who is answering ---------------------------------------------------------

#: seconds between "<name> is answering now" and the cards loading, in a page shown in a browser
IN_BROWSER_CARD_LOAD_PAUSE = 0.2


class PartnerPicker(w.VBox):
    """Choose who is answering. Names load only once a person sees the page."""

    def __init__(self, page: "ModulePage"):
        super().__init__(layout=shared_layout(width="100%"))
        self.page = page
        self.add_class("ca-card")
        self.question = w.HTML(
            f"<h3>{html.escape(curriculum.text('who.question'))}</h3>"
            f"<p class='ca-help'>{html.escape(curriculum.text('who.help'))}</p>",
            layout=shared_layout(width="100%"),
        )
        self.buttons = {
            slot: w.ToggleButton(value=False, description=curriculum.text(f"who.partner_default_{slot}"),
                                 layout=shared_layout())
            for slot in PARTNER_SLOTS
        }
        for slot, button in self.buttons.items():
            button.observe(lambda ch, s=slot: self._pressed(s, ch["new"]), "value")
        self.hide_button = w.Button(description=curriculum.text("who.hide"), layout=shared_layout())
        self.hide_button.on_click(lambda _: self.page.set_active(""))
        self.state = w.HTML(html.escape(curriculum.text("who.nobody")), layout=shared_layout()).add_class("ca-help")
        self.name_boxes = {
            slot: w.Text(
                value="",
                description=curriculum.text(f"who.names_label_{slot}"),
                style={"description_width": "initial"},
                layout=shared_layout(width="100%"),
            )
            for slot in PARTNER_SLOTS
        }
        self.save_names = w.Button(description=curriculum.text("who.save_names"), layout=shared_layout())
        self.save_names.on_click(lambda _: self._save_names())
        self.names_message = w.HTML("", layout=shared_layout()).add_class("ca-help")
        self.names = Disclosure(curriculum.text("who.names_title"), [
            w.HTML(html.escape(curriculum.text("who.names_help")), layout=shared_layout()).add_class("ca-help"),
            *self.name_boxes.values(), self.save_names, self.names_message,
        ])
        self._busy = False
        self._names: dict[str, str] = {}
        row = w.HBox([*self.buttons.values(), self.hide_button], layout=shared_layout(flex_flow="row wrap"))
        self.progress = w.HTML("", layout=shared_layout()).add_class("ca-help")
        self.children = (self.question, row, self.state, page.lock_panel, self.progress, self.names)
        # Names appear only when a browser shows this widget: a notebook run by
        # papermill or nbval never has them in its widget state.
        self._view_count = 0
        self.observe(self._first_view, "_view_count")

    def _first_view(self, change) -> None:
        if change["new"] and not change["old"]:
            self.refresh_names()

    def refresh_names(self) -> None:
        try:
            self._names = self.page.journal.partner_names()
        except JournalError as err:
            self.names_message.value = html.escape(err.message)
            return
        for slot in PARTNER_SLOTS:
            self.name_boxes[slot].value = self._names.get(slot, "")
        self._label_buttons()

    def _label_buttons(self) -> None:
        for slot, button in self.buttons.items():
            name = self._names.get(slot) or curriculum.text(f"who.partner_default_{slot}")
            button.description = f"✓ {name}" if button.value else name

    def _save_names(self) -> None:
        try:
            for slot, box in self.name_boxes.items():
                if box.value.strip():
                    self.page.journal.set_partner_name(slot, box.value)
        except JournalError as err:
            self.names_message.value = html.escape(err.message)
            return
        self.names_message.value = html.escape(curriculum.text("who.names_saved"))
        self.refresh_names()
        self.page.set_active(self.page.active)

    def _pressed(self, slot: str, pressed: bool) -> None:
        if self._busy:
            return
        self.page.request(slot if pressed else "")

    def sync(self) -> None:
        self._busy = True
        try:
            for slot, button in self.buttons.items():
                button.value = slot == self.page.active
            self._label_buttons()
        finally:
            self._busy = False
        if self.page.active:
            self.state.value = html.escape(curriculum.text("who.active", name=self.page.active_name))
        else:
            self.state.value = html.escape(curriculum.text("who.nobody"))
        recovered = self.page.journal.recovered_from
        if recovered:
            self.state.value += ('<p class="ca-note" role="status">'
                                 + html.escape(curriculum.text("who.recovered", path=str(recovered))) + "</p>")
        if self.page.restore_failed:
            self.state.value += ('<p class="ca-note" role="status">'
                                 + html.escape(curriculum.text("who.restore_failed")) + "</p>")

    def choose(self, slot: str) -> None:
        """What a click on a name does (handy in tests)."""
        if self.buttons[slot].value:
            self.page.request(slot)
        else:
            self.buttons[slot].value = True

    def __repr__(self) -> str:
        return "<Closer Again: who is answering>"


# -- the page -----------------------------------------------------------------

class ModulePage(traitlets.HasTraits):
    """Everything one module page needs, built from the module's content file."""

    active = traitlets.Unicode("")  # "", "a" or "b"
    #: an open locked space closes after this many minutes without a touch, key or scroll
    idle_minutes = traitlets.Int(5)
    #: a locked space whose passphrase is forgotten is erased only this many days after it was asked for,
    #: unless the passphrase is typed meanwhile: no one else can erase it at once
    forgotten_lock_wait_days = traitlets.Int(3)
    #: When a new person is chosen, their name is shown first and the cards load this many seconds
    #: later, in the kernel's event loop, so a slow phone draws "<name> is answering now" before it
    #: builds the cards. 0 (plain Python, tests): the cards load at once. Pages shown in a browser
    #: are built with ``in_browser=True``, which sets ``IN_BROWSER_CARD_LOAD_PAUSE``.
    card_load_pause = traitlets.Float(0.0)

    def __init__(self, number: int, journal: Journal | None = None, journal_path: str = "", partner_names="",
                 country: str = "", today: str = "", focus_condition: str = "", locale: str = "",
                 in_browser: bool = False):
        super().__init__(card_load_pause=IN_BROWSER_CARD_LOAD_PAUSE if in_browser else 0.0)
        if locale:  # the language of this kernel's pages; "" keeps the settings' locale (or English)
            curriculum.use_locale(locale)
        self.focus_condition = focus_condition
        self.today = _dt.date.fromisoformat(today) if today else _dt.date.today()
        self.module = curriculum.module(number)
        self.journal = journal if journal is not None else open_journal(journal_path)
        #: what was kept for this page elsewhere (a browser) could not all be read back
        self.restore_failed = False
        self.journal.on_restore.append(self._restored)
        self.journal.on_store_result.append(self._store_result)
        self.country = country
        self.exercises: list[Exercise] = []
        self._unsaved_owner = ""  # whose answers are waiting to be saved, if any
        self.toolbar = Toolbar(country)
        self.lock_panel = SpaceLockPanel(self)
        self.watch = PageWatch()
        self.watch.observe(self._page_hidden, "hidden")
        self.watch.observe(lambda _: self._activity(), "activity")
        self.clock = lambda: _dt.datetime.now(_dt.timezone.utc)  # tests may set their own
        self._last_touch = time.monotonic()
        self._idle_task = None
        self._hand_over = 0  # counts hand-overs: cards waiting to load for an earlier one do not
        self.picker = PartnerPicker(self)
        self._seed_names(split_names(partner_names))
        self._update_progress()

    def _seed_names(self, names: list[str]) -> None:
        """Names passed as a parameter fill empty profiles (never overwrite)."""
        if not names:
            return
        try:
            known = self.journal.partner_names()
            for slot, name in zip(PARTNER_SLOTS, names):
                if not known.get(slot):
                    self.journal.set_partner_name(slot, name)
        except JournalError:
            pass

    @property
    def active_name(self) -> str:
        if not self.active:
            return ""
        try:
            name = self.journal.partner_names().get(self.active)
        except JournalError:
            name = None
        return name or curriculum.text(f"who.partner_default_{self.active}")

    def _restored(self, ok: bool = True) -> None:
        """The browser has handed back this participant's saved answers: show them (and say if some were lost)."""
        self.restore_failed = not ok
        self.picker.refresh_names()
        self.set_active(self.active)

    def _store_result(self, stored: bool) -> None:
        """Did the place that keeps the answers (a browser) keep the latest? Every card says so."""
        for exercise in self.exercises:
            exercise.status.show_not_stored(not stored)

    def journal_names(self) -> dict[str, str]:
        """Partner names, for exercises that address both (shown only once someone is active)."""
        if not self.active:
            return {}
        try:
            return self.journal.partner_names()
        except JournalError:
            return {}

    def stop_rules(self, condition: str | None = None) -> list[str]:
        """The stop rules of a condition (default: ``focus_condition``), from Module 2's condition notes."""
        focus = (self.focus_condition if condition is None else condition or "").strip().lower()
        if not focus:
            return []
        for title, rules in curriculum.condition_stop_rules().items():
            if focus in title.lower():
                return list(rules)
        return []

    def focus_title(self) -> str:
        """The condition note's title that ``focus_condition`` names, or ""."""
        focus = (self.focus_condition or "").strip().lower()
        return next((t for t in curriculum.condition_stop_rules() if focus and focus in t.lower()), "")

    def space(self, scope: str):
        """The journal space for ``scope`` ("shared" or "private") and whoever is at the page; None if nobody."""
        if not self.active:
            return None
        return self.journal.shared() if scope == "shared" else self.journal.partner(self.active)

    # -- who is at the page, and their lock -----------------------------------
    def request(self, slot: str) -> bool:
        """What choosing a name does: a locked space asks for its passphrase first; a lock is offered once."""
        with self.journal.waiting_once():  # a journal another window holds: wait for it once, not per card
            return self._request(slot)

    def _request(self, slot: str) -> bool:
        if not slot:
            return self.set_active("")
        try:
            wait = _dt.timedelta(days=self.forgotten_lock_wait_days)
            if self.journal.erase_if_due(slot, wait, self.clock()):
                for exercise in self.exercises:  # sealed answers that waited for that space go with it
                    exercise.drop_sealed_pending(slot)
                self.picker.refresh_names()
                self.lock_panel.say(curriculum.text("lock.erased_as_asked"))
        except JournalError:
            pass  # an unreadable journal: the cards say so below
        try:
            closed = self.journal.is_locked(slot) and not self.journal.is_open(slot)
        except JournalError:
            closed = False  # an unreadable journal shows no one's answers; each card says what is wrong
        if closed:
            # the page goes to nobody while the next person types their passphrase
            if self.set_active(""):
                self.lock_panel.ask(slot)
            return False
        if not self.set_active(slot):
            return False
        try:
            offer = not self.journal.is_locked(slot) and not self.journal.lock_offered(slot)
        except JournalError:
            offer = False
        if offer:
            self.lock_panel.offer(slot)
        return True

    def open_space(self, slot: str, passphrase: str) -> str:
        """Open a locked space with its passphrase and hand the page to its owner. "" or why not."""
        try:
            self.journal.open_space(slot, passphrase)
        except WrongPassphrase:
            return curriculum.text("lock.wrong")
        except JournalError as err:
            return err.message
        for exercise in self.exercises:  # answers that waited, sealed, for their owner
            exercise.unseal_pending(self.journal, slot)
        self.set_active(slot)
        return ""

    def lock_space(self, slot: str, passphrase: str) -> None:
        self.journal.lock_space(slot, passphrase)
        self.set_active(slot)  # every card says it is locked now

    def remove_lock(self, slot: str) -> None:
        self.journal.remove_lock(slot)
        self.set_active(slot)

    def private_line(self) -> str:
        """The privacy line of a private card: exactly what holds for the active person's space."""
        try:
            locked = bool(self.active) and self.journal.is_locked(self.active)
        except JournalError:
            locked = False
        return curriculum.text("exercise.private_locked" if locked else "exercise.private", name=self.active_name)

    def _close_space(self, slot: str) -> None:
        """Forget a locked space's key; answers still waiting to be saved are sealed first."""
        if not slot or not self.journal.is_open(slot):
            return
        for exercise in self.exercises:
            exercise.seal_pending(self.journal, slot)
        self.journal.close_space(slot)

    def touch(self) -> None:
        self._last_touch = time.monotonic()

    def _activity(self) -> None:
        self.touch()
        self.close_if_locked_elsewhere()

    def close_if_locked_elsewhere(self) -> bool:
        """The person at the page locked their space in another window: this one closes too."""
        try:
            stale = bool(self.active) and self.journal.is_locked(self.active) and not self.journal.is_open(self.active)
        except JournalError:
            return False
        if stale and self.set_active(""):
            self.lock_panel.say(curriculum.text("lock.closed_elsewhere"))
            return True
        return False

    def _page_hidden(self, change) -> None:
        if not change["new"] or not self.active:
            return
        try:
            locked = self.journal.is_locked(self.active)
        except JournalError:
            return
        if locked and self.set_active(""):
            self.lock_panel.say(curriculum.text("lock.closed_hidden"))

    def close_if_idle(self, now: float | None = None) -> bool:
        """Close an open locked space left alone for ``idle_minutes``. True if it closed."""
        now = time.monotonic() if now is None else now
        if not self.active or not self.journal.is_open(self.active):
            return False
        if now - self._last_touch < self.idle_minutes * 60:
            return False
        if not self.set_active(""):
            return False
        self.lock_panel.say(curriculum.text("lock.closed_idle", minutes=str(self.idle_minutes)))
        return True

    async def _watch_idle(self) -> None:
        while True:
            await asyncio.sleep(15)
            try:
                self.close_if_locked_elsewhere() or self.close_if_idle()
            except Exception:  # noqa: BLE001 - the watch must go on; the error goes to the log
                report_error(sys.exc_info()[1], "idle close")

    def set_active(self, slot: str) -> bool:
        """Hand the page to ``slot`` ("" for nobody). Refused, kindly, while an answer is not saved yet.

        A locked space that is not open is never handed the page: its passphrase is asked for.
        Handing over closes the previous person's locked space.
        """
        with self.journal.waiting_once():
            return self._set_active(slot)

    def _set_active(self, slot: str) -> bool:
        unsaved = [e for e in self.exercises if e.unsaved and (not self.active or not e.flush())]
        owner = self._unsaved_owner or self.active
        if unsaved and slot not in ("", owner):
            # the page may always be hidden; it goes to someone else only once these answers are saved
            self.picker.sync()
            self.picker.state.value = html.escape(curriculum.text("who.unsaved"))
            return False
        try:
            if slot and self.journal.is_locked(slot) and not self.journal.is_open(slot):
                slot = ""
        except JournalError:
            pass  # unreadable: the cards below show nothing but a kind message
        previous = self.active
        if previous and previous != slot:
            self._close_space(previous)
        if previous != slot or self.lock_panel.mode == "ask":
            self.lock_panel.reset()
        self._unsaved_owner = owner if unsaved else ""
        emptied = False
        if previous and previous != slot:
            # first every card lets go of the previous person's answers, as hiding the page does
            self.active = ""
            self._refresh_cards()
            emptied = True
        self.active = slot
        self.touch()
        self._hand_over += 1
        # A new person's cards that wait for a name load a moment after their name shows, so a slow
        # phone draws the name first. They show no controls meanwhile ("Opening…"), so nothing can be
        # typed or pressed in them that loading would undo. Cards open to everyone (help, "Your
        # journal", ...) load at once.
        waiting = [e for e in self.exercises if e.body not in e.children]
        later = bool(slot and slot != previous and waiting and self.card_load_pause > 0
                     and self._load_cards_later(self._hand_over, waiting))
        # The browser applies updates in order, so "<name> is answering now" appears only once no
        # card shows the previous person's answers; it comes before this person's own answers load.
        self.lock_panel.draw()
        self.picker.sync()
        if later:
            self._refresh_cards([e for e in self.exercises if e not in waiting])
        elif slot or not emptied:
            self._refresh_cards()
        self._update_progress()
        return True

    def _load_cards_later(self, hand_over: int, cards: list[Exercise]) -> bool:
        """Load these cards for the person just named after a short pause, in the kernel's event loop,
        and say "Opening…" on them meanwhile. False if there is no running loop (then the caller loads
        them at once)."""
        async def load() -> None:
            await asyncio.sleep(self.card_load_pause)
            if hand_over != self._hand_over:
                return  # someone else was chosen (or the page hidden) meanwhile: that hand-over loads
            with self.journal.waiting_once():
                self._refresh_cards(cards)
            self._update_progress()

        if ticking.start_in_background(load) is None:
            return False
        opening = html.escape(curriculum.text("exercise.opening"))
        for exercise in cards:  # they still say "choose your name": not for long
            exercise.message.value = opening
        return True

    def _refresh_cards(self, cards: list[Exercise] | None = None) -> None:
        """These cards (every card) show the answers of whoever is active now (nothing if nobody is)."""
        for exercise in self.exercises if cards is None else cards:
            try:
                exercise.refresh()
            except Exception:  # noqa: BLE001 - one broken card must not keep showing someone's answers
                report_error(sys.exc_info()[1], f"load {exercise.exercise_id}")
                exercise.blank(curriculum.text("exercise.could_not_load"))

    def register(self, exercise: Exercise) -> None:
        self.exercises.append(exercise)
        exercise.observe(lambda _: self._update_progress(), "visited")
        exercise.refresh()

    def _update_progress(self) -> None:
        countable = [e for e in self.exercises if e.spec["type"] not in ("resources",)]
        if not countable or not self.active:
            self.picker.progress.value = ""
            return
        done = sum(1 for e in countable if e.visited)
        self.picker.progress.value = html.escape(
            curriculum.text("progress.label", done=str(done), total=str(len(countable)))
        )

    # -- the parts a notebook displays --------------------------------------
    def header_html(self) -> str:
        m = self.module
        objectives = "".join(f"<li>{html.escape(o)}</li>" for o in m.objectives)
        return (
            style.style_tag()
            + '<header class="ca-header">'
            f'<p class="ca-meta">{_t("page.meta", number=m.number, total=len(curriculum.modules()), minutes=m.minutes)}</p>'
            f"<h1>{html.escape(m.title)}</h1><p>{html.escape(m.summary)}</p></header>"
            f'<h2>{_t("page.objectives")}</h2><ul>{objectives}</ul>'
            f'<p class="ca-note"><strong>{_t("page.content_note")}</strong> {html.escape(m.content_note)}</p>'
            f'<p class="ca-disclaimer">{_t("page.disclaimer")}</p>'
        )

    def header(self) -> None:
        display(HTML(self.header_html()))
        display(self.toolbar)
        display(self.watch)
        if self._idle_task is None:
            self._idle_task = ticking.start_in_background(self._watch_idle)
        for part in self.journal.page_widgets():  # a browser-held journal: its store and where answers are kept
            display(part)

    def journal_tools(self) -> None:
        """'Your journal' (save a copy, bring it back, erase) on any page: in a group session, at the end."""
        if not any(e.exercise_id == "journal" for e in self.exercises):  # Module 1 has it already
            display(EXERCISE_TYPES["journal"](self, dict(curriculum.module(1).exercise("journal"))))

    def who(self) -> None:
        display(self.picker)

    def exercise(self, exercise_id: str) -> Exercise:
        spec = self.module.exercise(exercise_id)
        for existing in self.exercises:
            if existing.exercise_id == exercise_id:
                return existing
        cls = EXERCISE_TYPES[spec["type"]]
        return cls(self, spec)

    def show(self, exercise_id: str) -> None:
        display(self.exercise(exercise_id))

    def footer_html(self) -> str:
        m = self.module
        points = "".join(f"<li>{html.escape(p)}</li>" for p in m.key_points)
        care = "".join(f"<li>{html.escape(c)}</li>" for c in m.care_team)

        return (f'<h2>{_t("page.key_points")}</h2><ul>{points}</ul><h2>{_t("page.care_team")}</h2><ul>{care}</ul>'
                + page_sources_html(m))

    def next_html(self) -> str:
        nxt = curriculum.next_module(self.module.number)
        if nxt:
            link = (
                f'<p class="ca-next"><a href="{html.escape(nxt.notebook_name)}">'
                f'{_t("page.next", number=nxt.number, title=nxt.title)}</a></p>'
            )
        else:
            link = f'<p class="ca-next">{_t("page.last")}</p>'
        return link + f'<p class="ca-next"><a href="00_start_here.ipynb">{_t("page.all_modules")}</a></p>'

    def footer(self) -> None:

        display(HTML(self.footer_html()))
        display(Links(self.next_html(), "next module"))
