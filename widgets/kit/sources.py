"""Where the medical facts come from: sources shown on cards, at the end of a page, and in the notes.

The sources themselves are content (each module's ``[[sources]]`` and the shared
rules' own list in ``content/shared_rules.toml``); this module only lays them out.
User text never reaches here, but every content string is escaped all the same.
"""
from __future__ import annotations

from html import escape

from .. import curriculum


def label(key: str) -> str:
    """A framing word for stop rules and sources (``[labels]`` in ``content/shared_rules.toml``)."""
    return curriculum.shared_labels()[key]


def _link(text: str, url: str, title: str = "") -> str:
    if not url:
        return escape(text)
    hint = f' title="{escape(title)}"' if title else ""
    return (f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer"{hint}>'
            f"{escape(text)}</a>")


def source_html(source: dict) -> str:
    """One source in full: publisher, linked title, year (or a note that it has no web link)."""
    year = f" ({source['year']})" if source.get("year") else ""
    title = _link(source["title"], source.get("url", ""))
    missing = "" if source.get("url") else f' <span class="ca-help">({escape(label("no_link"))})</span>'
    return f"{escape(source['publisher'])}: {title}{escape(year)}{missing}"


def card_sources_html(sources, item: dict) -> str:
    """A compact line under a card: each publisher once, linked to the page it points to."""
    found = curriculum.card_sources(sources, item)
    if not found:
        return ""
    by_publisher: dict[str, dict] = {}
    for source in found:
        by_publisher.setdefault(source["publisher"], source)
    parts = [_link(p, s.get("url", ""), s["title"]) for p, s in by_publisher.items()]
    return (f'<p class="ca-sources"><strong>{escape(label("card_sources"))}</strong> '
            + "; ".join(parts) + "</p>")


def page_sources_html(module: curriculum.Module) -> str:
    """The "Where this comes from" section at the end of a module page."""
    found = curriculum.page_sources(module)
    heading = f'<h2>{escape(label("page_heading"))}</h2>'
    if not found:
        return heading + f'<p class="ca-help">{escape(label("page_none"))}</p>'
    items = "".join(f"<li>{source_html(s)}</li>" for s in found)
    return heading + f'<p class="ca-help">{escape(label("page_intro"))}</p><ol class="ca-sources">{items}</ol>'


def page_sources_markdown(module: curriculum.Module) -> list[str]:
    """The same list for the facilitator notes, as Markdown lines."""
    lines = [f"## {label('notes_heading')}", ""]
    found = curriculum.page_sources(module)
    if not found:
        return lines + [label("page_none")]
    lines += [label("notes_intro"), ""]
    for number, s in enumerate(found, start=1):
        year = f" ({s['year']})" if s.get("year") else ""
        where = f" <{s['url']}>" if s.get("url") else f" ({label('no_link')})"
        stop = "" if not year and s["title"].endswith(("?", "!", ".")) else "."
        lines.append(f"{number}. {s['publisher']}: *{s['title']}*{year}{stop}{where}")
    return lines
