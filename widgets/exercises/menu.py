"""The partners' private menu, with mutual matches.

Each partner rates every idea alone: Yes, Maybe / curious, Not now, No, with an
optional private note. Ratings live in that partner's private space only, with
no history kept. When a partner locks their private space (see
``lock_panel``), the ratings are sealed with everything else in it.

Earlier versions let a partner lock the menu alone (Fernet, key from scrypt,
under ``menu/locked``). Such a menu opens once with its passphrase and moves
into the private space, which is then locked with that same passphrase.

The reveal shows, to both at once, the ideas both rated Yes and, if each chose
to include them, ideas rated Yes by one and Maybe by the other. It never shows
or counts a No or Not now, never how many ideas did not match, and lists
matches in the menu's own order, so nothing hints at the other's declines.
"""
from __future__ import annotations

import base64
import html
import json
import os

import ipywidgets as w
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .. import curriculum
from ..kit.disclosure import Disclosure
from ..kit.exercise import Exercise, register
from ..kit.fields import SingleChoiceField, TextField
from ..kit.shared_models import shared_layout
from ..storage.journal import JournalError, PartnerView
from ..storage.space_lock import WrongPassphrase
from .activities import labelled, too_long

_t = curriculum.html_text

PREFIX = "menu/"
RATINGS = "menu/ratings"
NOTES = "menu/notes"
LOCKED = "menu/locked"
OWN_ITEMS = "menu/own_items"
LAST_REVEAL = "menu/last_reveal"
#: the ratings as saved (stable keys, never shown): old journals keep them and matching compares them,
#: so they never change. The words on the rating buttons are in ui.toml [menu] ratings, in this order.
YES, MAYBE, NOT_NOW, NO = "Yes", "Maybe / curious", "Not now", "No"
RATING_VALUES = (YES, MAYBE, NOT_NOW, NO)


# -- the list of ideas ----------------------------------------------------------

def menu_items(shared: PartnerView | None = None) -> list[dict]:
    """The curated ideas, then the couple's own, in a fixed order."""
    content = curriculum.data("menu")
    items = [dict(item) for item in content["items"]]
    if shared is not None:
        for own in shared.get(OWN_ITEMS, []) or []:
            if isinstance(own, dict) and own.get("id") and own.get("text"):
                items.append({"id": own["id"], "kind": "own", "text": own["text"], "energy": "", "mobility": ""})
    return items


# -- matching --------------------------------------------------------------------

def find_matches(ratings_a: dict, ratings_b: dict, order: list[str],
                 maybe_a: bool = False, maybe_b: bool = False, pairs: list[dict] = ()) -> dict[str, list[str]]:
    """Mutual matches, in the menu's order.

    ``both_yes``: both said Yes. ``yes_and_maybe``: one Yes and one Maybe, only
    when both partners chose to include those (otherwise always empty).

    An idea that comes as a giving and a receiving item (``pairs``) matches
    across the two: one partner's "giving" with the other's "receiving". Such a
    match is named ``"<giving id>@a"`` when partner a gives, ``"<giving id>@b"``
    when partner b does; two people who both want to give is not a match.
    """
    both_yes, yes_and_maybe = [], []
    include_maybe = maybe_a and maybe_b
    giving = {p["giving"]: p for p in pairs}
    receiving = {p["receiving"] for p in pairs}

    def judge(first, second, match_id: str) -> None:
        if first == YES and second == YES:
            both_yes.append(match_id)
        elif include_maybe and {first, second} == {YES, MAYBE}:
            yes_and_maybe.append(match_id)

    for item_id in order:
        if item_id in giving:
            pair = giving[item_id]
            judge(ratings_a.get(pair["giving"]), ratings_b.get(pair["receiving"]), f"{item_id}@a")
            judge(ratings_b.get(pair["giving"]), ratings_a.get(pair["receiving"]), f"{item_id}@b")
        elif item_id not in receiving:
            judge(ratings_a.get(item_id), ratings_b.get(item_id), item_id)
    return {"both_yes": both_yes, "yes_and_maybe": yes_and_maybe}


def match_text(match_id: str, text: dict[str, str], pairs: list[dict], names: dict[str, str]) -> str:
    """How a match reads: the idea, or for a giving/receiving pair, who gives to whom."""
    item_id, _, giver = match_id.partition("@")
    if not giver:
        return text[item_id]
    pair = next(p for p in pairs if p["giving"] == item_id)
    receiver = "b" if giver == "a" else "a"
    return pair["together"].format(giver=names[giver], receiver=names[receiver])


# -- the menu lock of earlier versions (read once, then moved into the private space) ----------

def _key(passphrase: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1)
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8")))


def lock(data: dict, passphrase: str) -> dict:
    salt = os.urandom(16)
    token = Fernet(_key(passphrase, salt)).encrypt(json.dumps(data).encode("utf-8"))
    return {"v": 1, "salt": base64.b64encode(salt).decode(), "token": token.decode()}


def unlock(blob: dict, passphrase: str) -> dict:
    try:
        key = _key(passphrase, base64.b64decode(blob["salt"]))
        return json.loads(Fernet(key).decrypt(blob["token"].encode()))
    except (InvalidToken, KeyError, ValueError) as exc:
        raise WrongPassphrase from exc


class PrivateAnswers:
    """One partner's ratings and notes, in their private space, never with history."""

    def __init__(self, view: PartnerView):
        self.view = view

    @property
    def locked(self) -> bool:
        """Locked on its own by an earlier version, and not yet moved into the private space."""
        return self.view.get(LOCKED) is not None

    def read(self, passphrase: str | None = None) -> dict:
        blob = self.view.get(LOCKED)
        if blob is None:
            return {"ratings": self.view.get(RATINGS, {}) or {}, "notes": self.view.get(NOTES, {}) or {}}
        return unlock(blob, passphrase or "")

    def write(self, data: dict) -> str:
        if self.locked:
            raise WrongPassphrase
        self.view.put(NOTES, data.get("notes", {}), keep_history=False)
        return self.view.put(RATINGS, data.get("ratings", {}), keep_history=False)

    def move_into_space(self, data: dict) -> str:
        """An earlier version's menu lock, opened: its answers now live in the (locked) private space."""
        self.view.put(NOTES, data.get("notes", {}), keep_history=False)
        stamp = self.view.put(RATINGS, data.get("ratings", {}), keep_history=False)
        self.view.delete(LOCKED, keep_history=False)
        return stamp


# -- rating, alone -------------------------------------------------------------------------------

class _RowsOnDemand(dict):
    """Item id -> field; asking for an idea whose section is not built yet builds that section."""

    def __init__(self, build_section_of):
        super().__init__()
        self._build_section_of = build_section_of

    def __missing__(self, item_id):
        self._build_section_of(item_id)
        if dict.__contains__(self, item_id):
            return dict.__getitem__(self, item_id)
        raise KeyError(item_id)


@register("menu")
class PrivateMenu(Exercise):
    """Rate every idea privately; lock with a passphrase if you wish; hand over."""

    def __init__(self, page, spec):
        self.answers: PrivateAnswers | None = None
        self.data = {"ratings": {}, "notes": {}}
        super().__init__(page, spec)
        self.key_prefix = PREFIX

    def build(self) -> None:
        content = self.content = curriculum.data("menu")
        t = content
        self.kind_names = dict(content["kinds"])
        self.items = menu_items()
        # an idea's rating and note are built when its section opens (or a test asks for them),
        # filled with the answers of the person at the page, and closed at every hand-over
        self.rating_fields: dict[str, SingleChoiceField] = _RowsOnDemand(self._build_section_of)
        self.note_fields: dict[str, TextField] = _RowsOnDemand(self._build_section_of)
        sections, titles, self.section_kinds = [], [], []
        for kind, title in [*self.kind_names.items(), ("own", curriculum.text("menu.own_section"))]:
            rows = []
            self.own_box = getattr(self, "own_box", None)
            if kind != "own":
                sections.append(None)
                titles.append(title)
                self.section_kinds.append(kind)
                continue
            if kind == "own":
                self.own_rows = w.VBox(rows, layout=w.Layout(width="100%"))
                self.own_text = w.Text(value="", placeholder=curriculum.text("menu.own_placeholder"), description=curriculum.text("menu.own_label"),
                                       style={"description_width": "initial"}, layout=w.Layout(width="100%"))
                self.own_add = w.Button(description=curriculum.text("menu.own_add"))
                self.own_add.on_click(lambda _: self.add_own(self.own_text.value))
                rows = [w.HTML(_t("menu.own_help"), layout=w.Layout(width="100%")),
                        self.own_rows, self.own_text, self.own_add]
            sections.append(w.VBox(rows, layout=w.Layout(width="100%")))
            titles.append(title)
            self.section_kinds.append(kind)
        self.section_boxes = [Disclosure(title, [box]) if box is not None
                              else Disclosure(title, build=lambda kind=kind: self._section_rows(kind))
                              for title, box, kind in zip(titles, sections, self.section_kinds)]
        self.sections = w.VBox(self.section_boxes, layout=w.Layout(width="100%"))
        # how the ratings are protected; an earlier version's menu lock opens here once
        self.pass_1 = w.Password(description=curriculum.text("lock.passphrase"), style={"description_width": "initial"},
                                 layout=w.Layout(width="100%"))
        self.unlock_button = w.Button(description=curriculum.text("menu_lock.open"), button_style="primary")
        self.unlock_button.on_click(lambda _: self.open_locked(self.pass_1.value))
        self.lock_note = w.HTML("", layout=w.Layout(width="100%"))
        self.lock_box = w.VBox(layout=w.Layout(width="100%"))
        self.handover_button = w.Button(description=curriculum.text("menu.hand_over"), button_style="primary")
        self.handover_button.on_click(lambda _: self.hand_over())
        self.body.children = [w.HTML(f"<p>{html.escape(t['intro'])}</p><p class='ca-help'>{html.escape(t['kinds_help'])}</p>"),
                              self.sections, self.lock_box, self.handover_button]

    def _item_row(self, item: dict) -> list:
        guide = ""
        if item.get("energy"):
            guide = curriculum.text("menu.guide", energy=item["energy"], mobility=item["mobility"])
        rating = SingleChoiceField(f"rate_{item['id']}", item["text"], help=guide, options=labelled("menu.ratings", RATING_VALUES))
        note = TextField(f"note_{item['id']}", self.content["note_label"], max_chars=300, rows=1)
        rating.observe(lambda ch, i=item["id"]: self.rate(i, ch["new"]), "value")
        note.observe(lambda ch, i=item["id"]: self.note(i, ch["new"]), "value")
        self.rating_fields[item["id"]] = rating
        self.note_fields[item["id"]] = note
        return [rating, note]

    def _section_rows(self, kind: str) -> list:
        """A section's ideas, built when it opens, showing the answers of the person at the page."""
        rows = []
        for item in self.items:
            if item["kind"] == kind:
                rows += self._item_row(item)
        self._loading_menu = True
        try:
            for item in self.items:
                if item["kind"] == kind:
                    self.rating_fields[item["id"]].show(self.data["ratings"].get(item["id"]))
                    self.note_fields[item["id"]].show(self.data["notes"].get(item["id"]))
        finally:
            self._loading_menu = False
        return [w.VBox(rows, layout=shared_layout(width="100%"))]

    def _build_section_of(self, item_id: str) -> None:
        kind = next((i["kind"] for i in self.items if i["id"] == item_id), None)
        if kind is not None and kind in self.section_kinds:
            self.section_boxes[self.section_kinds.index(kind)].ensure_built()

    def _forget_sections(self) -> None:
        """Close every section and the rows built in it: nothing of this person's stays in a live widget."""
        for section in self.section_boxes:
            section.forget()
        for item in self.items:
            if item["kind"] != "own":
                dict.pop(self.rating_fields, item["id"], None)
                dict.pop(self.note_fields, item["id"], None)

    # -- state -------------------------------------------------------------------
    def view(self):
        if self.scope == "private" and self.page.active:
            return self.page.journal.partner(self.page.active)
        return None

    def refresh(self) -> None:
        if self.page.active:
            self.build_body()
        view = self.view()
        self.answers = PrivateAnswers(view) if view is not None else None
        self.data = {"ratings": {}, "notes": {}}
        if self.body_built:
            self._forget_sections()  # the next person starts with every section closed, its rows closed
            self._refresh_own()
        super().refresh()

    def blocked_reason(self) -> str:
        if not self.page.active:
            return curriculum.text("exercise.private_nobody")
        return ""

    def load(self, saved: dict) -> None:
        self.pass_1.value = ""
        if self.answers is None:
            self._show({"ratings": {}, "notes": {}})
            self._draw_lock()
            return
        if self.answers.locked:
            self._show({"ratings": {}, "notes": {}})
            self.sections.layout.display = "none"
        else:
            self.data = self.answers.read()
            self._show(self.data)
            self.sections.layout.display = ""
        self._draw_lock()

    def clear(self) -> None:
        self._show({"ratings": {}, "notes": {}})
        self.pass_1.value = self.own_text.value = ""  # drafts never pass to the next person

    def _show(self, data: dict) -> None:
        self._loading_menu = True
        try:
            for item_id, field in self.rating_fields.items():
                field.show(data["ratings"].get(item_id))
            for item_id, field in self.note_fields.items():
                field.show(data["notes"].get(item_id))
        finally:
            self._loading_menu = False

    def _draw_lock(self) -> None:
        if self.answers is None:
            self.lock_box.children = []
        elif self.answers.locked:
            self.lock_note.value = f"<p>{html.escape(curriculum.text('menu_lock.earlier'))}</p>"
            self.lock_box.children = [self.lock_note, self.pass_1, self.unlock_button]
        else:
            locked = self.page.journal.is_locked(self.page.active)
            key = "menu_lock.in_locked_space" if locked else "menu_lock.in_open_space"
            self.lock_note.value = f"<p class='ca-help'>{html.escape(curriculum.text(key))}</p>"
            self.lock_box.children = [self.lock_note]

    # -- actions -----------------------------------------------------------------
    def rate(self, item_id: str, rating) -> None:
        if getattr(self, "_loading_menu", False) or self._loading:
            return
        if rating is None:
            self.data["ratings"].pop(item_id, None)
        else:
            self.data["ratings"][item_id] = rating
        self._store()

    def note(self, item_id: str, text) -> None:
        if getattr(self, "_loading_menu", False) or self._loading:
            return
        if text:
            self.data["notes"][item_id] = text
        else:
            self.data["notes"].pop(item_id, None)
        self._store()

    def _store(self) -> None:
        if self.answers is None:
            return
        try:
            stamp = self.answers.write(self.data)
        except (JournalError, WrongPassphrase) as err:
            self.status.show_failed(getattr(err, "message", curriculum.text("menu.locked_first")))
            return
        self.status.show_saved(stamp)
        self.visited = True

    def open_locked(self, passphrase: str) -> bool:
        """Open a menu that an earlier version locked on its own, and move it into the private space.

        If the private space is not locked yet, it is locked with this same passphrase, so the
        ratings stay as protected as they were.
        """
        self.pass_1.value = ""
        try:
            data = self.answers.read(passphrase)
        except WrongPassphrase:
            self.message.value = html.escape(curriculum.text("lock.wrong"))
            return False
        slot, journal = self.page.active, self.page.journal
        if not journal.is_locked(slot):
            try:
                journal.lock_space(slot, passphrase)
            except JournalError as err:
                if err.kind != "short_passphrase":
                    raise
                # the old menu passphrase is too short for a space lock: keep the old lock until a new one is set
                self.message.value = html.escape(curriculum.text("menu_lock.short_old"))
                return False
        PrivateAnswers(journal.partner(slot)).move_into_space(data)
        self.page.set_active(slot)  # every card now says the space is locked
        self.message.value = html.escape(curriculum.text("menu_lock.moved"))
        return True

    def hand_over(self) -> None:
        self.page.set_active("")
        self.page.picker.state.value = _t("menu.handed_over")

    def add_own(self, text: str) -> None:
        words = " ".join(text.split())
        if not words:
            self.message.value = _t("menu.own_empty")
            return
        if too_long(words, 120):
            self.message.value = html.escape(too_long(words, 120))
            return
        shared = self.page.journal.shared()
        own = shared.get(OWN_ITEMS, []) or []
        if any(o.get("text") == words for o in own):
            self.own_text.value = ""
            return
        own.append({"id": f"own_{len(own) + 1:03d}", "text": words})
        shared.put(OWN_ITEMS, own)
        self.own_text.value = ""
        self.message.value = ""
        self._refresh_own()
        self._show(self.data)

    def _refresh_own(self) -> None:
        if not hasattr(self, "own_rows"):
            return
        try:
            own = [i for i in menu_items(self.page.journal.shared()) if i["kind"] == "own"] if self.page.active else []
        except JournalError:
            own = []
        rows = []
        for item in own:
            if item["id"] not in self.rating_fields:
                self._item_row(item)
            rows += [self.rating_fields[item["id"]], self.note_fields[item["id"]]]
        self.own_rows.children = rows


# -- the reveal, together -------------------------------------------------------------------------

@register("menu_reveal")
class Reveal(Exercise):
    """Both partners press 'Show our matches'; then both see the same matches at once."""

    def __init__(self, page, spec):
        self.ready: dict[str, dict] = {}
        super().__init__(page, spec)
        self.key_prefix = PREFIX

    def build(self) -> None:
        self.partner_boxes = {}
        rows = []
        for slot in ("a", "b"):
            include = w.Checkbox(value=False, indent=False, layout=w.Layout(width="100%"),
                                 description=curriculum.text("menu.reveal_maybe"))
            passphrase = w.Password(description=curriculum.text("menu_reveal.passphrase"),
                                    style={"description_width": "initial"}, layout=w.Layout(width="100%"))
            button = w.Button(description="", button_style="primary")
            button.on_click(lambda _, s=slot: self.press(s))
            state = w.HTML("")
            self.partner_boxes[slot] = (include, passphrase, button, state)
            rows.append(w.VBox([button, include, passphrase, state], layout=w.Layout(width="100%")).add_class("ca-subcard"))
        self.results = w.HTML("", layout=w.Layout(width="100%"))
        self.hide_button = w.Button(description=curriculum.text("menu.reveal_hide"))
        self.hide_button.on_click(lambda _: self.reset())
        self.body.children = [
            w.HTML(f"<p>{_t('menu.reveal_intro')}</p>"
                   f"<p class='ca-help'>{html.escape(curriculum.text('menu_reveal.how'))}</p>"),
            *rows, self.results, self.hide_button]
        self.show_status = False

    def blocked_reason(self) -> str:
        return ""

    def refresh(self) -> None:
        """A new person at the page: names update; who has already pressed stays (in memory only)."""
        names = self._names()
        if not self.page.active:
            self.results.value = ""
        for slot, (include, passphrase, button, state) in self.partner_boxes.items():
            button.description = curriculum.text("menu_reveal.show", name=names[slot])
            passphrase.value = ""
            if slot not in self.ready:  # each person ticks their own choice, after choosing their name
                include.value = False
            button.disabled = slot in self.ready
            state.value = html.escape(curriculum.text("menu_reveal.waiting")) if slot in self.ready else ""
        self.children = self._layout()

    def _names(self) -> dict[str, str]:
        try:
            known = self.page.journal.partner_names() if self.page.active else {}
        except JournalError:
            known = {}
        return {s: known.get(s) or curriculum.text(f"who.partner_default_{s}") for s in ("a", "b")}

    def reset(self) -> None:
        self.ready.clear()
        self.results.value = ""
        for include, passphrase, button, state in self.partner_boxes.values():
            include.value = False
            passphrase.value = ""
            state.value = ""
            button.disabled = False

    def _ratings(self, slot: str, passphrase: str) -> dict | None:
        """``slot``'s ratings, if they agree now: as the person at the page, or with their passphrase."""
        journal = self.page.journal
        if self.page.active == slot:
            return PrivateAnswers(journal.partner(slot)).read(passphrase or None)
        if not passphrase:
            return None
        if journal.is_locked(slot):
            return {"ratings": journal.peek(slot, passphrase, RATINGS, {}) or {}}
        answers = PrivateAnswers(journal.partner(slot))
        return answers.read(passphrase) if answers.locked else None  # an earlier version's menu lock

    def press(self, slot: str) -> bool:
        """A partner agrees to the reveal: only while they are the one using the page, or with their passphrase."""
        include, passphrase, button, state = self.partner_boxes[slot]
        try:
            data = self._ratings(slot, passphrase.value)
        except WrongPassphrase:
            state.value = html.escape(curriculum.text("menu_reveal.wrong_passphrase"))
            return False
        finally:
            passphrase.value = ""
        if data is None:
            state.value = html.escape(curriculum.text("menu_reveal.own_name_first"))
            return False
        self.ready[slot] = {"ratings": data.get("ratings", {}), "maybe": include.value}
        state.value = html.escape(curriculum.text("menu_reveal.waiting") if len(self.ready) < 2 else "")
        button.disabled = True
        if len(self.ready) == 2:
            self.show_matches()
        return True

    def show_matches(self) -> None:
        shared = self.page.journal.shared()
        items = menu_items(shared)
        order = [i["id"] for i in items]
        text = {i["id"]: i["text"] for i in items}
        a, b = self.ready["a"], self.ready["b"]
        pairs = curriculum.data("menu").get("pairs", [])
        found = find_matches(a["ratings"], b["ratings"], order, a["maybe"], b["maybe"], pairs)
        names = self._names()
        last = set((shared.get(LAST_REVEAL) or {}).get("items", []))
        include_maybe = a["maybe"] and b["maybe"]
        self.ready.clear()  # nobody's ratings stay in memory after the reveal

        new = f" <strong>{_t('menu.new_since')}</strong>"

        def listing(ids):
            return "<ul>" + "".join(
                f"<li>{html.escape(match_text(i, text, pairs, names))}"
                f"{new if last and i not in last else ''}</li>"
                for i in ids) + "</ul>"

        parts = [f"<h4>{_t('menu.both_yes')}</h4>",
                 listing(found["both_yes"]) if found["both_yes"] else
                 f"<p>{_t('menu.none_yet')}</p>"]
        if include_maybe and found["yes_and_maybe"]:
            parts += [f"<h4>{_t('menu.yes_and_maybe')}</h4>", listing(found["yes_and_maybe"])]
        self.results.value = '<div role="status">' + "".join(parts) + "</div>"
        shared.put(LAST_REVEAL, {"items": found["both_yes"] + found["yes_and_maybe"]}, keep_history=False)
        for include, passphrase, button, state in self.partner_boxes.values():
            state.value = ""
            button.disabled = False
            include.value = False
