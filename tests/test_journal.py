"""The journal keeps every answer, privately, and fails kindly."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from widgets.storage import journal as jr
from widgets.storage.journal import Journal, JournalError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_answer_is_saved_at_once_and_survives_a_new_process(journal_file):
    Journal(journal_file).partner("a").put("m01/hopes/why_here", "to feel close again")
    # a separate process (as after a kernel restart) reads it back
    out = subprocess.run(
        [sys.executable, "-c",
         "import sys; from widgets.storage.journal import Journal; "
         "print(Journal(sys.argv[1]).partner('a').get('m01/hopes/why_here'))", str(journal_file)],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "to feel close again"


def test_answer_survives_a_killed_writer(journal_file):
    code = (
        "import os, sys; from widgets.storage.journal import Journal; "
        "Journal(sys.argv[1]).partner('a').put('k', 'kept'); os._exit(9)"
    )
    subprocess.run([sys.executable, "-c", code, str(journal_file)], check=False)
    assert Journal(journal_file).partner("a").get("k") == "kept"


def test_journal_file_and_folder_are_private(journal_file):
    Journal(journal_file).partner("a").put("k", 1)
    assert mode(journal_file) == 0o600
    assert mode(journal_file.parent) == 0o700


def test_a_loose_existing_file_is_tightened(journal_file):
    journal_file.parent.mkdir(parents=True)
    journal_file.touch(mode=0o644)
    os.chmod(journal_file, 0o644)
    Journal(journal_file).partner("a").put("k", 1)
    assert mode(journal_file) == 0o600


def test_default_location_follows_the_environment_variable(journal_file):
    assert Journal().path == journal_file


def test_partners_cannot_read_each_other(journal_file):
    j = Journal(journal_file)
    j.partner("a").put("m01/hopes/why_here", "secret of a")
    assert j.partner("b").get("m01/hopes/why_here") is None
    assert j.partner("b").items() == {}
    assert j.shared().items() == {}
    assert "secret of a" not in json.dumps(j.partner("b").export())


def test_shared_answers_are_seen_by_both(journal_file):
    j = Journal(journal_file)
    j.shared().put("m09/goals/regain", "walks")
    assert j.partner("a").export()["answers"][0]["value"] == "walks"
    assert j.partner("b").export()["answers"][0]["space"] == "shared"


def test_items_prefix_is_literal_not_a_pattern(journal_file):
    p = Journal(journal_file).partner("a")
    p.put("m01/x_y/1", 1)
    p.put("m01/xzy/1", 2)
    assert list(p.items("m01/x_y/")) == ["m01/x_y/1"]


def test_history_keeps_every_change(journal_file):
    p = Journal(journal_file).partner("a")
    p.put("m05/boundary_log/1", "off-limits")
    p.put("m05/boundary_log/1", "to revisit")
    assert [v for _, v in p.history("m05/boundary_log/1")] == ["off-limits", "to revisit"]


@pytest.mark.parametrize(
    "text",
    ["", "<script>alert(1)</script>", "\u202eevil", "emoji 😀👩🏽‍🦽", "x" * 50_000, "nul\x00byte", "lone \ud800 surrogate"],
)
def test_odd_text_is_stored_safely(journal_file, text):
    p = Journal(journal_file).partner("a")
    p.put("k", text)
    back = p.get("k")
    assert "\x00" not in back
    back.encode("utf-8")  # always valid UTF-8
    if "\x00" not in text and "\ud800" not in text:
        assert back == text


def test_huge_text_is_refused_kindly_and_old_answer_kept(journal_file):
    p = Journal(journal_file).partner("a")
    p.put("k", "short")
    with pytest.raises(JournalError) as err:
        p.put("k", "x" * (jr.MAX_TEXT + 1))
    assert err.value.kind == "too_long"
    assert p.get("k") == "short"


def test_corrupt_file_is_kept_aside_and_a_fresh_one_started(journal_file):
    journal_file.parent.mkdir(parents=True)
    journal_file.write_bytes(b"this is not a database" * 100)
    j = Journal(journal_file)
    j.partner("a").put("k", 1)
    assert j.recovered_from is not None and j.recovered_from.exists()
    assert j.recovered_from.read_bytes().startswith(b"this is not a database")
    assert j.partner("a").get("k") == 1


def test_locked_file_gives_a_kind_message_and_loses_nothing(journal_file):
    j = Journal(journal_file)
    j.partner("a").put("k", "before")
    blocker = sqlite3.connect(journal_file, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        other = Journal(journal_file)
        with pytest.raises(JournalError) as err:
            other.partner("a").put("k", "during")
        assert err.value.kind == "locked"
        assert "still here" in err.value.message
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert Journal(journal_file).partner("a").get("k") == "before"


def test_full_disk_is_reported_kindly(journal_file, monkeypatch):
    j = Journal(journal_file)
    j.partner("a").put("k", "before")

    class FullConnection:
        def __init__(self, real):
            self.real = real

        def execute(self, sql, *args):
            if sql.startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")
            return self.real.execute(sql, *args)

    j._db = FullConnection(j._connect())
    with pytest.raises(JournalError) as err:
        j.partner("a").put("k", "after")
    assert err.value.kind == "full"
    assert "no room" in err.value.message
    assert Journal(journal_file).partner("a").get("k") == "before"


def test_schema_version_and_migration_from_version_1(journal_file):
    journal_file.parent.mkdir(parents=True)
    db = sqlite3.connect(journal_file)
    for statement in jr.MIGRATIONS[1]:
        db.execute(statement)
    db.execute("INSERT INTO answers VALUES ('a', 'old', '\"kept\"', '2026-01-01T00:00:00+00:00')")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    j = Journal(journal_file)
    assert j.partner("a").get("old") == "kept"
    assert j.schema_version() == jr.SCHEMA_VERSION
    j.partner("a").put("old", "changed")
    assert len(j.partner("a").history("old")) == 1


def test_a_newer_journal_is_not_touched(journal_file):
    journal_file.parent.mkdir(parents=True)
    db = sqlite3.connect(journal_file)
    db.execute(f"PRAGMA user_version={jr.SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(JournalError) as err:
        Journal(journal_file).partner("a").get("k")
    assert "newer version" in err.value.message


def test_export_and_import_round_trip_between_devices(tmp_path):
    home = Journal(tmp_path / "home.sqlite3")
    home.set_partner_name("a", "Sam")
    home.partner("a").put("m01/hopes/why_here", "to laugh again")
    home.shared().put("m09/goals/regain", "walks")
    exported = json.loads(json.dumps(home.partner("a").export()))
    laptop = Journal(tmp_path / "laptop.sqlite3")
    assert laptop.partner("a").import_(exported) == 2
    assert laptop.partner("a").get("m01/hopes/why_here") == "to laugh again"
    assert laptop.shared().get("m09/goals/regain") == "walks"
    assert laptop.partner_names() == {"a": "Sam"}
    assert laptop.partner("a").import_(exported) == 0  # nothing newer the second time


def test_import_refuses_other_files_kindly_and_changes_nothing(journal_file):
    p = Journal(journal_file).partner("a")
    p.put("k", "mine")
    for bad in ({}, {"format": "something else"}, {"format": jr.EXPORT_FORMAT, "answers": "x"},
                {"format": jr.EXPORT_FORMAT, "answers": [{"no": "key"}]}):
        with pytest.raises(JournalError) as err:
            p.import_(bad)
        assert err.value.kind == "bad_file"
    assert p.items() == {"k": "mine"}


def test_erase_mine_leaves_my_partner_alone(journal_file):
    j = Journal(journal_file)
    j.partner("a").put("k", "a")
    j.partner("b").put("k", "b")
    j.partner("a").erase()
    assert j.partner("a").items() == {}
    assert j.partner("b").get("k") == "b"
    assert j.partner("a").history("k") == []


def test_erase_everything_removes_the_file(journal_file):
    j = Journal(journal_file)
    j.partner("a").put("k", "secret words")
    j.erase_everything()
    assert not journal_file.exists()
    assert Journal(journal_file).partner("a").items() == {}
