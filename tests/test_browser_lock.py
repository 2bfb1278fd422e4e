"""Issue 10 in a real browser: two partners share one laptop, and one locks their private space.

Partner 1 locks and answers. Partner 2 then takes the laptop: Partner 1's words
are nowhere on the page, not in any input, not in Partner 2's saved copy, and
not in the SQLite file. Choosing Partner 1's name asks for the passphrase.
Screenshots at desktop and phone width.
"""
from __future__ import annotations

import json

import pytest
from conftest import Dashboard, answering

pytestmark = pytest.mark.browser

SECRET = "Lantern-words-only-Partner-1-knows"
PASSPHRASE = "blue kettle morning"


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """A dashboard with a journal of its own: the lock set here must not meet other tests' partners."""
    with Dashboard(tmp_path_factory.mktemp("lock-dashboard")) as dash:
        yield dash


def choose(v, name: str) -> None:
    v.page.get_by_role("button", name=name, exact=True).first.click()


def page_holds(v, text: str) -> bool:
    """Anywhere a person or a script on the page could find it: the markup and every input's value."""
    return v.page.evaluate(
        """text => document.documentElement.outerHTML.includes(text) ||
                  [...document.querySelectorAll('input, textarea')].some(el => (el.value || '').includes(text))""",
        text)


def test_a_locked_partner_s_answers_stay_theirs_on_a_shared_laptop(dashboard, visit, tmp_path):
    v = visit()
    v.open(dashboard.url("01_welcome.ipynb"))
    choose(v, "Partner 1")
    answering(v, "Partner 1", timeout=20)
    # the first time a name is chosen, the lock is offered kindly
    v.page.get_by_text("Do you share this device?").first.wait_for(timeout=20_000)
    v.page.get_by_role("button", name="Set a passphrase").click()
    v.page.get_by_text("no one can get your answers back").first.wait_for(timeout=20_000)
    v.page.get_by_label("Passphrase", exact=True).first.fill(PASSPHRASE)
    v.page.get_by_label("Type it again").first.fill(PASSPHRASE)
    v.page.get_by_role("button", name="Lock my private answers").click()
    v.page.get_by_text("Locked. Remember your passphrase").first.wait_for(timeout=30_000)
    box = v.page.locator(".ca-card textarea:visible").first
    box.fill(SECRET)
    card = v.page.locator(".ca-card").filter(has=v.page.locator("textarea:visible")).first
    card.get_by_text("Saved at").wait_for(timeout=20_000)
    assert card.get_by_text("and locked: no one can read it without").count() == 1
    v.screenshot("lock-partner-1-desktop")

    # Partner 2 takes the laptop
    choose(v, "Partner 2")
    answering(v, "Partner 2", timeout=20)
    v.page.get_by_role("button", name="Not now").click()
    v.page.wait_for_function("s => !document.documentElement.outerHTML.includes(s)", arg=SECRET, timeout=20_000)
    assert not page_holds(v, SECRET)
    v.page.get_by_role("button", name="Save a copy of my answers").click()
    with v.page.expect_download() as info:
        v.page.get_by_role("link", name="Download my answers (JSON file)").click()
    copy = tmp_path / "partner-2.json"
    info.value.save_as(copy)
    assert SECRET not in copy.read_text(encoding="utf-8")
    assert json.loads(copy.read_text())["format"] == "closer-again-journal"
    journal = dashboard.home / "data" / "journal.sqlite3"
    assert SECRET.encode() not in journal.read_bytes()

    # Partner 2 tries Partner 1's name: the page asks for the passphrase and shows nothing
    choose(v, "Partner 1")
    v.page.get_by_text("Partner 1's private answers are locked").first.wait_for(timeout=20_000)
    v.page.get_by_label("Passphrase", exact=True).first.fill("a guess at it")
    v.page.get_by_role("button", name="Open", exact=True).click()
    v.page.get_by_text("That passphrase does not open these answers").first.wait_for(timeout=30_000)
    assert not page_holds(v, SECRET)
    v.screenshot("lock-asks-passphrase-desktop")

    # Partner 1 comes back with the passphrase
    v.page.get_by_label("Passphrase", exact=True).first.fill(PASSPHRASE)
    v.page.get_by_role("button", name="Open", exact=True).click()
    answering(v, "Partner 1", timeout=30)
    v.page.wait_for_function(
        "s => [...document.querySelectorAll('.ca-card textarea')].some(t => t.value === s)", arg=SECRET,
        timeout=20_000)
    assert v.outside == []

    # the browser hides the page (another tab, a phone screen going off): the open space closes
    v.page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    v.page.get_by_text("closed because the page was hidden").first.wait_for(timeout=20_000)
    assert not page_holds(v, SECRET)

    # on a phone, the passphrase prompt fits and reads well
    phone = visit(390, 844)
    phone.open(dashboard.url("01_welcome.ipynb"))
    choose(phone, "Partner 1")
    phone.page.get_by_text("Partner 1's private answers are locked").first.wait_for(timeout=20_000)
    assert phone.page.evaluate(
        "() => { const el = document.querySelector('#rendered_cells'); return el.scrollWidth <= el.clientWidth + 1; }")
    assert not page_holds(phone, SECRET)
    phone.screenshot("lock-asks-passphrase-phone")
    assert phone.outside == []



def test_in_a_group_session_a_locked_partner_s_browser_storage_holds_only_ciphertext(tmp_path, visit):
    with Dashboard(tmp_path / "laptop", CLOSER_AGAIN_GROUP_MODE="1") as group:
        v = visit()
        v.open(group.url("01_welcome.ipynb"))
        choose(v, "Partner 1")
        v.page.get_by_role("button", name="Set a passphrase").click()
        v.page.get_by_label("Passphrase", exact=True).first.fill(PASSPHRASE)
        v.page.get_by_label("Type it again").first.fill(PASSPHRASE)
        v.page.get_by_role("button", name="Lock my private answers").click()
        v.page.get_by_text("Locked. Remember your passphrase").first.wait_for(timeout=30_000)
        v.page.locator(".ca-card textarea:visible").first.fill(SECRET)
        v.page.locator(".ca-card").filter(has=v.page.locator("textarea:visible")).first.get_by_text(
            "Saved at").wait_for(timeout=20_000)
        stored = "() => Object.keys(sessionStorage).filter(k => k.startsWith('closer-again-journal'))" \
                 ".map(k => sessionStorage.getItem(k)).join('')"
        v.page.wait_for_function(f"() => ({stored})().includes('vaults')", timeout=20_000)
        kept = v.page.evaluate(stored)
        assert SECRET not in kept and '"vaults"' in kept
        # a reload brings the sealed space back; it opens only with the passphrase
        v.page.reload()
        v.page.wait_for_selector(".ca-toolbar", timeout=90_000)
        choose(v, "Partner 1")
        v.page.get_by_text("Partner 1's private answers are locked").first.wait_for(timeout=30_000)
        assert not page_holds(v, SECRET)
        v.page.get_by_label("Passphrase", exact=True).first.fill(PASSPHRASE)
        v.page.get_by_role("button", name="Open", exact=True).click()
        v.page.wait_for_function(
            "s => [...document.querySelectorAll('.ca-card textarea')].some(t => t.value === s)", arg=SECRET,
            timeout=30_000)
        assert v.outside == []
