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
    ``last_activity`` is old. Without care the culler could end it in the second
    between the page arriving and the browser connecting. So a kernel that leaves
    the pool gets one full idle period, counted from the first time the culler
    sees it outside the pool, before it can be culled.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._first_seen: dict[str, float] = {}

    async def cull_kernel_if_idle(self, kernel_id):
        now = time.monotonic()
        first = self._first_seen.setdefault(kernel_id, now)
        if now - first < self.cull_idle_timeout:
            return None
        return await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self._first_seen.pop(kernel_id, None)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)
