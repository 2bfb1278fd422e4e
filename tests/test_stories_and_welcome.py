"""Who is in the room: a composite story in every module, a welcome for every couple on
Module 1's page, sections for carers, end of life and changed thinking, and a menu that
separates giving from receiving without misreading anyone's old ratings."""
from __future__ import annotations

import re
import tomllib

import pytest
import textstat

from widgets import ModulePage, curriculum
from widgets.exercises.menu import YES, PrivateAnswers, PrivateMenu, Reveal, menu_items
from widgets.storage.journal import Journal

MODULES = curriculum.modules()
MENU = curriculum.data("menu")
MENU_SPEC = {"kind": "exercise", "id": "menu", "type": "menu", "scope": "private", "title": "Our menu",
             "intro": "Rate alone.", "content_note": "Sexual activities are named."}
REVEAL_SPEC = {"kind": "exercise", "id": "reveal", "type": "menu_reveal", "scope": "shared", "title": "Our matches",
               "intro": "Both press.", "content_note": "Shows shared yeses."}


def plain(markdown: str) -> str:
    """Prose as a reader meets it (as in test_content): no markup, list items as sentences."""
    text = re.sub(r"[*_`#>]", "", markdown)
    return re.sub(r"^\s*(?:[-+]|\d+\.)\s+(.*?)\s*$", lambda m: m.group(1).rstrip(".") + ".", text, flags=re.M)


def stories(mod) -> list[dict]:
    return [b for b in mod.blocks if b["kind"] == "prose" and b.get("story")]


def prose(mod, heading_part: str) -> dict:
    found = [b for b in mod.blocks if b["kind"] == "prose" and heading_part.lower() in b["heading"].lower()]
    assert len(found) == 1, f"module {mod.number} has no one section about {heading_part!r}"
    return found[0]


# -- stories ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mod", MODULES, ids=lambda m: f"{m.number:02d}_{m.slug}")
def test_each_module_has_one_short_plain_story_marked_as_composite(mod):
    found = stories(mod)
    assert len(found) == 1, "one composite story per module"
    story = found[0]
    assert story["heading"].startswith("A story")
    first_line = story["text"].strip().splitlines()[0].lower()
    assert "composite" in first_line and "not from one real couple" in first_line, "the reader is told first"
    words = len(plain(story["text"]).split())
    assert 80 <= words <= 150, f"{words} words"
    assert textstat.flesch_kincaid_grade(plain(story["text"])) <= 8.0


def test_stories_cover_many_kinds_of_couple():
    texts = [stories(m)[0]["text"] for m in MODULES]
    everything = "\n".join(texts)
    ages = [int(a) for a in re.findall(r"\b(\d{2})\b", everything) if 18 <= int(a) <= 99]
    assert min(ages) <= 30 and max(ages) >= 75, "a young couple and an older couple"
    assert "non-binary" in everything and "trans woman" in everything
    assert "two homes" in everything, "a couple who live apart"
    assert "Each of them is ill" in everything, "a couple where both are ill"
    assert "met eight months ago" in everything, "a new relationship"
    assert re.search(r"Gwen and Hattie|Owen and Dev|Jess and Mel|Ben and Carlos", everything), "same-sex couples"
    names = [re.match(r"A story: (.+)", stories(m)[0]["heading"]).group(1) for m in MODULES]
    assert len(set(names)) == len(names), "a different couple in each module"


# -- who is welcome -------------------------------------------------------------------------------------

def test_module_1_page_welcomes_every_kind_of_couple_before_any_exercise():
    mod = curriculum.module(1)
    blocks = list(mod.blocks)
    welcome = prose(mod, "every couple is welcome")
    first_exercise = next(i for i, b in enumerate(blocks) if b["kind"] == "exercise")
    assert blocks.index(welcome) < first_exercise
    text = welcome["text"]
    for phrase in ("two women, two men", "trans", "non-binary", "both of you are ill", "live apart",
                   "relationship is new"):
        assert phrase in text, phrase
    assert textstat.flesch_kincaid_grade(plain(text)) <= 8.0


@pytest.mark.parametrize("number,heading,must_say", [
    (5, "thinking or speech", ["each time", "speech and language therapist", "cards", "not always come in words", "law protects"]),
    (8, "carer and lover", ["care time is over", "both ill"]),
    (10, "end of life", ["hospice", "private time", "Bereavement"]),
])
def test_sections_for_changed_thinking_carers_and_end_of_life_are_sourced(number, heading, must_say):
    mod = curriculum.module(number)
    block = prose(mod, heading)
    text = " ".join(block["text"].split())
    for phrase in must_say:
        assert phrase.lower() in text.lower(), phrase
    with mod.source.open("rb") as fh:
        sources = {s["id"]: s for s in tomllib.load(fh).get("sources", [])}
    assert block.get("sources"), "medical and legal statements carry their sources"
    for source_id in block["sources"]:
        entry = sources[source_id]
        assert entry["title"] and entry["publisher"]
        assert entry["url"] == "" or entry["url"].startswith("https://")
    assert textstat.flesch_kincaid_grade(plain(block["text"])) <= 8.0


# -- the menu: giving and receiving -------------------------------------------------------------------

def test_giving_and_receiving_come_as_pairs_of_separate_items():
    ids = {item["id"]: item for item in MENU["items"]}
    seen = set()
    for pair in MENU["pairs"]:
        give, receive = ids[pair["giving"]], ids[pair["receiving"]]
        assert give["kind"] == receive["kind"] and give["text"] != receive["text"]
        assert not ({give["id"], receive["id"]} & seen), "an item belongs to one pair only"
        seen |= {give["id"], receive["id"]}
        assert "{giver}" in pair["together"] and "{receiver}" in pair["together"]
    texts = " ".join(ids[p["receiving"]]["text"] for p in MENU["pairs"]).lower()
    assert "oral sex" in texts and "penetrated" in texts and "genitals" in texts and "chest" in texts


def test_retired_ids_are_never_reused_and_each_is_replaced_by_a_pair():
    current = {item["id"] for item in MENU["items"]}
    retired = set(MENU["retired"])
    assert not (retired & current), "a retired id given a new meaning would misread old ratings"
    assert {p["replaces"] for p in MENU["pairs"]} == retired
    assert not any(i.startswith("own_") for i in current), "own ideas use the own_ prefix"
    assert len(current) == len(MENU["items"])


@pytest.fixture
def page(journal_file):
    return ModulePage(4, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")


def test_a_person_rates_giving_and_receiving_on_their_own(page, journal_file):
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    menu.rating_fields["oral_receiving"].choose(YES)
    assert menu.rating_fields["oral_giving"].value is None
    assert menu.rating_fields["oral_receiving"].value == YES
    assert PrivateAnswers(Journal(journal_file).partner("a")).read()["ratings"] == {"oral_receiving": YES}


def test_an_old_rating_under_a_retired_id_is_never_shown_or_matched(page, journal_file):
    for slot in ("a", "b"):
        PrivateAnswers(Journal(journal_file).partner(slot)).write(
            {"ratings": {"oral": YES, "penetration": YES, "kissing": YES}, "notes": {}})
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    assert "oral" not in menu.rating_fields and "penetration" not in menu.rating_fields
    assert all(menu.rating_fields[i].value is None for p in MENU["pairs"] for i in (p["giving"], p["receiving"]))
    assert "oral" not in {i["id"] for i in menu_items(Journal(journal_file).shared())}
    reveal = Reveal(page, REVEAL_SPEC)
    for slot in ("a", "b"):
        page.picker.choose(slot)
        assert reveal.press(slot)
    shown = reveal.results.value
    assert "Kissing on the lips" in shown
    assert "oral sex" not in shown.lower() and "penetrat" not in shown.lower()
