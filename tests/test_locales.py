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
