"""'Our agreement' (a printable, self-contained HTML page) and the calendar file.

The agreement is drawn from Module 9's shared answers. Every version is kept
in the journal, and the page can show what changed since the one before. All
user text is escaped; the page loads nothing from anywhere.

The calendar file (.ics, made with ``icalendar``) holds the couple's recurring
check-in, in their time zone, with a reminder, and the agreement's revisit
date with a reminder the day before.
"""
from __future__ import annotations

import datetime as _dt
import html
import uuid
import zoneinfo

import ipywidgets as w

from .. import curriculum
from ..kit.exercise import Exercise, register
from ..kit.help import country_code
from ..storage.journal import JournalError
from .activities import labelled
from .journal_panel import download_link

#: the check-in day as saved in the rhythm (stable keys, never shown: old journals and the calendar file
#: use them), Monday first; the words in the list are in ui.toml [calendar] weekdays
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ICAL_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
#: how often, as saved in the rhythm (stable keys, never shown) -> weeks between check-ins;
#: the words in the list are in ui.toml [calendar] frequencies
FREQUENCIES = {"Every week": 1, "Every two weeks": 2, "Every four weeks": 4}
DEFAULT_WEEKDAY, DEFAULT_FREQUENCY, DEFAULT_TIME = "Sunday", "Every week", "19:00"
REVISION_PREFIX = "agreement/rev/"

# -- the agreement ----------------------------------------------------------------

def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def collect_agreement(page, spec: dict) -> dict:
    """The shared answers the agreement ``spec`` declares it reads (``reads.sections``, with the labels
    the couple saw), plus the rhythm and revisit date of its calendar (``reads.calendar``).

    Only the couple's shared space is read: never anyone's private answers.
    """
    shared = page.journal.shared()
    sections = []
    for ref in curriculum.reads(spec, "sections"):
        fields = []
        for field_spec in ref.block.get("fields", []):
            value = _text(shared.get(ref.key(field_spec["id"])))
            if value.strip():
                fields.append({"label": field_spec["label"], "value": value})
        sections.append({"title": ref.block["title"], "fields": fields})
    rhythm, revisit = {}, ""
    for ref in curriculum.reads(spec, "calendar"):
        rhythm = shared.get(ref.key("rhythm")) or rhythm
        revisit = shared.get(ref.key("revisit_date")) or revisit
    names = page.journal.partner_names()
    return {
        "names": [names.get("a", ""), names.get("b", "")],
        "sections": sections,
        "rhythm": rhythm_words(rhythm) if rhythm else "",
        "revisit": revisit,
    }


def weekday_choices() -> list[tuple[str, str]]:
    """(words shown, day saved) for each weekday, Monday first."""
    return labelled("calendar.weekdays", WEEKDAYS)


def frequency_choices() -> list[tuple[str, str]]:
    """(words shown, frequency saved) for each rhythm."""
    return labelled("calendar.frequencies", list(FREQUENCIES))


def rhythm_words(rhythm: dict) -> str:
    """How a saved rhythm reads (ui.toml agreement.rhythm_words); a value this version does not know
    (from an edited file) is shown as it is."""
    def shown(choices, value) -> str:
        return next((words for words, saved in choices if saved == value), str(value))

    return curriculum.text("agreement.rhythm_words",
                           frequency=shown(frequency_choices(), rhythm.get("frequency", DEFAULT_FREQUENCY)),
                           weekday=shown(weekday_choices(), rhythm.get("weekday", DEFAULT_WEEKDAY)),
                           time=str(rhythm.get("time", DEFAULT_TIME)), timezone=str(rhythm.get("timezone", "UTC")))


def changes_between(before: dict | None, after: dict) -> list[str]:
    """Plain sentences saying what changed from one version to the next."""
    if before is None:
        return []

    def flat(version):
        out = {}
        for section in version.get("sections", []):
            for f in section.get("fields", []):
                out[f"{section['title']}: {f['label']}"] = f["value"]
        out[curriculum.text("agreement.rhythm")] = version.get("rhythm", "")
        out[curriculum.text("agreement.revisit")] = version.get("revisit", "")
        return out

    old, new = flat(before), flat(after)
    lines = []
    for key in new:
        if key not in old or not old[key]:
            if new[key]:
                lines.append(curriculum.text("agreement.added", what=key, new=new[key]))
        elif new[key] != old[key]:
            lines.append(curriculum.text("agreement.changed", what=key, old=old[key], new=new[key]) if new[key]
                         else curriculum.text("agreement.removed", what=key))
    lines += [curriculum.text("agreement.removed", what=key) for key in old if key not in new and old[key]]
    return lines


def agreement_html(version: dict, previous: dict | None = None, show_changes: bool = False) -> str:
    """The printable page (``templates/agreement.html.j2``). Every piece of user text is escaped."""
    from .. import templating  # deferred on purpose: Jinja2 adds ~35 ms to every page's start, used only here

    names = [n for n in version.get("names", []) if n] or [curriculum.text("who.partner_default_a"),
                                                           curriculum.text("who.partner_default_b")]
    return templating.render(
        "agreement.html.j2",
        names=names,
        made_on=str(version.get("made_at", ""))[:10],
        number=str(version.get("number", 1)),
        sections=version.get("sections", []),
        rhythm=version.get("rhythm", ""),
        revisit=version.get("revisit", ""),
        show_changes=show_changes,
        changes=changes_between(previous, version) if show_changes else [],
    )


@register("agreement")
class Agreement(Exercise):
    """Make a new version of 'Our agreement', see what changed, download and print it."""

    def build(self) -> None:
        self.make_button = w.Button(description=curriculum.text("agreement.make"), button_style="primary")
        self.make_button.on_click(lambda _: self.make())
        self.show_changes = w.Checkbox(value=True, indent=False, description=curriculum.text("agreement.show_changes"),
                                       layout=w.Layout(width="100%"))
        self.versions = w.Dropdown(options=[], description=curriculum.text("agreement.versions"), style={"description_width": "initial"},
                                   layout=w.Layout(width="100%"))
        self.versions.observe(lambda _: self.offer(), "value")
        self.show_changes.observe(lambda _: self.offer(), "value")
        self.link = w.HTML("", layout=w.Layout(width="100%"))
        self.preview = w.HTML("", layout=w.Layout(width="100%"))
        self.body.children = [self.make_button, self.versions, self.show_changes, self.link, self.preview]

    def revisions(self) -> dict[str, dict]:
        view = self.view()
        if view is None:
            return {}
        return {k.removeprefix(self.key_prefix + REVISION_PREFIX): v
                for k, v in view.items(self.key_prefix + REVISION_PREFIX).items() if isinstance(v, dict)}

    def make(self) -> dict | None:
        view = self.view()
        if view is None:
            return None
        try:
            version = collect_agreement(self.page, self.spec)
            existing = self.revisions()
            number = len(existing) + 1
            version.update(number=number, made_at=_dt.datetime.now().astimezone().isoformat(timespec="seconds"))
            self.save(f"{REVISION_PREFIX}{number:03d}", version)
        except JournalError as err:
            self.message.value = html.escape(err.message)
            return None
        self.load_versions(select=f"{number:03d}")
        return version

    def load_versions(self, select: str | None = None) -> None:
        revs = self.revisions()
        options = [(curriculum.text("agreement.version_option", number=int(k), date=v.get("made_at", "")[:10]), k)
                   for k, v in sorted(revs.items())]
        self.versions.options = options
        if options:
            self.versions.value = select or options[-1][1]
        self.offer()

    def document(self) -> str:
        revs = self.revisions()
        key = self.versions.value
        if not key or key not in revs:
            return ""
        earlier = [k for k in sorted(revs) if k < key]
        previous = revs[earlier[-1]] if earlier else None
        return agreement_html(revs[key], previous, self.show_changes.value)

    def offer(self) -> None:
        doc = self.document()
        if not doc:
            self.link.value = ""
            self.preview.value = f"<p class='ca-help'>{curriculum.html_text('agreement.none_yet')}</p>"
            return
        name = f"our-agreement-version-{int(self.versions.value)}.html"
        self.link.value = download_link(doc.encode("utf-8"), name, curriculum.text("agreement.download"),
                                        mime="text/html")
        # a sandboxed preview: the page's own print button works inside it; nothing else runs
        self.preview.value = (f"<iframe title='{curriculum.html_text('agreement.preview')}' sandbox='allow-modals allow-scripts' "
                              f"style='width:100%;height:480px;border:1px solid #8a9aa1;border-radius:8px' "
                              f"srcdoc=\"{html.escape(doc, quote=True)}\"></iframe>")

    def load(self, saved: dict) -> None:
        self.load_versions()


# -- the calendar -------------------------------------------------------------------

def _reminder(description: str, before: _dt.timedelta):
    from icalendar import Alarm  # deferred on purpose, as in calendar_ics

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", description)
    alarm.add("trigger", -before)
    return alarm


def next_weekday(start: _dt.date, weekday: int) -> _dt.date:
    return start + _dt.timedelta(days=(weekday - start.weekday()) % 7)


def calendar_ics(rhythm: dict, revisit: str | None, today: _dt.date, uid_seed: str) -> bytes:
    """The check-in as a repeating event with a reminder, and the revisit date."""
    from icalendar import Calendar, Event  # deferred on purpose: ~25 ms of every page's start, used only here

    tz = zoneinfo.ZoneInfo(rhythm["timezone"])
    hour, minute = (int(x) for x in rhythm["time"].split(":"))
    weekday = WEEKDAYS.index(rhythm["weekday"])
    first = next_weekday(today, weekday)
    cal = Calendar()
    cal.add("prodid", "-//Closer Again//Our check-ins//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    checkin = Event()
    checkin.add("uid", f"{uuid.uuid5(uuid.NAMESPACE_URL, uid_seed + '/checkin')}@closer-again.local")
    checkin.add("summary", curriculum.text("calendar.checkin"))
    checkin.add("description", curriculum.text("calendar.checkin_about"))
    checkin.add("dtstart", _dt.datetime(first.year, first.month, first.day, hour, minute, tzinfo=tz))
    checkin.add("duration", _dt.timedelta(minutes=int(rhythm.get("minutes", 20))))
    checkin.add("rrule", {"freq": "weekly", "interval": FREQUENCIES[rhythm["frequency"]], "byday": ICAL_DAYS[weekday]})
    checkin.add("dtstamp", _dt.datetime.now(_dt.timezone.utc))
    checkin.add_component(_reminder(curriculum.text("calendar.checkin_soon"), _dt.timedelta(minutes=15)))
    cal.add_component(checkin)
    if revisit:
        day = _dt.date.fromisoformat(revisit)
        look = Event()
        look.add("uid", f"{uuid.uuid5(uuid.NAMESPACE_URL, uid_seed + '/revisit')}@closer-again.local")
        look.add("summary", curriculum.text("calendar.look_again"))
        look.add("dtstart", day)
        look.add("dtend", day + _dt.timedelta(days=1))
        look.add("dtstamp", _dt.datetime.now(_dt.timezone.utc))
        look.add_component(_reminder(curriculum.text("calendar.look_again_soon"), _dt.timedelta(days=1)))
        cal.add_component(look)
    cal.add_missing_timezones()
    return cal.to_ical()


def default_timezone(country: str = "") -> str:

    code = country_code(country)
    return curriculum.data("resources")["countries"][code].get("timezone", "UTC")


@register("calendar")
class CalendarPlanner(Exercise):
    """Choose the check-in rhythm and the revisit date; download them as a calendar file."""

    def build(self) -> None:
        self.weekday = w.Dropdown(options=weekday_choices(), value=DEFAULT_WEEKDAY, description=curriculum.text("calendar.day"),
                                  style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        self.time = w.Dropdown(options=[f"{h:02d}:{m:02d}" for h in range(7, 23) for m in (0, 30)], value=DEFAULT_TIME,
                               description=curriculum.text("calendar.time"), style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        self.frequency = w.Dropdown(options=frequency_choices(), value=DEFAULT_FREQUENCY, description=curriculum.text("calendar.how_often"),
                                    style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        self.timezone = w.Combobox(options=sorted(zoneinfo.available_timezones()), value=default_timezone(self.page.country),
                                   ensure_option=True, description=curriculum.text("calendar.time_zone"), style={"description_width": "initial"},
                                   layout=w.Layout(width="100%"))
        self.revisit = w.DatePicker(description=curriculum.text("calendar.revisit"), style={"description_width": "initial"},
                                    layout=w.Layout(width="100%"))
        for control in (self.weekday, self.time, self.frequency, self.timezone):
            control.observe(lambda _: self.save_rhythm(), "value")
        self.revisit.observe(lambda ch: self.save_revisit(ch["new"]), "value")
        self.download_button = w.Button(description=curriculum.text("calendar.make"), button_style="primary")
        self.download_button.on_click(lambda _: self.offer())
        self.link = w.HTML("", layout=w.Layout(width="100%"))
        self.body.children = [self.weekday, self.time, self.frequency, self.timezone, self.revisit,
                              self.download_button, self.link,
                              w.HTML(f"<p class='ca-help'>{curriculum.html_text('calendar.help')}</p>")]

    def rhythm(self) -> dict:
        return {"weekday": self.weekday.value, "time": self.time.value, "frequency": self.frequency.value,
                "timezone": self.timezone.value or "UTC"}

    def save_rhythm(self) -> None:
        if self.timezone.value in zoneinfo.available_timezones():
            self.save("rhythm", self.rhythm())

    def save_revisit(self, day) -> None:
        """The date, and the rhythm as shown (a couple happy with the suggested day and time never touches it)."""
        if self.save("revisit_date", day.isoformat() if day else None):
            self.save_rhythm()

    def ics(self) -> bytes:
        revisit = self.revisit.value.isoformat() if self.revisit.value else None
        seed = self.page.journal.shared().get(self.key_prefix + "uid_seed")
        if not seed:
            seed = uuid.uuid4().hex
            self.save("uid_seed", seed)
        return calendar_ics(self.rhythm(), revisit, self.page.today, seed)

    def offer(self) -> bytes | None:
        if self.view() is None:
            return None
        if self.timezone.value not in zoneinfo.available_timezones():
            self.message.value = curriculum.html_text("calendar.bad_zone")
            return None
        self.message.value = ""
        self.save_rhythm()
        data = self.ics()
        self.link.value = download_link(data, "our-check-ins.ics", curriculum.text("calendar.download"),
                                        mime="text/calendar")
        return data

    def load(self, saved: dict) -> None:
        rhythm = saved.get("rhythm") if isinstance(saved.get("rhythm"), dict) else {}

        def pick(control, value, fallback):  # a value from an old or edited file falls back to the default
            known = [option[1] if isinstance(option, tuple) else option for option in control.options]
            control.value = value if value in known else fallback

        pick(self.weekday, rhythm.get("weekday"), DEFAULT_WEEKDAY)
        pick(self.time, rhythm.get("time"), DEFAULT_TIME)
        pick(self.frequency, rhythm.get("frequency"), DEFAULT_FREQUENCY)
        zone = rhythm.get("timezone")
        self.timezone.value = zone if zone in zoneinfo.available_timezones() else default_timezone(self.page.country)
        try:
            self.revisit.value = _dt.date.fromisoformat(saved.get("revisit_date") or "")
        except (TypeError, ValueError):
            self.revisit.value = None
        self.link.value = ""
