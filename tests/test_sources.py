"""Every medical statement says where it comes from, and a reader can see it.

Cards and stop rules always need sources; a prose block or quiz item that states
a medical fact is marked ``medical = true`` and needs them too. Rules that hold
across conditions are written once (``content/shared_rules.toml``) and shown
on every card that names them. Sources show on each card, at the end of every
module page ("Where this comes from") and in the facilitator notes.
"""
from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import pytest

from widgets import ModulePage, curriculum
from widgets.authoring import build
from widgets.authoring import plan as plan_module
from widgets.exercises.activities import Cards

ROOT = Path(__file__).resolve().parent.parent
MODULES = curriculum.modules()
CONTENT = ROOT / "widgets" / "content"


def ids(mod):
    return f"{mod.number:02d}_{mod.slug}"


def cited_ids(node) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("sources"), list) and all(isinstance(i, str) for i in node["sources"]):
            found.update(node["sources"])
        for value in node.values():
            found |= cited_ids(value)
    elif isinstance(node, list):
        for value in node:
            found |= cited_ids(value)
    return found


def card_items(mod):
    for block in mod.exercises:
        if block["type"] == "cards":
            yield from block["items"]


# -- every card, stop rule and medical block names a source that exists ------------------------------

@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_every_card_stop_rule_and_medical_block_names_a_source(mod):
    assert curriculum.missing_sources(mod.blocks) == []


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_every_listed_source_is_cited_and_complete(mod):
    cited = cited_ids(list(mod.blocks))
    listed = {s["id"] for s in mod.sources}
    assert cited <= listed  # the loader refuses unknown ids; this says so again, plainly
    assert listed - cited == set(), "a source is listed but nothing on the page rests on it"
    for source in mod.sources:
        assert source["title"].strip() and source["publisher"].strip()
        assert source["kind"] in curriculum.SOURCE_KINDS
        assert source.get("url", "") == "" or re.match(r"^https?://[^\s\"<>]+$", source["url"])


def test_shared_rules_are_sourced_and_each_source_is_used():
    raw = tomllib.loads((CONTENT / "shared_rules.toml").read_text(encoding="utf-8"))
    listed = {s["id"] for s in raw["sources"]}
    assert curriculum.missing_sources([{"kind": "exercise", "type": "cards", "items": raw["rules"]}]) == []
    assert cited_ids(raw["rules"]) == listed


def test_a_card_or_stop_rule_without_a_source_is_reported():
    blocks = [{"kind": "exercise", "type": "cards", "id": "x", "items": [
        {"title": "Heart", "text": "Notes.", "stop_rules": [{"text": "Chest pain: stop.", "sources": ["a"]}]},
        {"title": "Stroke", "text": "Notes.", "sources": ["a"], "stop_rules": ["Face drooping: call for help."]},
        {"title": "MS", "text": "Notes.", "sources": ["a"], "stop_rules": [{"text": "Too hot: stop.", "sources": []}]},
    ]}, {"kind": "prose", "heading": "Medicines", "text": "Pills can lower desire.", "medical": True}]
    missing = curriculum.missing_sources(blocks)
    assert any("Heart: no source" in m for m in missing)
    assert any("Face drooping" in m for m in missing)
    assert any("Too hot" in m for m in missing)
    assert any("Medicines: marked medical" in m for m in missing)
    assert len(missing) == 4


def _module_with(tmp_path, replace: str, by: str) -> Path:
    good = curriculum.module(2).source.read_text(encoding="utf-8")
    assert replace in good
    bad = tmp_path / curriculum.module(2).source.name
    bad.write_text(good.replace(replace, by, 1), encoding="utf-8")
    return bad


@pytest.mark.parametrize("replace, by, refusal", [
    ('sources = ["aha-sex-heart-2012", "bhf-sex-heart", "bhf-survey-2018"]',
     'sources = ["aha-sex-heart-2012", "made-up-page"]', "unknown source 'made-up-page'"),
    ('sources = ["lhch-icd-shock"] }', 'sources = ["no-such-leaflet"] }', "unknown source 'no-such-leaflet'"),
    ('shared_rules = ["seizures", "low-feeling"]', 'shared_rules = ["seizure"]', "unknown shared rule 'seizure'"),
    ('publisher = "UCLA Health"', 'publisher = ""', "a source lacks publisher"),
], ids=["unknown source on a card", "unknown source in a stop rule", "unknown shared rule", "source without publisher"])
def test_a_module_naming_what_does_not_exist_is_refused(tmp_path, replace, by, refusal):
    bad = _module_with(tmp_path, replace, by)
    with pytest.raises(curriculum.ContentError, match=refusal):
        curriculum._load_module(bad)


# -- rules that hold across conditions: written once, shown wherever they apply ------------------------

def _cards_by_title():
    return {item["title"]: item for item in card_items(curriculum.module(2))}


def test_cross_condition_rules_are_written_once_and_used_on_several_cards():
    cards = _cards_by_title()
    text = "\n".join(p.read_text(encoding="utf-8") for p in (CONTENT / "modules").glob("*.toml"))
    for rule in curriculum.shared_rules():
        users = [t for t, item in cards.items() if rule["id"] in item.get("shared_rules", [])]
        assert len(users) >= 2, f"{rule['id']} holds across conditions, yet only {users} show it"
        for stop in rule["stop_rules"]:
            assert stop["text"] not in text, "a shared rule's words are copied into a module instead of named"


@pytest.mark.parametrize("title, needed", [
    ("Spinal cord injury", {"autonomic-dysreflexia", "low-feeling", "fainting", "erection-pills"}),
    ("Heart disease", {"chest-pain", "erection-pills", "fainting"}),
    ("Heart surgery, pacemakers and ICDs", {"chest-pain", "erection-pills"}),
    ("Stroke", {"stroke-signs", "low-feeling", "seizures", "erection-pills"}),
    ("Brain injury", {"seizures", "low-feeling"}),
    ("Diabetes", {"low-feeling", "erection-pills"}),
    ("Parkinson's", {"fainting", "erection-pills"}),
    ("Lung disease and home oxygen", {"erection-pills"}),
    ("Urinary catheters", {"autonomic-dysreflexia"}),
    ("Erection aids: pills, injections and pumps", {"erection-pills", "autonomic-dysreflexia"}),
    ("Positioning aids", {"low-feeling"}),
    ("Continence: bladder and bowel", {"autonomic-dysreflexia"}),
])
def test_each_card_shows_the_cross_condition_rules_that_apply_to_it(title, needed):
    assert needed <= set(_cards_by_title()[title].get("shared_rules", []))


def test_module_2_covers_the_conditions_and_treatments_couples_ask_about():
    m = curriculum.module(2)
    conditions = {i["title"] for i in m.exercise("condition_notes")["items"]}
    treatments = {i["title"] for i in m.exercise("treatment_notes")["items"]}
    assert {"Cancer", "Stroke", "Spinal cord injury", "Heart disease", "Multiple sclerosis (MS)", "Chronic pain",
            "Brain injury", "Diabetes", "Parkinson's", "Lung disease and home oxygen", "Joint replacement",
            "Heart surgery, pacemakers and ICDs"} <= conditions
    words = " ".join(treatments).lower()
    for topic in ("stoma", "catheter", "lymphoedema", "radiotherapy", "dilator", "menopause", "hormone therapy",
                  "erection", "lubricant", "moisturiser", "positioning", "continence"):
        assert topic in words, f"no treatment note on {topic}"
    assert all(i.get("stop_rules") for i in [*m.exercise("condition_notes")["items"],
                                             *m.exercise("treatment_notes")["items"]])


def test_key_safety_facts_are_stated_not_only_deferred():
    rules = curriculum.condition_stop_rules()
    sci = " ".join(rules["Spinal cord injury"]).lower()
    for fact in ("t6", "pounding headache", "sit up", "loosen", "bladder", "catheter", "bowel", "skin",
                 "emergency services", "erection pill"):
        assert fact in sci
    heart = " ".join(rules["Heart disease"]).lower()
    for fact in ("chest pain", "24 hours", "48 hours", "tadalafil", "riociguat", "alpha blocker", "gtn"):
        assert fact in heart
    devices = _cards_by_title()["Heart surgery, pacemakers and ICDs"]["text"].lower()
    assert "6 to 8 weeks" in devices and "will not be harmed" in devices
    heart_text = _cards_by_title()["Heart disease"]["text"].lower()
    assert "two flights of stairs" in heart_text and "about a week" in heart_text


# -- what a reader sees: on each card, at the end of the page, in the notes ---------------------------

def test_each_card_shows_its_sources_and_the_shared_rules_it_names(journal_file):
    page = ModulePage(2, journal_path=str(journal_file))
    notes = Cards(page, curriculum.module(2).exercise("condition_notes"))
    sci = next(i for i, t in enumerate(notes.toggles) if t.description == "Spinal cord injury")
    shown = notes.panel(sci).value
    assert "Autonomic dysreflexia (spinal cord injury at T6 or above)" in shown
    assert "Low feeling and pressure on the skin" in shown
    assert "Where this comes from:" in shown
    assert 'href="https://pmc.ncbi.nlm.nih.gov/articles/PMC3425877"' in shown  # the card's own source
    assert 'href="https://pmc.ncbi.nlm.nih.gov/articles/PMC8152175"' in shown  # a shared rule's source
    assert 'rel="noopener noreferrer"' in shown


def test_a_card_written_with_plain_stop_rules_still_shows_them(journal_file):
    page = ModulePage(1, journal_path=str(journal_file))
    spec = {"kind": "exercise", "id": "t", "type": "cards", "scope": "shared", "title": "T", "intro": "I",
            "content_note": "C", "items": [{"title": "X", "text": "Text.", "stop_rules": ["<b>Stop</b> now."]}]}
    shown = Cards(page, spec).panel(0).value
    assert "&lt;b&gt;Stop&lt;/b&gt; now." in shown and "Where this comes from" not in shown


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_every_page_ends_with_where_this_comes_from(mod, journal_file):
    footer = ModulePage(mod.number, journal_path=str(journal_file)).footer_html()
    assert "<h2>Where this comes from</h2>" in footer
    assert footer.rindex("Where this comes from") > footer.rindex("Key points")
    for source in curriculum.page_sources(mod):
        assert html.escape(source["publisher"]) in footer
        if source.get("url"):
            assert f'href="{html.escape(source["url"])}"' in footer


def test_module_2_page_lists_the_shared_rules_sources_too(journal_file):
    footer = ModulePage(2, journal_path=str(journal_file)).footer_html()
    assert "Epilepsy Society" in footer and "Guy&#x27;s and St Thomas&#x27; NHS Foundation Trust" in footer
    assert footer.count("https://doi.org/10.1161/CIR.0b013e3182447787") == 1  # listed once, though cited twice


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_facilitator_notes_carry_the_same_sources(mod):
    notes = (ROOT / "facilitator" / f"{mod.number:02d}_{mod.slug}.md").read_text(encoding="utf-8")
    plan = notes.split(plan_module.PLAN_START, 1)[1].split(plan_module.PLAN_END, 1)[0]
    assert "## Where this comes from" in plan
    for source in curriculum.page_sources(mod):
        assert source["title"] in plan
        if source.get("url"):
            assert f"<{source['url']}>" in plan


def test_the_ladder_shows_a_conditions_own_and_shared_stop_rules():
    rules = curriculum.condition_stop_rules()
    assert any("dysreflexia" in r.lower() for r in rules["Spinal cord injury"])
    assert any("hypo" in r.lower() for r in rules["Diabetes"])
    assert any("nitrate" in r.lower() for r in rules["Diabetes"])  # the medicine rule travels with the card


def test_a_quiz_explanation_shows_where_its_fact_comes_from(journal_file):
    from widgets import ModulePage

    page = ModulePage(2, journal_path=str(journal_file), partner_names="Sam, Alex")
    quiz = page.exercise("myth_or_fact")
    page.request("a")
    sourced = next(i for i, item in enumerate(quiz.items) if item.get("sources"))
    quiz.choices[sourced].choose("Myth")
    assert 'class="ca-sources"' in quiz.explanations[sourced].value
