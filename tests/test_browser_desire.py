"""In Chromium: the split check-in on a journal written before the split, and sensate focus in Module 6.

A journal written at schema 2 (check-ins with the old combined question) is
served by the real dashboard. The person sees the two new questions, and the
chart shows both with the old question, named as such, for the old days.
"""
from __future__ import annotations


import pytest

from conftest import ARTIFACTS, Dashboard, choose, no_sideways_scroll, wait_until
from tests.test_checkin_desire import OLD_LABEL, write_version_2_journal

pytestmark = pytest.mark.browser
PHONE = 390


@pytest.fixture(scope="module")
def old_journal_dashboard(tmp_path_factory):
    home = tmp_path_factory.mktemp("old-journal")
    write_version_2_journal(home / "data" / "journal.sqlite3")
    dash = Dashboard(home)
    dash.start()
    yield dash
    dash.stop()


def test_an_old_journal_shows_both_new_questions_and_the_old_one_on_a_phone(old_journal_dashboard, visit):
    v = visit(PHONE, 844)
    v.open(old_journal_dashboard.url("01_welcome.ipynb"))
    choose(v, "Sam")
    card = v.page.locator(".ca-card").filter(has_text="Today's check-in").first
    card.get_by_label("Sexual desire (0 to 10)", exact=True).fill("3")
    card.get_by_label("Wish for closeness (0 to 10)", exact=True).fill("8")
    v.page.get_by_text("Saved at").first.wait_for(timeout=20_000)
    wait_until(lambda: card.get_by_label("Wish for closeness (0 to 10)", exact=True).input_value() == "8", 20,
               what="both answers in place")
    assert card.get_by_label(f"{OLD_LABEL} (0 to 10)", exact=True).count() == 0, "the old question is not asked"
    card.locator("select").first.select_option(label="Sexual desire and wish for closeness, together")
    key = card.locator(".ca-legend")
    key.wait_for(timeout=20_000)
    assert key.inner_text().splitlines() == [
        "━●━ Sexual desire", "━■━ Wish for closeness", f"╌▲╌ {OLD_LABEL}"]
    card.get_by_text("Show as a table").click()
    table = card.locator("table.ca-table")
    assert OLD_LABEL in table.locator("tr").first.inner_text()
    old_day = table.locator("tr").filter(has_text="2026-11-09").first.inner_text()
    assert "2" in old_day.split() and old_day.count("–") >= 2, "old days: the old answer, nothing made up"
    assert no_sideways_scroll(v)
    card.screenshot(path=str(v_artifact("checkin-split-phone")))
    assert v.outside == []


def test_sensate_focus_forms_on_the_module_6_page(old_journal_dashboard, visit):
    v = visit()
    v.open(old_journal_dashboard.url("06_pacing_and_experimenting.ipynb"))
    choose(v, "Sam")
    agreement = v.page.locator(".ca-card").filter(has_text="Our agreement for touch times").first
    for label in ("What is off limits for now?", "How does either of us say stop?", "How often will we try?",
                  "Who suggests a time, and who touches first?"):
        assert agreement.get_by_text(label, exact=True).first.is_visible()
    turns = v.page.locator(".ca-card").filter(has_text="Touch turns with a timer").first
    assert "Touching:" in turns.inner_text() and "Receiving:" in turns.inner_text()
    assert turns.locator("textarea").count() == 0, "nothing typed in a touch turn is shared"
    look_back = v.page.locator(".ca-card").filter(has_text="My look back after a touch time").first
    assert look_back.locator(".ca-scale-row").count() == 0, "no ratings in the look back"
    assert "not shared with your partner" in look_back.inner_text()
    assert v.page.get_by_role("heading", name="Later steps, only if you both want them").is_visible()
    assert v.outside == []


def v_artifact(name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
