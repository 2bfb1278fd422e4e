"""'Our agreement' and the calendar file: escaped, versioned, importable."""
from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from icalendar import Calendar

from widgets import curriculum
from widgets.exercises.agreement import agreement_html, calendar_ics, changes_between, rhythm_words

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "\u202eright-to-left override\u202c and \u200f marks",
    "emoji 👩🏽‍🦽❤️‍🔥",
    "x" * 100_000,
    "\" onmouseover=\"alert(1)",
]


class Tags(HTMLParser):
    """Every real element and event-handler attribute a browser would see."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def version(value: str, number: int = 1) -> dict:
    return {"names": [value[:50], "Kai"], "number": number, "made_at": "2026-11-24T10:00:00+00:00",
            "sections": [{"title": "Our goals", "fields": [{"label": "What we want to regain", "value": value}]}],
            "rhythm": "Every week, on Sunday at 19:00 (Europe/London)", "revisit": "2027-02-24"}


@pytest.mark.parametrize("text", HOSTILE, ids=["script", "img", "rtl", "emoji", "huge", "attr"])
def test_hostile_text_renders_as_inert_text(text):
    page = agreement_html(version(text), version("before"), show_changes=True)
    parsed = Tags(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert parsed.handlers == ["onclick"]  # only our own print button
    if text.startswith("emoji") or text.startswith("x"):
        assert text in page


def test_the_page_is_self_contained_and_printable():
    page = agreement_html(version("walks together"))
    assert "http" not in page.replace("http-equiv", "")
    assert "@media print" in page and "window.print()" in page
    assert "Kai" in page and "2027-02-24" in page and "Every week, on Sunday" in page


def test_changes_between_versions_are_described():
    old, new = version("walks"), version("walks and dancing", 2)
    new["revisit"] = "2027-03-01"
    lines = changes_between(old, new)
    assert any(line.startswith("Changed: Our goals: What we want to regain") for line in lines)
    assert any("2027-03-01" in line for line in lines)
    assert changes_between(None, new) == []
    page = agreement_html(new, old, show_changes=True)
    assert "What changed since the previous version" in page and "walks and dancing" in page


def test_calendar_file_round_trips_through_a_parser():
    rhythm = {"weekday": "Wednesday", "time": "19:30", "frequency": "Every two weeks", "timezone": "Europe/London"}
    data = calendar_ics(rhythm, "2027-02-24", dt.date(2026, 11, 24), "seed-1")
    cal = Calendar.from_ical(data)
    events = [c for c in cal.walk("VEVENT")]
    checkin = next(e for e in events if e["summary"] == "Our check-in")
    start = checkin.decoded("dtstart")
    assert start == dt.datetime(2026, 11, 25, 19, 30, tzinfo=start.tzinfo)
    assert str(start.tzinfo) == "Europe/London"
    rrule = checkin["rrule"]
    assert rrule["FREQ"] == ["WEEKLY"] and rrule["INTERVAL"] == [2] and rrule["BYDAY"] == ["WE"]
    alarm = checkin.walk("VALARM")[0]
    assert alarm.decoded("trigger") == dt.timedelta(minutes=-15)
    revisit = next(e for e in events if e["summary"] == "Look at our agreement again")
    assert revisit.decoded("dtstart") == dt.date(2027, 2, 24)
    assert revisit.walk("VALARM")[0].decoded("trigger") == dt.timedelta(days=-1)
    assert any(tz["tzid"] == "Europe/London" for tz in cal.walk("VTIMEZONE"))
    assert b"TZID=Europe/London" in data


def test_calendar_uids_stay_the_same_so_a_second_import_updates():
    rhythm = {"weekday": "Monday", "time": "08:00", "frequency": "Every week", "timezone": "America/New_York"}
    one = Calendar.from_ical(calendar_ics(rhythm, None, dt.date(2026, 11, 24), "seed"))
    two = Calendar.from_ical(calendar_ics(rhythm, None, dt.date(2026, 12, 1), "seed"))
    assert [e["uid"] for e in one.walk("VEVENT")] == [e["uid"] for e in two.walk("VEVENT")]


def test_the_suggested_rhythm_goes_into_the_agreement_without_being_touched(journal_file):
    from widgets import ModulePage

    page = ModulePage(9, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-24")
    planner, agreement = page.exercise("calendar"), page.exercise("agreement")
    page.picker.choose("a")
    planner.revisit.value = dt.date(2027, 2, 24)  # the only thing the couple changes
    version = agreement.make()
    assert version["revisit"] == "2027-02-24"
    assert version["rhythm"].startswith("Every week, on Sunday at 19:00")
    assert "Every week, on Sunday at 19:00" in agreement.document()


def test_the_rhythm_reads_in_the_words_of_content_and_is_saved_as_stable_keys(journal_file, monkeypatch):
    from widgets import ModulePage

    rhythm = {"weekday": "Wednesday", "time": "19:30", "frequency": "Every two weeks", "timezone": "Europe/London"}
    assert rhythm_words(rhythm) == "Every two weeks, on Wednesday at 19:30 (Europe/London)"
    ui = curriculum.data("ui")
    ui["calendar"]["weekdays"] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    ui["calendar"]["frequencies"] = ["Weekly", "Fortnightly", "Every 4 weeks"]
    ui["agreement"]["rhythm_words"] = "{weekday} at {time}, {frequency} ({timezone})"
    real = curriculum._content_file
    monkeypatch.setattr(curriculum, "_content_file", lambda name: ui if name == "ui" else real(name))
    assert rhythm_words(rhythm) == "Wed at 19:30, Fortnightly (Europe/London)"
    assert rhythm_words({**rhythm, "weekday": "Someday"}).startswith("Someday at")  # an edited file: shown as it is
    assert b"INTERVAL=2;BYDAY=WE" in calendar_ics(rhythm, None, dt.date(2026, 11, 24), "seed")

    page = ModulePage(9, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-24")
    planner = page.exercise("calendar")
    page.picker.choose("a")
    assert planner.weekday.label == "Sun" and planner.frequency.label == "Weekly"
    planner.weekday.value, planner.frequency.value = "Wednesday", "Every two weeks"
    saved = page.journal.shared().get(planner.key_prefix + "rhythm")
    assert (saved["weekday"], saved["frequency"]) == ("Wednesday", "Every two weeks")
    # a saved rhythm comes back as it was saved
    planner.load({"rhythm": {**saved, "weekday": "Friday", "frequency": "Every four weeks"}})
    assert (planner.weekday.value, planner.weekday.label) == ("Friday", "Fri")
    assert (planner.frequency.value, planner.frequency.label) == ("Every four weeks", "Every 4 weeks")
