"""Safety before joint work, and help that fits everyone.

- Every country in resources.toml lists domestic-abuse help, help men can use,
  and help for LGBT+ people, and the pages show it.
- Modules 4, 5, 6 and 9 offer the private safety check just before their first
  shared exercise, and their timed plans run it.
- The safety check asks about control that comes with illness, and those
  answers signal risk.
- Its answers are never written anywhere: not to the journal's SQLite file,
  and a hand-over clears them from the page.
"""
from __future__ import annotations

import html
import re
import sqlite3
import tomllib
from pathlib import Path

import pytest
import textstat

from widgets import ModulePage, curriculum
from widgets.exercises.safety import signals_risk
from widgets.kit.fields import TextField
from widgets.kit.help import resources_html

ROOT = Path(__file__).resolve().parent.parent
RESOURCES_FILE = ROOT / "widgets" / "content" / "resources.toml"
WHO_FOR = {"everyone", "women", "men", "lgbt"}
JOINT_WORK_MODULES = (4, 5, 6, 9)
CHECK_ID = "safety_before_joint_work"


def resources() -> dict:
    with RESOURCES_FILE.open("rb") as fh:
        return tomllib.load(fh)


COUNTRIES = sorted(resources()["countries"])


def abuse_help(code: str) -> list[dict]:
    return [c for c in resources()["countries"][code]["contacts"] if c.get("topic") == "domestic_abuse"]


def safety_questions() -> dict[str, dict]:
    return {q["id"]: q for q in curriculum.data("safety")["questions"]}


def safe_answer(question: dict) -> str:
    content = curriculum.data("safety")
    return next(a for a in (content["yes"], content["no"]) if a not in question["risk"])


# -- help in every country --------------------------------------------------------

def test_the_countries_are_the_ones_we_serve():
    assert {"GB", "IE", "US", "CA", "AU", "NZ", "DE"} <= set(COUNTRIES)


def gaps(code: str, contacts: list[dict]) -> list[str]:
    """What a country's list lacks, in words a maintainer can act on."""
    found = [c for c in contacts if c.get("topic") == "domestic_abuse"]
    problems = [] if found else [f"{code} lists no domestic-abuse help"]
    for contact in found:
        if contact.get("for") not in WHO_FOR:
            problems.append(f"{code}: {contact['name']!r} does not say who it is for")
        if not str(contact.get("source", "")).startswith(("https://", "http://")):
            problems.append(f"{code}: {contact['name']!r} does not say where its number was checked")
        if not re.search(r"\d{3}|\w+\.\w{2,}", contact["how"]):
            problems.append(f"{code}: {contact['name']!r} gives no number or site")
    for_whom = {c.get("for") for c in found}
    if not for_whom & {"men", "everyone"}:
        problems.append(f"{code} lists no domestic-abuse help that men can use")
    if "lgbt" not in for_whom:
        problems.append(f"{code} lists no domestic-abuse help for LGBT+ people")
    return problems


@pytest.mark.parametrize("code", COUNTRIES)
def test_every_country_lists_domestic_abuse_help_for_men_and_for_lgbt_people(code):
    assert gaps(code, resources()["countries"][code]["contacts"]) == []


def test_a_country_lacking_help_for_men_or_lgbt_people_is_caught():
    contacts = resources()["countries"]["GB"]["contacts"]
    women_only = [c for c in contacts if c.get("for") not in ("men", "everyone", "lgbt")]
    found = gaps("GB", women_only)
    assert "GB lists no domestic-abuse help that men can use" in found
    assert "GB lists no domestic-abuse help for LGBT+ people" in found
    assert gaps("GB", [c for c in contacts if not c.get("topic")]) == ["GB lists no domestic-abuse help",
                                                                        "GB lists no domestic-abuse help that men can use",
                                                                        "GB lists no domestic-abuse help for LGBT+ people"]


@pytest.mark.parametrize("code", COUNTRIES)
def test_the_help_page_shows_every_domestic_abuse_contact(code):
    shown = resources_html(code)
    for contact in abuse_help(code):
        assert html.escape(contact["name"]) in shown
        assert html.escape(contact["how"]) in shown


# -- the check before joint work ---------------------------------------------------

@pytest.mark.parametrize("number", JOINT_WORK_MODULES)
def test_the_safety_check_comes_just_before_the_first_shared_exercise(number):
    mod = curriculum.module(number)
    blocks = list(mod.blocks)
    first_shared = next(i for i, b in enumerate(blocks) if b["kind"] == "exercise" and b["scope"] == "shared")
    earlier_exercises = [b for b in blocks[:first_shared] if b["kind"] == "exercise"]
    assert earlier_exercises, f"Module {number}: no exercise before the first shared one"
    check = earlier_exercises[-1]
    assert check["type"] == "safety_check" and check["id"] == CHECK_ID
    assert check["scope"] == "private"
    # it says why it is there, and that nothing is stored
    assert "together" in check["intro"] and "saved" in check["intro"]
    # the timed plan runs it, in the same part of the session as the joint work
    runs_check = [s for s in mod.segments if CHECK_ID in s.exercises]
    assert len(runs_check) == 1, f"Module {number}: no segment of the timed plan runs the check"
    runs_joint = [s for s in mod.segments if blocks[first_shared]["id"] in s.exercises]
    assert runs_joint in ([], runs_check)


@pytest.mark.parametrize("number", JOINT_WORK_MODULES)
def test_the_facilitator_notes_say_how_to_run_the_check(number):
    mod = curriculum.module(number)
    notes = (ROOT / "facilitator" / f"{mod.number:02d}_{mod.slug}.md").read_text(encoding="utf-8")
    running = notes.split("## Running each exercise in a group", 1)[1].split("\n## ", 1)[0]
    assert f"### {CHECK_ID}" in running


def test_the_protocol_covers_the_repeated_check_and_control_through_illness():
    readme = (ROOT / "facilitator" / "README.md").read_text(encoding="utf-8")
    assert "Modules 4, 5, 6 and 9" in readme
    assert "medicines" in readme


@pytest.mark.parametrize("number", JOINT_WORK_MODULES)
def test_the_page_shows_the_check_before_joint_work(number, journal_file):
    page = ModulePage(number, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    check = page.exercise(CHECK_ID)
    page.picker.choose("a")
    assert len(check.questions) == len(safety_questions())
    assert check.status not in check.footer.children, "a safety check must not claim to be saved"
    # its privacy line says what is true of it: nothing is kept for anyone to read later
    assert check.scope_line.value == html.escape(curriculum.data("safety")["scope_line"])
    assert "Nothing here is saved" in check.scope_line.value and "read it" not in check.scope_line.value


# -- control that comes with illness ---------------------------------------------------

def test_it_asks_about_medicines_aids_and_care_held_back_or_used_as_pressure():
    questions = safety_questions()
    held_back = questions["care_withheld"]["text"].lower()
    for word in ("medicines", "wheelchair", "walking aid", "help with"):
        assert word in held_back
    pressure = questions["care_as_pressure"]["text"].lower()
    assert "pressure" in pressure and "medicines" in pressure and "care" in pressure


def test_the_questions_are_plain_and_assume_nothing_about_who_is_ill():
    content = curriculum.data("safety")
    words = " ".join([content["intro"], *(q["text"] for q in content["questions"]),
                      *(q.get("risk_note", "") for q in content["questions"])])
    assert textstat.flesch_kincaid_grade(words) <= 8.0
    for assumption in (r"\bhe\b", r"\bshe\b", r"\bhis\b", r"\bher\b", r"\bhusband", r"\bwife\b",
                       r"your illness", r"the patient", r"the carer"):
        assert not re.search(assumption, words, re.I), assumption
    assert "whoever is ill" in content["intro"]


@pytest.mark.parametrize("question", ["care_withheld", "care_as_pressure"])
@pytest.mark.parametrize("answer", ["Yes", "I'm not sure"])
def test_illness_control_answers_signal_risk(question, answer):
    assert signals_risk({question: answer})
    assert not signals_risk({question: "No"})


def test_held_back_care_leads_kindly_to_domestic_abuse_help(journal_file):
    page = ModulePage(4, journal_path=str(journal_file), partner_names="Sam, Alex", country="GB",
                      today="2026-11-20")
    check = page.exercise(CHECK_ID)
    page.picker.choose("b")
    by_id = {q.field_id: q for q in check.questions}
    by_id["care_withheld"].choose("Yes")
    assert check.risk
    note = safety_questions()["care_withheld"]["risk_note"]
    assert html.escape(note) in check.result.value
    for contact in abuse_help("GB"):
        assert html.escape(contact["how"]) in check.result.value
    check.clear_button.click()
    assert not check.risk and check.result.value == ""


def test_someone_who_feels_safe_hears_so_and_sees_no_warning(journal_file):
    page = ModulePage(5, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    check = page.exercise(CHECK_ID)
    page.picker.choose("a")
    questions = safety_questions()
    for q in check.questions:
        q.choose(safe_answer(questions[q.field_id]))
    assert not check.risk
    assert "Thank you" in check.result.value and "abuse" not in check.result.value.lower()


# -- never stored ----------------------------------------------------------------

def everything_in(db: Path) -> str:
    """Every table and row of a SQLite file as text, plus its raw bytes (and any -wal)."""
    parts = []
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                parts.append(" ".join(str(v) for v in row))
    finally:
        con.close()
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.mark.parametrize("number", JOINT_WORK_MODULES)
def test_safety_answers_are_never_written_to_the_journal(number, journal_file):
    page = ModulePage(number, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    check = page.exercise(CHECK_ID)
    page.picker.choose("a")
    # answered as a person at risk would, then something private that IS saved
    for q in check.questions:
        q.choose(safety_questions()[q.field_id]["risk"][0])
    assert check.risk
    check.skip_button.click()
    check.reopen_button.click()
    reflection = page.exercise("reflection" if number != 9 else "roadmap_reflection")
    box = next(f for f in reflection.fields if isinstance(f, TextField))
    box.box.value = "a saved reflection zq7"
    page.set_active("")
    page.picker.choose("b")
    assert journal_file.exists()
    stored = everything_in(journal_file)
    assert "zq7" in stored or reflection.status.saved_at, "the journal was not written at all"
    assert CHECK_ID not in stored
    for question_id in safety_questions():
        assert f"/{question_id}" not in stored


def test_a_hand_over_clears_the_safety_answers_from_the_page(journal_file):
    page = ModulePage(6, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    check = page.exercise(CHECK_ID)
    page.picker.choose("a")
    for q in check.questions:
        q.choose("I'm not sure")
    assert check.risk
    page.picker.choose("b")
    assert all(q.value is None for q in check.questions)
    assert not any(b.value for q in check.questions for b in q.buttons)
    assert not any("✓" in b.description for q in check.questions for b in q.buttons)
    assert not check.risk and check.result.value == ""
    # and hiding the page (no one chosen) clears them too
    check.questions[0].choose("No")
    page.set_active("")
    assert all(q.value is None for q in check.questions) and check.result.value == ""


def test_a_speaking_phone_says_the_same_words_whatever_the_answers(journal_file):
    """Only one neutral line is announced, once every question is answered; the result itself is not."""
    from widgets import ModulePage, curriculum

    heard = {}
    for answer_kind in ("safe", "at_risk"):
        page = ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex")
        check = next(page.exercise(b["id"]) for b in page.module.exercises if b["type"] == "safety_check")
        page.request("a")
        for i, question in enumerate(curriculum.data("safety")["questions"]):
            options = [curriculum.data("safety")[k] for k in ("yes", "no", "unsure")]
            if answer_kind == "at_risk" and i == 0:
                choice = question["risk"][0]
            else:
                choice = next(o for o in options if o not in question["risk"])
            check.questions[i].choose(choice)
            if i == 0:
                assert 'role="status"' not in check.announce.value + check.result.value
        assert 'role' not in check.result.value
        heard[answer_kind] = check.announce.value
    assert heard["safe"] == heard["at_risk"] and 'role="status"' in heard["safe"]
