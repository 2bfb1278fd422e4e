"""Behaviour of every exercise type, with made-up content, in plain Python."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from widgets import ModulePage, curriculum
from widgets.exercises.activities import (
    Breathing,
    Cards,
    Grounding,
    Ladder,
    ListBuilder,
    Log,
    Quiz,
    Rephraser,
    Sorter,
    Turns,
    rephrase,
)
from widgets.exercises.progress import Progress
from widgets.storage.journal import Journal


def spec(kind, scope="private", **extra):
    return {"kind": "exercise", "id": f"test_{kind}", "type": kind, "scope": scope, "title": f"A {kind}",
            "intro": "Do this.", "content_note": "Gentle.", **extra}


@pytest.fixture
def page(journal_file):
    p = ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    return p


def saved(journal_file, slot="a", scope=None):
    j = Journal(journal_file)
    return (j.shared() if scope == "shared" else j.partner(slot)).items("m01/")


# -- quiz -----------------------------------------------------------------------------

QUIZ = [{"statement": "Desire always returns by itself.", "answer": "myth", "explanation": "It often needs care."},
        {"statement": "Fatigue can lower desire.", "answer": "fact", "explanation": "Tiredness matters."}]


def test_quiz_explains_each_answer_and_keeps_no_score(page, journal_file):
    q = Quiz(page, spec("quiz", items=QUIZ))
    page.picker.choose("a")
    q.choices[0].choose("Fact")
    assert "This is a myth." in q.explanations[0].value and "needs care" in q.explanations[0].value
    assert q.explanations[1].value == ""
    text = " ".join(getattr(c, "value", "") for c in q.body.children if isinstance(getattr(c, "value", ""), str))
    assert "score" not in text.lower() and "correct" not in text.lower()
    assert saved(journal_file)["m01/test_quiz/q1"] == "Fact"


# -- cards -----------------------------------------------------------------------------

CARDS = [{"title": "Stroke", "text": "Notes on stroke.", "stop_rules": ["Sudden weakness: call emergency services."]},
         {"title": "Heart disease", "text": "Notes on the heart.", "stop_rules": ["Chest pain: stop and rest."]}]


def test_cards_open_one_at_a_time_with_stop_rules(page):
    c = Cards(page, spec("cards", items=CARDS))
    assert c.body.children == tuple(c.toggles), "only the titles show at first"
    c.toggles[1].value = True
    assert c.body.children == (c.toggles[0], c.toggles[1], c.panel(1))
    assert "Stop rules" in c.panel(1).value and "Chest pain" in c.panel(1).value
    assert c.toggles[1].description == "▾ Heart disease"
    c.toggles[1].value = False
    assert c.body.children == tuple(c.toggles) and c.toggles[1].description == "Heart disease"


def test_focus_condition_opens_that_card(journal_file):
    p = ModulePage(1, journal_path=str(journal_file), focus_condition="heart")
    c = Cards(p, spec("cards", items=CARDS))
    assert c.toggles[1].value and not c.toggles[0].value
    assert c.body.children == (c.toggles[0], c.toggles[1], c.panel(1))


def test_cards_escape_their_text(page):
    c = Cards(page, spec("cards", items=[{"title": "x", "text": "<script>bad()</script>"}]))
    assert "<script>" not in c.panel(0).value


# -- list builder -----------------------------------------------------------------------

def test_list_builder_takes_suggestions_and_own_words(page, journal_file):
    lb = ListBuilder(page, spec("list_builder", scope="shared", suggestions=["Hold hands", "Say thank you"],
                                prompt="Add your own"))
    page.picker.choose("b")
    lb.suggestion_boxes[1].value = True
    lb.own.value = "  Read   aloud  "
    lb.add_button.click()
    assert lb.items == ["Say thank you", "Read aloud"]
    assert saved(journal_file, scope="shared")["m01/test_list_builder/items"] == ["Say thank you", "Read aloud"]
    lb.remove("Say thank you")
    assert not lb.suggestion_boxes[1].value
    lb.add("   ")
    assert "Type a few words" in lb.message.value


def test_shared_list_is_seen_by_the_other_partner(page):
    lb = ListBuilder(page, spec("list_builder", scope="shared", suggestions=[]))
    page.picker.choose("a")
    lb.add("Evening walk")
    page.picker.choose("b")
    assert lb.items == ["Evening walk"]
    assert "Shared" in lb.scope_line.value


# -- sorter ------------------------------------------------------------------------------

def test_sorter_places_items_and_adds_own(page, journal_file):
    s = Sorter(page, spec("sorter", groups=["Regain", "Reinvent"], items=["Massage", "Eye contact"]))
    page.picker.choose("a")
    s.rows.children[0].value = "Regain"
    s.add("Shared bath")
    s.rows.children[2].value = "Reinvent"
    data = saved(journal_file)
    assert data["m01/test_sorter/placement"] == {"Massage": "Regain", "Shared bath": "Reinvent"}
    assert data["m01/test_sorter/own_items"] == ["Shared bath"]
    assert "Regain" in s.summary.value and "Shared bath" in s.summary.value
    s.rows.children[0].value = Sorter.UNSORTED
    assert "Massage" not in saved(journal_file)["m01/test_sorter/placement"]


def test_the_words_on_choices_come_from_content_and_the_saved_values_stay_the_same(page, journal_file, monkeypatch):
    ui = curriculum.data("ui")
    ui["sorter"]["unsorted"] = "Not in a group"
    ui["ladder"]["states"] = ["Later", "On it", "Easy now"]
    ui["quiz"]["choices"] = ["A myth", "A fact"]
    real = curriculum._content_file
    monkeypatch.setattr(curriculum, "_content_file", lambda name: ui if name == "ui" else real(name))
    page.picker.choose("a")
    s = Sorter(page, spec("sorter", groups=["Regain"], items=["Massage"]))
    assert s.rows.children[0].label == "Not in a group"
    assert [label for label, _ in s.rows.children[0].options] == ["Not in a group", "Regain"]
    lad = Ladder(page, spec("ladder", scope="shared", items=STEPS))
    assert [b.description for b in lad.states[0].buttons] == ["Later", "On it", "Easy now"]
    lad.states[0].choose("Trying it")
    assert saved(journal_file, scope="shared")["m01/test_ladder/step1"] == "Trying it"
    q = Quiz(page, spec("quiz", items=QUIZ))
    assert [b.description for b in q.choices[0].buttons] == ["A myth", "A fact"]
    q.choices[0].choose("Myth")
    assert saved(journal_file)["m01/test_quiz/q1"] == "Myth"
    assert "This is a myth." in q.explanations[0].value


# -- rephraser ------------------------------------------------------------------------------

WORDS = [{"word": "failure", "neutral": "my body did not respond the way I hoped", "why": "It describes, not judges."},
         {"word": "broken", "neutral": "changed", "why": "Bodies change."}]


def test_rephraser_finds_hard_words_and_explains(page, journal_file):
    r = Rephraser(page, spec("rephraser", items=WORDS))
    page.picker.choose("a")
    r.input.box.value = "I feel like a FAILURE"
    assert "did not respond" in r.suggestions.value and "describes, not judges" in r.suggestions.value
    r.input.box.value = "it was a quiet day"
    assert "No words from our list" in r.suggestions.value
    assert saved(journal_file)["m01/test_rephraser/said"] == "it was a quiet day"
    assert [i["word"] for i in rephrase("so broken", WORDS)] == ["broken"]


# -- turns ---------------------------------------------------------------------------------------

def test_turns_show_roles_a_timer_and_swap(page, journal_file):
    t = Turns(page, spec("turns", scope="shared", minutes=2, scaffold=["What I heard you say is..."]))
    page.picker.choose("a")
    assert "Speaking:</strong> Sam" in t.roles.value and "Listening:</strong> Alex" in t.roles.value
    assert "2:00" in t.clock.value
    t.tick(61)
    assert "0:59" in t.clock.value
    t.tick(59)
    assert "Time." in t.clock.value
    t.swap_button.click()
    assert "Speaking:</strong> Alex" in t.roles.value and "2:00" in t.clock.value
    t.heard.box.value = "You felt tired"
    assert saved(journal_file, scope="shared")["m01/test_turns/heard"] == "You felt tired"


def test_turns_timer_counts_down_in_the_event_loop(page):
    page.request("a")
    t = Turns(page, spec("turns", scope="shared", minutes=1, scaffold=[]))

    async def run():
        before = t.clock.value
        t.start()
        # polled: on a busy machine the first tick may come late, but it must come, and it shows 0:59
        for _ in range(200):
            if t.clock.value != before:
                break
            await asyncio.sleep(0.05)
        t.stop()

    asyncio.run(run())
    assert "0:59" in t.clock.value


# -- ladder --------------------------------------------------------------------------------

STEPS = [{"title": "Hold hands", "text": "Notice warmth."}, {"title": "Hand massage", "text": "Notice pressure."}]


def test_ladder_shows_every_step_and_saves_each_state(page, journal_file):
    lad = Ladder(page, spec("ladder", scope="shared", items=STEPS))
    page.picker.choose("a")
    assert len(lad.states) == 2  # nothing locked: every step is there from the start
    lad.states[1].choose("Trying it")
    assert saved(journal_file, scope="shared")["m01/test_ladder/step2"] == "Trying it"
    assert "stop rules" in lad.reminder.value.lower()


def test_ladder_buttons_say_how_a_step_feels_not_how_far_a_couple_got(page, journal_file):
    lad = Ladder(page, spec("ladder", scope="shared", items=STEPS))
    page.picker.choose("a")
    words = [b.description for b in lad.states[0].buttons]
    assert words == ["Not for now", "Exploring it", "At ease with it"]
    lad.states[0].choose("Feels easy")  # saved answers keep their meaning
    assert lad.states[0].buttons[2].description == "✓ At ease with it"
    assert saved(journal_file, scope="shared")["m01/test_ladder/step1"] == "Feels easy"


def test_ladder_shows_the_focus_conditions_stop_rules(journal_file):
    p = ModulePage(1, journal_path=str(journal_file), focus_condition="heart")
    p.request("a")
    lad = Ladder(p, spec("ladder", items=STEPS))
    assert lad.condition.value == "Heart disease"
    assert "chest pain" in lad.reminder.value.lower()


def test_ladder_lets_the_couple_choose_their_condition_and_remembers_it(page, journal_file):
    lad = Ladder(page, spec("ladder", scope="shared", items=STEPS))
    page.picker.choose("a")
    assert "Choose your condition above" in lad.reminder.value
    lad.condition.value = "Spinal cord injury"
    assert "dysreflexia" in lad.reminder.value.lower() and "sit up" in lad.reminder.value.lower()
    assert saved(journal_file, scope="shared")["m01/test_ladder/condition"] == "Spinal cord injury"
    page.picker.choose("b")  # shared: the other partner sees the same rules
    assert lad.condition.value == "Spinal cord injury"
    lad.condition.value = ""
    assert "Choose your condition above" in lad.reminder.value


# -- log -----------------------------------------------------------------------------------

LOG_FIELDS = [{"id": "boundary", "type": "text", "label": "Boundary"},
              {"id": "kind", "type": "single", "label": "Kind", "options": ["Off-limits for now", "To revisit"]}]


def test_log_keeps_entries_and_shows_what_changed_and_when(page, journal_file):
    log = Log(page, spec("log", scope="shared", fields=LOG_FIELDS))
    page.picker.choose("a")
    log.form[0].box.value = "No touch on the scar"
    log.form[1].choose("Off-limits for now")
    assert log.submit() == "001"
    log.editing.value = "001"
    assert log.form[0].value == "No touch on the scar"
    log.form[1].choose("To revisit")
    log.add_button.click()
    assert "Changes, oldest first" in log.view_log.value
    assert log.view_log.value.index("Off-limits") < log.view_log.value.index("To revisit")
    assert dt.date.today().isoformat() in log.view_log.value  # when each change was made


def test_log_refuses_an_empty_entry_kindly(page):
    log = Log(page, spec("log", fields=LOG_FIELDS))
    page.picker.choose("a")
    assert log.submit() is None
    assert "Fill in at least one box" in log.message.value


# -- breathing, grounding, placeholder ------------------------------------------------------------

def test_breathing_pacer_honours_reduced_motion_and_starts_paused(page):
    b = Breathing(page, spec("breathing", inhale=4, exhale=6))
    assert "prefers-reduced-motion: reduce" in b.pacer.value
    assert "animation-play-state: paused" in b.pacer.value
    b.toggle.click()
    assert "animation-play-state: running" in b.pacer.value and b.toggle.description == "Stop the pacer"


def test_grounding_walks_through_the_steps(page):
    g = Grounding(page, spec("grounding"))
    assert "Step 1 of" in g.step_text.value
    for _ in range(10):
        g.next_button.click()
    assert "always fine to stop" in g.step_text.value
    g.back_button.click()
    assert "Step" in g.step_text.value


# -- progress ------------------------------------------------------------------------------------

def test_progress_draws_only_my_own_checkins(page, journal_file):
    j = Journal(journal_file)
    j.partner("a").put("m01/checkin/2026-11-18/energy", 6)
    j.partner("b").put("m01/checkin/2026-11-18/energy", 1)
    reads = curriculum.module(10).exercise("progress_over_weeks")["reads"]  # Module 1's check-ins, as content declares
    pr = Progress(page, spec("progress", show=["checkins", "wins"], reads=reads))
    page.picker.choose("a")
    assert "<svg" in pr.charts.value and "6.0" in pr.charts.value and "1.0" not in pr.charts.value
    page.picker.choose("b")
    assert "1.0" in pr.charts.value and "6.0" not in pr.charts.value


def test_progress_shows_the_couples_shared_wins_from_module_6_but_not_how_far_they_got(journal_file):
    six = ModulePage(6, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    six.picker.choose("a")
    ladder, log = six.exercise("touch_ladder"), six.exercise("setbacks_and_wins")
    ladder.states[0].choose("Feels easy")
    log.form[0].choose("A small win")
    log.form[1].box.value = "We held hands through a whole film"
    log.submit()
    log.form[0].choose("A setback: information, not failure")
    log.form[1].box.value = "A window of pain, we stopped"
    log.submit()
    ten = ModulePage(10, journal_path=str(journal_file), today="2026-11-22")
    progress = ten.exercise("progress_over_weeks")
    ten.picker.choose("b")  # shared: the other partner sees the same wins
    shown = progress.charts.value
    assert "Small wins noted" in shown and ": 1" in shown and ": 2" not in shown  # a setback is not a win
    # issue 14: nothing charts how far a couple got on the ladder of touch
    assert "Steps on the ladder" not in shown and "Feels easy" not in shown


# -- where I am: start and end self-ratings -------------------------------------------------

def test_self_ratings_at_the_end_show_only_my_own_start_beside_them(journal_file):
    from widgets.exercises.selfcheck import SelfCheck

    start_page = ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex")
    start = start_page.exercise("where_i_am_start")
    start_page.picker.choose("a")
    start.fields[0].plus.click()
    start.fields[0].plus.click()  # Sam: 2 at the start
    start_page.picker.choose("b")
    start.fields[0].box.value = "9"  # Alex: 9 at the start
    assert Journal(journal_file).partner("a").get("selfcheck/start/close") == 2

    end_page = ModulePage(10, journal_path=str(journal_file))
    end = end_page.exercise("where_i_am_end")
    assert isinstance(end, SelfCheck)
    end_page.picker.choose("a")
    end.fields[0].box.value = "5"
    table = end.comparison.value
    assert "<td>2</td><td>5</td>" in table  # Sam's own start and now
    assert "9" not in table  # never the partner's
    assert "not a tested measure" in end.body.children[0].value
    end_page.picker.choose("b")
    assert "<td>9</td><td>–</td>" in end.comparison.value


def test_self_ratings_say_so_kindly_when_there_was_no_start(journal_file):
    page = ModulePage(10, journal_path=str(journal_file), partner_names="Sam, Alex")
    end = page.exercise("where_i_am_end")
    page.picker.choose("a")
    assert "did not answer these at the start" in end.comparison.value
    assert "<script>" not in end.comparison.value


def test_an_own_item_that_is_too_long_is_refused_kindly_and_kept_in_the_box(page):
    lb = ListBuilder(page, spec("list_builder", suggestions=["A"], prompt="Add"))
    page.picker.choose("a")
    lb.own.value = "x" * 250
    lb.add(lb.own.value)
    assert lb.items == [] and lb.own.value == "x" * 250
    assert "50 characters longer" in lb.message.value
