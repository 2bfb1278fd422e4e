"""The facilitator's printable handbook, built from the guide, the notes and the modules' data.

    closer-again guide            writes build/facilitator-handbook.html

Each module's timed plan is drawn from its content file (the single source of
its segments), so the plan, the notebooks and the landing page never disagree.
"""
from __future__ import annotations

import datetime as _dt
import html
from pathlib import Path

import mistune

from .. import curriculum, locations, templating
from ..templating import Markup
from .plan import PLAN_END, PLAN_START, timed_plan_markdown

ROOT = locations.ROOT
FACILITATOR = locations.FACILITATOR
# the guide pages, in the order the handbook prints them, and their anchors in it
GUIDE_PAGES = (("README.md", "guide"), ("running_the_series.md", "running-the-series"),
               ("referral_map.md", "referral-map"))

def timed_plan_html(module: curriculum.Module) -> str:
    return _markdown(timed_plan_markdown(module))


def schedule_html() -> str:
    t = curriculum.html_text
    rows = "".join(
        f"<tr><td>{m.number}</td><td>{html.escape(m.title)}</td><td>{m.minutes}</td></tr>" for m in curriculum.modules()
    )
    total = sum(m.minutes for m in curriculum.modules())
    return (f"<table><tr><th>{t('handbook.module_col')}</th><th>{t('handbook.title_col')}</th>"
            f"<th>{t('handbook.minutes_col')}</th></tr>{rows}"
            f"<tr><th colspan='2'>{t('handbook.whole')}</th>"
            f"<th>{t('handbook.hours', minutes=total, hours=f'{total / 60:.1f}')}</th></tr></table>")


def _page_title(path: Path) -> str:
    """A guide page's first heading, without the project name in front."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            title = line[2:].strip().removeprefix("Closer Again: ")
            return title[:1].upper() + title[1:]
    return path.stem.replace("_", " ")


def _markdown(text: str) -> str:
    # escape=True: any raw HTML in a notes file is shown as text, never run
    return mistune.create_markdown(escape=True, plugins=["table"])(text)


def module_notes_html(module: curriculum.Module) -> str:
    """A module's facilitator notes, as safe HTML, without what the handbook draws itself."""
    notes_file = FACILITATOR / f"{module.number:02d}_{module.slug}.md"
    notes = notes_file.read_text(encoding="utf-8") if notes_file.exists() else ""
    # the notes' own first heading repeats the module title; the plan block repeats what is drawn below
    if PLAN_START in notes and PLAN_END in notes:
        head, rest = notes.split(PLAN_START, 1)
        notes = head + rest.split(PLAN_END, 1)[1]
    notes = "\n".join(line for line in notes.splitlines()
                      if not line.startswith("# ") and not line.startswith("The objectives, timed plan and key points below"))
    return _markdown(notes)


def guide_sections() -> str:
    """The guide pages, in GUIDE_PAGES order, each its own section (a missing page is left out)."""
    out = []
    for name, anchor in GUIDE_PAGES:
        path = FACILITATOR / name
        if path.exists():
            out.append(f'<section class="guide" id="{anchor}">{_markdown(path.read_text(encoding="utf-8"))}</section>')
    page = "".join(out)
    for name, anchor in GUIDE_PAGES:  # a link from one guide page to another leads within the handbook
        page = page.replace(f'href="{name}"', f'href="#{anchor}"')
    return page


def handbook_html(today: _dt.date | None = None) -> str:
    """The whole handbook (``templates/handbook.html.j2``)."""
    today = today or _dt.date.today()
    modules = curriculum.modules()
    return templating.render(
        "handbook.html.j2",
        today=today.isoformat(),
        pages=[(anchor, _page_title(FACILITATOR / name)) for name, anchor in GUIDE_PAGES
               if (FACILITATOR / name).exists()],
        modules=modules,
        # HTML made here is safe: mistune escapes raw HTML in notes; schedule_html escapes titles
        schedule=Markup(schedule_html()),
        guide=Markup(guide_sections()),
        plans={m.number: Markup(timed_plan_html(m)) for m in modules},
        notes={m.number: Markup(module_notes_html(m)) for m in modules},
    )


def write_handbook(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(handbook_html(), encoding="utf-8")
    return out
