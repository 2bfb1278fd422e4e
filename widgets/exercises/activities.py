"""The curriculum's exercise types beyond plain forms.

Each is an ``Exercise`` card (content note, privacy line, skip, saved-at) whose
words come from the module's content file. Answers are saved the moment they
are given, under the exercise's key prefix, in the active partner's space or
the couple's shared space.
"""
from __future__ import annotations

import asyncio
import html

import ipywidgets as w

from .. import curriculum
from ..kit.exercise import Exercise, register
from ..kit.fields import SingleChoiceField, TextField, make_field
from ..kit.shared_models import shared_layout
from ..kit.sources import card_sources_html
from ..kit.sources import label as source_label
from ..kit.ticking import start_in_background
from ..kit.widget_tree import close_trees

_t = curriculum.html_text

MAX_OWN_ITEM = 200


def _p(text: str, cls: str = "") -> w.HTML:
    klass = f' class="{cls}"' if cls else ""
    return w.HTML(f"<p{klass}>{html.escape(text)}</p>", layout=w.Layout(width="100%"))


def _own_item(text: str) -> str:
    return " ".join(text.split())


def too_long(item: str, limit: int = MAX_OWN_ITEM) -> str:
    """A kind message when an item is over the limit (the words stay in the box), else ""."""
    if len(item) <= limit:
        return ""
    return curriculum.text("list_builder.too_long", over=f"{len(item) - limit:,}", limit=f"{limit:,}")


def labelled(key: str, saved_values) -> list[tuple[str, str]]:
    """(words shown, value saved) pairs for a choice whose saved values are stable keys.

    The words come from the list at ui.toml ``key``, one for each saved value, in the same order.
    A saved value never changes (old journals keep their meaning); content and languages change
    only the words on screen.
    """
    words = curriculum.text(key)
    if not isinstance(words, list) or len(words) != len(saved_values):
        raise curriculum.ContentError(f"ui.toml {key}: expected a list of {len(saved_values)} labels, "
                                      f"one for each of {list(saved_values)}")
    return list(zip(words, saved_values))


# -- myth or fact ------------------------------------------------------------------

#: saved values of a quiz answer (stable keys, never shown); the words on the buttons are in ui.toml [quiz] choices
QUIZ_CHOICES = ["Myth", "Fact"]


@register("quiz")
class Quiz(Exercise):
    """Myth or fact? Each answer opens an explanation. No score is kept or shown."""

    def build(self) -> None:
        self.items = self.spec["items"]
        self.choices = []
        self.explanations = []
        rows = []
        for i, item in enumerate(self.items):
            choice = self.bind(SingleChoiceField(f"q{i + 1}", item["statement"], options=labelled("quiz.choices", QUIZ_CHOICES)))
            explanation = w.HTML("", layout=w.Layout(width="100%"))
            choice.observe(lambda _, i=i: self._explain(i), "value")
            self.choices.append(choice)
            self.explanations.append(explanation)
            rows += [choice, explanation]
        self.body.children = rows

    def _explain(self, i: int) -> None:
        item, choice = self.items[i], self.choices[i]
        if choice.value is None:
            self.explanations[i].value = ""
            return
        truth = curriculum.text("quiz.myth" if item["answer"] == "myth" else "quiz.fact")
        self.explanations[i].value = (
            f'<p class="ca-note" role="status"><strong>{_t("quiz.verdict", truth=truth)}</strong> '
            f"{html.escape(item['explanation'])}</p>"
            + card_sources_html(self.page.module.sources, item)
        )

    def load(self, saved: dict) -> None:
        for i, choice in enumerate(self.choices):
            choice.show(saved.get(choice.field_id))
            self._explain(i)


# -- notes to open ------------------------------------------------------------------

@register("cards")
class Cards(Exercise):
    """Short notes that open one at a time, each with its stop rules stated plainly."""

    def build(self) -> None:
        self.items = self.spec["items"]
        self.toggles = []
        self._panels: dict[int, w.HTML] = {}  # a note is built when first opened: most are never opened
        focus = (self.page.focus_condition or "").strip().lower()
        for index, item in enumerate(self.items):
            toggle = w.ToggleButton(value=False, description=item["title"], layout=shared_layout(width="100%"))
            self.toggles.append(toggle)
            toggle.observe(lambda ch, i=index: self._open(i, ch["new"]), "value")
            if focus and focus in item["title"].lower():
                toggle.value = True
        self._draw()
        self.show_status = False  # nothing to save: reading only

    def panel(self, index: int) -> w.HTML:
        """The note under the ``index``-th title (built the first time it is asked for)."""
        if index not in self._panels:
            self._panels[index] = w.HTML(self._card_html(self.items[index]), layout=shared_layout(width="100%"))
        return self._panels[index]

    def _draw(self) -> None:
        rows = []
        for index, toggle in enumerate(self.toggles):
            rows.append(toggle)
            if toggle.value:
                rows.append(self.panel(index))
        self.body.children = rows

    def _card_html(self, item: dict) -> str:
        """The note, its own stop rules, the shared rules it names (each written once), and its sources."""
        text = "".join(f"<p>{html.escape(par)}</p>" for par in item["text"].strip().split("\n\n"))
        rules = [curriculum.stop_rule_text(r) for r in item.get("stop_rules") or []]
        shared = curriculum.card_shared_rules(item)
        if rules or shared:
            box = f'<div class="ca-note" role="note"><strong>{html.escape(source_label("stop_rules"))}</strong>'
            if rules:
                box += "<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in rules) + "</ul>"
            if shared:
                box += f'<p class="ca-help">{html.escape(source_label("shared_note"))}</p>'
            for rule in shared:
                box += (f'<p><strong>{html.escape(rule["title"])}.</strong> {html.escape(rule.get("why", ""))}</p><ul>'
                        + "".join(f"<li>{html.escape(curriculum.stop_rule_text(r))}</li>" for r in rule["stop_rules"])
                        + "</ul>")
            text += box + "</div>"
        return text + card_sources_html(self.page.module.sources, item)

    def _open(self, index: int, is_open: bool) -> None:
        toggle = self.toggles[index]
        title = toggle.description.removeprefix("✓ ").removeprefix("▾ ")
        toggle.description = f"▾ {title}" if is_open else title
        self._draw()

    def blocked_reason(self) -> str:
        return ""  # information for everyone, private or not


# -- a list from suggestions and own words ----------------------------------------------

@register("list_builder")
class ListBuilder(Exercise):
    """Build a list: tick suggestions, add your own words, remove anything."""

    def build(self) -> None:
        self.items: list[str] = []
        self.suggestions = list(self.spec.get("suggestions", []))
        self.suggestion_boxes = [
            w.Checkbox(value=False, description=s, indent=False, layout=w.Layout(width="100%"))
            for s in self.suggestions
        ]
        for box in self.suggestion_boxes:
            box.observe(lambda ch, b=box: self._ticked(b, ch["new"]), "value")
        self.own = w.Text(value="", placeholder=curriculum.text("list_builder.own_placeholder"),
                             description=self.spec.get("prompt", curriculum.text("list_builder.own_label")),
                          style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        self.add_button = w.Button(description=curriculum.text("list_builder.add"))
        self.add_button.on_click(lambda _: self.add(self.own.value))
        self.list_view = w.VBox(layout=w.Layout(width="100%"))
        self._syncing = False
        self.body.children = [
            *( [_p(curriculum.text("list_builder.suggestions"), "ca-help")] if self.suggestions else []),
            *self.suggestion_boxes, self.own, self.add_button, self.message_list(), self.list_view,
        ]

    def message_list(self) -> w.HTML:
        self.list_title = w.HTML(f"<h4>{_t('list_builder.ours' if self.scope == 'shared' else 'list_builder.mine')}</h4>")
        self.empty_note = _p(curriculum.text("list_builder.nothing_yet"), "ca-help")
        self._rows: dict[str, w.HBox] = {}
        return self.list_title

    def _ticked(self, box, ticked: bool) -> None:
        if self._syncing:
            return
        if ticked and box.description not in self.items:
            self.items.append(box.description)
        elif not ticked and box.description in self.items:
            self.items.remove(box.description)
        self._changed()

    def add(self, text: str) -> None:
        item = _own_item(text)
        if not item:
            self.message.value = _t("list_builder.empty")
            return
        if too_long(item):
            self.message.value = html.escape(too_long(item))
            return
        self.message.value = ""
        if item not in self.items:
            self.items.append(item)
        self.own.value = ""
        self._changed()

    def remove(self, item: str) -> None:
        if item in self.items:
            self.items.remove(item)
        self._changed()

    def _changed(self) -> None:
        self.save("items", list(self.items))
        self._draw()

    def _draw(self) -> None:
        self._syncing = True
        try:
            for box in self.suggestion_boxes:
                box.value = box.description in self.items
        finally:
            self._syncing = False
        rows = []
        for item in self.items:
            if item not in self._rows:
                remove = w.Button(description=curriculum.text("list_builder.remove"),
                                  tooltip=curriculum.text("list_builder.remove_item", item=item))
                remove.on_click(lambda _, it=item: self.remove(it))
                self._rows[item] = w.HBox([w.HTML(f"<span>• {html.escape(item)}</span>",
                                                  layout=w.Layout(flex="1 1 auto")), remove],
                                          layout=w.Layout(width="100%", align_items="center"))
            rows.append(self._rows[item])
        dropped = [self._rows.pop(i) for i in list(self._rows) if i not in self.items]
        self.list_view.children = rows or [self.empty_note]
        close_trees(dropped)  # rows of words no longer listed (another person's, too) close

    def load(self, saved: dict) -> None:
        self.own.value = ""  # a half-typed draft never passes to the next person
        self.items = [str(i) for i in saved.get("items") or []]
        self._draw()


# -- sorting into groups --------------------------------------------------------------

@register("sorter")
class Sorter(Exercise):
    """Put each item in a group (or leave it unsorted). Own items can be added."""

    #: the list's value for "in no group" (a key, never saved: an unsorted item has no placement;
    #: never shown: the words come from ui.toml [sorter] unsorted)
    UNSORTED = "Not sorted yet"

    def build(self) -> None:
        self.groups = list(self.spec["groups"])
        self.base_items = list(self.spec.get("items", []))
        self.placement: dict[str, str] = {}
        self.own_items: list[str] = []
        self.rows = w.VBox(layout=w.Layout(width="100%"))
        self.own = w.Text(value="", placeholder=curriculum.text("sorter.own_placeholder"), description=curriculum.text("sorter.own_label"),
                          style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        self.add_button = w.Button(description=curriculum.text("sorter.add"))
        self.add_button.on_click(lambda _: self.add(self.own.value))
        self.summary = w.HTML("", layout=w.Layout(width="100%"))
        self.body.children = [self.rows, self.own, self.add_button, self.summary]
        self._picks: dict[str, w.Dropdown] = {}
        self._drawing = False
        self._draw()

    def all_items(self) -> list[str]:
        return self.base_items + [i for i in self.own_items if i not in self.base_items]

    def place(self, item: str, group: str) -> None:
        if group == self.UNSORTED:
            self.placement.pop(item, None)
        else:
            self.placement[item] = group
        self.save("placement", dict(self.placement))
        self._draw_summary()

    def add(self, text: str) -> None:
        item = _own_item(text)
        if not item:
            self.message.value = _t("sorter.empty")
            return
        if too_long(item):
            self.message.value = html.escape(too_long(item))
            return
        self.message.value = ""
        if item not in self.all_items():
            self.own_items.append(item)
            self.save("own_items", list(self.own_items))
        self.own.value = ""
        self._draw()

    def _draw(self) -> None:
        self._drawing = True
        try:
            items = self.all_items()
            for item in items:
                if item not in self._picks:
                    choices = [(curriculum.text("sorter.unsorted"), self.UNSORTED), *((g, g) for g in self.groups)]
                    pick = w.Dropdown(options=choices, description=item,
                                      style={"description_width": "initial"}, layout=w.Layout(width="100%"))
                    pick.observe(lambda ch, it=item: None if self._drawing else self.place(it, ch["new"]), "value")
                    self._picks[item] = pick
                self._picks[item].value = self.placement.get(item, self.UNSORTED)
            dropped = [self._picks.pop(i) for i in list(self._picks) if i not in items]
            self.rows.children = [self._picks[item] for item in items]
            close_trees(dropped)  # another person's own items close
        finally:
            self._drawing = False
        self._draw_summary()

    def _draw_summary(self) -> None:
        parts = []
        for group in self.groups:
            members = [i for i in self.all_items() if self.placement.get(i) == group]
            if members:
                parts.append(f"<h4>{html.escape(group)}</h4><ul>"
                             + "".join(f"<li>{html.escape(m)}</li>" for m in members) + "</ul>")
        self.summary.value = "".join(parts)

    def load(self, saved: dict) -> None:
        self.own.value = ""  # a half-typed draft never passes to the next person
        self.own_items = [str(i) for i in saved.get("own_items") or []]
        placement = saved.get("placement") or {}
        self.placement = {str(k): v for k, v in placement.items() if v in self.groups}
        self._draw()


# -- neutral words ---------------------------------------------------------------------

def rephrase(text: str, items: list[dict]) -> list[dict]:
    """The word-list entries whose hard word appears in ``text`` (case-insensitive)."""
    lowered = f" {text.lower()} "
    return [item for item in items if item["word"].lower() in lowered]


@register("rephraser")
class Rephraser(Exercise):
    """Type a hard word or sentence; see neutral words for it, and why."""

    def build(self) -> None:
        self.items = self.spec["items"]
        self.input = self.bind(TextField("said", curriculum.text("rephraser.hard"), max_chars=500, rows=2))
        self.suggestions = w.HTML("", layout=w.Layout(width="100%"))
        self.input.observe(lambda _: self._suggest(), "value")
        self.input.box.observe(lambda _: self._suggest(), "value")
        self.mine = self.bind(TextField("my_words", curriculum.text("rephraser.instead"), max_chars=500, rows=2))
        table = "".join(
            f"<tr><th scope='row'>{html.escape(i['word'])}</th><td>{html.escape(i['neutral'])}</td>"
            f"<td>{html.escape(i['why'])}</td></tr>"
            for i in self.items
        )
        self.word_list = w.HTML(
            f"<details><summary>{_t('rephraser.word_list')}</summary><div style='overflow-x:auto'>"
            f"<table class='ca-table'><tr><th scope='col'>{_t('rephraser.instead_of')}</th>"
            f"<th scope='col'>{_t('rephraser.try')}</th>"
            f"<th scope='col'>{_t('rephraser.why')}</th></tr>{table}</table></div></details>",
            layout=w.Layout(width="100%"),
        )
        self.body.children = [self.input, self.suggestions, self.mine, self.word_list]

    def _suggest(self) -> None:
        text = self.input.box.value
        found = rephrase(text, self.items)
        if not text.strip():
            self.suggestions.value = ""
        elif not found:
            self.suggestions.value = _t("rephraser.none_found")
        else:
            self.suggestions.value = "".join(
                f'<div class="ca-note" role="status"><p><strong>{_t("rephraser.suggestion", word=i["word"])}</strong> '
                f'{html.escape(i["neutral"])}</p><p>{html.escape(i["why"])}</p></div>'
                for i in found
            )

    def load(self, saved: dict) -> None:
        self.input.show(saved.get("said"))
        self.mine.show(saved.get("my_words"))
        self._suggest()


# -- speaker and listener turns -----------------------------------------------------------

@register("turns")
class Turns(Exercise):
    """Two roles take turns with a visible timer and a scaffold: speaker and listener by default.

    Optional content keys: ``roles`` (the two role names, e.g. touching and receiving),
    ``scaffold_title``, ``note_label`` ("" for no shared note) and ``alternate_note``: with it,
    the page remembers only who started last time, and the other person starts next time.
    """

    def build(self) -> None:
        self.minutes = int(self.spec.get("minutes", 3))
        self.remaining = self.minutes * 60
        self.speaker_first = True
        self.role_names = list(self.spec.get("roles", ["Speaking", "Listening"]))
        self.alternate_note = self.spec.get("alternate_note", "")
        self.last_first: str | None = None
        self.started_this_time = False
        self.roles = w.HTML("", layout=w.Layout(width="100%"))
        self.swap_button = w.Button(description=curriculum.text("turns.swap"))
        self.swap_button.on_click(lambda _: self.swap())
        self.clock = w.HTML("", layout=w.Layout(width="100%"))
        self.clock.add_class("ca-clock")
        self.start_button = w.Button(description=curriculum.text("turns.start", minutes=self.minutes), button_style="primary")
        self.stop_button = w.Button(description=curriculum.text("turns.stop"))
        self.start_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        scaffold = "".join(f"<li>{html.escape(s)}</li>" for s in self.spec.get("scaffold", []))
        title = html.escape(self.spec.get("scaffold_title", curriculum.text("turns.scaffold_title")))
        self.scaffold = w.HTML(f"<p><strong>{title}</strong></p><ul>{scaffold}</ul>",
                               layout=w.Layout(width="100%"))
        note_label = self.spec.get("note_label", curriculum.text("turns.heard"))
        self.heard = self.bind(TextField("heard", note_label, max_chars=1000, rows=3)) if note_label else None
        self.start_line = w.HTML("", layout=w.Layout(width="100%"))
        self._task = None
        self._draw()
        self.body.children = [self.start_line, self.roles, self.swap_button, self.clock,
                              w.HBox([self.start_button, self.stop_button], layout=w.Layout(flex_flow="row wrap")),
                              self.scaffold, *([self.heard] if self.heard else [])]

    def _all_names(self) -> dict[str, str]:
        names = self.page.journal_names()
        return {"a": names.get("a") or curriculum.text("who.partner_default_a"),
                "b": names.get("b") or curriculum.text("who.partner_default_b")}

    def names(self) -> tuple[str, str]:
        names = self._all_names()
        return (names["a"], names["b"]) if self.speaker_first else (names["b"], names["a"])

    def _draw(self) -> None:
        speaker, listener = self.names()
        first, second = (html.escape(r) for r in self.role_names)
        self.roles.value = (f"<p><strong>{first}:</strong> {html.escape(speaker)} · "
                            f"<strong>{second}:</strong> {html.escape(listener)}</p>")
        if self.alternate_note and self.last_first in ("a", "b"):
            names = self._all_names()
            other = "b" if self.last_first == "a" else "a"
            self.start_line.value = "<p>" + html.escape(
                self.alternate_note.format(last=names[self.last_first], next=names[other])) + "</p>"
        else:
            self.start_line.value = ""
        mins, secs = divmod(max(self.remaining, 0), 60)
        if self.remaining <= 0:
            self.clock.value = f'<p role="status"><strong>{_t("turns.time_up")}</strong> {_t("turns.time_up_more")}</p>'
        else:
            self.clock.value = f'<p aria-live="off"><strong>{mins}:{secs:02d}</strong> {_t("turns.left")}</p>'

    def swap(self) -> None:
        self.stop()
        self.speaker_first = not self.speaker_first
        self.remaining = self.minutes * 60
        self._draw()

    def tick(self, seconds: int = 1) -> None:
        self.remaining -= seconds
        self._draw()

    def start(self) -> None:
        self.stop()
        self.remaining = self.minutes * 60
        if self.alternate_note and not self.started_this_time:
            # only who took the first turn this time is kept, so that the other person starts next time
            self.started_this_time = True
            self.save("started_first", "a" if self.speaker_first else "b")
        self._draw()
        self._task = start_in_background(self._run)

    async def _run(self) -> None:
        while self.remaining > 0:
            await asyncio.sleep(1)
            self.tick()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def load(self, saved: dict) -> None:
        if self.heard:
            self.heard.show(saved.get("heard"))
        self.started_this_time = False
        self.last_first = saved.get("started_first") if self.alternate_note else None
        if self.last_first in ("a", "b"):
            self.speaker_first = self.last_first == "b"
        self._draw()


# -- the step ladder -----------------------------------------------------------------

#: saved values of a ladder step (stable keys, never shown, never changed); the words on the buttons
#: are in ui.toml [ladder] states
LADDER_STATES = ["Not yet", "Trying it", "Feels easy"]


@register("ladder")
class Ladder(Exercise):
    """Small steps, all visible (nothing to unlock), each repeated until it feels easy."""

    def build(self) -> None:
        self.steps = self.spec["items"]
        t = curriculum.text
        choices = [(t("ladder.no_condition"), "")] + [(title, title) for title in curriculum.condition_stop_rules()]
        self.condition = w.Dropdown(options=choices, value=self.page.focus_title(), description=t("ladder.condition"),
                                    style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        self.condition.observe(self._condition_chosen, "value")
        self.reminder = w.HTML("", layout=w.Layout(width="100%"))
        self._draw_rules()
        self.states = []
        rows = [self.condition, self.reminder]
        for i, step in enumerate(self.steps, start=1):
            state = self.bind(SingleChoiceField(f"step{i}", t("ladder.step", number=i, title=step["title"]), help=step["text"],
                                                options=labelled("ladder.states", LADDER_STATES)))
            self.states.append(state)
            rows.append(state)
        rows.append(self.bind(TextField("notes", t("ladder.noticed"),
                                        max_chars=1000, rows=3)))
        self.notes = rows[-1]
        self.body.children = rows

    def _draw_rules(self) -> None:
        rules = self.page.stop_rules(self.condition.value) if self.condition.value else []
        if rules:
            self.reminder.value = (
                f'<div class="ca-note" role="note"><strong>{html.escape(curriculum.text("ladder.rules_for"))} '
                f"{html.escape(self.condition.value)}:</strong><ul>"
                + "".join(f"<li>{html.escape(r)}</li>" for r in rules) + "</ul></div>")
        else:
            self.reminder.value = f'<p class="ca-note">{html.escape(curriculum.text("ladder.rules_general"))}</p>'

    def _condition_chosen(self, change) -> None:
        self._draw_rules()
        self.save("condition", change["new"] or None)

    def load(self, saved: dict) -> None:
        for state in self.states:
            state.show(saved.get(state.field_id))
        self.notes.show(saved.get("notes"))
        known = {value for _, value in self.condition.options}
        chosen = saved.get("condition")
        self.condition.value = chosen if chosen in known else self.page.focus_title()
        self._draw_rules()


# -- a dated log that keeps its history ---------------------------------------------------------

@register("log")
class Log(Exercise):
    """Dated entries. Changing an entry keeps the old version, so the log shows what changed and when."""

    keeps_history = True

    def build(self) -> None:
        self.form = [make_field(spec) for spec in self.spec["fields"]]
        self.entries: dict[str, dict] = {}
        self.editing = w.Dropdown(options=[(curriculum.text("log.new_entry"), "")], value="", description=curriculum.text("log.write"),
                                  style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        self.editing.observe(lambda _: self._fill_form(), "value")
        self.add_button = w.Button(description=curriculum.text("log.save"), button_style="primary")
        self.add_button.on_click(lambda _: self.submit())
        self.view_log = w.HTML("", layout=w.Layout(width="100%"))
        self.body.children = [self.editing, *self.form, self.add_button, self.view_log]

    def _values(self) -> dict:
        return {f.field_id: f.value for f in self.form}

    def submit(self) -> str | None:
        values = self._values()
        if not any(v not in (None, "", []) for v in values.values()):
            self.message.value = _t("log.empty")
            return None
        if not all(f.acceptable for f in self.form):
            self.message.value = _t("log.too_long")
            return None
        self.message.value = ""
        entry_id = self.editing.value or f"{len(self.entries) + 1:03d}"
        values["date"] = self.page.today.isoformat()
        if self.save(f"entries/{entry_id}", values):
            self.entries[entry_id] = values
            self._draw()
            self.editing.value = ""
            for f in self.form:
                f.show(None)
        return entry_id

    def _fill_form(self) -> None:
        current = self.entries.get(self.editing.value, {})
        for f in self.form:
            f.show(current.get(f.field_id))

    def _summary(self, values: dict) -> str:
        first = next((str(v) for v in values.values() if isinstance(v, str) and v), "")
        return first[:60]

    def _draw(self) -> None:
        options = [(curriculum.text("log.new_entry"), "")] + [
            (curriculum.text("log.change_entry", id=eid, summary=self._summary(v)), eid) for eid, v in sorted(self.entries.items())
        ]
        keep = self.editing.value if self.editing.value in self.entries else ""
        self.editing.options = options
        self.editing.value = keep
        view = self.view()
        parts = []
        for eid in sorted(self.entries, reverse=True):
            versions = view.history(self.key_prefix + f"entries/{eid}") if view else []
            rows = []
            for when, value in versions:
                if not isinstance(value, dict):
                    continue
                described = "; ".join(
                    f"{html.escape(f.label.rstrip(':'))}{'' if f.label.endswith('?') else ':'} {html.escape(', '.join(value[f.field_id]) if isinstance(value.get(f.field_id), list) else str(value.get(f.field_id)))}"
                    for f in self.form if value.get(f.field_id) not in (None, "", [])
                )
                rows.append(f"<li><strong>{html.escape(when[:10])}</strong>: {described}</li>")
            label = _t("log.changes" if len(rows) > 1 else "log.written")
            parts.append(f"<h4>{_t('log.entry', id=eid)}</h4><p class='ca-help'>{label}</p><ul>{''.join(rows)}</ul>")
        self.view_log.value = "".join(parts) or _t("log.none")

    def load(self, saved: dict) -> None:
        self.entries = {
            k.removeprefix("entries/"): v for k, v in saved.items() if k.startswith("entries/") and isinstance(v, dict)
        }
        for f in self.form:
            f.show(None)
        self._draw()


# -- breathing and grounding --------------------------------------------------------------

@register("breathing")
class Breathing(Exercise):
    """A breathing pacer. With reduced motion the circle stays still and the words guide."""

    def build(self) -> None:
        inhale, exhale = int(self.spec.get("inhale", 4)), int(self.spec.get("exhale", 6))
        total = inhale + exhale
        self.pacer = w.HTML(
            f"<style>.ca-pacer {{ animation: ca-pace {total}s ease-in-out infinite; }}"
            f"@keyframes ca-pace {{ 0%, 100% {{ transform: scale(0.6); }} {100 * inhale / total:.0f}% "
            "{ transform: scale(1); } }"
            "@media (prefers-reduced-motion: reduce) { .ca-pacer { animation: none; transform: none; } }</style>"
            '<div class="ca-breath ca-pacer" aria-hidden="true" style="animation-play-state: paused"></div>'
            f"<p>{_t('breathing.guide', inhale=inhale, exhale=exhale)}</p>",
            layout=w.Layout(width="100%"),
        )
        self.running = False
        self.toggle = w.Button(description=curriculum.text("breathing.start"), button_style="primary")
        self.toggle.on_click(lambda _: self.set_running(not self.running))
        self.body.children = [self.pacer, self.toggle]
        self.show_status = False

    def set_running(self, running: bool) -> None:
        self.running = running
        state = "running" if running else "paused"
        self.pacer.value = self.pacer.value.replace(
            "animation-play-state: paused" if running else "animation-play-state: running",
            f"animation-play-state: {state}",
        )
        self.toggle.description = curriculum.text("breathing.stop" if running else "breathing.start")
        if running:
            self.save("_used", True)

    def blocked_reason(self) -> str:
        return ""


@register("grounding")
class Grounding(Exercise):
    """The 5-4-3-2-1 grounding exercise, one step at a time."""

    def build(self) -> None:
        self.steps = curriculum.data("grounding")["steps"]
        self.index = 0
        self.step_text = w.HTML("", layout=w.Layout(width="100%"))
        self.back_button = w.Button(description=curriculum.text("grounding.back"))
        self.next_button = w.Button(description=curriculum.text("grounding.next"), button_style="primary")
        self.back_button.on_click(lambda _: self.go(-1))
        self.next_button.on_click(lambda _: self.go(+1))
        self._draw()
        self.body.children = [self.step_text, w.HBox([self.back_button, self.next_button],
                                                      layout=w.Layout(flex_flow="row wrap"))]
        self.show_status = False

    def go(self, delta: int) -> None:
        self.index = max(0, min(len(self.steps), self.index + delta))
        self._draw()

    def _draw(self) -> None:
        if self.index >= len(self.steps):
            self.step_text.value = f'<p role="status">{html.escape(curriculum.data("grounding")["closing"])}</p>'
        else:
            self.step_text.value = (f'<p role="status"><strong>{_t("grounding.step", number=self.index + 1, total=len(self.steps))}</strong> '
                                    f"{html.escape(self.steps[self.index])}</p>")
        self.next_button.layout.display = "none" if self.index >= len(self.steps) else ""

    def blocked_reason(self) -> str:
        return ""
