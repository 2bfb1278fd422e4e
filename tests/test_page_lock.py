"""Two partners at one device: the lock as a person meets it on the page."""
from __future__ import annotations

import json

import ipywidgets as w
import pytest
from ipywidgets.widgets.widget import _instances

from widgets import ModulePage, curriculum
from widgets.storage.journal import JournalError, LockedView

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


def leave_an_answer_unsaved(page, monkeypatch, text: str = "waiting words"):
    """A's space is locked and the disk is full: A types an answer that cannot be saved, then hides the page."""
    page.request("a")
    page.lock_panel.decline_offer()
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    exercise = page.exercise(boundary_text(page))

    def full_disk(*args, **kwargs):
        raise JournalError("full", "There is no room left on this device to save.")

    with monkeypatch.context() as patch:
        patch.setattr(LockedView, "put", full_disk)
        type_secret(page, text)
        assert exercise.unsaved
        assert page.request("")  # hiding is always possible
    return exercise


def test_an_answer_waiting_to_be_saved_is_sealed_while_its_space_is_closed(page, monkeypatch):
    exercise = leave_an_answer_unsaved(page, monkeypatch)
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


def test_a_forgotten_passphrase_erases_only_after_the_waiting_days(page):
    """Anyone at the device can ask; nobody can erase a locked space at once, and its owner is told."""
    import datetime as dt

    now = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)
    page.clock = lambda: now
    page.request("a")
    page.lock_panel.decline_offer()
    type_secret(page)
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    page.request("b")
    page.lock_panel.decline_offer()
    page.journal.partner("b").put("m05/x/y", "B's answer")
    page.request("a")
    page.lock_panel.ask_to_erase()
    assert page.journal.is_locked("a")  # nothing erased yet
    assert "will be erased after 23 November 2026" in page.lock_panel.message.value
    page.clock = lambda: now + dt.timedelta(days=2)
    page.request("a")
    assert page.journal.is_locked("a") and "Someone asked on 20 November 2026" in page.lock_panel.prompt_text.value
    # the owner comes back in time: the request is gone, and they are told it was made
    assert page.lock_panel.unlock(PASSPHRASE)
    assert "Typing your passphrase kept them" in page.lock_panel.message.value
    assert page.journal.erase_requested("a") is None
    # asked again, and this time nobody types the passphrase
    page.request("")
    page.request("a")
    page.lock_panel.ask_to_erase()
    page.clock = lambda: now + dt.timedelta(days=6)
    page.request("a")
    assert not page.journal.is_locked("a")
    assert page.journal.partner("a").items() == {}
    assert page.journal.partner("b").get("m05/x/y") == "B's answer"


def test_a_lock_set_in_another_window_closes_this_one(page, journal_file):
    page.request("a")
    page.lock_panel.decline_offer()
    type_secret(page)
    other = ModulePage(1, journal_path=str(journal_file))
    other.request("a")
    other.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    assert page.active == "a"
    page.watch.activity = 1  # the person touches this page, or the periodic check runs
    assert page.active == ""
    assert page.exercise(boundary_text(page)).fields[0].box.value == ""
    assert curriculum.text("lock.closed_elsewhere") in page.lock_panel.message.value


def test_a_passphrase_opens_however_the_keyboard_composes_its_letters(page):
    page.request("a")
    page.lock_panel.decline_offer()
    composed, decomposed = "caf\u00e9 au lait ok", "cafe\u0301 au lait ok"
    assert page.lock_panel.set_lock(composed, composed)
    page.request("")
    page.request("a")
    assert page.lock_panel.unlock(decomposed)


def test_spaces_alone_are_not_a_passphrase(page):
    page.request("a")
    page.lock_panel.decline_offer()
    assert not page.lock_panel.set_lock(" " * 12, " " * 12)
    assert "at least 8 characters" in page.lock_panel.message.value
    assert not page.journal.is_locked("a")


def test_a_vault_header_that_asks_for_other_settings_is_refused_kindly(page):
    page.request("a")
    page.lock_panel.decline_offer()
    page.lock_panel.set_lock(PASSPHRASE, PASSPHRASE)
    page.request("")
    with page.journal._write() as db:  # someone edits the file: a huge memory cost would freeze the kernel
        header = json.loads(db.execute("SELECT header FROM vaults WHERE slot = 'a'").fetchone()[0])
        header["kdf"]["memory_cost"] = 4 * 1024 * 1024
        db.execute("UPDATE vaults SET header = ? WHERE slot = 'a'", (json.dumps(header),))
    page.request("a")
    assert not page.lock_panel.unlock(PASSPHRASE)
    assert "look damaged" in page.lock_panel.message.value


def test_answers_that_waited_for_an_erased_space_do_not_hold_the_page(page, monkeypatch):
    import datetime as dt

    now = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)
    page.clock = lambda: now
    exercise = leave_an_answer_unsaved(page, monkeypatch)
    page.request("a")
    page.lock_panel.ask_to_erase()
    page.clock = lambda: now + dt.timedelta(days=4)
    page.request("a")  # the erase is due: the space, and what waited for it, are gone
    assert not exercise.unsaved
    assert page.request("b") and page.active == "b"
