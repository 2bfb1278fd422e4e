"""Where Closer Again keeps things on this device.

The journal lives in the per-user data folder (``platformdirs``), unless the
``CLOSER_AGAIN_JOURNAL`` environment variable or a notebook's ``journal_path``
parameter names another file. The facilitator log (errors only, never answers)
lives in the per-user log folder, or where ``CLOSER_AGAIN_LOG_DIR`` says.
"""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "closer-again"
JOURNAL_ENV = "CLOSER_AGAIN_JOURNAL"
LOG_ENV = "CLOSER_AGAIN_LOG_DIR"
JOURNAL_FILENAME = "journal.sqlite3"


def journal_path(override: str | os.PathLike | None = None) -> Path:
    """The journal file: the parameter wins, then the environment, then the default."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(JOURNAL_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / JOURNAL_FILENAME


def log_dir() -> Path:
    env = os.environ.get(LOG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_log_dir(APP, appauthor=False))


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
