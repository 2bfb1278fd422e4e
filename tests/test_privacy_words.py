"""Every privacy line says exactly what the software does, for a locked space and an unlocked one.

The pages, the interface words, the README, SECURITY.md and the facilitator
notes are read as text. A promise stronger than the software keeps (for
example "your partner cannot see this", which is not true of an unlocked space
on a shared device) fails the test; each line that describes the lock is
checked against what a page really does.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from widgets import ModulePage, curriculum

ROOT = Path(__file__).resolve().parent.parent
TEXT_FILES = sorted(
    [*(ROOT / "widgets" / "content").rglob("*.toml"), ROOT / "README.md", ROOT / "SECURITY.md",
     *(ROOT / "facilitator").glob("*.md")]
)
#: promises no page may make: on a shared device, an unlocked space is readable by whoever picks the name
TOO_STRONG = [
    r"partner (?:still )?(?:cannot|can't|can not|will never|never|does not|doesn't|won't) (?:see|open|read)(?! the screen)",
    r"neither can anyone else",
    r"\bonly you (?:can )?see\b",
    r"through these pages",
    r"never see your (?:ratings|answers)",
]


def flat(path: Path) -> str:
    return " ".join(path.read_text(encoding="utf-8").split())


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_privacy_promise_is_stronger_than_the_software(path):
    text = flat(path)
    found = [m.group(0) for pattern in TOO_STRONG for m in re.finditer(pattern, text, flags=re.I)]
    assert found == [], f"{path.name} promises more than an unlocked space on a shared device keeps"


def test_the_card_line_for_an_unlocked_space_says_anyone_choosing_the_name_can_read_it(journal_file):
    line = curriculum.text("exercise.private", name="Sam")
    assert "not locked" in line and "anyone who chooses Sam" in line
    # and that is what happens: the other partner chooses Sam's name and reads Sam's answer
    page = ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex")
    hopes = page.exercise("hopes")
    page.request("a")
    page.lock_panel.decline_offer()
    hopes.fields[0].box.value = "Sam's words"
    page.request("b")
    page.request("a")
    assert hopes.fields[0].box.value == "Sam's words"
    assert hopes.scope_line.value.startswith("Private to Sam: it shows only while Sam is chosen")


def test_the_card_line_for_a_locked_space_says_no_one_reads_it_without_the_passphrase(journal_file):
    line = curriculum.text("exercise.private_locked", name="Sam")
    assert "no one can read it without Sam's passphrase" in line
    page = ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex")
    hopes = page.exercise("hopes")
    page.request("a")
    page.lock_panel.decline_offer()
    hopes.fields[0].box.value = "Sam's words"
    page.lock_panel.set_lock("sam's long phrase", "sam's long phrase")
    assert "locked" in hopes.scope_line.value
    page.request("b")
    page.request("a")  # the other partner tries Sam's name
    assert page.active == "" and hopes.fields[0].box.value == ""
    assert "Type the passphrase" in page.lock_panel.prompt_text.value


def test_the_lock_closes_when_the_words_say_it_does():
    minutes = ModulePage.idle_minutes.default_value
    words = {5: "five"}[minutes]
    assert f"{words} idle minutes" in flat(ROOT / "README.md")
    assert f"{words} minutes without a touch" in flat(ROOT / "SECURITY.md")
    assert f"after {words} quiet minutes" in flat(ROOT / "facilitator" / "01_welcome.md")
    assert "{minutes} minutes" in curriculum.text("lock.locked_now", minutes="{minutes}")


def test_the_pages_say_a_forgotten_passphrase_cannot_be_recovered_before_a_lock_is_set():
    warning = curriculum.text("lock.warning")
    assert "no one can get your answers back" in warning
    module_1 = flat(ROOT / "widgets" / "content" / "modules" / "01_welcome.toml")
    assert "Without a lock, anyone who chooses your name here can read them." in module_1
    assert "not in your partner's copy, not in the journal file" in module_1


def test_the_readme_and_security_page_describe_both_kinds_of_space():
    readme = flat(ROOT / "README.md")
    assert "without a lock, whoever chooses your name can read your private answers" in readme
    assert "A forgotten passphrase cannot be recovered" in readme
    security = flat(ROOT / "SECURITY.md")
    for heading in ("What the lock protects against", "What it does not protect against",
                    "Who can see what in a group session"):
        assert heading in security
    for threat in ("A partner on the same device", "A lost or shared laptop", "A copied journal file",
                   "keylogger", "watches you type"):
        assert threat in security
    notes = flat(ROOT / "facilitator" / "README.md")
    assert "lock their private answers with a passphrase" in notes
