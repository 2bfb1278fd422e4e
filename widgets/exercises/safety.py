"""The private safety check: answered alone, never stored, kind when it signals risk."""
from __future__ import annotations

import html

import ipywidgets as w
import traitlets

from .. import curriculum
from ..kit.exercise import Exercise, register
from ..kit.fields import SingleChoiceField
from ..kit.help import resources_html


def signals_risk(answers: dict[str, str | None]) -> bool:
    """True if any answer is one that the content file marks as a risk."""
    return bool(risky_questions(answers))


def risky_questions(answers: dict[str, str | None]) -> list[dict]:
    """The questions (from the content file) whose answer signals risk, in order."""
    content = curriculum.data("safety")
    return [q for q in content["questions"] if answers.get(q["id"]) in q["risk"]]


@register("safety_check")
class SafetyCheck(Exercise):
    """A few private questions. The answers live only in this page's memory.

    Nothing is ever saved: no answer is bound to the journal, and a hand-over
    (``refresh``) or "Clear my answers" empties every question and the result.
    """

    risk = traitlets.Bool(False)

    def build(self) -> None:
        content = curriculum.data("safety")
        options = [content["yes"], content["no"], content["unsure"]]
        self.questions = [SingleChoiceField(q["id"], q["text"], options=options) for q in content["questions"]]
        for q in self.questions:
            q.observe(lambda _: self._evaluate(), "value")
        self.result = w.HTML("", layout=w.Layout(width="100%"))
        # the only part a screen reader announces by itself: the same words whatever the answers
        self.announce = w.HTML("", layout=w.Layout(width="100%"))
        self.clear_button = w.Button(description=content["result"]["clear"])
        self.clear_button.on_click(lambda _: self.clear())
        self.body.children = [w.HTML(html.escape(content["intro"])), *self.questions, self.announce, self.result,
                              self.clear_button]
        # Nothing here is saved: hide the saved indicator.
        self.show_status = False

    def answers(self) -> dict:
        return {q.field_id: q.value for q in self.questions}

    def _evaluate(self) -> None:
        content = curriculum.data("safety")["result"]
        answers = self.answers()
        risky = risky_questions(answers)
        self.risk = bool(risky)
        done = all(v is not None for v in answers.values())  # not sooner for a risky answer: that would tell
        self.announce.value = f'<p role="status" class="ca-help">{html.escape(content["announce"])}</p>' if done else ""
        if self.risk:
            notes = "".join(f"<p>{html.escape(q['risk_note'])}</p>" for q in risky if q.get("risk_note"))
            self.result.value = (
                f'<div class="ca-note"><p>{html.escape(content["risk"])}</p>{notes}'
                f"{resources_html(self.page.country)}</div>"
            )
        elif done:
            self.result.value = f'<p>{html.escape(content["ok"])}</p>'
        else:
            self.result.value = ""

    def refresh(self) -> None:
        super().refresh()
        if self.page.active:
            # the usual line says how saved private answers are kept; nothing here is kept at all
            self.scope_line.value = html.escape(curriculum.data("safety")["scope_line"])

    def clear(self) -> None:
        for q in self.questions:
            q.show(None)
        self._evaluate()

    def load(self, saved: dict) -> None:
        # Only whether it was skipped is ever saved; the answers never are.
        self.clear()

    def set_skipped(self, skipped: bool) -> None:
        self.clear()
        self.skipped = skipped
        self.children = self._layout()


@register("resources")
class Resources(Exercise):
    """Help and crisis contacts; nothing to answer, nothing saved."""

    def build(self) -> None:
        self.body.children = [w.HTML(resources_html(self.page.country), layout=w.Layout(width="100%"))]
        self.show_status = self.show_skip = False  # nothing to answer: no footer at all

    def blocked_reason(self) -> str:
        return ""

    def refresh(self) -> None:
        self.children = (self.heading, self.body)
