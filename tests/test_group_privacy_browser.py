"""Group mode: a participant's answers stay in their own browser, never on the laptop's disk."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conftest import Dashboard

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


def test_answers_live_in_the_browser_and_survive_a_reload(group_dashboard, visit):
    started = time.time() - 1
    v = visit()
    v.open(group_dashboard.url("01_welcome.ipynb"))
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    v.page.get_by_text("Partner 1 is answering now").first.wait_for(timeout=20_000)
    v.page.locator("textarea").nth(1).fill(SENTINEL)
    v.page.get_by_text("Saved at").first.wait_for(timeout=20_000)
    time.sleep(1.5)
    stored = v.page.evaluate("window.localStorage.getItem('closer-again-journal-v1') || ''")
    assert SENTINEL in stored
    assert v.outside == []  # the storage widget's code comes from this computer too

    v.page.reload()
    v.page.wait_for_selector(".ca-toolbar", timeout=90_000)
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    v.page.get_by_text("Partner 1 is answering now").first.wait_for(timeout=20_000)
    v.page.wait_for_function(
        f"[...document.querySelectorAll('textarea')].some(t => t.value === '{SENTINEL}')", timeout=20_000)

    # nothing on the laptop: no journal file, and the text is in no file written during the session
    assert not (group_dashboard.home / "data" / "journal.sqlite3").exists()
    roots = [group_dashboard.home, Path("/tmp"), Path.home() / ".local" / "share" / "jupyter"]
    assert files_containing(SENTINEL, roots, since=started) == []
