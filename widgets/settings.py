"""Settings: the one place Closer Again reads environment variables.

Everything the package takes from the environment is a field of ``Settings``,
read by :func:`current` (fresh on every call, so a test's ``monkeypatch.setenv``
works at once). The variables' names are constants here too: the group command
sets them for the servers and kernels it starts, by these names.

==============================  =====================================================
variable                        what it sets
==============================  =====================================================
``CLOSER_AGAIN_JOURNAL``        the journal file (default: the per-user data folder)
``CLOSER_AGAIN_LOG_DIR``        the facilitator log folder (default: per-user log folder)
``CLOSER_AGAIN_COUNTRY``        whose help lines the pages show (default: from content)
``CLOSER_AGAIN_LOCALE``         the language of the words on the pages (default "en")
``CLOSER_AGAIN_GROUP_MODE``     "1" in a group session: answers stay in each browser
``CLOSER_AGAIN_GROUP_SESSION``  a random id, new for every group session
``CLOSER_AGAIN_GROUP_STORAGE``  "local": participants' own devices; else this computer
``CLOSER_AGAIN_GROUP_DIR``      the facilitator's group folder (default: per-user data)
==============================  =====================================================

Paths are given with ``~`` expanded; an unset or empty variable is ``None`` (or
the default shown). Defaults that depend on the machine (``platformdirs``) are
decided in :mod:`widgets.storage.paths`, not here.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

JOURNAL_ENV = "CLOSER_AGAIN_JOURNAL"
LOG_DIR_ENV = "CLOSER_AGAIN_LOG_DIR"
COUNTRY_ENV = "CLOSER_AGAIN_COUNTRY"
LOCALE_ENV = "CLOSER_AGAIN_LOCALE"
GROUP_MODE_ENV = "CLOSER_AGAIN_GROUP_MODE"
GROUP_SESSION_ENV = "CLOSER_AGAIN_GROUP_SESSION"
GROUP_STORAGE_ENV = "CLOSER_AGAIN_GROUP_STORAGE"
GROUP_DIR_ENV = "CLOSER_AGAIN_GROUP_DIR"

#: every variable the package reads (the group command passes these on by name)
NAMES = (JOURNAL_ENV, LOG_DIR_ENV, COUNTRY_ENV, LOCALE_ENV,
         GROUP_MODE_ENV, GROUP_SESSION_ENV, GROUP_STORAGE_ENV, GROUP_DIR_ENV)

DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Settings:
    """What the environment says, typed. Build one with :func:`current` (or by hand in tests)."""

    #: the journal file, if the environment names one
    journal_path: Path | None = None
    #: the facilitator log folder, if the environment names one
    log_dir: Path | None = None
    #: a country code ("GB", "US", ...) for help lines; "" lets the content decide
    country: str = ""
    #: the language of the pages' words
    locale: str = DEFAULT_LOCALE
    #: a group session: answers live in each participant's browser, never on this disk
    group_mode: bool = False
    #: the group session's id, letters and digits only (at most 64); "" outside a session
    group_session: str = ""
    #: "local" (participants' own devices) or "session" (this computer's own browser)
    group_storage: str = "session"
    #: the facilitator's group folder, if the environment names one
    group_dir: Path | None = None
    #: the terminal type (``TERM``), to know whether a QR code may be drawn in colour
    terminal: str = ""

    @property
    def laptop_storage(self) -> bool:
        """True when group pages run in the facilitator's own browser (a session without --network)."""
        return self.group_storage != "local"


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def current(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings as the environment says now (``os.environ`` unless another mapping is given)."""
    env = os.environ if environ is None else environ
    return Settings(
        journal_path=_path(env.get(JOURNAL_ENV)),
        log_dir=_path(env.get(LOG_DIR_ENV)),
        country=(env.get(COUNTRY_ENV) or "").strip().upper(),
        locale=(env.get(LOCALE_ENV) or "").strip() or DEFAULT_LOCALE,
        group_mode=env.get(GROUP_MODE_ENV) == "1",
        group_session="".join(ch for ch in env.get(GROUP_SESSION_ENV, "") if ch.isalnum())[:64],
        group_storage="local" if env.get(GROUP_STORAGE_ENV) == "local" else "session",
        group_dir=_path(env.get(GROUP_DIR_ENV)),
        terminal=env.get("TERM", ""),
    )
