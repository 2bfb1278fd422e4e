"""The private menu: matches, privacy between partners, and the passphrase lock."""
from __future__ import annotations

import itertools
import json

import pytest

from widgets import ModulePage, curriculum
from widgets.exercises.menu import (
    MAYBE,
    NO,
    NOT_NOW,
    YES,
    PrivateAnswers,
    PrivateMenu,
    Reveal,
    WrongPassphrase,
    find_matches,
    lock,
    menu_items,
    unlock,
)
from widgets.storage.journal import Journal

RATINGS = [YES, MAYBE, NOT_NOW, NO, None]
MENU_SPEC = {"kind": "exercise", "id": "menu", "type": "menu", "scope": "private", "title": "Our menu",
             "intro": "Rate alone.", "content_note": "Sexual activities are named."}
REVEAL_SPEC = {"kind": "exercise", "id": "reveal", "type": "menu_reveal", "scope": "shared", "title": "Our matches",
               "intro": "Both press.", "content_note": "Shows shared yeses."}


@pytest.mark.parametrize("a,b,maybe_a,maybe_b", list(itertools.product(RATINGS, RATINGS, [False, True], [False, True])))
def test_every_combination_of_ratings_and_maybe_choices(a, b, maybe_a, maybe_b):
    found = find_matches({"x": a} if a else {}, {"x": b} if b else {}, ["x"], maybe_a, maybe_b)
    both_yes = a == YES and b == YES
    yes_maybe = maybe_a and maybe_b and {a, b} == {YES, MAYBE}
    assert found["both_yes"] == (["x"] if both_yes else [])
    assert found["yes_and_maybe"] == (["x"] if yes_maybe else [])


PAIRS = [{"giving": "oral_giving", "receiving": "oral_receiving", "together": "{giver} gives {receiver} oral sex"}]
PAIR_ORDER = ["kissing", "oral_giving", "oral_receiving"]


def test_giving_matches_the_other_partners_receiving():
    found = find_matches({"oral_giving": YES}, {"oral_receiving": YES}, PAIR_ORDER, pairs=PAIRS)
    assert found["both_yes"] == ["oral_giving@a"]
    found = find_matches({"oral_receiving": YES}, {"oral_giving": YES}, PAIR_ORDER, pairs=PAIRS)
    assert found["both_yes"] == ["oral_giving@b"]


def test_two_people_who_both_want_to_give_are_not_a_match():
    found = find_matches({"oral_giving": YES}, {"oral_giving": YES}, PAIR_ORDER, pairs=PAIRS)
    assert found == {"both_yes": [], "yes_and_maybe": []}


def test_a_pair_match_reads_as_who_gives_to_whom_with_names_escaped():
    from widgets.exercises.menu import match_text

    names = {"a": "Sam", "b": "<b>Alex</b>"}
    assert match_text("oral_giving@b", {}, PAIRS, names) == "<b>Alex</b> gives Sam oral sex"  # escaped where shown
    assert match_text("kissing", {"kissing": "Kissing"}, PAIRS, names) == "Kissing"


def test_matches_follow_the_menu_order_not_the_order_of_rating():
    order = ["a", "b", "c"]
    found = find_matches({"c": YES, "a": YES}, {"a": YES, "c": YES}, order)
    assert found["both_yes"] == ["a", "c"]
    assert set(found) == {"both_yes", "yes_and_maybe"}  # no count or list of non-matches exists


@pytest.fixture
def page(journal_file):
    return ModulePage(1, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")


def widget_state_text(root) -> str:
    """Everything the browser would receive for this widget tree."""
    seen, out, stack = set(), [], [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or not hasattr(node, "get_state"):
            continue
        seen.add(id(node))
        out.append(json.dumps(node.get_state(), default=str))
        for value in node.get_state().values():
            if isinstance(value, (list, tuple)):
                stack.extend(v for v in value if hasattr(v, "get_state"))
        stack.extend(getattr(node, "children", ()))
    return "\n".join(out)


def test_a_partners_ratings_never_reach_the_other_partners_view(page, journal_file):
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    menu.rating_fields["kissing"].choose(YES)
    menu.rating_fields["oral_receiving"].choose(NO)
    menu.note_fields["oral_receiving"].box.value = "PRIVATE-NOTE-OF-A"
    page.picker.choose("b")
    assert menu.rating_fields["kissing"].value is None and menu.rating_fields["oral_receiving"].value is None
    state = widget_state_text(menu)
    assert "PRIVATE-NOTE-OF-A" not in state
    assert "✓ No" not in state and "✓ Yes" not in state
    b_export = json.dumps(Journal(journal_file).partner("b").export())
    assert "kissing" not in b_export and "PRIVATE-NOTE-OF-A" not in b_export


def test_ratings_are_kept_without_history(page, journal_file):
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    menu.rating_fields["kissing"].choose(YES)
    menu.rating_fields["kissing"].choose(NO)
    assert Journal(journal_file).partner("a").history("menu/ratings") == []


def test_hand_over_hides_everything(page):
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    menu.rating_fields["hold_hands"].choose(YES)
    menu.handover_button.click()
    assert page.active == "" and menu.rating_fields["hold_hands"].value is None
    assert "Hand the device over" in page.picker.state.value


def test_locking_the_private_space_seals_the_ratings_too(page, journal_file):
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    menu.rating_fields["toys"].choose(YES)
    menu.note_fields["toys"].box.value = "SECRET-WISH-7"
    assert page.lock_panel.set_lock("correct horse", "correct horse")
    assert "locked private answers" in menu.lock_note.value
    menu.rating_fields["penetration_receiving"].choose(NOT_NOW)  # a change while open stays sealed
    Journal(journal_file).close()
    raw = journal_file.read_bytes()
    for needle in (b"SECRET-WISH-7", b"toys", b"penetration", b"Not now"):
        assert needle not in raw
    # the other partner, even with the file, cannot read them
    other = Journal(journal_file)
    with pytest.raises(WrongPassphrase):
        other.open_space("a", "wrong guess")
    other.open_space("a", "correct horse")
    assert PrivateAnswers(other.partner("a")).read()["ratings"] == {"toys": YES, "penetration_receiving": NOT_NOW}


def test_an_unlocked_menu_says_plainly_who_can_read_it(page):
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    assert "not locked" in menu.lock_note.value


def test_a_menu_locked_by_an_earlier_version_opens_once_and_moves_into_a_locked_space(page, journal_file):
    Journal(journal_file).partner("a").put("menu/locked", lock({"ratings": {"kissing": YES}, "notes": {}},
                                                               "old menu words"), keep_history=False)
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    assert menu.sections.layout.display == "none"
    assert not menu.open_locked("nope nope nope")
    assert "does not open" in menu.message.value
    assert menu.open_locked("old menu words")
    assert menu.sections.layout.display == ""
    assert menu.rating_fields["kissing"].value == YES
    assert page.journal.is_locked("a")
    page.picker.choose("b")
    page.picker.choose("a")
    assert page.lock_panel.unlock("old menu words")
    assert menu.rating_fields["kissing"].value == YES


def test_lock_round_trip_and_tampering():
    blob = lock({"ratings": {"x": YES}}, "passphrase!")
    assert unlock(blob, "passphrase!") == {"ratings": {"x": YES}}
    blob["token"] = blob["token"][:-4] + "AAAA"
    with pytest.raises(WrongPassphrase):
        unlock(blob, "passphrase!")


def _rate(journal_file, slot, ratings):
    PrivateAnswers(Journal(journal_file).partner(slot)).write({"ratings": ratings, "notes": {}})


def both_press(page, reveal, maybe_a=False, maybe_b=False) -> None:
    """As at one laptop: each partner chooses their own name, then presses their own button."""
    for slot, maybe in (("a", maybe_a), ("b", maybe_b)):
        page.picker.choose(slot)
        reveal.partner_boxes[slot][0].value = maybe
        assert reveal.press(slot)


def test_reveal_needs_both_and_shows_only_shared_yeses(page, journal_file):
    _rate(journal_file, "a", {"kissing": YES, "oral_receiving": NO, "toys": YES, "hold_hands": MAYBE})
    _rate(journal_file, "b", {"kissing": YES, "oral_receiving": YES, "toys": NOT_NOW, "hold_hands": YES})
    reveal = Reveal(page, REVEAL_SPEC)
    page.picker.choose("a")
    assert reveal.press("a")
    assert reveal.results.value == ""  # nothing until both have pressed
    page.picker.choose("b")  # hand over: A's press is remembered, nothing shows yet
    assert reveal.results.value == "" and "Waiting" in reveal.partner_boxes["a"][3].value
    reveal.partner_boxes["b"][0].value = True  # only B wants maybes: so none are shown
    assert reveal.press("b")
    shown = reveal.results.value
    assert "Kissing on the lips" in shown
    for hidden in ("oral sex", "vibrator", "Holding hands"):
        assert hidden not in shown
    assert not any(ch.isdigit() for ch in shown.replace("h4", "")), "no counts of anything"


def test_the_reveal_pairs_one_partners_giving_with_the_others_receiving(page, journal_file):
    _rate(journal_file, "a", {"oral_giving": YES, "back_massage_giving": YES})
    _rate(journal_file, "b", {"oral_receiving": YES, "back_massage_giving": YES})
    reveal = Reveal(page, REVEAL_SPEC)
    both_press(page, reveal)
    shown = reveal.results.value
    assert "Sam gives Alex oral sex" in shown
    assert "massage" not in shown  # both want to give a massage, and nobody to receive one


def test_one_partner_cannot_press_the_other_partners_button(page, journal_file):
    """Otherwise A could rate everything Yes and read B's Yes and Maybe ratings alone."""
    _rate(journal_file, "a", {"kissing": YES, "hold_hands": YES})
    _rate(journal_file, "b", {"kissing": YES, "hold_hands": MAYBE})
    reveal = Reveal(page, REVEAL_SPEC)
    page.picker.choose("a")
    for slot in ("a", "b"):
        reveal.partner_boxes[slot][0].value = True
    assert reveal.press("a")
    assert not reveal.press("b")
    assert "Choose your own name" in reveal.partner_boxes["b"][3].value
    assert reveal.results.value == ""
    page.set_active("")  # nobody at the page: nobody can press either
    assert not reveal.press("b") and reveal.results.value == ""


def test_reveal_includes_yes_and_maybe_only_when_both_choose(page, journal_file):
    _rate(journal_file, "a", {"hold_hands": MAYBE, "kissing": YES})
    _rate(journal_file, "b", {"hold_hands": YES, "kissing": YES})
    reveal = Reveal(page, REVEAL_SPEC)
    both_press(page, reveal, maybe_a=True, maybe_b=True)
    assert "Holding hands" in reveal.results.value and "a Maybe" in reveal.results.value


def test_reveal_marks_what_is_newly_shared_since_last_time(page, journal_file):
    _rate(journal_file, "a", {"kissing": YES})
    _rate(journal_file, "b", {"kissing": YES})
    reveal = Reveal(page, REVEAL_SPEC)
    both_press(page, reveal)
    assert "new since last time" not in reveal.results.value
    _rate(journal_file, "a", {"kissing": YES, "long_hug": YES})
    _rate(journal_file, "b", {"kissing": YES, "long_hug": YES})
    both_press(page, reveal)
    assert "A long hug" in reveal.results.value
    assert reveal.results.value.count("new since last time") == 1


def test_reveal_of_locked_answers_needs_the_passphrase(page, journal_file):
    journal = Journal(journal_file)
    PrivateAnswers(journal.partner("a")).write({"ratings": {"kissing": YES}, "notes": {}})
    journal.lock_space("a", "my secret words")
    journal.close()
    _rate(journal_file, "b", {"kissing": YES})
    reveal = Reveal(page, REVEAL_SPEC)
    page.picker.choose("b")
    assert not reveal.press("a")
    reveal.partner_boxes["a"][1].value = "not my words"
    assert not reveal.press("a")
    assert "does not open" in reveal.partner_boxes["a"][3].value
    reveal.partner_boxes["a"][1].value = "my secret words"  # the passphrase proves it is A
    assert reveal.press("a") and reveal.press("b")
    assert "Kissing" in reveal.results.value


def test_own_ideas_are_shared_without_saying_who_added_them(page, journal_file):
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    menu.add_own("Dancing in the kitchen")
    page.picker.choose("b")
    texts = [i["text"] for i in menu_items(Journal(journal_file).shared())]
    assert "Dancing in the kitchen" in texts
    assert "Dancing in the kitchen" in [f.label for f in menu.rating_fields.values()]
    assert "added_by" not in json.dumps(Journal(journal_file).shared().items())


def test_sections_are_keyboard_buttons_and_close_when_the_device_changes_hands(page):
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    words = menu.section_boxes[0]
    words.toggle.value = True  # a click, or Enter on the focused button
    assert words.is_open
    page.picker.choose("b")
    assert not any(section.is_open for section in menu.section_boxes)


def test_an_earlier_menu_lock_with_a_short_passphrase_asks_for_a_space_lock_first(page, journal_file):
    Journal(journal_file).partner("a").put("menu/locked", lock({"ratings": {"kissing": YES}, "notes": {}}, "short"),
                                           keep_history=False)
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    assert not menu.open_locked("short")
    assert "too short" in menu.message.value and menu.answers.locked
    assert page.lock_panel.set_lock("a longer passphrase", "a longer passphrase")
    assert menu.open_locked("short")
    assert menu.rating_fields["kissing"].value == YES and page.journal.is_locked("a")


def test_the_rating_words_come_from_content_and_the_saved_ratings_stay_the_same(page, journal_file, monkeypatch):
    assert curriculum.text("menu.ratings") == ["Yes", "Maybe / curious", "Not now", "No"]
    ui = curriculum.data("ui")
    ui["menu"]["ratings"] = ["Gladly", "Perhaps", "Later", "Rather not"]
    ui["menu_reveal"]["show"] = "{name}, press here"
    real = curriculum._content_file
    monkeypatch.setattr(curriculum, "_content_file", lambda name: ui if name == "ui" else real(name))
    menu, reveal = PrivateMenu(page, MENU_SPEC), Reveal(page, REVEAL_SPEC)
    page.picker.choose("a")
    kissing = menu.rating_fields["kissing"]
    assert [b.description for b in kissing.buttons] == ["Gladly", "Perhaps", "Later", "Rather not"]
    kissing.choose(MAYBE)
    menu.rating_fields["long_hug"].choose(YES)
    assert kissing.buttons[1].description == "✓ Perhaps" and kissing.value == "Maybe / curious"
    assert PrivateAnswers(Journal(journal_file).partner("a")).read()["ratings"] == {
        "kissing": "Maybe / curious", "long_hug": "Yes"}  # what old journals hold, and what matching compares
    assert reveal.partner_boxes["b"][2].description == "Alex, press here"


def test_a_rating_list_that_does_not_fit_the_saved_values_is_refused(page, monkeypatch):
    ui = curriculum.data("ui")
    ui["menu"]["ratings"] = ["Yes", "No"]
    real = curriculum._content_file
    monkeypatch.setattr(curriculum, "_content_file", lambda name: ui if name == "ui" else real(name))
    menu = PrivateMenu(page, MENU_SPEC)
    page.picker.choose("a")
    with pytest.raises(curriculum.ContentError, match="menu.ratings"):
        menu.rating_fields["kissing"]
