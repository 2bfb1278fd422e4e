"""One calm, consistent look for every page (Voila and JupyterLab).

Body text 18 px, targets at least 44 px, AA contrast, a visible focus ring,
and a single column that fits a 390 px phone without sideways scrolling.
The style sheet is plain CSS, loaded from this package: nothing from outside.
"""
from __future__ import annotations

import functools

from .. import locations

CSS_FILE = locations.STATIC / "closer-again.css"


@functools.cache
def css() -> str:
    return CSS_FILE.read_text(encoding="utf-8")


def style_tag() -> str:
    return f"<style>{css()}</style>"
