"""Reflection form fields: free text, single and multiple choice, 0-10 scales.

Each field is a small VBox with a visible label, help text and a place for a
kind message. Its answer is the ``value`` traitlet (``None`` until answered),
so behaviour can be tested in plain Python::

    field = ScaleField("pain", "Pain", low="none", high="worst")
    field.plus.click()          # value becomes 1
"""
from __future__ import annotations

import datetime as _dt
import html

import ipywidgets as w
import traitlets
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import TextStyle

from .. import curriculum
from .built_on_use import built_on_use, is_built
from .shared_models import shared_layout, shared_style


def _label(text: str, help: str = "") -> w.HTML:
    """A field's label, with its help text below it when there is one."""
    below = f'<div class="ca-help ca-field-help">{html.escape(help)}</div>' if help else ""
    return w.HTML(f"<span>{html.escape(text)}</span>{below}", layout=shared_layout(width="100%")).add_class(
        "ca-field-label"
    )


class Field(w.VBox):
    """Base: a labelled answer. ``value`` is None until answered."""

    value = traitlets.Any(None, allow_none=True)
    field_id = traitlets.Unicode()
    label = traitlets.Unicode()
    #: False while the field shows an answer that could not be accepted
    acceptable = traitlets.Bool(True)

    def __init__(self, field_id: str, label: str, help: str = "", **kwargs):
        super().__init__(layout=shared_layout(width="100%"))
        self.field_id = field_id
        self.label = label
        self.add_class("ca-field")
        # the label and its help are one HTML model (a page has hundreds of fields)
        self._header = [_label(label, help)]

    def _finish(self, *controls: w.Widget) -> None:
        self.children = (*self._header, *controls)

    @built_on_use
    def kind_message(self) -> w.HTML:
        """Where a kind word about this answer shows, below the control. Built the first time it is
        needed: most fields never need one, and a page has hundreds of fields."""
        message = w.HTML("", layout=shared_layout()).add_class("ca-kind")
        self.children = (*self.children, message)
        return message

    def say_kindly(self, text: str) -> None:
        """Show ``text`` (escaped) below the control; "" takes it away."""
        if text or is_built(self, "kind_message"):
            self.kind_message.value = html.escape(text)

    def show(self, value) -> None:
        """Display a saved answer without it counting as a new answer."""
        raise NotImplementedError

    def __repr__(self) -> str:  # never reveal an answer in a notebook's text output
        return f"<{type(self).__name__} {self.field_id}>"


class TextField(Field):
    """Free text with a length limit, a counter, and a kind message when over."""

    def __init__(self, field_id, label, help="", max_chars: int = 1000, rows: int = 4):
        super().__init__(field_id, label, help)
        self.max_chars = max_chars
        self.box = w.Textarea(
            value="",
            placeholder="",
            rows=rows,
            continuous_update=True,
            layout=shared_layout(width="100%"),
            description=label,
            style=shared_style(TextStyle, description_width="0px"),
        )
        self.box.add_class("ca-textarea")
        self.box.add_class("ca-sr-label")
        self.counter = w.HTML("", layout=shared_layout()).add_class("ca-help")
        self.box.observe(self._typed, "value")
        self._showing = False
        self._update_counter(0)
        self._finish(self.box, self.counter)

    def _update_counter(self, count: int) -> None:
        self.counter.value = html.escape(
            curriculum.text("text.counter", count=f"{count:,}", limit=f"{self.max_chars:,}")
        )

    def _typed(self, change) -> None:
        text = change["new"]
        self._update_counter(len(text))
        if len(text) > self.max_chars:
            over = len(text) - self.max_chars
            self.say_kindly(curriculum.text("text.too_long", over=f"{over:,}", limit=f"{self.max_chars:,}"))
            self.acceptable = False
            return
        self.say_kindly("")
        self.acceptable = True
        if not self._showing:
            self.value = text

    def show(self, value) -> None:
        self._showing = True
        try:
            self.box.value = value if isinstance(value, str) else ""
            self.value = self.box.value or None
        finally:
            self._showing = False


def option_of(button, field) -> str:
    return field.options[field.buttons.index(button)]


class SingleChoiceField(Field):
    """Pick one option, as large buttons. Pressing the chosen one again clears it.

    An option is a word, or a pair (words shown, value saved) when the words on the
    button may change but the saved answers must keep their meaning.
    """

    def __init__(self, field_id, label, help="", options=()):
        super().__init__(field_id, label, help)
        pairs = [opt if isinstance(opt, (tuple, list)) else (opt, opt) for opt in options]
        self.labels = [shown for shown, _ in pairs]
        self.options = [value for _, value in pairs]
        self.buttons = [
            w.ToggleButton(
                value=False, description=shown, tooltip=f"{label}: {shown}", layout=shared_layout(width="auto", max_width="100%")
            )
            for shown in self.labels
        ]
        self._showing = False
        for button in self.buttons:
            button.observe(self._pressed, "value")
        self._finish(w.HBox(self.buttons, layout=shared_layout(flex_flow="row wrap", width="100%")))

    def _mark(self) -> None:
        for button, shown in zip(self.buttons, self.labels):
            button.description = f"✓ {shown}" if button.value else shown

    def _pressed(self, change) -> None:
        self._mark()
        if self._showing:
            return
        pressed = change["owner"]
        self._showing = True
        try:
            if change["new"]:
                for button in self.buttons:
                    if button is not pressed:
                        button.value = False
                self.value = self.options[self.buttons.index(pressed)]
            else:
                self.value = None
        finally:
            self._showing = False

    def show(self, value) -> None:
        self._showing = True
        try:
            for button in self.buttons:
                button.value = option_of(button, self) == value
            self._mark()
            self.value = value if value in self.options else None
        finally:
            self._showing = False

    def choose(self, option: str) -> None:
        self.buttons[self.options.index(option)].value = True


class MultiChoiceField(Field):
    """Pick any number of options, as a column of large checkboxes."""

    def __init__(self, field_id, label, help="", options=()):
        super().__init__(field_id, label, help)
        self.options = list(options)
        self.boxes = [
            w.Checkbox(value=False, description=opt, indent=False, layout=shared_layout(width="100%"))
            for opt in self.options
        ]
        self._showing = False
        for box in self.boxes:
            box.observe(self._ticked, "value")
        self._finish(*self.boxes)

    def _ticked(self, change) -> None:
        if not self._showing:
            self.value = [b.description for b in self.boxes if b.value]

    def show(self, value) -> None:
        chosen = set(value or [])
        self._showing = True
        try:
            for box in self.boxes:
                box.value = box.description in chosen
            self.value = [o for o in self.options if o in chosen] if value is not None else None
        finally:
            self._showing = False


class ScaleField(Field):
    """A 0-10 scale: a labelled number box between large minus and plus buttons.

    No dragging is needed (limited hand use), the box is a labelled text input
    (screen readers, keyboard), and a bar shows the value at a glance.
    """

    def __init__(self, field_id, label, help="", low="", high="", minimum=0, maximum=10):
        super().__init__(field_id, label, help)
        self.minimum, self.maximum = minimum, maximum
        self.box = w.Text(
            value="",
            placeholder="–",
            description=curriculum.text("scale.box", label=label, minimum=minimum, maximum=maximum),
            continuous_update=True,
            layout=shared_layout(width="5.5em"),
        )
        self.box.add_class("ca-sr-label")
        self.box.add_class("ca-scale-box")
        self.minus = w.Button(description="−", tooltip=curriculum.text("scale.less", label=label), layout=shared_layout(width="48px"))
        self.plus = w.Button(description="+", tooltip=curriculum.text("scale.more", label=label), layout=shared_layout(width="48px"))
        self.minus.add_class("ca-square")
        self.plus.add_class("ca-square")
        # the bar and the words at each end are one piece, under the buttons
        self._anchors = (f'<div class="ca-anchors"><span>{minimum}: {html.escape(low)}</span>'
                         f"<span>{maximum}: {html.escape(high)}</span></div>")
        self.bar = w.HTML("", layout=shared_layout(width="100%"))
        self.bar.add_class("ca-scale-under")
        self._showing = False
        self.box.observe(self._typed, "value")
        self.minus.on_click(lambda _: self._step(-1))
        self.plus.on_click(lambda _: self._step(+1))
        row = w.HBox([self.minus, self.box, self.plus], layout=shared_layout(width="100%"))
        row.add_class("ca-scale-row")
        self._draw_bar()
        self._finish(row, self.bar)  # straight into the field: no extra box

    def _draw_bar(self) -> None:
        pct = 0 if self.value is None else 100 * (self.value - self.minimum) / (self.maximum - self.minimum)
        self.bar.value = (f'<div class="ca-bar" aria-hidden="true"><span style="width:{pct:.0f}%"></span></div>'
                          + self._anchors)

    def _step(self, delta: int) -> None:
        current = self.minimum if self.value is None else self.value
        target = current + delta if (self.value is not None or delta > 0) else current
        target = max(self.minimum, min(self.maximum, target))
        self.box.value = str(target)

    def _typed(self, change) -> None:
        text = change["new"].strip()
        if text == "":
            number = None
        elif text.isascii() and text.isdigit() and self.minimum <= int(text) <= self.maximum:
            number = int(text)
        else:
            self.say_kindly(curriculum.text("scale.not_a_number", minimum=self.minimum, maximum=self.maximum))
            self.acceptable = False
            return
        self.say_kindly("")
        self.acceptable = True
        if not self._showing:
            self.value = number
        self._draw_bar()

    def show(self, value) -> None:
        self._showing = True
        try:
            valid = isinstance(value, int) and self.minimum <= value <= self.maximum
            self.box.value = str(value) if valid else ""
            self.value = value if valid else None
            self._draw_bar()
        finally:
            self._showing = False


class DateField(Field):
    """A date, as ISO text (``"2027-01-15"``), chosen with the browser's own date picker.

    The native picker is keyboard and screen-reader friendly on phones and desktops.
    """

    def __init__(self, field_id, label, help=""):
        super().__init__(field_id, label, help)
        self.picker = w.DatePicker(description=label, style=shared_style(DescriptionStyle, description_width="0px"),
                                   layout=shared_layout(width="auto"))
        self.picker.add_class("ca-sr-label")
        self._showing = False
        self.picker.observe(self._picked, "value")
        self._finish(self.picker)

    def _picked(self, change) -> None:
        if not self._showing:
            self.value = change["new"].isoformat() if change["new"] else None

    def show(self, value) -> None:
        self._showing = True
        try:
            try:
                day = _dt.date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                day = None
            self.picker.value = day
            self.value = day.isoformat() if day else None
        finally:
            self._showing = False


FIELD_TYPES = {
    "text": TextField,
    "date": DateField,
    "single": SingleChoiceField,
    "multi": MultiChoiceField,
    "scale": ScaleField,
}


def make_field(spec: dict) -> Field:
    """Build a field from its content description (see content/README.md)."""
    kind = spec["type"]
    common = dict(field_id=spec["id"], label=spec["label"], help=spec.get("help", ""))
    if kind == "text":
        return TextField(**common, max_chars=int(spec.get("max_chars", 1000)))
    if kind in ("single", "multi"):
        return FIELD_TYPES[kind](**common, options=spec["options"])
    if kind == "date":
        return DateField(**common)
    if kind == "scale":
        return ScaleField(**common, low=spec.get("low", ""), high=spec.get("high", ""))
    raise ValueError(f"unknown field type {kind!r}")
