"""The check-in asks about sexual desire and the wish for closeness apart; old answers stay honest.

Until schema version 3 the check-in had one question, "Desire for closeness or sex",
saved as ``m01/checkin/<day>/desire``. A journal written then must open with every
old answer kept, named as the old combined question, and with nothing made up for
the two new questions.
"""
from __future__ import annotations

import json
import sqlite3

import ipywidgets as w
import pytest

from widgets import ModulePage, curriculum
from widgets.exercises.checkin import checkin_history
from widgets.storage import journal as jr
from widgets.storage.journal import Journal

#: where Module 1's check-ins have always been saved (answers people already gave: it must never change)
CHECKIN_PREFIX = "m01/checkin/"
assert curriculum.answer_key(1, "checkin") == CHECKIN_PREFIX
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
    page.picker.choose("a")
    ids = [s.field_id for s in c.scales]
    assert "sexual_desire" in ids and "closeness_wish" in ids and "closeness" in ids
    assert "desire" not in ids and "desire_combined" not in ids, "the old question is not asked again"
    labels = {s.field_id: s.label for s in c.scales}
    assert "sex" in labels["sexual_desire"].lower()
    assert "sex" not in labels["closeness_wish"].lower()
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
    history = checkin_history(j.partner("a"), CHECKIN_PREFIX, today=dt.date(2026, 11, 20))
    assert history == {"2026-11-18": {"desire_combined": 6}}


def test_the_content_file_names_each_measure_once():
    content = curriculum.data("checkin")
    ids = [m["id"] for m in content["measures"]] + [m["id"] for m in content["retired_measures"]]
    assert len(ids) == len(set(ids))
    assert "desire" not in ids


def html_escape(text: str) -> str:
    import html

    return html.escape(text)


# -- desire (Module 4) -------------------------------------------------------------------

def module_text(number: int) -> str:
    return curriculum.module(number).prose


def test_module_4_explains_differing_and_responsive_desire_with_sources():
    mod = curriculum.module(4)
    headings = {b.get("heading"): b for b in mod.blocks if b["kind"] == "prose"}
    differs = headings["When one of you wants more than the other"]
    responsive = headings["Desire that comes after you start"]
    options = headings["Options for each of you"]
    known = {s["id"]: s for s in mod.sources}
    for block in (differs, responsive, options):
        assert block.get("sources"), f"{block['heading']!r} states clinical facts, so it names its sources"
        assert all(i in known for i in block["sources"])
    assert {"basson-2000", "basson-2001"} <= set(responsive["sources"])
    assert "circle" in responsive["text"] and "never a promise" in responsive["text"]
    text = options["text"].lower()
    for must in ("never owe sex", "a no is always fine", "want to want", "touching yourself is fine",
                 "closeness does not have to lead to sex"):
        assert must in text, f"the options keep consent in front: {must!r}"
    assert "**if you want more than your partner:**" in text and "**if you want less than your partner:**" in text


def test_the_desire_form_is_private_and_asks_nothing_of_the_partner():
    form = curriculum.module(4).exercise("desire_and_me")
    assert form["scope"] == "private" and form["type"] == "form"
    assert "not shared with your partner" in form["content_note"].lower()
    assert not [f for f in form["fields"] if f["type"] == "scale"], "no score of desire to compare"


# -- sensate focus (Module 6) ------------------------------------------------------------------

def test_sensate_focus_has_a_shared_agreement_turns_a_private_look_back_and_optional_later_steps():
    mod = curriculum.module(6)
    agreement = mod.exercise("sensate_agreement")
    assert agreement["scope"] == "shared" and agreement["type"] == "form"
    fields = {f["id"]: f for f in agreement["fields"]}
    assert {"off_limits", "stop_signal", "when", "where", "how_often", "how_long", "who_starts"} <= set(fields)
    assert "Two or three times a week" in fields["how_often"]["options"]
    assert "Intercourse or any penetration" in fields["off_limits"]["options"]
    turns = mod.exercise("sensate_turns")
    assert turns["type"] == "turns" and turns["roles"] == ["Touching", "Receiving"] and turns["note_label"] == ""
    look_back = mod.exercise("sensate_look_back")
    assert look_back["scope"] == "private" and look_back["type"] == "log"
    assert not [f for f in look_back["fields"] if f["type"] == "scale"], "no ratings of performance"
    later = next(b for b in mod.blocks if b.get("heading") == "Later steps, only if you both want them")
    assert later.get("sources") and "never the goal" in later["text"] and "optional" in later["text"]
    habits = next(b for b in mod.blocks if b.get("heading", "").startswith("Sensate focus"))
    assert "two or three times a week" in habits["text"] and "20 to 40 minutes" in habits["text"]
    assert habits.get("sources")


def test_nothing_charts_how_far_a_couple_got():
    for mod in curriculum.modules():
        for block in mod.exercises:
            if block["type"] == "progress":
                assert "ladder" not in block.get("show", ["checkins", "wins", "ladder"]), (
                    f"module {mod.number} charts steps reached on the ladder")
            if block["id"].startswith("sensate"):
                assert block["type"] not in ("ladder", "progress")
                assert not [f for f in block.get("fields", []) if "step" in f["id"] or f["type"] == "scale"]


def test_touch_turns_alternate_who_starts_and_keep_nothing_else(journal_file):
    page = ModulePage(6, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    turns = page.exercise("sensate_turns")
    page.picker.choose("a")
    assert "Touching:</strong> Sam" in turns.roles.value and "Receiving:</strong> Alex" in turns.roles.value
    assert not any(isinstance(c, w.Textarea) for c in walk(turns.body)), "no shared note in touch turns"
    turns.start()
    turns.stop()
    turns.swap()
    turns.start()  # the second turn in the same sitting does not change who started
    turns.stop()
    shared = Journal(journal_file).shared().items("m06/sensate_turns/")
    assert shared == {"m06/sensate_turns/started_first": "a"}

    again = ModulePage(6, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-23")
    turns = again.exercise("sensate_turns")
    again.picker.choose("b")
    assert "Touching:</strong> Alex" in turns.roles.value
    assert "Sam took the first turn last time, so Alex could start this time" in turns.start_line.value


def test_listening_turns_in_module_3_are_unchanged(journal_file):
    page = ModulePage(3, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    turns = page.exercise(next(e["id"] for e in curriculum.module(3).exercises if e["type"] == "turns"))
    page.picker.choose("a")
    assert "Speaking:</strong> Sam" in turns.roles.value and "For the listener:" in turns.scaffold.value
    assert turns.heard is not None and turns.start_line.value == ""


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def test_over_the_weeks_offers_the_old_question_only_to_someone_who_answered_it(journal_file):
    write_version_2_journal(journal_file)
    page = ModulePage(10, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    progress = next(page.exercise(b["id"]) for b in page.module.exercises if b["type"] == "progress")
    page.request("a")
    labels = [label for label, _ in progress.measure.options]
    assert OLD_LABEL in labels
    progress.measure.value = "desire_combined"
    assert "weekly average" in progress.charts.value
    page.journal.erase_partner("b")
    page.request("b")
    assert OLD_LABEL not in [label for label, _ in progress.measure.options]
