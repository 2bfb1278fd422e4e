"""Protecting a partner's private space on a shared device.

``SpaceLockPanel`` sits under "Who is using this page right now?". It:

* asks for the passphrase when someone chooses a locked name (and offers, if
  it was forgotten, to erase those locked answers and start again);
* offers a lock, kindly and once, the first time a person chooses their name
  on this journal;
* lets the person at the page set, change or remove their lock.

``PageWatch`` is an invisible widget that tells the kernel when the browser
hides the page and when the person last touched it, so that an open locked
space closes when the page is hidden or left alone for a few minutes.
"""
from __future__ import annotations

import datetime as _dt
import html

import anywidget
import ipywidgets as w
from ipywidgets.widgets.widget_string import TextStyle
import traitlets

from .. import curriculum
from ..storage.journal import JournalError
from ..storage.space_lock import MIN_PASSPHRASE
from .built_on_use import built_on_use, is_built
from .disclosure import Disclosure
from .shared_models import shared_layout, shared_style

_WATCH_ESM = """
function render({ model, el }) {
  el.setAttribute("aria-hidden", "true");
  el.style.display = "none";
  let last = 0;
  const touched = () => {
    const now = Math.floor(Date.now() / 1000);
    if (now - last < 15) return;   // at most one message every 15 seconds
    last = now;
    model.set("activity", now);
    model.save_changes();
  };
  const visibility = () => {
    model.set("hidden", document.visibilityState === "hidden");
    model.save_changes();
    if (document.visibilityState !== "hidden") touched();
  };
  for (const kind of ["pointerdown", "keydown", "touchstart", "wheel"]) {
    document.addEventListener(kind, touched, { passive: true, capture: true });
  }
  document.addEventListener("visibilitychange", visibility);
  touched();
}
export default { render };
"""


class PageWatch(anywidget.AnyWidget):
    """Whether the browser shows the page, and when it was last touched (seconds since 1970)."""

    _esm = _WATCH_ESM
    hidden = traitlets.Bool(False).tag(sync=True)
    activity = traitlets.Int(0).tag(sync=True)

    def __repr__(self) -> str:
        return "<Closer Again: page watch>"


def _t(key: str, **values: str) -> str:
    return curriculum.text(f"lock.{key}", **values)


def _password(label: str) -> w.Password:
    return w.Password(description=label, style=shared_style(TextStyle, description_width="initial"), layout=shared_layout(width="100%"))


def _day(when) -> str:
    return when.strftime("%d %B %Y") if when else ""


def _p(text: str, klass: str = "") -> str:
    attr = f' class="{klass}"' if klass else ""
    return f"<p{attr}>{html.escape(text)}</p>"


class SpaceLockPanel(w.VBox):
    """Ask for a passphrase, offer a lock, or manage one. ``page`` is the ModulePage."""

    #: "" (nothing asked), "ask" (a locked name was chosen) or "offer" (first time on this journal)
    mode = traitlets.Unicode("")
    #: whose passphrase is asked for, or who is offered a lock
    slot = traitlets.Unicode("")

    def __init__(self, page):
        super().__init__(layout=shared_layout(width="100%"))
        self.page = page
        # Only what every page shows is built here. The prompts, passphrase boxes and buttons
        # (about 45 widget models) are built the first time they are shown: most visits never
        # need them, and every model built here is sent to every phone that opens a page.
        self.prompt_text = w.HTML("", layout=shared_layout(width="100%"))
        self.prompt = w.VBox(layout=w.Layout(width="100%"))
        self.prompt.add_class("ca-subcard")
        self.state_text = w.HTML("", layout=shared_layout(width="100%"))
        self.manage_body = w.VBox(layout=shared_layout(width="100%"))
        self.settings = Disclosure(_t("settings"), [self.state_text, self.manage_body])
        self.message = w.HTML("", layout=shared_layout(width="100%"))
        self.message.add_class("ca-kind")
        self.children = (self.prompt, self.message, self.settings)
        self.draw()

    # -- asking for the passphrase of a locked name (built on first use) ----------------
    @built_on_use
    def ask_box(self) -> w.Password:
        return _password(_t("passphrase"))

    @built_on_use
    def ask_buttons(self) -> w.HBox:
        self.open_button = w.Button(description=_t("open"), button_style="primary", layout=shared_layout())
        self.open_button.on_click(lambda _: self.unlock(self.ask_box.value))
        self.cancel_button = w.Button(description=_t("cancel"), layout=shared_layout())
        self.cancel_button.on_click(lambda _: self.reset())
        return w.HBox([self.open_button, self.cancel_button], layout=shared_layout(flex_flow="row wrap"))

    @built_on_use
    def forgot(self) -> Disclosure:
        self.forgot_erase = w.Button(description=_t("forgot_erase"))
        self.forgot_erase.on_click(lambda _: self._ask_erase(True))
        self.forgot_text = w.HTML("", layout=shared_layout(width="100%"))
        self.forgot_confirm_text = w.HTML("")
        self.forgot_yes = w.Button(description=_t("forgot_yes"), button_style="danger", layout=shared_layout())
        self.forgot_yes.on_click(lambda _: self.ask_to_erase())
        self.forgot_no = w.Button(description=_t("cancel"), button_style="primary", layout=shared_layout())
        self.forgot_no.on_click(lambda _: self._ask_erase(False))
        self.forgot_confirm = w.VBox([self.forgot_confirm_text,
                                      w.HBox([self.forgot_no, self.forgot_yes], layout=shared_layout(flex_flow="row wrap"))],
                                     layout=w.Layout(display="none", width="100%"))
        return Disclosure(_t("forgot"), [self.forgot_text, self.forgot_erase, self.forgot_confirm])

    # -- the offer, the first time a person chooses their name (built on first use) -------
    @built_on_use
    def offer_buttons(self) -> w.HBox:
        self.offer_yes = w.Button(description=_t("offer_yes"), button_style="primary", layout=shared_layout())
        self.offer_yes.on_click(lambda _: self.accept_offer())
        self.offer_no = w.Button(description=_t("offer_no"), layout=shared_layout())
        self.offer_no.on_click(lambda _: self.decline_offer())
        return w.HBox([self.offer_yes, self.offer_no], layout=shared_layout(flex_flow="row wrap"))

    # -- managing one's own lock (built on first use) --------------------------------------
    @built_on_use
    def new_1(self) -> w.Password:
        return _password(_t("passphrase"))

    @built_on_use
    def new_2(self) -> w.Password:
        return _password(_t("passphrase_again"))

    @built_on_use
    def passphrase_help(self) -> w.HTML:
        return w.HTML(_p(_t("passphrase_help", min=str(MIN_PASSPHRASE)), "ca-help"))

    @built_on_use
    def set_button(self) -> w.Button:
        button = w.Button(description=_t("set"), button_style="primary", layout=shared_layout())
        button.on_click(lambda _: self.set_lock(self.new_1.value, self.new_2.value))
        return button

    @built_on_use
    def change_button(self) -> w.Button:
        button = w.Button(description=_t("change"), layout=shared_layout())
        button.on_click(lambda _: self.change(self.new_1.value, self.new_2.value))
        return button

    @built_on_use
    def remove_button(self) -> w.Button:
        button = w.Button(description=_t("remove"), layout=shared_layout())
        button.on_click(lambda _: self._ask_remove(True))
        return button

    @built_on_use
    def remove_confirm(self) -> w.VBox:
        self.remove_yes = w.Button(description=_t("remove_yes"), button_style="danger", layout=shared_layout())
        self.remove_yes.on_click(lambda _: self.remove())
        self.remove_no = w.Button(description=_t("remove_no"), button_style="primary", layout=shared_layout())
        self.remove_no.on_click(lambda _: self._ask_remove(False))
        return w.VBox([w.HTML(_p(_t("remove_ask"))),
                       w.HBox([self.remove_no, self.remove_yes], layout=shared_layout(flex_flow="row wrap"))],
                      layout=w.Layout(display="none", width="100%"))

    # -- what shows ---------------------------------------------------------------
    def draw(self) -> None:
        """Show the prompt for the current mode, and the lock settings of whoever is at the page."""
        name = self._name(self.slot) if self.slot else ""
        if self.mode == "ask":
            forgot = self.forgot  # built on first use, with forgot_text and forgot_erase
            asked = self._erase_asked(self.slot)
            days = str(self.page.forgotten_lock_wait_days)
            self.prompt_text.value = _p(_t("ask", name=name)) + (
                _p(_t("erase_pending", asked=_day(asked), due=_day(self._due(asked))), "ca-note") if asked else "")
            self.forgot_text.value = _p(_t("forgot_text", days=days))
            self.forgot_erase.layout.display = "none" if asked else ""
            self.prompt.children = [self.prompt_text, self.ask_box, self.ask_buttons, forgot]
        elif self.mode == "offer":
            self.prompt_text.value = _p(_t("offer")) + _p(_t("offer_more"), "ca-help")
            self.prompt.children = [self.prompt_text, self.offer_buttons]
        else:
            self.prompt.children = []
        self.prompt.layout.display = "" if self.mode else "none"
        self._draw_settings()

    def _draw_settings(self) -> None:
        slot = self.page.active
        self.settings.layout.display = "" if slot and self.mode != "ask" else "none"
        if not slot:
            self.manage_body.children = []
            return
        try:
            locked = self.page.journal.is_locked(slot)
        except JournalError as err:
            self.state_text.value = _p(err.message)
            self.manage_body.children = []
            return
        if locked:
            self.state_text.value = _p(_t("locked_now", minutes=str(self.page.idle_minutes)))
            self.new_1.description = _t("new_passphrase")
            self.manage_body.children = [self.passphrase_help, self.new_1, self.new_2, self.change_button,
                                         self.remove_button, self.remove_confirm]
        else:
            self.state_text.value = _p(_t("unlocked_now")) + _p(_t("warning"), "ca-note")
            self.new_1.description = _t("passphrase")
            self.manage_body.children = [self.passphrase_help, self.new_1, self.new_2, self.set_button]

    def _name(self, slot: str) -> str:
        try:
            name = self.page.journal.partner_names().get(slot)
        except JournalError:
            name = None
        return name or curriculum.text(f"who.partner_default_{slot}")

    def say(self, text: str) -> None:
        self.message.value = f'<p role="status">{html.escape(text)}</p>' if text else ""

    def clear_drafts(self) -> None:
        """Passphrases being typed never pass to the next person."""
        for name in ("ask_box", "new_1", "new_2"):
            if is_built(self, name):
                getattr(self, name).value = ""
        if is_built(self, "forgot"):
            self.forgot_confirm.layout.display = "none"
            self.forgot.is_open = False
        if is_built(self, "remove_confirm"):
            self.remove_confirm.layout.display = "none"

    def reset(self) -> None:
        """Nothing asked or offered (a hand-over, or Cancel)."""
        self.clear_drafts()
        self.mode, self.slot = "", ""
        self.say("")
        self.settings.is_open = False
        self.draw()

    # -- a locked name was chosen ---------------------------------------------------
    def ask(self, slot: str) -> None:
        self.clear_drafts()
        self.mode, self.slot = "ask", slot
        self.say("")
        self.draw()

    def unlock(self, passphrase: str) -> bool:
        slot = self.slot
        self.ask_box.value = ""
        if self.mode != "ask" or not slot:
            return False
        asked = self._erase_asked(slot)
        problem = self.page.open_space(slot, passphrase)
        if problem:
            self.say(problem)
            return False
        self.mode, self.slot = "", ""
        # someone asked to erase these answers: their owner should know it was asked, and that it is undone
        self.say(_t("erase_cancelled", asked=_day(asked)) if asked else "")
        self.draw()
        return True

    def _erase_asked(self, slot: str):
        try:
            return self.page.journal.erase_requested(slot) if slot else None
        except JournalError:
            return None

    def _due(self, asked):
        return asked + _dt.timedelta(days=self.page.forgotten_lock_wait_days)

    def _ask_erase(self, show: bool) -> None:
        text = _t("forgot_ask", name=self._name(self.slot), days=str(self.page.forgotten_lock_wait_days))
        self.forgot_confirm_text.value = _p(text) if show else ""
        self.forgot_confirm.layout.display = "" if show else "none"

    def ask_to_erase(self) -> None:
        """A forgotten passphrase: erasing is asked for now and done after the waiting days."""
        slot = self.slot
        try:
            self.page.journal.request_erase(slot, self.page.clock())
        except JournalError as err:
            self.say(err.message)
            return
        self.reset()
        asked = self._erase_asked(slot)
        self.say(_t("erase_asked", name=self._name(slot), due=_day(self._due(asked))) if asked else "")

    # -- the first time a person chooses their name -----------------------------------
    def offer(self, slot: str) -> None:
        self.mode, self.slot = "offer", slot
        self.draw()

    def _offered(self) -> None:
        try:
            self.page.journal.mark_lock_offered(self.slot)
        except JournalError:
            pass  # asked again next time: kinder than failing here
        self.mode, self.slot = "", ""

    def accept_offer(self) -> None:
        self._offered()
        self.settings.is_open = True
        self.draw()

    def decline_offer(self) -> None:
        self._offered()
        self.draw()
        self.say(_t("offer_later"))

    # -- managing one's own lock --------------------------------------------------------
    def _two_the_same(self, first: str, second: str) -> bool:
        if first != second:
            self.new_1.value = self.new_2.value = ""
            self.say(_t("mismatch"))
            return False
        return True

    def set_lock(self, first: str, second: str) -> bool:
        if not self._new_passphrase(first, second, self.page.lock_space):
            return False
        self.say(_t("set_done"))
        self.draw()
        return True

    def change(self, first: str, second: str) -> bool:
        if not self._new_passphrase(first, second, self.page.journal.change_passphrase):
            return False
        self.say(_t("changed"))
        return True

    def _new_passphrase(self, first: str, second: str, apply) -> bool:
        """Check the passphrase typed twice, then ``apply(slot, passphrase)``; the boxes are emptied either way."""
        slot = self.page.active
        if not slot or not self._two_the_same(first, second):
            return False
        try:
            apply(slot, first)
        except JournalError as err:
            self.say(err.message)
            return False
        finally:
            self.new_1.value = self.new_2.value = ""
        return True

    def _ask_remove(self, show: bool) -> None:
        self.remove_confirm.layout.display = "" if show else "none"

    def remove(self) -> None:
        slot = self.page.active
        self.remove_confirm.layout.display = "none"
        if not slot:
            return
        try:
            self.page.remove_lock(slot)
        except JournalError as err:
            self.say(err.message)
            return
        self.say(_t("removed"))
        self.draw()

    def __repr__(self) -> str:
        return "<Closer Again: protect my private answers>"


