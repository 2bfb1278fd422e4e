"""Closer Again: the widget kit and journal the workshop notebooks are built from.

Notebooks stay thin: they make a :class:`ModulePage` and display its parts.
Content (texts, prompts, lists) lives in ``widgets/content``; answers live in
the private journal (:mod:`widgets.storage.journal`).
"""
from . import exercises  # noqa: F401 - importing it registers every exercise type
from .kit.landing import landing_html, show_landing
from .kit.page import ModulePage

__all__ = ["ModulePage", "landing_html", "show_landing"]
__version__ = "0.1.0"
