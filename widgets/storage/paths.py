"""Where Closer Again keeps things on this device.

The journal lives in the per-user data folder (``platformdirs``), unless a
notebook's ``journal_path`` parameter or the settings (the environment, see
:mod:`widgets.settings`) name another file; :func:`journal_path` is the one place
that decides, with ``~`` expanded. The facilitator log (errors only, never
answers) lives in the per-user log folder, or where the settings say.
"""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from .. import settings as _settings

APP = "closer-again"
JOURNAL_FILENAME = "journal.sqlite3"


def journal_path(override: str | os.PathLike | None = None,
                 settings: _settings.Settings | None = None) -> Path:
    """The journal file: the parameter wins, then the settings, then the default; ``~`` expanded."""
    if override and str(override).strip():
        return Path(str(override).strip()).expanduser()
    found = (settings or _settings.current()).journal_path
    if found:
        return found
    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / JOURNAL_FILENAME


def log_dir(settings: _settings.Settings | None = None) -> Path:
    """The facilitator log folder: the settings, or the per-user log folder."""
    found = (settings or _settings.current()).log_dir
    return found or Path(platformdirs.user_log_dir(APP, appauthor=False))


def group_dir(settings: _settings.Settings | None = None) -> Path:
    """The facilitator's group folder: the settings, or ``group`` in the per-user data folder."""
    found = (settings or _settings.current()).group_dir
    return found or Path(platformdirs.user_data_dir(APP, appauthor=False)) / "group"


def ensure_private_dir(path: Path) -> None:
    """Create the folder (and parents) if needed; a folder we create is 0700."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)


def ensure_private_file(path: Path) -> None:
    """Create the file as 0600 if missing, and tighten it if it is looser."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
