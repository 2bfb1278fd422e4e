"""Timed plans: every exercise on a page has its place, once, in the session's plan.

A facilitator runs a group session from the timed plan (facilitator notes, printed
handbook). An exercise that no segment names is one the plan has no time for; one
named twice gets its time twice. Each teaching segment has speaker notes and safe
answers to frequent questions, and sessions 2 to 10 open with a round that reviews
home practice.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from widgets import curriculum
from widgets.authoring import build
from widgets.authoring import plan as plan_module
from widgets.authoring.handbook import handbook_html
from widgets.authoring.plan import plan_markdown, timed_plan_markdown

ROOT = Path(__file__).resolve().parent.parent
MODULES = curriculum.modules()
SPEAKER_NOTES = "## Speaker notes and frequent questions"


def ids(mod):
    return f"{mod.number:02d}_{mod.slug}"


def notes_of(mod) -> str:
    return (ROOT / "facilitator" / f"{mod.number:02d}_{mod.slug}.md").read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under a ``## `` heading, up to the next ``## `` heading."""
    start = text.index(heading) + len(heading)
    end = text.find("\n## ", start)
    return text[start:] if end < 0 else text[start:end]


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_every_exercise_on_the_page_is_in_exactly_one_segment(mod):
    named = [exercise_id for seg in mod.segments for exercise_id in seg.exercises]
    for exercise in mod.exercises:
        count = named.count(exercise["id"])
        assert count == 1, (f"{mod.source.name}: exercise {exercise['id']!r} is in {count} segments; "
                            "add its id to one segment's exercises = [...]")


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_the_plan_follows_the_page_from_top_to_bottom(mod):
    page_order = [e["id"] for e in mod.exercises]
    plan_order = [exercise_id for seg in mod.segments for exercise_id in seg.exercises]
    assert plan_order == sorted(plan_order, key=page_order.index), (
        f"{mod.source.name}: the plan runs the exercises in another order than the page shows them")


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_every_exercise_segment_runs_an_exercise_on_the_page(mod):
    for seg in mod.segments:
        if seg.kind == "exercise":
            assert seg.exercises, f"{mod.source.name}: exercise segment {seg.title!r} names no exercise"


def _first_segment_naming(tmp_path, exercise_id: str) -> Path:
    """Module 1's content file, with its first segment naming one more exercise id."""
    good = MODULES[0].source.read_text(encoding="utf-8")
    first = MODULES[0].segments[0]
    assert not first.exercises
    pattern = r'(title = "' + re.escape(first.title) + r'"\nkind = "\w+"\nminutes = \d+\n)'
    bad = tmp_path / MODULES[0].source.name
    bad.write_text(re.sub(pattern, lambda m: m.group(1) + f'exercises = ["{exercise_id}"]\n', good, count=1),
                   encoding="utf-8")
    return bad


def test_a_segment_naming_an_exercise_not_on_the_page_is_refused(tmp_path):
    bad = _first_segment_naming(tmp_path, "no_such_exercise")
    with pytest.raises(curriculum.ContentError, match="'no_such_exercise', which is no exercise on this page"):
        curriculum._load_module(bad)


def test_an_exercise_in_two_segments_is_refused(tmp_path):
    named = [i for seg in MODULES[0].segments for i in seg.exercises]
    assert "checkin" in named  # Module 1 runs the check-in in a later segment
    bad = _first_segment_naming(tmp_path, "checkin")
    with pytest.raises(curriculum.ContentError, match="exercise 'checkin' is in two segments"):
        curriculum._load_module(bad)


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_the_plan_in_the_notes_names_each_exercise_in_its_segments_row(mod):
    plan = section(notes_of(mod), "## Timed plan")
    assert plan.strip() in plan_module.plan_markdown(mod), "run: python -m widgets.authoring.build"
    rows = {line.split("|")[2].strip(): line for line in plan.splitlines() if re.match(r"\| \d+:\d\d", line)}
    for seg in mod.segments:
        row = rows[seg.title.replace("|", "\\|")]
        for exercise_id in seg.exercises:
            assert f"`{exercise_id}`" in row and mod.exercise(exercise_id)["title"] in row


def test_the_handbook_plan_shows_the_exercises_by_title_and_id():
    page = handbook_html()
    assert "<th>Exercises on the page</th>" in page
    for mod in MODULES:
        assert timed_plan_markdown(mod).count("`") == 2 * len(mod.exercises)
        for exercise in mod.exercises:
            assert f"<code>{exercise['id']}</code>" in page


@pytest.mark.parametrize("mod", MODULES, ids=ids)
def test_every_teaching_segment_has_speaker_notes_and_safe_answers(mod):
    text = notes_of(mod)
    assert SPEAKER_NOTES in text, f"notes lack {SPEAKER_NOTES!r}"
    notes = section(text, SPEAKER_NOTES)
    parts = re.split(r"^### ", notes, flags=re.M)[1:]
    by_title = {part.splitlines()[0].strip(): part for part in parts}
    for seg in mod.segments:
        if seg.kind == "teaching":
            assert seg.title in by_title, f"no speaker notes for teaching segment {seg.title!r}"
            part = by_title[seg.title]
            assert "Frequent questions" in part, f"{seg.title!r} has no frequent questions"
            assert re.search(r"^> ", part, flags=re.M), f"{seg.title!r} gives no answer in words to say"


@pytest.mark.parametrize("mod", [m for m in MODULES if m.number >= 2], ids=ids)
def test_sessions_after_the_first_open_with_a_round_that_reviews_home_practice(mod):
    script = section(notes_of(mod), "## Script")
    assert "Opening round" in script
    round_ = script[script.index("Opening round"):]
    assert "home practice" in round_.lower()
    assert "pass" in round_.lower(), "the opening round says that nobody has to share"
