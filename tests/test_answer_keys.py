"""Answer keys have one owner (``curriculum.answer_key``), and reads of another exercise's answers are
declared in content, so renaming an exercise cannot silently cut a reader off from saved answers."""
from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import pytest

from widgets import ModulePage, curriculum
from widgets.exercises.agreement import collect_agreement
from widgets.storage.journal import Journal

WIDGETS = Path(__file__).resolve().parents[1] / "widgets"


def test_keys_are_what_saved_answers_already_use():
    assert curriculum.answer_key(1, "checkin") == "m01/checkin/"
    assert curriculum.answer_key(1, "checkin", "2026-11-20/energy") == "m01/checkin/2026-11-20/energy"
    assert curriculum.answer_key(9, "goals", "regain") == "m09/goals/regain"
    assert curriculum.answer_key(10, "going_on", "next") == "m10/going_on/next"


def test_every_card_keeps_its_answers_under_its_module_and_id(journal_file):
    page = ModulePage(9, journal_path=str(journal_file))
    card = page.exercise("goals")
    assert card.key_prefix == "m09/goals/" == curriculum.answer_key(9, "goals")


def test_every_declared_read_names_an_exercise_that_exists():
    """What the real content declares resolves; a reader that needs a read has one."""
    declared = {}
    for m in curriculum.modules():
        for block in m.exercises:
            for purpose in block.get("reads", {}):
                declared[(m.number, block["id"], purpose)] = curriculum.reads(block, purpose)
    for refs in declared.values():
        for ref in refs:
            assert curriculum.module(ref.module).exercise(ref.exercise) is ref.block
    agreement = curriculum.module(9).exercise("agreement")
    assert [r.exercise for r in curriculum.reads(agreement, "calendar")] == ["calendar"]
    assert curriculum.reads(agreement, "sections")
    progress = curriculum.module(10).exercise("progress_over_weeks")
    assert [(r.module, r.exercise) for r in curriculum.reads(progress, "checkins")] == [(1, "checkin")]
    assert [(r.module, r.exercise) for r in curriculum.reads(progress, "wins")] == [(6, "setbacks_and_wins")]
    assert curriculum.reads(progress, "ladder") == ()  # nothing charts how far a couple got


def test_the_agreement_reads_only_shared_answers():
    """The agreement is printed for both partners: a private exercise may never feed it."""
    agreement = curriculum.module(9).exercise("agreement")
    for purpose in agreement["reads"]:
        assert all(r.scope == "shared" for r in curriculum.reads(agreement, purpose)), purpose


def _renamed(modules, number: int, old: str, new: str):
    """The modules, with one exercise of one module renamed (as a careless edit would)."""
    out = []
    for m in modules:
        if m.number == number:
            blocks = tuple(dict(b, id=new) if b.get("id") == old else b for b in copy.deepcopy(m.blocks))
            m = dataclasses.replace(m, blocks=blocks)
        out.append(m)
    return out


@pytest.mark.parametrize("number, old", [(6, "setbacks_and_wins"), (1, "checkin"),
                                         (9, "calendar"), (9, "goals")])
def test_renaming_an_exercise_that_is_read_elsewhere_is_caught(number, old):
    modules = _renamed(curriculum.modules(), number, old, old + "_renamed")
    with pytest.raises(curriculum.ContentError, match=rf"names exercise '{old}' of Module {number}"):
        curriculum.check_reads(modules)


def test_a_read_of_a_missing_module_is_caught():
    modules = list(curriculum.modules())
    ten = modules[-1]
    blocks = copy.deepcopy(ten.blocks)
    next(b for b in blocks if b.get("id") == "progress_over_weeks")["reads"]["wins"] = [{"module": 99, "exercise": "x"}]
    modules[-1] = dataclasses.replace(ten, blocks=blocks)
    with pytest.raises(curriculum.ContentError, match="reads.wins names"):
        curriculum.check_reads(modules)


def test_no_answer_key_is_spelled_out_in_widget_code():
    """Only curriculum.answer_key writes the ``mNN/`` scheme (a journal migration keeps its own, frozen)."""
    spelled = re.compile(r"""["']m\d\d/|f["']m\{[^}]*\}/""")
    #: journal migration 3 renamed Module 1's old check-in answers in SQL: a migration stays as written
    frozen = ("storage/journal.py", "WHERE key GLOB 'm01/checkin/")
    found = []
    for path in WIDGETS.rglob("*.py"):
        where = path.relative_to(WIDGETS).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not spelled.search(line) or where == "curriculum.py":
                continue
            if where == frozen[0] and frozen[1] in line:
                continue
            found.append(f"{where}:{number}: {line.strip()}")
    assert found == []


def test_answers_saved_under_the_old_keys_still_reach_their_readers(journal_file):
    """Keys written by earlier versions (spelled out here on purpose) are found by the declared reads."""
    j = Journal(journal_file)
    j.set_partner_name("a", "Sam")
    j.shared().put("m09/goals/regain", "Evening walks, hand in hand")
    j.shared().put("m09/calendar/revisit_date", "2027-01-10")
    j.shared().put("m06/setbacks_and_wins/entries/001",
                   {"kind": "A small win", "date": "2026-11-18", "what_happened": "a film, holding hands"})
    j.partner("a").put("m01/checkin/2026-11-18/energy", 7)
    j.close()
    nine = ModulePage(9, journal_path=str(journal_file), today="2026-11-20")
    made = collect_agreement(nine, nine.module.exercise("agreement"))
    assert any(f["value"] == "Evening walks, hand in hand" for s in made["sections"] for f in s["fields"])
    assert made["revisit"] == "2027-01-10"
    ten = ModulePage(10, journal_path=str(journal_file), today="2026-11-20")
    progress = ten.exercise("progress_over_weeks")
    ten.picker.choose("a")
    shown = progress.charts.value
    assert "<svg" in shown and "7.0" in shown  # Module 1's check-in
    assert "Small wins noted" in shown and ": 1" in shown  # Module 6's wins log
