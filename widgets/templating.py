"""Whole HTML documents from Jinja2 templates (``widgets/templates``), always autoescaped.

A template reads its words with ``t("section.key", name=...)`` (from ``content/ui.toml``, in the
chosen language). Everything a template prints is escaped unless it is marked safe in code, so a
person's own words stay inert text wherever they are shown. A language may carry its own copy of a
template in ``content/locales/<code>/templates/``; that copy is used instead.
"""
from __future__ import annotations

import jinja2
from jinja2.utils import markupsafe

#: HTML made in code and already escaped there (e.g. Markdown through mistune with escape=True)
Markup = markupsafe.Markup

from . import curriculum, locations

TEMPLATES = locations.PACKAGE / "templates"


def _environment(locale: str) -> jinja2.Environment:
    folders = [TEMPLATES]
    own = curriculum.locale_dir(locale)
    if own is not None and (own / "templates").is_dir():
        folders.insert(0, own / "templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["t"] = curriculum.text
    env.globals["lang"] = curriculum.language_tag()
    return env


def render(name: str, **context) -> str:
    """The document ``templates/<name>``, filled in (every value escaped)."""
    locale = curriculum.current_locale()
    return _environment(locale).get_template(name).render(**context)
