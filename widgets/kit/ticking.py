"""Run a once-a-second countdown in the kernel's event loop, when there is one.

The speaker/listener timer (Module 3) and the facilitator's agenda timers use it.
Outside a running loop (plain Python tests), nothing is scheduled: tests call
``tick()`` themselves.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine


def start_in_background(make_coroutine: Callable[[], Coroutine]) -> asyncio.Task | None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop.create_task(make_coroutine())
