"""Issue 4 in a real browser: the private menu on one laptop, the agreement and the calendar file.

Two people share one dashboard page, as a couple at one laptop would. Each rates
the menu alone; the other's ratings are never on the page; both press "show our
matches" and see only the shared Yes. Then Module 9's agreement and calendar
file are downloaded through the dashboard and opened.
"""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import answering, choose
from icalendar import Calendar

pytestmark = pytest.mark.browser

BOTH_WANT = "Telling each other one thing we find attractive"
ONLY_B_WANTS = "Leaving a short love note or message"
HOSTILE = "<img src=x onerror=alert(1)> walks by the sea ‏שלום 👩🏽‍🦽"


def rate(v, idea: str, rating: str) -> None:
    field = v.page.locator(".ca-field").filter(has_text=idea).first
    field.get_by_role("button", name=rating, exact=True).click()
    field.get_by_role("button", name=f"✓ {rating}").wait_for(timeout=20_000)


def open_section(v, title: str) -> None:
    section = v.page.get_by_role("button", name=f"▸ {title}", exact=True)  # a real button: the keyboard works
    section.focus()
    v.page.keyboard.press("Enter")
    v.page.locator(".ca-field").filter(has_text=BOTH_WANT).first.wait_for(state="visible", timeout=20_000)


def test_two_partners_rate_privately_and_see_only_shared_yeses(dashboard, visit):
    v = visit()
    dialogs = []
    v.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    v.open(dashboard.url("04_beyond_intercourse.ipynb"))

    reveal = v.page.locator(".ca-card").filter(has_text="Show our matches").last
    choose(v, "Partner 1")
    open_section(v, "Words")
    rate(v, BOTH_WANT, "Yes")
    rate(v, ONLY_B_WANTS, "No")
    # Partner 1 agrees to the reveal, as themselves, then hands over
    reveal.get_by_role("button", name="Partner 1: show our matches").click()
    reveal.get_by_text("Waiting for the other button").wait_for(timeout=20_000)
    assert reveal.get_by_text(BOTH_WANT).count() == 0, "nothing shows before both have pressed"
    v.page.get_by_role("button", name="I'm done: hide my answers and hand over").click()
    v.page.wait_for_function("() => !document.body.innerText.includes('✓ No')", timeout=20_000)

    choose(v, "Partner 2")
    open_section(v, "Words")
    menu = v.page.locator(".ca-card").filter(has_text="My private menu").first
    # nothing of Partner 1's ratings is on Partner 2's page
    assert menu.locator("button", has_text="✓").count() == 0
    assert "✓ No" not in v.page.content()
    rate(v, BOTH_WANT, "Yes")
    rate(v, ONLY_B_WANTS, "Yes")
    reveal.get_by_role("button", name="Partner 2: show our matches").click()
    reveal.get_by_text("Ideas you both said Yes to").wait_for(timeout=20_000)
    result = reveal.locator("[role=status]")
    shown = result.locator("li").all_inner_texts()
    assert [t.strip() for t in shown] == [BOTH_WANT]
    # Partner 1's No is neither shown nor counted: the result is the shared Yes and nothing else
    text = result.inner_text()
    assert ONLY_B_WANTS not in text and not any(ch.isdigit() for ch in text) and "No" not in text.split()
    assert dialogs == [] and v.outside == []
    v.screenshot("module-04-matches-desktop")


def test_agreement_and_calendar_download_from_the_dashboard_and_open(dashboard, visit, browser, tmp_path):
    v = visit()
    dialogs = []
    v.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    v.open(dashboard.url("09_our_roadmap.ipynb"))
    choose(v, "Partner 1")
    goals = v.page.locator(".ca-card").filter(has_text="regain").filter(has=v.page.locator("textarea")).first
    goals.locator("textarea").first.fill(HOSTILE)
    goals.get_by_text("Saved at").wait_for(timeout=20_000)

    # the calendar file: weekly check-in with a reminder, and the revisit date
    cal_card = v.page.locator(".ca-card").filter(has_text="Our check-ins and our revisit date").first
    revisit = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    cal_card.locator("input[type=date]").fill(revisit)
    cal_card.get_by_text("Saved at").wait_for(timeout=20_000)
    cal_card.get_by_role("button", name="Make our calendar file").click()
    with v.page.expect_download() as info:
        cal_card.get_by_role("link", name="Download our calendar file (.ics)").click()
    ics = tmp_path / info.value.suggested_filename
    info.value.save_as(ics)
    assert ics.suffix == ".ics"
    cal = Calendar.from_ical(ics.read_bytes())
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    checkin = events["Our check-in"]
    assert checkin["rrule"]["FREQ"] == ["WEEKLY"] and checkin["rrule"]["BYDAY"] == ["SU"]
    assert checkin.decoded("dtstart").tzinfo is not None
    assert checkin.walk("VALARM"), "the check-in has a reminder"
    look = events["Look at our agreement again"]
    assert look.decoded("dtstart").isoformat() == revisit
    assert look.walk("VALARM")
    assert cal.walk("VTIMEZONE"), "the time zone travels with the file"

    # the agreement: a self-contained page, user text inert, printable
    card = v.page.locator(".ca-card").filter(has_text="Make our agreement").first
    card.get_by_role("button", name="Make our agreement (a new version)").click()
    link = card.get_by_role("link", name="Download our agreement (open it, then print or save as PDF)")
    with v.page.expect_download() as info:
        link.click()
    doc = tmp_path / info.value.suggested_filename
    info.value.save_as(doc)
    assert dialogs == [] and v.outside == []

    reader = browser.new_context()
    page = reader.new_page()
    requests, opened_dialogs = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (opened_dialogs.append(d.message), d.dismiss()))
    page.goto(doc.as_uri())
    page.get_by_role("heading", name="Our agreement").wait_for()
    assert HOSTILE.split(" walks")[0] in page.inner_text("body"), "the text shows as typed"
    assert page.locator("img").count() == 0 and opened_dialogs == []
    assert [r for r in requests if not r.startswith("file:")] == []
    assert page.get_by_role("button", name="Print or save as PDF").is_visible()
    assert revisit in page.inner_text("body")
    assert "Every week, on Sunday at 19:00" in page.inner_text("body"), "the check-in rhythm shown is in the agreement"
    pdf = page.pdf(path=str(tmp_path / "agreement.pdf"))
    assert pdf.startswith(b"%PDF")
    page.screenshot(path=str(tmp_path / "agreement.png"), full_page=True)
    reader.close()
    v.screenshot("module-09-agreement-desktop")
