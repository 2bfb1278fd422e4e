"""Errors are logged for the facilitator and shown to participants kindly.

The log holds where an error happened (file, line, function, error type),
never an error's message or any value: those can contain answers.
"""
from __future__ import annotations

import functools
import logging
import os
import traceback
from typing import Callable

from . import curriculum
from .storage import paths

log = logging.getLogger("closer_again")


def _ensure_handler() -> None:
    if log.handlers:
        return
    try:
        folder = paths.log_dir()
        paths.ensure_private_dir(folder)
        file = folder / "closer-again.log"
        paths.ensure_private_file(file)
        handler: logging.Handler = logging.FileHandler(file, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def describe(exc: BaseException) -> str:
    """Where and what kind of error, without its message (which may hold answers)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(
        f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in reversed(frames[-6:])
    )
    return f"{type(exc).__name__} at {where or 'unknown place'}"


def report(exc: BaseException, context: str) -> None:
    _ensure_handler()
    log.error("%s: %s", context, describe(exc))


def kindly(on_error: Callable[[str], None] | None = None, context: str = "callback"):
    """Decorate a widget callback: log errors for the facilitator, tell the person kindly."""

    def wrap(func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - a participant never sees a traceback
                report(exc, context or func.__qualname__)
                if on_error is not None:
                    on_error(curriculum.text("errors.unexpected"))
                return None

        return inner

    return wrap
