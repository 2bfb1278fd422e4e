"""Closer Again: the widget kit and journal the workshop notebooks are built from.

Notebooks stay thin: they make a :class:`ModulePage` and display its parts.
Content (texts, prompts, lists) lives in ``widgets/content``; answers live in
the private journal (:mod:`widgets.journal`).
"""
from . import (activities, agreement, checkin, journal_panel, menu, progress, safety,  # noqa: F401
               selfcheck)  # (each registers its exercise types)
from .landing import landing_html, show_landing
from .page import ModulePage

__all__ = ["ModulePage", "landing_html", "show_landing"]
__version__ = "0.1.0"
