"""A second language: content/locales/<code>/ overrides the English files key by key.

Proven with the test locale ``xx-test`` (content/locales/xx-test/): a few keys of ui.toml, one
key of Module 1's file, and an empty resources.toml. No translation is needed for that.
"""
from __future__ import annotations

import pytest

from widgets import curriculum, settings, templating
from widgets.exercises.agreement import agreement_html
from widgets.kit.page import ModulePage
from widgets.storage.journal import Journal

TEST_LOCALE = "xx-test"


@pytest.fixture(autouse=True)
def english_first(monkeypatch):
    monkeypatch.delenv(settings.LOCALE_ENV, raising=False)
    curriculum.use_locale("")
    yield
    curriculum.use_locale("")


def test_english_is_the_default():
    assert curriculum.current_locale() == "en"
    assert curriculum.text("who.save_names") == "Save names"
    assert curriculum.locale_dir("en") is None


def test_the_environment_chooses_the_language_key_by_key(monkeypatch):
    monkeypatch.setenv(settings.LOCALE_ENV, TEST_LOCALE)
    assert curriculum.current_locale() == TEST_LOCALE
    assert curriculum.text("who.save_names") == "XX Save names XX"
    assert curriculum.text("page.key_points") == "XX Key points XX"
    # a key the locale does not name stays English
    assert curriculum.text("who.names_saved") == "Names saved."
    assert curriculum.text("exercise.skip") == "Skip this for now"


def test_a_module_file_is_overridden_by_name_and_other_files_stay_whole(monkeypatch):
    english = curriculum.module(1)
    monkeypatch.setenv(settings.LOCALE_ENV, TEST_LOCALE)
    local = curriculum.module(1)
    assert local.summary == "XX A module summary from the test locale XX"
    assert local.title == english.title and local.blocks == english.blocks
    assert curriculum.data("resources") == curriculum._localised(curriculum.CONTENT_DIR / "resources.toml", "en")
    monkeypatch.delenv(settings.LOCALE_ENV)
    assert curriculum.module(1).summary == english.summary


def test_a_page_parameter_chooses_the_language(tmp_path):
    page = ModulePage(1, journal=Journal(tmp_path / "j.sqlite3"), locale=TEST_LOCALE)
    assert "XX Key points XX" in page.footer_html()
    assert "XX A module summary from the test locale XX" in page.header_html()


def test_templates_read_the_language_too(monkeypatch):
    monkeypatch.setenv(settings.LOCALE_ENV, TEST_LOCALE)
    page = agreement_html({"names": ["Kai", "<b>Sam</b>"], "sections": []})
    assert "<title>XX Our agreement XX</title>" in page and 'lang="x-test"' in page
    assert "&lt;b&gt;Sam&lt;/b&gt;" in page  # still escaped
    login = templating.render("login.html.j2", message="", action="/login", xsrf="")
    assert "XX Join the session XX" in login


@pytest.mark.parametrize("code", ["../etc", "en/../../x", "EN", "a b", "x" * 20])
def test_a_strange_locale_is_refused_or_ignored(monkeypatch, code):
    with pytest.raises(curriculum.ContentError):
        curriculum.use_locale(code)
    monkeypatch.setenv(settings.LOCALE_ENV, code)
    assert curriculum.current_locale() == "en"
    assert curriculum.text("who.save_names") == "Save names"


def test_an_unknown_language_falls_back_to_english(monkeypatch):
    monkeypatch.setenv(settings.LOCALE_ENV, "fr")
    assert curriculum.locale_dir("fr") is None
    assert curriculum.text("who.save_names") == "Save names"


# -- choices whose saved values are stable keys: the words follow the language, the values never do -----

STEPS = [{"title": "Hold hands", "text": "Just hands."}]


def _spec(kind, **extra):
    return {"kind": "exercise", "id": f"test_{kind}", "type": kind, "scope": "shared", "title": f"A {kind}",
            "intro": "Do this.", "content_note": "Gentle.", **extra}


def _labels(field):
    return [button.description for button in field.buttons]


def test_choice_buttons_show_the_languages_words_and_save_the_stable_values(tmp_path):
    from widgets.exercises.activities import Ladder, Quiz, Sorter
    from widgets.exercises.menu import MAYBE, YES, PrivateAnswers, PrivateMenu

    journal = Journal(tmp_path / "j.sqlite3")
    page = ModulePage(1, journal=journal, partner_names="Sam, Alex", today="2026-11-20", locale=TEST_LOCALE)
    page.picker.choose("a")

    menu = PrivateMenu(page, {**_spec("menu"), "scope": "private"})
    kissing = menu.rating_fields["kissing"]
    assert _labels(kissing) == ["XX Yes XX", "XX Maybe XX", "XX Not now XX", "XX No XX"]
    kissing.choose(YES)
    menu.rating_fields["long_hug"].choose(MAYBE)
    assert kissing.buttons[0].description == "✓ XX Yes XX"
    assert PrivateAnswers(journal.partner("a")).read()["ratings"] == {"kissing": "Yes", "long_hug": "Maybe / curious"}

    ladder = Ladder(page, _spec("ladder", items=STEPS))
    assert _labels(ladder.states[0]) == ["XX Not for now XX", "XX Exploring it XX", "XX At ease with it XX"]
    ladder.states[0].choose("Feels easy")
    assert journal.shared().get("m01/test_ladder/step1") == "Feels easy"

    quiz = Quiz(page, _spec("quiz", items=[{"statement": "S.", "answer": "fact", "explanation": "E."}]))
    assert _labels(quiz.choices[0]) == ["XX Myth XX", "XX Fact XX"]
    quiz.choices[0].choose("Fact")
    assert journal.shared().get("m01/test_quiz/q1") == "Fact"

    sorter = Sorter(page, _spec("sorter", groups=["Regain"], items=["Massage"]))
    pick = sorter.rows.children[0]
    assert pick.label == "XX Not sorted yet XX" and list(pick.options)[1] == ("Regain", "Regain")
    pick.value = "Regain"
    pick.value = sorter.UNSORTED
    assert journal.shared().get("m01/test_sorter/placement") == {}


def test_the_reveal_button_speaks_the_language(tmp_path):
    from widgets.exercises.menu import Reveal

    page = ModulePage(1, journal=Journal(tmp_path / "j.sqlite3"), partner_names="Sam, Alex", locale=TEST_LOCALE)
    reveal = Reveal(page, _spec("menu_reveal"))
    page.picker.choose("a")
    assert reveal.partner_boxes["a"][2].description == "XX Sam: show our matches XX"


def test_the_calendar_shows_the_languages_days_and_saves_the_english_keys(tmp_path):
    journal = Journal(tmp_path / "j.sqlite3")
    page = ModulePage(9, journal=journal, partner_names="Sam, Alex", today="2026-11-24", locale=TEST_LOCALE)
    planner, agreement = page.exercise("calendar"), page.exercise("agreement")
    page.picker.choose("a")
    assert planner.weekday.label == "XX Sunday XX" and planner.frequency.label == "XX Every week XX"
    assert [label for label, _ in planner.weekday.options][0] == "XX Monday XX"
    planner.weekday.value = "Wednesday"
    planner.frequency.value = "Every two weeks"
    planner.timezone.value = "Europe/London"
    saved = journal.shared().get(planner.key_prefix + "rhythm")
    assert saved["weekday"] == "Wednesday" and saved["frequency"] == "Every two weeks"
    assert b"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=WE" in planner.ics()  # the calendar file reads the keys
    version = agreement.make()
    assert version["rhythm"] == "XX XX Every two weeks XX, on XX Wednesday XX at 19:00 (Europe/London) XX"
    assert "XX Wednesday XX" in agreement.document()
    # the same journal on an English page: the same saved rhythm, in English words
    english = ModulePage(9, journal=journal, partner_names="Sam, Alex", today="2026-11-24", locale="en")
    english.picker.choose("a")
    planner = english.exercise("calendar")
    assert planner.weekday.value == "Wednesday" and planner.weekday.label == "Wednesday"
    assert planner.frequency.label == "Every two weeks"
