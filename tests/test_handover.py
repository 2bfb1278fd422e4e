"""A hand-over leaves nothing behind: no live widget model holds the previous person's answer.

Every private exercise of every module is filled in as one partner, with a
sentinel in every text box. The page is then handed over, and every widget
model that ipywidgets still holds (displayed or not) is searched for the
sentinel. Then the page is handed over fifty more times, and the number of live
models must not grow.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import json

import ipywidgets as w
import pytest
from ipywidgets.widgets.widget import _instances

from widgets import ModulePage, curriculum

SENTINEL = "Zq7Sentinel"
ADD_WORDS = ("add", "save this entry")


def live_models_text() -> str:
    """Every live widget model's state, as the browser would receive it."""
    return json.dumps([widget.get_state() for widget in list(_instances.values())], default=str,
                      ensure_ascii=False)


def descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from descendants(child)


def fill(exercise, tag: str) -> None:
    """Type a sentinel into every text box, then press the card's add or save buttons."""
    for i, widget in enumerate(list(descendants(exercise))):
        if isinstance(widget, (w.Text, w.Textarea)) and not isinstance(widget, w.Password):
            widget.value = f"{SENTINEL} {tag} {i}"
    for widget in list(descendants(exercise)):
        words = widget.description.lower() if isinstance(widget, w.Button) else ""
        # ideas added to the menu are shared with both partners by design, so they are not pressed here
        if words.startswith(ADD_WORDS) and "our menu" not in words:
            widget.click()


def private_exercises(page: ModulePage):
    for spec in page.module.exercises:
        exercise = page.exercise(spec["id"])
        if spec["scope"] == "private" and spec["type"] not in ("safety_check", "journal", "resources"):
            yield exercise



@pytest.fixture(autouse=True)
def no_widgets_from_earlier_tests():
    """The widget registry is per process: start each test with none alive."""
    w.Widget.close_all()
    yield
    w.Widget.close_all()

@pytest.mark.parametrize("number", [m.number for m in curriculum.modules()])
def test_a_hand_over_leaves_no_answer_in_any_live_widget_model(number, journal_file):
    page = ModulePage(number, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    page.request("a")
    page.lock_panel.decline_offer()
    filled = 0
    for exercise in private_exercises(page):
        fill(exercise, exercise.exercise_id)
        filled += 1
    if not filled:
        pytest.fail(f"module {number} has no private exercise to fill")  # every module has one today
    assert SENTINEL in live_models_text(), "the filler should have typed into this module's cards"
    page.request("b")
    page.lock_panel.decline_offer()
    assert page.active == "b"
    assert SENTINEL not in live_models_text()
    page.request("")
    assert SENTINEL not in live_models_text()


@pytest.mark.parametrize("number", [m.number for m in curriculum.modules()])
def test_fifty_hand_overs_leave_the_number_of_live_models_unchanged(number, journal_file):
    page = ModulePage(number, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    for slot in ("a", "b"):
        page.request(slot)
        page.lock_panel.decline_offer()
        for exercise in private_exercises(page):
            fill(exercise, slot)
    page.request("a")
    page.request("b")
    before = len(_instances)
    for turn in range(50):
        page.request("ab"[turn % 2])
    page.request("b")
    assert len(_instances) == before


def test_which_chart_a_person_looked_at_does_not_pass_to_the_next(journal_file):
    page = ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    checkin = next(page.exercise(b["id"]) for b in page.module.exercises if b["type"] == "checkin")
    page.request("a")
    first = checkin.chart_pick.options[0][1]
    other = checkin.chart_pick.options[-1][1]
    checkin.chart_pick.value = other
    page.request("b")
    assert checkin.chart_pick.value == first


def test_the_next_name_is_announced_after_every_answer_left_and_before_the_new_answers_load(journal_file, monkeypatch):
    """What a slow phone shows, message by message, during a hand-over from Sam to Alex."""
    page = ModulePage(4, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    for slot, tag in (("b", "alex"), ("a", "sam")):
        page.request(slot)
        page.lock_panel.decline_offer()
        for exercise in private_exercises(page):
            fill(exercise, tag)
    shown = {wid: widget.get_state() for wid, widget in list(_instances.items())}  # what the browser holds
    assert f"{SENTINEL} sam" in json.dumps(shown, default=str)
    sent: list[tuple[str, dict | None]] = []  # (model, new state) or (model, None) when it is closed
    real_send, real_close = w.Widget._send, w.Widget.close

    def record(self, msg, buffers=None):
        if msg.get("method") == "update":
            sent.append((self.model_id, msg["state"]))
        return real_send(self, msg, buffers)

    def record_close(self):
        if self.comm is not None:
            sent.append((self.model_id, None))
        return real_close(self)

    monkeypatch.setattr(w.Widget, "_send", record)
    monkeypatch.setattr(w.Widget, "close", record_close)
    page.request("b")
    announced = next(i for i, (_, state) in enumerate(sent) if "Alex is answering now" in json.dumps(state))
    for model_id, state in sent[:announced]:  # applied in order, as the browser does
        if state is None:
            shown.pop(model_id, None)
        else:
            shown.setdefault(model_id, {}).update(state)
    assert f"{SENTINEL} sam" not in json.dumps(shown, default=str), "Sam's words were still on the page"
    alex_loaded = [i for i, (_, state) in enumerate(sent) if f"{SENTINEL} alex" in json.dumps(state)]
    assert alex_loaded and min(alex_loaded) > announced, "Alex's answers came before the page said it was Alex's turn"


def test_in_a_browser_the_name_shows_first_and_the_cards_load_a_moment_later(journal_file):
    async def in_the_kernels_loop():  # as a kernel runs a press: in its event loop
        page = ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20",
                          in_browser=True)
        assert page.card_load_pause > 0
        page.journal.partner("a").put("m01/hopes/why_here", "Sam's hope")
        page.journal.partner("b").put("m01/hopes/why_here", "Alex's hope")
        hopes = page.exercise("hopes")
        page.request("a")
        assert "Sam is answering now" in page.picker.state.value
        assert hopes.message.value == "Opening…" and not hopes.body_built
        await asyncio.sleep(page.card_load_pause + 0.3)
        assert hopes.fields[0].box.value == "Sam's hope" and hopes.message.value == ""
        # Alex is chosen, and at once the page is hidden: nothing loads for anyone
        page.request("b")
        assert hopes.fields[0].box.value == "" and "Alex is answering now" in page.picker.state.value
        page.request("")
        await asyncio.sleep(page.card_load_pause + 0.3)
        assert hopes.fields[0].box.value == "" and hopes.body not in hopes.children
        # Sam, then Alex before Sam's cards had loaded: only Alex's answers ever load
        page.request("a")
        page.request("b")
        await asyncio.sleep(page.card_load_pause + 0.3)
        assert hopes.fields[0].box.value == "Alex's hope"
        assert "Sam's hope" not in live_models_text()

    # a loop of its own, in a thread of its own: a browser test in this process may be running one here
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, in_the_kernels_loop()).result()
