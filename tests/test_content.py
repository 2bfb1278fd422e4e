"""The curriculum's content: complete, adding up, readable, inclusive, our own words."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import textstat

from widgets import curriculum
from widgets.authoring import build
from widgets.kit.exercise import EXERCISE_TYPES

ROOT = Path(__file__).resolve().parent.parent
MODULES = curriculum.modules()
NOTE_SECTIONS = [
    "## Before the session", "## Script", "## Discussion prompts",
    "## Running each exercise in a group", "## What to watch for", "## Adapting",
]
NOT_OUR_WORDS = [r"\bhusband", r"\bwife\b", r"\bwives\b", r"\bboyfriend", r"\bgirlfriend",
                 r"\bthe patient\b", r"\bforeplay\b", r"\bhis or her\b", r"\bhe or she\b"]


def plain(markdown: str) -> str:
    """Prose as a reader meets it: no markup, list items as sentences."""
    text = re.sub(r"[*_`#>]", "", markdown)
    text = re.sub(r"^\s*(?:[-+]|\d+\.)\s+(.*?)\s*$", lambda m: m.group(1).rstrip(".") + ".", text, flags=re.M)
    return text


def ids(mod):
    return f"{mod.number:02d}_{mod.slug}"


def test_modules_are_numbered_in_order_from_one():
    assert [m.number for m in MODULES] == list(range(1, len(MODULES) + 1))


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_each_module_has_its_facts_once_as_data(mod):
    assert mod.title and mod.summary and mod.content_note
    assert 3 <= len(mod.objectives) <= 6
    assert len(mod.key_points) >= 3
    assert mod.care_team
    assert sum(s.minutes for s in mod.segments) == mod.minutes == 90
    kinds = mod.minutes_by_kind()
    assert kinds.get("teaching", 0) > 0 and kinds.get("exercise", 0) > 0


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_each_module_has_exercises_and_a_reflection_form(mod):
    real = [e for e in mod.exercises if e["type"] not in ("resources", "journal")]
    assert len(real) >= 2
    assert any(e["type"] == "form" for e in mod.exercises)
    for exercise in mod.exercises:
        assert exercise["type"] in EXERCISE_TYPES, f"no widget for exercise type {exercise['type']!r}"


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_prose_is_substantial_and_plain(mod):
    prose = plain(mod.prose)
    assert len(prose.split()) >= 600, "at least 600 words of prose"
    grade = textstat.flesch_kincaid_grade(prose)
    assert grade <= 8.0, f"reading grade {grade} is above 8"


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_language_is_inclusive(mod):
    text = mod.source.read_text(encoding="utf-8").lower()
    for pattern in NOT_OUR_WORDS:
        assert not re.search(pattern, text), f"{pattern} assumes a role or gender"


def test_a_module_whose_plan_does_not_add_up_is_refused(tmp_path, monkeypatch):
    good = MODULES[0].source.read_text(encoding="utf-8")
    bad = tmp_path / MODULES[0].source.name
    bad.write_text(good.replace("minutes = 90", "minutes = 95", 1), encoding="utf-8")
    with pytest.raises(curriculum.ContentError, match="add up to 90 minutes, not 95"):
        curriculum._load_module(bad)


def test_a_module_missing_key_points_is_refused(tmp_path):
    good = MODULES[0].source.read_text(encoding="utf-8")
    bad = tmp_path / MODULES[0].source.name
    bad.write_text(re.sub(r"key_points = \[.*?\]\n", "", good, flags=re.S), encoding="utf-8")
    with pytest.raises(curriculum.ContentError, match="missing key_points"):
        curriculum._load_module(bad)


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_facilitator_notes_sit_beside_each_module(mod):
    notes = ROOT / "facilitator" / f"{mod.number:02d}_{mod.slug}.md"
    assert notes.exists(), f"missing {notes.name}"
    text = notes.read_text(encoding="utf-8")
    positions = [text.find(section) for section in NOTE_SECTIONS]
    assert all(p >= 0 for p in positions), "notes lack a required section"
    assert positions == sorted(positions)
    # the timed plan names every exercise too: look where the notes say how to run them
    running = text[positions[3]:positions[4]]
    for exercise in mod.exercises:
        if exercise["type"] not in ("resources", "journal"):
            assert exercise["id"] in running, f"notes do not say how to run {exercise['id']}"


def test_notebooks_match_their_content_files():
    assert build.main(["--check"]) == 0, "run: python -m widgets.authoring.build"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_clean_thin_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert "parameters" in first.metadata.get("tags", [])
    cell_ids = [c.id for c in nb.cells]
    assert len(set(cell_ids)) == len(cell_ids)
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 6, "notebooks stay thin: logic lives in widgets/"
