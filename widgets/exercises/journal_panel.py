"""Your journal: save a copy, bring a copy back, or erase, from the dashboard.

"Erase my answers" is always one person's own choice. "Erase everything (both
of us)" needs both partners: each presses their own button while their own
name is chosen, or types their passphrase if their private answers are
locked. A partner with nothing saved on this device need not agree.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import json

import ipywidgets as w

from .. import curriculum
from ..errors import kindly
from ..kit.built_on_use import built_on_use, is_built, keep
from ..kit.exercise import Exercise, register
from ..storage.journal import PARTNER_SLOTS, JournalError

MAX_IMPORT_BYTES = 20_000_000


def export_filename(today: _dt.date) -> str:
    return f"closer-again-my-answers-{today.isoformat()}.json"


def download_link(payload: bytes, filename: str, text: str, mime: str = "application/json") -> str:
    """An <a download> link holding the file itself: nothing goes over a network."""
    data = base64.b64encode(payload).decode("ascii")
    return (
        f'<a class="ca-link ca-download" download="{html.escape(filename)}" '
        f'href="data:{mime};base64,{data}">{html.escape(text)}</a>'
    )


@register("journal")
class JournalTools(Exercise):
    """Export, import and erase for the active partner (and the whole journal)."""

    def build(self) -> None:
        t = curriculum.text
        self.export_button = w.Button(description=t("journal.export"))
        self.export_button.on_click(self._kind(self.export))
        self.link = w.HTML("", layout=w.Layout(width="100%"))
        self.upload = w.FileUpload(accept=".json,application/json", multiple=False, icon="",
                                   description=t("journal.import_label"), layout=w.Layout(width="auto"))
        # the stock button appends a file count, "(0)"; our style sheet shows the words alone
        self.upload.add_class("ca-upload")
        upload_words = json.dumps(t("journal.import_label") + "…", ensure_ascii=False)  # CSS reads \u2026 literally
        self.upload_style = w.HTML(f"<style>.ca-upload::before {{ content: {upload_words}; }}</style>")
        self.upload.observe(self._kind(lambda _: self.import_upload()), "value")
        self.erase_mine_button = w.Button(description=t("journal.erase_mine"))
        self.erase_all_button = w.Button(description=t("journal.erase_all"))
        self.erase_mine_button.on_click(lambda _: self.ask("mine"))
        self.erase_all_button.on_click(lambda _: self.ask("all"))
        self.feedback = w.HTML("", layout=w.Layout(width="100%"))
        self.feedback.add_class("ca-help")
        self._erasing = ""
        self._waiting_import = b""
        # both partners agree before everything is erased (in memory only)
        self.agreed: set[str] = set()
        self.erase_row = w.HBox([self.erase_mine_button, self.erase_all_button], layout=w.Layout(flex_flow="row wrap"))
        self._draw_body()
        self.show_status = self.show_skip = False

    # -- parts built the first time they are needed (most visits never open them) ------------
    def _draw_body(self) -> None:
        def built(*names):
            return [getattr(self, name) for name in names if is_built(self, name)]

        self.body.children = [self.export_button, self.link, self.upload_style, self.upload, *built("import_box"),
                              self.erase_row, *built("agree_box", "confirm"), self.feedback]

    def _shown_part(self, name: str, box: w.VBox) -> w.VBox:
        """A part just built on first use: kept under ``name`` and placed in the body."""
        keep(self, name, box)
        self._draw_body()
        return box

    @built_on_use
    def import_box(self) -> w.VBox:
        """A copy that holds locked private answers comes back with its passphrase."""
        t = curriculum.text
        self.import_passphrase = w.Password(description=t("journal.import_passphrase"),
                                            style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        self.import_again = w.Button(description=t("journal.import_again"), button_style="primary")
        self.import_again.on_click(self._kind(lambda _: self.import_waiting()))
        box = w.VBox([self.import_passphrase, self.import_again], layout=w.Layout(display="none", width="100%"))
        return self._shown_part("import_box", box)

    @built_on_use
    def confirm(self) -> w.VBox:
        t = curriculum.text
        self.confirm_text = w.HTML("")
        self.confirm_yes = w.Button(description=t("journal.confirm_yes"), button_style="danger")
        self.confirm_no = w.Button(description=t("journal.confirm_no"), button_style="primary")
        self.confirm_yes.on_click(self._kind(lambda _: self.erase()))
        self.confirm_no.on_click(lambda _: self.ask(""))
        box = w.VBox([self.confirm_text, w.HBox([self.confirm_no, self.confirm_yes],
                                                layout=w.Layout(flex_flow="row wrap"))],
                     layout=w.Layout(display="none", width="100%"))
        box.add_class("ca-note")
        return self._shown_part("confirm", box)

    @built_on_use
    def agree_box(self) -> w.VBox:
        t = curriculum.text
        rows = {}
        for slot in PARTNER_SLOTS:
            button = w.Button(description="", button_style="warning")
            button.on_click(lambda _, s=slot: self.agree(s))
            passphrase = w.Password(description=t("journal.agree_passphrase"), style={"description_width": "initial"},
                                    layout=w.Layout(width="100%"))
            rows[slot] = (button, passphrase, w.HTML(""))
        self._agree_rows = rows
        self.agree_cancel = w.Button(description=t("journal.confirm_no"), button_style="primary")
        self.agree_cancel.on_click(lambda _: self.cancel_erase_all())
        box = w.VBox(
            [w.HTML(f"<p>{html.escape(t('journal.both_needed'))}</p>"),
             *[w.VBox(list(row), layout=w.Layout(width="100%")).add_class("ca-subcard") for row in rows.values()],
             self.agree_cancel],
            layout=w.Layout(display="none", width="100%"))
        box.add_class("ca-note")
        return self._shown_part("agree_box", box)

    @property
    def agree_rows(self) -> dict:
        """Each partner's agree button, passphrase box and state line."""
        self.agree_box  # noqa: B018 - built on first use
        return self._agree_rows

    def _hide(self, name: str) -> None:
        if is_built(self, name):
            getattr(self, name).layout.display = "none"

    def blocked_reason(self) -> str:
        return ""  # erasing everything must work even before anyone chooses a name

    def _kind(self, func):
        return kindly(lambda msg: setattr(self.feedback, "value", html.escape(msg)), "journal tools")(func)

    def load(self, saved: dict) -> None:
        """A new person at the page: nothing of the last one's copy, passphrases or choices stays.

        Agreements to erase everything stay (in memory only), so the other partner can add theirs.
        """
        self.link.value = ""
        self.feedback.value = ""
        if is_built(self, "import_box"):
            self.import_passphrase.value = ""
        self._hide("import_box")
        self._waiting_import = b""
        self.ask("")
        self._draw_agreements()

    def _view_or_say(self):
        view = self.view()
        if view is None:
            self.feedback.value = html.escape(curriculum.text("journal.choose_first"))
        return view

    def export(self, _=None) -> bytes | None:
        view = self._view_or_say()
        if view is None:
            return None
        try:
            data = view.export()
            payload = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        except JournalError as err:
            self.feedback.value = html.escape(err.message)
            return None
        self.link.value = download_link(payload, export_filename(self.page.today), curriculum.text("journal.export_link"))
        key = "journal.export_ready_locked" if "sealed_private" in data else "journal.export_ready"
        self.feedback.value = html.escape(curriculum.text(key))
        return payload

    def import_upload(self) -> None:
        if not self.upload.value:
            return
        item = self.upload.value[0]
        self.import_bytes(bytes(item["content"]))
        self.upload.value = ()

    def import_waiting(self) -> int | None:
        """Bring back the copy that waited for its passphrase."""
        passphrase, self.import_passphrase.value = self.import_passphrase.value, ""
        return self.import_bytes(self._waiting_import, passphrase)

    def import_bytes(self, raw: bytes, passphrase: str = "") -> int | None:
        view = self._view_or_say()
        if view is None:
            return None
        if len(raw) > MAX_IMPORT_BYTES:
            self.feedback.value = html.escape(curriculum.text("journal.too_large"))
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
            count = view.import_(data, passphrase)
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.feedback.value = html.escape(curriculum.text("journal.bad_file"))
            return None
        except JournalError as err:
            waiting = err.kind in ("needs_passphrase", "wrong_passphrase")
            self._waiting_import = raw if waiting else b""
            if waiting:
                self.import_box.layout.display = ""
            else:
                self._hide("import_box")
            self.feedback.value = html.escape(err.message + " " + curriculum.text("journal.nothing_changed"))
            return None
        self._waiting_import = b""
        self._hide("import_box")
        self.page.set_active(self.page.active)  # show what came back
        key = "journal.imported" if count else "journal.import_none"
        self.feedback.value = html.escape(curriculum.text(key, count=str(count)))
        return count

    def ask(self, which: str) -> None:
        self._erasing = which
        if not which:
            self._hide("confirm")
            return
        if which == "mine" and self._view_or_say() is None:
            return
        if which == "all" and not self._everyone_agreed():
            self._hide("confirm")
            self.agree_box.layout.display = ""
            self._draw_agreements()
            return
        confirm = self.confirm  # built on first use, with confirm_text
        self.confirm_text.value = html.escape(curriculum.text(f"journal.confirm_{which}"))
        confirm.layout.display = ""

    # -- both partners agree to erase everything ------------------------------------
    def _needed(self) -> list[str]:
        """The partners who must agree: those with anything saved on this device."""
        try:
            return [slot for slot in PARTNER_SLOTS if self.page.journal.partner_in_use(slot)]
        except JournalError:
            return list(PARTNER_SLOTS)

    def _everyone_agreed(self) -> bool:
        return all(slot in self.agreed for slot in self._needed())

    def _draw_agreements(self) -> None:
        if not is_built(self, "agree_box"):
            return  # nothing asked yet: agreements so far stay in memory
        needed = self._needed()
        names = self.page.journal_names() or {}
        for slot, (button, passphrase, state) in self.agree_rows.items():
            name = names.get(slot) or curriculum.text(f"who.partner_default_{slot}")
            button.description = curriculum.text("journal.agree", name=name)
            button.disabled = slot in self.agreed or slot not in needed
            passphrase.value = ""
            if slot not in needed:
                state.value = html.escape(curriculum.text("journal.nothing_of", name=name))
            elif slot in self.agreed:
                state.value = html.escape(curriculum.text("journal.agreed", name=name))
            else:
                state.value = ""

    def agree(self, slot: str) -> bool:
        """One partner agrees to erase everything: as the person at the page, or with their passphrase."""
        button, passphrase, state = self.agree_rows[slot]
        typed, passphrase.value = passphrase.value, ""
        journal = self.page.journal
        proven = self.page.active == slot
        if not proven and typed:
            try:
                proven = journal.is_locked(slot) and journal.check_passphrase(slot, typed)
            except JournalError:
                proven = False
        if not proven:
            key = "journal.agree_wrong" if typed else "journal.agree_own_name"
            state.value = html.escape(curriculum.text(key))
            return False
        self.agreed.add(slot)
        self._draw_agreements()
        if self._everyone_agreed():
            self._hide("agree_box")
            self.ask("all")
        return True

    def cancel_erase_all(self) -> None:
        self.agreed.clear()
        self._hide("agree_box")
        self.ask("")
        self._draw_agreements()

    def erase(self) -> None:
        which, self._erasing = self._erasing, ""
        self._hide("confirm")
        try:
            if which == "mine":
                view = self.view()
                if view is None:
                    return
                view.erase()
            elif which == "all":
                if not self._everyone_agreed():
                    return
                self.page.journal.erase_everything()
                self.agreed.clear()
            else:
                return
        except JournalError as err:
            self.feedback.value = html.escape(err.message)
            return
        self.link.value = ""
        self.page.picker.refresh_names()
        self.page.set_active("")
        self.feedback.value = html.escape(curriculum.text("journal.erased"))
