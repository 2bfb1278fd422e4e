"""Closing a page ends its kernel at once (the page's own request), for participants and facilitator.

The culler is set to ten minutes here, so only the page's own end-this-kernel
request can end a kernel within the seconds these tests allow.
"""
from __future__ import annotations

import time

import pytest
from conftest import answering, group_session

from widgets.group import processes

pytestmark = pytest.mark.browser
CODE = "370518"
POOL = 2


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    with group_session(tmp_path_factory.mktemp("group-close"), POOL, CODE,
                       cull_idle_timeout=600, cull_interval=60) as s:
        assert s.wait_for_pool(240), "the warm pool did not fill"
        yield s


def count_settles(count, target: int, timeout: float) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline and count() != target:
        time.sleep(0.5)
    return count()


def memory(session) -> float:
    pids = [session.participants.pid, *session.kernels()]
    return sum(processes.rss_mb(p) for p in pids)


def open_page(visit, url: str):
    v = visit(390, 844)
    v.open(url)
    v.page.get_by_role("button", name="Partner 1", exact=True).first.click()
    answering(v, "Partner 1", timeout=30)
    return v


def test_closing_participant_pages_ends_their_kernels_and_memory_stays_flat(session, visit):
    assert count_settles(lambda: len(session.kernels()), POOL, 60) == POOL
    baseline = memory(session)
    kernels_after_rounds = []
    for _ in range(3):  # three groups of people come and go
        pages = [open_page(visit, f"{session.local_url}?code={CODE}") for _ in range(2)]
        # two pages in use, and the pool refills behind them
        assert count_settles(lambda: len(session.kernels()), POOL + 2, 90) == POOL + 2
        for v in pages:
            v.page.close(run_before_unload=True)  # the page says goodbye, as a closing tab does
        # within half a minute every participant kernel has ended (not left for the 10-minute culler)
        assert count_settles(lambda: session.pool().get("participants"), 0, 30) == 0
        kernels_after_rounds.append(count_settles(lambda: len(session.kernels()), POOL, 30))
    assert kernels_after_rounds == [POOL, POOL, POOL]
    assert count_settles(lambda: int(session.pool_ready()), 1, 120) == 1
    # memory of the server and its kernels: back where it started, give or take one kernel's worth
    assert memory(session) < baseline + 120, (baseline, memory(session))


def test_closing_the_facilitator_dashboard_ends_its_kernel(session, visit):
    def dashboard_kernels() -> int:
        return len(processes.kernel_pids(session.facilitator.pid))

    # starting the dashboard server started no kernel (its readiness check asks for no page)
    assert dashboard_kernels() == 0
    for _ in range(2):
        f = visit()
        f.page.goto(session.facilitator_url)
        f.page.get_by_text("Access code:").wait_for(timeout=90_000)
        assert count_settles(dashboard_kernels, 1, 30) == 1
        f.page.close(run_before_unload=True)
        assert count_settles(dashboard_kernels, 0, 30) == 0
