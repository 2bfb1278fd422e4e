"""Exercise cards: title, content note, privacy line, body, skip, saved indicator.

An exercise saves each answer the moment it is given, under
``mNN/<exercise id>/<field id>`` in the active partner's private space (or in
the couple's shared space). Nothing is loaded until a person has said who they
are, so a notebook run without a person (papermill, nbval) holds no answers.
"""
from __future__ import annotations

import datetime as _dt
import html

import ipywidgets as w
import traitlets

from .. import curriculum
from ..errors import kindly
from ..storage.journal import JournalError
from .built_on_use import built_on_use, is_built, keep
from .fields import Field, make_field
from .shared_models import shared_layout

SKIPPED = "_skipped"


class SaveStatus(w.HTML):
    """'Saved at 12:04', or a kind reason it could not be saved."""

    saved_at = traitlets.Unicode("")
    failed = traitlets.Bool(False)

    def __init__(self):
        super().__init__(curriculum.text("saved.never"), layout=shared_layout())
        self.add_class("ca-saved")
        self._clock = None

    def show_saved(self, stamp: str) -> None:
        when = _dt.datetime.fromisoformat(stamp).strftime("%H:%M")
        self.saved_at = when
        self.failed = False
        self.remove_class("ca-saved-failed")
        self.value = html.escape(curriculum.text("saved.at", time=when))

    def show_failed(self, reason: str) -> None:
        self.failed = True
        self.add_class("ca-saved-failed")
        self.value = html.escape(curriculum.text("saved.failed", reason=reason))

    def reset(self) -> None:
        self.saved_at = ""
        self.failed = False
        self.remove_class("ca-saved-failed")
        self.value = html.escape(curriculum.text("saved.never"))

    def show_not_stored(self, not_stored: bool = True) -> None:
        """Group sessions: the browser refused to keep the answers (True), or kept them again (False)."""
        if not_stored and self.saved_at:
            self.add_class("ca-saved-failed")
            self.value = html.escape(curriculum.text("saved.not_stored"))
        elif not not_stored and self.saved_at and "ca-saved-failed" in self._dom_classes and not self.failed:
            self.show_saved(_dt.datetime.now().isoformat())


class Exercise(w.VBox):
    """Base card. Subclasses build ``self.body`` and override ``load``."""

    #: keep earlier versions of each answer (only where the page shows them, as the log does):
    #: otherwise words someone typed and deleted are not kept anywhere
    keeps_history = False
    skipped = traitlets.Bool(False)
    #: True once anything is answered or the exercise is skipped (for progress)
    visited = traitlets.Bool(False)

    def __init__(self, page, spec: dict):
        super().__init__(layout=shared_layout(width="100%"))
        self.page = page
        self.spec = spec
        self.exercise_id = spec["id"]
        self.scope = spec["scope"]
        self.key_prefix = curriculum.answer_key(page.module.number, self.exercise_id)  # where its answers are kept
        self.add_class("ca-card")
        self.status = SaveStatus()
        self.skip_button = w.Button(description=curriculum.text("exercise.skip"), layout=shared_layout())
        #: what the footer shows: a card with nothing to save hides "Saved at", one that cannot be skipped hides "Skip"
        self.show_status = True
        self.show_skip = True
        self.skip_button.on_click(lambda _: self.set_skipped(True))
        self.scope_line = w.HTML("", layout=shared_layout()).add_class("ca-scope")
        self.message = w.HTML("", layout=shared_layout()).add_class("ca-kind")
        self._pending: dict[str, object] = {}
        self._sealed_pending = ""  # answers that wait for a locked space's owner: sealed, never plain
        self._sealed_for = ""
        self._loading = False
        heading = w.HTML(
            f"<h3>{html.escape(spec['title'])}</h3>"
            f'<p class="ca-note"><strong>{html.escape(curriculum.text("exercise.content_note"))}:</strong> '
            f"{html.escape(spec['content_note'])}</p>"
            f"<p>{html.escape(spec['intro'])}</p>",
            layout=shared_layout(width="100%"),
        )
        self.heading = heading
        self.body = w.VBox(layout=shared_layout(width="100%"))
        self.footer = w.HBox(layout=shared_layout(justify_content="space-between", align_items="center",
                                                  width="100%", flex_flow="row wrap"))
        #: a card that waits for a name builds its controls when someone chooses theirs: until then the
        #: page (and every phone that opens it) carries only its heading and a line saying why
        self.body_built = False
        if not self.blocked_reason():
            self.build_body()
        self.children = self._layout()
        page.register(self)

    def build_body(self) -> None:
        """Build the controls (``build``) and the footer, once."""
        if self.body_built:
            return
        self.body_built = True
        self.build()
        self._draw_footer()

    # -- parts most visits never need, built the first time they are -------------
    # (every model built up front is sent to every phone that opens the page)
    @built_on_use
    def retry(self) -> w.Button:
        """"Try again", shown while an answer could not be saved."""
        button = w.Button(description=curriculum.text("exercise.retry"), layout=w.Layout(display="none"))
        button.on_click(lambda _: self.flush())
        keep(self, "retry", button)
        self._draw_footer()
        return button

    def _draw_footer(self) -> None:
        """"Saved at", then "Try again" once a save has failed, then "Skip"."""
        retry = [self.retry] if is_built(self, "retry") else []
        self.footer.children = ([self.status] if self.show_status else []) + retry + (
            [self.skip_button] if self.show_skip else [])

    @built_on_use
    def reopen_button(self) -> w.Button:
        button = w.Button(description=curriculum.text("exercise.reopen"), layout=shared_layout())
        button.on_click(lambda _: self.set_skipped(False))
        return button

    @built_on_use
    def skipped_note(self) -> w.HTML:
        return w.HTML(html.escape(curriculum.text("exercise.skipped")), layout=shared_layout())

    def _hide_retry(self) -> None:
        if is_built(self, "retry"):
            self.retry.layout.display = "none"

    # -- to override --------------------------------------------------------
    def build(self) -> None:
        """Fill ``self.body``."""

    def load(self, saved: dict) -> None:
        """Show saved answers (``saved`` maps field id to value) without re-saving."""

    def clear(self) -> None:
        """Show an empty exercise."""
        self.load({})

    # -- layout and state ---------------------------------------------------
    def _layout(self):
        if self.blocked_reason():
            return (self.heading, self.scope_line, self.message)
        if self.skipped:
            return (self.heading, self.scope_line, self.skipped_note, self.reopen_button)
        return (self.heading, self.scope_line, self.body, self.message, self.footer)

    def blocked_reason(self) -> str:
        if self.page.active:
            return ""
        return curriculum.text("exercise.private_nobody" if self.scope == "private" else "who.nobody")

    def view(self):
        """The journal space this exercise writes to, for whoever is active."""
        return self.page.space(self.scope)

    def refresh(self) -> None:
        """Reload for the active partner (or hide everything if nobody is active).

        The card is emptied first, so whatever goes wrong while reading, it never
        goes on showing the previous person's answers.
        """
        if self.page.active:
            self.build_body()
        self._loading = True
        try:
            # answers not saved yet stay waiting (the page hands over to no one else meanwhile)
            self.status.reset()
            self._hide_retry()
            self.message.value = ""
            if self.body_built:  # controls never built hold nobody's answers
                self.clear()
            self.visited = False
            view = self.view()
            if view is None:
                self.scope_line.value = ""
                self.message.value = html.escape(self.blocked_reason())
                self.skipped = False
            else:
                if self.scope == "shared":
                    self.scope_line.value = html.escape(curriculum.text("exercise.shared"))
                else:
                    self.scope_line.value = html.escape(self.page.private_line())
                saved = {k[len(self.key_prefix):]: v for k, v in view.items(self.key_prefix).items()}
                self.skipped = bool(saved.pop(SKIPPED, False))
                # back after hiding the page with an answer unsaved: what was typed shows, and is saved now
                self.load({**saved, **self._pending})
                self.visited = bool(saved) or self.skipped
                if self._pending:
                    self._loading = False
                    self.flush()
        except JournalError as err:
            self.clear()
            self.message.value = html.escape(err.message)
        finally:
            self._loading = False
        self.children = self._layout()

    def blank(self, message: str) -> None:
        """Show nothing but a kind message (used when a card could not load)."""
        self._loading = True
        try:
            if self.body_built:
                self.clear()
        except Exception:  # noqa: BLE001 - the card is hidden below whatever went wrong
            pass
        finally:
            self._loading = False
        self.message.value = html.escape(message)
        self.children = (self.heading, self.scope_line, self.message)

    @property
    def unsaved(self) -> bool:
        return bool(self._pending or self._sealed_pending)

    def seal_pending(self, journal, slot: str) -> None:
        """Before ``slot``'s locked space closes: keep answers still waiting to be saved only sealed."""
        if self._pending and self.scope == "private":
            self._sealed_pending = journal.seal_pending(slot, self._pending)
            self._sealed_for = slot
            self._pending = {}

    def drop_sealed_pending(self, slot: str) -> None:
        """The locked space these answers waited for was erased: they cannot be saved anywhere now."""
        if self._sealed_for == slot:
            self._sealed_pending = self._sealed_for = ""

    def unseal_pending(self, journal, slot: str) -> None:
        """The owner opened their space again: what waited comes back, to be saved at once."""
        if self._sealed_pending and self._sealed_for == slot:
            self._pending = {**journal.unseal_pending(slot, self._sealed_pending), **self._pending}
            self._sealed_pending = self._sealed_for = ""

    def set_skipped(self, skipped: bool) -> None:
        self.skipped = skipped
        self.save(SKIPPED, skipped)
        self.children = self._layout()

    # -- saving -------------------------------------------------------------
    def save(self, field_id: str, value) -> bool:
        """Save one answer now. On failure keep it and say so kindly."""
        if self._loading:
            return False
        view = self.view()
        if view is None:
            return False
        self._pending[field_id] = value
        return self.flush()

    def flush(self) -> bool:
        view = self.view()
        if view is None:
            return False
        stamp = None
        try:
            for field_id in list(self._pending):
                stamp = view.put(self.key_prefix + field_id, self._pending[field_id], keep_history=self.keeps_history)
                del self._pending[field_id]
        except JournalError as err:
            self.status.show_failed(err.message)
            self.retry.layout.display = ""
            return False
        self._hide_retry()
        if stamp:
            self.status.show_saved(stamp)
        self.visited = True
        return True

    def bind(self, field: Field) -> Field:
        """Save ``field`` whenever its answer changes."""

        @kindly(self.status.show_failed, context=f"save {self.exercise_id}")
        def on_change(change):
            self.save(field.field_id, change["new"])

        field.observe(on_change, "value")
        return field

    def __repr__(self) -> str:
        return f"<Closer Again exercise: {self.spec['title']}>"

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle:
            bundle["text/plain"] = repr(self)
        return bundle


class FormExercise(Exercise):
    """A reflection form built from the content file's ``fields``."""

    def build(self) -> None:
        self.fields = [self.bind(make_field(spec)) for spec in self.spec.get("fields", [])]
        self.body.children = self.fields

    def load(self, saved: dict) -> None:
        for field in self.fields:
            field.show(saved.get(field.field_id))


EXERCISE_TYPES: dict[str, type[Exercise]] = {"form": FormExercise}


def register(type_name: str):
    def deco(cls):
        EXERCISE_TYPES[type_name] = cls
        return cls

    return deco
