"""Settings: the environment is read in one place, and the journal a page gets is decided in one place."""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from widgets import ModulePage, curriculum, settings
from widgets.storage import paths
from widgets.storage.browser import BrowserJournal
from widgets.storage.journal import Journal
from widgets.storage.opening import open_journal


def test_settings_read_the_environment_fresh_each_time(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.GROUP_MODE_ENV, "1")
    monkeypatch.setenv(settings.GROUP_SESSION_ENV, "ab-12_<x>")
    monkeypatch.setenv(settings.GROUP_STORAGE_ENV, "local")
    monkeypatch.setenv(settings.COUNTRY_ENV, " gb ")
    monkeypatch.setenv(settings.GROUP_DIR_ENV, "~/group")
    monkeypatch.setenv("HOME", str(tmp_path))
    found = settings.current()
    assert found.group_mode and found.group_session == "ab12x" and not found.laptop_storage
    assert found.country == "GB" and found.group_dir == tmp_path / "group"
    assert found.locale == "en"  # the default language
    monkeypatch.setenv(settings.LOCALE_ENV, "xx")
    monkeypatch.delenv(settings.GROUP_MODE_ENV)
    again = settings.current()
    assert again.locale == "xx" and not again.group_mode


def test_every_setting_has_its_name_and_a_typed_default():
    empty = settings.current({})
    assert empty == settings.Settings()
    assert empty.journal_path is None and empty.laptop_storage and empty.locale == "en"
    assert all(name.startswith("CLOSER_AGAIN_") for name in settings.NAMES)
    assert len(set(settings.NAMES)) == len(settings.NAMES)


def test_a_journal_path_with_a_tilde_opens_in_the_home_folder(monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    page = ModulePage(1, journal_path="~/x.sqlite3", partner_names="Sam, Alex")
    assert page.journal.path == home / "x.sqlite3"
    assert page.journal.partner_names() == {"a": "Sam", "b": "Alex"}
    assert (home / "x.sqlite3").is_file()
    assert not (tmp_path / "~").exists()  # no literal "~" folder


def test_the_parameter_wins_over_the_environment_which_wins_over_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.JOURNAL_ENV, str(tmp_path / "env.sqlite3"))
    assert paths.journal_path() == tmp_path / "env.sqlite3"
    assert paths.journal_path(str(tmp_path / "param.sqlite3")) == tmp_path / "param.sqlite3"
    monkeypatch.delenv(settings.JOURNAL_ENV)
    assert paths.journal_path().name == paths.JOURNAL_FILENAME


def test_one_function_decides_file_or_browser(monkeypatch, tmp_path):
    monkeypatch.delenv(settings.GROUP_MODE_ENV, raising=False)
    journal = open_journal(str(tmp_path / "j.sqlite3"))
    assert type(journal) is Journal and journal.page_widgets() == []
    monkeypatch.setenv(settings.GROUP_MODE_ENV, "1")
    held = open_journal(str(tmp_path / "ignored.sqlite3"))  # a group session never writes to this disk
    assert isinstance(held, BrowserJournal) and held.page_widgets()[0] is held.store
    held.shared().put("m01/x/a", "kept")
    assert not (tmp_path / "ignored.sqlite3").exists()


def test_a_page_uses_the_journal_it_is_handed(tmp_path):
    journal = Journal(tmp_path / "handed.sqlite3")
    page = ModulePage(1, journal=journal, journal_path=str(tmp_path / "not-this.sqlite3"))
    assert page.journal is journal
    assert page._restored in journal.on_restore and page._store_result in journal.on_store_result


@pytest.fixture
def facilitator_log():
    """What the facilitator log receives, as text."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    log = logging.getLogger("closer_again")
    log.addHandler(handler)
    yield lines
    log.removeHandler(handler)


def test_a_browser_copy_that_cannot_be_read_is_logged_without_content_and_shown_kindly(monkeypatch, facilitator_log):
    monkeypatch.setenv(settings.GROUP_MODE_ENV, "1")
    page = ModulePage(1)
    page.set_active("a")
    page.journal.store.from_browser = '{"answers": [["a", "m01/x/y", "SECRET-WORDS'  # cut off mid-write
    assert page.restore_failed
    assert curriculum.text("who.restore_failed") in page.picker.state.value.replace("&#x27;", "'")
    assert len(facilitator_log) == 1 and "restore answers kept in the browser" in facilitator_log[0]
    assert "SECRET-WORDS" not in facilitator_log[0]


def test_good_rows_come_back_and_a_damaged_row_is_left_out_and_said(monkeypatch, facilitator_log):
    monkeypatch.setenv(settings.GROUP_MODE_ENV, "1")
    source = BrowserJournal()
    source.set_partner_name("a", "Sam")
    source.partner("a").put("m01/x/y", "kept answer")
    kept = source.snapshot()
    kept["answers"].append(["a", "m01/x/z"])  # a row cut short
    kept["answers"].append("PRIVATE-TEXT")     # not a row at all
    page = ModulePage(1)
    page.journal.store.from_browser = json.dumps(kept)
    assert page.restore_failed
    assert page.journal.partner("a").get("m01/x/y") == "kept answer"
    assert page.journal.partner_names() == {"a": "Sam"}
    assert len(facilitator_log) == 1
    assert "PRIVATE-TEXT" not in facilitator_log[0] and "kept answer" not in facilitator_log[0]


def test_a_good_browser_copy_comes_back_without_a_warning(monkeypatch, facilitator_log):
    monkeypatch.setenv(settings.GROUP_MODE_ENV, "1")
    source = BrowserJournal()
    source.shared().put("m01/x/y", "ours")
    page = ModulePage(1)
    page.journal.store.from_browser = json.dumps(source.snapshot())
    assert not page.restore_failed and page.journal.shared().get("m01/x/y") == "ours"
    page.set_active("a")
    assert curriculum.text("who.restore_failed") not in page.picker.state.value and facilitator_log == []


def test_no_widget_code_asks_which_kind_of_journal_it_has():
    """The journal's kind is known only to storage.opening: nothing probes for browser-only parts."""
    widgets = Path(__file__).resolve().parents[1] / "widgets"
    probing = re.compile(r"(hasattr|getattr)\([^)]*journal|isinstance\([^)]*BrowserJournal")
    found = [f"{p.relative_to(widgets)}:{n}" for p in widgets.rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1) if probing.search(line)]
    assert found == []


def test_only_settings_reads_the_environment():
    """os.environ appears only in settings.py and where a child process's environment is built."""
    widgets = Path(__file__).resolve().parents[1] / "widgets"
    builds_child_env = {"cli.py", "group/session.py"}
    for path in widgets.rglob("*.py"):
        where = path.relative_to(widgets).as_posix()
        text = path.read_text(encoding="utf-8")
        if where != "settings.py":
            assert "CLOSER_AGAIN_" not in text, where
        if where not in builds_child_env | {"settings.py"}:
            assert "os.environ" not in text and "getenv" not in text, where
