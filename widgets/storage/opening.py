"""Which journal a page gets: the one place that decides between a file and the browser.

Outside a group session the answers live in the journal file on this device (the
notebook's ``journal_path`` parameter, the settings, or the default; see
:func:`widgets.storage.paths.journal_path`). In a group session (the settings'
``group_mode``) they live only in each participant's browser, and the parameter
is not used: nothing is written to the facilitator's disk.
"""
from __future__ import annotations

import os

from .. import settings as _settings
from . import paths
from .browser import BrowserJournal
from .journal import Journal


def open_journal(journal_path: str | os.PathLike = "", settings: _settings.Settings | None = None) -> Journal:
    """The file journal on this device, or, in a group session, one held in the participant's browser."""
    settings = settings or _settings.current()
    if settings.group_mode:
        return BrowserJournal()
    return Journal(paths.journal_path(journal_path, settings))
