"""Your journal: save a copy, bring a copy back, or erase, from the dashboard."""
from __future__ import annotations

import base64
import datetime as _dt
import html
import json

import ipywidgets as w

from . import curriculum
from .errors import kindly
from .exercise import Exercise, register
from .journal import JournalError

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
        self.confirm_text = w.HTML("")
        self.confirm_yes = w.Button(description=t("journal.confirm_yes"), button_style="danger")
        self.confirm_no = w.Button(description=t("journal.confirm_no"), button_style="primary")
        self.confirm_yes.on_click(self._kind(lambda _: self.erase()))
        self.confirm_no.on_click(lambda _: self.ask(""))
        self.confirm = w.VBox([self.confirm_text, w.HBox([self.confirm_no, self.confirm_yes],
                                                          layout=w.Layout(flex_flow="row wrap"))],
                              layout=w.Layout(display="none", width="100%"))
        self.confirm.add_class("ca-note")
        self.feedback = w.HTML("", layout=w.Layout(width="100%"))
        self.feedback.add_class("ca-help")
        self._erasing = ""
        self.body.children = [
            self.export_button, self.link, self.upload_style, self.upload,
            w.HBox([self.erase_mine_button, self.erase_all_button], layout=w.Layout(flex_flow="row wrap")),
            self.confirm, self.feedback,
        ]
        self.status.layout.display = "none"
        self.skip_button.layout.display = "none"

    def blocked_reason(self) -> str:
        return ""  # erasing everything must work even before anyone chooses a name

    def _kind(self, func):
        return kindly(lambda msg: setattr(self.feedback, "value", html.escape(msg)), "journal tools")(func)

    def load(self, saved: dict) -> None:
        self.link.value = ""
        self.feedback.value = ""
        self.ask("")

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
            payload = json.dumps(view.export(), ensure_ascii=False, indent=1).encode("utf-8")
        except JournalError as err:
            self.feedback.value = html.escape(err.message)
            return None
        self.link.value = download_link(payload, export_filename(self.page.today), curriculum.text("journal.export_link"))
        self.feedback.value = html.escape(curriculum.text("journal.export_ready"))
        return payload

    def import_upload(self) -> None:
        if not self.upload.value:
            return
        item = self.upload.value[0]
        self.import_bytes(bytes(item["content"]))
        self.upload.value = ()

    def import_bytes(self, raw: bytes) -> int | None:
        view = self._view_or_say()
        if view is None:
            return None
        if len(raw) > MAX_IMPORT_BYTES:
            self.feedback.value = html.escape(curriculum.text("journal.import_label") + ": that file is too large.")
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
            count = view.import_(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.feedback.value = html.escape(curriculum.text("journal.bad_file"))
            return None
        except JournalError as err:
            self.feedback.value = html.escape(err.message + " Nothing was changed.")
            return None
        self.page.set_active(self.page.active)  # show what came back
        key = "journal.imported" if count else "journal.import_none"
        self.feedback.value = html.escape(curriculum.text(key, count=str(count)))
        return count

    def ask(self, which: str) -> None:
        self._erasing = which
        if not which:
            self.confirm.layout.display = "none"
            return
        if which == "mine" and self._view_or_say() is None:
            return
        self.confirm_text.value = html.escape(curriculum.text(f"journal.confirm_{which}"))
        self.confirm.layout.display = ""

    def erase(self) -> None:
        which, self._erasing = self._erasing, ""
        self.confirm.layout.display = "none"
        try:
            if which == "mine":
                view = self.view()
                if view is None:
                    return
                view.erase()
            elif which == "all":
                self.page.journal.erase_everything()
            else:
                return
        except JournalError as err:
            self.feedback.value = html.escape(err.message)
            return
        self.link.value = ""
        self.page.picker.refresh_names()
        self.page.set_active("")
        self.feedback.value = html.escape(curriculum.text("journal.erased"))
