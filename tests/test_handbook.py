"""The facilitator handbook: every module's timed plan, drawn from its data, printable."""
from __future__ import annotations

import re

from widgets import curriculum
from widgets.authoring.handbook import handbook_html, timed_plan_html
from widgets.cli import main as cli_main


def test_timed_plan_runs_from_zero_to_the_stated_length():
    for module in curriculum.modules():
        plan = timed_plan_html(module)
        times = re.findall(r"<td>(\d+:\d\d)–(\d+:\d\d)</td>", plan)
        assert times[0][0] == "0:00"
        assert times[-1][1] == f"{module.minutes // 60}:{module.minutes % 60:02d}"
        assert all(a[1] == b[0] for a, b in zip(times, times[1:])), "segments follow on without gaps"
        assert len(times) == len(module.segments)


def test_handbook_holds_the_guide_every_module_and_the_schedule():
    page = handbook_html()
    assert "<title>Closer Again: facilitator handbook</title>" in page
    for module in curriculum.modules():
        assert f'id="module-{module.number}"' in page
        assert all(seg.title.replace("'", "&#x27;") in page or seg.title in page for seg in module.segments)
    total = sum(m.minutes for m in curriculum.modules())
    assert f"<th>{total} (" in page


def test_handbook_loads_nothing_from_the_network():
    page = handbook_html()
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(src|srcset)\s*=\s*["']?\s*(https?:)?//""", page)
    assert not re.search(r"url\(\s*[\"']?\s*(https?:)?//", page)


def test_handbook_prints_the_guide_pages_and_links_them_within_itself():
    page = handbook_html()
    for anchor, heading in (("guide", "Closer Again: facilitator guide"), ("running-the-series", "Running the series"),
                            ("referral-map", "Referral map")):
        assert f'<section class="guide" id="{anchor}"><h1>{heading}</h1>' in page
        assert f'href="#{anchor}"' in page, f"the contents list leads to {anchor}"
    # the guide's link to the series page leads to that page in the handbook, not to a missing file
    assert 'href="running_the_series.md"' not in page and 'href="referral_map.md"' not in page
    # the referral map is a fill-in table covering the services a facilitator must know before the series
    referral = page[page.index('id="referral-map"'):page.index('id="module-1"')]
    headers = ["Service", "What for", "How to refer", "Contact", "Hours", "Checked on"]
    assert re.search(r"<tr>\s*" + r"\s*".join(f"<th>{h}</th>" for h in headers), referral)
    assert referral.count("<td></td>") >= 50, "cells left empty to fill in"
    for service in ("Psychosexual", "Specialist nurse", "Domestic-abuse service for men",
                    "Domestic-abuse service for LGBT+ people", "crisis line", "Continence", "Stoma",
                    "Pelvic floor", "Relationship counselling", "Carers", "Palliative care"):
        assert service in referral, service
    order = [page.index(f'id="{a}"') for a in ("guide", "running-the-series", "referral-map", "module-1")]
    assert order == sorted(order)


def test_handbook_shows_raw_html_in_notes_as_text(monkeypatch, tmp_path):
    from widgets.authoring import handbook

    notes = tmp_path / "facilitator"
    notes.mkdir()
    m = curriculum.modules()[0]
    (notes / f"{m.number:02d}_{m.slug}.md").write_text("## Script\n\n<script>alert(1)</script>\n")
    monkeypatch.setattr(handbook, "FACILITATOR", notes)
    page = handbook.handbook_html()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_guide_command_writes_the_handbook(tmp_path, capsys):
    out = tmp_path / "handbook.html"
    assert cli_main(["guide", "--out", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "handbook is ready" in capsys.readouterr().out
