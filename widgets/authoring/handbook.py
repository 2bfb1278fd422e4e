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

from .. import curriculum, locations
from .plan import PLAN_END, PLAN_START, timed_plan_markdown

ROOT = locations.ROOT
FACILITATOR = locations.FACILITATOR
# the guide pages, in the order the handbook prints them, and their anchors in it
GUIDE_PAGES = (("README.md", "guide"), ("running_the_series.md", "running-the-series"),
               ("referral_map.md", "referral-map"))

PRINT_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 12pt; line-height: 1.5; color: #1f2a30;
       max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 22pt; } h2 { font-size: 16pt; margin-top: 1.6em; } h3 { font-size: 13pt; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; }
th, td { border: 1px solid #8a9aa1; padding: 4px 8px; text-align: left; vertical-align: top; }
blockquote { border-left: 4px solid #1d5c63; margin-left: 0; padding-left: 1em; color: #33424a; }
.module, .guide + .guide { page-break-before: always; }
#referral-map td { height: 2.4em; }  /* room to write by hand */
#referral-map th:nth-child(4) { width: 18%; }  /* the contact needs the most room */
.module td:first-child { white-space: nowrap; }  /* a plan's times stay on one line */
nav ol { columns: 2; }
@media print { a { color: inherit; text-decoration: none; } nav { page-break-after: always; } }
"""


def timed_plan_html(module: curriculum.Module) -> str:
    return _markdown(timed_plan_markdown(module))


def schedule_html() -> str:
    rows = "".join(
        f"<tr><td>{m.number}</td><td>{html.escape(m.title)}</td><td>{m.minutes}</td></tr>" for m in curriculum.modules()
    )
    total = sum(m.minutes for m in curriculum.modules())
    return (f"<table><tr><th>Module</th><th>Title</th><th>Minutes</th></tr>{rows}"
            f"<tr><th colspan='2'>Whole workshop</th><th>{total} ({total / 60:.1f} hours)</th></tr></table>")


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


def module_section(module: curriculum.Module) -> str:
    notes_file = FACILITATOR / f"{module.number:02d}_{module.slug}.md"
    notes = notes_file.read_text(encoding="utf-8") if notes_file.exists() else ""
    # the notes' own first heading repeats the module title; the plan block repeats what is drawn below

    if PLAN_START in notes and PLAN_END in notes:
        head, rest = notes.split(PLAN_START, 1)
        notes = head + rest.split(PLAN_END, 1)[1]
    notes = "\n".join(line for line in notes.splitlines()
                      if not line.startswith("# ") and not line.startswith("The objectives, timed plan and key points below"))
    objectives = "".join(f"<li>{html.escape(o)}</li>" for o in module.objectives)
    points = "".join(f"<li>{html.escape(p)}</li>" for p in module.key_points)
    return (
        f'<section class="module" id="module-{module.number}">'
        f"<h1>Module {module.number}: {html.escape(module.title)}</h1>"
        f"<p>{html.escape(module.summary)}</p>"
        f"<p><strong>Content note:</strong> {html.escape(module.content_note)}</p>"
        f"<h2>Objectives</h2><ul>{objectives}</ul>"
        f"<h2>Timed plan ({module.minutes} minutes)</h2>{timed_plan_html(module)}"
        f"<h2>Key points</h2><ul>{points}</ul>"
        f"{_markdown(notes)}</section>"
    )


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
    today = today or _dt.date.today()
    guide = guide_sections()
    pages = [(anchor, _page_title(FACILITATOR / name)) for name, anchor in GUIDE_PAGES if (FACILITATOR / name).exists()]
    toc = "".join(f'<li><a href="#{anchor}">{html.escape(title)}</a></li>' for anchor, title in pages) + "".join(
        f'<li><a href="#module-{m.number}">Module {m.number}: {html.escape(m.title)}</a></li>'
        for m in curriculum.modules()
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Closer Again: facilitator handbook</title><style>{PRINT_CSS}</style></head><body>"
        f"<p>Printed {today.isoformat()}. Use your browser's Print, or Save as PDF.</p>"
        f"<nav><h2>Contents</h2><ol>{toc}</ol><h2>The whole schedule</h2>{schedule_html()}</nav>"
        f"{guide}"
        + "".join(module_section(m) for m in curriculum.modules())
        + "</body></html>"
    )


def write_handbook(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(handbook_html(), encoding="utf-8")
    return out
