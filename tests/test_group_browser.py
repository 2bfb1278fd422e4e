"""A group session in Chromium: access code, several participants at once, the pulse, culling.

The server is started the way ``closer-again serve --module 1 --group N`` starts
it (widgets.group.session.GroupSession), with short cull timeouts so a closed page's
kernel ends within seconds instead of a minute and a half.
"""
from __future__ import annotations

import os
import time

import pytest
from conftest import answering, group_session, holds_for

from widgets.group import session as g

pytestmark = pytest.mark.browser
CODE = "482913"
POOL = 3
CULL_IDLE = 8
CULL_EVERY = 2


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    with group_session(tmp_path_factory.mktemp("group"), POOL, CODE,
                       cull_idle_timeout=CULL_IDLE, cull_interval=CULL_EVERY) as s:
        assert s.wait_for_pool(180), "the warm pool did not fill"
        yield s


def join(visit, session, code: str = CODE):
    v = visit(390, 844)
    v.open(f"{session.local_url}?code={code}")
    return v


def poll_card(v, question: str):
    return v.page.locator(".ca-pulse-poll").filter(has_text=question).first


ENERGY = "How much energy do you have today?"


def answer(v, option: str) -> None:
    card = poll_card(v, ENERGY)
    card.get_by_role("button", name=option, exact=True).click()
    card.get_by_text("Your answer is counted").wait_for(timeout=20_000)


def shown_counts(v) -> dict[str, int]:
    """What the page shows: each answer's label and its number, as a person reads them."""
    rows = poll_card(v, ENERGY).locator(".ca-pulse-row")
    labels = rows.locator(".ca-pulse-label").all_inner_texts()
    counts = rows.locator(".ca-pulse-count").all_inner_texts()
    return {label.strip(): int(n) for label, n in zip(labels, counts)}


def wait_for_counts(v, expected: dict[str, int], timeout: float = 20) -> dict[str, int]:
    deadline = time.time() + timeout
    seen = {}
    while time.time() < deadline:
        seen = shown_counts(v)
        if seen == expected:
            return seen
        time.sleep(0.5)
    return seen


def test_a_page_without_the_code_is_refused_kindly(session, visit):
    v = visit(390, 844)
    v.page.goto(session.local_url)
    body = v.page.locator("body")
    body.get_by_text("asks for a code first").wait_for(timeout=20_000)
    assert v.page.locator(".ca-toolbar").count() == 0
    assert "Partner 1" not in body.inner_text()
    assert v.outside == []

    v.page.get_by_label("The access code your facilitator is showing").fill("111 111")
    v.page.get_by_role("button", name="Join the session").click()
    v.page.get_by_text("That code did not work").wait_for(timeout=20_000)
    assert v.page.locator(".ca-toolbar").count() == 0

    v.page.get_by_label("The access code your facilitator is showing").fill("482 913")
    v.page.get_by_role("button", name="Join the session").click()
    v.page.wait_for_selector(".ca-toolbar", timeout=90_000)
    v.page.get_by_text("Group pulse").first.wait_for(timeout=30_000)

    # a link with a wrong code does not open the workshop either
    other = visit(390, 844)
    other.page.goto(f"{session.local_url}?code=000000")
    other.page.get_by_text("The code in this link did not work").wait_for(timeout=20_000)
    assert other.page.locator(".ca-toolbar").count() == 0


def test_poll_shows_nothing_below_three_answers_then_the_totals(session, visit):
    pages = [join(visit, session) for _ in range(3)]
    waiting = "The group's answers show here once at least 3 people have answered."
    for v in pages:
        poll_card(v, ENERGY).get_by_text(waiting).wait_for(timeout=30_000)

    answer(pages[0], "4")
    answer(pages[1], "4")

    def nothing_shown() -> bool:
        return all(poll_card(v, ENERGY).get_by_text(waiting).is_visible()
                   and poll_card(v, ENERGY).locator(".ca-pulse-row").count() == 0 for v in pages)

    holds_for(nothing_shown, 5, what="nothing to see anywhere")  # longer than a refresh

    answer(pages[2], "2")
    expected = {"1 · very low": 0, "2": 1, "3": 0, "4": 2, "5 · lots": 0}
    for v in pages:
        assert wait_for_counts(v, expected) == expected
        assert poll_card(v, ENERGY).get_by_text("3 answers").is_visible()

    # one person changing their answer: the shown totals do not move, so nobody sees their choice
    answer(pages[0], "5 · lots")
    holds_for(lambda: all(shown_counts(v) == expected for v in pages), 6,
              what="the same totals on every page")  # longer than a refresh
    # a reload does not add a vote: the browser remembers its choice, and moves it
    pages[1].page.reload()
    pages[1].page.wait_for_selector(".ca-toolbar", timeout=90_000)
    # the browser hands back its earlier choice: shown as chosen, not counted again
    poll_card(pages[1], ENERGY).get_by_role("button", name="✓ 4", exact=True).wait_for(timeout=30_000)
    answer(pages[1], "3")
    answer(pages[2], "3")
    # three changes since the totals last moved: now they move, all at once, and still add up to three
    expected = {"1 · very low": 0, "2": 0, "3": 2, "4": 0, "5 · lots": 1}
    for v in pages:
        assert wait_for_counts(v, expected) == expected
    assert g.read_session()["code"] == CODE

    # the facilitator sees the same totals, and can clear them
    f = visit()
    f.page.goto(session.facilitator_url)
    f.page.get_by_text("Access code:").wait_for(timeout=90_000)
    assert f.page.locator(".ca-access-code").inner_text() == "482 913"
    assert f.page.locator("img.ca-qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
    energy = f.page.locator(".ca-card").filter(has_text="Group pulse").locator(".ca-pulse-results").first
    energy.wait_for(timeout=20_000)
    assert "4" in energy.inner_text()
    f.page.get_by_role("button", name="Clear the answers for a new session").click()
    f.page.get_by_role("button", name="Yes, clear them").click()
    f.page.get_by_text("Cleared. The pulse is ready for a new session.").wait_for(timeout=20_000)
    assert f.outside == []
    for v in pages:
        poll_card(v, ENERGY).get_by_text(waiting).wait_for(timeout=20_000)
        assert v.outside == []


def test_facilitator_timer_counts_down(session, visit):
    f = visit()
    f.page.goto(session.facilitator_url)
    first = f.page.locator(".ca-agenda-item").first
    first.get_by_text("time left").wait_for(timeout=90_000)
    assert "10:00" in first.inner_text()
    first.get_by_role("button", name="Start").click()
    f.page.wait_for_function(
        "() => /9:5\\d/.test(document.querySelector('.ca-agenda-item').innerText)", timeout=20_000)
    first.get_by_role("button", name="Pause").click()
    rules = f.page.locator(".ca-ground-rules").inner_text()
    assert "Our ground rules" in rules and "Anyone can pass" in rules


def test_a_closed_page_s_kernel_ends_and_the_pool_refills(session, visit):
    def settle(target: int, timeout: float) -> int:
        deadline = time.time() + timeout
        while time.time() < deadline and len(session.kernels()) != target:
            time.sleep(1)
        return len(session.kernels())

    gone = CULL_IDLE * 3 + CULL_EVERY * 3 + 20  # the culler's worst case, with room to spare
    # pages of the earlier tests were closed with their browser contexts: only the warm pool is left
    assert settle(POOL, gone) == POOL
    before = POOL
    pages = [join(visit, session) for _ in range(2)]
    answer(pages[0], "3")  # in use
    # two pages in use, and the pool refilled behind them (slow when other tests share the two cores)
    assert settle(before + 2, 150) == before + 2

    # one page closed without warning (no "beforeunload"), one closed normally
    pages[0].page.close(run_before_unload=False)
    pages[1].page.close(run_before_unload=True)
    assert settle(before, gone) == before
    assert session.pool_ready()


SENTINEL = "sentinel-group-serve-57"
#: the browser's own copy of the journal holds the text (group mode keeps answers there)
STORED_IN_THIS_BROWSER = """text => [localStorage, sessionStorage].some(area => Object.keys(area).some(
    k => k.startsWith('closer-again-journal') && area.getItem(k).includes(text)))"""


def test_a_participant_s_answer_survives_a_reload_and_stays_off_the_laptop(session, visit):
    from pathlib import Path

    started = time.time() - 1
    v = join(visit, session)
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(v, "Partner 1", timeout=20)
    v.page.locator("textarea").nth(1).fill(SENTINEL)
    v.page.get_by_text("Saved at").first.wait_for(timeout=20_000)
    v.page.wait_for_function(STORED_IN_THIS_BROWSER, arg=SENTINEL, timeout=20_000)

    v.page.reload()  # a new warm kernel; the answer comes back from this browser
    v.page.wait_for_selector(".ca-toolbar", timeout=90_000)
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(v, "Partner 1", timeout=20)
    v.page.wait_for_function(
        f"[...document.querySelectorAll('textarea')].some(t => t.value === '{SENTINEL}')", timeout=20_000)

    needle = SENTINEL.encode()
    roots = [g.group_dir().parent, Path("/tmp")]
    hits = []
    for root in roots:
        # os.walk, not rglob: other tests' temporary folders may vanish while we look
        for path in (Path(d) / f for d, _, files in os.walk(root) for f in files):
            try:
                if path.is_file() and path.stat().st_mtime >= started and path.stat().st_size < 50_000_000 \
                        and needle in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                continue
    assert hits == []


REFUSE_STORAGE = """
(() => {
  const real = Storage.prototype.setItem;
  window.__refuseStorage = true;
  Storage.prototype.setItem = function (key, value) {
    if (window.__refuseStorage && String(key).startsWith("closer-again-journal")) {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    }
    return real.call(this, key, value);
  };
})();
"""


def test_a_browser_that_refuses_storage_shows_a_kind_warning_and_keeps_the_answer(session, visit):
    from widgets import curriculum

    assert session.wait_for_pool(180), "the warm pool refills after the earlier pages closed"
    v = visit(390, 844)
    v.context.add_init_script(REFUSE_STORAGE)  # full or blocked storage: every write of answers throws
    v.open(f"{session.local_url}?code={CODE}")
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(v, "Partner 1", timeout=20)
    v.page.locator("textarea").nth(1).fill("kept while the browser refuses")
    statuses = v.page.locator(".ca-saved")
    warning = curriculum.text("saved.not_stored")
    statuses.filter(has_text=warning[:40]).first.wait_for(timeout=20_000)
    assert not any(t.startswith("Saved at") for t in statuses.all_inner_texts())
    v.screenshot("group-storage-refused-390")
    stored = v.page.evaluate("Object.keys(localStorage).concat(Object.keys(sessionStorage))"
                             ".filter(k => k.startsWith('closer-again-journal'))")
    assert stored == []  # nothing was kept: the warning tells the truth

    # storage works again: the page tries again by itself, and then says so
    v.page.evaluate("window.__refuseStorage = false")
    statuses.filter(has_text="Saved at").first.wait_for(timeout=20_000)
    assert not any(warning[:40] in t for t in statuses.all_inner_texts())
    v.page.reload()  # and the answer really is in the browser now
    v.page.wait_for_selector(".ca-toolbar", timeout=90_000)
    v.page.evaluate("window.__refuseStorage = false")
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(v, "Partner 1", timeout=20)
    v.page.wait_for_function(
        "[...document.querySelectorAll('textarea')].some(t => t.value === 'kept while the browser refuses')",
        timeout=20_000)
