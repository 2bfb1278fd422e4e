"""Group mode: a participant's answers stay in their own browser, never on the laptop's disk."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import Dashboard, answering, holds_for

SENTINEL = "sentinel-never-on-the-laptop-93"


@pytest.fixture
def group_dashboard(tmp_path):
    dash = Dashboard(tmp_path / "laptop", CLOSER_AGAIN_GROUP_MODE="1")
    dash.start()
    yield dash
    dash.stop()


def files_containing(text: str, roots: list[Path], since: float) -> list[str]:
    hits = []
    needle = text.encode()
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                try:
                    if path.stat().st_mtime < since or path.stat().st_size > 50_000_000:
                        continue
                    if needle in path.read_bytes():
                        hits.append(str(path))
                except OSError:
                    continue
    return hits


def type_as_partner_1(v, text: str) -> None:
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(v, "Partner 1", timeout=20)
    v.page.locator("textarea").nth(1).fill(text)
    v.page.get_by_text("Saved at").first.wait_for(timeout=20_000)
    v.page.wait_for_function(  # the browser has stored it
        """text => [localStorage, sessionStorage].some(area => Object.keys(area).some(
            k => k.startsWith('closer-again-journal') && area.getItem(k).includes(text)))""", arg=text, timeout=20_000)


def stored_journal(v, area: str) -> str:
    return v.page.evaluate(
        f"Object.keys(window.{area}).filter(k => k.startsWith('closer-again-journal'))"
        f".map(k => window.{area}.getItem(k)).join('')")


def test_answers_live_in_the_browser_and_survive_a_reload(group_dashboard, visit):
    started = time.time() - 1
    v = visit()
    v.open(group_dashboard.url("01_welcome.ipynb"))
    type_as_partner_1(v, SENTINEL)
    # not networked: pages run in the laptop's own browser, so the tab's sessionStorage holds them
    assert SENTINEL in stored_journal(v, "sessionStorage")
    assert stored_journal(v, "localStorage") == ""
    assert v.outside == []  # the storage widget's code comes from this computer too

    v.page.reload()
    v.page.wait_for_selector(".ca-toolbar", timeout=90_000)
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(v, "Partner 1", timeout=20)
    v.page.wait_for_function(
        f"[...document.querySelectorAll('textarea')].some(t => t.value === '{SENTINEL}')", timeout=20_000)

    # nothing on the laptop: no journal file, and the text is in no file written during the session
    assert not (group_dashboard.home / "data" / "journal.sqlite3").exists()
    roots = [group_dashboard.home, Path("/tmp"), Path.home() / ".local" / "share" / "jupyter"]
    assert files_containing(SENTINEL, roots, since=started) == []


def test_a_later_session_on_the_same_device_never_sees_earlier_answers(tmp_path, visit):
    """Participants' own devices keep answers for the session (a reload, a locked phone), never after."""
    first = Dashboard(tmp_path / "laptop", CLOSER_AGAIN_GROUP_MODE="1",
                      CLOSER_AGAIN_GROUP_STORAGE="local", CLOSER_AGAIN_GROUP_SESSION="first")
    first.start()
    v = visit()
    try:
        v.open(first.url("01_welcome.ipynb"))
        type_as_partner_1(v, SENTINEL)
        assert SENTINEL in stored_journal(v, "localStorage")
        left = [o["localStorage"] for o in v.context.storage_state()["origins"] if o["origin"] == first.base]
    finally:
        first.stop()
    assert left and any(SENTINEL in item["value"] for item in left[0])
    second = Dashboard(tmp_path / "laptop", CLOSER_AGAIN_GROUP_MODE="1",
                       CLOSER_AGAIN_GROUP_STORAGE="local", CLOSER_AGAIN_GROUP_SESSION="second")
    second.start()  # on a port of its own
    try:
        # the same device: this browser's storage for the address holds what the first session left
        v = visit(storage_state={"cookies": [], "origins": [{"origin": second.base, "localStorage": left[0]}]})
        v.page.goto(second.base + "/")
        assert SENTINEL in stored_journal(v, "localStorage"), "the earlier session's copy is there to find"
        v.open(second.url("01_welcome.ipynb"))
        v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
        answering(v, "Partner 1", timeout=20)
        holds_for(lambda: all(t != SENTINEL for t in v.page.locator("textarea").evaluate_all("els => els.map(e => e.value)")),
                  1.5, what="no earlier answer on the page")
        assert SENTINEL not in stored_journal(v, "localStorage"), "the earlier session's copy is removed"
    finally:
        second.stop()
