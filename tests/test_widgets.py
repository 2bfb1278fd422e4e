"""Widget behaviour, in plain Python: what a person would see after each action."""
from __future__ import annotations

import html
import datetime as dt
import json

import ipywidgets as w
import pytest

from widgets import ModulePage, curriculum
from widgets.kit.fields import MultiChoiceField, ScaleField, SingleChoiceField, TextField, make_field
from widgets.storage.journal import KIND_MESSAGES, Journal


@pytest.fixture
def page(journal_file):
    return ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")


# -- fields -----------------------------------------------------------------

def test_text_field_counts_and_accepts_within_the_limit():
    f = TextField("t", "Label", max_chars=10)
    f.box.value = "hello"
    assert f.value == "hello"
    assert "5 of 10" in f.counter.value
    assert f.kind_message.value == ""


def test_text_field_over_the_limit_is_kind_and_keeps_the_last_good_answer():
    f = TextField("t", "Label", max_chars=10)
    f.box.value = "short"
    f.box.value = "x" * 14
    assert f.value == "short"
    assert f.acceptable is False
    assert "4 characters over" in f.kind_message.value
    assert "error" not in f.kind_message.value.lower()
    f.box.value = "fine now"
    assert f.value == "fine now" and f.kind_message.value == ""


def test_labels_are_escaped():
    f = TextField("t", "<img src=x onerror=alert(1)>")
    html_label = f.children[0].value
    assert "<img" not in html_label and "&lt;img" in html_label


def test_single_choice_picks_one_and_can_be_cleared():
    f = SingleChoiceField("s", "Pace", options=["Slow", "Fast"])
    f.choose("Slow")
    assert f.value == "Slow"
    f.choose("Fast")
    assert f.value == "Fast"
    assert [b.value for b in f.buttons] == [False, True]
    assert f.buttons[1].description.startswith("✓")
    f.buttons[1].value = False
    assert f.value is None


def test_multi_choice_collects_ticks_in_order():
    f = MultiChoiceField("m", "More of", options=["a", "b", "c"])
    f.boxes[2].value = True
    f.boxes[0].value = True
    assert f.value == ["a", "c"]


def test_scale_starts_unanswered_and_buttons_step_within_bounds():
    f = ScaleField("e", "Energy", low="none", high="lots")
    assert f.value is None and f.box.value == "" and f.box.placeholder == "–"
    f.minus.click()
    assert f.value == 0
    for _ in range(12):
        f.plus.click()
    assert f.value == 10 and f.box.value == "10"
    assert "width:100%" in f.bar.value
    f.box.value = "3"
    assert f.value == 3


def test_scale_typed_nonsense_is_kind_and_keeps_the_answer():
    f = ScaleField("e", "Energy")
    f.box.value = "4"
    f.box.value = "12"
    assert f.value == 4 and "whole number from 0 to 10" in f.kind_message.value
    f.box.value = ""
    assert f.value is None and f.kind_message.value == ""


def test_show_displays_without_counting_as_an_answer():
    f = ScaleField("e", "Energy")
    seen = []
    f.observe(lambda ch: seen.append(ch["new"]), "value")
    f.show(7)
    assert f.box.value == "7" and f.value == 7
    assert seen == [7]  # the value is shown; the exercise ignores it while loading


def test_make_field_rejects_unknown_types():
    with pytest.raises(ValueError):
        make_field({"type": "colour", "id": "x", "label": "x"})


# -- the page, who is answering, privacy -------------------------------------

def test_nothing_private_shows_until_someone_chooses_their_name(page, journal_file):
    Journal(journal_file).partner("a").put("m01/hopes/why_here", "private words")
    hopes = page.exercise("hopes")
    assert "Choose your name" in hopes.message.value
    assert hopes.body not in hopes.children
    # its controls are not even built: nothing of anyone's is on the page, or sent to the browser
    assert not hopes.body_built and not hasattr(hopes, "fields")
    page.request("a")
    assert hopes.body in hopes.children and hopes.fields[0].box.value == "private words"


def test_partner_names_parameter_fills_empty_profiles_only(journal_file):
    ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex")
    ModulePage(1, journal_path=str(journal_file), partner_names="Other, Names")
    assert Journal(journal_file).partner_names() == {"a": "Sam", "b": "Alex"}


def test_names_load_only_when_a_browser_shows_the_picker(page):
    assert [b.description for b in page.picker.buttons.values()] == ["Partner 1", "Partner 2"]
    page.picker._view_count = 1  # what the browser reports when it renders the widget
    assert [b.description for b in page.picker.buttons.values()] == ["Sam", "Alex"]


def test_an_answer_is_saved_the_moment_it_is_given(page, journal_file):
    hopes = page.exercise("hopes")
    page.picker.choose("a")
    hopes.fields[0].box.value = "to feel close"
    assert Journal(journal_file).partner("a").get("m01/hopes/why_here") == "to feel close"
    assert hopes.status.value.startswith("Saved at ")


def test_handing_over_hides_my_answers_from_my_partner(page):
    hopes = page.exercise("hopes")
    page.picker.choose("a")
    hopes.fields[0].box.value = "mine only"
    hopes.fields[3].choose("Very slow")
    page.picker.choose("b")
    assert hopes.fields[0].box.value == ""
    assert hopes.fields[3].value is None
    assert "Alex" in hopes.scope_line.value or "Partner 2" in hopes.scope_line.value
    assert all("mine only" not in json.dumps(getattr(c, "value", "")) for c in _all_widgets(hopes))
    page.picker.choose("a")
    assert hopes.fields[0].box.value == "mine only"


def test_hide_button_clears_the_screen(page):
    hopes = page.exercise("hopes")
    page.picker.choose("a")
    hopes.fields[0].box.value = "mine"
    page.picker.hide_button.click()
    assert page.active == ""
    assert hopes.fields[0].box.value == ""


def test_skip_never_asks_why_and_can_be_undone(page, journal_file):
    hopes = page.exercise("hopes")
    page.picker.choose("a")
    hopes.skip_button.click()
    assert hopes.skipped and hopes.body not in hopes.children
    assert "That is fine" in hopes.skipped_note.value
    assert not any(isinstance(c, (w.Text, w.Textarea)) for c in hopes.children)
    hopes.reopen_button.click()
    assert hopes.body in hopes.children
    # the skip is remembered for this partner only
    hopes.skip_button.click()
    page.picker.choose("b")
    assert not hopes.skipped


def test_progress_counts_visited_exercises_without_pressure(page):
    hopes = page.exercise("hopes")
    page.exercise("checkin")
    page.picker.choose("a")
    assert "0 of 2" in page.picker.progress.value
    hopes.skip_button.click()
    assert "1 of 2" in page.picker.progress.value
    assert "no rush" in page.picker.progress.value


def test_a_failed_save_keeps_the_answer_and_retry_saves_it(page, journal_file, monkeypatch):
    from widgets.storage.journal import JournalError, PartnerView

    hopes = page.exercise("hopes")
    page.picker.choose("a")
    real_put = PartnerView.put

    def full(self, key, value, keep_history=True):
        raise JournalError("full", "There is no room left on this device to save.")

    monkeypatch.setattr(PartnerView, "put", full)
    hopes.fields[0].box.value = "precious words"
    assert hopes.status.failed and "no room" in hopes.status.value
    assert hopes.fields[0].box.value == "precious words"
    assert hopes.retry.layout.display != "none"
    monkeypatch.setattr(PartnerView, "put", real_put)
    hopes.retry.click()
    assert Journal(journal_file).partner("a").get("m01/hopes/why_here") == "precious words"
    assert hopes.status.value.startswith("Saved at")


def test_pause_opens_grounding_and_help_shows_contacts(page):
    page.toolbar.pause_button.click()
    assert page.toolbar.overlay.layout.display == ""
    assert "Name five things" in page.toolbar.panel_text.value
    page.toolbar.back_button.click()
    assert page.toolbar.overlay.layout.display == "none"
    page.toolbar.help_button.click()
    assert "116 123" in page.toolbar.panel_text.value  # the default country's line


def test_country_parameter_changes_the_contacts(journal_file):
    p = ModulePage(1, journal_path=str(journal_file), country="US")
    p.toolbar.help_button.click()
    assert "988" in p.toolbar.panel_text.value


# -- the daily check-in -------------------------------------------------------

def test_checkin_saves_each_measure_per_partner_per_day(page, journal_file):
    c = page.exercise("checkin")
    page.picker.choose("a")
    c.scales[0].box.value = "4"
    c.note.box.value = "tired after clinic"
    saved = Journal(journal_file).partner("a").items("m01/checkin/")
    assert saved == {"m01/checkin/2026-11-20/energy": 4, "m01/checkin/2026-11-20/note": "tired after clinic"}


def test_checkin_chart_is_drawn_from_the_journal_with_a_table(page, journal_file):
    a = Journal(journal_file).partner("a")
    for i, day in enumerate(["2026-11-01", "2026-11-10", "2026-11-19"]):
        a.put(f"m01/checkin/{day}/energy", i + 2)
    a.put("m01/checkin/2026-09-01/energy", 9)  # too old for the chart
    c = page.exercise("checkin")
    page.picker.choose("a")
    assert "<svg" in c.chart.value and 'role="img"' in c.chart.value
    assert "2026-11-19" in c.chart.value and "2026-09-01" not in c.chart.value
    c.chart_pick.value = "pain"
    assert "Pain over the last four weeks" in c.chart.value


def test_checkin_chart_waits_for_a_first_checkin(page):
    c = page.exercise("checkin")
    page.picker.choose("b")
    assert "after your first check-in" in c.chart.value


def test_checkin_note_is_escaped_in_the_table(page, journal_file):
    Journal(journal_file).partner("a").put("m01/checkin/2026-11-19/energy", 3)
    c = page.exercise("checkin")
    page.picker.choose("a")
    c.note.box.value = "<script>alert(1)</script>"
    assert "<script>" not in c.chart.value


# -- the safety check -------------------------------------------------------------

def q_risk(question_id: str) -> list[str]:
    return next(q["risk"] for q in curriculum.data("safety")["questions"] if q["id"] == question_id)


def test_safety_check_answers_are_never_stored(page, journal_file):
    s = page.exercise("safety_check")
    page.picker.choose("a")
    s.questions[0].choose("No")
    s.questions[2].choose("Yes")
    assert s.risk
    assert Journal(journal_file).partner("a").items() == {}
    assert Journal(journal_file).shared().items() == {}


def test_safety_check_risk_leads_kindly_to_support(page):
    s = page.exercise("safety_check")
    page.picker.choose("a")
    s.questions[1].choose("I'm not sure")
    assert "skip the exercises you do together" in s.result.value
    assert "116 123" in s.result.value
    s.clear_button.click()
    assert not s.risk and s.result.value == ""


def test_safety_check_all_clear(page):
    s = page.exercise("safety_check")
    page.picker.choose("b")
    for q in s.questions:  # the answer to each question that does not signal risk
        q.choose(next(a for a in ("Yes", "No") if a not in q_risk(q.field_id)))
    assert not s.risk and "Thank you" in s.result.value


def test_safety_answers_vanish_when_handing_over(page):
    s = page.exercise("safety_check")
    page.picker.choose("a")
    s.questions[0].choose("No")
    page.picker.choose("b")
    assert [q.value for q in s.questions] == [None] * len(s.questions)
    assert not s.risk


# -- export, import, erase ------------------------------------------------------

def test_export_contains_only_my_answers_and_shared_ones(page, journal_file):
    j = Journal(journal_file)
    j.partner("b").put("m01/hopes/why_here", "partner's secret")
    tools = page.exercise("journal")
    page.picker.choose("a")
    page.exercise("hopes").fields[0].box.value = "mine"
    payload = tools.export()
    assert b"partner's secret" not in payload
    assert json.loads(payload)["answers"][0]["value"] == "mine"
    assert 'download="closer-again-my-answers-2026-11-20.json"' in tools.link.value


def test_import_brings_answers_back(page, journal_file, tmp_path):
    other = Journal(tmp_path / "other.sqlite3")
    other.partner("a").put("m01/hopes/why_here", "from my phone")
    raw = json.dumps(other.partner("a").export()).encode()
    tools = page.exercise("journal")
    hopes = page.exercise("hopes")
    page.picker.choose("b")
    assert tools.import_bytes(raw) == 1
    assert "Answers brought back: 1" in tools.feedback.value
    assert hopes.fields[0].box.value == "from my phone"
    assert Journal(journal_file).partner("b").get("m01/hopes/why_here") == "from my phone"


def test_import_of_a_wrong_file_changes_nothing(page):
    tools = page.exercise("journal")
    page.picker.choose("a")
    assert tools.import_bytes(b"\x89PNG not json") is None
    assert "not a Closer Again journal export" in tools.feedback.value


def test_export_needs_a_name_first(page):
    tools = page.exercise("journal")
    assert tools.export() is None
    assert "Choose your name" in tools.feedback.value


def test_erase_asks_first_and_no_keeps_everything(page, journal_file):
    tools = page.exercise("journal")
    page.picker.choose("a")
    page.exercise("hopes").fields[0].box.value = "keep me"
    tools.erase_mine_button.click()
    assert "cannot be undone" in tools.confirm_text.value
    tools.confirm_no.click()
    assert Journal(journal_file).partner("a").get("m01/hopes/why_here") == "keep me"


def test_erase_everything_needs_both_partners(page, journal_file):
    tools = page.exercise("journal")
    page.picker.choose("a")
    page.exercise("hopes").fields[0].box.value = "A's words"
    page.picker.choose("b")
    page.exercise("hopes").fields[0].box.value = "B's words"
    tools.erase_all_button.click()
    assert tools.agree_box.layout.display == "" and tools.confirm.layout.display == "none"
    # B, at the page, cannot agree for A
    assert not tools.agree("a")
    assert "own name" in tools.agree_rows["a"][2].value
    assert tools.agree("b")
    assert tools.confirm.layout.display == "none"  # still waiting for A
    tools.confirm_yes.click()  # pressing the hidden button does nothing yet
    assert Journal(journal_file).partner("a").get("m01/hopes/why_here") == "A's words"
    page.picker.choose("a")
    assert tools.agree("a")
    assert "both agreed" in tools.confirm_text.value.lower()
    tools.confirm_yes.click()
    assert "Erased" in tools.feedback.value
    assert Journal(journal_file).partner("a").items() == {}
    assert Journal(journal_file).partner("b").items() == {}
    assert page.active == ""


def test_a_partner_with_nothing_saved_need_not_agree(journal_file):
    page = ModulePage(1, journal_path=str(journal_file), today="2026-11-20")
    tools = page.exercise("journal")
    page.picker.choose("a")
    page.lock_panel.decline_offer()
    page.exercise("hopes").fields[0].box.value = "only me here"
    tools.erase_all_button.click()
    assert "nothing saved" in tools.agree_rows["b"][2].value
    assert tools.agree("a")
    tools.confirm_yes.click()
    assert Journal(journal_file).partner("a").items() == {}


def test_a_locked_partner_agrees_to_erase_everything_with_their_passphrase(page, journal_file):
    tools = page.exercise("journal")
    page.picker.choose("a")
    page.exercise("hopes").fields[0].box.value = "A's words"
    page.lock_panel.set_lock("a long passphrase", "a long passphrase")
    page.picker.choose("b")
    page.lock_panel.decline_offer()
    tools.erase_all_button.click()
    tools.agree_rows["a"][1].value = "a wrong guess!"
    assert not tools.agree("a")
    tools.agree_rows["a"][1].value = "a long passphrase"
    assert tools.agree("a") and tools.agree("b")
    tools.confirm_yes.click()
    assert not Journal(journal_file).is_locked("a")


def test_either_partner_can_erase_their_own_answers_alone(page, journal_file):
    tools = page.exercise("journal")
    page.picker.choose("a")
    page.exercise("hopes").fields[0].box.value = "A's words"
    page.picker.choose("b")
    page.exercise("hopes").fields[0].box.value = "B's words"
    tools.erase_mine_button.click()
    tools.confirm_yes.click()
    assert Journal(journal_file).partner("b").items() == {}
    assert Journal(journal_file).partner("a").get("m01/hopes/why_here") == "A's words"


def test_a_locked_copy_comes_back_only_with_its_passphrase(page, journal_file, tmp_path):
    tools = page.exercise("journal")
    page.picker.choose("a")
    page.exercise("hopes").fields[0].box.value = "sealed words"
    page.lock_panel.set_lock("a long passphrase", "a long passphrase")
    raw = tools.export()
    assert b"sealed words" not in raw
    assert "stay locked" in tools.feedback.value
    other = ModulePage(1, journal_path=str(tmp_path / "phone.sqlite3"), today="2026-11-20")
    other_tools = other.exercise("journal")
    other.picker.choose("a")
    assert other_tools.import_bytes(raw) is None
    assert "passphrase" in other_tools.feedback.value and other_tools.import_box.layout.display == ""
    other_tools.import_passphrase.value = "not the passphrase"
    assert other_tools.import_waiting() is None
    other_tools.import_passphrase.value = "a long passphrase"
    assert other_tools.import_waiting() == 1
    assert other.exercise("hopes").fields[0].box.value == "sealed words"
    assert other_tools.import_passphrase.value == ""


# -- never an answer in a notebook's text output -----------------------------------

def test_reprs_never_carry_answers(page):
    hopes = page.exercise("hopes")
    page.picker.choose("a")
    hopes.fields[0].box.value = "very private"
    assert "very private" not in repr(hopes)
    assert "very private" not in hopes._repr_mimebundle_()["text/plain"]


def _all_widgets(root):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(getattr(node, "children", ()))


def test_a_section_opens_and_closes_with_a_real_button():
    from widgets.kit.disclosure import Disclosure

    inside = w.HTML("inside")
    section = Disclosure("Words", [inside])
    assert not section.is_open and section.content.layout.display == "none"
    assert section.toggle.description == "▸ Words"
    section.toggle.value = True  # what a click or the Enter key does
    assert section.is_open and section.content.layout.display == "" and section.toggle.description == "▾ Words"
    section.is_open = False
    assert section.toggle.value is False


def test_a_busy_journal_never_leaves_my_answers_on_screen_for_my_partner(page, journal_file):
    import sqlite3

    form = page.exercise("hopes")
    page.picker.choose("a")
    form.fields[0].box.value = "What I fear most"
    other = sqlite3.connect(journal_file, isolation_level=None, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")  # another window holds the file
    try:
        page.picker.choose("b")
        assert form.fields[0].box.value == ""
        # every card that reads the journal says why it shows nothing (the page waited for the file once)
        busy = KIND_MESSAGES["locked"]
        readers = [e for e in page.exercises if e.spec["type"] not in ("resources", "safety_check")]
        assert readers and all(html.unescape(e.message.value) == busy for e in readers), \
            {e.exercise_id: e.message.value for e in readers}
    finally:
        other.execute("ROLLBACK")
        other.close()
    page.picker.choose("a")  # the file is free again: the cards read it as usual
    assert form.fields[0].box.value == "What I fear most"


def test_the_page_stays_with_me_while_my_answer_is_not_saved(page, journal_file, monkeypatch):
    from widgets.storage.journal import JournalError, PartnerView

    form = page.exercise("hopes")
    page.picker.choose("a")

    def full(*args, **kwargs):
        raise JournalError("full", "There is no room left on this device to save.")

    monkeypatch.setattr(PartnerView, "put", full)
    form.fields[0].box.value = "kept, not lost"
    page.picker.choose("b")
    assert page.active == "a" and "not saved yet" in page.picker.state.value
    assert form.fields[0].box.value == "kept, not lost"
    page.set_active("")  # hiding the page is always possible; the answer waits, in memory only
    assert page.active == "" and form.fields[0].box.value == ""
    page.picker.choose("b")
    assert page.active == "" and "not saved yet" in page.picker.state.value
    monkeypatch.undo()
    page.picker.choose("a")  # back: the words are there again, and saved now
    assert form.fields[0].box.value == "kept, not lost"
    assert Journal(journal_file).partner("a").get("m01/hopes/why_here") == "kept, not lost"
    page.picker.choose("b")  # saved, so the hand-over goes ahead
    assert page.active == "b" and form.fields[0].box.value == ""


def test_half_typed_drafts_never_pass_to_the_next_person(journal_file):
    p = ModulePage(4, journal_path=str(journal_file), partner_names="Sam, Alex")
    builder, sorter, menu = p.exercise("meaningful_now"), p.exercise("regain_reinvent_safest"), p.exercise("private_menu")
    p.picker.choose("a")
    builder.own.value = "what I'm afraid to say"
    sorter.own.value = "being touched on my scar"
    menu.own_text.value = "an idea I half typed"
    menu.pass_1.value = "my secret words"
    p.picker.choose("b")
    assert builder.own.value == sorter.own.value == menu.own_text.value == menu.pass_1.value == ""


def test_a_journal_folder_that_cannot_be_made_gives_a_kind_message(tmp_path):
    (tmp_path / "notadir").write_text("a file, not a folder")
    p = ModulePage(1, journal_path=str(tmp_path / "notadir" / "journal.sqlite3"), partner_names="Sam, Alex")
    p.picker.choose("a")
    form = p.exercise("hopes")
    assert "let us write to your journal" in form.message.value


def test_odd_digits_in_a_scale_box_get_the_kind_message():
    field = ScaleField("pain", "Pain")
    field.box.value = "²"
    assert field.value is None and "whole number" in field.kind_message.value


def test_a_damaged_journal_is_set_aside_and_the_person_is_told(tmp_path):
    path = tmp_path / "journal.sqlite3"
    Journal(path).partner("a").put("m01/hopes/why_here", "old words")
    with open(path, "r+b") as fh:
        fh.write(b"\0" * 100)
    p = ModulePage(1, journal_path=str(path), partner_names="Sam, Alex")
    p.picker.choose("a")
    assert "kept it aside" in p.picker.state.value and "unreadable" in p.picker.state.value


def test_words_typed_and_then_deleted_are_not_kept(page, journal_file):
    import sqlite3

    form = page.exercise("hopes")
    page.picker.choose("a")
    for text in ("something I regret writing", "something", ""):
        form.fields[0].box.value = text
    db = sqlite3.connect(journal_file)
    assert "regret" not in repr(db.execute("SELECT * FROM history").fetchall())
    assert "regret" not in repr(db.execute("SELECT * FROM answers").fetchall())
    db.close()
