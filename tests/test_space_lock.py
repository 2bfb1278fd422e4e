"""A partner's locked private space: nothing of it readable without the passphrase."""
from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest

from widgets.storage.journal import SCHEMA_VERSION, Journal, JournalError, LockedView, PartnerView
from widgets.storage.space_lock import WrongPassphrase

SECRET = "Sentinel-ALEX-private-words"
PASSPHRASE = "correct horse battery"


def file_bytes(path) -> bytes:
    """The journal as a copied file would hold it (with any SQLite side files)."""
    data = b""
    for suffix in ("", "-journal", "-wal"):
        extra = path.parent / (path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


@pytest.fixture
def journal(journal_file):
    j = Journal(journal_file)
    yield j
    j.close()


def test_locking_moves_every_private_answer_and_its_history_out_of_the_file(journal, journal_file):
    a = journal.partner("a")
    a.put("m05/boundaries/entry", f"{SECRET} one")
    a.put("m05/boundaries/entry", f"{SECRET} two")
    journal.shared().put("m09/agreement/rhythm", "Sundays")
    journal.lock_space("a", PASSPHRASE)
    assert SECRET.encode() not in file_bytes(journal_file)
    assert b"Sundays" in file_bytes(journal_file)  # shared answers stay readable for both
    # the owner, with the space open, still reads everything, history included
    view = journal.partner("a")
    assert isinstance(view, LockedView)
    assert view.get("m05/boundaries/entry") == f"{SECRET} two"
    assert [v for _, v in view.history("m05/boundaries/entry")] == [f"{SECRET} one", f"{SECRET} two"]


def test_a_closed_locked_space_cannot_be_read_by_anyone(journal):
    journal.partner("a").put("m07/unsaid/text", SECRET)
    journal.lock_space("a", PASSPHRASE)
    journal.close_space("a")
    with pytest.raises(JournalError) as err:
        journal.partner("a")
    assert err.value.kind == "space_locked"
    # a second window of the same file knows nothing either
    other = Journal(journal.path)
    with pytest.raises(JournalError):
        other.partner("a").get("m07/unsaid/text")
    with pytest.raises(WrongPassphrase):
        other.open_space("a", "not the passphrase")
    other.open_space("a", PASSPHRASE)
    assert other.partner("a").get("m07/unsaid/text") == SECRET
    other.close()


def test_answers_given_while_locked_are_written_only_sealed(journal, journal_file):
    journal.lock_space("a", PASSPHRASE)
    journal.partner("a").put("m01/hopes/text", SECRET)
    journal.partner("a").put("m01/hopes/more", "ünïcødé 🌱 <script>")
    assert SECRET.encode() not in file_bytes(journal_file)
    assert journal.partner("a").items("m01/") == {"m01/hopes/more": "ünïcødé 🌱 <script>", "m01/hopes/text": SECRET}
    assert stat.S_IMODE(os.stat(journal_file).st_mode) == 0o600


def test_another_window_sees_the_owners_new_answers(journal):
    journal.lock_space("a", PASSPHRASE)
    other = Journal(journal.path)
    other.open_space("a", PASSPHRASE)
    journal.partner("a").put("m01/hopes/text", "first window")
    assert other.partner("a").get("m01/hopes/text") == "first window"
    other.partner("a").put("m01/hopes/other", "second window")
    assert journal.partner("a").items("m01/hopes/") == {"m01/hopes/other": "second window",
                                                         "m01/hopes/text": "first window"}
    other.close()


def test_the_other_partners_export_holds_nothing_of_a_locked_partner(journal):
    journal.partner("a").put("m04/meaningful/items", [SECRET])
    journal.lock_space("a", PASSPHRASE)
    journal.partner("b").put("m04/meaningful/items", ["B's own"])
    exported = json.dumps(journal.partner("b").export())
    assert SECRET not in exported and "B's own" in exported


def test_a_locked_partners_own_export_is_sealed_and_comes_back_only_with_the_passphrase(journal, tmp_path):
    journal.partner("a").put("m05/boundaries/entry", SECRET)
    journal.lock_space("a", PASSPHRASE)
    exported = journal.partner("a").export()
    assert SECRET not in json.dumps(exported)
    assert "sealed_private" in exported
    fresh = Journal(tmp_path / "elsewhere.sqlite3")
    with pytest.raises(JournalError) as err:
        fresh.partner("a").import_(exported)
    assert err.value.kind == "needs_passphrase"
    with pytest.raises(JournalError) as err:
        fresh.partner("a").import_(exported, passphrase="wrong passphrase")
    assert err.value.kind == "wrong_passphrase"
    assert fresh.partner("a").items() == {}
    assert fresh.partner("a").import_(exported, passphrase=PASSPHRASE) == 1
    assert fresh.partner("a").get("m05/boundaries/entry") == SECRET
    fresh.close()


def test_changing_the_passphrase_retires_the_old_one(journal):
    journal.partner("a").put("k", SECRET)
    journal.lock_space("a", PASSPHRASE)
    journal.change_passphrase("a", "a brand new passphrase")
    journal.close_space("a")
    with pytest.raises(WrongPassphrase):
        journal.open_space("a", PASSPHRASE)
    journal.open_space("a", "a brand new passphrase")
    assert journal.partner("a").get("k") == SECRET


def test_removing_the_lock_brings_plain_answers_back(journal):
    journal.partner("a").put("k", SECRET)
    journal.lock_space("a", PASSPHRASE)
    journal.remove_lock("a")
    view = journal.partner("a")
    assert isinstance(view, PartnerView) and not isinstance(view, LockedView)
    assert view.get("k") == SECRET and not journal.is_locked("a")


def test_a_short_passphrase_is_refused_kindly(journal):
    with pytest.raises(JournalError) as err:
        journal.lock_space("a", "short")
    assert err.value.kind == "short_passphrase" and "at least 8" in err.value.message
    assert not journal.is_locked("a")


def test_the_owner_can_erase_a_locked_space_without_the_passphrase(journal, journal_file):
    journal.set_partner_name("a", "Alex")
    journal.partner("a").put("k", SECRET)
    journal.partner("b").put("k", "B stays")
    journal.lock_space("a", PASSPHRASE)
    journal.close_space("a")
    journal.erase_partner("a")
    assert not journal.is_locked("a")
    assert journal.partner("a").items() == {}
    assert journal.partner_names().get("a") is None
    assert journal.partner("b").get("k") == "B stays"


def test_answers_waiting_to_be_saved_are_sealed_with_the_space(journal):
    journal.lock_space("a", PASSPHRASE)
    token = journal.seal_pending("a", {"field": SECRET})
    assert SECRET not in token
    assert journal.unseal_pending("a", token) == {"field": SECRET}
    journal.close_space("a")
    with pytest.raises(JournalError):
        journal.unseal_pending("a", token)


# A journal exactly as the version before locks wrote it (schema 2: answers and history).
TODAYS_SCHEMA = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE partners (slot TEXT PRIMARY KEY CHECK (slot IN ('a', 'b')), name TEXT NOT NULL, "
    "created_at TEXT NOT NULL)",
    "CREATE TABLE answers (scope TEXT NOT NULL CHECK (scope IN ('a', 'b', 'shared')), key TEXT NOT NULL, "
    "value TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (scope, key))",
    "CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, key TEXT NOT NULL, "
    "value TEXT, changed_at TEXT NOT NULL)",
    "CREATE INDEX history_scope_key ON history (scope, key, id)",
    "PRAGMA user_version=2",
]


def test_a_journal_from_before_locks_migrates_and_then_locks_cleanly(journal_file):
    journal_file.parent.mkdir(parents=True)
    db = sqlite3.connect(journal_file)
    for statement in TODAYS_SCHEMA:
        db.execute(statement)
    db.execute("INSERT INTO partners VALUES ('a', 'Alex', '2026-11-01T10:00:00+00:00')")
    for scope, value in (("a", SECRET), ("b", "Bo's answer"), ("shared", "ours")):
        encoded = json.dumps(value)
        db.execute("INSERT INTO answers VALUES (?, 'm07/unsaid/text', ?, '2026-11-01T10:00:00+00:00')",
                   (scope, encoded))
        db.execute("INSERT INTO history (scope, key, value, changed_at) "
                   "VALUES (?, 'm07/unsaid/text', ?, '2026-11-01T10:00:00+00:00')", (scope, encoded))
    db.commit()
    db.close()
    journal = Journal(journal_file)
    assert journal.schema_version() == SCHEMA_VERSION
    assert journal.partner("a").get("m07/unsaid/text") == SECRET
    journal.lock_space("a", PASSPHRASE)
    journal.close()
    assert SECRET.encode() not in file_bytes(journal_file)
    reopened = Journal(journal_file)
    assert reopened.partner("b").get("m07/unsaid/text") == "Bo's answer"
    assert reopened.shared().get("m07/unsaid/text") == "ours"
    assert reopened.partner_names() == {"a": "Alex"}
    reopened.open_space("a", PASSPHRASE)
    assert reopened.partner("a").history("m07/unsaid/text") == [("2026-11-01T10:00:00+00:00", SECRET)]
    reopened.close()
