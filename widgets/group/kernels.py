"""Warm kernels for a room: the pool, its status, and culling of kernels whose pages closed.

Runs inside the participants' Voila server."""
from __future__ import annotations

import time

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web

from .. import settings


CULL_IDLE_TIMEOUT = 90   # seconds a page may be gone before its kernel ends


CULL_INTERVAL = 15       # how often to look
#: at least this long for a page's browser to connect to the kernel it was handed
UNCONNECTED_GRACE_MIN = 60


def pool_status(kernel_manager) -> dict:
    """How many warm kernels have their page ready, out of the pool; and all kernels."""
    warm = pooled = 0
    for pool in getattr(kernel_manager, "_pools", {}).values():
        for item in pool:
            pooled += 1
            if item.done() and not item.cancelled() and item.exception() is None and item.result()["task"].done():
                warm += 1
    kernels = len(kernel_manager.list_kernel_ids())
    return {"warm": warm, "pooled": pooled, "kernels": kernels, "participants": max(0, kernels - pooled)}


class PoolStatusHandler(JupyterHandler):
    """``/closer-again/pool``: the warm pool, as JSON, for this computer only (no code needed)."""

    @allow_unauthenticated
    def get(self):
        if self.request.remote_ip not in ("127.0.0.1", "::1"):
            raise web.HTTPError(404)
        self.set_header("Cache-Control", "no-store")
        self.finish({**pool_status(self.kernel_manager), "session": settings.current().group_session})


class GroupKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager base for group sessions.

    A warm kernel may sit in the pool for a long time; when a page takes it, its
    ``last_activity`` is old, and on a busy laptop the phone may take many seconds
    to connect. Voila keeps the culler off a kernel only while its pool slot is
    finished, so this class adds two rules:

    - a kernel whose page has connected at least once is culled as usual, once its
      page is gone for ``cull_idle_timeout`` seconds;
    - a kernel no page has connected to yet (being warmed, or handed to a page whose
      browser is still on its way) is left alone for ``unconnected_grace`` seconds
      from the first time the culler sees it, so a slow phone never finds its
      kernel gone; a page that never arrives still has its kernel ended after that.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._first_seen: dict[str, float] = {}
        self._connected_once: set[str] = set()

    @property
    def unconnected_grace(self) -> float:
        return max(3 * self.cull_idle_timeout, UNCONNECTED_GRACE_MIN)

    def notify_connect(self, kernel_id):
        self._connected_once.add(kernel_id)
        return super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id):
        now = time.monotonic()
        first = self._first_seen.setdefault(kernel_id, now)
        if kernel_id not in self._connected_once and now - first < self.unconnected_grace:
            return None
        return await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self._first_seen.pop(kernel_id, None)
        self._connected_once.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)
