"""Two partners at one device: the lock as a person meets it on the page."""
from __future__ import annotations

import json

import ipywidgets as w
import pytest
from ipywidgets.widgets.widget import _instances

from widgets import ModulePage, curriculum
from widgets.journal import JournalError, LockedView

SECRET = "Sentinel-Boundary-Words"
PASSPHRASE = "our quiet garden"


def live_models_text() -> str:
    return json.dumps([widget.get_state() for widget in list(_instances.values())], default=str,
                      ensure_ascii=False)


def file_text(journal_file) -> bytes:
    return journal_file.read_bytes()



@pytest.fixture(autouse=True)
def no_widgets_from_earlier_tests():
    """The widget registry is per process: start each test with none alive."""
    w.Widget.close_all()
    yield
    w.Widget.close_all()

@pytest.fixture
def page(journal_file):
    return ModulePage(5, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")


def boundary_text(page) -> str:
    """Module 5's private reflection form (its first field is free text)."""
    return "reflection"


def type_secret(page, text: str = SECRET):
    exercise = page.exercise(boundary_text(page))
    field = next(f for f in exercise.fields if hasattr(f, "box"))
    field.box.value = text
    return exercise


def test_a_lock_is_offered_kindly_the_first_time_and_only_once(page):
    page.request("a")
    panel = page.lock_panel
    assert panel.mode == "offer"
    assert curriculum.text("lock.offer") in panel.prompt_text.value
    panel.decline_offer()
    assert panel.mode == ""
    page.request("b")
    page.lock_panel.decline_offer()
    page.request("a")
    assert page.lock_panel.mode == ""


def test_the_warning_shows_before_a_lock_is_set(page):
    page.request("a")
    page.lock_panel.accept_offer()
    assert page.lock_panel.settings.is_open
    assert curriculum.text("lock.warning") in page.lock_panel.state_text.value


def test_partner_b_cannot_read_a_locked_space_anywhere(page, journal_file):
    page.request("a")
    page.lock_panel.decline_offer()
    exercise = type_secret(page)
    assert exercise.status.saved_at
    assert page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    assert "locked" in exercise.scope_line.value
    # B takes the device
    page.request("b")
    page.lock_panel.decline_offer()
    assert SECRET not in live_models_text()
    assert SECRET.encode() not in file_text(journal_file)
    export = json.dumps(page.journal.partner("b").export())
    assert SECRET not in export
    # B chooses A's name: the page asks for the passphrase and shows nothing of A
    page.request("a")
    assert page.active == "" and page.lock_panel.mode == "ask"
    assert SECRET not in live_models_text()
    assert not page.lock_panel.unlock("a wrong guess")
    assert page.active == ""
    assert curriculum.text("lock.wrong") in page.lock_panel.message.value
    assert SECRET not in live_models_text()


def test_the_owner_opens_their_space_with_the_passphrase(page):
    page.request("a")
    page.lock_panel.decline_offer()
    type_secret(page)
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    page.request("")
    page.request("a")
    assert page.lock_panel.unlock(PASSPHRASE)
    assert page.active == "a"
    assert SECRET in live_models_text()
    assert page.lock_panel.ask_box.value == ""  # the passphrase does not stay in the page


def test_an_open_space_closes_when_the_page_is_hidden(page):
    page.request("a")
    page.lock_panel.decline_offer()
    type_secret(page)
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    page.watch.hidden = True
    assert page.active == "" and not page.journal.is_open("a")
    assert SECRET not in live_models_text()
    assert curriculum.text("lock.closed_hidden") in page.lock_panel.message.value


def test_an_open_space_closes_after_a_few_idle_minutes(page):
    page.request("a")
    page.lock_panel.decline_offer()
    type_secret(page)
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    assert not page.close_if_idle(now=page._last_touch + 60)
    assert page.active == "a"
    assert page.close_if_idle(now=page._last_touch + page.idle_minutes * 60 + 1)
    assert page.active == "" and not page.journal.is_open("a")
    assert SECRET not in live_models_text()


def test_an_unlocked_space_does_not_close_when_the_page_is_hidden(page):
    page.request("a")
    page.lock_panel.decline_offer()
    page.watch.hidden = True
    assert page.active == "a"


def test_an_answer_waiting_to_be_saved_is_sealed_while_its_space_is_closed(page, monkeypatch):
    page.request("a")
    page.lock_panel.decline_offer()
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    exercise = page.exercise(boundary_text(page))

    def full_disk(*args, **kwargs):
        raise JournalError("full", "There is no room left on this device to save.")

    with monkeypatch.context() as patch:
        patch.setattr(LockedView, "put", full_disk)
        type_secret(page, "waiting words")
        assert exercise.unsaved
        assert page.request("")  # hiding is always possible
    assert page.active == "" and exercise.unsaved
    assert "waiting words" not in repr(vars(exercise))  # kept only sealed while the space is closed
    assert not page.request("b")  # the page waits for the answer's owner
    page.request("a")
    assert page.lock_panel.unlock(PASSPHRASE)
    key = exercise.key_prefix + exercise.fields[0].field_id
    assert page.journal.partner("a").get(key) == "waiting words"
    assert not exercise.unsaved


def test_privacy_lines_say_exactly_what_holds(page):
    page.request("a")
    page.lock_panel.decline_offer()
    exercise = page.exercise(boundary_text(page))
    assert "not locked" in exercise.scope_line.value
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    assert "locked: no one can read it without" in exercise.scope_line.value


def test_changing_and_removing_the_lock_from_the_page(page):
    page.request("a")
    page.lock_panel.decline_offer()
    type_secret(page)
    assert page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    assert not page.lock_panel.change("new words 123", "other words 123")
    assert page.lock_panel.change("new words 123", "new words 123")
    page.request("")
    page.request("a")
    assert not page.lock_panel.unlock(PASSPHRASE)
    assert page.lock_panel.unlock("new words 123")
    page.lock_panel.remove()
    assert not page.journal.is_locked("a")
    assert page.exercise(boundary_text(page)).fields[0].value == SECRET


def test_a_forgotten_passphrase_lets_the_owner_erase_and_start_again(page):
    page.request("a")
    page.lock_panel.decline_offer()
    type_secret(page)
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    page.request("b")
    page.lock_panel.decline_offer()
    page.journal.partner("b").put("m05/x/y", "B's answer")
    page.request("a")
    page.lock_panel.erase_forgotten()
    assert not page.journal.is_locked("a")
    assert page.journal.partner("a").items() == {}
    assert page.journal.partner("b").get("m05/x/y") == "B's answer"
