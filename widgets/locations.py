"""Where the project's files are: the one place that knows the layout on disk."""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
CONTENT = PACKAGE / "content"
SHARE = PACKAGE / "share"
STATIC = PACKAGE / "static"
NOTEBOOKS = ROOT / "notebooks"
FACILITATOR = ROOT / "facilitator"
