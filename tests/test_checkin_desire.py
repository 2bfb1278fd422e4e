"""The check-in asks about sexual desire and the wish for closeness apart; old answers stay honest.

Until schema version 3 the check-in had one question, "Desire for closeness or sex",
saved as ``m01/checkin/<day>/desire``. A journal written then must open with every
old answer kept, named as the old combined question, and with nothing made up for
the two new questions.
"""
from __future__ import annotations

import json
import sqlite3

import pytest

from widgets import ModulePage, curriculum
from widgets import journal as jr
from widgets.checkin import CHECKIN_PREFIX, checkin_history
from widgets.journal import Journal

OLD_LABEL = curriculum.data("checkin")["retired_measures"][0]["label"]
OLD_DAYS = {"2026-11-02": 7, "2026-11-09": 2, "2026-11-16": 5}


def write_version_2_journal(path) -> None:
    """A journal as the version before the split wrote it: schema 2, check-ins with ``desire``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    for version in (1, 2):
        for statement in jr.MIGRATIONS[version]:
            db.execute(statement)
    db.execute("PRAGMA user_version=2")
    db.execute("INSERT INTO partners VALUES ('a', 'Sam', '2026-11-01T09:00:00+00:00')")
    db.execute("INSERT INTO partners VALUES ('b', 'Alex', '2026-11-01T09:00:00+00:00')")

    def put(scope, key, value, stamp):
        encoded = json.dumps(value, ensure_ascii=False)
        db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)", (scope, key, encoded, stamp))
        db.execute("INSERT INTO history (scope, key, value, changed_at) VALUES (?, ?, ?, ?)",
                   (scope, key, encoded, stamp))

    for day, desire in OLD_DAYS.items():
        stamp = f"{day}T20:00:00+00:00"
        put("a", f"m01/checkin/{day}/energy", 4, stamp)
        put("a", f"m01/checkin/{day}/desire", desire - 1, f"{day}T08:00:00+00:00")  # changed later that day
        put("a", f"m01/checkin/{day}/desire", desire, stamp)
        put("a", f"m01/checkin/{day}/closeness", 6, stamp)
        put("b", f"m01/checkin/{day}/desire", 10 - desire, stamp)
    put("a", "m01/checkin/2026-11-16/note", "tired but we laughed", "2026-11-16T20:00:00+00:00")
    # keys that only look like the old question are left alone
    put("a", "m04/desire_differs/desire", "mine, not a check-in", "2026-11-16T20:00:00+00:00")
    put("shared", "m06/setbacks_and_wins/entries/001", {"what_happened": "desire"}, "2026-11-16T20:00:00+00:00")
    db.commit()
    db.close()


def raw_rows(path, table: str, column: str = "key") -> set[tuple]:
    db = sqlite3.connect(path)
    try:
        return set(db.execute(f"SELECT scope, {column}, value FROM {table}").fetchall())
    finally:
        db.close()


# -- the migration ------------------------------------------------------------------

def test_old_combined_answers_are_kept_under_their_own_name(journal_file):
    write_version_2_journal(journal_file)
    j = Journal(journal_file)
    assert j.schema_version() == jr.SCHEMA_VERSION >= 3
    a = j.partner("a").items(CHECKIN_PREFIX)
    for day, desire in OLD_DAYS.items():
        assert a[f"m01/checkin/{day}/desire_combined"] == desire
        assert a[f"m01/checkin/{day}/energy"] == 4
        assert a[f"m01/checkin/{day}/closeness"] == 6
        assert f"m01/checkin/{day}/desire" not in a
        assert j.partner("b").get(f"m01/checkin/{day}/desire_combined") == 10 - desire
    assert a["m01/checkin/2026-11-16/note"] == "tired but we laughed"


def test_nothing_is_invented_for_the_two_new_questions(journal_file):
    write_version_2_journal(journal_file)
    j = Journal(journal_file)
    for slot in ("a", "b"):
        fields = {key.rsplit("/", 1)[1] for key in j.partner(slot).items(CHECKIN_PREFIX)}
        assert not fields & {"sexual_desire", "closeness_wish"}
    counted = {"answers": 0, "history": 0}
    for table in counted:
        counted[table] = sum(1 for _, key, _ in raw_rows(journal_file, table)
                             if key.endswith(("/sexual_desire", "/closeness_wish")))
    assert counted == {"answers": 0, "history": 0}


def test_the_history_of_old_answers_moves_with_them(journal_file):
    write_version_2_journal(journal_file)
    j = Journal(journal_file)
    versions = j.partner("a").history("m01/checkin/2026-11-09/desire_combined")
    assert [value for _, value in versions] == [1, 2]
    assert versions[0][0] == "2026-11-09T08:00:00+00:00"
    assert j.partner("a").history("m01/checkin/2026-11-09/desire") == []


def test_only_check_in_answers_are_renamed(journal_file):
    write_version_2_journal(journal_file)
    before = raw_rows(journal_file, "answers")
    Journal(journal_file).schema_version()
    after = raw_rows(journal_file, "answers")
    renamed = {(s, k, v) for s, k, v in before if k.startswith(CHECKIN_PREFIX) and k.endswith("/desire")}
    assert len(renamed) == 2 * len(OLD_DAYS)
    assert after == (before - renamed) | {(s, k + "_combined", v) for s, k, v in renamed}
    j = Journal(journal_file)
    assert j.partner("a").get("m04/desire_differs/desire") == "mine, not a check-in"


def test_the_migration_runs_once_and_a_reopened_journal_is_unchanged(journal_file):
    write_version_2_journal(journal_file)
    first = Journal(journal_file)
    assert first.schema_version() == jr.SCHEMA_VERSION
    first.close()
    once = raw_rows(journal_file, "answers"), raw_rows(journal_file, "history")
    j = Journal(journal_file)
    assert j.schema_version() == jr.SCHEMA_VERSION
    assert (raw_rows(journal_file, "answers"), raw_rows(journal_file, "history")) == once


# -- the check-in and its chart --------------------------------------------------------

def open_page(journal_file) -> ModulePage:
    return ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")


@pytest.fixture
def page(journal_file):
    return open_page(journal_file)


def test_the_check_in_asks_the_two_questions_apart(page, journal_file):
    c = page.exercise("checkin")
    ids = [s.field_id for s in c.scales]
    assert "sexual_desire" in ids and "closeness_wish" in ids and "closeness" in ids
    assert "desire" not in ids and "desire_combined" not in ids, "the old question is not asked again"
    labels = {s.field_id: s.label for s in c.scales}
    assert "sex" in labels["sexual_desire"].lower()
    assert "sex" not in labels["closeness_wish"].lower()
    page.picker.choose("a")
    c.scales[ids.index("sexual_desire")].box.value = "2"
    c.scales[ids.index("closeness_wish")].box.value = "9"
    saved = Journal(journal_file).partner("a").items(CHECKIN_PREFIX)
    assert saved == {"m01/checkin/2026-11-20/sexual_desire": 2, "m01/checkin/2026-11-20/closeness_wish": 9}


def test_the_chart_shows_both_new_measures_and_the_old_one_for_old_days(journal_file):
    write_version_2_journal(journal_file)
    page = open_page(journal_file)
    c = page.exercise("checkin")
    page.picker.choose("a")
    ids = [s.field_id for s in c.scales]
    c.scales[ids.index("sexual_desire")].box.value = "3"
    c.scales[ids.index("closeness_wish")].box.value = "8"

    picks = dict((value, label) for label, value in c.chart_pick.options)
    assert {"sexual_desire", "closeness_wish", "desire_combined"} <= set(picks)
    assert "old" in picks["desire_combined"].lower()

    table = c.chart.value[c.chart.value.index("<table"):]
    head = table[:table.index("</tr>")]
    assert html_escape(OLD_LABEL) in head
    rows = {r.split("</th>")[0].split(">")[-1]: r for r in table.split("<tr>")[2:]}
    cells = lambda day: [cell.split("</td>")[0] for cell in rows[day].split("<td>")[1:]]  # noqa: E731
    columns = [h.split("</th>")[0].split(">")[-1] for h in head.split("<th")[2:]]
    today, old = dict(zip(columns, cells("2026-11-20"))), dict(zip(columns, cells("2026-11-09")))
    new_desire, new_wish = html_escape(picks["sexual_desire"]), html_escape(picks["closeness_wish"])
    old_label = html_escape(OLD_LABEL)
    assert today[new_desire] == "3" and today[new_wish] == "8" and today[old_label] == "–"
    assert old[old_label] == "2" and old[new_desire] == "–" and old[new_wish] == "–"

    c.chart_pick.value = "desire_and_closeness"
    chart = c.chart.value
    assert chart.count("<svg") == 1, "one chart with all three lines"
    key = chart[chart.index('<ul class="ca-legend"'):]
    for label in (picks["sexual_desire"], picks["closeness_wish"], OLD_LABEL):
        assert html_escape(label) in key, f"the key names {label!r}"
    assert key.count("<li>") == 3


def test_the_together_chart_says_in_words_what_each_line_is(journal_file):
    write_version_2_journal(journal_file)
    page = open_page(journal_file)
    c = page.exercise("checkin")
    page.picker.choose("a")
    c.chart_pick.value = "desire_and_closeness"
    aria = c.chart.value.split('aria-label="')[1].split('"')[0]
    assert "Sexual desire" in aria and "old combined" in aria.lower()


def test_the_old_question_is_offered_only_to_someone_who_answered_it(page, journal_file):
    Journal(journal_file).partner("b").put("m01/checkin/2026-11-19/energy", 5)
    c = page.exercise("checkin")
    page.picker.choose("b")
    assert "desire_combined" not in [value for _, value in c.chart_pick.options]
    assert html_escape(OLD_LABEL) not in c.chart.value


def test_an_old_export_brought_back_later_still_shows_as_the_old_question(journal_file):
    j = Journal(journal_file)
    j.partner("a").import_({"format": jr.EXPORT_FORMAT, "version": 1, "answers": [
        {"space": "mine", "key": "m01/checkin/2026-11-18/desire", "value": 6,
         "updated_at": "2026-11-18T20:00:00+00:00"}]})
    import datetime as dt
    history = checkin_history(j.partner("a"), today=dt.date(2026, 11, 20))
    assert history == {"2026-11-18": {"desire_combined": 6}}


def test_the_content_file_names_each_measure_once():
    content = curriculum.data("checkin")
    ids = [m["id"] for m in content["measures"]] + [m["id"] for m in content["retired_measures"]]
    assert len(ids) == len(set(ids))
    assert "desire" not in ids


def html_escape(text: str) -> str:
    import html

    return html.escape(text)
