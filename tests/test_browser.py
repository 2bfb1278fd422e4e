"""The real dashboard, in Chromium: what a participant sees and does.

Each test starts from the landing page or a module page served by the same
command the README gives, and saves screenshots to test-artifacts/.
"""
from __future__ import annotations

import json
import os
import stat

import pytest
from conftest import choose, no_sideways_scroll, wait_until

from widgets import curriculum

pytestmark = pytest.mark.browser
PHONE = 390


def energy_card(visit):
    return visit.page.locator(".ca-field").filter(has_text="Energy").first


def energy_box(visit):
    return visit.page.get_by_label("Energy (0 to 10)", exact=True)


def test_landing_page_lists_every_module_in_order(dashboard, visit):
    v = visit()
    v.open(dashboard.url("00_start_here.ipynb"))
    links = v.page.locator(".ca-modules a")
    titles = [f"{m.number}. {m.title}" for m in curriculum.modules()]
    assert links.all_inner_texts() == titles
    assert v.page.locator(".jp-InputArea").count() == 0 or not v.page.locator(".jp-InputArea").first.is_visible()
    v.screenshot("landing-desktop")
    assert v.outside == []
    phone = visit(PHONE, 844)
    phone.open(dashboard.url("00_start_here.ipynb"))
    assert no_sideways_scroll(phone)
    phone.screenshot("landing-phone")
    links.first.click()
    v.page.wait_for_url("**/01_welcome.ipynb", timeout=30_000)
    v.page.get_by_role("heading", name=curriculum.module(1).title).wait_for(timeout=90_000)


def test_checkin_survives_reload_and_a_server_restart(dashboard, visit):
    v = visit()
    v.open(dashboard.url("01_welcome.ipynb"))
    # nothing private is visible before choosing a name
    assert v.page.get_by_text("Choose your name above first").first.is_visible()
    choose(v, "Partner 1")
    card = energy_card(v)
    for _ in range(3):
        card.get_by_role("button", name="+").click()
    v.page.locator("textarea").nth(0).fill("tired after the clinic visit")
    v.page.get_by_text("Saved at").first.wait_for(timeout=20_000)
    wait_until(lambda: energy_box(v).input_value() == "3", 20, what="the energy box to show 3")
    v.screenshot("module-01-checkin-desktop")
    assert v.outside == []

    # reload: a new kernel, same journal
    v.page.reload()
    v.page.wait_for_selector(".ca-toolbar", timeout=90_000)
    choose(v, "Partner 1")
    assert energy_box(v).input_value() == "3"
    assert v.page.locator("textarea").nth(0).input_value() == "tired after the clinic visit"

    # the other partner sees none of it
    choose(v, "Partner 2")
    assert energy_box(v).input_value() == ""
    assert v.page.locator("textarea").nth(0).input_value() == ""

    # restart the server: every kernel is gone, the answer is not
    dashboard.stop()
    dashboard.start()
    v.open(dashboard.url("01_welcome.ipynb"))
    choose(v, "Partner 1")
    assert energy_box(v).input_value() == "3"

    journal = dashboard.home / "data" / "journal.sqlite3"
    assert stat.S_IMODE(os.stat(journal).st_mode) == 0o600


def test_module_page_on_a_phone(dashboard, visit):
    v = visit(PHONE, 844)
    v.open(dashboard.url("01_welcome.ipynb"))
    choose(v, "Partner 2")
    assert no_sideways_scroll(v)
    v.screenshot("module-01-phone")
    body = v.page.evaluate("parseFloat(getComputedStyle(document.querySelector('.jp-RenderedMarkdown p')).fontSize)")
    assert body >= 16
    small = v.page.evaluate(
        "() => [...document.querySelectorAll('#rendered_cells button')]"
        ".filter(b => b.offsetParent !== null)"
        ".filter(b => { const r = b.getBoundingClientRect(); return r.height < 44 || r.width < 44; })"
        ".map(b => b.innerText)"
    )
    assert small == []


def test_every_control_has_a_name_for_screen_readers(dashboard, visit):
    v = visit()
    v.open(dashboard.url("01_welcome.ipynb"))
    choose(v, "Partner 1")
    energy_box(v).wait_for(timeout=20_000)
    unnamed = v.page.evaluate(
        """() => [...document.querySelectorAll('#rendered_cells textarea, #rendered_cells input, #rendered_cells select')]
              .filter(e => e.offsetParent !== null && e.type !== 'file')
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
              .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []
    for label in ["Energy (0 to 10)", "Pain (0 to 10)", "Mood (0 to 10)"]:
        assert v.page.get_by_label(label, exact=True).count() == 1


def test_pause_is_one_click_away_and_help_lists_contacts(dashboard, visit):
    v = visit(PHONE, 844)
    v.open(dashboard.url("01_welcome.ipynb"))
    pause = v.page.get_by_role("button", name="Pause")
    assert pause.is_visible()  # fixed on screen, wherever the page is scrolled
    v.page.locator("#rendered_cells").evaluate("el => el.scrollTo(0, el.scrollHeight / 2)")
    box = pause.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 844
    pause.click()
    v.page.get_by_text("A short pause").wait_for(timeout=10_000)
    v.page.screenshot(path=str(v.screenshot("pause-phone").with_name("pause-phone-screen.png")))
    v.page.get_by_role("button", name="I'm ready to go on").click()
    v.page.get_by_role("button", name="Help now").click()
    v.page.get_by_text("Samaritans").first.wait_for(timeout=10_000)


def test_export_import_and_erase_from_the_dashboard(dashboard, visit, tmp_path):
    v = visit()
    v.open(dashboard.url("01_welcome.ipynb"))
    choose(v, "Partner 2")
    v.page.locator("textarea").nth(1).fill("exported words <b>bold?</b>")
    v.page.get_by_text("Saved at").first.wait_for(timeout=20_000)
    v.page.get_by_role("button", name="Save a copy of my answers").click()
    link = v.page.get_by_role("link", name="Download my answers (JSON file)")
    with v.page.expect_download() as info:
        link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["format"] == "closer-again-journal"
    assert any(a["value"] == "exported words <b>bold?</b>" for a in data["answers"])

    # erase everything: each partner agrees as themselves, then says yes
    v.page.get_by_role("button", name="Erase everything (both of us)").click()
    v.page.get_by_role("button", name="Partner 2: I agree to erase everything").click()
    v.page.get_by_text("Partner 2 agrees.").first.wait_for(timeout=20_000)
    if v.page.get_by_role("button", name="Partner 1: I agree to erase everything").is_enabled():
        choose(v, "Partner 1")  # other tests answered as Partner 1 in this journal
        v.page.get_by_role("button", name="Partner 1: I agree to erase everything").click()
    v.page.get_by_text("It cannot be undone").first.wait_for()
    v.page.get_by_role("button", name="Yes, erase").click()
    v.page.get_by_text("Erased.").first.wait_for(timeout=20_000)
    choose(v, "Partner 2")
    assert v.page.locator("textarea").nth(1).input_value() == ""

    # bring the copy back; the button reads as words, not escape codes
    shown = v.page.evaluate("() => getComputedStyle(document.querySelector('.ca-upload'), '::before').content")
    assert shown == '"Bring back a saved copy…"'
    with v.page.expect_file_chooser() as chooser:
        v.page.get_by_role("button", name="Bring back a saved copy").click()
    chooser.value.set_files(str(saved))
    v.page.get_by_text("Answers brought back").first.wait_for(timeout=20_000)
    assert v.page.locator("textarea").nth(1).input_value() == "exported words <b>bold?</b>"
    # the bold tags stayed text: nothing was rendered as markup
    assert v.page.locator(".ca-card b").filter(has_text="bold?").count() == 0
    v.screenshot("module-01-journal-desktop")
