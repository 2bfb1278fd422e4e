"""The timed plan of a module, laid out once: for the facilitator notes and for the handbook."""
from __future__ import annotations

from .. import curriculum
from ..kit.sources import page_sources_markdown

PLAN_START = "<!-- timed plan: written by `python -m widgets.authoring.build` from the module's .toml file; edit that, not this -->"


PLAN_END = "<!-- end of timed plan -->"


def plan_markdown(module: curriculum.Module) -> str:
    """The block at the top of a module's facilitator notes: summary, objectives, timed plan, key points,
    and where the module's medical facts come from."""

    return "\n".join([
        PLAN_START, "", f"**{module.summary}**", "",
        "## Objectives", "", *[f"- {o}" for o in module.objectives], "",
        "## Timed plan", "", timed_plan_markdown(module), "",
        "## Key points", "", *[f"- {k}" for k in module.key_points], "",
        *page_sources_markdown(module), "", PLAN_END,
    ])


def notes_with_plan(text: str, module: curriculum.Module) -> str:
    """The facilitator notes with their timed plan block written anew (added after the title paragraph)."""
    block = plan_markdown(module)
    if PLAN_START in text and PLAN_END in text:
        head, rest = text.split(PLAN_START, 1)
        return head + block + rest.split(PLAN_END, 1)[1]
    at = text.find("\n## ")
    at = len(text) if at < 0 else at + 1
    return text[:at] + block + "\n\n" + text[at:]


KIND_WORDS = {"teaching": "Teaching", "exercise": "Exercise", "discussion": "Discussion", "break": "Break"}


def clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def timed_plan_markdown(module: curriculum.Module) -> str:
    """The module's timed plan as a Markdown table, clock times from the start of the session.

    The one place the plan is laid out: the facilitator notes carry it as it is
    (``widgets.authoring.build``), and the handbook renders it to HTML.
    """
    rows, start = [], 0
    for seg in module.segments:
        title = _cell(seg.title)
        on_page = "; ".join(exercise_label(module, i) for i in seg.exercises)
        rows.append(f"| {clock(start)}–{clock(start + seg.minutes)} | {title} | {KIND_WORDS[seg.kind]} | {seg.minutes} "
                    f"| {on_page} |")
        start += seg.minutes
    totals = ", ".join(f"{KIND_WORDS[k].lower()} {v}" for k, v in module.minutes_by_kind().items())
    return "\n".join(["| Time | Segment | Kind | Minutes | Exercises on the page |", "|---|---|---|---|---|", *rows,
                      f"| | **Total** ({totals}) | | **{start}** | |"])


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a bar would split the table cell


def exercise_label(module: curriculum.Module, exercise_id: str) -> str:
    """An exercise as the plan names it: its title as people see it, and its id as the notes name it."""
    return f"{_cell(module.exercise(exercise_id)['title'])} (`{exercise_id}`)"
