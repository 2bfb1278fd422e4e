"""Every module in the dashboard: it opens, one exercise is completed, and the page opened again finds it saved."""
from __future__ import annotations

import pytest
from conftest import answering

from widgets import curriculum

pytestmark = pytest.mark.browser
MODULES = curriculum.modules()


def first_text_box(v):
    """The first free-text answer box of a private or shared exercise on the page."""
    return v.page.locator(".ca-card textarea:visible").first


@pytest.mark.parametrize("module", MODULES, ids=lambda m: f"{m.number:02d}_{m.slug}")
def test_module_opens_saves_an_answer_and_shows_it_again_on_a_phone(dashboard, visit, module):
    answer = f"Our own words for module {module.number} ✓"
    v = visit()
    v.open(dashboard.url(module.notebook_name))
    v.page.get_by_role("heading", name=module.title).first.wait_for(timeout=60_000)
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(v, "Partner 1", timeout=20)
    box = first_text_box(v)
    box.fill(answer)
    card = v.page.locator(".ca-card").filter(has=v.page.locator("textarea:visible")).first
    card.get_by_text("Saved at").wait_for(timeout=20_000)
    v.screenshot(f"module-{module.number:02d}-desktop")
    assert v.outside == []
    errors = v.page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0

    # the same module opened again, on a phone-sized page: a new kernel, the same journal
    phone = visit(390, 844)
    phone.open(dashboard.url(module.notebook_name))
    phone.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(phone, "Partner 1", timeout=20)
    phone.page.wait_for_function(
        "answer => [...document.querySelectorAll('.ca-card textarea')].some(t => t.value === answer)",
        arg=answer, timeout=20_000)
    assert phone.page.evaluate(
        "() => { const el = document.querySelector('#rendered_cells'); return el.scrollWidth <= el.clientWidth + 1; }")
    phone.screenshot(f"module-{module.number:02d}-phone")
    assert phone.outside == []
