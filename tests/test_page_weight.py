"""Module pages stay light: at most 600 widget models and 500 KB of widget state each.

Each module's page is built as its notebook builds it (every card, in order), and
the widget models it leaves alive are counted and their state measured, as the
browser would receive them. benchmarks/page_weight.py measures the same in
Chromium, with the time until a press works; this keeps the count from creeping
back between benchmark runs.
"""
from __future__ import annotations

import json

import ipywidgets as w
import pytest
from ipywidgets.widgets.widget import _instances

from widgets import ModulePage, curriculum
from widgets.kit.shared_models import shared_layout

MAX_MODELS = 600
MAX_KB = 500


@pytest.fixture(autouse=True)
def no_widgets_from_earlier_tests():
    w.Widget.close_all()
    yield
    w.Widget.close_all()


def page_models(number: int, journal_file) -> list[w.Widget]:
    page = ModulePage(number, journal_path=str(journal_file), partner_names="Sam, Alex", today="2026-11-20")
    page.header()
    page.who()
    for spec in page.module.exercises:
        page.show(spec["id"])
    page.footer()
    return list(_instances.values())


@pytest.mark.parametrize("number", [m.number for m in curriculum.modules()])
def test_a_module_page_carries_at_most_600_models_and_500_kb(number, journal_file):
    models = page_models(number, journal_file)
    kb = sum(len(json.dumps(m.get_state(), default=str)) for m in models) / 1024
    assert len(models) <= MAX_MODELS, f"Module {number}: {len(models)} widget models"
    assert kb <= MAX_KB, f"Module {number}: {kb:.0f} KB of widget state"


def test_a_shared_layout_refuses_a_change_that_would_reach_every_widget_sharing_it():
    layout = shared_layout(width="100%")
    with pytest.raises(AttributeError):
        layout.display = "none"
    assert layout.display is None and shared_layout(width="100%") is layout
